#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# make demo, inside the guest: a dynamic VHD attached with vhdsetup, an
# ext4 on it, a differencing snapshot on top, and the chain as vhd sees it;
# then, with the file system mounted and written: an online merge of the
# snapshot into its base, an online grow, a live move to a new file; and
# a dynamic-memory balloon inflated and deflated on synbus; two VMs pinging
# through a vmq switch, each port served by its own VMQ queue.
. "$SRC/selftests/lib.sh"
set -e
run() {
	echo "+ $*" >&2
	"$@"
}

ksft_load_module vhd
echo "vhd.ko loaded: $(cat /sys/module/vhd/srcversion 2>/dev/null || echo yes)"
mkdir -p mnt

run vhd create -t dynamic -s 1G base.vhd
run ls -ls base.vhd
dev=$(run vhdsetup -f --show base.vhd)
echo "attached base.vhd as $dev"
run mkfs.ext4 -q -L demo "$dev"
run mount "$dev" mnt
run dd if=/dev/urandom of=mnt/before.bin bs=1M count=8 status=none
run cp -r "$SRC/Documentation" mnt/docs
sum_before=$(cd mnt && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
run umount mnt
run vhdsetup -l
run vhdsetup -d "$dev"
run ls -ls base.vhd

echo "--- snapshot: a differencing child on top of base.vhd"
run vhd create -t differencing -p base.vhd snap.vhd
dev=$(run vhdsetup -f --show snap.vhd)
run cat /sys/block/"${dev#/dev/}"/vhd/depth
run mount "$dev" mnt
now=$(cd mnt && find . -type f ! -name after.bin -print0 | sort -z | xargs -0 sha256sum | sha256sum)
[ "$now" = "$sum_before" ] || ksft_fail "snapshot does not show the base's files"
echo "files of the base read back identical through the snapshot"
run dd if=/dev/urandom of=mnt/after.bin bs=1M count=4 status=none
run rm -rf mnt/docs/ABI
run umount mnt
run vhdsetup -l -O NAME,BACK-FILE,TYPE,DEPTH,ALLOCATED
run vhdsetup -d "$dev"

echo "--- the chain"
run vhd info snap.vhd
run vhd check snap.vhd
run vhd check base.vhd

echo "--- the base is untouched by the snapshot's writes"
dev=$(run vhdsetup -f -r --show base.vhd)
run mount -o ro,noload "$dev" mnt
[ ! -e mnt/after.bin ] || ksft_fail "snapshot write leaked into the base"
now=$(cd mnt && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
[ "$now" = "$sum_before" ] || ksft_fail "base changed"
echo "base.vhd still holds exactly what it held before the snapshot"
run umount mnt
run vhdsetup -d "$dev"

echo "--- online: merge the snapshot into its base while mounted and written"
dev=$(run vhdsetup -f --show snap.vhd)
run mount "$dev" mnt
( dd if=/dev/urandom of=mnt/during.bin bs=1M count=16 conv=fsync status=none ) &
writer=$!
run vhdsetup --merge --progress "$dev"
wait $writer
run cat /sys/block/"${dev#/dev/}"/vhd/depth /sys/block/"${dev#/dev/}"/vhd/backing_file
sum_mid=$(cd mnt && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
echo "--- online: grow to 2 GiB, then resize2fs on the mounted file system"
run vhdsetup --resize 2G "$dev"
run blockdev --getsize64 "$dev"
run resize2fs "$dev" > /dev/null 2>&1
run df -h mnt
echo "--- online: live move of the image to moved.vhd while mounted"
run vhdsetup --move moved.vhd --progress "$dev"
run cat /sys/block/"${dev#/dev/}"/vhd/backing_file
now=$(cd mnt && find . -type f -print0 | sort -z | xargs -0 sha256sum | sha256sum)
[ "$now" = "$sum_mid" ] || ksft_fail "files changed across grow and move"
echo "files read back identical after the merge, the grow and the move"
run umount mnt
run vhdsetup -d "$dev"
run vhd check moved.vhd
run rmmod vhd

echo "--- dynamic memory: a 256 MiB balloon on synbus's loopback host"
run insmod "$SRC/vmbus/synbus.ko"
run insmod "$SRC/vmbus/synbus_loop.ko"
run insmod "$SRC/balloon/dynmem.ko"
run insmod "$SRC/balloon/dynmem_host.ko"
echo 1 > /sys/kernel/dynmem_host/offer
for _ in $(seq 100); do
	[ "$(cat /sys/kernel/dynmem_host/vm0/version 2>/dev/null)" = 1.0 ] && break
	sleep 0.1
done
grep MemTotal /proc/meminfo
echo 65536 > /sys/kernel/dynmem_host/vm0/balloon_target
for _ in $(seq 300); do
	[ "$(cat /sys/kernel/dynmem_host/vm0/balloon_pages)" = 65536 ] && break
	sleep 0.1
done
echo "balloon: $(cat /sys/kernel/dynmem_host/vm0/balloon_pages) pages in $(cat /sys/kernel/dynmem_host/vm0/last_inflate_us) us"
grep MemTotal /proc/meminfo
echo 0 > /sys/kernel/dynmem_host/vm0/balloon_target
for _ in $(seq 300); do
	[ "$(cat /sys/kernel/dynmem_host/vm0/balloon_pages)" = 0 ] && break
	sleep 0.1
done
grep MemTotal /proc/meminfo
run rmmod dynmem_host dynmem synbus_loop synbus
echo "--- vmq: a virtual switch with one VMQ queue per VM port"
modprobe veth
run insmod "$SRC/vmq/vmq.ko"
run ip link add sw0 type vmq
for i in 1 2; do
	ip netns add vm$i
	ip link add p$i type veth peer name eth0 netns vm$i
	ip -n vm$i addr add 10.9.0.$i/24 dev eth0
	ip -n vm$i link set eth0 up
	ip link set p$i master sw0
	ip link set p$i up
done
ip link set sw0 up
echo $(($(nproc) - 1)) > /sys/class/net/p2/vmq_port/queue_cpu
run ip netns exec vm1 ping -c 20 -i 0.05 -q 10.9.0.2
run bridge fdb show dev sw0
run "$SRC/tools/bin/vmqctl" queues sw0
run ip link del sw0
ip netns del vm1
ip netns del vm2
run rmmod vmq
ksft_pass "demo done"
