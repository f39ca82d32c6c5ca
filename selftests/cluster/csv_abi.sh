#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The ioctl ABI of csv.ko: the C test csv_abi (kselftest_harness) on a
# one-node cluster whose node formats and joins the volume, so coordinates.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"

[ -x "$SRC/selftests/cluster/csv_abi" ] ||
	ksft_fail "csv_abi not built (make -C selftests/cluster all)"
csv_up 1 || ksft_fail "volume did not come up"
node_run -t 120 1 "cd /tmp && \$SRC/selftests/cluster/csv_abi"
rc=$?
[ $rc = 0 ] || ksft_fail "csv_abi: exit $rc"
ksft_pass "csv.ko ioctl ABI"
