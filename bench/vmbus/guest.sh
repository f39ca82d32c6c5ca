#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/vmbus/guest.sh: synbus loopback channel vs AF_VSOCK loopback in the
# same guest run: round-trip latency and echo throughput at 64 B, 1 KiB and
# 4 KiB, and synbus signals per message. Run: bench/run.sh vmbus
# (BENCH_SECS per figure, default 2).
. "$SRC/selftests/lib.sh"
here=$(cd "$(dirname "$0")" && pwd)
bin=$SCRATCH/synbus_bench
gcc -O2 -Wall -I"$SRC/uapi" -o "$bin" "$here/synbus_bench.c" -lpthread ||
	ksft_skip "cannot build synbus_bench in the guest"
ksft_load_ko vmbus/synbus
ksft_load_ko vmbus/synbus_loop
ksft_load_ko vmbus/synbus_echo
modprobe vsock_loopback || ksft_skip "no vsock_loopback"
echo "synbus loopback (synbus_echo + synbus_loop) vs vsock_loopback, $(nproc) vCPUs"
timeout 300 "$bin" "${BENCH_SECS:-2}" || ksft_fail "synbus_bench failed or hung"
ksft_pass
