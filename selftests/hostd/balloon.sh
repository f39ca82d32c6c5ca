#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Memory really goes back to the host: the guest's RAM is a shared file in
# /dev/shm; inflating the balloon by 512 MiB punches holes for every page
# the guest gives up, so the file's allocated size drops by 512 MiB (within
# 48 MiB) and the host's Shmem with it; deflating gives the guest its
# MemTotal back and the memory is usable again. A bad policy setting is
# refused.
. "$SRC/selftests/hostd/hostd_lib.sh"
MIB=1048576

g_modules 1
g_wait_all 1 30
meminfo() {
	node_run 1 "awk '\$1 == \"$1:\" { print \$2 }' /proc/meminfo"
}
host_shmem() {
	awk '$1 == "Shmem:" { print int($2 / 1024) }' /proc/meminfo
}

# Touch (nearly) all guest memory once, so the file is allocated, then free
# it: what the balloon gives back must then show in the file.
g_fill 1 || ksft_fail "guest fill"
total0=$(meminfo MemTotal)
a0=$(ram_alloc_mib 1)
s0=$(host_shmem)
cl_log "RAM file: $a0 MiB allocated, guest MemTotal $((total0 / 1024)) MiB"

hctl target node1 512M > /dev/null || ksft_fail "target 512M"
wait_for 60 eval '[ "$(hkey balloon_bytes balloon node1)" = $((512 * MIB)) ] &&
	[ "$(hkey busy balloon node1)" = 0 ]' ||
	ksft_fail "balloon did not reach 512 MiB: $(hctl balloon node1 | tr '\n' ' ')"
a1=$(ram_alloc_mib 1)
s1=$(host_shmem)
total1=$(meminfo MemTotal)
drop=$((a0 - a1))
cl_log "inflate 512 MiB in $(hkey last_inflate_us balloon node1) us: RAM file -$drop MiB," \
	"host Shmem -$((s0 - s1)) MiB, guest MemTotal -$(((total0 - total1) / 1024)) MiB"
[ $drop -ge $((512 - 48)) ] && [ $drop -le $((512 + 48)) ] ||
	ksft_fail "RAM file dropped by $drop MiB for a 512 MiB balloon"
[ "$(hkey punched_bytes balloon node1)" -ge $((512 * MIB)) ] ||
	ksft_fail "punched_bytes $(hkey punched_bytes balloon node1)"
[ $(((total0 - total1) / 1024)) -ge 500 ] || ksft_fail "guest MemTotal dropped by $(((total0 - total1) / 1024)) MiB"

# Deflate: the guest has its memory back and can use it.
hctl target node1 0 > /dev/null || ksft_fail "target 0"
wait_for 60 eval '[ "$(hkey balloon_bytes balloon node1)" = 0 ] &&
	[ "$(hkey busy balloon node1)" = 0 ]' || ksft_fail "balloon did not deflate"
[ "$(meminfo MemTotal)" = "$total0" ] || ksft_fail "guest MemTotal $(meminfo MemTotal) kB, was $total0"
g_fill 1 600 || ksft_fail "guest cannot use 600 MiB after deflate"
a2=$(ram_alloc_mib 1)
[ $a2 -gt $((a1 + 256)) ] || ksft_fail "RAM file did not grow again after deflate: $a1 -> $a2 MiB"
cl_log "deflate in $(hkey last_deflate_us balloon node1) us, RAM file back to $a2 MiB after use"

# Policy input out of range is refused with a reason.
out=$(hctl memory node1 min=2G max=1G 2>&1) && ksft_fail "min > max accepted: $out"
out=$(hctl target node1 64G 2>&1) && ksft_fail "target beyond guest RAM accepted: $out"
[ "$(hkey bad_messages balloon node1)" = 0 ] || ksft_fail "bad messages from a good guest"
ksft_pass "inflate 512 MiB punched $drop MiB out of the guest RAM file; deflate gives it back"
