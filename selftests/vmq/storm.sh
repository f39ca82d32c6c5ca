#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Storm control: with storm_pps=200 on h1's port, a broadcast plus
# multicast blast from h1 at full speed reaches h2 at 200 frames/s (within
# 10%, measured after the first second, where the one-second bucket may
# add up to 200 frames), the excess counted in drop_storm; unicast from
# the same port is not limited (at full speed and during the storm);
# storm_pps=0 lifts the limit.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
PPS=200
BLAST=4
pl_init
pl_hosts 1 2 3
pl_static_neigh
m3=$(pl_mac 3)
[ "$(pl_p 1 storm_pps)" = 0 ] || ksft_fail "storm_pps defaults to $(pl_p 1 storm_pps)"
pl_ping 1 2 2 || ksft_fail "h1 cannot ping h2"
pl_ping 1 3 2 || ksft_fail "h1 cannot ping h3"
pl_pset 1 storm_pps $PPS

# unicast at full speed is not limited
t0=$(pl_st 3 tx_packets)
d0=$(pl_st 1 drop_storm)
pl_send 1 --count 3000 --dst "$m3" > s.out
got=$(pl_delta 3 tx_packets "$t0" 3000)
[ "$got" = 3000 ] ||
	ksft_fail "unicast: vp3 passed $got of 3000 frames ($(pl_kv s.out pps)/s) with storm_pps=$PPS"
[ "$(pl_st 1 drop_storm)" = "$d0" ] || ksft_fail "drop_storm counted unicast frames"
echo "unicast: 3000 frames at $(pl_kv s.out pps)/s, all through"

# the storm: broadcast and multicast in turn, for $BLAST s
pl_count_start c2 2 --time 60 --mcast --type 0x88b5 --window 1 $((BLAST - 1)) --buckets
c2pid=$PL_PID
d0=$(pl_st 1 drop_storm)
pl_send_bg s.out 1 --time $BLAST --dst ff:ff:ff:ff:ff:ff,01:00:5e:00:00:fb
spid=$PL_PID
sleep 1.5
lost=$(pl_loss 1 2 5)
wait "$spid"
pl_count_stop "$c2pid"
d1=$(pl_st 1 drop_storm)
sent=$(pl_kv s.out sent)
secs=$(pl_kv s.out secs)
got=$(pl_kv c2 count)
span=$(pl_kv c2 span)
wpps=$(pl_kv c2 window_pps)
bpps=$(pl_kv s.out pps)
echo "storm: sent $sent in ${secs}s (${bpps}/s), h2 got $got over ${span}s, per second $(pl_kv c2 per_second)"
echo "storm: ${wpps}/s from 1 s to $((BLAST - 1)) s after the first frame (limit $PPS/s); drop_storm +$((d1 - d0))"
[ "$lost" = 0 ] || ksft_fail "$lost of 5 unicast pings lost during the storm"
awk -v s="$sent" -v t="$secs" -v p=$PPS 'BEGIN { exit !(s / t > 5 * p) }' ||
	ksft_fail "the blast only reached ${bpps}/s, not enough to test $PPS/s"
pl_within "$wpps" $PPS 10 || ksft_fail "storm: h2 got ${wpps}/s, expected $PPS/s +-10%"
# the whole blast: $PPS/s plus at most the one-second bucket
max=$(awk -v s="$span" -v p=$PPS 'BEGIN { printf "%d", (p * s + p) * 1.1 }')
[ "$got" -le "$max" ] || ksft_fail "storm: h2 got $got frames in ${span}s, more than $PPS/s plus a 1 s burst ($max)"
burst=$(awk -v g="$got" -v s="$span" -v p=$PPS 'BEGIN { printf "%d", g - p * s }')
echo "storm: $got frames = $PPS/s x ${span}s + $burst (burst allowance $PPS)"
[ $((d1 - d0)) -gt 0 ] || ksft_fail "drop_storm did not grow"
[ $((d1 - d0 + got)) -le "$sent" ] || ksft_fail "drop_storm +$((d1 - d0)) plus $got passed is more than $sent sent"
pl_within $((d1 - d0 + got)) "$sent" 5 ||
	ksft_fail "drop_storm +$((d1 - d0)) plus $got passed, but $sent frames were sent"

# storm_pps=0: no limit
pl_pset 1 storm_pps 0
t0=$(pl_st 2 tx_packets)
d0=$(pl_st 1 drop_storm)
pl_send 1 --count 3000 --dst ff:ff:ff:ff:ff:ff > s.out
got=$(pl_delta 2 tx_packets "$t0" 3000)
[ "$got" = 3000 ] || ksft_fail "storm_pps=0: vp2 passed $got of 3000 broadcasts ($(pl_kv s.out pps)/s)"
[ "$(pl_st 1 drop_storm)" = "$d0" ] || ksft_fail "storm_pps=0: drop_storm grew"
ksft_pass "storm_pps=$PPS: ${wpps}/s passed (of ${bpps}/s sent), unicast unlimited, 0 lifts it"
