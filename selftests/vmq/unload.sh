#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Teardown under traffic: while h1 floods h2 with pings and h3, h4 send
# frames to h2's queued port (pinned to CPU 1) and broadcasts, a port
# leaves (nomaster), a host's veth is deleted, the switch is deleted and
# vmq is unloaded, without any kernel warning (the harness checks the
# log); each step leaves no vmq state behind. Then vmq loads again, a
# fresh switch forwards and hands out queues; finally vmq is unloaded with
# that switch still up, which must take the switch away.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
pl_init
pl_hosts 1 2 3 4
m2=$(pl_mac 2)
pl_pset 2 mac "$m2"
pl_pset 2 queue_cpu 1
[ "$(pl_p 2 queue)" -ge 0 ] || ksft_fail "vp2 has no queue"
pl_pset 3 mirror 1
pl_pset 4 monitor 1
pl_pset 1 storm_pps 1000
pl_ping 1 2 2 || ksft_fail "h1 cannot ping h2"
pl_ping 3 2 2 || ksft_fail "h3 cannot ping h2"

ip netns exec h1 ping -f -q -w 30 192.0.2.2 > flood.log 2>&1 &
PL_PIDS+=($!)
pl_send_bg s3.out 3 --time 30 --dst "$m2,ff:ff:ff:ff:ff:ff"
pl_send_bg s4.out 4 --time 30 --dst "$m2" --src rand
q0=$(pl_st 2 queue_packets)
sleep 2
q1=$(pl_st 2 queue_packets)
[ "$q1" -gt "$q0" ] || ksft_fail "no frames through vp2's queue under traffic"
echo "under traffic: vp2 queue_packets +$((q1 - q0)) in 2 s"

# a port leaves
pl_detach 1
[ -e /sys/class/net/vp1/vmq_port ] && ksft_fail "vp1 still has vmq_port/ after nomaster"
sleep 1
# a host's veth goes away (its switch port with it)
ip -n h4 link del eth0 || ksft_fail "cannot delete h4's veth"
[ -e /sys/class/net/vp4 ] && ksft_fail "vp4 still there after its peer was deleted"
sleep 1
# the switch goes, with vp2 (queued) and vp3 (mirrored) still enslaved and busy
ip link del $PL_SW || ksft_fail "cannot delete $PL_SW under traffic"
[ -e /sys/class/net/vp2/vmq_port ] && ksft_fail "vp2 still has vmq_port/ after the switch was deleted"
[ -e /sys/class/net/vp3/vmq_port ] && ksft_fail "vp3 still has vmq_port/ after the switch was deleted"
[ -n "$(ip -o link show type vmq)" ] && ksft_fail "vmq links left: $(ip -o link show type vmq)"
sleep 1
rmmod vmq || ksft_fail "rmmod vmq failed after the switch was deleted"
[ -d /sys/module/vmq ] && ksft_fail "vmq still loaded"
echo "nomaster, veth delete, switch delete and rmmod under traffic: done"

# again, fresh
ksft_load_ko vmq/vmq
pl_switch
pl_attach 2 3
pl_pset 2 mac "$m2"
[ "$(pl_p 2 queue)" -ge 0 ] || ksft_fail "fresh switch: vp2 has no queue"
[ "$(pl_p 2 statistics/rx_packets)" = 0 ] || ksft_fail "fresh switch: vp2 counters not zero"
pl_ping 3 2 5 || ksft_fail "fresh switch: h3 cannot ping h2"
[ "$(pl_st 2 queue_packets)" -gt 0 ] || ksft_fail "fresh switch: nothing through vp2's queue"
# unload with the switch up and under traffic
pl_send_bg s3.out 3 --time 30 --dst "$m2,ff:ff:ff:ff:ff:ff"
sleep 2
rmmod vmq || ksft_fail "rmmod vmq failed with a switch up"
[ -e /sys/class/net/$PL_SW ] && ksft_fail "$PL_SW still there after rmmod"
[ -e /sys/class/net/vp2/vmq_port ] && ksft_fail "vp2 still has vmq_port/ after rmmod"
ip link show vp2 > /dev/null || ksft_fail "vp2 gone with the switch"
ksft_pass "teardown under traffic at every step, reload works, rmmod removes a live switch"
