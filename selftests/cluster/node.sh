#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Runs inside each cluster guest after guest/init.sh switched to the overlay
# root: names the node, brings up its private network address, puts the
# shared disk under device-mapper as /dev/mapper/shared and starts the
# command agent on the node's 9p share (see run.sh and lib.sh).
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/root LANG=C.UTF-8
SRC= KMOD_ROOT= NODE= NODES=
for a in $(cat /proc/cmdline); do
	case "$a" in
	vhdsuite.src=*) SRC=${a#vhdsuite.src=} ;;
	vhdsuite.kmod=*) KMOD_ROOT=${a#vhdsuite.kmod=} ;;
	vhdcluster.node=*) NODE=${a#vhdcluster.node=} ;;
	vhdcluster.nodes=*) NODES=${a#vhdcluster.nodes=} ;;
	esac
done
export SRC KMOD_ROOT NODE NODES
S=/run/node
mkdir -p $S /tmp /var/tmp /run/lock
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 node $S || {
	echo "node.sh: cannot mount the node share"
	poweroff -f
}
err() {
	echo "node.sh: $*" | tee -a $S/boot.err
}
# One modprobe for all: each reads modules.dep over 9p, slow under TCG.
modprobe -a configfs virtio_net dm_mod dlm || err "modprobe failed"
mount -t debugfs none /sys/kernel/debug 2>/dev/null
mount -t configfs none /sys/kernel/config 2>/dev/null
mkdir -p /dev/shm && mount -t tmpfs -o mode=1777 shm /dev/shm

hostname "node$NODE"
echo "node$NODE" > /etc/hostname
{
	echo "127.0.0.1 localhost"
	i=1
	while [ "$i" -le "$NODES" ]; do
		echo "10.77.0.$i node$i"
		i=$((i + 1))
	done
} > /etc/hosts

# The private network: one virtio-net on the host's vde_switch.
ip link set lo up
dev=$(ls /sys/class/net | grep -v '^lo$' | head -n 1)
if [ -n "$dev" ]; then
	ip link set "$dev" up
	ip addr add "10.77.0.$NODE/24" dev "$dev"
	echo "$dev" > /run/cluster-netdev
else
	err "no network interface"
fi

# The shared disk is the virtio disk whose serial is "shared".
shared=
for b in /sys/block/vd*; do
	[ "$(cat "$b/serial" 2>/dev/null)" = shared ] && shared=/dev/${b##*/}
	[ "$(cat "$b/serial" 2>/dev/null)" = scratch ] && ln -sf "/dev/${b##*/}" /dev/scratch
done
if [ -n "$shared" ]; then
	sz=$(blockdev --getsz "$shared")
	echo "0 $sz linear $shared 0" > /run/shared.table
	# No udev here: libdm makes the /dev/mapper node itself.
	dmsetup create --noudevsync shared < /run/shared.table &&
		dmsetup mknodes shared || err "dmsetup create shared failed"
	[ -b /dev/mapper/shared ] || err "no /dev/mapper/shared"
	ln -sf "$shared" /dev/shared-raw
else
	err "no shared disk"
fi

echo "$(cut -d' ' -f1 /proc/uptime)" > $S/ready
exec /bin/bash "$SRC/selftests/cluster/agent.sh"
