# SPDX-License-Identifier: GPL-2.0
# Helpers of the dynmem (balloon) selftests; source after lib.sh. Loads
# synbus.ko, synbus_loop.ko, dynmem.ko (with the arguments given to
# dm_setup) and dynmem_host.ko, unloads them on exit (which must give
# every balloon page back).

DM_HOST=/sys/kernel/dynmem_host
DM_VM=$DM_HOST/vm0
DM_CLASS=b6a1f3c2-5d7e-4a90-8c3b-2e6f4d19a7e5
DM_PIDS=()

dm_cleanup() {
	local p
	for p in "${DM_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${DM_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	rmmod dynmem_host 2>/dev/null
	rmmod dynmem 2>/dev/null
	rmmod synbus_loop 2>/dev/null
	rmmod synbus 2>/dev/null
	return 0
}

# dm_setup [dynmem.ko args...]
dm_setup() {
	trap dm_cleanup EXIT
	ksft_load_ko vmbus/synbus
	ksft_load_ko vmbus/synbus_loop
	ksft_load_ko balloon/dynmem "$@"
	ksft_load_ko balloon/dynmem_host
	[ -d $DM_HOST ] || ksft_fail "$DM_HOST missing"
}

# dm_until SECONDS 'EXPR': poll the shell EXPR every 0.1 s
dm_until() {
	local _t=$(($1 * 10))
	while [ $_t -gt 0 ]; do
		eval "$2" 2>/dev/null && return 0
		sleep 0.1
		_t=$((_t - 1))
	done
	return 1
}

# dm_gdev: the guest's dynmem sysfs folder
dm_gdev() {
	local d
	for d in /sys/bus/synbus/devices/*; do
		[ -d "$d/dynmem" ] && { echo "$d/dynmem"; return 0; }
	done
	return 1
}

# dm_offer: offer a device, wait for bind and negotiation on both ends
dm_offer() {
	echo 1 > $DM_HOST/offer || ksft_fail "offer"
	dm_until 15 '[ "$(cat $DM_VM/version)" = 1.0 ] && G=$(dm_gdev) &&
		[ "$(cat $G/protocol)" = 1.0 ]' || ksft_fail "dynmem: not bound/negotiated"
	G=$(dm_gdev)
}

dm_g() { cat "$G/$1"; }
dm_h() { cat "$DM_VM/$1"; }

# dm_meminfo FIELD: kB
dm_meminfo() {
	awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

# dm_target PAGES [SECONDS]: ask for a balloon of PAGES, wait until the
# host's request is answered
dm_target() {
	local req
	req=$(dm_h requests)
	echo "$1" > $DM_VM/balloon_target || ksft_fail "balloon_target $1"
	dm_until "${2:-60}" '[ "$(dm_h busy)" = 0 ] &&
		{ [ "$(dm_h balloon_pages)" = "$1" ] || [ "$(dm_h requests)" -gt "$req" ]; }' ||
		ksft_fail "balloon_target $1: still busy, balloon $(dm_h balloon_pages)"
}

# dm_near A B TOL: |A - B| <= TOL
dm_near() {
	local d=$(($1 - $2))
	[ ${d#-} -le "$3" ]
}

# dm_hog: build the memory hog (selftests/balloon/hog.c) into ./hog
dm_hog() {
	command -v gcc > /dev/null || ksft_skip "gcc missing"
	gcc -O2 -Wall -Werror -o hog "$SRC/selftests/balloon/hog.c" || ksft_fail "cannot build hog.c"
}

# dm_no_oom_kill: the kernel log has no OOM kill since the test began
dm_no_oom_kill() {
	dmesg | grep -E "Out of memory|Killed process|oom-kill" && ksft_fail "the OOM killer ran"
	return 0
}

dm_param() { echo "$2" > "/sys/module/dynmem/parameters/$1" || ksft_fail "dynmem.$1=$2"; }
