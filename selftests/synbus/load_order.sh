#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module load/unload orders of synbus, synbus_loop and synbus_echo: a
# client loaded after the offer binds (module alias too), unloading the
# host rescinds bound devices with open files, the core cannot go first.
. "$SRC/selftests/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
ctl=$here/synbus-loopctl
ko=${KMOD_ROOT:-$SRC}/vmbus
[ -x "$ctl" ] || ksft_skip "synbus-loopctl not built"
echo_class=$(sed -n 's/^#define SYNBUS_ECHO_CLASS_STR\t*"\(.*\)"/\1/p' "$SRC/uapi/linux/synbus.h")
[ -n "$echo_class" ] || ksft_fail "no echo class in uapi header"

unload_all() {
	rmmod synbus_echo 2>/dev/null
	rmmod synbus_loop 2>/dev/null
	rmmod synbus 2>/dev/null
	return 0
}
unload_all
for m in synbus_echo synbus_loop synbus; do
	[ -d /sys/module/$m ] && ksft_skip "$m in use, cannot test load orders"
done
trap unload_all EXIT

# 1: core, client, host; offer binds at once.
insmod "$ko/synbus.ko" || ksft_fail "insmod synbus"
insmod "$ko/synbus_echo.ko" || ksft_fail "insmod synbus_echo"
insmod "$ko/synbus_loop.ko" || ksft_fail "insmod synbus_loop"
id=$("$ctl" offer "$echo_class") || ksft_fail "offer"
[ "$(cat /sys/bus/synbus/devices/$id/state)" = open ] || ksft_fail "not bound after offer"
grep -qx "MODALIAS=synbus:$echo_class" /sys/bus/synbus/devices/$id/uevent ||
	ksft_fail "uevent lacks MODALIAS"
"$ctl" echo "$id" 100 10 || ksft_fail "echo 1"
# The core cannot go while users exist.
rmmod synbus 2>/dev/null && ksft_fail "rmmod synbus succeeded with users"
# Client first: device unbinds and stays offered.
rmmod synbus_echo || ksft_fail "rmmod synbus_echo"
[ "$(cat /sys/bus/synbus/devices/$id/state)" = offered ] || ksft_fail "state after client unload"
# 2: client back: binds to the existing device.
insmod "$ko/synbus_echo.ko" || ksft_fail "insmod synbus_echo again"
[ "$(cat /sys/bus/synbus/devices/$id/state)" = open ] || ksft_fail "not bound after client load"
# modinfo shows the alias udev needs.
modinfo "$ko/synbus_echo.ko" | grep -q "alias:.*synbus:$echo_class" || ksft_fail "no MODULE_ALIAS"
# 3: host goes first with an open file and a blocked reader: rescind.
exec 9<>"/dev/synbus-echo-$id" || ksft_fail "open echo device"
timeout 20 dd bs=64 count=1 <&9 of=/dev/null 2>"$SCRATCH/dd.err" &
rd=$!
sleep 0.3
rmmod synbus_loop || ksft_fail "rmmod synbus_loop with a bound device"
wait $rd
grep -q "No such device" "$SCRATCH/dd.err" || ksft_fail "blocked reader: $(cat "$SCRATCH/dd.err")"
[ -e "/sys/bus/synbus/devices/$id" ] && ksft_fail "device left after host unload"
exec 9<&-
# 4: host again, offers, several devices; unload host then client then core.
insmod "$ko/synbus_loop.ko" || ksft_fail "insmod synbus_loop again"
for i in 1 2 3 4; do
	"$ctl" offer "$echo_class" >/dev/null || ksft_fail "offer $i"
done
[ "$(ls /sys/bus/synbus/devices | wc -l)" -eq 4 ] || ksft_fail "4 devices expected"
rmmod synbus_loop || ksft_fail "rmmod synbus_loop with 4 devices"
rmmod synbus_echo || ksft_fail "rmmod synbus_echo"
rmmod synbus || ksft_fail "rmmod synbus"
# 5: core, host, offer with no client, unload in reverse.
insmod "$ko/synbus.ko" || ksft_fail "insmod synbus 2"
insmod "$ko/synbus_loop.ko" || ksft_fail "insmod synbus_loop 2"
id=$("$ctl" offer "$echo_class") || ksft_fail "offer unbound"
[ "$(cat /sys/bus/synbus/devices/$id/state)" = offered ] || ksft_fail "unbound state"
rmmod synbus_loop || ksft_fail "rmmod synbus_loop unbound"
rmmod synbus || ksft_fail "rmmod synbus 2"
ksft_pass "load orders"
