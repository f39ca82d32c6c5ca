// SPDX-License-Identifier: GPL-2.0
/*
 * Where the next block goes: at the current end of data (where the footer
 * sits), moved up so the block's data is 4 KiB-aligned as Windows 10 and
 * blktap lay it out; the sector bitmap sits just before the data.
 */
#include "vhd_format.h"

int vhd_alloc_plan(const struct vhd_dynhdr *h, u64 data_end,
		   struct vhd_alloc_plan *p)
{
	u64 data, bitmap, sector;

	if (!h || !p || !h->bitmap_size || !h->block_size)
		return -VHD_E_INVAL;
	if (data_end > (1ULL << 50))
		return -VHD_E_FULL;
	data = data_end + h->bitmap_size + VHD_DATA_ALIGN - 1;
	data &= ~(u64)(VHD_DATA_ALIGN - 1);
	bitmap = data - h->bitmap_size;
	sector = bitmap >> VHD_SECTOR_SHIFT;
	if (sector >= VHD_BAT_UNUSED)
		return -VHD_E_FULL;
	p->bat_sector = (u32)sector;
	p->bitmap_off = bitmap;
	p->data_off = data;
	p->new_end = data + h->block_size;
	return 0;
}
