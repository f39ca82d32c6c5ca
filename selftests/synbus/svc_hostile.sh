#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hostile host: every service gets short, oversized, random and subtly
# wrong messages. Each is refused with an error answer (never acted on),
# counted, logged rate-limited, and the service keeps working. The
# harness fails the test on any oops or WARNING.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

svc_setup shutdown_dry_run=1
echo 0 > $SVC_HOST/heartbeat/period_ms
echo 0 > $SVC_HOST/timesync/period_ms

declare -A TYPE=([heartbeat]=2 [shutdown]=3 [timesync]=4 [backup]=5)
declare -A PLEN=([heartbeat]=8 [shutdown]=8 [timesync]=24 [backup]=16)

works() {
	case $1 in
	heartbeat) echo 1 > $SVC_HOST/heartbeat/beat ;;
	shutdown) echo poweroff > $SVC_HOST/shutdown/request ;;
	timesync) echo sample > $SVC_HOST/timesync/sample ;;
	backup) echo info > $SVC_HOST/backup/request ;;
	esac
}

zeros() {
	local i out=
	for ((i = 0; i < $1; i++)); do out+='\x00'; done
	printf '%s' "$out"
}

for svc in heartbeat shutdown timesync backup; do
	svc_offer $svc
	works $svc || ksft_fail "$svc: does not work before the attack"
	t=${TYPE[$svc]}
	p=${PLEN[$svc]}
	v=65536
	rej0=$(svc_attr $svc ic_rejected)
	stray0=$(svc_counter $svc stray)
	sent=0
	send() {
		svc_inject $svc "$1" || ksft_fail "$svc: inject $2 failed"
		sent=$((sent + 1))
		svc_until 5 '[ "$(svc_counter $svc stray)" = $((stray0 + sent)) ]' ||
			ksft_fail "$svc: no answer to $2"
		[ "$(svc_counter $svc stray_status)" != 0 ] ||
			ksft_fail "$svc: $2 answered OK"
	}
	# Shorter than a header.
	send '\x01\x02\x03\x04' short
	# Larger than any IC message.
	head -c 3000 /dev/urandom > $SVC_HOST/$svc/inject || ksft_fail "$svc: oversize inject"
	sent=$((sent + 1))
	svc_until 5 '[ "$(svc_counter $svc stray)" = $((stray0 + sent)) ]' ||
		ksft_fail "$svc: no answer to oversized"
	# Header length field disagrees with the packet.
	send "$(svc_msg "$t" 1 100 0 $v 0)$(zeros "$p")" "length field"
	# Not a request.
	send "$(svc_msg "$t" 2 "$p" 0 $v 0)$(zeros "$p")" "response flag"
	# Another service's type.
	send "$(svc_msg 9 1 "$p" 0 $v 0)$(zeros "$p")" "unknown type"
	# Right type, wrong version.
	send "$(svc_msg "$t" 1 "$p" 0 $((v * 7)) 0)$(zeros "$p")" "wrong version"
	# Right type, payload too short.
	send "$(svc_msg "$t" 1 4 0 $v 0)$(zeros 4)" "short payload"
	# Negotiation with zero and with too many versions.
	send "$(svc_msg 1 1 40 0 0 0)$(zeros 40)" "negotiate count 0"
	send "$(svc_msg 1 1 40 0 0 0)$(svc_le 2 99)$(zeros 38)" "negotiate count 99"
	# Negotiation offering only an unknown version: refused, old kept.
	send "$(svc_msg 1 1 40 0 0 0)$(svc_le 2 1)$(zeros 2)$(zeros 4)$(svc_le 4 0x90000)$(zeros 28)" \
		"unknown version"
	[ "$(svc_attr $svc ic_version)" = 1.0 ] || ksft_fail "$svc: version lost"
	# Random bytes of a plausible size.
	head -c 48 /dev/urandom > $SVC_HOST/$svc/inject || ksft_fail "$svc: random inject"
	sent=$((sent + 1))
	svc_until 5 '[ "$(svc_counter $svc stray)" = $((stray0 + sent)) ]' ||
		ksft_fail "$svc: no answer to random bytes"

	rej=$(svc_attr $svc ic_rejected)
	[ $((rej - rej0)) -ge 9 ] || ksft_fail "$svc: only $((rej - rej0)) rejections counted"
	works $svc || ksft_fail "$svc: broken after the attack"
	svc_rescind $svc
done
svc_klog "rejected message" || ksft_fail "no rejection logged"
ksft_pass "hostile host messages refused"
