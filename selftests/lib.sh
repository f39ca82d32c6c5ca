# SPDX-License-Identifier: GPL-2.0
# Helpers for shell selftests; source it: . "$SRC/selftests/lib.sh"
# Exit codes follow kselftest: 0 pass, 1 fail, 4 skip.

KSFT_PASS=0
KSFT_FAIL=1
KSFT_SKIP=4

ksft_pass() {
	[ $# -gt 0 ] && echo "ok: $*"
	exit $KSFT_PASS
}

ksft_fail() {
	echo "FAIL: $*" >&2
	exit $KSFT_FAIL
}

ksft_skip() {
	echo "SKIP: $*"
	exit $KSFT_SKIP
}

# ksft_load_module NAME [ARGS...]: insmod our NAME.ko unless loaded.
ksft_load_module() {
	local name=$1
	shift
	[ -d "/sys/module/$name" ] && return 0
	insmod "${KMOD_ROOT:-$SRC}/$name/$name.ko" "$@" ||
		ksft_fail "insmod $name failed"
}

# ksft_expect_errno ERRNO-NAME CMD...: CMD must fail and say strerror(ERRNO).
ksft_expect_fail() {
	local want=$1
	shift
	local out
	if out=$("$@" 2>&1); then
		ksft_fail "'$*' succeeded, expected failure ($want)"
	fi
	case "$out" in
	*"$want"*) return 0 ;;
	esac
	ksft_fail "'$*' failed with '$out', expected '$want'"
}

# ksft_cmp_sha FILE SHA256: content of FILE must hash to SHA256.
ksft_cmp_sha() {
	local got
	got=$(sha256sum < "$1" | cut -d' ' -f1)
	[ "$got" = "$2" ] || ksft_fail "$1: sha256 $got, expected $2"
}

# ksft_load_ko DIR/NAME [ARGS...]: insmod $KMOD_ROOT/DIR/NAME.ko unless NAME
# is loaded (for modules whose folder is not named after them).
ksft_load_ko() {
	local path=$1 name
	shift
	name=$(basename "$path")
	[ -d "/sys/module/$name" ] && return 0
	insmod "${KMOD_ROOT:-$SRC}/$path.ko" "$@" ||
		ksft_fail "insmod $path failed"
}
