#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Online meta-operations of vhd.ko, run in the test guest by
# `bench/run.sh vhd-ops` (env SRC and SCRATCH as for tests). On the ext4
# scratch disk, in one run:
#  - online merge, compact and move throughput against dd of the same
#    bytes (file to file, conv=fsync) on the same disk: ratio dd time /
#    op time (target >= 0.8);
#  - fio 4 KiB random writes (QD16, libaio, direct) on a differencing
#    device while its top is merged into the parent, against the same fio
#    on the idle device in the same run: ratio (target >= 0.5). fio logs
#    bandwidth every 250 ms; only samples inside the merge window count;
#  - online resize time (dynamic, BAT relocation; fixed).
# Knobs: BENCH_MIB (data MiB, 128), BENCH_RUNTIME (fio s, 10).
set -u
. "$SRC/selftests/lib.sh"
MIB=${BENCH_MIB:-128}
RUNTIME=${BENCH_RUNTIME:-10}
cd "${SCRATCH:-$PWD}" || exit 1
ksft_load_module vhd
make -s -C "$SRC/selftests/vhd" vhdop > /dev/null 2>&1
VHDOP=$SRC/selftests/vhd/vhdop
for c in fio vhd vhdsetup python3 "$VHDOP"; do
	command -v "$c" > /dev/null || { echo "bench: $c missing"; exit 1; }
done
devs=()
trap 'for d in "${devs[@]}"; do vhdsetup -d "$d"; done 2>/dev/null' EXIT
vattach() {
	local _d
	_d=$(vhdsetup -f --show --direct-io=on "$2") || { echo "bench: attach $2 failed"; exit 1; }
	devs+=("$_d")
	printf -v "$1" '%s' "$_d"
}
vdetach() { vhdsetup -d "$1"; devs=("${devs[@]/$1}"); }
now() { date +%s.%N; }
secs() { python3 -c "import sys; print(float(sys.argv[2]) - float(sys.argv[1]))" "$1" "$2"; }
ratio() { python3 -c "import sys; print('%.2f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
mbps() { python3 -c "import sys; print('%.0f' % ($MIB / float(sys.argv[1])))" "$1"; }
say() { echo "# $(date +%T) $*"; }

# ddtime: dd of MIB MiB of a file to a new file, with fsync
ddtime() {
	local t0 t1
	sync; echo 3 > /proc/sys/vm/drop_caches
	t0=$(now)
	dd if=data.raw of=dd.out bs=1M count=$MIB conv=fsync status=none
	t1=$(now)
	rm -f dd.out
	secs "$t0" "$t1"
}

# mkchain: base.vhd (dynamic, empty) <- top.vhd holding MIB MiB
mkchain() {
	local d
	rm -f base.vhd top.vhd
	vhd create -t dynamic -s $((MIB * 2))M base.vhd > /dev/null
	vhd create -p base.vhd top.vhd > /dev/null
	vattach d top.vhd
	dd if=data.raw of="$d" bs=1M oflag=direct status=none
	vdetach "$d"
}

say "setup: $MIB MiB of data, fio ${RUNTIME} s"
head -c $((MIB << 20)) /dev/urandom > data.raw
tdd=$(ddtime)

# ---- merge throughput (no other I/O)
mkchain
vattach dev top.vhd
sync; echo 3 > /proc/sys/vm/drop_caches
t0=$(now); "$VHDOP" "$dev" merge 0 base.vhd || echo "bench: merge failed"; t1=$(now)
tm=$(secs "$t0" "$t1")
vdetach "$dev"
tdd2=$(ddtime)
echo "online merge: $(mbps "$tm") MB/s, dd $(mbps "$tdd2") MB/s, ratio $(ratio "$tdd2" "$tm")"

# ---- fio during a merge against idle
mkchain
fiojob() {
	fio --name=r --filename="$1" --rw=randwrite --bs=4k --iodepth=16 \
		--ioengine=libaio --direct=1 --size=$((MIB * 2))M --time_based \
		--runtime="$2" --write_bw_log="$3" --log_avg_msec=250 \
		--output=/dev/null > /dev/null 2>&1
}
vattach dev top.vhd
fiojob "$dev" "$RUNTIME" idle
t0=$(now)
fiojob "$dev" $((RUNTIME * 3)) busy &
fpid=$!
sleep 2
m0=$(now)
"$VHDOP" "$dev" merge 0 base.vhd || echo "bench: merge under fio failed"
m1=$(now)
wait $fpid
vdetach "$dev"
python3 - "$t0" "$m0" "$m1" "$RUNTIME" <<'PY'
import sys, glob
t0, m0, m1, rt = (float(x) for x in sys.argv[1:])
def samples(pat):
    out = []
    for f in glob.glob(pat):
        for line in open(f):
            p = [x.strip() for x in line.split(',')]
            out.append((int(p[0]) / 1000.0, int(p[1])))
    return out
idle = [v for t, v in samples('idle_bw*.log') if t > 1.0]
busy = [v for t, v in samples('busy_bw*.log') if m0 - t0 < t < m1 - t0]
if not idle or not busy:
    print("fio during merge: too few samples (merge window %.1f s)" % (m1 - m0))
else:
    i = sum(idle) / len(idle)
    b = sum(busy) / len(busy)
    print("fio 4k randwrite QD16: idle %.0f KiB/s, during merge %.0f KiB/s "
          "(%d samples over %.1f s), ratio %.2f" % (i, b, len(busy), m1 - m0, b / i))
PY
rm -f idle_bw*.log busy_bw*.log

# ---- compact: a dynamic image whose every other block is zeros
rm -f c.vhd
vhd create -t dynamic -s $((MIB * 2))M c.vhd > /dev/null
vattach dev c.vhd
dd if=data.raw of="$dev" bs=1M oflag=direct status=none
for ((o = 0; o < MIB; o += 4)); do
	dd if=/dev/zero of="$dev" bs=1M seek=$o count=2 oflag=direct status=none
done
sync; echo 3 > /proc/sys/vm/drop_caches
s0=$(stat -c %s c.vhd)
t0=$(now); "$VHDOP" "$dev" compact || echo "bench: compact failed"; t1=$(now)
tc=$(secs "$t0" "$t1")
vdetach "$dev"
echo "online compact of $MIB MiB ($(( (s0 - $(stat -c %s c.vhd)) >> 20 )) MiB dropped): $(mbps "$tc") MB/s read, dd $(mbps "$tdd") MB/s, ratio $(ratio "$tdd" "$tc")"

# ---- move: the allocated top to a new file
mkchain
vattach dev top.vhd
sync; echo 3 > /proc/sys/vm/drop_caches
rm -f moved.vhd
t0=$(now); "$VHDOP" "$dev" move moved.vhd || echo "bench: move failed"; t1=$(now)
tv=$(secs "$t0" "$t1")
vdetach "$dev"
echo "online move: $(mbps "$tv") MB/s, dd $(mbps "$tdd") MB/s, ratio $(ratio "$tdd" "$tv")"

# ---- resize
rm -f r.vhd f.vhd
vhd create -t dynamic -s 64M r.vhd > /dev/null
vattach dev r.vhd
dd if=data.raw of="$dev" bs=1M count=8 oflag=direct status=none
t0=$(now); "$VHDOP" "$dev" resize $((64 << 30)) || echo "bench: resize failed"; t1=$(now)
vdetach "$dev"
echo "online resize dynamic 64 MiB -> 64 GiB (BAT relocation): $(secs "$t0" "$t1") s"
vhd create -t fixed -s 1G f.vhd > /dev/null
vattach dev f.vhd
t0=$(now); "$VHDOP" "$dev" resize $((64 << 30)) || echo "bench: resize failed"; t1=$(now)
vdetach "$dev"
echo "online resize fixed 1 GiB -> 64 GiB: $(secs "$t0" "$t1") s"

rm -f f.vhd r.vhd c.vhd base.vhd top.vhd moved.vhd data.raw
