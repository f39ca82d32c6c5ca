// SPDX-License-Identifier: GPL-2.0
/*
 * vhd merge: copy what a differencing disk (and the layers between it and
 * the target) holds into its parent or an older ancestor. Crash-safe and
 * resumable: the child is never written, so its view never changes; the
 * target only gets sectors the child holds. See Documentation/vhd.rst.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vhd.h"

#define BATCH_BYTES	(64ULL << 20)
#define BATCH_BLOCKS	1024U
#define FIXED_CHUNK	(2U << 20)

struct pending {
	u32 idx;
	bool is_new;		/* publish its BAT entry */
	u8 *bm;			/* bitmap to write after the data sync */
};

struct merge {
	struct vhd_image *top, *target, *dst;
	u32 unit;		/* bytes per target block (fixed: a chunk) */
	u32 nblocks;
	u32 bm_bytes;
	u8 *bits, *buf, *newbat;
	struct pending *pend;
	u32 npend;
	u64 batch;
	u64 copied;
	char dev[300];
};

static int layer_bitmap(struct vhd_image *img, u32 idx)
{
	int ret;

	if (img->bm_valid && img->bm_block == idx)
		return 0;
	img->bm_valid = false;
	ret = vhdio_pread(img->fd, img->bm, img->hdr.bitmap_size,
			  vhd_block_bitmap_off(vhd_bat_get(img->bat, idx)));
	if (ret)
		return ret;
	img->bm_block = idx;
	img->bm_valid = true;
	return 0;
}

/* OR into @out (bit j = sector first + j) the sectors @img holds itself. */
static int layer_bits(struct vhd_image *img, u64 first, u32 count, u8 *out)
{
	const struct vhd_dynhdr *h = &img->hdr;
	u64 s = first, end = first + count;
	u64 vs = img->footer.virtual_size >> VHD_SECTOR_SHIFT;
	u32 idx, in, n, pos, run;
	bool set;
	int ret;

	if (end > vs)
		end = vs;
	while (s < end) {
		idx = vhd_bat_index(h, s);
		in = vhd_block_sector(h, s);
		n = h->block_sectors - in;
		if (n > end - s)
			n = (u32)(end - s);
		if (vhd_image_block_allocated(img, idx)) {
			ret = layer_bitmap(img, idx);
			if (ret)
				return ret;
			for (pos = in; pos < in + n; pos += run) {
				run = vhd_bitmap_run(img->bm, pos, in + n, &set);
				if (set)
					vhd_bitmap_set_range(out, (u32)(s - first) +
							     pos - in, run);
			}
		}
		s += n;
	}
	return 0;
}

/* Write the runs of set bits of @m->bits from @m->buf at @base. */
static int write_runs(struct merge *m, u64 base)
{
	u32 secs = m->unit >> VHD_SECTOR_SHIFT, pos, run;
	bool set;
	int ret;

	for (pos = 0; pos < secs; pos += run) {
		run = vhd_bitmap_run(m->bits, pos, secs, &set);
		if (!set)
			continue;
		ret = vhdio_pwrite(m->dst->fd, m->buf +
				   ((size_t)pos << VHD_SECTOR_SHIFT),
				   (size_t)run << VHD_SECTOR_SHIFT,
				   base + ((u64)pos << VHD_SECTOR_SHIFT));
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * End of a batch: the data (and new blocks' bitmaps) become durable, then
 * the bitmaps that now claim it and the BAT entries of new blocks.
 */
static int flush_batch(struct merge *m)
{
	struct vhd_image *d = m->dst;
	bool bat = false;
	u32 i, idx;
	int ret;

	ret = ed_sync(d);
	for (i = 0; !ret && i < m->npend; i++) {
		idx = m->pend[i].idx;
		if (m->pend[i].is_new) {
			memcpy(d->bat + 4 * (size_t)idx,
			       m->newbat + 4 * (size_t)idx, 4);
			bat = true;
		} else {
			ret = vhdio_pwrite(d->fd, m->pend[i].bm,
					   d->hdr.bitmap_size,
					   vhd_block_bitmap_off(vhd_bat_get(d->bat,
									    idx)));
		}
	}
	if (!ret && m->npend)
		ret = bat ? ed_bat(d) : ed_sync(d);
	for (i = 0; i < m->npend; i++)
		free(m->pend[i].bm);
	m->npend = 0;
	m->batch = 0;
	return ret;
}

static int merge_block(struct merge *m, u32 i)
{
	struct vhd_image *d = m->dst;
	const struct vhd_dynhdr *h = &d->hdr;
	u32 secs = m->unit >> VHD_SECTOR_SHIFT, sector;
	u64 first = (u64)i * secs;
	struct vhd_image *it;
	struct pending *p;
	u8 *old;
	u32 k;
	int ret;

	memset(m->bits, 0, m->bm_bytes);
	for (it = m->top; it != m->target; it = it->parent) {
		ret = layer_bits(it, first, secs, m->bits);
		if (ret)
			return ret;
	}
	if (vhd_bitmap_all(m->bits, 0, secs, false))
		return 0;
	ret = vhd_image_read(m->top, m->buf, first << VHD_SECTOR_SHIFT,
			     m->unit);
	if (ret)
		return ret;
	m->copied += m->unit;
	m->batch += m->unit;
	if (!vhd_is_sparse(&d->footer))
		return write_runs(m, first << VHD_SECTOR_SHIFT);

	p = &m->pend[m->npend];
	p->idx = i;
	p->bm = NULL;
	p->is_new = !vhd_image_block_allocated(d, i);
	if (p->is_new) {
		sector = vhd_bat_get(m->newbat, i);
		/* Dynamic: the whole block (this layer had only zeros). */
		if (d->footer.disk_type == VHD_TYPE_DYNAMIC) {
			memset(m->bits, 0, m->bm_bytes);
			vhd_bitmap_set_range(m->bits, 0, secs);
			ret = vhdio_pwrite(d->fd, m->buf, m->unit,
					   vhd_block_data_off(h, sector));
		} else {
			ret = write_runs(m, vhd_block_data_off(h, sector));
		}
		if (!ret)
			ret = vhdio_pwrite(d->fd, m->bits, h->bitmap_size,
					   vhd_block_bitmap_off(sector));
		m->npend++;
		return ret;
	}
	sector = vhd_bat_get(d->bat, i);
	ret = write_runs(m, vhd_block_data_off(h, sector));
	if (!ret)
		ret = layer_bitmap(d, i);
	if (ret)
		return ret;
	old = d->bm;
	for (k = 0; k < h->bitmap_size && !(m->bits[k] & ~old[k]); k++)
		;
	if (k == h->bitmap_size)
		return 0;	/* bits already set: nothing to publish */
	p->bm = malloc(h->bitmap_size);
	if (!p->bm)
		return -VHD_E_NOMEM;
	for (k = 0; k < h->bitmap_size; k++)
		p->bm[k] = old[k] | m->bits[k];
	memcpy(old, p->bm, h->bitmap_size);
	m->npend++;
	return 0;
}

/* Place every new block up front; the footer moves once, past them all. */
static int plan_new_blocks(struct merge *m)
{
	struct vhd_image *d = m->dst, *it;
	u32 secs = m->unit >> VHD_SECTOR_SHIFT, i;
	struct vhd_alloc_plan p;
	u64 end = d->stats.data_end;
	int ret;

	memcpy(m->newbat, d->bat, (size_t)d->hdr.max_table_entries * 4);
	for (i = 0; i < m->nblocks; i++) {
		if (vhd_image_block_allocated(d, i))
			continue;
		memset(m->bits, 0, m->bm_bytes);
		for (it = m->top; it != m->target; it = it->parent) {
			ret = layer_bits(it, (u64)i * secs, secs, m->bits);
			if (ret)
				return ret;
		}
		if (vhd_bitmap_all(m->bits, 0, secs, false))
			continue;
		ret = vhd_alloc_plan(&d->hdr, end, &p);
		if (ret)
			return ret;
		vhd_bat_set(m->newbat, i, p.bat_sector);
		end = p.new_end;
	}
	return ed_extend(d, end);
}

static int do_merge(struct merge *m)
{
	struct vhd_image *d = m->dst;
	u64 vsize = m->top->footer.virtual_size;
	u32 i;
	int ret;

	m->unit = vhd_is_sparse(&d->footer) ? d->hdr.block_size : FIXED_CHUNK;
	m->nblocks = (u32)((vsize + m->unit - 1) / m->unit);
	m->bm_bytes = (m->unit >> VHD_SECTOR_SHIFT) / 8 + VHD_SECTOR_SIZE;
	m->bits = calloc(1, m->bm_bytes);
	m->buf = malloc(m->unit);
	m->pend = calloc(BATCH_BLOCKS, sizeof(*m->pend));
	if (vhd_is_sparse(&d->footer))
		m->newbat = malloc((size_t)d->hdr.max_table_entries * 4 + 4);
	if (!m->bits || !m->buf || !m->pend ||
	    (vhd_is_sparse(&d->footer) && !m->newbat))
		return -VHD_E_NOMEM;
	if (vhd_is_sparse(&d->footer)) {
		ret = plan_new_blocks(m);
		if (ret)
			return ret;
	}
	for (i = 0; i < m->nblocks; i++) {
		ret = merge_block(m, i);
		if (ret)
			return ret;
		if (m->batch >= BATCH_BYTES || m->npend == BATCH_BLOCKS) {
			ret = flush_batch(m);
			if (ret)
				return ret;
		}
	}
	ret = flush_batch(m);
	if (!ret)
		ret = ed_trim(d);
	return ret;
}

static struct vhd_image *find_layer(struct vhd_image *top, const char *path)
{
	struct vhd_image *it;
	struct stat st;

	if (stat(path, &st))
		return NULL;
	for (it = top->parent; it; it = it->parent)
		if (it->dev == st.st_dev && it->ino == st.st_ino)
			return it;
	return NULL;
}

int cmd_merge(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "into", required_argument, NULL, 'i' },
		{ "delete", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	const char *into = NULL, *child;
	struct merge m;
	struct vhd_image *it;
	bool del = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "i:dh", opts, NULL)) != -1) {
		switch (c) {
		case 'i':
			into = optarg;
			break;
		case 'd':
			del = true;
			break;
		case 'h':
			printf("vhd merge [--into ANCESTOR] [--delete] CHILD\n");
			return 0;
		default:
			return 1;
		}
	}
	if (optind + 1 != argc) {
		warnx_("merge: need exactly one CHILD");
		return 1;
	}
	child = argv[optind];
	memset(&m, 0, sizeof(m));
	if (ed_attached(child, m.dev, sizeof(m.dev))) {
		warnx_("%s: attached as %s: detach it first", child, m.dev);
		return 1;
	}
	if (ed_open(&m.top, child, 0))
		return 1;
	ret = 1;
	if (m.top->footer.disk_type != VHD_TYPE_DIFF) {
		warnx_("%s: %s image: only a differencing disk can be merged",
		       child, vhd_type_name(m.top->footer.disk_type));
		goto out;
	}
	m.target = into ? find_layer(m.top, into) : m.top->parent;
	if (!m.target) {
		warnx_("%s: not an ancestor of %s", into, child);
		goto out;
	}
	if (m.top->footer.virtual_size > m.target->footer.virtual_size) {
		warnx_("%s (%llu bytes) is larger than %s (%llu bytes): resize %s first",
		       child, (unsigned long long)m.top->footer.virtual_size,
		       m.target->path,
		       (unsigned long long)m.target->footer.virtual_size,
		       m.target->path);
		goto out;
	}
	if (ed_open(&m.dst, m.target->path, VHDIO_RDWR | VHDIO_NO_CHAIN))
		goto out;
	ret = do_merge(&m);
	if (ret) {
		warnx_("%s: merge failed: %s (run it again to complete it)",
		       m.dst->path, vhdio_strerror(ret));
		ret = 1;
		goto out;
	}
	printf("merged %llu bytes of %s into %s\n",
	       (unsigned long long)m.copied, child, m.dst->path);
	for (it = m.top; del && it != m.target; it = it->parent) {
		if (unlink(it->path)) {
			warnx_("%s: %s", it->path, strerror(errno));
			ret = 1;
			goto out;
		}
		printf("removed %s\n", it->path);
	}
out:
	vhd_image_close(m.dst);
	vhd_image_close(m.top);
	free(m.bits);
	free(m.buf);
	free(m.pend);
	free(m.newbat);
	return ret;
}
