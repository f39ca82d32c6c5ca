#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Malformed frames into vmq (rawsend.py, AF_PACKET): runts (the kernel
# refuses most of them before the switch), frames cut inside their 802.1Q
# tag, multicast and all-zero source MACs (untagged, to broadcast and to a
# known MAC, and tagged on a trunk), 802.1ad-over-802.1Q double tags into
# an access port and an S-tag into a C-VLAN trunk, VID 4095, the same
# from the switch device itself, then 600 frames of random bytes. None of
# the bad frames reaches a host or the switch device, none of their
# source MACs is learned, drop_malformed counts at least the bad-source
# frames (which the switch surely sees), drop_malformed + drop_vlan also
# the tagged ones; the switch keeps forwarding and its counters agree.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/vmq_lib.sh"
vmq_setup
modprobe 8021q 2>/dev/null
vmq_host h1 192.0.2.1
vmq_host h2 192.0.2.2
vmq_host h3 10.10.0.3
vmq_host ht -
vmq_port h3 pvid 10
vmq_port ht vlan_mode trunk
vmq_port ht trunk_vids 10
vmq_port ht pvid 0
ip -n ht link add link eth0 name eth0.10 type vlan id 10 || ksft_fail "eth0.10 in ht"
ip -n ht addr add 10.10.0.9/24 dev eth0.10
ip -n ht link set eth0.10 up
m2=$(vmq_mac h2)
MC=01:76:6d:71:cc:01
ZERO=00:00:00:00:00:00
MB=02:76:6d:71:bb:01
MD=02:76:6d:71:dd:01
MD2=02:76:6d:71:dd:02
MV=02:76:6d:71:ee:01
BAD="ether src $MC or ether src $ZERO or ether src $MB or ether src $MD or ether src $MD2 or ether src $MV"

vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2"
vmq_ping ht 10.10.0.3 || ksft_fail "ping ht (eth0.10) -> h3"
learned0=$(vmq_sw learned)

# sum PORT COUNTER...: sum of the port's statistics counters
sum() {
	local p=$1 c n=0
	shift
	for c in "$@"; do n=$((n + $(vmq_stat "$p" "$c"))); done
	echo $n
}
mal1=$(sum h1 drop_malformed)
any1=$(sum h1 drop_malformed drop_vlan)
malt=$(sum ht drop_malformed)
anyt=$(sum ht drop_malformed drop_vlan)

vmq_cap c2 h2 eth0 "$BAD"
vmq_cap c3 h3 eth0 "$BAD"
vmq_cap c1 h1 eth0 "$BAD"
vmq_cap cs - "$VMQ_SW" "$BAD"
vmq_cap_ready

# runts (the kernel refuses those under 14 bytes), a header alone,
# frames cut inside their 802.1Q tag
echo "runts, header only, cut tags from h1: $(vmq_send h1 eth0 --dst "$m2" \
	--may-refuse --trunc 0,1,2,3,4,5,6,7,8,9,10,11,12,13 + \
	--dst "$m2" --trunc 14 --count 3 + \
	--src $MB --dst "$m2" --vlan 1 --may-refuse --trunc 14,15,16,17,18,19 --count 2)"
# bad sources to broadcast and to a known MAC; double tags
vmq_send h1 eth0 --src $MC --count 5 + --src $MC --dst "$m2" --count 5 + \
	--src $ZERO --count 5 + --src $ZERO --dst "$m2" --count 5 + \
	--src $MD --vlan 0x88a8:10 --vlan 20 --count 3 + \
	--src $MD --vlan 10 --vlan 20 --count 3 > /dev/null
# into the trunk: an S-tag, VID 4095, bad sources in VLAN 10, cut tags
vmq_send ht eth0 --src $MD2 --vlan 0x88a8:10 --vlan 10 --count 3 + \
	--src $MV --vlan 4095 --count 3 + \
	--src $MC --vlan 10 --count 3 + --src $ZERO --vlan 10 --count 3 + \
	--src $MB --vlan 10 --may-refuse --trunc 14,15,16,17,18,19 > /dev/null
# from the switch device itself
echo "runts and bad sources from $VMQ_SW: $(vmq_send - "$VMQ_SW" \
	--may-refuse --trunc 0,1,2,3,4,5,6,7,8,9,10,11,12,13 + \
	--src $MC --count 3 + --src $ZERO --count 3 + --src $MC --dst "$m2" --count 3)"

vmq_expect_caps "malformed frames" c2=0 c3=0 c1=0 cs=0
for m in $MC $ZERO $MB $MD $MD2 $MV; do
	vmq_fdb | grep -q "^$m " && ksft_fail "bad source $m in the FDB: $(vmq_fdb)"
done
[ "$(vmq_sw learned)" = "$learned0" ] ||
	ksft_fail "learned $learned0 -> $(vmq_sw learned) after malformed frames: $(vmq_fdb)"
d=$(($(sum h1 drop_malformed) - mal1))
echo "vp_h1: drop_malformed +$d, drop_vlan +$(($(sum h1 drop_vlan drop_malformed) - any1 - d))"
[ $d -ge 20 ] || ksft_fail "vp_h1: 20 frames with multicast/zero source, drop_malformed +$d"
[ $(($(sum h1 drop_malformed drop_vlan) - any1)) -ge 26 ] ||
	ksft_fail "vp_h1: 20 bad-source + 6 double-tagged frames, drop_malformed + drop_vlan +$(($(sum h1 drop_malformed drop_vlan) - any1))"
d=$(($(sum ht drop_malformed) - malt))
echo "vp_ht: drop_malformed +$d, drop_vlan +$(($(sum ht drop_vlan drop_malformed) - anyt - d))"
[ $d -ge 6 ] || ksft_fail "vp_ht: 6 tagged frames with multicast/zero source, drop_malformed +$d"
[ $(($(sum ht drop_malformed drop_vlan) - anyt)) -ge 12 ] ||
	ksft_fail "vp_ht: 6 bad-source + 3 S-tagged + 3 VID 4095 frames, drop_malformed + drop_vlan +$(($(sum ht drop_malformed drop_vlan) - anyt))"
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2 after malformed frames"
vmq_ping ht 10.10.0.3 || ksft_fail "ping ht -> h3 after malformed frames"
echo "malformed frames dropped"

# --- random bytes
echo "random from h1: $(vmq_send h1 eth0 --random 300 --seed 1 --may-refuse)"
echo "random from ht: $(vmq_send ht eth0 --random 300 --seed 2 --may-refuse)"
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2 after random frames"
vmq_ping ht 10.10.0.3 || ksft_fail "ping ht -> h3 after random frames"
vmq_ping h2 192.0.2.1 || ksft_fail "ping h2 -> h1 after random frames"
bad=$(vmq_fdb | awk '$4 == "learned" &&
	(substr($1, 2, 1) ~ /[13579bdf]/ || $1 == "00:00:00:00:00:00")')
[ -z "$bad" ] || ksft_fail "random frames: multicast/zero sources learned: $(echo "$bad" | head -n 5)"
[ "$(vmq_sw learned)" = "$(vmq_fdb_learned)" ] ||
	ksft_fail "learned $(vmq_sw learned), FDB dump $(vmq_fdb_learned) learned entries"
echo "after random frames: learned $(vmq_sw learned), vp_h1 drop_malformed $(vmq_stat h1 drop_malformed)"
vmq_sw flush 1
[ "$(vmq_sw learned)" = 0 ] || ksft_fail "learned $(vmq_sw learned) after flush"
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2 after flush"
ksft_pass "malformed frames dropped, not learned, counted; the switch keeps forwarding"
