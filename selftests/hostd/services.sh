#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The integration services across a real VM boundary: the guest's drivers
# (synbus_util.ko, dynmem.ko) bind to the devices synbus-hostd offers
# through ivshmem; the heartbeat advances, a wrong guest clock is stepped
# to the host's, a backup freeze blocks a write in the guest until the
# thaw, a device rescinded from the CLI leaves the guest and comes back
# when offered again, and a shutdown request powers the guest off.
. "$SRC/selftests/hostd/hostd_lib.sh"

g_modules 1
g_wait_all 1 30
cl_log "all five devices open in the guest"
hctl list | grep -q "^node1 up" || ksft_fail "daemon: node1 not up: $(hctl list)"
[ "$(hctl devices node1 | grep -c ' open')" = 5 ] ||
	ksft_fail "daemon: not 5 open channels: $(hctl devices node1)"

# Heartbeat: alive, and the sequence number moves.
wait_for 10 test "$(hkey state heartbeat node1)" = alive ||
	ksft_fail "heartbeat: $(hctl heartbeat node1 | tr '\n' ' ')"
s1=$(hkey seq heartbeat node1)
sleep 2.5
s2=$(hkey seq heartbeat node1)
[ "$s2" -gt "$s1" ] || ksft_fail "heartbeat seq $s1 -> $s2"
g=$(node_run 1 'cat /sys/bus/synbus/devices/*/heartbeat_seq 2>/dev/null | head -n 1')
[ -n "$g" ] && [ "$g" -gt 0 ] || ksft_fail "guest heartbeat_seq '$g'"
cl_log "heartbeat seq $s1 -> $s2, guest $g"

# Time sync: an hour wrong in the guest, a forced SYNC sample steps it.
node_run 1 'date -s "@$(( $(date +%s) - 3600 ))" > /dev/null' || ksft_fail "date -s"
hctl timesync node1 > /dev/null || ksft_fail "timesync command"
skew() {
	local g
	g=$(node_run 1 'date +%s') || return 1
	echo $((g - $(date +%s)))
}
wait_for 10 eval '[ "$(skew)" -ge -3 ] && [ "$(skew)" -le 3 ]' ||
	ksft_fail "guest clock still off by $(skew) s after a SYNC"
cl_log "guest clock stepped back (skew $(skew) s)"

# Backup: freeze without the guest's helper daemon is refused.
node_run 1 'mkdir -p /mnt/fs && truncate -s 64M /tmp/fs.img &&
	mkfs.ext4 -q -F /tmp/fs.img && modprobe loop && mount -o loop /tmp/fs.img /mnt/fs &&
	echo before > /mnt/fs/before && sync' || ksft_fail "guest filesystem"
out=$(hctl freeze node1 2>&1) && ksft_fail "freeze without synbus-vssd worked: $out"
cl_log "freeze without the guest daemon: $(echo "$out" | tail -n 1)"
node_run 1 '$SRC/tools/bin/synbus-vssd -n -m /mnt/fs > /tmp/vssd.log 2>&1 &
	for i in $(seq 100); do grep -q registered /tmp/vssd.log && exit 0; sleep 0.1; done; exit 1' ||
	ksft_fail "synbus-vssd did not register"
hctl freeze node1 > /dev/null || ksft_fail "freeze failed"
[ "$(hkey frozen backup node1)" = 1 ] || ksft_fail "backup: not frozen"
w=$(node_bg 1 'echo payload > /mnt/fs/file && sync -f /mnt/fs/file && echo written')
sleep 2
[ -e "$CL_DIR/node1/cmd/$w.rc" ] && ksft_fail "a write completed on the frozen filesystem"
hctl thaw node1 > /dev/null || ksft_fail "thaw failed"
out=$(node_wait -t 20 1 "$w") || ksft_fail "write after thaw: $out"
[ "$(node_run 1 'cat /mnt/fs/file')" = payload ] || ksft_fail "data after thaw"
[ "$(hkey frozen backup node1)" = 0 ] || ksft_fail "backup: still frozen"
node_run 1 'pkill synbus-vssd; umount /mnt/fs' > /dev/null
cl_log "freeze blocked a write, thaw let it through"

# Rescind and offer again from the CLI.
hctl rescind node1 heartbeat > /dev/null || ksft_fail "rescind"
wait_for 10 eval '! g_has 1 heartbeat' || ksft_fail "heartbeat device still in the guest"
hctl offer node1 heartbeat > /dev/null || ksft_fail "offer"
wait_for 15 g_has 1 heartbeat || ksft_fail "heartbeat device did not come back"
wait_for 10 test "$(hkey state heartbeat node1)" = alive || ksft_fail "no beats after re-offer"
cl_log "rescind and offer again"

# The guest logged nothing bad so far; then a shutdown powers it off.
node_run 1 'dmesg > /run/node/dmesg-before-shutdown.log'
# The test guest has no init: its poweroff must not wait for systemd.
node_run 1 'echo "/sbin/poweroff -f" > /proc/sys/kernel/poweroff_cmd'
touch "$CL_DIR/node1/killed"
hctl shutdown node1 > /dev/null || ksft_fail "shutdown command"
wait_for 60 eval '! node_alive 1' || ksft_fail "guest still running 60 s after shutdown"
grep -E 'WARNING:|BUG:|Oops' "$CL_DIR/node1/dmesg-before-shutdown.log" && ksft_fail "guest kernel log"
wait_for 10 eval '! hctl list | grep -q "^node1 up"' || ksft_fail "daemon: node1 still up"
hd_alive || ksft_fail "daemon died"
ksft_pass "heartbeat, time sync, backup, rescind/offer, shutdown over ivshmem"
