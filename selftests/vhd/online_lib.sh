# SPDX-License-Identifier: GPL-2.0
# Helpers of the online-operation selftests (source after vhdtest.sh).
# vhdop (selftests/vhd/vhdop.c) drives VHD_OP_* directly so that each
# errno can be checked; vhdsetup's own options are tested in ops_cli.sh.

VHDOP=$SRC/selftests/vhd/vhdop
[ -x "$VHDOP" ] || ksft_fail "vhdop not built (make -C selftests/vhd)"
head -c 16M /dev/urandom > rnd.bin

# vo_put DEV OFF LEN [SRCOFF]: write LEN random bytes at OFF (bytes, 1 MiB
# multiples or smaller aligned runs) to DEV and to expect.raw.
vo_put() {
	local src=${4:-$(( ($2 * 8) % (8 << 20) ))}
	dd if=rnd.bin of="$1" bs=64K skip="$src" seek="$2" count="$3" \
		iflag=skip_bytes,count_bytes oflag=seek_bytes,direct conv=notrunc \
		status=none || ksft_fail "write $3 bytes at $2 to $1 failed"
	dd if=rnd.bin of=expect.raw bs=64K skip="$src" seek="$2" count="$3" \
		iflag=skip_bytes,count_bytes oflag=seek_bytes conv=notrunc status=none
}

# vo_same DEV WHAT: DEV reads exactly expect.raw
vo_same() {
	cmp "$1" expect.raw > cmp.out 2>&1 && return 0
	head -n 3 cmp.out
	ksft_fail "$2: $1 does not read as expected"
}

# vo_op DEV ARGS...: vhdop must succeed
vo_op() {
	"$VHDOP" "$@" || ksft_fail "vhdop $* failed: $(vt_sysfs "$1" op_state) $(vt_sysfs "$1" op_error)"
}

# vo_errno NAME DEV ARGS...: vhdop must fail with errno NAME
vo_errno() {
	local want=$1 out
	shift
	out=$("$VHDOP" "$@" 2>&1) && ksft_fail "vhdop $* succeeded, expected $want"
	case "$out" in
	*": $want") echo "refused as expected: $out" ;;
	*) ksft_fail "vhdop $*: '$out', expected $want" ;;
	esac
}

# vo_check FILE: 'vhd check' clean (0) or leaked space only (3)
vo_check() {
	local rc
	"$VHDTOOL" check "$1" > check.out 2>&1
	rc=$?
	[ $rc = 0 ] || [ $rc = 3 ] || { cat check.out; ksft_fail "vhd check $1: exit $rc"; }
}

# vo_qemu_same FILE: qemu-img reads FILE (fixed/dynamic) as expect.raw
vo_qemu_same() {
	command -v qemu-img > /dev/null || return 0
	rm -f q.raw
	qemu-img convert --image-opts \
		"driver=vpc,force_size_calc=current_size,file.filename=$1" -O raw q.raw ||
		ksft_fail "qemu-img convert $1"
	cmp q.raw expect.raw > cmp.out 2>&1 || { head -n 3 cmp.out; ksft_fail "qemu-img reads $1 differently"; }
}

# vo_vhdi_same FILE: libvhdi's vhdimount reads FILE (with its parents) as
# expect.raw; skipped with a note when vhdimount or FUSE is missing
vo_vhdi_same() {
	local want got
	if ! command -v vhdimount > /dev/null || ! modprobe fuse 2> /dev/null ||
	   [ ! -c /dev/fuse ]; then
		echo "vhdimount or FUSE missing: libvhdi check of $1 skipped"
		return 0
	fi
	mkdir -p vhdi.mnt
	timeout 30 vhdimount "$1" vhdi.mnt > vhdimount.log 2>&1 ||
		{ cat vhdimount.log; ksft_fail "vhdimount $1 failed or hung"; }
	want=$(vt_sha expect.raw)
	# every layer of the chain shows as vhdi.mnt/vhdiN; one is FILE's view
	got=$(cd vhdi.mnt && timeout 90 sha256sum vhdi* | cut -d' ' -f1)
	timeout 20 umount vhdi.mnt
	case "$got" in
	*"$want"*) ;;
	*) ksft_fail "libvhdi reads $1 differently" ;;
	esac
	echo "libvhdi reads $1 as expected"
}

# vo_fio_start DEV OFF SIZE: fio writes [OFF, OFF + SIZE) of DEV in the
# background (4 MiB/s, crc32c verify headers), for an operation to run
# under; vo_fio_wait WHAT waits for it, vo_fio_verify WHAT re-reads it.
vo_fio_start() {
	VO_FIO=(--name=w --filename="$1" --offset="$2" --size="$3"
		--bs=64k --rw=randwrite --verify=crc32c --direct=1 --ioengine=libaio
		--iodepth=4 --randrepeat=1 --rate=4m)
	fio "${VO_FIO[@]}" --do_verify=0 > fio.out 2>&1 &
	VO_FIO_PID=$!
	sleep 1
}

vo_fio_wait() {
	wait "$VO_FIO_PID" || { cat fio.out; ksft_fail "fio writes during $1 failed"; }
}

vo_fio_verify() {
	fio "${VO_FIO[@]}" --verify_only > fio.out 2>&1 ||
		{ cat fio.out; ksft_fail "fio verify after $1"; }
}
