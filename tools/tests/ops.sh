# SPDX-License-Identifier: GPL-2.0
#
# Offline meta-operations of the vhd tool (merge, resize, compact,
# set-uuid, snapshot, discard-snapshot), sourced by run.sh: each result is
# compared with a raw shadow, read by qemu-img and libvhdi, bad requests
# must change nothing, and every operation is cut after each of its writes
# (VHD_FAIL_AFTER_WRITES) and checked.

# view IMAGE OUT: the virtual disk of IMAGE (through its chain) as raw.
view() { "$VHD" convert -O raw "$1" "$2" >/dev/null; }
sum() { sha256sum "$@" | cut -d' ' -f1 | tr '\n' ' '; }
bat_entry() {	# bat_entry FILE INDEX: BAT entry (table at 1536)
	od -An -tu4 --endian=big -j $((1536 + 4 * $2)) -N4 "$1" | tr -d ' '
}
clean() {	# clean IMAGE: check clean, or clean after --repair
	"$VHD" check "$1" >/dev/null && return 0
	"$VHD" check --repair "$1" >/dev/null && "$VHD" check "$1" >/dev/null
}
qemu_same() {	# qemu_same IMAGE RAW: qemu-img reads RAW
	have qemu-img || return 0
	qemu-img convert -O raw --image-opts \
		driver=vpc,force_size_calc=current_size,file.filename="$1" q.raw &&
		cmp q.raw "$2"
}
vhdi_size() {
	have vhdiinfo || { vsize "$1"; return; }
	vhdiinfo "$1" | sed -nE 's/.*Media size.*\(([0-9]+) bytes\).*/\1/p'
}
# sectors_old_or_new OLD NEW CUR: every 512-byte sector of CUR is OLD's or NEW's.
sectors_old_or_new() {
	python3 - "$@" <<-'PY'
	import sys
	o, n, c = (open(p, "rb").read() for p in sys.argv[1:4])
	assert len(c) == len(n), (len(c), len(n))
	for s in range(0, len(c), 512):
	    x = c[s:s + 512]
	    assert x == n[s:s + 512] or x == o[s:s + 512], "sector %d" % (s // 512)
	PY
}

# A chain base <- mid <- top of 12 MiB, 512 KiB blocks, partial bitmaps
# (runs start on whole bitmap bytes: libvhdi 20221105 misreads others).
mkchain() {
	mkraw base.raw 12
	mkraw mid.raw 12
	head -c $((5 << 20)) /dev/urandom > top.raw
	truncate -s 12M top.raw
	"$VHD" convert -O dynamic -b 512K base.raw base.vhd &&
	"$VHD" convert -O dynamic -b 512K mid.raw mid.vhd &&
	"$VHD" convert -O dynamic -b 512K top.raw top.vhd &&
	"$P" mid.vhd mkdiff base.vhd && "$P" top.vhd mkdiff mid.vhd &&
	"$P" mid.vhd bitmap 0 96 200 0 && "$P" top.vhd bitmap 1 0 16 0 &&
	"$P" top.vhd bitmap 3 8 1000 0
}

t_ops_merge() {
	local s
	mkchain || return 1
	cp base.vhd base0.vhd; cp mid.vhd mid0.vhd; cp top.vhd top0.vhd
	view top.vhd want.raw && view mid.vhd mid-before.raw || return 1
	# Into the parent: the parent's view becomes the child's.
	"$VHD" merge top.vhd || die "merge failed"
	"$VHD" check mid.vhd >/dev/null || die "parent not clean"
	view mid.vhd got.raw && cmp want.raw got.raw || die "parent view != child view"
	view top.vhd got.raw && cmp want.raw got.raw || die "child view changed"
	# Several layers down, into a dynamic base: qemu-img and libvhdi agree.
	cp base0.vhd base.vhd; cp mid0.vhd mid.vhd; cp top0.vhd top.vhd
	"$VHD" merge --into base.vhd --delete top.vhd || die "merge --into failed"
	[ ! -e top.vhd ] && [ ! -e mid.vhd ] || die "--delete left layers"
	"$VHD" check base.vhd >/dev/null || die "base not clean"
	view base.vhd got.raw && cmp want.raw got.raw || die "base view"
	qemu_same base.vhd want.raw || die "qemu-img reads the merged base differently"
	[ "$(vhdi_size base.vhd)" = $((12 << 20)) ] || die "libvhdi size"
	# Into a fixed parent.
	"$VHD" convert -O fixed base.raw fixed.vhd && cp top0.vhd t2.vhd &&
	"$P" t2.vhd mkdiff fixed.vhd && view t2.vhd want2.raw || return 1
	"$VHD" merge t2.vhd && view fixed.vhd got.raw && cmp want2.raw got.raw ||
		die "fixed parent"
	qemu_same fixed.vhd want2.raw || die "qemu-img: fixed after merge"
	# Bad requests change nothing.
	s=$(sum base.vhd)
	"$VHD" merge base.vhd 2>err && die "merged a dynamic image"
	grep -q "only a differencing disk can be merged" err || die "msg: $(cat err)"
	cp top0.vhd t3.vhd && "$P" t3.vhd mkdiff base.vhd || return 1
	"$VHD" merge --into fixed.vhd t3.vhd 2>err && die "merged into a non-ancestor"
	grep -q "not an ancestor" err || die "msg: $(cat err)"
	[ "$(sum base.vhd)" = "$s" ] || die "refused merge changed the image"
}

t_ops_resize() {
	local s
	mkraw a.raw 12
	"$VHD" convert -O dynamic -b 512K a.raw d.vhd || return 1
	# 300 MiB needs a 2.5 KiB BAT: the first block moves to the end.
	first=$(bat_entry d.vhd 0)
	"$VHD" resize --size 300M d.vhd || die "grow"
	[ "$(bat_entry d.vhd 0)" != "$first" ] || die "first block not relocated"
	"$VHD" check d.vhd >/dev/null || die "grown image not clean"
	[ "$(vsize d.vhd)" = $((300 << 20)) ] || die "size after grow"
	cp a.raw want.raw && truncate -s 300M want.raw
	view d.vhd got.raw && cmp want.raw got.raw || die "grown view"
	qemu_same d.vhd want.raw || die "qemu-img: grown dynamic"
	[ "$(vhdi_size d.vhd)" = $((300 << 20)) ] || die "libvhdi size after grow"
	rm -f got.raw q.raw want.raw
	# Shrink back: the cut tail is unallocated.
	"$VHD" resize --size 12M d.vhd && "$VHD" check d.vhd >/dev/null || die "shrink"
	view d.vhd got.raw && cmp a.raw got.raw || die "shrunk view"
	# Shrink over data is refused, nothing changes.
	s=$(sum d.vhd)
	"$VHD" resize --size 10M d.vhd 2>err && die "shrank over data"
	grep -q "cannot shrink to 10485760 bytes: data at byte" err || die "msg: $(cat err)"
	[ "$(sum d.vhd)" = "$s" ] || die "refused resize changed the image"
	# A snapshot grows past its parent: its locators move off the BAT.
	"$VHD" snapshot d.vhd s.vhd && "$VHD" resize --size 100M s.vhd || die "grow child"
	"$VHD" check s.vhd >/dev/null || die "grown child not clean"
	cp a.raw want.raw && truncate -s 100M want.raw
	view s.vhd got.raw && cmp want.raw got.raw || die "grown child view"
	[ "$(vhdi_size s.vhd)" = $((100 << 20)) ] || die "libvhdi: grown child"
	rm -f got.raw want.raw
	# Fixed: grow, shrink, refuse.
	"$VHD" convert -O fixed a.raw f.vhd && "$VHD" resize --size 20M f.vhd || die "fixed grow"
	cp a.raw want.raw && truncate -s 20M want.raw
	view f.vhd got.raw && cmp want.raw got.raw && "$VHD" check f.vhd >/dev/null || die "fixed grown"
	qemu_same f.vhd want.raw || die "qemu-img: grown fixed"
	[ "$(stat -c %s f.vhd)" = $(((20 << 20) + 512)) ] || die "fixed file size"
	"$VHD" resize --size 12M f.vhd && view f.vhd got.raw && cmp a.raw got.raw || die "fixed shrink"
	s=$(sum f.vhd)
	"$VHD" resize --size 11M f.vhd 2>err && die "fixed shrank over data"
	[ "$(sum f.vhd)" = "$s" ] || die "refused fixed resize changed it"
}

t_ops_compact() {
	local b before after n
	mkraw a.raw 12
	"$VHD" convert -O dynamic -b 512K a.raw d.vhd || return 1
	# Zero the data of three allocated blocks: compact drops them.
	n=0
	for b in 0 6 12; do
		e=$(bat_entry d.vhd $b)
		[ "$e" != 4294967295 ] || continue
		dd if=/dev/zero of=d.vhd bs=512 seek=$((e + 1)) count=1024 conv=notrunc status=none
		dd if=/dev/zero of=a.raw bs=512K seek=$b count=1 conv=notrunc status=none
		n=$((n + 1))
	done
	[ $n -ge 2 ] || die "test image has too few blocks"
	before=$(stat -c %s d.vhd)
	"$VHD" compact d.vhd > out || die "compact"
	grep -q "$n blocks dropped" out || die "$(cat out)"
	"$VHD" check d.vhd >/dev/null || die "compacted not clean"
	view d.vhd got.raw && cmp a.raw got.raw || die "compacted view"
	after=$(stat -c %s d.vhd)
	[ $((before - after)) = $((n * (512 * 1024 + 4096))) ] ||
		die "released $((before - after)), expected $n blocks"
	# The same size as a fresh conversion of the same data.
	"$VHD" convert -O dynamic -b 512K a.raw fresh.vhd
	[ "$after" = "$(stat -c %s fresh.vhd)" ] || die "not as small as a fresh image"
	qemu_same d.vhd a.raw || die "qemu-img: compacted"
	# Differencing: blocks equal to the parent's go.
	cp a.raw b.raw
	head -c 512K /dev/urandom | dd of=b.raw bs=512K seek=3 conv=notrunc status=none
	"$VHD" convert -O dynamic -b 512K b.raw k.vhd && "$P" k.vhd mkdiff fresh.vhd || return 1
	before=$(stat -c %s k.vhd)
	"$VHD" compact k.vhd > out || die "compact child"
	view k.vhd got.raw && cmp b.raw got.raw || die "compacted child view"
	"$VHD" info --output=json k.vhd > k.json
	[ "$(jget k.json allocated-blocks)" = 1 ] || die "child keeps $(jget k.json allocated-blocks) blocks"
	[ "$(vhdi_size k.vhd)" = $((12 << 20)) ] || die "libvhdi: compacted child"
	"$VHD" convert -O fixed a.raw f.vhd && s=$(sum f.vhd)
	"$VHD" compact f.vhd 2>err && die "compacted a fixed image"
	[ "$(sum f.vhd)" = "$s" ] || die "refused compact changed it"
}

t_ops_uuid() {
	local s u
	mkraw a.raw 4
	"$VHD" convert -O dynamic a.raw a.vhd && "$VHD" snapshot a.vhd s.vhd &&
	"$VHD" snapshot a.vhd s2.vhd && "$VHD" convert -O dynamic a.raw other.vhd || return 1
	"$VHD" set-uuid --uuid 01234567-89ab-cdef-0123-456789abcdef a.vhd --relink s.vhd s2.vhd ||
		die "set-uuid"
	"$VHD" info --output=json a.vhd > a.json
	[ "$(jget a.json uuid)" = 01234567-89ab-cdef-0123-456789abcdef ] || die "uuid not set"
	"$VHD" check a.vhd >/dev/null || die "not clean"
	view s.vhd got.raw && cmp a.raw got.raw || die "relinked child"
	view s2.vhd got.raw && cmp a.raw got.raw || die "relinked child 2"
	# Without --uuid: a random one, differing each time.
	"$VHD" set-uuid other.vhd > out && u=$(sed -nE 's/.*new unique id (.*)/\1/p' out)
	"$VHD" info --output=json other.vhd > o.json
	[ "$(jget o.json uuid)" = "$u" ] || die "random uuid"
	# Relinking a non-child: refused, nothing written.
	"$VHD" snapshot other.vhd foreign.vhd || return 1
	s=$(sum a.vhd s.vhd foreign.vhd)
	"$VHD" set-uuid a.vhd --relink s.vhd foreign.vhd 2>err && die "relinked a non-child"
	grep -q "foreign.vhd: not a child of a.vhd" err || die "msg: $(cat err)"
	"$VHD" set-uuid a.vhd --relink other.vhd 2>err && die "relinked a dynamic image"
	[ "$(sum a.vhd s.vhd foreign.vhd)" = "$s" ] || die "refused set-uuid changed files"
}

t_ops_snapshot() {
	mkraw a.raw 4
	"$VHD" convert -O dynamic a.raw a.vhd && "$VHD" snapshot a.vhd s1.vhd &&
	"$VHD" snapshot s1.vhd s2.vhd || return 1
	view s2.vhd got.raw && cmp a.raw got.raw || die "snapshot view"
	[ "$(vhdi_size s2.vhd)" = $((4 << 20)) ] || die "libvhdi: snapshot"
	"$VHD" snapshot a.vhd s1.vhd 2>/dev/null && die "overwrote a snapshot"
	"$VHD" discard-snapshot s1.vhd 2>err && die "discarded a snapshot with a child"
	grep -q "s2.vhd depends on it" err || die "msg: $(cat err)"
	"$VHD" discard-snapshot a.vhd 2>err && die "discarded a dynamic image"
	grep -q "not a snapshot" err || die "msg: $(cat err)"
	"$VHD" discard-snapshot s2.vhd && [ ! -e s2.vhd ] || die "discard s2"
	"$VHD" discard-snapshot s1.vhd && [ ! -e s1.vhd ] && [ -e a.vhd ] || die "discard s1"
}

# cut_each NAME SETUP OP VERIFY FINAL: for N = 1.. run OP on a fresh copy
# with writes cut from the Nth on, VERIFY the state, re-run OP, FINAL.
cut_each() {
	local name=$1 setup=$2 op=$3 verify=$4 final=$5 n=1 rc
	while :; do
		$setup || die "$name: setup"
		VHD_FAIL_AFTER_WRITES=$n $op >/dev/null 2>&1
		rc=$?
		$verify || die "$name: cut at write $n: bad state"
		[ $rc = 0 ] && break
		$op >/dev/null 2>&1 || die "$name: re-run after cut $n failed"
		$final || die "$name: cut at write $n: re-run result wrong"
		n=$((n + 1))
		[ $n -lt 400 ] || die "$name: never completes"
	done
	$final || die "$name: uncut result wrong"
	echo "$name: $((n - 1)) writes, cut after each"
}

c_merge_setup() { cp top0.vhd top.vhd && cp mid0.vhd mid.vhd; }
c_merge_op() { "$VHD" merge top.vhd; }
c_merge_verify() {
	clean mid.vhd && view top.vhd got.raw && cmp got.raw want.raw &&
	view mid.vhd cur.raw && sectors_old_or_new mid-before.raw want.raw cur.raw
}
c_merge_final() { clean mid.vhd && view mid.vhd cur.raw && cmp cur.raw want.raw; }

c_into_setup() { cp top0.vhd top.vhd && cp mid0.vhd mid.vhd && cp base0.vhd base.vhd; }
c_into_op() { "$VHD" merge --into base.vhd top.vhd; }
c_into_verify() {
	clean base.vhd && view top.vhd got.raw && cmp got.raw want.raw &&
	view base.vhd cur.raw && sectors_old_or_new base-before.raw want.raw cur.raw
}
c_into_final() { clean base.vhd && view base.vhd cur.raw && cmp cur.raw want.raw; }

c_grow_setup() { cp d0.vhd d.vhd; }
c_grow_op() { "$VHD" resize --size 300M d.vhd; }
c_grow_verify() { clean d.vhd && view d.vhd got.raw && cmp -n $((12 << 20)) got.raw a.raw; }
c_grow_final() { clean d.vhd && [ "$(vsize d.vhd)" = $((300 << 20)) ] && view d.vhd got.raw && cmp got.raw want.raw; }

c_shrink_setup() { cp d300.vhd d.vhd; }
c_shrink_op() { "$VHD" resize --size 12M d.vhd; }
c_shrink_verify() { clean d.vhd && view d.vhd got.raw && cmp -n $((12 << 20)) got.raw a.raw; }
c_shrink_final() { clean d.vhd && [ "$(vsize d.vhd)" = $((12 << 20)) ] && view d.vhd got.raw && cmp got.raw a.raw; }

c_sgrow_setup() { cp d0.vhd d.vhd && cp s0.vhd s.vhd; }
c_sgrow_op() { "$VHD" resize --size 100M s.vhd; }
c_sgrow_verify() { clean s.vhd && view s.vhd got.raw && cmp -n $((12 << 20)) got.raw a.raw; }
c_sgrow_final() { clean s.vhd && view s.vhd got.raw && cmp got.raw want2.raw; }

c_fgrow_setup() { cp f0.vhd f.vhd; }
c_fgrow_op() { "$VHD" resize --size 20M f.vhd; }
c_fgrow_verify() { clean f.vhd && view f.vhd got.raw && cmp -n $((12 << 20)) got.raw a.raw; }
c_fgrow_final() { clean f.vhd && view f.vhd got.raw && cmp got.raw want3.raw; }

c_compact_setup() { cp z0.vhd z.vhd; }
c_compact_op() { "$VHD" compact z.vhd; }
c_compact_verify() { clean z.vhd && view z.vhd got.raw && cmp got.raw z.raw; }
c_compact_final() { c_compact_verify && [ "$(stat -c %s z.vhd)" = "$(stat -c %s zfresh.vhd)" ]; }

c_uuid_setup() { cp d0.vhd d.vhd && cp s0.vhd s.vhd; }
c_uuid_op() { "$VHD" set-uuid --uuid 11111111-2222-3333-4444-555555555555 d.vhd --relink s.vhd; }
c_uuid_verify() { clean d.vhd && clean s.vhd; }
c_uuid_final() { view s.vhd got.raw && cmp got.raw a.raw; }

t_ops_crash() {
	local b e
	mkchain || return 1
	cp top.vhd top0.vhd; cp mid.vhd mid0.vhd; cp base.vhd base0.vhd
	view top.vhd want.raw && view mid.vhd mid-before.raw &&
	view base.vhd base-before.raw || return 1
	cut_each merge c_merge_setup c_merge_op c_merge_verify c_merge_final
	cut_each merge-into c_into_setup c_into_op c_into_verify c_into_final
	mkraw a.raw 12
	"$VHD" convert -O dynamic -b 512K a.raw d0.vhd && cp d0.vhd d.vhd &&
	"$VHD" snapshot d.vhd s0.vhd && "$VHD" convert -O fixed a.raw f0.vhd || return 1
	cp a.raw want.raw && truncate -s 300M want.raw
	cp a.raw want2.raw && truncate -s 100M want2.raw
	cp a.raw want3.raw && truncate -s 20M want3.raw
	cut_each grow-dynamic c_grow_setup c_grow_op c_grow_verify c_grow_final
	cp d.vhd d300.vhd
	cut_each shrink-dynamic c_shrink_setup c_shrink_op c_shrink_verify c_shrink_final
	cut_each grow-child c_sgrow_setup c_sgrow_op c_sgrow_verify c_sgrow_final
	cut_each grow-fixed c_fgrow_setup c_fgrow_op c_fgrow_verify c_fgrow_final
	rm -f want.raw want2.raw got.raw q.raw
	cp a.raw z.raw
	"$VHD" convert -O dynamic -b 512K a.raw z0.vhd || return 1
	for b in 0 3 6; do
		e=$(bat_entry z0.vhd $b)
		[ "$e" != 4294967295 ] || continue
		dd if=/dev/zero of=z0.vhd bs=512 seek=$((e + 1)) count=1024 conv=notrunc status=none
		dd if=/dev/zero of=z.raw bs=512K seek=$b count=1 conv=notrunc status=none
	done
	"$VHD" convert -O dynamic -b 512K z.raw zfresh.vhd || return 1
	cut_each compact c_compact_setup c_compact_op c_compact_verify c_compact_final
	cut_each set-uuid c_uuid_setup c_uuid_op c_uuid_verify c_uuid_final
}

# libvhdi reads the results of each op as we do (vhdimount, layer by layer).
t_ops_vhdimount() {
	local f
	have vhdimount || skipit "vhdimount not installed"
	[ -c /dev/fuse ] && [ -w /dev/fuse ] || skipit "/dev/fuse unusable"
	mkchain || return 1
	"$VHD" merge --into base.vhd top.vhd >/dev/null &&
	"$VHD" resize --size 40M base.vhd && "$VHD" resize --size 40M mid.vhd &&
	"$VHD" compact top.vhd >/dev/null &&
	"$VHD" convert -O fixed base.raw fixed.vhd &&
	"$VHD" resize --size 20M fixed.vhd &&
	"$VHD" snapshot base.vhd snap.vhd || return 1
	mkdir -p m
	for f in base mid top fixed snap; do
		MNT=$PWD/m
		timeout 20 vhdimount $f.vhd m >/dev/null 2>&1 ||
			skipit "vhdimount cannot mount here (fuse)"
		view $f.vhd ours.raw || return 1
		cmp "$(ls m/vhdi* | sort -V | tail -n 1)" ours.raw ||
			{ umount m; die "$f: libvhdi reads differently"; }
		umount m
		MNT=
	done
}

t ops-merge t_ops_merge
t ops-resize t_ops_resize
t ops-compact t_ops_compact
t ops-set-uuid t_ops_uuid
t ops-snapshot t_ops_snapshot
t ops-vhdimount t_ops_vhdimount
t ops-crash t_ops_crash
