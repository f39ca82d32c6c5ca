# SPDX-License-Identifier: GPL-2.0
# Helpers for the integration service tests (svc_*.sh); source after lib.sh.
# Loads synbus.ko, synbus_loop.ko, synbus_util.ko (with any arguments given
# to svc_setup) and synbus_util_host.ko, and unloads them on exit.

SVC_HOST=/sys/kernel/synbus_util_host
SVC_BUS=/sys/bus/synbus
SVC_DRV=$SVC_BUS/drivers/synbus_util

declare -A SVC_CLASS=(
	[heartbeat]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a001
	[shutdown]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a002
	[timesync]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a003
	[backup]=5a2f7c41-8e3b-4d6a-9b1e-3c704f12a004
)

SVC_PIDS=()
SVC_MNT=

svc_cleanup() {
	local p
	# Thaw first: a writer blocked on a frozen filesystem cannot be killed.
	[ -n "$SVC_MNT" ] && fsfreeze -u "$SVC_MNT" 2>/dev/null
	for p in "${SVC_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${SVC_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	[ -n "$SVC_MNT" ] && umount "$SVC_MNT" 2>/dev/null
	if [ -s "$SCRATCH/vssd.log" ]; then
		echo "--- synbus-vssd log:"
		cat "$SCRATCH/vssd.log"
	fi
	rmmod synbus_util_host 2>/dev/null
	rmmod synbus_util 2>/dev/null
	rmmod synbus_loop 2>/dev/null
	rmmod synbus 2>/dev/null
	return 0
}

# svc_insmod NAME [ARGS...]: synbus*.ko from vmbus/, synbus_util*.ko from
# vmbus/util/ (ksft_load_ko skips a loaded module).
svc_insmod() {
	local name=$1
	shift
	case $name in
	synbus_util*) ksft_load_ko "vmbus/util/$name" "$@" ;;
	*) ksft_load_ko "vmbus/$name" "$@" ;;
	esac
}

# svc_setup [synbus_util args...]
svc_setup() {
	trap svc_cleanup EXIT
	svc_insmod synbus
	svc_insmod synbus_loop
	svc_insmod synbus_util "$@"
	svc_insmod synbus_util_host
	[ -d $SVC_HOST ] || ksft_fail "$SVC_HOST missing"
}

# svc_until SECONDS 'EXPR': re-evaluate the shell EXPR every 0.1 s until
# it is true (svc_wait would expand "$(...)" arguments only once).
svc_until() {
	local _svc_ticks=$(($1 * 10))
	while [ $_svc_ticks -gt 0 ]; do
		eval "$2" 2>/dev/null && return 0
		sleep 0.1
		_svc_ticks=$((_svc_ticks - 1))
	done
	return 1
}

# svc_wait SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
svc_wait() {
	local _svc_ticks=$(($1 * 10))
	shift
	while [ $_svc_ticks -gt 0 ]; do
		"$@" 2>/dev/null && return 0
		sleep 0.1
		_svc_ticks=$((_svc_ticks - 1))
	done
	return 1
}

# svc_gdev SERVICE: the guest's sysfs device directory of SERVICE.
svc_gdev() {
	local d
	for d in $SVC_BUS/devices/*; do
		[ -f "$d/class_id" ] || continue
		[ "$(cat "$d/class_id")" = "${SVC_CLASS[$1]}" ] && { echo "$d"; return 0; }
	done
	return 1
}

svc_negotiated() {
	local d
	d=$(svc_gdev "$1") || return 1
	[ "$(cat "$d/ic_version" 2>/dev/null)" = 1.0 ] &&
		[ "$(cat $SVC_HOST/"$1"/version)" = 1.0 ]
}

# svc_offer SERVICE: offer a device, wait for bind and negotiation.
svc_offer() {
	echo 1 > $SVC_HOST/"$1"/offer || ksft_fail "offer $1"
	svc_wait 10 svc_negotiated "$1" || ksft_fail "$1: not bound/negotiated"
}

svc_rescind() {
	echo 1 > $SVC_HOST/"$1"/rescind || ksft_fail "rescind $1"
}

# svc_host_write SERVICE FILE VALUE: write, print the error, return status.
svc_host_write() {
	local f=$SVC_HOST/$1/$2
	shift 2
	( echo "$*" > "$f" ) 2>&1
}

# svc_attr SERVICE ATTR: a guest device attribute.
svc_attr() {
	local d
	d=$(svc_gdev "$1") || ksft_fail "$1: no guest device"
	cat "$d/$2"
}

# svc_counter SERVICE NAME: a field of the host's counters file.
svc_counter() {
	awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' \
		$SVC_HOST/"$1"/counters
}

# Little-endian fields as printf escapes.
svc_le() {
	local bytes=$1 v=$2 i out=
	for ((i = 0; i < bytes; i++)); do
		out+=$(printf '\\x%02x' $(((v >> (8 * i)) & 255)))
	done
	printf '%s' "$out"
}

# svc_msg TYPE FLAGS LEN STATUS VERSION TAG: an IC header as escapes.
svc_msg() {
	printf '%s%s%s%s%s%s' "$(svc_le 2 "$1")" "$(svc_le 2 "$2")" \
		"$(svc_le 4 "$3")" "$(svc_le 4 "$4")" "$(svc_le 4 "$5")" \
		"$(svc_le 8 "$6")"
}

# svc_inject SERVICE ESCAPES: send raw bytes as one packet to the guest.
svc_inject() {
	# shellcheck disable=SC2059
	printf "$2" > $SVC_HOST/"$1"/inject
}

# svc_fs: a 64 MiB ext4 on a loop device mounted at $SCRATCH/mnt.
svc_fs() {
	SVC_MNT=$SCRATCH/mnt
	mkdir -p "$SVC_MNT"
	truncate -s 64M "$SCRATCH/fs.img"
	mkfs.ext4 -q -F "$SCRATCH/fs.img" || ksft_fail "mkfs.ext4"
	modprobe loop 2>/dev/null
	mount -o loop "$SCRATCH/fs.img" "$SVC_MNT" || ksft_fail "mount"
}

# svc_vssd [ARGS...]: start the helper daemon on $SVC_MNT, wait for it.
svc_vssd() {
	local regs
	regs=$(grep -c registered "$SCRATCH/vssd.log" 2>/dev/null)
	synbus-vssd -n -m "$SVC_MNT" "$@" 2>> "$SCRATCH/vssd.log" &
	SVC_VSSD=$!
	SVC_PIDS+=("$SVC_VSSD")
	svc_until 20 '[ "$(grep -c registered "$SCRATCH/vssd.log")" -gt "${regs:-0}" ]' ||
		ksft_fail "synbus-vssd did not register"
}

# svc_writer: start a write + fsync on $SVC_MNT in the background.
svc_writer() {
	( echo "$1" > "$SVC_MNT/$2" && sync -f "$SVC_MNT/$2" ) &
	SVC_WRITER=$!
	SVC_PIDS+=("$SVC_WRITER")
}

svc_running() {
	kill -0 "$1" 2>/dev/null
}

svc_done() {
	! kill -0 "$1" 2>/dev/null
}

# svc_klog PATTERN: the kernel log has PATTERN (re-read on every call).
svc_klog() {
	dmesg | grep -q "$1"
}
