#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Print the kernel build tree to compile against: the running kernel's when
# it has headers, else the newest installed /lib/modules/*/build.
run=/lib/modules/$(uname -r)/build
if [ -d "$run" ]; then
	echo "$run"
	exit 0
fi
best=$(ls -d /lib/modules/*/build 2>/dev/null | sort -V | tail -n 1)
echo "${best:-$run}"
