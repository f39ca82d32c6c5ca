// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the test echo class: every in-band message comes back
 * (as a completion when one was requested); FILL writes a pattern into a
 * buffer the guest shared, proving the registration works end to end.
 */
#include <linux/module.h>
#include <linux/synbus.h>
#include "echo_proto.h"
#include "loop.h"

static int loop_echo_fill(struct synbus_host_chan *hc,
			  const struct synbus_echo_hdr *h)
{
	size_t size, i;
	u8 *p = synbus_host_buffer(hc, le32_to_cpu(h->handle), &size);

	if (!p)
		return -ENOENT;
	for (i = 0; i < size; i++)
		p[i] = synbus_echo_pattern(le32_to_cpu(h->seed), i);
	return 0;
}

static int loop_echo_packet(struct synbus_host_chan *hc,
			    const struct synbus_packet *pkt)
{
	const struct synbus_echo_hdr *h = pkt->data;
	bool want_completion = pkt->flags & SYNBUS_PKT_FLAG_COMPLETION_REQUESTED;
	u16 type = want_completion ? SYNBUS_PKT_COMPLETION : SYNBUS_PKT_INBAND;
	struct synbus_echo_hdr reply = {};

	if (pkt->type != SYNBUS_PKT_INBAND || pkt->len < sizeof(*h))
		return 0;
	if (le32_to_cpu(h->op) == SYNBUS_ECHO_OP_FILL) {
		reply.op = h->op;
		reply.seed = cpu_to_le32((u32)loop_echo_fill(hc, h));
		return synbus_host_send(hc, type, 0, pkt->trans_id, &reply,
					sizeof(reply));
	}
	return synbus_host_send(hc, type, 0, pkt->trans_id, pkt->data, pkt->len);
}

static struct synbus_host_service loop_echo_svc = {
	.name = "echo",
	.owner = THIS_MODULE,
	.on_packet = loop_echo_packet,
};

static struct synbus_host_service loop_echo2_svc = {
	.name = "echo2",
	.owner = THIS_MODULE,
	.on_packet = loop_echo_packet,
};

int synbus_loop_echo_init(void)
{
	int ret;

	if (guid_parse(SYNBUS_ECHO_CLASS_STR, &loop_echo_svc.class_id) ||
	    guid_parse(SYNBUS_ECHO2_CLASS_STR, &loop_echo2_svc.class_id))
		return -EINVAL;
	ret = synbus_loop_register_service(&loop_echo_svc);
	if (ret)
		return ret;
	ret = synbus_loop_register_service(&loop_echo2_svc);
	if (ret)
		synbus_loop_unregister_service(&loop_echo_svc);
	return ret;
}

void synbus_loop_echo_exit(void)
{
	synbus_loop_unregister_service(&loop_echo2_svc);
	synbus_loop_unregister_service(&loop_echo_svc);
}
