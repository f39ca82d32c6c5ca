/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace side of vmbus/util/ic.h: the few kernel names the wire format
 * uses, so the daemon builds the guest drivers' own header instead of a
 * copy. GUID_INIT is a bare initializer list here, so a class GUID can
 * initialize a plain uint8_t[16] (struct hd_service.class_id); the byte
 * order is the kernel's guid_t one.
 */
#ifndef _SYNBUS_IC_PLATFORM_H
#define _SYNBUS_IC_PLATFORM_H

#include <stdint.h>
#include <linux/types.h>	/* __le16, __le32, __le64 */

typedef uint32_t u32;

#define GUID_INIT(a, b, c, d0, d1, d2, d3, d4, d5, d6, d7)		\
	{ (a) & 0xff, ((a) >> 8) & 0xff, ((a) >> 16) & 0xff,		\
	  ((a) >> 24) & 0xff, (b) & 0xff, ((b) >> 8) & 0xff,		\
	  (c) & 0xff, ((c) >> 8) & 0xff,				\
	  (d0), (d1), (d2), (d3), (d4), (d5), (d6), (d7) }

#endif /* _SYNBUS_IC_PLATFORM_H */
