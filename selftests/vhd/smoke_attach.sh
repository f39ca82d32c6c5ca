#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Smoke test of vhd.ko with its own tiny ioctl client (attach.c), so it
# does not depend on vhdsetup: dynamic and fixed images made by qemu-img
# are attached, written across block boundaries, read back, detached,
# reattached read-only and compared with qemu-img's view of the file.
. "$SRC/selftests/lib.sh"

command -v qemu-img > /dev/null || ksft_skip "qemu-img missing"
command -v gcc > /dev/null || ksft_skip "gcc missing"
gcc -Wall -Werror -O2 -I"$SRC/uapi" -o attach "$SRC/selftests/vhd/attach.c" ||
	ksft_fail "cannot build attach.c"
ksft_load_module vhd

qsize() {
	qemu-img info -f vpc --output=json "$1" | sed -n 's/.*"virtual-size": \([0-9]*\).*/\1/p'
}

check_image() {
	local img=$1 type=$2 dev name size

	dev=$(./attach "$img") || ksft_fail "$type: attach failed"
	name=${dev#/dev/}
	size=$(blockdev --getsize64 "$dev")
	[ "$size" = "$(qsize "$img")" ] ||
		ksft_fail "$type: size $size, qemu-img says $(qsize "$img")"
	[ "$(cat /sys/block/$name/vhd/type)" = "$type" ] ||
		ksft_fail "$type: sysfs type is $(cat /sys/block/$name/vhd/type)"
	[ "$(cat /sys/block/$name/vhd/backing_file)" = "$PWD/$img" ] ||
		ksft_fail "$type: sysfs backing_file wrong"

	# Never written: all zeros.
	cmp -n 1048576 "$dev" /dev/zero || ksft_fail "$type: fresh image not zero"

	# 3 MiB at 1 MiB crosses the first 2 MiB block boundary; 4 KiB at
	# 9 MiB + 512 is a partial, unaligned write into a new block.
	dd if=/dev/urandom of=a.bin bs=1M count=3 status=none
	dd if=/dev/urandom of=b.bin bs=4096 count=1 status=none
	dd if=a.bin of="$dev" bs=1M seek=1 oflag=direct status=none ||
		ksft_fail "$type: write a failed"
	dd if=b.bin of="$dev" bs=512 seek=$((9 * 2048 + 1)) conv=fsync status=none ||
		ksft_fail "$type: write b failed"
	# (no /dev/fd in the guest: no process substitution)
	dd if="$dev" of=r.bin bs=1M skip=1 count=3 iflag=direct status=none
	cmp r.bin a.bin || ksft_fail "$type: read back a differs"
	dd if="$dev" of=r.bin bs=512 skip=$((9 * 2048 + 1)) count=8 status=none
	cmp r.bin b.bin || ksft_fail "$type: read back b differs"
	dd if="$dev" of=r.bin bs=512 skip=$((9 * 2048)) count=1 status=none
	cmp -n 512 r.bin /dev/zero || ksft_fail "$type: sector before b not zero"
	dd if="$dev" of=dev.raw bs=1M status=none || ksft_fail "$type: full read failed"
	./attach -D "$dev" || ksft_fail "$type: detach failed"
	[ -e /sys/block/$name/vhd/type ] && ksft_fail "$type: sysfs still shows an image"

	# The file as another implementation reads it.
	qemu-img convert -f vpc -O raw "$img" q.raw || ksft_fail "$type: qemu-img convert"
	cmp dev.raw q.raw || ksft_fail "$type: qemu-img reads other data"

	# Reattach read-only with direct I/O: same data, writes refused.
	dev=$(./attach -r -d "$img") || ksft_fail "$type: read-only attach failed"
	[ "$(blockdev --getro "$dev")" = 1 ] || ksft_fail "$type: not read-only"
	cmp "$dev" dev.raw || ksft_fail "$type: reattached data differs"
	dd if=/dev/zero of="$dev" bs=512 count=1 oflag=direct status=none 2> /dev/null &&
		ksft_fail "$type: write to a read-only device succeeded"
	./attach -D "$dev" || ksft_fail "$type: second detach failed"
	rm -f dev.raw q.raw
}

qemu-img create -q -f vpc -o subformat=dynamic dyn.vhd 64M || ksft_fail "qemu-img create"
check_image dyn.vhd dynamic
qemu-img create -q -f vpc -o subformat=fixed fixed.vhd 16M || ksft_fail "qemu-img create"
check_image fixed.vhd fixed
ksft_pass "dynamic and fixed images attach, read back and match qemu-img"
