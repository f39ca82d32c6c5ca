#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MTU handling of vmq. With every MTU at 9000 a 9000-byte ping crosses
# unfragmented (also to the switch device itself); with the egress port
# vp_h2 at 1500 a frame of exactly 1500 bytes of IP still passes, 1501 and
# 9000 are dropped and counted in drop_mtu, small pings still work. Then
# at MTU 1500 everywhere, TCP (iperf3, 3 s) with TSO/GSO on moves data
# through the switch: GSO frames are no MTU drops.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/vmq_lib.sh"
vmq_setup
command -v iperf3 > /dev/null || ksft_skip "iperf3 not installed"
vmq_host h1 192.0.2.1
vmq_host h2 192.0.2.2

setmtu() {
	local mtu=$1
	ip link set "$VMQ_SW" mtu "$mtu" || ksft_fail "ip link set $VMQ_SW mtu $mtu"
	for h in h1 h2; do
		ip link set "vp_$h" mtu "$mtu" || ksft_fail "ip link set vp_$h mtu $mtu"
		ip -n $h link set eth0 mtu "$mtu" || ksft_fail "$h: eth0 mtu $mtu"
	done
}

# drops: drop_mtu of both ports, summed
drops() {
	echo $(($(vmq_stat h1 drop_mtu) + $(vmq_stat h2 drop_mtu)))
}

# bigping FROM DEST SIZE [COUNT]: pings of SIZE bytes of payload, don't fragment
bigping() {
	vmq_ns "$1" ping -q -n -M "do" -s "$3" -c "${4:-3}" -i 0.2 -W 1 "$2" > /dev/null 2>&1
}

setmtu 9000
[ "$(cat /sys/class/net/"$VMQ_SW"/mtu)" = 9000 ] || ksft_fail "$VMQ_SW mtu $(cat /sys/class/net/"$VMQ_SW"/mtu)"
ip addr add 192.0.2.254/24 dev "$VMQ_SW"
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2"
d0=$(drops)
vmq_cap big h2 eth0 icmp and greater 9000
vmq_cap_ready
bigping h1 192.0.2.2 8972 || ksft_fail "ping -M do -s 8972 h1 -> h2 with MTU 9000 everywhere"
vmq_expect_caps "9000-byte pings h1 -> h2" big+3
bigping h1 192.0.2.254 8972 || ksft_fail "ping -M do -s 8972 h1 -> $VMQ_SW (local port)"
[ "$(drops)" = "$d0" ] || ksft_fail "drop_mtu grew by $(($(drops) - d0)) with MTU 9000 everywhere"
echo "9000-byte frames crossed"

# --- egress port at 1500
ip link set vp_h2 mtu 1500 || ksft_fail "vp_h2 mtu 1500"
bigping h1 192.0.2.2 1472 || ksft_fail "1500-byte ping h1 -> h2 with vp_h2 at MTU 1500"
[ "$(drops)" = "$d0" ] || ksft_fail "a 1500-byte packet counted in drop_mtu of a 1500 port"
vmq_cap big h2 eth0 icmp and greater 1514
vmq_cap_ready
bigping h1 192.0.2.2 1473 2 && ksft_fail "1501-byte ping h1 -> h2 answered with vp_h2 at MTU 1500"
bigping h1 192.0.2.2 8972 3 && ksft_fail "9000-byte ping h1 -> h2 answered with vp_h2 at MTU 1500"
vmq_expect_caps "oversized frames to vp_h2 (MTU 1500)" big=0
dd=$(($(drops) - d0))
echo "drop_mtu vp_h1 $(vmq_stat h1 drop_mtu), vp_h2 $(vmq_stat h2 drop_mtu)"
[ $dd -ge 5 ] || ksft_fail "5 frames over vp_h2's MTU dropped, drop_mtu +$dd"
vmq_ping h1 192.0.2.2 || ksft_fail "small ping h1 -> h2 after MTU drops"

# --- TCP with TSO/GSO at MTU 1500
setmtu 1500
for h in h1 h2; do
	ip netns exec $h ethtool -K eth0 tso on gso on 2>/dev/null
	ip netns exec $h ethtool -k eth0 | grep -q '^tcp-segmentation-offload: on' ||
		ksft_skip "$h: TSO cannot be turned on: $(ip netns exec $h ethtool -k eth0 | grep segmentation)"
done
d0=$(drops)
tx0=$(vmq_stat h2 tx_packets)
txb0=$(vmq_stat h2 tx_bytes)
ip netns exec h2 iperf3 -s -1 -D -p 5201 || ksft_fail "iperf3 server in h2"
listening() { ip netns exec h2 ss -ltn | grep -q ':5201 '; }
vmq_wait_for 10 listening || ksft_fail "iperf3 server in h2 does not listen"
ip netns exec h1 iperf3 -c 192.0.2.2 -p 5201 -t 3 -J > "$VMQ_TMP/iperf.json" 2>&1 ||
	ksft_fail "iperf3 h1 -> h2: $(jq -r '.error // empty' "$VMQ_TMP/iperf.json" 2>/dev/null || tail -n 3 "$VMQ_TMP/iperf.json")"
bytes=$(jq '.end.sum_received.bytes' "$VMQ_TMP/iperf.json")
bps=$(jq '.end.sum_received.bits_per_second | floor' "$VMQ_TMP/iperf.json")
pk=$(($(vmq_stat h2 tx_packets) - tx0))
pb=$(($(vmq_stat h2 tx_bytes) - txb0))
echo "iperf3: $bytes bytes received, $((bps / 1000000)) Mbit/s; vp_h2 got $pk frames, $((pb / (pk > 0 ? pk : 1))) bytes each on average"
[ "${bytes:-0}" -gt $((1 << 20)) ] || ksft_fail "iperf3 moved only ${bytes:-0} bytes in 3 s"
[ "$(drops)" = "$d0" ] || ksft_fail "TCP with GSO at MTU 1500: drop_mtu grew by $(($(drops) - d0))"
for h in h1 h2; do
	ip netns exec $h ethtool -k eth0 | grep -q '^tcp-segmentation-offload: on' ||
		ksft_fail "$h: TSO went off: $(ip netns exec $h ethtool -k eth0 | grep segmentation)"
done
ksft_pass "jumbo frames at 9000, drop_mtu at the egress MTU, TCP with TSO/GSO"
