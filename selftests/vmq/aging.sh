#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# FDB aging of vmq: ageing_time defaults to 300 and refuses values out of
# 0..1000000; with ageing_time 2 a learned entry is not gone before 2 s
# of silence of its MAC and is gone within 5 s, while traffic keeps it alive
# and static entries never age; ageing_time 0 keeps learned entries;
# flush removes every learned entry (learned 0) and no static one.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/vmq_lib.sh"
vmq_setup
vmq_host h1 192.0.2.1
vmq_host h2 192.0.2.2
m1=$(vmq_mac h1)
m2=$(vmq_mac h2)
# No ARP: a neighbour probe 5 s after the ping would refresh both entries.
vmq_neigh h1 192.0.2.2 "$m2"
vmq_neigh h2 192.0.2.1 "$m1"
S=02:76:6d:71:aa:01
F=/sys/class/net/$VMQ_SW/vmq/ageing_time

[ "$(vmq_sw ageing_time)" = 300 ] || ksft_fail "ageing_time $(vmq_sw ageing_time), expected default 300"
for bad in 1000001 -1 abc; do
	(echo "$bad" > "$F") 2>/dev/null && ksft_fail "ageing_time accepted '$bad'"
done
[ "$(vmq_sw ageing_time)" = 300 ] || ksft_fail "a refused write changed ageing_time to $(vmq_sw ageing_time)"
vmq_sw ageing_time 2
[ "$(vmq_sw ageing_time)" = 2 ] || ksft_fail "ageing_time reads $(vmq_sw ageing_time) after writing 2"

vmq_fdb_add $S vp_h2 static || ksft_fail "fdb add $S on vp_h2 static"
vmq_fdb_static $S vp_h2 || ksft_fail "static $S not in the FDB: $(vmq_fdb)"

# now_ms: milliseconds of uptime
now_ms() {
	local u
	read -r u _ < /proc/uptime
	echo $((${u%.*} * 1000 + 10#${u#*.} * 10))
}

# --- a silent MAC ages out in 2..5 s: t0 is taken after the last frame,
# so the entries must not be gone before t0 + 2 s (1.8 s: slack)
vmq_ping h1 192.0.2.2 1 || ksft_fail "ping h1 -> h2"
t0=$(now_ms)
vmq_fdb_is "$m1" 1 vp_h1 || ksft_fail "h1's MAC not learned: $(vmq_fdb)"
[ "$(vmq_sw learned)" = 2 ] || ksft_fail "learned $(vmq_sw learned), expected 2 (the static entry is not learned)"
# Poll: "there" from a dump that started after 5.5 s, or "gone" from one
# that ended before 1.8 s, fails.
while :; do
	a=$(($(now_ms) - t0))
	fdb=$(vmq_fdb)
	b=$(($(now_ms) - t0))
	if echo "$fdb" | grep -q -e "^$m1 " -e "^$m2 "; then
		[ $a -le 5500 ] || ksft_fail "learned entries still there $a ms after the last frame, ageing_time 2: $fdb"
	else
		[ $b -ge 1800 ] || ksft_fail "learned entries gone $b ms after the last frame, ageing_time 2"
		break
	fi
	last=$b
	sleep 0.1
done
echo "learned entries there ${last:-0} ms, gone $b ms after the last frame"
[ "$(vmq_sw learned)" = 0 ] || ksft_fail "learned $(vmq_sw learned) after aging, expected 0"
[ "$(vmq_port h1 learned)" = 0 ] || ksft_fail "vp_h1 learned $(vmq_port h1 learned) after aging"
vmq_fdb_static $S vp_h2 || ksft_fail "static $S aged: $(vmq_fdb)"

# --- traffic refreshes: while h1 pings every 0.5 s, its entry stays
# (checked for 5 s, more than twice ageing_time)
ip netns exec h1 ping -q -n -i 0.5 -w 60 192.0.2.2 > /dev/null &
pp=$!
VMQ_PIDS+=("$pp")
t1=$(now_ms)
while [ $(($(now_ms) - t1)) -lt 5000 ]; do
	sleep 0.5
	vmq_fdb_is "$m1" 1 vp_h1 ||
		ksft_fail "h1's entry aged $(($(now_ms) - t1)) ms into pings every 0.5 s: $(vmq_fdb)"
done
kill -INT $pp
wait $pp || ksft_fail "pings h1 -> h2 while aging"
gone() { ! vmq_fdb | grep -q -e "^$m1 " -e "^$m2 "; }
vmq_wait_for 8 gone || ksft_fail "entries did not age after the pings: $(vmq_fdb)"
vmq_fdb_static $S vp_h2 || ksft_fail "static $S aged: $(vmq_fdb)"
echo "traffic kept the entry; static entry stays"

# --- ageing_time 0: learned entries stay
vmq_sw ageing_time 0
vmq_ping h1 192.0.2.2 1 || ksft_fail "ping h1 -> h2 (ageing_time 0)"
sleep 4
vmq_fdb_is "$m1" 1 vp_h1 || ksft_fail "h1's entry aged with ageing_time 0: $(vmq_fdb)"
vmq_fdb_is "$m2" 1 vp_h2 || ksft_fail "h2's entry aged with ageing_time 0: $(vmq_fdb)"

# --- flush removes learned entries only
[ "$(vmq_sw learned)" = 2 ] || ksft_fail "learned $(vmq_sw learned) before flush, expected 2"
vmq_sw flush 1
[ "$(vmq_sw learned)" = 0 ] || ksft_fail "learned $(vmq_sw learned) after flush"
[ "$(vmq_fdb_learned)" = 0 ] || ksft_fail "learned entries after flush: $(vmq_fdb)"
[ "$(vmq_port h1 learned)$(vmq_port h2 learned)" = 00 ] ||
	ksft_fail "port learned counters after flush: vp_h1 $(vmq_port h1 learned), vp_h2 $(vmq_port h2 learned)"
vmq_fdb_static $S vp_h2 || ksft_fail "flush removed static $S: $(vmq_fdb)"
vmq_ping h1 192.0.2.2 1 || ksft_fail "ping h1 -> h2 after flush"
vmq_fdb_is "$m1" 1 vp_h1 || ksft_fail "h1's MAC not learned again after flush: $(vmq_fdb)"
ksft_pass "aging (2 s), refresh by traffic, ageing_time 0, flush; static entries kept"
