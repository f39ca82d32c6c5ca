# SPDX-License-Identifier: GPL-2.0
#
# Helpers for the vmq per-port policy and VMQ queue selftests; source it
# after lib.sh. One switch, sw0, in the root namespace; host N is the
# network namespace hN whose eth0 (MAC 02:00:00:00:00:NN, IP 192.0.2.N/24)
# is the peer of vpN, the switch port. IPv6 is off everywhere so that no
# router solicitation or MLD report lands in a count or a storm bucket.
PL_SW=sw0
# -S: no site module (stdlib only), ~0.15 s off each start under TCG
PL_FRAMES="python3 -S $SRC/selftests/vmq/frames.py"
PL_HOSTS=()
PL_PIDS=()
PL_PID=
PL_MAIN=$$

# pl_fail MSG: ksft_fail that also works inside $(...): the subshell
# signals the test's shell, which exits with the failure once the command
# substitution is over.
trap 'exit $KSFT_FAIL' USR1
pl_fail() {
	echo "FAIL: $*" >&2
	[ "$BASHPID" != "$PL_MAIN" ] && kill -USR1 "$PL_MAIN"
	exit $KSFT_FAIL
}

pl_cleanup() {
	local rc=$? p h i
	trap - EXIT
	for p in "${PL_PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for h in "${PL_HOSTS[@]}"; do
		for p in $(ip netns pids "$h" 2>/dev/null); do
			kill "$p" 2>/dev/null
		done
	done
	for p in "${PL_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	ip link del "$PL_SW" 2>/dev/null
	for h in "${PL_HOSTS[@]}"; do
		ip link del "vp${h#h}" 2>/dev/null
		ip netns del "$h" 2>/dev/null
	done
	# vmq must unload once its switch is gone: a leaked reference fails
	# the test
	if [ -d /sys/module/vmq ]; then
		i=0
		while ! rmmod vmq 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ -d /sys/module/vmq ]; then
			echo "FAIL: rmmod vmq: $(rmmod vmq 2>&1) (refcnt $(cat /sys/module/vmq/refcnt))" >&2
			rc=$KSFT_FAIL
		fi
	fi
	exit $rc
}

# pl_init: veth and vmq loaded, sw0 created and up, cleanup on exit.
pl_init() {
	modprobe veth 2>/dev/null
	[ -d /sys/module/veth ] || ksft_skip "no veth module"
	command -v python3 >/dev/null || ksft_skip "no python3"
	[ -f "${KMOD_ROOT:-$SRC}/vmq/vmq.ko" ] ||
		ksft_skip "vmq/vmq.ko not built"
	ksft_load_ko vmq/vmq
	trap pl_cleanup EXIT
	pl_switch
}

# pl_switch: create sw0 (again).
pl_switch() {
	ip link del "$PL_SW" 2>/dev/null	# left by a failed test
	ip link add "$PL_SW" type vmq || ksft_fail "ip link add $PL_SW type vmq failed"
	sysctl -qw "net.ipv6.conf.$PL_SW.disable_ipv6=1" 2>/dev/null
	ip link set "$PL_SW" up || ksft_fail "cannot bring $PL_SW up"
	[ -d "/sys/class/net/$PL_SW/vmq" ] || ksft_fail "no /sys/class/net/$PL_SW/vmq"
}

pl_mac() {
	printf '02:00:00:00:00:%02x' "$1"
}

# pl_host N: namespace hN and the veth pair vpN <-> hN/eth0 (not enslaved).
pl_host() {
	local n=$1 ns=h$1
	ip netns del "$ns" 2>/dev/null		# left by a failed test
	ip link del "vp$n" 2>/dev/null
	ip netns add "$ns" || ksft_fail "ip netns add $ns"
	PL_HOSTS+=("$ns")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip link add "vp$n" type veth peer name eth0 netns "$ns" ||
		ksft_fail "cannot create veth vp$n"
	sysctl -qw "net.ipv6.conf.vp$n.disable_ipv6=1"
	ip -n "$ns" link set eth0 address "$(pl_mac "$n")"
	ip -n "$ns" addr add "192.0.2.$n/24" dev eth0
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up
	ip link set "vp$n" up
}

# pl_attach N...: enslave vpN to sw0.
pl_attach() {
	local n
	for n in "$@"; do
		ip link set "vp$n" master "$PL_SW" ||
			ksft_fail "ip link set vp$n master $PL_SW failed"
		[ -d "/sys/class/net/vp$n/vmq_port" ] ||
			ksft_fail "vp$n enslaved but has no vmq_port/"
	done
}

pl_detach() {
	ip link set "vp$1" nomaster || ksft_fail "ip link set vp$1 nomaster failed"
}

# pl_hosts N...: pl_host and pl_attach each.
pl_hosts() {
	local n
	for n in "$@"; do
		pl_host "$n"
		pl_attach "$n"
	done
}

# Port and switch attributes: pl_p N FILE, pl_pset N FILE VALUE, pl_st N
# COUNTER, pl_sw FILE, pl_swset FILE VALUE.
pl_p() {
	cat "/sys/class/net/vp$1/vmq_port/$2" 2>/dev/null ||
		pl_fail "cannot read vp$1 vmq_port/$2"
}

pl_pset() {
	echo "$3" > "/sys/class/net/vp$1/vmq_port/$2" ||
		pl_fail "cannot write '$3' to vp$1 vmq_port/$2"
	local got
	got=$(pl_p "$1" "$2")
	[ "$got" = "$3" ] || pl_fail "vp$1 vmq_port/$2 reads '$got' after writing '$3'"
}

pl_st() {
	cat "/sys/class/net/vp$1/vmq_port/statistics/$2" 2>/dev/null ||
		pl_fail "cannot read vp$1 statistics/$2"
}

pl_sw() {
	cat "/sys/class/net/$PL_SW/vmq/$1" 2>/dev/null ||
		pl_fail "cannot read $PL_SW vmq/$1"
}

pl_swset() {
	echo "$2" > "/sys/class/net/$PL_SW/vmq/$1" ||
		pl_fail "cannot write '$2' to $PL_SW vmq/$1"
}

# pl_until SECS CMD: poll CMD (eval'd) every 0.1 s until it holds.
pl_until() {
	local end=$(($(date +%s%N) / 1000000 + $1 * 1000))
	shift
	while ! eval "$*"; do
		[ $(($(date +%s%N) / 1000000)) -lt $end ] || return 1
		sleep 0.1
	done
}

# pl_ping FROM TO [COUNT]: COUNT (3) pings from hFROM to hTO, all answered.
pl_ping() {
	ip netns exec "h$1" ping -q -c "${3:-3}" -i 0.2 -W 2 "192.0.2.$2" >/dev/null
}

# pl_loss FROM TO COUNT: prints how many of COUNT pings got no answer.
pl_loss() {
	local out rx
	out=$(ip netns exec "h$1" ping -q -c "$3" -i 0.2 -W 1 "192.0.2.$2" 2>&1)
	rx=$(echo "$out" | sed -n 's/.* \([0-9]*\) received.*/\1/p')
	echo $(($3 - ${rx:-0}))
}

# pl_send N ARGS...: frames.py send on hN's eth0, in the foreground (on
# CPU $PL_CPU when set).
pl_send() {
	local n=$1
	shift
	ip netns exec "h$n" ${PL_CPU:+taskset -c $PL_CPU} $PL_FRAMES send eth0 "$@" ||
		pl_fail "frames.py send in h$n failed"
}

# pl_send_bg OUT N ARGS...: the same in the background, output in OUT,
# PID in PL_PID.
pl_send_bg() {
	local out=$1 n=$2
	shift 2
	ip netns exec "h$n" ${PL_CPU:+taskset -c $PL_CPU} $PL_FRAMES send eth0 "$@" \
		> "$out" 2>&1 &
	PL_PID=$!
	PL_PIDS+=("$PL_PID")
}

# pl_count_start OUT N ARGS...: frames.py count on hN's eth0 in the
# background, output in OUT, PID in PL_PID; returns once it listens.
pl_count_start() {
	local out=$1 n=$2
	shift 2
	rm -f "$out" "$out.ready"
	ip netns exec "h$n" $PL_FRAMES count eth0 --ready "$out.ready" "$@" \
		> "$out" 2>&1 &
	PL_PID=$!
	PL_PIDS+=("$PL_PID")
	pl_until 30 "[ -e '$out.ready' ]" || pl_fail "frame counter in h$n did not start"
}

# pl_kv FILE KEY: value of KEY=... in the output FILE of frames.py.
pl_kv() {
	local v
	v=$(grep -o "\b$2=[^ ]*" "$1" | tail -n 1 | cut -d= -f2)
	[ -n "$v" ] || pl_fail "no $2= in $1: $(cat "$1")"
	echo "$v"
}

# pl_within GOT WANT PERCENT: |GOT - WANT| <= PERCENT% of WANT (decimals ok).
pl_within() {
	awk -v g="$1" -v w="$2" -v p="$3" \
		'BEGIN { d = g - w; if (d < 0) d = -d; exit !(d <= w * p / 100) }'
}

# pl_delta PORT COUNTER BASE WANT: waits (up to 3 s) until statistics/COUNTER
# of vpPORT is BASE + WANT or more, then a little longer for stragglers;
# prints the growth.
pl_delta() {
	pl_until 3 "[ \$((\$(pl_st $1 $2) - $3)) -ge $4 ]"
	sleep 0.2
	echo $(($(pl_st "$1" "$2") - $3))
}

# pl_count_stop PID...: end frame counters (they print what they counted)
# once what they count had time to arrive.
pl_count_stop() {
	local p
	sleep 0.3
	for p in "$@"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "$@"; do
		wait "$p"
	done
}

# pl_static_neigh: permanent ARP entries between all hosts, so that no ARP
# request or probe shows up in an exact count or is policed away.
pl_static_neigh() {
	local h o
	for h in "${PL_HOSTS[@]}"; do
		for o in "${PL_HOSTS[@]}"; do
			[ "$h" = "$o" ] && continue
			ip -n "$h" neigh replace "192.0.2.${o#h}" \
				lladdr "$(pl_mac "${o#h}")" dev eth0 nud permanent ||
				ksft_fail "cannot add a neighbour entry in $h"
		done
	done
}

# pl_ethtool NAME: switch-wide counter NAME of "ethtool -S sw0".
pl_ethtool() {
	local v
	v=$(ethtool -S "$PL_SW" 2>/dev/null | awk -v k="$1:" '$1 == k { print $2 }')
	[ -n "$v" ] || pl_fail "ethtool -S $PL_SW has no $1"
	echo "$v"
}
