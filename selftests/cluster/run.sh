#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [TEST...]: the multi-node selftests. For each test of
# selftests/cluster/TESTS (or only the named ones: "shared_disk.sh" or
# "cluster/shared_disk.sh"; "cluster" means all), boot CLUSTER_NODES QEMU
# guests in parallel that share one raw disk and a private vde network,
# run the test (a bash script on the HOST, driving the nodes through
# lib.sh), check every node's kernel log, power the nodes off. Prints
# TAP 13 and "N passed, N failed[, N skipped]". Environment:
#   CLUSTER_NODES	nodes per test (default 3, at most 9); a TESTS line
#			can ask for its own with nodes=N
#   CLUSTER_MEM		MiB per node (default 640); each node has 1 vCPU
#   CLUSTER_DISK_MB	size of the shared disk (default 256)
#   CLUSTER_BOOT_TIMEOUT  seconds to wait for all nodes (default 120)
#   CLUSTER_TESTS	another TESTS list (its tests beside it): selftest.sh
#   A TESTS line may also say mem=MiB (per node) and hostd: then the nodes
#   are guests of tools/synbus-hostd, started on the host before they boot
#   (state in <test>/hostd, exported as HOSTD_DIR): each node gets an
#   ivshmem-doorbell device on its own socket and its RAM from a shared
#   file in /dev/shm (HOSTD_RAM/nodeN.ram) that the daemon punches holes
#   into for ballooned pages; also a virtio-balloon device and a QMP
#   socket (nodeN/qmp.sock), for comparisons in bench/host.
#   VHD_KERNEL, VHD_KVER, VHD_KMOD_ROOT, VHD_OUT, VHD_NO_BUILD=1,
#   VHD_SHOW_LOG=1, VHD_ACCEL=tcg, VHD_TIMEOUT_SCALE, VHD_APPEND: as for
#   selftests/run.sh
set -uo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top" || exit 1
here=selftests/cluster

kernel=${VHD_KERNEL:-$(ls /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n 1)}
kver=${VHD_KVER:-$(basename "$kernel" | sed 's/^vmlinuz-//')}
[ "${VHD_INITRD_MODULES:-}" = none ] && kver=none
kmod_root=${VHD_KMOD_ROOT:-$top}
nodes_default=${CLUSTER_NODES:-3}
mem=${CLUSTER_MEM:-640}
disk_mb=${CLUSTER_DISK_MB:-256}
boot_to=${CLUSTER_BOOT_TIMEOUT:-120}
stamp=$(date +%Y%m%d-%H%M%S)-$$
out=${VHD_OUT:-$top/build/selftests/cluster-$stamp}
mkdir -p "$out"
ln -sfn "$out" "$top/build/selftests/cluster-latest" 2>/dev/null

for t in vde_switch qemu-system-x86_64 dmsetup; do
	command -v $t > /dev/null || { echo "run.sh: $t missing; run 'make deps'" >&2; exit 1; }
done

# The plan: "name timeout nodes mem hostd" lines.
sel=()
for s in "$@"; do
	case "$s" in
	cluster|cluster/) ;;
	cluster/*) sel+=("${s#cluster/}") ;;
	*) sel+=("$s") ;;
	esac
done
list=${CLUSTER_TESTS:-$here/TESTS}
tdir=$(dirname "$list")
plan=$out/plan
: > "$plan"
while read -r name opts; do
	case "$name" in ''|\#*) continue ;; esac
	if [ ${#sel[@]} -gt 0 ] && [[ " ${sel[*]} " != *" $name "* ]]; then
		continue
	fi
	to=120 nn=$nodes_default nm=$mem hd=0
	for o in $opts; do
		case "$o" in
		timeout=*) to=${o#timeout=} ;;
		nodes=*) nn=${o#nodes=} ;;
		mem=*) nm=${o#mem=} ;;
		hostd) hd=1 ;;
		esac
	done
	echo "$name $((to * ${VHD_TIMEOUT_SCALE:-1})) $nn $nm $hd" >> "$plan"
done < "$list"
for s in "${sel[@]}"; do
	grep -q "^$s " "$plan" || { echo "run.sh: no test cluster/$s" >&2; exit 2; }
done
ntests=$(wc -l < "$plan")

if [ "${VHD_NO_BUILD:-0}" != 1 ]; then
	make -s -C $here KDIR="${KDIR:-$(scripts/kdir.sh)}" all > "$out/build.log" 2>&1 ||
		{ cat "$out/build.log"; echo "run.sh: $here build failed" >&2; exit 1; }
	if grep -q ' 1$' "$plan"; then
		make -s -C tools all > "$out/build-tools.log" 2>&1 ||
			{ cat "$out/build-tools.log"; echo "run.sh: tools build failed" >&2; exit 1; }
	fi
fi

# The same cached initramfs as selftests/run.sh; node.sh is the runner.
cache=$top/build/initramfs
mkdir -p "$cache"
key=$(cat selftests/guest/mkinitramfs.sh selftests/guest/init.sh | sha256sum | cut -c1-12)
initrd=$cache/$kver-$key.cpio.gz
[ -f "$initrd" ] || selftests/guest/mkinitramfs.sh "$kver" "$initrd" || exit 1

# PVH boot of the extracted vmlinux when the kernel has it (guest/vmlinux.sh).
boot_kernel=$kernel
[ "${CLUSTER_PVH:-1}" = 1 ] && boot_kernel=$(selftests/guest/vmlinux.sh "$kernel" "$cache")

accel=tcg
cpu=max
if [ -w /dev/kvm ] && [ "${VHD_ACCEL:-}" != tcg ] &&
	(echo quit | timeout 10 qemu-system-x86_64 -machine q35,accel=kvm \
		-cpu host -nodefaults -display none -S -monitor stdio) \
		>/dev/null 2>&1; then
	accel=kvm
	cpu=host
fi

BAD='WARNING:|BUG:|Oops|general protection fault|possible circular locking|inconsistent lock state|suspicious RCU usage|KASAN|kmemleak:.*suspected|blocked for more than|hung_task|possible recursive locking|Kernel panic'

# bad_lines FILE: the lines of a kernel log that fail a test.
known=$(grep -vE '^(#|$)' $here/known-warnings | paste -sd'|')
bad_lines() {
	grep -E "$BAD" "$1" | grep -vE "${known:-^$}"
}

hostd=$top/tools/synbus-hostd/synbus-hostd

# start_hostd DIR NODES MEM: the host daemon, one VM per node; waits for
# its sockets.
start_hostd() {
	local d=$1 nn=$2 m=$3 n vms=() i
	mkdir -p "$d/hostd" "$HOSTD_RAM"
	for ((n = 1; n <= nn; n++)); do
		vms+=(--vm "node$n,socket=$d/hostd/node$n.sock,ram=$HOSTD_RAM/node$n.ram,mem=${m}M,machine=q35")
	done
	# Kept for tests that restart the daemon (hostd_restart in hostd_lib.sh).
	printf '%q ' "$hostd" -f -d "$d/hostd" "${vms[@]}" > "$d/hostd.cmd"
	"$hostd" -f -d "$d/hostd" "${vms[@]}" >> "$d/hostd.log" 2>&1 &
	echo $! > "$d/hostd.pid"
	disown
	for ((i = 0; i < 100; i++)); do
		[ -S "$d/hostd/node$nn.sock" ] && [ -S "$d/hostd/control.sock" ] && return 0
		sleep 0.1
	done
	return 1
}

stop_hostd() {
	local d=$1 pid
	pid=$(cat "$d/hostd.pid" 2>/dev/null) || return 0
	"$hostd" -d "$d/hostd" --stop >> "$d/hostd.log" 2>&1
	kill "$pid" 2>/dev/null
	# A hostd test fails on any daemon crash report.
	grep -E 'AddressSanitizer|Segmentation|core dumped' "$d/hostd.log" >&2
	rm -rf "$HOSTD_RAM"
}

# boot_node DIR N NODES MEM HOSTD: start node N of a cluster in DIR, in the
# background.
boot_node() {
	local d=$1 n=$2 nn=$3 m=$4 hd=$5 nd=$1/node$2 hx=() mach=q35,accel=$accel
	mkdir -p "$nd/cmd"
	truncate -s 256M "$d/scratch$n.img"
	if [ "$hd" = 1 ]; then
		mach=$mach,memory-backend=ram0
		hx=(-object "memory-backend-file,id=ram0,size=${m}M,mem-path=$HOSTD_RAM/node$n.ram,share=on"
			-chardev "socket,id=ivsh,path=$d/hostd/node$n.sock"
			-device ivshmem-doorbell,chardev=ivsh,vectors=1
			-device virtio-balloon-pci,id=balloon0
			-qmp "unix:$nd/qmp.sock,server=on,wait=off")
	fi
	qemu-system-x86_64 -name "node$n" \
		-machine $mach -cpu $cpu -smp 1 -m "$m" "${hx[@]}" \
		-nographic -no-reboot -nodefaults -serial "file:$d/console$n.log" \
		-kernel "$boot_kernel" -initrd "$initrd" \
		-append "console=ttyS0 loglevel=5 panic=-1 oops=panic mitigations=off \
softlockup_panic=0 rdinit=/init vhdsuite.runner=$top/$here/node.sh \
vhdsuite.src=$top vhdsuite.kmod=$kmod_root vhdcluster.node=$n \
vhdcluster.nodes=$nn ${VHD_APPEND:-}" \
		-fsdev local,id=hostroot,path=/,security_model=none,readonly=on,multidevs=remap \
		-device virtio-9p-pci,fsdev=hostroot,mount_tag=hostroot \
		-fsdev local,id=node,path="$nd",security_model=none,multidevs=remap \
		-device virtio-9p-pci,fsdev=node,mount_tag=node \
		-drive file="$d/shared.img",if=none,id=sh,format=raw,file.locking=off,cache=none \
		-device virtio-blk-pci,drive=sh,share-rw=on,serial=shared \
		-drive file="$d/scratch$n.img",if=none,id=sc,format=raw,cache=unsafe \
		-device virtio-blk-pci,drive=sc,serial=scratch \
		-netdev vde,id=net0,sock="$d/vde" \
		-device virtio-net-pci,netdev=net0,mac=52:54:00:77:00:$(printf %02x "$n") \
		> "$d/qemu$n.log" 2>&1 &
	# Not a job of ours: node_kill must not make bash report "Killed".
	echo $! > "$nd/qemu.pid"
	disown
}

# halt_cluster DIR NODES: save each live node's kernel log, power it off.
halt_cluster() {
	local d=$1 nn=$2 n pid i jobs=()
	for ((n = 1; n <= nn; n++)); do
		[ -e "$d/node$n/killed" ] && continue
		(export CL_DIR=$d SRC=$top; . $here/lib.sh; node_alive $n &&
			node_run -t 20 $n dmesg > "$d/dmesg$n.log" 2>&1 ||
			echo "no kernel log (node down or not answering)" \
				> "$d/dmesg$n.err") &
		jobs+=($!)
	done
	[ ${#jobs[@]} -gt 0 ] && wait "${jobs[@]}"
	for ((n = 1; n <= nn; n++)); do
		touch "$d/node$n/poweroff"
	done
	for ((n = 1; n <= nn; n++)); do
		pid=$(cat "$d/node$n/qemu.pid" 2>/dev/null) || continue
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
	done
	wait
	[ -f "$d/vde.pid" ] && kill "$(cat "$d/vde.pid")" 2>/dev/null
	rm -f "$d"/*.img
}

echo "TAP version 13"
how=$accel
[ "$boot_kernel" != "$kernel" ] && how="$accel, PVH boot of its vmlinux"
echo "# kernel: $kernel ($how), $ntests tests, ${nodes_default} nodes x ${mem} MiB, logs in $out"
echo "1..$ntests"
pass=0 fail=0 skip=0 i=0
while read -r name to nn nm hd; do
	i=$((i + 1))
	d=$out/$i
	mkdir -p "$d"
	export HOSTD_RAM=/dev/shm/vhdsuite-$$-$i HOSTD_DIR=$d/hostd
	if [ "$hd" = 1 ] && ! start_hostd "$d" "$nn" "$nm"; then
		echo "not ok $i cluster/$name # synbus-hostd did not start: $(tail -n 1 "$d/hostd.log")"
		fail=$((fail + 1))
		stop_hostd "$d"
		continue
	fi
	truncate -s "${disk_mb}M" "$d/shared.img"
	vde_switch -s "$d/vde" -d -p "$d/vde.pid" -n $((nn + 4)) \
		> "$d/vde.log" 2>&1 || { echo "not ok $i cluster/$name # vde_switch failed"; fail=$((fail + 1)); continue; }
	t0=$(date +%s.%N)
	for ((n = 1; n <= nn; n++)); do
		boot_node "$d" $n "$nn" "$nm" "$hd"
	done
	# Wait until every node's agent runs.
	why=
	end=$((SECONDS + boot_to))
	for ((n = 1; n <= nn; n++)); do
		while [ ! -e "$d/node$n/ready" ]; do
			if ! kill -0 "$(cat "$d/node$n/qemu.pid")" 2>/dev/null; then
				why="node $n died while booting"
				break 2
			fi
			[ $SECONDS -lt $end ] || { why="node $n not up after ${boot_to}s"; break 2; }
			sleep 0.1
		done
		[ -s "$d/node$n/boot.err" ] && why="node $n: $(head -n 1 "$d/node$n/boot.err")"
	done
	t1=$(date +%s.%N)
	boot=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	rc=99
	if [ -z "$why" ]; then
		echo "# [$i] $name: $nn nodes up in ${boot}s" > "$d/log"
		(CL_DIR=$d CL_NODES=$nn SRC=$top KMOD_ROOT=$kmod_root \
			timeout -k 5 "$to" bash "$tdir/$name") >> "$d/log" 2>&1 < /dev/null
		rc=$?
	fi
	t2=$(date +%s.%N)
	secs=$(awk -v a="$t1" -v b="$t2" 'BEGIN { printf "%.1f", b - a }')
	halt_cluster "$d" "$nn"
	[ "$hd" = 1 ] && stop_hostd "$d"

	# Kernel logs of the nodes not killed on purpose.
	bad=
	for ((n = 1; n <= nn; n++)); do
		[ -e "$d/node$n/killed" ] && continue
		if [ -e "$d/dmesg$n.err" ]; then
			[ -z "$why" ] && [ $rc -ne 124 ] && bad="$bad node$n: $(cat "$d/dmesg$n.err");"
			b=$(bad_lines "$d/console$n.log" | head -n 2 | tr '\n' ' ')
		else
			b=$(bad_lines "$d/dmesg$n.log" | head -n 2 | tr '\n' ' ')
		fi
		[ -n "$b" ] && bad="$bad node$n: $b"
	done
	bad=$(echo "$bad" | cut -c1-300)
	if [ -n "$why" ]; then
		echo "not ok $i cluster/$name # boot: $why"
		fail=$((fail + 1))
	elif [ -n "$bad" ]; then
		echo "not ok $i cluster/$name # kernel log:$bad"
		fail=$((fail + 1))
	elif [ $rc = 0 ]; then
		echo "ok $i cluster/$name # ${secs}s (boot ${boot}s)"
		pass=$((pass + 1))
	elif [ $rc = 4 ]; then
		r=$(grep -m1 '^SKIP' "$d/log" | cut -c1-150)
		echo "ok $i cluster/$name # SKIP ${r:-skipped}"
		skip=$((skip + 1))
	else
		what="exit $rc"
		[ $rc = 124 ] || [ $rc = 137 ] && what="timeout after ${to}s"
		echo "not ok $i cluster/$name # $what, ${secs}s"
		fail=$((fail + 1))
	fi
	if [ "${VHD_SHOW_LOG:-0}" = 1 ]; then
		cat "$d/log"
	elif [ $rc != 0 ] && [ $rc != 4 ] || [ -n "$bad" ]; then
		sed 's/^/#   /' "$d/log" | tail -n 30
		for ((n = 1; n <= nn; n++)); do
			[ -s "$d/node$n/dlm-ctl.log" ] || continue
			echo "#   -- node$n dlm-ctl.log (tail)"
			tail -n 8 "$d/node$n/dlm-ctl.log" | sed 's/^/#   /'
		done
	fi
done < "$plan"

[ $fail -gt 0 ] && echo "# failed: logs, consoles and kernel logs kept in $out"
if [ $skip -gt 0 ]; then
	echo "$pass passed, $fail failed, $skip skipped"
else
	echo "$pass passed, $fail failed"
fi
[ $fail -eq 0 ]
