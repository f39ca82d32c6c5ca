#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The command agent of a cluster guest (started by node.sh). The host drops
# ID.cmd, a bash script, into the node's share (/run/node/cmd, renamed into
# place, so never read half written); the agent renames it ID.run, runs it in
# the background (sourced in a subshell: "exit N" ends it with N) with its
# output in ID.out and, when it ends, its exit code in ID.rc (also renamed
# into place). A file named "poweroff" stops the node.
S=/run/node
C=$S/cmd
mkdir -p $C
cd /root 2>/dev/null || cd /
exec < /dev/null
# read -t on a fifo nobody writes sleeps without forking a sleep(1).
mkfifo /run/agent.tick
exec 3<> /run/agent.tick

# A forked subshell sources the command: cheaper than a new bash (under
# TCG an exec costs a good part of a second).
run_one() {
	local id=$1 rc
	(
		exec 3<&- > "$C/$id.out" 2>&1
		shopt -u nullglob
		. "$C/$id.run"
	)
	rc=$?
	echo $rc > "$C/$id.rc.tmp"
	mv "$C/$id.rc.tmp" "$C/$id.rc"
}

shopt -s nullglob
while :; do
	for f in "$C"/*.cmd; do
		id=${f##*/}
		id=${id%.cmd}
		mv "$f" "$C/$id.run" || continue
		run_one "$id" &
	done
	if [ -e $S/poweroff ]; then
		sync
		poweroff -f
	fi
	read -r -t 0.05 -u 3
done
