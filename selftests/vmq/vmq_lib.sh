# SPDX-License-Identifier: GPL-2.0
# Helpers of the vmq L2 switching selftests; source after lib.sh.
#
# The topology follows tools/testing/selftests/net/forwarding: every "host"
# is a network namespace NAME with one interface eth0, the peer of a veth
# vp_NAME that sits in the root namespace as a port of the switch $VMQ_SW.
# IPv6 is off everywhere (root namespace, hosts, ports) so that nothing
# but what a test sends crosses the switch: a test can count frames.
#
# vmq_setup loads vmq.ko and creates the switch; the EXIT trap kills the
# helpers' processes, deletes the switch, the ports and the namespaces,
# and unloads vmq.ko, which must succeed (else the test fails).

VMQ_SW=sw0
VMQ_HOSTS=()
VMQ_PIDS=()
declare -A VMQ_CAP=()
VMQ_TMP=${SCRATCH:-/tmp}
# -S: no site module (stdlib only), ~0.15 s off each start under TCG
VMQ_RAWSEND=(python3 -S "$SRC/selftests/vmq/rawsend.py")
VMQ_SYSCTL_SAVED=()

vmq_cleanup() {
	local rc=$? p h i
	trap - EXIT
	for h in "${VMQ_HOSTS[@]}"; do
		for p in $(ip netns pids "$h" 2>/dev/null); do kill "$p" 2>/dev/null; done
	done
	for p in "${VMQ_PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${VMQ_PIDS[@]}"; do wait "$p" 2>/dev/null; done
	# The switch goes first, with its ports still enslaved: its teardown
	# has to let every port go. Then the ports and the namespaces.
	ip link del "$VMQ_SW" 2>/dev/null
	for h in "${VMQ_HOSTS[@]}"; do
		ip link del "vp_$h" 2>/dev/null
		ip netns del "$h" 2>/dev/null
	done
	[ ${#VMQ_SYSCTL_SAVED[@]} -gt 0 ] && sysctl -qw "${VMQ_SYSCTL_SAVED[@]}"
	if [ -d /sys/module/vmq ]; then
		i=0
		while ! rmmod vmq 2>/dev/null && [ $i -lt 50 ]; do
			sleep 0.1
			i=$((i + 1))
		done
		if [ -d /sys/module/vmq ]; then
			echo "FAIL: rmmod vmq: $(rmmod vmq 2>&1)" \
				"(refcnt $(cat /sys/module/vmq/refcnt))" >&2
			rc=1
		fi
	fi
	exit $rc
}

# vmq_setup: load veth and vmq.ko, create the switch $VMQ_SW and bring it up.
vmq_setup() {
	local k
	trap vmq_cleanup EXIT
	for k in ip bridge python3 tcpdump; do
		command -v $k > /dev/null || ksft_skip "$k not installed"
	done
	modprobe veth 2>/dev/null || ksft_skip "no veth module"
	ksft_load_ko vmq/vmq
	VMQ_SYSCTL_SAVED=(
		"net.ipv6.conf.all.disable_ipv6=$(sysctl -n net.ipv6.conf.all.disable_ipv6)"
		"net.ipv6.conf.default.disable_ipv6=$(sysctl -n net.ipv6.conf.default.disable_ipv6)")
	sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
	ip link del "$VMQ_SW" 2>/dev/null
	ip link add "$VMQ_SW" type vmq || ksft_fail "ip link add $VMQ_SW type vmq"
	ip -d link show "$VMQ_SW" | grep -qw vmq ||
		ksft_fail "ip -d link show $VMQ_SW does not say vmq: $(ip -d link show $VMQ_SW)"
	[ -d "/sys/class/net/$VMQ_SW/vmq" ] || ksft_fail "/sys/class/net/$VMQ_SW/vmq missing"
	ip link set "$VMQ_SW" up || ksft_fail "ip link set $VMQ_SW up"
}

# vmq_host NAME IP[/LEN] [MAC]: namespace NAME with eth0 (address IP, /24
# by default, "-" for none; MAC default 02:76:6d:71:00:<index>), its peer
# vp_NAME enslaved to the switch (access port, VLAN 1).
vmq_host() {
	local ns=$1 addr=$2 mac=${3:-}
	[ -n "$mac" ] || mac=$(printf '02:76:6d:71:00:%02x' $((${#VMQ_HOSTS[@]} + 1)))
	ip link del "vp_$ns" 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	ip netns add "$ns" || ksft_fail "ip netns add $ns"
	VMQ_HOSTS+=("$ns")
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1 || ksft_fail "sysctl in $ns"
	ip link add "vp_$ns" type veth peer name eth0 netns "$ns" ||
		ksft_fail "veth vp_$ns"
	ip -n "$ns" link set eth0 address "$mac" || ksft_fail "$ns: MAC $mac"
	if [ "$addr" != - ]; then
		case "$addr" in */*) ;; *) addr=$addr/24 ;; esac
		ip -n "$ns" addr add "$addr" dev eth0 || ksft_fail "$ns: address $addr"
	fi
	ip -n "$ns" link set lo up
	ip -n "$ns" link set eth0 up || ksft_fail "$ns: eth0 up"
	ip link set "vp_$ns" up || ksft_fail "vp_$ns up"
	vmq_enslave "vp_$ns"
}

# vmq_enslave PORT: make PORT a port of the switch.
vmq_enslave() {
	ip link set "$1" master "$VMQ_SW" || ksft_fail "ip link set $1 master $VMQ_SW"
	[ -d "/sys/class/net/$1/vmq_port" ] ||
		ksft_fail "$1 enslaved but /sys/class/net/$1/vmq_port missing"
}

# vmq_mac NAME: MAC of NAME's eth0
vmq_mac() {
	ip -n "$1" -br link show eth0 | awk '{ print $3 }'
}

# vmq_ns NS CMD...: run CMD in namespace NS ("-": the root namespace)
vmq_ns() {
	local ns=$1
	shift
	if [ "$ns" = - ]; then
		"$@"
	else
		ip netns exec "$ns" "$@"
	fi
}

# vmq_sw ATTR [VALUE]: read or write /sys/class/net/$VMQ_SW/vmq/ATTR
vmq_sw() {
	local f=/sys/class/net/$VMQ_SW/vmq/$1
	if [ $# -gt 1 ]; then
		echo "$2" > "$f" || ksft_fail "write '$2' to $f"
	else
		cat "$f" || ksft_fail "read $f"
	fi
}

# vmq_port HOST|PORT ATTR [VALUE]: read or write a port's vmq_port/ATTR
# (HOST names the port vp_HOST).
vmq_port() {
	local p=$1 f
	[ -d "/sys/class/net/$p/vmq_port" ] || p=vp_$p
	f=/sys/class/net/$p/vmq_port/$2
	if [ $# -gt 2 ]; then
		echo "$3" > "$f" || ksft_fail "write '$3' to $f"
	else
		cat "$f" || ksft_fail "read $f"
	fi
}

# vmq_stat HOST|PORT COUNTER: a port's vmq_port/statistics/COUNTER
vmq_stat() {
	vmq_port "$1" "statistics/$2"
}

# count_rx NS IFACE, count_tx NS IFACE: packet counters of IFACE in NS
count_rx() {
	vmq_ns "$1" cat "/sys/class/net/$2/statistics/rx_packets"
}

count_tx() {
	vmq_ns "$1" cat "/sys/class/net/$2/statistics/tx_packets"
}

# vmq_wait_for SECONDS CMD...: run CMD every 0.1 s until it succeeds;
# fails (1) when SECONDS pass first.
vmq_wait_for() {
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000))
	shift
	while :; do
		"$@" 2>/dev/null && return 0
		[ "${EPOCHREALTIME/./}" -lt $end ] || return 1
		sleep 0.1
	done
}

# vmq_ping FROM DEST [COUNT]: COUNT (3) pings from namespace FROM must be
# answered; returns ping's status.
vmq_ping() {
	vmq_ns "$1" ping -q -n -c "${3:-3}" -i 0.2 -W 2 "$2" > /dev/null
}

# vmq_noping FROM DEST: two pings that must stay unanswered (returns 0 then)
vmq_noping() {
	! vmq_ns "$1" ping -q -n -c 2 -i 0.2 -W 1 "$2" > /dev/null
}

# vmq_neigh NS IP MAC: permanent neighbour entry in NS (frames to IP go to
# MAC without ARP)
vmq_neigh() {
	ip -n "$1" neigh replace "$2" lladdr "$3" dev eth0 nud permanent ||
		ksft_fail "$1: neigh $2 $3"
}

# vmq_send NS IFACE rawsend.py-ARGS...: send raw frames from IFACE in NS
vmq_send() {
	local ns=$1
	shift
	vmq_ns "$ns" "${VMQ_RAWSEND[@]}" "$@" || ksft_fail "rawsend in $ns: $*"
}

# The FDB over rtnetlink: "bridge fdb add|del MAC dev SWITCH self via PORT
# [static|dynamic] [vlan N]", listed by "bridge fdb show dev SWITCH" (the
# bridge's "dev PORT master" form needs IFF_BRIDGE_PORT, which only the
# bridge's own ports may carry: Documentation/vmq.rst).

# vmq_fdb_add MAC PORT [static] [vlan N]...: add an entry (bridge's status)
vmq_fdb_add() {
	local mac=$1 port=$2
	shift 2
	bridge fdb add "$mac" dev "$VMQ_SW" self via "$port" "$@"
}

# vmq_fdb_del MAC PORT [vlan N]: delete an entry (bridge's status)
vmq_fdb_del() {
	local mac=$1 port=$2
	shift 2
	bridge fdb del "$mac" dev "$VMQ_SW" self via "$port" "$@"
}

# vmq_fdb_show_dev PORT: the switch's entries for PORT as bridge prints
# them ("MAC ... vlan N ...")
vmq_fdb_show_dev() {
	bridge fdb show dev "$VMQ_SW" | grep " via $1 "
}

# vmq_fdb_raw: the whole dump as bridge prints it
vmq_fdb_raw() {
	bridge fdb show dev "$VMQ_SW"
}

# vmq_fdb: the switch's FDB as "MAC PORT VLAN STATE" lines (STATE learned,
# static or permanent; PORT the switch itself for its local entries); the
# devices' own address lists ("self" entries) left out.
vmq_fdb() {
	vmq_fdb_raw | awk -v sw="$VMQ_SW" '
	{
		mac = tolower($1); dev = "-"; vlan = 0; st = "learned"; self = 0
		for (i = 2; i <= NF; i++) {
			if ($i == "via") dev = $(++i)
			else if ($i == "vlan") vlan = $(++i)
			else if ($i == "master" || $i == "dev") i++
			else if ($i == "self") self = 1
			else if ($i == "static" || $i == "permanent") st = $i
		}
		if (dev == "-")
			dev = sw
		if (!self)
			print mac, dev, vlan, st
	}'
}

# vmq_fdb_port MAC VLAN: the port(s) the FDB has MAC on in VLAN
vmq_fdb_port() {
	local mac
	mac=$(echo "$1" | tr 'A-F' 'a-f')
	vmq_fdb | awk -v m="$mac" -v v="$2" '$1 == m && $3 == v { print $2 }'
}

# vmq_fdb_is MAC VLAN PORT: the FDB has MAC in VLAN on PORT and nowhere else
vmq_fdb_is() {
	[ "$(vmq_fdb_port "$1" "$2" | tr '\n' ' ')" = "$3 " ]
}

# vmq_fdb_static MAC PORT [VLAN]: the FDB has a static (or permanent)
# entry for MAC on PORT (in VLAN)
vmq_fdb_static() {
	local mac
	mac=$(echo "$1" | tr 'A-F' 'a-f')
	vmq_fdb | awk -v m="$mac" -v p="$2" -v v="${3:-}" '
		$1 == m && $2 == p && (v == "" || $3 == v) &&
		($4 == "static" || $4 == "permanent") { f = 1 }
		END { exit !f }'
}

# vmq_fdb_learned: number of learned entries the FDB dump shows
vmq_fdb_learned() {
	vmq_fdb | awk '$4 == "learned"' | wc -l
}

# Captures: vmq_cap NAME NS IFACE [FILTER...] starts tcpdump FILTER on
# IFACE in NS (frames it receives, promiscuous) into $VMQ_TMP/NAME.pcap;
# vmq_cap_ready waits until every capture started listens; after the
# traffic, vmq_expect_cap/vmq_expect_caps (below) stop every running
# capture and check how many frames one caught, vmq_cap_count NAME
# [FILTER...] prints that number (FILTER is applied to the file, where
# VLAN tags are back in the frames).
VMQ_CAP_PENDING=()

vmq_cap() {
	local name=$1 ns=$2 dev=$3 f
	shift 3
	f=$VMQ_TMP/$name
	rm -f "$f.pcap" "$f.err"
	# Started as a plain command, so that $! is tcpdump itself (ip netns
	# exec execs it) and SIGINT reaches it.
	if [ "$ns" = - ]; then
		tcpdump -nn -Z root -U --immediate-mode -Q in -i "$dev" \
			-w "$f.pcap" "$@" 2> "$f.err" &
	else
		ip netns exec "$ns" tcpdump -nn -Z root -U --immediate-mode -Q in \
			-i "$dev" -w "$f.pcap" "$@" 2> "$f.err" &
	fi
	VMQ_CAP[$name]=$!
	VMQ_PIDS+=($!)
	VMQ_CAP_PENDING+=("$name")
}

vmq_cap_ready() {
	local name
	for name in "${VMQ_CAP_PENDING[@]}"; do
		vmq_wait_for 20 grep -q "listening on" "$VMQ_TMP/$name.err" ||
			ksft_fail "tcpdump $name did not start: $(cat "$VMQ_TMP/$name.err")"
	done
	VMQ_CAP_PENDING=()
}

# vmq_cap_stop: stop every running capture (call it in the test's shell,
# not in a $(...) subshell, which could not reap them)
vmq_cap_stop() {
	local name p stopped=()
	for name in "${!VMQ_CAP[@]}"; do
		p=${VMQ_CAP[$name]}
		[ -n "$p" ] && stopped+=("$p")
		VMQ_CAP[$name]=
	done
	[ ${#stopped[@]} -gt 0 ] || return 0
	sleep 0.5	# let the last frames reach the files
	kill -INT "${stopped[@]}" 2>/dev/null
	for p in "${stopped[@]}"; do wait "$p" 2>/dev/null; done
}

vmq_cap_count() {
	local name=$1
	shift
	vmq_cap_stop
	tcpdump -nn -r "$VMQ_TMP/$name.pcap" "$@" 2>/dev/null | grep -c '^[0-9]'
}

# vmq_cap_tagged NAME: how many of NAME's frames carry an 802.1Q/802.1ad
# tag (once stopped; a live "vlan" filter shifts the offsets of
# what follows it, even negated, so tags are checked on the file)
vmq_cap_tagged() {
	tcpdump -nn -r "$VMQ_TMP/$1.pcap" vlan 2>/dev/null | grep -c '^[0-9]'
}

# vmq_cap_show NAME [N [FILTER...]]: the first N (10) frames capture NAME
# caught (matching FILTER)
vmq_cap_show() {
	local name=$1 n=${2:-10}
	shift 2 2>/dev/null || shift $#
	tcpdump -nn -e -r "$VMQ_TMP/$name.pcap" "$@" 2>/dev/null | grep '^[0-9]' | head -n "$n"
}

# vmq_expect_cap WHAT NAME =N|+N [FILTER...]: capture NAME caught exactly
# N (=N) or at least N (+N) frames matching FILTER; fails naming WHAT
vmq_expect_cap() {
	local what=$1 name=$2 want=$3 got
	shift 3
	vmq_cap_stop
	got=$(vmq_cap_count "$name" "$@")
	case "$want" in
	=*) [ "$got" -eq "${want#=}" ] ;;
	*) [ "$got" -ge "${want#+}" ] ;;
	esac || ksft_fail "$what: capture $name caught $got frames${*:+ ($*)}, expected $want" \
		"$(vmq_cap_show "$name" 5 "$@")"
}

# vmq_expect_caps WHAT NAME=N|NAME+N...: capture NAME caught exactly N
# frames (NAME=N) or at least N (NAME+N); fails naming WHAT otherwise.
vmq_expect_caps() {
	local what=$1 a name n got
	shift
	vmq_cap_stop
	for a in "$@"; do
		case "$a" in
		*=*) name=${a%%=*} n=${a#*=} ;;
		*+*) name=${a%%+*} n=${a#*+} ;;
		esac
		got=$(vmq_cap_count "$name")
		case "$a" in
		*=*) [ "$got" -eq "$n" ] ;;
		*) [ "$got" -ge "$n" ] ;;
		esac || ksft_fail "$what: capture $name caught $got frames, expected ${a#"$name"}" \
			"$(vmq_cap_show "$name" 5)"
	done
}
