// SPDX-License-Identifier: GPL-2.0
/*
 * The four host-side services: what each sends and what its sysfs
 * directory shows. The transaction machinery is in host.c.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/timekeeping.h>

#include "host.h"

#define UH_REPLY_TIMEOUT	(5 * HZ)

static unsigned int vss_wait_ms = 60000;
module_param(vss_wait_ms, uint, 0644);
MODULE_PARM_DESC(vss_wait_ms, "How long a backup request waits for the guest");

/* Heartbeat: a sequence number every period_ms; the guest adds one. */
static struct {
	spinlock_t lock;	/* protects the fields below */
	u64 seq;		/* last sequence number the guest returned */
	u64 last_ns;		/* CLOCK_MONOTONIC of that answer */
	u64 beats;
	u64 misses;
} hb = { .lock = __SPIN_LOCK_UNLOCKED(hb.lock) };

static int hb_beat(void)
{
	struct synbus_ic_heartbeat msg;
	u64 seq;
	int ret;

	spin_lock(&hb.lock);
	seq = hb.seq;
	spin_unlock(&hb.lock);
	msg.seq = cpu_to_le64(seq);
	ret = uh_transact(&uh_heartbeat, SYNBUS_IC_HEARTBEAT, &msg,
			  sizeof(msg), UH_REPLY_TIMEOUT);
	if (ret > 0)
		ret = uh_status_errno(ret);
	if (!ret && le64_to_cpu(msg.seq) != seq + 1)
		ret = -EBADMSG;
	spin_lock(&hb.lock);
	if (!ret) {
		hb.seq = seq + 1;
		hb.last_ns = ktime_get_ns();
		hb.beats++;
	} else {
		hb.misses++;
	}
	spin_unlock(&hb.lock);
	return ret;
}

static void hb_tick(struct work_struct *work)
{
	hb_beat();
	uh_rearm(&uh_heartbeat);
}

static ssize_t heartbeat_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	ssize_t ret;

	spin_lock(&hb.lock);
	ret = sysfs_emit(buf, "seq %llu last_ns %llu beats %llu misses %llu\n",
			 hb.seq, hb.last_ns, hb.beats, hb.misses);
	spin_unlock(&hb.lock);
	return ret;
}

static struct kobj_attribute hb_status_attr =
	__ATTR(status, 0444, heartbeat_show, NULL);

/* Write anything: one heartbeat now; fails if the guest does not answer. */
static ssize_t beat_store(struct kobject *kobj, struct kobj_attribute *a,
			  const char *buf, size_t count)
{
	int ret = hb_beat();

	return ret < 0 ? ret : count;
}

static struct kobj_attribute hb_beat_attr = __ATTR_WO(beat);

static struct attribute *hb_attrs[] = {
	&hb_status_attr.attr,
	&hb_beat_attr.attr,
	NULL
};

static const struct attribute_group hb_group = { .attrs = hb_attrs };

static int uh_heartbeat_open(struct synbus_host_chan *hc)
{
	return uh_open(&uh_heartbeat, hc);
}

struct uh_svc uh_heartbeat = {
	.hs = {
		.name = "heartbeat",
		.class_id = SYNBUS_HEARTBEAT_GUID,
		.open = uh_heartbeat_open,
	},
	.type = SYNBUS_IC_HEARTBEAT,
	.version = SYNBUS_IC_VER(1, 0),
	.attrs = &hb_group,
	.tick_fn = hb_tick,
	.period_ms = 1000,
};

/* Shutdown: "poweroff" or "reboot", optionally followed by "force". */
static ssize_t request_sd_store(struct kobject *kobj, struct kobj_attribute *a,
				const char *buf, size_t count)
{
	struct synbus_ic_shutdown msg = {};
	char word[16] = "", force[16] = "";
	int ret;

	if (sscanf(buf, "%15s %15s", word, force) < 1)
		return -EINVAL;
	if (!strcmp(word, "poweroff"))
		msg.action = cpu_to_le32(SYNBUS_IC_POWEROFF);
	else if (!strcmp(word, "reboot"))
		msg.action = cpu_to_le32(SYNBUS_IC_REBOOT);
	else
		return -EINVAL;
	if (!strcmp(force, "force"))
		msg.flags = cpu_to_le32(SYNBUS_IC_SHUTDOWN_FORCE);
	else if (force[0])
		return -EINVAL;
	ret = uh_transact(&uh_shutdown, SYNBUS_IC_SHUTDOWN, &msg, sizeof(msg),
			  UH_REPLY_TIMEOUT);
	if (ret > 0)
		ret = uh_status_errno(ret);
	return ret ?: count;
}

static struct kobj_attribute sd_request_attr =
	__ATTR(request, 0200, NULL, request_sd_store);

static struct attribute *sd_attrs[] = {
	&sd_request_attr.attr,
	NULL
};

static const struct attribute_group sd_group = { .attrs = sd_attrs };

static int uh_shutdown_open(struct synbus_host_chan *hc)
{
	return uh_open(&uh_shutdown, hc);
}

struct uh_svc uh_shutdown = {
	.hs = {
		.name = "shutdown",
		.class_id = SYNBUS_SHUTDOWN_GUID,
		.open = uh_shutdown_open,
	},
	.type = SYNBUS_IC_SHUTDOWN,
	.version = SYNBUS_IC_VER(1, 0),
	.attrs = &sd_group,
};

/*
 * Time sync. The host clock is CLOCK_BOOTTIME plus the UTC offset seen at
 * load plus a settable skew: the guest stepping its own clock (which in
 * loopback is the same kernel's) does not move the host's.
 */
static s64 ts_base_ns;
static s64 ts_skew_ns;
static atomic64_t ts_sent = ATOMIC64_INIT(0);
static atomic_t ts_sync_next = ATOMIC_INIT(1);

static u64 ts_host_ns(void)
{
	return ktime_get_boottime_ns() + ts_base_ns + READ_ONCE(ts_skew_ns);
}

static int ts_send(u32 flags)
{
	struct synbus_ic_timesync msg = {};
	int ret;

	/* In loopback the host can stamp the guest's reference clock. */
	msg.ref_ns = cpu_to_le64(ktime_get_boottime_ns());
	msg.host_ns = cpu_to_le64(ts_host_ns());
	msg.flags = cpu_to_le32(flags);
	ret = uh_transact(&uh_timesync, SYNBUS_IC_TIMESYNC, &msg, sizeof(msg),
			  UH_REPLY_TIMEOUT);
	if (ret > 0)
		ret = uh_status_errno(ret);
	if (!ret)
		atomic64_inc(&ts_sent);
	return ret;
}

static void ts_tick(struct work_struct *work)
{
	/* The first sample after open is a hard sync, as on Hyper-V. */
	ts_send(atomic_xchg(&ts_sync_next, 0) ? SYNBUS_IC_TIME_SYNC :
		SYNBUS_IC_TIME_SAMPLE);
	uh_rearm(&uh_timesync);
}

static void ts_on_open(struct uh_svc *s)
{
	atomic_set(&ts_sync_next, 1);
}

/* "sync" or "sample": send one now. */
static ssize_t sample_store(struct kobject *kobj, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	int ret;

	if (sysfs_streq(buf, "sync"))
		ret = ts_send(SYNBUS_IC_TIME_SYNC);
	else if (sysfs_streq(buf, "sample"))
		ret = ts_send(SYNBUS_IC_TIME_SAMPLE);
	else
		ret = -EINVAL;
	return ret ?: count;
}

static struct kobj_attribute ts_sample_attr = __ATTR_WO(sample);

static ssize_t host_time_ns_show(struct kobject *kobj,
				 struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%llu\n", ts_host_ns());
}

static struct kobj_attribute ts_host_time_attr = __ATTR_RO(host_time_ns);

static ssize_t skew_ns_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%lld\n", READ_ONCE(ts_skew_ns));
}

static ssize_t skew_ns_store(struct kobject *kobj, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	s64 v;
	int ret;

	ret = kstrtos64(buf, 0, &v);
	if (ret)
		return ret;
	/* A century either way is plenty for tests. */
	if (abs(v) > 100LL * 365 * 86400 * NSEC_PER_SEC)
		return -ERANGE;
	WRITE_ONCE(ts_skew_ns, v);
	return count;
}

static struct kobj_attribute ts_skew_attr = __ATTR_RW(skew_ns);

static ssize_t samples_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(&ts_sent));
}

static struct kobj_attribute ts_samples_attr = __ATTR_RO(samples);

static struct attribute *ts_attrs[] = {
	&ts_sample_attr.attr,
	&ts_host_time_attr.attr,
	&ts_skew_attr.attr,
	&ts_samples_attr.attr,
	NULL
};

static const struct attribute_group ts_group = { .attrs = ts_attrs };

static int uh_timesync_open(struct synbus_host_chan *hc)
{
	return uh_open(&uh_timesync, hc);
}

struct uh_svc uh_timesync = {
	.hs = {
		.name = "timesync",
		.class_id = SYNBUS_TIMESYNC_GUID,
		.open = uh_timesync_open,
	},
	.type = SYNBUS_IC_TIMESYNC,
	.version = SYNBUS_IC_VER(1, 0),
	.attrs = &ts_group,
	.on_open = ts_on_open,
	.tick_fn = ts_tick,
	.period_ms = 5000,
};

/* Backup: "freeze [timeout_s]", "thaw" or "info". */
static atomic_t vss_frozen = ATOMIC_INIT(0);

static ssize_t request_vss_store(struct kobject *kobj,
				 struct kobj_attribute *a, const char *buf,
				 size_t count)
{
	struct synbus_ic_vss msg = {};
	char word[16] = "";
	unsigned int timeout = 0;
	int n, ret;

	n = sscanf(buf, "%15s %u", word, &timeout);
	if (n < 1)
		return -EINVAL;
	if (!strcmp(word, "freeze"))
		msg.op = cpu_to_le32(SYNBUS_IC_VSS_FREEZE);
	else if (!strcmp(word, "thaw") && n == 1)
		msg.op = cpu_to_le32(SYNBUS_IC_VSS_THAW);
	else if (!strcmp(word, "info") && n == 1)
		msg.op = cpu_to_le32(SYNBUS_IC_VSS_INFO);
	else
		return -EINVAL;
	msg.timeout_s = cpu_to_le32(timeout);
	ret = uh_transact(&uh_vss, SYNBUS_IC_VSS, &msg, sizeof(msg),
			  msecs_to_jiffies(vss_wait_ms));
	if (ret > 0)
		ret = uh_status_errno(ret);
	if (!ret)
		atomic_set(&vss_frozen, le32_to_cpu(msg.frozen) == 1);
	return ret ?: count;
}

static struct kobj_attribute vss_request_attr =
	__ATTR(request, 0200, NULL, request_vss_store);

static ssize_t frozen_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%d\n", atomic_read(&vss_frozen));
}

static struct kobj_attribute vss_frozen_attr = __ATTR_RO(frozen);

static struct attribute *vss_attrs[] = {
	&vss_request_attr.attr,
	&vss_frozen_attr.attr,
	NULL
};

static const struct attribute_group vss_group = { .attrs = vss_attrs };

static int uh_vss_open(struct synbus_host_chan *hc)
{
	return uh_open(&uh_vss, hc);
}

struct uh_svc uh_vss = {
	.hs = {
		.name = "backup",
		.class_id = SYNBUS_VSS_GUID,
		.open = uh_vss_open,
	},
	.type = SYNBUS_IC_VSS,
	.version = SYNBUS_IC_VER(1, 0),
	.attrs = &vss_group,
};

/* The host's UTC base, sampled once at load. */
void uh_time_init(void)
{
	ts_base_ns = ktime_get_real_ns() - ktime_get_boottime_ns();
}
