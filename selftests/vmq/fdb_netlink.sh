#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The FDB of vmq over rtnetlink (bridge fdb add/del/show, see VMQ_FDB in
# vmq_lib.sh):
# static entries, with and without vlan, show up as static on their port
# and not as learned; known unicast to a static MAC goes to its port
# only; del removes them. Refused: del of an entry that does not exist
# (also with the wrong vlan: the entry stays), add on a port of no
# switch, add of a multicast or broadcast MAC. A port leaving the switch
# (nomaster) or deleted while enslaved takes its static and learned
# entries with it, and the switch keeps working.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/vmq_lib.sh"
vmq_setup
vmq_host h1 192.0.2.1
vmq_host h2 192.0.2.2
vmq_host h3 192.0.2.3
vmq_port h3 vlan_mode trunk
vmq_port h3 trunk_vids 10,20
m2=$(vmq_mac h2)
m3=$(vmq_mac h3)
S1=02:76:6d:71:aa:01
S2=02:76:6d:71:aa:02
S3=02:76:6d:71:aa:03

# --- add, show, forward, del
vmq_fdb_add $S1 vp_h2 static || ksft_fail "fdb add $S1 on vp_h2 static"
vmq_fdb_static $S1 vp_h2 || ksft_fail "$S1 not static on vp_h2: $(vmq_fdb_raw)"
vmq_fdb_show_dev vp_h2 | grep -i "^$S1 " | grep -qw -e static -e permanent ||
	ksft_fail "fdb show for vp_h2: no static $S1: $(vmq_fdb_show_dev vp_h2)"
[ "$(vmq_sw learned)" = 0 ] || ksft_fail "a static entry counted in learned ($(vmq_sw learned))"
[ "$(vmq_port h2 learned)" = 0 ] || ksft_fail "a static entry counted in vp_h2's learned"
echo "static without vlan: $(vmq_fdb | grep "^$S1")"

vmq_neigh h1 192.0.2.50 $S1
vmq_cap c2 h2 eth0 ether dst $S1
vmq_cap c3 h3 eth0 ether dst $S1
vmq_cap_ready
vmq_noping h1 192.0.2.50 || ksft_fail "192.0.2.50 answered"
vmq_expect_caps "unicast h1 -> static $S1 on vp_h2" c2=2 c3=0

vmq_fdb_add $S2 vp_h3 static vlan 10 || ksft_fail "fdb add $S2 on vp_h3 static vlan 10"
vmq_fdb_static $S2 vp_h3 10 || ksft_fail "$S2 not static in VLAN 10 on vp_h3: $(vmq_fdb)"
[ -z "$(vmq_fdb_port $S2 20)$(vmq_fdb_port $S2 1)" ] ||
	ksft_fail "$S2 added in VLAN 10 shows in another VLAN: $(vmq_fdb)"
vmq_fdb_show_dev vp_h3 | grep -i "^$S2 " | grep -q "vlan 10" ||
	ksft_fail "fdb show for vp_h3: no $S2 vlan 10: $(vmq_fdb_show_dev vp_h3)"

# del with the wrong vlan and of entries that do not exist: refused
vmq_fdb_del $S2 vp_h3 vlan 20 2>/dev/null &&
	ksft_fail "fdb del $S2 vlan 20 succeeded (the entry is in VLAN 10)"
vmq_fdb_static $S2 vp_h3 10 || ksft_fail "failed del of $S2 vlan 20 removed the VLAN 10 entry"
out=$(vmq_fdb_del $S3 vp_h2 2>&1) && ksft_fail "fdb del of missing $S3 succeeded"
echo "del of a missing entry: $out"
# "via PORT" names the entry's port: another port's entry is missing
vmq_fdb_del $S1 vp_h1 2>/dev/null &&
	ksft_fail "bridge fdb del $S1 via vp_h1 succeeded (it is on vp_h2)"
vmq_fdb_static $S1 vp_h2 || ksft_fail "failed del via vp_h1 removed $S1 from vp_h2"

vmq_fdb_del $S2 vp_h3 vlan 10 || ksft_fail "fdb del $S2 on vp_h3 vlan 10"
[ -z "$(vmq_fdb_port $S2 10)" ] || ksft_fail "$S2 still there after del: $(vmq_fdb)"
vmq_fdb_del $S1 vp_h2 || ksft_fail "fdb del $S1 on vp_h2"
vmq_fdb | grep -q "^$S1 " && ksft_fail "$S1 still there after del: $(vmq_fdb)"
vmq_fdb_del $S1 vp_h2 2>/dev/null && ksft_fail "second del of $S1 succeeded"
echo "add/show/del round trip"

# --- refused adds
ip link add vx0 type veth peer name vx1 || ksft_fail "veth vx0"
ip link set vx0 up
out=$(vmq_fdb_add $S3 vx0 static 2>&1) &&
	{ ip link del vx0; ksft_fail "fdb add on vx0 (in no switch) succeeded"; }
echo "add on a port of no switch: $out"
ip link del vx0
for mc in 01:00:5e:00:00:aa 33:33:00:00:00:aa ff:ff:ff:ff:ff:ff; do
	out=$(vmq_fdb_add $mc vp_h2 static 2>&1) &&
		ksft_fail "fdb add of multicast $mc succeeded"
	vmq_fdb | grep -q "^$mc " && ksft_fail "refused multicast $mc is in the FDB: $(vmq_fdb)"
	echo "multicast $mc: $out"
done

# --- a port's entries leave with it
vmq_fdb_add $S1 vp_h2 static || ksft_fail "fdb add $S1 on vp_h2 (again)"
vmq_fdb_add $S2 vp_h3 static vlan 20 || ksft_fail "fdb add $S2 on vp_h3 vlan 20"
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2"
vmq_fdb_is "$m2" 1 vp_h2 || ksft_fail "h2's MAC not learned: $(vmq_fdb)"
n0=$(vmq_sw learned)
ip link set vp_h2 nomaster || ksft_fail "ip link set vp_h2 nomaster"
[ -d /sys/class/net/vp_h2/vmq_port ] && ksft_fail "vmq_port still in sysfs after nomaster"
vmq_fdb | grep -q " vp_h2 " && ksft_fail "entries on vp_h2 left after nomaster: $(vmq_fdb)"
[ "$(vmq_sw learned)" = $((n0 - 1)) ] ||
	ksft_fail "learned $(vmq_sw learned) after vp_h2 left, expected $((n0 - 1))"
vmq_noping h1 192.0.2.2 || ksft_fail "h1 still reaches h2 after vp_h2 left the switch"
vmq_noping h1 192.0.2.50 || ksft_fail "192.0.2.50 answered"
vmq_fdb_add $S3 vp_h2 static 2>/dev/null &&
	ksft_fail "fdb add on vp_h2 after nomaster succeeded"
vmq_enslave vp_h2
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2 after vp_h2 came back"
vmq_fdb | grep -q "^$S1 " && ksft_fail "$S1 came back with vp_h2: $(vmq_fdb)"

vmq_ping h1 192.0.2.3 || ksft_fail "ping h1 -> h3"
vmq_fdb_is "$m3" 1 vp_h3 || ksft_fail "h3's MAC not learned: $(vmq_fdb)"
n0=$(vmq_sw learned)
ip link del vp_h3 || ksft_fail "ip link del vp_h3"
vmq_fdb | grep -q -e " vp_h3 " -e "^$S2 " && ksft_fail "entries of deleted vp_h3 left: $(vmq_fdb)"
[ "$(vmq_sw learned)" = $((n0 - 1)) ] ||
	ksft_fail "learned $(vmq_sw learned) after vp_h3 was deleted, expected $((n0 - 1))"
vmq_noping h1 192.0.2.3 || ksft_fail "192.0.2.3 answered after vp_h3 was deleted"
vmq_ping h1 192.0.2.2 || ksft_fail "ping h1 -> h2 after vp_h3 was deleted"
ksft_pass "static FDB entries over netlink: add/show/del, refusals, entries leave with their port"
