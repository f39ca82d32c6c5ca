#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Scale run: as many nodes as this machine holds (CL_NODES, 8 by default)
# and a full volume table (128 disks), each node with its share of disks
# open, as VMs would have them. Timed phases: all nodes join; every node
# creates its disks at once (all through the one coordinator); every node
# opens them; each disk gets 1 MiB written and read back; one node loses
# its power and another takes over its disks. The figures are per
# operation, so they compare across node counts.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
. "$SRC/bench/csv/lib.sh"
all=$(seq 1 "$CL_NODES")
per=$((128 / CL_NODES))
ms='$(($(cut -d" " -f1 /proc/uptime | tr -d .) * 10))'
now() { date +%s%3N; }

t=$(now)
csv_up $all || { echo "volume did not come up"; exit 1; }
fig "scale: $CL_NODES nodes joined in $(($(now) - t)) ms"

# Each node: its creates one after another, all nodes at once.
t=$(now)
on_nodes "$all" "for i in \$(seq 1 $per); do $CSVCTL create $CSV_VOL n\$NODE-\$i 1M > /dev/null || exit 1; done" ||
	{ echo "creates failed"; exit 1; }
el=$(($(now) - t))
n=$((per * CL_NODES))
fig "scale: $n creates from $CL_NODES nodes at once in $el ms, $((el / per)) ms per create per node"
[ "$(csv 1 list -n $CSV_VOL | wc -l)" = $n ] || { echo "not $n disks"; exit 1; }

t=$(now)
on_nodes "$all" "for i in \$(seq 1 $per); do $CSVCTL open $CSV_VOL n\$NODE-\$i > /dev/null || exit 1; done" ||
	{ echo "opens failed"; exit 1; }
el=$(($(now) - t))
fig "scale: $n disks opened on $CL_NODES nodes in $el ms, $((el / per)) ms per open per node"

t=$(now)
on_nodes "$all" "head -c 1M /dev/urandom > /tmp/p && for i in \$(seq 1 $per); do
	d=/dev/csv/$CSV_VOL/n\$NODE-\$i
	dd if=/tmp/p of=\$d bs=1M oflag=direct status=none && cmp /tmp/p \$d || exit 1; done" ||
	{ echo "I/O failed"; exit 1; }
el=$(($(now) - t))
fig "scale: 1 MiB written and verified on each of $n disks in $el ms ($(awk -v n=$n -v e=$el 'BEGIN { printf "%.1f", 2 * n * 1000 / e }') MiB/s in all)"

# The last node dies with its disks open; the one before takes them.
last=$CL_NODES prev=$((CL_NODES - 1))
node_kill $last > /dev/null
t=$(now)
node_run -t 300 $prev "for i in \$(seq 1 $per); do
	until $CSVCTL open $CSV_VOL n$last-\$i > /dev/null 2>&1; do sleep 0.1; done; done" ||
	{ echo "takeover failed"; exit 1; }
el=$(($(now) - t))
fig "scale: node $last's $per disks open on node $prev $el ms after its power cut (detection 2500 ms of it)"
echo "figures done"
