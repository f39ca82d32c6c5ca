#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# An I/O error on the backing file comes back as an I/O error: the image
# lives on ext4 over a device-mapper device whose table is swapped to the
# error target under a running device; reads, writes (allocating or not)
# and flushes must fail with EIO promptly, not hang or crash, and the device
# must read again once the disk is back and detach cleanly.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_need dmsetup mkfs.ext4
DISK=${VT_DISK:-/dev/vdb}
[ -b "$DISK" ] || ksft_skip "no spare disk $DISK"
modprobe dm-mod 2>/dev/null
# No udev in the guest: let dmsetup make the /dev/mapper nodes itself.
export DM_DISABLE_UDEV=1
cd "$SCRATCH" || exit 1
DM=vt-ioerr-$$
sectors=$(blockdev --getsz "$DISK")
linear="0 $sectors linear $DISK 0"
dmsetup create $DM --table "$linear" || ksft_skip "device-mapper unavailable"
# Table swaps skip the filesystem freeze: a failing ext4 cannot freeze.
swap() {
	dmsetup suspend --nolockfs $DM && dmsetup load $DM --table "$1" &&
		dmsetup resume $DM
}
vt_on_exit "swap '$linear'"
vt_on_exit "umount -l $SCRATCH/mnt; dmsetup remove --retry $DM"
mkfs.ext4 -q -F /dev/mapper/$DM || ksft_fail "mkfs.ext4 on dm"
vt_mount /dev/mapper/$DM mnt errors=continue
vt_create dynamic $((32 << 20)) mnt/dyn.vhd
vt_create fixed $((16 << 20)) mnt/fixed.vhd
# Buffered on the dynamic image, direct on the fixed one: both paths.
vt_attach dyn mnt/dyn.vhd
vt_attach fix --direct-io=on mnt/fixed.vhd
head -c 8M /dev/urandom > data.bin
dd if=data.bin of="$dyn" bs=1M oflag=direct status=none || ksft_fail "write dyn"
dd if=data.bin of="$fix" bs=1M oflag=direct status=none || ksft_fail "write fixed"
sync

swap "0 $sectors error" || ksft_fail "cannot switch $DM to the error target"
echo 3 > /proc/sys/vm/drop_caches
EIO=$(vt_errno_str EIO)

# expect_eio WHAT CMD...: CMD must fail with EIO within 30 s.
expect_eio() {
	local what=$1 out rc
	shift
	out=$(timeout 30 "$@" 2>&1)
	rc=$?
	[ $rc = 124 ] && ksft_fail "$what: hung (no answer in 30 s)"
	[ $rc != 0 ] || ksft_fail "$what succeeded on a failed disk"
	case "$out" in
	*"$EIO"*) echo "$what: $EIO as expected" ;;
	*) ksft_fail "$what: expected '$EIO', got '$out' (exit $rc)" ;;
	esac
}
expect_eio "dynamic read" dd if="$dyn" of=/dev/null bs=1M count=4 iflag=direct status=none
expect_eio "fixed read" dd if="$fix" of=/dev/null bs=1M count=4 iflag=direct status=none
expect_eio "dynamic overwrite" dd if=data.bin of="$dyn" bs=64k count=4 oflag=direct,dsync \
	conv=notrunc status=none
expect_eio "dynamic allocating write" dd if=data.bin of="$dyn" bs=64k count=4 seek=320 \
	oflag=direct,dsync conv=notrunc status=none
expect_eio "fixed write" dd if=data.bin of="$fix" bs=64k count=4 oflag=direct,dsync \
	conv=notrunc status=none

swap "$linear" || ksft_fail "cannot restore $DM"
got=$(timeout 30 head -c 8M "$fix" | sha256sum | cut -d' ' -f1)
[ "$got" = "$(vt_sha data.bin)" ] || ksft_fail "fixed device reads wrong once the disk is back"
timeout 30 dd if="$dyn" of=/dev/null bs=1M count=8 iflag=direct status=none ||
	ksft_fail "dynamic device does not read once the disk is back"
timeout 30 "$VHDSETUP" -d "$dyn" || ksft_fail "detach of $dyn after errors failed or hung"
timeout 30 "$VHDSETUP" -d "$fix" || ksft_fail "detach of $fix after errors failed or hung"
ksft_pass "backing-file errors surface as EIO; devices recover and detach"
