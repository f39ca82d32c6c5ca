#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Interop both ways: what we write through /dev/vhdN is what
# `qemu-img convert -f vpc -O raw` reads (fixed, dynamic); images qemu-img
# makes (fixed, dynamic, with and without force_size) attach with QEMU's
# size and read identically, and stay clean for `qemu-img check` after we
# write to them; a differencing chain reads as libvhdi's vhdimount shows it.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_need qemu-img
cd "$SCRATCH" || exit 1
SIZE=$((32 << 20))

head -c $((6 << 20)) /dev/urandom > src.bin

# scribble DEV: random data at scattered places, some partial blocks.
scribble() {
	local off
	for off in 0 3 4095 4097 8191 12000 30000 56000; do
		dd if=src.bin of="$1" bs=512 seek=$off skip=$((off % 4096)) count=37 \
			oflag=direct conv=notrunc status=none || ksft_fail "write to $1 failed"
	done
	dd if=src.bin of="$1" bs=1M seek=20 count=6 oflag=direct conv=notrunc status=none ||
		ksft_fail "write to $1 failed"
}

# qemu_raw_sha FILE [current]: size and sha256 of what QEMU reads; with
# "current", QEMU is told to size the disk from current_size (it uses CHS
# for creators it does not know, ours included).
qemu_raw_sha() {
	rm -f q.raw
	if [ -n "${2:-}" ]; then
		qemu-img convert --image-opts \
			"driver=vpc,force_size_calc=current_size,file.filename=$1" -O raw q.raw
	else
		qemu-img convert -f vpc -O raw "$1" q.raw
	fi || ksft_fail "qemu-img convert $1"
	echo "$(stat -c %s q.raw) $(vt_sha q.raw)"
}

# 1. Ours, written by the kernel, read by QEMU.
for type in fixed dynamic; do
	vt_create $type $SIZE ours-$type.vhd
	vt_attach dev ours-$type.vhd
	scribble "$dev"
	want="$(vt_size "$dev") $(vt_sha_dev "$dev")"
	vt_detach "$dev"
	got=$(qemu_raw_sha ours-$type.vhd current)
	[ "$got" = "$want" ] || ksft_fail "ours-$type: qemu reads '$got', device read '$want'"
	qemu-img check -f vpc ours-$type.vhd >/dev/null 2>&1
	rc=$?
	# vpc has no check in some QEMU versions (rc 63 = not supported).
	[ $rc = 0 ] || [ $rc = 63 ] || ksft_fail "qemu-img check ours-$type.vhd: exit $rc"
	echo "ours-$type: qemu-img reads what /dev/vhd wrote"
done

# 2. QEMU's, read (and written) by the kernel.
cat src.bin src.bin src.bin src.bin > seed.raw	# 24 MiB of data, 6 of zeros
truncate -s $((30 << 20)) seed.raw
for opts in subformat=dynamic subformat=fixed subformat=dynamic,force_size=on \
	    subformat=fixed,force_size=on; do
	f=qemu-${opts//[=,]/-}.vhd
	qemu-img convert -f raw -O vpc -o "$opts" seed.raw "$f" || ksft_fail "qemu-img convert to $f"
	# qemu-img info counts a fixed image's footer in its size; what
	# QEMU reads (qemu-img convert) is the reference.
	want=$(qemu_raw_sha "$f")
	qsize=${want%% *}
	vt_attach dev "$f"
	[ "$(vt_size "$dev")" = "$qsize" ] ||
		ksft_fail "$f: device size $(vt_size "$dev"), qemu says $qsize"
	got="$(vt_size "$dev") $(vt_sha_dev "$dev")"
	[ "$got" = "$want" ] || ksft_fail "$f: device reads '$got', qemu '$want'"
	scribble "$dev"
	want="$(vt_size "$dev") $(vt_sha_dev "$dev")"
	vt_detach "$dev"
	got=$(qemu_raw_sha "$f")
	[ "$got" = "$want" ] || ksft_fail "$f after our writes: qemu reads '$got', device '$want'"
	echo "$f: attaches with qemu's size $qsize, reads and writes identically"
done

# 3. A differencing chain against libvhdi (FUSE).
if ! command -v vhdimount >/dev/null || ! modprobe fuse 2>/dev/null || [ ! -c /dev/fuse ]; then
	ksft_pass "qemu interop ok; vhdimount part skipped (no vhdimount or FUSE)"
fi
vt_create dynamic $SIZE base.vhd
vt_attach dev base.vhd
scribble "$dev"
base_sha=$(vt_sha_dev "$dev")
vt_detach "$dev"
vt_create diff 0 child.vhd base.vhd
vt_attach dev child.vhd
# Runs of whole bitmap bytes (8 sectors): libvhdi 20210425 reads the clear
# bits that follow a set run inside one bitmap byte as zeros instead of
# from the parent (seen with a hand-made child: sectors 100-102 set, 103
# read as zeros), so sub-4 KiB runs would compare against its bug.
# diff_chain.sh covers sector-granular runs against an exact model.
dd if=src.bin of="$dev" bs=512 seek=104 skip=7 count=8 oflag=direct conv=notrunc status=none
dd if=src.bin of="$dev" bs=64k seek=100 count=40 oflag=direct conv=notrunc status=none
dd if=/dev/zero of="$dev" bs=512 seek=4096 count=16 oflag=direct conv=notrunc status=none
want=$(vt_sha_dev "$dev")
vt_detach "$dev"
mkdir -p fuse
echo "child written through /dev/vhd; reading it through vhdimount"
timeout 30 vhdimount child.vhd fuse >vhdimount.log 2>&1 ||
	{ cat vhdimount.log; ksft_fail "vhdimount child.vhd failed or hung"; }
vt_on_exit "umount -l $SCRATCH/fuse"
# vhdimount shows every layer as fuse/vhdiN: one must read as the child
# does through /dev/vhd, the other as the base did.
got=$(cd fuse && timeout 90 sha256sum vhdi* | cut -d' ' -f1 | sort | tr '\n' ' ')
timeout 20 umount fuse
exp=$(printf '%s\n' "$want" "$base_sha" | sort | tr '\n' ' ')
# A third reader for the diagnosis when they disagree: tools/lib.
if [ "$got" != "$exp" ] && "$VHDTOOL" convert -O raw child.vhd tl.raw >/dev/null 2>&1; then
	echo "vhd convert (tools/lib) reads the child as $(vt_sha tl.raw)"
fi
[ "$got" = "$exp" ] ||
	ksft_fail "vhdimount layers read '$got', /dev/vhd read child $want and base $base_sha"
ksft_pass "qemu-img both ways and vhdimount on a differencing chain agree with /dev/vhd"
