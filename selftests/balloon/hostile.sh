#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# A hostile host cannot crash the guest: messages shorter than a header,
# with a size field larger than the packet, of types only the guest
# sends, too short for their type, and absurd targets are each counted in
# bad_messages (or clamped), logged, and dropped; the driver then still
# inflates and deflates.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/balloon/dm_lib.sh"
dm_setup
dm_offer
MB=256

le() {	# le BYTES VALUE: little-endian escapes
	local i out=
	for ((i = 0; i < $1; i++)); do out+=$(printf '\\x%02x' $((($2 >> (8 * i)) & 255))); done
	printf '%s' "$out"
}
inject() {	# inject ESCAPES
	# shellcheck disable=SC2059
	printf "$1" > $DM_VM/inject || ksft_fail "inject failed"
}
bad0=$(dm_g bad_messages)
inject '\x03\x00'					# shorter than a header
inject "$(le 2 3)$(le 2 0)$(le 4 4096)$(le 8 1)$(le 8 1)"	# size > packet
inject "$(le 2 8)$(le 2 0)$(le 4 24)$(le 8 0)$(le 8 0)"	# STATUS: guest's own type
inject "$(le 2 99)$(le 2 0)$(le 4 24)$(le 8 0)$(le 8 0)"	# unknown type
inject "$(le 2 3)$(le 2 0)$(le 4 16)$(le 8 1)"		# INFLATE too short
inject "$(le 2 2)$(le 2 0)$(le 4 12)$(le 4 0)"		# LIMITS too short
dm_until 5 '[ "$(dm_g bad_messages)" -ge $((bad0 + 6)) ]' ||
	ksft_fail "bad_messages $(dm_g bad_messages), expected $((bad0 + 6))"
dmesg | grep -q "dropped a bad message from the host" || ksft_fail "no log line for bad messages"
# an INFLATE of 2^60 pages is clamped to the guest and ends partial
inject "$(le 2 3)$(le 2 0)$(le 4 24)$(le 8 77)$(le 8 $((1 << 60)))"
dm_until 120 '[ "$(dm_g balloon_pages)" -gt 0 ] && sleep 2 && [ "$(dm_g balloon_pages)" = "$(dm_g balloon_pages)" ]' ||
	ksft_fail "the absurd inflate did nothing"
dm_until 120 '[ "$(dm_g target_pages)" -gt 0 ]' || ksft_fail "no target"
sleep 2
dm_no_oom_kill
# then a DEFLATE of 2^60 gives everything back
inject "$(le 2 5)$(le 2 0)$(le 4 24)$(le 8 78)$(le 8 $((1 << 60)))"
dm_until 60 '[ "$(dm_g balloon_pages)" = 0 ]' || ksft_fail "absurd deflate left $(dm_g balloon_pages)"
# the host's own view is resynced by a real request; the driver still works
echo 0 > $DM_VM/balloon_target
dm_target $((32 * MB))
dm_target 0
ksft_pass "malformed and absurd host messages are dropped or clamped; the driver still works"
