// SPDX-License-Identifier: GPL-2.0
/*
 * vhd compact: unreference blocks that add nothing (all zeros in a dynamic
 * disk, the parent's data in a differencing one), move the highest blocks
 * into the freed slots and cut the file after the last block. See
 * "Offline operations" in Documentation/vhd.rst.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vhd.h"

#define BATCH_BYTES	(64ULL << 20)

/* Does block @idx change nothing in the view? */
static int block_redundant(struct vhd_image *img, u32 idx, u8 *bm, u8 *data,
			   u8 *below, bool *redundant)
{
	const struct vhd_dynhdr *h = &img->hdr;
	u32 sector = vhd_bat_get(img->bat, idx), pos, run;
	bool diff = img->footer.disk_type == VHD_TYPE_DIFF, set;
	size_t off, len;
	int ret;

	*redundant = false;
	ret = vhdio_pread(img->fd, bm, h->bitmap_size,
			  vhd_block_bitmap_off(sector));
	if (!ret)
		ret = vhdio_pread(img->fd, data, h->block_size,
				  vhd_block_data_off(h, sector));
	if (!ret && diff)
		ret = vhd_image_read(img->parent, below,
				     (u64)idx * h->block_size, h->block_size);
	if (ret)
		return ret;
	for (pos = 0; pos < h->block_sectors; pos += run) {
		run = vhd_bitmap_run(bm, pos, h->block_sectors, &set);
		if (!set)
			continue;
		off = (size_t)pos << VHD_SECTOR_SHIFT;
		len = (size_t)run << VHD_SECTOR_SHIFT;
		if (diff ? memcmp(data + off, below + off, len) :
			   !all_zero(data + off, len))
			return 0;
	}
	*redundant = true;
	return 0;
}

static int compact(struct vhd_image *img, u32 *ndropped, u32 *nmoved)
{
	const struct vhd_dynhdr *h = &img->hdr;
	u64 span = (u64)h->bitmap_size + h->block_size, batch = 0;
	u8 *bm = malloc(h->bitmap_size), *data = malloc(h->block_size);
	u8 *below = malloc(h->block_size);
	u32 *holes = NULL, nholes = 0, i, idx, from;
	bool red;
	int ret = -VHD_E_NOMEM;

	holes = malloc(((size_t)h->max_table_entries + 1) * sizeof(*holes));
	if (!bm || !data || !below || !holes)
		goto out;
	/* 1. Unreference redundant blocks; their slots become holes. */
	ret = 0;
	for (i = 0; i < h->max_table_entries && !ret; i++) {
		if (!vhd_image_block_allocated(img, i))
			continue;
		ret = block_redundant(img, i, bm, data, below, &red);
		if (!ret && red) {
			holes[nholes++] = vhd_bat_get(img->bat, i);
			vhd_bat_set(img->bat, i, VHD_BAT_UNUSED);
		}
	}
	if (!ret && nholes)
		ret = ed_bat(img);
	*ndropped = nholes;
	/*
	 * 2. Fill each free slot (dropped blocks, or left by an earlier
	 * cut run), lowest first, with the highest block above it: copy,
	 * sync, then point the BAT at the copy (per batch). A moved block's
	 * old slot lies above every block left, so it is never a target:
	 * a crash leaves the BAT pointing at intact data.
	 */
	if (!ret)
		ret = ed_stats(img);
	if (!ret)
		ret = vhd_compact_holes(h, img->bat, img->stats.meta_end, holes,
					h->max_table_entries, &nholes);
	for (i = 0; i < nholes && !ret; i++) {
		idx = vhd_compact_next_move(h, img->bat, holes[i]);
		if (idx == VHD_BAT_UNUSED)
			break;
		from = vhd_bat_get(img->bat, idx);
		ret = ed_copy(img, vhd_block_bitmap_off(from),
			      vhd_block_bitmap_off(holes[i]), span);
		if (ret)
			break;
		vhd_bat_set(img->bat, idx, holes[i]);
		(*nmoved)++;
		batch += span;
		if (batch >= BATCH_BYTES || i + 1 == nholes) {
			ret = ed_sync(img);
			if (!ret)
				ret = ed_bat(img);
			batch = 0;
		}
	}
	if (!ret && batch) {
		ret = ed_sync(img);
		if (!ret)
			ret = ed_bat(img);
	}
	/* 3. Footer after the last block, then cut. */
	if (!ret)
		ret = ed_trim(img);
out:
	free(bm);
	free(data);
	free(below);
	free(holes);
	return ret;
}

int cmd_compact(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vhd_image *img;
	u32 dropped = 0, moved = 0;
	u64 before;
	int c, ret;

	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		if (c == 'h') {
			printf("vhd compact IMAGE\n");
			return 0;
		}
		return 1;
	}
	if (optind + 1 != argc) {
		warnx_("compact: need exactly one IMAGE");
		return 1;
	}
	if (ed_open(&img, argv[optind], VHDIO_RDWR))
		return 1;
	if (!vhd_is_sparse(&img->footer)) {
		warnx_("%s: fixed image: only dynamic and differencing disks can be compacted",
		       argv[optind]);
		vhd_image_close(img);
		return 1;
	}
	before = img->file_size;
	ret = compact(img, &dropped, &moved);
	if (ret) {
		warnx_("%s: compact failed: %s", argv[optind],
		       vhdio_strerror(ret));
		vhd_image_close(img);
		return 1;
	}
	printf("%s: %u blocks dropped, %u moved, %llu bytes released\n",
	       argv[optind], dropped, moved,
	       (unsigned long long)(before - img->file_size));
	vhd_image_close(img);
	return 0;
}
