#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/host balloon: inflate and deflate BENCH_MIB (1024) MiB of a 2 GiB
# guest with real reclaim on the host, dynmem through synbus-hostd (which
# punches holes in the guest's RAM file) against QEMU's virtio-balloon
# (which punches them itself, QMP "balloon"), same guest, same run. The
# inflate clock runs from the request to the moment the RAM file in
# /dev/shm has given back BENCH_MIB - 64 MiB or stopped shrinking (bench/host/reclaim.py polls
# it every 10 ms); the deflate clock until the driver reports done. Before
# each inflate the guest touches its free memory once, so that the pages
# given back are pages the host really holds. BENCH_ROUNDS (3) rounds;
# medians; target: inflate with reclaim >= 3x faster than virtio-balloon.
. "$SRC/selftests/hostd/hostd_lib.sh"
here=$SRC/bench/host
MIB=1048576
B=${BENCH_MIB:-1024}
ROUNDS=${BENCH_ROUNDS:-3}
ram=$HOSTD_RAM/node1.ram
qmp=$CL_DIR/node1/qmp.sock
guest=$(( $(stat -c %s "$ram") ))

g_modules 1
g_wait_all 1 60
node_run 1 'modprobe virtio_balloon' || ksft_skip "no virtio_balloon in the guest"

fill() {
	g_fill 1
}
dm_wait() {
	local i
	for ((i = 0; i < 3000; i++)); do
		[ "$(hkey balloon_bytes balloon node1)" = "$1" ] &&
			[ "$(hkey busy balloon node1)" = 0 ] && return 0
		sleep 0.05
	done
	return 1
}
export -f hctl hkey dm_wait
export HCTL HOSTD_DIR

median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'
}

di=() dd_=() vi=() vd=()
for ((r = 1; r <= ROUNDS; r++)); do
	fill || ksft_fail "guest fill"
	set -- $(python3 "$here/reclaim.py" "$ram" $((B - 64)) \
		bash -c "hctl target node1 ${B}M > /dev/null && dm_wait $((B * MIB))") ||
		ksft_fail "dynmem inflate: $*"
	di+=("$1")
	cl_log "round $r dynmem inflate ${B} MiB: $1 s, RAM file -$2 MiB"
	set -- $(python3 "$here/reclaim.py" "$ram" 0 \
		bash -c "hctl target node1 0 > /dev/null && dm_wait 0") || ksft_fail "dynmem deflate: $*"
	dd_+=("$1")
	cl_log "round $r dynmem deflate: $1 s"

	fill || ksft_fail "guest fill"
	set -- $(python3 "$here/reclaim.py" "$ram" $((B - 64)) \
		python3 "$here/qmp.py" "$qmp" $((guest - B * MIB))) || ksft_fail "virtio inflate: $*"
	vi+=("$1")
	cl_log "round $r virtio-balloon inflate ${B} MiB: $1 s, RAM file -$2 MiB"
	set -- $(python3 "$here/reclaim.py" "$ram" 0 python3 "$here/qmp.py" "$qmp" "$guest") ||
		ksft_fail "virtio deflate: $*"
	vd+=("$1")
	cl_log "round $r virtio-balloon deflate: $1 s"
done
mdi=$(median "${di[@]}") mdd=$(median "${dd_[@]}") mvi=$(median "${vi[@]}") mvd=$(median "${vd[@]}")
echo "# balloon ${B} MiB of a $((guest / MIB)) MiB guest, real reclaim on the host, median of $ROUNDS"
printf '# %-28s %10s %14s %8s\n' figure dynmem virtio-balloon ratio
printf '# %-28s %8.3f s %12.3f s %8.2f  (virtio/dynmem, target >= 3)\n' \
	"inflate + reclaim" "$mdi" "$mvi" "$(awk -v a="$mvi" -v b="$mdi" 'BEGIN { print a / b }')"
printf '# %-28s %8.3f s %12.3f s %8.2f  (virtio/dynmem)\n' \
	"deflate" "$mdd" "$mvd" "$(awk -v a="$mvd" -v b="$mdd" 'BEGIN { print a / b }')"
ksft_pass
