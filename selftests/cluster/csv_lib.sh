# SPDX-License-Identifier: GPL-2.0
# Helpers of the csv cluster tests; a test sources it after lib.sh:
#   . "$SRC/selftests/cluster/lib.sh"; . "$SRC/selftests/cluster/csv_lib.sh"
# The shared LUN is /dev/mapper/shared on every node; node N has address
# 10.77.0.N on the cluster network.

CSVCTL='$SRC/tools/bin/csvctl'
CSV_VOL=vol1

# csv_load [NODES...]: insmod csv.ko (and dlm) on each node.
csv_load() {
	on_nodes "${*:-$(live_nodes)}" "modprobe dlm && modprobe libcrc32c && { [ -d /sys/module/csv ] ||
		insmod \$KMOD_ROOT/csv/csv.ko cluster=$CL_CLUSTER_NAME; }"
}

# csv_up [NODES...]: controller, module, a fresh volume formatted by the
# first node, every node joined, one after another (the first one first:
# it coordinates).
csv_up() {
	local nodes=${*:-$(live_nodes)} first
	first=${nodes%% *}
	dlm_ctl_start $nodes || return 1
	csv_load $nodes || return 1
	node_run "$first" "$CSVCTL format --force --name $CSV_VOL /dev/mapper/shared" || return 1
	csv_join "$first" || return 1
	# One after another: a join hung once (CI, 60 s) when two overlapped;
	# not understood yet, see the closing note of issue #10.
	for n in ${nodes#"$first"}; do
		csv_join "$n" || return 1
	done
}

# csv_join N: node N joins the volume.
csv_join() {
	node_run "$1" "$CSVCTL join /dev/mapper/shared --addr 10.77.0.$1"
}

# csv N ARGS...: csvctl ARGS on node N.
csv() {
	local n=$1
	shift
	node_run "$n" "$CSVCTL $*"
}

# csv_attr N ATTR: node N's /sys/fs/csv/$CSV_VOL/ATTR.
csv_attr() {
	node_run "$1" "cat /sys/fs/csv/$CSV_VOL/$2"
}

# csv_coordinator: the node that says it coordinates (asked on node 1..N).
csv_coordinator() {
	local n
	for n in $(live_nodes); do
		[ "$(csv_attr $n role 2>/dev/null)" = coordinator ] && echo $n
	done
}

# csv_errno N ERRNO ARGS...: csvctl ARGS on node N must fail with ERRNO.
csv_errno() {
	local n=$1 want=$2 out
	shift 2
	if out=$(csv $n "$@" 2>&1); then
		echo "csvctl $* on node $n succeeded, want $want: $out"
		return 1
	fi
	case $out in
	*"($want)"*) return 0 ;;
	esac
	echo "csvctl $* on node $n: '$out', want $want"
	return 1
}
