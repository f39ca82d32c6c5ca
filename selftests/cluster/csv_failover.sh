#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The coordinator dies under I/O. Node 1 coordinates and has disk d1 open
# with data it wrote (and was answered for); node 2 writes through it
# (forced redirected mode), node 3 writes directly, both with fio and
# verification. Node 1 loses its power: a survivor takes over with a new
# epoch, node 2's unanswered requests go to it, and both fio runs end
# without an error and verify every block. Then d1, whose writer died
# holding its lock, opens on node 3 and holds what node 1 wrote.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")
FIO="fio --direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --verify_fatal=1 --bs=16k --size=24M"
sysd() { echo "/sys/block/\$(basename \$(readlink -f /dev/csv/$CSV_VOL/$1))/csv/$2"; }

csv_up $all || ksft_fail "volume did not come up"
[ "$(csv_coordinator)" = 1 ] || ksft_fail "coordinator '$(csv_coordinator)', want 1"
e1=$(csv_attr 2 epoch)
for d in 1 2 3; do
	csv $d create $CSV_VOL d$d 32M || ksft_fail "create d$d"
	csv $d open $CSV_VOL d$d > /dev/null || ksft_fail "open d$d"
done
node_run 1 "head -c 4M /dev/urandom > /tmp/d1 && dd if=/tmp/d1 of=/dev/csv/$CSV_VOL/d1 bs=1M oflag=direct status=none && sync" ||
	ksft_fail "node 1 writes d1"
sum=$(node_run 1 "md5sum < /tmp/d1")
csv 2 redirect $CSV_VOL on || ksft_fail "redirect on, node 2"

job() { echo "$FIO --name=f$1 --filename=/dev/csv/$CSV_VOL/d$1 --rw=randwrite --randseed=$1 --output=/tmp/f.out"; }
b2=$(node_bg 2 "$(job 2) > /dev/null 2>&1; rc=\$?; cat /tmp/f.out; exit \$rc")
b3=$(node_bg 3 "$(job 3) > /dev/null 2>&1; rc=\$?; cat /tmp/f.out; exit \$rc")
node_wait_for 2 60 "[ \$(cat $(sysd d2 redirected_bios)) -gt 200 ]" || ksft_fail "node 2 redirects nothing"
node_kill 1
t0=$SECONDS

wait_for 40 eval '[ -n "$(csv_coordinator)" ]' || ksft_fail "no survivor took over"
c=$(csv_coordinator)
cl_log "node $c coordinates $((SECONDS - t0)) s after the power cut, epoch $(csv_attr $c epoch)"
[ "$(csv_attr $c epoch)" -gt "$e1" ] || ksft_fail "epoch $(csv_attr $c epoch) not above $e1"
for n in 2 3; do
	b=$b2
	[ $n = 3 ] && b=$b3
	out=$(node_wait -t 300 $n "$b") || ksft_fail "fio on node $n failed across the failover: $(echo "$out" | grep -i 'err\|verify' | head -5)"
	echo "$out" | grep -q 'err= 0' || ksft_fail "fio on node $n reported errors"
	lat=$(echo "$out" | sed -n 's/^ *clat (\(.\)sec): min=[^,]*, max=\([0-9.]*\)\(.\?\),.*/\1 \2 \3/p' | head -1)
	cl_log "node $n: fio verified across the failover; longest write (clat max) $lat"
done
# Every block once more, read back on the survivors.
node_run 2 "$(job 2) --verify_only > /dev/null 2>&1" || ksft_fail "node 2's data differs after the failover"
node_run 3 "$(job 3) --verify_only > /dev/null 2>&1" || ksft_fail "node 3's data differs after the failover"
resent=$(node_run 2 "cat $(sysd d2 resent)")
cl_log "node 2 sent $resent requests again after the failover"

# d1: its writer died holding disk:1; the lock was recovered with it.
node_wait_for 3 30 "$CSVCTL open $CSV_VOL d1 > /dev/null" || ksft_fail "d1 does not open on node 3"
got=$(node_run 3 "head -c 4M /dev/csv/$CSV_VOL/d1 | md5sum")
[ "$got" = "$sum" ] || ksft_fail "d1 on node 3 differs from what node 1 wrote"
csv 2 redirect $CSV_VOL off || ksft_fail "redirect off"
csv 2 create $CSV_VOL after 1M || ksft_fail "create through the new coordinator"
ksft_pass "coordinator killed under I/O: node $c took over, fio verified on 2 and 3, d1 opened elsewhere intact"
