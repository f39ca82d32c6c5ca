// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target: the input is a whole image file. Decode and validate
 * it the way vhd.ko opens an image (footer or its copy, dynamic header,
 * BAT, bitmaps, locators, allocation planning) and check that encoders
 * and decoders agree. Built with -fsanitize=fuzzer,address,undefined.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "vhd_format.h"

static char out[VHD_MAX_LOCATOR_LEN * 2];

/* Encoding a decoded footer gives one that decodes the same way. */
static void roundtrip_footer(const struct vhd_footer *f, u64 size, u32 rule)
{
	struct vhd_footer g;
	u8 buf[VHD_FOOTER_SIZE];

	/* An old 511-byte footer is rewritten as 512 bytes. */
	size += VHD_FOOTER_SIZE - f->footer_len;
	vhd_footer_encode(f, buf);
	if (vhd_footer_decode(&g, buf, sizeof(buf), size, rule))
		abort();
	if (g.cur_size != f->cur_size || g.disk_type != f->disk_type ||
	    memcmp(g.uuid, f->uuid, 16) || g.virtual_size != f->virtual_size)
		abort();
}

static void blocks(const u8 *data, const struct vhd_dynhdr *h,
		   const u8 *bat)
{
	const u8 *bm;
	u32 i, pos, run;
	bool set;

	for (i = 0; i < h->max_table_entries && i < 64; i++) {
		u32 s = vhd_bat_get(bat, i);

		if (s == VHD_BAT_UNUSED)
			continue;
		bm = data + vhd_block_bitmap_off(s);
		for (pos = 0; pos < h->block_sectors; pos += run) {
			run = vhd_bitmap_run(bm, pos, h->block_sectors, &set);
			if (!run || vhd_bitmap_test(bm, pos) != set ||
			    !vhd_bitmap_all(bm, pos, run, set))
				abort();
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vhd_footer f, f2;
	struct vhd_dynhdr h;
	struct vhd_bat_stats st;
	struct vhd_alloc_plan plan;
	u8 hbuf[VHD_DYNHDR_SIZE];
	u32 warn = 0, i, rule = VHD_SIZE_AUTO;
	int ret;

	if (size < VHD_FOOTER_SIZE)
		return 0;
	ret = vhd_footer_decode(&f, data + size - VHD_FOOTER_SIZE,
				VHD_FOOTER_SIZE, size, VHD_SIZE_AUTO);
	if (ret) {
		rule = VHD_SIZE_CURRENT;
		ret = vhd_footer_decode(&f, data, VHD_FOOTER_SIZE, size, rule);
	}
	vhd_footer_decode(&f2, data, VHD_FOOTER_OLD_SIZE, size,
			  VHD_SIZE_CHS);
	vhd_strerror(ret);
	vhd_errno(ret);
	if (ret)
		return 0;
	roundtrip_footer(&f, size, rule);
	if (!vhd_is_sparse(&f))
		return 0;
	ret = vhd_dynhdr_decode(&h, data + f.data_offset, &f, size);
	if (ret)
		return 0;
	vhd_dynhdr_encode(&h, hbuf);
	if (vhd_dynhdr_decode(&h, hbuf, &f, size))
		abort();
	vhd_parent_name_get(&h, out, sizeof(out));
	vhd_parent_check(&h, &f, &warn);
	for (i = 0; i < VHD_MAX_LOCATORS; i++) {
		const struct vhd_locator *l = &h.loc[i];

		if (!l->code || l->data_offset > size ||
		    l->data_length > size - l->data_offset)
			continue;
		vhd_locator_decode(l, data + l->data_offset, out, sizeof(out));
	}
	ret = vhd_bat_validate(&f, &h, size, data + h.table_offset, &st);
	if (ret)
		return 0;
	if (st.data_end > size - f.footer_len)
		abort();
	blocks(data, &h, data + h.table_offset);
	if (!vhd_alloc_plan(&h, st.data_end, &plan) &&
	    (plan.data_off & (VHD_DATA_ALIGN - 1) ||
	     plan.bitmap_off < st.data_end))
		abort();
	return 0;
}
