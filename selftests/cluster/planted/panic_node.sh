#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Planted: a node that panics (not killed by the test) fails the test.
. "$SRC/selftests/cluster/lib.sh"
node_bg 2 'echo c > /proc/sysrq-trigger' > /dev/null
wait_for 30 eval '! node_alive 2' || ksft_fail "node 2 did not go down"
ksft_pass
