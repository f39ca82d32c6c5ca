// SPDX-License-Identifier: GPL-2.0
/*
 * synbus_util: the integration services driver. One driver serves the
 * heartbeat, shutdown, time sync and backup (VSS) classes. Every inbound
 * message is copied, bounded and checked here before a service sees it:
 * the host side is untrusted.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "../synbus.h"
#include "util.h"

/* IC traffic is a few small messages: two pages per direction. */
#define UTIL_RING_SIZE	(2 * PAGE_SIZE)

#define IC_HDR_LEN	sizeof(struct synbus_ic_hdr)

struct device *synbus_util_to_dev(struct synbus_util_dev *ud)
{
	return &ud->sdev->dev;
}

struct synbus_util_dev *synbus_util_from_dev(struct device *dev)
{
	return dev_get_drvdata(dev);
}

static void util_send(struct synbus_util_dev *ud)
{
	struct synbus_channel *ch = ud->sdev->channel;
	int ret;

	if (ud->closing)
		return;
	if (ud->req_completion)
		ret = synbus_send_completion(ch, ud->req_id, ud->buf, ud->len, 0);
	else
		ret = synbus_sendpacket(ch, ud->buf, ud->len, ud->req_id, 0);
	if (ret && ret != -ENODEV && ret != -ESHUTDOWN)
		dev_err_ratelimited(&ud->sdev->dev,
				    "%s: cannot send response: %d\n",
				    ud->svc->name, ret);
}

/* Turn the request in ud->buf into its response and send it. */
static void util_reply(struct synbus_util_dev *ud, u32 status)
{
	struct synbus_ic_hdr *hdr = (struct synbus_ic_hdr *)ud->buf;

	hdr->flags = cpu_to_le16(SYNBUS_IC_F_RESPONSE);
	hdr->status = cpu_to_le32(status);
	hdr->version = cpu_to_le32(ud->version);
	if (status != SYNBUS_IC_OK && le16_to_cpu(hdr->type) !=
	    SYNBUS_IC_NEGOTIATE) {
		/* An error carries no payload: its request may be garbage. */
		hdr->len = 0;
		ud->len = IC_HDR_LEN;
	}
	util_send(ud);
}

/**
 * synbus_util_respond() - send the response a service deferred
 * @ud: the device
 * @status: enum synbus_ic_status
 *
 * Inbound reading resumes afterwards. The payload in @ud->buf may have
 * been updated by the service.
 */
void synbus_util_respond(struct synbus_util_dev *ud, u32 status)
{
	mutex_lock(&ud->lock);
	if (ud->deferred) {
		ud->deferred = false;
		util_reply(ud, status);
	}
	mutex_unlock(&ud->lock);
	if (!READ_ONCE(ud->closing))
		synbus_chan_kick(ud->sdev->channel);
}

static void util_bad(struct synbus_util_dev *ud, const char *why, u32 val)
{
	ud->bad++;
	dev_err_ratelimited(&ud->sdev->dev, "%s: rejected message: %s (%u)\n",
			    ud->svc->name, why, val);
}

/* Pick the host's most preferred version that we speak. */
static u32 util_negotiate(struct synbus_util_dev *ud,
			  struct synbus_ic_negotiate *neg)
{
	unsigned int count = le16_to_cpu(neg->count);
	unsigned int i, j;

	if (!count || count > SYNBUS_IC_MAX_VERSIONS) {
		util_bad(ud, "version count", count);
		return SYNBUS_IC_E_INVAL;
	}
	for (i = 0; i < count; i++) {
		u32 v = le32_to_cpu(neg->versions[i]);

		for (j = 0; j < ud->svc->nr_versions; j++) {
			if (v != ud->svc->versions[j])
				continue;
			ud->version = v;
			neg->chosen = cpu_to_le32(v);
			dev_info(&ud->sdev->dev, "%s version %u.%u\n",
				 ud->svc->name, v >> 16, v & 0xffff);
			return SYNBUS_IC_OK;
		}
	}
	/* A failed renegotiation keeps the version in use. */
	neg->chosen = 0;
	dev_warn_ratelimited(&ud->sdev->dev, "%s: no common version\n",
			     ud->svc->name);
	return SYNBUS_IC_E_VERSION;
}

/* Validate the message in ud->buf and serve it; returns a status. */
static int util_dispatch(struct synbus_util_dev *ud)
{
	struct synbus_ic_hdr *hdr = (struct synbus_ic_hdr *)ud->buf;
	void *payload = ud->buf + IC_HDR_LEN;
	u32 plen = ud->len - IC_HDR_LEN;
	u16 type = le16_to_cpu(hdr->type);
	int ret;

	if (le16_to_cpu(hdr->flags) != SYNBUS_IC_F_REQUEST) {
		util_bad(ud, "not a request", le16_to_cpu(hdr->flags));
		return SYNBUS_IC_E_INVAL;
	}
	if (le32_to_cpu(hdr->len) != plen) {
		util_bad(ud, "length field", le32_to_cpu(hdr->len));
		return SYNBUS_IC_E_INVAL;
	}
	if (type == SYNBUS_IC_NEGOTIATE) {
		if (plen != sizeof(struct synbus_ic_negotiate)) {
			util_bad(ud, "negotiate length", plen);
			return SYNBUS_IC_E_INVAL;
		}
		return util_negotiate(ud, payload);
	}
	if (type != ud->svc->type) {
		util_bad(ud, "type", type);
		return SYNBUS_IC_E_INVAL;
	}
	if (!ud->version)
		return SYNBUS_IC_E_STATE;
	if (le32_to_cpu(hdr->version) != ud->version) {
		util_bad(ud, "version", le32_to_cpu(hdr->version));
		return SYNBUS_IC_E_VERSION;
	}
	if (plen != ud->svc->payload_len) {
		util_bad(ud, "payload length", plen);
		return SYNBUS_IC_E_INVAL;
	}
	ret = ud->svc->handle(ud, payload);
	if (ret == SYNBUS_UTIL_DEFER)
		return ret;
	ud->requests++;
	return ret;
}

static int util_on_packet(struct synbus_channel *ch,
			  const struct synbus_packet *pkt)
{
	struct synbus_util_dev *ud = synbus_get_chan_drvdata(ch);
	struct synbus_ic_hdr *hdr = (struct synbus_ic_hdr *)ud->buf;
	int ret;

	mutex_lock(&ud->lock);
	/* One transaction at a time: leave the rest in the ring. */
	if (ud->deferred) {
		mutex_unlock(&ud->lock);
		return -EAGAIN;
	}
	if (ud->closing)
		goto out;
	ud->req_id = pkt->trans_id;
	ud->req_completion = pkt->flags & SYNBUS_PKT_FLAG_COMPLETION_REQUESTED;
	if (pkt->type != SYNBUS_PKT_INBAND) {
		util_bad(ud, "packet type", pkt->type);
		goto out;
	}
	if (pkt->len < IC_HDR_LEN || pkt->len > SYNBUS_IC_MAX_PKT) {
		util_bad(ud, "packet length", pkt->len);
		/* Answer with a bare error header so the host stops waiting. */
		memset(hdr, 0, IC_HDR_LEN);
		ud->len = IC_HDR_LEN;
		util_reply(ud, SYNBUS_IC_E_INVAL);
		goto out;
	}
	memcpy(ud->buf, pkt->data, pkt->len);
	ud->len = pkt->len;
	ret = util_dispatch(ud);
	if (ret == SYNBUS_UTIL_DEFER)
		ud->deferred = true;
	else
		util_reply(ud, ret);
out:
	mutex_unlock(&ud->lock);
	return 0;
}

static ssize_t ic_version_show(struct device *dev,
			       struct device_attribute *attr, char *buf)
{
	u32 v = READ_ONCE(synbus_util_from_dev(dev)->version);

	return sysfs_emit(buf, "%u.%u\n", v >> 16, v & 0xffff);
}
static DEVICE_ATTR_RO(ic_version);

static ssize_t ic_requests_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(synbus_util_from_dev(dev)->requests));
}
static DEVICE_ATTR_RO(ic_requests);

static ssize_t ic_rejected_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	return sysfs_emit(buf, "%llu\n",
			  READ_ONCE(synbus_util_from_dev(dev)->bad));
}
static DEVICE_ATTR_RO(ic_rejected);

static struct attribute *util_attrs[] = {
	&dev_attr_ic_version.attr,
	&dev_attr_ic_requests.attr,
	&dev_attr_ic_rejected.attr,
	NULL
};

static const struct attribute_group util_group = {
	.attrs = util_attrs,
};

static int util_probe(struct synbus_device *sdev,
		      const struct synbus_device_id *id)
{
	const struct synbus_util_service *svc = (const void *)id->driver_data;
	struct synbus_util_dev *ud;
	int ret;

	ud = devm_kzalloc(&sdev->dev, sizeof(*ud), GFP_KERNEL);
	if (!ud)
		return -ENOMEM;
	ud->sdev = sdev;
	ud->svc = svc;
	mutex_init(&ud->lock);
	dev_set_drvdata(&sdev->dev, ud);
	synbus_set_chan_drvdata(sdev->channel, ud);

	if (svc->init) {
		ret = svc->init(ud);
		if (ret)
			return ret;
	}
	ret = synbus_open(sdev->channel, UTIL_RING_SIZE, UTIL_RING_SIZE);
	if (ret)
		goto err_deinit;
	ret = sysfs_create_group(&sdev->dev.kobj, &util_group);
	if (ret)
		goto err_close;
	if (svc->group) {
		ret = sysfs_create_group(&sdev->dev.kobj, svc->group);
		if (ret)
			goto err_group;
	}
	return 0;

err_group:
	sysfs_remove_group(&sdev->dev.kobj, &util_group);
err_close:
	ud->closing = true;
	synbus_close(sdev->channel);
err_deinit:
	if (svc->deinit)
		svc->deinit(ud);
	return ret;
}

static void util_remove(struct synbus_device *sdev)
{
	struct synbus_util_dev *ud = dev_get_drvdata(&sdev->dev);

	if (ud->svc->group)
		sysfs_remove_group(&sdev->dev.kobj, ud->svc->group);
	sysfs_remove_group(&sdev->dev.kobj, &util_group);
	/* From here on nothing is sent; a deferred response is dropped. */
	mutex_lock(&ud->lock);
	WRITE_ONCE(ud->closing, true);
	mutex_unlock(&ud->lock);
	synbus_close(sdev->channel);
	if (ud->svc->deinit)
		ud->svc->deinit(ud);
}

static const struct synbus_device_id util_ids[] = {
	{ .guid = SYNBUS_HEARTBEAT_GUID,
	  .driver_data = (kernel_ulong_t)&synbus_util_heartbeat },
	{ .guid = SYNBUS_SHUTDOWN_GUID,
	  .driver_data = (kernel_ulong_t)&synbus_util_shutdown },
	{ .guid = SYNBUS_TIMESYNC_GUID,
	  .driver_data = (kernel_ulong_t)&synbus_util_timesync },
	{ .guid = SYNBUS_VSS_GUID,
	  .driver_data = (kernel_ulong_t)&synbus_util_vss },
	{ }
};

static struct synbus_driver util_driver = {
	.name = "synbus_util",
	.id_table = util_ids,
	.probe = util_probe,
	.remove = util_remove,
	.on_packet = util_on_packet,
};

static int __init util_init(void)
{
	int ret;

	ret = synbus_vss_module_init();
	if (ret)
		return ret;
	ret = synbus_driver_register(&util_driver);
	if (ret)
		synbus_vss_module_exit();
	return ret;
}

static void __exit util_exit(void)
{
	synbus_driver_unregister(&util_driver);
	synbus_vss_module_exit();
}

module_init(util_init);
module_exit(util_exit);

SYNBUS_MODULE_ALIAS(SYNBUS_HEARTBEAT_GUID_STR);
SYNBUS_MODULE_ALIAS(SYNBUS_SHUTDOWN_GUID_STR);
SYNBUS_MODULE_ALIAS(SYNBUS_TIMESYNC_GUID_STR);
SYNBUS_MODULE_ALIAS(SYNBUS_VSS_GUID_STR);
MODULE_DESCRIPTION("synbus integration services: heartbeat, shutdown, time sync, backup");
MODULE_LICENSE("GPL");
