// SPDX-License-Identifier: GPL-2.0
/*
 * Online grow of the top image, with the queue frozen (it is quick: no
 * data is copied unless blocks sit where the BAT must grow). The order is
 * the offline tool's, so that a crash at any point leaves a valid image
 * of the old or the new size (Documentation/vhd.rst, "Online resize"):
 *
 *  fixed:  footer at the new end, sync; old footer zeroed, sync.
 *  sparse: blocks and locator payloads in the way of a longer BAT moved to
 *	    the end (copy, sync, pointer, sync); the BAT's new tail written
 *	    unused, sync; header with more entries, sync; footers, sync.
 *
 * Then the block device's capacity changes, with a uevent.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vhd_drv.h"

int vhd_op_check_resize(struct vhd_device *vhd)
{
	struct vhd_layer *l = vhd->layers[0];
	u64 size = vhd->op.args.new_size;

	if (!l->writable) {
		vhd_warn(vhd, "resize refused: device is read-only");
		return -EROFS;
	}
	if (!size || (size & (SECTOR_SIZE - 1)) || size > VHD_MAX_SIZE) {
		vhd_warn(vhd, "resize refused: size %llu not a multiple of 512 in 512..%llu",
			 size, VHD_MAX_SIZE);
		return -EINVAL;
	}
	if (size < (vhd->sectors << SECTOR_SHIFT)) {
		vhd_warn(vhd, "resize refused: %llu is smaller than the device (%llu); shrink offline with 'vhd resize'",
			 size, vhd->sectors << SECTOR_SHIFT);
		return -EINVAL;
	}
	return 0;
}

/* Make room for @len more bytes at data_end: the footer moves past them. */
static int vhd_reserve(struct vhd_layer *l, u64 end)
{
	if (end <= l->footer_off)
		return 0;
	return vhd_move_footer(l, end);
}

/*
 * Move block @blk to the end of data (meta_lock held, queue frozen, its
 * metadata committed): copy, sync, BAT entry, sync. Also used by
 * compaction to fill a hole (@to_sector not VHD_BAT_UNUSED).
 */
int vhd_relocate_block(struct vhd_layer *l, u32 blk, u32 to_sector)
{
	u64 span = (u64)l->hdr.bitmap_size + l->hdr.block_size;
	u32 from = be32_to_cpu(l->bat[blk]), s;
	struct vhd_alloc_plan p;
	u64 to;
	int err;

	if (to_sector == VHD_BAT_UNUSED) {
		err = vhd_alloc_plan(&l->hdr, l->data_end, &p);
		if (err)
			return vhd_errno(err);
		err = vhd_reserve(l, p.new_end);
		if (err)
			return err;
		to_sector = p.bat_sector;
		l->data_end = p.new_end;
	}
	to = vhd_block_bitmap_off(to_sector);
	err = vhd_copy_within(l, NULL, vhd_block_bitmap_off(from), to, span);
	if (!err)
		err = vhd_sync(l);
	if (err)
		return err;
	/* readers of the entry find the copy's bitmap (vhd_bat_entry()) */
	smp_store_release(&l->bat[blk], cpu_to_be32(to_sector));
	s = blk / (SECTOR_SIZE / 4);
	err = vhd_meta_write(l, (u8 *)l->bat + s * SECTOR_SIZE, SECTOR_SIZE,
			     l->hdr.table_offset + s * SECTOR_SIZE);
	if (!err)
		err = vhd_sync(l);
	return err;
}

static int vhd_move_locator(struct vhd_layer *l, int i)
{
	struct vhd_locator *loc = &l->hdr.loc[i];
	u64 len = vhd_locator_end(loc) - loc->data_offset;
	u64 to = round_up(l->data_end, SECTOR_SIZE);
	int err;

	err = vhd_reserve(l, to + len);
	if (!err)
		err = vhd_copy_within(l, NULL, loc->data_offset, to, len);
	if (!err)
		err = vhd_sync(l);
	if (err)
		return err;
	l->data_end = to + len;
	loc->data_offset = to;
	return vhd_write_header(l);
}

/* Grow the BAT to @entries (@bytes on disk), in memory and on disk. */
static int vhd_grow_bat(struct vhd_device *vhd, struct vhd_layer *l,
			u32 entries, u32 bytes)
{
	u64 bat_end = l->hdr.table_offset + bytes;
	unsigned long *dbm = NULL, *dbat = NULL;
	__be32 *bat;
	u32 blk;
	int i, err;

	if (l->footer.data_offset >= l->hdr.table_offset &&
	    l->footer.data_offset < bat_end)
		return -EINVAL;
	/* the op thread runs in a noio scope */
	bat = kvmalloc(bytes, GFP_KERNEL);
	dbm = kvcalloc(BITS_TO_LONGS(entries), sizeof(long), GFP_KERNEL);
	dbat = kvcalloc(BITS_TO_LONGS(bytes >> SECTOR_SHIFT), sizeof(long),
			GFP_KERNEL);
	if (!bat || !dbm || !dbat) {
		err = -ENOMEM;
		goto fail;
	}
	while ((blk = vhd_resize_block_conflict(&l->hdr, l->bat, bat_end)) !=
	       VHD_BAT_UNUSED) {
		if (l->data_end < bat_end)
			l->data_end = bat_end;
		err = vhd_relocate_block(l, blk, VHD_BAT_UNUSED);
		if (err)
			goto fail;
	}
	while ((i = vhd_resize_loc_conflict(&l->footer, &l->hdr, bat_end)) >= 0) {
		if (l->data_end < bat_end)
			l->data_end = bat_end;
		err = vhd_move_locator(l, i);
		if (err)
			goto fail;
	}
	if (l->footer_off < bat_end) {
		err = vhd_move_footer(l, bat_end);
		if (err)
			goto fail;
	}
	if (l->data_end < bat_end)
		l->data_end = bat_end;
	memset(bat, 0xff, bytes);
	memcpy(bat, l->bat, (size_t)l->nr_blocks * 4);
	/* unreferenced tail first, then the header that makes it count */
	err = vhd_file_io(l->file, bat, bytes, l->hdr.table_offset, true,
			  l->iocb_flags);
	if (!err)
		err = vhd_sync(l);
	if (err)
		goto fail;
	l->hdr.max_table_entries = entries;
	err = vhd_dynhdr_derive(&l->hdr);
	if (err) {
		err = vhd_errno(err);
		goto fail;
	}
	err = vhd_write_header(l);
	if (err)
		goto fail;
	kvfree(l->bat);
	kvfree(l->dirty_bitmaps);
	kvfree(l->dirty_bat);
	l->bat = bat;
	l->dirty_bitmaps = dbm;
	l->dirty_bat = dbat;
	l->nr_blocks = entries;
	return 0;
fail:
	kvfree(bat);
	kvfree(dbm);
	kvfree(dbat);
	return err;
}

static int vhd_grow(struct vhd_device *vhd, struct vhd_layer *l, u64 size)
{
	static const u8 zero[VHD_FOOTER_SIZE];
	u64 old = l->footer_off;
	u32 entries, bytes;
	int err;

	vhd_footer_set_size(&l->footer, size);
	if (l->type == VHD_TYPE_FIXED) {
		/* new footer at the new end first, then the old one zeroed */
		vhd_footer_encode(&l->footer, l->footer_raw);
		err = vhd_meta_write(l, l->footer_raw, VHD_FOOTER_SIZE, size);
		if (!err)
			err = vhd_sync(l);
		if (err)
			return err;
		l->footer_off = size;
		if (vhd_punch(l, old, VHD_FOOTER_SIZE))
			err = vhd_meta_write(l, zero, VHD_FOOTER_SIZE, old);
		return err ? err : vhd_sync(l);
	}
	err = vhd_resize_entries(&l->hdr, size, &entries, &bytes);
	if (err)
		return vhd_errno(err);
	if (entries > l->nr_blocks) {
		err = vhd_grow_bat(vhd, l, entries, bytes);
		if (err)
			return err;
	}
	return vhd_write_footers(l);
}

int vhd_op_resize(struct vhd_device *vhd)
{
	struct vhd_layer *l = vhd->layers[0];
	u64 size = vhd->op.args.new_size;
	int err;

	mutex_lock(&vhd->lock);
	blk_mq_freeze_queue(vhd->disk->queue);
	/* everything the data path left in memory goes to disk first */
	err = vhd_layer_flush(vhd, l);
	mutex_lock(&vhd->meta_lock);
	if (!err && size > (l->sectors << SECTOR_SHIFT))
		err = vhd_grow(vhd, l, size);
	if (err) {
		/* the image is valid at its old size; the struct says so too */
		vhd_footer_set_size(&l->footer, l->sectors << SECTOR_SHIFT);
	} else {
		l->sectors = max_t(u64, l->sectors, size >> SECTOR_SHIFT);
		vhd->sectors = size >> SECTOR_SHIFT;
	}
	mutex_unlock(&vhd->meta_lock);
	blk_mq_unfreeze_queue(vhd->disk->queue);
	mutex_unlock(&vhd->lock);
	if (err)
		return err;
	set_capacity_and_notify(vhd->disk, vhd->sectors);
	atomic64_set(&vhd->op.bytes_done, size);
	return 0;
}
