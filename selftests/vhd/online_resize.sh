#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Online grow (VHD_OP_RESIZE) of fixed, dynamic and differencing images
# while attached: the new size in blockdev and sysfs, old data unchanged,
# the new tail zeros and writable; grows whose BAT needs more sectors
# (a block, or a differencing image's parent locators, in the way); the
# image valid offline afterwards (vhd check, vhd info, qemu-img, reattach);
# ext4 grown online with resize2fs; refusals that change nothing.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
. "$SRC/selftests/vhd/online_lib.sh"
M=$((1 << 20))
G=$((1 << 30))

# sized DEV BYTES WHAT: blockdev and sysfs both say BYTES
sized() {
	local b s
	b=$(vt_size "$1")
	s=$(vt_sysfs "$1" virtual_size)
	[ "$b" = "$2" ] && [ "$s" = "$2" ] ||
		ksft_fail "$3: blockdev says $b, sysfs virtual_size $s, expected $2"
}

# info_size FILE BYTES: 'vhd info' gives BYTES as the virtual size
info_size() {
	local got
	"$VHDTOOL" info --output=json "$1" > info.json || ksft_fail "vhd info $1"
	got=$(sed -n 's/^ *"virtual-size": \([0-9]*\),$/\1/p' info.json)
	[ "$got" = "$2" ] || { cat info.json; ksft_fail "vhd info $1: virtual-size '$got', expected $2"; }
}

# same_range DEV OFF LEN WHAT: DEV reads as expect.raw over [OFF, OFF+LEN)
same_range() {
	cmp -n "$3" -i "$2:$2" "$1" expect.raw > cmp.out 2>&1 && return 0
	head -n 3 cmp.out
	ksft_fail "$4: $1 differs from the expectation in [$2, +$3)"
}

# be FILE OFF LEN: big-endian unsigned number of LEN bytes at OFF
be() {
	printf '%d' 0x$(od -An -tx1 -j "$2" -N "$3" "$1" | tr -d ' \n')
}

# Image layout read from FILE (dynamic header at 512, as we create it):
# TABLE (BAT offset), BLK0 (block 0's bitmap offset), LOC0 (first parent
# locator's data offset).
layout() {
	TABLE=$(be "$1" $((512 + 16)) 8)
	BLK0=$(( $(be "$1" "$TABLE" 4) * 512 ))
	LOC0=$(be "$1" $((512 + 576 + 16)) 8)
}

# qemu_cmp FILE: qemu-img compares FILE (fixed/dynamic) equal to expect.raw
# (block status based, so a mostly empty 4 GiB image is quick).
qemu_cmp() {
	command -v qemu-img > /dev/null || return 0
	qemu-img compare --image-opts "driver=raw,file.filename=expect.raw" \
		"driver=vpc,force_size_calc=current_size,file.filename=$1" > qc.out 2>&1 ||
		{ cat qc.out; ksft_fail "qemu-img compare: $1 differs from expect.raw"; }
}

# --- fixed
truncate -s 16M expect.raw
vt_create fixed 16M f.vhd
vt_attach dev f.vhd
vo_put "$dev" 0 $((4 * M))
vo_put "$dev" $((14 * M)) $((2 * M))	# up to the old end
vo_op "$dev" resize $((24 * M))
sized "$dev" $((24 * M)) "fixed grown to 24 MiB"
truncate -s 24M expect.raw
vo_same "$dev" "fixed after the grow"	# the new 8 MiB read zeros
vo_put "$dev" $((15 * M)) $((2 * M))	# across the old end
vo_put "$dev" $((22 * M)) $((2 * M))	# the new end
vo_same "$dev" "fixed, new tail written"
vo_errno EINVAL "$dev" resize $((16 * M))		# shrink
vo_errno EINVAL "$dev" resize $((64 * M + 100))	# not a multiple of 512
vo_op "$dev" resize $((24 * M))			# same size: nothing to do
sized "$dev" $((24 * M)) "fixed after refusals"
vo_same "$dev" "fixed after refusals"
vo_op "$dev" resize $((24 * M + 1536))		# by three sectors
sized "$dev" $((24 * M + 1536)) "fixed grown by 3 sectors"
truncate -s $((24 * M + 1536)) expect.raw
vo_put "$dev" $((24 * M + 1024)) 512		# the last sector
vo_same "$dev" "fixed grown by 3 sectors"
vt_detach "$dev"
[ "$(stat -c %s f.vhd)" = $((24 * M + 2048)) ] ||
	ksft_fail "fixed image file is $(stat -c %s f.vhd) bytes, expected 24 MiB + 3 sectors + footer"
vo_check f.vhd
info_size f.vhd $((24 * M + 1536))
vo_qemu_same f.vhd
vt_attach dev f.vhd
vo_same "$dev" "fixed reattached"
vt_detach "$dev"
echo "fixed image grown online"

# --- dynamic: within the BAT's sector, then to 4 GiB (BAT over block 0)
rm -f expect.raw; truncate -s 32M expect.raw
vt_create dynamic 32M d.vhd
vt_attach dev d.vhd
vo_put "$dev" 0 $((3 * M))			# blocks 0 and 1
vo_op "$dev" resize $((32 * M))		# same size: nothing to do
vo_put "$dev" $((31 * M + 4096)) 8192		# block 15, near the end
vo_op "$dev" resize $((40 * M))		# 20 entries: same BAT sector
sized "$dev" $((40 * M)) "dynamic grown to 40 MiB"
[ "$(vt_sysfs "$dev" max_blocks)" = 20 ] || ksft_fail "max_blocks $(vt_sysfs "$dev" max_blocks), expected 20"
truncate -s 40M expect.raw
vo_same "$dev" "dynamic after the grow"
vo_put "$dev" $((38 * M)) $((2 * M))	# the new last block
vo_same "$dev" "dynamic, new tail written"
alloc=$(vt_sysfs "$dev" allocated_blocks)
vo_op "$dev" resize $((4 * G))		# BAT 512 -> 8192 bytes
sized "$dev" $((4 * G)) "dynamic grown to 4 GiB"
[ "$(vt_sysfs "$dev" max_blocks)" = 2048 ] || ksft_fail "max_blocks $(vt_sysfs "$dev" max_blocks), expected 2048"
[ "$(vt_sysfs "$dev" allocated_blocks)" = "$alloc" ] ||
	ksft_fail "allocated_blocks $(vt_sysfs "$dev" allocated_blocks) after the grow, was $alloc"
truncate -s 4G expect.raw
same_range "$dev" 0 $((40 * M)) "dynamic after the BAT grew"
same_range "$dev" $((40 * M)) $((8 * M)) "past the old end"
same_range "$dev" $((4 * G - 8 * M)) $((8 * M)) "the end of 4 GiB"
vo_put "$dev" $((4 * G - 2 * M)) $((2 * M))	# the new last block
vo_put "$dev" $((2 * G + 512)) 4096		# middle, unaligned
vo_put "$dev" $M 4096				# block 0 (moved) still writable
same_range "$dev" 0 $((48 * M)) "after writes"
same_range "$dev" $((2 * G)) $M "after writes, middle"
same_range "$dev" $((4 * G - 4 * M)) $((4 * M)) "after writes, end"
vo_errno EINVAL "$dev" resize $((2 * G))		# shrink
vo_errno EINVAL "$dev" resize $((5 * G + 1))	# not a multiple of 512
vo_errno EINVAL "$dev" resize 0
sized "$dev" $((4 * G)) "dynamic after refusals"
same_range "$dev" 0 $((48 * M)) "after refusals"
E=$((4 * G + M + 512))				# a partial last block
vo_op "$dev" resize $E
sized "$dev" $E "dynamic grown to a partial block"
[ "$(vt_sysfs "$dev" max_blocks)" = 2049 ] || ksft_fail "max_blocks $(vt_sysfs "$dev" max_blocks), expected 2049"
truncate -s $E expect.raw
vo_put "$dev" $((E - 4096)) 4096		# the last sectors
same_range "$dev" $((4 * G - 4 * M)) $((5 * M + 512)) "the partial last block"
vt_detach "$dev"
layout d.vhd
[ "$BLK0" -ge $((TABLE + 8192)) ] || ksft_fail "block 0 at $BLK0 overlaps the 8 KiB BAT at $TABLE"
vo_check d.vhd
info_size d.vhd $E
qemu_cmp d.vhd
vt_attach dev d.vhd
sized "$dev" $E "dynamic reattached"
same_range "$dev" 0 $((48 * M)) "dynamic reattached"
same_range "$dev" $((2 * G)) $M "dynamic reattached, middle"
same_range "$dev" $((4 * G - 4 * M)) $((5 * M + 512)) "dynamic reattached, end"
vt_detach "$dev"
rm -f d.vhd
echo "dynamic image grown online, BAT grown over block 0"

# --- differencing (vhd create -p): locators right after the BAT must move
rm -f expect.raw; truncate -s 32M expect.raw
vt_create dynamic 32M base.vhd
vt_attach dev base.vhd
vo_put "$dev" 0 $((6 * M))
vo_put "$dev" $((28 * M)) $((4 * M))
vt_detach "$dev"
vt_create diff 0 child.vhd base.vhd
layout child.vhd
[ "$LOC0" -lt $((TABLE + 1024)) ] || ksft_fail "locator 0 at $LOC0 not right after the BAT ($TABLE)"
vt_attach dev child.vhd
vo_put "$dev" $((2 * M)) $M
vo_put "$dev" $((29 * M + 512)) 4096
vo_op "$dev" resize $((320 * M))	# 160 entries: BAT 512 -> 1024 bytes
sized "$dev" $((320 * M)) "differencing grown to 320 MiB"
truncate -s 320M expect.raw
same_range "$dev" 0 $((40 * M)) "differencing after the grow"
same_range "$dev" $((312 * M)) $((8 * M)) "differencing, new end"
vo_put "$dev" $((31 * M)) $((2 * M))	# across the parent's end
vo_put "$dev" $((318 * M)) $((2 * M))
same_range "$dev" $((28 * M)) $((6 * M)) "differencing, written across the parent's end"
same_range "$dev" $((316 * M)) $((4 * M)) "differencing, new tail written"
vo_errno EINVAL "$dev" resize $((32 * M))
sized "$dev" $((320 * M)) "differencing after a refusal"
vt_detach "$dev"
layout child.vhd
[ "$LOC0" -ge $((TABLE + 1024)) ] || ksft_fail "locator 0 at $LOC0 overlaps the 1 KiB BAT at $TABLE"
vo_check child.vhd
info_size child.vhd $((320 * M))
grep -q '"parent-name": "'"$PWD"'/base.vhd"' info.json || { cat info.json; ksft_fail "child lost its parent name"; }
grep -q '"code": "W2ru", "path": ".\\\\base.vhd"' info.json || { cat info.json; ksft_fail "child lost its relative locator"; }
info_size base.vhd $((32 * M))		# the parent is untouched
vt_attach dev child.vhd
[ "$(vt_sysfs "$dev" depth)" = 2 ] || ksft_fail "child reattached with depth $(vt_sysfs "$dev" depth)"
sized "$dev" $((320 * M)) "differencing reattached"
same_range "$dev" 0 $((40 * M)) "differencing reattached with its parent"
same_range "$dev" $((160 * M)) $((4 * M)) "differencing reattached, middle"
same_range "$dev" $((312 * M)) $((8 * M)) "differencing reattached, end"
vt_detach "$dev"
rm -f child.vhd base.vhd
echo "differencing image grown online, locators moved"

# --- ext4 mounted on the device, grown with resize2fs
if command -v mkfs.ext4 > /dev/null && command -v resize2fs > /dev/null; then
	vt_create dynamic 64M fs.vhd
	vt_attach dev fs.vhd
	mkfs.ext4 -q -F -b 4096 "$dev" || ksft_fail "mkfs.ext4 on $dev"
	vt_mount "$dev" mnt
	head -c $((8 * M)) rnd.bin > mnt/a
	echo hello > mnt/b
	sync
	sha_a=$(vt_sha mnt/a)
	blocks=$(stat -f -c %b mnt)
	vo_op "$dev" resize $((192 * M))
	sized "$dev" $((192 * M)) "ext4 device grown"
	resize2fs "$dev" > r2fs.out 2>&1 || { cat r2fs.out; ksft_fail "online resize2fs"; }
	nblocks=$(stat -f -c %b mnt)
	[ "$nblocks" -gt $((blocks * 2)) ] || ksft_fail "ext4 has $nblocks blocks after resize2fs, was $blocks"
	# more than the old size: the new space must be used
	for i in 1 2 3 4 5; do
		cat rnd.bin > "mnt/c$i" || ksft_fail "write mnt/c$i"
	done
	sync
	sha_c=$(vt_sha mnt/c5)
	[ "$(vt_sha mnt/a)" = "$sha_a" ] || ksft_fail "mnt/a changed after the grow"
	umount mnt || ksft_fail "umount"
	e2fsck -fn "$dev" > fsck.out 2>&1 || { tail -n 20 fsck.out; ksft_fail "e2fsck after the online grow"; }
	vt_detach "$dev"
	vo_check fs.vhd
	info_size fs.vhd $((192 * M))
	vt_attach dev fs.vhd
	vt_mount "$dev" mnt
	[ "$(vt_sha mnt/a)" = "$sha_a" ] || ksft_fail "mnt/a changed after reattach"
	[ "$(vt_sha mnt/c5)" = "$sha_c" ] || ksft_fail "mnt/c5 changed after reattach"
	[ "$(cat mnt/b)" = hello ] || ksft_fail "mnt/b changed"
	umount mnt
	vt_detach "$dev"
	rm -f fs.vhd
	echo "ext4 grown online with resize2fs"
else
	echo "mkfs.ext4/resize2fs missing: ext4 part skipped"
fi
ksft_pass "online resize: fixed, dynamic, differencing, BAT growth, ext4, refusals"
