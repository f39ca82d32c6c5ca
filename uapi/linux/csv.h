/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * csv.ko user ABI: cluster shared volumes, through /dev/csv-control.
 *
 * Every struct starts with its own size and flags so it can grow: the
 * caller sets ->size to sizeof() as it was compiled; the kernel accepts any
 * size from the first version up, requires every byte it does not know to
 * be zero (E2BIG otherwise, as copy_struct_from_user() does) and every
 * reserved field and unknown flag to be zero (EINVAL).
 *
 * Names are NUL-terminated within their arrays.
 */
#ifndef _UAPI_LINUX_CSV_H
#define _UAPI_LINUX_CSV_H

#include <linux/ioctl.h>
#include <linux/types.h>

/* 0xB9 is free in Documentation/userspace-api/ioctl/ioctl-number.rst. */
#define CSV_IOC_MAGIC		0xB9

#define CSV_VOLUME_NAME_MAX	32	/* with the NUL */
#define CSV_DISK_NAME_MAX	48	/* with the NUL */
#define CSV_ADDR_LEN		16	/* an IPv4 or IPv6 address */

/* struct csv_join.family */
#define CSV_AF_INET		4
#define CSV_AF_INET6		6

/* Longest wait for a coordinator a join may ask for, in ms. */
#define CSV_JOIN_TIMEOUT_MAX	600000

/* Default TCP port of the metadata requests to the coordinator. */
#define CSV_DEFAULT_PORT	7405

/**
 * struct csv_join - argument of CSV_JOIN
 * @size: sizeof(struct csv_join) as the caller knows it
 * @flags: none defined yet, must be zero
 * @lun_fd: an open file descriptor of the shared LUN (a block device)
 * @port: TCP port this node serves metadata requests on (host order)
 * @family: CSV_AF_INET or CSV_AF_INET6: which part of @addr is used
 * @addr: this node's address on the cluster network, network order; the
 *	first 4 bytes for IPv4
 * @timeout_ms: how long to wait for a coordinator; 0 means 30 s, at most
 *	CSV_JOIN_TIMEOUT_MAX
 * @nodeid: out: this node's DLM node id
 * @volume: out: the volume's name, from its superblock
 */
struct csv_join {
	__u32 size;
	__u32 flags;
	__s32 lun_fd;
	__u16 port;
	__u16 family;
	__u8 addr[CSV_ADDR_LEN];
	__u32 timeout_ms;
	__u32 nodeid;
	char volume[CSV_VOLUME_NAME_MAX];
};

#define CSV_JOIN_SIZE_VER0	72

/* struct csv_disk_req.flags */
#define CSV_OPEN_READ_ONLY	0x1U	/* OPEN: share with other readers */
#define CSV_RESIZE_SHRINK	0x2U	/* RESIZE: allow a smaller size */
#define CSV_DISK_FLAGS_ALL	0x3U

/**
 * struct csv_disk_req - argument of the disk requests
 * @size: sizeof(struct csv_disk_req) as the caller knows it
 * @flags: CSV_OPEN_READ_ONLY, CSV_RESIZE_SHRINK
 * @volume: the volume, as CSV_JOIN named it
 * @disk: the virtual disk
 * @new_name: RENAME: the disk's new name; otherwise all zero
 * @bytes: CREATE, RESIZE: the size in bytes, a multiple of 512
 * @id: out: the disk's id, never reused within a volume
 * @minor: out (OPEN): the minor number of /dev/csvN
 * @index: out (OPEN): N of /dev/csvN
 */
struct csv_disk_req {
	__u32 size;
	__u32 flags;
	char volume[CSV_VOLUME_NAME_MAX];
	char disk[CSV_DISK_NAME_MAX];
	char new_name[CSV_DISK_NAME_MAX];
	__u64 bytes;
	__u64 id;
	__u32 minor;
	__u32 index;
};

#define CSV_DISK_REQ_SIZE_VER0	160

/* struct csv_disk_info.flags: the disk as this node has it */
#define CSV_INFO_OPEN		0x1U
#define CSV_INFO_READ_ONLY	0x2U

/**
 * struct csv_disk_info - one entry of CSV_LIST
 * @id: the disk's id
 * @bytes: its size
 * @flags: CSV_INFO_*
 * @index: N of /dev/csvN when open here, else 0
 * @name: the disk's name
 * @extents: how many extents of the LUN hold it
 * @__pad: zero
 */
struct csv_disk_info {
	__u64 id;
	__u64 bytes;
	__u32 flags;
	__u32 index;
	char name[CSV_DISK_NAME_MAX];
	__u32 extents;
	__u32 __pad;
};

/**
 * struct csv_list - argument of CSV_LIST
 * @size: sizeof(struct csv_list) as the caller knows it
 * @flags: none defined yet, must be zero
 * @volume: the volume
 * @count: in: room in @entries; out: how many disks the volume has (more
 *	than room means the list was cut)
 * @entry_size: sizeof(struct csv_disk_info) as the caller knows it
 * @entries: user address of an array of struct csv_disk_info
 */
struct csv_list {
	__u32 size;
	__u32 flags;
	char volume[CSV_VOLUME_NAME_MAX];
	__u32 count;
	__u32 entry_size;
	__u64 entries;
};

#define CSV_LIST_SIZE_VER0	56

/* struct csv_status.role */
#define CSV_ROLE_MEMBER		1
#define CSV_ROLE_COORDINATOR	2

/**
 * struct csv_status - argument of CSV_STATUS
 * @size: sizeof(struct csv_status) as the caller knows it
 * @flags: none defined yet, must be zero
 * @volume: in: the volume; an empty name means the first one joined
 * @nodeid: out: our DLM node id
 * @coordinator: out: the coordinator's node id, 0 while there is none
 * @role: out: CSV_ROLE_*
 * @members: out: nodes in the lockspace
 * @epoch: out: the coordinator epoch
 * @generation: out: the disk table's generation
 * @lun_bytes: out: size of the shared LUN
 * @free_bytes: out: unallocated room on it
 * @disks: out: disks in the table
 * @open_disks: out: disks open on this node
 * @alloc_unit: out: allocation unit in bytes
 * @state: out: CSV_STATE_*: this node's path to the LUN, redirection
 *	(was __pad, always zero, before redirection existed)
 */
struct csv_status {
	__u32 size;
	__u32 flags;
	char volume[CSV_VOLUME_NAME_MAX];
	__u32 nodeid;
	__u32 coordinator;
	__u32 role;
	__u32 members;
	__u64 epoch;
	__u64 generation;
	__u64 lun_bytes;
	__u64 free_bytes;
	__u32 disks;
	__u32 open_disks;
	__u32 alloc_unit;
	__u32 state;
};

#define CSV_STATUS_SIZE_VER0	104

/* struct csv_status.state */
#define CSV_STATE_PATH_FAILED	0x1U	/* this node's I/O goes redirected */
#define CSV_STATE_REDIRECT_NODE	0x2U	/* forced on this node */
#define CSV_STATE_REDIRECT_VOLUME 0x4U	/* forced on every node */
#define CSV_STATE_FENCED	0x8U	/* I/O held: membership in doubt */

/**
 * struct csv_leave - argument of CSV_LEAVE
 * @size: sizeof(struct csv_leave) as the caller knows it
 * @flags: none defined yet, must be zero
 * @volume: the volume; its disks must all be closed on this node
 */
struct csv_leave {
	__u32 size;
	__u32 flags;
	char volume[CSV_VOLUME_NAME_MAX];
};

#define CSV_LEAVE_SIZE_VER0	40

/* struct csv_redirect.flags */
#define CSV_REDIRECT_ON		0x1U	/* switch on; without it, off */
#define CSV_REDIRECT_VOLUME	0x2U	/* every node, kept in the table */
#define CSV_REDIRECT_FLAGS_ALL	0x3U

/**
 * struct csv_redirect - argument of CSV_REDIRECT: forced redirected mode
 * @size: sizeof(struct csv_redirect) as the caller knows it
 * @flags: CSV_REDIRECT_*; without CSV_REDIRECT_VOLUME only this node's
 *	I/O is sent through the coordinator, until switched off or left
 * @volume: the volume
 */
struct csv_redirect {
	__u32 size;
	__u32 flags;
	char volume[CSV_VOLUME_NAME_MAX];
};

#define CSV_REDIRECT_SIZE_VER0	40

#define CSV_JOIN	_IOWR(CSV_IOC_MAGIC, 0, struct csv_join)
#define CSV_LEAVE	_IOW(CSV_IOC_MAGIC, 1, struct csv_leave)
#define CSV_STATUS	_IOWR(CSV_IOC_MAGIC, 2, struct csv_status)
#define CSV_LIST	_IOWR(CSV_IOC_MAGIC, 3, struct csv_list)
#define CSV_CREATE	_IOWR(CSV_IOC_MAGIC, 4, struct csv_disk_req)
#define CSV_DELETE	_IOW(CSV_IOC_MAGIC, 5, struct csv_disk_req)
#define CSV_RESIZE	_IOW(CSV_IOC_MAGIC, 6, struct csv_disk_req)
#define CSV_RENAME	_IOW(CSV_IOC_MAGIC, 7, struct csv_disk_req)
#define CSV_OPEN	_IOWR(CSV_IOC_MAGIC, 8, struct csv_disk_req)
#define CSV_CLOSE	_IOW(CSV_IOC_MAGIC, 9, struct csv_disk_req)
#define CSV_REDIRECT	_IOW(CSV_IOC_MAGIC, 10, struct csv_redirect)

#endif /* _UAPI_LINUX_CSV_H */
