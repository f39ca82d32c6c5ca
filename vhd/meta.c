// SPDX-License-Identifier: GPL-2.0
/*
 * Metadata updates of the writable layer: block allocation and the
 * two-phase commit done at each flush (Documentation/vhd.rst, "Crash
 * safety", gives the order and why it is safe):
 *
 *  allocation (under meta_lock, process context):
 *	if the block does not fit before the trailing footer:
 *		write the footer at the new end (+ reserve), fsync
 *	zero the old footer, write the block's bitmap
 *	publish the BAT entry in memory, mark its BAT sector dirty
 *  flush (under meta_lock):
 *	snapshot dirty bitmaps; fsync (data, bitmaps of new blocks, footer)
 *	write the snapshots and the dirty BAT sectors; fsync
 *
 * An on-disk BAT entry or bitmap bit thus never points at data that is
 * not durable; a crash before the second fsync loses only unflushed
 * writes and may leak the space of blocks allocated since the last flush.
 */
#include <linux/fs.h>
#include <linux/falloc.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <linux/vmalloc.h>

#include "vhd_drv.h"

static unsigned int prealloc_blocks = 4;
module_param(prealloc_blocks, uint, 0644);
MODULE_PARM_DESC(prealloc_blocks, "Blocks reserved before the footer when it moves, so that most allocations need no fsync (default 4)");

/*
 * Crash tests: with fail_after_writes=N every metadata or copy write after
 * the N-th (since the parameter was set) fails with EIO and reaches
 * nothing, as if the power went at that point. 0: off.
 */
static atomic_t vhd_writes_seen = ATOMIC_INIT(0);
static int vhd_fail_after;

static int vhd_set_fail_after(const char *val, const struct kernel_param *kp)
{
	int err = param_set_int(val, kp);

	if (!err)
		atomic_set(&vhd_writes_seen, 0);
	return err;
}

static const struct kernel_param_ops vhd_fail_after_ops = {
	.set = vhd_set_fail_after,
	.get = param_get_int,
};
module_param_cb(fail_after_writes, &vhd_fail_after_ops, &vhd_fail_after, 0644);
MODULE_PARM_DESC(fail_after_writes, "Testing: fail every metadata/copy write after the N-th (0: off)");

static bool vhd_write_cut(void)
{
	int n = READ_ONCE(vhd_fail_after);

	return n > 0 && atomic_inc_return(&vhd_writes_seen) > n;
}

/* Bitmap snapshots written per fsync round of a flush. */
#define VHD_STAGE_BYTES	(128U << 10)

static const u8 vhd_zero_sector[SECTOR_SIZE];

/*
 * Synchronous metadata I/O. @flags is the layer's IOCB_DIRECT or 0, never
 * the file's own O_DIRECT. Direct I/O cannot take a kvec, so @buf (kmalloc
 * or vmalloc memory) is described page by page in a bvec; it needs @buf
 * 512-aligned (kmalloc of a power of two is naturally aligned).
 */
int vhd_file_io(struct file *file, void *buf, size_t len, u64 off,
		bool write, int flags)
{
	unsigned int nr = DIV_ROUND_UP(offset_in_page(buf) + len, PAGE_SIZE);
	struct bio_vec *bv;
	struct kiocb kiocb;
	struct iov_iter it;
	size_t done, chunk;
	unsigned int i;
	ssize_t ret;
	u8 *p = buf;

	if (write && vhd_write_cut())
		return -EIO;
	bv = kmalloc_array(nr, sizeof(*bv), GFP_NOIO);
	if (!bv)
		return -ENOMEM;
	for (i = 0, done = 0; done < len; i++, done += chunk) {
		chunk = min_t(size_t, len - done,
			      PAGE_SIZE - offset_in_page(p + done));
		bv[i].bv_page = is_vmalloc_addr(p + done) ?
				vmalloc_to_page(p + done) : virt_to_page(p + done);
		bv[i].bv_offset = offset_in_page(p + done);
		bv[i].bv_len = chunk;
	}
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = off;
	kiocb.ki_flags = (kiocb.ki_flags & ~IOCB_DIRECT) | flags;
	iov_iter_bvec(&it, write ? ITER_SOURCE : ITER_DEST, bv, i, len);
	if (write) {
		file_start_write(file);
		ret = call_write_iter(file, &kiocb, &it);
		file_end_write(file);
	} else {
		ret = call_read_iter(file, &kiocb, &it);
	}
	kfree(bv);
	if (ret == -EINVAL && (flags & IOCB_DIRECT))	/* misaligned image */
		return vhd_file_io(file, buf, len, off, write, 0);
	if (ret < 0)
		return ret;
	if (ret > 0 && ret < len)	/* short: the rest says why (ENOSPC...) */
		return vhd_file_io(file, p + ret, len - ret, off + ret, write,
				   flags);
	return ret == len ? 0 : -EIO;
}

int vhd_meta_write(struct vhd_layer *l, const void *src, size_t len, u64 off)
{
	void *buf;
	int err;

	buf = kmalloc(len, GFP_NOIO);	/* bounce: aligned for direct I/O */
	if (!buf)
		return -ENOMEM;
	memcpy(buf, src, len);
	err = vhd_file_io(l->file, buf, len, off, true, l->iocb_flags);
	kfree(buf);
	return err;
}

int vhd_sync(struct vhd_layer *l)
{
	int err = vfs_fsync(l->file, 0);

	return err == -EINVAL ? 0 : err;	/* no fsync: nothing cached */
}

/* Give the file space of [off, off + len) back; it then reads as zeros. */
int vhd_punch(struct vhd_layer *l, u64 off, u64 len)
{
	return vfs_fallocate(l->file, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
			     off, len);
}

/* The dynamic header, as l->hdr says, made durable. */
int vhd_write_header(struct vhd_layer *l)
{
	u8 *buf;
	int err;

	buf = kmalloc(VHD_DYNHDR_SIZE, GFP_NOIO);
	if (!buf)
		return -ENOMEM;
	vhd_dynhdr_encode(&l->hdr, buf);
	err = vhd_file_io(l->file, buf, VHD_DYNHDR_SIZE, l->footer.data_offset,
			  true, l->iocb_flags);
	kfree(buf);
	return err ? err : vhd_sync(l);
}

/*
 * The footer, as l->footer says: the trailing copy first (the one readers
 * trust), then the copy at 0 of a sparse image, each made durable.
 */
int vhd_write_footers(struct vhd_layer *l)
{
	int err;

	vhd_footer_encode(&l->footer, l->footer_raw);
	err = vhd_meta_write(l, l->footer_raw, VHD_FOOTER_SIZE, l->footer_off);
	if (!err)
		err = vhd_sync(l);
	if (err || l->type == VHD_TYPE_FIXED)
		return err;
	err = vhd_meta_write(l, l->footer_raw, VHD_FOOTER_SIZE, 0);
	return err ? err : vhd_sync(l);
}

void vhd_mark_written(struct vhd_layer *l, u32 blk, u32 first, u32 count)
{
	unsigned long flags;
	u8 *bm = vhd_layer_bitmap(l, blk);

	spin_lock_irqsave(&l->bm_lock, flags);
	vhd_bitmap_set_range(bm, first, count);
	spin_unlock_irqrestore(&l->bm_lock, flags);
	/* after the bits: a flush that clears this copies them */
	set_bit(blk, l->dirty_bitmaps);
}

void vhd_clear_bits(struct vhd_layer *l, u32 blk, u32 first, u32 count)
{
	unsigned long flags;
	u8 *bm = vhd_layer_bitmap(l, blk);

	spin_lock_irqsave(&l->bm_lock, flags);
	vhd_bitmap_clear_range(bm, first, count);
	spin_unlock_irqrestore(&l->bm_lock, flags);
	set_bit(blk, l->dirty_bitmaps);
}

/* Move the footer to @new_off durably before its old place is reused. */
int vhd_move_footer(struct vhd_layer *l, u64 new_off)
{
	u64 old = l->footer_off;
	int err;

	err = vhd_meta_write(l, l->footer_raw, VHD_FOOTER_SIZE, new_off);
	if (!err)
		err = vhd_sync(l);
	if (err)
		return err;
	l->footer_off = new_off;
	/* The old copy now lies in free space: blank it (reads as zeros). */
	return vhd_meta_write(l, vhd_zero_sector, VHD_FOOTER_SIZE, old);
}

int vhd_alloc_block(struct vhd_device *vhd, struct vhd_layer *l, u32 blk)
{
	struct vhd_alloc_plan p;
	u64 span = (u64)l->hdr.bitmap_size + l->hdr.block_size;
	bool fresh;
	u8 *bm;
	int err;

	mutex_lock(&vhd->meta_lock);
	if (be32_to_cpu(l->bat[blk]) != VHD_BAT_UNUSED) {
		err = 0;	/* another writer allocated it meanwhile */
		goto out;
	}
	err = vhd_alloc_plan(&l->hdr, l->data_end, &p);
	if (err) {
		vhd_warn(vhd, "cannot allocate block %u: %s", blk,
			 vhd_strerror(err));
		err = vhd_errno(err);
		goto out;
	}
	if (p.new_end > l->footer_off) {
		err = vhd_move_footer(l, p.new_end + prealloc_blocks * span);
		if (err)
			goto io_err;
	}
	/* A block freed by discard or compaction keeps its buffer. */
	bm = vhd_layer_bitmap(l, blk);
	fresh = !bm;
	if (fresh) {
		bm = kmalloc(l->hdr.bitmap_size, GFP_NOIO);
		if (!bm) {
			err = -ENOMEM;
			goto out;
		}
	}
	/*
	 * Dynamic: every sector present (the unwritten ones read as the
	 * zeros of the sparse file), so later writes need no bitmap update.
	 * Differencing: none, the parent shows through until written.
	 */
	spin_lock_irq(&l->bm_lock);
	memset(bm, l->type == VHD_TYPE_DYNAMIC ? 0xff : 0, l->hdr.bitmap_size);
	spin_unlock_irq(&l->bm_lock);
	err = vhd_meta_write(l, bm, l->hdr.bitmap_size, p.bitmap_off);
	if (!err && fresh)
		err = xa_err(xa_store(&l->bitmaps, blk, bm, GFP_NOIO));
	if (err) {
		if (fresh)
			kfree(bm);
		goto io_err;
	}
	/* Readers see the bitmap before the entry (vhd_bat_entry()). */
	smp_store_release(&l->bat[blk], cpu_to_be32(p.bat_sector));
	set_bit(blk / (SECTOR_SIZE / 4), l->dirty_bat);
	l->data_end = p.new_end;
	WRITE_ONCE(l->allocated, l->allocated + 1);
	goto out;

io_err:
	vhd_warn(vhd, "cannot allocate block %u in %s: error %d", blk,
		 l->path, err);
out:
	mutex_unlock(&vhd->meta_lock);
	return err;
}

/*
 * Unreference block @blk (meta_lock held): its BAT entry is written back
 * unused at the next flush. The slot is not reused by allocation (only
 * compaction moves blocks into holes, after that flush), and the cached
 * bitmap stays for a later allocation of the same block, so that a
 * completion racing with the free never touches freed memory.
 */
void vhd_free_block(struct vhd_layer *l, u32 blk)
{
	/* as vhd_alloc_block() publishes, pairs with vhd_bat_entry() */
	smp_store_release(&l->bat[blk], cpu_to_be32(VHD_BAT_UNUSED));
	set_bit(blk / (SECTOR_SIZE / 4), l->dirty_bat);
	clear_bit(blk, l->dirty_bitmaps);
	WRITE_ONCE(l->allocated, l->allocated - 1);
}

/* Copy up to @max dirty bitmaps into @stage; their numbers into @blks. */
static u32 vhd_snapshot_bitmaps(struct vhd_layer *l, u8 *stage, u32 *blks,
				u32 max, u32 *from)
{
	u32 size = l->hdr.bitmap_size, n = 0, blk;
	unsigned long flags;

	for (blk = *from; n < max; blk++) {
		blk = find_next_bit(l->dirty_bitmaps, l->nr_blocks, blk);
		if (blk >= l->nr_blocks)
			break;
		if (!test_and_clear_bit(blk, l->dirty_bitmaps))
			continue;
		if (be32_to_cpu(l->bat[blk]) == VHD_BAT_UNUSED)
			continue;	/* freed since it was marked */
		spin_lock_irqsave(&l->bm_lock, flags);
		memcpy(stage + (size_t)n * size, vhd_layer_bitmap(l, blk), size);
		spin_unlock_irqrestore(&l->bm_lock, flags);
		blks[n++] = blk;
	}
	*from = blk;
	return n;
}

static int vhd_write_bitmaps(struct vhd_layer *l, bool *synced)
{
	u32 size = l->hdr.bitmap_size, max, n, i, from = 0;
	u32 *blks;
	u8 *stage;
	int err = 0;

	if (bitmap_empty(l->dirty_bitmaps, l->nr_blocks))
		return 0;
	max = max_t(u32, 1, VHD_STAGE_BYTES / size);
	stage = kvmalloc((size_t)max * size, GFP_NOIO);
	blks = kmalloc_array(max, sizeof(*blks), GFP_NOIO);
	if (!stage || !blks) {
		err = -ENOMEM;
		goto out;
	}
	/* One pass over the bitmap: later marks wait for the next flush. */
	while (from < l->nr_blocks) {
		n = vhd_snapshot_bitmaps(l, stage, blks, max, &from);
		if (!n)
			break;
		/* the data the snapshot covers must be durable first */
		err = vhd_sync(l);
		*synced = true;
		for (i = 0; !err && i < n; i++)
			err = vhd_file_io(l->file, stage + (size_t)i * size,
					  size,
					  vhd_block_bitmap_off(be32_to_cpu(l->bat[blks[i]])),
					  true, l->iocb_flags);
		if (err) {
			for (i = 0; i < n; i++)
				set_bit(blks[i], l->dirty_bitmaps);
			break;
		}
	}
out:
	kfree(blks);
	kvfree(stage);
	return err;
}

static int vhd_write_bat(struct vhd_layer *l)
{
	u32 nr = l->hdr.bat_bytes >> SECTOR_SHIFT, s;
	int err;

	for_each_set_bit(s, l->dirty_bat, nr) {
		clear_bit(s, l->dirty_bat);
		err = vhd_meta_write(l, (u8 *)l->bat + s * SECTOR_SIZE,
				     SECTOR_SIZE,
				     l->hdr.table_offset + s * SECTOR_SIZE);
		if (err) {
			set_bit(s, l->dirty_bat);
			return err;
		}
	}
	return 0;
}

int vhd_flush(struct vhd_device *vhd)
{
	return vhd_layer_flush(vhd, vhd->layers[0]);
}

/* The two-phase commit of a writable layer (the top, or an op's target). */
int vhd_layer_flush(struct vhd_device *vhd, struct vhd_layer *l)
{
	bool synced = false, bat;
	int err;

	if (!l->writable)
		return 0;
	if (l->type == VHD_TYPE_FIXED)
		return vhd_sync(l);

	mutex_lock(&vhd->meta_lock);
	err = vhd_write_bitmaps(l, &synced);
	if (err)
		goto out;
	bat = !bitmap_empty(l->dirty_bat, l->hdr.bat_bytes >> SECTOR_SHIFT);
	if (bat && !synced) {
		/* bitmaps of new blocks before the entries naming them */
		err = vhd_sync(l);
		if (err)
			goto out;
	}
	if (bat)
		err = vhd_write_bat(l);
	if (!err)	/* the commit, or the plain flush of data */
		err = vhd_sync(l);
out:
	mutex_unlock(&vhd->meta_lock);
	if (err)
		vhd_warn(vhd, "flush of %s failed: error %d", l->path, err);
	return err;
}

/*
 * Detach: commit everything, then give back the reserve between the last
 * block and the footer (footer written at its final place and made durable
 * before the file is cut).
 */
int vhd_finish(struct vhd_device *vhd)
{
	struct vhd_layer *l = vhd->layers[0];
	u64 end;
	int err;

	err = vhd_flush(vhd);
	if (err || !l->writable || l->type == VHD_TYPE_FIXED)
		return err;
	if (l->footer_off < l->data_end + VHD_FOOTER_SIZE)
		return 0;
	end = l->data_end;
	err = vhd_meta_write(l, l->footer_raw, VHD_FOOTER_SIZE, end);
	if (!err)
		err = vhd_sync(l);
	if (err)
		return err;
	err = vfs_truncate(&l->file->f_path, end + VHD_FOOTER_SIZE);
	if (err) {
		/* still valid: the old footer stays last */
		vhd_warn(vhd, "cannot trim %s (%d); it keeps %llu spare bytes",
			 l->path, err, l->footer_off - end);
		return 0;
	}
	l->footer_off = end;
	return 0;
}
