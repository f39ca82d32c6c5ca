// SPDX-License-Identifier: GPL-2.0
/*
 * Planning of resize and compaction, shared by the offline tool and the
 * driver's online versions. No I/O: the caller moves what the plan names,
 * in the order Documentation/vhd.rst gives ("Offline operations").
 */
#include "vhd_format.h"

int vhd_resize_entries(const struct vhd_dynhdr *h, u64 new_size,
		       u32 *entries, u32 *bat_bytes)
{
	u64 n, bytes;

	if (!h || !entries || !bat_bytes || !h->block_shift)
		return -VHD_E_INVAL;
	if (!new_size || (new_size & (VHD_SECTOR_SIZE - 1)))
		return -VHD_E_SIZE_ALIGN;
	if (new_size > VHD_MAX_SIZE)
		return -VHD_E_TOO_BIG;
	n = (new_size + h->block_size - 1) >> h->block_shift;
	bytes = (n * 4 + VHD_SECTOR_SIZE - 1) & ~(u64)(VHD_SECTOR_SIZE - 1);
	*entries = (u32)n;
	*bat_bytes = (u32)bytes;
	return 0;
}

u32 vhd_resize_block_conflict(const struct vhd_dynhdr *h, const void *bat,
			      u64 bat_end)
{
	u64 start, best = ~0ULL;
	u32 i, sector, found = VHD_BAT_UNUSED;

	for (i = 0; i < h->max_table_entries; i++) {
		sector = vhd_bat_get(bat, i);
		if (sector == VHD_BAT_UNUSED)
			continue;
		start = vhd_block_bitmap_off(sector);
		if (start + h->bitmap_size + h->block_size <= h->table_offset ||
		    start >= bat_end)
			continue;
		if (start < best) {
			best = start;
			found = i;
		}
	}
	return found;
}

int vhd_resize_loc_conflict(const struct vhd_footer *f,
			    const struct vhd_dynhdr *h, u64 bat_end)
{
	u32 i;

	if (f->disk_type != VHD_TYPE_DIFF)
		return -1;
	for (i = 0; i < VHD_MAX_LOCATORS; i++) {
		if (h->loc[i].code == VHD_PLAT_NONE || !h->loc[i].data_length)
			continue;
		if (vhd_locator_end(&h->loc[i]) <= h->table_offset ||
		    h->loc[i].data_offset >= bat_end)
			continue;
		return (int)i;
	}
	return -1;
}

u32 vhd_compact_next_move(const struct vhd_dynhdr *h, const void *bat,
			  u32 hole_sector)
{
	u32 i, sector, best = 0, found = VHD_BAT_UNUSED;

	for (i = 0; i < h->max_table_entries; i++) {
		sector = vhd_bat_get(bat, i);
		if (sector == VHD_BAT_UNUSED || sector <= hole_sector)
			continue;
		if (found == VHD_BAT_UNUSED || sector > best) {
			best = sector;
			found = i;
		}
	}
	return found;
}

static int vhd_u32_cmp(const void *a, const void *b)
{
	u32 x = *(const u32 *)a, y = *(const u32 *)b;

	return x < y ? -1 : x > y;
}

int vhd_compact_holes(const struct vhd_dynhdr *h, const void *bat,
		      u64 meta_end, u32 *holes, u32 max, u32 *nholes)
{
	u64 span = (u64)h->bitmap_size + h->block_size, cur = meta_end, start;
	struct vhd_alloc_plan p;
	u32 i, n = 0, *sec;

	*nholes = 0;
	sec = vhd_alloc_array(h->max_table_entries + 1, sizeof(*sec));
	if (!sec)
		return -VHD_E_NOMEM;
	for (i = 0; i < h->max_table_entries; i++)
		if (vhd_bat_get(bat, i) != VHD_BAT_UNUSED)
			sec[n++] = vhd_bat_get(bat, i);
	vhd_sort(sec, n, sizeof(*sec), vhd_u32_cmp);
	for (i = 0; i < n; i++) {
		start = vhd_block_bitmap_off(sec[i]);
		while (*nholes < max && !vhd_alloc_plan(h, cur, &p) &&
		       p.new_end <= start) {
			holes[(*nholes)++] = p.bat_sector;
			cur = p.new_end;
		}
		if (start + span > cur)
			cur = start + span;
	}
	vhd_free(sec);
	return 0;
}
