#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Unbind and rescind mid-operation: during a freeze the daemon is still
# working on, while frozen, while heartbeats fly; module unload in both
# orders with devices bound. Filesystems always end up thawed, waiters
# get errors, and everything binds again afterwards.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/synbus/svc_lib.sh"

svc_setup
svc_fs
B=$SVC_HOST/backup

# 1. Rescind while the daemon is freezing (it needs 2 s).
svc_offer backup
svc_vssd --delay-ms 2000
( echo freeze > $B/request ) 2> "$SCRATCH/req.err" &
req=$!
sleep 0.5
svc_rescind backup
wait $req && ksft_fail "freeze survived a rescind"
grep -q "No such device" "$SCRATCH/req.err" || ksft_fail "freeze error: $(cat "$SCRATCH/req.err")"
svc_wait 10 grep -q "freeze: ok" "$SCRATCH/vssd.log" || ksft_fail "daemon did not freeze"
svc_writer one file1
svc_wait 15 svc_done $SVC_WRITER || ksft_fail "left frozen after a rescind during freeze"
grep -q "thaw: ok" "$SCRATCH/vssd.log" || ksft_fail "daemon did not thaw"
kill $SVC_VSSD
wait $SVC_VSSD

# 2. Unbind while frozen: the guest thaws; rebind works.
svc_offer backup
svc_vssd
echo freeze > $B/request || ksft_fail "freeze"
svc_writer two file2
sleep 1
svc_running $SVC_WRITER || ksft_fail "not frozen"
dev=$(svc_gdev backup)
name=$(basename "$dev")
echo "$name" > $SVC_DRV/unbind || ksft_fail "unbind"
svc_wait 10 svc_done $SVC_WRITER || ksft_fail "left frozen after unbind"
err=$(svc_host_write backup request thaw) && ksft_fail "thaw after unbind worked"
echo "$name" > $SVC_DRV/bind || ksft_fail "bind"
svc_wait 10 svc_negotiated backup || ksft_fail "no renegotiation"
svc_until 10 '[ "$(svc_attr backup backup_state)" = idle ]' || ksft_fail "state after unbind"
echo freeze > $B/request || ksft_fail "freeze after rebind"
echo thaw > $B/request || ksft_fail "thaw after rebind"
svc_rescind backup

# 3. Offer and rescind heartbeat repeatedly while it beats every 10 ms.
echo 10 > $SVC_HOST/heartbeat/period_ms
for i in 1 2 3 4 5; do
	svc_offer heartbeat
	sleep 0.2
	svc_rescind heartbeat
done

# 4. Unload the host side with every service bound: devices go away.
for s in heartbeat shutdown timesync backup; do svc_offer $s; done
kill $SVC_VSSD
wait $SVC_VSSD
rmmod synbus_util_host || ksft_fail "rmmod synbus_util_host"
gone() {
	! svc_gdev "$1" > /dev/null
}
for s in heartbeat shutdown timesync backup; do
	svc_wait 5 gone $s || ksft_fail "$s device survived the host module"
done

# 5. Unload the guest driver with every service bound, then reload.
svc_insmod synbus_util_host
for s in heartbeat shutdown timesync backup; do svc_offer $s; done
rmmod synbus_util || ksft_fail "rmmod synbus_util"
err=$(svc_host_write heartbeat beat 1) && ksft_fail "beat without a driver worked"
svc_insmod synbus_util
for s in heartbeat shutdown timesync backup; do
	svc_wait 10 svc_negotiated $s || ksft_fail "$s: not rebound after reload"
done
echo 1 > $SVC_HOST/heartbeat/beat || ksft_fail "beat after reload"
ksft_pass "unbind/rescind mid-operation"
