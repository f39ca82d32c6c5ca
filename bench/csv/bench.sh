#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# csv on one node, same run: direct against redirected throughput (1 MiB
# sequential, 4 KiB random), the longest I/O stall during a path loss and
# during a coordinator failover, the handoff gap. Three nodes: node 1
# coordinates, node 2 measures, node 3 measures the failover too and takes
# the handoff. Figures are printed as "FIGURE ..." lines with their ratio.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
. "$SRC/bench/csv/lib.sh"
all=$(seq 1 "$CL_NODES")
dev=/dev/csv/$CSV_VOL/b
RUNTIME=${CSV_BENCH_RUNTIME:-10}

csv_up $all || { echo "volume did not come up"; exit 1; }
csv 2 create $CSV_VOL b 160M && csv 2 open $CSV_VOL b > /dev/null || exit 1
# Fill it once: reads of never written blocks would cost nothing.
node_run -t 600 2 "dd if=/dev/zero of=$dev bs=1M count=160 oflag=direct status=none" || exit 1

# The cluster network's own TCP throughput, node 2 to node 1: the most a
# redirected write can get (reads come back the other way).
node_run 1 "iperf3 -s -1 -D > /dev/null 2>&1" || exit 1
sleep 1
net=$(node_run -t 60 2 "iperf3 -c 10.77.0.1 -t 5 -J" | python3 -c '
import json, sys
print("%.1f" % (json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 8 / 1048576))') || exit 1
fig "cluster network: TCP $net MiB/s (iperf3, node 2 -> node 1, same run): the ceiling of redirected I/O here"

# One workload, direct then redirected, back to back.
pair() {
	local what=$1 key=$2 unit=$3 d r
	shift 3
	csv 2 redirect $CSV_VOL off
	d=$(bfio 2 --name=d --filename=$dev "$@" | jget "$key") || exit 1
	csv 2 redirect $CSV_VOL on
	r=$(bfio 2 --name=r --filename=$dev "$@" | jget "$key") || exit 1
	csv 2 redirect $CSV_VOL off
	fig "$what: direct $d $unit, redirected $r $unit, ratio $(ratio "$r" "$d") (target >= 0.8)"
	[ "$unit" = MiB/s ] && fig "$what: redirected $r MiB/s against the network's $net MiB/s, ratio $(ratio "$r" "$net")"
}
pair "1 MiB sequential write" bw_mib MiB/s --rw=write --bs=1M --size=128M --iodepth=4
pair "1 MiB sequential read" bw_mib MiB/s --rw=read --bs=1M --size=128M --iodepth=4
pair "4 KiB random write" iops IOPS --rw=randwrite --bs=4k --size=128M --iodepth=16 --time_based --runtime=$RUNTIME
pair "4 KiB random read" iops IOPS --rw=randread --bs=4k --size=128M --iodepth=16 --time_based --runtime=$RUNTIME

# Path loss: the longest write of a queue-depth-1 job, with and without.
job="--name=p --filename=$dev --rw=randwrite --bs=4k --size=128M --iodepth=1 --time_based --runtime=12"
base=$(bfio 2 $job | jget clat_max_ms) || exit 1
bg=$(node_bg 2 "fio --output-format=json --direct=1 --ioengine=libaio $job --output=/tmp/p.json > /dev/null 2>&1; rc=\$?; cat /tmp/p.json; exit \$rc")
sleep 4
node_break_path 2 > /dev/null
sleep 4
node_restore_path 2 > /dev/null
out=$(node_wait -t 120 2 "$bg") || { echo "fio failed across the path loss"; exit 1; }
loss=$(echo "$out" | jget clat_max_ms)
errs=$(echo "$out" | jget errors)
fig "path-loss stall: longest write $loss ms (same job, no loss: $base ms), fio errors $errs (target <= 1000 ms)"

# Handoff: close on node 2, open on node 3, each timed in its guest.
ms='$(($(cut -d" " -f1 /proc/uptime | tr -d .) * 10))'
tc=$(node_run 2 "a=$ms; $CSVCTL close $CSV_VOL b && echo \$(($ms - a))") || exit 1
to=$(node_run 3 "a=$ms; $CSVCTL open $CSV_VOL b > /dev/null && echo \$(($ms - a))") || exit 1
fig "handoff gap: close $tc ms + open $to ms = $((tc + to)) ms"

# Coordinator failover: node 2 direct and node 3 redirected, both at
# queue depth 1, while node 1 loses its power.
csv 2 create $CSV_VOL b2 160M && csv 2 open $CSV_VOL b2 > /dev/null || exit 1
csv 3 redirect $CSV_VOL on || exit 1
job="--rw=randwrite --bs=4k --size=128M --iodepth=1 --time_based --runtime=30"
f="fio --output-format=json --direct=1 --ioengine=libaio $job --output=/tmp/f.json > /dev/null 2>&1; rc=\$?; cat /tmp/f.json; exit \$rc"
b2=$(node_bg 2 "${f/fio /fio --name=f2 --filename=/dev/csv/$CSV_VOL/b2 }")
b3=$(node_bg 3 "${f/fio /fio --name=f3 --filename=$dev }")
sleep 8
node_kill 1 > /dev/null
t0=$SECONDS
wait_for 60 eval '[ -n "$(csv_coordinator)" ]' || { echo "no new coordinator"; exit 1; }
took=$((SECONDS - t0))
o2=$(node_wait -t 200 2 "$b2") || { echo "fio on node 2 failed across the failover"; exit 1; }
o3=$(node_wait -t 200 3 "$b3") || { echo "fio on node 3 failed across the failover"; exit 1; }
fig "coordinator failover stall: direct member $(echo "$o2" | jget clat_max_ms) ms, redirected member $(echo "$o3" | jget clat_max_ms) ms, new coordinator seen within ${took} s; heartbeat timeout 2500 ms of it (target <= 5000 ms)"
echo "figures done"
