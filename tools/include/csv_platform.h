/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace side of the csv format library's platform layer: the names of
 * csv/csv_platform.h on top of libc.
 */
#ifndef CSV_PLATFORM_H
#define CSV_PLATFORM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <endian.h>
#include <linux/types.h>

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef uint64_t u64;

#define cpu_to_le16(x)	htole16(x)
#define cpu_to_le32(x)	htole32(x)
#define cpu_to_le64(x)	htole64(x)
#define le16_to_cpu(x)	le16toh(x)
#define le32_to_cpu(x)	le32toh(x)
#define le64_to_cpu(x)	le64toh(x)

/* Bitwise crc32c (Castagnoli, reflected): metadata only, speed is moot. */
static inline u32 csv_crc32c(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc;
}

static inline void csv_sort(void *base, size_t num, size_t size,
			    int (*cmp)(const void *, const void *))
{
	qsort(base, num, size, cmp);
}

#endif /* CSV_PLATFORM_H */
