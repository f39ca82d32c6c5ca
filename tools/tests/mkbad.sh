#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkbad.sh OUTDIR: build the malformed-image suite into OUTDIR and list it
# in OUTDIR/cases.txt, one case per line, tab-separated:
#   FILE  ERRNO-NAME  CHECK-EXIT  REASON
# REASON is the format library's vhd_strerror() text; ERRNO-NAME what
# vhd_errno() maps it to; CHECK-EXIT what `vhd check FILE` returns
# ("-" where check does not look: chain errors are reported by info).
# Needs tools built (tools/vhd/vhd, tools/tests/vhdpatch). Used by the host
# tests and usable by the kernel selftests (every case must fail ATTACH).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
VHD=${VHD:-$here/../vhd/vhd}
P=${VHDPATCH:-$here/vhdpatch}
out=${1:?usage: mkbad.sh OUTDIR}
mkdir -p "$out"
cd "$out"
rm -f ./*.vhd cases.txt
: > cases.txt

case_() { printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> cases.txt; }

# Base images: 8 MiB dynamic with blocks 0 and 2 allocated; 4 MiB fixed.
head -c 8388608 /dev/zero > base.raw
printf 'block0' | dd of=base.raw conv=notrunc status=none
printf 'block2' | dd of=base.raw bs=1 seek=4194304 conv=notrunc status=none
mkdyn() { "$VHD" convert -O dynamic base.raw "$1"; }
"$VHD" create -t fixed -s 4M fixed.vhd
mkdyn dyn.vhd
"$VHD" create -p dyn.vhd diff.vhd

cp dyn.vhd truncated.vhd
truncate -s -2048 truncated.vhd
case_ truncated.vhd EUCLEAN 2 "file truncated: too small for its metadata"

head -c 300 /dev/zero > tiny.vhd
case_ tiny.vhd EUCLEAN 2 "file truncated: too small for its metadata"

cp fixed.vhd bad-cookie.vhd
"$P" bad-cookie.vhd footer 0 636f6e6563746958
case_ bad-cookie.vhd EINVAL 1 "bad footer cookie (not a VHD image)"

cp dyn.vhd bad-checksum.vhd
"$P" bad-checksum.vhd footer 100 01 nofix
case_ bad-checksum.vhd EBADMSG 2 "footer checksum mismatch"

cp fixed.vhd bad-version.vhd
"$P" bad-version.vhd footer 12 00020000
case_ bad-version.vhd EOPNOTSUPP 2 "unsupported footer version"

cp fixed.vhd bad-type.vhd
"$P" bad-type.vhd footer 60 00000005
case_ bad-type.vhd EOPNOTSUPP 2 "unsupported disk type"

cp fixed.vhd too-big.vhd
"$P" too-big.vhd footer 48 0000020000000000
case_ too-big.vhd EFBIG 2 "virtual size above 2040 GiB"

cp fixed.vhd fixed-short.vhd
"$P" fixed-short.vhd footer 48 0000000001000000
case_ fixed-short.vhd EUCLEAN 2 "fixed image shorter than its virtual size"

cp dyn.vhd bad-dyn-cookie.vhd
"$P" bad-dyn-cookie.vhd header 0 7878
case_ bad-dyn-cookie.vhd EUCLEAN 2 "bad dynamic header cookie"

cp dyn.vhd bad-dyn-checksum.vhd
"$P" bad-dyn-checksum.vhd header 900 01 nofix
case_ bad-dyn-checksum.vhd EBADMSG 2 "dynamic header checksum mismatch"

cp dyn.vhd block-size.vhd
"$P" block-size.vhd header 32 00300000
case_ block-size.vhd EUCLEAN 2 "block size not a power of two in 512 B..256 MiB"

cp dyn.vhd absurd-entries.vhd
"$P" absurd-entries.vhd header 28 fffffff0
case_ absurd-entries.vhd EUCLEAN 2 "absurd number of BAT entries"

cp dyn.vhd bat-short.vhd
"$P" bat-short.vhd header 28 00000002
case_ bat-short.vhd EUCLEAN 2 "BAT too short for the virtual size"

cp dyn.vhd bat-table-eof.vhd
"$P" bat-table-eof.vhd header 16 0000000100000000
case_ bat-table-eof.vhd EUCLEAN 2 "BAT outside the file or over metadata"

cp dyn.vhd bat-eof.vhd
"$P" bat-eof.vhd bat 3 0x00100000
case_ bat-eof.vhd EUCLEAN 2 "BAT entry points past the end of the file"

cp dyn.vhd bat-overlap.vhd
b0=$(od -An -tx1 -j1536 -N4 dyn.vhd | tr -d ' ')
"$P" bat-overlap.vhd bat 1 "0x$b0"
case_ bat-overlap.vhd EUCLEAN 2 "two data blocks overlap"

cp dyn.vhd bat-meta.vhd
"$P" bat-meta.vhd bat 1 1
case_ bat-meta.vhd EUCLEAN 2 "a data block overlaps metadata"

cp diff.vhd locator-eof.vhd
"$P" locator-eof.vhd locator 0 0x40000000 64 512
case_ locator-eof.vhd EUCLEAN 2 "parent locator out of bounds or malformed"

cp diff.vhd bad-utf16.vhd
"$P" bad-utf16.vhd header 64 d8000041
case_ bad-utf16.vhd EILSEQ 2 "invalid UTF-16 in parent name or locator"

# Chains: missing parent, UUID mismatch, loops, too deep.
mkdyn orphan-parent.vhd
"$VHD" create -p orphan-parent.vhd no-parent.vhd
rm orphan-parent.vhd
case_ no-parent.vhd ENOENT - "parent not found"

mkdyn swapped-parent.vhd
"$VHD" create -p swapped-parent.vhd uuid-mismatch.vhd
mkdyn swapped-parent.vhd.new
mv swapped-parent.vhd.new swapped-parent.vhd
case_ uuid-mismatch.vhd ESTALE - "parent unique id does not match the child's link"

mkdyn loop-a.vhd
mkdyn loop-b.vhd
"$P" loop-a.vhd mkdiff loop-b.vhd
"$P" loop-b.vhd mkdiff loop-a.vhd
case_ loop-a.vhd ELOOP - "differencing chain loops"

mkdyn self-loop.vhd
"$P" self-loop.vhd mkdiff self-loop.vhd
case_ self-loop.vhd ELOOP - "differencing chain loops"

prev=dyn.vhd
for i in $(seq 1 16); do
	"$VHD" create -p $prev deep-$i.vhd
	prev=deep-$i.vhd
done
case_ deep-16.vhd ELOOP - "differencing chain too deep"
rm -f base.raw
