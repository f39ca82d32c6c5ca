#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Planted: a false assertion about node 2 must fail the test.
. "$SRC/selftests/cluster/lib.sh"
node_run 2 '[ "$(hostname)" = node1 ]' || ksft_fail "node 2 is not node 1 (planted)"
ksft_pass
