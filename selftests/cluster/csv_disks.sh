#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Three writers on three disks at once, each on its own node, with fio
# verifying what it wrote; then every disk read back on another node (the
# extents of one disk never touch another's). A second writer of a disk is
# refused, readers share a disk, and a read-only disk refuses writes.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")

csv_up $all || ksft_fail "volume did not come up"
for n in $all; do
	csv $n create $CSV_VOL d$n 24M || ksft_fail "create d$n"
done
on_nodes "$all" "dev=\$($CSVCTL open $CSV_VOL d\$NODE) && [ \$dev = /dev/csv/$CSV_VOL/d\$NODE ] &&
	[ -b \$dev ] && [ \$(blockdev --getsize64 \$dev) = 25165824 ]" ||
	ksft_fail "open on every node"
t0=$SECONDS
on_nodes "$all" "fio --name=w\$NODE --filename=/dev/csv/$CSV_VOL/d\$NODE --rw=randwrite \
	--bs=64k --size=24M --direct=1 --ioengine=psync --verify=crc32c \
	--verify_fatal=1 --randseed=\$NODE --output=/tmp/fio.out > /dev/null 2>&1 ||
	{ cat /tmp/fio.out; exit 1; }
	dd if=/dev/csv/$CSV_VOL/d\$NODE bs=1M iflag=direct status=none | sha256sum | cut -c1-64 > /tmp/sum" ||
	ksft_fail "fio write + verify on every node at once"
cl_log "3 writers wrote and verified 24 MiB each in $((SECONDS - t0))s"
for n in $all; do
	[ "$(node_run $n "cat /sys/block/\$(basename \$(readlink /dev/csv/$CSV_VOL/d$n))/csv/access")" = rw ] ||
		ksft_fail "node $n: d$n not rw in sysfs"
done

# A second writer, and a reader, of a disk another node writes: EBUSY.
csv_errno 2 EBUSY open $CSV_VOL d1 || ksft_fail "second writer"
csv_errno 2 EBUSY open --read-only $CSV_VOL d1 || ksft_fail "reader beside a writer"
csv_errno 1 EBUSY delete $CSV_VOL d2 || ksft_fail "delete of an open disk"

# Every node closes; the next node reads its disk and checks the sum.
on_nodes "$all" "$CSVCTL close $CSV_VOL d\$NODE && [ ! -e /dev/csv/$CSV_VOL/d\$NODE ]" ||
	ksft_fail "close on every node"
for n in $all; do
	m=$((n % CL_NODES + 1))
	want=$(node_run $n "cat /tmp/sum")
	got=$(node_run $m "$CSVCTL open --read-only $CSV_VOL d$n > /dev/null &&
		dd if=/dev/csv/$CSV_VOL/d$n bs=1M iflag=direct status=none | sha256sum | cut -c1-64") ||
		ksft_fail "node $m: read d$n: $got"
	[ "$got" = "$want" ] || ksft_fail "node $m read d$n as $got, node $n wrote $want"
done
cl_log "every disk read back on another node"

# Readers share: d1 is read-only on node 2; node 3 opens it read-only too.
got=$(node_run 3 "$CSVCTL open --read-only $CSV_VOL d1 > /dev/null &&
	dd if=/dev/csv/$CSV_VOL/d1 bs=1M iflag=direct status=none | sha256sum | cut -c1-64") ||
	ksft_fail "second reader: $got"
[ "$got" = "$(node_run 1 "cat /tmp/sum")" ] || ksft_fail "second reader read $got"
csv_errno 1 EBUSY open $CSV_VOL d1 || ksft_fail "writer beside readers"
out=$(node_run 3 "dd if=/dev/zero of=/dev/csv/$CSV_VOL/d1 bs=4k count=1 oflag=direct 2>&1") &&
	ksft_fail "write to a read-only disk succeeded"
case $out in
*"Read-only file system"*) ;;
*) ksft_fail "write to a read-only disk: $out" ;;
esac
[ "$(node_run 3 "cat /sys/block/\$(basename \$(readlink /dev/csv/$CSV_VOL/d1))/csv/access")" = ro ] ||
	ksft_fail "node 3: d1 not ro in sysfs"
csv 2 close $CSV_VOL d1 && csv 3 close $CSV_VOL d1 || ksft_fail "readers close"
node_run 1 "$CSVCTL open $CSV_VOL d1 > /dev/null" || ksft_fail "writer after the readers left"
ksft_pass "3 writers at once, data verified across nodes; one writer or many readers per disk"
