#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Core synbus selftests (synbus_test): loads synbus, synbus_loop and
# synbus_echo, runs every TEST of synbus_test, leaves no device behind.
. "$SRC/selftests/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$here/synbus_test" ] || ksft_skip "synbus_test not built"
ksft_load_ko vmbus/synbus
ksft_load_ko vmbus/synbus_loop
ksft_load_ko vmbus/synbus_echo
"$here/synbus_test"
rc=$?
left=$(ls /sys/bus/synbus/devices 2>/dev/null | wc -l)
[ "$rc" -eq 0 ] || ksft_fail "synbus_test failed ($rc)"
[ "$left" -eq 0 ] || ksft_fail "$left devices left on the bus"
ksft_pass "synbus core"
