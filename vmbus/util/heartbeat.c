// SPDX-License-Identifier: GPL-2.0
/*
 * Heartbeat: the host sends a sequence number; answering with the number
 * plus one tells it the guest is alive and scheduling work.
 */
#include <linux/device.h>
#include <linux/kernel.h>
#include <linux/slab.h>

#include "util.h"

static const u32 hb_versions[] = { SYNBUS_IC_VER(1, 0) };

struct hb_state {
	u64 seq;	/* last sequence number answered */
};

static int hb_init(struct synbus_util_dev *ud)
{
	ud->priv = devm_kzalloc(synbus_util_to_dev(ud),
				sizeof(struct hb_state), GFP_KERNEL);
	return ud->priv ? 0 : -ENOMEM;
}

static int hb_handle(struct synbus_util_dev *ud, void *payload)
{
	struct synbus_ic_heartbeat *hb = payload;
	struct hb_state *st = ud->priv;
	u64 seq = le64_to_cpu(hb->seq) + 1;

	WRITE_ONCE(st->seq, seq);
	hb->seq = cpu_to_le64(seq);
	return SYNBUS_IC_OK;
}

static ssize_t heartbeat_seq_show(struct device *dev,
				  struct device_attribute *attr, char *buf)
{
	struct hb_state *st = synbus_util_from_dev(dev)->priv;

	return sysfs_emit(buf, "%llu\n", READ_ONCE(st->seq));
}
static DEVICE_ATTR_RO(heartbeat_seq);

static struct attribute *hb_attrs[] = {
	&dev_attr_heartbeat_seq.attr,
	NULL
};

static const struct attribute_group hb_group = {
	.attrs = hb_attrs,
};

const struct synbus_util_service synbus_util_heartbeat = {
	.name = "heartbeat",
	.type = SYNBUS_IC_HEARTBEAT,
	.versions = hb_versions,
	.nr_versions = ARRAY_SIZE(hb_versions),
	.payload_len = sizeof(struct synbus_ic_heartbeat),
	.init = hb_init,
	.handle = hb_handle,
	.group = &hb_group,
};
