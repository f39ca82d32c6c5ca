// SPDX-License-Identifier: GPL-2.0
/*
 * /sys/block/vhdN/vhd/: one value per file while an image is attached (the
 * folder is empty otherwise). Documentation/ABI/testing/sysfs-block-vhd.
 */
#include <linux/sysfs.h>

#include "vhd_drv.h"

static struct vhd_device *vhd_from_dev(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

typedef ssize_t (*vhd_show_fn)(struct vhd_device *vhd, char *buf);

/* Every file reads under the configuration lock, from a bound device. */
static ssize_t vhd_show(struct device *dev, char *buf, vhd_show_fn fn)
{
	struct vhd_device *vhd = vhd_from_dev(dev);
	ssize_t ret;

	mutex_lock(&vhd->lock);
	ret = vhd->state == VHD_BOUND ? fn(vhd, buf) : -ENXIO;
	mutex_unlock(&vhd->lock);
	return ret;
}

#define VHD_ATTR_RO(_name)						\
static ssize_t vhd_##_name##_fn(struct vhd_device *vhd, char *buf);	\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	return vhd_show(dev, buf, vhd_##_name##_fn);			\
}									\
static DEVICE_ATTR_RO(_name)

/* The path now (the file may have been renamed since attach), as loop. */
static ssize_t vhd_emit_path(struct vhd_layer *l, char *buf)
{
	ssize_t len;
	char *p;

	p = file_path(l->file, buf, PAGE_SIZE - 1);
	if (IS_ERR(p))
		return PTR_ERR(p);
	len = strlen(p);
	memmove(buf, p, len);
	buf[len++] = '\n';
	buf[len] = 0;
	return len;
}

VHD_ATTR_RO(backing_file);
static ssize_t vhd_backing_file_fn(struct vhd_device *vhd, char *buf)
{
	return vhd_emit_path(vhd->layers[0], buf);
}

VHD_ATTR_RO(type);
static ssize_t vhd_type_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%s\n", vhd_type_name(vhd->layers[0]->type));
}

VHD_ATTR_RO(block_size);
static ssize_t vhd_block_size_fn(struct vhd_device *vhd, char *buf)
{
	struct vhd_layer *l = vhd->layers[0];

	return sysfs_emit(buf, "%u\n",
			  l->type == VHD_TYPE_FIXED ? 0 : l->hdr.block_size);
}

VHD_ATTR_RO(virtual_size);
static ssize_t vhd_virtual_size_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%llu\n", vhd->sectors << SECTOR_SHIFT);
}

VHD_ATTR_RO(depth);
static ssize_t vhd_depth_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%d\n", vhd->depth);
}

VHD_ATTR_RO(allocated_blocks);
static ssize_t vhd_allocated_blocks_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(vhd->layers[0]->allocated));
}

VHD_ATTR_RO(max_blocks);
static ssize_t vhd_max_blocks_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%u\n", vhd->layers[0]->nr_blocks);
}

#define VHD_FLAG_ATTR(_name, _flag)					\
VHD_ATTR_RO(_name);							\
static ssize_t vhd_##_name##_fn(struct vhd_device *vhd, char *buf)	\
{									\
	return sysfs_emit(buf, "%d\n", !!(vhd->flags & (_flag)));	\
}

VHD_FLAG_ATTR(read_only, VHD_FLAG_READ_ONLY)
VHD_FLAG_ATTR(direct_io, VHD_FLAG_DIRECT_IO)
VHD_FLAG_ATTR(autoclear, VHD_FLAG_AUTOCLEAR)
VHD_FLAG_ATTR(partscan, VHD_FLAG_PARTSCAN)

/* The online operation: the current or last one, and how it goes. */
VHD_ATTR_RO(op);
static ssize_t vhd_op_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%s\n", vhd_op_name(READ_ONCE(vhd->op.args.op)));
}

VHD_ATTR_RO(op_state);
static ssize_t vhd_op_state_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  vhd_op_state_name(vhd_op_get_state(vhd)));
}

VHD_ATTR_RO(op_done);
static ssize_t vhd_op_done_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&vhd->op.bytes_done));
}

VHD_ATTR_RO(op_total);
static ssize_t vhd_op_total_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&vhd->op.bytes_total));
}

VHD_ATTR_RO(op_error);
static ssize_t vhd_op_error_fn(struct vhd_device *vhd, char *buf)
{
	enum vhd_op_state st = vhd_op_get_state(vhd);

	return sysfs_emit(buf, "%d\n", st == VHD_OPS_RUNNING ? 0 : vhd->op.error);
}

VHD_ATTR_RO(op_passes);
static ssize_t vhd_op_passes_fn(struct vhd_device *vhd, char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vhd->op.passes));
}

/* parentN: the path of the N-th ancestor, present for N < depth. */
static ssize_t vhd_parent_show(struct device *dev, char *buf, int n)
{
	struct vhd_device *vhd = vhd_from_dev(dev);
	ssize_t ret = -ENXIO;

	mutex_lock(&vhd->lock);
	if (vhd->state == VHD_BOUND && n < vhd->depth)
		ret = vhd_emit_path(vhd->layers[n], buf);
	mutex_unlock(&vhd->lock);
	return ret;
}

#define VHD_PARENT_ATTR(_n)						\
static ssize_t parent##_n##_show(struct device *dev,			\
				 struct device_attribute *attr, char *buf) \
{									\
	return vhd_parent_show(dev, buf, _n);				\
}									\
static DEVICE_ATTR_RO(parent##_n)

VHD_PARENT_ATTR(1);
VHD_PARENT_ATTR(2);
VHD_PARENT_ATTR(3);
VHD_PARENT_ATTR(4);
VHD_PARENT_ATTR(5);
VHD_PARENT_ATTR(6);
VHD_PARENT_ATTR(7);
VHD_PARENT_ATTR(8);
VHD_PARENT_ATTR(9);
VHD_PARENT_ATTR(10);
VHD_PARENT_ATTR(11);
VHD_PARENT_ATTR(12);
VHD_PARENT_ATTR(13);
VHD_PARENT_ATTR(14);
VHD_PARENT_ATTR(15);

static struct attribute *vhd_attrs[] = {
	&dev_attr_backing_file.attr,
	&dev_attr_type.attr,
	&dev_attr_block_size.attr,
	&dev_attr_virtual_size.attr,
	&dev_attr_depth.attr,
	&dev_attr_allocated_blocks.attr,
	&dev_attr_max_blocks.attr,
	&dev_attr_read_only.attr,
	&dev_attr_direct_io.attr,
	&dev_attr_autoclear.attr,
	&dev_attr_partscan.attr,
	&dev_attr_op.attr,
	&dev_attr_op_state.attr,
	&dev_attr_op_done.attr,
	&dev_attr_op_total.attr,
	&dev_attr_op_error.attr,
	&dev_attr_op_passes.attr,
	/* parents last: vhd_attr_visible() counts on it */
	&dev_attr_parent1.attr,
	&dev_attr_parent2.attr,
	&dev_attr_parent3.attr,
	&dev_attr_parent4.attr,
	&dev_attr_parent5.attr,
	&dev_attr_parent6.attr,
	&dev_attr_parent7.attr,
	&dev_attr_parent8.attr,
	&dev_attr_parent9.attr,
	&dev_attr_parent10.attr,
	&dev_attr_parent11.attr,
	&dev_attr_parent12.attr,
	&dev_attr_parent13.attr,
	&dev_attr_parent14.attr,
	&dev_attr_parent15.attr,
	NULL
};

#define VHD_FIRST_PARENT	17
static_assert(ARRAY_SIZE(vhd_attrs) == VHD_FIRST_PARENT + VHD_MAX_DEPTH);

static umode_t vhd_attr_visible(struct kobject *kobj, struct attribute *attr,
				int i)
{
	struct vhd_device *vhd = vhd_from_dev(kobj_to_dev(kobj));
	int depth = READ_ONCE(vhd->depth);

	/* called after each state change, by vhd_sysfs_update() */
	if (data_race(vhd->state) != VHD_BOUND)
		return 0;
	if (i >= VHD_FIRST_PARENT && i - VHD_FIRST_PARENT + 1 >= depth)
		return 0;
	return attr->mode;
}

static const struct attribute_group vhd_attr_group = {
	.name = "vhd",
	.attrs = vhd_attrs,
	.is_visible = vhd_attr_visible,
};

const struct attribute_group *vhd_disk_groups[] = {
	&vhd_attr_group,
	NULL
};

/* After attach and detach, outside vhd->lock (a show may wait on it). */
void vhd_sysfs_update(struct vhd_device *vhd)
{
	int err;

	mutex_lock(&vhd->sysfs_lock);
	err = sysfs_update_group(&disk_to_dev(vhd->disk)->kobj,
				 &vhd_attr_group);
	mutex_unlock(&vhd->sysfs_lock);
	if (err)
		vhd_warn(vhd, "sysfs update failed (%d)", err);
}
