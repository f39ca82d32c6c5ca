#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Recovery and hostility across the VM boundary:
#  - the daemon is SIGKILLed and started again: it takes its fds back from
#    its keeper, the guest sees the new host generation, drops its devices
#    and binds them again; the heartbeat resumes;
#  - the guest's transport is unbound and bound again (what a guest reboot
#    does to the host: a new hello over a window with old contents);
#  - with the driver unbound, the guest writes random bytes over the whole
#    window and rings the doorbell, many times: the daemon stays up, says
#    why it dropped the guest (rate limited), and serves the guest again
#    once the driver is bound.
. "$SRC/selftests/hostd/hostd_lib.sh"

beating() {
	local s1 s2
	s1=$(hkey seq heartbeat node1) || return 1
	sleep 1.5
	s2=$(hkey seq heartbeat node1) || return 1
	[ -n "$s1" ] && [ -n "$s2" ] && [ "$s2" -gt "$s1" ]
}

g_modules 1
g_wait_all 1 30
wait_for 10 beating || ksft_fail "no heartbeat at start"
gen0=$(node_run 1 'cat /sys/bus/pci/devices/*/synbus_ivshmem/host_gen 2>/dev/null')

# 1. The daemon dies and comes back.
hostd_kill
cl_log "daemon killed"
sleep 1
hostd_restart || ksft_fail "daemon did not restart: $(tail -n 3 "$CL_DIR/hostd.log")"
g_wait_all 1 30
wait_for 15 beating || ksft_fail "no heartbeat after the daemon restart: $(hctl heartbeat node1 | tr '\n' ' ')"
gen1=$(node_run 1 'cat /sys/bus/pci/devices/*/synbus_ivshmem/host_gen 2>/dev/null')
[ "$gen1" != "$gen0" ] || ksft_fail "guest still sees host_gen $gen0"
cl_log "daemon restarted: host_gen $gen0 -> $gen1, devices bound again"

# 2. The transport goes and comes back (a guest reboot as the host sees it).
dev=$(g_ivdev 1) || ksft_fail "no ivshmem device in the guest"
node_run 1 "echo $dev > /sys/bus/pci/drivers/synbus_ivshmem/unbind" || ksft_fail "unbind"
wait_for 10 eval '! hctl list | grep -q "^node1 up"' || ksft_fail "daemon: node1 still up after unbind"
node_run 1 "echo $dev > /sys/bus/pci/drivers/synbus_ivshmem/bind" || ksft_fail "bind"
g_wait_all 1 30
wait_for 15 beating || ksft_fail "no heartbeat after rebind"
cl_log "transport unbound and bound: served again"

# 3. Garbage over the window, doorbells rung, with the driver unbound.
node_run 1 "echo $dev > /sys/bus/pci/drivers/synbus_ivshmem/unbind" || ksft_fail "unbind 2"
node_run -t 120 1 "python3 - /sys/bus/pci/devices/$dev <<'PY'
import mmap, os, random, struct, sys, time
d = sys.argv[1]
rng = random.Random(11)
bar2 = os.open(d + '/resource2', os.O_RDWR | os.O_SYNC)
size = os.fstat(bar2).st_size
win = mmap.mmap(bar2, size)
bar0 = os.open(d + '/resource0', os.O_RDWR | os.O_SYNC)
regs = mmap.mmap(bar0, 256)
def ring():
    regs[12:16] = struct.pack('<I', 0)   # peer 0 (the host), vector 0
for i in range(300):
    what = i % 4
    if what == 0:      # the guest's header fields: a hello with junk
        win[28:32] = struct.pack('<I', rng.getrandbits(32) | 1)
    elif what == 1:    # control ring indices and data
        off = 4096 + rng.randrange(0, 8 * 4096)
        win[off:off + 64] = os.urandom(64)
    elif what == 2:    # one random page anywhere
        off = rng.randrange(0, size // 4096) * 4096
        win[off:off + 4096] = os.urandom(4096)
    else:              # pending bits all set
        win[128:256] = bytes([255]) * 128
    ring()
    if i % 50 == 0:
        time.sleep(0.05)
PY" || ksft_fail "garbage writer failed"
hd_alive || ksft_fail "daemon died on a hostile guest: $(tail -n 5 "$CL_DIR/hostd.log")"
warns=$(grep -c 'node1' "$CL_DIR/hostd.log")
cl_log "300 hostile writes: daemon alive, $warns log lines about node1"
[ "$warns" -lt 200 ] || ksft_fail "daemon log not rate limited: $warns lines"
node_run 1 "echo $dev > /sys/bus/pci/drivers/synbus_ivshmem/bind" || ksft_fail "bind 2"
g_wait_all 1 30
wait_for 15 beating || ksft_fail "no heartbeat after the hostile round"
ksft_pass "daemon restart, transport rebind and a hostile window all recover"
