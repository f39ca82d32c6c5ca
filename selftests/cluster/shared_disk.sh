#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Every node sees the shared disk under device-mapper; a block node 1
# writes with O_DIRECT is read back by every other node with O_DIRECT.
. "$SRC/selftests/cluster/lib.sh"

sz=
for ((n = 1; n <= CL_NODES; n++)); do
	s=$(node_run $n 'hostname; blockdev --getsize64 /dev/mapper/shared') ||
		ksft_fail "node $n: no /dev/mapper/shared: $s"
	set -- $s
	[ "$1" = "node$n" ] || ksft_fail "node $n calls itself '$1'"
	[ -z "$sz" ] && sz=$2
	[ "$2" = "$sz" ] || ksft_fail "node $n sees $2 bytes, node 1 $sz"
	cl_log "node $n: $1, shared disk $2 bytes"
done

# 1 MiB of random data at 64 MiB, through the page cache of nobody.
want=$(node_run 1 'head -c 1M /dev/urandom > /tmp/blk &&
	dd if=/tmp/blk of=/dev/mapper/shared bs=1M seek=64 oflag=direct conv=fsync status=none &&
	sha256sum < /tmp/blk | cut -d" " -f1') || ksft_fail "node 1 write: $want"
cl_log "node 1 wrote $want"
for ((n = 2; n <= CL_NODES; n++)); do
	got=$(node_run $n 'dd if=/dev/mapper/shared bs=1M skip=64 count=1 iflag=direct status=none |
		sha256sum | cut -d" " -f1') || ksft_fail "node $n read: $got"
	[ "$got" = "$want" ] || ksft_fail "node $n read $got, node 1 wrote $want"
	cl_log "node $n read it back"
done

# And the other way: the last node overwrites, node 1 sees the new block.
want=$(node_run $CL_NODES 'head -c 4096 /dev/urandom > /tmp/b4 &&
	dd if=/tmp/b4 of=/dev/mapper/shared bs=4096 seek=16384 oflag=direct status=none &&
	sha256sum < /tmp/b4 | cut -d" " -f1') || ksft_fail "node $CL_NODES write: $want"
got=$(node_run 1 'dd if=/dev/mapper/shared bs=4096 skip=16384 count=1 iflag=direct status=none |
	sha256sum | cut -d" " -f1') || ksft_fail "node 1 read: $got"
[ "$got" = "$want" ] || ksft_fail "node 1 read $got after node $CL_NODES wrote $want"

# The private network: every node reaches every other one.
for ((n = 1; n <= CL_NODES; n++)); do
	for ((m = 1; m <= CL_NODES; m++)); do
		[ $n = $m ] && continue
		node_run $n "ping -c 1 -W 5 10.77.0.$m > /dev/null" ||
			ksft_fail "node $n cannot ping node $m"
	done
done
ksft_pass "$CL_NODES nodes share the disk and the network"
