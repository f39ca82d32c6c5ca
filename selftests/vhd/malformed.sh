#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Malformed images are refused at ATTACH with the errno the format library
# assigns to the defect (vhd/lib/error.c), each made from a valid image by
# changing one field (checksums recomputed unless the checksum is the
# defect), with one kernel log line naming device, file and reason, and the
# device stays free and usable afterwards.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_need qemu-img python3
cd "$SCRATCH" || exit 1
# -S: no site module (stdlib only), ~0.15 s off each start under TCG
P="python3 -S $SRC/selftests/vhd/vhdpatch.py"

# A dynamic image with blocks 0 and 2 allocated (QEMU's layout), a fixed
# image and a differencing child of the dynamic one.
truncate -s $((8 << 20)) seed.raw
dd if=/dev/urandom of=seed.raw bs=1M count=1 conv=notrunc status=none
dd if=/dev/urandom of=seed.raw bs=1M seek=4 count=1 conv=notrunc status=none
qemu-img convert -f raw -O vpc -o subformat=dynamic,force_size=on seed.raw dyn.vhd ||
	ksft_fail "qemu-img convert"
vt_create fixed $((8 << 20)) fixed.vhd
vt_create diff 0 child.vhd dyn.vhd

# The originals attach.
for f in dyn.vhd fixed.vhd child.vhd; do
	vt_attach dev $f
	vt_detach "$dev"
done

n=0
# bad ERRNO BASE DESCRIPTION 'COMMAND': copy BASE to $F, run COMMAND (eval),
# expect ERRNO from the attach.
bad() {
	n=$((n + 1))
	# The refusal line is rate-limited (10 per 5 s per message, the
	# kernel's default): on a fast machine let the window pass.
	[ $((n % 9)) = 0 ] && sleep 5
	F=bad$n.vhd
	cp "$2" $F
	eval "$4" || ksft_fail "cannot corrupt: $4"
	echo "# $n: $3"
	vt_expect_attach_errno "$1" $F
	# One kernel line naming the device, the file and the reason.
	local lines
	lines=$(dmesg | grep -c "vhd[0-9]*: attach refused: .*/$F)")
	[ "$lines" = 1 ] || ksft_fail "$F: $lines kernel lines naming the refusal, expected 1"
}

bad EINVAL dyn.vhd "footer cookie" '$P $F footer 0 8 str:conectiy'
bad EBADMSG dyn.vhd "footer checksum" '$P $F footer 64 4 0x12345678 nofix'
bad EOPNOTSUPP dyn.vhd "footer version 2.0" '$P $F footer 12 4 0x00020000'
bad EOPNOTSUPP dyn.vhd "disk type 5" '$P $F footer 60 4 5'
bad EUCLEAN dyn.vhd "size not a multiple of 512" '$P $F footer 48 8 $(((8 << 20) + 100))'
bad EUCLEAN dyn.vhd "data offset past EOF" '$P $F footer 16 8 0x7fff0000'
bad EUCLEAN fixed.vhd "fixed image shorter than its size" '$P $F footer 48 8 $((64 << 20))'
bad EBADMSG dyn.vhd "dynamic header checksum" '$P $F dynhdr 36 4 0x1 nofix'
bad EUCLEAN dyn.vhd "dynamic header cookie" '$P $F dynhdr 0 8 str:cxspars3'
bad EUCLEAN dyn.vhd "block size 3 MiB" '$P $F dynhdr 32 4 $((3 << 20))'
bad EUCLEAN dyn.vhd "absurd max table entries" '$P $F dynhdr 28 4 0x7fffffff'
bad EUCLEAN dyn.vhd "BAT too short" '$P $F dynhdr 28 4 1'
bad EUCLEAN dyn.vhd "BAT offset past EOF" '$P $F dynhdr 16 8 0x10000000'
bad EUCLEAN dyn.vhd "BAT entry past EOF" '$P $F bat 2 0x100000'
bad EUCLEAN dyn.vhd "BAT entries overlap" '$P $F bat 2 $($P $F bat 0)'
bad EUCLEAN dyn.vhd "block over the BAT" '$P $F bat 1 3'
bad EUCLEAN child.vhd "parent locator past EOF" '$P $F dynhdr $((576 + 16)) 8 0x40000000'
# Truncation: a fixed image losing data, a dynamic one its last block's end.
bad EUCLEAN fixed.vhd "truncated fixed image" \
	'tail -c 512 fixed.vhd > t.ftr && truncate -s $((4 << 20)) $F && cat t.ftr >> $F'
bad EUCLEAN dyn.vhd "truncated dynamic image" \
	'tail -c 512 dyn.vhd > t.ftr && truncate -s $(($(stat -c %s dyn.vhd) - (1 << 20))) $F && cat t.ftr >> $F'

# Nothing stayed attached; a good image still attaches.
"$VHDSETUP" -a | grep -q bad && ksft_fail "a malformed image stayed attached: $("$VHDSETUP" -a)"
vt_attach dev dyn.vhd
[ "$(vt_sha_dev "$dev")" = "$(vt_sha seed.raw)" ] || ksft_fail "dyn.vhd reads wrong after the refusals"
vt_detach "$dev"
ksft_pass "$n malformed images refused with their errno"
