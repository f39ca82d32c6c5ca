#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Our controller (dlm-ctl.py) forms a lockspace on every node; dlm_probe on
# each joins it at once; exactly one node holds "coord" in EX with epoch 1.
# When it yields, another node gets it, reads epoch 1 from the lock value
# block (written by the first holder) and writes 2. A clean leave is no
# failure: nobody sees recover_slot. When the holder unloads the module,
# the last member takes coord with epoch 3.
. "$SRC/selftests/cluster/lib.sh"
LS=csvtest
all=$(seq 1 "$CL_NODES")

dlm_ctl_start || ksft_fail "controller did not start"
probe_load || ksft_fail "insmod dlm_probe failed"
t0=$SECONDS
on_nodes "$all" "echo $LS > /sys/kernel/dlm_probe/join" || ksft_fail "join failed"
cl_log "all $CL_NODES joined in $((SECONDS - t0))s"
want=$(echo $all)
nodes_wait_for "$all" 20 "[ \"\$(cat /sys/kernel/dlm_probe/members)\" = \"$want\" ]" ||
	ksft_fail "not every node sees members '$want'"
on_nodes "$all" "grep -qx 'ls $LS member ${want// /,} started' /run/dlm-ctl.status" ||
	ksft_fail "not every controller shows $LS started on all"
for n in $all; do
	probe_read $n
	[ "${P[nodeid]}" = $n ] || ksft_fail "node $n: nodeid ${P[nodeid]}"
	[ "${P[ops_result]}" = 0 ] || ksft_fail "node $n: no recovery callbacks"
	[ "${P[lockspace]}" = $LS ] || ksft_fail "node $n: lockspace '${P[lockspace]}'"
done

holders() { probe_holders $all; }
one_holder() { h=$(holders); [ -n "$h" ] && [ "${h/ /}" = "$h" ]; }
wait_for 20 one_holder || ksft_fail "holders: '$(holders)'"
h1=$h
probe_read $h1
e1=${P[epoch]}
cl_log "node $h1 holds coord, epoch $e1 (value was ${P[lvb_epoch]})"
[ "$e1" = 1 ] || ksft_fail "first holder's epoch $e1, want 1"
[ "${P[lvb_epoch]}" = 0 ] || ksft_fail "fresh value block not empty"
# Every member gets the epoch copy (CR lock) refreshed.
nodes_wait_for "$all" 15 "[ \$(cat /sys/kernel/dlm_probe/mirror) = $e1 ]" ||
	ksft_fail "not every node's epoch copy is $e1"

node_run $h1 "echo 1 > /sys/kernel/dlm_probe/yield" || ksft_fail "yield failed"
other() { h=$(holders); [ -n "$h" ] && [ "$h" != "$h1" ] && [ "${h/ /}" = "$h" ]; }
wait_for 20 other || ksft_fail "nobody else took coord: holders '$(holders)'"
h2=$h
probe_read $h2
cl_log "node $h2 holds coord after the yield: epoch ${P[epoch]}, value block: epoch ${P[lvb_epoch]} by node ${P[lvb_writer]}"
[ "${P[lvb_epoch]}" = "$e1" ] || ksft_fail "node $h2 read epoch ${P[lvb_epoch]}, node $h1 wrote $e1"
[ "${P[lvb_writer]}" = "$h1" ] || ksft_fail "value block writer ${P[lvb_writer]}, want $h1"
[ "${P[lvb_invalid]}" = 0 ] || ksft_fail "value block marked not valid after a clean hand-over"
[ "${P[epoch]}" = $((e1 + 1)) ] || ksft_fail "new epoch ${P[epoch]}, want $((e1 + 1))"
[ "$(probe_get $h1 holder)" = 0 ] || ksft_fail "node $h1 still holds coord"

# A clean leave of a non-holder: the others recover, no recover_slot.
for n in $all; do
	[ $n != $h2 ] && { quit=$n; break; }
done
node_run $quit "echo 1 > /sys/kernel/dlm_probe/leave" || ksft_fail "node $quit: leave failed"
rest=$(for n in $all; do [ $n != $quit ] && echo $n; done | xargs)
nodes_wait_for "$rest" 20 "[ \"\$(cat /sys/kernel/dlm_probe/members)\" = \"$rest\" ]" ||
	ksft_fail "not every node sees members '$rest' after node $quit left"
on_nodes "$rest" '[ -z "$(cat /sys/kernel/dlm_probe/recover_slot)" ]' ||
	ksft_fail "recover_slot called on a clean leave"
[ "$(holders)" = "$h2" ] || ksft_fail "holders after the leave: '$(holders)'"
node_run $quit "rmmod dlm_probe" || ksft_fail "node $quit: rmmod dlm_probe failed"

# The holder unloads the module (it leaves the lockspace holding coord):
# the last member takes coord with the next epoch.
last=$(for n in $rest; do [ $n != $h2 ] && echo $n; done | head -n 1)
node_run $h2 "rmmod dlm_probe" || ksft_fail "node $h2: rmmod while holding coord failed"
wait_for 20 eval '[ "$(holders)" = "$last" ]' || ksft_fail "node $last did not take coord: '$(holders)'"
probe_read $last
[ "${P[epoch]}" = $((e1 + 2)) ] || ksft_fail "node $last: epoch ${P[epoch]}, want $((e1 + 2))"
[ "${P[members]}" = "$last" ] || ksft_fail "node $last: members '${P[members]}'"
[ -z "${P[recover_slot]}" ] || ksft_fail "node $last: recover_slot '${P[recover_slot]}' on clean leaves"
on_nodes "$all" "! grep -q '^ls ' /run/dlm-ctl.status || grep -qx 'ls $LS member $last started' /run/dlm-ctl.status" ||
	ksft_fail "a controller still lists $LS with other members"
ksft_pass "lockspace on $CL_NODES nodes, one holder, value block handed over twice"
