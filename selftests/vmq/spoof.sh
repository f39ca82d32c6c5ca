#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# MAC spoof guard: a port with mac=<h1's MAC> and mac_guard=1 lets h1's
# own frames through (ping works, drop_spoof stays 0) and drops every
# frame with another source MAC (raw unicast and broadcast frames, and
# h1's traffic once its MAC was changed), counting them in drop_spoof;
# with mac_guard=0 the same frames pass. A guarded port without a mac
# takes the first source MAC it sees and then guards it.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
pl_init
pl_hosts 1 2 3
m1=$(pl_mac 1)
m2=$(pl_mac 2)
m3=$(pl_mac 3)
fake=02:00:00:00:99:01
bcast=ff:ff:ff:ff:ff:ff

[ "$(pl_p 1 mac_guard)" = 0 ] || ksft_fail "mac_guard defaults to $(pl_p 1 mac_guard), not 0"
[ "$(pl_p 1 mac)" = 00:00:00:00:00:00 ] || ksft_fail "mac defaults to $(pl_p 1 mac)"
pl_pset 1 mac "$m1"
pl_pset 1 mac_guard 1

# h1's own frames pass
pl_ping 1 2 5 || ksft_fail "h1 cannot ping h2 from its own MAC with mac_guard=1"
[ "$(pl_st 1 drop_spoof)" = 0 ] || ksft_fail "drop_spoof $(pl_st 1 drop_spoof) after h1's own pings"

# raw frames from another source MAC, half unicast to h2, half broadcast
pl_count_start c2 2 --time 60 --src "$fake" --type 0x88b5
d0=$(pl_st 1 drop_spoof)
pl_send 1 --count 200 --src "$fake" --dst "$m2,$bcast" > s.out
pl_count_stop "$PL_PID"
d1=$(pl_st 1 drop_spoof)
[ "$(pl_kv s.out sent)" = 200 ] || ksft_fail "sender: $(cat s.out)"
[ "$(pl_kv c2 count)" = 0 ] || ksft_fail "h2 got $(pl_kv c2 count) of 200 spoofed frames"
[ $((d1 - d0)) = 200 ] || ksft_fail "drop_spoof grew by $((d1 - d0)) for 200 spoofed frames"
echo "200 spoofed frames dropped, drop_spoof $d1"

# h1 changes its MAC: its pings are dropped, drop_spoof counts them
# (the MAC change flushes h1's neighbours: what it sends is ARP requests)
ip -n h1 link set eth0 address "$fake"
d0=$(pl_st 1 drop_spoof)
v0=$(cat /sys/class/net/vp1/statistics/rx_packets)
lost=$(pl_loss 1 2 5)
[ "$lost" = 5 ] || ksft_fail "$((5 - lost)) of 5 pings from the spoofed MAC were answered"
# every frame h1 sent from it (its veth peer counts them) is a drop_spoof;
# ARP may still retry a moment: wait until the counts settle
vrx() {
	cat /sys/class/net/vp1/statistics/rx_packets
}
pl_until 4 '[ $(($(pl_st 1 drop_spoof) - d0)) = $(($(vrx) - v0)) ]' ||
	ksft_fail "drop_spoof grew by $(($(pl_st 1 drop_spoof) - d0)) for $(($(vrx) - v0)) frames h1 sent from a spoofed MAC"
v1=$(vrx)
[ $((v1 - v0)) -gt 0 ] || ksft_fail "h1 sent nothing from its new MAC"
echo "ping from a changed MAC: $((v1 - v0)) frames, all dropped"
ip -n h1 link set eth0 address "$m1"
pl_ping 1 2 3 || ksft_fail "h1 cannot ping again with its own MAC back"

# mac_guard=0: the same frames pass and are not counted
pl_pset 1 mac_guard 0
pl_count_start c2 2 --time 60 --src "$fake" --type 0x88b5 --expect 200
d0=$(pl_st 1 drop_spoof)
pl_send 1 --count 200 --src "$fake" --dst "$m2,$bcast" > s.out
pl_count_stop "$PL_PID"
d1=$(pl_st 1 drop_spoof)
[ "$(pl_kv c2 count)" = 200 ] || ksft_fail "mac_guard=0: h2 got $(pl_kv c2 count) of 200 frames"
[ "$d1" = "$d0" ] || ksft_fail "mac_guard=0: drop_spoof grew by $((d1 - d0))"
ip -n h1 link set eth0 address "$fake"
pl_ping 1 2 3 || ksft_fail "mac_guard=0: h1 cannot ping from another MAC"
ip -n h1 link set eth0 address "$m1"

# a guarded port with no mac takes the first source MAC it sees
pl_pset 3 mac_guard 1
pl_ping 3 2 3 || ksft_fail "guarded port without mac: h3 cannot ping"
[ "$(pl_p 3 mac)" = "$m3" ] || ksft_fail "guarded port took mac $(pl_p 3 mac), h3 is $m3"
d0=$(pl_st 3 drop_spoof)
pl_send 3 --count 50 --src "$fake" --dst "$m2" > s.out
got=$(pl_delta 3 drop_spoof "$d0" 50)
[ "$got" = 50 ] || ksft_fail "port that took its mac: drop_spoof +$got for 50 spoofed frames"
pl_ping 3 2 2 || ksft_fail "h3 cannot ping after its spoofed frames"
# ethtool -S sums the ports
sum=$(($(pl_st 1 drop_spoof) + $(pl_st 2 drop_spoof) + $(pl_st 3 drop_spoof)))
[ "$(pl_ethtool drop_spoof)" = "$sum" ] ||
	ksft_fail "ethtool -S drop_spoof $(pl_ethtool drop_spoof), the ports' sum $sum"
ksft_pass "own MAC passes, 200 raw and 5 pings spoofed dropped and counted, mac_guard=0 passes, first MAC taken"
