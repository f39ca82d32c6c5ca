/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel side of the format library's platform layer: vhd/lib/ includes
 * "vhd_platform.h" and Kbuild's include path picks this one. The userspace
 * twin is tools/include/vhd_platform.h and offers the same names.
 */
#ifndef VHD_PLATFORM_H
#define VHD_PLATFORM_H

#include <linux/types.h>
#include <linux/errno.h>
#include <linux/string.h>
#include <linux/sort.h>
#include <linux/slab.h>
#include <asm/unaligned.h>

static inline u16 vhd_get_be16(const void *p)
{
	return get_unaligned_be16(p);
}

static inline u32 vhd_get_be32(const void *p)
{
	return get_unaligned_be32(p);
}

static inline u64 vhd_get_be64(const void *p)
{
	return get_unaligned_be64(p);
}

static inline u16 vhd_get_le16(const void *p)
{
	return get_unaligned_le16(p);
}

static inline void vhd_put_be16(void *p, u16 v)
{
	put_unaligned_be16(v, p);
}

static inline void vhd_put_be32(void *p, u32 v)
{
	put_unaligned_be32(v, p);
}

static inline void vhd_put_be64(void *p, u64 v)
{
	put_unaligned_be64(v, p);
}

static inline void vhd_put_le16(void *p, u16 v)
{
	put_unaligned_le16(v, p);
}

/* Temporary arrays (the BAT overlap check); may be large: kvmalloc. */
static inline void *vhd_alloc_array(size_t n, size_t size)
{
	return kvmalloc_array(n, size, GFP_KERNEL);
}

static inline void vhd_free(void *p)
{
	kvfree(p);
}

static inline void vhd_sort(void *base, size_t num, size_t size,
			    int (*cmp)(const void *, const void *))
{
	sort(base, num, size, cmp, NULL);
}

#endif /* VHD_PLATFORM_H */
