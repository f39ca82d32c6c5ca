#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Time sync end to end. The loopback host's clock is independent of the
# guest's CLOCK_REALTIME, so setting the guest clock an hour wrong (either
# way) must be stepped back by the samples; a 300 ms host skew is below
# step_threshold_ms and is only reported (offset and PTP clock), until a
# SYNC sample steps it; malformed samples are refused and change nothing.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

T=$SVC_HOST/timesync
restore() {
	echo 0 > $T/skew_ns 2>/dev/null
	echo sync > $T/sample 2>/dev/null
	sleep 0.3
	svc_cleanup
}

svc_setup
trap restore EXIT
echo 200 > $T/period_ms
svc_offer timesync
svc_until 10 '[ "$(svc_attr timesync time_samples)" -ge 2 ]' || ksft_fail "no samples"
svc_until 5 '[ "$(svc_attr timesync time_steps)" -ge 1 ]' ||
	ksft_fail "first (SYNC) sample did not step"

# guest clock minus host clock, in ms; no fork between the two reads
# (a fork costs hundreds of ms under TCG).
skew_ms() {
	local h g
	read -r h < $T/host_time_ns
	g=${EPOCHREALTIME/./}
	echo $(((g * 1000 - h) / 1000000))
}

within() {
	local s
	s=$(skew_ms)
	[ "${s#-}" -lt "$1" ]
}

for delta in 3600 -3600; do
	echo 0 > $T/period_ms
	sleep 0.5
	date -s "@$(($(date +%s) + delta))" > /dev/null || ksft_fail "date -s"
	s=$(skew_ms)
	[ "${s#-}" -gt 3000000 ] || ksft_fail "clock not set wrong: skew $s ms"
	echo 200 > $T/period_ms
	svc_wait 10 within 1000 || ksft_fail "clock off by ${delta}s did not converge: $(skew_ms) ms"
done

# Small skew: reported, not stepped.
echo 0 > $T/period_ms
sleep 0.5
steps=$(svc_attr timesync time_steps)
echo 300000000 > $T/skew_ns
echo sample > $T/sample || ksft_fail "sample failed"
off=$(svc_attr timesync time_offset_ns)
[ "$off" -gt 200000000 ] && [ "$off" -lt 400000000 ] ||
	ksft_fail "offset $off ns, expected about 300 ms"
sleep 0.3
[ "$(svc_attr timesync time_steps)" = "$steps" ] || ksft_fail "small offset was stepped"
idx=$(svc_attr timesync ptp_index) || ksft_fail "no PTP clock"
[ "$(cat /sys/class/ptp/ptp$idx/clock_name)" = synbus ] || ksft_fail "PTP clock name"

# A SYNC sample steps even a small offset.
echo sync > $T/sample || ksft_fail "sync sample failed"
svc_until 5 '[ "$(svc_attr timesync time_steps)" -gt "$steps" ]' || ksft_fail "SYNC did not step"
echo sample > $T/sample
off=$(svc_attr timesync time_offset_ns)
[ "${off#-}" -lt 100000000 ] || ksft_fail "offset after SYNC still $off ns"

# Malformed samples: no flags, unknown flags, a time past 2262.
echo 0 > $T/skew_ns
echo sync > $T/sample || ksft_fail "sync sample failed"
svc_wait 5 within 200 || ksft_fail "no sync to the host: $(skew_ms) ms"
steps=$(svc_attr timesync time_steps)
n=$(svc_counter timesync stray)
now=$(cat $T/host_time_ns)
svc_inject timesync "$(svc_msg 4 1 24 0 65536 0)$(svc_le 8 "$now")$(svc_le 8 0)$(svc_le 4 0)$(svc_le 4 0)"
svc_inject timesync "$(svc_msg 4 1 24 0 65536 0)$(svc_le 8 "$now")$(svc_le 8 0)$(svc_le 4 0x81)$(svc_le 4 0)"
svc_inject timesync "$(svc_msg 4 1 24 0 65536 0)$(svc_le 8 -1)$(svc_le 8 0)$(svc_le 4 1)$(svc_le 4 0)"
svc_until 5 '[ "$(svc_counter timesync stray)" = $((n + 3)) ]' || ksft_fail "bad samples not answered"
[ "$(svc_counter timesync stray_status)" = 2 ] || ksft_fail "bad sample status"
sleep 0.3
[ "$(svc_attr timesync time_steps)" = "$steps" ] || ksft_fail "a bad sample stepped the clock"
within 1000 || ksft_fail "clock moved by bad samples: $(skew_ms) ms"
ksft_pass "time sync"
