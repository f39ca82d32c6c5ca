// SPDX-License-Identifier: GPL-2.0
/*
 * The frame of the online meta-operations (VHD_OP_START, VHD_OP_CANCEL,
 * VHD_OP_WAIT): argument checks, one kthread per operation, progress and
 * outcome for sysfs, and the dirty-unit tracking that lets merge, move
 * and compact copy data while writes go on.
 *
 * Locking: vhd->lock serialises start and the pivots (layer swaps) against
 * attach, detach and sysfs; the thread takes it only around a pivot, so
 * detach cancels and waits for the thread without holding it. The queue
 * is frozen around every change the data path must not see half done.
 */
#include <linux/file.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/moduleparam.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>

#include "vhd_drv.h"

static unsigned int op_unit_delay_ms;
module_param(op_unit_delay_ms, uint, 0644);
MODULE_PARM_DESC(op_unit_delay_ms, "Testing: sleep this long after each unit an online operation copies (default 0)");

/* Between units of work: yield, and slow down when a test asks to. */
void vhd_op_pace(void)
{
	unsigned int ms = READ_ONCE(op_unit_delay_ms);

	if (ms)
		msleep(min(ms, 1000U));
	cond_resched();
}

/* Each operation: its sysfs name, its checks (under vhd->lock), its run. */
static const struct vhd_op_type {
	const char *name;
	int (*check)(struct vhd_device *vhd);
	int (*run)(struct vhd_device *vhd);
} vhd_op_types[] = {
	[0] = { "none" },
	[VHD_OP_MERGE] = { "merge", vhd_op_check_merge, vhd_op_merge },
	[VHD_OP_RESIZE] = { "resize", vhd_op_check_resize, vhd_op_resize },
	[VHD_OP_COMPACT] = { "compact", vhd_op_check_compact, vhd_op_compact },
	[VHD_OP_MOVE] = { "move", vhd_op_check_move, vhd_op_move },
};

const char *vhd_op_name(u32 op)
{
	return op < ARRAY_SIZE(vhd_op_types) ? vhd_op_types[op].name : "?";
}

const char *vhd_op_state_name(enum vhd_op_state st)
{
	switch (st) {
	case VHD_OPS_IDLE:
		return "idle";
	case VHD_OPS_RUNNING:
		return "running";
	case VHD_OPS_DONE:
		return "done";
	case VHD_OPS_CANCELLED:
		return "cancelled";
	default:
		return "failed";
	}
}

bool vhd_op_cancelled(struct vhd_device *vhd)
{
	return READ_ONCE(vhd->op.cancel) || fatal_signal_pending(current);
}

/*
 * Track writes in units of 2^@unit_shift sectors from now on. The queue is
 * frozen while the map appears, so every write either completed before
 * (the copy that follows sees it) or marks its units when its request
 * completes (vhd_cmd_put()).
 */
int vhd_op_track(struct vhd_device *vhd, u32 unit_shift)
{
	struct vhd_op_ctx *op = &vhd->op;
	u64 units = DIV_ROUND_UP_ULL(vhd->layers[0]->sectors, 1ULL << unit_shift);
	unsigned long *map;

	map = kvcalloc(BITS_TO_LONGS(units), sizeof(long), GFP_KERNEL);
	if (!map)
		return -ENOMEM;
	blk_mq_freeze_queue(vhd->disk->queue);
	op->unit_shift = unit_shift;
	op->nr_units = units;
	WRITE_ONCE(op->dirty, map);
	blk_mq_unfreeze_queue(vhd->disk->queue);
	return 0;
}

/* Stop tracking; @frozen: the caller holds the queue frozen. */
void vhd_op_untrack(struct vhd_device *vhd, bool frozen)
{
	unsigned long *map = vhd->op.dirty;

	if (!map)
		return;
	if (!frozen)
		blk_mq_freeze_queue(vhd->disk->queue);
	WRITE_ONCE(vhd->op.dirty, NULL);
	if (!frozen)
		blk_mq_unfreeze_queue(vhd->disk->queue);
	kvfree(map);
}

void vhd_op_mark(struct vhd_device *vhd, u64 sector, u32 nr)
{
	unsigned long *map = READ_ONCE(vhd->op.dirty);
	u64 u, last;

	if (likely(!map) || !nr)
		return;
	last = (sector + nr - 1) >> vhd->op.unit_shift;
	for (u = sector >> vhd->op.unit_shift;
	     u <= last && u < vhd->op.nr_units; u++)
		set_bit(u, map);
}

/*
 * Copy passes over dirty units (merge, move): @copy(vhd, unit, ctx) redoes
 * one unit. Passes go on while a pass leaves more than @settle units dirty,
 * at most @max_passes times; the caller then freezes the queue for the
 * last pass (vhd_op_copy_dirty() with the queue frozen).
 */
int vhd_op_copy_dirty(struct vhd_device *vhd, vhd_unit_fn copy, void *ctx)
{
	struct vhd_op_ctx *op = &vhd->op;
	u64 u;
	int err;

	for_each_set_bit(u, op->dirty, op->nr_units) {
		if (vhd_op_cancelled(vhd))
			return -ECANCELED;
		clear_bit(u, op->dirty);
		err = copy(vhd, u, ctx);
		if (err) {
			set_bit(u, op->dirty);
			return err;
		}
		vhd_op_pace();
	}
	return 0;
}

int vhd_op_passes(struct vhd_device *vhd, vhd_unit_fn copy, void *ctx)
{
	struct vhd_op_ctx *op = &vhd->op;
	unsigned int pass, left;
	int err;

	for (pass = 0; pass < VHD_OP_MAX_PASSES; pass++) {
		left = bitmap_weight(op->dirty, op->nr_units);
		if (left <= VHD_OP_SETTLE_UNITS)
			return 0;
		atomic_inc(&op->passes);
		err = vhd_op_copy_dirty(vhd, copy, ctx);
		if (err)
			return err;
	}
	return 0;
}

/* The files an operation was given, and its claims on them, let go. */
static void vhd_op_put_files(struct vhd_device *vhd)
{
	struct vhd_op_ctx *op = &vhd->op;
	int i;

	for (i = 0; i < ARRAY_SIZE(op->busy); i++)
		vhd_claim_inode(vhd, i, NULL);
	if (op->file)
		fput(op->file);
	if (op->child_file)
		fput(op->child_file);
	op->file = NULL;
	op->child_file = NULL;
}

static int vhd_op_thread(void *data)
{
	struct vhd_device *vhd = data;
	struct vhd_op_ctx *op = &vhd->op;
	enum vhd_op_state st;
	unsigned int noio;
	int err;

	/* its file I/O must not recurse into reclaim through this device */
	noio = memalloc_noio_save();
	err = vhd_op_types[op->args.op].run(vhd);
	vhd_op_untrack(vhd, false);
	memalloc_noio_restore(noio);
	vhd_op_put_files(vhd);

	if (!err)
		st = VHD_OPS_DONE;
	else if (err == -ECANCELED)
		st = VHD_OPS_CANCELLED;
	else
		st = VHD_OPS_FAILED;
	if (err && err != -ECANCELED)
		vhd_warn(vhd, "%s failed: error %d", vhd_op_name(op->args.op),
			 err);
	op->error = err;
	/* the error before the state: vhd_op_get_state() */
	smp_store_release(&op->state, st);
	wake_up_all(&op->wait);
	complete(&op->done);
	return 0;
}

/* What the progress counts up to, known before the thread runs. */
static u64 vhd_op_total(struct vhd_device *vhd)
{
	struct vhd_layer *l = vhd->layers[0];

	switch (vhd->op.args.op) {
	case VHD_OP_MERGE:
		l = vhd->layers[vhd->op.args.level];
		return (u64)l->allocated << (l->sect_shift + SECTOR_SHIFT);
	case VHD_OP_RESIZE:
		return vhd->op.args.new_size;
	case VHD_OP_COMPACT:
		return (u64)l->allocated * l->hdr.block_size;
	default:
		return l->sectors << SECTOR_SHIFT;
	}
}

static int vhd_op_args(struct vhd_device *vhd, struct vhd_op *a,
		       void __user *arg)
{
	u32 usize;
	int err, i;

	if (get_user(usize, (u32 __user *)arg)) {
		vhd_warn(vhd, "operation refused: argument not readable");
		return -EFAULT;
	}
	if (usize < VHD_OP_SIZE_VER0 || usize > PAGE_SIZE) {
		vhd_warn(vhd, "operation refused: struct size %u not in %u..%lu",
			 usize, VHD_OP_SIZE_VER0, PAGE_SIZE);
		return usize > PAGE_SIZE ? -E2BIG : -EINVAL;
	}
	err = copy_struct_from_user(a, sizeof(*a), arg, usize);
	if (err) {
		vhd_warn(vhd, "operation refused: %s",
			 err == -E2BIG ? "unknown non-zero fields" :
			 "argument not readable");
		return err;
	}
	for (i = 0; i < ARRAY_SIZE(a->reserved); i++) {
		if (a->reserved[i]) {
			vhd_warn(vhd, "operation refused: reserved[%d] not zero", i);
			return -EINVAL;
		}
	}
	if (a->flags & ~VHD_OP_F_ALL) {
		vhd_warn(vhd, "operation refused: unknown flags 0x%x",
			 a->flags & ~VHD_OP_F_ALL);
		return -EINVAL;
	}
	if (a->op < VHD_OP_MERGE || a->op > VHD_OP_MOVE) {
		vhd_warn(vhd, "operation refused: unknown operation %u", a->op);
		return -EINVAL;
	}
	/* fields an operation does not use must be zero */
	if ((a->op != VHD_OP_MERGE && a->op != VHD_OP_MOVE && a->fd) ||
	    (a->op != VHD_OP_MERGE && a->level) ||
	    (!(a->flags & VHD_OP_F_CHILD_FD) && a->child_fd) ||
	    ((a->flags & VHD_OP_F_CHILD_FD) && a->op != VHD_OP_MERGE) ||
	    ((a->flags & VHD_OP_F_FLATTEN) && a->op != VHD_OP_MOVE) ||
	    (a->op != VHD_OP_RESIZE && a->new_size)) {
		vhd_warn(vhd, "%s refused: a field it does not use is not zero",
			 vhd_op_name(a->op));
		return -EINVAL;
	}
	return 0;
}

static struct file *vhd_op_fget(struct vhd_device *vhd, int fd,
				const char *what)
{
	struct file *f = fget(fd);

	if (!f) {
		vhd_warn(vhd, "operation refused: %s %d is not an open file",
			 what, fd);
		return ERR_PTR(-EBADF);
	}
	if (!S_ISREG(file_inode(f)->i_mode) ||
	    (f->f_mode & (FMODE_READ | FMODE_WRITE)) !=
	    (FMODE_READ | FMODE_WRITE)) {
		vhd_warn(vhd, "operation refused: %s is not a regular file open read-write",
			 what);
		fput(f);
		return ERR_PTR(-EBADF);
	}
	return f;
}

int vhd_ioctl_op_start(struct vhd_device *vhd, void __user *arg)
{
	struct vhd_op_ctx *op = &vhd->op;
	struct task_struct *task;
	struct vhd_op a, last;
	int err;

	err = vhd_op_args(vhd, &a, arg);
	if (err)
		return err;
	err = mutex_lock_killable(&vhd->lock);
	if (err)
		return err;
	if (vhd->state != VHD_BOUND) {
		vhd_warn(vhd, "%s refused: no image attached", vhd_op_name(a.op));
		err = -ENXIO;
		goto out;
	}
	if (READ_ONCE(op->state) == VHD_OPS_RUNNING) {
		vhd_warn(vhd, "%s refused: a %s is running", vhd_op_name(a.op),
			 vhd_op_name(op->args.op));
		err = -EBUSY;
		goto out;
	}
	/* the checks read op->args; a refusal keeps the last op's in sysfs */
	last = op->args;
	op->args = a;
	op->file = NULL;
	op->child_file = NULL;
	if (a.op == VHD_OP_MERGE || a.op == VHD_OP_MOVE) {
		op->file = vhd_op_fget(vhd, a.fd, "fd");
		if (IS_ERR(op->file)) {
			err = PTR_ERR(op->file);
			op->file = NULL;
			goto out_files;
		}
	}
	if (a.flags & VHD_OP_F_CHILD_FD) {
		op->child_file = vhd_op_fget(vhd, a.child_fd, "child_fd");
		if (IS_ERR(op->child_file)) {
			err = PTR_ERR(op->child_file);
			op->child_file = NULL;
			goto out_files;
		}
	}
	err = vhd_op_types[a.op].check(vhd);
	if (err)
		goto out_files;

	op->cancel = false;
	op->error = 0;
	atomic64_set(&op->bytes_done, 0);
	atomic64_set(&op->bytes_total, vhd_op_total(vhd));
	atomic_set(&op->passes, 0);
	reinit_completion(&op->done);
	WRITE_ONCE(op->state, VHD_OPS_RUNNING);
	task = kthread_run(vhd_op_thread, vhd, "vhd%d-%s", vhd->index,
			   vhd_op_name(a.op));
	if (IS_ERR(task)) {
		err = PTR_ERR(task);
		WRITE_ONCE(op->state, VHD_OPS_IDLE);
		goto out_files;
	}
	mutex_unlock(&vhd->lock);
	return 0;

out_files:
	vhd_op_put_files(vhd);
	op->args = last;
out:
	mutex_unlock(&vhd->lock);
	return err;
}

int vhd_ioctl_op_cancel(struct vhd_device *vhd)
{
	if (READ_ONCE(vhd->op.state) != VHD_OPS_RUNNING)
		return -ENXIO;
	WRITE_ONCE(vhd->op.cancel, true);
	return 0;
}

int vhd_ioctl_op_wait(struct vhd_device *vhd)
{
	struct vhd_op_ctx *op = &vhd->op;
	int err;

	err = wait_event_interruptible(op->wait, vhd_op_get_state(vhd) !=
				       VHD_OPS_RUNNING);
	if (err)
		return err;
	switch (op->state) {
	case VHD_OPS_IDLE:
	case VHD_OPS_DONE:
		return 0;
	case VHD_OPS_CANCELLED:
		return -ECANCELED;
	default:
		return op->error;
	}
}

/* Detach: cancel a running operation and wait for its thread (no lock held). */
void vhd_op_stop(struct vhd_device *vhd)
{
	if (vhd_op_get_state(vhd) != VHD_OPS_RUNNING)
		return;
	WRITE_ONCE(vhd->op.cancel, true);
	wait_for_completion(&vhd->op.done);
}

/*
 * The pivot of merge and move, first half: take vhd->lock, freeze the
 * queue, redo the last dirty units (@tracked), commit @dst. On error the
 * queue runs again and the lock is dropped.
 */
int vhd_op_pivot_begin(struct vhd_device *vhd, bool tracked, vhd_unit_fn copy,
		       void *ctx, struct vhd_layer *dst)
{
	int err;

	mutex_lock(&vhd->lock);
	blk_mq_freeze_queue(vhd->disk->queue);
	err = tracked ? vhd_op_copy_dirty(vhd, copy, ctx) : 0;
	if (!err)
		err = vhd_layer_flush(vhd, dst);
	if (!err)
		err = vhd_sync(dst);
	if (err) {
		blk_mq_unfreeze_queue(vhd->disk->queue);
		mutex_unlock(&vhd->lock);
	}
	return err;
}

/*
 * Second half: the chain becomes @layers (@depth of them), tracking ends,
 * I/O resumes, sysfs and udev hear of it. The caller frees what it no
 * longer uses.
 */
void vhd_op_pivot_end(struct vhd_device *vhd, struct vhd_layer **layers,
		      int depth)
{
	vhd_op_untrack(vhd, true);
	vhd_swap_layers(vhd, layers, depth);
	blk_mq_unfreeze_queue(vhd->disk->queue);
	mutex_unlock(&vhd->lock);
	vhd_sysfs_update(vhd);
	kobject_uevent(&disk_to_dev(vhd->disk)->kobj, KOBJ_CHANGE);
}
