#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# node_break_path makes one node's I/O to the shared disk fail with EIO
# (its dm table swapped for "error") while the other nodes keep reading and
# writing it; node_restore_path brings the node back to the same data.
. "$SRC/selftests/cluster/lib.sh"
[ "$CL_NODES" -ge 2 ] || ksft_skip "needs 2 nodes"
bad=2

rd='dd if=/dev/mapper/shared bs=4096 skip=100 count=1 iflag=direct status=none | sha256sum | cut -d" " -f1'
want=$(node_run 1 'head -c 4096 /dev/urandom > /tmp/b &&
	dd if=/tmp/b of=/dev/mapper/shared bs=4096 seek=100 oflag=direct status=none &&
	sha256sum < /tmp/b | cut -d" " -f1') || ksft_fail "node 1 write: $want"
got=$(node_run $bad "$rd") && [ "$got" = "$want" ] || ksft_fail "node $bad read '$got' before the break"

node_break_path $bad || ksft_fail "node_break_path $bad failed"
cl_log "node $bad: path to the shared disk broken"
out=$(node_run $bad "dd if=/dev/mapper/shared of=/dev/null bs=4096 skip=100 count=1 iflag=direct 2>&1")
rc=$?
[ $rc -ne 0 ] || ksft_fail "node $bad read the disk through a broken path"
[[ "$out" == *"Input/output error"* ]] || ksft_fail "node $bad read failed without EIO: $out"
out=$(node_run $bad "dd if=/dev/zero of=/dev/mapper/shared bs=4096 seek=200 count=1 oflag=direct 2>&1")
[ $? -ne 0 ] && [[ "$out" == *"Input/output error"* ]] || ksft_fail "node $bad write through a broken path: $out"
# The raw disk under it is fine: only this node's path is cut.
node_run $bad 'dd if=/dev/shared-raw of=/dev/null bs=4096 skip=100 count=1 iflag=direct status=none' ||
	ksft_fail "node $bad: the virtio disk itself failed"

# The others still work, and still see each other's writes.
for ((n = 1; n <= CL_NODES; n++)); do
	[ $n = $bad ] && continue
	got=$(node_run $n "$rd") && [ "$got" = "$want" ] || ksft_fail "node $n read '$got' while node $bad is cut off"
done
want=$(node_run 1 'head -c 4096 /dev/urandom > /tmp/b &&
	dd if=/tmp/b of=/dev/mapper/shared bs=4096 seek=100 oflag=direct status=none &&
	sha256sum < /tmp/b | cut -d" " -f1') || ksft_fail "node 1 write during the break: $want"

node_restore_path $bad || ksft_fail "node_restore_path $bad failed"
cl_log "node $bad: path restored"
got=$(node_run $bad "$rd") && [ "$got" = "$want" ] ||
	ksft_fail "node $bad read '$got' after the restore, node 1 wrote $want"
node_run $bad "dd if=/dev/zero of=/dev/mapper/shared bs=4096 seek=200 count=1 oflag=direct status=none" ||
	ksft_fail "node $bad cannot write after the restore"
ksft_pass "node $bad got EIO while cut off, the others kept working, and it came back"
