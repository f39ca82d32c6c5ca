#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Bandwidth limit: with max_rate_kbps on h1's port, an iperf3 UDP stream
# of 100 Mbit/s from h1 reaches h2 at the limit (within 10%, counted in
# Ethernet frame bytes, median of 100 ms slices; the average must not
# pass the limit) for 20000 and 5000 kbit/s, the excess counted in
# drop_rate; traffic towards h1 is not limited; 0 lifts the limit (the
# rate is then clearly higher).
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vmq/policy_lib.sh"
command -v iperf3 >/dev/null || ksft_skip "no iperf3"
LEN=1400			# UDP payload; a frame is LEN + 8 + 20 + 14
SECS=4
pl_init
pl_hosts 1 2
pl_static_neigh
[ "$(pl_p 1 max_rate_kbps)" = 0 ] || ksft_fail "max_rate_kbps defaults to $(pl_p 1 max_rate_kbps)"
pl_ping 1 2 2 || ksft_fail "h1 cannot ping h2"

# iperf FROM TO [median]: one UDP run of $SECS s at 100 Mbit/s; prints
# the receiver's average rate in Ethernet frame bits per second (iperf3
# counts UDP payload), the payload rate, the sender's rate, the datagrams
# sent and lost, and with "median" the median rate of the 100 ms slices
# hTO received (in frame bits), which leaves out the slices where a busy
# TCG host paused the sender (else 0).
iperf() {
	local from=$1 to=$2 cpid=
	if [ "${3:-}" = median ]; then
		pl_count_start cnt "$to" --time 60 --dst "$(pl_mac "$to")" \
			--ipproto 17 --bucket-ms 100
		cpid=$PL_PID
	fi
	ip netns exec "h$to" iperf3 -s -1 -p 5201 > srv.log 2>&1 &
	local spid=$!
	pl_until 10 "ip netns exec h$to ss -ltn | grep -q ':5201 '" ||
		pl_fail "iperf3 server in h$to did not start"
	ip netns exec "h$from" iperf3 -c "192.0.2.$to" -p 5201 -u -b 100M -l $LEN \
		-t $SECS --json > cli.json 2> cli.err ||
		pl_fail "iperf3 client failed: $(cat cli.err; tail -n 5 cli.json)"
	wait "$spid"
	python3 -S -c '
import json, sys
d = json.load(open("cli.json"))["end"]
r, s = d["sum_received"], d["sum_sent"]
f = (int(sys.argv[1]) + 42) / int(sys.argv[1])
print("%.0f %.0f %.0f %d %d" % (r["bits_per_second"] * f, r["bits_per_second"],
      s["bits_per_second"], s.get("packets", 0), r.get("lost_packets", 0)))' $LEN |
		tr '\n' ' '
	if [ -n "$cpid" ]; then
		pl_count_stop "$cpid"
		pl_kv cnt median_bps
	else
		echo 0
	fi
}

got=
for kbps in 20000 5000; do
	pl_pset 1 max_rate_kbps $kbps
	d0=$(pl_st 1 drop_rate)
	read -r l2 pay sent pkts lostp med <<< "$(iperf 1 2 median)"
	d1=$(pl_st 1 drop_rate)
	echo "max_rate_kbps=$kbps: h2 received $((l2 / 1000)) kbit/s on average in frames ($((pay / 1000)) kbit/s UDP payload), median of 100 ms slices $((med / 1000)) kbit/s; h1 sent $((sent / 1000)) kbit/s, drop_rate +$((d1 - d0)), iperf3 lost $lostp"
	[ "$sent" -gt $((kbps * 1000 * 3 / 2)) ] ||
		ksft_fail "iperf3 only sent $((sent / 1000)) kbit/s, not enough to test $kbps"
	pl_within "$med" $((kbps * 1000)) 10 ||
		ksft_fail "max_rate_kbps=$kbps: received $((med / 1000)) kbit/s (median of 100 ms), expected $kbps +-10%"
	# on average: never more than the limit (plus the 64 KiB burst), and
	# not far under it (a busy host pauses the sender, which loses tokens)
	[ "$l2" -le $((kbps * 1000 * 11 / 10)) ] ||
		ksft_fail "max_rate_kbps=$kbps: received $((l2 / 1000)) kbit/s on average, over the limit"
	[ "$l2" -ge $((kbps * 1000 / 2)) ] ||
		ksft_fail "max_rate_kbps=$kbps: received only $((l2 / 1000)) kbit/s on average"
	[ $((d1 - d0)) -gt 0 ] || ksft_fail "max_rate_kbps=$kbps: drop_rate did not grow"
	got="$got $kbps->$((med / 1000))"
done

# Unlimited: nothing policed (drop_rate stays; a TCG receiver may still
# lose datagrams itself) and more than a 20000 limit could pass (+10%).
# What a TCG guest moves unlimited varies with the host's load, 25 to 100
# Mbit/s.
FREE=$((20000 * 1000 * 11 / 10))
unlimited() {
	[ "$l2" -gt $FREE ] || ksft_fail "$1: only $((l2 / 1000)) kbit/s"
	[ "$d1" = "$d0" ] || ksft_fail "$1: h1's drop_rate grew by $((d1 - d0))"
}

# the limit is on what the port sends: h2 -> h1 goes at full speed
d0=$(pl_st 1 drop_rate)
read -r l2 pay sent pkts lostp med <<< "$(iperf 2 1)"
d1=$(pl_st 1 drop_rate)
echo "towards the limited port: $((l2 / 1000)) kbit/s, $lostp of $pkts lost, h1's drop_rate +$((d1 - d0))"
unlimited "h2 -> h1, towards h1's limit"

pl_pset 1 max_rate_kbps 0
d0=$(pl_st 1 drop_rate)
read -r l2 pay sent pkts lostp med <<< "$(iperf 1 2)"
d1=$(pl_st 1 drop_rate)
echo "max_rate_kbps=0: $((l2 / 1000)) kbit/s, $lostp of $pkts lost, drop_rate +$((d1 - d0))"
unlimited "max_rate_kbps=0"
ksft_pass "max_rate_kbps held within 10% (kbit/s:$got), reverse direction and 0 unlimited"
