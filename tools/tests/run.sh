#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Host tests of the format library and the vhd tool (`make -C tools test`):
# unit tests, creation, interop with qemu-img and libvhdi, the fixtures of
# ../shared/fixtures, the malformed-image suite, round trips, differencing
# chains, check/repair, vmqctl over a fake sysfs tree, the csv format
# library's unit tests and csvctl, synbus-hostd against a fake QEMU and
# guest, and bounded libFuzzer runs.
# One "PASS: name", "FAIL: name: why" or "SKIP: name: why" line per test,
# then "N passed, N failed, N skipped"; exit 1 on any failure.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tools=$(cd "$here/.." && pwd)
top=$(cd "$tools/.." && pwd)
VHD=$tools/vhd/vhd
P=$here/vhdpatch
FIX=${FIXTURES:-$top/../shared/fixtures}
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
T=$(mktemp -d /tmp/vhd-tests.XXXXXX)
MNT=
pass=0 fail=0 skip=0

cleanup() {
	[ -n "$MNT" ] && umount "$MNT" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT

have() { command -v "$1" >/dev/null 2>&1; }
SKIP_RC=77

# t NAME FUNC [ARGS]: run one test in a fresh folder.
t() {
	local t0=$SECONDS
	local name=$1 out rc
	shift
	mkdir -p "$T/$name"
	out=$(cd "$T/$name" && "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ]; then
		echo "PASS: $name ($((SECONDS - t0)) s)"
		pass=$((pass + 1))
	elif [ $rc -eq $SKIP_RC ]; then
		echo "SKIP: $name: $(printf '%s\n' "$out" | tail -n 1)"
		skip=$((skip + 1))
	else
		echo "FAIL: $name"
		printf '%s\n' "$out" | tail -n 15 | sed 's/^/    /'
		fail=$((fail + 1))
	fi
}

# Tests run in a subshell of t(): die and skipit end the test right there.
die() { echo "$*"; exit 1; }
skipit() { echo "$*"; exit $SKIP_RC; }

# jget FILE KEY: a top-level scalar of `vhd info --output=json` (one key per
# line, two-space indent); sed rather than python: startup costs add up.
jget() {
	sed -nE 's/^  "'"$2"'": "?([^",]*)"?,?$/\1/p' "$1"
}

vsize() { "$VHD" info --output=json "$1" > "$1.json" && jget "$1.json" virtual-size; }

# Raw test data: random blocks with zero gaps, size not a block multiple.
mkraw() {	# mkraw FILE MIB
	local f=$1 mib=$2 i
	truncate -s 0 "$f"
	truncate -s $((mib << 20)) "$f"
	for i in $(seq 0 3 $((mib - 1))); do
		head -c 65536 /dev/urandom |
			dd of="$f" bs=65536 seek=$((i * 16 + i % 5)) conv=notrunc status=none
	done
	printf 'end' | dd of="$f" bs=1 seek=$(((mib << 20) - 3)) conv=notrunc status=none
}

# ---------------------------------------------------------------------------

t_create_sizes() {
	local s want q geo qgeo
	for s in 1 100 1000 1024 10240 130048 2088960; do
		"$VHD" create -s ${s}M d.vhd || return 1
		want=$((s << 20))
		[ "$(vsize d.vhd)" = "$want" ] || die "size ${s}M: $(vsize d.vhd)"
		[ "$(jget d.vhd.json bat-entries)" = $(((want + 2097151) / 2097152)) ] ||
			die "BAT length for ${s}M"
		rm -f d.vhd
	done
	# Sizes round up to whole MiB.
	"$VHD" create -s 1000000 r.vhd && [ "$(vsize r.vhd)" = 1048576 ] || die "no MiB rounding"
	"$VHD" create -s 2041G big.vhd 2>/dev/null && die "2041G accepted"
	"$VHD" create -b 3M -s 10M b3.vhd 2>/dev/null && die "3M blocks accepted"
	"$VHD" create -b 512K -s 10M b5.vhd && [ "$(vsize b5.vhd)" = 10485760 ] &&
		[ "$(jget b5.vhd.json block-size)" = 524288 ] || die "512K blocks"
	# No silent overwrite.
	"$VHD" create -s 1M r.vhd 2>/dev/null && die "overwrote without -f"
	"$VHD" create -f -s 2M r.vhd && [ "$(vsize r.vhd)" = 2097152 ] || die "-f"
	"$VHD" check r.vhd >/dev/null
}

t_create_fixed() {
	local t0 t1 sz
	t0=$(date +%s%N)
	"$VHD" create -t fixed -s 4G f.vhd || return 1
	t1=$(date +%s%N)
	echo "fixed 4 GiB (fallocate): $(((t1 - t0) / 1000000)) ms"
	[ $(((t1 - t0) / 1000000)) -lt 3000 ] || die "fixed creation not O(1)"
	[ "$(stat -c %s f.vhd)" = $(((4 << 30) + 512)) ] || die "file size"
	[ "$(vsize f.vhd)" = $((4 << 30)) ] || die "virtual size"
	"$VHD" check f.vhd >/dev/null || die "check"
	rm f.vhd
	t0=$(date +%s%N)
	"$VHD" create -t fixed --sparse -s 2040G s.vhd || return 1
	t1=$(date +%s%N)
	echo "fixed 2040 GiB (--sparse): $(((t1 - t0) / 1000000)) ms"
	[ "$(vsize s.vhd)" = $((2040 << 30)) ] || die "2040G"
	rm s.vhd
	"$VHD" create -t fixed --zero -s 8M z.vhd || return 1
	sz=$(du -k z.vhd | cut -f1)
	[ "$sz" -ge 8192 ] || die "--zero left holes ($sz KiB)"
	cmp -n $((8 << 20)) z.vhd /dev/zero || die "--zero content"
	qemu-img info -f vpc z.vhd > qi.txt && grep -q '8 MiB' qi.txt || die "qemu size"
}

# Images made by qemu-img open with the sizes QEMU reports; data equal.
t_qemu_images() {
	local sub force q o qs
	for sub in fixed dynamic; do
		for force in off on; do
			q=q-$sub-$force.vhd
			qemu-img create -q -f vpc -o subformat=$sub,force_size=$force $q 100M || return 1
			qemu-io -f vpc -c 'write -P 0xab 0 1M' -c 'write -P 0xcd 50M 3M' \
				-c 'write -P 0x11 99M 512' $q >/dev/null 2>&1
			qs=$(qemu-img info -f vpc --output=json $q |
			     sed -nE 's/^ *"virtual-size": ([0-9]+),?$/\1/p')
			o=$(vsize $q) || return 1
			[ -n "$qs" ] && [ "$o" = "$qs" ] || die "$q: ours $o, qemu $qs"
			"$VHD" check $q >/dev/null || die "$q: check"
			"$VHD" convert -O raw $q ours.raw || return 1
			qemu-img convert -f vpc -O raw $q theirs.raw || return 1
			cmp ours.raw theirs.raw || die "$q: data differs"
			[ "$(od -An -tx1 -j $((50 << 20)) -N1 ours.raw)" = " cd" ] || die "$q: data missing"
		done
	done
}

# Images we create read identically through qemu-img. QEMU 7.2 sizes an
# unknown creator by CHS (newer QEMU by current_size, like us): compare the
# full disk with force_size_calc=current_size, and the CHS prefix without.
t_qemu_reads_ours() {
	local ty chs
	mkraw in.raw 21
	for ty in fixed dynamic; do
		"$VHD" convert -O $ty in.raw o-$ty.vhd || return 1
		qemu-img convert -O raw --image-opts \
			driver=vpc,force_size_calc=current_size,file.filename=o-$ty.vhd q.raw || return 1
		cmp <(head -c $((21 << 20)) in.raw) q.raw || die "$ty: data differs"
		qemu-img convert -f vpc -O raw o-$ty.vhd q2.raw || return 1
		chs=$(stat -c %s q2.raw)
		cmp -n "$chs" q2.raw in.raw || die "$ty: CHS prefix differs"
	done
}

t_libvhdi() {
	local ty ms
	have vhdiinfo || skipit "vhdiinfo not installed"
	mkraw base.raw 9
	mkraw top.raw 9
	"$VHD" convert -O fixed base.raw fixed.vhd &&
	"$VHD" convert -O dynamic base.raw dyn.vhd &&
	"$VHD" convert -O dynamic top.raw diff.vhd &&
	"$P" diff.vhd mkdiff dyn.vhd || return 1
	"$VHD" create -p dyn.vhd empty-diff.vhd || return 1
	for ty in fixed dyn diff empty-diff; do
		ms=$(vhdiinfo $ty.vhd | sed -nE 's/.*Media size.*\(([0-9]+) bytes\).*/\1/p')
		[ "$ms" = "$(vsize $ty.vhd)" ] || die "$ty: vhdiinfo size $ms"
	done
	vhdiinfo empty-diff.vhd > vi.txt
	grep -q "Parent identifier.*$(jget dyn.vhd.json uuid)" vi.txt ||
		die "vhdiinfo parent id"
}

t_vhdimount() {
	local ty ref
	have vhdimount || skipit "vhdimount not installed"
	[ -c /dev/fuse ] && [ -w /dev/fuse ] || skipit "/dev/fuse unusable: vhdimount part skipped"
	mkraw base.raw 9
	mkraw top.raw 9
	"$VHD" convert -O fixed base.raw fixed.vhd &&
	"$VHD" convert -O dynamic base.raw dyn.vhd &&
	"$VHD" convert -O dynamic top.raw diff.vhd &&
	"$P" diff.vhd mkdiff dyn.vhd &&
	"$P" diff.vhd bitmap 1 0 1024 0 &&
	"$VHD" create -p dyn.vhd empty-diff.vhd || return 1
	mkdir -p m
	for ty in fixed dyn diff empty-diff; do
		MNT=$PWD/m
		timeout 20 vhdimount $ty.vhd m >/dev/null 2>&1 ||
			skipit "vhdimount cannot mount here (fuse): part skipped"
		"$VHD" convert -O raw $ty.vhd ours.raw || return 1
		# vhdi1 is the deepest parent, the last one the image itself.
		cmp "$(ls m/vhdi* | sort -V | tail -n 1)" ours.raw ||
			{ umount m; die "$ty: libvhdi reads differently"; }
		umount m
		MNT=
	done
}

t_fixtures() {
	local f type size sha
	[ -d "$FIX" ] || skipit "no fixtures at $FIX"
	# Every row of the fixtures' README: FILE|TYPE|SIZE|SHA256-or-not|NOTES
	python3 - "$FIX/README.md" > rows <<-'PY' || return 1
	import re, sys
	for line in open(sys.argv[1]):
	    c = [x.strip() for x in line.strip().strip("|").split("|")]
	    if len(c) >= 6 and c[0].endswith(".vhd.bz2"):
	        print("|".join([c[0][:-4], c[2], c[3], c[4], c[5].replace("|", " ")]))
	PY
	[ "$(wc -l < rows)" -ge 6 ] || die "README lists $(wc -l < rows) images"
	while IFS='|' read -r f type size sha notes; do
		bzip2 -dc "$FIX/$f.bz2" > "$f" || return 1
		if [[ $sha =~ ^[0-9a-f]{64}$ ]]; then
			"$VHD" info --output=json "$f" > "$f.json" || die "$f: info failed"
			[ "$(jget "$f.json" type)" = "$type" ] || die "$f: type"
			[ "$(jget "$f.json" virtual-size)" = "$size" ] || die "$f: size"
			"$VHD" check "$f" >/dev/null || die "$f: check"
			"$VHD" convert -O raw "$f" "$f.raw" || return 1
			[ "$(sha256sum < "$f.raw" | cut -d' ' -f1)" = "$sha" ] || die "$f: sha256"
			echo "$f: $type, $size bytes, sha256 matches"
		elif [[ $notes == *"checksum wrong"* ]]; then
			# Refused with a checksum error (QEMU refuses too).
			"$VHD" info "$f" 2>err && die "$f accepted"
			grep -q "footer checksum mismatch" err || die "$f: $(cat err)"
			"$VHD" check "$f" > out; [ $? = 2 ] || die "$f: check exit"
			stored=$(sed -nE 's/.*stored (0x[0-9a-f]+), computed (0x[0-9a-f]+).*/\1 \2/p' <<< "$notes")
			grep -q "stored ${stored% *}, computed ${stored#* })" out ||
				die "$f: checksums in check output: $(head -n 1 out)"
			# Repaired, it has the listed type and size.
			cp "$f" fixed-"$f"
			"$VHD" check --repair fixed-"$f" > /dev/null
			"$VHD" info --output=json fixed-"$f" > "$f.json"
			[ "$(jget "$f.json" type)" = "$type" ] || die "$f: type after repair"
			[ "$(jget "$f.json" virtual-size)" = "$size" ] || die "$f: size after repair"
			echo "$f: refused: footer checksum mismatch ($stored)"
		elif [[ $notes == *"parent not found"* ]]; then
			"$VHD" info --output=json "$f" > "$f.json" && die "$f: chain should fail"
			[ "$(jget "$f.json" type)" = "$type" ] || die "$f: type"
			[ "$(jget "$f.json" virtual-size)" = "$size" ] || die "$f: size"
			echo "$f: $type, $size bytes, parent not found"
		else
			die "$f: README row not understood"
		fi
	done < rows
	# Windows 7 geometry gives less than current_size: size from the footer.
	grep -q '"cylinders": 825, "heads": 16, "sectors": 31' win7dyn.vhd.json || die "win7 CHS"
	# Our CHS for the same size is the one Windows 7 wrote, byte for byte.
	"$VHD" create -s 200M ours200.vhd || return 1
	[ "$(tail -c 512 ours200.vhd | od -An -tx1 -j56 -N4)" = \
	  "$(tail -c 512 win7dyn.vhd | od -An -tx1 -j56 -N4)" ] || die "CHS differs from Windows 7"
	# Windows 10 differencing disk, parent absent.
	f=dfvfs-fat-differential.vhd
	bzip2 -dc "$FIX/$f.bz2" > $f
	"$VHD" info --output=json $f > w.json && die "win10: chain should fail"
	python3 - w.json <<-'PY' || return 1
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert j["type"] == "differencing" and j["virtual-size"] == 4194304, j
	assert j["parent-uuid"] == "5fa21a55-f394-aa4d-9958-1951a67d5540", j
	assert j["parent-timestamp"] == 0, j
	assert j["parent-name"] == "C:\\Projects\\dfvfs\\test_data\\fat-parent.vhd", j
	locs = {l["code"]: l["path"] for l in j["locators"]}
	assert locs["W2ku"] == "C:\\Projects\\dfvfs\\test_data\\fat-parent.vhd", locs
	assert locs["W2ru"] == ".\\fat-parent.vhd", locs
	assert j["chain-error"].endswith("parent not found"), j
	PY
	"$VHD" check $f > out; [ $? = 0 ] || die "win10: check"
	grep -q "parent not found" out || die "win10: check output"
	od -An -tx1 -j 8192 -N1 $f >/dev/null
}

t_malformed() {
	local f e c r out rc n=0
	"$here/mkbad.sh" bad > /dev/null || return 1
	cd bad
	while IFS=$'\t' read -r f e c r; do
		n=$((n + 1))
		out=$("$VHD" info "$f" 2>&1)
		rc=$?
		[ $rc -ne 0 ] || die "$f: accepted"
		[[ "$out" == *"$r"* ]] || die "$f: expected '$r', got: $out"
		if [ "$c" != - ]; then
			"$VHD" check "$f" >/dev/null 2>&1
			rc=$?
			[ "$rc" = "$c" ] || die "$f: check exit $rc, expected $c"
		fi
	done < cases.txt
	echo "$n malformed images refused with their own reasons"
	[ $n -ge 20 ] || die "suite too small"
}

t_roundtrip() {
	local b
	mkraw in.raw 21
	for b in 512K 2M 16M; do
		"$VHD" convert -O dynamic -b $b in.raw d.vhd &&
		"$VHD" check d.vhd >/dev/null &&
		"$VHD" convert -O raw d.vhd out.raw || return 1
		cmp <(head -c $((21 << 20)) in.raw) out.raw || die "dynamic $b"
		"$VHD" convert -O fixed d.vhd f.vhd &&
		"$VHD" convert -O raw f.vhd out2.raw || return 1
		cmp out.raw out2.raw || die "dynamic -> fixed $b"
		rm -f d.vhd f.vhd out.raw out2.raw
	done
	# Zero blocks stay unallocated; data aligned to 4 KiB.
	"$VHD" convert -O dynamic in.raw d.vhd || return 1
	"$VHD" info --output=json d.vhd > d.json
	[ "$(jget d.json allocated-blocks)" -lt 11 ] || die "zero blocks allocated"
	python3 - d.vhd <<-'PY' || return 1
	import struct, sys
	d = open(sys.argv[1], "rb").read()
	n = struct.unpack(">I", d[512 + 28:512 + 32])[0]
	for i in range(n):
	    e = struct.unpack(">I", d[1536 + 4 * i:1540 + 4 * i])[0]
	    if e != 0xFFFFFFFF:
	        assert (e * 512 + 512) % 4096 == 0, (i, e)
	PY
	# raw -> fixed -> raw, MiB-exact input.
	"$VHD" convert -O fixed in.raw f.vhd && "$VHD" convert f.vhd back.raw || return 1
	cmp in.raw back.raw || die "fixed round trip"
}

# Quirks of old and foreign writers, end to end.
t_quirks() {
	local fsz
	mkraw in.raw 2
	"$VHD" convert -O fixed in.raw f.vhd || return 1
	# Pre-2004 511-byte footer: drop the last (reserved, zero) byte.
	fsz=$(stat -c %s f.vhd)
	truncate -s $((fsz - 1)) f.vhd
	"$VHD" info --output=json f.vhd > f.json || die "511-byte footer refused"
	[ "$(jget f.json virtual-size)" = $((2 << 20)) ] || die "511: size"
	grep -q "511-byte footer" f.json || die "511: not noted"
	"$VHD" convert f.vhd out.raw && cmp in.raw out.raw || die "511: data"
	"$VHD" check f.vhd >/dev/null || die "511: check"
	# blktap's hidden byte (offset 85) and a saved state.
	"$VHD" convert -O dynamic in.raw d.vhd || return 1
	"$P" d.vhd footer 84 0101 && "$P" d.vhd copy 84 0101 || return 1
	"$VHD" info d.vhd > d.txt || die "hidden byte refused"
	grep -q "hidden byte" d.txt && grep -q "saved state: yes" d.txt || die "not noted"
	"$VHD" convert d.vhd out.raw && cmp in.raw out.raw || die "hidden: data"
	# Locator data space in sectors (as the spec says) instead of bytes.
	"$VHD" create -p d.vhd kid.vhd || return 1
	"$VHD" info --output=json kid.vhd > k.json || return 1
	python3 - kid.vhd <<-'PY' || return 1
	import struct, sys
	f = open(sys.argv[1], "r+b")
	f.seek(512); h = bytearray(f.read(1024))
	for i in range(8):
	    o = 576 + 24 * i
	    if struct.unpack(">I", h[o:o + 4])[0]:
	        h[o + 4:o + 8] = struct.pack(">I", 1)   # 1 sector
	h[36:40] = b"\0\0\0\0"
	s = (~sum(h)) & 0xFFFFFFFF
	h[36:40] = struct.pack(">I", s)
	f.seek(512); f.write(h)
	PY
	"$VHD" info kid.vhd > k.txt || die "sector data space refused"
	grep -q "counted in sectors" k.txt || die "sectors not noted"
	# A qemu creator with a non-maximal CHS: the CHS size wins.
	cp d.vhd q.vhd
	"$P" q.vhd footer 28 71656d75 && "$P" q.vhd copy 28 71656d75 || return 1
	[ "$(vsize q.vhd)" = "$(python3 -c 'print(60*4*17*512)')" ] || die "qemu CHS rule: $(vsize q.vhd)"
	"$VHD" info --size-rule=current --output=json q.vhd > q.json &&
	[ "$(jget q.json virtual-size)" = $((2 << 20)) ] || die "size override"
}

# Differencing chains: cleared bitmap bits read from the parent.
t_chain() {
	mkraw a.raw 8
	mkraw b.raw 8
	head -c $((8 << 20)) /dev/urandom > c.raw
	"$VHD" convert -O dynamic a.raw a.vhd &&
	"$VHD" convert -O dynamic b.raw b.vhd &&
	"$VHD" convert -O dynamic c.raw c.vhd &&
	"$P" b.vhd mkdiff a.vhd &&
	"$P" c.vhd mkdiff b.vhd || return 1
	# b: sectors 100..299 of block 0 and all of block 3 from a.
	"$P" b.vhd bitmap 0 100 200 0 && "$P" b.vhd bitmap 3 0 4096 0 &&
	# c: sectors 0..7 of block 0 and 4000..4095 of block 1 from below.
	"$P" c.vhd bitmap 0 0 8 0 && "$P" c.vhd bitmap 1 4000 96 0 || return 1
	cp b.raw exp-b.raw
	dd if=a.raw of=exp-b.raw bs=512 skip=100 seek=100 count=200 conv=notrunc status=none
	dd if=a.raw of=exp-b.raw bs=512 skip=$((3 * 4096)) seek=$((3 * 4096)) count=4096 conv=notrunc status=none
	cp c.raw exp-c.raw
	dd if=exp-b.raw of=exp-c.raw bs=512 count=8 conv=notrunc status=none
	dd if=exp-b.raw of=exp-c.raw bs=512 skip=$((4096 + 4000)) seek=$((4096 + 4000)) count=96 conv=notrunc status=none
	"$VHD" convert c.vhd out-c.raw && "$VHD" convert b.vhd out-b.raw || return 1
	cmp exp-b.raw out-b.raw || die "depth 2 differs"
	cmp exp-c.raw out-c.raw || die "depth 3 differs"
	"$VHD" info --output=json c.vhd > c.json || return 1
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert len(j["chain"]) == 3, j' c.json || die "chain depth"
	# Moving the chain keeps it resolvable (relative W2ru locator).
	"$VHD" create -p a.vhd kid.vhd && mkdir -p moved &&
	cp a.vhd kid.vhd moved/ && rm kid.vhd || return 1
	"$VHD" info --output=json moved/kid.vhd > k.json || die "moved chain"
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); assert j["chain"][1]["filename"] == "moved/a.vhd", j' k.json
}

t_check_repair() {
	local rc
	mkraw in.raw 9
	"$VHD" convert -O dynamic in.raw d.vhd || return 1
	cp d.vhd ref.vhd
	"$P" d.vhd footer 100 01 nofix
	"$VHD" check d.vhd >/dev/null; [ $? = 2 ] || die "footer csum not found"
	"$VHD" check --repair d.vhd > rep
	grep -q "repaired: footer checksum" rep || die "footer csum repair"
	"$VHD" check d.vhd >/dev/null || die "still broken after footer repair"
	cp ref.vhd d.vhd
	"$P" d.vhd copy 200 ff nofix
	"$VHD" check d.vhd > out
	grep -q "footer copy at 0" out || die "copy not found"
	"$VHD" check --repair d.vhd >/dev/null; "$VHD" check d.vhd >/dev/null || die "copy repair"
	cp ref.vhd d.vhd
	"$P" d.vhd header 1000 01 nofix
	"$VHD" check --repair d.vhd > rep
	grep -q "header checksum" rep || die "header repair"
	"$VHD" check d.vhd >/dev/null || die "header still broken"
	# Lost trailing footer (crash before the footer write).
	cp ref.vhd d.vhd
	truncate -s -512 d.vhd
	"$VHD" info d.vhd 2> err && die "lost footer accepted"
	grep -q "truncated" err || die "lost footer not reported"
	"$VHD" check --repair d.vhd > rep
	grep -q "restored from the copy" rep || die "footer restore"
	"$VHD" check d.vhd >/dev/null || die "after footer restore"
	cmp d.vhd ref.vhd || die "restored image differs"
	# Leaked space: exit 3, repair releases it.
	cp ref.vhd d.vhd
	truncate -s -512 d.vhd
	head -c 1M /dev/zero >> d.vhd
	tail -c 512 ref.vhd >> d.vhd
	"$VHD" check d.vhd >/dev/null; rc=$?
	[ $rc = 3 ] || die "leak exit $rc"
	"$VHD" check --repair d.vhd >/dev/null; rc=$?
	[ $rc = 0 ] || die "leak repair exit $rc"
	cmp d.vhd ref.vhd || die "after leak repair"
	# Corruption is not "repaired" away.
	cp ref.vhd d.vhd
	"$P" d.vhd bat 1 "0x$(od -An -tx1 -j1536 -N4 ref.vhd | tr -d ' ')"
	"$VHD" check --repair d.vhd >/dev/null; rc=$?
	[ $rc = 2 ] || die "overlap exit $rc"
	# Not an image at all: exit 1.
	head -c 4096 /dev/urandom > junk
	"$VHD" check junk >/dev/null 2>&1; rc=$?
	[ $rc = 1 ] || die "junk exit $rc"
	"$VHD" check --output=json ref.vhd > c.json && python3 -m json.tool c.json >/dev/null || die "json"
}

# synbus-hostd against a fake QEMU and guest (tests/hostd_fakeguest.c).
HOSTD=$tools/synbus-hostd/synbus-hostd
HOSTCTL=$tools/synbus-hostctl/synbus-hostctl
FAKEGUEST=$here/hostd_fakeguest

# hostd_up: a daemon in ./st with vm1 on ./vm1.sock; stopped when the test ends.
hostd_up() {
	D=$PWD/st
	trap '"$HOSTD" -d "$D" --stop >/dev/null 2>&1' EXIT
	"$HOSTD" -d "$D" --vm vm1,socket=$PWD/vm1.sock,window=${1:-1M} 2>> hostd.log ||
		die "daemon did not start: $(cat hostd.log)"
}

# Nothing of ours runs in $D any more (the keeper included).
hostd_gone() {
	local i
	for i in $(seq 50); do
		pgrep -f -- "-d $D" >/dev/null || return 0
		sleep 0.1
	done
	die "still running: $(pgrep -af -- "-d $D")"
}

t_hostd_protocol() {
	hostd_up
	cat > restart.sh <<-EOF
	kill -9 \$(cat $D/hostd.pid)
	sleep 0.1
	"$HOSTD" -d "$D" --vm vm1,socket=$PWD/vm1.sock,window=1M 2>> $PWD/hostd.log
	EOF
	"$FAKEGUEST" -c "$HOSTCTL" -d "$D" -v vm1 -r "sh $PWD/restart.sh" "$PWD/vm1.sock" ||
		die "fake guest failed; daemon log: $(tail -n 5 hostd.log)"
	"$HOSTCTL" -d "$D" list | grep -q '^vm1 down ' || die "not down after QEMU left"
	"$HOSTD" -d "$D" --stop || die "--stop"
	hostd_gone
	[ ! -e "$D/control.sock" ] && [ ! -e "$D/keeper.sock" ] || die "sockets left"
	[ -e "$D/vm1.win" ] || die "window file removed"
}

t_hostd_hostile() {
	local s
	hostd_up 256K
	for s in 1 2 3; do
		"$FAKEGUEST" -c "$HOSTCTL" -d "$D" -v vm1 -x -n 2000 -s $s "$PWD/vm1.sock" ||
			die "seed $s: $(tail -n 5 hostd.log)"
	done
	kill -0 "$(cat "$D/hostd.pid")" || die "daemon died"
	"$HOSTCTL" -d "$D" stats vm1 | grep -q '^bad_messages [1-9]' || die "nothing counted"
	# The log stays bounded: hd_warn is rate limited per VM.
	[ "$(wc -l < hostd.log)" -lt 400 ] || die "log flooded: $(wc -l < hostd.log) lines"
}

t_hostd_ctl() {
	local out pid long
	hostd_up
	[ "$(stat -c %a "$D/control.sock")" = 600 ] || die "control.sock mode"
	"$HOSTD" -d "$D" --vm x,socket=$PWD/x.sock 2> err && die "second daemon started"
	grep -q "already running" err || die "second daemon: $(cat err)"
	"$HOSTCTL" -d "$D" help > out && grep -q '^devices VM' out || die "help"
	SYNBUS_HOSTD_DIR=$D "$HOSTCTL" add vm2 socket=$PWD/vm2.sock ram=$PWD/ram2 mem=1G machine=pc ||
		die "add"
	: > ram2
	"$HOSTCTL" -d "$D" list > out || die "list"
	grep -q '^vm1 down 0x[0-9a-f]* 0 0 0 -$' out || die "list vm1: $(cat out)"
	grep -q '^vm2 down 0x[0-9a-f]* 0 0 0 0$' out || die "list vm2: $(cat out)"
	"$HOSTCTL" -d "$D" add vm2 socket=$PWD/vm3.sock 2>/dev/null && die "duplicate name"
	"$HOSTCTL" -d "$D" add vm3 socket=$PWD/vm1.sock > out 2>&1 && die "duplicate socket"
	"$HOSTCTL" -d "$D" add vm3 socket=$PWD/vm3.sock window=3M > out 2>&1 && die "window 3M"
	grep -q "power of two" out || die "window error: $(cat out)"
	"$HOSTCTL" -d "$D" add 'a/b' socket=$PWD/vm3.sock 2>/dev/null && die "bad name"
	# Names up to 48 characters: the keeper's records hold "listen:NAME".
	long=$(printf 'n%.0s' $(seq 48))
	"$HOSTCTL" -d "$D" add "${long}x" socket=$PWD/vm4.sock 2>/dev/null && die "49-character name"
	"$HOSTCTL" -d "$D" add "$long" socket=$PWD/vm4.sock || die "48-character name"
	"$HOSTCTL" -d "$D" frobnicate 2> err && die "unknown command ok"
	grep -q "unknown command" err || die "unknown command: $(cat err)"
	"$HOSTCTL" -d "$D" devices nosuch 2>/dev/null && die "devices of no VM"
	"$HOSTCTL" -d "$D" offer vm1 echo 2> err && die "offer to a VM that is down"
	"$HOSTCTL" -d "$D" stats vm2 | grep -q '^doorbells_in 0$' || die "stats"
	# Several commands on one connection, each ended by ok or error.
	out=$(printf 'list\nbogus\nstats vm1\n' | python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1])
s.sendall(sys.stdin.buffer.read()); s.shutdown(socket.SHUT_WR)
print(s.makefile().read(), end="")' "$D/control.sock")
	[ "$(printf '%s\n' "$out" | grep -c -E '^(ok|error: .*)$')" = 3 ] || die "one connection: $out"
	# SIGTERM leaves the keeper; the next daemon adopts vm2 (added at run time).
	pid=$(cat "$D/hostd.pid")
	kill -TERM "$pid"
	for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -0 "$pid" 2>/dev/null && die "SIGTERM did not stop the daemon"
	[ -S "$D/keeper.sock" ] || die "keeper gone with SIGTERM"
	"$HOSTD" -d "$D" 2>> hostd.log || die "restart"
	"$HOSTCTL" -d "$D" list | grep -q '^vm2 down' || die "vm2 not adopted"
	"$HOSTCTL" -d "$D" list | grep -q "^$long down" || die "$long not adopted"
	grep -q "record too long" hostd.log && die "a keeper record did not fit"
	"$HOSTCTL" -d "$D" remove vm2 || die "remove"
	[ ! -e "$PWD/vm2.sock" ] && [ ! -e "$D/vm2.win" ] || die "remove left files"
	"$HOSTCTL" -d "$D" list | grep -q '^vm2' && die "vm2 still listed"
	"$HOSTD" -d "$D" --stop || die "--stop"
	hostd_gone
	"$HOSTCTL" -d "$D" list 2>/dev/null && die "answers after --stop"
	return 0
}

# A fake QEMU on $1: takes the five setup messages, says "connected",
# then "eof" once the daemon's end of the connection is closed everywhere.
fake_qemu() {
	python3 - "$1" <<-'PY'
	import socket, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
	s.connect(sys.argv[1])
	for i in range(5):
	    socket.recv_fds(s, 8, 1)
	print("connected", flush=True)
	s.settimeout(20)
	print("eof" if s.recv(1) == b"" else "data", flush=True)
	PY
}

# keeper_del DIR NAME: drop a record from the fd keeper, as the daemon does.
keeper_del() {
	python3 - "$1/keeper.sock" "$2" <<-'PY'
	import socket, struct, sys
	s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	s.connect(sys.argv[1])
	s.send(struct.pack("<II64s1024s", 2, 0, sys.argv[2].encode(), b""))
	PY
}

# A restart that finds a QEMU connection only half kept closes it for good.
t_hostd_keeper() {
	local i
	hostd_up
	fake_qemu "$PWD/vm1.sock" > qemu.out &
	for i in $(seq 50); do grep -q connected qemu.out && break; sleep 0.1; done
	grep -q connected qemu.out || die "fake QEMU did not connect"
	keeper_del "$D" gefd:vm1
	kill -9 "$(cat "$D/hostd.pid")"
	sleep 0.1
	"$HOSTD" -d "$D" 2>> hostd.log || die "restart"
	for i in $(seq 50); do grep -q eof qemu.out && break; sleep 0.1; done
	grep -q eof qemu.out || die "QEMU's connection still open: $(cat qemu.out)"
	grep -q "half kept" hostd.log || die "not logged: $(tail -n 3 hostd.log)"
	"$HOSTCTL" -d "$D" list | grep -q '^vm1 down ' || die "vm1 not down"
	wait
}

# A keeper that answers GET with junk before its END, later sends what
# nobody asked for, and goes away once ./close exists.
fake_keeper() {
	python3 - "$1" <<-'PY'
	import os, select, socket, struct, sys, time
	l = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
	l.bind(sys.argv[1]); l.listen(1)
	print("listening", flush=True)
	c, _ = l.accept()
	msg = lambda op, name=b"": struct.pack("<II64s1024s", op, 0, name, b"")
	c.recv(2000)				# GET
	c.send(b"short")			# not a message
	c.send(msg(5, b"bogus:x"))		# ENT of nothing we know
	c.send(msg(6))				# END
	t0 = time.time(); stray = False
	while not os.path.exists("close"):
	    if select.select([c], [], [], 0.05)[0]:
	        c.recv(2000)			# PUTs: dropped
	    if not stray and time.time() - t0 > 0.3:
	        c.send(msg(5, b"late:x")); stray = True
	        print("stray sent", flush=True)
	c.close()
	PY
}

# Stray keeper input is dropped; only a hangup starts a new keeper.
t_hostd_keeper_stray() {
	local i
	D=$PWD/st
	mkdir -p "$D"
	fake_keeper "$D/keeper.sock" > keeper.out &
	for i in $(seq 50); do grep -q listening keeper.out && break; sleep 0.1; done
	hostd_up
	for i in $(seq 50); do grep -q "stray sent" keeper.out && break; sleep 0.1; done
	grep -q "stray sent" keeper.out || die "fake keeper: $(cat keeper.out)"
	sleep 0.3
	grep -q "keeper gone" hostd.log && die "stray input taken for the keeper's death"
	grep -q "dropped a bad answer" hostd.log || die "junk not reported: $(cat hostd.log)"
	"$HOSTCTL" -d "$D" list | grep -q '^vm1 down ' || die "list"
	: > close
	wait
	for i in $(seq 50); do grep -q "keeper gone" hostd.log && break; sleep 0.1; done
	grep -q "keeper gone" hostd.log || die "hangup not seen"
	"$HOSTD" -d "$D" --stop || die "--stop"
	hostd_gone
}

t_fuzz() {
	local cc=${FUZZ_CC:-clang-14}
	have "$cc" || skipit "$cc not installed: fuzzing skipped"
	[ "$FUZZ_SECONDS" -gt 0 ] || skipit "FUZZ_SECONDS=0"
	"$here/fuzz.sh" "$FUZZ_SECONDS"
}

if [ ! -x "$here/unit" ] || [ ! -x "$VHD" ] || [ ! -x "$P" ] ||
   [ ! -x "$here/csv_unit" ] || [ ! -x "$here/hostd_services" ] ||
   [ ! -x "$here/hostd_fakeguest" ]; then
	echo "build first: make -C tools all tests/unit tests/vhdpatch tests/csv_unit tests/hostd_services tests/hostd_fakeguest"
	echo "0 passed, 1 failed, 0 skipped"
	exit 1
fi

# Unit tests report one line each (unit: vhd/lib, csv_unit: csv/lib,
# hostd_services: synbus-hostd's services).
for ubin in unit csv_unit hostd_services; do
	while IFS= read -r line; do
		case $line in
		PASS:*) echo "$line"; pass=$((pass + 1)) ;;
		FAIL:*) echo "$line"; fail=$((fail + 1)) ;;
		"$ubin":*) ;;
		*) echo "$line" ;;
		esac
	done < <("$here/$ubin")
done

t create-sizes t_create_sizes
t create-fixed t_create_fixed
if have qemu-img && have qemu-io; then
	t qemu-images t_qemu_images
	t qemu-reads-ours t_qemu_reads_ours
else
	echo "SKIP: qemu-images: qemu-img not installed"
	echo "SKIP: qemu-reads-ours: qemu-img not installed"
	skip=$((skip + 2))
fi
t libvhdi t_libvhdi
t vhdimount t_vhdimount
t fixtures t_fixtures
t malformed t_malformed
t roundtrip t_roundtrip
t quirks t_quirks
t chain t_chain
t check-repair t_check_repair
# Offline merge, resize, compact, set-uuid, snapshots, crash cuts.
. "$here/ops.sh"
# vmqctl show/queues/stats/set against a fake sysfs (VMQCTL_SYSFS).
. "$here/vmqctl.sh"
# csvctl format/inspect on image files, the online commands via csv_fake.so.
. "$here/csvctl.sh"
t hostd-protocol t_hostd_protocol
t hostd-hostile t_hostd_hostile
t hostd-ctl t_hostd_ctl
t hostd-keeper t_hostd_keeper
t hostd-keeper-stray t_hostd_keeper_stray
t fuzz t_fuzz

echo "$pass passed, $fail failed, $skip skipped"
[ $fail -eq 0 ]
