#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# vmlinux.sh KERNEL CACHE: print the image QEMU should boot for KERNEL.
# Under TCG the bzImage's real-mode start and XZ decompression cost ~5 s
# a guest (~20 s a node with three booting at once), so the uncompressed
# vmlinux is extracted once (CACHE/vmlinux-<hash>) and booted through PVH
# when its ELF has the PVH entry note; else KERNEL itself. Used by
# selftests/run.sh and selftests/cluster/run.sh.
set -uo pipefail
kernel=$1
cache=$2
vml=$cache/vmlinux-$(sha256sum < "$kernel" | cut -c1-12)
if [ ! -s "$vml" ]; then
	for off in $(grep -abo $'\xfd7zXZ\x00' "$kernel" | cut -d: -f1 | head -n 4); do
		tail -c +$((off + 1)) "$kernel" | xz -dcq > "$vml.tmp.$$" 2>/dev/null
		readelf -h "$vml.tmp.$$" > /dev/null 2>&1 && break
		rm -f "$vml.tmp.$$"
	done
	# XEN_ELFNOTE_PHYS32_ENTRY (18): the PVH entry point. Renamed into
	# place: several runs may extract at once.
	if [ -s "$vml.tmp.$$" ] && readelf -n "$vml.tmp.$$" 2>/dev/null |
		grep -q 'Xen.*(0x00000012)'; then
		mv "$vml.tmp.$$" "$vml"
	fi
	rm -f "$vml.tmp.$$"
fi
if [ -s "$vml" ]; then
	echo "$vml"
else
	echo "$kernel"
fi
