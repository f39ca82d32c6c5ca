// SPDX-License-Identifier: GPL-2.0
/*
 * synbus over ivshmem-doorbell: the control messages and the transport
 * ops. Messages to the host go to the guest-to-host control ring under
 * tx_lock, or wait on txq while it is full; RELEASED waits in a bitmap,
 * so the release op never allocates. Messages from the host are read by
 * the control work only, checked in private memory and answered.
 *
 * Lock order: chan_lock, then tx_lock; heap_lock nests in neither.
 */
#include <linux/err.h>
#include <linux/slab.h>
#include "ivshmem.h"

/* Host messages handled per control work run; the rest run again later. */
#define IVS_BUDGET	64

/**
 * struct ivs_txmsg - a message waiting for room in the control ring
 * @node: on ivs_dev.txq
 * @msg: the message
 */
struct ivs_txmsg {
	struct list_head node;
	struct synbus_iv_msg msg;
};

/**
 * ivs_ring() - ring the host's doorbell (vector 0)
 * @iv: device
 *
 * Any context. The MMIO write is ordered after our earlier writes to the
 * window (pending bits, ring indices), as writel() is.
 */
void ivs_ring(struct ivs_dev *iv)
{
	iowrite32(READ_ONCE(iv->doorbell), iv->regs + SYNBUS_IV_REG_DOORBELL);
	atomic64_inc(&iv->doorbells_out);
}

/**
 * ivs_violation() - note that the host broke the protocol
 * @iv: device
 * @why: reason, a string constant
 *
 * Any context. The control work stops using the window.
 */
void ivs_violation(struct ivs_dev *iv, const char *why)
{
	atomic64_inc(&iv->bad_messages);
	cmpxchg(&iv->violation, NULL, why);
	queue_work(system_wq, &iv->ctl_work);
}

/* One message into the ring. Caller holds tx_lock. 0, -EAGAIN or -EIO. */
static int ivs_write_locked(struct ivs_dev *iv, const struct synbus_iv_msg *msg,
			    bool *ring)
{
	bool signal;
	int ret;

	ret = synbus_rb_write(&iv->g2h, SYNBUS_PKT_INBAND, 0, 0, msg,
			      sizeof(*msg), &signal);
	/* Ask the host to ring when it made room; it may have already. */
	if (ret == -EAGAIN && synbus_rb_set_pending(&iv->g2h, sizeof(*msg)))
		ret = synbus_rb_write(&iv->g2h, SYNBUS_PKT_INBAND, 0, 0, msg,
				      sizeof(*msg), &signal);
	if (!ret) {
		synbus_rb_clear_pending(&iv->g2h);
		*ring |= signal;
	} else if (ret != -EAGAIN) {
		ivs_violation(iv, "bad read index in the guest-to-host control ring");
		ret = -EIO;
	}
	return ret;
}

/* Write now, or queue behind earlier messages. Caller holds tx_lock. */
static int ivs_send_locked(struct ivs_dev *iv, const struct synbus_iv_msg *msg,
			   struct ivs_txmsg **spare, bool *ring)
{
	int ret;

	if (list_empty(&iv->txq)) {
		ret = ivs_write_locked(iv, msg, ring);
		if (ret != -EAGAIN)
			return ret;
	}
	if (!*spare)
		return -ENOMEM;
	(*spare)->msg = *msg;
	list_add_tail(&(*spare)->node, &iv->txq);
	*spare = NULL;
	return 0;
}

/*
 * Send @msg about @c, the host's holding of the rings tracked on the way.
 * Process context. Return: 0, 1 (CLOSE: the host never got the rings,
 * nothing sent), -EBUSY (OPEN while an OPEN or CLOSE is unanswered),
 * -ENODEV (not this session's channel, or not up), -ENOMEM, -EIO.
 */
static int ivs_chan_send(struct ivs_chan *c, const struct synbus_iv_msg *msg)
{
	struct ivs_txmsg *spare = kmalloc(sizeof(*spare), GFP_KERNEL);
	u32 type = le32_to_cpu(msg->type);
	struct ivs_dev *iv = c->iv;
	unsigned long flags;
	bool ring = false;
	int ret;

	spin_lock_irqsave(&iv->tx_lock, flags);
	if (!iv->tx_up || c->session != iv->session) {
		ret = -ENODEV;
	} else if (type == SYNBUS_IV_CLOSE && !c->open_sent) {
		ret = 1;
	} else if (type == SYNBUS_IV_OPEN && c->outstanding) {
		/* Its answer could not be told from the earlier ones'. */
		ret = -EBUSY;
	} else {
		ret = ivs_send_locked(iv, msg, &spare, &ring);
		if (!ret && (type == SYNBUS_IV_OPEN || type == SYNBUS_IV_CLOSE))
			c->outstanding++;
		if (!ret && type == SYNBUS_IV_OPEN)
			c->open_sent = true;
	}
	spin_unlock_irqrestore(&iv->tx_lock, flags);
	kfree(spare);
	if (ring)
		ivs_ring(iv);
	return ret;
}

/* Queue RELEASED for @id of @session. Any context. */
static void ivs_release_id(struct ivs_dev *iv, u32 id, u32 session)
{
	unsigned long flags;
	bool queued = false;

	spin_lock_irqsave(&iv->tx_lock, flags);
	if (iv->tx_up && session == iv->session) {
		set_bit(id, iv->release_pend);
		queued = true;
	}
	spin_unlock_irqrestore(&iv->tx_lock, flags);
	if (queued)
		queue_work(system_wq, &iv->ctl_work);
}

/**
 * ivs_ctl_flush() - send what waits for room in the control ring
 * @iv: device
 *
 * Queued messages first, then RELEASED: a channel's last message before
 * RELEASED must reach the host first.
 */
void ivs_ctl_flush(struct ivs_dev *iv)
{
	struct synbus_iv_msg msg = {};
	struct ivs_txmsg *q;
	unsigned long flags;
	bool ring = false;
	unsigned int id;

	spin_lock_irqsave(&iv->tx_lock, flags);
	if (!iv->tx_up)
		goto out;
	while ((q = list_first_entry_or_null(&iv->txq, struct ivs_txmsg, node))) {
		if (ivs_write_locked(iv, &q->msg, &ring))
			goto out;
		list_del(&q->node);
		kfree(q);
	}
	msg.type = cpu_to_le32(SYNBUS_IV_RELEASED);
	for_each_set_bit(id, iv->release_pend, SYNBUS_IV_MAX_CHAN) {
		msg.chan = cpu_to_le32(id);
		if (ivs_write_locked(iv, &msg, &ring))
			break;
		clear_bit(id, iv->release_pend);
	}
out:
	spin_unlock_irqrestore(&iv->tx_lock, flags);
	if (ring)
		ivs_ring(iv);
}

/**
 * ivs_ctl_up() - the host acknowledged our hello: use the control rings
 * @iv: device; caller holds @iv->mutex, @iv->geom is the acknowledged one
 *
 * The host reset both control rings before it acknowledged.
 */
void ivs_ctl_up(struct ivs_dev *iv)
{
	const struct ivs_geom *g = &iv->geom;
	u8 *ctl = (u8 *)iv->win + g->ctl_off;
	unsigned long flags;

	synbus_rb_init(&iv->h2g, ctl + SYNBUS_RING_HDR_SIZE + g->ctl_size,
		       g->ctl_size, false);
	spin_lock_irqsave(&iv->tx_lock, flags);
	synbus_rb_init(&iv->g2h, ctl, g->ctl_size, false);
	WRITE_ONCE(iv->session, iv->session + 1);
	WRITE_ONCE(iv->tx_up, true);
	spin_unlock_irqrestore(&iv->tx_lock, flags);
	WRITE_ONCE(iv->state, IVS_UP);
}

/**
 * ivs_ctl_down() - stop using the window and rescind every channel
 * @iv: device; caller holds @iv->mutex
 * @state: the state to go to
 *
 * Memory freed from now on stays away from the heap until the host
 * acknowledges the next hello: the host may still touch it.
 */
void ivs_ctl_down(struct ivs_dev *iv, enum ivs_state state)
{
	struct ivs_txmsg *q, *qt;
	struct ivs_chan *c, *ct;
	unsigned long flags;
	LIST_HEAD(gone);
	unsigned int id;

	ivs_heap_down(iv);
	spin_lock_irqsave(&iv->tx_lock, flags);
	WRITE_ONCE(iv->tx_up, false);
	list_for_each_entry_safe(q, qt, &iv->txq, node) {
		list_del(&q->node);
		kfree(q);
	}
	bitmap_zero(iv->release_pend, SYNBUS_IV_MAX_CHAN);
	spin_unlock_irqrestore(&iv->tx_lock, flags);
	WRITE_ONCE(iv->state, state);

	/* A new host may reuse every id: the table forgets this session. */
	spin_lock_irqsave(&iv->chan_lock, flags);
	for (id = 0; id < SYNBUS_IV_MAX_CHAN; id++) {
		c = iv->chans[id];
		if (!c)
			continue;
		iv->chans[id] = NULL;
		if (!c->rescinded) {
			c->rescinded = true;
			list_add_tail(&c->node, &gone);
		}
	}
	WRITE_ONCE(iv->nchan, 0);
	spin_unlock_irqrestore(&iv->chan_lock, flags);

	/* Our references keep these alive until the put. */
	list_for_each_entry_safe(c, ct, &gone, node) {
		struct synbus_channel *ch = c->ch;

		list_del(&c->node);
		synbus_rescind(ch);
		synbus_chan_put(ch);
	}
}

/**
 * ivs_interrupt_chans() - take the host's pending bits, kick the channels
 * @iv: device
 *
 * Hard irq context. Bits of ids nobody has are dropped.
 */
void ivs_interrupt_chans(struct ivs_dev *iv)
{
	struct ivs_chan *c;
	unsigned long bits;
	unsigned int w, b;

	for (w = 0; w < SYNBUS_IV_MAX_CHAN / 64; w++) {
		/* A little-endian 64-bit word is an unsigned long here. */
		unsigned long *p = (__force unsigned long *)&iv->hdr->h2g_pending[w];

		if (!READ_ONCE(*p))
			continue;
		/* Full barrier: the bit is taken before we look at the ring. */
		bits = xchg(p, 0);
		spin_lock(&iv->chan_lock);
		for_each_set_bit(b, &bits, BITS_PER_LONG) {
			c = iv->chans[w * 64 + b];
			if (c && !c->rescinded)
				synbus_chan_interrupt(c->ch);
		}
		spin_unlock(&iv->chan_lock);
	}
}

static void ivs_offer(struct ivs_dev *iv, u32 id, const struct synbus_iv_msg *m)
{
	struct synbus_offer offer = {};
	struct synbus_channel *ch;
	unsigned long flags;
	struct ivs_chan *c;
	u32 hint;
	bool dup;

	spin_lock_irqsave(&iv->chan_lock, flags);
	dup = !!iv->chans[id];
	spin_unlock_irqrestore(&iv->chan_lock, flags);
	if (dup) {
		ivs_violation(iv, "offer of a channel id in use");
		return;
	}
	c = kzalloc(sizeof(*c), GFP_KERNEL);
	if (!c) {
		ivs_release_id(iv, id, iv->session);
		return;
	}
	c->iv = iv;
	c->id = id;
	c->session = iv->session;
	memcpy(&offer.class_id, m->class_id, sizeof(offer.class_id));
	memcpy(&offer.device_id, m->device_id, sizeof(offer.device_id));
	hint = le32_to_cpu(m->size1);
	if (hint <= SYNBUS_IV_RING_MAX && IS_ALIGNED(hint, SYNBUS_IV_PAGE))
		offer.ring_hint = hint;
	offer.tp_priv = c;
	ch = synbus_offer(&iv->tp, &offer);
	if (IS_ERR(ch)) {
		/* Not the host's fault (e.g. the GUID is taken): decline it. */
		dev_warn_ratelimited(&iv->pdev->dev, "offer of channel %u %pUl failed: %ld\n",
				     id, &offer.device_id, PTR_ERR(ch));
		kfree(c);
		ivs_release_id(iv, id, iv->session);
		return;
	}
	c->ch = ch;
	spin_lock_irqsave(&iv->chan_lock, flags);
	iv->chans[id] = c;
	WRITE_ONCE(iv->nchan, iv->nchan + 1);
	spin_unlock_irqrestore(&iv->chan_lock, flags);
}

static void ivs_host_rescind(struct ivs_dev *iv, u32 id)
{
	struct synbus_channel *ch = NULL;
	unsigned long flags;
	struct ivs_chan *c;

	spin_lock_irqsave(&iv->chan_lock, flags);
	c = iv->chans[id];
	if (c && !c->rescinded) {
		c->rescinded = true;
		WRITE_ONCE(iv->nchan, iv->nchan - 1);
		ch = c->ch;
	}
	spin_unlock_irqrestore(&iv->chan_lock, flags);
	/*
	 * Twice is a violation. An unknown id is not: it may be an offer we
	 * declined (RELEASED) that the host rescinded meanwhile.
	 */
	if (c && !ch)
		ivs_violation(iv, "channel rescinded twice");
	if (!ch)
		return;
	/* The host let go of the rings and buffers. RELEASED at release. */
	synbus_rescind(ch);
	synbus_chan_put(ch);
}

/* OPEN_DONE, CLOSE_DONE, BUF_DONE. */
static void ivs_answer(struct ivs_dev *iv, u32 type, u32 id,
		       const struct synbus_iv_msg *m)
{
	u32 status = le32_to_cpu(m->status);
	struct synbus_channel *ch = NULL;
	bool bad, latest = false;
	unsigned long flags;
	struct ivs_chan *c;

	if (status > MAX_ERRNO) {
		ivs_violation(iv, "answer with a bad status");
		return;
	}
	/*
	 * An unknown id is no violation: after a rescind the host may answer
	 * what we sent before it, after we released the id. Only we drop our
	 * reference, in this work: ch stays valid.
	 */
	spin_lock_irqsave(&iv->chan_lock, flags);
	c = iv->chans[id];
	if (c && !c->rescinded)
		ch = c->ch;
	spin_unlock_irqrestore(&iv->chan_lock, flags);
	if (!ch)
		return;
	if (type == SYNBUS_IV_BUF_DONE) {
		synbus_buffer_done(ch, le32_to_cpu(m->handle), -(int)status);
		return;
	}
	/*
	 * The host answers in order: an answer that leaves requests
	 * outstanding belongs to an earlier one (whose waiter gave up), and
	 * only the last answers the latest request.
	 */
	spin_lock_irqsave(&iv->tx_lock, flags);
	bad = !c->outstanding;
	if (!bad)
		latest = !--c->outstanding;
	/* A refused open or an answered close: the host let go of the rings. */
	if (latest && (type == SYNBUS_IV_CLOSE_DONE || status))
		c->open_sent = false;
	spin_unlock_irqrestore(&iv->tx_lock, flags);
	if (bad)
		ivs_violation(iv, "open or close answer without a request");
	if (!latest)
		return;
	if (type == SYNBUS_IV_OPEN_DONE)
		synbus_chan_open_done(ch, -(int)status);
	else
		synbus_chan_close_done(ch);
}

/* One message from the host, in private memory. */
static void ivs_handle(struct ivs_dev *iv, const struct synbus_iv_msg *m)
{
	u32 type = le32_to_cpu(m->type);
	u32 id = le32_to_cpu(m->chan);

	if (id >= iv->geom.max_chan) {
		ivs_violation(iv, "channel id out of range");
		return;
	}
	switch (type) {
	case SYNBUS_IV_OFFER:
		ivs_offer(iv, id, m);
		break;
	case SYNBUS_IV_RESCIND:
		ivs_host_rescind(iv, id);
		break;
	case SYNBUS_IV_OPEN_DONE:
	case SYNBUS_IV_CLOSE_DONE:
	case SYNBUS_IV_BUF_DONE:
		ivs_answer(iv, type, id, m);
		break;
	default:
		ivs_violation(iv, "unknown or guest-to-host message type");
	}
}

/**
 * ivs_ctl_drain() - handle the messages in the host-to-guest control ring
 * @iv: device, up; caller holds @iv->mutex
 *
 * At most IVS_BUDGET messages, then the work runs again. Stops at the
 * first violation.
 */
void ivs_ctl_drain(struct ivs_dev *iv)
{
	struct synbus_iv_msg msg;
	struct synbus_packet pkt;
	unsigned int n = 0;
	int ret;

	for (;;) {
		/* Masked while draining: the host need not ring meanwhile. */
		synbus_rb_mask(&iv->h2g);
		for (;;) {
			if (READ_ONCE(iv->violation))
				return;
			ret = synbus_rb_peek(&iv->h2g, iv->rxbuf, sizeof(iv->rxbuf), &pkt);
			if (ret == -EAGAIN)
				break;
			if (ret) {
				ivs_violation(iv, "bad host-to-guest control ring");
				return;
			}
			if (pkt.type != SYNBUS_PKT_INBAND || pkt.len != sizeof(msg)) {
				ivs_violation(iv, "control packet of the wrong type or size");
				return;
			}
			memcpy(&msg, pkt.data, sizeof(msg));
			ivs_handle(iv, &msg);
			if (synbus_rb_consume(&iv->h2g))
				ivs_ring(iv);
			if (++n >= IVS_BUDGET) {
				queue_work(system_wq, &iv->ctl_work);
				return;
			}
		}
		/* Unmask, then look again: a message may have slipped in. */
		ret = synbus_rb_unmask(&iv->h2g);
		if (ret < 0)
			ivs_violation(iv, "bad host-to-guest control ring write index");
		if (ret <= 0)
			return;
	}
}

static int ivs_op_open(struct synbus_channel *ch)
{
	struct ivs_chan *c = synbus_chan_tp_priv(ch);
	struct synbus_iv_msg m = {};
	struct synbus_rb out, in;
	u64 off;

	/* synbus_open()'s layout: out header and data, then in header and data. */
	synbus_chan_host_rings(ch, &out, &in);
	if (out.size > SYNBUS_IV_RING_MAX || in.size > SYNBUS_IV_RING_MAX ||
	    (u8 *)in.hdr != (u8 *)out.hdr + SYNBUS_RING_HDR_SIZE + out.size ||
	    !ivs_win_off(c->iv, out.hdr,
			 2 * SYNBUS_RING_HDR_SIZE + (size_t)out.size + in.size, &off))
		return -EINVAL;
	m.type = cpu_to_le32(SYNBUS_IV_OPEN);
	m.chan = cpu_to_le32(c->id);
	m.off = cpu_to_le64(off);
	m.size1 = cpu_to_le32(out.size);
	m.size2 = cpu_to_le32(in.size);
	return ivs_chan_send(c, &m);
}

static void ivs_op_close(struct synbus_channel *ch)
{
	struct ivs_chan *c = synbus_chan_tp_priv(ch);
	struct synbus_iv_msg m = {};

	m.type = cpu_to_le32(SYNBUS_IV_CLOSE);
	m.chan = cpu_to_le32(c->id);
	/*
	 * Nothing to close on the host: answer now. Any other failure
	 * leaves the core waiting: it keeps the rings, or a rescind follows.
	 */
	if (ivs_chan_send(c, &m) == 1)
		synbus_chan_close_done(ch);
}

static void ivs_op_signal(struct synbus_channel *ch)
{
	struct ivs_chan *c = synbus_chan_tp_priv(ch);
	struct ivs_dev *iv = c->iv;

	/* An old session's bit would point the new host at a stranger. */
	if (!READ_ONCE(iv->tx_up) || READ_ONCE(iv->session) != c->session)
		return;
	set_bit(c->id, (__force unsigned long *)iv->hdr->g2h_pending);
	ivs_ring(iv);
}

static int ivs_op_buffer(struct synbus_channel *ch, struct synbus_buffer *buf,
			 u32 type)
{
	struct ivs_chan *c = synbus_chan_tp_priv(ch);
	struct synbus_iv_msg m = {};
	u64 off = 0;

	if (type == SYNBUS_IV_BUF_ADD &&
	    (buf->size > SYNBUS_IV_BUF_MAX ||
	     !ivs_win_off(c->iv, buf->vaddr, buf->size, &off)))
		return -EINVAL;
	m.type = cpu_to_le32(type);
	m.chan = cpu_to_le32(c->id);
	m.handle = cpu_to_le32(buf->handle);
	if (type == SYNBUS_IV_BUF_ADD) {
		m.off = cpu_to_le64(off);
		m.size1 = cpu_to_le32(buf->size);
	}
	return ivs_chan_send(c, &m);
}

static int ivs_op_buffer_add(struct synbus_channel *ch, struct synbus_buffer *buf)
{
	return ivs_op_buffer(ch, buf, SYNBUS_IV_BUF_ADD);
}

static int ivs_op_buffer_remove(struct synbus_channel *ch, struct synbus_buffer *buf)
{
	return ivs_op_buffer(ch, buf, SYNBUS_IV_BUF_DEL);
}

/* The core let go of the channel: the id is free again on our side. */
static void ivs_op_release(struct synbus_channel *ch)
{
	struct ivs_chan *c = synbus_chan_tp_priv(ch);
	struct ivs_dev *iv = c->iv;
	unsigned long flags;
	bool mine;

	spin_lock_irqsave(&iv->chan_lock, flags);
	mine = iv->chans[c->id] == c;
	if (mine)
		iv->chans[c->id] = NULL;
	spin_unlock_irqrestore(&iv->chan_lock, flags);
	if (mine)
		ivs_release_id(iv, c->id, c->session);
	kfree(c);
}

const struct synbus_transport_ops ivs_ops = {
	.open = ivs_op_open,
	.close = ivs_op_close,
	.signal = ivs_op_signal,
	.buffer_add = ivs_op_buffer_add,
	.buffer_remove = ivs_op_buffer_remove,
	.release = ivs_op_release,
	.mem_alloc = ivs_mem_alloc,
	.mem_free = ivs_mem_free,
};
