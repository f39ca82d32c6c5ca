/* SPDX-License-Identifier: GPL-2.0 */
/* Wire protocol of the test echo class (synbus_echo.ko <-> loop_echo.c). */
#ifndef _SYNBUS_ECHO_PROTO_H
#define _SYNBUS_ECHO_PROTO_H

#include <linux/types.h>

#define SYNBUS_ECHO_OP_DATA	1	/* echo the payload back */
#define SYNBUS_ECHO_OP_FILL	2	/* fill buffer @handle from @seed */

/**
 * struct synbus_echo_hdr - starts every echo message
 * @op: SYNBUS_ECHO_OP_*
 * @len: payload bytes after the header (ring packets are padded to 8)
 * @handle: FILL: buffer handle
 * @seed: FILL: pattern seed
 */
struct synbus_echo_hdr {
	__le32 op;
	__le32 len;
	__le32 handle;
	__le32 seed;
};

/* The FILL pattern, one byte per offset. */
static inline u8 synbus_echo_pattern(u32 seed, size_t off)
{
	return (u8)(seed + off * 31 + (off >> 8));
}

#endif /* _SYNBUS_ECHO_PROTO_H */
