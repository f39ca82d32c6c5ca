#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's main job: build everything, boot a QEMU guest and show the
# modules at work (selftests/demo/demo.sh), then three guests sharing a
# disk for csv (selftests/cluster/csv_fs.sh), then a guest of the userspace
# host daemon giving 512 MiB back to the host (selftests/demo/hostd.sh),
# printing what they do.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
VHD_SHOW_LOG=1 "$top/selftests/run.sh" demo || exit 1
VHD_SHOW_LOG=1 VHD_NO_BUILD=1 "$top/selftests/cluster/run.sh" csv_fs.sh || exit 1
CLUSTER_TESTS=$top/selftests/demo/TESTS-hostd VHD_SHOW_LOG=1 \
	exec "$top/selftests/cluster/run.sh" hostd.sh
