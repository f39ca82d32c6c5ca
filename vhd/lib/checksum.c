// SPDX-License-Identifier: GPL-2.0
/*
 * VHD checksum: ones' complement of the sum of all bytes, the checksum
 * field itself counted as zero. Used by the footer and the dynamic header.
 */
#include "vhd_format.h"

u32 vhd_checksum(const void *buf, size_t len, size_t csum_off)
{
	const u8 *p = buf;
	u32 sum = 0;
	size_t i;

	for (i = 0; i < len; i++) {
		if (i >= csum_off && i < csum_off + 4)
			continue;
		sum += p[i];
	}
	return ~sum;
}
