// SPDX-License-Identifier: GPL-2.0
/*
 * Live storage migration: copy the top image (or, with VHD_OP_F_FLATTEN,
 * what the whole chain shows, as one dynamic image) into a new file while
 * I/O goes on, then switch the device to it (Documentation/vhd.rst,
 * "Online move"):
 *
 *  1. write an empty image of the right type into the new file and open
 *     it as a writable layer; reserve the room of the copy (ENOSPC now,
 *     not midway); track writes;
 *  2. copy every unit (a block of the top, or 2 MiB of a fixed top);
 *  3. redo units written meanwhile until few are left;
 *  4. freeze the queue, redo the last ones, commit the new file, pivot.
 *
 * The old files are never written, so a failure or cancel at any point
 * before the pivot leaves them as they were; the new file is then only a
 * partial copy, which vhdsetup removes.
 */
#include <linux/file.h>
#include <linux/falloc.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vhd_drv.h"

#define VHD_FIXED_UNIT_SHIFT	12	/* 2 MiB of sectors */

struct vhd_move {
	struct vhd_layer *src;		/* the top */
	struct vhd_layer *dst;		/* the new file */
	bool flatten;
	bool first;			/* first pass: dst still empty */
	u32 unit_shift;
	u8 *buf;
};

static bool vhd_all_zero(const u8 *buf, size_t len)
{
	return !memchr_inv(buf, 0, len);
}

/* Make @dst's view of one unit equal the source's. */
static int vhd_move_unit(struct vhd_device *vhd, u64 unit, void *ctx)
{
	struct vhd_move *m = ctx;
	u64 s = unit << m->unit_shift, pos;
	u64 end = min_t(u64, s + (1ULL << m->unit_shift), m->src->sectors);
	struct vhd_layer *owner;
	bool present;
	u32 run;
	int err;

	for (; s < end; s += run) {
		run = min_t(u64, end - s, VHD_COPY_CHUNK >> SECTOR_SHIFT);
		if (m->flatten) {
			vhd_chain_run(vhd, 0, s, run, &owner, &pos, &run);
			present = owner;
		} else {
			owner = m->src;
			run = vhd_layer_run(owner, s, run, &present, &pos);
		}
		if (!present) {
			/* the parent (top only) or zeros (flattened) show */
			err = vhd_layer_unmap(vhd, m->dst, s, run);
			if (err)
				return err;
			continue;
		}
		err = vhd_file_io(owner->file, m->buf,
				  (size_t)run << SECTOR_SHIFT, pos, false,
				  owner->iocb_flags);
		if (err)
			return err;
		/* a fresh sparse file already reads zeros */
		if (m->first && vhd_all_zero(m->buf, (size_t)run << SECTOR_SHIFT) &&
		    m->dst->type == VHD_TYPE_FIXED)
			continue;
		err = vhd_layer_write(vhd, m->dst, s, run, m->buf);
		if (err)
			return err;
	}
	return 0;
}

/* Does the first pass need to look at @unit at all? */
static bool vhd_move_unit_empty(struct vhd_device *vhd, struct vhd_move *m,
				u64 unit)
{
	u64 s = unit << m->unit_shift;
	u32 n = 1U << m->unit_shift;

	if (m->src->type == VHD_TYPE_FIXED)
		return false;
	if (m->flatten)
		return vhd_range_unallocated(vhd, 0, s, n);
	return vhd_bat_entry(m->src, unit) == VHD_BAT_UNUSED;
}

int vhd_op_check_move(struct vhd_device *vhd)
{
	struct vhd_op_ctx *op = &vhd->op;
	struct inode *inode = file_inode(op->file);
	int i, err;

	for (i = 0; i < vhd->depth; i++) {
		if (file_inode(vhd->layers[i]->file) == inode) {
			vhd_warn(vhd, "move refused: the new file is image %d of the chain (%s)",
				 i, vhd->layers[i]->path);
			return -EINVAL;
		}
	}
	if (i_size_read(inode)) {
		vhd_warn(vhd, "move refused: the new file is not empty");
		return -EEXIST;
	}
	err = vhd_claim_inode(vhd, 0, inode);
	if (err)
		vhd_warn(vhd, "move refused: the new file is used by another device");
	return err;
}

static int vhd_write_at(struct file *file, const void *src, size_t len,
			u64 off)
{
	void *buf = kmemdup(src, len, GFP_KERNEL);
	int err;

	if (!buf)
		return -ENOMEM;
	err = vhd_file_io(file, buf, len, off, true, 0);
	kfree(buf);
	return err;
}

/* An empty image in @file: a fixed copy's footer, or a sparse layout. */
static int vhd_move_create(struct vhd_device *vhd, struct file *file,
			   struct vhd_layer *src, u32 type)
{
	struct vhd_create_layout lay;
	struct vhd_footer f = src->footer;
	struct vhd_dynhdr h = src->hdr;
	u8 *buf, *bat;
	u32 i, j;
	int err;

	if (type == VHD_TYPE_FIXED) {
		err = vhd_write_at(file, src->footer_raw, VHD_FOOTER_SIZE,
				   src->footer_off);
		return err ? err : vfs_fsync(file, 0);
	}
	f.disk_type = type;
	f.data_offset = VHD_FOOTER_SIZE;
	if (type == VHD_TYPE_DYNAMIC) {
		memset(h.parent_uuid, 0, sizeof(h.parent_uuid));
		h.parent_timestamp = 0;
		memset(h.parent_name, 0, sizeof(h.parent_name));
		memset(h.loc, 0, sizeof(h.loc));
		j = 0;
	} else {
		/* keep the parent link; locators packed after the BAT */
		memset(h.loc, 0, sizeof(h.loc));
		for (i = 0, j = 0; i < VHD_MAX_LOCATORS; i++) {
			if (src->hdr.loc[i].code == VHD_PLAT_NONE ||
			    !src->hdr.loc[i].data_length)
				continue;
			h.loc[j].code = src->hdr.loc[i].code;
			h.loc[j].data_length = src->hdr.loc[i].data_length;
			j++;
		}
	}
	err = vhd_create_layout(&h, j, &lay);
	if (err)
		return vhd_errno(err);
	buf = kzalloc(max_t(u32, VHD_DYNHDR_SIZE, VHD_MAX_LOCATOR_LEN),
		      GFP_KERNEL);
	bat = kvmalloc(lay.bat_bytes, GFP_KERNEL);
	if (!buf || !bat) {
		err = -ENOMEM;
		goto out;
	}
	vhd_footer_encode(&f, buf);
	err = vhd_write_at(file, buf, VHD_FOOTER_SIZE, 0);
	if (!err)
		err = vhd_write_at(file, buf, VHD_FOOTER_SIZE, lay.data_end);
	vhd_dynhdr_encode(&h, buf);
	if (!err)
		err = vhd_write_at(file, buf, VHD_DYNHDR_SIZE, lay.header_off);
	memset(bat, 0xff, lay.bat_bytes);
	if (!err)
		err = vhd_file_io(file, bat, lay.bat_bytes, lay.bat_off, true, 0);
	for (i = 0, j = 0; !err && i < VHD_MAX_LOCATORS; i++) {
		if (src->hdr.loc[i].code == VHD_PLAT_NONE ||
		    !src->hdr.loc[i].data_length || type == VHD_TYPE_DYNAMIC)
			continue;
		memset(buf, 0, VHD_MAX_LOCATOR_LEN);
		err = vhd_file_io(src->file, buf, src->hdr.loc[i].data_length,
				  src->hdr.loc[i].data_offset, false, 0);
		if (!err)
			err = vhd_file_io(file, buf, lay.loc_space[j],
					  lay.loc_off[j], true, 0);
		j++;
	}
	if (!err)
		err = vfs_fsync(file, 0);
out:
	kvfree(bat);
	kfree(buf);
	return err;
}

/*
 * Reserve the room the copy takes (the blocks to copy, or a fixed image's
 * whole size) so that a filesystem without it fails the move at once with
 * ENOSPC, before any data is copied, rather than midway with a short
 * write. Blocks that writes allocate during the copy are not counted.
 */
static int vhd_move_reserve(struct vhd_device *vhd, struct vhd_move *m,
			    u64 units)
{
	struct vhd_layer *d = m->dst;
	u64 unit, n = 0, len;
	int err;

	if (d->type == VHD_TYPE_FIXED) {
		len = d->footer_off + VHD_FOOTER_SIZE;
	} else {
		for (unit = 0; unit < units; unit++) {
			if (!vhd_move_unit_empty(vhd, m, unit))
				n++;
			cond_resched();
		}
		len = d->data_end + VHD_FOOTER_SIZE +
		      n * ((u64)d->hdr.bitmap_size + d->hdr.block_size);
	}
	err = vfs_fallocate(d->file, FALLOC_FL_KEEP_SIZE, 0, len);
	if (err == -EOPNOTSUPP)
		return 0;	/* not all filesystems can: copy and see */
	if (err)
		vhd_warn(vhd, "move: cannot reserve %llu bytes in the new file (%d)",
			 len, err);
	return err;
}

static int vhd_move_pivot(struct vhd_device *vhd, struct vhd_move *m,
			  bool tracked)
{
	struct vhd_layer **old = vhd->layers, **layers;
	int depth = m->flatten ? 1 : vhd->depth, old_depth = vhd->depth, i;
	int err;

	layers = kcalloc(depth, sizeof(*layers), GFP_KERNEL);
	if (!layers)
		return -ENOMEM;
	err = vhd_op_pivot_begin(vhd, tracked, vhd_move_unit, m, m->dst);
	if (err) {
		kfree(layers);
		return err;
	}
	layers[0] = m->dst;
	for (i = 1; i < depth; i++)
		layers[i] = old[i];
	m->dst->writable = m->src->writable;
	vhd_op_pivot_end(vhd, layers, depth);
	for (i = 0; i < old_depth; i++) {
		if (i && i < depth)
			continue;	/* still in the chain */
		vhd_layer_close(old[i]);
		kfree(old[i]);
	}
	kfree(old);
	m->dst = NULL;
	return 0;
}

int vhd_op_move(struct vhd_device *vhd)
{
	struct vhd_op_ctx *op = &vhd->op;
	struct vhd_move m = {
		.src = vhd->layers[0],
		.flatten = (op->args.flags & VHD_OP_F_FLATTEN) && vhd->depth > 1,
		.first = true,
	};
	bool tracked = m.src->writable;
	u64 unit, units;
	u32 type;
	int err;

	m.unit_shift = m.src->type == VHD_TYPE_FIXED ? VHD_FIXED_UNIT_SHIFT :
		       m.src->sect_shift;
	type = m.flatten ? VHD_TYPE_DYNAMIC : m.src->type;
	units = DIV_ROUND_UP_ULL(m.src->sectors, 1ULL << m.unit_shift);
	m.buf = kvmalloc(VHD_COPY_CHUNK, GFP_KERNEL);
	m.dst = kzalloc(sizeof(*m.dst), GFP_KERNEL);
	if (!m.buf || !m.dst) {
		kfree(m.dst);
		m.dst = NULL;
		err = -ENOMEM;
		goto out;
	}
	err = vhd_move_create(vhd, op->file, m.src, type);
	if (!err)
		err = vhd_layer_dup(vhd, m.dst, op->file, true);
	if (err) {
		vhd_warn(vhd, "move: cannot make the new image (%d)", err);
		kfree(m.dst);
		m.dst = NULL;
		goto out;
	}
	err = vhd_move_reserve(vhd, &m, units);
	if (err)
		goto out;
	if (tracked) {
		err = vhd_op_track(vhd, m.unit_shift);
		if (err)
			goto out;
	}
	atomic_inc(&op->passes);
	for (unit = 0; unit < units && !err; unit++) {
		if (vhd_op_cancelled(vhd)) {
			err = -ECANCELED;
			break;
		}
		if (!vhd_move_unit_empty(vhd, &m, unit))
			err = vhd_move_unit(vhd, unit, &m);
		atomic64_add(min_t(u64, 1ULL << m.unit_shift,
				   m.src->sectors - (unit << m.unit_shift))
			     << SECTOR_SHIFT, &op->bytes_done);
		vhd_op_pace();
	}
	m.first = false;
	if (!err)
		err = vhd_layer_flush(vhd, m.dst);
	if (!err && tracked)
		err = vhd_op_passes(vhd, vhd_move_unit, &m);
	if (!err && vhd_op_cancelled(vhd))
		err = -ECANCELED;
	if (!err)
		err = vhd_move_pivot(vhd, &m, tracked);
out:
	if (m.dst) {
		vhd_layer_close(m.dst);
		kfree(m.dst);
	}
	kvfree(m.buf);
	return err;
}
