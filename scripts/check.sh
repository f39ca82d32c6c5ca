#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh [KDIR]: static checks over every kernel source of the suite:
# a W=1 build, sparse (C=2), checkpatch --strict and kernel-doc. Prints
# each finding and a count; exits 1 on any.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
KDIR=${1:-$(scripts/kdir.sh)}
SRCDIR=${VHD_CACHE:-/var/cache/vhdsuite}/linux-source-6.1
CHECKPATCH="$SRCDIR/scripts/checkpatch.pl"
KERNELDOC="$SRCDIR/scripts/kernel-doc"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
findings=0

# Kernel C sources: module folders (the shared format library included),
# the uapi headers and the test-only modules.
mapfile -t files < <(git ls-files -- 'vhd/*.[ch]' 'vmbus/*.[ch]' \
	'balloon/*.[ch]' 'vmq/*.[ch]' 'csv/*.[ch]' 'uapi/*.h' \
	'selftests/harness/*.c' 'selftests/cluster/*.c' | grep -v '\.mod\.c$')

echo "== W=1 + sparse (C=2) build against $KDIR"
make -s -C "$KDIR" M="$top" W=1 C=2 \
	modules > "$log" 2>&1
rc=$?
# Everything the compiler or sparse says about our files is a finding.
grep -E "(warning|error):" "$log" | grep -v 'Skipping BTF' | tee -a "$log.f"
n=$(grep -cE "(warning|error):" "$log" || true)
[ $rc -eq 0 ] || { cat "$log"; n=$((n + 1)); }
findings=$((findings + n))

echo "== checkpatch --strict (${#files[@]} files)"
for f in "${files[@]}"; do
	out=$(perl "$CHECKPATCH" --no-tree --strict --terse --show-types \
		--no-summary -f "$f" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		findings=$((findings + $(echo "$out" | wc -l)))
	fi
done

echo "== kernel-doc -none"
if [ ${#files[@]} -gt 0 ]; then
	out=$(perl "$KERNELDOC" -none "${files[@]}" 2>&1)
	if [ -n "$out" ]; then
		echo "$out"
		findings=$((findings + $(echo "$out" | wc -l)))
	fi
fi
rm -f "$log.f"
echo "check: $findings findings"
[ $findings -eq 0 ]
