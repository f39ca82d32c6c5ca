#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A VM's disk with a file system moves between nodes: node 2 creates a
# disk on the shared volume, makes ext4 on it, writes files and hands the
# disk over; node 3 checks the file system and reads the same files; the
# volume status on node 1, the coordinator, shows it all. (The csv part of
# `make demo`.)
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")

cl_log "csvctl format on node 1, csvctl join on nodes 1..$CL_NODES"
csv_up $all || ksft_fail "volume did not come up"
cl_log "node 2: csvctl create $CSV_VOL vm1 64M (sent to the coordinator, node 1)"
csv 2 create $CSV_VOL vm1 64M || ksft_fail "create vm1"
cl_log "node 2: open, mkfs.ext4, mount, write 8 MiB of files"
sum=$(node_run 2 "dev=\$($CSVCTL open $CSV_VOL vm1) && mkfs.ext4 -q \$dev && mkdir -p /mnt/vm1 &&
	mount \$dev /mnt/vm1 && head -c 4M /dev/urandom > /mnt/vm1/a && head -c 4M /dev/urandom > /mnt/vm1/b &&
	mkdir /mnt/vm1/etc && echo hello from node 2 > /mnt/vm1/etc/motd &&
	(cd /mnt/vm1 && sha256sum a b etc/motd) | sha256sum | cut -c1-64 && umount /mnt/vm1") ||
	ksft_fail "node 2: file system: $sum"
cl_log "node 2: umount, csvctl close (flush, release disk:<id>); node 3: csvctl open"
csv 2 close $CSV_VOL vm1 || ksft_fail "close on node 2"
out=$(node_run 3 "dev=\$($CSVCTL open --wait 10 $CSV_VOL vm1) && fsck.ext4 -n \$dev > /tmp/fsck 2>&1 &&
	mkdir -p /mnt/vm1 && mount \$dev /mnt/vm1 && (cd /mnt/vm1 && sha256sum a b etc/motd) | sha256sum | cut -c1-64 &&
	cat /mnt/vm1/etc/motd && umount /mnt/vm1") || ksft_fail "node 3: file system: $out"
got=$(echo "$out" | head -n 1)
[ "$got" = "$sum" ] || ksft_fail "node 3 read $got, node 2 wrote $sum"
cl_log "node 3: fsck clean, files read back: $(echo "$out" | sed -n 2p)"
csv 1 status $CSV_VOL | sed 's/^/# node 1: /'
csv 1 list $CSV_VOL | sed 's/^/# node 1: /'
csv 3 list -n $CSV_VOL | grep -q "^vm1 .* rw /dev/csv" || ksft_fail "node 3 does not list vm1 open rw"
csv 3 close $CSV_VOL vm1 || ksft_fail "close on node 3"
ksft_pass "ext4 on a csv disk, written on node 2, read back on node 3"
