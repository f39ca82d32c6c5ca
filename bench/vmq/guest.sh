#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmq.ko benchmark, run inside the test guest by `bench/run.sh vmq` (or
# selftests/run.sh bench/vmq/guest.sh). Between network namespaces, each
# behind a veth pair:
#
# 1. Two hosts, interleaved (vmq, bridge, veth, vmq, bridge, veth, ...):
#    iperf3 TCP with 1 stream (tcp1) and 4 streams (tcp4, -P 4), and a
#    64-byte UDP flood (udp64: -u -l 64 -b 0, packets per second the
#    receiver got), through
#      vmq     our switch sw0 (ip link add sw0 type vmq; each port's
#              vmq_port/mac set to its VM's MAC),
#      bridge  the Linux bridge br0 (STP off),
#      veth    one veth pair between the two namespaces (no switch).
# 2. One sender behind the uplink port (vmq_port/role uplink) sending to
#    two receiving "VMs" at once (two iperf3 clients, two servers, TCP one
#    stream each), through sw0 with the receivers' queues pinned to
#    different CPUs (vmq_port/queue_cpu 0 and 1), and through br0,
#    interleaved. Both clients run on CPU 0 (BENCH_SENDER_CPU): the uplink
#    is one wire whose frames arrive on one CPU, as a NIC's interrupt
#    does; the bridge then does all receive work there, vmq hands each
#    receiver's to its queue's CPU. Aggregate and per-receiver throughput, the CPU that
#    served each receiver's queue (vmq_port/cpu, statistics/queue_cpu<N>
#    deltas) and the NET_RX softirqs each CPU ran.
#
# Figures are medians over BENCH_ROUNDS rounds (3) of BENCH_TIME seconds
# (4) each, printed beside the bridge and veth figures with the ratios;
# the issue's targets (vmq >= 1.0x the bridge on one flow, >= 1.5x in
# aggregate with two receivers on different CPUs) are reported as "target
# met" or "target missed", never failed on. Without vmq/vmq.ko (not built
# yet) the vmq column is skipped; a vmq.ko that is there but does not
# load or pass traffic is reported and makes the bench exit 1.
# One iperf3 server daemon per receiving namespace (-D, with receive and
# idle timeouts), clients under timeout(1); every namespace, switch and
# server goes at the end of its phase and on exit. iperf3's JSON, the CPU
# snapshots and summary.txt go to /run/results/vmq-bench/ (BENCH_OUT
# elsewhere). Knobs, from the host with e.g. VHD_APPEND="BENCH_ROUNDS=1
# BENCH_TIME=3": BENCH_ROUNDS, BENCH_TIME, BENCH_PIN=1 (run each phase-2
# receiver's iperf3 on its queue's CPU, for vmq and the bridge alike).
set -u
. "$SRC/selftests/lib.sh"
ROUNDS=${BENCH_ROUNDS:-3}
TIME=${BENCH_TIME:-4}
SW=${BENCH_SW:-sw0}
BR=${BENCH_BR:-br0}
OUT=${BENCH_OUT:-/run/results/vmq-bench}
PORT=5201
P=vqb			# prefix of our namespaces and root-side devices
KO=${KMOD_ROOT:-$SRC}/vmq/vmq.ko

cd "${SCRATCH:-$PWD}" || exit 1
mkdir -p "$OUT" || exit 1
rm -f "$OUT"/*.json "$OUT"/*.err "$OUT"/*.snap "$OUT"/*.log "$OUT"/*.pid \
	"$OUT"/summary.txt
for c in iperf3 ip ss python3 timeout; do
	command -v $c >/dev/null || { echo "bench: $c missing"; exit 1; }
done

say() { echo "# $(date +%T) $*"; }
status=0
nss=()
pidfiles=()
links=()

# alive PID: PID runs (a zombie does not)
alive() {
	local s
	read -r s 2>/dev/null < "/proc/$1/stat" || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

cleanup() {
	local f p n l i ps=()
	for f in "${pidfiles[@]}"; do
		p=
		read -r p 2>/dev/null < "$f"	# iperf3 ends it without a newline
		[ -n "$p" ] && kill "$p" 2>/dev/null && ps+=("$p")
		rm -f "$f"
	done
	for p in "${ps[@]}"; do
		for i in $(seq 20); do
			alive "$p" || break
			sleep 0.1
		done
	done
	for n in "${nss[@]}"; do ip netns del "$n" 2>/dev/null; done
	for l in "${links[@]}"; do ip link del "$l" 2>/dev/null; done
	nss=() pidfiles=() links=()
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# wr FILE VALUE: a sysfs write that says what failed
wr() {
	echo "$2" > "$1" 2>"$OUT/wr.err" && return 0
	say "write '$2' to $1 failed: $(sed 's/.*: //' "$OUT/wr.err")"
	return 1
}

# key SETUP: the letter of its namespaces and devices (q, b, v)
key() {
	case $1 in vmq) echo q ;; bridge) echo b ;; veth) echo v ;; esac
}

mkns() {
	ip netns add "$1" || return 1
	nss+=("$1")
	ip -n "$1" link set lo up
}

# host NS ROOTDEV IP MAC: a veth from the root namespace (ROOTDEV, up)
# into namespace NS (eth0, with MAC and IP/24)
host() {
	ip link add "$2" type veth peer name eth0 netns "$1" || return 1
	ip -n "$1" link set eth0 address "$4" &&
		ip -n "$1" addr add "$3/24" dev eth0 &&
		ip -n "$1" link set eth0 up && ip link set "$2" up
}

# mkswitch KIND NAME: an up switch (vmq or bridge)
mkswitch() {
	case $1 in
	vmq) ip link add "$2" type vmq || return 1 ;;
	bridge) ip link add "$2" type bridge stp_state 0 || return 1 ;;
	esac
	links+=("$2")
	ip link set "$2" up
}

# port SWITCH DEV [MAC]: DEV joins SWITCH; on a vmq switch, its VM's MAC
port() {
	ip link set "$2" master "$1" || return 1
	[ -n "${3:-}" ] && [ -d "/sys/class/net/$2/vmq_port" ] &&
		{ wr "/sys/class/net/$2/vmq_port/mac" "$3" || return 1; }
	return 0
}

# reach NS IP: NS gets an answer from IP (ARP resolved on the way)
reach() {
	ip netns exec "$1" ping -c 1 -W 3 "$2" >/dev/null 2>&1 ||
		ip netns exec "$1" ping -c 2 -W 3 "$2" >/dev/null 2>&1
}

# server NS [CPU]: an iperf3 server daemon in NS (on CPU with BENCH_PIN=1),
# listening when this returns. A test that stalls ends after 15 s without
# data (--rcv-timeout), a server stuck otherwise restarts after 60 idle
# seconds; cleanup kills it through its pidfile.
server() {
	local i pin=()
	[ "${BENCH_PIN:-0}" = 1 ] && [ -n "${2:-}" ] && pin=(taskset -c "$2")
	"${pin[@]}" ip netns exec "$1" iperf3 -s -D -p $PORT --rcv-timeout 15000 \
		--idle-timeout 60 -I "$OUT/server-$1.pid" \
		--logfile "$OUT/server-$1.log" || { say "iperf3 -s in $1 failed"; return 1; }
	pidfiles+=("$OUT/server-$1.pid")
	for i in $(seq 50); do
		[ -n "$(ip netns exec "$1" ss -Hltn "sport = :$PORT" 2>/dev/null)" ] &&
			return 0
		sleep 0.1
	done
	say "iperf3 server in $1 did not start"
	return 1
}

# client NS IP OUTFILE ARGS...: one iperf3 client run, JSON to OUTFILE
client() {
	local ns=$1 ip=$2 f=$3 pin=()
	shift 3
	[ -n "${CLIENT_CPU:-}" ] && pin=(taskset -c "$CLIENT_CPU")
	"${pin[@]}" ip netns exec "$ns" timeout $((TIME + 30)) iperf3 -c "$ip" -p $PORT \
		-t "$TIME" --connect-timeout 3000 -J "$@" > "$f" 2> "$f.err" ||
		say "iperf3 to $ip from $ns failed: $(head -c 200 "$f.err")"
}

# run1 TEST SETUP ROUND: one phase-1 run (server in <setup>b, client in a)
run1() {
	local test=$1 s=$2 r=$3 args=() ip
	case $s in vmq) ip=10.71.1.2 ;; bridge) ip=10.71.2.2 ;; veth) ip=10.71.3.2 ;; esac
	case $test in
	tcp4) args=(-P 4) ;;
	udp64) args=(-u -l 64 -b 0) ;;
	esac
	client $P-$(key $s)a $ip "$OUT/p1-$test-$s-$r.json" "${args[@]}"
}

# snap FILE SETUP: NET_RX softirqs per CPU; for vmq also the receivers'
# queue, cpu and statistics/queue_cpu<N> (bash builtins: forks are slow
# under TCG)
snap() {
	local r d f v line
	{
		while read -r line; do
			[[ $line == NET_RX:* ]] && echo "$line"
		done < /proc/softirqs
		[ "$2" = vmq ] || return 0
		for r in 1 2; do
			d=/sys/class/net/${P}qr$r/vmq_port
			for f in $d/queue $d/cpu $d/queue_cpu $d/statistics/queue_cpu* \
				$d/statistics/queue_packets $d/statistics/queue_moves; do
				v=?
				read -r v 2>/dev/null < "$f"
				f=${f##*/}
				[ "$f" = queue_cpu ] && f=pin
				echo "r$r $f $v"
			done
		done
	} > "$1"
}

# run2 SETUP ROUND: both receivers at once from the sender behind the uplink
run2() {
	local s=$1 r=$2 k n c1 c2
	k=$(key $s)
	n=$([ "$s" = vmq ] && echo 1 || echo 2)
	snap "$OUT/p2-$s-$r.before.snap" "$s"
	# The uplink is one wire: its frames arrive on one CPU, as a NIC's
	# interrupt does. Both clients run there, for vmq and the bridge.
	CLIENT_CPU=${BENCH_SENDER_CPU:-0}
	client $P-${k}s 10.72.$n.1 "$OUT/p2-$s-$r-r1.json" &
	c1=$!
	client $P-${k}s 10.72.$n.2 "$OUT/p2-$s-$r-r2.json" &
	c2=$!
	wait $c1 $c2
	CLIENT_CPU=
	snap "$OUT/p2-$s-$r.after.snap" "$s"
}

# ---- vmq.ko
vmq=1
vmq_why=
modprobe veth 2>/dev/null
modprobe bridge 2>/dev/null
if [ ! -f "$KO" ] && [ ! -d /sys/module/vmq ]; then
	vmq=0 vmq_why="$KO not built"
elif ! ( ksft_load_ko vmq/vmq ) > "$OUT/insmod.log" 2>&1; then
	vmq=0 vmq_why="insmod failed: $(tail -n 1 "$OUT/insmod.log")"
	status=1
fi
[ $vmq = 1 ] || say "vmq skipped: $vmq_why"

setups=(vmq bridge veth)
[ $vmq = 1 ] || setups=(bridge veth)

# ---- phase 1: two hosts
say "phase 1 setup: ${setups[*]}"
for s in "${setups[@]}"; do
	k=$(key $s)
	mkns $P-${k}a && mkns $P-${k}b || exit 1
done
if [ $vmq = 1 ]; then
	if mkswitch vmq "$SW" && host $P-qa ${P}qa 10.71.1.1 02:71:01:00:00:01 &&
		host $P-qb ${P}qb 10.71.1.2 02:71:01:00:00:02 &&
		port "$SW" ${P}qa 02:71:01:00:00:01 &&
		port "$SW" ${P}qb 02:71:01:00:00:02 &&
		reach $P-qa 10.71.1.2; then :; else
		say "vmq: no traffic through $SW: vmq skipped"
		vmq=0 vmq_why="no traffic through $SW" status=1
		setups=(bridge veth)
	fi
fi
mkswitch bridge "$BR" && host $P-ba ${P}ba 10.71.2.1 02:71:02:00:00:01 &&
	host $P-bb ${P}bb 10.71.2.2 02:71:02:00:00:02 &&
	port "$BR" ${P}ba && port "$BR" ${P}bb || exit 1
ip -n $P-va link add eth0 type veth peer name eth1 netns $P-vb &&
	ip -n $P-va addr add 10.71.3.1/24 dev eth0 &&
	ip -n $P-vb addr add 10.71.3.2/24 dev eth1 &&
	ip -n $P-va link set eth0 up && ip -n $P-vb link set eth1 up || exit 1
# The bridge forwards once its ports leave the listening state.
for i in $(seq 30); do
	reach $P-ba 10.71.2.2 && break
	sleep 0.5
done
reach $P-ba 10.71.2.2 && reach $P-va 10.71.3.2 || { say "bridge or veth: no traffic"; exit 1; }
for s in "${setups[@]}"; do
	server $P-$(key $s)b || exit 1
done

t0=$SECONDS
for test in tcp1 tcp4 udp64; do
	for r in $(seq "$ROUNDS"); do
		for s in "${setups[@]}"; do
			say "$test round $r: $s"
			run1 $test $s $r
		done
	done
done
say "phase 1 took $((SECONDS - t0)) s"
cleanup

# ---- phase 2: one sender behind the uplink, two receivers
setups2=(vmq bridge)
[ $vmq = 1 ] || setups2=(bridge)
say "phase 2 setup: ${setups2[*]}"
for s in "${setups2[@]}"; do
	k=$(key $s)
	mkns $P-${k}s && mkns $P-${k}r1 && mkns $P-${k}r2 || exit 1
done
if [ $vmq = 1 ]; then
	if mkswitch vmq "$SW" && host $P-qs ${P}qs 10.72.1.10 02:72:01:00:00:10 &&
		host $P-qr1 ${P}qr1 10.72.1.1 02:72:01:00:00:01 &&
		host $P-qr2 ${P}qr2 10.72.1.2 02:72:01:00:00:02 &&
		port "$SW" ${P}qs && wr /sys/class/net/${P}qs/vmq_port/role uplink &&
		port "$SW" ${P}qr1 02:72:01:00:00:01 &&
		port "$SW" ${P}qr2 02:72:01:00:00:02 &&
		wr /sys/class/net/${P}qr1/vmq_port/queue_cpu 0 &&
		wr /sys/class/net/${P}qr2/vmq_port/queue_cpu 1 &&
		reach $P-qs 10.72.1.1 && reach $P-qs 10.72.1.2; then
		for r in 1 2; do
			q=$(cat /sys/class/net/${P}qr$r/vmq_port/queue)
			[ "$q" -ge 0 ] 2>/dev/null ||
				say "vmq: receiver $r has no queue (queue $q): default queue"
		done
		say "$SW: uplink $(cat /sys/class/net/$SW/vmq/uplink), hw_offload $(cat /sys/class/net/$SW/vmq/hw_offload), queues_used $(cat /sys/class/net/$SW/vmq/queues_used)"
	else
		say "vmq: uplink setup failed: vmq skipped in phase 2"
		vmq=0 vmq_why="uplink setup failed" status=1
		setups2=(bridge)
	fi
fi
mkswitch bridge "$BR" && host $P-bs ${P}bs 10.72.2.10 02:72:02:00:00:10 &&
	host $P-br1 ${P}br1 10.72.2.1 02:72:02:00:00:01 &&
	host $P-br2 ${P}br2 10.72.2.2 02:72:02:00:00:02 &&
	port "$BR" ${P}bs && port "$BR" ${P}br1 && port "$BR" ${P}br2 || exit 1
for i in $(seq 30); do
	reach $P-bs 10.72.2.1 && reach $P-bs 10.72.2.2 && break
	sleep 0.5
done
for s in "${setups2[@]}"; do
	server $P-$(key $s)r1 0 && server $P-$(key $s)r2 1 || exit 1
done

t0=$SECONDS
for r in $(seq "$ROUNDS"); do
	for s in "${setups2[@]}"; do
		say "2 receivers round $r: $s"
		run2 $s $r
	done
done
say "phase 2 took $((SECONDS - t0)) s"
if [ $vmq = 1 ] && command -v vmqctl >/dev/null; then
	echo "# vmqctl show $SW; vmqctl queues $SW:"
	{ vmqctl show "$SW"; vmqctl queues "$SW"; } | sed 's/^/#   /'
fi
cleanup

# ---- summary
echo
python3 - "$OUT" "$ROUNDS" "$TIME" "${vmq_why:-}" <<'PY' | tee "$OUT/summary.txt"
import json, re, statistics, sys
out, rounds, secs, vmq_why = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]

def fig(path, test):
    """Receiver's Mbit/s (TCP) or kpps (UDP) of one iperf3 JSON, or None."""
    try:
        j = json.load(open(path))
        s = j["end"]["sum_received"]
        if test == "udp64":
            return s["bytes"] / 64.0 / s["seconds"] / 1000.0
        return s["bits_per_second"] / 1e6
    except Exception:
        return None

def med(v):
    v = [x for x in v if x is not None]
    return statistics.median(v) if v else None

def fmt(v, unit):
    if v is None:
        return "-"
    return ("%.1f" if unit == "kpps" else "%.0f") % v + " " + unit

def ratio(a, b):
    return a / b if a is not None and b else None

def verdict(r, target):
    if r is None:
        return "target not measured" + (" (vmq: %s)" % vmq_why if vmq_why else "")
    return "target >= %.1fx %s" % (target, "met" if r >= target else "missed")

print("vmq.ko benchmark: iperf3 between network namespaces, %s s per run, "
      "median of %d rounds; Mbit/s received (udp64: kpps received, 64-byte "
      "datagrams)" % (secs, rounds))
targets = {"tcp1": 1.0}
each = []

def rounds_of(vals, unit):
    return " ".join("-" if v is None else ("%.1f" if unit == "kpps" else "%.0f") % v
                    for v in vals)

for test, unit in (("tcp1", "Mbit/s"), ("tcp4", "Mbit/s"), ("udp64", "kpps")):
    v = {s: [fig("%s/p1-%s-%s-%d.json" % (out, test, s, r), test)
             for r in range(1, rounds + 1)] for s in ("vmq", "bridge", "veth")}
    m = {s: med(v[s]) for s in v}
    each.append("  %-6s %s" % (test, " | ".join(
        "%s %s" % (s, rounds_of(v[s], unit)) for s in ("vmq", "bridge", "veth"))))
    line = "%-6s vmq %-14s bridge %-14s veth %-14s vmq/bridge %s  vmq/veth %s" % (
        test, fmt(m["vmq"], unit), fmt(m["bridge"], unit), fmt(m["veth"], unit),
        "%.2fx" % ratio(m["vmq"], m["bridge"]) if ratio(m["vmq"], m["bridge"]) else "-",
        "%.2fx" % ratio(m["vmq"], m["veth"]) if ratio(m["vmq"], m["veth"]) else "-")
    if test in targets:
        line += "  " + verdict(ratio(m["vmq"], m["bridge"]), targets[test])
    print(line)

def snap(path):
    d = {}
    try:
        for line in open(path):
            w = line.split()
            if w and w[0] == "NET_RX:":
                d["softirq"] = [int(x) for x in w[1:]]
            elif len(w) == 3:
                d[(w[0], w[1])] = w[2]
    except OSError:
        pass
    return d

print()
print("two receivers at once, sender behind the uplink port (vmq: queues pinned "
      "to CPU 0 and 1), TCP 1 stream each:")
agg, per, cpu = {}, {}, {}
for s in ("vmq", "bridge"):
    aggs, r1s, r2s, soft, qc = [], [], [], None, {}
    for r in range(1, rounds + 1):
        a = fig("%s/p2-%s-%d-r1.json" % (out, s, r), "tcp")
        b = fig("%s/p2-%s-%d-r2.json" % (out, s, r), "tcp")
        r1s.append(a)
        r2s.append(b)
        aggs.append(a + b if a is not None and b is not None else None)
        x = snap("%s/p2-%s-%d.before.snap" % (out, s, r))
        y = snap("%s/p2-%s-%d.after.snap" % (out, s, r))
        if "softirq" in x and "softirq" in y:
            d = [q - p for p, q in zip(x["softirq"], y["softirq"])]
            soft = d if soft is None else [p + q for p, q in zip(soft, d)]
        for k, v in y.items():
            if k == "softirq":
                continue
            rcv, name = k
            e = qc.setdefault(rcv, {})
            if re.match(r"queue_cpu\d+$", name) or name in ("queue_packets", "queue_moves"):
                try:
                    e[name] = e.get(name, 0) + int(v) - int(x.get(k, 0))
                except ValueError:
                    pass
            else:
                e[name] = v
    agg[s], per[s], cpu[s] = med(aggs), (med(r1s), med(r2s)), (soft, qc)
    each.append("  %-6s %s aggregate %s | receiver1 %s | receiver2 %s" % (
        "2rcv", s, rounds_of(aggs, ""), rounds_of(r1s, ""), rounds_of(r2s, "")))
r = ratio(agg["vmq"], agg["bridge"])
print("  %-10s vmq %-14s bridge %-14s vmq/bridge %-6s %s" % (
    "aggregate", fmt(agg["vmq"], "Mbit/s"), fmt(agg["bridge"], "Mbit/s"),
    "%.2fx" % r if r else "-", verdict(r, 1.5)))
for i in (0, 1):
    r = ratio(per["vmq"][i], per["bridge"][i])
    print("  %-10s vmq %-14s bridge %-14s vmq/bridge %s" % (
        "receiver%d" % (i + 1), fmt(per["vmq"][i], "Mbit/s"),
        fmt(per["bridge"][i], "Mbit/s"), "%.2fx" % r if r else "-"))
for s in ("vmq", "bridge"):
    soft, qc = cpu[s]
    if soft:
        print("  %-6s NET_RX softirqs per CPU over the runs: %s" % (
            s, ", ".join("cpu%d +%d" % (i, v) for i, v in enumerate(soft))))
for rcv in sorted(cpu["vmq"][1]):
    e = cpu["vmq"][1][rcv]
    qs = sorted((int(k[9:]), v) for k, v in e.items() if k.startswith("queue_cpu") and k != "queue_cpu")
    served = ", ".join("cpu%d +%d" % kv for kv in qs if kv[1]) or "none"
    print("  vmq receiver%s: queue %s, queue_cpu %s, cpu now %s; frames by CPU: %s; "
          "queue_packets +%s, queue_moves +%s" % (
              rcv[1:], e.get("queue", "?"), e.get("pin", "?"), e.get("cpu", "?"), served,
              e.get("queue_packets", "?"), e.get("queue_moves", "?")))
print()
print("each round (TCG guest: noisy, compare ratios over runs):")
print("\n".join(each))
if vmq_why:
    print("vmq skipped: " + vmq_why)
PY
exit $status
