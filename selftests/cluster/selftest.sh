#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side test of the cluster harness (like selftests/harness/selftest.sh
# for run.sh): a run of planted/TESTS must fail a false assertion, a
# WARN_ON on a live node and a node that panicked, pass a WARN_ON on a node
# killed on purpose, and end with the right summary line.
top=$(cd "$(dirname "$0")/../.." && pwd)
make -s -C "$top/selftests/harness" all > /dev/null 2>&1 ||
	{ echo "FAIL: cannot build selftests/harness/warn_test.ko"; exit 1; }
out=$(CLUSTER_TESTS="$top/selftests/cluster/planted/TESTS" \
	"$top/selftests/cluster/run.sh" 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
fail() {
	echo "FAIL: $*"
	exit 1
}
[ $rc -ne 0 ] || fail "the planted run passed"
echo "$out" | grep -q '^not ok 1 cluster/false_assert.sh # exit 1' ||
	fail "false assertion not reported"
echo "$out" | grep -q '^not ok 2 cluster/warn_node.sh # kernel log: node2: .*WARNING:' ||
	fail "WARN_ON on node 2 not caught"
echo "$out" | grep -q '^ok 3 cluster/warn_killed.sh' ||
	fail "a WARN_ON on a killed node failed the test"
echo "$out" | grep -q '^not ok 4 cluster/panic_node.sh # kernel log: node2: ' ||
	fail "a node that panicked was not reported"
[ "$(echo "$out" | tail -n 1)" = "1 passed, 3 failed" ] || fail "wrong summary line"
echo "ok: the cluster harness catches a false assertion, a WARN_ON and a panic"
