// SPDX-License-Identifier: GPL-2.0
/*
 * The test echo class across the VM boundary (the guest's synbus_echo.ko):
 * every in-band message goes back as it came, as a completion when one
 * was asked for. Offered only on demand ("offer VM echo"): it is for
 * bench/host and the tests, not for production guests.
 */
#include <endian.h>
#include <errno.h>
#include "hostd.h"
#include "../../vmbus/echo_proto.h"

static int echo_packet(struct hd_chan *c, const struct synbus_packet *pkt)
{
	bool want = pkt->flags & SYNBUS_PKT_FLAG_COMPLETION_REQUESTED;
	uint16_t type = want ? SYNBUS_PKT_COMPLETION : SYNBUS_PKT_INBAND;
	struct synbus_echo_hdr h, reply = {};

	if (pkt->type != SYNBUS_PKT_INBAND || pkt->len < sizeof(h))
		return 0;
	memcpy(&h, pkt->data, sizeof(h));
	if (le32toh(h.op) == SYNBUS_ECHO_OP_FILL) {
		/* Shared buffers are not served here: say so, as an errno. */
		reply.op = h.op;
		reply.seed = htole32(EOPNOTSUPP);
		return hd_send(c, type, 0, pkt->trans_id, &reply, sizeof(reply));
	}
	return hd_send(c, type, 0, pkt->trans_id, pkt->data, pkt->len);
}

const struct hd_service hd_echo_service = {
	.name = "echo",
	/* SYNBUS_ECHO_CLASS_STR a3c5e0d2-7b1f-4f49-9e0b-5d1c2f8a6e01, guid_t bytes */
	.class_id = { 0xd2, 0xe0, 0xc5, 0xa3, 0x1f, 0x7b, 0x49, 0x4f,
		      0x9e, 0x0b, 0x5d, 0x1c, 0x2f, 0x8a, 0x6e, 0x01 },
	.ring_size = 256 * 1024,
	.on_demand = true,
	.packet = echo_packet,
};
