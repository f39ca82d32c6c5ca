#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Run the QEMU selftests on the debug kernel (KASAN, lockdep, kmemleak, fault
# injection; see scripts/debug-kernel.config).
#
# Usage: scripts/test-debug.sh [--if-cached] [T]
#   T            module or module/test, as for selftests/run.sh
#   --if-cached  skip (exit 0, with a message) when the debug kernel is not
#                built yet instead of building it (~20 min on 2 cores)
#
# Our modules are built against the debug kernel's tree in build/debug/src,
# a copy of the kernel sources, because kbuild writes its objects next to the
# sources and the stock-kernel build in the repo must stay intact.

set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
if_cached=0
if [ "${1:-}" = "--if-cached" ]; then
	if_cached=1
	shift
fi

builder=$root/scripts/build-debug-kernel.sh
if [ "$if_cached" = 1 ] && ! "$builder" --check >/dev/null 2>&1; then
	echo "test-debug: SKIP: debug kernel not cached; build it with scripts/build-debug-kernel.sh"
	exit 0
fi

out=$("$builder")
kdir=$(sed -n 's/^KDIR=//p' <<<"$out")
bzimage=$(sed -n 's/^BZIMAGE=//p' <<<"$out")
modroot=$(sed -n 's/^MODROOT=//p' <<<"$out")
if [ ! -d "$kdir" ] || [ ! -f "$bzimage" ]; then
	echo "test-debug: build-debug-kernel.sh gave no usable KDIR/BZIMAGE" >&2
	exit 1
fi
release=$(cat "$kdir/include/config/kernel.release")
echo "test-debug: kernel $release ($bzimage)"

# Kernel sources only: userspace, docs and VCS stay behind; earlier objects
# in the copy are kept (excluded from --delete) so rebuilds are incremental.
src=$root/build/debug/src
mkdir -p "$src"
rsync -a --delete \
	--exclude=/.git --exclude=/build --exclude=/tools --exclude=/bench \
	--exclude=/selftests --exclude=/Documentation \
	--exclude='*.o' --exclude='*.ko' --exclude='*.mod' --exclude='*.mod.c' \
	--exclude='.*.cmd' --exclude='*.a' --exclude='*.order' \
	--exclude='*.symvers' --exclude='.tmp_versions' \
	"$root/" "$src/"

jobs=${VHD_DEBUG_JOBS:-2}
make -C "$kdir" M="$src" -j"$jobs" modules
find "$src" -name '*.ko' -printf 'test-debug: built %P\n'

# The kernel hands unknown NAME=VALUE parameters to init as environment, and
# the guest's modprobe reads MODPROBE_OPTIONS: `modprobe loop` in a test then
# finds loop in the debug kernel's modules.builtin instead of failing.
append="${VHD_APPEND:-} MODPROBE_OPTIONS=-d$modroot"

run=$root/selftests/run.sh
[ -x "$run" ] || { echo "test-debug: $run missing" >&2; exit 1; }
# KASAN + lockdep + kmemleak under TCG run tests 4 to 5 times slower.
VHD_TIMEOUT_SCALE=${VHD_TIMEOUT_SCALE:-5} \
VHD_KERNEL=$bzimage VHD_KMOD_ROOT=$src VHD_INITRD_MODULES=none \
	VHD_APPEND=$append exec "$run" "$@"
