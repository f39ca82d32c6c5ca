#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Differencing chains at sector granularity: writes of one sector, writes
# across a block boundary, writes where the parent has no block; the device
# must read as the parent overlaid with exactly those sectors, at depth 2
# and 3, before and after reattach, and read-only attach must refuse writes.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
SIZE=$((16 << 20))
BLK=$((2 << 20))

head -c 4M /dev/urandom > src.bin

# patch DEV OFF LEN SRCOFF: write LEN bytes of src.bin at OFF on the device
# and in expect.raw (all multiples of 512), in 1 MiB direct writes.
patch() {
	dd if=src.bin of="$1" bs=1M skip="$4" seek="$2" count="$3" \
		iflag=skip_bytes,count_bytes oflag=seek_bytes,direct conv=notrunc \
		status=none || ksft_fail "write $3 bytes at $2 to $1 failed"
	dd if=src.bin of=expect.raw bs=1M skip="$4" seek="$2" count="$3" \
		iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc status=none
}

compare() {
	local got want
	got=$(vt_sha_dev "$1")
	want=$(vt_sha expect.raw)
	[ "$got" = "$want" ] && return 0
	cmp "$1" expect.raw | head -n 3
	ksft_fail "$2: device content differs from the expected overlay"
}

truncate -s $SIZE expect.raw
vt_create dynamic $SIZE base.vhd
vt_attach dev base.vhd
# Parent data only in the first 10 MiB: blocks 5..7 stay unallocated.
patch "$dev" 0 $((4 << 20)) 0
patch "$dev" $((4 << 20)) $((4 << 20)) 0
patch "$dev" $((8 << 20)) $((2 << 20)) $((1 << 20))
compare "$dev" base
vt_detach "$dev"
cp expect.raw expect.base

vt_create diff 0 child.vhd base.vhd
vt_attach dev child.vhd
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "child depth $(vt_sysfs "$dev" depth), expected 2"
compare "$dev" "child before writes"
patch "$dev" 512 512 7680			# one sector
patch "$dev" $((BLK - 512)) 1536 9216		# across blocks 0/1
patch "$dev" $((12 << 20)) 4096 65536		# parent block absent
patch "$dev" $(((5 << 20) + 512)) $((1 << 20)) 131072	# unaligned 1 MiB
patch "$dev" $((SIZE - 512)) 512 0		# last sector
compare "$dev" child
vt_detach "$dev"
cp expect.raw expect.child
vt_attach dev child.vhd
compare "$dev" "child after reattach"
vt_detach "$dev"

vt_create diff 0 grand.vhd child.vhd
vt_attach dev grand.vhd
[ "$(vt_sysfs "$dev" depth)" = 3 ] || ksft_fail "grandchild depth $(vt_sysfs "$dev" depth), expected 3"
compare "$dev" "grandchild before writes"
patch "$dev" 1024 512 2048
patch "$dev" $((BLK - 1024)) 2048 4096
patch "$dev" $(((13 << 20) + 512)) $(((3 << 20) - 512)) 0	# to the end
compare "$dev" grandchild
vt_detach "$dev"
vt_attach dev grand.vhd
compare "$dev" "grandchild after reattach"
vt_detach "$dev"

# Lower layers still read as they were.
cp expect.child expect.raw
vt_attach dev -r child.vhd
compare "$dev" "child read-only"
[ "$(vt_sysfs "$dev" read_only)" = 1 ] || ksft_fail "sysfs read_only not 1"
if dd if=src.bin of="$dev" bs=4096 count=1 oflag=direct conv=notrunc status=none 2>/dev/null; then
	ksft_fail "write to a read-only device succeeded"
fi
vt_detach "$dev"
cp expect.base expect.raw
vt_attach dev -r base.vhd
compare "$dev" "base read-only"
vt_detach "$dev"
ksft_pass "depth 2 and 3 chains read as the exact overlay"
