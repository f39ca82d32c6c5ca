#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Backup freeze/thaw end to end: the host's freeze request makes
# synbus-vssd FIFREEZE an ext4 filesystem (a write to it blocks), the
# host's thaw makes it FITHAW (the write completes and reads back). A
# freeze without the daemon fails with ENOTCONN.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

svc_setup
svc_fs
svc_offer backup
B=$SVC_HOST/backup

err=$(svc_host_write backup request freeze) && ksft_fail "freeze without daemon worked"
case "$err" in *"not connected"*) ;; *) ksft_fail "freeze without daemon: $err" ;; esac

svc_vssd
[ "$(svc_attr backup backup_daemon)" = 1 ] || ksft_fail "daemon not registered"
echo before > "$SVC_MNT/before" && sync

echo freeze > $B/request || ksft_fail "freeze request failed"
[ "$(cat $B/frozen)" = 1 ] || ksft_fail "host: not frozen"
[ "$(svc_attr backup backup_state)" = frozen ] || ksft_fail "guest state $(svc_attr backup backup_state)"

svc_writer payload file
sleep 2
svc_running $SVC_WRITER || ksft_fail "write completed on a frozen filesystem"
[ -e "$SVC_MNT/file" ] && ksft_fail "file created while frozen"
[ "$(cat "$SVC_MNT/before")" = before ] || ksft_fail "read while frozen"

# A second freeze while frozen is answered "frozen", info reports it.
echo freeze > $B/request || ksft_fail "second freeze failed"
echo info > $B/request || ksft_fail "info failed"
[ "$(cat $B/frozen)" = 1 ] || ksft_fail "info: not frozen"

echo thaw > $B/request || ksft_fail "thaw request failed"
[ "$(cat $B/frozen)" = 0 ] || ksft_fail "host: still frozen"
svc_wait 10 svc_done $SVC_WRITER || ksft_fail "write still blocked after thaw"
wait $SVC_WRITER || ksft_fail "write failed after thaw"
[ "$(cat "$SVC_MNT/file")" = payload ] || ksft_fail "data after thaw"
[ "$(svc_attr backup backup_state)" = idle ] || ksft_fail "state after thaw"
[ "$(svc_attr backup backup_freezes)" = 1 ] || ksft_fail "freeze count"
[ "$(svc_attr backup backup_auto_thaws)" = 0 ] || ksft_fail "auto thaw happened"
grep -q "freeze: ok" "$SCRATCH/vssd.log" || ksft_fail "daemon log: no freeze"
grep -q "thaw: ok" "$SCRATCH/vssd.log" || ksft_fail "daemon log: no thaw"

# The filesystem is really usable again: a second cycle.
echo freeze > $B/request || ksft_fail "freeze 2 failed"
svc_writer again file2
sleep 1
svc_running $SVC_WRITER || ksft_fail "write 2 completed while frozen"
echo thaw > $B/request || ksft_fail "thaw 2 failed"
svc_wait 10 svc_done $SVC_WRITER || ksft_fail "write 2 blocked after thaw"

# The daemon exits cleanly and unregisters.
kill $SVC_VSSD
wait $SVC_VSSD || ksft_fail "daemon exit status"
svc_until 5 '[ "$(svc_attr backup backup_daemon)" = 0 ]' || ksft_fail "daemon still registered"
ksft_pass "backup freeze/thaw"
