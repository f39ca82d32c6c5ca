#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Ring-level faults from the loopback host's injector on an integration
# service channel: a corrupt index, an oversized and a garbage packet each
# reset the channel; the service renegotiates and beats again. A stalled
# host delays a beat without losing it; a rescind after a few packets
# removes the device mid-traffic and a new offer works.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

CTL=$SRC/selftests/synbus/synbus-loopctl
[ -x "$CTL" ] || ksft_skip "synbus-loopctl not built"
svc_setup
H=$SVC_HOST/heartbeat
echo 0 > $H/period_ms
svc_offer heartbeat
id=$(cat $H/device)

beat_again() {
	svc_wait 10 svc_negotiated heartbeat || return 1
	svc_wait 10 sh -c "echo 1 > $H/beat"
}

for f in corrupt oversize garbage; do
	$CTL fault "$id" $f || ksft_fail "fault $f"
	beat_again || ksft_fail "no heartbeat after '$f': $(cat $H/status)"
done

$CTL fault "$id" stall 2000 || ksft_fail "fault stall"
start=$(cut -d' ' -f1 /proc/uptime)
echo 1 > $H/beat || ksft_fail "beat lost in a 2 s stall"
end=$(cut -d' ' -f1 /proc/uptime)
awk -v a="$start" -v b="$end" 'BEGIN { exit !(b - a >= 1.5) }' ||
	ksft_fail "beat not delayed by the stall ($start -> $end)"

echo 20 > $H/period_ms
$CTL fault "$id" rescind io 5 || ksft_fail "fault rescind io"
gone() {
	! svc_gdev heartbeat > /dev/null
}
svc_wait 10 gone || ksft_fail "device not rescinded after 5 packets"
echo 0 > $H/period_ms
echo 1 > $H/rescind 2>/dev/null
svc_offer heartbeat
echo 1 > $H/beat || ksft_fail "beat on a new device"
ksft_pass "service channel survives injected faults"
