#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Host-side test of the harness: a run of the planted failures must fail,
# name both tests as failed, blame the WARN_ON on the kernel log and end
# with the right summary line.
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$("$top/selftests/run.sh" harness 2>&1)
rc=$?
echo "$out" | sed 's/^/#   /'
[ $rc -ne 0 ] || { echo "FAIL: harness run passed"; exit 1; }
echo "$out" | grep -q '^not ok 1 harness/false_assert.sh # exit 1' ||
	{ echo "FAIL: false assertion not reported"; exit 1; }
echo "$out" | grep -q '^not ok 2 harness/warn_on.sh # kernel log: .*WARNING:' ||
	{ echo "FAIL: WARN_ON not caught"; exit 1; }
[ "$(echo "$out" | tail -n 1)" = "0 passed, 2 failed" ] ||
	{ echo "FAIL: wrong summary line"; exit 1; }
echo "ok: harness catches a false assertion and a WARN_ON"
