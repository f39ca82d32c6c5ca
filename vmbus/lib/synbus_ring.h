/* SPDX-License-Identifier: GPL-2.0 */
/*
 * synbus ring buffers in the VMBus layout, shared by synbus.ko (guest side
 * and in-kernel hosts) and the userspace host daemon (tools/synbus-hostd),
 * the way vhd/lib is shared: no allocation, no locking, no kernel-only
 * calls. The platform layer (synbus_ring_platform.h) comes from the
 * include path: vmbus/ for the kernel, tools/include/ for userspace.
 */
#ifndef _SYNBUS_RING_H
#define _SYNBUS_RING_H

#include "synbus_ring_platform.h"

/* Packet types (descriptor "type" field). */
#define SYNBUS_PKT_INBAND	0x0006
#define SYNBUS_PKT_COMPLETION	0x000b

/* Descriptor flags. */
#define SYNBUS_PKT_FLAG_COMPLETION_REQUESTED	0x0001

/**
 * struct synbus_pkt_desc - the 16-byte packet descriptor in the ring
 * @type: SYNBUS_PKT_INBAND or SYNBUS_PKT_COMPLETION
 * @offset8: payload offset from the descriptor start, in 8-byte units
 * @len8: packet length without the trailer, in 8-byte units
 * @flags: SYNBUS_PKT_FLAG_*
 * @trans_id: transaction id; for requests an id from the channel id table
 */
struct synbus_pkt_desc {
	u16 type;
	u16 offset8;
	u16 len8;
	u16 flags;
	u64 trans_id;
} __packed;

/**
 * struct synbus_packet - an inbound packet, in private memory
 * @type: descriptor type
 * @flags: descriptor flags
 * @trans_id: descriptor transaction id
 * @len: payload length in bytes (clamped and validated)
 * @data: payload; valid until the callback returns
 */
struct synbus_packet {
	u16 type;
	u16 flags;
	u64 trans_id;
	u32 len;
	const void *data;
};

/**
 * struct synbus_ring_hdr - the 4 KiB header page of a ring (VMBus layout)
 * @write_index: next byte the writer writes, offset into the data area
 * @read_index: next byte the reader reads
 * @interrupt_mask: set by the reader while it drains: writer need not signal
 * @pending_send_sz: bytes a blocked writer waits for; 0 when none
 * @reserved1: unused
 * @feature_bits: SYNBUS_RING_FEAT_*
 * @reserved2: pads the header to 4096 bytes
 */
struct synbus_ring_hdr {
	u32 write_index;
	u32 read_index;
	u32 interrupt_mask;
	u32 pending_send_sz;
	u32 reserved1[12];
	u32 feature_bits;
	u8 reserved2[4096 - 17 * 4];
} __packed;

#define SYNBUS_RING_HDR_SIZE	4096
#define SYNBUS_RING_FEAT_PENDING_SEND_SZ	0x1

/* Descriptor + 8-byte trailer: the smallest packet. */
#define SYNBUS_PKT_OVERHEAD	(sizeof(struct synbus_pkt_desc) + sizeof(u64))

/**
 * struct synbus_rb - one end (reader or writer) of one ring
 * @hdr: shared header page
 * @data: shared data area
 * @size: bytes in @data
 * @priv_index: this end's own index (write index for the writer, read index
 *	for the reader), kept privately: never re-read from shared memory
 * @pkt_len: reader: bytes of the packet last peeked, 0 when none
 */
struct synbus_rb {
	struct synbus_ring_hdr *hdr;
	u8 *data;
	u32 size;
	u32 priv_index;
	u32 pkt_len;
};

void synbus_rb_init(struct synbus_rb *rb, void *mem, u32 data_size, bool reset);
int synbus_rb_write(struct synbus_rb *rb, u16 type, u16 flags, u64 trans_id,
		    const void *data, u32 len, bool *signal);
int synbus_rb_peek(struct synbus_rb *rb, void *buf, u32 buf_size,
		   struct synbus_packet *pkt);
bool synbus_rb_consume(struct synbus_rb *rb);
int synbus_rb_read_avail(struct synbus_rb *rb);
int synbus_rb_write_avail(struct synbus_rb *rb);
void synbus_rb_mask(struct synbus_rb *rb);
int synbus_rb_unmask(struct synbus_rb *rb);
bool synbus_rb_set_pending(struct synbus_rb *rb, u32 len);
void synbus_rb_clear_pending(struct synbus_rb *rb);
u32 synbus_rb_max_payload(struct synbus_rb *rb);
/* Fault injection only: copy raw bytes and publish the write index. */
void synbus_rb_write_raw(struct synbus_rb *rb, const void *data, u32 len);

#endif /* _SYNBUS_RING_H */
