// SPDX-License-Identifier: GPL-2.0
/*
 * Sector bitmaps in front of each block: bit n covers sector n of the
 * block, most significant bit of each byte first. In a dynamic disk a clear
 * bit reads as zeros; in a differencing disk it reads from the parent.
 */
#include "vhd_format.h"

bool vhd_bitmap_test(const u8 *bm, u32 bit)
{
	return bm[bit >> 3] & (0x80 >> (bit & 7));
}

u32 vhd_bitmap_run(const u8 *bm, u32 start, u32 end, bool *set)
{
	u32 i = start;
	u8 fill;
	bool v;

	if (start >= end)
		return 0;
	v = vhd_bitmap_test(bm, i);
	if (set)
		*set = v;
	fill = v ? 0xFF : 0x00;
	i++;
	while (i < end) {
		/* Skip whole bytes when aligned. */
		if (!(i & 7) && end - i >= 8) {
			if (bm[i >> 3] != fill)
				break;
			i += 8;
			continue;
		}
		if (vhd_bitmap_test(bm, i) != v)
			break;
		i++;
	}
	while (i < end && vhd_bitmap_test(bm, i) == v)
		i++;
	return i - start;
}

static void vhd_bitmap_fill(u8 *bm, u32 start, u32 count, bool value)
{
	u32 i = start, end = start + count;

	while (i < end) {
		if (!(i & 7) && end - i >= 8) {
			bm[i >> 3] = value ? 0xFF : 0x00;
			i += 8;
			continue;
		}
		if (value)
			bm[i >> 3] |= 0x80 >> (i & 7);
		else
			bm[i >> 3] &= ~(0x80 >> (i & 7));
		i++;
	}
}

void vhd_bitmap_set_range(u8 *bm, u32 start, u32 count)
{
	vhd_bitmap_fill(bm, start, count, true);
}

void vhd_bitmap_clear_range(u8 *bm, u32 start, u32 count)
{
	vhd_bitmap_fill(bm, start, count, false);
}

bool vhd_bitmap_all(const u8 *bm, u32 start, u32 count, bool value)
{
	bool v;

	if (!count)
		return true;
	return vhd_bitmap_run(bm, start, start + count, &v) == count &&
	       v == value;
}
