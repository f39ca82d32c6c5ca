#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Live-migration handoff of a disk while fio runs: node 1 writes "vm" with
# fio, stops (the VM pauses), flushes and closes it; node 2 opens it (the
# VM resumes there) and fio verifies every block node 1 wrote, then goes on
# writing. The gap is close + open, each timed inside its guest. Then the
# disk goes back with the target already waiting (open --wait). All along,
# node 3 runs fio with verification on a disk of its own, undisturbed.
# Last, the coordinator leaves cleanly and a member takes over with the
# next epoch; the volume keeps working.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")
FIO="fio --bs=16k --size=16M --direct=1 --ioengine=psync --verify=crc32c --verify_fatal=1"

csv_up $all || ksft_fail "volume did not come up"
csv 1 create $CSV_VOL vm 16M && csv 3 create $CSV_VOL other 16M || ksft_fail "create"
bg=$(node_bg 3 "$CSVCTL open $CSV_VOL other > /dev/null &&
	$FIO --name=bg --filename=/dev/csv/$CSV_VOL/other --rw=randrw --time_based --runtime=40 \
	--output=/tmp/bg.out > /dev/null 2>&1 || { cat /tmp/bg.out; exit 1; }")

w="--name=vm --filename=/dev/csv/$CSV_VOL/vm --rw=randwrite --randseed=7"
node_run 1 "$CSVCTL open $CSV_VOL vm > /dev/null && $FIO $w --do_verify=0 > /tmp/fio.out 2>&1 ||
	{ cat /tmp/fio.out; exit 1; }" || ksft_fail "fio on node 1"
# ms since boot, for the gap: each half is timed on its own clock.
ms='$(($(cut -d" " -f1 /proc/uptime | tr -d .) * 10))'
t_close=$(node_run 1 "a=$ms; $CSVCTL close $CSV_VOL vm && echo \$(($ms - a))") || ksft_fail "close on node 1: $t_close"
t_open=$(node_run 2 "a=$ms; $CSVCTL open $CSV_VOL vm > /dev/null && echo \$(($ms - a))") || ksft_fail "open on node 2: $t_open"
cl_log "handoff 1 -> 2: close ${t_close} ms + open ${t_open} ms = $((t_close + t_open)) ms"
node_run 2 "$FIO $w --verify_only > /tmp/fio.out 2>&1 || { cat /tmp/fio.out; exit 1; }" ||
	ksft_fail "node 2 did not read back what node 1 wrote"
w2="--name=vm --filename=/dev/csv/$CSV_VOL/vm --rw=randwrite --randseed=8"
node_run 2 "$FIO $w2 --do_verify=0 > /tmp/fio.out 2>&1 || { cat /tmp/fio.out; exit 1; }" ||
	ksft_fail "fio on node 2"

# Back to node 1, which waits for the disk while node 2 still has it.
wait_id=$(node_bg 1 "a=$ms; $CSVCTL open --wait 30 $CSV_VOL vm > /dev/null && echo \$(($ms - a))")
sleep 1
csv 2 close $CSV_VOL vm || ksft_fail "close on node 2"
t_wait=$(node_wait 1 "$wait_id") || ksft_fail "open --wait on node 1: $t_wait"
cl_log "handoff 2 -> 1 with open --wait: node 1 waited $t_wait ms in all"
node_run 1 "$FIO $w2 --verify_only > /tmp/fio.out 2>&1 || { cat /tmp/fio.out; exit 1; }" ||
	ksft_fail "node 1 did not read back what node 2 wrote"
node_wait -t 90 3 "$bg" || ksft_fail "fio on node 3 failed during the handoffs"
cl_log "node 3's fio verified its own disk all along"

# The coordinator leaves: a member takes over with the next epoch.
e1=$(csv_attr 2 epoch)
csv 1 close $CSV_VOL vm && csv 1 leave $CSV_VOL || ksft_fail "node 1 leaves"
wait_for 20 eval '[ -n "$(csv_coordinator)" ]' || ksft_fail "no new coordinator"
c=$(csv_coordinator)
[ "$c" = 2 ] || [ "$c" = 3 ] || ksft_fail "new coordinator: '$c'"
for n in 2 3; do
	node_wait_for $n 10 "[ \$(cat /sys/fs/csv/$CSV_VOL/epoch) = $((e1 + 1)) ] &&
		[ \$(cat /sys/fs/csv/$CSV_VOL/coordinator) = $c ]" ||
		ksft_fail "node $n: epoch $(csv_attr $n epoch) coordinator $(csv_attr $n coordinator), want $((e1 + 1)) $c"
done
cl_log "node $c coordinates with epoch $((e1 + 1))"
other=$((5 - c))
csv $other create $CSV_VOL after 4M || ksft_fail "create through the new coordinator"
csv $c list -n $CSV_VOL | grep -q "^after " || ksft_fail "new disk not listed"
csv_join 1 || ksft_fail "node 1 joins again"
[ "$(csv_attr 1 role)" = member ] || ksft_fail "node 1 took the coordinator back"
ksft_pass "handoff gap $((t_close + t_open)) ms (close $t_close + open $t_open), data verified; coordinator handover on leave"
