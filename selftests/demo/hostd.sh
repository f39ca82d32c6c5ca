#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, last part: a QEMU guest served across the VM boundary by the
# userspace host daemon (tools/synbus-hostd, ivshmem): its devices, its
# heartbeat, then it gives 512 MiB back to the host: the daemon punches
# the ballooned pages out of the guest's RAM file in /dev/shm, and the
# host's free memory rises by as much.
. "$SRC/selftests/hostd/hostd_lib.sh"
set -e
run() {
	echo "+ ${*/#hctl/synbus-hostctl}" >&2
	"$@"
}
host_avail() {
	awk '$1 == "MemAvailable:" { print int($2 / 1024) }' /proc/meminfo
}

g_modules 1
g_wait_all 1 30
run hctl list
run hctl devices node1
sleep 2
run hctl heartbeat node1
# The guest touches its memory once, so the host holds it.
g_fill 1
a0=$(ram_alloc_mib 1) f0=$(host_avail)
echo "before: guest RAM file holds $a0 MiB on the host, host MemAvailable $f0 MiB"
run hctl target node1 512M
wait_for 60 eval '[ "$(hkey balloon_bytes balloon node1)" = 536870912 ] &&
	[ "$(hkey busy balloon node1)" = 0 ]'
run hctl balloon node1
a1=$(ram_alloc_mib 1) f1=$(host_avail)
echo "after:  guest RAM file holds $a1 MiB on the host, host MemAvailable $f1 MiB"
echo "the guest gave $((a0 - a1)) MiB back; host MemAvailable rose by $((f1 - f0)) MiB"
[ $((a0 - a1)) -ge 464 ]
ksft_pass "a guest gave 512 MiB back to the host"
