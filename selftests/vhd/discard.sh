#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# REQ_OP_DISCARD and REQ_OP_WRITE_ZEROES (blkdiscard, blkdiscard -z) on
# dynamic, differencing and fixed images: whole blocks, partial ranges and
# ranges across a block boundary read zeros afterwards (in a differencing
# image zeros, not the parent's data), the rest stays as it was, a dynamic
# block discarded whole (at once or piecewise) is freed, and the image is
# valid offline (vhd check, qemu-img, reattach). A read-only device
# refuses both.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
. "$SRC/selftests/vhd/online_lib.sh"
vt_need blkdiscard
M=$((1 << 20))
K=1024

# disc DEV OFF LEN [-z]: blkdiscard (-z: zero-out) [OFF, OFF+LEN), and
# zeros there in expect.raw
disc() {
	blkdiscard -f ${4:+"$4"} -o "$2" -l "$3" "$1" > disc.out 2>&1 ||
		{ cat disc.out; ksft_fail "blkdiscard ${4:-} -o $2 -l $3 $1 failed"; }
	dd if=/dev/zero of=expect.raw bs=64K seek="$2" count="$3" \
		iflag=count_bytes oflag=seek_bytes conv=notrunc status=none
}

# alloc DEV N WHAT: sysfs allocated_blocks is N
alloc() {
	local a
	a=$(vt_sysfs "$1" allocated_blocks)
	[ "$a" = "$2" ] || ksft_fail "$3: allocated_blocks $a, expected $2"
}

# --- dynamic
truncate -s 32M expect.raw
vt_create dynamic 32M d.vhd
vt_attach dev d.vhd
vo_put "$dev" 0 $((6 * M))			# blocks 0..2
vo_put "$dev" $((6 * M)) $((6 * M))		# blocks 3..5
vo_put "$dev" $((20 * M)) $((2 * M))		# block 10
alloc "$dev" 7 "dynamic before discards"
disc "$dev" $((2 * M)) $((2 * M))		# block 1 whole
alloc "$dev" 6 "whole block 1 discarded"
vo_same "$dev" "whole-block discard"
disc "$dev" $((4 * M + 64 * K)) $((256 * K))	# inside block 2
disc "$dev" $((7 * M)) $((2 * M))		# end of 3, start of 4
disc "$dev" $((512 * K + 512)) 7680		# small, unaligned to 4 KiB
alloc "$dev" 6 "partial discards"
vo_same "$dev" "partial discards"
disc "$dev" $((20 * M)) $M			# block 10 in two halves:
alloc "$dev" 6 "half of block 10 discarded"
disc "$dev" $((21 * M)) $M			# freed once no sector is left
alloc "$dev" 5 "block 10 discarded piecewise"
disc "$dev" $((24 * M)) $((4 * M))		# blocks 12, 13: not allocated
alloc "$dev" 5 "discard of unallocated blocks"
disc "$dev" $((10 * M)) $((2 * M)) -z		# block 5 whole, zero-out
a=$(vt_sysfs "$dev" allocated_blocks)
[ "$a" -le 5 ] || ksft_fail "write-zeroes of block 5 allocated: $a blocks"
disc "$dev" $((8 * M + 4 * K)) $((64 * K)) -z	# inside block 4
vo_same "$dev" "dynamic after discards and write-zeroes"
vo_put "$dev" $((2 * M + 4 * K)) $((4 * K))	# the freed block 1 again
vo_put "$dev" $((21 * M)) $M			# and block 10
vo_put "$dev" $((4 * M + 128 * K)) $((64 * K))	# partly discarded block 2
vo_put "$dev" $((8 * M - 4 * K)) $((8 * K))	# across the 3/4 discard
vo_same "$dev" "dynamic, freed blocks written again"
vt_detach "$dev"
vo_check d.vhd
vo_qemu_same d.vhd
vt_attach dev d.vhd
vo_same "$dev" "dynamic reattached"
vt_detach "$dev"
rm -f d.vhd
echo "dynamic: discards read zeros, whole blocks freed (write-zeroes: $a blocks left)"

# --- differencing: the discarded range reads zeros, not the parent
rm -f expect.raw; truncate -s 32M expect.raw
vt_create dynamic 32M base.vhd
vt_attach dev base.vhd
vo_put "$dev" 0 $((6 * M))			# blocks 0..2
vo_put "$dev" $((6 * M)) $((6 * M))		# blocks 3..5
vt_detach "$dev"
cp expect.raw expect.base
vt_create diff 0 child.vhd base.vhd
vt_attach dev child.vhd
vo_put "$dev" $((4 * M)) $((2 * M)) $M		# block 2: its own data
vo_put "$dev" $((20 * M)) $((2 * M))		# block 10: no parent block
alloc "$dev" 2 "differencing before discards"
disc "$dev" $((2 * M)) $((2 * M))		# block 1: only the parent's
disc "$dev" $((6 * M + 64 * K)) $((128 * K))	# inside block 3 (parent's)
disc "$dev" $((5 * M)) $((512 * K)) -z		# inside block 2 (own data)
disc "$dev" $((11 * M)) $((2 * M))		# end of 5 (parent), start of 6
disc "$dev" $((20 * M)) $((2 * M))		# block 10: freed
disc "$dev" $((24 * M)) $((2 * M))		# block 12: nothing anywhere
vo_same "$dev" "differencing after discards"
disc "$dev" $((8 * M)) $((2 * M)) -z		# block 4 whole, zero-out
vo_same "$dev" "differencing after write-zeroes"
a=$(vt_sysfs "$dev" allocated_blocks)
# own zeros in 1, 2, 3, 4, 5 (block 10 freed, 6 and 12 need none)
[ "$a" = 5 ] || ksft_fail "differencing after discards: allocated_blocks $a, expected 5"
vt_detach "$dev"
vo_check child.vhd
vt_attach dev -r base.vhd
cp expect.raw expect.child
cp expect.base expect.raw
vo_same "$dev" "the parent after discards in its child"
vt_detach "$dev"
cp expect.child expect.raw
vt_attach dev child.vhd
vo_same "$dev" "differencing reattached: zeros, not the parent"
vt_detach "$dev"
rm -f child.vhd base.vhd expect.base expect.child
echo "differencing: discarded ranges read zeros, the parent unchanged"

# --- fixed
rm -f expect.raw; truncate -s 16M expect.raw
vt_create fixed 16M f.vhd
vt_attach dev f.vhd
vo_put "$dev" 0 $((8 * M))
vo_put "$dev" $((12 * M)) $((2 * M))
disc "$dev" $((2 * M)) $((2 * M))
disc "$dev" $((5 * M + 512)) $((64 * K))
disc "$dev" $((12 * M + 4 * K)) $M -z
disc "$dev" $((15 * M)) $M			# the last MiB, before the footer
vo_same "$dev" "fixed after discards"
vt_detach "$dev"
[ "$(stat -c %s f.vhd)" = $((16 * M + 512)) ] || ksft_fail "fixed image is $(stat -c %s f.vhd) bytes"
vo_check f.vhd
vo_qemu_same f.vhd
echo "fixed: discards read zeros, footer intact"

# --- read-only: refused, nothing changes
vt_attach dev -r f.vhd
blkdiscard -f -o 0 -l $M "$dev" > disc.out 2>&1 && ksft_fail "blkdiscard on a read-only device succeeded"
blkdiscard -f -z -o 0 -l $M "$dev" > disc.out 2>&1 && ksft_fail "blkdiscard -z on a read-only device succeeded"
vo_same "$dev" "read-only device after refused discards"
vt_detach "$dev"
ksft_pass "discard and write-zeroes: dynamic, differencing, fixed, read-only"
