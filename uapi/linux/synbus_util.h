/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * ABI between synbus_util.ko (backup freeze/thaw service) and its
 * userspace helper, synbus-vssd, over the character device
 * /dev/synbus_vss. One opener at a time.
 *
 * The daemon writes a REGISTER message first; the kernel then queues
 * FREEZE/THAW requests, which the daemon read()s, performs with
 * FIFREEZE/FITHAW, and answers by write()ing the same message back with
 * @status set. Every read and write moves exactly one struct.
 */
#ifndef _UAPI_LINUX_SYNBUS_UTIL_H
#define _UAPI_LINUX_SYNBUS_UTIL_H

#include <linux/types.h>

#define SYNBUS_VSS_DEVNAME	"synbus_vss"
#define SYNBUS_VSS_ABI_VERSION	1

enum synbus_vss_op {
	SYNBUS_VSS_OP_REGISTER	= 1,	/* daemon -> kernel, first write */
	SYNBUS_VSS_OP_FREEZE	= 2,	/* kernel -> daemon */
	SYNBUS_VSS_OP_THAW	= 3,	/* kernel -> daemon */
};

/**
 * struct synbus_vss_msg - one request or reply
 * @size: sizeof(struct synbus_vss_msg) as the sender knows it
 * @op: enum synbus_vss_op
 * @seq: request number chosen by the kernel, echoed in the reply
 * @status: reply: 0 on success, else a positive errno value
 * @version: REGISTER: SYNBUS_VSS_ABI_VERSION
 * @flags: zero
 * @reserved: zero
 */
struct synbus_vss_msg {
	__u32 size;
	__u32 op;
	__u32 seq;
	__u32 status;
	__u32 version;
	__u32 flags;
	__u32 reserved[2];
};

#endif /* _UAPI_LINUX_SYNBUS_UTIL_H */
