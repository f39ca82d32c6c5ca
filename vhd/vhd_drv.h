/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhd.ko internals: one struct vhd_device per /dev/vhdN, one struct
 * vhd_layer per image of its chain (layers[0] is the image attached,
 * layers[i + 1] the parent of layers[i]). Documentation/vhd.rst has the
 * design, the locking and the crash-safety order.
 */
#ifndef VHD_DRV_H
#define VHD_DRV_H

#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>

#include "lib/vhd_format.h"

/* The uapi header repeats the library's VHD_TYPE_* macros, token for token. */
#include <linux/vhd.h>

#define VHD_NAME		"vhd"
/* The seed's virtual SCSI limit: 8 MiB per request. */
#define VHD_MAX_IO_SECTORS	(8U << (20 - SECTOR_SHIFT))

enum vhd_state {
	VHD_UNBOUND,
	VHD_BOUND,
	VHD_RUNDOWN,		/* detaching */
	VHD_DELETING,		/* being removed through the control device */
};

struct vhd_layer {
	struct file *file;
	char *path;		/* for sysfs and messages */
	u32 type;		/* VHD_TYPE_* */
	bool writable;		/* only layers[0] of a writable device */
	int iocb_flags;		/* IOCB_DIRECT or 0 */
	u64 sectors;		/* virtual size of this image */
	struct vhd_footer footer;
	u8 footer_raw[VHD_FOOTER_SIZE];	/* rewritten when the footer moves */

	/* dynamic and differencing images */
	struct vhd_dynhdr hdr;
	u32 nr_blocks;		/* BAT entries */
	u32 sect_shift;		/* log2(sectors per block) */
	__be32 *bat;		/* the whole BAT as on disk, bat_bytes long */
	struct xarray bitmaps;	/* block -> hdr.bitmap_size bytes */
	spinlock_t bm_lock;	/* bit updates of cached bitmaps */
	u32 allocated;		/* allocated BAT entries */
	/* writable layer: allocation state, under vhd_device.meta_lock */
	u64 data_end;		/* where the next block may start */
	u64 footer_off;		/* where the trailing footer sits */
	unsigned long *dirty_bitmaps;	/* bitmaps to write at next flush */
	unsigned long *dirty_bat;	/* BAT sectors to write at next flush */
};

struct vhd_device {
	int index;
	bool idr_visible;		/* under vhd_ctl_mutex */
	enum vhd_state state;		/* under lock */
	u32 flags;			/* VHD_FLAG_* in force */
	bool autoclear_armed;		/* claimed once since attach */
	struct mutex lock;		/* configuration */
	struct mutex sysfs_lock;	/* serialises visibility updates */
	struct mutex meta_lock;		/* allocation and metadata flush */

	struct blk_mq_tag_set tag_set;
	struct gendisk *disk;
	struct workqueue_struct *wq;

	int depth;
	struct vhd_layer *layers;	/* depth entries */
	struct list_head bound_node;	/* on vhd_bound_list while attached */
	u64 sectors;			/* exposed size */
};

/* Per-request state: the blk-mq PDU. */
struct vhd_cmd {
	struct work_struct work;
	struct vhd_device *vhd;
	atomic_t ref;			/* sub-I/Os in flight + submitter */
	atomic_t error;			/* first error, negative errno */
	struct bio_vec *bvec;		/* request's segments */
	struct bio_vec *bvec_alloc;	/* freed at completion */
	unsigned int nr_bvec;
	unsigned int bvec_offset;
};

/* main.c */
extern const struct attribute_group *vhd_disk_groups[];
void vhd_disk_changed(struct vhd_device *vhd, bool locked);

/* attach.c */
int vhd_ioctl_attach(struct vhd_device *vhd, struct block_device *bdev,
		     fmode_t mode, void __user *arg);
int vhd_ioctl_detach(struct vhd_device *vhd);
int vhd_ioctl_info(struct vhd_device *vhd, void __user *arg);
void vhd_release_autoclear(struct vhd_device *vhd);

/* layer.c */
int vhd_layer_open(struct vhd_device *vhd, struct vhd_layer *l,
		   struct file *file, bool top, const char **why);
void vhd_layer_close(struct vhd_layer *l);
int vhd_layer_link(struct vhd_device *vhd, struct vhd_layer *child,
		   struct vhd_layer *parent, int level);

/* io.c */
extern const struct blk_mq_ops vhd_mq_ops;

/* meta.c */
int vhd_file_io(struct file *file, void *buf, size_t len, u64 off,
		bool write, int flags);
int vhd_alloc_block(struct vhd_device *vhd, struct vhd_layer *l, u32 blk);
int vhd_flush(struct vhd_device *vhd);
int vhd_finish(struct vhd_device *vhd);
void vhd_mark_written(struct vhd_layer *l, u32 blk, u32 first, u32 count);

/* sysfs.c */
void vhd_sysfs_update(struct vhd_device *vhd);

/* One rate-limited line naming the device, for every refusal and error. */
#define vhd_warn(vhd, fmt, ...)						\
	dev_warn_ratelimited(disk_to_dev((vhd)->disk), fmt "\n", ##__VA_ARGS__)

static inline u32 vhd_bat_entry(const struct vhd_layer *l, u32 blk)
{
	/* Pairs with the release in vhd_alloc_block(): bitmap before entry. */
	return be32_to_cpu(smp_load_acquire(&l->bat[blk]));
}

static inline u8 *vhd_layer_bitmap(struct vhd_layer *l, u32 blk)
{
	return xa_load(&l->bitmaps, blk);
}

#endif /* VHD_DRV_H */
