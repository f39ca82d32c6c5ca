#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vhdsetup's online operations as vhdsetup.8 describes them: --merge
# (--level, --delete), --resize, --compact, --move (--flatten, the new
# file removed when the move fails), --cancel, --no-wait and --progress,
# and exit status 1 with "vhdsetup: DEV: OP failed: <strerror>" on errors.
# The results are checked through sysfs and the data the device reads.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
. "$SRC/selftests/vhd/online_lib.sh"
M=$((1 << 20))

# expect_rc1 WHAT TEXT CMD...: CMD exits 1 and prints TEXT
expect_rc1() {
	local what=$1 want=$2 out rc
	shift 2
	out=$("$@" 2>&1)
	rc=$?
	[ $rc = 1 ] || ksft_fail "$what: exit $rc, expected 1 ($out)"
	case "$out" in
	*"$want"*) echo "refused as expected: $out" ;;
	*) ksft_fail "$what: output '$out' lacks '$want'" ;;
	esac
}

# vs DEV ARGS...: vhdsetup ARGS DEV must succeed
vs() {
	local dev=$1
	shift
	"$VHDSETUP" "$@" "$dev" || ksft_fail "vhdsetup $* $dev: exit $?"
}

sys_is() {
	[ "$(vt_sysfs "$1" "$2")" = "$3" ] ||
		ksft_fail "$4: sysfs $2 is '$(vt_sysfs "$1" "$2")', expected '$3'"
}

# --- a chain base <- mid <- top
truncate -s 32M expect.raw
vt_create dynamic 32M base.vhd
vt_attach dev base.vhd
vo_put "$dev" 0 $((4 * M))
vo_put "$dev" $((10 * M)) $((2 * M))
vt_detach "$dev"
vt_create diff 0 mid.vhd base.vhd
vt_attach dev mid.vhd; vo_put "$dev" $((2 * M)) $((4 * M)); vt_detach "$dev"
vt_create diff 0 top.vhd mid.vhd
vt_attach dev top.vhd
vo_put "$dev" $((3 * M)) $M
vo_put "$dev" $((20 * M)) $((2 * M))
sys_is "$dev" depth 3 "the chain"

# --merge --level 1 --delete: mid into base, mid.vhd removed
vs "$dev" --merge --level 1 --delete
sys_is "$dev" depth 2 "--merge --level 1"
sys_is "$dev" parent1 "$PWD/base.vhd" "--merge --level 1"
sys_is "$dev" backing_file "$PWD/top.vhd" "--merge --level 1"
[ -e mid.vhd ] && ksft_fail "--delete kept mid.vhd"
vo_same "$dev" "after --merge --level 1 --delete"

# --merge: the top into base; top.vhd stays
vs "$dev" --merge
sys_is "$dev" depth 1 "--merge"
sys_is "$dev" backing_file "$PWD/base.vhd" "--merge"
sys_is "$dev" op merge "--merge"
sys_is "$dev" op_state done "--merge"
[ -f top.vhd ] || ksft_fail "--merge without --delete removed top.vhd"
vo_same "$dev" "after --merge"

# an error: nothing to merge at depth 1; the kernel's refusal too
expect_rc1 "--merge at depth 1" "$dev: merge failed: $(vt_errno_str EINVAL)" \
	"$VHDSETUP" --merge "$dev"
expect_rc1 "--merge --level 1 at depth 1" "$dev: merge failed: $(vt_errno_str EINVAL)" \
	"$VHDSETUP" --merge --level 1 "$dev"
sys_is "$dev" depth 1 "refused merges"
vo_same "$dev" "after refused merges"
echo "--merge, --level, --delete (${SECONDS}s)"

# --- --merge --delete of the top
vt_detach "$dev"
rm -f top.vhd
vt_create diff 0 top.vhd base.vhd
vt_attach dev top.vhd
vo_put "$dev" $((12 * M)) $M
vs "$dev" --merge --delete
[ -e top.vhd ] && ksft_fail "--merge --delete kept top.vhd"
sys_is "$dev" backing_file "$PWD/base.vhd" "--merge --delete"
vo_same "$dev" "after --merge --delete"
echo "--merge --delete (${SECONDS}s)"

# --- --resize
expect_rc1 "--resize smaller" "$dev: resize failed: $(vt_errno_str EINVAL)" \
	"$VHDSETUP" --resize 16M "$dev"
vs "$dev" --resize 64M
[ "$(vt_size "$dev")" = $((64 * M)) ] || ksft_fail "--resize 64M: size $(vt_size "$dev")"
sys_is "$dev" virtual_size $((64 * M)) "--resize 64M"
sys_is "$dev" op resize "--resize"
truncate -s 64M expect.raw
vo_put "$dev" $((60 * M)) $((2 * M))
vo_same "$dev" "after --resize 64M"
echo "--resize (${SECONDS}s)"

# --- --compact: an all-zero block goes
dd if=/dev/zero of="$dev" bs=1M seek=40 count=2 oflag=direct status=none
blocks=$(vt_sysfs "$dev" allocated_blocks)
vs "$dev" --compact
sys_is "$dev" op compact "--compact"
sys_is "$dev" op_state done "--compact"
after=$(vt_sysfs "$dev" allocated_blocks)
[ "$after" -lt "$blocks" ] || ksft_fail "--compact: $blocks allocated blocks before, $after after"
vo_same "$dev" "after --compact"
vt_detach "$dev"
vo_check base.vhd
echo "--compact: $blocks -> $after blocks (${SECONDS}s)"

# --- --move, --move --flatten, --progress
vt_create diff 0 top.vhd base.vhd
vt_attach dev top.vhd
vo_put "$dev" $((5 * M)) $M
vs "$dev" --move top2.vhd
sys_is "$dev" backing_file "$PWD/top2.vhd" "--move"
sys_is "$dev" depth 2 "--move"
sys_is "$dev" parent1 "$PWD/base.vhd" "--move"
vo_same "$dev" "after --move"
"$VHDSETUP" --move flat.vhd --flatten --progress "$dev" 2> progress.out ||
	{ cat progress.out; ksft_fail "vhdsetup --move --flatten --progress failed"; }
sys_is "$dev" backing_file "$PWD/flat.vhd" "--move --flatten"
sys_is "$dev" depth 1 "--move --flatten"
sys_is "$dev" type dynamic "--move --flatten"
vo_same "$dev" "after --move --flatten"
cat progress.out
total=$(vt_sysfs "$dev" op_total)
[ -s progress.out ] || ksft_fail "--progress printed nothing"
grep -Evq '^move: [0-9]+/[0-9]+ bytes \([0-9]+%\)$' progress.out &&
	ksft_fail "--progress: a line not as vhdsetup.8 shows"
[ "$(tail -n 1 progress.out)" = "move: $total/$total bytes (100%)" ] ||
	ksft_fail "--progress: last line '$(tail -n 1 progress.out)', op_total $total"
echo "--move, --flatten, --progress (${SECONDS}s)"

# --- errors of --move: the file it created is removed, one it found kept
expect_rc1 "--move onto the attached file" "$dev: move failed: $(vt_errno_str EINVAL)" \
	"$VHDSETUP" --move flat.vhd "$dev"
[ -s flat.vhd ] || ksft_fail "a refused move touched flat.vhd"
head -c 4096 rnd.bin > notempty.bin
expect_rc1 "--move onto a file with data" "$dev: move failed: $(vt_errno_str EEXIST)" \
	"$VHDSETUP" --move notempty.bin "$dev"
[ "$(stat -c %s notempty.bin)" = 4096 ] || ksft_fail "a refused move changed notempty.bin"
mkdir -p small
mount -t tmpfs -o size=4m tmpfs small || ksft_fail "mount tmpfs"
_vt_mnts+=("$PWD/small")
vo_put "$dev" $((14 * M)) $((8 * M))
expect_rc1 "--move to a full filesystem" "$dev: move failed: $(vt_errno_str ENOSPC)" \
	"$VHDSETUP" --move small/new.vhd "$dev"
[ -e small/new.vhd ] && ksft_fail "a failed --move left small/new.vhd behind"
: > small/empty.vhd
expect_rc1 "--move to an empty file on a full filesystem" \
	"$dev: move failed: $(vt_errno_str ENOSPC)" "$VHDSETUP" --move small/empty.vhd "$dev"
[ -e small/empty.vhd ] || ksft_fail "a failed --move removed small/empty.vhd, which it had not created"
sys_is "$dev" backing_file "$PWD/flat.vhd" "failed moves"
vo_same "$dev" "after failed moves"
vt_detach "$dev"
umount small || ksft_fail "umount tmpfs"
vo_check flat.vhd
echo "--move errors (${SECONDS}s)"

# --- --no-wait, --cancel
rm -f base.vhd top.vhd top2.vhd flat.vhd
: > expect.raw; truncate -s 128M expect.raw
vt_create dynamic 128M big.vhd
vt_attach dev big.vhd
for o in 0 16 32 48 64 80; do vo_put "$dev" $((o * M)) $((8 * M)); done
expect_rc1 "--cancel with no operation" "no operation running" "$VHDSETUP" --cancel "$dev"
out=$("$VHDSETUP" -v --no-wait --move big2.vhd "$dev") || ksft_fail "--no-wait --move: exit $?"
[ "$out" = "$dev: move started" ] || ksft_fail "--no-wait -v printed '$out'"
st=$(vt_sysfs "$dev" op_state)
[ "$st" = running ] || [ "$st" = done ] || ksft_fail "op_state $st after --no-wait"
"$VHDOP" "$dev" wait || ksft_fail "the --no-wait move failed: $(vt_sysfs "$dev" op_error)"
sys_is "$dev" backing_file "$PWD/big2.vhd" "--no-wait --move"
vo_same "$dev" "after --no-wait --move"
echo "--no-wait (${SECONDS}s)"

# a waiting --move cancelled from elsewhere: exit 1, its new file removed
# (units paced by op_unit_delay_ms so that the cancel lands mid-copy; when
# the move still wins the race and ends first, try again from its file)
PACE=/sys/module/vhd/parameters/op_unit_delay_ms
echo 100 > $PACE
vt_on_exit "echo 0 > $PACE"
for try in 1 2 3; do
	cur=$(vt_sysfs "$dev" backing_file)
	tgt=big$((try + 2)).vhd
	"$VHDSETUP" --move "$tgt" "$dev" > move.out 2>&1 &
	mvpid=$!
	st=/sys/block/${dev#/dev/}/vhd/op_state
	for _ in $(seq 20000); do	# no sleep: a move of 48 MiB is quick
		read -r s < "$st"
		[ "$s" = running ] && break
		kill -0 $mvpid 2> /dev/null || break
	done
	out=$("$VHDSETUP" -v --cancel "$dev" 2>&1) && [ "$out" = "$dev: move cancelled" ] && break
	wait $mvpid || ksft_fail "--move $tgt: $(cat move.out)"
	echo "the move ended before --cancel ($out), again"
	[ $try = 3 ] && ksft_fail "--cancel: three moves ended before it could cancel them"
done
echo 0 > $PACE
wait $mvpid && ksft_fail "the cancelled --move exited 0: $(cat move.out)"
grep -q "$dev: move failed: $(vt_errno_str ECANCELED)" move.out ||
	ksft_fail "the cancelled --move printed '$(cat move.out)'"
[ -e "$tgt" ] && ksft_fail "the cancelled --move left $tgt behind"
sys_is "$dev" op_state cancelled "--cancel"
sys_is "$dev" backing_file "$cur" "--cancel"
vo_same "$dev" "after --cancel"
vt_detach "$dev"
vo_check "$cur"
ksft_pass "vhdsetup --merge/--resize/--compact/--move/--cancel, --no-wait, --progress, errors"
