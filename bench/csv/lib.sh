# SPDX-License-Identifier: GPL-2.0
# Helpers of the csv benchmarks: fio on a node, figures out of its JSON.

# bfio N ARGS...: fio ARGS on node N, JSON on stdout.
bfio() {
	local n=$1
	shift
	node_run -t 600 "$n" "fio --output-format=json --direct=1 --ioengine=libaio $* --output=/tmp/b.json > /dev/null 2>&1; rc=\$?; cat /tmp/b.json; exit \$rc"
}

# jget KEY < JSON: a figure of the first job. KEY: bw_mib, iops, clat_max_ms
# (of reads or writes, whichever did more), errors.
jget() {
	python3 -c '
import json, sys
j = json.load(sys.stdin)["jobs"][0]
d = j["write"] if j["write"]["io_bytes"] >= j["read"]["io_bytes"] else j["read"]
k = sys.argv[1]
if k == "bw_mib":
    print("%.1f" % (d["bw_bytes"] / 1048576.0))
elif k == "iops":
    print("%.0f" % d["iops"])
elif k == "clat_max_ms":
    print("%.0f" % (d["clat_ns"]["max"] / 1e6))
elif k == "errors":
    print(j["error"])
' "$1"
}

# ratio A B: A / B, two decimals.
ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'
}

# fig TEXT: one figure line, kept for the summary.
fig() {
	echo "FIGURE $*"
}
