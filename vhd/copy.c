// SPDX-License-Identifier: GPL-2.0
/*
 * Synchronous access to one layer or to the chain below a level, for the
 * online operations (merge, move, compact), which run in their own thread
 * while the data path goes on. They read through the cached BAT and
 * bitmaps as the data path does, and write a layer with the same
 * allocation and two-phase commit (meta.c).
 */
#include <linux/slab.h>

#include "vhd_drv.h"

/*
 * The run of sectors starting at @sector (below l->sectors) inside one
 * block of @l, at most @max long, that @l holds (*@present, at byte *@pos
 * of its file) or does not hold.
 */
u32 vhd_layer_run(struct vhd_layer *l, u64 sector, u32 max, bool *present,
		  u64 *pos)
{
	u32 blk, in, n, entry;
	u8 *bm;

	if (l->type == VHD_TYPE_FIXED) {
		*present = true;
		*pos = sector << SECTOR_SHIFT;
		return max;
	}
	blk = sector >> l->sect_shift;
	in = sector & ((1U << l->sect_shift) - 1);
	n = min_t(u32, max, (1U << l->sect_shift) - in);
	entry = vhd_bat_entry(l, blk);
	bm = entry == VHD_BAT_UNUSED ? NULL : vhd_layer_bitmap(l, blk);
	if (!bm) {
		*present = false;
		return n;
	}
	*pos = vhd_block_data_off(&l->hdr, entry) + ((u64)in << SECTOR_SHIFT);
	return vhd_bitmap_run(bm, in, in + n, present);
}

/*
 * Which layer, from @level down, holds the run at @sector: *@owner (NULL
 * for zeros), at byte *@pos of its file, for *@run sectors (<= @max).
 */
int vhd_chain_run(struct vhd_device *vhd, int level, u64 sector, u32 max,
		  struct vhd_layer **owner, u64 *pos, u32 *run)
{
	struct vhd_layer *l;
	bool present;
	u32 n;
	int i;

	for (i = level; i < vhd->depth; i++) {
		l = vhd->layers[i];
		if (sector >= l->sectors)
			break;
		max = min_t(u64, max, l->sectors - sector);
		n = vhd_layer_run(l, sector, max, &present, pos);
		if (present) {
			*owner = l;
			*run = n;
			return 0;
		}
		max = n;
		if (l->type != VHD_TYPE_DIFF)
			break;
	}
	*owner = NULL;
	*run = max;
	return 0;
}

/* @nr sectors at @sector as the chain from @level shows them. */
int vhd_chain_read(struct vhd_device *vhd, int level, u64 sector, u32 nr,
		   u8 *buf)
{
	struct vhd_layer *owner;
	u32 run;
	u64 pos;
	int err;

	while (nr) {
		vhd_chain_run(vhd, level, sector, nr, &owner, &pos, &run);
		if (owner) {
			err = vhd_file_io(owner->file, buf,
					  (size_t)run << SECTOR_SHIFT, pos, false,
					  owner->iocb_flags);
			if (err)
				return err;
		} else {
			memset(buf, 0, (size_t)run << SECTOR_SHIFT);
		}
		buf += (size_t)run << SECTOR_SHIFT;
		sector += run;
		nr -= run;
	}
	return 0;
}

/*
 * Write @nr sectors at @sector into @l (writable, not necessarily the
 * top), allocating blocks and marking bitmaps as the data path does; the
 * next vhd_layer_flush() commits them.
 */
int vhd_layer_write(struct vhd_device *vhd, struct vhd_layer *l,
		    u64 sector, u32 nr, const u8 *buf)
{
	u32 n, in, blk, entry;
	int err;
	u8 *bm;

	if (sector + nr > l->sectors)
		return -EINVAL;
	if (l->type == VHD_TYPE_FIXED)
		return vhd_file_io(l->file, (void *)buf,
				   (size_t)nr << SECTOR_SHIFT,
				   sector << SECTOR_SHIFT, true, l->iocb_flags);
	while (nr) {
		blk = sector >> l->sect_shift;
		in = sector & ((1U << l->sect_shift) - 1);
		n = min_t(u32, nr, (1U << l->sect_shift) - in);
		entry = vhd_bat_entry(l, blk);
		if (entry == VHD_BAT_UNUSED) {
			err = vhd_alloc_block(vhd, l, blk);
			if (err)
				return err;
			entry = vhd_bat_entry(l, blk);
		}
		err = vhd_file_io(l->file, (void *)buf,
				  (size_t)n << SECTOR_SHIFT,
				  vhd_block_data_off(&l->hdr, entry) +
				  ((u64)in << SECTOR_SHIFT), true, l->iocb_flags);
		if (err)
			return err;
		bm = vhd_layer_bitmap(l, blk);
		if (!vhd_bitmap_all(bm, in, n, true))
			vhd_mark_written(l, blk, in, n);
		sector += n;
		nr -= n;
		buf += (size_t)n << SECTOR_SHIFT;
	}
	return 0;
}

/*
 * Make @nr sectors at @sector of @l not held by it: bits cleared in
 * allocated blocks (the parent shows, or zeros), zeros in a fixed image.
 */
int vhd_layer_unmap(struct vhd_device *vhd, struct vhd_layer *l,
		    u64 sector, u32 nr)
{
	u32 n, in, blk;
	u8 *zero;
	int err;

	if (l->type == VHD_TYPE_FIXED) {
		zero = kzalloc((size_t)nr << SECTOR_SHIFT, GFP_KERNEL);
		if (!zero)
			return -ENOMEM;
		err = vhd_file_io(l->file, zero, (size_t)nr << SECTOR_SHIFT,
				  sector << SECTOR_SHIFT, true, l->iocb_flags);
		kfree(zero);
		return err;
	}
	while (nr) {
		blk = sector >> l->sect_shift;
		in = sector & ((1U << l->sect_shift) - 1);
		n = min_t(u32, nr, (1U << l->sect_shift) - in);
		if (vhd_bat_entry(l, blk) != VHD_BAT_UNUSED &&
		    !vhd_bitmap_all(vhd_layer_bitmap(l, blk), in, n, false))
			vhd_clear_bits(l, blk, in, n);
		sector += n;
		nr -= n;
	}
	return 0;
}

/*
 * Open @file as a new layer struct @l (zeroed by the caller), writable or
 * not, with the device's direct-I/O choice. Takes its own file reference.
 */
int vhd_layer_dup(struct vhd_device *vhd, struct vhd_layer *l,
		  struct file *file, bool writable)
{
	const char *why = NULL;
	int err;

	l->writable = writable;
	l->iocb_flags = (vhd->flags & VHD_FLAG_DIRECT_IO) ? IOCB_DIRECT : 0;
	err = vhd_layer_open(vhd, l, get_file(file), false, &why);
	if (err) {
		vhd_warn(vhd, "cannot open %s: %s (%d)", l->path ?: "?",
			 why ?: "cannot load metadata", err);
		vhd_layer_close(l);
	}
	return err;
}

/*
 * Copy @len bytes at @from to @to inside @l's file (buffered, as metadata
 * is), through @buf (VHD_COPY_CHUNK bytes) or a buffer of its own.
 */
int vhd_copy_within(struct vhd_layer *l, u8 *buf, u64 from, u64 to, u64 len)
{
	u8 *own = NULL;
	size_t n;
	int err = 0;

	if (!buf) {
		own = kvmalloc(VHD_COPY_CHUNK, GFP_KERNEL);
		if (!own)
			return -ENOMEM;
		buf = own;
	}
	for (; len && !err; from += n, to += n, len -= n) {
		n = min_t(u64, len, VHD_COPY_CHUNK);
		err = vhd_file_io(l->file, buf, n, from, false, 0);
		if (!err)
			err = vhd_file_io(l->file, buf, n, to, true, 0);
	}
	kvfree(own);
	return err;
}

/* Does no layer from @level down hold a block over [sector, +nr)? */
bool vhd_range_unallocated(struct vhd_device *vhd, int level, u64 sector,
			   u32 nr)
{
	struct vhd_layer *l;
	u64 blk, last;
	int i;

	for (i = level; i < vhd->depth; i++) {
		l = vhd->layers[i];
		if (sector >= l->sectors)
			return true;
		if (l->type == VHD_TYPE_FIXED)
			return false;
		last = min_t(u64, sector + nr, l->sectors) - 1;
		for (blk = sector >> l->sect_shift;
		     blk <= last >> l->sect_shift; blk++)
			if (vhd_bat_entry(l, blk) != VHD_BAT_UNUSED)
				return false;
		if (l->type != VHD_TYPE_DIFF)
			break;
	}
	return true;
}
