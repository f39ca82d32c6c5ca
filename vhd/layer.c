// SPDX-License-Identifier: GPL-2.0
/*
 * Open one image of a chain: decode and validate it with the format
 * library, then cache its whole BAT and the sector bitmap of every
 * allocated block, so that I/O never reads metadata from disk. Cost: the
 * BAT (4 bytes per entry) plus one bitmap (512 bytes for blocks up to
 * 2 MiB) per allocated block per layer: 256 KiB for a fully allocated
 * 1 TiB image with 2 MiB blocks. Reads here are synchronous (attach time).
 */
#include <linux/fs.h>
#include <linux/file.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>

#include "vhd_drv.h"

/* Buffered even on an O_DIRECT file: our buffers are not aligned. */
static int vhd_read_at(struct file *file, void *buf, size_t len, u64 off)
{
	return vhd_file_io(file, buf, len, off, false, 0);
}

static char *vhd_file_path(struct file *file)
{
	char *buf, *p, *res;

	buf = kmalloc(PATH_MAX, GFP_KERNEL);
	if (!buf)
		return NULL;
	p = file_path(file, buf, PATH_MAX);
	res = IS_ERR(p) ? kstrdup("?", GFP_KERNEL) : kstrdup(p, GFP_KERNEL);
	kfree(buf);
	return res;
}

/* IOCB_DIRECT when asked for and the file system can do it at 512 bytes. */
static void vhd_layer_dio(struct vhd_layer *l)
{
	struct inode *inode = file_inode(l->file);
	struct block_device *sb_bdev = inode->i_sb->s_bdev;

	if (!(l->iocb_flags & IOCB_DIRECT))
		return;
	if (!(l->file->f_mode & FMODE_CAN_ODIRECT) ||
	    (sb_bdev && bdev_logical_block_size(sb_bdev) > SECTOR_SIZE))
		l->iocb_flags &= ~IOCB_DIRECT;
}

static int vhd_load_bitmaps(struct vhd_layer *l)
{
	u32 size = l->hdr.bitmap_size;
	u32 i, sector;
	u8 *bm;
	int err;

	for (i = 0; i < l->nr_blocks; i++) {
		sector = be32_to_cpu(l->bat[i]);
		if (sector == VHD_BAT_UNUSED)
			continue;
		if (fatal_signal_pending(current))
			return -EINTR;
		bm = kmalloc(size, GFP_KERNEL);
		if (!bm)
			return -ENOMEM;
		err = vhd_read_at(l->file, bm, size,
				  vhd_block_bitmap_off(sector));
		if (!err)
			err = xa_err(xa_store(&l->bitmaps, i, bm, GFP_KERNEL));
		if (err) {
			kfree(bm);
			return err;
		}
		cond_resched();
	}
	return 0;
}

static int vhd_open_sparse(struct vhd_layer *l, u64 fsize, const char **why)
{
	struct vhd_bat_stats st;
	u8 *buf;
	int err;

	buf = kmalloc(VHD_DYNHDR_SIZE, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	err = vhd_read_at(l->file, buf, VHD_DYNHDR_SIZE, l->footer.data_offset);
	if (err) {
		kfree(buf);
		*why = "cannot read the dynamic header";
		return err;
	}
	err = vhd_dynhdr_decode(&l->hdr, buf, &l->footer, fsize);
	kfree(buf);
	if (err) {
		*why = vhd_strerror(err);
		return vhd_errno(err);
	}
	l->nr_blocks = l->hdr.max_table_entries;
	l->sect_shift = l->hdr.block_shift - SECTOR_SHIFT;

	l->bat = kvmalloc(l->hdr.bat_bytes, GFP_KERNEL);
	if (!l->bat)
		return -ENOMEM;
	err = vhd_read_at(l->file, l->bat, l->hdr.bat_bytes,
			  l->hdr.table_offset);
	if (err) {
		*why = "cannot read the BAT";
		return err;
	}
	err = vhd_bat_validate(&l->footer, &l->hdr, fsize, l->bat, &st);
	if (err) {
		*why = vhd_strerror(err);
		return vhd_errno(err);
	}
	l->allocated = st.allocated;
	l->footer_off = st.footer_off;
	l->data_end = max(st.data_end, st.footer_off);

	err = vhd_load_bitmaps(l);
	if (err) {
		*why = "cannot read the sector bitmaps";
		return err;
	}
	if (!l->writable)
		return 0;
	l->dirty_bitmaps = kvcalloc(BITS_TO_LONGS(l->nr_blocks),
				    sizeof(unsigned long), GFP_KERNEL);
	l->dirty_bat = kvcalloc(BITS_TO_LONGS(l->hdr.bat_bytes >> SECTOR_SHIFT),
				sizeof(unsigned long), GFP_KERNEL);
	if (!l->dirty_bitmaps || !l->dirty_bat)
		return -ENOMEM;
	return 0;
}

int vhd_layer_open(struct vhd_device *vhd, struct vhd_layer *l,
		   struct file *file, bool top, const char **why)
{
	u64 fsize = i_size_read(file_inode(file));
	int err;

	l->file = file;
	xa_init(&l->bitmaps);
	spin_lock_init(&l->bm_lock);
	l->path = vhd_file_path(file);
	if (!l->path)
		return -ENOMEM;
	vhd_layer_dio(l);

	if (fsize < VHD_FOOTER_SIZE) {
		*why = vhd_strerror(VHD_E_TRUNCATED);
		return vhd_errno(VHD_E_TRUNCATED);
	}
	err = vhd_read_at(file, l->footer_raw, VHD_FOOTER_SIZE,
			  fsize - VHD_FOOTER_SIZE);
	if (err) {
		*why = "cannot read the footer";
		return err;
	}
	err = vhd_footer_decode(&l->footer, l->footer_raw, VHD_FOOTER_SIZE,
				fsize, VHD_SIZE_AUTO);
	if (err) {
		*why = vhd_strerror(err);
		return vhd_errno(err);
	}
	/* A moved footer is always written whole, with a fresh checksum. */
	if (l->footer.footer_len != VHD_FOOTER_SIZE)
		vhd_footer_encode(&l->footer, l->footer_raw);
	l->type = l->footer.disk_type;
	l->sectors = l->footer.virtual_size >> SECTOR_SHIFT;
	l->footer_off = fsize - l->footer.footer_len;
	if (l->type == VHD_TYPE_FIXED)
		return 0;
	return vhd_open_sparse(l, fsize, why);
}

int vhd_layer_link(struct vhd_device *vhd, struct vhd_layer *child,
		   struct vhd_layer *parent, int level)
{
	u32 warn = 0;
	int err;

	err = vhd_parent_check(&child->hdr, &parent->footer, &warn);
	if (err) {
		vhd_warn(vhd, "attach refused: image %d (%s): %s: image %d (%s) is not its parent",
			 level - 1, child->path, vhd_strerror(err), level,
			 parent->path);
		return vhd_errno(err);
	}
	if (warn & VHD_W_PARENT_TIME)
		vhd_warn(vhd, "image %d (%s): parent timestamp differs from image %d's (ignored)",
			 level - 1, child->path, level);
	return 0;
}

void vhd_layer_close(struct vhd_layer *l)
{
	unsigned long i;
	void *bm;

	if (!l->file)		/* never opened: nothing initialised */
		return;
	xa_for_each(&l->bitmaps, i, bm)
		kfree(bm);
	xa_destroy(&l->bitmaps);
	kvfree(l->bat);
	kvfree(l->dirty_bitmaps);
	kvfree(l->dirty_bat);
	kfree(l->path);
	if (l->file)
		fput(l->file);
	memset(l, 0, sizeof(*l));
}
