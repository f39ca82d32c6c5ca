// SPDX-License-Identifier: GPL-2.0
/*
 * Shutdown: the host asks for a clean power off or reboot. The guest
 * answers first, then runs orderly_poweroff()/orderly_reboot() from a
 * work item. With dry_run the request is only counted and logged, so
 * tests can drive the service without killing their guest.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <linux/reboot.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "util.h"

static bool shutdown_dry_run;
module_param(shutdown_dry_run, bool, 0644);
MODULE_PARM_DESC(shutdown_dry_run,
		 "Record shutdown/reboot requests instead of acting on them");

static const u32 sd_versions[] = { SYNBUS_IC_VER(1, 0) };

struct sd_state {
	struct work_struct work;
	struct synbus_util_dev *ud;
	int action;		/* pending: enum synbus_ic_shutdown_action */
	atomic_t count;		/* requests accepted */
	int last;		/* last accepted action, -1 none */
};

static const char *const sd_names[] = {
	[SYNBUS_IC_POWEROFF] = "poweroff",
	[SYNBUS_IC_REBOOT] = "reboot",
};

static void sd_work(struct work_struct *work)
{
	struct sd_state *st = container_of(work, struct sd_state, work);
	int action = READ_ONCE(st->action);

	if (READ_ONCE(shutdown_dry_run)) {
		dev_info(synbus_util_to_dev(st->ud),
			 "host requested %s (dry run)\n", sd_names[action]);
		return;
	}
	dev_notice(synbus_util_to_dev(st->ud), "host requested %s\n",
		   sd_names[action]);
	if (action == SYNBUS_IC_REBOOT)
		orderly_reboot();
	else
		orderly_poweroff(true);
}

static int sd_init(struct synbus_util_dev *ud)
{
	struct sd_state *st;

	st = devm_kzalloc(synbus_util_to_dev(ud), sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	INIT_WORK(&st->work, sd_work);
	st->ud = ud;
	st->last = -1;
	ud->priv = st;
	return 0;
}

static void sd_deinit(struct synbus_util_dev *ud)
{
	struct sd_state *st = ud->priv;

	cancel_work_sync(&st->work);
}

static int sd_handle(struct synbus_util_dev *ud, void *payload)
{
	struct synbus_ic_shutdown *req = payload;
	struct sd_state *st = ud->priv;
	u32 action = le32_to_cpu(req->action);
	u32 flags = le32_to_cpu(req->flags);

	if (action >= ARRAY_SIZE(sd_names) ||
	    (flags & ~SYNBUS_IC_SHUTDOWN_FORCE)) {
		dev_err_ratelimited(synbus_util_to_dev(ud),
				    "invalid shutdown request %u flags %#x\n",
				    action, flags);
		return SYNBUS_IC_E_INVAL;
	}
	/* A second request while one is queued is answered but not queued. */
	if (work_pending(&st->work))
		return SYNBUS_IC_OK;
	WRITE_ONCE(st->action, action);
	WRITE_ONCE(st->last, action);
	atomic_inc(&st->count);
	schedule_work(&st->work);
	return SYNBUS_IC_OK;
}

static ssize_t shutdown_last_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct sd_state *st = synbus_util_from_dev(dev)->priv;
	int last = READ_ONCE(st->last);

	return sysfs_emit(buf, "%s\n", last < 0 ? "none" : sd_names[last]);
}
static DEVICE_ATTR_RO(shutdown_last);

static ssize_t shutdown_count_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct sd_state *st = synbus_util_from_dev(dev)->priv;

	return sysfs_emit(buf, "%d\n", atomic_read(&st->count));
}
static DEVICE_ATTR_RO(shutdown_count);

static struct attribute *sd_attrs[] = {
	&dev_attr_shutdown_last.attr,
	&dev_attr_shutdown_count.attr,
	NULL
};

static const struct attribute_group sd_group = {
	.attrs = sd_attrs,
};

const struct synbus_util_service synbus_util_shutdown = {
	.name = "shutdown",
	.type = SYNBUS_IC_SHUTDOWN,
	.versions = sd_versions,
	.nr_versions = ARRAY_SIZE(sd_versions),
	.payload_len = sizeof(struct synbus_ic_shutdown),
	.init = sd_init,
	.deinit = sd_deinit,
	.handle = sd_handle,
	.group = &sd_group,
};
