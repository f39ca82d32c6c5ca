// SPDX-License-Identifier: GPL-2.0
/*
 * REQ_OP_DISCARD and REQ_OP_WRITE_ZEROES. Both leave the range reading as
 * zeros, in every image type, so one path serves both:
 *
 *  fixed:	 the range is punched (or written with zeros).
 *  dynamic:	 bits cleared; a block left with no bit set is freed (BAT
 *		 entry unused at the next flush) and its space punched.
 *  differencing: the range must not show the parent again, so its bits
 *		 are set and the data punched (reads zeros, holds no space);
 *		 a whole block is freed only when no ancestor holds a block
 *		 there (then the chain reads zeros anyway).
 *
 * While an online operation runs no block is freed (its copies rely on a
 * layer's blocks staying where they are); the range is zeroed in place.
 * Crash safety: a punched range reads zeros whatever the on-disk BAT and
 * bitmap say, and a freed slot is never reused before a flush has written
 * its BAT entry back unused.
 */
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/slab.h>

#include "vhd_drv.h"

/* Zeros over [off, off + len) of @l's file: a hole when possible. */
static int vhd_zero_range(struct vhd_layer *l, u64 off, u64 len)
{
	size_t chunk;
	u8 *zero;
	int err;

	err = vhd_punch(l, off, len);
	if (err != -EOPNOTSUPP)
		return err;
	chunk = min_t(u64, len, VHD_COPY_CHUNK);
	zero = kvzalloc(chunk, GFP_NOIO);
	if (!zero)
		return -ENOMEM;
	for (; len && !err; off += chunk, len -= chunk) {
		chunk = min_t(u64, len, chunk);
		err = vhd_file_io(l->file, zero, chunk, off, true, l->iocb_flags);
	}
	kvfree(zero);
	return err;
}

/* Free @blk if it still has @entry (a racing allocation may have won). */
static void vhd_discard_free(struct vhd_device *vhd, struct vhd_layer *l,
			     u32 blk, u32 entry)
{
	u64 start = vhd_block_bitmap_off(entry);
	bool freed = false;

	mutex_lock(&vhd->meta_lock);
	if (vhd_bat_entry(l, blk) == entry) {
		vhd_free_block(l, blk);
		freed = true;
	}
	mutex_unlock(&vhd->meta_lock);
	if (freed)	/* the slot's space back; errors only cost space */
		vhd_punch(l, start, (u64)l->hdr.bitmap_size + l->hdr.block_size);
}

static int vhd_discard_block(struct vhd_device *vhd, struct vhd_layer *l,
			     u64 sector, u32 blk, u32 in, u32 n, bool keep)
{
	u32 bs = 1U << l->sect_shift, entry;
	bool whole = !in && (n == bs || sector + n >= l->sectors);
	bool diff = l->type == VHD_TYPE_DIFF;
	bool below_empty = !diff || vhd_range_unallocated(vhd, 1, sector, n);
	u64 data;
	int err;
	u8 *bm;

	entry = vhd_bat_entry(l, blk);
	if (entry == VHD_BAT_UNUSED) {
		if (below_empty)
			return 0;	/* reads zeros already */
		err = vhd_alloc_block(vhd, l, blk);
		if (err)
			return err;
		entry = vhd_bat_entry(l, blk);
	}
	if (whole && below_empty && !keep) {
		vhd_discard_free(vhd, l, blk, entry);
		return 0;
	}
	data = vhd_block_data_off(&l->hdr, entry) + ((u64)in << SECTOR_SHIFT);
	if (diff) {
		/* zeros of our own, not the parent's data */
		err = vhd_zero_range(l, data, (u64)n << SECTOR_SHIFT);
		if (err)
			return err;
		bm = vhd_layer_bitmap(l, blk);
		if (!vhd_bitmap_all(bm, in, n, true))
			vhd_mark_written(l, blk, in, n);
		return 0;
	}
	bm = vhd_layer_bitmap(l, blk);
	if (!vhd_bitmap_all(bm, in, n, false))
		vhd_clear_bits(l, blk, in, n);
	vhd_punch(l, data, (u64)n << SECTOR_SHIFT);	/* space only */
	if (!keep && vhd_bitmap_all(bm, 0, bs, false))
		vhd_discard_free(vhd, l, blk, entry);
	return 0;
}

int vhd_discard(struct vhd_device *vhd, u64 sector, u32 nr, bool zeroes)
{
	struct vhd_layer *l = vhd->layers[0];
	bool keep = READ_ONCE(vhd->op.state) == VHD_OPS_RUNNING;
	u64 start = sector;
	u32 n, in, blk, total = nr;
	int err = 0;

	if (l->type == VHD_TYPE_FIXED) {
		err = vhd_zero_range(l, sector << SECTOR_SHIFT,
				     (u64)nr << SECTOR_SHIFT);
		goto out;
	}
	while (nr && !err) {
		if (sector >= l->sectors)
			break;
		blk = sector >> l->sect_shift;
		in = sector & ((1U << l->sect_shift) - 1);
		n = min_t(u32, nr, (1U << l->sect_shift) - in);
		n = min_t(u64, n, l->sectors - sector);
		err = vhd_discard_block(vhd, l, sector, blk, in, n, keep);
		sector += n;
		nr -= n;
	}
out:
	if (err)
		vhd_warn(vhd, "%s of %u sectors at %llu in %s failed: error %d",
			 zeroes ? "write-zeroes" : "discard", total, start,
			 l->path, err);
	return err;
}
