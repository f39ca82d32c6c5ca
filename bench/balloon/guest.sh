#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Balloon benchmark, run in the test guest by `bench/run.sh balloon` (or
# `make bench B=balloon`): time to inflate and to deflate BENCH_MIB (1024)
# MiB with dynmem.ko (loopback host end dynmem_host.ko in this kernel) and
# with QEMU's virtio-balloon (virtio_balloon.ko, driven by the host over
# QMP), in the same guest run, and the speedup virtio time / dynmem time
# against the targets (inflate >= 3x, deflate >= 10x). A missed target is
# only reported; the bench fails only when a step could not run.
#
# dynmem: the host module times each request from the target write to the
# guest's last answer (last_inflate_us / last_deflate_us); once with 2 MiB
# blocks first (the default), once with 4 KiB pages only (use_2m=0).
# virtio-balloon: bench/balloon/qmp_helper.py on the host (started by
# bench/run.sh from bench.conf, which also adds the device and 3 GiB) sends
# QMP "balloon" and times until query-balloon's "actual" reaches the
# target. We ask it through files in the results share (/run/results):
# balloon-req "SEQ BYTES" in, balloon-rsp "SEQ STATUS SECONDS ACTUAL" out
# (no fork on the timed path: bash builtins and $EPOCHREALTIME only).
# The virtio driver moves at most 256 pfns (VIRTIO_BALLOON_ARRAY_PFNS_MAX,
# 1 MiB) per virtqueue message, one message and one host exit per 256 4 KiB
# pages either way, and QEMU discards each inflated page with its own
# madvise; dynmem sends ranges (one 2 MiB block is one entry) in pipelined
# packets. Both sides also get a "wall" figure: the script's own time from
# the request to the guest seeing it done (its polling every 20 ms
# included).
#
# Before both, all free memory is touched once (tmpfs fill, then freed) so
# that the host's first-touch page faults hit neither side (with Debian's
# init_on_alloc both drivers zero every page they take).
# BENCH_ROUNDS rounds (3), each: dynmem 2 MiB, dynmem 4 KiB, virtio; the
# figures printed are the medians. Knobs: BENCH_MIB (1024), BENCH_ROUNDS,
# BENCH_WARM (1; 0 skips the warm-up), set from the host with e.g.
# VHD_APPEND="BENCH_ROUNDS=1" (the kernel gives unknown parameters to init
# as environment, and the runner passes it on).
set -u
. "$SRC/selftests/lib.sh"
. "$SRC/selftests/balloon/dm_lib.sh"
MIB=${BENCH_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-3}
PAGES=$((MIB * 256))
BYTES=$((MIB << 20))
R=/run/results
SIZE="$MIB MiB"
[ $((MIB % 1024)) = 0 ] && SIZE="$((MIB / 1024)) GiB"
cd "${SCRATCH:-$PWD}" || exit 1

say() { echo "# $(date +%T) $*"; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.6f", b - a }'; }

# nap: sleep 20 ms without a fork (read times out on a fifo nobody writes)
mkfifo nap.fifo && exec {NAP}<>nap.fifo || exit 1
nap() { read -r -t 0.02 -u $NAP _; }
# rd VAR FILE: first word of FILE, no fork
rd() { read -r "$1" _ < "$2"; }
# memtotal: MemTotal kB into MT, no fork
memtotal() {
	local k v
	while read -r k v _; do
		[ "$k" = MemTotal: ] && { MT=$v; return 0; }
	done < /proc/meminfo
}

# fwait SECONDS 'EXPR': poll EXPR every 20 ms (dm_until polls every 100 ms);
# EXPR should use builtins only, so that the polling costs little
fwait() {
	local t=$(($1 * 50))
	while [ $t -gt 0 ]; do
		eval "$2" 2>/dev/null && return 0
		nap
		t=$((t - 1))
	done
	return 1
}

# ---- warm-up
if [ "${BENCH_WARM:-1}" = 1 ]; then
	free_mb=$(($(dm_meminfo MemFree) / 1024 - 384))
	mkdir -p warm
	if [ $free_mb -gt 0 ] && mount -t tmpfs -o size=${free_mb}m tmpfs warm; then
		t0=$EPOCHREALTIME
		fallocate -l ${free_mb}M warm/fill ||
			dd if=/dev/zero of=warm/fill bs=1M count=$free_mb status=none 2>/dev/null
		umount warm
		say "warm-up: touched $free_mb MiB in $(sub "$t0" "$EPOCHREALTIME") s"
	fi
fi

# ---- setup: dynmem and virtio_balloon both loaded, both idle between rounds
dm_setup
dm_offer
total0=$(dm_meminfo MemTotal)
vio=
why=
if ! fwait 10 '[ -s $R/balloon-host.ready ]'; then
	why="no host helper (run it with bench/run.sh balloon)"
elif ! modprobe virtio_balloon; then
	why="modprobe virtio_balloon failed"
elif ! fwait 10 'ls /sys/bus/virtio/drivers/virtio_balloon/ | grep -q virtio'; then
	why="no virtio-balloon device (-device virtio-balloon-pci)"
else
	vio=1
	say "virtio-balloon bound, QEMU RAM size $(cat $R/balloon-host.ready) bytes"
fi
[ -n "$vio" ] || say "virtio-balloon skipped: $why"
: > samples
# sample KEY SECONDS: one figure of this round
sample() { echo "$1 $2" >> samples; }

# dm_round LABEL: dynmem inflate to PAGES, deflate to 0; samples
# LABEL_{inf,def} (host-timed) and LABEL_{inf,def}_wall
dm_round() {
	local t0 t1 req got n b inf def iw dw
	req=$(dm_h requests)
	t0=$EPOCHREALTIME
	echo $PAGES > $DM_VM/balloon_target || ksft_fail "balloon_target $PAGES"
	fwait 150 'rd n $DM_VM/requests && rd b $DM_VM/busy && [ $n -gt $req ] && [ $b = 0 ]' ||
		ksft_fail "dynmem $1: inflate still busy after 150 s, $(dm_h balloon_pages) pages"
	fwait 30 'rd n $DM_VM/balloon_pages && memtotal && [ $(((total0 - MT) / 1024)) -ge $((n / 256)) ]' ||
		ksft_fail "dynmem $1: MemTotal does not show the balloon"
	t1=$EPOCHREALTIME
	got=$(dm_h balloon_pages)
	[ "$got" = $PAGES ] || say "dynmem $1: partial inflate, $got of $PAGES pages"
	inf=$(awk -v u="$(dm_h last_inflate_us)" 'BEGIN { printf "%.6f", u / 1e6 }')
	iw=$(sub "$t0" "$t1")
	say "dynmem $1: inflated $got pages, MemTotal -$(((total0 - $(dm_meminfo MemTotal)) / 1024)) MiB, $(dm_g balloon_2m_chunks) blocks of 2 MiB"
	req=$(dm_h requests)
	t0=$EPOCHREALTIME
	echo 0 > $DM_VM/balloon_target || ksft_fail "balloon_target 0"
	fwait 150 'rd n $DM_VM/requests && rd b $DM_VM/busy && [ $n -gt $req ] && [ $b = 0 ]' ||
		ksft_fail "dynmem $1: deflate still busy after 150 s"
	fwait 30 'memtotal && [ $MT = $total0 ]' ||
		ksft_fail "dynmem $1: MemTotal not back after deflate"
	t1=$EPOCHREALTIME
	[ "$(dm_h balloon_pages)" = 0 ] || ksft_fail "dynmem $1: $(dm_h balloon_pages) pages left after deflate"
	def=$(awk -v u="$(dm_h last_deflate_us)" 'BEGIN { printf "%.6f", u / 1e6 }')
	dw=$(sub "$t0" "$t1")
	sample $1_inf $inf; sample $1_inf_wall $iw
	sample $1_def $def; sample $1_def_wall $dw
	say "dynmem $1: inflate $inf s (wall $iw), deflate $def s (wall $dw)"
}

seq=0
# vreq BYTES: ask the host helper for a virtio balloon of BYTES; sets
# vsecs (host-timed) and vwall
vreq() {
	local t0 t1 a vstatus vactual mb=$(($1 >> 20))
	seq=$((seq + 1))
	t0=$EPOCHREALTIME
	echo "$$.$seq $1" > $R/balloon-req || ksft_fail "cannot write $R/balloon-req"
	fwait 180 'rd a $R/balloon-rsp && [ "$a" = $$.$seq ]' ||
		ksft_fail "virtio-balloon: no answer from the host helper to request $seq"
	read -r a vstatus vsecs vactual < $R/balloon-rsp
	[ "$vstatus" = ok ] ||
		ksft_fail "virtio-balloon: request $seq ($1 bytes): $vstatus after $vsecs s, actual $vactual"
	# the guest's own view: MemTotal follows (no deflate-on-oom)
	if [ $mb -gt 0 ]; then
		fwait 30 'memtotal && [ $(((total0 - MT) / 1024)) -ge $mb ]' ||
			ksft_fail "virtio-balloon: MemTotal did not drop by $mb MiB"
	else
		fwait 30 'memtotal && [ $MT = $total0 ]' ||
			ksft_fail "virtio-balloon: MemTotal $(dm_meminfo MemTotal) kB after deflate, was $total0"
	fi
	t1=$EPOCHREALTIME
	vwall=$(sub "$t0" "$t1")
}

vb_round() {
	vreq $BYTES
	sample vb_inf $vsecs; sample vb_inf_wall $vwall
	say "virtio-balloon: inflated, MemTotal -$(((total0 - $(dm_meminfo MemTotal)) / 1024)) MiB"
	local inf=$vsecs iw=$vwall
	vreq 0
	sample vb_def $vsecs; sample vb_def_wall $vwall
	say "virtio-balloon: inflate $inf s (wall $iw), deflate $vsecs s (wall $vwall)"
}

for ((r = 1; r <= ROUNDS; r++)); do
	say "round $r of $ROUNDS: $SIZE each"
	echo 1 > /sys/module/dynmem/parameters/use_2m || ksft_fail "use_2m"
	dm_round dm2m
	echo 0 > /sys/module/dynmem/parameters/use_2m
	dm_round dm4k
	echo 1 > /sys/module/dynmem/parameters/use_2m
	[ -z "$vio" ] || vb_round
done
[ -z "$vio" ] || rmmod virtio_balloon
dm_cleanup
trap - EXIT
[ "$(dm_meminfo MemTotal)" = "$total0" ] ||
	ksft_fail "MemTotal $(dm_meminfo MemTotal) kB at the end, was $total0"

# ---- report: medians over the rounds
echo
echo "balloon benchmark: $SIZE, $(nproc) vCPUs, guest MemTotal $((total0 / 1024)) MiB, median of $ROUNDS round(s);"
echo "speedup = virtio-balloon time / dynmem time; host-timed: dynmem_host last_*_us, QMP balloon to query-balloon"
awk -v sz="$SIZE" -v vio="$vio" '
function med(k,   n, i, j, t, a) {
	n = split(v[k], a, " ")
	if (n == 0) return -1
	for (i = 2; i <= n; i++)
		for (j = i; j > 1 && a[j - 1] + 0 > a[j] + 0; j--) {
			t = a[j]; a[j] = a[j - 1]; a[j - 1] = t
		}
	return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function line(op, what, ours, virt, target,   o, w, s) {
	o = med(ours)
	if (!vio) {
		printf "%s %s: %s %.3f s, virtio-balloon not run\n", op, sz, what, o
		return
	}
	w = med(virt)
	s = o > 0 ? w / o : 0
	printf "%s %s: %s %.3f s, virtio-balloon %.3f s, speedup %.2fx (target >= %dx, %s)\n",
		op, sz, what, o, w, s, target, (s >= target ? "met" : "missed")
}
{ v[$1] = v[$1] " " $2 }
END {
	line("inflate", "dynmem", "dm2m_inf", "vb_inf", 3)
	line("deflate", "dynmem", "dm2m_def", "vb_def", 10)
	line("inflate", "dynmem (4 KiB pages only)", "dm4k_inf", "vb_inf", 3)
	line("deflate", "dynmem (4 KiB pages only)", "dm4k_def", "vb_def", 10)
	print "wall (this script, from the request until the guest sees it done, 20 ms polls):"
	line("inflate", "dynmem", "dm2m_inf_wall", "vb_inf_wall", 3)
	line("deflate", "dynmem", "dm2m_def_wall", "vb_def_wall", 10)
	line("inflate", "dynmem (4 KiB pages only)", "dm4k_inf_wall", "vb_inf_wall", 3)
	line("deflate", "dynmem (4 KiB pages only)", "dm4k_def_wall", "vb_def_wall", 10)
}' samples
[ -n "$vio" ] || echo "virtio-balloon skipped: $why"
ksft_pass
