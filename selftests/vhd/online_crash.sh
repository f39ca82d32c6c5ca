#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Power cut at every metadata or copy write of allocation and of the
# online merge, resize, compact and move: vhd.ko's fail_after_writes=N
# makes every write after the N-th fail and reach nothing, as if the
# machine stopped there. The device is detached with the cut still in
# force (its last flush fails too), then, for every N up to the one that
# lets the operation finish:
#  - every image passes 'vhd check' (clean, or leaked space only);
#  - every write acknowledged before the last completed flush reads back,
#    and the chain reads what it did before the operation;
#  - running the operation again (no cut) completes it.
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/vhd/vhdtest.sh"
vt_setup
cd "$SCRATCH" || exit 1
. "$SRC/selftests/vhd/online_lib.sh"
KNOB=/sys/module/vhd/parameters/fail_after_writes
[ -w $KNOB ] || ksft_fail "$KNOB missing"
M=$((1 << 20))
MAXCUT=80

cut() { echo "$1" > $KNOB; }

# vo_clean FILE: clean, or clean after the documented 'vhd check --repair'
# (a cut between the two footer writes of a resize leaves the copy at 0
# stale; the trailing footer, which readers trust, is right)
vo_clean() {
	"$VHDTOOL" check "$1" > /dev/null 2>&1 && return 0
	"$VHDTOOL" check --repair "$1" > repair.out 2>&1
	vo_check "$1"
}

# after_cut DEV: detach under the cut, then lift it
after_cut() {
	"$VHDSETUP" -d "$1" > /dev/null 2>&1 || ksft_fail "detach of $1 under a cut failed"
	cut 0
}

# --- allocation: writes, each followed by a flush, cut at write N
vt_create dynamic 16M pristine.vhd
n=1
while [ $n -le $MAXCUT ]; do
	cp pristine.vhd a.vhd
	rm -f expect.raw; truncate -s 16M expect.raw; cp expect.raw maybe.raw
	vt_attach dev a.vhd
	cut $n
	ok=1
	for i in 0 1 2 3; do
		off=$(( (i * 5 % 8) * 2 * M + i * 4096 ))
		dd if=rnd.bin of="$dev" bs=4K skip=$i seek=$((off / 4096)) count=64 \
			oflag=direct conv=notrunc status=none 2> /dev/null || ok=0
		dd if=rnd.bin of=maybe.raw bs=4K skip=$i seek=$((off / 4096)) count=64 \
			conv=notrunc status=none
		[ $ok = 1 ] && sync "$dev" 2> /dev/null || ok=0
		[ $ok = 1 ] && cp maybe.raw expect.raw
	done
	after_cut "$dev"
	vo_check a.vhd
	vt_attach dev -r a.vhd
	# flushed writes are there; later ones are old or new, never junk
	cmp -s "$dev" expect.raw || cmp -s "$dev" maybe.raw ||
		{ dd if="$dev" of=got.raw bs=1M status=none
		  for i in 0 1 2 3; do
			off=$(( (i * 5 % 8) * 2 * M + i * 4096 ))
			cmp -s -i $off:$off -n 262144 got.raw expect.raw ||
				cmp -s -i $off:$off -n 262144 got.raw maybe.raw ||
				ksft_fail "allocation cut at write $n: write $i reads as junk"
		  done
		  cmp -s got.raw maybe.raw || python3 - got.raw expect.raw maybe.raw <<'PY' || ksft_fail "allocation cut at write $n: flushed data lost"
import sys
g, e, m = (open(f, 'rb').read() for f in sys.argv[1:])
sys.exit(any(g[i:i + 512] != e[i:i + 512] and e[i:i + 512] == m[i:i + 512]
             for i in range(0, len(g), 512)))
PY
		}
	vt_detach "$dev"
	[ $ok = 1 ] && break
	n=$((n + 1))
done
echo "allocation: cut at each of the first $n writes, flushed data intact"

# --- merge of the top into its parent
rm -f expect.raw; truncate -s 16M expect.raw
vt_create dynamic 16M base.vhd
vt_attach dev base.vhd; vo_put "$dev" 0 $((5 * M)); vt_detach "$dev"
vt_create diff 0 top.vhd base.vhd
vt_attach dev top.vhd
vo_put "$dev" $((3 * M)) $((3 * M)); vo_put "$dev" $((9 * M + 512)) 4096
vt_detach "$dev"
cp base.vhd base0.vhd; cp top.vhd top0.vhd	# top names base.vhd
n=1
while [ $n -le $MAXCUT ]; do
	cp base0.vhd base.vhd; cp top0.vhd top.vhd
	vt_attach dev top.vhd
	cut $n
	if "$VHDOP" "$dev" merge 0 base.vhd 2> /dev/null; then
		cut 0
		vo_same "$dev" "merge that completed under cut $n"
		vt_detach "$dev"
		break
	fi
	after_cut "$dev"
	vo_check base.vhd
	vo_check top.vhd
	vt_attach dev top.vhd
	vo_same "$dev" "chain after a merge cut at write $n"
	vo_op "$dev" merge 0 base.vhd
	vo_same "$dev" "merge re-run after a cut at write $n"
	vt_detach "$dev"
	n=$((n + 1))
done
[ $n -gt 1 ] || ksft_fail "merge made no write"
echo "merge: cut at each of its $((n - 1)) writes, chain intact and re-run completes"

# --- resize (BAT grows past its sector: block 0 must move)
rm -f expect.raw; truncate -s 16M expect.raw
vt_create dynamic 16M r0.vhd
vt_attach dev r0.vhd; vo_put "$dev" 0 $M; vo_put "$dev" $((7 * M)) $M; vt_detach "$dev"
n=1
while [ $n -le $MAXCUT ]; do
	cp r0.vhd r.vhd
	vt_attach dev r.vhd
	cut $n
	if "$VHDOP" "$dev" resize $((2048 * M)) 2> /dev/null; then
		cut 0
		vt_detach "$dev"
		break
	fi
	after_cut "$dev"
	vo_clean r.vhd
	vt_attach dev r.vhd
	size=$(vt_size "$dev")
	[ "$size" = $((16 * M)) ] || [ "$size" = $((2048 * M)) ] ||
		ksft_fail "resize cut at write $n: size $size"
	cmp -n $((16 * M)) "$dev" expect.raw || ksft_fail "resize cut at write $n: data changed"
	vo_op "$dev" resize $((2048 * M))
	[ "$(vt_size "$dev")" = $((2048 * M)) ] || ksft_fail "resize re-run after cut $n"
	cmp -n $((16 * M)) "$dev" expect.raw || ksft_fail "resize re-run after cut $n: data"
	vt_detach "$dev"
	n=$((n + 1))
done
[ $n -gt 1 ] || ksft_fail "resize made no write"
echo "resize: cut at each of its $((n - 1)) writes, old or new size, data intact"

# --- compact (zero blocks dropped, a hole filled, the file cut)
rm -f expect.raw; truncate -s 16M expect.raw
vt_create dynamic 16M c0.vhd
vt_attach dev c0.vhd
dd if=/dev/zero of="$dev" bs=1M count=4 oflag=direct status=none
vo_put "$dev" $((4 * M)) $M
dd if=/dev/zero of="$dev" bs=1M seek=8 count=2 oflag=direct status=none
vo_put "$dev" $((12 * M)) $((2 * M))
vt_detach "$dev"
n=1
while [ $n -le $MAXCUT ]; do
	cp c0.vhd c.vhd
	vt_attach dev c.vhd
	cut $n
	if "$VHDOP" "$dev" compact 2> /dev/null; then
		cut 0
		vt_detach "$dev"
		break
	fi
	after_cut "$dev"
	vo_check c.vhd
	vt_attach dev c.vhd
	vo_same "$dev" "compact cut at write $n"
	vo_op "$dev" compact
	vo_same "$dev" "compact re-run after cut $n"
	vt_detach "$dev"
	n=$((n + 1))
done
[ $n -gt 1 ] || ksft_fail "compact made no write"
echo "compact: cut at each of its $((n - 1)) writes, data intact"

# --- move: the old file is never written, whatever the cut
cp c0.vhd m.vhd
before=$(vt_sha m.vhd)
for n in 1 3 6 10; do
	rm -f new.vhd
	vt_attach dev m.vhd
	cut $n
	"$VHDOP" "$dev" move new.vhd 2> /dev/null && ksft_fail "move succeeded under cut $n"
	after_cut "$dev"
	[ "$(vt_sha m.vhd)" = "$before" ] || ksft_fail "move cut at $n wrote the old file"
done
ksft_pass "cuts at every write of allocation, merge, resize, compact, move leave valid images"
