#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/run.sh [NAME...]: run benchmarks (bench/NAME/guest.sh) in one QEMU
# guest and print their figures. Not a test: it fails only if a script
# could not run.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd bench && ls -d */ | tr -d /))
paths=()
for n in "${names[@]}"; do
	[ -x "bench/$n/guest.sh" ] || { echo "bench: no bench/$n/guest.sh" >&2; exit 2; }
	paths+=("bench/$n/guest.sh")
done
VHD_SHOW_LOG=1 exec selftests/run.sh "${paths[@]}"
