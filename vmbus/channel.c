// SPDX-License-Identifier: GPL-2.0
/*
 * synbus channels: offer and rescind, open and close, sending, requests
 * with id-table transaction ids, inbound processing and channel reset.
 *
 * Transport ops run inside an SRCU read section and only while the
 * channel is not rescinded, so synbus_transport_unregister() can wait for
 * the last one. Every wait on the host is bounded by ack_timeout_ms and
 * completed early by rescind.
 */
#include <linux/cpumask.h>
#include <linux/device.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/srcu.h>
#include <linux/vmalloc.h>
#include "internal.h"

DEFINE_SRCU(synbus_srcu);
static DEFINE_SPINLOCK(synbus_list_lock);	/* transports' channel lists */
static DECLARE_WAIT_QUEUE_HEAD(synbus_release_wq);
static LIST_HEAD(synbus_transports);

#define SYNBUS_RING_MAX	(16U << 20)
/*
 * Inbound packets, completions included, per run of the inbound work; then
 * it queues itself again, so a host that never stops sending cannot hold
 * the CPU or starve the other channels' work there.
 */
#define SYNBUS_IN_BUDGET	256

static long synbus_ack_jiffies(void)
{
	return msecs_to_jiffies(READ_ONCE(synbus_ack_timeout_ms));
}

static void synbus_signal_host(struct synbus_channel *ch)
{
	if (synbus_tp_call(ch, ch->tp->ops->signal(ch)))
		atomic64_inc(&ch->events);
}

/* Fail every outstanding request with @status. */
static void synbus_fail_requests(struct synbus_channel *ch, int status)
{
	struct synbus_request *req;
	unsigned long id;

	xa_for_each(&ch->requests, id, req) {
		if (xa_cmpxchg_irq(&ch->requests, id, req, NULL, 0) != req)
			continue;
		req->status = status;
		complete(&req->done);
	}
}

const char *synbus_state_name(struct synbus_channel *ch)
{
	static const char * const names[] = {
		[SYNBUS_CHAN_OFFERED] = "offered",
		[SYNBUS_CHAN_OPENING] = "opening",
		[SYNBUS_CHAN_OPEN] = "open",
		[SYNBUS_CHAN_CLOSING] = "closing",
		[SYNBUS_CHAN_RESCINDED] = "rescinded",
	};

	return names[synbus_chan_state(ch)];
}

/**
 * synbus_chan_state() - current lifecycle state
 * @ch: channel
 *
 * Return: the state; SYNBUS_CHAN_RESCINDED once withdrawn.
 */
enum synbus_chan_state synbus_chan_state(struct synbus_channel *ch)
{
	if (READ_ONCE(ch->rescinded))
		return SYNBUS_CHAN_RESCINDED;
	return READ_ONCE(ch->state);
}
EXPORT_SYMBOL_GPL(synbus_chan_state);

/**
 * synbus_chan_rescinded() - has the host withdrawn the channel
 * @ch: channel
 *
 * Return: true once rescinded.
 */
bool synbus_chan_rescinded(struct synbus_channel *ch)
{
	return READ_ONCE(ch->rescinded);
}
EXPORT_SYMBOL_GPL(synbus_chan_rescinded);

/**
 * synbus_chan_device() - the device of a channel
 * @ch: channel
 *
 * Return: the device.
 */
struct synbus_device *synbus_chan_device(struct synbus_channel *ch)
{
	return ch->sdev;
}
EXPORT_SYMBOL_GPL(synbus_chan_device);

/**
 * synbus_set_chan_drvdata() - attach driver data to a channel
 * @ch: channel
 * @data: pointer
 */
void synbus_set_chan_drvdata(struct synbus_channel *ch, void *data)
{
	ch->drvdata = data;
}
EXPORT_SYMBOL_GPL(synbus_set_chan_drvdata);

/**
 * synbus_get_chan_drvdata() - driver data of a channel
 * @ch: channel
 *
 * Return: what synbus_set_chan_drvdata() stored.
 */
void *synbus_get_chan_drvdata(struct synbus_channel *ch)
{
	return ch->drvdata;
}
EXPORT_SYMBOL_GPL(synbus_get_chan_drvdata);

/**
 * synbus_max_payload() - largest payload per outbound packet
 * @ch: an open channel
 *
 * Return: bytes, 0 when not open.
 */
u32 synbus_max_payload(struct synbus_channel *ch)
{
	u32 ret = 0;
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->state == SYNBUS_CHAN_OPEN)
		ret = synbus_rb_max_payload(&ch->out);
	spin_unlock_irqrestore(&ch->lock, flags);
	return ret;
}
EXPORT_SYMBOL_GPL(synbus_max_payload);

/* Protocol error from the host side: fail I/O and reset the channel. */
static void synbus_chan_error(struct synbus_channel *ch, const char *why)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->broken || ch->rescinded || ch->state != SYNBUS_CHAN_OPEN) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return;
	}
	ch->broken = true;
	spin_unlock_irqrestore(&ch->lock, flags);
	dev_err_ratelimited(&ch->sdev->dev, "channel error: %s; resetting\n", why);
	synbus_fail_requests(ch, -EIO);
	wake_up_all(&ch->out_wait);
	queue_work(system_unbound_wq, &ch->reset_work);
}

/* Ask the host to open and wait for the answer. Caller holds ch->mutex. */
static int synbus_host_open(struct synbus_channel *ch)
{
	int ret = -ENODEV;

	reinit_completion(&ch->open_done);
	spin_lock_irq(&ch->lock);
	ch->awaiting_open = true;
	ch->open_status = -ETIMEDOUT;
	spin_unlock_irq(&ch->lock);
	synbus_tp_call(ch, ret = ch->tp->ops->open(ch));
	if (!ret && !wait_for_completion_timeout(&ch->open_done, synbus_ack_jiffies()))
		ret = -ETIMEDOUT;
	spin_lock_irq(&ch->lock);
	ch->awaiting_open = false;
	if (!ret)
		ret = ch->rescinded ? -ENODEV : ch->open_status;
	spin_unlock_irq(&ch->lock);
	return ret;
}

/*
 * Ask the host to close and wait. Return: true when the host has let go of
 * the rings (answered, or rescinded: the transport stops touching the rings
 * before it rescinds). Caller holds ch->mutex.
 */
static bool synbus_host_close(struct synbus_channel *ch)
{
	bool done = true;

	reinit_completion(&ch->close_done);
	spin_lock_irq(&ch->lock);
	ch->awaiting_close = true;
	spin_unlock_irq(&ch->lock);
	if (synbus_tp_call(ch, ch->tp->ops->close(ch)))
		done = wait_for_completion_timeout(&ch->close_done,
						   synbus_ack_jiffies());
	spin_lock_irq(&ch->lock);
	ch->awaiting_close = false;
	done = done || ch->rescinded;
	spin_unlock_irq(&ch->lock);
	return done;
}

/*
 * Memory the host must reach (rings, shared buffers) comes from the
 * transport when it has memory of its own (a shared window), else from
 * vmalloc. Freed at close, at a failed open, or at release: the transport
 * outlives that, since synbus_transport_unregister() waits for every
 * release.
 */
void *synbus_mem_alloc(struct synbus_channel *ch, size_t bytes)
{
	if (ch->tp->ops->mem_alloc)
		return ch->tp->ops->mem_alloc(ch, bytes);
	return vzalloc(bytes);
}

void synbus_mem_free(struct synbus_channel *ch, void *mem, size_t bytes)
{
	if (mem && ch->tp->ops->mem_free)
		ch->tp->ops->mem_free(ch, mem, bytes);
	else
		vfree(mem);
}

static void synbus_free_rings(struct synbus_channel *ch)
{
	synbus_mem_free(ch, ch->ring_mem, ch->ring_bytes);
	ch->ring_mem = NULL;
	kvfree(ch->rx_buf);
	ch->rx_buf = NULL;
}

static void synbus_init_rings(struct synbus_channel *ch, u32 out_size, u32 in_size)
{
	synbus_rb_init(&ch->out, ch->ring_mem, out_size, true);
	synbus_rb_init(&ch->in, (u8 *)ch->ring_mem + SYNBUS_RING_HDR_SIZE + out_size,
		       in_size, true);
	ch->out_full = false;
}

static void synbus_pick_cpu(struct synbus_channel *ch)
{
	static atomic_t next = ATOMIC_INIT(0);
	unsigned int n = (unsigned int)atomic_inc_return(&next) % num_online_cpus();
	int cpu;

	for_each_online_cpu(cpu)
		if (!n--)
			break;
	ch->cpu = cpu < nr_cpu_ids ? cpu : WORK_CPU_UNBOUND;
}

/**
 * synbus_open() - open a channel
 * @ch: channel (from the probed device)
 * @out_ring_size: guest to host ring data bytes, a multiple of PAGE_SIZE
 * @in_ring_size: host to guest ring data bytes, a multiple of PAGE_SIZE
 *
 * Context: process, sleeps until the host answers or the channel goes.
 * Return: 0, -EINVAL (sizes), -EBUSY (not closed, or the host has not let
 * go of the ring of an earlier failed open), -ENODEV (rescinded),
 * -ETIMEDOUT (host silent), -ENOMEM, or the host's refusal.
 */
int synbus_open(struct synbus_channel *ch, u32 out_ring_size, u32 in_ring_size)
{
	int ret;

	if (!out_ring_size || !in_ring_size || out_ring_size > SYNBUS_RING_MAX ||
	    in_ring_size > SYNBUS_RING_MAX || !PAGE_ALIGNED(out_ring_size) ||
	    !PAGE_ALIGNED(in_ring_size))
		return -EINVAL;

	mutex_lock(&ch->mutex);
	spin_lock_irq(&ch->lock);
	if (ch->rescinded)
		ret = -ENODEV;
	else if (ch->state != SYNBUS_CHAN_OFFERED)
		ret = -EBUSY;
	else
		ret = 0;
	if (!ret)
		ch->state = SYNBUS_CHAN_OPENING;
	spin_unlock_irq(&ch->lock);
	if (ret)
		goto out;

	/*
	 * A ring kept when the host did not answer an earlier open or close:
	 * free it only once the host confirms it let go, else its pages could
	 * go to a new ring or buffer while the host still maps them.
	 */
	if (ch->ring_mem) {
		if (!synbus_host_close(ch)) {
			dev_err_ratelimited(&ch->sdev->dev,
					    "host still holds an earlier ring; open refused\n");
			ret = -EBUSY;
			goto fail;
		}
		synbus_free_rings(ch);
	}
	ch->ring_bytes = 2 * SYNBUS_RING_HDR_SIZE + out_ring_size + in_ring_size;
	ch->ring_mem = synbus_mem_alloc(ch, ch->ring_bytes);
	ch->rx_buf = kvmalloc(in_ring_size, GFP_KERNEL);
	if (!ch->ring_mem || !ch->rx_buf) {
		synbus_free_rings(ch);
		ret = -ENOMEM;
		goto fail;
	}
	synbus_init_rings(ch, out_ring_size, in_ring_size);
	synbus_pick_cpu(ch);

	ret = synbus_host_open(ch);
	if (ret) {
		/* Keep the rings unless the host confirms it let go. */
		if (ret != -ENODEV && !synbus_host_close(ch))
			dev_err_ratelimited(&ch->sdev->dev,
					    "host did not answer; ring kept until release\n");
		else
			synbus_free_rings(ch);
		goto fail;
	}
	spin_lock_irq(&ch->lock);
	ch->state = SYNBUS_CHAN_OPEN;
	ch->broken = false;
	spin_unlock_irq(&ch->lock);
	/* Anything the host sent right after its answer. */
	queue_work_on(ch->cpu, synbus_io_wq, &ch->in_work);
	goto out;
fail:
	spin_lock_irq(&ch->lock);
	ch->state = SYNBUS_CHAN_OFFERED;
	spin_unlock_irq(&ch->lock);
out:
	mutex_unlock(&ch->mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(synbus_open);

/**
 * synbus_close() - close an open channel
 * @ch: channel
 *
 * Waiters and outstanding requests complete (-ESHUTDOWN, -ENOTCONN).
 * Free shared buffers first. Context: process.
 */
void synbus_close(struct synbus_channel *ch)
{
	bool done;

	spin_lock_irq(&ch->lock);
	if (ch->state != SYNBUS_CHAN_OPEN) {
		spin_unlock_irq(&ch->lock);
		return;
	}
	ch->state = SYNBUS_CHAN_CLOSING;
	spin_unlock_irq(&ch->lock);
	wake_up_all(&ch->out_wait);
	cancel_work_sync(&ch->reset_work);

	mutex_lock(&ch->mutex);
	done = synbus_host_close(ch);
	cancel_work_sync(&ch->in_work);
	synbus_fail_requests(ch, -ESHUTDOWN);
	if (done)
		synbus_free_rings(ch);
	else
		dev_err_ratelimited(&ch->sdev->dev,
				    "host did not answer close; ring kept until release\n");
	spin_lock_irq(&ch->lock);
	ch->state = SYNBUS_CHAN_OFFERED;
	ch->broken = false;
	spin_unlock_irq(&ch->lock);
	mutex_unlock(&ch->mutex);
}
EXPORT_SYMBOL_GPL(synbus_close);

/* Can we write now? Caller holds ch->lock. */
static int synbus_chan_usable(struct synbus_channel *ch)
{
	if (ch->rescinded)
		return -ENODEV;
	if (ch->state != SYNBUS_CHAN_OPEN)
		return -ENOTCONN;
	if (ch->broken)
		return -EIO;
	return 0;
}

/* Wait condition: room for @len or a reason to stop. Sets pending_send_sz. */
static bool synbus_out_ready(struct synbus_channel *ch, u32 len)
{
	unsigned long flags;
	bool ready = true;

	spin_lock_irqsave(&ch->lock, flags);
	if (!synbus_chan_usable(ch)) {
		ready = synbus_rb_set_pending(&ch->out, len);
		if (ready)
			synbus_rb_clear_pending(&ch->out);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
	return ready;
}

static int synbus_send(struct synbus_channel *ch, u16 type, u16 pflags,
		       u64 trans_id, const void *data, u32 len,
		       unsigned int send_flags)
{
	unsigned long flags;
	bool signal;
	int ret;

	for (;;) {
		spin_lock_irqsave(&ch->lock, flags);
		ret = synbus_chan_usable(ch);
		if (!ret) {
			ret = synbus_rb_write(&ch->out, type, pflags, trans_id,
					      data, len, &signal);
			if (ret == -EAGAIN) {
				atomic64_inc(&ch->out_full_total);
				if (!ch->out_full)
					atomic64_inc(&ch->out_full_first);
				ch->out_full = true;
			} else if (!ret) {
				ch->out_full = false;
			}
		}
		spin_unlock_irqrestore(&ch->lock, flags);
		if (!ret) {
			if (signal) {
				atomic64_inc(&ch->intr_out_empty);
				synbus_signal_host(ch);
			}
			return 0;
		}
		if (ret == -EIO && !READ_ONCE(ch->broken)) {
			synbus_chan_error(ch, "corrupt outbound read index");
			return -EIO;
		}
		if (ret != -EAGAIN || !(send_flags & SYNBUS_SEND_WAIT))
			return ret;
		ret = wait_event_interruptible(ch->out_wait, synbus_out_ready(ch, len));
		if (ret)
			return ret;
	}
}

/**
 * synbus_sendpacket() - send an in-band packet
 * @ch: open channel
 * @data: payload
 * @len: payload bytes (the peer sees it padded to 8 bytes)
 * @trans_id: opaque to the bus, echoed by the peer if it answers
 * @send_flags: SYNBUS_SEND_WAIT to sleep while the ring is full
 *
 * Return: 0, -EAGAIN (full), -EMSGSIZE, -ENOTCONN, -ENODEV, -EIO (channel
 * in reset), -ERESTARTSYS.
 */
int synbus_sendpacket(struct synbus_channel *ch, const void *data, u32 len,
		      u64 trans_id, unsigned int send_flags)
{
	return synbus_send(ch, SYNBUS_PKT_INBAND, 0, trans_id, data, len,
			   send_flags);
}
EXPORT_SYMBOL_GPL(synbus_sendpacket);

/**
 * synbus_send_completion() - answer an inbound request
 * @ch: open channel
 * @trans_id: the request's transaction id
 * @data: payload
 * @len: payload bytes
 * @send_flags: SYNBUS_SEND_WAIT to sleep while the ring is full
 *
 * Return: as synbus_sendpacket().
 */
int synbus_send_completion(struct synbus_channel *ch, u64 trans_id,
			   const void *data, u32 len, unsigned int send_flags)
{
	return synbus_send(ch, SYNBUS_PKT_COMPLETION, 0, trans_id, data, len,
			   send_flags);
}
EXPORT_SYMBOL_GPL(synbus_send_completion);

/**
 * synbus_send_request() - send with completion requested
 * @ch: open channel
 * @data: payload
 * @len: payload bytes
 * @req: request; the caller sets @req->resp and @req->resp_size
 * @send_flags: SYNBUS_SEND_WAIT to sleep while the ring is full
 *
 * The transaction id comes from the channel's id table, never from a
 * pointer. On success wait with synbus_request_wait().
 *
 * Return: as synbus_sendpacket(), or -ENOMEM.
 */
int synbus_send_request(struct synbus_channel *ch, const void *data, u32 len,
			struct synbus_request *req, unsigned int send_flags)
{
	gfp_t gfp = (send_flags & SYNBUS_SEND_WAIT) ? GFP_KERNEL : GFP_ATOMIC;
	u32 id;
	int ret;

	init_completion(&req->done);
	req->status = 0;
	req->resp_len = 0;
	ret = xa_alloc_cyclic_irq(&ch->requests, &id, req, xa_limit_32b,
				  &ch->next_id, gfp);
	if (ret < 0)
		return ret;
	req->trans_id = id;
	ret = synbus_send(ch, SYNBUS_PKT_INBAND,
			  SYNBUS_PKT_FLAG_COMPLETION_REQUESTED, id, data, len,
			  send_flags);
	if (ret)
		xa_cmpxchg_irq(&ch->requests, id, req, NULL, 0);
	return ret;
}
EXPORT_SYMBOL_GPL(synbus_send_request);

/**
 * synbus_request_wait() - wait for a request's completion
 * @ch: channel
 * @req: request sent with synbus_send_request()
 * @timeout: jiffies, or MAX_SCHEDULE_TIMEOUT
 *
 * Return: 0 or @req->status when it completed, -ETIMEDOUT or -ERESTARTSYS
 * (the id is withdrawn; a late completion is dropped).
 */
int synbus_request_wait(struct synbus_channel *ch, struct synbus_request *req,
			long timeout)
{
	long ret = wait_for_completion_interruptible_timeout(&req->done, timeout);

	if (ret > 0)
		return req->status;
	if (xa_cmpxchg_irq(&ch->requests, req->trans_id, req, NULL, 0) == req)
		return ret ? (int)ret : -ETIMEDOUT;
	/* The completer owns it now and is about to finish. */
	wait_for_completion(&req->done);
	return req->status;
}
EXPORT_SYMBOL_GPL(synbus_request_wait);

static void synbus_complete_request(struct synbus_channel *ch,
				    const struct synbus_packet *pkt)
{
	struct synbus_request *req = NULL;
	u32 n;

	if (pkt->trans_id && pkt->trans_id <= U32_MAX)
		req = xa_load(&ch->requests, pkt->trans_id);
	if (!req || xa_cmpxchg_irq(&ch->requests, pkt->trans_id, req, NULL, 0) != req) {
		atomic64_inc(&ch->bad_completions);
		return;
	}
	n = min(pkt->len, req->resp_size);
	if (n && req->resp)
		memcpy(req->resp, pkt->data, n);
	req->resp_len = n;
	req->status = 0;
	complete(&req->done);
}

static void synbus_consume_signal(struct synbus_channel *ch)
{
	if (synbus_rb_consume(&ch->in)) {
		atomic64_inc(&ch->intr_in_full);
		synbus_signal_host(ch);
	}
}

/**
 * synbus_peekpacket() - next inbound in-band packet, in private memory
 * @ch: channel, from within on_event
 * @pkt: filled in; valid until synbus_consume() or the callback returns
 *
 * Completions of requests are handled on the way. Each packet, completions
 * included, counts against the budget of the inbound work's run.
 *
 * Return: 0, -EAGAIN when empty or when the budget is spent (the work then
 * runs again), -EIO after a protocol error (the channel is being reset).
 */
int synbus_peekpacket(struct synbus_channel *ch, struct synbus_packet *pkt)
{
	int ret;

	if (READ_ONCE(ch->broken))
		return -EIO;
	for (;;) {
		if (!ch->in_budget)
			return -EAGAIN;
		ret = synbus_rb_peek(&ch->in, ch->rx_buf, ch->in.size, pkt);
		if (ret == -EIO)
			synbus_chan_error(ch, "bad inbound index or packet");
		if (ret)
			return ret;
		ch->in_budget--;
		if (pkt->type != SYNBUS_PKT_COMPLETION)
			return 0;
		synbus_complete_request(ch, pkt);
		synbus_consume_signal(ch);
	}
}
EXPORT_SYMBOL_GPL(synbus_peekpacket);

/**
 * synbus_consume() - release the packet last peeked
 * @ch: channel, from within on_event
 */
void synbus_consume(struct synbus_channel *ch)
{
	synbus_consume_signal(ch);
}
EXPORT_SYMBOL_GPL(synbus_consume);

/**
 * synbus_chan_kick() - run the inbound callback again
 * @ch: channel
 */
void synbus_chan_kick(struct synbus_channel *ch)
{
	queue_work_on(ch->cpu, synbus_io_wq, &ch->in_work);
}
EXPORT_SYMBOL_GPL(synbus_chan_kick);

/*
 * Drain with on_packet. Return: 0 when empty or the budget is spent,
 * -EAGAIN (driver), -EIO.
 */
static int synbus_drain(struct synbus_channel *ch, struct synbus_driver *drv)
{
	struct synbus_packet pkt;
	int ret;

	for (;;) {
		ret = synbus_peekpacket(ch, &pkt);
		if (ret == -EAGAIN)
			return 0;
		if (ret)
			return ret;
		ret = drv->on_packet ? drv->on_packet(ch, &pkt) : 0;
		if (ret == -EAGAIN) {
			ch->in.pkt_len = 0;
			return -EAGAIN;
		}
		synbus_consume_signal(ch);
		cond_resched();
	}
}

static void synbus_in_work(struct work_struct *work)
{
	struct synbus_channel *ch = container_of(work, struct synbus_channel, in_work);
	struct synbus_driver *drv = READ_ONCE(ch->drv);
	int ret;

	if (READ_ONCE(ch->state) != SYNBUS_CHAN_OPEN || READ_ONCE(ch->broken) ||
	    READ_ONCE(ch->rescinded) || !drv)
		return;
	ch->in_budget = SYNBUS_IN_BUDGET;
	for (;;) {
		/* Mask while draining: the host need not signal meanwhile. */
		synbus_rb_mask(&ch->in);
		if (drv->on_event) {
			drv->on_event(ch);
			ret = READ_ONCE(ch->broken) ? -EIO : 0;
		} else {
			ret = synbus_drain(ch, drv);
		}
		if (ret)
			break;
		if (!ch->in_budget) {
			/* Budget spent: run again later, still masked. */
			queue_work_on(ch->cpu, synbus_io_wq, &ch->in_work);
			return;
		}
		/* Unmask, then look again: a packet may have slipped in. */
		ret = synbus_rb_unmask(&ch->in);
		if (ret <= 0)
			break;
	}
	if (ret == -EAGAIN)
		synbus_rb_unmask(&ch->in);
	else if (ret < 0)
		synbus_chan_error(ch, "bad inbound write index");
}

/* Close and reopen with the host after a protocol error. */
static void synbus_reset_work(struct work_struct *work)
{
	struct synbus_channel *ch = container_of(work, struct synbus_channel, reset_work);
	struct synbus_driver *drv;
	int ret;

	mutex_lock(&ch->mutex);
	if (READ_ONCE(ch->state) != SYNBUS_CHAN_OPEN || !READ_ONCE(ch->broken) ||
	    READ_ONCE(ch->rescinded))
		goto out;
	if (!synbus_host_close(ch)) {
		dev_err_ratelimited(&ch->sdev->dev, "reset: host did not answer close\n");
		goto out;
	}
	cancel_work_sync(&ch->in_work);
	synbus_init_rings(ch, ch->out.size, ch->in.size);
	ret = synbus_host_open(ch);
	if (ret) {
		dev_err_ratelimited(&ch->sdev->dev, "reset: reopen failed: %d\n", ret);
		goto out;
	}
	spin_lock_irq(&ch->lock);
	ch->broken = false;
	spin_unlock_irq(&ch->lock);
	atomic64_inc(&ch->resets);
	drv = READ_ONCE(ch->drv);
	if (drv && drv->on_reset)
		drv->on_reset(ch);
	wake_up_all(&ch->out_wait);
	queue_work_on(ch->cpu, synbus_io_wq, &ch->in_work);
out:
	mutex_unlock(&ch->mutex);
}

static void synbus_chan_release(struct kref *kref)
{
	struct synbus_channel *ch = container_of(kref, struct synbus_channel, kref);
	struct synbus_transport *tp = ch->tp;
	unsigned long flags;

	if (tp->ops->release && ch->tp_priv)
		tp->ops->release(ch);
	synbus_buffers_release(ch);
	synbus_free_rings(ch);
	xa_destroy(&ch->requests);
	spin_lock_irqsave(&synbus_list_lock, flags);
	list_del_init(&ch->tp_node);
	spin_unlock_irqrestore(&synbus_list_lock, flags);
	kfree(ch);
	wake_up_all(&synbus_release_wq);
}

/**
 * synbus_chan_get() - take a channel reference
 * @ch: channel
 */
void synbus_chan_get(struct synbus_channel *ch)
{
	kref_get(&ch->kref);
}
EXPORT_SYMBOL_GPL(synbus_chan_get);

/**
 * synbus_chan_put() - drop a channel reference
 * @ch: channel
 */
void synbus_chan_put(struct synbus_channel *ch)
{
	kref_put(&ch->kref, synbus_chan_release);
}
EXPORT_SYMBOL_GPL(synbus_chan_put);

/**
 * synbus_chan_tp_priv() - transport private pointer from the offer
 * @ch: channel
 *
 * Return: the pointer.
 */
void *synbus_chan_tp_priv(struct synbus_channel *ch)
{
	return ch->tp_priv;
}
EXPORT_SYMBOL_GPL(synbus_chan_tp_priv);

/**
 * synbus_chan_transport() - the transport that offered a channel
 * @ch: channel
 *
 * Valid as long as the channel is, release included.
 *
 * Return: the transport.
 */
struct synbus_transport *synbus_chan_transport(struct synbus_channel *ch)
{
	return ch->tp;
}
EXPORT_SYMBOL_GPL(synbus_chan_transport);

/**
 * synbus_chan_device_id() - instance GUID
 * @ch: channel
 *
 * Return: the GUID.
 */
const guid_t *synbus_chan_device_id(struct synbus_channel *ch)
{
	return &ch->device_id;
}
EXPORT_SYMBOL_GPL(synbus_chan_device_id);

/**
 * synbus_chan_class_id() - class GUID
 * @ch: channel
 *
 * Return: the GUID.
 */
const guid_t *synbus_chan_class_id(struct synbus_channel *ch)
{
	return &ch->class_id;
}
EXPORT_SYMBOL_GPL(synbus_chan_class_id);

/**
 * synbus_chan_open_done() - transport: answer an open
 * @ch: channel
 * @status: 0 or a negative errno refusing it
 */
void synbus_chan_open_done(struct synbus_channel *ch, int status)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->awaiting_open) {
		ch->open_status = status;
		complete(&ch->open_done);
	}
	spin_unlock_irqrestore(&ch->lock, flags);
}
EXPORT_SYMBOL_GPL(synbus_chan_open_done);

/**
 * synbus_chan_close_done() - transport: answer a close
 * @ch: channel
 */
void synbus_chan_close_done(struct synbus_channel *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->awaiting_close)
		complete(&ch->close_done);
	spin_unlock_irqrestore(&ch->lock, flags);
}
EXPORT_SYMBOL_GPL(synbus_chan_close_done);

/**
 * synbus_chan_interrupt() - transport: doorbell from the host
 * @ch: channel
 *
 * Wakes writers waiting for space and schedules inbound processing.
 */
void synbus_chan_interrupt(struct synbus_channel *ch)
{
	atomic64_inc(&ch->interrupts);
	if (wq_has_sleeper(&ch->out_wait))
		wake_up_all(&ch->out_wait);
	if (READ_ONCE(ch->state) == SYNBUS_CHAN_OPEN)
		queue_work_on(ch->cpu, synbus_io_wq, &ch->in_work);
}
EXPORT_SYMBOL_GPL(synbus_chan_interrupt);

/**
 * synbus_chan_host_rings() - transport: host ends of the rings
 * @ch: channel, from the open op on
 * @rx: host reader end of the guest's outbound ring
 * @tx: host writer end of the guest's inbound ring
 */
void synbus_chan_host_rings(struct synbus_channel *ch, struct synbus_rb *rx,
			    struct synbus_rb *tx)
{
	synbus_rb_init(rx, ch->out.hdr, ch->out.size, false);
	synbus_rb_init(tx, ch->in.hdr, ch->in.size, false);
}
EXPORT_SYMBOL_GPL(synbus_chan_host_rings);

static void synbus_dev_release(struct device *dev)
{
	struct synbus_device *sdev = to_synbus_device(dev);

	synbus_chan_put(sdev->channel);
	kfree(sdev->driver_override);
	kfree(sdev);
}

static void synbus_add_work(struct work_struct *work)
{
	struct synbus_channel *ch = container_of(work, struct synbus_channel, add_work);
	int ret;

	ret = device_add(&ch->sdev->dev);
	if (ret)
		dev_err_ratelimited(&ch->sdev->dev, "device_add failed: %d\n", ret);
	else
		ch->registered = true;
}

static void synbus_remove_work(struct work_struct *work)
{
	struct synbus_channel *ch = container_of(work, struct synbus_channel, remove_work);

	if (ch->registered)
		device_del(&ch->sdev->dev);
	ch->registered = false;
	put_device(&ch->sdev->dev);
	synbus_chan_put(ch);
}

/**
 * synbus_offer() - transport: offer a channel
 * @tp: registered transport
 * @offer: what is offered
 *
 * The device is added asynchronously on the bus workqueue.
 *
 * Return: the channel with a reference for the transport, or ERR_PTR:
 * -EEXIST (instance GUID in use), -ENODEV (transport going), -ENOMEM.
 */
struct synbus_channel *synbus_offer(struct synbus_transport *tp,
				    const struct synbus_offer *offer)
{
	struct synbus_transport *t;
	struct synbus_channel *ch, *c;
	struct synbus_device *sdev;
	unsigned long flags;
	int ret = 0;

	ch = kzalloc(sizeof(*ch), GFP_KERNEL);
	sdev = kzalloc(sizeof(*sdev), GFP_KERNEL);
	if (!ch || !sdev) {
		kfree(ch);
		kfree(sdev);
		return ERR_PTR(-ENOMEM);
	}
	kref_init(&ch->kref);
	INIT_LIST_HEAD(&ch->tp_node);
	ch->tp = tp;
	ch->tp_priv = offer->tp_priv;
	ch->sdev = sdev;
	guid_copy(&ch->class_id, &offer->class_id);
	guid_copy(&ch->device_id, &offer->device_id);
	spin_lock_init(&ch->lock);
	mutex_init(&ch->mutex);
	ch->state = SYNBUS_CHAN_OFFERED;
	init_waitqueue_head(&ch->out_wait);
	INIT_WORK(&ch->in_work, synbus_in_work);
	INIT_WORK(&ch->reset_work, synbus_reset_work);
	INIT_WORK(&ch->add_work, synbus_add_work);
	INIT_WORK(&ch->remove_work, synbus_remove_work);
	ch->cpu = WORK_CPU_UNBOUND;
	init_completion(&ch->open_done);
	init_completion(&ch->close_done);
	xa_init_flags(&ch->requests, XA_FLAGS_ALLOC1 | XA_FLAGS_LOCK_IRQ);
	spin_lock_init(&ch->buf_lock);
	INIT_LIST_HEAD(&ch->buffers);

	guid_copy(&sdev->class_id, &offer->class_id);
	guid_copy(&sdev->device_id, &offer->device_id);
	sdev->ring_hint = offer->ring_hint;
	sdev->channel = ch;
	device_initialize(&sdev->dev);
	sdev->dev.bus = &synbus_bus;
	sdev->dev.release = synbus_dev_release;
	/* The device's reference, dropped in synbus_dev_release(). */
	kref_get(&ch->kref);
	ret = dev_set_name(&sdev->dev, "%pUl", &offer->device_id);

	spin_lock_irqsave(&synbus_list_lock, flags);
	if (tp->dead)
		ret = ret ?: -ENODEV;
	list_for_each_entry(t, &synbus_transports, node)
		list_for_each_entry(c, &t->channels, tp_node)
			if (!c->rescinded && guid_equal(&c->device_id, &offer->device_id))
				ret = ret ?: -EEXIST;
	if (!ret)
		list_add_tail(&ch->tp_node, &tp->channels);
	spin_unlock_irqrestore(&synbus_list_lock, flags);
	if (ret) {
		/* Not the transport's channel: no release op for it. */
		ch->tp_priv = NULL;
		ch->rescinded = true;
		put_device(&sdev->dev);
		synbus_chan_put(ch);
		return ERR_PTR(ret);
	}
	queue_work(synbus_wq, &ch->add_work);
	return ch;
}
EXPORT_SYMBOL_GPL(synbus_offer);

/**
 * synbus_rescind() - transport: withdraw a channel
 * @ch: channel
 *
 * The transport must have stopped touching the rings and shared buffers.
 * Every waiter completes (-ENODEV); the device is removed asynchronously.
 * Context: any that may take spinlocks.
 */
void synbus_rescind(struct synbus_channel *ch)
{
	unsigned long flags;

	spin_lock_irqsave(&ch->lock, flags);
	if (ch->rescinded) {
		spin_unlock_irqrestore(&ch->lock, flags);
		return;
	}
	WRITE_ONCE(ch->rescinded, true);
	ch->open_status = -ENODEV;
	complete_all(&ch->open_done);
	complete_all(&ch->close_done);
	spin_unlock_irqrestore(&ch->lock, flags);

	synbus_fail_requests(ch, -ENODEV);
	synbus_buffers_rescind(ch);
	wake_up_all(&ch->out_wait);
	kref_get(&ch->kref);
	queue_work(synbus_wq, &ch->remove_work);
}
EXPORT_SYMBOL_GPL(synbus_rescind);

/**
 * synbus_flush() - wait for queued device additions and removals
 */
void synbus_flush(void)
{
	flush_workqueue(synbus_wq);
}
EXPORT_SYMBOL_GPL(synbus_flush);

/**
 * synbus_transport_register() - add a transport
 * @tp: transport with @name and @ops set
 *
 * Return: 0.
 */
int synbus_transport_register(struct synbus_transport *tp)
{
	unsigned long flags;

	INIT_LIST_HEAD(&tp->channels);
	tp->dead = false;
	spin_lock_irqsave(&synbus_list_lock, flags);
	list_add_tail(&tp->node, &synbus_transports);
	spin_unlock_irqrestore(&synbus_list_lock, flags);
	return 0;
}
EXPORT_SYMBOL_GPL(synbus_transport_register);

static bool synbus_tp_empty(struct synbus_transport *tp)
{
	unsigned long flags;
	bool empty;

	spin_lock_irqsave(&synbus_list_lock, flags);
	empty = list_empty(&tp->channels);
	spin_unlock_irqrestore(&synbus_list_lock, flags);
	return empty;
}

/**
 * synbus_transport_unregister() - remove a transport
 * @tp: transport
 *
 * Rescinds its channels (the transport must have quiesced them), waits
 * for running ops and for every channel to be released.
 */
void synbus_transport_unregister(struct synbus_transport *tp)
{
	struct synbus_channel *ch;
	unsigned long flags;

	spin_lock_irqsave(&synbus_list_lock, flags);
	tp->dead = true;
	spin_unlock_irqrestore(&synbus_list_lock, flags);
	for (;;) {
		ch = NULL;
		spin_lock_irqsave(&synbus_list_lock, flags);
		list_for_each_entry(ch, &tp->channels, tp_node)
			if (!READ_ONCE(ch->rescinded))
				goto found;
		ch = NULL;
found:
		spin_unlock_irqrestore(&synbus_list_lock, flags);
		if (!ch)
			break;
		synbus_rescind(ch);
	}
	synchronize_srcu(&synbus_srcu);
	flush_workqueue(synbus_wq);
	wait_event(synbus_release_wq, synbus_tp_empty(tp));
	spin_lock_irqsave(&synbus_list_lock, flags);
	list_del(&tp->node);
	spin_unlock_irqrestore(&synbus_list_lock, flags);
}
EXPORT_SYMBOL_GPL(synbus_transport_unregister);
