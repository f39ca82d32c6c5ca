#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Planted: a WARN_ON on a node killed on purpose afterwards does not count.
. "$SRC/selftests/cluster/lib.sh"
node_run 2 'insmod $KMOD_ROOT/selftests/harness/warn_test.ko' || ksft_fail "insmod"
node_kill 2
node_alive 2 && ksft_fail "node 2 still runs"
node_run 1 true || ksft_fail "node 1 does not answer"
ksft_pass
