#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A network partition: node 3 is cut off from nodes 1 and 2 while it
# writes its disk d3 (a counter, one direct write after another). Its
# controller, without quorum, stops the lockspace and nothing starts it
# again: csv fences node 3, and its writes stop reaching the LUN. The
# majority removes node 3, recovers its lock on d3, and after the fence
# grace node 1 opens d3: the counter there no longer moves, node 1's own
# writes stay as written, and node 3 still says it is fenced. Never two
# writers on d3.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")
dev=/dev/csv/$CSV_VOL/d3

csv_up $all || ksft_fail "volume did not come up"
csv 3 create $CSV_VOL d3 8M && csv 3 open $CSV_VOL d3 > /dev/null || ksft_fail "create, open d3"
# The writer: block 0 of d3 holds "n <counter>", rewritten as fast as it goes.
w=$(node_bg 3 "i=0; while :; do i=\$((i + 1)); printf 'n %-4090d\n' \$i |
	dd of=$dev bs=4096 count=1 oflag=direct,sync status=none || exit 1; echo \$i > /tmp/count; done")
node_wait_for 3 30 "[ \$(cat /tmp/count 2>/dev/null || echo 0) -gt 20 ]" || ksft_fail "node 3's writer does not run"
node_run 3 'ip link set $(cat /run/cluster-netdev) down' || ksft_fail "cut node 3 off"
cl_log "node 3 cut off after $(node_run 3 'cat /tmp/count') writes"

# Node 3 sees the others die, stops, fences; it stays so.
node_wait_for 3 30 "[ \$(cat /sys/fs/csv/$CSV_VOL/fenced) = 1 ]" || ksft_fail "node 3 did not fence itself"
c3=$(node_run 3 'cat /tmp/count')
cl_log "node 3 fenced at write $c3"
# The majority goes on without it and takes d3 over, after the grace.
nodes_wait_for "1 2" 40 "[ \"\$(cat /sys/fs/csv/$CSV_VOL/members)\" = '1 2' ]" || ksft_fail "the majority did not remove node 3"
node_wait_for 1 40 "$CSVCTL open $CSV_VOL d3 > /dev/null" || ksft_fail "d3 does not open on node 1"
first=$(node_run 1 "dd if=$dev bs=4096 count=1 iflag=direct status=none | head -c 12")
sleep 3
again=$(node_run 1 "dd if=$dev bs=4096 count=1 iflag=direct status=none | head -c 12")
[ "$first" = "$again" ] || ksft_fail "node 3 still writes d3: '$first' then '$again'"
[ "$(node_run 3 'cat /tmp/count')" = "$c3" ] || ksft_fail "node 3's writes went on after it fenced"
# Node 1 writes; nothing of node 3's comes over it.
node_run 1 "printf 'majority%-4088s' '' | dd of=$dev bs=4096 count=1 oflag=direct,sync status=none" ||
	ksft_fail "node 1 writes d3"
sleep 3
got=$(node_run 1 "dd if=$dev bs=4096 count=1 iflag=direct status=none | head -c 8")
[ "$got" = majority ] || ksft_fail "d3 holds '$got' after node 1 wrote it"
[ "$(node_run 3 "cat /sys/fs/csv/$CSV_VOL/fenced")" = 1 ] || ksft_fail "node 3 unfenced on its own"
[ "$(csv_attr 3 fences)" -ge 1 ] || ksft_fail "node 3 counts no fence"
cl_log "d3 on the LUN: '$first' before node 1's write, 'majority' after"
node_kill 3
ksft_pass "cut-off node 3 fenced at write $c3 and stopped; node 1 took d3 over"
