// SPDX-License-Identifier: GPL-2.0
/*
 * Online compaction of the top image (Documentation/vhd.rst, "Online
 * compact"), the offline tool's three steps with I/O going on:
 *
 *  1. find blocks that add nothing (zeros in a dynamic image, the parent's
 *     data in a differencing one), reading them unfrozen with writes
 *     tracked; free those not written meanwhile, with the queue frozen;
 *     commit (BAT entries unused on disk), then punch their space;
 *  2. one block at a time, queue frozen: move the highest block into the
 *     lowest hole (copy, sync, BAT entry, sync);
 *  3. queue frozen: footer after the last block, sync, cut the file.
 *
 * Each step leaves a valid image: a freed slot is punched only once no
 * on-disk entry names it, and a moved block's BAT entry changes only
 * after its copy is durable.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vhd_drv.h"

#define VHD_FREE_BATCH	64U

struct vhd_compact {
	struct vhd_layer *l;
	u8 *data, *below;
	u32 cand[VHD_FREE_BATCH], cand_entry[VHD_FREE_BATCH], ncand;
	u32 *freed;			/* slots to punch after the commit */
	u32 nfreed;
};

/* Does block @blk hold only what the chain below it shows? */
static int vhd_block_redundant(struct vhd_device *vhd, struct vhd_compact *c,
			       u32 blk, bool *redundant)
{
	struct vhd_layer *l = c->l;
	u64 s = (u64)blk << l->sect_shift, pos;
	u64 end = min_t(u64, s + (1ULL << l->sect_shift), l->sectors);
	bool present;
	size_t len;
	u32 run, max;
	int err;

	*redundant = false;
	for (; s < end; s += run) {
		max = min_t(u64, end - s, VHD_COPY_CHUNK >> SECTOR_SHIFT);
		run = vhd_layer_run(l, s, max, &present, &pos);
		if (!present)
			continue;
		len = (size_t)run << SECTOR_SHIFT;
		err = vhd_file_io(l->file, c->data, len, pos, false,
				  l->iocb_flags);
		if (err)
			return err;
		if (l->type == VHD_TYPE_DIFF) {
			err = vhd_chain_read(vhd, 1, s, run, c->below);
			if (err)
				return err;
			if (memcmp(c->data, c->below, len))
				return 0;
		} else if (memchr_inv(c->data, 0, len)) {
			return 0;
		}
	}
	*redundant = true;
	return 0;
}

/* Free the candidates not written since they were read. */
static void vhd_compact_free(struct vhd_device *vhd, struct vhd_compact *c)
{
	struct vhd_layer *l = c->l;
	u32 i, blk;

	if (!c->ncand)
		return;
	blk_mq_freeze_queue(vhd->disk->queue);
	mutex_lock(&vhd->meta_lock);
	for (i = 0; i < c->ncand; i++) {
		blk = c->cand[i];
		if (test_bit(blk, vhd->op.dirty) ||
		    vhd_bat_entry(l, blk) != c->cand_entry[i])
			continue;
		vhd_free_block(l, blk);
		c->freed[c->nfreed++] = c->cand_entry[i];
	}
	mutex_unlock(&vhd->meta_lock);
	blk_mq_unfreeze_queue(vhd->disk->queue);
	c->ncand = 0;
}

static int vhd_compact_drop(struct vhd_device *vhd, struct vhd_compact *c)
{
	struct vhd_layer *l = c->l;
	u64 span = (u64)l->hdr.bitmap_size + l->hdr.block_size;
	u32 blk, entry, i;
	bool red;
	int err = 0;

	for (blk = 0; blk < l->nr_blocks && !err; blk++) {
		if (vhd_op_cancelled(vhd)) {
			err = -ECANCELED;
			break;
		}
		entry = vhd_bat_entry(l, blk);
		if (entry == VHD_BAT_UNUSED)
			continue;
		vhd_op_pace();
		clear_bit(blk, vhd->op.dirty);
		err = vhd_block_redundant(vhd, c, blk, &red);
		atomic64_add(l->hdr.block_size, &vhd->op.bytes_done);
		if (err || !red)
			continue;
		c->cand[c->ncand] = blk;
		c->cand_entry[c->ncand++] = entry;
		if (c->ncand == VHD_FREE_BATCH)
			vhd_compact_free(vhd, c);
	}
	if (!err)
		vhd_compact_free(vhd, c);
	/* no on-disk entry names a freed slot after this commit */
	if (c->nfreed && !vhd_layer_flush(vhd, l))
		for (i = 0; i < c->nfreed; i++)
			vhd_punch(l, vhd_block_bitmap_off(c->freed[i]), span);
	return err;
}

/* The layer's stats from its in-memory BAT (meta_lock held). */
static int vhd_compact_stats(struct vhd_layer *l, struct vhd_bat_stats *st)
{
	int err = vhd_bat_validate(&l->footer, &l->hdr,
				   i_size_read(file_inode(l->file)), l->bat, st);

	return err ? vhd_errno(err) : 0;
}

/*
 * Fill the lowest holes with the highest blocks, up to VHD_MOVE_BATCH of
 * them under one freeze: copy each, one sync, then the BAT sectors, sync
 * (as the offline tool batches). A moved block's old slot lies above every
 * block left, so no later move of the batch lands on it while the on-disk
 * BAT still names it. *@done when nothing is left to move.
 */
#define VHD_MOVE_BATCH	8U

static int vhd_compact_move_batch(struct vhd_device *vhd,
				  struct vhd_compact *c, bool *done)
{
	struct vhd_layer *l = c->l;
	u64 span = (u64)l->hdr.bitmap_size + l->hdr.block_size, from;
	u32 hole, nholes, blk, n = 0, s;
	struct vhd_bat_stats st;
	int err;

	blk_mq_freeze_queue(vhd->disk->queue);
	err = vhd_layer_flush(vhd, l);
	mutex_lock(&vhd->meta_lock);
	*done = false;
	while (!err && n < VHD_MOVE_BATCH) {
		err = vhd_compact_stats(l, &st);
		if (!err)
			err = vhd_errno(vhd_compact_holes(&l->hdr, l->bat,
							  st.meta_end, &hole, 1,
							  &nholes));
		if (err || !nholes)
			break;
		blk = vhd_compact_next_move(&l->hdr, l->bat, hole);
		if (blk == VHD_BAT_UNUSED)
			break;
		from = vhd_block_bitmap_off(vhd_bat_entry(l, blk));
		err = vhd_copy_within(l, c->data, from,
				      vhd_block_bitmap_off(hole), span);
		if (err)
			break;
		/* frozen: nothing reads the entry before the BAT is written */
		smp_store_release(&l->bat[blk], cpu_to_be32(hole));
		set_bit(blk / (SECTOR_SIZE / 4), l->dirty_bat);
		n++;
	}
	*done = err || n < VHD_MOVE_BATCH;
	if (n) {
		/* the copies are durable before any entry names them */
		int e = vhd_sync(l);

		for_each_set_bit(s, l->dirty_bat, l->hdr.bat_bytes >> SECTOR_SHIFT) {
			if (e)
				break;
			e = vhd_meta_write(l, (u8 *)l->bat + s * SECTOR_SIZE,
					   SECTOR_SIZE,
					   l->hdr.table_offset + s * SECTOR_SIZE);
			if (!e)
				clear_bit(s, l->dirty_bat);
		}
		if (!e)
			e = vhd_sync(l);
		if (!err)
			err = e;
	}
	mutex_unlock(&vhd->meta_lock);
	blk_mq_unfreeze_queue(vhd->disk->queue);
	return err;
}

/* Footer right after the last block, then cut the file there. */
static int vhd_compact_trim(struct vhd_device *vhd, struct vhd_layer *l)
{
	struct vhd_bat_stats st;
	u64 end;
	int err;

	blk_mq_freeze_queue(vhd->disk->queue);
	err = vhd_layer_flush(vhd, l);
	mutex_lock(&vhd->meta_lock);
	if (!err)
		err = vhd_compact_stats(l, &st);
	end = err ? 0 : st.data_end;
	if (!err && end < l->footer_off) {
		err = vhd_meta_write(l, l->footer_raw, VHD_FOOTER_SIZE, end);
		if (!err)
			err = vhd_sync(l);
		if (!err) {
			l->footer_off = end;
			l->data_end = end;
			err = vfs_truncate(&l->file->f_path, end + VHD_FOOTER_SIZE);
		}
	}
	mutex_unlock(&vhd->meta_lock);
	blk_mq_unfreeze_queue(vhd->disk->queue);
	return err;
}

int vhd_op_check_compact(struct vhd_device *vhd)
{
	struct vhd_layer *l = vhd->layers[0];

	if (!l->writable) {
		vhd_warn(vhd, "compact refused: device is read-only");
		return -EROFS;
	}
	if (l->type == VHD_TYPE_FIXED) {
		vhd_warn(vhd, "compact refused: a fixed image has no blocks to drop");
		return -EINVAL;
	}
	return 0;
}

int vhd_op_compact(struct vhd_device *vhd)
{
	struct vhd_compact c = { .l = vhd->layers[0] };
	struct vhd_layer *l = c.l;
	bool done = false;
	int err;

	c.data = kvmalloc(VHD_COPY_CHUNK, GFP_KERNEL);
	c.below = kvmalloc(VHD_COPY_CHUNK, GFP_KERNEL);
	c.freed = kvmalloc_array(l->nr_blocks, sizeof(*c.freed), GFP_KERNEL);
	if (!c.data || !c.below || !c.freed) {
		err = -ENOMEM;
		goto out;
	}
	err = vhd_op_track(vhd, l->sect_shift);
	if (err)
		goto out;
	atomic_inc(&vhd->op.passes);
	err = vhd_compact_drop(vhd, &c);
	vhd_op_untrack(vhd, false);
	while (!err && !done) {
		if (vhd_op_cancelled(vhd))
			err = -ECANCELED;
		else
			err = vhd_compact_move_batch(vhd, &c, &done);
		cond_resched();
	}
	if (!err)
		err = vhd_compact_trim(vhd, l);
out:
	kvfree(c.freed);
	kvfree(c.below);
	kvfree(c.data);
	return err;
}
