#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside the guest (after init.sh switched to the overlay root): runs
# each test of the plan with its timeout, captures its output and the
# kernel log it caused, and writes one result line per test for run.sh.
# With several guests on one results share, each takes the tests of the
# plan that no other guest took yet (mkdir of claims/N is atomic on the
# host) and writes its own files (suffix -G but for guest 1).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
SRC= KMOD_ROOT= G=1 NG=1
for a in $(cat /proc/cmdline); do
	case "$a" in
	vhdsuite.src=*) SRC=${a#vhdsuite.src=} ;;
	vhdsuite.kmod=*) KMOD_ROOT=${a#vhdsuite.kmod=} ;;
	vhdsuite.guest=*) G=${a#vhdsuite.guest=} ;;
	vhdsuite.guests=*) NG=${a#vhdsuite.guests=} ;;
	esac
done
X=
[ "$G" = 1 ] || X=-$G
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
	echo "runner: scratch disk unusable" | tee $R/runner$X.err
fi
mkdir -p $R/claims
dmesg -c > $R/boot$X.dmesg 2>&1

BAD='WARNING:|BUG:|Oops|general protection fault|possible circular locking|inconsistent lock state|suspicious RCU usage|KASAN|kmemleak:.*suspected|blocked for more than|hung_task|possible recursive locking|Kernel panic'

# A "solo" test (timing or memory bound: a busy host starves its guest)
# runs while no other guest runs one: busy-G marks guest G's running
# test, the folder solo a solo one. Waits end after the test's timeout
# (a guest that died stays "busy").
others_idle() {
	for b in $R/busy-*; do
		[ -e "$b" ] && return 1
	done
	return 0
}
wait_for() {
	w=0
	while ! eval "$2"; do
		[ $w -lt "$1" ] || return 0
		sleep 1
		w=$((w + 1))
	done
}

n=0
while read -r name to solo; do
	[ -n "$name" ] || continue
	n=$((n + 1))
	if [ "$NG" != 1 ]; then
		mkdir $R/claims/$n 2>/dev/null || continue
		if [ "$solo" = solo ]; then
			wait_for "$to" "mkdir $R/solo 2>/dev/null"
			wait_for "$to" others_idle
		fi
		: > $R/busy-$G
		while [ "$solo" != solo ] && [ -d $R/solo ]; do
			rm -f $R/busy-$G
			wait_for "$to" "[ ! -d $R/solo ]"
			: > $R/busy-$G
		done
	fi
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
	echo "$n $rc $start $end $bad" >> $R/results$X
	sync
	echo "# [$n] rc=$rc" > /dev/console
	rm -f $R/busy-$G
	[ "$solo" = solo ] && rmdir $R/solo 2>/dev/null
	cd /
	rm -rf $d
done < $R/plan

if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	sleep 5
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak > $R/kmemleak$X.txt 2>&1
fi
dmesg -c > $R/final$X.dmesg 2>&1
echo done > $R/done$X
sync
umount $R
poweroff -f
