// SPDX-License-Identifier: GPL-2.0
/*
 * VHD_ATTACH, VHD_DETACH and VHD_GET_INFO: the one configure path of a
 * device (like loop's loop_configure()) and its teardown.
 */
#include <linux/file.h>
#include <linux/module.h>
#include <linux/uaccess.h>

#include "vhd_drv.h"

/* Attached devices, to refuse two writers (or a writer and a reader) of
 * one image: a writable top must not be used anywhere else, and a layer
 * must not be another device's writable top.
 */
static LIST_HEAD(vhd_bound_list);
static DEFINE_MUTEX(vhd_bound_mutex);

static bool vhd_layers_share(struct vhd_layer * const *a, int na,
			     const struct vhd_device *other)
{
	int i, j;

	for (i = 0; i < na; i++) {
		/* an online operation writes these files */
		for (j = 0; j < ARRAY_SIZE(other->op.busy); j++)
			if (file_inode(a[i]->file) == READ_ONCE(other->op.busy[j]))
				return true;
		for (j = 0; j < other->depth; j++)
			if (file_inode(a[i]->file) ==
			    file_inode(other->layers[j]->file) &&
			    (a[i]->writable || other->layers[j]->writable))
				return true;
	}
	return false;
}

/* Called with vhd_bound_mutex held. */
static struct vhd_device *vhd_image_user(struct vhd_layer **layers, int depth)
{
	struct vhd_device *other;

	list_for_each_entry(other, &vhd_bound_list, bound_node)
		if (vhd_layers_share(layers, depth, other))
			return other;
	return NULL;
}

/*
 * An online operation of @vhd is about to write @inode: refuse (EBUSY)
 * when another attached device uses it in any role, else record it in
 * op.busy[@slot] so that no device attaches it meanwhile. NULL releases.
 */
int vhd_claim_inode(struct vhd_device *vhd, int slot, struct inode *inode)
{
	struct vhd_device *other;
	int i, err = 0;

	mutex_lock(&vhd_bound_mutex);
	list_for_each_entry(other, &vhd_bound_list, bound_node) {
		if (other == vhd || !inode)
			continue;
		for (i = 0; i < other->depth; i++)
			if (file_inode(other->layers[i]->file) == inode)
				err = -EBUSY;
		for (i = 0; i < ARRAY_SIZE(other->op.busy); i++)
			if (other->op.busy[i] == inode)
				err = -EBUSY;
	}
	if (!err)
		WRITE_ONCE(vhd->op.busy[slot], inode);
	mutex_unlock(&vhd_bound_mutex);
	return err;
}

/* The pivot of an operation: other devices' checks see old or new. */
void vhd_swap_layers(struct vhd_device *vhd, struct vhd_layer **layers,
		     int depth)
{
	mutex_lock(&vhd_bound_mutex);
	vhd->layers = layers;
	vhd->depth = depth;
	mutex_unlock(&vhd_bound_mutex);
}

/* Checks of the struct alone; one message per refusal. */
static int vhd_attach_args(struct vhd_device *vhd, struct vhd_attach *a,
			   void __user *arg)
{
	u32 usize;
	int err, i;

	if (get_user(usize, (u32 __user *)arg)) {
		vhd_warn(vhd, "attach refused: argument not readable");
		return -EFAULT;
	}
	if (usize < VHD_ATTACH_SIZE_VER0) {
		vhd_warn(vhd, "attach refused: struct size %u too small", usize);
		return -EINVAL;
	}
	if (usize > PAGE_SIZE) {
		vhd_warn(vhd, "attach refused: struct size %u too large", usize);
		return -E2BIG;
	}
	err = copy_struct_from_user(a, sizeof(*a), arg, usize);
	if (err) {
		vhd_warn(vhd, "attach refused: %s",
			 err == -E2BIG ? "unknown non-zero fields" :
			 "argument not readable");
		return err;
	}
	if (a->__pad) {
		vhd_warn(vhd, "attach refused: __pad not zero");
		return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(a->reserved); i++) {
		if (a->reserved[i]) {
			vhd_warn(vhd, "attach refused: reserved[%d] not zero", i);
			return -EINVAL;
		}
	}
	if (a->flags & ~VHD_FLAG_ALL) {
		vhd_warn(vhd, "attach refused: unknown flags 0x%x",
			 a->flags & ~VHD_FLAG_ALL);
		return -EINVAL;
	}
	if (a->nr_fds < 1 || a->nr_fds > VHD_MAX_DEPTH) {
		vhd_warn(vhd, "attach refused: nr_fds %u not in 1..%u",
			 a->nr_fds, VHD_MAX_DEPTH);
		return -EINVAL;
	}
	if (a->size_override & (SECTOR_SIZE - 1)) {
		vhd_warn(vhd, "attach refused: size_override not a multiple of 512");
		return -EINVAL;
	}
	return 0;
}

/* Parents are only read: open our own read-only file on the same path. */
static struct file *vhd_reopen_ro(struct file *file)
{
	return dentry_open(&file->f_path, O_RDONLY | O_LARGEFILE,
			   file->f_cred);
}

void vhd_free_layers(struct vhd_layer **layers, int depth)
{
	int i;

	for (i = 0; i < depth; i++) {
		if (!layers[i])
			continue;
		vhd_layer_close(layers[i]);
		kfree(layers[i]);
	}
	kfree(layers);
}

static int vhd_open_chain(struct vhd_device *vhd, const struct vhd_attach *a,
			  bool ro, struct vhd_layer ***out)
{
	struct vhd_layer **layers;
	const char *why = NULL;
	int depth = 0, err = 0, i, j;

	layers = kcalloc(a->nr_fds, sizeof(*layers), GFP_KERNEL);
	if (!layers)	/* the allocator has already said why */
		return -ENOMEM;

	for (i = 0; i < a->nr_fds; i++) {
		struct file *f, *use;
		struct inode *inode;
		bool dio;

		layers[i] = kzalloc(sizeof(*layers[i]), GFP_KERNEL);
		if (!layers[i]) {
			err = -ENOMEM;
			goto fail;
		}
		f = fget(a->fds[i]);
		if (!f) {
			vhd_warn(vhd, "attach refused: fds[%d] (%d) is not an open file",
				 i, a->fds[i]);
			err = -EBADF;
			goto fail;
		}
		inode = file_inode(f);
		if (!S_ISREG(inode->i_mode)) {
			vhd_warn(vhd, "attach refused: fds[%d] is not a regular file", i);
			fput(f);
			err = -EINVAL;
			goto fail;
		}
		for (j = 0; j < i; j++) {
			if (file_inode(layers[j]->file) == inode) {
				vhd_warn(vhd, "attach refused: fds[%d] repeats image %d of the chain (loop)",
					 i, j);
				fput(f);
				err = -ELOOP;
				goto fail;
			}
		}
		if (i == 0 && !(f->f_mode & FMODE_READ)) {
			vhd_warn(vhd, "attach refused: image fd not open for reading");
			fput(f);
			err = -EBADF;
			goto fail;
		}
		dio = (a->flags & VHD_FLAG_DIRECT_IO) || (f->f_flags & O_DIRECT);
		if (i > 0) {
			use = vhd_reopen_ro(f);
			fput(f);
			if (IS_ERR(use)) {
				err = PTR_ERR(use);
				vhd_warn(vhd, "attach refused: cannot open parent %d read-only (%d)",
					 i, err);
				goto fail;
			}
		} else {
			use = f;
		}
		layers[i]->writable = i == 0 && !ro && (use->f_mode & FMODE_WRITE);
		layers[i]->iocb_flags = dio ? IOCB_DIRECT : 0;
		err = vhd_layer_open(vhd, layers[i], use, i == 0, &why);
		depth = i + 1;	/* close it on failure too */
		if (err) {
			vhd_warn(vhd, "attach refused: image %d (%s): %s (%d)", i,
				 layers[i]->path ?: "?",
				 why ?: (err == -ENOMEM ? "out of memory" :
					 err == -EINTR ? "interrupted" :
					 "cannot load metadata"), err);
			goto fail;
		}
		if (i > 0) {
			err = vhd_layer_link(vhd, layers[i - 1], layers[i], i);
			if (err)
				goto fail;
		}
		if (layers[i]->type != VHD_TYPE_DIFF)
			break;
	}

	if (layers[depth - 1]->type == VHD_TYPE_DIFF) {
		vhd_warn(vhd, "attach refused: image %d (%s): %s", depth - 1,
			 layers[depth - 1]->path ?: "?",
			 vhd_strerror(VHD_E_NO_PARENT));
		err = -ENOENT;
		goto fail;
	}
	if (depth < a->nr_fds) {
		vhd_warn(vhd, "attach refused: %u fds given but image %d (%s) has no parent",
			 a->nr_fds, depth - 1, layers[depth - 1]->path ?: "?");
		err = -EINVAL;
		goto fail;
	}
	*out = layers;
	return depth;

fail:
	vhd_free_layers(layers, a->nr_fds);
	return err;
}

static void vhd_setup_queue(struct vhd_device *vhd)
{
	struct request_queue *q = vhd->disk->queue;
	bool ro = vhd->flags & VHD_FLAG_READ_ONLY;

	/* FUA is emulated by the block layer with a post-flush. */
	blk_queue_write_cache(q, !ro, false);
	/* Every image type reads zeros after either (discard.c). */
	q->limits.discard_granularity = ro ? 0 : SECTOR_SIZE;
	blk_queue_max_discard_sectors(q, ro ? 0 : VHD_MAX_IO_SECTORS);
	blk_queue_max_write_zeroes_sectors(q, ro ? 0 : VHD_MAX_IO_SECTORS);
	if (vhd->layers[0]->iocb_flags & IOCB_DIRECT)
		vhd->flags |= VHD_FLAG_DIRECT_IO;
	else
		vhd->flags &= ~VHD_FLAG_DIRECT_IO;
}

int vhd_ioctl_attach(struct vhd_device *vhd, struct block_device *bdev,
		     fmode_t mode, void __user *arg)
{
	struct vhd_attach a;
	struct vhd_device *other;
	struct vhd_layer **layers = NULL;
	bool ro, partscan;
	u64 size;
	int err, depth;

	err = vhd_attach_args(vhd, &a, arg);
	if (err)
		return err;

	/* Do not change a device under an exclusive owner (as loop). */
	if (!(mode & FMODE_EXCL)) {
		err = bd_prepare_to_claim(bdev, vhd_ioctl_attach);
		if (err) {
			vhd_warn(vhd, "attach refused: device claimed by another user");
			return err;
		}
	}
	err = mutex_lock_killable(&vhd->lock);
	if (err)
		goto out_claim;
	if (vhd->state != VHD_UNBOUND) {
		vhd_warn(vhd, "attach refused: device already attached");
		err = -EBUSY;
		goto out_unlock;
	}

	ro = (a.flags & VHD_FLAG_READ_ONLY) || !(mode & FMODE_WRITE);
	depth = vhd_open_chain(vhd, &a, ro, &layers);
	if (depth < 0) {
		err = depth;
		goto out_unlock;
	}
	if (!layers[0]->writable)
		ro = true;
	size = layers[0]->sectors << SECTOR_SHIFT;
	if (a.size_override) {
		if (a.size_override > size) {
			vhd_warn(vhd, "attach refused: size_override %llu above the image's %llu",
				 a.size_override, size);
			vhd_free_layers(layers, depth);
			err = -EINVAL;
			goto out_unlock;
		}
		size = a.size_override;
	}

	mutex_lock(&vhd_bound_mutex);
	other = vhd_image_user(layers, depth);
	if (other) {
		mutex_unlock(&vhd_bound_mutex);
		vhd_warn(vhd, "attach refused: image already attached to vhd%d with a writer",
			 other->index);
		vhd_free_layers(layers, depth);
		err = -EBUSY;
		goto out_unlock;
	}

	/* This is safe: the opener holds a reference (as loop does). */
	__module_get(THIS_MODULE);

	blk_mq_freeze_queue(vhd->disk->queue);
	vhd->layers = layers;
	vhd->depth = depth;
	vhd->sectors = size >> SECTOR_SHIFT;
	vhd->flags = a.flags & ~VHD_FLAG_READ_ONLY;
	vhd->autoclear_armed = false;
	vhd->op.state = VHD_OPS_IDLE;
	vhd->op.args.op = 0;
	vhd->op.error = 0;
	if (ro)
		vhd->flags |= VHD_FLAG_READ_ONLY;
	vhd_setup_queue(vhd);
	blk_mq_unfreeze_queue(vhd->disk->queue);
	list_add_tail(&vhd->bound_node, &vhd_bound_list);
	mutex_unlock(&vhd_bound_mutex);

	dev_set_uevent_suppress(disk_to_dev(vhd->disk), 1);
	disk_force_media_change(vhd->disk, DISK_EVENT_MEDIA_CHANGE);
	set_disk_ro(vhd->disk, ro);
	set_capacity(vhd->disk, vhd->sectors);
	partscan = vhd->flags & VHD_FLAG_PARTSCAN;
	if (partscan)
		clear_bit(GD_SUPPRESS_PART_SCAN, &vhd->disk->state);
	vhd->state = VHD_BOUND;
	dev_set_uevent_suppress(disk_to_dev(vhd->disk), 0);
	kobject_uevent(&disk_to_dev(vhd->disk)->kobj, KOBJ_CHANGE);
	mutex_unlock(&vhd->lock);

	vhd_sysfs_update(vhd);
	if (partscan)
		vhd_disk_changed(vhd, false);
	if (!(mode & FMODE_EXCL))
		bd_abort_claiming(bdev, vhd_ioctl_attach);
	return 0;

out_unlock:
	mutex_unlock(&vhd->lock);
out_claim:
	if (!(mode & FMODE_EXCL))
		bd_abort_claiming(bdev, vhd_ioctl_attach);
	return err;
}

/*
 * Tear down a device in VHD_RUNDOWN. @release: called from ->release with
 * open_mutex held and no opener left, so no I/O can be in flight.
 */
static void vhd_clear(struct vhd_device *vhd, bool release)
{
	struct request_queue *q = vhd->disk->queue;
	struct vhd_layer **layers;
	int depth, err;
	bool partscan;

	if (!release)
		blk_mq_freeze_queue(q);
	err = vhd_finish(vhd);
	if (err)
		vhd_warn(vhd, "detach: metadata write-back failed (%d); the image may need 'vhd check --repair'",
			 err);
	mutex_lock(&vhd_bound_mutex);
	list_del_init(&vhd->bound_node);
	mutex_unlock(&vhd_bound_mutex);
	layers = vhd->layers;
	depth = vhd->depth;
	vhd->layers = NULL;
	vhd->depth = 0;
	vhd->sectors = 0;
	blk_queue_write_cache(q, false, false);
	set_capacity(vhd->disk, 0);
	if (!release)
		blk_mq_unfreeze_queue(q);

	disk_force_media_change(vhd->disk, DISK_EVENT_MEDIA_CHANGE);
	partscan = vhd->flags & VHD_FLAG_PARTSCAN;
	if (partscan)
		vhd_disk_changed(vhd, release);
	set_bit(GD_SUPPRESS_PART_SCAN, &vhd->disk->state);
	kobject_uevent(&disk_to_dev(vhd->disk)->kobj, KOBJ_CHANGE);

	mutex_lock(&vhd->lock);
	vhd->flags = 0;
	vhd->state = VHD_UNBOUND;
	mutex_unlock(&vhd->lock);
	vhd_sysfs_update(vhd);

	/* fput() may take open_mutex of another disk: not under our lock. */
	vhd_free_layers(layers, depth);
	module_put(THIS_MODULE);
}

int vhd_ioctl_detach(struct vhd_device *vhd)
{
	struct block_device *whole = vhd->disk->part0;
	int err;

again:
	err = mutex_lock_killable(&vhd->lock);
	if (err)
		return err;
	if (vhd->state != VHD_BOUND) {
		mutex_unlock(&vhd->lock);
		return -ENXIO;
	}
	if (disk_openers(vhd->disk) > 1) {
		/*
		 * Mounted or claimed by another driver: refuse. Other
		 * openers (blkid from udev...) get loop's answer: detach
		 * on last close.
		 */
		if (data_race(whole->bd_holders) > 0) {
			mutex_unlock(&vhd->lock);
			vhd_warn(vhd, "detach refused: device in use (mounted or claimed)");
			return -EBUSY;
		}
		vhd->flags |= VHD_FLAG_AUTOCLEAR;
		vhd->autoclear_armed = true;
		mutex_unlock(&vhd->lock);
		return 0;
	}
	if (READ_ONCE(vhd->op.state) == VHD_OPS_RUNNING) {
		/* its pivot takes the lock: cancel and wait without it */
		mutex_unlock(&vhd->lock);
		vhd_op_stop(vhd);
		goto again;
	}
	vhd->state = VHD_RUNDOWN;
	mutex_unlock(&vhd->lock);
	vhd_clear(vhd, false);
	return 0;
}

void vhd_release_autoclear(struct vhd_device *vhd)
{
	/* no opener is left, so no new operation can start */
	if (vhd->flags & VHD_FLAG_AUTOCLEAR)
		vhd_op_stop(vhd);
	mutex_lock(&vhd->lock);
	if (vhd->state == VHD_BOUND && (vhd->flags & VHD_FLAG_AUTOCLEAR) &&
	    vhd->autoclear_armed) {
		vhd->state = VHD_RUNDOWN;
		mutex_unlock(&vhd->lock);
		vhd_clear(vhd, true);
		return;
	}
	mutex_unlock(&vhd->lock);
}

int vhd_ioctl_info(struct vhd_device *vhd, void __user *arg)
{
	struct vhd_info info = {};
	struct vhd_layer *top;
	u32 usize;
	int err;

	if (get_user(usize, (u32 __user *)arg)) {
		vhd_warn(vhd, "get_info refused: argument not readable");
		return -EFAULT;
	}
	if (usize < VHD_INFO_SIZE_VER0) {
		vhd_warn(vhd, "get_info refused: struct size %u too small", usize);
		return -EINVAL;
	}
	err = mutex_lock_killable(&vhd->lock);
	if (err)
		return err;
	if (vhd->state != VHD_BOUND) {
		mutex_unlock(&vhd->lock);
		return -ENXIO;
	}
	top = vhd->layers[0];
	info.size = min_t(u32, usize, sizeof(info));
	info.flags = vhd->flags;
	info.type = top->type;
	info.depth = vhd->depth;
	info.index = vhd->index;
	info.block_size = top->type == VHD_TYPE_FIXED ? 0 : top->hdr.block_size;
	info.virtual_size = vhd->sectors << SECTOR_SHIFT;
	info.allocated_blocks = READ_ONCE(top->allocated);
	info.max_blocks = top->nr_blocks;
	memcpy(info.unique_id, top->footer.uuid, sizeof(info.unique_id));
	mutex_unlock(&vhd->lock);

	if (copy_to_user(arg, &info, info.size)) {
		vhd_warn(vhd, "get_info refused: argument not writable");
		return -EFAULT;
	}
	return 0;
}
