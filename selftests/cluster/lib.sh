# SPDX-License-Identifier: GPL-2.0
# Host-side helpers of the cluster selftests; a test sources it:
#   . "$SRC/selftests/cluster/lib.sh"
# run.sh boots the nodes first and exports CL_DIR (this test's folder: one
# nodeN/ share per node) and CL_NODES (how many). Exit codes follow
# kselftest: 0 pass, 1 fail, 4 skip (ksft_pass, ksft_fail, ksft_skip).
. "$SRC/selftests/lib.sh"

CL_DIR=${CL_DIR:?run cluster tests with selftests/cluster/run.sh}
CL_NODES=${CL_NODES:-3}
# How long node_run waits by default, in seconds.
CL_RUN_TIMEOUT=${CL_RUN_TIMEOUT:-60}

cl_log() {
	echo "# $(date +%T.%N | cut -c1-12) $*"
}

# node_alive N: the QEMU of node N still runs.
node_alive() {
	local pid
	pid=$(cat "$CL_DIR/node$1/qemu.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null
}

# node_killed N: node_kill N was called.
node_killed() {
	[ -e "$CL_DIR/node$1/killed" ]
}

# live_nodes: the numbers of the nodes whose QEMU runs.
live_nodes() {
	local n out=()
	for ((n = 1; n <= CL_NODES; n++)); do
		node_alive $n && out+=($n)
	done
	echo "${out[*]}"
}

_cl_new_id() {
	echo "$(date +%s%N)-$BASHPID-$RANDOM"
}

# node_bg N CMD...: start CMD (bash code, the words joined by blanks) on
# node N and print its job id at once, for node_wait.
node_bg() {
	local n=$1 id c
	shift
	c=$CL_DIR/node$n/cmd
	[ -d "$c" ] || { echo "node_bg: no node $n" >&2; return 2; }
	id=$(_cl_new_id)
	printf '%s\n' "$*" > "$c/.$id.tmp"
	mv "$c/.$id.tmp" "$c/$id.cmd"
	echo "$id"
}

# node_wait [-t SECS] N ID: wait for job ID of node N, print its output and
# return its exit code; 124 on a timeout, 255 when the node died.
node_wait() {
	local to=$CL_RUN_TIMEOUT n id c end
	if [ "$1" = -t ]; then
		to=$2
		shift 2
	fi
	n=$1 id=$2
	c=$CL_DIR/node$n/cmd
	end=$((SECONDS + to))
	while [ ! -e "$c/$id.rc" ]; do
		if ! node_alive "$n"; then
			cat "$c/$id.out" 2>/dev/null
			echo "node_wait: node $n is down" >&2
			return 255
		fi
		if [ $SECONDS -ge $end ]; then
			cat "$c/$id.out" 2>/dev/null
			echo "node_wait: node $n: no answer after ${to}s to: $(head -c 200 "$c/$id.run" "$c/$id.cmd" 2>/dev/null)" >&2
			return 124
		fi
		sleep 0.05
	done
	cat "$c/$id.out"
	return "$(cat "$c/$id.rc")"
}

# node_run [-t SECS] N CMD...: run CMD (bash code) on node N, print its
# output (stdout and stderr) and return its exit code.
node_run() {
	local topt=() id
	if [ "$1" = -t ]; then
		topt=(-t "$2")
		shift 2
	fi
	id=$(node_bg "$@") || return 2
	node_wait "${topt[@]}" "$1" "$id"
}

# node_kill N: cut node N's power: SIGKILL its QEMU, at once.
node_kill() {
	local n=$1 pid
	pid=$(cat "$CL_DIR/node$n/qemu.pid" 2>/dev/null) || return 1
	touch "$CL_DIR/node$n/killed"
	kill -KILL "$pid" 2>/dev/null
	while kill -0 "$pid" 2>/dev/null; do
		sleep 0.05
	done
	cl_log "node $n killed"
}

# node_break_path N: node N's path to the shared disk fails: every I/O to
# /dev/mapper/shared gets EIO (the dm table swapped for "error").
node_break_path() {
	node_run -t 30 "$1" 'dmsetup suspend --noflush shared &&
		dmsetup load shared --table "0 $(cut -d" " -f2 /run/shared.table) error" &&
		dmsetup resume shared'
}

# node_restore_path N: put the linear table back.
node_restore_path() {
	node_run -t 30 "$1" 'dmsetup suspend --noflush shared &&
		dmsetup load shared < /run/shared.table &&
		dmsetup resume shared'
}

# wait_for SECS CMD...: run CMD (on the host) every 0.2 s until it succeeds;
# fail after SECS.
wait_for() {
	local to=$1 end
	shift
	end=$((SECONDS + to))
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.2
	done
}

# node_wait_for N SECS CODE: on node N, run CODE every 0.1 s until it
# succeeds (one round trip, the loop runs in the guest); fail after SECS.
node_wait_for() {
	local n=$1 to=$2
	shift 2
	node_run -t $((to + 15)) "$n" "end=\$((SECONDS + $to))
		until { $*
		}; do
			[ \$SECONDS -lt \$end ] || exit 1
			sleep 0.1
		done"
}

# nodes_wait_for "N..." SECS CODE: node_wait_for on several nodes in
# parallel; fail when one of them times out.
nodes_wait_for() {
	local nodes=$1 to=$2
	shift 2
	on_nodes "$nodes" "end=\$((SECONDS + $to))
		until { $*
		}; do
			[ \$SECONDS -lt \$end ] || exit 1
			sleep 0.1
		done"
}

# on_nodes "N..." CMD...: node_run CMD on each node in parallel; print each
# output prefixed with "nodeN: "; fail when one fails.
on_nodes() {
	local nodes=$1 n rc=0 ids=()
	shift
	for n in $nodes; do
		ids+=("$(node_bg "$n" "$@")")
	done
	local i=0
	for n in $nodes; do
		node_wait "$n" "${ids[$i]}" 2>&1 | sed "s/^/node$n: /"
		[ "${PIPESTATUS[0]}" = 0 ] || rc=1
		i=$((i + 1))
	done
	return $rc
}

# --- DLM -------------------------------------------------------------------

CL_CLUSTER_NAME=vhdsuite

# dlm_ctl_start [NODES...]: start our controller (dlm-ctl.py) on every live
# node (or NODES) and wait until each sees all of them alive.
dlm_ctl_start() {
	local nodes=${*:-$(live_nodes)} all want
	all=$(seq -s, 1 "$CL_NODES")
	want=$(echo $nodes | tr ' ' ,)
	on_nodes "$nodes" "modprobe dlm || exit 1
		setsid /usr/bin/python3 -S \$SRC/selftests/cluster/dlm-ctl.py \
			--node \$NODE --nodes $all --cluster $CL_CLUSTER_NAME \
			> /run/node/dlm-ctl.log 2>&1 < /dev/null &
		end=\$((SECONDS + 40))
		until grep -qx 'live $want' /run/dlm-ctl.status 2>/dev/null; do
			[ \$SECONDS -lt \$end ] || { cat /run/dlm-ctl.status; exit 1; }
			sleep 0.1
		done" || {
		echo "dlm_ctl_start: not every node sees nodes $want alive"
		return 1
	}
}

# ctl_status N: node N's controller view (dlm-ctl.py status).
ctl_status() {
	node_run "$1" "cat /run/dlm-ctl.status"
}

# probe_load [NODES...]: insmod dlm_probe.ko on each node.
probe_load() {
	on_nodes "${*:-$(live_nodes)}" "[ -d /sys/module/dlm_probe ] ||
		insmod \$KMOD_ROOT/selftests/cluster/dlm_probe.ko cluster=$CL_CLUSTER_NAME"
}

# probe_get N ATTR: node N's /sys/kernel/dlm_probe/ATTR.
probe_get() {
	node_run "$1" "cat /sys/kernel/dlm_probe/$2"
}

# probe_dump N: every probe attribute of node N, one "name=value" a line.
probe_dump() {
	node_run "$1" "grep -sH '' /sys/kernel/dlm_probe/* | sed 's|^/sys/kernel/dlm_probe/\([^:]*\):|\1=|'"
}

# probe_read N: read every probe attribute of node N into the array P.
probe_read() {
	local k v
	declare -gA P=()
	while IFS="=" read -r k v; do
		P[$k]=$v
	done < <(probe_dump "$1")
}

# probe_holders NODES...: the nodes among NODES that hold "coord" (asked
# in parallel).
probe_holders() {
	local n i=0 ids=() out=()
	for n in "$@"; do
		ids+=("$(node_bg "$n" 'cat /sys/kernel/dlm_probe/holder')")
	done
	for n in "$@"; do
		[ "$(node_wait -t 20 "$n" "${ids[$i]}" 2>/dev/null)" = 1 ] && out+=($n)
		i=$((i + 1))
	done
	echo "${out[*]}"
}
