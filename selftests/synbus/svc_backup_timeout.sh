#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Backup timeouts. (1) The host freezes with a 2 s timeout and never
# thaws: the guest thaws anyway, the blocked write completes. (2) The
# daemon is slower than vss_daemon_timeout: the freeze fails with
# ETIMEDOUT and the filesystem still ends up thawed.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

svc_setup
svc_fs
svc_offer backup
B=$SVC_HOST/backup
svc_vssd

echo "freeze 2" > $B/request || ksft_fail "freeze failed"
svc_writer data file
sleep 1
svc_running $SVC_WRITER || ksft_fail "write completed on a frozen filesystem"
svc_wait 10 svc_done $SVC_WRITER || ksft_fail "not thawed after the timeout"
[ "$(cat "$SVC_MNT/file")" = data ] || ksft_fail "data after auto thaw"
[ "$(svc_attr backup backup_auto_thaws)" = 1 ] || ksft_fail "auto thaw not counted"
svc_until 5 '[ "$(svc_attr backup backup_state)" = idle ]' || ksft_fail "state not idle"
svc_klog "thawing anyway" || ksft_fail "no auto-thaw message"
# The host's late thaw finds nothing frozen and succeeds.
echo thaw > $B/request || ksft_fail "late thaw failed"
[ "$(cat $B/frozen)" = 0 ] || ksft_fail "late thaw: frozen"

# A daemon that needs 3 s while the kernel waits 1 s.
kill $SVC_VSSD
wait $SVC_VSSD
echo 1 > /sys/module/synbus_util/parameters/vss_daemon_timeout
svc_vssd --delay-ms 3000
err=$(svc_host_write backup request freeze) && ksft_fail "slow freeze worked"
case "$err" in *"timed out"*) ;; *) ksft_fail "slow freeze: $err" ;; esac
# It froze late and was told to thaw: a write blocks, then goes through.
svc_until 10 '[ "$(grep -c "freeze: ok" "$SCRATCH/vssd.log")" -ge 2 ]' ||
	ksft_fail "slow daemon never froze"
svc_writer late file2
sleep 0.5
svc_running $SVC_WRITER || ksft_fail "slow daemon's freeze did not hold"
svc_wait 15 svc_done $SVC_WRITER || ksft_fail "filesystem left frozen after a daemon timeout"
[ "$(cat "$SVC_MNT/file2")" = late ] || ksft_fail "data after daemon timeout"
svc_until 10 '[ "$(svc_attr backup backup_state)" = idle ]' || ksft_fail "state not idle"
echo 30 > /sys/module/synbus_util/parameters/vss_daemon_timeout
ksft_pass "backup timeouts"
