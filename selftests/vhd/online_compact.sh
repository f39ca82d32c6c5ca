#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Online compaction (VHD_OP_COMPACT): all-zero blocks of a dynamic image
# and blocks of a differencing image that repeat the parent's data are
# dropped, the blocks above the holes move down and the file ends right
# after the last block; the same with fio writing and verifying meanwhile;
# the result valid offline (vhd check, qemu-img, reattach); refusals of a
# fixed image and of a read-only device.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
. "$SRC/selftests/vhd/online_lib.sh"
M=$((1 << 20))
# a block's slot in a file we wrote in block order: 4 KiB-aligned data
# with its 512-byte bitmap just before, so 2 MiB + 4 KiB apart
SLOT=$((2 * M + 4096))

# zput DEV OFF LEN: write LEN zero bytes at OFF to DEV and expect.raw
zput() {
	dd if=/dev/zero of="$1" bs=64K seek="$2" count="$3" \
		iflag=count_bytes oflag=seek_bytes,direct conv=notrunc status=none ||
		ksft_fail "zero write of $3 bytes at $2 to $1 failed"
	dd if=/dev/zero of=expect.raw bs=64K seek="$2" count="$3" \
		iflag=count_bytes oflag=seek_bytes conv=notrunc status=none
}

# alloc DEV N WHAT: sysfs allocated_blocks is N
alloc() {
	local a
	a=$(vt_sysfs "$1" allocated_blocks)
	[ "$a" = "$2" ] || ksft_fail "$3: allocated_blocks $a, expected $2"
}

# fsize FILE N WHAT: FILE is N slots + the footer long (ends after block N)
fsize() {
	local s
	s=$(stat -c %s "$1")
	[ "$s" = $(($2 * SLOT + 512)) ] ||
		ksft_fail "$3: $1 is $s bytes, expected $(($2 * SLOT + 512)) ($2 blocks)"
}

# head48 DEV WHAT: the first 48 MiB of DEV (all the data) read as expected
head48() {
	cmp -n $((48 * M)) "$1" expect.raw > cmp.out 2>&1 && return 0
	head -n 3 cmp.out
	ksft_fail "$2: $1 does not read as expected"
}

# --- dynamic: zero blocks dropped, holes filled, file cut
truncate -s 32M expect.raw
vt_create dynamic 32M d.vhd
vt_attach dev d.vhd
vo_put "$dev" 0 $((2 * M))				# 0: data
zput "$dev" $((2 * M)) $((2 * M))			# 1: zeros
vo_put "$dev" $((4 * M + 128 * 1024)) $((64 * 1024))	# 2: some data
zput "$dev" $((6 * M + 8192)) 4096			# 3: 4 KiB of zeros
zput "$dev" $((8 * M)) $((2 * M))			# 4: zeros
vo_put "$dev" $((10 * M)) $((2 * M))			# 5: data
vo_put "$dev" $((12 * M)) $((2 * M))			# 6: data, then
zput "$dev" $((12 * M)) $((2 * M))			#    zeros over it
vo_put "$dev" $((16 * M)) $M				# 8: data (7 unused)
zput "$dev" $((18 * M)) $((2 * M))			# 9: zeros
vo_put "$dev" $((28 * M + 12288)) 4096			# 14: 4 KiB of data
zput "$dev" $((30 * M)) $((2 * M))			# 15: zeros
alloc "$dev" 11 "dynamic before compact"
vt_detach "$dev"
fsize d.vhd 11 "dynamic before compact"
vt_attach dev d.vhd
vo_same "$dev" "dynamic before compact"
vo_op "$dev" compact
[ "$(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state)/$(vt_sysfs "$dev" op_error)" = compact/done/0 ] ||
	ksft_fail "sysfs says $(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state)/$(vt_sysfs "$dev" op_error)"
alloc "$dev" 5 "dynamic after compact (6 zero blocks dropped)"
fsize d.vhd 5 "dynamic after compact"
vo_same "$dev" "dynamic after compact"
vo_op "$dev" compact				# nothing left to do
alloc "$dev" 5 "dynamic compacted twice"
fsize d.vhd 5 "dynamic compacted twice"
vo_put "$dev" $((2 * M)) $M			# a dropped block again
alloc "$dev" 6 "dynamic, a dropped block written"
vo_same "$dev" "dynamic, written after compact"
vt_detach "$dev"
vo_check d.vhd
vo_qemu_same d.vhd
vt_attach dev d.vhd
vo_same "$dev" "dynamic reattached after compact"
vt_detach "$dev"
rm -f d.vhd
echo "dynamic: zero blocks dropped, blocks moved into the holes, file cut"

# --- differencing: blocks repeating the parent's data dropped
rm -f expect.raw; truncate -s 32M expect.raw
vt_create dynamic 32M base.vhd
vt_attach dev base.vhd
vo_put "$dev" 0 $((6 * M))
vo_put "$dev" $((6 * M)) $((6 * M))
vt_detach "$dev"
vt_create diff 0 child.vhd base.vhd
vt_attach dev child.vhd
# 1: the parent's block 1 written back whole; 3: its first 64 KiB
dd if="$dev" of=p1.bin bs=1M skip=2 count=2 iflag=direct status=none
dd if=p1.bin of="$dev" bs=1M seek=2 oflag=direct conv=notrunc status=none
dd if="$dev" of=p3.bin bs=64K skip=96 count=1 iflag=direct status=none
dd if=p3.bin of="$dev" bs=64K seek=96 oflag=direct conv=notrunc status=none
vo_put "$dev" $((4 * M)) $M			# 2: data of its own
dd if="$dev" of=p4.bin bs=1M skip=8 count=2 iflag=direct status=none
dd if=p4.bin of="$dev" bs=1M seek=8 oflag=direct conv=notrunc status=none
vo_put "$dev" $((9 * M)) 4096			# 4: the parent's but 4 KiB
zput "$dev" $((16 * M)) $((2 * M))		# 8: zeros, no parent block
vo_put "$dev" $((18 * M)) $((2 * M))		# 9: data
alloc "$dev" 6 "differencing before compact"
vo_same "$dev" "differencing before compact"
vo_op "$dev" compact
alloc "$dev" 3 "differencing after compact (blocks 1, 3, 8 dropped)"
vo_same "$dev" "differencing after compact"
vt_detach "$dev"
fsize child.vhd 3 "differencing after compact"
vo_check child.vhd
vt_attach dev child.vhd
vo_same "$dev" "differencing reattached after compact"
vt_detach "$dev"
rm -f child.vhd p?.bin

# grown online first, so that a parent locator now lies after the blocks:
# compact must keep it (the child still finds its parent) and the data
rm -f expect.raw; truncate -s 32M expect.raw
vt_attach dev -r base.vhd
dd if="$dev" of=expect.raw bs=1M status=none
vt_detach "$dev"
vt_create diff 0 child.vhd base.vhd
vt_attach dev child.vhd
vo_put "$dev" 0 $((4 * M))			# 0, 1: the parent's data
vo_put "$dev" $((4 * M)) $((4 * M)) $((9 * M))	# 2, 3: their own
vo_op "$dev" resize $((320 * M))		# locator 0 moves past block 3
truncate -s 320M expect.raw
vo_op "$dev" compact
alloc "$dev" 2 "grown differencing after compact (blocks 0, 1 dropped)"
head48 "$dev" "grown differencing after compact"
vt_detach "$dev"
vo_check child.vhd
# known limit: the holes lie below the moved locator, which
# vhd_compact_holes() takes as the floor, so the file keeps its size
echo "grown differencing compacted: file $(stat -c %s child.vhd) bytes"
vt_attach dev child.vhd
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "grown child reattached with depth $(vt_sysfs "$dev" depth)"
head48 "$dev" "grown differencing reattached after compact"
vt_detach "$dev"
rm -f child.vhd base.vhd
echo "differencing: blocks holding the parent's data dropped"

# --- compact while fio writes, then fio verifies
if command -v fio > /dev/null; then
	rm -f expect.raw; truncate -s 64M expect.raw
	vt_create dynamic 64M f.vhd
	vt_attach dev f.vhd
	vo_put "$dev" 0 $((8 * M))			# 0..3: data
	zput "$dev" $((8 * M)) $((12 * M))		# 4..9: zeros
	vo_put "$dev" $((60 * M)) $((2 * M))		# 30: data, moved down
	vo_fio_start "$dev" $((40 * M)) $((16 * M))
	vo_op "$dev" compact
	kill -0 "$VO_FIO_PID" 2> /dev/null && echo "fio still writing when compact ended"
	vo_fio_wait compact
	vo_fio_verify compact
	alloc "$dev" 13 "after compact under fio (6 zero blocks dropped)"
	dd if="$dev" of=expect.raw bs=1M skip=40 seek=40 count=16 conv=notrunc status=none
	vo_same "$dev" "after compact under fio"
	vt_detach "$dev"
	vo_check f.vhd
	vo_qemu_same f.vhd
	rm -f f.vhd
	echo "compact under fio writes, fio verifies"
else
	echo "fio missing: compact under I/O skipped"
fi

# --- refusals change nothing
rm -f expect.raw; truncate -s 16M expect.raw
vt_create fixed 16M x.vhd
vt_attach dev x.vhd
vo_put "$dev" $M $M
vo_errno EINVAL "$dev" compact			# fixed: no blocks
vo_same "$dev" "fixed after a refused compact"
vt_detach "$dev"
[ "$(stat -c %s x.vhd)" = $((16 * M + 512)) ] || ksft_fail "fixed image changed size"
vt_create dynamic 16M r.vhd
vt_attach dev r.vhd
zput "$dev" 0 $((2 * M))
vo_put "$dev" $((4 * M)) $M
vt_detach "$dev"
sz=$(stat -c %s r.vhd)
vt_attach dev -r r.vhd
# vhdop opens the device O_RDWR, which a read-only disk allows (writes
# fail with EPERM); the kernel's refusal is vhd_op_check_compact()'s
vo_errno EROFS "$dev" compact
dmesg | grep -q "$(basename "$dev"): compact refused: device is read-only" ||
	ksft_fail "EROFS did not come from the compact check"
alloc "$dev" 2 "read-only device after a refused compact"
vo_same "$dev" "read-only device after a refused compact"
vt_detach "$dev"
[ "$(stat -c %s r.vhd)" = "$sz" ] || ksft_fail "a refused compact changed r.vhd's size"
vo_check r.vhd
ksft_pass "online compact: dynamic, differencing, under fio, refusals"
