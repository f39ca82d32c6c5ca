// SPDX-License-Identifier: GPL-2.0
/*
 * Online merge of layer k (a differencing image) into layer k + 1, its
 * parent, while I/O goes on (Documentation/vhd.rst, "Online merge"):
 *
 *  1. open k + 1 writable from the fd given (a layer struct of its own);
 *     track writes if k is the writable top;
 *  2. copy every sector k holds into k + 1, block by block, committing
 *     k + 1 (two-phase, as the data path does) at the end of the pass;
 *  3. redo blocks written meanwhile until few are left;
 *  4. freeze the queue: redo the last ones, commit k + 1, relink k - 1
 *     to k + 1 (k >= 1), and pivot: the chain loses layer k.
 *
 * Crash-safe and resumable at every point before the pivot: k is never
 * written by the merge, and k + 1 only gets sectors that k holds, so the
 * chain through k reads the same whatever part of the copy reached the
 * disk; running the merge again completes it. After a merge of the top
 * the old top is obsolete (its parent has moved on): vhdsetup --delete
 * removes it.
 */
#include <linux/file.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>

#include "vhd_drv.h"

struct vhd_merge {
	struct vhd_layer *src;		/* layer k */
	struct vhd_layer *dst;		/* layer k + 1, writable */
	u8 *buf;			/* VHD_COPY_CHUNK */
};

/* Copy what @src holds of one of its blocks (@unit) into @dst. */
static int vhd_merge_unit(struct vhd_device *vhd, u64 unit, void *ctx)
{
	struct vhd_merge *m = ctx;
	struct vhd_layer *src = m->src;
	u64 s = unit << src->sect_shift, pos;
	u64 end = min_t(u64, s + (1ULL << src->sect_shift), src->sectors);
	bool present;
	u32 run, max;
	int err;

	for (; s < end; s += run) {
		max = min_t(u64, end - s, VHD_COPY_CHUNK >> SECTOR_SHIFT);
		run = vhd_layer_run(src, s, max, &present, &pos);
		if (!present)
			continue;
		err = vhd_file_io(src->file, m->buf, (size_t)run << SECTOR_SHIFT,
				  pos, false, src->iocb_flags);
		if (!err)
			err = vhd_layer_write(vhd, m->dst, s, run, m->buf);
		if (err)
			return err;
	}
	return 0;
}

static struct vhd_layer *vhd_merge_child(struct vhd_device *vhd, int k,
					 struct file **file)
{
	struct vhd_layer *c = vhd->layers[k - 1];

	*file = (k == 1 && c->writable) ? c->file : vhd->op.child_file;
	return c;
}

int vhd_op_check_merge(struct vhd_device *vhd)
{
	struct vhd_op_ctx *op = &vhd->op;
	u32 k = op->args.level, i;
	struct vhd_layer *src, *dst, *child;
	struct file *cfile;
	int err;

	if (k + 2 > vhd->depth) {
		vhd_warn(vhd, "merge refused: layer %u has no parent in a chain of %d",
			 k, vhd->depth);
		return -EINVAL;
	}
	src = vhd->layers[k];
	dst = vhd->layers[k + 1];
	if (file_inode(op->file) != file_inode(dst->file)) {
		vhd_warn(vhd, "merge refused: fd is not layer %u (%s)", k + 1,
			 dst->path);
		return -EINVAL;
	}
	if (src->sectors > dst->sectors) {
		vhd_warn(vhd, "merge refused: layer %u is larger than its parent; grow %s first",
			 k, dst->path);
		return -EINVAL;
	}
	if (k == 0 && op->child_file) {
		vhd_warn(vhd, "merge refused: child_fd given for a merge of the top");
		return -EINVAL;
	}
	if (k >= 1) {
		child = vhd_merge_child(vhd, k, &cfile);
		if (!cfile || file_inode(cfile) != file_inode(child->file)) {
			vhd_warn(vhd, "merge refused: child_fd is not layer %u (%s)",
				 k - 1, child->path);
			return -EINVAL;
		}
		/* the relink copies k's locators, relative ones included */
		if (child->file->f_path.dentry->d_parent !=
		    src->file->f_path.dentry->d_parent) {
			vhd_warn(vhd, "merge refused: %s and %s are in different folders; merge offline",
				 child->path, src->path);
			return -EXDEV;
		}
		for (i = 0; i < VHD_MAX_LOCATORS; i++) {
			if (src->hdr.loc[i].code == VHD_PLAT_NONE ||
			    !src->hdr.loc[i].data_length)
				continue;
			if (child->hdr.loc[i].code == VHD_PLAT_NONE ||
			    child->hdr.loc[i].space_bytes <
			    src->hdr.loc[i].data_length) {
				vhd_warn(vhd, "merge refused: parent locator %u of %s does not fit in %s",
					 i, src->path, child->path);
				return -EINVAL;
			}
		}
		if (k >= 2) {
			err = vhd_claim_inode(vhd, 1, file_inode(cfile));
			if (err) {
				vhd_warn(vhd, "merge refused: %s is used by another device",
					 child->path);
				return err;
			}
		}
	}
	err = vhd_claim_inode(vhd, 0, file_inode(dst->file));
	if (err)
		vhd_warn(vhd, "merge refused: %s is used by another device",
			 dst->path);
	return err;
}

/* Point layer k - 1 at layer k + 1: locator payloads, then the header. */
static int vhd_merge_relink(struct vhd_device *vhd, int k)
{
	struct vhd_layer *src = vhd->layers[k], *dst = vhd->layers[k + 1];
	struct vhd_layer *child;
	struct vhd_dynhdr h;
	struct file *cfile;
	u32 i, len;
	u8 *buf;
	int err = 0;

	child = vhd_merge_child(vhd, k, &cfile);
	h = child->hdr;
	memcpy(h.parent_uuid, dst->footer.uuid, sizeof(h.parent_uuid));
	h.parent_timestamp = dst->footer.timestamp;
	memcpy(h.parent_name, src->hdr.parent_name, sizeof(h.parent_name));
	buf = kmalloc(VHD_MAX_LOCATOR_LEN, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < VHD_MAX_LOCATORS && !err; i++) {
		len = src->hdr.loc[i].data_length;
		if (src->hdr.loc[i].code == VHD_PLAT_NONE || !len) {
			memset(&h.loc[i], 0, sizeof(h.loc[i]));
			continue;
		}
		memset(buf, 0, VHD_MAX_LOCATOR_LEN);
		err = vhd_file_io(src->file, buf, len, src->hdr.loc[i].data_offset,
				  false, 0);
		if (!err)
			err = vhd_file_io(cfile, buf,
					  round_up(len, SECTOR_SIZE),
					  h.loc[i].data_offset, true, 0);
		h.loc[i].code = src->hdr.loc[i].code;
		h.loc[i].data_length = len;
	}
	kfree(buf);
	if (!err)
		err = vfs_fsync(cfile, 0);
	if (err)
		return err;
	buf = kmalloc(VHD_DYNHDR_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	vhd_dynhdr_encode(&h, buf);
	err = vhd_file_io(cfile, buf, VHD_DYNHDR_SIZE, child->footer.data_offset,
			  true, 0);
	kfree(buf);
	if (!err)
		err = vfs_fsync(cfile, 0);
	if (!err)
		child->hdr = h;
	return err;
}

static int vhd_merge_pivot(struct vhd_device *vhd, struct vhd_merge *m,
			   int k, bool tracked)
{
	struct vhd_layer **old = vhd->layers, **layers;
	int depth = vhd->depth, i, j, err;

	layers = kcalloc(depth - 1, sizeof(*layers), GFP_KERNEL);
	if (!layers)
		return -ENOMEM;
	err = vhd_op_pivot_begin(vhd, tracked, vhd_merge_unit, m, m->dst);
	if (!err && k >= 1) {
		err = vhd_merge_relink(vhd, k);
		if (err) {
			blk_mq_unfreeze_queue(vhd->disk->queue);
			mutex_unlock(&vhd->lock);
		}
	}
	if (err) {
		kfree(layers);
		return err;
	}
	for (i = 0, j = 0; i < depth; i++) {
		if (i == k)
			continue;
		layers[j++] = i == k + 1 ? m->dst : old[i];
	}
	m->dst->writable = k == 0 && m->src->writable;
	vhd_op_pivot_end(vhd, layers, depth - 1);
	/* layers k and the old struct of k + 1 are out of the chain */
	vhd_layer_close(old[k]);
	kfree(old[k]);
	vhd_layer_close(old[k + 1]);
	kfree(old[k + 1]);
	kfree(old);
	m->dst = NULL;
	return 0;
}

int vhd_op_merge(struct vhd_device *vhd)
{
	struct vhd_op_ctx *op = &vhd->op;
	int k = op->args.level;
	struct vhd_merge m = { .src = vhd->layers[k] };
	bool tracked = k == 0 && m.src->writable;
	u64 blk;
	int err;

	m.buf = kvmalloc(VHD_COPY_CHUNK, GFP_KERNEL);
	m.dst = kzalloc(sizeof(*m.dst), GFP_KERNEL);
	if (!m.buf || !m.dst) {
		err = -ENOMEM;
		goto out;
	}
	err = vhd_layer_dup(vhd, m.dst, op->file, true);
	if (err) {
		kfree(m.dst);
		m.dst = NULL;
		goto out;
	}
	if (tracked) {
		err = vhd_op_track(vhd, m.src->sect_shift);
		if (err)
			goto out;
	}
	atomic_inc(&op->passes);
	for (blk = 0; blk < m.src->nr_blocks; blk++) {
		if (vhd_op_cancelled(vhd)) {
			err = -ECANCELED;
			break;
		}
		if (vhd_bat_entry(m.src, blk) == VHD_BAT_UNUSED)
			continue;
		err = vhd_merge_unit(vhd, blk, &m);
		if (err)
			break;
		atomic64_add(1ULL << (m.src->sect_shift + SECTOR_SHIFT),
			     &op->bytes_done);
		vhd_op_pace();
	}
	/* commit what was copied, even when stopping: a re-run goes on */
	if (!err)
		err = vhd_layer_flush(vhd, m.dst);
	else
		vhd_layer_flush(vhd, m.dst);
	if (!err && tracked)
		err = vhd_op_passes(vhd, vhd_merge_unit, &m);
	if (!err && vhd_op_cancelled(vhd))
		err = -ECANCELED;
	if (!err)
		err = vhd_merge_pivot(vhd, &m, k, tracked);
	if (err && m.dst)
		vhd_layer_flush(vhd, m.dst);
out:
	if (m.dst) {
		vhd_layer_close(m.dst);
		kfree(m.dst);
	}
	kvfree(m.buf);
	return err;
}
