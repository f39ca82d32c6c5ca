#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/run.sh [NAME...]: run benchmarks (bench/NAME/guest.sh) in one QEMU
# guest and print their figures. Not a test: it fails only if a script
# could not run.
#
# A bench that needs the host's side of QEMU has a bench/NAME/bench.conf
# (bash, sourced here) that may set BENCH_QEMU_EXTRA (QEMU arguments,
# added to VHD_QEMU_EXTRA), BENCH_QEMU_MEM (the guest's minimum MiB,
# raises VHD_QEMU_MEM) and BENCH_HOST (a program in bench/NAME, started in
# the background as "PROG RESULTS-DIR QMP-SOCKET" before the guest boots
# and stopped after it; its output goes to <out>/host-NAME.log). The guest
# sees RESULTS-DIR as /run/results. QMP helpers should connect per use:
# QEMU serves one QMP client at a time.
#
# A bench with a bench/NAME/TESTS list (csv) needs a cluster instead: it
# runs through selftests/cluster/run.sh, its scripts on the host driving
# the nodes, before the single-guest ones.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
names=("$@")
[ ${#names[@]} -gt 0 ] || names=($(cd bench && ls -d */ | tr -d /))
paths=()
rest=()
crc=0
for n in "${names[@]}"; do
	if [ -f "bench/$n/TESTS" ]; then
		CLUSTER_TESTS=bench/$n/TESTS CLUSTER_DISK_MB=${CLUSTER_DISK_MB:-512} \
			VHD_SHOW_LOG=1 selftests/cluster/run.sh || crc=1
	else
		rest+=("$n")
	fi
done
[ ${#rest[@]} -gt 0 ] || exit $crc
names=("${rest[@]}")
extra=${VHD_QEMU_EXTRA:-}
mem=${VHD_QEMU_MEM:-2048}
hosts=()
for n in "${names[@]}"; do
	[ -x "bench/$n/guest.sh" ] || { echo "bench: no bench/$n/guest.sh" >&2; exit 2; }
	paths+=("bench/$n/guest.sh")
	[ -f "bench/$n/bench.conf" ] || continue
	BENCH_QEMU_EXTRA= BENCH_QEMU_MEM=0 BENCH_HOST=
	. "bench/$n/bench.conf"
	extra="$extra $BENCH_QEMU_EXTRA"
	[ "$BENCH_QEMU_MEM" -gt "$mem" ] && mem=$BENCH_QEMU_MEM
	[ -n "$BENCH_HOST" ] && hosts+=("$n/$BENCH_HOST")
done
export VHD_QEMU_EXTRA="$extra" VHD_QEMU_MEM="$mem" VHD_SHOW_LOG=1
if [ ${#hosts[@]} -eq 0 ]; then
	selftests/run.sh "${paths[@]}" && exit $crc
	exit 1
fi

out=${VHD_OUT:-$top/build/selftests/bench-$(date +%Y%m%d-%H%M%S)-$$}
mkdir -p "$out/results"
export VHD_OUT=$out VHD_QMP=$out/qmp.sock
pids=()
for h in "${hosts[@]}"; do
	"bench/$h" "$out/results" "$VHD_QMP" > "$out/host-${h%%/*}.log" 2>&1 &
	pids+=($!)
done
selftests/run.sh "${paths[@]}"
rc=$?
for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
for p in "${pids[@]}"; do wait "$p" 2>/dev/null; done
[ $crc = 0 ] || rc=1
exit $rc
