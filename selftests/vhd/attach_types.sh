#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Each image type: attach, mkfs.ext4, mount, write files, unmount, detach,
# reattach and verify the files' checksums; sizes and sysfs checked too.
# The differencing child must leave its parent's file untouched.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
vt_need mkfs.ext4
cd "$SCRATCH" || exit 1
SIZE=$((32 << 20))

# fill DIR TAG: a few files of mixed sizes; sums go to sums.TAG
fill() {
	local i
	for i in 1 2 3; do
		head -c $((i * 700 * 1024 + i * 13)) /dev/urandom > "$1/$2-$i"
	done
	mkdir -p "$1/dir-$2"
	seq 1 20000 > "$1/dir-$2/seq"
	(cd "$1" && sha256sum "$2"-* "dir-$2/seq") > "sums.$2"
}

verify() {
	(cd "$1" && sha256sum -c --quiet "$OLDPWD/sums.$2") ||
		ksft_fail "$2: files differ after reattach"
}

check_dev() {
	local dev=$1 type=$2 got
	got=$(vt_size "$dev")
	[ "$got" = $SIZE ] || ksft_fail "$type: device size $got, expected $SIZE"
	got=$(vt_sysfs "$dev" type)
	[ "$got" = "$type" ] || ksft_fail "sysfs type '$got', expected '$type'"
	got=$(vt_sysfs "$dev" virtual_size)
	[ "$got" = $SIZE ] || ksft_fail "sysfs virtual_size $got, expected $SIZE"
	got=$(vt_sysfs "$dev" backing_file)
	[ "$got" = "$SCRATCH/$type.vhd" ] ||
		ksft_fail "sysfs backing_file '$got', expected $SCRATCH/$type.vhd"
	got=$("$VHDSETUP" -n -O TYPE "$dev" -l | tr -d ' ')
	[ "$got" = "$type" ] || ksft_fail "vhdsetup -l TYPE '$got', expected '$type'"
}

# one TYPE FILE: the full cycle on FILE (already created).
one() {
	local type=$1 file=$2 dev
	vt_attach dev "$file"
	check_dev "$dev" "$type"
	[ "$type" = differencing ] || mkfs.ext4 -q -F "$dev" || ksft_fail "mkfs.ext4 $dev"
	vt_mount "$dev" mnt
	fill mnt "$type"
	umount mnt || ksft_fail "umount $dev"
	vt_detach "$dev"
	"$VHDSETUP" "$dev" >/dev/null 2>&1 && ksft_fail "$dev still attached after -d"

	vt_attach dev "$file"
	vt_mount "$dev" mnt
	verify mnt "$type"
	[ "$type" != differencing ] || verify mnt dynamic
	umount mnt || ksft_fail "umount $dev"
	fsck.ext4 -n -f "$dev" >/dev/null 2>&1 || ksft_fail "$type: fsck.ext4 found errors"
	vt_detach "$dev"
	echo "$type: ok"
}

vt_create fixed $SIZE fixed.vhd
one fixed fixed.vhd
vt_create dynamic $SIZE dynamic.vhd
one dynamic dynamic.vhd

# The child starts from the dynamic image's filesystem and adds files.
before=$(vt_sha dynamic.vhd)
vt_create diff $SIZE differencing.vhd dynamic.vhd
one differencing differencing.vhd
[ "$(vt_sha dynamic.vhd)" = "$before" ] || ksft_fail "parent image modified through the child"
ksft_pass "fixed, dynamic and differencing survive a mount/detach cycle"
