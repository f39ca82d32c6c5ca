// SPDX-License-Identifier: GPL-2.0
/*
 * Block allocation table validation. Entries are unsigned big-endian
 * sector offsets (XenServer once broke images above 1 TiB by reading them
 * as signed). Overlaps are found by sorting: O(n log n), no recursion.
 */
#include "vhd_format.h"

#define VHD_META_MAX	(3 + VHD_MAX_LOCATORS)

struct vhd_region {
	u64 start;
	u64 end;
};

/* Sort key: sector in the high half, BAT index in the low half. */
static int vhd_key_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static u32 vhd_meta_regions(const struct vhd_footer *f,
			    const struct vhd_dynhdr *h, u64 limit,
			    struct vhd_region *r)
{
	u32 n = 0, i;

	r[n].start = 0;			/* footer copy */
	r[n++].end = VHD_FOOTER_SIZE;
	r[n].start = f->data_offset;
	r[n++].end = f->data_offset + VHD_DYNHDR_SIZE;
	/* Padded to a sector, but a BAT may end right at the footer. */
	r[n].start = h->table_offset;
	r[n].end = h->table_offset + h->bat_bytes;
	if (r[n].end > limit)
		r[n].end = limit;
	n++;
	if (f->disk_type != VHD_TYPE_DIFF)
		return n;
	for (i = 0; i < VHD_MAX_LOCATORS; i++) {
		if (h->loc[i].code == VHD_PLAT_NONE || !h->loc[i].data_length)
			continue;
		r[n].start = h->loc[i].data_offset;
		r[n++].end = vhd_locator_end(&h->loc[i]);
	}
	return n;
}

struct vhd_bat_ctx {
	struct vhd_bat_stats *st;
	struct vhd_bat_problem *probs;
	u32 max_probs;
	u32 nprobs;
	int first;
};

static void vhd_bat_fail(struct vhd_bat_ctx *c, int err, u32 idx, u32 other)
{
	if (c->nprobs < c->max_probs) {
		c->probs[c->nprobs].err = err;
		c->probs[c->nprobs].index = idx;
		c->probs[c->nprobs].other = other;
		c->nprobs++;
	}
	c->st->errors++;
	if (c->first)
		return;
	c->first = err;
	c->st->bad_index = idx;
	c->st->other_index = other;
}

/* First key whose block ends after @start (blocks sorted by start). */
static size_t vhd_lower_bound(const u64 *keys, size_t n, u64 start, u64 span)
{
	size_t lo = 0, hi = n, mid;

	while (lo < hi) {
		mid = lo + (hi - lo) / 2;
		if (((keys[mid] >> 32) << VHD_SECTOR_SHIFT) + span <= start)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void vhd_bat_overlaps(const struct vhd_region *meta, u32 nmeta,
			     const u64 *keys, size_t n, u64 span,
			     struct vhd_bat_ctx *c)
{
	u64 s, prev_end = 0;
	size_t k;
	u32 i;

	for (i = 0; i < nmeta; i++) {
		k = vhd_lower_bound(keys, n, meta[i].start, span);
		for (; k < n; k++) {
			s = (keys[k] >> 32) << VHD_SECTOR_SHIFT;
			if (s >= meta[i].end)
				break;
			vhd_bat_fail(c, -VHD_E_BLOCK_META, (u32)keys[k],
				     0xFFFFFFFFU);
		}
	}
	for (k = 0; k < n; k++) {
		s = (keys[k] >> 32) << VHD_SECTOR_SHIFT;
		if (k && s < prev_end)
			vhd_bat_fail(c, -VHD_E_BLOCK_OVERLAP, (u32)keys[k],
				     (u32)keys[k - 1]);
		if (s + span > prev_end)
			prev_end = s + span;
	}
}

int vhd_bat_validate_report(const struct vhd_footer *f,
			    const struct vhd_dynhdr *h, u64 file_size,
			    const void *bat, struct vhd_bat_stats *st,
			    struct vhd_bat_problem *probs, u32 *nprobs)
{
	struct vhd_region meta[VHD_META_MAX];
	struct vhd_bat_stats local;
	struct vhd_bat_ctx c;
	u64 limit, span, start, *keys;
	u32 i, nmeta, sector;
	size_t n = 0;

	if (!f || !h || !bat || !vhd_is_sparse(f) || !h->block_sectors ||
	    file_size < f->footer_len || (probs && !nprobs))
		return -VHD_E_INVAL;
	if (!st)
		st = &local;
	memset(st, 0, sizeof(*st));
	c.st = st;
	c.probs = probs;
	c.max_probs = probs ? *nprobs : 0;
	c.nprobs = 0;
	c.first = 0;
	st->other_index = 0xFFFFFFFFU;
	limit = file_size - f->footer_len;
	st->footer_off = limit;
	span = (u64)h->bitmap_size + h->block_size;

	nmeta = vhd_meta_regions(f, h, limit, meta);
	for (i = 0; i < nmeta; i++)
		if (meta[i].end > st->meta_end)
			st->meta_end = meta[i].end;
	st->data_end = st->meta_end;

	for (i = 0; i < h->max_table_entries; i++) {
		if (vhd_bat_get(bat, i) != VHD_BAT_UNUSED)
			st->allocated++;
	}
	keys = vhd_alloc_array(st->allocated ? st->allocated : 1,
			       sizeof(*keys));
	if (!keys)
		return -VHD_E_NOMEM;

	for (i = 0; i < h->max_table_entries; i++) {
		sector = vhd_bat_get(bat, i);
		if (sector == VHD_BAT_UNUSED)
			continue;
		start = (u64)sector << VHD_SECTOR_SHIFT;
		if (start > limit || limit - start < span) {
			vhd_bat_fail(&c, -VHD_E_BLOCK_EOF, i, 0xFFFFFFFFU);
			continue;
		}
		if (start + span > st->data_end)
			st->data_end = start + span;
		keys[n++] = ((u64)sector << 32) | i;
	}
	vhd_sort(keys, n, sizeof(*keys), vhd_key_cmp);
	vhd_bat_overlaps(meta, nmeta, keys, n, span, &c);
	vhd_free(keys);
	if (nprobs)
		*nprobs = c.nprobs;
	return c.first;
}

int vhd_bat_validate(const struct vhd_footer *f, const struct vhd_dynhdr *h,
		     u64 file_size, const void *bat, struct vhd_bat_stats *st)
{
	return vhd_bat_validate_report(f, h, file_size, bat, st, NULL, NULL);
}
