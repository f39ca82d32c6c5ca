#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# vhdsetup's command line as losetup users expect it: -f, --show, DEV FILE,
# DEV, -a, -j, -l/-J/-O/-n, -r, --direct-io, --sizelimit, -P, -d, -D, the
# parent chain search, and exit status 1 with a message on every error.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
S=$((32 << 20))

expect_rc1() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ $rc = 1 ] || ksft_fail "$what: exit $rc, expected 1 ($out)"
	case "$out" in
	*"$want"*) ;;
	*) ksft_fail "$what: output '$out' lacks '$want'" ;;
	esac
}

vt_create dynamic $S base.vhd
vt_create fixed $S fixed.vhd
mkdir -p sub
vt_create diff 0 sub/child.vhd base.vhd

# -f alone names a free device and attaches nothing.
free=$("$VHDSETUP" -f) || ksft_fail "vhdsetup -f"
case "$free" in /dev/vhd[0-9]*) ;; *) ksft_fail "vhdsetup -f printed '$free'" ;; esac
"$VHDSETUP" "$free" >/dev/null 2>&1 && ksft_fail "$free attached by vhdsetup -f"

# DEV FILE, then DEV prints its status and -a/-j find it.
"$VHDSETUP" "$free" base.vhd || ksft_fail "vhdsetup $free base.vhd"
_vt_devs+=("$free")
"$VHDSETUP" "$free" | grep -q "$SCRATCH/base.vhd" || ksft_fail "vhdsetup $free: $("$VHDSETUP" "$free")"
"$VHDSETUP" -a | grep -q "^$free: .*base.vhd" || ksft_fail "vhdsetup -a: $("$VHDSETUP" -a)"
[ "$("$VHDSETUP" -j base.vhd | cut -d: -f1)" = "$free" ] || ksft_fail "vhdsetup -j base.vhd"
expect_rc1 "attach to a busy device" "$(vt_errno_str EBUSY)" "$VHDSETUP" "$free" fixed.vhd

# JSON listing with typed values.
"$VHDSETUP" -J -l --output-all > list.json || ksft_fail "vhdsetup -J -l"
python3 - "$free" "$SCRATCH/base.vhd" $S <<'PY' || ksft_fail "JSON listing wrong: $(cat list.json)"
import json, sys
dev, path, size = sys.argv[1], sys.argv[2], int(sys.argv[3])
rows = json.load(open("list.json"))["vhddevices"]
r = [x for x in rows if x["name"] == dev][0]
assert r["back-file"] == path, r
assert r["type"] == "dynamic", r
assert r["size"] == size, r
assert r["depth"] == 1 and r["ro"] is False and r["block-size"] == 2097152, r
PY

# The child in sub/ finds its parent one folder up through its locators
# (once no writer has the parent attached: the kernel refuses that).
expect_rc1 "child of a parent attached writable" "$(vt_errno_str EBUSY)" \
	"$VHDSETUP" -f -r sub/child.vhd
"$VHDSETUP" -d "$free" || ksft_fail "detach $free"
vt_attach child -r sub/child.vhd
row=$("$VHDSETUP" -l -n --raw -O NAME,TYPE,DEPTH,RO,PARENT "$child")
[ "$row" = "$child differencing 2 1 $SCRATCH/base.vhd" ] ||
	ksft_fail "child row '$row'"
[ "$(blockdev --getro "$child")" = 1 ] || ksft_fail "-r device not read-only"
vt_detach "$child"
# ... and reports it missing when it moved away.
mv base.vhd base.moved
expect_rc1 "missing parent" "parent not found" "$VHDSETUP" -f sub/child.vhd
mv base.moved base.vhd
# A parent replaced by another image of the same name: UUID mismatch.
mv base.vhd base.orig
vt_create dynamic $S base.vhd
expect_rc1 "replaced parent" "parent UUID mismatch" "$VHDSETUP" -f sub/child.vhd
mv base.orig base.vhd

# --sizelimit, --direct-io.
vt_attach d --sizelimit 8M --direct-io=on fixed.vhd
[ "$(vt_size "$d")" = $((8 << 20)) ] || ksft_fail "--sizelimit 8M gave $(vt_size "$d")"
[ "$("$VHDSETUP" -l -n -O DIO "$d" | tr -d ' ')" = 1 ] || ksft_fail "DIO column not 1"
[ "$(vt_sysfs "$d" direct_io)" = 1 ] || ksft_fail "sysfs direct_io not 1"
vt_detach "$d"

# -P: partitions show up.
if command -v sfdisk >/dev/null; then
	vt_attach d fixed.vhd
	printf 'label: dos\n,8M\n,8M\n' | sfdisk -q "$d" >/dev/null 2>&1 || ksft_fail "sfdisk"
	vt_detach "$d"
	vt_attach d -P fixed.vhd
	udevadm settle 2>/dev/null
	for i in 1 2 3 4 5 6 7 8 9 10; do
		[ -e /sys/block/$(basename "$d")/$(basename "$d")p2 ] && break
		sleep 0.2
	done
	[ -e /sys/block/$(basename "$d")/$(basename "$d")p2 ] || ksft_fail "-P: no partitions on $d"
	[ "$("$VHDSETUP" -l -n -O PARTSCAN "$d" | tr -d ' ')" = 1 ] || ksft_fail "PARTSCAN not 1"
	vt_detach "$d"
fi

# -D detaches everything; errors exit 1.
vt_attach d1 fixed.vhd
vt_attach d2 base.vhd
"$VHDSETUP" -D || ksft_fail "vhdsetup -D"
[ -z "$("$VHDSETUP" -a)" ] || ksft_fail "-D left: $("$VHDSETUP" -a)"
expect_rc1 "status of a free device" "$(vt_errno_str ENXIO)" "$VHDSETUP" "$d1"
expect_rc1 "detach of a free device" "$(vt_errno_str ENXIO)" "$VHDSETUP" -d "$d1"
expect_rc1 "missing file" "$(vt_errno_str ENOENT)" "$VHDSETUP" -f nothere.vhd
expect_rc1 "not a device name" "not a vhd device" "$VHDSETUP" -d /dev/sda
expect_rc1 "unknown option" "Try" "$VHDSETUP" --bogus
expect_rc1 "bad sizelimit" "invalid size limit" "$VHDSETUP" -f --sizelimit 1000 fixed.vhd
expect_rc1 "unknown column" "unknown column" "$VHDSETUP" -l -O NAME,NOPE
expect_rc1 "-r without a file" "only to set up" "$VHDSETUP" -r -a
ksft_pass "vhdsetup options behave like losetup's"
