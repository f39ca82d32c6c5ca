#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Dynamic VMQ: two VM ports' queues start on home_cpu; with dynamic=0
# traffic does not move them. With dynamic=1, spread_pps=1000 and
# 750 frames/s to each port (1500/s on home_cpu), within a few seconds
# one queue moves to the other CPU (queue_moves, cpu, and at least 80% of
# its frames are then delivered there); once the traffic stops both come
# back to home_cpu (load under coalesce_pps). A queue that joins after
# home_cpu changed starts on the new home_cpu.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
SPREAD=1000
COALESCE=50
RATE=1500			# frames/s, split over the two ports
pl_init
[ "$(nproc)" -ge 2 ] || ksft_skip "needs 2 CPUs"
[ "$(pl_sw dynamic)" = 1 ] || ksft_fail "dynamic defaults to $(pl_sw dynamic)"
[ "$(pl_sw home_cpu)" = 0 ] || ksft_fail "home_cpu defaults to $(pl_sw home_cpu), the first CPU is 0"
cpus=$(pl_sw cpus)
[ "$cpus" = 0-1 ] || ksft_fail "cpus reads '$cpus', expected 0-1"
pl_swset spread_pps $SPREAD
pl_swset coalesce_pps $COALESCE
[ "$(pl_sw spread_pps)" = $SPREAD ] && [ "$(pl_sw coalesce_pps)" = $COALESCE ] ||
	ksft_fail "spread_pps/coalesce_pps read $(pl_sw spread_pps)/$(pl_sw coalesce_pps)"
pl_hosts 1 2 3
pl_static_neigh
m1=$(pl_mac 1)
m2=$(pl_mac 2)
pl_pset 1 mac "$m1"
pl_pset 2 mac "$m2"
for p in 1 2; do
	[ "$(pl_p $p queue_cpu)" = -1 ] || ksft_fail "queue_cpu defaults to $(pl_p $p queue_cpu)"
	[ "$(pl_p $p queue)" -ge 0 ] || ksft_fail "vp$p has no queue"
	[ "$(pl_p $p cpu)" = 0 ] || ksft_fail "vp$p's dynamic queue starts on CPU $(pl_p $p cpu), home_cpu 0"
done
pl_ping 3 1 2 || ksft_fail "h3 cannot ping h1"
pl_ping 3 2 2 || ksft_fail "h3 cannot ping h2"

moves() {
	echo $(($(pl_st 1 queue_moves) + $(pl_st 2 queue_moves)))
}

# dynamic=0: the queues stay
pl_swset dynamic 0
pl_send 3 --time 2.5 --pps $RATE --dst "$m1,$m2" > s.out
[ "$(moves)" = 0 ] || ksft_fail "dynamic=0: queue_moves $(moves)"
[ "$(pl_p 1 cpu)" = 0 ] && [ "$(pl_p 2 cpu)" = 0 ] ||
	ksft_fail "dynamic=0: queues moved to $(pl_p 1 cpu) and $(pl_p 2 cpu)"
echo "dynamic=0: $(pl_kv s.out pps)/s for 2.5 s, queues stay on CPU 0"

# dynamic=1: one queue is spread to CPU 1
pl_swset dynamic 1
pl_send_bg s.out 3 --time 25 --pps $RATE --dst "$m1,$m2"
spid=$PL_PID
# (python may take seconds to start the sender on a busy TCG host: the
# clock starts with the traffic)
q0=$(pl_st 1 queue_packets)
pl_until 15 '[ "$(pl_st 1 queue_packets)" -gt $((q0 + 100)) ]' ||
	ksft_fail "the sender did not start: $(cat s.out)"
t0=$(date +%s%N)
pl_until 6 '[ "$(pl_p 1 cpu)" != "$(pl_p 2 cpu)" ]' ||
	ksft_fail "queues still on CPUs $(pl_p 1 cpu) and $(pl_p 2 cpu) after 6 s of $RATE/s (spread_pps $SPREAD)"
spread_ms=$((($(date +%s%N) - t0) / 1000000))
c1=$(pl_p 1 cpu)
c2=$(pl_p 2 cpu)
[ "$c1" -ge 0 ] && [ "$c2" -ge 0 ] || ksft_fail "cpu reads $c1 and $c2"
mv=$(moves)
[ "$mv" -gt 0 ] || ksft_fail "queues on CPUs $c1 and $c2 but queue_moves is 0"
echo "spread after ${spread_ms} ms: vp1 on CPU $c1, vp2 on CPU $c2, queue_moves $mv"
# the moved queue's frames are now delivered on its new CPU (mostly: a
# sender stalled by a busy host can look quiet enough to be coalesced for
# a moment)
moved=1
[ "$c1" = 0 ] && moved=2
b0=$(pl_st $moved queue_cpu1)
a0=$(pl_st $moved queue_cpu0)
sleep 1.5
b1=$(pl_st $moved queue_cpu1)
a1=$(pl_st $moved queue_cpu0)
on1=$((b1 - b0))
on0=$((a1 - a0))
echo "vp$moved in 1.5 s after the spread: queue_cpu1 +$on1, queue_cpu0 +$on0, queue_moves $(moves)"
[ $((on0 + on1)) -ge $((RATE / 2)) ] ||
	ksft_fail "vp$moved's queue delivered only $((on0 + on1)) frames in 1.5 s at $((RATE / 2))/s"
[ $((on1 * 10)) -ge $(((on0 + on1) * 8)) ] ||
	ksft_fail "vp$moved's queue, spread to CPU 1, delivered $on1 frames there and $on0 on CPU 0"
kill "$spid" 2>/dev/null
wait "$spid"

# traffic stops: both come back to home_cpu
t0=$(date +%s%N)
pl_until 6 '[ "$(pl_p 1 cpu)" = 0 ] && [ "$(pl_p 2 cpu)" = 0 ]' ||
	ksft_fail "queues on CPUs $(pl_p 1 cpu) and $(pl_p 2 cpu) 6 s after the traffic stopped"
back_ms=$((($(date +%s%N) - t0) / 1000000))
[ "$(moves)" -gt "$mv" ] || ksft_fail "queues back on CPU 0 but queue_moves still $(moves)"
echo "back on CPU 0 ${back_ms} ms after the traffic stopped, queue_moves $(moves)"
# and stay there with light traffic
pl_send 3 --time 1.5 --pps 100 --dst "$m1,$m2" > s.out
[ "$(pl_p 1 cpu)" = 0 ] && [ "$(pl_p 2 cpu)" = 0 ] ||
	ksft_fail "light traffic moved a queue: $(pl_p 1 cpu), $(pl_p 2 cpu)"

# a new home_cpu: a port joining now starts there
pl_swset home_cpu 1
[ "$(pl_sw home_cpu)" = 1 ] || ksft_fail "home_cpu reads $(pl_sw home_cpu)"
pl_hosts 4
[ "$(pl_p 4 queue)" -ge 0 ] || ksft_fail "vp4 got no queue"
[ "$(pl_p 4 cpu)" = 1 ] || ksft_fail "vp4 joined with home_cpu=1 but its queue is on CPU $(pl_p 4 cpu)"
ksft_pass "spread in ${spread_ms} ms at $RATE/s > spread_pps $SPREAD, back home in ${back_ms} ms, dynamic=0 holds"
