#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# fuzz.sh SECONDS: run the libFuzzer open/validate target for SECONDS with
# a seed corpus of valid images (ours, differencing with locators, a tiny
# fixed one, the small fixtures), then synbus-hostd's control path
# (fuzz_hostd) for a tenth of that, at least 5 s. Fails on any crash, leak
# or UB report.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
secs=${1:-60}
VHD=$here/../vhd/vhd
P=$here/vhdpatch
FIX=${FIXTURES:-$here/../../../shared/fixtures}
corpus=$here/fuzz-corpus
make -s -C "$here/.." tests/fuzz_open tests/fuzz_hostd
mkdir -p "$corpus"
seed=$(mktemp -d /tmp/vhd-fuzz.XXXXXX)
trap 'rm -rf "$seed"' EXIT
(
	cd "$seed"
	head -c 32768 /dev/zero > r.raw
	printf 'data' | dd of=r.raw bs=512 seek=3 conv=notrunc status=none
	printf 'more' | dd of=r.raw bs=512 seek=40 conv=notrunc status=none
	"$VHD" convert -O dynamic -b 4K r.raw dyn.vhd
	"$VHD" create -p dyn.vhd diff.vhd
	"$VHD" convert -O dynamic -b 4K r.raw d2.vhd
	"$P" d2.vhd mkdiff dyn.vhd
	"$P" d2.vhd bitmap 0 0 3 0
	"$VHD" create -t fixed -s 1M fixed.vhd
	tail -c 512 fixed.vhd > fx
	"$P" fx footer 40 00000000000010000000000000001000
	{ head -c 4096 /dev/zero; cat fx; } > fixed-small.vhd
	{ head -c 4095 /dev/zero; head -c 511 fx; } > old-footer.vhd
	rm -f fixed.vhd fx r.raw
)
cp "$seed"/*.vhd "$corpus"/
if [ -d "$FIX" ]; then
	for f in "$FIX"/dfvfs-*.bz2; do
		# Keep the metadata and the first blocks only: small seeds.
		{ bzip2 -dc "$f" 2>/dev/null || true; } | head -c 65536 \
			> "$corpus/$(basename "$f" .bz2).head"
	done
fi
echo "fuzzing for $secs s with $(ls "$corpus" | wc -l) inputs in the corpus"
mkdir -p "$here/fuzz-artifacts"
log=$seed/fuzz.log
set +e
"$here/fuzz_open" -max_total_time="$secs" -max_len=131072 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$here/fuzz-artifacts/" "$corpus" > "$log" 2>&1
rc=$?
set -e
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::average_exec|stat::peak_rss|SUMMARY)' "$log" || true
if [ $rc -ne 0 ]; then
	tail -n 40 "$log"
	echo "fuzzer failed (exit $rc); reproducer in tools/tests/fuzz-artifacts/"
	exit 1
fi

# synbus-hostd: seeds are guest scripts (see fuzz_hostd.c): an OPEN of
# channel 1 in the heap followed by packets, a BUF_ADD, a re-hello.
hcorpus=$here/fuzz-hostd-corpus
hsecs=$((secs / 10 > 5 ? secs / 10 : 5))
mkdir -p "$hcorpus"
msg() {	# msg TYPE CHAN OFF SIZE1 SIZE2: 72 bytes, little-endian
	python3 -c 'import struct, sys
a = [int(x) for x in sys.argv[1:]]
sys.stdout.buffer.write(struct.pack("<IIIIQIIII32x", a[0], a[1], 0, 7, a[2], a[3], a[4], 0, 0))' "$@"
}
{ printf '\xe4'; msg 4 1 0 1 1; printf '\x04abcdefgh\x04zzzzzzzz'; } > "$hcorpus/open"
{ printf '\xe4'; msg 8 1 2 1 0; printf '\x00'; msg 9 1 0 0 0; } > "$hcorpus/buf"
{ printf '\xe4'; msg 4 2 0 3 3; printf '\x03\x0b\x00'; msg 3 2 0 0 0; } > "$hcorpus/hello"
echo "fuzzing synbus-hostd for $hsecs s"
set +e
"$here/fuzz_hostd" -max_total_time="$hsecs" -max_len=4096 -timeout=10 \
	-rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$here/fuzz-artifacts/hostd-" "$hcorpus" > "$log" 2>&1
rc=$?
set -e
grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|SUMMARY)' "$log" || true
if [ $rc -ne 0 ]; then
	tail -n 40 "$log"
	echo "fuzz_hostd failed (exit $rc); reproducer in tools/tests/fuzz-artifacts/"
	exit 1
fi
