#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Bad VHD_ATTACH structs, fds and chains, and control ioctls: the C test
# ioctl_errors (kselftest_harness) with the module loaded, in $SCRATCH.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_need python3
[ -x "$SRC/selftests/vhd/ioctl_errors" ] || ksft_fail "ioctl_errors not built (make -C selftests/vhd)"
cd "$SCRATCH" || exit 1
"$SRC/selftests/vhd/ioctl_errors"
