#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The distribution's way: corosync (knet over the private network) plus
# dlm_controld instead of our dlm-ctl.py form the same lockspace, and
# dlm_probe behaves the same: one holder of "coord", every node a member.
# csv.ko runs on the same stack: a volume joined by every node, a disk
# created from one member, seen and written from another.
# Then a power cut of the holder: dlm_controld (fencing off) restarts the
# lockspace without it and a survivor takes over with the next epoch.
. "$SRC/selftests/cluster/lib.sh"
. "$SRC/selftests/cluster/csv_lib.sh"
LS=csvtest
all=$(seq 1 "$CL_NODES")
for t in corosync dlm_controld dlm_tool corosync-quorumtool; do
	command -v $t > /dev/null || ksft_skip "$t not installed (scripts/deps.sh installs dlm-controld and corosync)"
done

conf="totem {
	version: 2
	cluster_name: $CL_CLUSTER_NAME
	transport: knet
	crypto_cipher: none
	crypto_hash: none
	token: 2000
}
quorum {
	provider: corosync_votequorum
}
logging {
	to_stderr: yes
	to_syslog: no
	to_logfile: no
	timestamp: on
}
nodelist {"
for n in $all; do
	conf="$conf
	node {
		ring0_addr: 10.77.0.$n
		nodeid: $n
		name: node$n
	}"
done
conf="$conf
}"

# corosync and dlm_controld want a few folders a real system has, and
# dlm_controld the DLM's misc devices under /dev/misc (udev's names).
on_nodes "$all" "mkdir -p /etc/corosync /var/lib/corosync /var/log/cluster /run/dlm_controld \
		/var/log/dlm_controld /dev/misc &&
	cat > /etc/corosync/corosync.conf <<'CONF'
$conf
CONF
	modprobe dlm && for d in dlm-control dlm-monitor dlm_plock; do
		[ -e /dev/\$d ] && ln -sf ../\$d /dev/misc/\$d
	done
	(setsid corosync -f > /run/node/corosync.log 2>&1 < /dev/null &)" ||
	ksft_fail "corosync setup failed"

quorate() {
	node_run $1 "corosync-quorumtool -s 2>&1" > /tmp/cl-q.$$ 2>&1
	grep -q 'Quorate: *Yes' /tmp/cl-q.$$ && grep -qE "Total votes: *$CL_NODES" /tmp/cl-q.$$
}
for n in $all; do
	if ! wait_for 40 quorate $n; then
		sed 's/^/#   /' /tmp/cl-q.$$
		tail -n 5 "$CL_DIR/node$n/corosync.log" | sed 's/^/#   /'
		node_alive $n && node_run $n 'pgrep -x corosync' > /dev/null ||
			ksft_skip "corosync does not run in this guest (see node$n/corosync.log)"
		ksft_fail "node $n: corosync not quorate with $CL_NODES votes"
	fi
done
rm -f /tmp/cl-q.$$
cl_log "corosync quorate on $CL_NODES nodes"

on_nodes "$all" "(setsid dlm_controld --foreground 1 --enable_fencing 0 --protocol tcp \
		> /run/node/dlm_controld.log 2>&1 < /dev/null &)
	end=\$((SECONDS + 30))
	until dlm_tool status 2>/dev/null | grep -q '^cluster nodeid'; do
		[ \$SECONDS -lt \$end ] || { dlm_tool status; exit 1; }
		sleep 0.2
	done" || ksft_fail "dlm_controld did not start"
node_run 1 'dlm_tool status' | sed 's/^/#   /'

probe_load || ksft_fail "insmod dlm_probe failed"
on_nodes "$all" "echo $LS > /sys/kernel/dlm_probe/join" || ksft_fail "join failed"
nodes_wait_for "$all" 20 "[ \"\$(cat /sys/kernel/dlm_probe/members)\" = \"$(echo $all)\" ]" ||
	ksft_fail "not every node sees members '$(echo $all)'"
for n in $all; do
	probe_read $n
	[ "${P[nodeid]}" = $n ] || ksft_fail "node $n: nodeid ${P[nodeid]}"
	[ "${P[ops_result]}" = 0 ] || ksft_fail "node $n: no recovery callbacks (${P[ops_result]})"
done
node_run 1 "dlm_tool ls" | sed 's/^/#   /'
node_run 1 "dlm_tool ls" | grep -q "^name *$LS" || ksft_fail "dlm_tool does not list $LS"

csv_load || ksft_fail "insmod csv failed"
node_run 1 "$CSVCTL format --force --name $CSV_VOL /dev/mapper/shared" || ksft_fail "csv format"
for n in $all; do
	csv_join $n || ksft_fail "node $n: csv join under dlm_controld"
done
node_run 1 "dlm_tool ls" | grep -q "^name *csv-$CSV_VOL" || ksft_fail "dlm_tool does not list csv-$CSV_VOL"
csv 2 create $CSV_VOL dc 8M || ksft_fail "csv create from node 2"
node_run 3 "$CSVCTL open $CSV_VOL dc > /dev/null &&
	dd if=/dev/urandom of=/dev/csv/$CSV_VOL/dc bs=1M count=8 oflag=direct status=none &&
	$CSVCTL close $CSV_VOL dc" || ksft_fail "csv disk written on node 3"
[ "$(csv_attr 1 members)" = "$(echo $all)" ] || ksft_fail "csv members '$(csv_attr 1 members)'"
cl_log "csv volume on corosync + dlm_controld: joined by all, disk created and written"

one_holder() { h=$(probe_holders $1); [ -n "$h" ] && [ "${h/ /}" = "$h" ]; }
wait_for 20 one_holder "$all" || ksft_fail "holders: '$(probe_holders $all)'"
dead=$h
epoch=$(probe_get $dead epoch)
[ "$epoch" = 1 ] || ksft_fail "first holder's epoch $epoch"
nodes_wait_for "$all" 15 "[ \$(cat /sys/kernel/dlm_probe/mirror) = $epoch ]" ||
	ksft_fail "not every node's epoch copy is $epoch"
cl_log "node $dead holds coord with epoch $epoch; killing it"

survivors=$(for n in $all; do [ $n != $dead ] && echo $n; done | xargs)
t0=$SECONDS
node_kill $dead
wait_for 40 one_holder "$survivors" || ksft_fail "no survivor took coord: '$(probe_holders $survivors)'"
cl_log "node $h holds coord $((SECONDS - t0))s after the kill"
probe_read $h
[ "${P[epoch]}" = $((epoch + 1)) ] || ksft_fail "new holder's epoch ${P[epoch]}, want $((epoch + 1))"
for n in $survivors; do
	rs=$(probe_get $n recover_slot)
	[[ " $rs " == *" $dead:"* ]] || ksft_fail "node $n: recover_slot '$rs' does not name node $dead"
done
ksft_pass "corosync + dlm_controld: lockspace and csv volume on $CL_NODES nodes, failover to node $h"
