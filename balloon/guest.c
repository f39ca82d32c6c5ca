// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem.ko: the dynamic-memory balloon, a client driver of synbus. It
 * binds to devices of class DYNMEM_CLASS_GUID, negotiates the protocol
 * (uapi/linux/dynmem.h), serves the host's inflate and deflate requests
 * one at a time in a work item (a newer request supersedes an older one),
 * and reports the guest's memory pressure. The host is not trusted: every
 * message is checked for size and type before its fields are used, and a
 * bad one is counted, logged (rate-limited) and dropped.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/device.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "../vmbus/synbus.h"
#include "dynmem.h"

#define DYNMEM_RING_SIZE	(16 * PAGE_SIZE)
#define DYNMEM_VERSION_TIMEOUT	(5 * HZ)
#define DYNMEM_VERSION_TRIES	50

unsigned int dynmem_report_ms = 1000;
module_param_named(report_ms, dynmem_report_ms, uint, 0644);
MODULE_PARM_DESC(report_ms, "Milliseconds between pressure reports (default 1000; 0: only on events)");

unsigned int dynmem_oom_pages = 65536;
module_param_named(oom_pages, dynmem_oom_pages, uint, 0644);
MODULE_PARM_DESC(oom_pages, "Pages given back per OOM notifier call (default 65536: 256 MiB)");

unsigned int dynmem_backoff_ms = 10000;
module_param_named(backoff_ms, dynmem_backoff_ms, uint, 0644);
MODULE_PARM_DESC(backoff_ms, "No inflation for this long after the guest took pages back (default 10000)");

bool dynmem_use_2m = true;
module_param_named(use_2m, dynmem_use_2m, bool, 0644);
MODULE_PARM_DESC(use_2m, "Inflate with 2 MiB blocks first (default on)");

bool dynmem_shrink = true;
module_param_named(shrink, dynmem_shrink, bool, 0644);
MODULE_PARM_DESC(shrink, "Give pages back under the shrinker when memory is short (default on)");

int dynmem_send(struct dynmem *dm, const void *msg, u32 len)
{
	if (READ_ONCE(dm->closing))
		return -ESHUTDOWN;
	return synbus_sendpacket(dm->ch, msg, len, 0, SYNBUS_SEND_WAIT);
}

static void dynmem_bad(struct dynmem *dm, const char *why, u32 type, u32 len)
{
	dm->cnt.bad_messages++;
	dynmem_warn(dm, "dropped a bad message from the host: %s (type %u, %u bytes)",
		    why, type, len);
}

static void dynmem_req_work(struct work_struct *work)
{
	struct dynmem *dm = container_of(work, struct dynmem, req_work);
	u64 id, pages;
	u32 type;

	spin_lock(&dm->req_lock);
	type = dm->req_type;
	id = dm->req_id;
	pages = dm->req_pages;
	spin_unlock(&dm->req_lock);
	if (type == DYNMEM_MSG_INFLATE)
		dynmem_inflate(dm, id, pages);
	else if (type == DYNMEM_MSG_DEFLATE)
		dynmem_deflate(dm, id, pages, DYNMEM_MSG_DEFLATE_RESP);
	spin_lock(&dm->req_lock);
	if (dm->req_id == id && dm->req_type == type)
		dm->req_type = 0;	/* served, not superseded */
	spin_unlock(&dm->req_lock);
}

/* A request from the host: it replaces any request not yet served. */
static void dynmem_request(struct dynmem *dm, const struct dynmem_request *r,
			   u32 type)
{
	u64 pages = le64_to_cpu(r->pages);
	u64 limit = totalram_pages() + dynmem_balloon_pages(dm);

	/* More than the guest has is clamped: it gives what it can. */
	if (pages > limit)
		pages = limit;
	spin_lock(&dm->req_lock);
	dm->req_type = type;
	dm->req_id = le64_to_cpu(r->req_id);
	dm->req_pages = pages;
	if (type == DYNMEM_MSG_INFLATE)
		dm->target_pages = dynmem_balloon_pages(dm) + pages;
	else
		dm->target_pages = dynmem_balloon_pages(dm) -
				   min(pages, dynmem_balloon_pages(dm));
	spin_unlock(&dm->req_lock);
	queue_work(system_unbound_wq, &dm->req_work);
}

static const u32 dynmem_min_size[] = {
	[DYNMEM_MSG_LIMITS] = sizeof(struct dynmem_limits),
	[DYNMEM_MSG_INFLATE] = sizeof(struct dynmem_request),
	[DYNMEM_MSG_DEFLATE] = sizeof(struct dynmem_request),
};

static int dynmem_on_packet(struct synbus_channel *ch,
			    const struct synbus_packet *pkt)
{
	struct dynmem *dm = synbus_get_chan_drvdata(ch);
	const struct dynmem_hdr *h = pkt->data;
	const struct dynmem_limits *lim;
	u32 type, size;

	if (pkt->len < sizeof(*h)) {
		dynmem_bad(dm, "shorter than a header", 0, pkt->len);
		return 0;
	}
	type = le16_to_cpu(h->type);
	size = le32_to_cpu(h->size);
	if (size > pkt->len || size < sizeof(*h)) {
		dynmem_bad(dm, "size field does not match the packet", type,
			   pkt->len);
		return 0;
	}
	if (type >= ARRAY_SIZE(dynmem_min_size) || !dynmem_min_size[type]) {
		dynmem_bad(dm, "not a message the host sends", type, size);
		return 0;
	}
	if (size < dynmem_min_size[type]) {
		dynmem_bad(dm, "too short for its type", type, size);
		return 0;
	}
	/*
	 * A host may send right after it answered VERSION, before the probe
	 * thread has seen the answer: keep the packet until it has (the
	 * probe kicks the channel then, or closes it on failure).
	 */
	/* Pairs with the release in dynmem_negotiate(): caps are set. */
	if (!smp_load_acquire(&dm->version))
		return -EAGAIN;
	switch (type) {
	case DYNMEM_MSG_LIMITS:
		lim = pkt->data;
		WRITE_ONCE(dm->min_pages, le64_to_cpu(lim->min_pages));
		WRITE_ONCE(dm->max_pages, le64_to_cpu(lim->max_pages));
		WRITE_ONCE(dm->buffer_pct, le32_to_cpu(lim->buffer_pct));
		WRITE_ONCE(dm->weight, le32_to_cpu(lim->weight));
		break;
	default:
		dynmem_request(dm, pkt->data, type);
		break;
	}
	return 0;
}

static int dynmem_negotiate(struct dynmem *dm)
{
	struct dynmem_version v = {
		.hdr.type = cpu_to_le16(DYNMEM_MSG_VERSION),
		.hdr.size = cpu_to_le32(sizeof(v)),
		.version = cpu_to_le32(DYNMEM_VERSION),
		.caps = cpu_to_le32(DYNMEM_CAP_2M | DYNMEM_CAP_RELEASE |
				    DYNMEM_CAP_RECLAIM),
	};
	struct dynmem_version resp;
	struct synbus_request req = { .resp = &resp, .resp_size = sizeof(resp) };
	int err, tries;

	for (tries = 0; tries < DYNMEM_VERSION_TRIES; tries++) {
		init_completion(&req.done);
		err = synbus_send_request(dm->ch, &v, sizeof(v), &req, 0);
		if (err == -EAGAIN) {	/* the host side is not reading yet */
			msleep(20);
			continue;
		}
		if (err)
			return err;
		err = synbus_request_wait(dm->ch, &req, DYNMEM_VERSION_TIMEOUT);
		if (err)
			return err;
		break;
	}
	if (tries == DYNMEM_VERSION_TRIES)
		return -ETIMEDOUT;
	if (req.resp_len < sizeof(resp) ||
	    le16_to_cpu(resp.hdr.type) != DYNMEM_MSG_VERSION) {
		dynmem_bad(dm, "bad version answer", le16_to_cpu(resp.hdr.type),
			   req.resp_len);
		return -EPROTO;
	}
	if (resp.status || le32_to_cpu(resp.version) != DYNMEM_VERSION) {
		dynmem_warn(dm, "host refused protocol %#x (status %d, version %#x)",
			    DYNMEM_VERSION, (int)le32_to_cpu(resp.status),
			    le32_to_cpu(resp.version));
		return -EPROTO;
	}
	dm->caps = le32_to_cpu(resp.caps) & le32_to_cpu(v.caps);
	/* caps before version: on_packet reads them once it sees version. */
	smp_store_release(&dm->version, DYNMEM_VERSION);
	synbus_chan_kick(dm->ch);
	return 0;
}

/* sysfs on the synbus device: one value per file. */
static struct dynmem *dynmem_from_dev(struct device *dev)
{
	return dev_get_drvdata(dev);
}

#define DYNMEM_SHOW(_name, _expr)					\
static ssize_t _name##_show(struct device *dev,				\
			    struct device_attribute *attr, char *buf)	\
{									\
	struct dynmem *dm = dynmem_from_dev(dev);			\
									\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static DEVICE_ATTR_RO(_name)

DYNMEM_SHOW(balloon_pages, dynmem_balloon_pages(dm));
DYNMEM_SHOW(balloon_2m_chunks, READ_ONCE(dm->chunks_2m));
DYNMEM_SHOW(target_pages, READ_ONCE(dm->target_pages));
DYNMEM_SHOW(min_pages, READ_ONCE(dm->min_pages));
DYNMEM_SHOW(max_pages, READ_ONCE(dm->max_pages));
DYNMEM_SHOW(inflated_pages, READ_ONCE(dm->cnt.inflated));
DYNMEM_SHOW(deflated_pages, READ_ONCE(dm->cnt.deflated));
DYNMEM_SHOW(released_pages, READ_ONCE(dm->cnt.released));
DYNMEM_SHOW(alloc_failures, READ_ONCE(dm->cnt.alloc_failed));
DYNMEM_SHOW(migrated_pages, READ_ONCE(dm->cnt.migrated));
DYNMEM_SHOW(oom_deflates, READ_ONCE(dm->cnt.oom_deflates));
DYNMEM_SHOW(bad_messages, READ_ONCE(dm->cnt.bad_messages));
DYNMEM_SHOW(reports, READ_ONCE(dm->cnt.reports));

static ssize_t protocol_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	u32 v = READ_ONCE(dynmem_from_dev(dev)->version);

	return sysfs_emit(buf, "%u.%u\n", v >> 16, v & 0xffff);
}
static DEVICE_ATTR_RO(protocol);

static struct attribute *dynmem_attrs[] = {
	&dev_attr_balloon_pages.attr,
	&dev_attr_balloon_2m_chunks.attr,
	&dev_attr_target_pages.attr,
	&dev_attr_min_pages.attr,
	&dev_attr_max_pages.attr,
	&dev_attr_inflated_pages.attr,
	&dev_attr_deflated_pages.attr,
	&dev_attr_released_pages.attr,
	&dev_attr_alloc_failures.attr,
	&dev_attr_migrated_pages.attr,
	&dev_attr_oom_deflates.attr,
	&dev_attr_bad_messages.attr,
	&dev_attr_reports.attr,
	&dev_attr_protocol.attr,
	NULL
};

static const struct attribute_group dynmem_group = {
	.name = "dynmem",
	.attrs = dynmem_attrs,
};

static int dynmem_probe(struct synbus_device *sdev,
			const struct synbus_device_id *id)
{
	struct dynmem *dm;
	int err;

	dm = kzalloc(sizeof(*dm), GFP_KERNEL);
	if (!dm)
		return -ENOMEM;
	dm->sdev = sdev;
	dm->ch = sdev->channel;
	mutex_init(&dm->lock);
	spin_lock_init(&dm->req_lock);
	INIT_WORK(&dm->req_work, dynmem_req_work);
	INIT_DELAYED_WORK(&dm->report_work, dynmem_report_work);
	dev_set_drvdata(&sdev->dev, dm);
	synbus_set_chan_drvdata(dm->ch, dm);

	err = synbus_open(dm->ch, DYNMEM_RING_SIZE, DYNMEM_RING_SIZE);
	if (err)
		goto out_free;
	/* one packet of ranges fills at most a quarter of the ring */
	dm->out_max = min_t(u32, synbus_max_payload(dm->ch), PAGE_SIZE * 4);
	dm->out_max = (dm->out_max - sizeof(struct dynmem_ranges)) /
		      sizeof(struct dynmem_range);
	dm->out = kzalloc(struct_size(dm->out, ranges, dm->out_max),
			  GFP_KERNEL);
	dm->out_rel = kzalloc(struct_size(dm->out_rel, ranges, dm->out_max),
			      GFP_KERNEL);
	if (!dm->out || !dm->out_rel) {
		err = -ENOMEM;
		goto out_close;
	}
	err = dynmem_negotiate(dm);
	if (err) {
		dev_err(&sdev->dev, "protocol negotiation failed: %d\n", err);
		goto out_close;
	}
	err = dynmem_pages_init(dm);
	if (err)
		goto out_close;
	err = sysfs_create_group(&sdev->dev.kobj, &dynmem_group);
	if (err)
		goto out_pages;
	schedule_delayed_work(&dm->report_work, 0);
	dev_info(&sdev->dev, "dynamic memory %u.%u, caps %#x\n",
		 dm->version >> 16, dm->version & 0xffff, dm->caps);
	return 0;

out_pages:
	dm->closing = true;
	dynmem_pages_exit(dm);
out_close:
	synbus_close(dm->ch);
out_free:
	kfree(dm->out);
	kfree(dm->out_rel);
	synbus_set_chan_drvdata(sdev->channel, NULL);
	dev_set_drvdata(&sdev->dev, NULL);
	kfree(dm);
	return err;
}

static void dynmem_remove(struct synbus_device *sdev)
{
	struct dynmem *dm = dev_get_drvdata(&sdev->dev);

	WRITE_ONCE(dm->closing, true);
	sysfs_remove_group(&sdev->dev.kobj, &dynmem_group);
	/* closing first wakes a worker waiting for ring space */
	synbus_close(dm->ch);
	cancel_work_sync(&dm->req_work);
	cancel_delayed_work_sync(&dm->report_work);
	/* every page back to the guest */
	dynmem_pages_exit(dm);
	kfree(dm->out);
	kfree(dm->out_rel);
	kfree(dm);
}

static const struct synbus_device_id dynmem_ids[] = {
	{ .guid = GUID_INIT(0xb6a1f3c2, 0x5d7e, 0x4a90, 0x8c, 0x3b, 0x2e, 0x6f,
			    0x4d, 0x19, 0xa7, 0xe5) },
	{ }
};

static struct synbus_driver dynmem_driver = {
	.name = "dynmem",
	.id_table = dynmem_ids,
	.probe = dynmem_probe,
	.remove = dynmem_remove,
	.on_packet = dynmem_on_packet,
};

module_synbus_driver(dynmem_driver);

MODULE_DESCRIPTION("Dynamic memory balloon on synbus");
MODULE_LICENSE("GPL");
SYNBUS_MODULE_ALIAS(DYNMEM_CLASS_GUID_STR);
