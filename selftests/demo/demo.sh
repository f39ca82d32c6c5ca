#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, inside the guest: a dynamic VHD attached with vhdsetup, an
# ext4 on it, a differencing snapshot on top, and the chain as vhd sees it.
. "$SRC/selftests/lib.sh"
set -e
run() {
	echo "+ $*" >&2
	"$@"
}

ksft_load_module vhd
echo "vhd.ko loaded: $(cat /sys/module/vhd/srcversion 2>/dev/null || echo yes)"
mkdir -p mnt

run vhd create -t dynamic -s 1G base.vhd
run ls -ls base.vhd
dev=$(run vhdsetup -f --show base.vhd)
echo "attached base.vhd as $dev"
run mkfs.ext4 -q -L demo "$dev"
run mount "$dev" mnt
run dd if=/dev/urandom of=mnt/before.bin bs=1M count=8 status=none
run cp -r "$SRC/Documentation" mnt/docs
sum_before=$(cd mnt && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
run umount mnt
run vhdsetup -l
run vhdsetup -d "$dev"
run ls -ls base.vhd

echo "--- snapshot: a differencing child on top of base.vhd"
run vhd create -t differencing -p base.vhd snap.vhd
dev=$(run vhdsetup -f --show snap.vhd)
run cat /sys/block/"${dev#/dev/}"/vhd/depth
run mount "$dev" mnt
now=$(cd mnt && find . -type f ! -name after.bin -print0 | sort -z | xargs -0 sha256sum | sha256sum)
[ "$now" = "$sum_before" ] || ksft_fail "snapshot does not show the base's files"
echo "files of the base read back identical through the snapshot"
run dd if=/dev/urandom of=mnt/after.bin bs=1M count=4 status=none
run rm -rf mnt/docs/ABI
run umount mnt
run vhdsetup -l -O NAME,BACK-FILE,TYPE,DEPTH,ALLOCATED
run vhdsetup -d "$dev"

echo "--- the chain"
run vhd info snap.vhd
run vhd check snap.vhd
run vhd check base.vhd

echo "--- the base is untouched by the snapshot's writes"
dev=$(run vhdsetup -f -r --show base.vhd)
run mount -o ro,noload "$dev" mnt
[ ! -e mnt/after.bin ] || ksft_fail "snapshot write leaked into the base"
now=$(cd mnt && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
[ "$now" = "$sum_before" ] || ksft_fail "base changed"
echo "base.vhd still holds exactly what it held before the snapshot"
run umount mnt
run vhdsetup -d "$dev"
run rmmod vhd
ksft_pass "demo done"
