#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# test.sh [T]: every test of the suite, or the subset T.
#   (none)            host unit tests, harness self-test, all QEMU selftests
#   host              host (userspace) tests only (tools/, balloon/tests/)
#   static            make check (W=1, sparse, checkpatch, kernel-doc) and
#                     the dkms build, one test each
#   harness           the self-tests of both harnesses only
#   cluster[/TEST]    the multi-node selftests only (selftests/cluster/run.sh)
#   hostd[/TEST]      guests of the userspace host daemon only (selftests/hostd)
#   MODULE[/TEST]     those QEMU selftests only
# Ends with one line "N passed, N failed[, N skipped]"; exit 1 on failure.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
sel=${1:-}
pass=0 fail=0 skip=0

# add_summary OUTPUT: add the counts of a runner's last summary line.
add_summary() {
	local l p f s
	l=$(printf '%s\n' "$1" | grep -E '^([A-Za-z-]+: )?[0-9]+ passed, [0-9]+ failed' | tail -n 1)
	if [ -z "$l" ]; then
		fail=$((fail + 1))
		return
	fi
	p=$(echo "$l" | sed -E 's/.*\b([0-9]+) passed.*/\1/')
	f=$(echo "$l" | sed -E 's/.* ([0-9]+) failed.*/\1/')
	s=$(echo "$l" | sed -nE 's/.* ([0-9]+) skipped.*/\1/p')
	pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + ${s:-0}))
}

# run_part NAME CMD...: run one part, show its output, count its summary.
run_part() {
	local name=$1 out rc
	shift
	echo "== $name: $*"
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -E 's/^([0-9]+ passed, [0-9]+ failed.*)$/'"$name"': \1/'
	add_summary "$out"
	# A runner that failed without saying so in its counts still fails.
	if [ $rc -ne 0 ] && ! printf '%s\n' "$out" | grep -qE ' [1-9][0-9]* failed'; then
		echo "$name: exited $rc"
		fail=$((fail + 1))
	fi
}

case "$sel" in
''|host)
	if [ -f tools/Makefile ]; then
		run_part host make -s -C tools test
	fi
	if [ -f balloon/tests/Makefile ]; then
		run_part policy make -s -C balloon/tests test
	fi
	;;
esac
# one_test NAME CMD...: a command that is one test, pass or fail.
one_test() {
	local name=$1 out rc
	shift
	echo "== $name: $*"
	out=$("$@" 2>&1)
	rc=$?
	printf '%s\n' "$out" | sed -E 's/^([0-9]+ passed.*)$/#   \1/'
	if [ $rc -eq 0 ]; then
		echo "ok $name"
		pass=$((pass + 1))
	else
		echo "not ok $name (exit $rc)"
		fail=$((fail + 1))
	fi
}

case "$sel" in
''|static)
	one_test check scripts/check.sh
	one_test dkms scripts/dkms-check.sh
	;;
esac
case "$sel" in
''|harness)
	one_test harness selftests/harness/selftest.sh
	one_test cluster-harness selftests/cluster/selftest.sh
	;;
esac
case "$sel" in
host|harness|static|cluster|cluster/*|hostd|hostd/*) ;;
'') run_part qemu selftests/run.sh ;;
*) run_part qemu selftests/run.sh "$sel" ;;
esac
case "$sel" in
''|cluster|cluster/*) run_part cluster selftests/cluster/run.sh ${sel:+"$sel"} ;;
esac
# Guests of the userspace host daemon (tools/synbus-hostd), through the
# cluster runner: their scripts run on the host.
case "$sel" in
''|hostd) run_part hostd env CLUSTER_TESTS=selftests/hostd/TESTS selftests/cluster/run.sh ;;
hostd/*) run_part hostd env CLUSTER_TESTS=selftests/hostd/TESTS selftests/cluster/run.sh "${sel#hostd/}" ;;
esac

if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ] && [ $((pass + skip)) -gt 0 ]
