#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Online move (VHD_OP_MOVE, live storage migration): a dynamic top moved
# to a new file while fio writes, a fixed image, a differencing top (the
# parent link kept) and flattened (one dynamic image); the old files are
# never written; cancel, the refusals, and a target filesystem that fills
# up: the device stays on its old file with its data.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
. "$SRC/selftests/vhd/online_lib.sh"
vt_need fio
M=$((1 << 20))

# mv_done DEV FILE DEPTH: the move ended well and DEV now runs on FILE
mv_done() {
	local s
	s="$(vt_sysfs "$1" op)/$(vt_sysfs "$1" op_state)/$(vt_sysfs "$1" op_error)"
	[ "$s" = move/done/0 ] || ksft_fail "sysfs says $s after the move to $2"
	[ "$(vt_sysfs "$1" backing_file)" = "$PWD/$2" ] ||
		ksft_fail "device runs on $(vt_sysfs "$1" backing_file), not $2"
	[ "$(vt_sysfs "$1" depth)" = "$3" ] ||
		ksft_fail "depth $(vt_sysfs "$1" depth) after the move to $2, expected $3"
}

# mv_untouched FILE SHA: FILE is still what it was before the move
mv_untouched() {
	[ "$(vt_sha "$1")" = "$2" ] || ksft_fail "$1 was written by the move"
}

# --- dynamic top, fio writing during the move
truncate -s 48M expect.raw
vt_create dynamic 48M dyn.vhd
vt_attach dev dyn.vhd
vo_put "$dev" 0 $((8 * M))
vo_put "$dev" $((20 * M)) $((6 * M))
vo_put "$dev" $((31 * M + 4096)) 8192
vo_same "$dev" "before the move"
vo_fio_start "$dev" $((32 * M)) $((12 * M))
vo_op "$dev" move dyn2.vhd
vo_fio_wait "the move"
mv_done "$dev" dyn2.vhd 1
[ "$(vt_sysfs "$dev" type)" = dynamic ] || ksft_fail "type $(vt_sysfs "$dev" type) after the move"
echo "move passes: $(vt_sysfs "$dev" op_passes), bytes $(vt_sysfs "$dev" op_done)/$(vt_sysfs "$dev" op_total) (${SECONDS}s)"
vo_fio_verify "the move"
dd if="$dev" of=expect.raw bs=1M skip=32 seek=32 count=12 conv=notrunc status=none
vo_same "$dev" "after the move"
old=$(vt_sha dyn.vhd)
vo_put "$dev" $((46 * M)) $M		# now written to dyn2.vhd only
mv_untouched dyn.vhd "$old"
vt_detach "$dev"
mv_untouched dyn.vhd "$old"
vo_check dyn2.vhd
vo_qemu_same dyn2.vhd
rm -f dyn.vhd dyn2.vhd
echo "dynamic top moved under fio writes (${SECONDS}s)"

# --- fixed
: > expect.raw; truncate -s 16M expect.raw
vt_create fixed 16M fix.vhd
vt_attach dev fix.vhd
vo_put "$dev" 0 $((3 * M))
vo_put "$dev" $((9 * M)) $((2 * M))
vo_put "$dev" $((16 * M - 8192)) 8192
sha=$(vt_sha fix.vhd)
vo_op "$dev" move fix2.vhd
mv_done "$dev" fix2.vhd 1
[ "$(vt_sysfs "$dev" type)" = fixed ] || ksft_fail "type $(vt_sysfs "$dev" type) after moving a fixed image"
mv_untouched fix.vhd "$sha"
vo_same "$dev" "after moving the fixed image"
vt_detach "$dev"
mv_untouched fix.vhd "$sha"
[ "$(stat -c %s fix2.vhd)" = "$(stat -c %s fix.vhd)" ] ||
	ksft_fail "fix2.vhd is $(stat -c %s fix2.vhd) bytes, fix.vhd $(stat -c %s fix.vhd)"
vo_check fix2.vhd
vo_qemu_same fix2.vhd
rm -f fix.vhd fix2.vhd
echo "fixed image moved (${SECONDS}s)"

# --- differencing top: the top only, then flattened
: > expect.raw; truncate -s 32M expect.raw
vt_create dynamic 32M base.vhd
vt_attach dev base.vhd
vo_put "$dev" 0 $((6 * M))
vo_put "$dev" $((12 * M)) $((2 * M))
vt_detach "$dev"
vt_create diff 0 top.vhd base.vhd
vt_attach dev top.vhd
vo_put "$dev" $((4 * M)) $((4 * M))
vo_put "$dev" $((13 * M + 4096)) 4096	# part of a parent's block
vo_put "$dev" $((24 * M)) $M
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "depth 2 expected"
shatop=$(vt_sha top.vhd)
shabase=$(vt_sha base.vhd)
vo_op "$dev" move top2.vhd
mv_done "$dev" top2.vhd 2
[ "$(vt_sysfs "$dev" type)" = differencing ] || ksft_fail "type $(vt_sysfs "$dev" type) after moving the top"
[ "$(vt_sysfs "$dev" parent1)" = "$PWD/base.vhd" ] || ksft_fail "parent1 is $(vt_sysfs "$dev" parent1)"
vo_same "$dev" "after moving the differencing top"
vt_detach "$dev"
mv_untouched top.vhd "$shatop"
mv_untouched base.vhd "$shabase"
vo_check top2.vhd
rm top.vhd	# top2.vhd must find base.vhd by its own parent link
vt_attach dev top2.vhd
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "top2.vhd reattached with depth $(vt_sysfs "$dev" depth)"
[ "$(vt_sysfs "$dev" parent1)" = "$PWD/base.vhd" ] || ksft_fail "top2.vhd reattached: parent1 $(vt_sysfs "$dev" parent1)"
vo_same "$dev" "top2.vhd reattached with its parent"
echo "differencing top moved, parent link kept (${SECONDS}s)"

sha=$(vt_sha top2.vhd)
vo_op "$dev" move flat.vhd flatten
mv_done "$dev" flat.vhd 1
[ "$(vt_sysfs "$dev" type)" = dynamic ] || ksft_fail "type $(vt_sysfs "$dev" type) after a flattening move"
vo_same "$dev" "after the flattening move"
vt_detach "$dev"
mv_untouched top2.vhd "$sha"
mv_untouched base.vhd "$shabase"
vo_check flat.vhd
vo_qemu_same flat.vhd
vt_attach dev flat.vhd
[ "$(vt_sysfs "$dev" depth)" = 1 ] || ksft_fail "flat.vhd reattached with depth $(vt_sysfs "$dev" depth)"
vo_same "$dev" "flat.vhd reattached"
vt_detach "$dev"
rm -f base.vhd top2.vhd flat.vhd
echo "flattening move (${SECONDS}s)"

# --- cancel: the device stays on the old file
: > expect.raw; truncate -s 64M expect.raw
vt_create dynamic 64M big.vhd
vt_attach dev big.vhd
for o in 0 16 32 48; do vo_put "$dev" $((o * M)) $((8 * M)); done
sha=$(vt_sha big.vhd)
PACE=/sys/module/vhd/parameters/op_unit_delay_ms
echo 100 > $PACE	# units paced: the cancel lands mid-copy
vt_on_exit "echo 0 > $PACE"
vo_op -n "$dev" move big2.vhd
vo_op "$dev" cancel
vo_errno ECANCELED "$dev" wait
echo 0 > $PACE
[ "$(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state)" = move/cancelled ] ||
	ksft_fail "sysfs says $(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state) after cancel"
[ "$(vt_sysfs "$dev" backing_file)" = "$PWD/big.vhd" ] ||
	ksft_fail "a cancelled move left the device on $(vt_sysfs "$dev" backing_file)"
mv_untouched big.vhd "$sha"
vo_same "$dev" "after a cancelled move"
vo_put "$dev" $((60 * M)) $M
vo_same "$dev" "writes after a cancelled move"
echo "cancel leaves the device on its old file (${SECONDS}s)"

# --- refusals change nothing
vo_errno EEXIST "$dev" move big2.vhd		# the partial copy is not empty
head -c 512 rnd.bin > full.bin
vo_errno EEXIST "$dev" move full.bin
vo_errno EINVAL "$dev" move big.vhd		# the attached image itself
[ "$(vt_sysfs "$dev" backing_file)" = "$PWD/big.vhd" ] || ksft_fail "a refused move changed the device"
[ "$(stat -c %s full.bin)" = 512 ] || ksft_fail "a refused move wrote its target"
vo_same "$dev" "after refused moves"
vt_detach "$dev"
vo_check big.vhd
rm -f big.vhd big2.vhd full.bin
echo "refusals: EEXIST, EINVAL (${SECONDS}s)"

# --- the target filesystem fills up: ENOSPC, the device stays
: > expect.raw; truncate -s 32M expect.raw
vt_create dynamic 32M src.vhd
vt_attach dev src.vhd
for o in 0 8 16 24; do vo_put "$dev" $((o * M)) $((4 * M)); done
sha=$(vt_sha src.vhd)
mkdir -p small
mount -t tmpfs -o size=4m tmpfs small || ksft_fail "mount tmpfs"
_vt_mnts+=("$PWD/small")
vo_errno ENOSPC "$dev" move small/new.vhd
[ "$(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state)/$(vt_sysfs "$dev" op_error)" = move/failed/-28 ] ||
	ksft_fail "sysfs says $(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state)/$(vt_sysfs "$dev" op_error) after ENOSPC"
[ "$(vt_sysfs "$dev" backing_file)" = "$PWD/src.vhd" ] ||
	ksft_fail "a failed move left the device on $(vt_sysfs "$dev" backing_file)"
mv_untouched src.vhd "$sha"
vo_same "$dev" "after a move that ran out of space"
vo_put "$dev" $((28 * M)) $((2 * M))
vo_put "$dev" $((2 * M)) 4096
vo_same "$dev" "writes after a move that ran out of space"
vt_detach "$dev"
umount small || ksft_fail "umount tmpfs"
vo_check src.vhd
vo_qemu_same src.vhd
ksft_pass "online move: dynamic under fio, fixed, differencing (top, flattened), cancel, refusals, ENOSPC"
