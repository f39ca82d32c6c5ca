#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A VM's MAC moves between ports of vmq (live migration): the VM (MAC M,
# 192.0.2.1) is learned on vp_h1; it "migrates" to vp_h3 (h1 goes quiet,
# h3 takes the address and sends a gratuitous ARP). With ageing_time 300
# the FDB entry points to vp_h3 at once (one entry, port learned
# counters follow), and h2's unicast to M reaches h3 and not h1 (not one
# frame on h1's eth0). Moving back by an ordinary frame from h1 works the
# same.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/vmq_lib.sh"
vmq_setup
vmq_sw ageing_time 300
M=02:76:6d:71:00:a1
vmq_host h1 192.0.2.1 $M
vmq_host h2 192.0.2.2
vmq_host h3 - $M
m2=$(vmq_mac h2)
# The VM answers h2 without asking ARP first (a broadcast would reach the
# other side too and spoil its rx counter).
vmq_neigh h1 192.0.2.2 "$m2"

vmq_ping h2 192.0.2.1 || ksft_fail "ping h2 -> VM on h1"
vmq_fdb_is $M 1 vp_h1 || ksft_fail "VM MAC not learned on vp_h1: $(vmq_fdb)"
learned0=$(vmq_sw learned)

# move VM-HOST FROM-HOST HOW: the VM leaves FROM-HOST's namespace (its
# address goes, eth0 stays up and silent) and appears in VM-HOST, which
# announces it (HOW: garp, or frame: any broadcast frame from M)
move() {
	local to=$1 from=$2 how=$3 t0
	ip -n "$from" addr flush dev eth0
	ip -n "$to" addr add 192.0.2.1/24 dev eth0 || ksft_fail "address in $to"
	vmq_neigh "$to" 192.0.2.2 "$m2"
	t0=$(date +%s%N)
	case $how in
	garp) vmq_send "$to" eth0 --garp 192.0.2.1 > /dev/null ;;
	frame) vmq_send "$to" eth0 > /dev/null ;;
	esac
	vmq_wait_for 2 vmq_fdb_is $M 1 "vp_$to" ||
		ksft_fail "after the VM's $how on vp_$to the FDB still has: $(vmq_fdb | grep $M)"
	echo "VM MAC on vp_$to $((($(date +%s%N) - t0) / 1000000)) ms after its $how"
	[ "$(vmq_sw learned)" = "$learned0" ] ||
		ksft_fail "learned $(vmq_sw learned) after the move, was $learned0: $(vmq_fdb)"
	[ "$(vmq_port "$to" learned)" = 1 ] ||
		ksft_fail "vp_$to learned $(vmq_port "$to" learned) after the move, expected 1"
	[ "$(vmq_port "$from" learned)" = 0 ] ||
		ksft_fail "vp_$from learned $(vmq_port "$from" learned) after the move, expected 0"

	# Unicast from h2 to M goes to the new port only.
	vmq_cap new "$to" eth0 icmp
	vmq_cap old "$from" eth0
	vmq_cap_ready
	local rx
	rx=$(count_rx "$from" eth0)
	vmq_ping h2 192.0.2.1 5 || ksft_fail "ping h2 -> VM after its move to $to"
	vmq_expect_caps "ping h2 -> VM moved to $to" new+5 old=0
	[ "$(count_rx "$from" eth0)" = "$rx" ] ||
		ksft_fail "$from's eth0 received $(($(count_rx "$from" eth0) - rx)) frames after the VM left it"
}

move h3 h1 garp
move h1 h3 frame
ksft_pass "a moved MAC follows its gratuitous ARP or any frame at once; unicast follows it"
