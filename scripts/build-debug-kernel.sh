#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the debug kernel the suite tests on: Debian's linux-source-6.1,
# `make tinyconfig` + scripts/debug-kernel.config (KASAN, lockdep, kmemleak,
# fault injection, drivers built in). The result is cached outside the repo,
# keyed by the fragment and the source version, so a machine builds it once:
#
#   /var/cache/vhdsuite/debug-kernel/<sha256>/bzImage   the kernel image
#   /var/cache/vhdsuite/debug-kernel/<sha256>/linux/    build tree (KDIR)
#   /var/cache/vhdsuite/debug-kernel/<sha256>/modroot/  lib/modules/<release>
#	with modules.builtin, so `modprobe -d <modroot> loop` in a guest
#	succeeds for the built-in drivers (see scripts/test-debug.sh)
#
# Usage: scripts/build-debug-kernel.sh [--check]
# stdout carries only `KDIR=`, `BZIMAGE=` and `MODROOT=` lines; progress goes
# to stderr.
# --check: exit 0 (and print those lines) when the kernel is cached, else 1.
# Env: VHD_CACHE (default /var/cache/vhdsuite), VHD_DEBUG_JOBS (default 2).

set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
fragment=$here/debug-kernel.config
tarball=${VHD_LINUX_SOURCE:-/usr/src/linux-source-6.1.tar.xz}
cache=${VHD_CACHE:-/var/cache/vhdsuite}/debug-kernel
jobs=${VHD_DEBUG_JOBS:-2}

die() { echo "build-debug-kernel: $*" >&2; exit 1; }
say() { echo "build-debug-kernel: $*" >&2; }

check=0
case "${1:-}" in
--check) check=1 ;;
"") ;;
-h|--help) sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
*) die "unknown argument '$1' (try --help)" ;;
esac

[ -r "$fragment" ] || die "missing $fragment"
[ -r "$tarball" ] || die "missing $tarball (apt-get install linux-source-6.1)"

# The source version names the tarball's content; dpkg knows it for free.
srcver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null) ||
	srcver=$(stat -c '%s-%Y' "$tarball")
key=$( { cat "$fragment"; printf 'source=%s\nbase=tinyconfig\n' "$srcver"; } |
	sha256sum | cut -c1-64)
dir=$cache/$key
kdir=$dir/linux

report() {
	echo "KDIR=$kdir"
	echo "BZIMAGE=$dir/bzImage"
	echo "MODROOT=$dir/modroot"
}

cached() { [ -f "$dir/.complete" ] && [ -f "$dir/bzImage" ] && [ -f "$kdir/Module.symvers" ]; }

# Module metadata only (every driver is built in): lets modprobe in the
# guest answer "built in" instead of "not found".
modroot() {
	local rel
	rel=$(cat "$kdir/include/config/kernel.release")
	[ -f "$dir/modroot/lib/modules/$rel/modules.builtin" ] && return 0
	[ "$check" = 1 ] && return 0
	make -s -C "$kdir" INSTALL_MOD_PATH="$dir/modroot" modules_install >&2
}

if cached; then
	[ "$check" = 1 ] && say "cached: $dir"
	modroot
	report
	exit 0
fi
if [ "$check" = 1 ]; then
	say "not cached (would build into $dir)"
	exit 1
fi

for t in gcc make flex bison bc perl xz tar nice flock; do
	command -v "$t" >/dev/null || die "needs '$t' (apt-get install build-essential flex bison bc)"
done
[ -f /usr/include/gelf.h ] || die "needs libelf headers for objtool (apt-get install libelf-dev)"

mkdir -p "$cache"
exec 9>"$cache/$key.lock"
if ! flock -n 9; then
	say "another build of $key is running; waiting for it"
	flock 9
fi
if cached; then
	modroot
	report
	exit 0
fi

start=$(date +%s)
mkdir -p "$dir"
# A half-done earlier run leaves the extracted tree; make resumes in it.
if [ ! -f "$dir/.extracted" ]; then
	say "extracting $tarball ($srcver) into $dir"
	rm -rf "$kdir" "$dir/linux-source-6.1"
	tar -xJf "$tarball" -C "$dir"
	mv "$dir/linux-source-6.1" "$kdir"
	touch "$dir/.extracted"
fi

cd "$kdir"
say "configuring: tinyconfig + $(basename "$fragment")"
make -s tinyconfig >&2
scripts/kconfig/merge_config.sh -m .config "$fragment" >&2
make -s olddefconfig >&2

# Fail loudly when Kconfig dropped anything the fragment asks for (a missing
# dependency turns a =y silently into "not set").
bad=0
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*)
		grep -qxF "$line" .config && continue
		got=$(grep -E "^(# )?${line%%=*}[= ]" .config || echo "absent")
		say "WANTED $line, GOT $got"
		bad=1
		;;
	"# CONFIG_"*" is not set")
		sym=${line#\# }
		sym=${sym%% *}
		grep -qE "^$sym=[ym]$" .config || continue
		say "WANTED $line, GOT $(grep -E "^$sym=" .config)"
		bad=1
		;;
	esac
done <"$fragment"
[ "$bad" = 0 ] || die "config does not match $fragment (see above)"
cp .config "$dir/config"

say "building with nice -n 19 make -j$jobs (log on stderr)"
nice -n 19 make -j"$jobs" all >&2
nice -n 19 make -j"$jobs" modules_prepare >&2
[ -f Module.symvers ] || die "no Module.symvers after the build"
cp arch/x86/boot/bzImage "$dir/bzImage"
modroot

end=$(date +%s)
{
	echo "source=linux-source-6.1 $srcver"
	echo "release=$(cat include/config/kernel.release)"
	echo "gcc=$(gcc -dumpfullversion)"
	echo "build_seconds=$((end - start))"
	echo "built=$(date -u +%FT%TZ)"
} >"$dir/build-info"
touch "$dir/.complete"
say "done in $((end - start)) s: $dir"
report
