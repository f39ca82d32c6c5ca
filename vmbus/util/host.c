// SPDX-License-Identifier: GPL-2.0
/*
 * synbus_util_host: host-side counterparts of the integration services
 * for the loopback host. Each service registers its class with
 * synbus_loop.ko, negotiates a version when the guest opens the channel
 * and runs one request/response transaction at a time. The guest is not
 * trusted either: responses are bounded and matched by tag.
 *
 * Userspace drives it through /sys/kernel/synbus_util_host/<service>/
 * (see Documentation/synbus-services.rst).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "host.h"

#define IC_HDR_LEN	sizeof(struct synbus_ic_hdr)
#define UH_NEGOTIATE_TIMEOUT	(5 * HZ)
#define UH_SEND_TIMEOUT		HZ
#define UH_NEGOTIATE_RETRY	msecs_to_jiffies(20)
#define UH_NEGOTIATE_TRIES	50

static struct uh_svc *const uh_all[] = {
	&uh_heartbeat, &uh_shutdown, &uh_timesync, &uh_vss,
};

static struct kobject *uh_root;

struct uh_svc *uh_from_kobj(struct kobject *kobj)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(uh_all); i++)
		if (uh_all[i]->kobj == kobj)
			return uh_all[i];
	return NULL;
}

int uh_status_errno(u32 status)
{
	switch (status) {
	case SYNBUS_IC_OK:
		return 0;
	case SYNBUS_IC_E_INVAL:
		return -EINVAL;
	case SYNBUS_IC_E_VERSION:
		return -EPROTO;
	case SYNBUS_IC_E_STATE:
		return -EBUSY;
	case SYNBUS_IC_E_NODAEMON:
		return -ENOTCONN;
	case SYNBUS_IC_E_TIMEOUT:
		return -ETIMEDOUT;
	default:
		return -EIO;
	}
}

/**
 * uh_transact() - send one request and wait for its response
 * @s: the service
 * @type: request type
 * @payload: request payload; replaced by the response payload
 * @len: payload bytes (the response must carry as many, or none)
 * @timeout: jiffies to wait for the response
 *
 * Return: the response's synbus_ic_status (>= 0), or -ENODEV without an
 * open channel, -ETIME without a response, -EBADMSG on a bad one.
 */
int uh_transact(struct uh_svc *s, u16 type, void *payload, u32 len,
		long timeout)
{
	u8 buf[SYNBUS_IC_MAX_PKT] __aligned(8);
	struct synbus_ic_hdr *hdr = (void *)buf;
	struct synbus_host_chan *hc;
	long left;
	u64 tag;
	int ret;

	if (WARN_ON(len > sizeof(buf) - IC_HDR_LEN))
		return -EINVAL;
	ret = mutex_lock_interruptible(&s->xfer);
	if (ret)
		return ret;
	spin_lock(&s->lock);
	hc = s->closing ? NULL : s->hc;
	tag = ++s->next_tag;
	s->wait_tag = hc ? tag : 0;
	s->resp_len = 0;
	reinit_completion(&s->resp_done);
	spin_unlock(&s->lock);
	if (!hc) {
		ret = -ENODEV;
		goto out;
	}

	memset(hdr, 0, IC_HDR_LEN);
	hdr->type = cpu_to_le16(type);
	hdr->flags = cpu_to_le16(SYNBUS_IC_F_REQUEST);
	hdr->len = cpu_to_le32(len);
	hdr->version = cpu_to_le32(type == SYNBUS_IC_NEGOTIATE ? 0 :
				   READ_ONCE(s->negotiated));
	hdr->tag = cpu_to_le64(tag);
	memcpy(buf + IC_HDR_LEN, payload, len);
	ret = synbus_host_send_wait(hc, SYNBUS_PKT_INBAND, 0, tag, buf,
				    IC_HDR_LEN + len, UH_SEND_TIMEOUT);
	if (ret)
		goto out_clear;

	left = wait_for_completion_interruptible_timeout(&s->resp_done,
							 timeout);
	if (left < 0) {
		ret = left;
		goto out_clear;
	}
	if (!left) {
		ret = -ETIME;
		goto out_clear;
	}
	spin_lock(&s->lock);
	ret = s->resp_len;
	if (ret >= (int)IC_HDR_LEN) {
		hdr = (void *)s->resp;
		if (ret == IC_HDR_LEN + len)
			memcpy(payload, s->resp + IC_HDR_LEN, len);
		else if (ret != IC_HDR_LEN)
			ret = -EBADMSG;
		if (ret >= 0)
			ret = le32_to_cpu(hdr->status);
	}
	spin_unlock(&s->lock);
	goto out;

out_clear:
	spin_lock(&s->lock);
	s->wait_tag = 0;
	spin_unlock(&s->lock);
out:
	mutex_unlock(&s->xfer);
	return ret;
}

void uh_rearm(struct uh_svc *s)
{
	unsigned int ms = READ_ONCE(s->period_ms);

	if (s->tick_fn && ms && READ_ONCE(s->hc) && READ_ONCE(s->negotiated))
		mod_delayed_work(system_wq, &s->tick, msecs_to_jiffies(ms));
}

static void uh_negotiate(struct work_struct *work)
{
	struct uh_svc *s = container_of(to_delayed_work(work), struct uh_svc,
					negotiate_work);
	struct synbus_ic_negotiate neg = {
		.count = cpu_to_le16(1),
		.versions[0] = cpu_to_le32(s->version),
	};
	int ret;

	ret = uh_transact(s, SYNBUS_IC_NEGOTIATE, &neg, sizeof(neg),
			  UH_NEGOTIATE_TIMEOUT);
	/* open() runs before the loopback host marks the channel writable. */
	if (ret == -ENOTCONN && s->negotiate_tries--) {
		schedule_delayed_work(&s->negotiate_work, UH_NEGOTIATE_RETRY);
		return;
	}
	if (ret || le32_to_cpu(neg.chosen) != s->version) {
		pr_warn("%s: negotiation failed: %d\n", s->hs.name, ret);
		return;
	}
	WRITE_ONCE(s->negotiated, s->version);
	if (s->on_open)
		s->on_open(s);
	uh_rearm(s);
}

/* Called by each service's open hook: the channel is now ours. */
int uh_open(struct uh_svc *s, struct synbus_host_chan *hc)
{
	int ret = 0;

	spin_lock(&s->lock);
	if (s->hc) {
		ret = -EBUSY;	/* one device per service */
	} else {
		s->hc = hc;
		s->closing = false;
		s->negotiated = 0;
		synbus_host_set_drvdata(hc, s);
	}
	spin_unlock(&s->lock);
	if (!ret) {
		s->negotiate_tries = UH_NEGOTIATE_TRIES;
		schedule_delayed_work(&s->negotiate_work, 0);
	}
	return ret;
}

static void uh_close(struct synbus_host_chan *hc)
{
	struct uh_svc *s = synbus_host_get_drvdata(hc);

	if (!s || READ_ONCE(s->hc) != hc)
		return;
	/* Fail the waiter, then wait until no sender holds the channel. */
	spin_lock(&s->lock);
	s->closing = true;
	s->resp_len = -ENODEV;
	s->wait_tag = 0;
	complete(&s->resp_done);
	spin_unlock(&s->lock);
	mutex_lock(&s->xfer);
	spin_lock(&s->lock);
	s->hc = NULL;
	s->negotiated = 0;
	spin_unlock(&s->lock);
	mutex_unlock(&s->xfer);
	cancel_delayed_work_sync(&s->negotiate_work);
	cancel_delayed_work_sync(&s->tick);
}

static int uh_packet(struct synbus_host_chan *hc,
		     const struct synbus_packet *pkt)
{
	struct uh_svc *s = synbus_host_get_drvdata(hc);
	const struct synbus_ic_hdr *hdr = pkt->data;
	u64 tag;

	if (!s)
		return 0;
	if (pkt->type != SYNBUS_PKT_INBAND || pkt->len < IC_HDR_LEN ||
	    pkt->len > SYNBUS_IC_MAX_PKT ||
	    le16_to_cpu(hdr->flags) != SYNBUS_IC_F_RESPONSE ||
	    le32_to_cpu(hdr->len) != pkt->len - IC_HDR_LEN) {
		spin_lock(&s->lock);
		s->bad++;
		spin_unlock(&s->lock);
		pr_warn_ratelimited("%s: malformed response (type %u len %u)\n",
				    s->hs.name, pkt->type, pkt->len);
		return 0;
	}
	tag = le64_to_cpu(hdr->tag);
	spin_lock(&s->lock);
	if (tag && tag == s->wait_tag && pkt->trans_id == tag) {
		memcpy(s->resp, pkt->data, pkt->len);
		s->resp_len = pkt->len;
		s->wait_tag = 0;
		complete(&s->resp_done);
	} else {
		/* An answer to an injected message, or a late one. */
		s->stray++;
		s->stray_status = le32_to_cpu(hdr->status);
	}
	spin_unlock(&s->lock);
	return 0;
}

/* Common attributes of every service directory. */
static ssize_t device_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	struct uh_svc *s = uh_from_kobj(kobj);
	ssize_t ret;

	spin_lock(&s->lock);
	if (s->have_device)
		ret = sysfs_emit(buf, "%pUl\n", &s->device_id);
	else
		ret = sysfs_emit(buf, "none\n");
	spin_unlock(&s->lock);
	return ret;
}

static struct kobj_attribute device_attr = __ATTR_RO(device);

static ssize_t offer_store(struct kobject *kobj, struct kobj_attribute *a,
			   const char *buf, size_t count)
{
	struct uh_svc *s = uh_from_kobj(kobj);
	guid_t id;
	int ret;

	spin_lock(&s->lock);
	ret = s->have_device ? -EEXIST : 0;
	s->have_device = true;	/* reserve: one offer at a time */
	spin_unlock(&s->lock);
	if (ret)
		return ret;
	ret = synbus_loop_offer(&s->hs.class_id, NULL, 0, &id);
	spin_lock(&s->lock);
	s->have_device = !ret;
	if (!ret)
		s->device_id = id;
	spin_unlock(&s->lock);
	return ret ?: count;
}

static struct kobj_attribute offer_attr = __ATTR_WO(offer);

static ssize_t rescind_store(struct kobject *kobj, struct kobj_attribute *a,
			     const char *buf, size_t count)
{
	struct uh_svc *s = uh_from_kobj(kobj);
	guid_t id;
	int ret;

	spin_lock(&s->lock);
	ret = s->have_device ? 0 : -ENODEV;
	id = s->device_id;
	s->have_device = false;
	spin_unlock(&s->lock);
	if (ret)
		return ret;
	ret = synbus_loop_rescind(&id);
	return ret ?: count;
}

static struct kobj_attribute rescind_attr = __ATTR_WO(rescind);

static ssize_t version_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	u32 v = READ_ONCE(uh_from_kobj(kobj)->negotiated);

	return sysfs_emit(buf, "%u.%u\n", v >> 16, v & 0xffff);
}

static struct kobj_attribute version_attr = __ATTR_RO(version);

static ssize_t period_ms_show(struct kobject *kobj, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(uh_from_kobj(kobj)->period_ms));
}

static ssize_t period_ms_store(struct kobject *kobj, struct kobj_attribute *a,
			       const char *buf, size_t count)
{
	struct uh_svc *s = uh_from_kobj(kobj);
	unsigned int ms;
	int ret;

	if (!s->tick_fn)
		return -EOPNOTSUPP;
	ret = kstrtouint(buf, 0, &ms);
	if (ret)
		return ret;
	if (ms && ms < 10)
		return -EINVAL;
	WRITE_ONCE(s->period_ms, ms);
	if (ms)
		uh_rearm(s);
	else
		cancel_delayed_work(&s->tick);
	return count;
}

static struct kobj_attribute period_ms_attr = __ATTR_RW(period_ms);

static ssize_t counters_show(struct kobject *kobj, struct kobj_attribute *a,
			     char *buf)
{
	struct uh_svc *s = uh_from_kobj(kobj);
	ssize_t ret;

	spin_lock(&s->lock);
	ret = sysfs_emit(buf, "rejected %llu stray %llu stray_status %u\n",
			 s->bad, s->stray, s->stray_status);
	spin_unlock(&s->lock);
	return ret;
}

static struct kobj_attribute counters_attr = __ATTR_RO(counters);

/* Raw bytes as one in-band packet: for hostile-host tests. */
static ssize_t inject_store(struct kobject *kobj, struct kobj_attribute *a,
			    const char *buf, size_t count)
{
	struct uh_svc *s = uh_from_kobj(kobj);
	int ret;

	ret = mutex_lock_interruptible(&s->xfer);
	if (ret)
		return ret;
	ret = s->hc && !s->closing ? synbus_host_send_wait(s->hc, SYNBUS_PKT_INBAND, 0, 0,
					    buf, count, UH_SEND_TIMEOUT) :
		      -ENODEV;
	mutex_unlock(&s->xfer);
	return ret ?: count;
}

static struct kobj_attribute inject_attr = __ATTR_WO(inject);

static struct attribute *uh_common_attrs[] = {
	&device_attr.attr,
	&offer_attr.attr,
	&rescind_attr.attr,
	&version_attr.attr,
	&period_ms_attr.attr,
	&counters_attr.attr,
	&inject_attr.attr,
	NULL
};

static const struct attribute_group uh_common_group = {
	.attrs = uh_common_attrs,
};

/* Services without a periodic sender still get a valid work function. */
static void uh_no_tick(struct work_struct *work)
{
}

static void uh_svc_exit(struct uh_svc *s)
{
	synbus_loop_unregister_service(&s->hs);
	cancel_delayed_work_sync(&s->negotiate_work);
	cancel_delayed_work_sync(&s->tick);
	kobject_put(s->kobj);
}

static int uh_svc_init(struct uh_svc *s)
{
	int ret;

	spin_lock_init(&s->lock);
	mutex_init(&s->xfer);
	init_completion(&s->resp_done);
	INIT_DELAYED_WORK(&s->negotiate_work, uh_negotiate);
	INIT_DELAYED_WORK(&s->tick, s->tick_fn ?: uh_no_tick);
	s->hs.owner = THIS_MODULE;
	s->hs.close = uh_close;
	s->hs.on_packet = uh_packet;
	s->kobj = kobject_create_and_add(s->hs.name, uh_root);
	if (!s->kobj)
		return -ENOMEM;
	ret = sysfs_create_group(s->kobj, &uh_common_group);
	if (!ret && s->attrs)
		ret = sysfs_create_group(s->kobj, s->attrs);
	if (!ret)
		ret = synbus_loop_register_service(&s->hs);
	if (ret)
		kobject_put(s->kobj);
	return ret;
}

static int __init uh_init(void)
{
	unsigned int i;
	int ret;

	uh_time_init();
	uh_root = kobject_create_and_add("synbus_util_host", kernel_kobj);
	if (!uh_root)
		return -ENOMEM;
	for (i = 0; i < ARRAY_SIZE(uh_all); i++) {
		ret = uh_svc_init(uh_all[i]);
		if (ret)
			goto err;
	}
	return 0;
err:
	while (i--)
		uh_svc_exit(uh_all[i]);
	kobject_put(uh_root);
	return ret;
}

static void __exit uh_exit(void)
{
	unsigned int i = ARRAY_SIZE(uh_all);

	while (i--)
		uh_svc_exit(uh_all[i]);
	kobject_put(uh_root);
}

module_init(uh_init);
module_exit(uh_exit);

MODULE_DESCRIPTION("synbus loopback host: integration service counterparts");
MODULE_LICENSE("GPL");
