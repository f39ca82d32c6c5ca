#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Planted: a WARN_ON on node 2 must fail the test although it exits 0.
. "$SRC/selftests/cluster/lib.sh"
node_run 2 'insmod $KMOD_ROOT/selftests/harness/warn_test.ko' || ksft_fail "insmod"
ksft_pass
