#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The dynmem policy across VMs in the daemon: three guests of 1 GiB (max
# 1 GiB, min 256 MiB) share a host budget of 2 GiB. Idle, the guests are
# ballooned until they fit the budget; when a program in node 1 commits
# 600 MiB, memory moves to node 1 (its balloon shrinks, the others grow)
# and the total stays within the budget; nobody is OOM-killed.
. "$SRC/selftests/hostd/hostd_lib.sh"
MIB=1048576

for n in 1 2 3; do
	g_modules $n
done
for n in 1 2 3; do
	g_wait_all $n 60
	hctl memory node$n min=256M max=1G buffer=20 weight=100 > /dev/null ||
		ksft_fail "memory node$n"
	hctl target node$n auto > /dev/null || ksft_fail "target node$n auto"
done
hctl budget 2G > /dev/null || ksft_fail "budget 2G"
[ "$(hctl budget | awk '{ print $NF }')" = $((2048 * MIB)) ] ||
	ksft_fail "budget reads $(hctl budget)"

# Guest memory in MiB the policy lets node N have: its RAM minus balloon.
has() {
	echo $((1024 - $(hkey balloon_bytes balloon node$1) / MIB))
}
sum_has() {
	echo $(($(has 1) + $(has 2) + $(has 3)))
}
idle() {
	local n
	for n in 1 2 3; do
		[ "$(hkey busy balloon node$n)" = 0 ] || return 1
	done
	[ "$(sum_has)" -le 2048 ]
}
wait_for 120 idle ||
	ksft_fail "idle guests do not fit the budget: $(has 1) + $(has 2) + $(has 3) MiB"
h1=$(has 1) h2=$(has 2) h3=$(has 3)
cl_log "idle: node1 $h1 MiB, node2 $h2 MiB, node3 $h3 MiB (budget 2048)"

# Pressure in node 1: a program commits 600 MiB, 20 MiB per 100 ms.
node_run 1 'gcc -O2 -o /tmp/hog $SRC/selftests/balloon/hog.c' || ksft_fail "build hog"
hog=$(node_bg 1 '/tmp/hog 600 30 100')
wait_for 120 eval '[ "$(has 1)" -ge $((h1 + 200)) ]' ||
	ksft_fail "no memory moved to node 1: $(has 1) MiB (idle $h1); $(hctl pressure node1 | tr '\n' ' ')"
t1=$(has 1) t2=$(has 2) t3=$(has 3)
cl_log "under pressure: node1 $t1 MiB, node2 $t2 MiB, node3 $t3 MiB"
[ $((t1 + t2 + t3)) -le $((2048 + 64)) ] || ksft_fail "over budget: $((t1 + t2 + t3)) MiB"
[ $t2 -le $h2 ] && [ $t3 -le $h3 ] || ksft_fail "the idle guests grew while node 1 was short"
out=$(node_wait -t 120 1 "$hog") || ksft_fail "hog in node 1 failed: $out"
for n in 1 2 3; do
	node_run $n 'dmesg | grep -E "Out of memory|Killed process"' && ksft_fail "OOM kill on node $n"
done
ksft_pass "memory moved to the guest under pressure within a 2 GiB budget"
