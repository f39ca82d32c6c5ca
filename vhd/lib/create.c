// SPDX-License-Identifier: GPL-2.0
/*
 * Layout of new images: what our tool writes. Footer copy at 0, header at
 * 512, BAT at 1536 sized exactly for the disk, locator payloads after the
 * BAT, then blocks (allocated later, data 4 KiB-aligned) and the footer.
 */
#include "vhd_format.h"

#define VHD_MIB		(1024ULL * 1024)

int vhd_create_size(u64 requested, u64 *size)
{
	u64 s;

	if (!size || !requested)
		return -VHD_E_INVAL;
	if (requested > VHD_MAX_SIZE)
		return -VHD_E_TOO_BIG;
	/* Whole MiB (Azure rejects anything else), rounded up. */
	s = (requested + VHD_MIB - 1) & ~(VHD_MIB - 1);
	if (s > VHD_MAX_SIZE)
		return -VHD_E_TOO_BIG;
	*size = s;
	return 0;
}

int vhd_create_layout(struct vhd_dynhdr *h, u32 nr_loc,
		      struct vhd_create_layout *l)
{
	u64 off, space;
	u32 i;

	if (!h || !l || nr_loc > VHD_MAX_LOCATORS || !h->bitmap_size)
		return -VHD_E_INVAL;
	memset(l, 0, sizeof(*l));
	l->header_off = VHD_FOOTER_SIZE;
	l->bat_off = l->header_off + VHD_DYNHDR_SIZE;
	l->bat_bytes = h->bat_bytes;
	h->table_offset = l->bat_off;
	off = l->bat_off + l->bat_bytes;

	for (i = 0; i < nr_loc; i++) {
		if (!h->loc[i].data_length ||
		    h->loc[i].data_length > VHD_MAX_LOCATOR_LEN)
			return -VHD_E_INVAL;
		space = ((u64)h->loc[i].data_length + VHD_SECTOR_SIZE - 1) &
			~(u64)(VHD_SECTOR_SIZE - 1);
		/* Data space in bytes, as Windows writes it. */
		h->loc[i].data_offset = off;
		h->loc[i].data_space = (u32)space;
		h->loc[i].space_bytes = (u32)space;
		l->loc_off[i] = off;
		l->loc_space[i] = (u32)space;
		off += space;
	}
	l->nr_loc = nr_loc;
	l->data_end = off;
	l->file_size = off + VHD_FOOTER_SIZE;
	return 0;
}
