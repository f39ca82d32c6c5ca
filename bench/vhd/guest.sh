#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vhd.ko benchmark, run inside the test guest by bench/run.sh vhd (or
# selftests/run.sh bench/vhd/guest.sh); env SRC and SCRATCH as for tests.
# On one ext4 scratch disk, interleaved (each fio job runs on every setup
# before the next job starts): loop on a raw file (--direct-io=on), vhd
# fixed, vhd dynamic (allocated, and first write into a fresh image),
# differencing depth 1 and 8 (1 or 8 empty children) over an allocated base, and qemu-nbd on a copy
# of the allocated dynamic VHD. fio libaio direct: 1 MiB sequential
# read/write at QD8, 4 KiB random read/write at QD16. Prints each figure and
# its ratio to loop. Knobs: BENCH_SIZE (MiB, 256), BENCH_RUNTIME (s, 10),
# BENCH_DIO (on|off for vhd devices, on).
set -u
. "$SRC/selftests/lib.sh"
SIZE_MB=${BENCH_SIZE:-256}
RUNTIME=${BENCH_RUNTIME:-10}
VDIO=${BENCH_DIO:-on}
cd "${SCRATCH:-$PWD}" || exit 1
ksft_load_module vhd
modprobe loop 2>/dev/null
for c in fio vhd vhdsetup losetup python3; do
	command -v $c >/dev/null || { echo "bench: $c missing"; exit 1; }
done

devs=()
cleanup() {
	local d
	[ -n "${NBD:-}" ] && qemu-nbd -d "$NBD" >/dev/null 2>&1
	for d in "${devs[@]}"; do
		case "$d" in
		/dev/loop*) losetup -d "$d" ;;
		/dev/vhd*) vhdsetup -d "$d" ;;
		esac
	done 2>/dev/null
}
trap cleanup EXIT

say() { echo "# $(date +%T) $*"; }

# fill DEV: write every byte once so reads hit allocated data.
fill() {
	dd if=/dev/zero of="$1" bs=1M count=$SIZE_MB oflag=direct status=none ||
		echo "bench: filling $1 failed"
}

# vattach VAR FILE: attach FILE, set VAR to the device.
vattach() {
	local d
	d=$(vhdsetup -f --show --direct-io=$VDIO "$2") || { echo "bench: attach $2 failed"; exit 1; }
	devs+=("$d")
	printf -v "$1" '%s' "$d"
}

say "setup: ${SIZE_MB} MiB images, ${RUNTIME} s per job, vhd direct-io=$VDIO"
dd if=/dev/zero of=raw.img bs=1M count=$SIZE_MB status=none
LOOP=$(losetup --direct-io=on -f --show raw.img) || exit 1
devs+=("$LOOP")
vhd create -t fixed -s ${SIZE_MB}M fixed.vhd >/dev/null
vattach FIXED fixed.vhd
fill "$FIXED"
vhd create -t dynamic -s ${SIZE_MB}M dyn.vhd >/dev/null
vattach DYN dyn.vhd
fill "$DYN"
vhdsetup -d "$DYN"
# Two chains over one allocated base of the same content (a parent may
# not be written through another device, so they share only the base).
cp dyn.vhd base.vhd
vhd create -p base.vhd a1.vhd >/dev/null
prev=base.vhd
for i in 1 2 3 4 5 6 7 8; do
	vhd create -p $prev b$i.vhd >/dev/null
	prev=b$i.vhd
done
vattach DYN dyn.vhd
vattach DIFF1 a1.vhd
vattach DIFF8 b8.vhd
NBD=
if command -v qemu-nbd >/dev/null && modprobe nbd 2>/dev/null; then
	cp dyn.vhd nbd.vhd
	if qemu-nbd -f vpc --cache=none --aio=native -c /dev/nbd0 nbd.vhd; then
		NBD=/dev/nbd0
		sleep 1
	fi
fi
[ -n "$NBD" ] || say "qemu-nbd unavailable: its row is skipped"

# Fresh images for the first-write figures, one per write job.
vhd create -t dynamic -s ${SIZE_MB}M first-seq.vhd >/dev/null
vhd create -t dynamic -s ${SIZE_MB}M first-rand.vhd >/dev/null
vattach FSEQ first-seq.vhd
vattach FRAND first-rand.vhd

names=(loop fixed dynamic diff-1 diff-8)
devlist=("$LOOP" "$FIXED" "$DYN" "$DIFF1" "$DIFF8")
if [ -n "$NBD" ]; then
	names+=(qemu-nbd)
	devlist+=("$NBD")
fi

# run JOB NAME DEV: one fio run; appends "NAME JOB value unit" to results.
run() {
	local job=$1 name=$2 dev=$3 rw bs qd time_based=--time_based
	case $job in
	seq-read) rw=read bs=1M qd=8 ;;
	seq-write) rw=write bs=1M qd=8 ;;
	rand-read) rw=randread bs=4k qd=16 ;;
	rand-write) rw=randwrite bs=4k qd=16 ;;
	esac
	# First writes stop at the end of the image: no rewrites counted.
	case $name in dyn-first*) time_based= ;; esac
	fio --name="$name-$job" --filename="$dev" --ioengine=libaio --direct=1 \
		--rw=$rw --bs=$bs --iodepth=$qd --size=$((SIZE_MB - 1))m \
		--runtime=$RUNTIME $time_based --output-format=json \
		--output="fio-$name-$job.json" >/dev/null 2>&1
	python3 - "$name" "$job" "fio-$name-$job.json" >> results <<'PY'
import json, sys
name, job, path = sys.argv[1:4]
try:
    j = json.load(open(path))["jobs"][0]
except Exception:
    print(name, job, "error", "-")
    sys.exit(0)
d = j["write" if "write" in job else "read"]
if j.get("error"):
    print(name, job, "error", "-")
elif job.startswith("seq"):
    print(name, job, "%.1f" % (d["bw"] / 1024.0), "MB/s")
else:
    print(name, job, "%.0f" % d["iops"], "IOPS")
PY
}

: > results
for job in seq-read seq-write rand-read rand-write; do
	for i in "${!names[@]}"; do
		say "$job on ${names[i]}"
		run $job "${names[i]}" "${devlist[i]}"
	done
	case $job in
	seq-write) say "$job on dyn-first"; run $job dyn-first "$FSEQ" ;;
	rand-write) say "$job on dyn-first"; run $job dyn-first "$FRAND" ;;
	esac
done

echo
echo "vhd.ko benchmark: ${SIZE_MB} MiB, fio libaio direct, ${RUNTIME} s per job;"
echo "1 MiB sequential at QD8 (MB/s), 4 KiB random at QD16 (IOPS); (x) = ratio to loop"
python3 - results <<'PY'
import sys
rows, order = {}, []
for line in open(sys.argv[1]):
    name, job, val, unit = line.split()
    if name not in rows:
        rows[name] = {}
        order.append(name)
    rows[name][job] = val
jobs = ["seq-read", "seq-write", "rand-read", "rand-write"]
print("%-10s" % "setup" + "".join("%22s" % j for j in jobs))
loop = rows.get("loop", {})
for name in order:
    cells = []
    for j in jobs:
        v = rows[name].get(j)
        if v is None:
            cells.append("%22s" % "-")
            continue
        try:
            ratio = " (%.2fx)" % (float(v) / float(loop[j]))
        except (KeyError, ValueError, ZeroDivisionError):
            ratio = ""
        cells.append("%22s" % (v + ratio))
    print("%-10s" % name + "".join(cells))
PY
