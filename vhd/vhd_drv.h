/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vhd.ko internals: one struct vhd_device per /dev/vhdN, one struct
 * vhd_layer per image of its chain (layers[0] is the image attached,
 * layers[i + 1] the parent of layers[i]). Documentation/vhd.rst has the
 * design, the locking and the crash-safety order.
 */
#ifndef VHD_DRV_H
#define VHD_DRV_H

#include <linux/atomic.h>
#include <linux/blk-mq.h>
#include <linux/blkdev.h>
#include <linux/completion.h>
#include <linux/fs.h>
#include <linux/mutex.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
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

enum vhd_op_state {
	VHD_OPS_IDLE,
	VHD_OPS_RUNNING,
	VHD_OPS_DONE,
	VHD_OPS_CANCELLED,
	VHD_OPS_FAILED,
};

/*
 * The online meta-operation of a device (op.c): one at a time, run by its
 * own kthread. Writes completed while @dirty is set mark their units
 * (2^@unit_shift sectors) there, so that copies can be redone.
 */
struct vhd_op_ctx {
	struct vhd_op args;
	enum vhd_op_state state;	/* under vhd_device.lock */
	int error;			/* negative errno of the last op */
	struct task_struct *task;
	struct completion done;
	wait_queue_head_t wait;		/* state leaves RUNNING */
	bool cancel;			/* READ_ONCE in the op */
	atomic64_t bytes_done;
	atomic64_t bytes_total;
	atomic_t passes;
	struct file *file;		/* args.fd */
	struct file *child_file;	/* args.child_fd */
	unsigned long *dirty;		/* set under a frozen queue */
	u32 unit_shift;
	u64 nr_units;
	/* inodes the op writes: no other device may attach them */
	struct inode *busy[2];
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
	struct vhd_layer **layers;	/* depth entries, each kmalloc'd */
	struct list_head bound_node;	/* on vhd_bound_list while attached */
	u64 sectors;			/* exposed size */
	struct vhd_op_ctx op;
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

/* Buffer of the operations' synchronous copies. */
#define VHD_COPY_CHUNK		SZ_1M

static inline enum vhd_op_state vhd_op_get_state(struct vhd_device *vhd)
{
	/* pairs with the release in vhd_op_thread(): error set before */
	return smp_load_acquire(&vhd->op.state);
}

/* main.c */
extern const struct attribute_group *vhd_disk_groups[];
void vhd_disk_changed(struct vhd_device *vhd, bool locked);

/* attach.c */
int vhd_claim_inode(struct vhd_device *vhd, int slot, struct inode *inode);
void vhd_swap_layers(struct vhd_device *vhd, struct vhd_layer **layers,
		     int depth);
void vhd_free_layers(struct vhd_layer **layers, int depth);
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
int vhd_meta_write(struct vhd_layer *l, const void *src, size_t len,
		   u64 off);
int vhd_sync(struct vhd_layer *l);
int vhd_punch(struct vhd_layer *l, u64 off, u64 len);
int vhd_move_footer(struct vhd_layer *l, u64 new_off);
int vhd_write_header(struct vhd_layer *l);
int vhd_write_footers(struct vhd_layer *l);
int vhd_alloc_block(struct vhd_device *vhd, struct vhd_layer *l, u32 blk);
void vhd_free_block(struct vhd_layer *l, u32 blk);
int vhd_flush(struct vhd_device *vhd);
int vhd_layer_flush(struct vhd_device *vhd, struct vhd_layer *l);
int vhd_finish(struct vhd_device *vhd);
void vhd_mark_written(struct vhd_layer *l, u32 blk, u32 first, u32 count);
void vhd_clear_bits(struct vhd_layer *l, u32 blk, u32 first, u32 count);

/* discard.c: REQ_OP_DISCARD and REQ_OP_WRITE_ZEROES */
int vhd_discard(struct vhd_device *vhd, u64 sector, u32 nr, bool zeroes);

/* copy.c: synchronous access to one layer, for the operations */
u32 vhd_layer_run(struct vhd_layer *l, u64 sector, u32 max, bool *present,
		  u64 *pos);
int vhd_chain_run(struct vhd_device *vhd, int level, u64 sector, u32 max,
		  struct vhd_layer **owner, u64 *pos, u32 *run);
int vhd_chain_read(struct vhd_device *vhd, int level, u64 sector, u32 nr,
		   u8 *buf);
int vhd_layer_write(struct vhd_device *vhd, struct vhd_layer *l,
		    u64 sector, u32 nr, const u8 *buf);
int vhd_layer_unmap(struct vhd_device *vhd, struct vhd_layer *l,
		    u64 sector, u32 nr);
int vhd_layer_dup(struct vhd_device *vhd, struct vhd_layer *l,
		  struct file *file, bool writable);
bool vhd_range_unallocated(struct vhd_device *vhd, int level, u64 sector,
			   u32 nr);
int vhd_copy_within(struct vhd_layer *l, u8 *buf, u64 from, u64 to, u64 len);

/* op.c: the online operations' frame */
int vhd_ioctl_op_start(struct vhd_device *vhd, void __user *arg);
int vhd_ioctl_op_cancel(struct vhd_device *vhd);
int vhd_ioctl_op_wait(struct vhd_device *vhd);
void vhd_op_stop(struct vhd_device *vhd);
const char *vhd_op_name(u32 op);
const char *vhd_op_state_name(enum vhd_op_state st);
bool vhd_op_cancelled(struct vhd_device *vhd);
void vhd_op_pace(void);
int vhd_op_track(struct vhd_device *vhd, u32 unit_shift);
void vhd_op_untrack(struct vhd_device *vhd, bool frozen);
void vhd_op_mark(struct vhd_device *vhd, u64 sector, u32 nr);
typedef int (*vhd_unit_fn)(struct vhd_device *vhd, u64 unit, void *ctx);
/* Copy passes end when at most this many units are dirty, or after 8. */
#define VHD_OP_SETTLE_UNITS	8
#define VHD_OP_MAX_PASSES	8
int vhd_op_copy_dirty(struct vhd_device *vhd, vhd_unit_fn copy, void *ctx);
int vhd_op_passes(struct vhd_device *vhd, vhd_unit_fn copy, void *ctx);
int vhd_op_pivot_begin(struct vhd_device *vhd, bool tracked, vhd_unit_fn copy,
		       void *ctx, struct vhd_layer *dst);
void vhd_op_pivot_end(struct vhd_device *vhd, struct vhd_layer **layers,
		      int depth);

/* merge.c, move.c, resize.c, compact.c: run in the op's kthread */
int vhd_op_check_merge(struct vhd_device *vhd);
int vhd_op_merge(struct vhd_device *vhd);
int vhd_op_check_move(struct vhd_device *vhd);
int vhd_op_move(struct vhd_device *vhd);
int vhd_op_check_resize(struct vhd_device *vhd);
int vhd_op_resize(struct vhd_device *vhd);
int vhd_relocate_block(struct vhd_layer *l, u32 blk, u32 to_sector);
int vhd_op_check_compact(struct vhd_device *vhd);
int vhd_op_compact(struct vhd_device *vhd);

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
