#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Shutdown end to end with synbus_util.shutdown_dry_run=1: the host's
# power off and reboot requests reach the guest, which records them (and
# would call orderly_poweroff()/orderly_reboot()); bad requests fail.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

svc_setup shutdown_dry_run=1
[ "$(cat /sys/module/synbus_util/parameters/shutdown_dry_run)" = Y ] ||
	ksft_fail "dry run not set: refusing to test shutdown"
svc_offer shutdown

[ "$(svc_attr shutdown shutdown_last)" = none ] || ksft_fail "request before any"
echo poweroff > $SVC_HOST/shutdown/request || ksft_fail "poweroff request failed"
svc_until 5 '[ "$(svc_attr shutdown shutdown_last)" = poweroff ]' ||
	ksft_fail "guest did not record poweroff"
svc_wait 5 svc_klog "host requested poweroff (dry run)" ||
	ksft_fail "no dry-run poweroff message"

echo "reboot force" > $SVC_HOST/shutdown/request || ksft_fail "reboot request failed"
svc_until 5 '[ "$(svc_attr shutdown shutdown_last)" = reboot ]' ||
	ksft_fail "guest did not record reboot"
svc_wait 5 svc_klog "host requested reboot (dry run)" ||
	ksft_fail "no dry-run reboot message"
[ "$(svc_attr shutdown shutdown_count)" = 2 ] ||
	ksft_fail "count $(svc_attr shutdown shutdown_count), expected 2"

# Host-side parsing.
err=$(svc_host_write shutdown request halt) && ksft_fail "'halt' accepted"
case "$err" in *"Invalid argument"*) ;; *) ksft_fail "halt: $err" ;; esac

# An action the guest does not know (7), well formed otherwise: the guest
# answers E_INVAL (2) and does nothing.
rej=$(svc_attr shutdown ic_rejected)
svc_inject shutdown "$(svc_msg 3 1 8 0 65536 0)$(svc_le 4 7)$(svc_le 4 0)"
svc_until 5 '[ "$(svc_counter shutdown stray)" = 1 ]' || ksft_fail "no answer to bad action"
[ "$(svc_counter shutdown stray_status)" = 2 ] ||
	ksft_fail "bad action: status $(svc_counter shutdown stray_status)"
[ "$(svc_attr shutdown shutdown_count)" = 2 ] || ksft_fail "bad action was acted on"
# Unknown flags are refused too.
svc_inject shutdown "$(svc_msg 3 1 8 0 65536 0)$(svc_le 4 0)$(svc_le 4 0x80)"
svc_until 5 '[ "$(svc_counter shutdown stray)" = 2 ]' || ksft_fail "no answer to bad flags"
[ "$(svc_attr shutdown shutdown_count)" = 2 ] || ksft_fail "bad flags were acted on"
[ "$(svc_attr shutdown ic_rejected)" -ge "$rej" ] || ksft_fail "rejected counter"

svc_rescind shutdown
ksft_pass "shutdown (dry run)"
