#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Static VMQ placement: two VM ports whose queues are pinned to CPU 0 and
# CPU 1 (queue_cpu) get their unicast frames delivered on that CPU, seen
# in statistics/queue_cpu<N>, whichever CPU sent them; "queue" and "cpu"
# agree, and re-pinning moves the delivery. A weight-0 port and the uplink
# have no queue and no queue_packets; broadcast is not queue traffic.
# max_queues=1: the port that asked first holds the queue, the other
# gets it when the first leaves; lowering max_queues takes the queue of
# the port that got it last, raising it gives the waiting port one.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
N=2000
pl_init
[ "$(nproc)" -ge 2 ] || ksft_skip "needs 2 CPUs"
[ "$(pl_sw queues_used)" = 0 ] || ksft_fail "queues_used $(pl_sw queues_used) on an empty switch"
pl_swset dynamic 0
pl_hosts 1 2 3 4
pl_static_neigh
m1=$(pl_mac 1)
m2=$(pl_mac 2)
m4=$(pl_mac 4)
pl_pset 1 mac "$m1"
pl_pset 2 mac "$m2"
pl_pset 4 mac "$m4"
pl_pset 3 role uplink
[ "$(pl_sw uplink)" = vp3 ] || ksft_fail "switch uplink reads '$(pl_sw uplink)', not vp3"
[ "$(pl_p 3 queue)" = -1 ] || ksft_fail "the uplink has queue $(pl_p 3 queue)"
pl_pset 4 weight 0
[ "$(pl_p 4 queue)" = -1 ] || ksft_fail "weight-0 port has queue $(pl_p 4 queue)"
[ "$(pl_p 4 cpu)" = -1 ] || ksft_fail "weight-0 port has cpu $(pl_p 4 cpu)"
pl_pset 1 queue_cpu 0
pl_pset 2 queue_cpu 1
q1=$(pl_p 1 queue)
q2=$(pl_p 2 queue)
[ "$q1" -ge 0 ] && [ "$q2" -ge 0 ] || ksft_fail "VM ports have queues $q1 and $q2"
[ "$q1" != "$q2" ] || ksft_fail "both VM ports have queue $q1"
[ "$(pl_sw queues_used)" = 2 ] || ksft_fail "queues_used $(pl_sw queues_used) with two queued ports"
[ "$(pl_p 1 cpu)" = 0 ] || ksft_fail "vp1 pinned to CPU 0 reads cpu $(pl_p 1 cpu)"
[ "$(pl_p 2 cpu)" = 1 ] || ksft_fail "vp2 pinned to CPU 1 reads cpu $(pl_p 2 cpu)"
pl_ping 3 1 2 || ksft_fail "h3 cannot ping h1"
pl_ping 3 2 2 || ksft_fail "h3 cannot ping h2"
pl_ping 3 4 2 || ksft_fail "h3 cannot ping h4"

# snap PORT: "tx queue_packets queue_cpu0 queue_cpu1" now
snap() {
	echo "$(pl_st "$1" tx_packets) $(pl_st "$1" queue_packets) $(pl_st "$1" queue_cpu0) $(pl_st "$1" queue_cpu1)"
}

# deliver PORT SENDER_CPU WANT_CPU: N frames from h3 (on SENDER_CPU) to
# hPORT arrive through its queue, all on WANT_CPU
deliver() {
	local p=$1 scpu=$2 want=$3 other=$((1 - $3)) t0 q0 c00 c10 t q c0 c1
	read -r t0 q0 c00 c10 <<< "$(snap "$p")"
	PL_CPU=$scpu pl_send 3 --count $N --dst "$(pl_mac "$p")" > s.out
	t=$(pl_delta "$p" tx_packets "$t0" $N)
	read -r _ q c0 c1 <<< "$(snap "$p")"
	q=$((q - q0))
	c0=$((c0 - c00))
	c1=$((c1 - c10))
	echo "vp$p (queue $(pl_p "$p" queue), cpu $(pl_p "$p" cpu)): $N frames sent from CPU $scpu, tx +$t, queue_packets +$q, queue_cpu0 +$c0, queue_cpu1 +$c1"
	[ "$t" = $N ] || ksft_fail "vp$p passed $t of $N frames"
	[ "$q" = $N ] || ksft_fail "vp$p queue_packets +$q for $N frames to its MAC"
	local cw=$c0 co=$c1
	[ "$want" = 1 ] && cw=$c1 co=$c0
	[ "$cw" = $N ] || ksft_fail "vp$p queue on CPU $want delivered $cw of $N frames there"
	[ "$co" = 0 ] || ksft_fail "vp$p queue on CPU $want delivered $co frames on CPU $other"
}

deliver 1 1 0
deliver 2 0 1
# re-pin: the deliveries follow
pl_pset 1 queue_cpu 1
pl_pset 2 queue_cpu 0
[ "$(pl_p 1 cpu)" = 1 ] && [ "$(pl_p 2 cpu)" = 0 ] ||
	ksft_fail "after re-pinning cpu reads $(pl_p 1 cpu) and $(pl_p 2 cpu)"
deliver 1 0 1
deliver 2 1 0

# weight 0: frames pass, not through a queue; broadcast is handled on the
# ingress CPU, not by the queues (500 of each, in turn)
read -r t40 q40 _ <<< "$(snap 4)"
read -r t10 q10 _ <<< "$(snap 1)"
read -r t20 q20 _ <<< "$(snap 2)"
pl_send 3 --count 1000 --dst "$m4,ff:ff:ff:ff:ff:ff" > s.out
t=$(pl_delta 4 tx_packets "$t40" 1000)
[ "$t" = 1000 ] || ksft_fail "weight-0 port passed $t of 500 frames and 500 broadcasts"
[ "$(pl_st 4 queue_packets)" = "$q40" ] || ksft_fail "weight-0 port counted queue_packets"
t=$(pl_delta 1 tx_packets "$t10" 500)
[ "$t" = 500 ] || ksft_fail "vp1 passed $t of 500 broadcasts"
t=$(pl_delta 2 tx_packets "$t20" 500)
[ "$t" = 500 ] || ksft_fail "vp2 passed $t of 500 broadcasts"
[ "$(pl_st 1 queue_packets)" = "$q10" ] && [ "$(pl_st 2 queue_packets)" = "$q20" ] ||
	ksft_fail "broadcast counted in queue_packets ($(pl_st 1 queue_packets) - $q10, $(pl_st 2 queue_packets) - $q20)"
echo "weight 0 and broadcast: delivered, no queue_packets"

# max_queues=1: vp1 asked first and keeps its queue, vp2 loses it
pl_swset max_queues 1
[ "$(pl_sw max_queues)" = 1 ] || ksft_fail "max_queues reads $(pl_sw max_queues)"
[ "$(pl_sw queues_used)" = 1 ] || ksft_fail "queues_used $(pl_sw queues_used) with max_queues=1"
[ "$(pl_p 1 queue)" -ge 0 ] || ksft_fail "vp1 (first) lost its queue to max_queues=1"
[ "$(pl_p 2 queue)" = -1 ] || ksft_fail "vp2 (last) kept queue $(pl_p 2 queue) with max_queues=1"
[ "$(pl_p 2 cpu)" = -1 ] || ksft_fail "vp2 without queue reads cpu $(pl_p 2 cpu)"
read -r t0 q0 _ <<< "$(snap 2)"
pl_send 3 --count 500 --dst "$m2" > s.out
t=$(pl_delta 2 tx_packets "$t0" 500)
[ "$t" = 500 ] || ksft_fail "vp2 without queue passed $t of 500"
[ "$(pl_st 2 queue_packets)" = "$q0" ] || ksft_fail "vp2 without queue counted queue_packets"
# the first leaves: the waiting port gets the queue
pl_detach 1
pl_until 2 '[ "$(pl_p 2 queue)" -ge 0 ]' || ksft_fail "vp2 got no queue when vp1 left"
[ "$(pl_p 2 cpu)" = 0 ] || ksft_fail "vp2's new queue is on CPU $(pl_p 2 cpu), pinned to 0"
# back: now vp1 waits
pl_attach 1
pl_pset 1 mac "$m1"
[ "$(pl_p 1 queue)" = -1 ] || ksft_fail "vp1 got queue $(pl_p 1 queue) while vp2 holds the only one"
[ "$(pl_sw queues_used)" = 1 ] || ksft_fail "queues_used $(pl_sw queues_used)"
# more queues: the waiting port gets one
pl_swset max_queues 2
pl_until 2 '[ "$(pl_p 1 queue)" -ge 0 ]' || ksft_fail "vp1 got no queue when max_queues rose to 2"
[ "$(pl_sw queues_used)" = 2 ] || ksft_fail "queues_used $(pl_sw queues_used) after max_queues=2"
pl_pset 1 queue_cpu 1
deliver 1 0 1
deliver 2 1 0
# ethtool -S: the queues' deliveries per CPU, summed over the ports
for c in 0 1; do
	sum=0
	for p in 1 2 3 4; do
		sum=$((sum + $(pl_st $p queue_cpu$c)))
	done
	[ "$(pl_ethtool cpu${c}_queue_packets)" = "$sum" ] ||
		ksft_fail "ethtool -S cpu${c}_queue_packets $(pl_ethtool cpu${c}_queue_packets), ports' queue_cpu$c sum $sum"
done
[ "$(pl_ethtool queues_used)" = "$(pl_sw queues_used)" ] ||
	ksft_fail "ethtool -S queues_used $(pl_ethtool queues_used), sysfs $(pl_sw queues_used)"
ksft_pass "pinned queues deliver on their CPU, re-pinning follows, weight 0/uplink/broadcast outside queues, max_queues hand-over"
