#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# dkms-check.sh: `dkms add` and `dkms build` this tree against every
# installed kernel with headers, as a distribution package would, then
# remove it again. Fails when dkms.conf and the tree disagree.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
name=$(sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' "$top/dkms.conf")
ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' "$top/dkms.conf")
src=/usr/src/$name-$ver
[ "$(id -u)" = 0 ] || { echo "dkms-check: needs root"; exit 1; }

cleanup() {
	dkms remove -m "$name" -v "$ver" --all >/dev/null 2>&1 || true
	rm -rf "$src"
}
cleanup
trap cleanup EXIT
# Only what git tracks: what a release tarball would hold.
mkdir -p "$src"
(cd "$top" && git ls-files -z | xargs -0 cp --parents -t "$src")
dkms add -m "$name" -v "$ver" >/dev/null
rc=0
for b in /lib/modules/*/build; do
	k=$(basename "$(dirname "$b")")
	if dkms build -m "$name" -v "$ver" -k "$k" > /tmp/dkms-check.log 2>&1; then
		echo "ok: dkms build $name/$ver for $k"
	else
		tail -n 30 /tmp/dkms-check.log
		find /var/lib/dkms/"$name"/"$ver"/build -name make.log -exec tail -n 30 {} \; 2>/dev/null
		echo "FAIL: dkms build $name/$ver for $k"
		rc=1
	fi
done
exit $rc
