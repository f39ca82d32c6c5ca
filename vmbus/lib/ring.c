// SPDX-License-Identifier: GPL-2.0
/*
 * synbus ring buffers in the VMBus layout: a 4 KiB header page and a data
 * area of 8-byte aligned packets (descriptor, payload, 8-byte trailer). Used
 * by both ends of a ring. An end keeps its own index privately and checks
 * the peer's index on every read of it: the peer is not trusted. Built into
 * synbus.ko and into the userspace host daemon.
 */
#include "synbus_ring.h"

static bool rb_index_ok(const struct synbus_rb *rb, u32 idx)
{
	return idx < rb->size && !(idx & 7);
}

/* Bytes the reader may read, given both indices. */
static u32 rb_used(const struct synbus_rb *rb, u32 read, u32 write)
{
	return write >= read ? write - read : rb->size - (read - write);
}

static u32 rb_copy_to(struct synbus_rb *rb, u32 off, const void *src, u32 len)
{
	u32 first = min(len, rb->size - off);

	memcpy(rb->data + off, src, first);
	if (len > first)
		memcpy(rb->data, (const u8 *)src + first, len - first);
	return (off + len) % rb->size;
}

static void rb_copy_from(const struct synbus_rb *rb, u32 off, void *dst, u32 len)
{
	u32 first = min(len, rb->size - off);

	memcpy(dst, rb->data + off, first);
	if (len > first)
		memcpy((u8 *)dst + first, rb->data, len - first);
}

/**
 * synbus_rb_init() - set up one end of a ring
 * @rb: the end
 * @mem: header page followed by @data_size bytes
 * @data_size: data area size, a multiple of 8
 * @reset: zero the shared header (the side that owns the memory does it)
 */
void synbus_rb_init(struct synbus_rb *rb, void *mem, u32 data_size, bool reset)
{
	rb->hdr = mem;
	rb->data = (u8 *)mem + SYNBUS_RING_HDR_SIZE;
	rb->size = data_size;
	rb->priv_index = 0;
	rb->pkt_len = 0;
	if (reset) {
		memset(rb->hdr, 0, sizeof(*rb->hdr));
		rb->hdr->feature_bits = SYNBUS_RING_FEAT_PENDING_SEND_SZ;
	}
}
EXPORT_SYMBOL_GPL(synbus_rb_init);

/**
 * synbus_rb_max_payload() - largest payload a packet can carry
 * @rb: a ring end
 *
 * One 8-byte slot always stays free so that full and empty differ; len8 is
 * 16 bits wide.
 *
 * Return: bytes.
 */
u32 synbus_rb_max_payload(struct synbus_rb *rb)
{
	return min_t(u32, rb->size - SYNBUS_PKT_OVERHEAD - 8,
		     0xffffU * 8 - sizeof(struct synbus_pkt_desc));
}
EXPORT_SYMBOL_GPL(synbus_rb_max_payload);

/**
 * synbus_rb_write() - write one packet (writer end, caller serialises)
 * @rb: writer end
 * @type: SYNBUS_PKT_*
 * @flags: SYNBUS_PKT_FLAG_*
 * @trans_id: transaction id
 * @data: payload
 * @len: payload bytes; padded with zeroes to 8
 * @signal: set when the reader must be signalled: the ring was empty
 *	before this packet and the reader has not masked its interrupt
 *
 * Return: 0, -EAGAIN when it does not fit now, -EMSGSIZE when it never
 * fits, -EIO when the peer's read index is corrupt.
 */
int synbus_rb_write(struct synbus_rb *rb, u16 type, u16 flags, u64 trans_id,
		    const void *data, u32 len, bool *signal)
{
	static const u8 zero[8];
	struct synbus_pkt_desc desc;
	u32 plen = ALIGN(len, 8);
	u32 pktlen = sizeof(desc) + plen;
	u32 total = pktlen + sizeof(u64);
	u32 old = rb->priv_index;
	u32 read, off;
	u64 trailer;

	*signal = false;
	if (len > synbus_rb_max_payload(rb))
		return -EMSGSIZE;
	read = READ_ONCE(rb->hdr->read_index);
	if (!rb_index_ok(rb, read))
		return -EIO;
	/* Free space must stay larger than the packet: full != empty. */
	if (rb->size - rb_used(rb, read, old) <= total)
		return -EAGAIN;

	desc.type = type;
	desc.offset8 = sizeof(desc) >> 3;
	desc.len8 = pktlen >> 3;
	desc.flags = flags;
	desc.trans_id = trans_id;
	off = rb_copy_to(rb, old, &desc, sizeof(desc));
	off = rb_copy_to(rb, off, data, len);
	if (plen > len)
		off = rb_copy_to(rb, off, zero, plen - len);
	trailer = (u64)old << 32;
	off = rb_copy_to(rb, off, &trailer, sizeof(trailer));

	/* The packet is visible before the index that covers it. */
	virt_wmb();
	WRITE_ONCE(rb->hdr->write_index, off);
	rb->priv_index = off;

	/* Signal only on empty -> non-empty, and only if not masked. */
	virt_mb();
	if (READ_ONCE(rb->hdr->interrupt_mask))
		return 0;
	/* The mask before the read index, as the reader writes them. */
	virt_rmb();
	*signal = old == READ_ONCE(rb->hdr->read_index);
	return 0;
}
EXPORT_SYMBOL_GPL(synbus_rb_write);

/**
 * synbus_rb_write_raw() - fault injection: raw bytes, then the index
 * @rb: writer end
 * @data: bytes
 * @len: byte count, a multiple of 8 smaller than the free space
 */
void synbus_rb_write_raw(struct synbus_rb *rb, const void *data, u32 len)
{
	u32 off = rb_copy_to(rb, rb->priv_index, data, len);

	/* Bytes before the index that covers them. */
	virt_wmb();
	WRITE_ONCE(rb->hdr->write_index, off);
	rb->priv_index = off;
}
EXPORT_SYMBOL_GPL(synbus_rb_write_raw);

/**
 * synbus_rb_peek() - copy the next packet to private memory and parse it
 * @rb: reader end
 * @buf: private buffer for the whole packet
 * @buf_size: bytes in @buf (at least the ring size is always enough)
 * @pkt: filled in; @pkt->data points into @buf
 *
 * The descriptor is checked in the ring, the packet copied, and checked
 * again in the copy: nothing is parsed from shared memory twice.
 *
 * Return: 0, -EAGAIN when empty, -EIO when indices or the packet are bad.
 */
int synbus_rb_peek(struct synbus_rb *rb, void *buf, u32 buf_size,
		   struct synbus_packet *pkt)
{
	struct synbus_pkt_desc desc;
	u32 read = rb->priv_index;
	u32 write, avail, pktlen, off;

	write = READ_ONCE(rb->hdr->write_index);
	if (!rb_index_ok(rb, write))
		return -EIO;
	/* Index before the data it covers. */
	virt_rmb();
	avail = rb_used(rb, read, write);
	if (!avail)
		return -EAGAIN;
	if (avail < SYNBUS_PKT_OVERHEAD)
		return -EIO;
	rb_copy_from(rb, read, &desc, sizeof(desc));
	pktlen = (u32)desc.len8 << 3;
	if (pktlen < sizeof(desc) || pktlen + sizeof(u64) > avail ||
	    pktlen > buf_size)
		return -EIO;
	rb_copy_from(rb, read, buf, pktlen);
	memcpy(&desc, buf, sizeof(desc));
	off = (u32)desc.offset8 << 3;
	if (((u32)desc.len8 << 3) != pktlen || off < sizeof(desc) || off > pktlen)
		return -EIO;
	if (desc.type != SYNBUS_PKT_INBAND && desc.type != SYNBUS_PKT_COMPLETION)
		return -EIO;
	pkt->type = desc.type;
	pkt->flags = desc.flags;
	pkt->trans_id = desc.trans_id;
	pkt->len = pktlen - off;
	pkt->data = (u8 *)buf + off;
	rb->pkt_len = pktlen + sizeof(u64);
	return 0;
}
EXPORT_SYMBOL_GPL(synbus_rb_peek);

/**
 * synbus_rb_consume() - release the packet last peeked
 * @rb: reader end
 *
 * Return: true when the writer must be signalled: it waits for
 * pending_send_sz bytes and this release made the free space cross it.
 */
bool synbus_rb_consume(struct synbus_rb *rb)
{
	u32 freed = rb->pkt_len;
	u32 pending, write, free_now;

	if (!freed)
		return false;
	rb->pkt_len = 0;
	rb->priv_index = (rb->priv_index + freed) % rb->size;
	/* Our reads of the packet complete before the space is given back. */
	virt_mb();
	WRITE_ONCE(rb->hdr->read_index, rb->priv_index);

	if (!(READ_ONCE(rb->hdr->feature_bits) & SYNBUS_RING_FEAT_PENDING_SEND_SZ))
		return false;
	/* Read index published before we look at what the writer waits for. */
	virt_mb();
	pending = READ_ONCE(rb->hdr->pending_send_sz);
	if (!pending)
		return false;
	/* pending_send_sz before the write index, as the writer sets them. */
	virt_rmb();
	write = READ_ONCE(rb->hdr->write_index);
	if (!rb_index_ok(rb, write))
		return false;
	free_now = rb->size - rb_used(rb, rb->priv_index, write);
	/* Already enough before this release: the writer was told then. */
	if (free_now - freed > pending)
		return false;
	return free_now > pending;
}
EXPORT_SYMBOL_GPL(synbus_rb_consume);

/**
 * synbus_rb_read_avail() - bytes waiting for the reader
 * @rb: reader end
 *
 * Return: bytes, or -EIO when the write index is corrupt.
 */
int synbus_rb_read_avail(struct synbus_rb *rb)
{
	u32 write = READ_ONCE(rb->hdr->write_index);

	if (!rb_index_ok(rb, write))
		return -EIO;
	return rb_used(rb, rb->priv_index, write);
}
EXPORT_SYMBOL_GPL(synbus_rb_read_avail);

/**
 * synbus_rb_write_avail() - free bytes for the writer
 * @rb: writer end
 *
 * Return: bytes, or -EIO when the read index is corrupt.
 */
int synbus_rb_write_avail(struct synbus_rb *rb)
{
	u32 read = READ_ONCE(rb->hdr->read_index);

	if (!rb_index_ok(rb, read))
		return -EIO;
	return rb->size - rb_used(rb, read, rb->priv_index);
}
EXPORT_SYMBOL_GPL(synbus_rb_write_avail);

/**
 * synbus_rb_mask() - reader: tell the writer not to signal while we drain
 * @rb: reader end
 */
void synbus_rb_mask(struct synbus_rb *rb)
{
	WRITE_ONCE(rb->hdr->interrupt_mask, 1);
	/* Mask visible before we read the write index. */
	virt_mb();
}
EXPORT_SYMBOL_GPL(synbus_rb_mask);

/**
 * synbus_rb_unmask() - reader: unmask, then look again
 * @rb: reader end
 *
 * A packet written while we were masked raised no signal, so the caller
 * must drain again when this returns non-zero.
 *
 * Return: bytes available after unmasking, or -EIO.
 */
int synbus_rb_unmask(struct synbus_rb *rb)
{
	WRITE_ONCE(rb->hdr->interrupt_mask, 0);
	/* Unmask visible before the re-check: no packet is missed. */
	virt_mb();
	return synbus_rb_read_avail(rb);
}
EXPORT_SYMBOL_GPL(synbus_rb_unmask);

/**
 * synbus_rb_set_pending() - writer: ask to be signalled when @len fits
 * @rb: writer end
 * @len: payload bytes of the packet that does not fit
 *
 * Return: true when it fits already (the reader freed space meanwhile).
 */
bool synbus_rb_set_pending(struct synbus_rb *rb, u32 len)
{
	u32 total = sizeof(struct synbus_pkt_desc) + ALIGN(len, 8) + sizeof(u64);
	int avail;

	WRITE_ONCE(rb->hdr->pending_send_sz, total);
	/* Request visible before the re-check of the read index. */
	virt_mb();
	avail = synbus_rb_write_avail(rb);
	return avail < 0 || (u32)avail > total;
}
EXPORT_SYMBOL_GPL(synbus_rb_set_pending);

/**
 * synbus_rb_clear_pending() - writer: no longer waiting
 * @rb: writer end
 */
void synbus_rb_clear_pending(struct synbus_rb *rb)
{
	WRITE_ONCE(rb->hdr->pending_send_sz, 0);
}
EXPORT_SYMBOL_GPL(synbus_rb_clear_pending);
