// SPDX-License-Identifier: GPL-2.0
/*
 * vhd resize: grow fixed and dynamic/differencing disks, shrink them when
 * the cut tail reads as zeros. Every step leaves a valid image; see
 * "Offline operations" in Documentation/vhd.rst.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "vhd.h"

#define CHUNK	(1U << 20)

/* Does no layer of the chain hold a block of [off, off + len)? */
static bool chain_hole(struct vhd_image *img, u64 off, u64 len)
{
	u64 idx, last;

	for (; img; img = img->parent) {
		if (!vhd_is_sparse(&img->footer))
			return false;
		last = (off + len - 1) >> img->hdr.block_shift;
		for (idx = off >> img->hdr.block_shift; idx <= last; idx++)
			if (vhd_image_block_allocated(img, (u32)idx))
				return false;
	}
	return true;
}

/* First non-zero byte of the virtual range [from, to), or ~0. */
static int first_data(struct vhd_image *img, u64 from, u64 to, u64 *at)
{
	u8 *buf = malloc(CHUNK);
	u64 off, n, k;
	int ret = 0;

	*at = ~0ULL;
	if (!buf)
		return -VHD_E_NOMEM;
	for (off = from; off < to && !ret; off += n) {
		n = to - off < CHUNK ? to - off : CHUNK;
		if (chain_hole(img, off, n))
			continue;
		ret = vhd_image_read(img, buf, off, (size_t)n);
		if (ret || all_zero(buf, (size_t)n))
			continue;
		for (k = 0; !buf[k]; k++)
			;
		*at = off + k;
		break;
	}
	free(buf);
	return ret;
}

/*
 * A grow cut between its two writes leaves the old footer at the old end,
 * inside the disk: a footer with our unique id at a MiB boundary below the
 * size. Zero it (re-running resize finishes the grow).
 */
static int scrub_stale_footer(struct vhd_image *img)
{
	u8 buf[VHD_FOOTER_SIZE];
	struct vhd_footer f;
	u64 off;
	int ret;

	for (off = 1ULL << 20; off < img->footer.cur_size; off += 1ULL << 20) {
		ret = vhdio_pread(img->fd, buf, sizeof(buf), off);
		if (ret)
			return ret;
		if (memcmp(buf, VHD_FOOTER_COOKIE, VHD_COOKIE_LEN) ||
		    vhd_footer_decode(&f, buf, sizeof(buf), ~0ULL >> 1,
				      VHD_SIZE_CURRENT) ||
		    memcmp(f.uuid, img->footer.uuid, 16) || f.cur_size != off)
			continue;
		memset(buf, 0, sizeof(buf));
		ret = vhdio_pwrite(img->fd, buf, sizeof(buf), off);
		return ret ? ret : ed_sync(img);
	}
	return 0;
}

static int resize_fixed(struct vhd_image *img, u64 size)
{
	u64 old = img->footer.cur_size;
	u8 zero[VHD_FOOTER_SIZE];
	int ret;

	ed_set_size(img, size);
	if (size > old) {
		/* Reserve the space; the size changes with the footer. */
		if (fallocate(img->fd, FALLOC_FL_KEEP_SIZE, (off_t)old,
			      (off_t)(size - old + VHD_FOOTER_SIZE)) &&
		    errno != EOPNOTSUPP && errno != ENOSYS)
			return vhdio_sys(errno);
		/* New footer at the new end first, then the old one zeroed. */
		ret = ed_footer_at(img, size);
		if (!ret)
			ret = ed_sync(img);
		memset(zero, 0, sizeof(zero));
		if (!ret)
			ret = vhdio_pwrite(img->fd, zero, sizeof(zero), old);
		return ret ? ret : ed_sync(img);
	}
	ret = ed_footer_at(img, size);
	if (!ret)
		ret = ed_sync(img);
	if (!ret)
		ret = vhdio_ftruncate(img->fd, size + VHD_FOOTER_SIZE);
	return ret ? ret : ed_sync(img);
}

/* Move block @idx to the end of data: copy, sync, BAT entry, sync. */
static int move_block(struct vhd_image *img, u32 idx, u64 floor)
{
	const struct vhd_dynhdr *h = &img->hdr;
	u32 from = vhd_bat_get(img->bat, idx);
	struct vhd_alloc_plan p;
	u64 end = img->stats.data_end;
	int ret;

	ret = vhd_alloc_plan(h, end > floor ? end : floor, &p);
	if (!ret)
		ret = ed_extend(img, p.new_end);
	if (!ret)
		ret = ed_copy(img, vhd_block_bitmap_off(from), p.bitmap_off,
			      (u64)h->bitmap_size + h->block_size);
	if (!ret)
		ret = ed_sync(img);
	if (ret)
		return ret;
	vhd_bat_set(img->bat, idx, p.bat_sector);
	ret = ed_bat(img);
	return ret ? ret : ed_stats(img);
}

/* Move locator payload @i past the end of data, then point the header. */
static int move_locator(struct vhd_image *img, int i, u64 floor)
{
	struct vhd_locator *loc = &img->hdr.loc[i];
	u64 to = img->stats.data_end > floor ? img->stats.data_end : floor;
	u64 len = vhd_locator_end(loc) - loc->data_offset;
	int ret;

	to = (to + VHD_SECTOR_SIZE - 1) & ~(u64)(VHD_SECTOR_SIZE - 1);
	ret = ed_extend(img, to + len);
	if (!ret)
		ret = ed_copy(img, loc->data_offset, to, len);
	if (!ret)
		ret = ed_sync(img);
	if (ret)
		return ret;
	loc->data_offset = to;
	ret = ed_header(img);
	return ret ? ret : ed_stats(img);
}

static int grow_sparse(struct vhd_image *img, u64 size, u32 entries,
		       u32 bat_bytes)
{
	struct vhd_dynhdr *h = &img->hdr;
	u64 bat_end = h->table_offset + bat_bytes;
	u32 idx, old = h->max_table_entries;
	u8 *bat;
	int li, ret;

	if (entries > old) {
		if (img->footer.data_offset >= h->table_offset &&
		    img->footer.data_offset < bat_end)
			return -VHD_E_BAT_OFFSET;
		/* Blocks and locator payloads in the way go to the end. */
		while ((idx = vhd_resize_block_conflict(h, img->bat, bat_end)) !=
		       VHD_BAT_UNUSED) {
			ret = move_block(img, idx, bat_end);
			if (ret)
				return ret;
		}
		while ((li = vhd_resize_loc_conflict(&img->footer, h,
						     bat_end)) >= 0) {
			ret = move_locator(img, li, bat_end);
			if (ret)
				return ret;
		}
		/* The trailing footer too, if the BAT reaches it. */
		if (img->file_size - VHD_FOOTER_SIZE < bat_end) {
			ret = ed_footer_at(img, bat_end);
			if (!ret)
				ret = ed_sync(img);
			if (ret)
				return ret;
		}
		bat = malloc(bat_bytes);
		if (!bat)
			return -VHD_E_NOMEM;
		memset(bat, 0xFF, bat_bytes);
		memcpy(bat, img->bat, (size_t)old * 4);
		free(img->bat);
		img->bat = bat;
		/* BAT (unreferenced tail first), then header, then footers. */
		ret = vhdio_pwrite(img->fd, bat, bat_bytes, h->table_offset);
		if (!ret)
			ret = ed_sync(img);
		if (ret)
			return ret;
		h->max_table_entries = entries;
		ret = vhd_dynhdr_derive(h);
		if (!ret)
			ret = ed_header(img);
		if (ret)
			return ret;
	}
	ed_set_size(img, size);
	ret = ed_footers(img);
	return ret ? ret : ed_trim(img);
}

static int shrink_sparse(struct vhd_image *img, u64 size, u32 entries)
{
	struct vhd_dynhdr *h = &img->hdr;
	bool dropped = false;
	u32 i;
	int ret;

	/* Cut blocks hold only zeros (checked): unreference them first. */
	for (i = entries; i < h->max_table_entries; i++) {
		if (vhd_bat_get(img->bat, i) != VHD_BAT_UNUSED) {
			vhd_bat_set(img->bat, i, VHD_BAT_UNUSED);
			dropped = true;
		}
	}
	if (dropped) {
		ret = ed_bat(img);
		if (ret)
			return ret;
	}
	/* Smaller size first: a longer BAT than needed is valid. */
	ed_set_size(img, size);
	ret = ed_footers(img);
	if (ret)
		return ret;
	h->max_table_entries = entries;
	ret = vhd_dynhdr_derive(h);
	if (!ret)
		ret = ed_header(img);
	return ret ? ret : ed_trim(img);
}

int cmd_resize(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "size", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	struct vhd_image *img;
	u64 size = 0, old, at;
	u32 entries = 0, bat_bytes = 0;
	const char *path;
	int c, ret;

	while ((c = getopt_long(argc, argv, "s:h", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			if (parse_size(optarg, &size) || !size ||
			    (size & (VHD_SECTOR_SIZE - 1))) {
				warnx_("invalid size '%s' (a multiple of 512)",
				       optarg);
				return 1;
			}
			break;
		case 'h':
			printf("vhd resize --size SIZE IMAGE\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind + 1 != argc || !size) {
		warnx_("resize: need --size SIZE and one IMAGE");
		return 1;
	}
	path = argv[optind];
	if (size > VHD_MAX_SIZE) {
		warnx_("%s: %s", path, vhd_strerror(VHD_E_TOO_BIG));
		return 1;
	}
	if (ed_open(&img, path, VHDIO_RDWR))
		return 1;
	old = img->footer.virtual_size;
	ret = 0;
	if (vhd_is_sparse(&img->footer))
		ret = vhd_resize_entries(&img->hdr, size, &entries, &bat_bytes);
	if (!ret && size < old) {
		ret = first_data(img, size, old, &at);
		if (!ret && at != ~0ULL) {
			warnx_("%s: cannot shrink to %llu bytes: data at byte %llu (the cut tail must be unallocated or zero)",
			       path, (unsigned long long)size,
			       (unsigned long long)at);
			vhd_image_close(img);
			return 1;
		}
	}
	if (!ret && !vhd_is_sparse(&img->footer))
		ret = scrub_stale_footer(img);
	if (!ret && size != old) {
		if (!vhd_is_sparse(&img->footer))
			ret = resize_fixed(img, size);
		else if (size > old)
			ret = grow_sparse(img, size, entries, bat_bytes);
		else
			ret = shrink_sparse(img, size, entries);
	}
	if (ret) {
		warnx_("%s: resize failed: %s", path, vhdio_strerror(ret));
		vhd_image_close(img);
		return 1;
	}
	vhd_image_close(img);
	return 0;
}
