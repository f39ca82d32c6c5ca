#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Learning and forwarding of vmq: three hosts on access ports (VLAN 1).
# Frames to a MAC the switch has not learned flood to every other port
# (and to the switch device itself), never back to the sender; after a
# ping the FDB holds both hosts' MACs, learned, on their ports, in VLAN 1,
# and the learned counters (switch and port) agree with it; then known
# unicast between h1 and h2 reaches neither h3 (not one ICMP frame, its
# rx counter and the switch's tx counter to it unchanged) nor sw0, while
# broadcast, ARP, unknown unicast and multicast reach h3. The switch
# device is a port of its own: with an address it answers pings.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/vmq_lib.sh"
vmq_setup
vmq_host h1 192.0.2.1
vmq_host h2 192.0.2.2
vmq_host h3 192.0.2.3
m1=$(vmq_mac h1)
m2=$(vmq_mac h2)
m3=$(vmq_mac h3)

[ "$(vmq_sw learned)" = 0 ] || ksft_fail "learned $(vmq_sw learned) before any traffic"
[ "$(vmq_fdb_learned)" = 0 ] || ksft_fail "learned entries before any traffic: $(vmq_fdb)"

# --- unknown unicast floods (nothing is learned yet): h1's frames to
# h2's MAC reach h2, h3 and the switch device, not h1 itself.
vmq_cap c1 h1 eth0 ether src "$m1"
vmq_cap c2 h2 eth0 ether src "$m1"
vmq_cap c3 h3 eth0 ether src "$m1"
vmq_cap cs - "$VMQ_SW" ether src "$m1"
vmq_cap_ready
vmq_send h1 eth0 --dst "$m2" --count 3
vmq_expect_caps "unknown unicast h1 -> MAC of h2" c2=3 c3=3 cs=3 c1=0
vmq_fdb_is "$m1" 1 vp_h1 || ksft_fail "h1's MAC not learned on vp_h1 in VLAN 1: $(vmq_fdb)"
[ "$(vmq_port h1 learned)" = 1 ] || ksft_fail "vp_h1 learned $(vmq_port h1 learned), expected 1"
echo "unknown unicast flooded to h2, h3 and $VMQ_SW"

# --- ping: both MACs learned, on the right port, VLAN 1, not static
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2"
vmq_fdb_is "$m1" 1 vp_h1 || ksft_fail "h1's MAC not on vp_h1 in VLAN 1: $(vmq_fdb)"
vmq_fdb_is "$m2" 1 vp_h2 || ksft_fail "h2's MAC not on vp_h2 in VLAN 1: $(vmq_fdb)"
[ -z "$(vmq_fdb_port "$m3" 1)" ] || ksft_fail "h3's MAC learned though h3 sent nothing: $(vmq_fdb)"
for m in "$m1" "$m2"; do
	st=$(vmq_fdb | awk -v m="$m" '$1 == m { print $4 }')
	[ "$st" = learned ] || ksft_fail "$m shows as '$st', not as a learned entry: $(vmq_fdb_raw)"
done
vmq_fdb_show_dev vp_h1 | grep -qi "^$m1 .*vlan 1" ||
	ksft_fail "fdb show for vp_h1 lacks $m1 vlan 1: $(vmq_fdb_show_dev vp_h1)"
vmq_fdb_show_dev vp_h1 | grep -qi "^$m2 " &&
	ksft_fail "fdb show for vp_h1 lists h2's MAC: $(vmq_fdb_show_dev vp_h1)"
[ "$(vmq_sw learned)" = 2 ] || ksft_fail "learned $(vmq_sw learned), expected 2: $(vmq_fdb)"
[ "$(vmq_fdb_learned)" = 2 ] || ksft_fail "the FDB dump shows $(vmq_fdb_learned) learned entries, not 2: $(vmq_fdb)"
for h in h1 h2 h3; do
	want=1
	[ $h = h3 ] && want=0
	[ "$(vmq_port $h learned)" = $want ] ||
		ksft_fail "vp_$h learned $(vmq_port $h learned), expected $want"
done
echo "learned: $(vmq_fdb | awk '$4 == "learned"' | tr '\n' ';')"

# --- known unicast h1 <-> h2 goes to h2's port only
vmq_cap c3 h3 eth0 icmp
vmq_cap cs - "$VMQ_SW" icmp
vmq_cap c2 h2 eth0 icmp
vmq_cap_ready
rx3=$(count_rx h3 eth0)
tx3=$(vmq_stat h3 tx_packets)
tx2=$(vmq_stat h2 tx_packets)
vmq_ping h1 192.0.2.2 10 || ksft_fail "ping h1 -> h2 (known unicast)"
vmq_expect_caps "known unicast h1 <-> h2" c3=0 cs=0 c2+10
[ "$(count_rx h3 eth0)" = "$rx3" ] ||
	ksft_fail "h3's eth0 received $(($(count_rx h3 eth0) - rx3)) frames during h1 <-> h2 unicast"
[ "$(vmq_stat h3 tx_packets)" = "$tx3" ] ||
	ksft_fail "the switch gave vp_h3 $(($(vmq_stat h3 tx_packets) - tx3)) frames during h1 <-> h2 unicast"
[ $(($(vmq_stat h2 tx_packets) - tx2)) -ge 10 ] ||
	ksft_fail "statistics/tx_packets of vp_h2 grew by $(($(vmq_stat h2 tx_packets) - tx2)), not >= 10"
echo "known unicast stayed on vp_h1 <-> vp_h2"

# --- floods, in one capture round: broadcast (ping -b, ARP), unknown
# unicast (h1 sends to a MAC nobody has) and multicast (from h2) reach
# every port of the VLAN but their ingress port
ip netns exec h2 sysctl -qw net.ipv4.icmp_echo_ignore_broadcasts=0
vmq_neigh h1 192.0.2.99 02:76:6d:71:00:99
vmq_cap c1 h1 eth0
vmq_cap c2 h2 eth0
vmq_cap c3 h3 eth0
vmq_cap_ready
ip netns exec h1 ping -q -n -b -c 3 -i 0.2 -W 1 192.0.2.255 > /dev/null 2>&1 ||
	ksft_fail "broadcast ping from h1: no answer"
vmq_noping h1 192.0.2.77 || ksft_fail "192.0.2.77 answered"
vmq_noping h1 192.0.2.99 || ksft_fail "192.0.2.99 answered"
vmq_send h2 eth0 --dst 01:00:5e:01:02:03 --count 4 > /dev/null
B="icmp and dst host 192.0.2.255"
vmq_expect_cap "broadcast ping from h1" c2 =3 "$B"
vmq_expect_cap "broadcast ping from h1" c3 =3 "$B"
vmq_expect_cap "broadcast ping from h1 (back to it)" c1 =0 "$B"
vmq_expect_cap "ARP from h1 for 192.0.2.77" c3 +1 arp and dst host 192.0.2.77
vmq_expect_cap "ARP from h1 for 192.0.2.77 (back to it)" c1 =0 arp and dst host 192.0.2.77
U="icmp and ether dst 02:76:6d:71:00:99"
vmq_expect_cap "unknown unicast h1 -> 02:76:6d:71:00:99" c2 =2 "$U"
vmq_expect_cap "unknown unicast h1 -> 02:76:6d:71:00:99" c3 =2 "$U"
M="ether dst 01:00:5e:01:02:03"
vmq_expect_cap "multicast from h2" c1 =4 "$M"
vmq_expect_cap "multicast from h2" c3 =4 "$M"
vmq_expect_cap "multicast from h2 (back to it)" c2 =0 "$M"
echo "broadcast, ARP, unknown unicast and multicast flooded"
[ "$(vmq_sw learned)" = 2 ] || ksft_fail "learned $(vmq_sw learned) after floods, expected 2: $(vmq_fdb)"

# --- h3 speaks: learned on vp_h3, learned 3
vmq_ping h3 192.0.2.1 || ksft_fail "ping h3 -> h1"
vmq_fdb_is "$m3" 1 vp_h3 || ksft_fail "h3's MAC not on vp_h3 in VLAN 1: $(vmq_fdb)"
[ "$(vmq_sw learned)" = 3 ] || ksft_fail "learned $(vmq_sw learned), expected 3: $(vmq_fdb)"
[ "$(vmq_fdb_learned)" = 3 ] || ksft_fail "FDB dump: $(vmq_fdb_learned) learned entries, expected 3"

# --- the switch device is a local port of VLAN 1
ip addr add 192.0.2.254/24 dev "$VMQ_SW" || ksft_fail "address on $VMQ_SW"
vmq_ping h1 192.0.2.254 || ksft_fail "ping h1 -> $VMQ_SW (local port)"
vmq_ping h3 192.0.2.254 || ksft_fail "ping h3 -> $VMQ_SW (local port)"
ping -q -n -c 3 -i 0.2 -W 2 192.0.2.2 > /dev/null || ksft_fail "ping $VMQ_SW -> h2"
[ "$(vmq_sw learned)" = "$(vmq_fdb_learned)" ] ||
	ksft_fail "learned $(vmq_sw learned) but the FDB dump shows $(vmq_fdb_learned): $(vmq_fdb)"
ksft_pass "floods, learning (FDB and counters) and known unicast on its port only"
