#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Learning caps: with max_learned=256 on the switch and 64 on h1's port, a
# flood of frames from random source MACs out of h1 never takes "learned"
# past either cap (sampled during the flood), learn_dropped counts the
# source MACs not learned, the frames are still forwarded, h2 <-> h3 keep
# working during and after the flood, and 60000 more random sources do
# not grow the kernel's unreclaimable slab by more than 2 MiB.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
SW_CAP=256
PORT_CAP=64
pl_init
pl_hosts 1 2 3 4
m4=$(pl_mac 4)
# the flood goes to h4 only: its mac is a static entry
pl_pset 4 mac "$m4"
pl_swset max_learned $SW_CAP
[ "$(pl_sw max_learned)" = $SW_CAP ] || ksft_fail "max_learned reads $(pl_sw max_learned)"
pl_pset 1 max_learned $PORT_CAP
pl_ping 2 3 3 || ksft_fail "h2 cannot ping h3"
base=$(pl_sw learned)
[ "$base" -ge 2 ] && [ "$base" -le 3 ] || ksft_fail "learned is $base after h2 <-> h3 (expected 2, or 3 with the switch's own)"

# sampler_start / sampler_stop: the highest switch and vp1 "learned" seen
# every 50 ms in between, in ms and mp
sampler_start() {
	rm -f stop max.txt
	(
		ms=0 mp=0
		while [ ! -e stop ]; do
			s=$(cat /sys/class/net/$PL_SW/vmq/learned)
			p=$(cat /sys/class/net/vp1/vmq_port/learned)
			[ "$s" -gt $ms ] && ms=$s
			[ "$p" -gt $mp ] && mp=$p
			echo "$ms $mp" > max.new && mv max.new max.txt
			sleep 0.05
		done
	) &
	sampler=$!
	PL_PIDS+=("$sampler")
}

sampler_stop() {
	touch stop
	wait $sampler
	read -r ms mp < max.txt
}

# flood N: N frames from new random sources from h1 to h4, 10 pings h2 ->
# h3 meanwhile; checks forwarding and learn_dropped; prints the growth of
# vp1's rx_packets
flood() {
	local n=$1 r0 t0 q0 l0 rx tx q ld
	r0=$(pl_st 1 rx_packets)
	t0=$(pl_st 4 tx_packets)
	q0=$(pl_st 4 drop_queue)
	l0=$(pl_sw learn_dropped)
	ip netns exec h2 ping -q -c 10 -i 0.1 -W 2 192.0.2.3 > ping.log &
	local pp=$!
	pl_send 1 --count "$n" --src rand --dst "$m4" > s.out
	wait $pp || pl_fail "h2 -> h3 pings lost during the flood: $(cat ping.log)"
	rx=$(pl_delta 1 rx_packets "$r0" "$n")
	tx=$(($(pl_st 4 tx_packets) - t0))
	q=$(($(pl_st 4 drop_queue) - q0))
	ld=$(($(pl_sw learn_dropped) - l0))
	echo "flood of $n ($(pl_kv s.out pps)/s): vp1 took $rx, vp4 passed $tx (+$q queue drops), learn_dropped +$ld" >&2
	[ "$rx" -ge $((n * 95 / 100)) ] || pl_fail "vp1 took only $rx of $n frames"
	[ $((tx + q)) = "$rx" ] || pl_fail "$rx frames in, $tx out to h4 and $q queue drops"
	[ "$tx" -ge $((rx * 95 / 100)) ] || pl_fail "only $tx of $rx frames reached h4"
	echo "$rx $ld"
}

# port cap
sampler_start
read -r rx ld <<< "$(flood 5000)"
sampler_stop
echo "highest learned seen: switch $ms, vp1 $mp"
[ "$mp" -le $PORT_CAP ] || ksft_fail "vp1 learned reached $mp during the flood, cap $PORT_CAP"
[ "$ms" -le $SW_CAP ] || ksft_fail "switch learned reached $ms, cap $SW_CAP"
pl=$(pl_p 1 learned)
sl=$(pl_sw learned)
echo "port cap $PORT_CAP: vp1 learned $pl, switch learned $sl"
[ "$pl" = $PORT_CAP ] || ksft_fail "vp1 learned $pl source MACs, cap $PORT_CAP"
[ "$sl" = $((base + PORT_CAP)) ] || ksft_fail "switch learned $sl, expected $base + $PORT_CAP"
[ "$ld" = $((rx - PORT_CAP)) ] || ksft_fail "learn_dropped +$ld for $rx new MACs past a cap of $PORT_CAP"

# switch cap only
pl_pset 1 max_learned 0
sampler_start
read -r rx ld <<< "$(flood 5000)"
pl=$(pl_p 1 learned)
sl=$(pl_sw learned)
echo "switch cap $SW_CAP: vp1 learned $pl, switch learned $sl"
[ "$sl" = $SW_CAP ] || ksft_fail "switch learned $sl, cap $SW_CAP"
[ "$pl" = $((SW_CAP - base)) ] || ksft_fail "vp1 learned $pl, expected $SW_CAP - $base"
[ "$ld" = $((rx - (SW_CAP - base - PORT_CAP))) ] ||
	ksft_fail "learn_dropped +$ld for $rx new MACs, $((SW_CAP - base - PORT_CAP)) of them learned"

# memory stays bounded under a long flood
sync
echo 2 > /proc/sys/vm/drop_caches
sleep 1
su0=$(awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo)
read -r rx ld <<< "$(flood 60000)"
sampler_stop
sleep 1
su1=$(awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo)
echo "60000 more random sources: SUnreclaim ${su0} -> ${su1} kB ($((su1 - su0)) kB), learned $(pl_sw learned)"
[ $((su1 - su0)) -lt 2048 ] || ksft_fail "unreclaimable slab grew by $((su1 - su0)) kB during the flood"
[ "$(pl_sw learned)" = $SW_CAP ] || ksft_fail "learned $(pl_sw learned) after the long flood"

echo "highest learned seen: switch $ms, vp1 $mp"
[ "$ms" -le $SW_CAP ] || ksft_fail "switch learned reached $ms, cap $SW_CAP"
[ "$mp" -le $((SW_CAP - base)) ] || ksft_fail "vp1 learned reached $mp"
[ "$(pl_ethtool fdb_learned)" = "$(pl_sw learned)" ] ||
	ksft_fail "ethtool -S fdb_learned $(pl_ethtool fdb_learned), sysfs learned $(pl_sw learned)"
[ "$(pl_ethtool fdb_learn_dropped)" = "$(pl_sw learn_dropped)" ] ||
	ksft_fail "ethtool -S fdb_learn_dropped $(pl_ethtool fdb_learn_dropped), sysfs $(pl_sw learn_dropped)"
pl_ping 2 3 5 || ksft_fail "h2 cannot ping h3 after the floods"
pl_ping 3 2 5 || ksft_fail "h3 cannot ping h2 after the floods"
ksft_pass "caps $PORT_CAP/$SW_CAP held under 70000 random sources, learn_dropped exact, slab +$((su1 - su0)) kB"
