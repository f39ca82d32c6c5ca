#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Devices in use: detaching a mounted device is refused with EBUSY and the
# filesystem keeps working; a device opened by a process either refuses too
# or (loop's way) goes away on its last close; --autoclear detaches on the
# last close; unloading vhd.ko with devices attached is refused (EBUSY
# while mounted) or clean, and the module reloads afterwards.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
EBUSY_STR=$(vt_errno_str EBUSY)

attached() {
	"$VHDSETUP" "$1" >/dev/null 2>&1
}

# wait_detached DEV: autoclear may run just after the close returns.
wait_detached() {
	local i
	for i in $(seq 50); do
		attached "$1" || return 0
		sleep 0.1
	done
	ksft_fail "$1 still attached: $2"
}

vt_create dynamic $((32 << 20)) a.vhd
vt_attach dev a.vhd
mkfs.ext4 -q -F "$dev" || ksft_fail "mkfs.ext4"
vt_mount "$dev" mnt
echo hello > mnt/f
out=$("$VHDSETUP" -d "$dev" 2>&1)
rc=$?
[ $rc = 1 ] || ksft_fail "detach of mounted $dev: exit $rc ($out), expected 1"
case "$out" in
*"$EBUSY_STR"*) echo "mounted: $out" ;;
*) ksft_fail "detach of mounted $dev: '$out', expected EBUSY" ;;
esac
attached "$dev" || ksft_fail "$dev detached under a mounted filesystem"
seq 100000 > mnt/g && sync && [ "$(cat mnt/f)" = hello ] ||
	ksft_fail "filesystem unusable after the refused detach"

# Module unload while mounted: the module is in use.
out=$(rmmod vhd 2>&1) && ksft_fail "rmmod vhd succeeded with a mounted device"
[ -d /sys/module/vhd ] || ksft_fail "vhd.ko gone with a mounted device"
echo "rmmod while mounted: $out"
umount mnt || ksft_fail "umount"
vt_detach "$dev"

# Open (not mounted): EBUSY, or autoclear on the last close.
vt_attach dev a.vhd
exec 3<"$dev"
if "$VHDSETUP" -d "$dev" 2>err; then
	attached "$dev" || ksft_fail "detach with an open fd pulled the device away"
	dd if="$dev" of=/dev/null bs=4k count=1 status=none <&3 ||
		ksft_fail "open device unreadable after deferred detach"
	exec 3<&-
	wait_detached "$dev" "after the last close of a deferred detach"
	echo "open device: detach deferred to the last close"
else
	grep -q "$EBUSY_STR" err || ksft_fail "detach of an open device: $(cat err)"
	exec 3<&-
	vt_detach "$dev"
	echo "open device: detach refused with EBUSY"
fi

# --autoclear: gone after the last user (a mount) ends.
vt_attach dev --autoclear a.vhd
[ "$("$VHDSETUP" -n -O AUTOCLEAR -l "$dev" | tr -d ' ')" = 1 ] ||
	ksft_fail "AUTOCLEAR not listed as 1"
vt_mount "$dev" mnt
[ "$(cat mnt/f)" = hello ] || ksft_fail "data lost across detach/attach"
umount mnt
wait_detached "$dev" "--autoclear device after umount"

# Unload with idle attached devices: refused, or clean (all devices gone).
vt_create fixed $((8 << 20)) b.vhd
vt_attach d1 a.vhd
vt_attach d2 b.vhd
if rmmod vhd 2>err; then
	[ ! -e /sys/module/vhd ] || ksft_fail "rmmod returned 0 but vhd is loaded"
	[ ! -b "$d1" ] || [ ! -e "/sys/block/$(basename "$d1")" ] ||
		ksft_fail "$d1 still exists after rmmod"
	echo "rmmod with attached devices: clean unload"
	ksft_load_module vhd
else
	echo "rmmod with attached devices refused: $(cat err)"
	attached "$d1" && attached "$d2" || ksft_fail "devices lost after a refused rmmod"
	dd if="$d2" of=/dev/null bs=1M status=none || ksft_fail "$d2 unreadable after refused rmmod"
	vt_detach "$d1"
	vt_detach "$d2"
fi
# Once idle, the module unloads and loads again.
"$VHDSETUP" -D || ksft_fail "vhdsetup -D"
rmmod vhd || ksft_fail "rmmod vhd with no device attached failed"
ksft_load_module vhd
vt_attach dev a.vhd
vt_mount "$dev" mnt
[ "$(cat mnt/f)" = hello ] || ksft_fail "data lost across module reload"
umount mnt
vt_detach "$dev"
ksft_pass "busy devices refused, autoclear works, module unload safe"
