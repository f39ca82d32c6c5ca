#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# bench/host messages: round trip and echo throughput at 64 B and 4 KiB
# across the VM boundary (the guest's synbus_echo.ko against the echo
# service of synbus-hostd, over ivshmem), beside the same echo over the
# in-kernel loopback host in the same guest, as a ratio; and the
# doorbells per message, which the ring rules keep below one.
. "$SRC/selftests/hostd/hostd_lib.sh"
g_modules 1
node_run 1 '. $SRC/selftests/lib.sh; ksft_load_ko vmbus/synbus_loop; ksft_load_ko vmbus/synbus_echo' ||
	ksft_fail "insmod echo"
hctl offer node1 echo > /dev/null || ksft_fail "offer echo"
cls=$(sed -n 's/^#define SYNBUS_ECHO_CLASS_STR\t*"\(.*\)"/\1/p' "$SRC/uapi/linux/synbus.h")
id=$(node_run 1 'for i in $(seq 100); do
	for d in /sys/bus/synbus/devices/*; do
		[ "$(cat $d/class_id)" = '"$cls"' ] &&
			[ "$(cat $d/state)" = open ] && { basename $d; exit 0; }
	done; sleep 0.1; done; exit 1') || ksft_fail "no echo device from the daemon"
out=$(node_run -t 400 1 "gcc -O2 -Wall -I\$SRC/uapi -o /tmp/synbus_bench \$SRC/bench/vmbus/synbus_bench.c -lpthread &&
	/tmp/synbus_bench ${BENCH_SECS:-2} $id") || ksft_fail "synbus_bench: $out"
echo "# synbus echo across the VM boundary (ivshmem, synbus-hostd) vs the loopback host, same guest"
printf '%s\n' "$out" | sed 's/^/# /'
ksft_pass
