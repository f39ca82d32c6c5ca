#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Online merge (VHD_OP_MERGE) while I/O goes on: the top into its parent
# with fio writing during the merge, an intermediate layer into the one
# below (depth 3 and 4, the child relinked), cancel and resume, and the
# requests that must be refused with their errno and change nothing.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
. "$SRC/selftests/vhd/online_lib.sh"
vt_need fio
M=$((1 << 20))

# --- top into parent, fio writing meanwhile
truncate -s 64M expect.raw
vt_create dynamic 64M base.vhd
vt_attach dev base.vhd
vo_put "$dev" 0 $((8 * M))
vo_put "$dev" $((20 * M)) $((6 * M))
vt_detach "$dev"
vt_create diff 0 top.vhd base.vhd
vt_attach dev top.vhd
vo_put "$dev" $((4 * M)) $((8 * M))
vo_put "$dev" $((27 * M + 4096)) 8192
vo_same "$dev" "before the merge"
vo_fio_start "$dev" $((40 * M)) $((16 * M))
vo_op "$dev" merge 0 base.vhd
vo_fio_wait "the merge"
[ "$(vt_sysfs "$dev" depth)" = 1 ] || ksft_fail "depth $(vt_sysfs "$dev" depth) after merging the top"
[ "$(vt_sysfs "$dev" backing_file)" = "$PWD/base.vhd" ] ||
	ksft_fail "device runs on $(vt_sysfs "$dev" backing_file), not base.vhd"
[ "$(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state)/$(vt_sysfs "$dev" op_error)" = merge/done/0 ] ||
	ksft_fail "sysfs says $(vt_sysfs "$dev" op)/$(vt_sysfs "$dev" op_state)/$(vt_sysfs "$dev" op_error)"
echo "merge passes: $(vt_sysfs "$dev" op_passes), bytes $(vt_sysfs "$dev" op_done)/$(vt_sysfs "$dev" op_total)"
vo_fio_verify "the merge"
# what fio wrote joins the expectation; the rest must be untouched
dd if="$dev" of=expect.raw bs=1M skip=40 seek=40 count=16 conv=notrunc status=none
vo_same "$dev" "after the merge"
vo_put "$dev" $((60 * M)) $M		# the device now writes base.vhd
vt_detach "$dev"
vo_check base.vhd
vo_qemu_same base.vhd
vo_vhdi_same base.vhd
vt_attach dev base.vhd
vo_same "$dev" "base.vhd reattached"
vt_detach "$dev"
echo "top merged into its parent under fio writes"

# --- intermediate layer: base <- mid <- top, merge mid into base
rm -f base.vhd top.vhd; : > expect.raw; truncate -s 32M expect.raw
vt_create dynamic 32M base.vhd
vt_attach dev base.vhd; vo_put "$dev" 0 $((6 * M)); vt_detach "$dev"
vt_create diff 0 mid.vhd base.vhd
vt_attach dev mid.vhd; vo_put "$dev" $((2 * M)) $((4 * M)); vo_put "$dev" $((10 * M)) $((3 * M)); vt_detach "$dev"
vt_create diff 0 top.vhd mid.vhd
vt_attach dev top.vhd
vo_put "$dev" $((3 * M)) $M
[ "$(vt_sysfs "$dev" depth)" = 3 ] || ksft_fail "depth 3 expected"
vo_op "$dev" merge 1 base.vhd
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "depth $(vt_sysfs "$dev" depth) after merging mid"
[ "$(vt_sysfs "$dev" parent1)" = "$PWD/base.vhd" ] || ksft_fail "parent1 is $(vt_sysfs "$dev" parent1)"
vo_same "$dev" "after merging mid"
vo_put "$dev" $((20 * M)) $M
vt_detach "$dev"
rm mid.vhd	# top must now find base.vhd by its own parent link
vo_check top.vhd
vt_attach dev top.vhd
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "top.vhd reattached with depth $(vt_sysfs "$dev" depth)"
vo_same "$dev" "top.vhd relinked to base.vhd"
vt_detach "$dev"
vo_vhdi_same top.vhd
echo "intermediate merge relinks the child"

# --- depth 4: base <- a <- b <- top, merge a into base (child b by fd)
vt_attach dev -r base.vhd	# top.vhd's own writes are not in base
dd if="$dev" of=expect.raw bs=1M status=none
vt_detach "$dev"
vt_create diff 0 a.vhd base.vhd
vt_attach dev a.vhd; vo_put "$dev" $((14 * M)) $((2 * M)); vt_detach "$dev"
vt_create diff 0 b.vhd a.vhd
vt_attach dev b.vhd; vo_put "$dev" $((15 * M)) $((2 * M)); vt_detach "$dev"
vt_create diff 0 top4.vhd b.vhd
vt_attach dev top4.vhd
vo_put "$dev" $((16 * M)) 4096
vo_errno EINVAL "$dev" merge 2 base.vhd		# child_fd missing
vo_errno EINVAL "$dev" merge 2 base.vhd top4.vhd	# wrong child
vo_op "$dev" merge 2 base.vhd b.vhd
[ "$(vt_sysfs "$dev" depth)" = 3 ] || ksft_fail "depth $(vt_sysfs "$dev" depth) after merging a"
vo_same "$dev" "after merging a"
vt_detach "$dev"
rm a.vhd
vt_attach dev top4.vhd
vo_same "$dev" "b.vhd relinked to base.vhd"
vt_detach "$dev"
echo "depth-4 intermediate merge with child_fd"

# --- cancel, then resume (units paced so that the cancel lands mid-copy)
PACE=/sys/module/vhd/parameters/op_unit_delay_ms
echo 100 > $PACE
vt_on_exit "echo 0 > $PACE"
rm -f base.vhd top.vhd b.vhd top4.vhd; : > expect.raw; truncate -s 128M expect.raw
vt_create dynamic 128M base.vhd
vt_create diff 0 top.vhd base.vhd
vt_attach dev top.vhd
for o in 0 16 32 48 64 80; do vo_put "$dev" $((o * M)) $((8 * M)); done
vo_op -n "$dev" merge 0 base.vhd
sleep 0.3
[ "$(vt_sysfs "$dev" op_state)" = running ] || ksft_fail "paced merge not running"
vo_op "$dev" cancel
vo_errno ECANCELED "$dev" wait
[ "$(vt_sysfs "$dev" op_done)" -lt "$(vt_sysfs "$dev" op_total)" ] ||
	ksft_fail "cancel came after the copy: $(vt_sysfs "$dev" op_done)/$(vt_sysfs "$dev" op_total)"
[ "$(vt_sysfs "$dev" op_state)" = cancelled ] || ksft_fail "op_state $(vt_sysfs "$dev" op_state) after cancel"
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "a cancelled merge changed the chain"
vo_same "$dev" "after a cancelled merge"
echo 0 > $PACE
vo_op "$dev" merge 0 base.vhd
[ "$(vt_sysfs "$dev" depth)" = 1 ] || ksft_fail "the resumed merge did not pivot"
vo_same "$dev" "after the resumed merge"
vt_detach "$dev"
echo "cancel leaves the chain as it was; running the merge again completes it"

# --- refusals change nothing
rm -f top.vhd
vt_create diff 0 top.vhd base.vhd
vt_create diff 0 sib.vhd base.vhd
vt_attach dev top.vhd
vt_attach sib -r sib.vhd
vo_errno EBUSY "$dev" merge 0 base.vhd		# base used by another device
vt_detach "$sib"
vo_errno EINVAL "$dev" merge 1 base.vhd		# no layer 2
vo_errno EINVAL "$dev" merge 0 sib.vhd		# not the parent
vo_put "$dev" 0 $((4 * M))
echo 200 > $PACE
vo_op -n "$dev" merge 0 base.vhd
vo_errno EBUSY "$dev" compact			# one operation at a time
echo 0 > $PACE
vo_op "$dev" wait
[ "$(vt_sysfs "$dev" depth)" = 1 ] || ksft_fail "merge after refusals did not complete"
vo_same "$dev" "after refusals and a merge"
vt_detach "$dev"
ksft_pass "online merge: top and intermediate layers, under I/O, cancel/resume, refusals"
