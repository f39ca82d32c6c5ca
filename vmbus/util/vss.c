// SPDX-License-Identifier: GPL-2.0
/*
 * Backup freeze/thaw (the VSS idea): the host announces a backup, the
 * guest's filesystems are frozen by a userspace helper (synbus-vssd, which
 * uses FIFREEZE/FITHAW) reached through /dev/synbus_vss, the host takes
 * its snapshot and asks for a thaw. If no thaw comes within the freeze
 * timeout the guest thaws anyway; a helper that does not answer fails the
 * request. Unbind or rescind while frozen thaws too.
 *
 * Locking: vss.resp_mutex serializes everything that answers the host
 * outside the inbound path (daemon writes, timeouts, release, unbind);
 * vss.lock protects the state. The inbound path holds the device's lock
 * and takes vss.lock only, so the order is resp_mutex, ud->lock, vss.lock.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/uaccess.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/synbus_util.h>

#include "util.h"

static unsigned int vss_freeze_timeout = 60;
module_param(vss_freeze_timeout, uint, 0644);
MODULE_PARM_DESC(vss_freeze_timeout,
		 "Default seconds frozen before thawing without the host (1..900)");

static unsigned int vss_daemon_timeout = 30;
module_param(vss_daemon_timeout, uint, 0644);
MODULE_PARM_DESC(vss_daemon_timeout,
		 "Seconds the helper daemon has to freeze or thaw (1..900)");

#define VSS_MAX_TIMEOUT	900

static const u32 vss_versions[] = { SYNBUS_IC_VER(1, 0) };

enum vss_state {
	VSS_IDLE,
	VSS_FREEZING,	/* FREEZE handed to the daemon */
	VSS_FROZEN,
	VSS_THAWING,	/* THAW handed to the daemon */
};

static const char *const vss_state_names[] = {
	[VSS_IDLE] = "idle",
	[VSS_FREEZING] = "freezing",
	[VSS_FROZEN] = "frozen",
	[VSS_THAWING] = "thawing",
};

static struct {
	struct mutex resp_mutex;	/* see the comment at the top */
	struct mutex lock;		/* protects the fields below */
	wait_queue_head_t wq;		/* daemon readers */
	struct synbus_util_dev *ud;	/* the bound VSS device, or NULL */
	bool opened;			/* one opener at a time */
	bool registered;		/* the daemon said REGISTER */
	bool out_pending;		/* @out waits to be read */
	struct synbus_vss_msg out;	/* next message to the daemon */
	enum vss_state state;
	bool host_waits;		/* a deferred host response is due */
	u32 seq;			/* of the request the daemon holds */
	unsigned int thaw_after;	/* seconds, for this freeze */
	unsigned int freezes;
	unsigned int auto_thaws;
	struct delayed_work daemon_timeout;
	struct delayed_work thaw_timeout;
} vss;

static unsigned int vss_clamp(unsigned int s)
{
	return clamp(s, 1U, (unsigned int)VSS_MAX_TIMEOUT);
}

/* Queue @op for the daemon; vss.lock held. A pending unread one is replaced. */
static void vss_to_daemon(u32 op)
{
	memset(&vss.out, 0, sizeof(vss.out));
	vss.out.size = sizeof(vss.out);
	vss.out.op = op;
	vss.out.seq = ++vss.seq;
	vss.out.version = SYNBUS_VSS_ABI_VERSION;
	vss.out_pending = true;
	wake_up_interruptible(&vss.wq);
	mod_delayed_work(system_wq, &vss.daemon_timeout,
			 vss_clamp(vss_daemon_timeout) * HZ);
}

/* Answer the host's deferred request; resp_mutex held, vss.lock not. */
static void vss_answer(struct synbus_util_dev *ud, u32 status, bool frozen)
{
	struct synbus_ic_vss *msg;

	if (!ud)
		return;
	msg = (void *)(ud->buf + sizeof(struct synbus_ic_hdr));
	msg->frozen = cpu_to_le32(frozen);
	synbus_util_respond(ud, status);
}

/* Take the pending host answer, if any; vss.lock held. */
static struct synbus_util_dev *vss_take_waiter(void)
{
	if (!vss.host_waits)
		return NULL;
	vss.host_waits = false;
	return vss.ud;
}

static void vss_daemon_timeout_fn(struct work_struct *work)
{
	struct synbus_util_dev *ud = NULL;
	u32 status = SYNBUS_IC_E_TIMEOUT;
	bool frozen = false;

	mutex_lock(&vss.resp_mutex);
	mutex_lock(&vss.lock);
	switch (vss.state) {
	case VSS_FREEZING:
		pr_warn("backup: helper did not freeze in time; thawing\n");
		ud = vss_take_waiter();
		/* It may still freeze: make sure a thaw follows. */
		if (vss.out_pending) {
			vss.out_pending = false;
			vss.state = VSS_IDLE;
		} else {
			vss.state = VSS_THAWING;
			vss_to_daemon(SYNBUS_VSS_OP_THAW);
		}
		break;
	case VSS_THAWING:
		/* Keep the THAW queued: the helper may be busy, not dead. */
		pr_err("backup: helper did not thaw in time\n");
		ud = vss_take_waiter();
		break;
	default:
		break;
	}
	mutex_unlock(&vss.lock);
	vss_answer(ud, status, frozen);
	mutex_unlock(&vss.resp_mutex);
}

static void vss_thaw_timeout_fn(struct work_struct *work)
{
	mutex_lock(&vss.lock);
	if (vss.state == VSS_FROZEN) {
		pr_warn("backup: no thaw from the host in %u s; thawing anyway\n",
			vss.thaw_after);
		vss.auto_thaws++;
		vss.state = VSS_THAWING;
		vss_to_daemon(SYNBUS_VSS_OP_THAW);
	}
	mutex_unlock(&vss.lock);
}

/* A reply from the daemon. */
static int vss_daemon_reply(const struct synbus_vss_msg *msg)
{
	struct synbus_util_dev *ud = NULL;
	u32 status = SYNBUS_IC_OK;
	bool frozen = false;
	int ret = 0;

	mutex_lock(&vss.resp_mutex);
	mutex_lock(&vss.lock);
	if (msg->seq != vss.seq || vss.out_pending ||
	    !((msg->op == SYNBUS_VSS_OP_FREEZE && vss.state == VSS_FREEZING) ||
	      (msg->op == SYNBUS_VSS_OP_THAW && vss.state == VSS_THAWING))) {
		/* Late (timed out) or spurious: the state moved on. */
		ret = -EINVAL;
		goto unlock;
	}
	cancel_delayed_work(&vss.daemon_timeout);
	ud = vss_take_waiter();
	if (msg->op == SYNBUS_VSS_OP_FREEZE) {
		if (msg->status) {
			pr_warn("backup: freeze failed: %d\n", -(int)msg->status);
			status = SYNBUS_IC_E_FAIL;
			vss.state = VSS_IDLE;
		} else {
			frozen = true;
			vss.freezes++;
			vss.state = VSS_FROZEN;
			mod_delayed_work(system_wq, &vss.thaw_timeout,
					 vss.thaw_after * HZ);
		}
	} else {
		if (msg->status) {
			pr_err("backup: thaw failed: %d\n", -(int)msg->status);
			status = SYNBUS_IC_E_FAIL;
		}
		vss.state = VSS_IDLE;
	}
unlock:
	mutex_unlock(&vss.lock);
	vss_answer(ud, status, frozen);
	mutex_unlock(&vss.resp_mutex);
	return ret;
}

static int vss_handle(struct synbus_util_dev *ud, void *payload)
{
	struct synbus_ic_vss *req = payload;
	u32 op = le32_to_cpu(req->op);
	int ret = SYNBUS_UTIL_DEFER;

	mutex_lock(&vss.lock);
	req->frozen = cpu_to_le32(vss.state == VSS_FROZEN);
	switch (op) {
	case SYNBUS_IC_VSS_INFO:
		ret = SYNBUS_IC_OK;
		break;
	case SYNBUS_IC_VSS_FREEZE:
		if (!vss.registered) {
			ret = SYNBUS_IC_E_NODAEMON;
		} else if (vss.state == VSS_FROZEN) {
			ret = SYNBUS_IC_OK;	/* already frozen */
		} else if (vss.state != VSS_IDLE) {
			ret = SYNBUS_IC_E_STATE;
		} else {
			vss.thaw_after = vss_clamp(le32_to_cpu(req->timeout_s) ?:
						   vss_freeze_timeout);
			vss.state = VSS_FREEZING;
			vss.host_waits = true;
			vss_to_daemon(SYNBUS_VSS_OP_FREEZE);
		}
		break;
	case SYNBUS_IC_VSS_THAW:
		if (vss.state == VSS_IDLE) {
			ret = SYNBUS_IC_OK;	/* nothing frozen */
		} else if (vss.state != VSS_FROZEN) {
			ret = SYNBUS_IC_E_STATE;
		} else {
			cancel_delayed_work(&vss.thaw_timeout);
			vss.state = VSS_THAWING;
			vss.host_waits = true;
			vss_to_daemon(SYNBUS_VSS_OP_THAW);
		}
		break;
	default:
		dev_err_ratelimited(synbus_util_to_dev(ud),
				    "invalid backup operation %u\n", op);
		ret = SYNBUS_IC_E_INVAL;
	}
	mutex_unlock(&vss.lock);
	return ret;
}

static int vss_init(struct synbus_util_dev *ud)
{
	int ret = 0;

	mutex_lock(&vss.lock);
	if (vss.ud)
		ret = -EBUSY;	/* one backup service per guest */
	else
		vss.ud = ud;
	mutex_unlock(&vss.lock);
	return ret;
}

/* Unbind or rescind: nobody to answer; never leave filesystems frozen. */
static void vss_deinit(struct synbus_util_dev *ud)
{
	mutex_lock(&vss.resp_mutex);
	mutex_lock(&vss.lock);
	vss.ud = NULL;
	vss.host_waits = false;
	cancel_delayed_work(&vss.thaw_timeout);
	if (vss.state == VSS_FROZEN ||
	    (vss.state == VSS_FREEZING && !vss.out_pending)) {
		vss.state = VSS_THAWING;
		vss_to_daemon(SYNBUS_VSS_OP_THAW);
	} else if (vss.state == VSS_FREEZING) {
		vss.out_pending = false;
		vss.state = VSS_IDLE;
	}
	mutex_unlock(&vss.lock);
	mutex_unlock(&vss.resp_mutex);
	cancel_delayed_work_sync(&vss.thaw_timeout);
}

static int vss_open(struct inode *inode, struct file *file)
{
	int ret = 0;

	mutex_lock(&vss.lock);
	if (vss.opened)
		ret = -EBUSY;
	else
		vss.opened = true;
	mutex_unlock(&vss.lock);
	return ret ?: nonseekable_open(inode, file);
}

static int vss_release(struct inode *inode, struct file *file)
{
	struct synbus_util_dev *ud;

	mutex_lock(&vss.resp_mutex);
	mutex_lock(&vss.lock);
	vss.opened = false;
	vss.registered = false;
	vss.out_pending = false;
	ud = vss_take_waiter();
	/* The daemon thaws what it froze when it exits (see synbus-vssd). */
	vss.state = VSS_IDLE;
	cancel_delayed_work(&vss.daemon_timeout);
	cancel_delayed_work(&vss.thaw_timeout);
	mutex_unlock(&vss.lock);
	vss_answer(ud, SYNBUS_IC_E_NODAEMON, false);
	mutex_unlock(&vss.resp_mutex);
	return 0;
}

static ssize_t vss_read(struct file *file, char __user *buf, size_t count,
			loff_t *ppos)
{
	struct synbus_vss_msg msg;
	int ret;

	if (count < sizeof(msg))
		return -EINVAL;
	for (;;) {
		mutex_lock(&vss.lock);
		if (vss.out_pending && vss.registered) {
			msg = vss.out;
			vss.out_pending = false;
			mutex_unlock(&vss.lock);
			break;
		}
		mutex_unlock(&vss.lock);
		if (file->f_flags & O_NONBLOCK)
			return -EAGAIN;
		ret = wait_event_interruptible(vss.wq,
					       READ_ONCE(vss.out_pending) &&
					       READ_ONCE(vss.registered));
		if (ret)
			return ret;
	}
	if (copy_to_user(buf, &msg, sizeof(msg)))
		return -EFAULT;
	return sizeof(msg);
}

static ssize_t vss_write(struct file *file, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	struct synbus_vss_msg msg;
	int ret;

	if (count != sizeof(msg))
		return -EINVAL;
	if (copy_from_user(&msg, buf, sizeof(msg)))
		return -EFAULT;
	if (msg.size != sizeof(msg) || msg.flags ||
	    msg.reserved[0] || msg.reserved[1])
		return -EINVAL;

	switch (msg.op) {
	case SYNBUS_VSS_OP_REGISTER:
		if (msg.version != SYNBUS_VSS_ABI_VERSION)
			return -EPROTONOSUPPORT;
		mutex_lock(&vss.lock);
		vss.registered = true;
		mutex_unlock(&vss.lock);
		pr_info("backup: helper daemon registered\n");
		return count;
	case SYNBUS_VSS_OP_FREEZE:
	case SYNBUS_VSS_OP_THAW:
		if (msg.status > 4095)
			return -EINVAL;
		ret = vss_daemon_reply(&msg);
		return ret ?: count;
	default:
		return -EINVAL;
	}
}

static __poll_t vss_poll(struct file *file, poll_table *wait)
{
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &vss.wq, wait);
	if (READ_ONCE(vss.out_pending))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static const struct file_operations vss_fops = {
	.owner = THIS_MODULE,
	.open = vss_open,
	.release = vss_release,
	.read = vss_read,
	.write = vss_write,
	.poll = vss_poll,
	.llseek = no_llseek,
};

static struct miscdevice vss_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = SYNBUS_VSS_DEVNAME,
	.fops = &vss_fops,
};

static ssize_t backup_state_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%s\n", vss_state_names[READ_ONCE(vss.state)]);
}
static DEVICE_ATTR_RO(backup_state);

static ssize_t backup_freezes_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(vss.freezes));
}
static DEVICE_ATTR_RO(backup_freezes);

static ssize_t backup_auto_thaws_show(struct device *dev,
				      struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(vss.auto_thaws));
}
static DEVICE_ATTR_RO(backup_auto_thaws);

static ssize_t backup_daemon_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(vss.registered));
}
static DEVICE_ATTR_RO(backup_daemon);

static struct attribute *vss_attrs[] = {
	&dev_attr_backup_state.attr,
	&dev_attr_backup_freezes.attr,
	&dev_attr_backup_auto_thaws.attr,
	&dev_attr_backup_daemon.attr,
	NULL
};

static const struct attribute_group vss_group = {
	.attrs = vss_attrs,
};

const struct synbus_util_service synbus_util_vss = {
	.name = "backup",
	.type = SYNBUS_IC_VSS,
	.versions = vss_versions,
	.nr_versions = ARRAY_SIZE(vss_versions),
	.payload_len = sizeof(struct synbus_ic_vss),
	.init = vss_init,
	.deinit = vss_deinit,
	.handle = vss_handle,
	.group = &vss_group,
};

int synbus_vss_module_init(void)
{
	mutex_init(&vss.resp_mutex);
	mutex_init(&vss.lock);
	init_waitqueue_head(&vss.wq);
	INIT_DELAYED_WORK(&vss.daemon_timeout, vss_daemon_timeout_fn);
	INIT_DELAYED_WORK(&vss.thaw_timeout, vss_thaw_timeout_fn);
	return misc_register(&vss_misc);
}

void synbus_vss_module_exit(void)
{
	misc_deregister(&vss_misc);
	cancel_delayed_work_sync(&vss.daemon_timeout);
	cancel_delayed_work_sync(&vss.thaw_timeout);
}
