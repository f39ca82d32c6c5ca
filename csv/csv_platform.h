/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel side of the csv format library's platform layer; the userspace
 * twin is tools/include/csv_platform.h and offers the same names.
 */
#ifndef CSV_PLATFORM_H
#define CSV_PLATFORM_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/sort.h>
#include <linux/crc32c.h>
#include <asm/byteorder.h>

static inline u32 csv_crc32c(u32 crc, const void *buf, size_t len)
{
	return crc32c(crc, buf, len);
}

static inline void csv_sort(void *base, size_t num, size_t size,
			    int (*cmp)(const void *, const void *))
{
	sort(base, num, size, cmp, NULL);
}

#endif /* CSV_PLATFORM_H */
