// SPDX-License-Identifier: GPL-2.0
/*
 * synbus: the synthetic device bus. Devices are named by instance GUID and
 * matched to drivers by class GUID (driver_override, then ids added with
 * new_id, then the driver's table). sysfs per device and per channel.
 */
#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/sysfs.h>
#include "internal.h"

unsigned int synbus_ack_timeout_ms = 5000;
module_param_named(ack_timeout_ms, synbus_ack_timeout_ms, uint, 0644);
MODULE_PARM_DESC(ack_timeout_ms, "How long to wait for the host to answer (ms)");

struct workqueue_struct *synbus_wq;
struct workqueue_struct *synbus_io_wq;

struct synbus_dynid {
	struct list_head node;
	struct synbus_device_id id;
};

/* Matches any class: for driver_override. */
static const struct synbus_device_id synbus_any_id;

static const struct synbus_device_id *
synbus_match_table(const struct synbus_device_id *id, const guid_t *class)
{
	for (; id && !guid_is_null(&id->guid); id++)
		if (guid_equal(&id->guid, class))
			return id;
	return NULL;
}

static const struct synbus_device_id *
synbus_match_id(struct synbus_driver *drv, struct synbus_device *sdev)
{
	const struct synbus_device_id *id = NULL;
	struct synbus_dynid *d;

	if (sdev->driver_override)
		return strcmp(sdev->driver_override, drv->name) ? NULL : &synbus_any_id;
	spin_lock(&drv->dynids_lock);
	list_for_each_entry(d, &drv->dynids, node) {
		if (guid_equal(&d->id.guid, &sdev->class_id)) {
			id = &d->id;
			break;
		}
	}
	spin_unlock(&drv->dynids_lock);
	return id ?: synbus_match_table(drv->id_table, &sdev->class_id);
}

static int synbus_match(struct device *dev, struct device_driver *drv)
{
	return !!synbus_match_id(to_synbus_driver(drv), to_synbus_device(dev));
}

static int synbus_uevent(struct device *dev, struct kobj_uevent_env *env)
{
	struct synbus_device *sdev = to_synbus_device(dev);
	int ret;

	ret = add_uevent_var(env, "MODALIAS=synbus:%pUl", &sdev->class_id);
	if (ret)
		return ret;
	ret = add_uevent_var(env, "SYNBUS_CLASS_ID=%pUl", &sdev->class_id);
	if (ret)
		return ret;
	return add_uevent_var(env, "SYNBUS_DEVICE_ID=%pUl", &sdev->device_id);
}

static int synbus_probe(struct device *dev)
{
	struct synbus_driver *drv = to_synbus_driver(dev->driver);
	struct synbus_device *sdev = to_synbus_device(dev);
	const struct synbus_device_id *id = synbus_match_id(drv, sdev);
	int ret;

	if (!id || !drv->probe)
		return -ENODEV;
	if (synbus_chan_rescinded(sdev->channel))
		return -ENODEV;
	WRITE_ONCE(sdev->channel->drv, drv);
	ret = drv->probe(sdev, id);
	if (ret) {
		synbus_close(sdev->channel);
		WRITE_ONCE(sdev->channel->drv, NULL);
	}
	return ret;
}

static void synbus_remove(struct device *dev)
{
	struct synbus_driver *drv = to_synbus_driver(dev->driver);
	struct synbus_device *sdev = to_synbus_device(dev);

	if (drv->remove)
		drv->remove(sdev);
	/* A driver that forgot to close leaves no live rings behind. */
	synbus_close(sdev->channel);
	WRITE_ONCE(sdev->channel->drv, NULL);
}

static void synbus_shutdown(struct device *dev)
{
	struct synbus_driver *drv;

	if (!dev->driver)
		return;
	drv = to_synbus_driver(dev->driver);
	if (drv->shutdown)
		drv->shutdown(to_synbus_device(dev));
}

static ssize_t class_id_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "%pUl\n", &to_synbus_device(dev)->class_id);
}
static DEVICE_ATTR_RO(class_id);

static ssize_t device_id_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	return sysfs_emit(buf, "%pUl\n", &to_synbus_device(dev)->device_id);
}
static DEVICE_ATTR_RO(device_id);

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	return sysfs_emit(buf, "%s\n", synbus_state_name(to_synbus_device(dev)->channel));
}
static DEVICE_ATTR_RO(state);

static ssize_t modalias_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	return sysfs_emit(buf, "synbus:%pUl\n", &to_synbus_device(dev)->class_id);
}
static DEVICE_ATTR_RO(modalias);

static ssize_t driver_override_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct synbus_device *sdev = to_synbus_device(dev);
	ssize_t len;

	device_lock(dev);
	len = sysfs_emit(buf, "%s\n", sdev->driver_override ?: "");
	device_unlock(dev);
	return len;
}

static ssize_t driver_override_store(struct device *dev,
				     struct device_attribute *attr,
				     const char *buf, size_t count)
{
	int ret = driver_set_override(dev, &to_synbus_device(dev)->driver_override,
				      buf, count);

	return ret ?: count;
}
static DEVICE_ATTR_RW(driver_override);

static struct attribute *synbus_dev_attrs[] = {
	&dev_attr_class_id.attr,
	&dev_attr_device_id.attr,
	&dev_attr_state.attr,
	&dev_attr_modalias.attr,
	&dev_attr_driver_override.attr,
	NULL,
};

static const struct attribute_group synbus_dev_group = {
	.attrs = synbus_dev_attrs,
};

/* Per-channel statistics under <device>/channel/: counters by offset. */
struct synbus_ctr_attr {
	struct device_attribute attr;
	size_t off;
};

static ssize_t synbus_counter_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct synbus_ctr_attr *ca = container_of(attr, struct synbus_ctr_attr, attr);
	atomic64_t *v = (void *)((u8 *)to_synbus_device(dev)->channel + ca->off);

	return sysfs_emit(buf, "%lld\n", (long long)atomic64_read(v));
}

#define SYNBUS_CTR(var, str, field)					\
static struct synbus_ctr_attr var = {					\
	.attr = { .attr = { .name = str, .mode = 0444 },		\
		  .show = synbus_counter_show },			\
	.off = offsetof(struct synbus_channel, field),			\
}

SYNBUS_CTR(ctr_interrupts, "interrupts", interrupts);
SYNBUS_CTR(ctr_events, "events", events);
SYNBUS_CTR(ctr_intr_in_full, "intr_in_full", intr_in_full);
SYNBUS_CTR(ctr_intr_out_empty, "intr_out_empty", intr_out_empty);
SYNBUS_CTR(ctr_out_full_first, "out_full_first", out_full_first);
SYNBUS_CTR(ctr_out_full_total, "out_full_total", out_full_total);
SYNBUS_CTR(ctr_resets, "resets", resets);
SYNBUS_CTR(ctr_bad_completions, "bad_completions", bad_completions);

enum synbus_ring_stat { RS_IN_MASK, RS_OUT_MASK, RS_READ_AVAIL, RS_WRITE_AVAIL };

/* Ring header values; the rings exist only while open (under ch->lock). */
static ssize_t synbus_ring_show(struct device *dev, char *buf,
				enum synbus_ring_stat what)
{
	struct synbus_channel *ch = to_synbus_device(dev)->channel;
	long val = 0;

	spin_lock_irq(&ch->lock);
	if (ch->state == SYNBUS_CHAN_OPEN && ch->ring_mem) {
		switch (what) {
		case RS_IN_MASK:
			val = READ_ONCE(ch->in.hdr->interrupt_mask);
			break;
		case RS_OUT_MASK:
			val = READ_ONCE(ch->out.hdr->interrupt_mask);
			break;
		case RS_READ_AVAIL:
			val = synbus_rb_read_avail(&ch->in);
			break;
		case RS_WRITE_AVAIL:
			val = synbus_rb_write_avail(&ch->out);
			break;
		}
	}
	spin_unlock_irq(&ch->lock);
	return sysfs_emit(buf, "%ld\n", val);
}

#define SYNBUS_RING_ATTR(name, what)					\
static ssize_t name##_show(struct device *dev,				\
			   struct device_attribute *attr, char *buf)	\
{									\
	return synbus_ring_show(dev, buf, what);			\
}									\
static DEVICE_ATTR_RO(name)

SYNBUS_RING_ATTR(in_mask, RS_IN_MASK);
SYNBUS_RING_ATTR(out_mask, RS_OUT_MASK);
SYNBUS_RING_ATTR(read_avail, RS_READ_AVAIL);
SYNBUS_RING_ATTR(write_avail, RS_WRITE_AVAIL);

static ssize_t cpu_show(struct device *dev, struct device_attribute *attr,
			char *buf)
{
	int cpu = READ_ONCE(to_synbus_device(dev)->channel->cpu);

	return sysfs_emit(buf, "%d\n", cpu == WORK_CPU_UNBOUND ? -1 : cpu);
}
static DEVICE_ATTR_RO(cpu);

static struct attribute *synbus_chan_attrs[] = {
	&ctr_interrupts.attr.attr,
	&ctr_events.attr.attr,
	&dev_attr_in_mask.attr,
	&dev_attr_out_mask.attr,
	&dev_attr_read_avail.attr,
	&dev_attr_write_avail.attr,
	&ctr_intr_in_full.attr.attr,
	&ctr_intr_out_empty.attr.attr,
	&ctr_out_full_first.attr.attr,
	&ctr_out_full_total.attr.attr,
	&dev_attr_cpu.attr,
	&ctr_resets.attr.attr,
	&ctr_bad_completions.attr.attr,
	NULL,
};

const struct attribute_group synbus_chan_group = {
	.name = "channel",
	.attrs = synbus_chan_attrs,
};

static const struct attribute_group *synbus_dev_groups[] = {
	&synbus_dev_group,
	&synbus_chan_group,
	NULL,
};

static ssize_t new_id_store(struct device_driver *driver, const char *buf,
			    size_t count)
{
	struct synbus_driver *drv = to_synbus_driver(driver);
	struct synbus_dynid *d;
	guid_t guid;
	int ret;

	ret = guid_parse(strim((char *)buf), &guid);
	if (ret)
		return ret;
	if (guid_is_null(&guid))
		return -EINVAL;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	guid_copy(&d->id.guid, &guid);
	spin_lock(&drv->dynids_lock);
	list_add_tail(&d->node, &drv->dynids);
	spin_unlock(&drv->dynids_lock);
	ret = driver_attach(driver);
	return ret ?: count;
}
static DRIVER_ATTR_WO(new_id);

static ssize_t remove_id_store(struct device_driver *driver, const char *buf,
			       size_t count)
{
	struct synbus_driver *drv = to_synbus_driver(driver);
	struct synbus_dynid *d, *tmp;
	ssize_t ret = -ENODEV;
	guid_t guid;

	if (guid_parse(strim((char *)buf), &guid))
		return -EINVAL;
	spin_lock(&drv->dynids_lock);
	list_for_each_entry_safe(d, tmp, &drv->dynids, node) {
		if (guid_equal(&d->id.guid, &guid)) {
			list_del(&d->node);
			kfree(d);
			ret = count;
			break;
		}
	}
	spin_unlock(&drv->dynids_lock);
	return ret;
}
static DRIVER_ATTR_WO(remove_id);

static struct attribute *synbus_drv_attrs[] = {
	&driver_attr_new_id.attr,
	&driver_attr_remove_id.attr,
	NULL,
};
ATTRIBUTE_GROUPS(synbus_drv);

struct bus_type synbus_bus = {
	.name = "synbus",
	.match = synbus_match,
	.uevent = synbus_uevent,
	.probe = synbus_probe,
	.remove = synbus_remove,
	.shutdown = synbus_shutdown,
	.dev_groups = synbus_dev_groups,
	.drv_groups = synbus_drv_groups,
};

/**
 * __synbus_driver_register() - register a client driver
 * @drv: driver
 * @owner: THIS_MODULE
 * @mod_name: KBUILD_MODNAME
 *
 * Return: 0 or a negative errno.
 */
int __synbus_driver_register(struct synbus_driver *drv, struct module *owner,
			     const char *mod_name)
{
	drv->driver.name = drv->name;
	drv->driver.bus = &synbus_bus;
	drv->driver.owner = owner;
	drv->driver.mod_name = mod_name;
	INIT_LIST_HEAD(&drv->dynids);
	spin_lock_init(&drv->dynids_lock);
	return driver_register(&drv->driver);
}
EXPORT_SYMBOL_GPL(__synbus_driver_register);

/**
 * synbus_driver_unregister() - unregister a client driver
 * @drv: driver
 */
void synbus_driver_unregister(struct synbus_driver *drv)
{
	struct synbus_dynid *d, *tmp;

	driver_unregister(&drv->driver);
	spin_lock(&drv->dynids_lock);
	list_for_each_entry_safe(d, tmp, &drv->dynids, node) {
		list_del(&d->node);
		kfree(d);
	}
	spin_unlock(&drv->dynids_lock);
}
EXPORT_SYMBOL_GPL(synbus_driver_unregister);

static int __init synbus_init(void)
{
	int ret;

	synbus_wq = alloc_ordered_workqueue("synbus", 0);
	if (!synbus_wq)
		return -ENOMEM;
	synbus_io_wq = alloc_workqueue("synbus_io", WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	if (!synbus_io_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}
	ret = bus_register(&synbus_bus);
	if (ret)
		goto err_io;
	return 0;
err_io:
	destroy_workqueue(synbus_io_wq);
err_wq:
	destroy_workqueue(synbus_wq);
	return ret;
}

static void __exit synbus_exit(void)
{
	bus_unregister(&synbus_bus);
	destroy_workqueue(synbus_io_wq);
	destroy_workqueue(synbus_wq);
}

module_init(synbus_init);
module_exit(synbus_exit);
MODULE_DESCRIPTION("synbus: synthetic device bus (VMBus-style channels)");
MODULE_LICENSE("GPL");
