# SPDX-License-Identifier: GPL-2.0
#
# vmqctl against a fake sysfs tree (VMQCTL_SYSFS), sourced by run.sh: a
# switch sw0 with an uplink eth0 and VM ports vm0 (queue 1, CPU 1), vm1
# (queue 0, pinned to CPU 0) and vm2 (no queue), a second switch sw1, and
# a plain device lo. show, queues and stats must print what the files
# hold (JSON too), set must write the files and name the file and the
# errno text when it cannot.
VMQCTL=$tools/vmqctl/vmqctl

# fattr DIR NAME VALUE
fattr() { mkdir -p "$1" && printf '%s\n' "$3" > "$1/$2"; }

# fport SYS PORT SWITCH ROLE MAC QUEUE CPU QUEUE_CPU PVID QPKTS MOVES TXPKTS
fport() {
	local d=$1/$2/vmq_port s
	mkdir -p "$d/statistics"
	ln -s "../../../devices/virtual/net/$3" "$1/$2/master"
	fattr "$d" role "$4"
	fattr "$d" mac "$5"
	fattr "$d" queue "$6"
	fattr "$d" cpu "$7"
	fattr "$d" queue_cpu "$8"
	fattr "$d" pvid "$9"
	fattr "$d" vlan_mode access
	fattr "$d" trunk_vids ""
	fattr "$d" mac_guard 1
	fattr "$d" max_learned 1024
	fattr "$d" learned 1
	fattr "$d" storm_pps 0
	fattr "$d" max_rate_kbps 0
	fattr "$d" mirror 0
	fattr "$d" monitor 0
	fattr "$d" weight 100
	fattr "$d" hw_rule -1
	s=$d/statistics
	for c in rx_bytes tx_bytes drop_spoof drop_storm drop_rate drop_vlan \
		drop_mtu drop_malformed drop_queue queue_cpu1 rx_packets; do
		fattr "$s" $c 0
	done
	fattr "$s" queue_packets "${10}"
	fattr "$s" queue_moves "${11}"
	fattr "$s" tx_packets "${12}"
	fattr "$s" queue_cpu0 7
	fattr "$s" queue_cpu10 5
	fattr "$s" queue_cpu2 3
}

mkfake() {
	local sys=$1 sw d
	for sw in sw0 sw1; do
		d=$sys/$sw/vmq
		fattr "$d" ageing_time 300
		fattr "$d" max_learned 8192
		fattr "$d" learned 4
		fattr "$d" learn_dropped 0
		fattr "$d" max_queues 8
		fattr "$d" queues_used 2
		fattr "$d" dynamic 1
		fattr "$d" home_cpu 0
		fattr "$d" cpus 0-1
		fattr "$d" spread_pps 20000
		fattr "$d" coalesce_pps 2000
		fattr "$d" hw_offload none
		fattr "$d" uplink eth0
		: > "$d/flush"
	done
	fattr "$sys/sw1/vmq" uplink ""
	fattr "$sys/sw1/vmq" queues_used 0
	fport "$sys" vm0 sw0 vm 52:54:00:00:00:10 1 1 -1 1 1000 2 1200
	fport "$sys" vm1 sw0 vm 52:54:00:00:00:11 0 0 0 10 2000 0 2100
	fport "$sys" vm10 sw0 vm 52:54:00:00:00:12 -1 -1 -1 1 0 0 300
	fport "$sys" eth0 sw0 uplink 00:00:00:00:00:00 -1 -1 -1 1 0 0 4000
	fport "$sys" vm9 sw1 vm 52:54:00:00:00:19 -1 -1 -1 1 0 0 40
	fattr "$sys/vm1/vmq_port" vlan_mode trunk
	fattr "$sys/vm1/vmq_port" trunk_vids "10,20-30"
	fattr "$sys/vm0/vmq_port" mirror 1
	mkdir -p "$sys/lo"
	fattr "$sys/lo" mtu 65536
}

# row FILE FIRST-WORD: the line of FILE that starts with FIRST-WORD, as words
row() { awk -v k="$2" '$1 == k { $1 = $1; print }' "$1"; }

t_vmqctl_show() {
	export VMQCTL_SYSFS=$PWD/sys
	mkfake sys
	"$VMQCTL" show sw0 > out || die "show failed: $(cat out)"
	cat out
	grep -q '^switch sw0$' out || die "no switch line"
	grep -q 'ageing_time 300 s, learned 4 (max 8192), learn_dropped 0' out ||
		die "fdb line"
	grep -q '2 used of 8, dynamic on, home_cpu 0, cpus 0-1, spread_pps 20000, coalesce_pps 2000' out ||
		die "queues line"
	grep -q 'uplink:  eth0, hw_offload none' out || die "uplink line"
	sed -n 5p out | grep -q '^PORT  *ROLE  *VLAN  *PVID  *TRUNK  *MAC' ||
		die "port header"
	# Ports in natural order, sw1's vm9 and lo not among them.
	[ "$(awk 'NR > 5 { print $1 }' out | tr '\n' ' ')" = "eth0 vm0 vm1 vm10 " ] ||
		die "ports: $(awk 'NR > 5 { print $1 }' out | tr '\n' ' ')"
	[ "$(row out vm0)" = "vm0 vm access 1 - 52:54:00:00:00:10 on 1/1024 - - 100 1 1 - - mirror" ] ||
		die "vm0 row: $(row out vm0)"
	[ "$(row out vm1)" = "vm1 vm trunk 10 10,20-30 52:54:00:00:00:11 on 1/1024 - - 100 0 0 0 - -" ] ||
		die "vm1 row: $(row out vm1)"
	[ "$(row out eth0)" = "eth0 uplink access 1 - - on 1/1024 - - 100 - - - - -" ] ||
		die "eth0 row: $(row out eth0)"
	# Every switch without an argument; JSON parses and holds the values.
	"$VMQCTL" show > all || die "show (all) failed"
	grep -q '^switch sw1$' all && grep -q 'uplink:  none' all || die "show all"
	"$VMQCTL" -j show sw0 > j || die "show -j failed"
	"$VMQCTL" show sw0 -j | cmp - j || die "show sw0 -j differs from -j show sw0"
	python3 - j <<-'PY' || die "show JSON: $(cat j)"
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert len(j) == 1, j
	s = j[0]
	assert s["switch"] == "sw0" and s["ageing_time"] == 300, s
	assert s["cpus"] == "0-1" and s["uplink"] == "eth0", s
	p = {x["name"]: x for x in s["ports"]}
	assert sorted(p) == ["eth0", "vm0", "vm1", "vm10"], p
	assert p["vm1"]["queue_cpu"] == 0 and p["vm1"]["trunk_vids"] == "10,20-30", p
	assert p["vm0"]["queue"] == 1 and p["vm0"]["mac"] == "52:54:00:00:00:10", p
	assert p["vm10"]["queue"] == -1, p
	PY
	"$VMQCTL" -j show | python3 -c 'import json, sys; assert len(json.load(sys.stdin)) == 2' ||
		die "show -j (all)"
	# An unreadable value prints as "?" (null in JSON), not an error.
	rm sys/vm0/vmq_port/weight
	"$VMQCTL" show sw0 > out2 || die "show with a missing file"
	row out2 vm0 | grep -q ' on 1/1024 - - ? 1 1 ' || die "missing weight: $(row out2 vm0)"
	"$VMQCTL" -j show sw0 | grep -q '"weight":null' || die "missing weight in JSON"
	# Not a switch.
	"$VMQCTL" show lo 2> err && die "show lo succeeded"
	grep -q "lo: not a vmq switch ($PWD/sys/lo/vmq: No such file or directory)" err ||
		die "show lo: $(cat err)"
	"$VMQCTL" show nosuch 2> /dev/null && die "show nosuch succeeded"
	"$VMQCTL" show ../sys 2> err && die "show ../sys succeeded"
	grep -q "invalid device name" err || die "show ../sys: $(cat err)"
	return 0
}

t_vmqctl_queues() {
	export VMQCTL_SYSFS=$PWD/sys
	mkfake sys
	"$VMQCTL" queues sw0 > out || die "queues failed"
	cat out
	[ "$(head -n 1 out | tr -s ' ')" = "QUEUE PORT MAC VLAN CPU PACKETS MOVES" ] ||
		die "header: $(head -n 1 out)"
	[ "$(sed -n 2p out | tr -s ' ')" = "0 vm1 52:54:00:00:00:11 10 0 2000 0" ] ||
		die "row 1: $(sed -n 2p out)"
	[ "$(sed -n 3p out | tr -s ' ')" = "1 vm0 52:54:00:00:00:10 1 1 1000 2" ] ||
		die "row 2: $(sed -n 3p out)"
	# Default queue: the VM ports without a queue (not the uplink).
	[ "$(sed -n 4p out | tr -s ' ')" = "default vm10 - - - 300 -" ] ||
		die "default row: $(sed -n 4p out)"
	[ "$(wc -l < out)" = 4 ] || die "rows"
	"$VMQCTL" queues sw0 -j > j || die "queues -j failed"
	python3 - j <<-'PY' || die "queues JSON: $(cat j)"
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert j["switch"] == "sw0", j
	q = j["queues"]
	assert [x["queue"] for x in q] == [0, 1], q
	assert q[0]["port"] == "vm1" and q[0]["cpu"] == 0 and q[0]["packets"] == 2000, q
	assert q[1]["moves"] == 2 and q[1]["vlan"] == 1, q
	assert j["default"] == {"ports": ["vm10"], "packets": 300}, j
	PY
	# A switch with no queue in use: only the default row.
	"$VMQCTL" queues sw1 > out1 || die "queues sw1"
	[ "$(sed -n 2p out1 | tr -s ' ')" = "default vm9 - - - 40 -" ] && [ "$(wc -l < out1)" = 2 ] ||
		die "sw1: $(cat out1)"
	"$VMQCTL" queues 2> /dev/null; [ $? = 2 ] || die "queues without a switch"
	"$VMQCTL" queues vm0 2> err && die "queues on a port succeeded"
	grep -q "vm0: not a vmq switch" err || die "queues vm0: $(cat err)"
	return 0
}

t_vmqctl_stats() {
	export VMQCTL_SYSFS=$PWD/sys
	mkfake sys
	"$VMQCTL" stats vm0 > out || die "stats failed"
	cat out
	# Every counter once, in the ABI's order, queue_cpu<N> by N.
	[ "$(awk '{ print $1 }' out | tr '\n' ' ')" = "rx_packets rx_bytes tx_packets tx_bytes queue_packets queue_moves queue_cpu0 queue_cpu1 queue_cpu2 queue_cpu10 drop_spoof drop_storm drop_rate drop_vlan drop_mtu drop_malformed drop_queue " ] ||
		die "order: $(awk '{ print $1 }' out | tr '\n' ' ')"
	[ "$(row out queue_packets)" = "queue_packets 1000" ] || die "queue_packets"
	[ "$(row out queue_cpu10)" = "queue_cpu10 5" ] || die "queue_cpu10"
	"$VMQCTL" -j stats vm0 > j || die "stats -j failed"
	python3 - j <<-'PY' || die "stats JSON: $(cat j)"
	import json, sys
	j = json.load(open(sys.argv[1]))
	assert j["port"] == "vm0" and j["switch"] == "sw0", j
	s = j["statistics"]
	assert len(s) == 17 and s["tx_packets"] == 1200 and s["queue_cpu0"] == 7, s
	PY
	"$VMQCTL" stats sw0 2> err && die "stats on a switch succeeded"
	grep -q "sw0: not a vmq port ($PWD/sys/sw0/vmq_port: No such file or directory)" err ||
		die "stats sw0: $(cat err)"
	return 0
}

t_vmqctl_set() {
	local rc
	export VMQCTL_SYSFS=$PWD/sys
	mkfake sys
	"$VMQCTL" set sw0 ageing_time 600 max_queues 4 || die "set switch failed"
	[ "$(cat sys/sw0/vmq/ageing_time)" = 600 ] && [ "$(cat sys/sw0/vmq/max_queues)" = 4 ] ||
		die "switch files not written"
	# A negative value is a value, not an option; an empty one writes "\n".
	"$VMQCTL" set vm0 queue_cpu -1 trunk_vids "" mac 52:54:00:aa:bb:cc ||
		die "set port failed"
	[ "$(cat sys/vm0/vmq_port/queue_cpu)" = -1 ] || die "queue_cpu not written"
	[ "$(od -An -c sys/vm0/vmq_port/trunk_vids | tr -d ' ')" = '\n' ] || die "empty value"
	"$VMQCTL" show sw0 | grep -q '52:54:00:aa:bb:cc' || die "show after set"
	"$VMQCTL" set sw0 flush 1 || die "flush"
	# A key that does not exist: the error names the file; stop there.
	"$VMQCTL" set vm0 weight 50 bogus_key 1 pvid 7 2> err; rc=$?
	[ $rc -ne 0 ] || die "bad key: exit 0"
	cat err
	grep -q "$PWD/sys/vm0/vmq_port/bogus_key: cannot write '1': No such file or directory" err ||
		die "bad key message: $(cat err)"
	[ "$(cat sys/vm0/vmq_port/weight)" = 50 ] && [ "$(cat sys/vm0/vmq_port/pvid)" = 1 ] ||
		die "keys around the bad one"
	[ ! -e sys/vm0/vmq_port/bogus_key ] || die "bad key created a file"
	# The kernel refusing a value (here: a device that always fails).
	ln -sf /dev/full sys/sw0/vmq/spread_pps
	"$VMQCTL" set sw0 spread_pps 99 2> err && die "write error: exit 0"
	grep -q "$PWD/sys/sw0/vmq/spread_pps: cannot write '99': No space left on device" err ||
		die "write error message: $(cat err)"
	# Keys are file names; devices must be switches or ports.
	"$VMQCTL" set vm0 ../../sw0/vmq/ageing_time 1 2> err && die "path key accepted"
	grep -q "invalid key" err || die "path key: $(cat err)"
	"$VMQCTL" set lo mtu 1500 2> err && die "set on lo succeeded"
	grep -q "lo: not a vmq switch or port" err || die "set lo: $(cat err)"
	[ "$(cat sys/lo/mtu)" = 65536 ] || die "lo written"
	"$VMQCTL" set vm0 weight 2> /dev/null; [ $? = 2 ] || die "odd argument count"
	"$VMQCTL" frob 2> /dev/null; [ $? = 2 ] || die "unknown command"
	"$VMQCTL" --help | grep -q 'vmqctl(8)' || die "help"
	return 0
}

t vmqctl-show t_vmqctl_show
t vmqctl-queues t_vmqctl_queues
t vmqctl-stats t_vmqctl_stats
t vmqctl-set t_vmqctl_set
