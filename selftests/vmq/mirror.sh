#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Port mirroring: with mirror=1 on A's port and monitor=1 on M's, M sees
# a copy of every ICMP frame of an A <-> B ping, requests (entering the
# switch from A) and replies (leaving through A), exactly once each, and
# none of a C <-> D ping on unmirrored ports; mirror=0 stops the copies;
# monitor moves when set on another port.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
A=1 B=2 C=3 D=4 M=5 N=10
pl_init
pl_hosts $A $B $C $D $M
mA=$(pl_mac $A)
mB=$(pl_mac $B)
mC=$(pl_mac $C)
mD=$(pl_mac $D)
[ "$(pl_p $A mirror)" = 0 ] || ksft_fail "mirror defaults to $(pl_p $A mirror)"
[ "$(pl_p $M monitor)" = 0 ] || ksft_fail "monitor defaults to $(pl_p $M monitor)"
# ARP resolved and MACs learned before counting, so nothing is flooded
pl_ping $A $B 2 || ksft_fail "A cannot ping B"
pl_ping $C $D 2 || ksft_fail "C cannot ping D"
pl_pset $A mirror 1
pl_pset $M monitor 1

# flow FILE SRC DST ICMP-TYPE: frames of that flow the counter saw
flow() {
	local n
	n=$(grep "^flow src=$2 dst=$3 type=0x0800 proto=1 icmp=$4 " "$1" | sed 's/.* n=//')
	echo "${n:-0}"
}

# count_icmp: a counter in M, then N pings A -> B and C -> D at once;
# prints what M saw: requests A -> B, replies B -> A, C <-> D frames both ways
count_icmp() {
	pl_count_start icmp $M --time 60 --ipproto 1 --flows
	local pc=$PL_PID
	ip netns exec h$C ping -q -c $N -i 0.2 -W 2 192.0.2.$D > pcd.log &
	local pp=$!
	pl_ping $A $B $N || pl_fail "A -> B pings lost while mirrored"
	wait $pp || pl_fail "C -> D pings lost: $(cat pcd.log)"
	pl_count_stop $pc
	echo "$(flow icmp "$mA" "$mB" 8) $(flow icmp "$mB" "$mA" 0)" \
		"$(flow icmp "$mC" "$mD" 8) $(flow icmp "$mD" "$mC" 0)"
}

read -r req rep cd dc <<< "$(count_icmp)"
echo "mirror on A: M saw $req requests A->B, $rep replies B->A, $((cd + dc)) frames of C<->D"
[ "$req" = $N ] || ksft_fail "M saw $req of $N echo requests A -> B"
[ "$rep" = $N ] || ksft_fail "M saw $rep of $N echo replies B -> A"
[ "$cd" = 0 ] && [ "$dc" = 0 ] || ksft_fail "M saw $cd + $dc frames of C <-> D (not mirrored)"
[ "$(pl_kv icmp count)" = $((req + rep)) ] || ksft_fail "M saw other ICMP frames: $(cat icmp)"

# mirror on C as well: C <-> D shows up, A <-> B still
pl_pset $C mirror 1
read -r req rep cd dc <<< "$(count_icmp)"
echo "mirror on A and C: $req $rep A<->B, $cd $dc C<->D"
[ "$req" = $N ] && [ "$rep" = $N ] || ksft_fail "mirror on A and C: $req/$rep of A <-> B"
[ "$cd" = $N ] && [ "$dc" = $N ] || ksft_fail "mirror on C: M saw $cd/$dc of $N C <-> D frames"
[ "$(pl_kv icmp count)" = $((4 * N)) ] || ksft_fail "M saw other ICMP frames: $(cat icmp)"

# mirror off: nothing
pl_pset $A mirror 0
pl_pset $C mirror 0
read -r req rep cd dc <<< "$(count_icmp)"
[ "$(pl_kv icmp count)" = 0 ] || ksft_fail "mirror=0: M still saw $(cat icmp)"

# the monitor moves to D: A's copies go there, not to M
pl_pset $A mirror 1
echo 1 > /sys/class/net/vp$D/vmq_port/monitor || ksft_fail "cannot set monitor on D"
[ "$(pl_p $M monitor)" = 0 ] || ksft_fail "monitor still 1 on M after setting it on D"
pl_count_start dreq $D --time 60 --src "$mA" --dst "$mB" --icmp 8
p1=$PL_PID
pl_count_start mreq $M --time 60 --ipproto 1
p2=$PL_PID
pl_ping $A $B $N || ksft_fail "A -> B pings lost"
pl_count_stop $p1 $p2
[ "$(pl_kv dreq count)" = $N ] || ksft_fail "new monitor D saw $(pl_kv dreq count) of $N requests"
[ "$(pl_kv mreq count)" = 0 ] || ksft_fail "old monitor M saw $(pl_kv mreq count) ICMP frames"
ksft_pass "A's frames both ways mirrored to M once each, C<->D only when mirrored, monitor moves"
