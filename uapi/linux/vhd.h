/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vhd.ko user ABI: /dev/vhd-control and /dev/vhdN ioctls.
 *
 * Structs carry their own size so they can grow: the caller sets ->size to
 * sizeof() as it was compiled; the kernel accepts any size from the first
 * version up, requires every byte it does not know to be zero (E2BIG
 * otherwise, as copy_struct_from_user() does) and every reserved field to
 * be zero (EINVAL).
 */
#ifndef _UAPI_LINUX_VHD_H
#define _UAPI_LINUX_VHD_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* 0xB8 is free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define VHD_IOC_MAGIC		0xB8

/* Longest chain: the image plus its ancestors. */
#define VHD_MAX_DEPTH		16

/* Image types, as in the footer's disk type field. */
#define VHD_TYPE_FIXED		2
#define VHD_TYPE_DYNAMIC	3
#define VHD_TYPE_DIFF		4

/* struct vhd_attach.flags and struct vhd_info.flags */
#define VHD_FLAG_READ_ONLY	0x1U
#define VHD_FLAG_DIRECT_IO	0x2U	/* IOCB_DIRECT on the files */
#define VHD_FLAG_PARTSCAN	0x4U	/* scan partitions on attach */
#define VHD_FLAG_AUTOCLEAR	0x8U	/* detach on last close */
#define VHD_FLAG_ALL		0xfU

/**
 * struct vhd_attach - argument of VHD_ATTACH
 * @size: sizeof(struct vhd_attach) as the caller knows it
 * @flags: VHD_FLAG_*
 * @nr_fds: entries used in @fds, 1..VHD_MAX_DEPTH
 * @__pad: must be zero
 * @size_override: virtual size in bytes to expose instead of the one the
 *	image gives (0: the image's); must be a multiple of 512 and not
 *	larger than the image's
 * @fds: open file descriptors in chain order: @fds[0] is the image itself,
 *	@fds[1] its parent, and so on. Parents are only read.
 * @reserved: must be zero
 */
struct vhd_attach {
	__u32 size;
	__u32 flags;
	__u32 nr_fds;
	__u32 __pad;
	__u64 size_override;
	__s32 fds[VHD_MAX_DEPTH];
	__u64 reserved[8];
};

#define VHD_ATTACH_SIZE_VER0	 152	/* sizeof first published struct */

/**
 * struct vhd_info - result of VHD_GET_INFO
 * @size: in: sizeof(struct vhd_info) as the caller knows it; the kernel
 *	fills at most that many bytes and sets @size to what it filled
 * @flags: VHD_FLAG_* in force
 * @type: VHD_TYPE_* of the top image
 * @depth: number of images in the chain (1 for fixed and dynamic)
 * @index: N of /dev/vhdN
 * @block_size: dynamic block size in bytes (0 for fixed)
 * @virtual_size: size of the block device in bytes
 * @allocated_blocks: blocks allocated in the top image's BAT
 * @max_blocks: BAT entries of the top image
 * @unique_id: the top image's footer unique id
 * @reserved: zero
 */
struct vhd_info {
	__u32 size;
	__u32 flags;
	__u32 type;
	__u32 depth;
	__u32 index;
	__u32 block_size;
	__u64 virtual_size;
	__u64 allocated_blocks;
	__u64 max_blocks;
	__u8 unique_id[16];
	__u64 reserved[8];
};

#define VHD_INFO_SIZE_VER0	 128

/*
 * Online meta-operations on an attached /dev/vhdN. VHD_OP_START checks the
 * request, then runs the operation in the background while I/O goes on;
 * one at a time per device. Progress and the outcome are in sysfs
 * (/sys/block/vhdN/vhd/op*); VHD_OP_WAIT blocks until the operation ends
 * and returns its result; VHD_OP_CANCEL stops it (images stay valid, a
 * merge run again completes).
 */
#define VHD_OP_MERGE		1	/* layer @level into layer @level + 1 */
#define VHD_OP_RESIZE		2	/* grow the top image to @new_size */
#define VHD_OP_COMPACT		3	/* drop redundant blocks, fill holes */
#define VHD_OP_MOVE		4	/* copy the top (or the chain) to @fd */

/* struct vhd_op.flags */
#define VHD_OP_F_FLATTEN	0x1U	/* move: the whole chain, as one dynamic image */
#define VHD_OP_F_CHILD_FD	0x2U	/* merge: @child_fd is given */
#define VHD_OP_F_ALL		0x3U

/**
 * struct vhd_op - argument of VHD_OP_START
 * @size: sizeof(struct vhd_op) as the caller knows it
 * @op: VHD_OP_*
 * @flags: VHD_OP_F_*
 * @level: merge: the layer merged (0: the top, which the device then
 *	leaves for its parent; 1..depth-2: an intermediate layer); else 0
 * @fd: merge: layer @level + 1 open read-write; move: the new, empty file
 *	open read-write; else 0
 * @child_fd: merge of @level >= 2 (VHD_OP_F_CHILD_FD): layer @level - 1
 *	open read-write, whose parent link is rewritten; else 0
 * @new_size: resize: new virtual size in bytes (a multiple of 512, not
 *	smaller than now); else 0
 * @reserved: must be zero
 */
struct vhd_op {
	__u32 size;
	__u32 op;
	__u32 flags;
	__u32 level;
	__s32 fd;
	__s32 child_fd;
	__u64 new_size;
	__u64 reserved[6];
};

#define VHD_OP_SIZE_VER0	 80

/* /dev/vhd-control; the argument is a device index (int), as for loop. */
#define VHD_CTL_ADD		_IO(VHD_IOC_MAGIC, 0x00)	/* -1: first free */
#define VHD_CTL_REMOVE		_IO(VHD_IOC_MAGIC, 0x01)
#define VHD_CTL_GET_FREE	_IO(VHD_IOC_MAGIC, 0x02)

/* /dev/vhdN */
#define VHD_ATTACH		_IOW(VHD_IOC_MAGIC, 0x10, struct vhd_attach)
#define VHD_DETACH		_IO(VHD_IOC_MAGIC, 0x11)
#define VHD_GET_INFO		_IOWR(VHD_IOC_MAGIC, 0x12, struct vhd_info)
#define VHD_OP_START		_IOW(VHD_IOC_MAGIC, 0x13, struct vhd_op)
#define VHD_OP_CANCEL		_IO(VHD_IOC_MAGIC, 0x14)
/* 0 when the last operation succeeded, else its negative errno */
#define VHD_OP_WAIT		_IO(VHD_IOC_MAGIC, 0x15)

#endif /* _UAPI_LINUX_VHD_H */
