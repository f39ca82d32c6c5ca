/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace side of the format library's platform layer: the same names as
 * vhd/vhd_platform.h, on top of libc. Chosen by the tools' include path.
 */
#ifndef VHD_PLATFORM_H
#define VHD_PLATFORM_H

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
typedef int32_t s32;
typedef int64_t s64;

#ifndef __packed
#define __packed __attribute__((packed))
#endif

static inline u16 vhd_get_be16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return be16toh(v);
}

static inline u32 vhd_get_be32(const void *p)
{
	u32 v;

	memcpy(&v, p, sizeof(v));
	return be32toh(v);
}

static inline u64 vhd_get_be64(const void *p)
{
	u64 v;

	memcpy(&v, p, sizeof(v));
	return be64toh(v);
}

static inline u16 vhd_get_le16(const void *p)
{
	u16 v;

	memcpy(&v, p, sizeof(v));
	return le16toh(v);
}

static inline void vhd_put_be16(void *p, u16 v)
{
	v = htobe16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void vhd_put_be32(void *p, u32 v)
{
	v = htobe32(v);
	memcpy(p, &v, sizeof(v));
}

static inline void vhd_put_be64(void *p, u64 v)
{
	v = htobe64(v);
	memcpy(p, &v, sizeof(v));
}

static inline void vhd_put_le16(void *p, u16 v)
{
	v = htole16(v);
	memcpy(p, &v, sizeof(v));
}

static inline void *vhd_alloc_array(size_t n, size_t size)
{
	if (size && n > SIZE_MAX / size)
		return NULL;
	return malloc(n * size);
}

static inline void vhd_free(void *p)
{
	free(p);
}

static inline void vhd_sort(void *base, size_t num, size_t size,
			    int (*cmp)(const void *, const void *))
{
	qsort(base, num, size, cmp);
}

#endif /* VHD_PLATFORM_H */
