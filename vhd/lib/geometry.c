// SPDX-License-Identifier: GPL-2.0
/*
 * CHS geometry from a disk size, by the algorithm of the VHD specification
 * (appendix "CHS calculation"). Integer arithmetic only.
 */
#include "vhd_format.h"

void vhd_chs_from_size(u64 size, struct vhd_chs *chs)
{
	u64 total = size >> VHD_SECTOR_SHIFT;
	u32 spt, heads, cth;

	if (total > VHD_MAX_CHS_SECTORS)
		total = VHD_MAX_CHS_SECTORS;

	if (total >= 65535ULL * 16 * 63) {
		spt = 255;
		heads = 16;
		cth = (u32)(total / spt);
	} else {
		spt = 17;
		cth = (u32)(total / spt);
		heads = (cth + 1023) / 1024;
		if (heads < 4)
			heads = 4;
		if (cth >= heads * 1024 || heads > 16) {
			spt = 31;
			heads = 16;
			cth = (u32)(total / spt);
		}
		if (cth >= heads * 1024) {
			spt = 63;
			heads = 16;
			cth = (u32)(total / spt);
		}
	}
	chs->cylinders = (u16)(cth / heads);
	chs->heads = (u8)heads;
	chs->sectors = (u8)spt;
}

u64 vhd_chs_size(const struct vhd_chs *chs)
{
	return (u64)chs->cylinders * chs->heads * chs->sectors *
	       VHD_SECTOR_SIZE;
}
