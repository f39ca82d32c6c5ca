# SPDX-License-Identifier: GPL-2.0
# Host-side helpers of the synbus-hostd selftests (selftests/hostd/*.sh).
# They run through the cluster runner (a TESTS line with "hostd"): the
# nodes are QEMU guests with an ivshmem-doorbell device served by
# tools/synbus-hostd on this host (state in $HOSTD_DIR, guest RAM files in
# $HOSTD_RAM). The guest half of each step runs through the node agent.
. "$SRC/selftests/cluster/lib.sh"

HOSTD_DIR=${HOSTD_DIR:?run with a "hostd" TESTS line}
HOSTD=$SRC/tools/synbus-hostd/synbus-hostd
HCTL=$SRC/tools/synbus-hostctl/synbus-hostctl

# The class GUIDs of the services the daemon offers.
declare -A HD_CLASS=(
	[heartbeat]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a001
	[shutdown]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a002
	[timesync]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a003
	[backup]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a004
	[balloon]=b6a1f3c2-5d7e-4a90-8c3b-2e6f4d19a7e5
)

# hctl CMD...: one control command; its answer without the final "ok".
hctl() {
	"$HCTL" -d "$HOSTD_DIR" "$@"
}

# hkey KEY CMD...: the value of "KEY VALUE" in a command's answer.
hkey() {
	local k=$1
	shift
	hctl "$@" | awk -v k="$k" '$1 == k { print $2; exit }'
}

# g_modules N [dynmem args]: load the bus, the ivshmem transport, the
# integration services and the balloon driver on node N.
g_modules() {
	local n=$1
	shift
	node_run "$n" ". \$SRC/selftests/lib.sh
		ksft_load_ko vmbus/synbus
		ksft_load_ko vmbus/synbus_ivshmem
		ksft_load_ko vmbus/util/synbus_util
		ksft_load_ko balloon/dynmem $*" || ksft_fail "node $n: insmod failed"
}

# g_devices N: "class-guid state" of each synbus device on node N.
g_devices() {
	node_run "$1" 'for d in /sys/bus/synbus/devices/*; do
		[ -f "$d/class_id" ] && echo "$(cat $d/class_id) $(cat $d/state)"
	done; true'
}

# g_has N SERVICE: node N has an open device of SERVICE.
g_has() {
	g_devices "$1" | grep -q "^${HD_CLASS[$2]} open"
}

# g_wait_all N SECS: every service's device is open on node N.
g_wait_all() {
	local n=$1 to=$2 s
	for s in heartbeat shutdown timesync backup balloon; do
		wait_for "$to" g_has "$n" $s ||
			ksft_fail "node $n: no open $s device: $(g_devices "$n" | tr '\n' ';')"
	done
}

# hd_alive: the daemon answers.
hd_alive() {
	hctl list > /dev/null 2>&1
}

# g_dmesg_has N PATTERN: node N's kernel log has PATTERN.
g_dmesg_has() {
	node_run "$1" "dmesg | grep -q '$2'"
}

# ram_alloc_mib N: MiB the RAM file of node N has allocated on the host.
ram_alloc_mib() {
	echo $(($(stat -c %b "$HOSTD_RAM/node$1.ram") * 512 / 1048576))
}

# hostd_kill: SIGKILL the daemon (its fd keeper lives on).
hostd_kill() {
	local pid
	pid=$(cat "$CL_DIR/hostd.pid") || return 1
	kill -KILL "$pid"
	while kill -0 "$pid" 2>/dev/null; do sleep 0.05; done
}

# hostd_restart: start the daemon again, as run.sh started it.
hostd_restart() {
	eval "$(cat "$CL_DIR/hostd.cmd")" >> "$CL_DIR/hostd.log" 2>&1 &
	echo $! > "$CL_DIR/hostd.pid"
	disown
	wait_for 10 hd_alive
}

# g_ivdev N: the PCI address of node N's ivshmem device.
g_ivdev() {
	node_run "$1" 'for d in /sys/bus/pci/devices/*; do
		[ "$(cat $d/vendor):$(cat $d/device)" = 0x1af4:0x1110 ] && { basename $d; exit 0; }
	done; exit 1'
}

# g_fill N [MIB]: node N writes MIB MiB (default: all it has available
# but 160 MiB) to a tmpfs and frees them again, so that the host holds
# (nearly) all of the guest's RAM.
g_fill() {
	node_run -t 300 "$1" "mkdir -p /run/fill && { mountpoint -q /run/fill ||
		mount -t tmpfs -o size=100% fill /run/fill; } &&
		mib=${2:-\$((\$(awk '\$1 == \"MemAvailable:\" { print int(\$2 / 1024) }' /proc/meminfo) - 160))} &&
		dd if=/dev/zero of=/run/fill/f bs=1M count=\$mib status=none; rc=\$?; rm -f /run/fill/f; exit \$rc"
}
