#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Power cut of the node holding "coord": the survivors' controllers see its
# heartbeat stop, restart the lockspace without it; the DLM runs recovery
# (recover_slot for the dead node on every survivor), one survivor gets
# "coord" and writes the old epoch + 1.
. "$SRC/selftests/cluster/lib.sh"
LS=csvtest
all=$(seq 1 "$CL_NODES")

dlm_ctl_start || ksft_fail "controller did not start"
probe_load || ksft_fail "insmod dlm_probe failed"
on_nodes "$all" "echo $LS > /sys/kernel/dlm_probe/join" || ksft_fail "join failed"
one_holder() { h=$(probe_holders $all); [ -n "$h" ] && [ "${h/ /}" = "$h" ]; }
wait_for 20 one_holder || ksft_fail "holders: '$(probe_holders $all)'"
dead=$h
epoch=$(probe_get $dead epoch)
[ "$epoch" -ge 1 ] || ksft_fail "holder's epoch '$epoch'"
nodes_wait_for "$all" 15 "[ \$(cat /sys/kernel/dlm_probe/mirror) = $epoch ]" ||
	ksft_fail "not every node's epoch copy is $epoch"
survivors=$(for n in $all; do [ $n != $dead ] && echo $n; done | xargs)
cl_log "node $dead holds coord with epoch $epoch; killing it"

t0=$(date +%s.%N)
node_kill $dead
new_holder() { h=$(probe_holders $survivors); [ -n "$h" ] && [ "${h/ /}" = "$h" ]; }
wait_for 30 new_holder || ksft_fail "no survivor took coord: holders '$(probe_holders $survivors)'"
t1=$(date +%s.%N)
cl_log "node $h holds coord $(awk -v a=$t0 -v b=$t1 'BEGIN { printf "%.1f", b - a }')s after the kill"
probe_dump $h | sed 's/^/#   /'

nodes_wait_for "$survivors" 10 "[ \"\$(cat /sys/kernel/dlm_probe/members)\" = \"$survivors\" ]" ||
	ksft_fail "not every survivor sees members '$survivors'"
for n in $survivors; do
	probe_read $n
	[[ " ${P[recover_slot]} " == *" $dead:"* ]] ||
		ksft_fail "node $n: recover_slot '${P[recover_slot]}' does not name node $dead"
	[ "${P[recover_prep]}" -ge 1 ] || ksft_fail "node $n: no recover_prep"
done
on_nodes "$survivors" "grep -qx 'dead $dead' /run/dlm-ctl.status" ||
	ksft_fail "not every survivor's controller lists node $dead dead"
probe_read $h
[ "${P[epoch]}" = $((epoch + 1)) ] ||
	ksft_fail "new holder's epoch ${P[epoch]}, want $((epoch + 1))"
# The value block itself: the old epoch if the resource's master survived
# (then marked not valid: its EX holder died), lost with it otherwise.
lvb=${P[lvb_epoch]}
[ "$lvb" = "$epoch" ] || [ "$lvb" = 0 ] || ksft_fail "new holder read epoch $lvb from the value block"
nodes_wait_for "$survivors" 15 "[ \$(cat /sys/kernel/dlm_probe/mirror) = $((epoch + 1)) ]" ||
	ksft_fail "not every survivor's epoch copy is $((epoch + 1))"
ksft_pass "node $dead died holding epoch $epoch; node $h took over with $((epoch + 1))"
