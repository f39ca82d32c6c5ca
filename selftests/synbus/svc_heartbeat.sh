#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Heartbeat end to end: the host's sequence number advances with the
# guest's answers, its timestamp is fresh, a forced beat works; unbinding
# the guest driver stops the beats (ENODEV) and rebinding restarts them.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

svc_setup
svc_offer heartbeat
H=$SVC_HOST/heartbeat
echo 100 > $H/period_ms

hb_field() {
	awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' $H/status
}

svc_until 5 '[ "$(hb_field beats)" -ge 3 ]' || ksft_fail "no periodic beats: $(cat $H/status)"
s1=$(hb_field seq)
sleep 1
s2=$(hb_field seq)
[ "$s2" -gt "$s1" ] || ksft_fail "seq did not advance: $s1 -> $s2"
[ "$(hb_field misses)" = 0 ] || ksft_fail "missed beats: $(cat $H/status)"

# The timestamp is CLOCK_MONOTONIC ns; it must be within the last second.
up=$(cut -d' ' -f1 /proc/uptime)
now_ns=$((${up%.*} * 1000000000 + 10#${up#*.} * 10000000))
last=$(hb_field last_ns)
age=$(((now_ns - last) / 1000000))
[ $age -lt 1500 ] && [ $age -gt -1500 ] || ksft_fail "stale timestamp: ${age} ms"

# The guest saw the same sequence numbers it answered.
echo 0 > $H/period_ms
sleep 0.3
echo 1 > $H/beat || ksft_fail "forced beat failed"
[ "$(svc_attr heartbeat heartbeat_seq)" = "$(hb_field seq)" ] ||
	ksft_fail "guest seq $(svc_attr heartbeat heartbeat_seq) != host $(hb_field seq)"

# Unbind: the channel closes and the host gets ENODEV; rebind: it beats.
dev=$(svc_gdev heartbeat)
name=$(basename "$dev")
echo "$name" > $SVC_DRV/unbind || ksft_fail "unbind"
err=$(svc_host_write heartbeat beat 1) && ksft_fail "beat after unbind worked"
case "$err" in *"No such device"*) ;; *) ksft_fail "beat after unbind: $err" ;; esac
echo "$name" > $SVC_DRV/bind || ksft_fail "bind"
svc_wait 10 svc_negotiated heartbeat || ksft_fail "no renegotiation after bind"
echo 1 > $H/beat || ksft_fail "beat after rebind failed"

svc_rescind heartbeat
svc_wait 5 test ! -e "$dev" || ksft_fail "device still present after rescind"
ksft_pass "heartbeat"
