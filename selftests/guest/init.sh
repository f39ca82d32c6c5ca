#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Initramfs /init: mount the host's / read-only over 9p under a tmpfs
# overlay and switch to it, then run the test runner named on the cmdline.
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs dev /dev
while read -r m; do
	insmod "/modules/$m" || echo "init: insmod $m failed"
done < /modules/order
runner=
for a in $(cat /proc/cmdline); do
	case "$a" in
	vhdsuite.runner=*) runner=${a#vhdsuite.runner=} ;;
	esac
done
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose \
	hostroot /lower || { echo "init: cannot mount host root"; poweroff -f; }
mount -t tmpfs -o size=1g tmpfs /upper
mkdir -p /upper/u /upper/w
mount -t overlay overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w \
	/newroot || { echo "init: overlay failed"; poweroff -f; }
mount --move /proc /newroot/proc
mount --move /sys /newroot/sys
mount --move /dev /newroot/dev
exec switch_root /newroot /bin/sh "$runner"
