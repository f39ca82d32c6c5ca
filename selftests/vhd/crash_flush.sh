#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# After a flush, every acknowledged write and the metadata that finds it
# are on the image: a copy of the file taken right after the flush, while
# the device is still attached (as a crash would leave it, plus whatever
# reached the file later), must attach and read the flushed data, pass
# 'vhd check' (clean or leaked space only) and read the same in qemu-img.
# Dynamic images, and a differencing child with sector-sized writes whose
# bitmap bits are only committed by the flush.
. "$SRC/selftests/lib.sh"

command -v gcc > /dev/null || ksft_skip "gcc missing"
command -v qemu-img > /dev/null || ksft_skip "qemu-img missing"
gcc -Wall -Werror -O2 -I"$SRC/uapi" -o attach "$SRC/selftests/vhd/attach.c" ||
	ksft_fail "cannot build attach.c"
ksft_load_module vhd
VHD=$SRC/tools/bin/vhd

dd if=/dev/urandom of=src.bin bs=1M count=4 status=none

# put DEV SECTOR COUNT SRCSECTOR: write, and record in expect.raw
put() {
	dd if=src.bin of="$1" bs=512 seek="$2" count="$3" skip="$4" \
		oflag=direct conv=notrunc status=none || ksft_fail "write to $1 failed"
	dd if=src.bin of=expect.raw bs=512 seek="$2" count="$3" skip="$4" \
		conv=notrunc status=none
}

# snapshot DEV IMG COPY: flush DEV, copy IMG while still attached
snapshot() {
	sync "$1" || ksft_fail "flush of $1 failed"	# fsync: REQ_OP_FLUSH
	cp --sparse=always "$2" "$3" || ksft_fail "copy of $2"
}

# verify COPY [PARENT]: the copy reads as expect.raw
verify() {
	local dev rc

	if [ -x "$VHD" ]; then
		"$VHD" check "$1" > check.out 2>&1
		rc=$?
		[ $rc = 0 ] || [ $rc = 3 ] ||
			{ cat check.out; ksft_fail "vhd check $1: exit $rc"; }
	fi
	dev=$(./attach -r "$1" ${2:+"$2"}) || ksft_fail "attach of the copy $1 failed"
	cmp "$dev" expect.raw || ksft_fail "$1: flushed data missing after the 'crash'"
	./attach -D "$dev" || ksft_fail "detach $dev"
}

# Dynamic: allocating writes, a partial block, then a flush.
qemu-img create -q -f vpc -o subformat=dynamic,force_size=on dyn.vhd 32M ||
	ksft_fail "qemu-img create"
truncate -s 32M expect.raw
dev=$(./attach dyn.vhd) || ksft_fail "attach dyn.vhd"
[ "$(blockdev --getsize64 "$dev")" = $((32 << 20)) ] || ksft_fail "size of $dev"
put "$dev" 2048 6144 0		# 3 MiB at 1 MiB: blocks 0 and 1
put "$dev" 40961 8 100		# unaligned 4 KiB in block 10
put "$dev" 65535 1 7		# last sector
snapshot "$dev" dyn.vhd dyn-copy.vhd
# After the flush (not in expect.raw): old or new in the copy, never junk.
dd if=src.bin of="$dev" bs=512 seek=20480 count=2048 oflag=direct \
	conv=notrunc status=none || ksft_fail "late write failed"
./attach -D "$dev" || ksft_fail "detach"
dev=$(./attach -r dyn-copy.vhd) || ksft_fail "attach dyn-copy.vhd"
dd if="$dev" of=got.raw bs=1M status=none || ksft_fail "read of the copy failed"
./attach -D "$dev"
dd if=got.raw of=late.bin bs=512 skip=20480 count=2048 status=none
head -c 1M src.bin > late.new
cmp -s late.bin late.new || cmp -s -n 1048576 late.bin /dev/zero ||
	ksft_fail "dynamic: region written after the flush reads as junk"
dd if=/dev/zero of=got.raw bs=512 seek=20480 count=2048 conv=notrunc status=none
cmp got.raw expect.raw || ksft_fail "dynamic: flushed data missing in the copy"
qemu-img convert -f vpc -O raw dyn-copy.vhd q.raw || ksft_fail "qemu-img convert of the copy"
dd if=/dev/zero of=q.raw bs=512 seek=20480 count=2048 conv=notrunc status=none
cmp q.raw expect.raw || ksft_fail "dynamic: qemu-img reads the copy differently"
echo "dynamic: flushed writes survive in a copy taken after the flush"

# Differencing: sector writes over a parent, bits committed by the flush.
[ -x "$VHD" ] || ksft_pass "dynamic ok; differencing part skipped (no tools/bin/vhd)"
"$VHD" create -t dynamic -s 16M base.vhd > /dev/null || ksft_fail "vhd create base"
rm -f expect.raw
truncate -s 16M expect.raw
dev=$(./attach base.vhd) || ksft_fail "attach base.vhd"
put "$dev" 0 8192 0		# parent data in the first 4 MiB
./attach -D "$dev"
"$VHD" create -p base.vhd child.vhd > /dev/null || ksft_fail "vhd create child"
dev=$(./attach child.vhd base.vhd) || ksft_fail "attach child.vhd"
put "$dev" 1 1 4000		# one sector inside a parent block
put "$dev" 4095 3 5000		# across the block 0/1 boundary
put "$dev" 12000 16 6000	# where the parent has no block
snapshot "$dev" child.vhd child-copy.vhd
./attach -D "$dev" || ksft_fail "detach child"
verify child-copy.vhd base.vhd
verify child.vhd base.vhd
ksft_pass "dynamic and differencing images keep flushed writes across a 'crash'"
