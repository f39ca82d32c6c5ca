#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# mkinitramfs.sh KVER OUT: a busybox initramfs that loads the virtio, 9p
# and overlay modules of kernel KVER and hands over to guest/init.sh.
# KVER "none" means the drivers are built in (the debug kernel).
set -euo pipefail
kver=$1
out=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

mkdir -p "$tmp"/{bin,dev,proc,sys,lower,upper,newroot,modules}
cp /bin/busybox "$tmp/bin/busybox"
for a in sh mount umount mkdir insmod switch_root sleep cat echo poweroff; do
	ln -s busybox "$tmp/bin/$a"
done

: > "$tmp/modules/order"
if [ "$kver" != none ]; then
	for m in virtio_pci virtio_blk 9pnet_virtio 9p overlay; do
		modprobe -S "$kver" --show-depends "$m" | awk '$1 == "insmod" { print $2 }'
	done | awk '!seen[$0]++' | while read -r ko; do
		base=$(basename "$ko")
		case "$ko" in
		*.xz) xz -dc "$ko" > "$tmp/modules/${base%.xz}"; base=${base%.xz} ;;
		*.zst) zstd -qdc "$ko" > "$tmp/modules/${base%.zst}"; base=${base%.zst} ;;
		*) cp "$ko" "$tmp/modules/$base" ;;
		esac
		echo "$base" >> "$tmp/modules/order"
	done
fi
cp "$here/init.sh" "$tmp/init"
chmod +x "$tmp/init"
(cd "$tmp" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
mv "$out.tmp" "$out"
