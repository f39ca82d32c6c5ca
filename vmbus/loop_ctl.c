// SPDX-License-Identifier: GPL-2.0
/*
 * /dev/synbus-loop: userspace control of the loopback host (offer,
 * rescind, faults, service commands). Structs carry their size first so
 * they can grow: copy_struct_from_user() takes older and newer layouts.
 */
#include <linux/capability.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/synbus.h>
#include "loop.h"

/* Read a size-versioned struct: its first __u32 is the caller's size. */
static int loop_copy_in(void *dst, size_t ksize, void __user *uarg)
{
	u32 usize;
	int ret;

	if (get_user(usize, (u32 __user *)uarg))
		return -EFAULT;
	if (usize < 2 * sizeof(u32) || usize > PAGE_SIZE)
		return -EINVAL;
	ret = copy_struct_from_user(dst, ksize, uarg, usize);
	if (ret == -E2BIG)
		return -EINVAL;
	return ret;
}

static bool loop_zero(const void *p, size_t len)
{
	return !memchr_inv(p, 0, len);
}

static long loop_ioctl_offer(void __user *uarg)
{
	struct synbus_loop_offer o;
	guid_t class, id;
	int ret;

	ret = loop_copy_in(&o, sizeof(o), uarg);
	if (ret)
		return ret;
	if (o.flags & ~SYNBUS_OFFER_F_RESCIND || !loop_zero(o.reserved, sizeof(o.reserved)))
		return -EINVAL;
	import_guid(&class, o.class_id);
	import_guid(&id, o.device_id);
	if (guid_is_null(&class) || (o.ring_hint && !PAGE_ALIGNED(o.ring_hint)))
		return -EINVAL;
	ret = synbus_loop_offer_ex(&class, &id, o.ring_hint, &id,
				   o.flags & SYNBUS_OFFER_F_RESCIND);
	if (ret)
		return ret;
	export_guid(o.device_id, &id);
	if (copy_to_user(uarg, &o, min_t(size_t, o.size, sizeof(o))))
		return -EFAULT;
	return 0;
}

static long loop_ioctl_rescind(void __user *uarg)
{
	struct synbus_loop_rescind r;
	guid_t id;
	int ret;

	ret = loop_copy_in(&r, sizeof(r), uarg);
	if (ret)
		return ret;
	if (r.flags || !loop_zero(r.reserved, sizeof(r.reserved)))
		return -EINVAL;
	import_guid(&id, r.device_id);
	return synbus_loop_rescind(&id);
}

static long loop_ioctl_fault(void __user *uarg)
{
	struct synbus_host_chan *hc;
	struct synbus_loop_fault f;
	guid_t id;
	int ret;

	ret = loop_copy_in(&f, sizeof(f), uarg);
	if (ret)
		return ret;
	if (f.flags || !loop_zero(f.reserved, sizeof(f.reserved)))
		return -EINVAL;
	import_guid(&id, f.device_id);
	hc = synbus_loop_find(&id);
	if (!hc)
		return -ENOENT;
	ret = synbus_loop_fault(hc, f.type, f.step, f.count, f.stall_ms);
	synbus_loop_put(hc);
	return ret;
}

static long loop_ioctl_cmd(void __user *uarg)
{
	struct synbus_host_chan *hc;
	struct synbus_loop_cmd *c;
	u32 out_len;
	guid_t id;
	int ret;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c)
		return -ENOMEM;
	ret = loop_copy_in(c, sizeof(*c), uarg);
	if (ret)
		goto out;
	ret = -EINVAL;
	if (c->flags || c->reserved || c->in_len > sizeof(c->data))
		goto out;
	import_guid(&id, c->device_id);
	hc = synbus_loop_find(&id);
	ret = -ENOENT;
	if (!hc)
		goto out;
	out_len = sizeof(c->data);
	ret = synbus_loop_command(hc, c->cmd, c->data, c->in_len, c->data, &out_len);
	synbus_loop_put(hc);
	if (ret)
		goto out;
	c->out_len = min_t(u32, out_len, sizeof(c->data));
	if (copy_to_user(uarg, c, min_t(size_t, c->size, sizeof(*c))))
		ret = -EFAULT;
out:
	kfree(c);
	return ret;
}

static long loop_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	if (_IOC_TYPE(cmd) != SYNBUS_IOC_MAGIC)
		return -ENOTTY;
	/* Dispatch on the number: the size lives in the struct. */
	switch (_IOC_NR(cmd)) {
	case _IOC_NR(SYNBUS_LOOP_OFFER):
		return loop_ioctl_offer(uarg);
	case _IOC_NR(SYNBUS_LOOP_RESCIND):
		return loop_ioctl_rescind(uarg);
	case _IOC_NR(SYNBUS_LOOP_FAULT):
		return loop_ioctl_fault(uarg);
	case _IOC_NR(SYNBUS_LOOP_SERVICE_CMD):
		return loop_ioctl_cmd(uarg);
	}
	return -ENOTTY;
}

static const struct file_operations loop_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = loop_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice loop_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "synbus-loop",
	.fops = &loop_fops,
	.mode = 0600,
};

int synbus_loop_ctl_init(void)
{
	return misc_register(&loop_misc);
}

void synbus_loop_ctl_exit(void)
{
	misc_deregister(&loop_misc);
}
