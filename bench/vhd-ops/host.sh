#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host-side figures of the offline meta-operations (`vhd` tool):
#   merge and compact throughput against dd of the same bytes on the same
#   disk (ratio = dd time / op time, target >= 0.8), fixed create time at
#   1 GiB and 64 GiB, resize time (dynamic with BAT relocation, fixed).
# Usage: bench/vhd-ops/host.sh [DIR]   (DIR defaults to /var/tmp; needs
# `make -C tools all tests/vhdpatch`). MIB=N sets the data size (512).
# The page cache is left warm for both sides (no drop_caches on a shared
# host): both the op and dd read cached data and write + fsync.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
VHD=$top/tools/vhd/vhd
P=$top/tools/tests/vhdpatch
MIB=${MIB:-512}
[ -x "$VHD" ] && [ -x "$P" ] || { echo "build first: make -C tools all tests/vhdpatch"; exit 1; }
D=$(mktemp -d "${1:-/var/tmp}/vhd-ops-bench.XXXXXX")
trap 'rm -rf "$D"' EXIT
cd "$D"

now() { date +%s.%N; }
secs() { echo "$2 - $1" | bc -l; }
fmt() { printf '%.3f' "$1"; }
ratio() { printf '%.2f' "$(echo "$1 / $2" | bc -l)"; }
mbps() { printf '%.0f' "$(echo "$1 / 1048576 / $2" | bc -l)"; }

echo "vhd-ops host bench: $MIB MiB of data in $D ($(df --output=source . | tail -n 1))"

# ---- merge: a child holding MIB MiB into an empty dynamic parent
head -c $((MIB << 20)) /dev/urandom > data.raw
"$VHD" create -s $((MIB * 2))M parent.vhd
"$VHD" convert -O dynamic data.raw child.vhd
"$VHD" resize --size $((MIB * 2))M child.vhd
"$P" child.vhd mkdiff parent.vhd
sync
t0=$(now); "$VHD" merge child.vhd >/dev/null; t1=$(now)
tm=$(secs "$t0" "$t1")
t0=$(now)
dd if=child.vhd of=dd.out bs=2M count=$((MIB / 2)) conv=fsync status=none
t1=$(now)
td=$(secs "$t0" "$t1")
rm -f dd.out
echo "merge     $MIB MiB: $(fmt "$tm") s ($(mbps $((MIB << 20)) "$tm") MiB/s); dd of the same bytes: $(fmt "$td") s; ratio $(ratio "$td" "$tm") (target >= 0.8)"

# ---- compact: every other block zeroed, so half the blocks move
"$VHD" convert -O dynamic data.raw c.vhd
n=$((MIB / 2))
for ((i = 0; i < n; i += 2)); do
	e=$(od -An -tu4 --endian=big -j $((1536 + 4 * i)) -N4 c.vhd | tr -d ' ')
	dd if=/dev/zero of=c.vhd bs=512 seek=$((e + 1)) count=4096 conv=notrunc status=none
done
sync
before=$(stat -c %s c.vhd)
t0=$(now); "$VHD" compact c.vhd > compact.out; t1=$(now)
tc=$(secs "$t0" "$t1")
after=$(stat -c %s c.vhd)
# MiB moved: 2 MiB per block the tool reports as moved
moved=$(($(sed -nE 's/.* ([0-9]+) moved.*/\1/p' compact.out) * 2))
t0=$(now)
dd if=data.raw of=/dev/null bs=4M status=none
dd if=data.raw of=dd.out bs=2M count=$((moved / 2)) conv=fsync status=none
t1=$(now)
td=$(secs "$t0" "$t1")
rm -f dd.out
echo "compact   $MIB MiB scanned, ~$moved MiB moved, $(((before - after) >> 20)) MiB released: $(fmt "$tc") s; dd read $MIB MiB + copy $moved MiB: $(fmt "$td") s; ratio $(ratio "$td" "$tc") (target >= 0.8)"

# ---- fixed create
avail=$(df -k --output=avail . | tail -n 1)
for g in 1 64; do
	opt=
	if [ $((avail >> 20)) -lt $((g + 16)) ]; then
		opt=--sparse	# do not fill a shared disk
	fi
	t0=$(now); "$VHD" create -t fixed $opt -s ${g}G f$g.vhd; t1=$(now)
	echo "create    fixed ${g} GiB${opt:+ ($opt: only $((avail >> 20)) GiB free)}: $(fmt "$(secs "$t0" "$t1")") s (target < 0.1 s)"
	rm -f f$g.vhd
done

# ---- resize
"$VHD" convert -O dynamic data.raw r.vhd
t0=$(now); "$VHD" resize --size 64G r.vhd; t1=$(now)
echo "resize    dynamic ${MIB} MiB -> 64 GiB (first blocks relocated): $(fmt "$(secs "$t0" "$t1")") s"
t0=$(now); "$VHD" resize --size ${MIB}M r.vhd; t1=$(now)
echo "resize    dynamic 64 GiB -> ${MIB} MiB (shrink, tail checked): $(fmt "$(secs "$t0" "$t1")") s"
"$VHD" create -t fixed -s 1G rf.vhd
t0=$(now); "$VHD" resize --size 2G rf.vhd; t1=$(now)
echo "resize    fixed 1 GiB -> 2 GiB: $(fmt "$(secs "$t0" "$t1")") s"
