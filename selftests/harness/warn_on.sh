#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Loads a module whose init hits WARN_ON(1) and then passes: the harness
# must still fail the test because of the kernel log.
. "$SRC/selftests/lib.sh"
insmod "${KMOD_ROOT:-$SRC}/selftests/harness/warn_test.ko" ||
	ksft_fail "insmod warn_test failed"
rmmod warn_test || ksft_fail "rmmod warn_test failed"
ksft_pass
