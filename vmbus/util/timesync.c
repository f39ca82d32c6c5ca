// SPDX-License-Identifier: GPL-2.0
/*
 * Time sync: the host sends UTC samples. Like hv_utils, a SYNC sample
 * (first after boot or restore) steps the clock. Unlike hv_utils we also
 * step when an ordinary sample is further off than step_threshold_ms;
 * smaller offsets are left to an NTP daemon, which can read the host's
 * time from the PTP clock registered here (clock_name "synbus"): a module
 * cannot slew, do_adjtimex() is not exported.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <linux/ptp_clock_kernel.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/workqueue.h>

#include "util.h"

static unsigned int step_threshold_ms = 1000;
module_param(step_threshold_ms, uint, 0644);
MODULE_PARM_DESC(step_threshold_ms,
		 "Step the clock when a sample is off by more (0: SYNC only)");

static const u32 ts_versions[] = { SYNBUS_IC_VER(1, 0) };

/* A sample older than this is stale for the PTP clock, as in hv_utils. */
#define TS_STALE_NS	(600 * NSEC_PER_SEC)
/* Delay compensation is trusted only for a plausible transit time. */
#define TS_MAX_TRANSIT_NS	(10 * NSEC_PER_SEC)

struct tsync_state {
	struct work_struct step_work;
	struct synbus_util_dev *ud;
	spinlock_t lock;	/* protects host_ns and boot_ns */
	u64 host_ns;		/* host UTC at boot_ns */
	u64 boot_ns;		/* our CLOCK_BOOTTIME when host_ns held */
	s64 offset_ns;		/* last sample minus our clock */
	atomic_t samples;
	atomic_t steps;
	struct ptp_clock_info ptp_info;
	struct ptp_clock *ptp;
};

/* The host's time now, extrapolated from the last sample. */
static int ts_host_now(struct tsync_state *st, u64 *ns)
{
	unsigned long flags;
	u64 age;

	spin_lock_irqsave(&st->lock, flags);
	if (!st->boot_ns) {
		spin_unlock_irqrestore(&st->lock, flags);
		return -ENODATA;
	}
	age = ktime_get_boottime_ns() - st->boot_ns;
	*ns = st->host_ns + age;
	spin_unlock_irqrestore(&st->lock, flags);
	return age > TS_STALE_NS ? -ESTALE : 0;
}

static void ts_step(struct work_struct *work)
{
	struct tsync_state *st = container_of(work, struct tsync_state, step_work);
	struct timespec64 ts;
	u64 ns;
	int ret;

	if (ts_host_now(st, &ns))
		return;
	ts = ns_to_timespec64(ns);
	ret = do_settimeofday64(&ts);
	if (ret) {
		dev_err_ratelimited(synbus_util_to_dev(st->ud),
				    "cannot set the clock: %d\n", ret);
		return;
	}
	atomic_inc(&st->steps);
}

static int ts_ptp_gettime(struct ptp_clock_info *info, struct timespec64 *ts)
{
	struct tsync_state *st = container_of(info, struct tsync_state, ptp_info);
	u64 ns;
	int ret;

	ret = ts_host_now(st, &ns);
	if (ret)
		return ret;
	*ts = ns_to_timespec64(ns);
	return 0;
}

static int ts_ptp_settime(struct ptp_clock_info *info,
			  const struct timespec64 *ts)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjtime(struct ptp_clock_info *info, s64 delta)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_adjfine(struct ptp_clock_info *info, long scaled_ppm)
{
	return -EOPNOTSUPP;
}

static int ts_ptp_enable(struct ptp_clock_info *info,
			 struct ptp_clock_request *rq, int on)
{
	return -EOPNOTSUPP;
}

static const struct ptp_clock_info ts_ptp_template = {
	.owner = THIS_MODULE,
	.name = "synbus",
	.gettime64 = ts_ptp_gettime,
	.settime64 = ts_ptp_settime,
	.adjtime = ts_ptp_adjtime,
	.adjfine = ts_ptp_adjfine,
	.enable = ts_ptp_enable,
};

static int ts_init(struct synbus_util_dev *ud)
{
	struct device *dev = synbus_util_to_dev(ud);
	struct tsync_state *st;

	st = devm_kzalloc(dev, sizeof(*st), GFP_KERNEL);
	if (!st)
		return -ENOMEM;
	st->ud = ud;
	spin_lock_init(&st->lock);
	INIT_WORK(&st->step_work, ts_step);
	st->ptp_info = ts_ptp_template;
	/* The service works without a PTP clock; it only loses the hint. */
	st->ptp = ptp_clock_register(&st->ptp_info, dev);
	if (IS_ERR(st->ptp)) {
		dev_warn(dev, "no PTP clock: %ld\n", PTR_ERR(st->ptp));
		st->ptp = NULL;
	}
	ud->priv = st;
	return 0;
}

static void ts_deinit(struct synbus_util_dev *ud)
{
	struct tsync_state *st = ud->priv;

	if (st->ptp)
		ptp_clock_unregister(st->ptp);
	cancel_work_sync(&st->step_work);
}

static int ts_handle(struct synbus_util_dev *ud, void *payload)
{
	struct synbus_ic_timesync *req = payload;
	struct tsync_state *st = ud->priv;
	u64 host_ns = le64_to_cpu(req->host_ns);
	u64 ref_ns = le64_to_cpu(req->ref_ns);
	u32 flags = le32_to_cpu(req->flags);
	u64 now = ktime_get_boottime_ns();
	unsigned long irqflags;
	s64 offset;
	bool step;

	if (!flags || (flags & ~(SYNBUS_IC_TIME_SYNC | SYNBUS_IC_TIME_SAMPLE)) ||
	    host_ns > (u64)KTIME_MAX / 2) {
		dev_err_ratelimited(synbus_util_to_dev(ud),
				    "invalid time sample %llu flags %#x\n",
				    host_ns, flags);
		return SYNBUS_IC_E_INVAL;
	}
	/* Add the transit time when the host stamped our reference clock. */
	if (ref_ns && ref_ns <= now && now - ref_ns < TS_MAX_TRANSIT_NS)
		host_ns += now - ref_ns;

	spin_lock_irqsave(&st->lock, irqflags);
	st->host_ns = host_ns;
	st->boot_ns = now;
	spin_unlock_irqrestore(&st->lock, irqflags);

	offset = (s64)host_ns - (s64)ktime_get_real_ns();
	WRITE_ONCE(st->offset_ns, offset);
	atomic_inc(&st->samples);

	step = flags & SYNBUS_IC_TIME_SYNC;
	if (step_threshold_ms &&
	    abs(offset) > (s64)step_threshold_ms * NSEC_PER_MSEC)
		step = true;
	if (step)
		schedule_work(&st->step_work);
	return SYNBUS_IC_OK;
}

static ssize_t time_offset_ns_show(struct device *dev,
				   struct device_attribute *attr, char *buf)
{
	struct tsync_state *st = synbus_util_from_dev(dev)->priv;

	return sysfs_emit(buf, "%lld\n", READ_ONCE(st->offset_ns));
}
static DEVICE_ATTR_RO(time_offset_ns);

static ssize_t time_samples_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct tsync_state *st = synbus_util_from_dev(dev)->priv;

	return sysfs_emit(buf, "%d\n", atomic_read(&st->samples));
}
static DEVICE_ATTR_RO(time_samples);

static ssize_t time_steps_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	struct tsync_state *st = synbus_util_from_dev(dev)->priv;

	return sysfs_emit(buf, "%d\n", atomic_read(&st->steps));
}
static DEVICE_ATTR_RO(time_steps);

static ssize_t ptp_index_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct tsync_state *st = synbus_util_from_dev(dev)->priv;

	if (!st->ptp)
		return -ENODEV;
	return sysfs_emit(buf, "%d\n", ptp_clock_index(st->ptp));
}
static DEVICE_ATTR_RO(ptp_index);

static struct attribute *ts_attrs[] = {
	&dev_attr_time_offset_ns.attr,
	&dev_attr_time_samples.attr,
	&dev_attr_time_steps.attr,
	&dev_attr_ptp_index.attr,
	NULL
};

static const struct attribute_group ts_group = {
	.attrs = ts_attrs,
};

const struct synbus_util_service synbus_util_timesync = {
	.name = "timesync",
	.type = SYNBUS_IC_TIMESYNC,
	.versions = ts_versions,
	.nr_versions = ARRAY_SIZE(ts_versions),
	.payload_len = sizeof(struct synbus_ic_timesync),
	.init = ts_init,
	.deinit = ts_deinit,
	.handle = ts_handle,
	.group = &ts_group,
};
