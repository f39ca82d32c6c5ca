#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Images made by other tools (../shared/fixtures): each attaches read-only
# with its listed size and reads with its listed sha256; the Windows 10
# differencing image, whose parent is absent, fails with "parent not
# found"; the hand-broken checksums are refused by the kernel (EBADMSG).
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_fixtures
cd "$SCRATCH" || exit 1

# good FILE TYPE SIZE SHA256
good() {
	local dev
	bzcat "$FIX/$1.bz2" > "$1" || ksft_fail "cannot decompress $1"
	vt_attach dev -r "$1"
	[ "$(vt_size "$dev")" = "$3" ] || ksft_fail "$1: size $(vt_size "$dev"), expected $3"
	[ "$(vt_sysfs "$dev" type)" = "$2" ] || ksft_fail "$1: type $(vt_sysfs "$dev" type), expected $2"
	[ "$(vt_sha_dev "$dev")" = "$4" ] || ksft_fail "$1: content sha256 differs from README"
	vt_detach "$dev"
	echo "$1: $2, $3 bytes, sha256 ok"
}

good win7dyn.vhd dynamic 209715200 3ac5dc41804dcf5f89f6b110abfa9a5a9b808ae281a7ca3bbb44bf65ecf422c2
good win7fixed.vhd fixed 209715200 248cd3358969a8be1785c56a2f85b5ceeca95782e7fca0921d1c02c866999e1f
good dfvfs-ext2.vhd dynamic 4212736 870be7ae16c1fa8faab05c6eb9205dc9a7ae35c5f552c5cf8a267c0bc6a5cb99

f=dfvfs-fat-differential.vhd
bzcat "$FIX/$f.bz2" > $f
out=$("$VHDSETUP" -f -r $f 2>&1)
rc=$?
[ $rc = 1 ] || ksft_fail "$f: vhdsetup exit $rc, expected 1 ($out)"
case "$out" in
*"parent not found"*) echo "$f: $out" ;;
*) ksft_fail "$f: expected 'parent not found', got '$out'" ;;
esac
ls /dev/vhd* >/dev/null 2>&1 && "$VHDSETUP" -a | grep -q "$f" && ksft_fail "$f attached anyway"

for f in dfvfs-image.vhd dfvfs-image-differential.vhd; do
	bzcat "$FIX/$f.bz2" > $f
	vt_expect_attach_errno EBADMSG $f -r
done
ksft_pass "fixtures read as listed; missing parent and bad checksums refused"
