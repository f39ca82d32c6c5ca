#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (after init.sh switched to the overlay root): runs
# each test of the plan with its timeout, captures its output and the
# kernel log it caused, and writes one result line per test for run.sh.
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
SRC= KMOD_ROOT=
for a in $(cat /proc/cmdline); do
	case "$a" in
	vhdsuite.src=*) SRC=${a#vhdsuite.src=} ;;
	vhdsuite.kmod=*) KMOD_ROOT=${a#vhdsuite.kmod=} ;;
	esac
done
export SRC KMOD_ROOT
R=/run/results
mkdir -p $R /scratch /tmp /var/tmp
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results $R || {
	echo "runner: cannot mount results share"
	poweroff -f
}
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t configfs none /sys/kernel/config 2>/dev/null
if mkfs.ext4 -q -F -E lazy_itable_init=1,lazy_journal_init=1 /dev/vda &&
	mount /dev/vda /scratch; then :; else
	echo "runner: scratch disk unusable" | tee $R/runner.err
fi
dmesg -c > $R/boot.dmesg 2>&1

BAD='WARNING:|BUG:|Oops|general protection fault|possible circular locking|inconsistent lock state|suspicious RCU usage|KASAN|kmemleak:.*suspected|blocked for more than|hung_task|possible recursive locking|Kernel panic'

n=0
while read -r name to; do
	[ -n "$name" ] || continue
	n=$((n + 1))
	d=/scratch/t$n
	mkdir -p $d
	log=$R/$n.log
	echo "# [$n] $name (timeout ${to}s)" > /dev/console
	start=$(cut -d' ' -f1 /proc/uptime)
	(cd $d && SCRATCH=$d PATH=$SRC/tools/bin:$PATH \
		timeout -k 5 "$to" "$SRC/selftests/$name") > $log 2>&1 < /dev/null
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	dmesg -c > $R/$n.dmesg 2>&1
	bad=$(grep -E "$BAD" $R/$n.dmesg | head -n 3 | tr '\n' ' ')
	echo "$n $rc $start $end $bad" >> $R/results
	sync
	echo "# [$n] rc=$rc" > /dev/console
	cd /
	rm -rf $d
done < $R/plan

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > $R/kmemleak.txt 2>&1
fi
dmesg -c > $R/final.dmesg 2>&1
echo done > $R/done
sync
umount $R
poweroff -f
