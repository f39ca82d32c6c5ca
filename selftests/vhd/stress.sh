#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 16 workers attach, write, verify and detach their own image in parallel
# (racing for free devices through /dev/vhd-control) while fio verifies
# data on two other devices; a detach issued during I/O must not break the
# I/O. Nothing may stay attached and every byte must read back.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_need fio
cd "$SCRATCH" || exit 1
N=16
ROUNDS=${VT_ROUNDS:-2}

head -c 1M /dev/urandom > pat.bin
want=$(vt_sha pat.bin)
for i in $(seq $N); do
	if [ $((i % 2)) = 0 ]; then
		vt_create dynamic $((8 << 20)) w$i.vhd
	else
		vt_create fixed $((8 << 20)) w$i.vhd
	fi
done
vt_create dynamic $((32 << 20)) fio1.vhd
vt_create fixed $((32 << 20)) fio2.vhd
vt_attach f1 fio1.vhd
vt_attach f2 --direct-io=on fio2.vhd

fio_job() {
	fio --name=stress --filename="$1" --ioengine=libaio --direct=1 --iodepth=16 \
		--rw=randwrite --bssplit=4k/50:64k/30:1m/20 --size=24m \
		--verify=crc32c --verify_fatal=1 --fsync=32 --output="$2" ||
		echo "FAIL fio on $1" >> failures
}

worker() {
	local i=$1 r dev
	for r in $(seq $ROUNDS); do
		dev=$("$VHDSETUP" -f --show "$SCRATCH/w$i.vhd" 2>>"w$i.err") ||
			{ echo "FAIL w$i round $r: attach: $(cat w$i.err)" >> failures; return; }
		dd if=pat.bin of="$dev" bs=64k seek=$((r * 16)) oflag=direct conv=notrunc \
			status=none 2>>"w$i.err" ||
			echo "FAIL w$i round $r: write $dev" >> failures
		got=$(dd if="$dev" bs=64k skip=$((r * 16)) count=16 iflag=direct status=none |
			sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || echo "FAIL w$i round $r: readback $dev" >> failures
		"$VHDSETUP" -d "$dev" 2>>"w$i.err" ||
			echo "FAIL w$i round $r: detach $dev: $(cat w$i.err)" >> failures
	done
}

: > failures
fio_job "$f1" fio1.out &
fio_pid1=$!
fio_job "$f2" fio2.out &
fio_pid2=$!
pids=()
for i in $(seq $N); do
	worker $i &
	pids+=($!)
done
for p in "${pids[@]}"; do
	wait "$p"
done

# Detach requested while a reader is busy on the device.
vt_attach busy w1.vhd
dd if="$busy" of=/dev/null bs=4k iflag=direct status=none &
rd=$!
sleep 0.2
"$VHDSETUP" -d "$busy" 2>busy.err
echo "detach during I/O: exit $? $(cat busy.err)"
wait $rd
echo "reader finished: exit $?"
# Refused (EBUSY) leaves it attached; deferred detaches it at the close.
if "$VHDSETUP" "$busy" >/dev/null 2>&1; then
	sleep 0.5
	"$VHDSETUP" "$busy" >/dev/null 2>&1 && vt_detach "$busy"
fi
wait $fio_pid1 $fio_pid2

[ -s failures ] && { cat failures; ksft_fail "$(wc -l < failures) worker/fio failures"; }
grep -h 'err=' fio1.out fio2.out | grep -v 'err= 0' && ksft_fail "fio reported errors"
for i in $(seq $N); do
	"$VHDSETUP" -j "$SCRATCH/w$i.vhd" | grep -q . && ksft_fail "w$i.vhd still attached"
done
# Every worker's data is in its image.
for i in $(seq $N); do
	vt_attach dev -r w$i.vhd
	for r in $(seq $ROUNDS); do
		got=$(dd if="$dev" bs=64k skip=$((r * 16)) count=16 iflag=direct status=none |
			sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || ksft_fail "w$i.vhd round $r data lost after detach"
	done
	vt_detach "$dev"
done
ksft_pass "$N parallel attach/detach workers x $ROUNDS rounds next to fio"
