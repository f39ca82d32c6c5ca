// SPDX-License-Identifier: GPL-2.0
/*
 * vhd.ko: block devices /dev/vhdN backed by VHD images, and the control
 * device /dev/vhd-control that creates and removes them, as loop does.
 */
#define pr_fmt(fmt) "vhd: " fmt

#include <linux/idr.h>
#include <linux/major.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/moduleparam.h>

#include "vhd_drv.h"

static DEFINE_IDR(vhd_index_idr);
static DEFINE_MUTEX(vhd_ctl_mutex);	/* vhd_index_idr and idr_visible */
static int vhd_major;

static int nr_devices;
module_param(nr_devices, int, 0444);
MODULE_PARM_DESC(nr_devices, "Devices created at load (default 0; more on demand through /dev/vhd-control)");

static int max_devices = 256;
module_param(max_devices, int, 0444);
MODULE_PARM_DESC(max_devices, "Most devices that may exist at once (default 256)");

static int nr_hw_queues;
module_param(nr_hw_queues, int, 0444);
MODULE_PARM_DESC(nr_hw_queues, "Hardware queues per device (default 0: one per online CPU)");

static int hw_queue_depth = 128;
module_param(hw_queue_depth, int, 0444);
MODULE_PARM_DESC(hw_queue_depth, "Requests per hardware queue (default 128)");

void vhd_disk_changed(struct vhd_device *vhd, bool locked)
{
	int err;

	if (!locked)
		mutex_lock(&vhd->disk->open_mutex);
	err = bdev_disk_changed(vhd->disk, false);
	if (!locked)
		mutex_unlock(&vhd->disk->open_mutex);
	if (err)
		vhd_warn(vhd, "partition scan failed (%d)", err);
}

static int vhd_ioctl(struct block_device *bdev, fmode_t mode,
		     unsigned int cmd, unsigned long arg)
{
	struct vhd_device *vhd = bdev->bd_disk->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case VHD_ATTACH:
		return vhd_ioctl_attach(vhd, bdev, mode, argp);
	case VHD_DETACH:
		return vhd_ioctl_detach(vhd);
	case VHD_GET_INFO:
		return vhd_ioctl_info(vhd, argp);
	case VHD_OP_START:
		if (!(mode & FMODE_WRITE)) {
			vhd_warn(vhd, "operation refused: device not open for writing");
			return -EBADF;
		}
		return vhd_ioctl_op_start(vhd, argp);
	case VHD_OP_CANCEL:
		return vhd_ioctl_op_cancel(vhd);
	case VHD_OP_WAIT:
		return vhd_ioctl_op_wait(vhd);
	default:
		return -ENOTTY;
	}
}

/*
 * VHD_FLAG_AUTOCLEAR detaches on the last close after the device has been
 * claimed (mounted, or opened O_EXCL), so that the attaching tool's own
 * close does not undo the attach; a deferred VHD_DETACH arms it at once.
 */
static int vhd_open(struct block_device *bdev, fmode_t mode)
{
	struct vhd_device *vhd = bdev->bd_disk->private_data;

	if (mode & FMODE_EXCL) {
		mutex_lock(&vhd->lock);
		if (vhd->state == VHD_BOUND)
			vhd->autoclear_armed = true;
		mutex_unlock(&vhd->lock);
	}
	return 0;
}

static void vhd_release(struct gendisk *disk, fmode_t mode)
{
	if (disk_openers(disk) > 0)
		return;
	vhd_release_autoclear(disk->private_data);
}

static void vhd_free_disk(struct gendisk *disk)
{
	struct vhd_device *vhd = disk->private_data;

	destroy_workqueue(vhd->wq);
	mutex_destroy(&vhd->lock);
	mutex_destroy(&vhd->sysfs_lock);
	mutex_destroy(&vhd->meta_lock);
	kfree(vhd);
}

static const struct block_device_operations vhd_fops = {
	.owner		= THIS_MODULE,
	.open		= vhd_open,
	.release	= vhd_release,
	.ioctl		= vhd_ioctl,
	.compat_ioctl	= vhd_ioctl,	/* every argument is compat-clean */
	.free_disk	= vhd_free_disk,
};

static int vhd_nr_hw_queues(void)
{
	if (nr_hw_queues > 0)
		return min_t(int, nr_hw_queues, nr_cpu_ids);
	return num_online_cpus();
}

static int vhd_add(int i)
{
	struct vhd_device *vhd;
	struct gendisk *disk;
	int err, id;

	vhd = kzalloc(sizeof(*vhd), GFP_KERNEL);
	if (!vhd)
		return -ENOMEM;
	vhd->state = VHD_UNBOUND;
	INIT_LIST_HEAD(&vhd->bound_node);
	mutex_init(&vhd->lock);
	mutex_init(&vhd->sysfs_lock);
	mutex_init(&vhd->meta_lock);
	init_completion(&vhd->op.done);
	init_waitqueue_head(&vhd->op.wait);

	err = mutex_lock_killable(&vhd_ctl_mutex);
	if (err)
		goto out_free;
	if (max_devices > 0) {
		int count = 0;
		void *p;

		idr_for_each_entry(&vhd_index_idr, p, id)
			count++;
		if (count >= max_devices || i >= max_devices) {
			mutex_unlock(&vhd_ctl_mutex);
			pr_warn_ratelimited("max_devices=%d reached\n",
					    max_devices);
			err = -ENOSPC;
			goto out_free;
		}
	}
	if (i >= 0) {
		err = idr_alloc(&vhd_index_idr, vhd, i, i + 1, GFP_KERNEL);
		if (err == -ENOSPC)
			err = -EEXIST;
	} else {
		err = idr_alloc(&vhd_index_idr, vhd, 0,
				max_devices > 0 ? max_devices : MINORMASK + 1,
				GFP_KERNEL);
	}
	mutex_unlock(&vhd_ctl_mutex);
	if (err < 0)
		goto out_free;
	i = err;
	vhd->index = i;

	vhd->wq = alloc_workqueue(VHD_NAME "%d",
				  WQ_UNBOUND | WQ_FREEZABLE | WQ_MEM_RECLAIM,
				  0, i);
	if (!vhd->wq) {
		err = -ENOMEM;
		goto out_idr;
	}

	vhd->tag_set.ops = &vhd_mq_ops;
	vhd->tag_set.nr_hw_queues = vhd_nr_hw_queues();
	vhd->tag_set.queue_depth = clamp(hw_queue_depth, 1, BLK_MQ_MAX_DEPTH);
	vhd->tag_set.numa_node = NUMA_NO_NODE;
	vhd->tag_set.cmd_size = sizeof(struct vhd_cmd);
	vhd->tag_set.flags = BLK_MQ_F_SHOULD_MERGE | BLK_MQ_F_STACKING |
			     BLK_MQ_F_NO_SCHED_BY_DEFAULT;
	vhd->tag_set.driver_data = vhd;
	err = blk_mq_alloc_tag_set(&vhd->tag_set);
	if (err)
		goto out_wq;

	disk = blk_mq_alloc_disk(&vhd->tag_set, vhd);
	if (IS_ERR(disk)) {
		err = PTR_ERR(disk);
		goto out_tags;
	}
	vhd->disk = disk;
	blk_queue_max_hw_sectors(disk->queue, VHD_MAX_IO_SECTORS);
	/* Backing files take any bvec: let 8 MiB of 4 KiB pages through. */
	blk_queue_max_segments(disk->queue, VHD_MAX_IO_SECTORS >> 3);
	blk_queue_logical_block_size(disk->queue, SECTOR_SIZE);
	blk_queue_physical_block_size(disk->queue, 4096);
	blk_queue_io_min(disk->queue, 4096);
	/* Partitions are scanned only for VHD_FLAG_PARTSCAN. */
	set_bit(GD_SUPPRESS_PART_SCAN, &disk->state);
	disk->major = vhd_major;
	disk->first_minor = i;
	disk->minors = 1;
	disk->fops = &vhd_fops;
	disk->private_data = vhd;
	disk->events = DISK_EVENT_MEDIA_CHANGE;
	disk->event_flags = DISK_EVENT_FLAG_UEVENT;
	snprintf(disk->disk_name, DISK_NAME_LEN, VHD_NAME "%d", i);
	err = device_add_disk(NULL, disk, vhd_disk_groups);
	if (err)
		goto out_disk;

	mutex_lock(&vhd_ctl_mutex);
	vhd->idr_visible = true;
	mutex_unlock(&vhd_ctl_mutex);
	return i;

out_disk:
	/* free_disk is only called for disks that were added */
	put_disk(disk);
out_tags:
	blk_mq_free_tag_set(&vhd->tag_set);
out_wq:
	destroy_workqueue(vhd->wq);
out_idr:
	mutex_lock(&vhd_ctl_mutex);
	idr_remove(&vhd_index_idr, i);
	mutex_unlock(&vhd_ctl_mutex);
out_free:
	mutex_destroy(&vhd->lock);
	mutex_destroy(&vhd->sysfs_lock);
	mutex_destroy(&vhd->meta_lock);
	kfree(vhd);
	return err;
}

/* Drops the disk; vhd_free_disk() frees @vhd once the last opener is gone. */
static void vhd_remove(struct vhd_device *vhd)
{
	del_gendisk(vhd->disk);
	blk_mq_free_tag_set(&vhd->tag_set);
	mutex_lock(&vhd_ctl_mutex);
	idr_remove(&vhd_index_idr, vhd->index);
	mutex_unlock(&vhd_ctl_mutex);
	put_disk(vhd->disk);
}

static int vhd_ctl_remove(int idx)
{
	struct vhd_device *vhd;
	int err;

	if (idx < 0) {
		pr_warn_ratelimited("remove: no device index given\n");
		return -EINVAL;
	}
	err = mutex_lock_killable(&vhd_ctl_mutex);
	if (err)
		return err;
	vhd = idr_find(&vhd_index_idr, idx);
	if (!vhd || !vhd->idr_visible)
		err = -ENODEV;
	else
		vhd->idr_visible = false;	/* hidden while we look */
	mutex_unlock(&vhd_ctl_mutex);
	if (err)
		return err;

	err = mutex_lock_killable(&vhd->lock);
	if (err)
		goto visible;
	if (vhd->state != VHD_UNBOUND || disk_openers(vhd->disk) > 0) {
		mutex_unlock(&vhd->lock);
		vhd_warn(vhd, "remove refused: device attached or open");
		err = -EBUSY;
		goto visible;
	}
	vhd->state = VHD_DELETING;
	mutex_unlock(&vhd->lock);
	vhd_remove(vhd);
	return 0;

visible:
	mutex_lock(&vhd_ctl_mutex);
	vhd->idr_visible = true;
	mutex_unlock(&vhd_ctl_mutex);
	return err;
}

static int vhd_ctl_get_free(void)
{
	struct vhd_device *vhd;
	int id, err;

	err = mutex_lock_killable(&vhd_ctl_mutex);
	if (err)
		return err;
	idr_for_each_entry(&vhd_index_idr, vhd, id) {
		if (vhd->idr_visible &&
		    /* a race only makes us create a device: harmless */
		    data_race(vhd->state) == VHD_UNBOUND) {
			mutex_unlock(&vhd_ctl_mutex);
			return id;
		}
	}
	mutex_unlock(&vhd_ctl_mutex);
	return vhd_add(-1);
}

static long vhd_ctl_ioctl(struct file *file, unsigned int cmd,
			  unsigned long parm)
{
	int idx = (int)parm;

	switch (cmd) {
	case VHD_CTL_ADD:
		if (idx < -1 || idx > (int)MINORMASK) {
			pr_warn_ratelimited("add: bad index %d\n", idx);
			return -EINVAL;
		}
		return vhd_add(idx);
	case VHD_CTL_REMOVE:
		return vhd_ctl_remove(idx);
	case VHD_CTL_GET_FREE:
		return vhd_ctl_get_free();
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vhd_ctl_fops = {
	.owner		= THIS_MODULE,
	.open		= nonseekable_open,
	.unlocked_ioctl	= vhd_ctl_ioctl,
	.compat_ioctl	= vhd_ctl_ioctl,
	.llseek		= noop_llseek,
};

static struct miscdevice vhd_misc = {
	.minor		= MISC_DYNAMIC_MINOR,
	.name		= "vhd-control",
	.fops		= &vhd_ctl_fops,
};

static int __init vhd_init(void)
{
	int i, err;

	if (nr_devices < 0 || max_devices < 0 || hw_queue_depth < 1 ||
	    nr_hw_queues < 0) {
		pr_err("negative or zero module parameter\n");
		return -EINVAL;
	}
	vhd_major = register_blkdev(0, VHD_NAME);
	if (vhd_major < 0)
		return vhd_major;
	err = misc_register(&vhd_misc);
	if (err)
		goto out_blkdev;
	for (i = 0; i < nr_devices; i++) {
		err = vhd_add(i);
		if (err < 0) {
			pr_warn("could not create vhd%d (%d)\n", i, err);
			break;
		}
	}
	pr_info("module loaded (major %d)\n", vhd_major);
	return 0;

out_blkdev:
	unregister_blkdev(vhd_major, VHD_NAME);
	return err;
}

static void __exit vhd_exit(void)
{
	struct vhd_device *vhd;
	int id;

	/*
	 * Attached devices pin the module, so every device here is unbound;
	 * the misc device is gone first so no new one appears.
	 */
	misc_deregister(&vhd_misc);
	idr_for_each_entry(&vhd_index_idr, vhd, id)
		vhd_remove(vhd);
	idr_destroy(&vhd_index_idr);
	unregister_blkdev(vhd_major, VHD_NAME);
}

module_init(vhd_init);
module_exit(vhd_exit);

MODULE_DESCRIPTION("Block devices backed by VHD (Virtual Hard Disk) images");
MODULE_LICENSE("GPL");
MODULE_ALIAS("devname:vhd-control");
