#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# A deliberately false assertion: the harness must report it failed.
. "$SRC/selftests/lib.sh"
[ "$(echo 2)" = 3 ] || ksft_fail "2 is not 3 (planted)"
ksft_pass
