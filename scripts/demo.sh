#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The README's main job: build everything, boot a QEMU guest and show the
# modules at work (selftests/demo/demo.sh), printing what it does.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
VHD_SHOW_LOG=1 exec "$top/selftests/run.sh" demo
