#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package the build, tests and benchmarks need, and
# cache the few files we take from the kernel source tarball (checkpatch,
# kernel-doc, the kselftest headers). Idempotent: returns at once when
# everything is present.
set -euo pipefail

PKGS=(
	linux-image-amd64 linux-headers-amd64 linux-source-6.1
	qemu-system-x86 qemu-utils busybox-static cpio kmod
	sparse dkms make gcc libc6-dev bc bison flex libelf-dev libssl-dev
	fio e2fsprogs dosfstools util-linux xz-utils bzip2 coreutils
	libvhdi-utils fuse3 uuid-dev libsmartcols-dev pkg-config
	clang libclang-rt-14-dev llvm
	rsync perl python3
	iproute2 ethtool iperf3 iputils-ping tcpdump netsniff-ng
	# selftests/cluster: the switch, dm tables, readelf for the PVH boot,
	# and the dlm_controld + corosync path of dlm_controld.sh
	vde2 dmsetup binutils dlm-controld corosync
)

CACHE=${VHD_CACHE:-/var/cache/vhdsuite}
SRCDIR=$CACHE/linux-source-6.1
# Files we take from linux-source; the checkpatch trio, kernel-doc and the
# kselftest headers are not shipped in the headers packages.
SRC_FILES=(
	scripts/checkpatch.pl scripts/spelling.txt
	scripts/const_structs.checkpatch scripts/kernel-doc
	tools/testing/selftests/kselftest_harness.h
	tools/testing/selftests/kselftest.h
)

missing=()
for p in "${PKGS[@]}"; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null |
		grep -q '^install ok installed$' || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "deps: missing packages (run as root to install): ${missing[*]}" >&2
		exit 1
	fi
	echo "deps: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

need_src=0
for f in "${SRC_FILES[@]}"; do
	[ -e "$SRCDIR/$f" ] || need_src=1
done
if [ $need_src = 1 ]; then
	tarball=$(ls /usr/src/linux-source-6.1.tar.* 2>/dev/null | head -n 1)
	[ -n "$tarball" ] || { echo "deps: no linux-source-6.1 tarball" >&2; exit 1; }
	mkdir -p "$CACHE"
	tar -xf "$tarball" -C "$CACHE" "${SRC_FILES[@]/#/linux-source-6.1/}"
fi
exit 0
