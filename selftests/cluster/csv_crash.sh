#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A crash leaves the old or the new table, nothing between: node 1, the
# coordinator, creates disks one after another and loses its power in the
# middle. The table the survivors read is valid and holds exactly the
# disks c1..cK, where K is the last create node 1 saw answered or the one
# after it (written, not yet answered). A survivor takes over with the
# next epoch and the volume goes on working.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
all=$(seq 1 "$CL_NODES")

csv_up $all || ksft_fail "volume did not come up"
[ "$(csv_coordinator)" = 1 ] || ksft_fail "coordinator '$(csv_coordinator)', want 1"
e1=$(csv_attr 2 epoch)
bg=$(node_bg 1 "for i in \$(seq 1 400); do
	$CSVCTL create $CSV_VOL c\$i 1M > /dev/null || exit 1; echo acked \$i; done")
out=$CL_DIR/node1/cmd/$bg.out
acked() { cat "$out" 2>/dev/null | grep -c '^acked'; }
# Some creates land, then the power goes at a point nobody chose.
wait_for 90 eval '[ "$(acked)" -ge 8 ]' || ksft_fail "node 1 made $(acked) creates: $(tail -3 "$out")"
sleep "0.$((RANDOM % 10))"
node_kill 1
a=$(acked)
cl_log "node 1 killed after $a answered creates"

wait_for 40 eval '[ -n "$(csv_coordinator)" ]' || ksft_fail "no survivor took over"
c=$(csv_coordinator)
cl_log "node $c coordinates after the crash, epoch $(csv_attr $c epoch)"
[ "$(csv_attr $c epoch)" -gt "$e1" ] || ksft_fail "epoch $(csv_attr $c epoch) not above $e1"
node_run 2 "$CSVCTL inspect /dev/mapper/shared" > /tmp/csv-crash.$$ || ksft_fail "inspect after the crash"
grep '^table\|^current' /tmp/csv-crash.$$ | sed 's/^/# /'
names=$(csv 2 list -n $CSV_VOL | awk '{print $1}' | sed 's/^c//' | sort -n | xargs)
rm -f /tmp/csv-crash.$$
k=$(echo $names | wc -w)
[ "$names" = "$(seq -s ' ' 1 $k)" ] || ksft_fail "disks after the crash are not c1..c$k: $names"
[ $k -ge $a ] && [ $k -le $((a + 1)) ] || ksft_fail "$k disks after the crash, $a answered"
other=$((5 - c))
csv $other create $CSV_VOL after 1M || ksft_fail "create through the new coordinator"
got=$(node_run $other "$CSVCTL open $CSV_VOL c1 > /dev/null && head -c 1M /dev/urandom > /tmp/x &&
	dd if=/tmp/x of=/dev/csv/$CSV_VOL/c1 bs=1M oflag=direct status=none &&
	cmp /tmp/x /dev/csv/$CSV_VOL/c1 && echo same") || ksft_fail "use c1: $got"
ksft_pass "crash after $a answered creates: table holds c1..c$k, node $c took over"
