#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Dynamic I/O redirection: node 2 loses its path to the LUN in the middle
# of fio --verify; fio sees no error, its disk's redirected counters rise
# (the coordinator served them) and direct I/O comes back once the path
# does. Then forced redirected mode, for this node and for the volume,
# switched on and off while fio runs: the mode follows, data stays right.
# Last, the coordinator's own path fails under fio: it steps down for a
# node with a path and its I/O goes through that one, without an error.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")
FIO="fio --direct=1 --ioengine=libaio --iodepth=8 --verify=crc32c --verify_fatal=1"
dev=/dev/csv/$CSV_VOL/d2
cnt() { node_run 2 "cat /sys/block/\$(basename \$(readlink -f $dev))/csv/$1"; }
mode() { cnt mode; }

csv_up $all || ksft_fail "volume did not come up"
[ "$(csv_coordinator)" = 1 ] || ksft_fail "coordinator '$(csv_coordinator)', want 1"
csv 2 create $CSV_VOL d2 48M && csv 2 open $CSV_VOL d2 > /dev/null || ksft_fail "create, open d2"
[ "$(mode)" = direct ] || ksft_fail "mode '$(mode)' before the path loss"

# 1. Path loss during fio: a write phase, then the verify of all of it.
job="$FIO --name=v --filename=$dev --size=32M --bs=64k --rw=randwrite --randseed=3"
bg=$(node_bg 2 "$job --output=/tmp/v.out > /dev/null 2>&1; rc=\$?; cat /tmp/v.out; exit \$rc")
node_wait_for 2 60 "grep -q ' w ' /proc/diskstats; [ \$(cat /sys/block/\$(basename \$(readlink -f $dev))/csv/sectors_written) -gt 4096 ]" ||
	ksft_fail "fio did not start writing"
node_break_path 2 || ksft_fail "break node 2's path"
cl_log "node 2's path broken"
node_wait_for 2 20 "[ \$(cat /sys/fs/csv/$CSV_VOL/path) = failed ]" || ksft_fail "path not seen failed"
[ "$(mode)" = redirected ] || ksft_fail "mode '$(mode)' with the path down"
sleep 3
r1=$(cnt redirected_bios)
[ "$r1" -gt 0 ] || ksft_fail "no redirected bios with the path down"
node_restore_path 2 || ksft_fail "restore node 2's path"
node_wait_for 2 20 "[ \$(cat /sys/fs/csv/$CSV_VOL/path) = ok ]" || ksft_fail "path not back"
out=$(node_wait -t 240 2 "$bg") || ksft_fail "fio failed across the path loss: $(echo "$out" | grep -i 'err\|verify' | head -5)"
echo "$out" | grep -q 'err= 0' || ksft_fail "fio reported errors: $(echo "$out" | grep err= | head -3)"
[ "$(mode)" = direct ] || ksft_fail "mode '$(mode)' after the path came back"
served=$(csv_attr 1 redirected_served)
[ "$served" -gt 0 ] || ksft_fail "the coordinator served nothing"
[ "$(csv_attr 2 path_failures)" -ge 1 ] && [ "$(csv_attr 2 path_restores)" -ge 1 ] ||
	ksft_fail "path counters $(csv_attr 2 path_failures)/$(csv_attr 2 path_restores)"
# Everything fio verified, once more, with the path back.
node_run 2 "$job --verify_only --output=/tmp/v2.out > /dev/null 2>&1 || { cat /tmp/v2.out; exit 1; }" ||
	ksft_fail "data read directly after the path loss differs"
cl_log "path loss: $r1 bios redirected while down, coordinator served $served, fio verified"

# 2. Forced redirection during I/O: node, then volume, on and off.
job="$FIO --name=f --filename=$dev --size=32M --bs=16k --rw=randwrite --randseed=5 --time_based --runtime=30 --verify_backlog=128"
bg=$(node_bg 2 "$job --output=/tmp/f.out > /dev/null 2>&1; rc=\$?; cat /tmp/f.out; exit \$rc")
sleep 3
r0=$(cnt redirected_bios)
csv 2 redirect $CSV_VOL on || ksft_fail "redirect on"
[ "$(mode)" = redirected ] || ksft_fail "mode '$(mode)' with redirect on"
csv 2 status $CSV_VOL | grep -q '^redirect: node' || ksft_fail "status does not say redirect: node"
sleep 4
r1=$(cnt redirected_bios)
[ "$r1" -gt "$r0" ] || ksft_fail "redirected bios $r0 -> $r1 in forced mode"
csv 2 redirect $CSV_VOL off || ksft_fail "redirect off"
[ "$(mode)" = direct ] || ksft_fail "mode '$(mode)' with redirect off"
sleep 2
# The volume's mode, switched from node 3, reaches node 2 through the table.
csv 3 redirect --volume $CSV_VOL on || ksft_fail "redirect --volume on"
node_wait_for 2 10 "[ \$(cat /sys/fs/csv/$CSV_VOL/redirect_volume) = 1 ]" || ksft_fail "node 2 did not see the volume's redirection"
[ "$(mode)" = redirected ] || ksft_fail "mode '$(mode)' with the volume redirected"
[ "$(csv_attr 1 redirect_volume)" = 1 ] || ksft_fail "coordinator does not record the volume's redirection"
sleep 4
r2=$(cnt redirected_bios)
[ "$r2" -gt "$r1" ] || ksft_fail "redirected bios $r1 -> $r2 with the volume redirected"
csv 1 redirect --volume $CSV_VOL off || ksft_fail "redirect --volume off"
node_wait_for 2 10 "[ \$(cat /sys/fs/csv/$CSV_VOL/redirect_volume) = 0 ]" || ksft_fail "volume redirection not off on node 2"
[ "$(mode)" = direct ] || ksft_fail "mode '$(mode)' after the volume's redirection"
out=$(node_wait -t 120 2 "$bg") || ksft_fail "fio failed while the mode changed: $(echo "$out" | grep -i 'err\|verify' | head -5)"
echo "$out" | grep -q 'err= 0' || ksft_fail "fio reported errors: $(echo "$out" | grep err= | head -3)"
csv_errno 2 EINVAL redirect $CSV_VOL sideways 2>/dev/null ||
	node_run 2 "$CSVCTL redirect $CSV_VOL sideways; [ \$? = 2 ]" || ksft_fail "bad redirect argument accepted"
csv 2 close $CSV_VOL d2 || ksft_fail "close d2"

# 3. The coordinator loses its path under fio: it steps down, a node with
# a path coordinates, and node 1's I/O goes through that one.
csv 1 create $CSV_VOL d1 48M && csv 1 open $CSV_VOL d1 > /dev/null || ksft_fail "create, open d1"
e=$(csv_attr 1 epoch)
job="$FIO --name=c --filename=/dev/csv/$CSV_VOL/d1 --size=24M --bs=64k --rw=randwrite --randseed=9"
bg=$(node_bg 1 "$job --output=/tmp/c.out > /dev/null 2>&1; rc=\$?; cat /tmp/c.out; exit \$rc")
node_wait_for 1 60 "[ \$(cat /sys/block/\$(basename \$(readlink -f /dev/csv/$CSV_VOL/d1))/csv/sectors_written) -gt 4096 ]" ||
	ksft_fail "fio on node 1 did not start writing"
node_break_path 1 || ksft_fail "break node 1's path"
wait_for 30 eval '[ "$(csv_coordinator)" = 2 ] || [ "$(csv_coordinator)" = 3 ]' ||
	ksft_fail "the coordinator without a path did not step down: '$(csv_coordinator)'"
c=$(csv_coordinator)
[ "$(csv_attr $c epoch)" -gt "$e" ] || ksft_fail "epoch $(csv_attr $c epoch) not above $e"
node_restore_path 1 || ksft_fail "restore node 1's path"
out=$(node_wait -t 240 1 "$bg") || ksft_fail "fio on node 1 failed across its path loss: $(echo "$out" | grep -i 'err\|verify' | head -5)"
echo "$out" | grep -q 'err= 0' || ksft_fail "fio on node 1 reported errors"
[ "$(csv_attr $c redirected_served)" -gt 0 ] || ksft_fail "node $c served nothing for node 1"
node_wait_for 1 20 "[ \$(cat /sys/fs/csv/$CSV_VOL/path) = ok ]" || ksft_fail "node 1's path not back"
csv 1 create $CSV_VOL after 1M || ksft_fail "create from node 1 after stepping down"
csv 1 close $CSV_VOL d1 || ksft_fail "close d1"
cl_log "coordinator path loss: node 1 stepped down, node $c coordinates"
ksft_pass "path loss, forced modes and a coordinator's path loss under fio: no errors"
