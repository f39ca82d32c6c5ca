#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# fio --verify=crc32c on fixed, dynamic and differencing devices: sequential
# and random writers side by side (disjoint regions), block sizes from 4 KiB
# to 8 MiB, flushes every few writes, then every byte read back and checked.
# Dynamic and differencing devices start empty, so most writes allocate.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_need fio
cd "$SCRATCH" || exit 1
SIZE=$((64 << 20))
REGION=$((16 << 20))

# run_fio DEV TAG
run_fio() {
	local dev=$1 tag=$2
	cat > "$tag.fio" <<-JOB
	[global]
	filename=$dev
	ioengine=libaio
	direct=1
	iodepth=8
	size=$REGION
	bssplit=4k/35:16k/15:64k/15:512k/15:1m/10:8m/10
	verify=crc32c
	verify_fatal=1
	do_verify=1
	fsync=8
	randseed=$RANDOM

	[seq1]
	rw=write
	offset=0
	[seq2]
	rw=write
	offset=$REGION
	[rand1]
	rw=randwrite
	offset=$((2 * REGION))
	[rand2]
	rw=randwrite
	offset=$((3 * REGION))
	bssplit=4k/50:8k/25:32k/25
	JOB
	fio --output="$tag.out" "$tag.fio" ||
		{ cat "$tag.out"; ksft_fail "$tag: fio verify failed"; }
	grep -Eqi 'verify.*bad|err= *[1-9]' "$tag.out" &&
		{ cat "$tag.out"; ksft_fail "$tag: fio reported errors"; }
	# The whole device must read back without an I/O error.
	dd if="$dev" of=/dev/null bs=1M iflag=direct status=none ||
		ksft_fail "$tag: read of the whole device failed"
	echo "$tag: fio verify ok ($(grep -o 'WRITE: bw=[^ ]*' "$tag.out"))"
}

vt_create fixed $SIZE fixed.vhd
vt_attach dev --direct-io=on fixed.vhd
run_fio "$dev" fixed
vt_detach "$dev"

vt_create dynamic $SIZE dynamic.vhd
vt_attach dev dynamic.vhd
run_fio "$dev" dynamic
alloc=$(vt_sysfs "$dev" allocated_blocks)
[ "$alloc" -gt 0 ] || ksft_fail "dynamic: allocated_blocks $alloc after writes"
vt_detach "$dev"

# Differencing over a parent holding data: partial-block writes in the
# child must merge with the parent's sectors.
vt_create dynamic $SIZE parent.vhd
vt_attach dev parent.vhd
dd if=/dev/urandom of="$dev" bs=1M count=$((SIZE >> 20)) oflag=direct status=none ||
	ksft_fail "filling the parent failed"
psum=$(vt_sha_dev "$dev")
vt_detach "$dev"
vt_create diff 0 child.vhd parent.vhd
vt_attach dev --direct-io=on child.vhd
run_fio "$dev" differencing
vt_detach "$dev"
vt_attach dev -r parent.vhd
[ "$(vt_sha_dev "$dev")" = "$psum" ] || ksft_fail "parent content changed under the child"
vt_detach "$dev"
ksft_pass "fio crc32c verify on fixed, dynamic and differencing"
