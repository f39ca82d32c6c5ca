# SPDX-License-Identifier: GPL-2.0
# Helpers for the vhd selftests: source after $SRC/selftests/lib.sh.
# Every device attached and folder mounted through these helpers is undone
# on exit, so a failing test leaves the guest clean for the next one.

: "${SRC:?SRC not set}"
: "${SCRATCH:=$PWD}"
VHDSETUP=${VHDSETUP:-vhdsetup}
VHDTOOL=${VHDTOOL:-vhd}

_vt_devs=()
_vt_mnts=()
_vt_cleanups=()

vt_cleanup() {
	local i m d c
	# Mounts (newest first), then devices, then the test's own steps,
	# then mounts that were busy while devices still held their files.
	for ((i = ${#_vt_mnts[@]} - 1; i >= 0; i--)); do
		m=${_vt_mnts[i]}
		mountpoint -q "$m" && umount "$m" >/dev/null 2>&1
	done
	for d in "${_vt_devs[@]}"; do
		[ -b "$d" ] && "$VHDSETUP" -d "$d" >/dev/null 2>&1
	done
	for c in "${_vt_cleanups[@]}"; do
		eval "$c" >/dev/null 2>&1
	done
	for m in "${_vt_mnts[@]}"; do
		mountpoint -q "$m" && umount "$m" >/dev/null 2>&1
	done
	return 0
}
trap vt_cleanup EXIT

# vt_on_exit CMD: run CMD (a string) on exit, after devices are detached.
vt_on_exit() {
	_vt_cleanups+=("$1")
}

vt_need() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || ksft_skip "$c not installed"
	done
}

# vt_setup: module loaded, tools present.
vt_setup() {
	ksft_load_module vhd
	[ -c /dev/vhd-control ] || ksft_fail "/dev/vhd-control missing after loading vhd.ko"
	vt_need "$VHDSETUP" "$VHDTOOL"
}

# vt_create TYPE SIZE FILE [PARENT]: make an image with our own tool.
# TYPE is fixed, dynamic or diff (PARENT given, SIZE ignored).
vt_create() {
	local type=$1 size=$2 file=$3 parent=${4:-}
	case "$type" in
	diff) "$VHDTOOL" create -p "$parent" "$file" ;;
	*) "$VHDTOOL" create -t "$type" -s "$size" "$file" ;;
	esac >/dev/null || ksft_fail "vhd create $type $size $file failed"
}

# vt_attach VAR [VHDSETUP OPTIONS] FILE: attach with -f --show and set
# VAR to the device (not in a subshell, so cleanup knows the device).
vt_attach() {
	local _var=$1 _dev
	shift
	_dev=$("$VHDSETUP" -f --show "$@") || ksft_fail "vhdsetup -f --show $* failed"
	[ -b "$_dev" ] || ksft_fail "vhdsetup printed '$_dev', not a block device"
	_vt_devs+=("$_dev")
	printf -v "$_var" '%s' "$_dev"
}

# vt_detach DEV: must succeed.
vt_detach() {
	"$VHDSETUP" -d "$1" || ksft_fail "vhdsetup -d $1 failed"
}

# vt_mount DEV DIR [OPTS]
vt_mount() {
	mkdir -p "$2"
	mount ${3:+-o "$3"} "$1" "$2" || ksft_fail "mount $1 $2 failed"
	_vt_mnts+=("$2")
}

# vt_size DEV: bytes.
vt_size() {
	blockdev --getsize64 "$1"
}

# vt_sysfs DEV ATTR: /sys/block/vhdN/vhd/ATTR
vt_sysfs() {
	cat "/sys/block/$(basename "$1")/vhd/$2"
}

vt_sha() {
	sha256sum "$@" | cut -d' ' -f1
}

# vt_sha_dev DEV [BYTES]: checksum of the first BYTES (default all).
vt_sha_dev() {
	if [ -n "${2:-}" ]; then
		head -c "$2" "$1" | sha256sum | cut -d' ' -f1
	else
		sha256sum < "$1" | cut -d' ' -f1
	fi
}

# vt_errno_str NAME: strerror() text for an errno name, as vhdsetup prints
# (glibc's wording; python only for names not listed, it is slow in TCG).
vt_errno_str() {
	case "$1" in
	EINVAL) echo "Invalid argument" ;;
	EBADMSG) echo "Bad message" ;;
	EOPNOTSUPP) echo "Operation not supported" ;;
	EUCLEAN) echo "Structure needs cleaning" ;;
	EBUSY) echo "Device or resource busy" ;;
	ENXIO) echo "No such device or address" ;;
	ENOENT) echo "No such file or directory" ;;
	EIO) echo "Input/output error" ;;
	EFBIG) echo "File too large" ;;
	ESTALE) echo "Stale file handle" ;;
	ELOOP) echo "Too many levels of symbolic links" ;;
	*) python3 -c 'import errno, os, sys; print(os.strerror(getattr(errno, sys.argv[1])))' "$1" ;;
	esac
}

# vt_expect_attach_errno ERRNO-NAME FILE [OPTS]: attach must fail with it.
vt_expect_attach_errno() {
	local want=$1 file=$2 out rc
	shift 2
	want=$(vt_errno_str "$want")
	out=$("$VHDSETUP" -f "$@" "$file" 2>&1)
	rc=$?
	[ $rc = 1 ] || ksft_fail "attach $file: exit $rc, expected 1 ($want): $out"
	case "$out" in
	*"$want"*) ;;
	*) ksft_fail "attach $file failed with '$out', expected '$want'" ;;
	esac
	echo "refused as expected: $out"
}

# vt_fixtures: set FIX to the folder holding the shared fixtures, or skip.
vt_fixtures() {
	local d
	for d in "$SRC/../shared/fixtures" /work/shared/fixtures; do
		[ -f "$d/README.md" ] && { FIX=$(cd "$d" && pwd); return 0; }
	done
	ksft_skip "fixtures folder absent"
}
