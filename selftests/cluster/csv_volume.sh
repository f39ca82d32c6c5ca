#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A volume on the shared LUN: node 1 formats it and joins first, so it
# coordinates; disks created from nodes 2 and 3 go through it and every
# node sees them; the sysfs and status of each node agree.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")

csv_up $all || ksft_fail "volume did not come up"
[ "$(csv_coordinator)" = 1 ] || ksft_fail "coordinator: '$(csv_coordinator)', want 1"
for n in $all; do
	[ "$(csv_attr $n nodeid)" = $n ] || ksft_fail "node $n: nodeid $(csv_attr $n nodeid)"
	[ "$(csv_attr $n coordinator)" = 1 ] || ksft_fail "node $n: coordinator $(csv_attr $n coordinator)"
	[ "$(csv_attr $n members)" = "$(echo $all)" ] || ksft_fail "node $n: members '$(csv_attr $n members)'"
done
csv 2 create $CSV_VOL web1 64M || ksft_fail "create from node 2"
csv 3 create $CSV_VOL db1 32M || ksft_fail "create from node 3"
cl_log "created web1 from node 2, db1 from node 3"
for n in $all; do
	l=$(csv $n list -n $CSV_VOL | tr -s " ") || ksft_fail "node $n: list: $l"
	echo "$l" | grep -q "^web1 [0-9]* 67108864 " || ksft_fail "node $n: no web1: $l"
	echo "$l" | grep -q "^db1 [0-9]* 33554432 " || ksft_fail "node $n: no db1: $l"
done
[ "$(csv_attr 2 requests_sent)" -ge 2 ] || ksft_fail "node 2 sent $(csv_attr 2 requests_sent) requests"
[ "$(csv_attr 1 requests_served)" -ge 4 ] || ksft_fail "node 1 served $(csv_attr 1 requests_served) requests"
s=$(csv 3 status $CSV_VOL) || ksft_fail "status: $s"
echo "$s" | sed 's/^/# /'
echo "$s" | grep -qx "role: member" || ksft_fail "node 3 role"
echo "$s" | grep -qx "disks: 2" || ksft_fail "node 3 disks"
ksft_pass "format, join on $CL_NODES nodes, disks created through the coordinator"
