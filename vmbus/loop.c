// SPDX-License-Identifier: GPL-2.0
/*
 * synbus loopback host: a transport that offers devices to the bus in the
 * same kernel and plays the host side of their channels. Requests from the
 * guest side (open, close, buffers) and doorbells are handled on the
 * loopback workqueue, one work item per device, by the host service
 * registered for the device's class. A fault injector plays a hostile or
 * slow host for tests.
 */
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "loop.h"

static DEFINE_MUTEX(loop_mutex);	/* services and devices lists */
static LIST_HEAD(loop_services);
static LIST_HEAD(loop_devs);
static struct workqueue_struct *loop_wq;
static struct workqueue_struct *loop_reap_wq;

enum loop_ev_type { LOOP_EV_OPEN, LOOP_EV_CLOSE, LOOP_EV_BUF_ADD, LOOP_EV_BUF_REMOVE };

struct loop_event {
	struct list_head node;
	enum loop_ev_type type;
	u32 handle;
	void *vaddr;
	size_t size;
};

struct loop_buf {
	struct list_head node;
	u32 handle;
	void *vaddr;
	size_t size;
};

static struct synbus_transport loop_tp;

static struct synbus_host_chan *loop_hc(struct synbus_channel *ch)
{
	return synbus_chan_tp_priv(ch);
}

static int loop_queue_event(struct synbus_channel *ch, enum loop_ev_type type,
			    struct synbus_buffer *buf)
{
	struct synbus_host_chan *hc = loop_hc(ch);
	struct loop_event *ev = kzalloc(sizeof(*ev), GFP_KERNEL);

	if (!ev)
		return -ENOMEM;
	ev->type = type;
	if (buf) {
		ev->handle = buf->handle;
		ev->vaddr = buf->vaddr;
		ev->size = buf->size;
	}
	spin_lock_irq(&hc->ev_lock);
	list_add_tail(&ev->node, &hc->events);
	spin_unlock_irq(&hc->ev_lock);
	queue_work(loop_wq, &hc->work);
	return 0;
}

static int loop_op_open(struct synbus_channel *ch)
{
	return loop_queue_event(ch, LOOP_EV_OPEN, NULL);
}

static void loop_op_close(struct synbus_channel *ch)
{
	/* Without memory for the event, answer at once: nothing is attached yet. */
	if (loop_queue_event(ch, LOOP_EV_CLOSE, NULL))
		synbus_chan_close_done(ch);
}

static int loop_op_buffer_add(struct synbus_channel *ch, struct synbus_buffer *buf)
{
	return loop_queue_event(ch, LOOP_EV_BUF_ADD, buf);
}

static int loop_op_buffer_remove(struct synbus_channel *ch, struct synbus_buffer *buf)
{
	return loop_queue_event(ch, LOOP_EV_BUF_REMOVE, buf);
}

/* Doorbell from the guest: data to read, or space freed for us. */
static void loop_op_signal(struct synbus_channel *ch)
{
	struct synbus_host_chan *hc = loop_hc(ch);

	WRITE_ONCE(hc->data, true);
	if (wq_has_sleeper(&hc->tx_wait))
		wake_up_all(&hc->tx_wait);
	queue_work(loop_wq, &hc->work);
}

static void loop_free_bufs(struct synbus_host_chan *hc)
{
	struct loop_buf *b, *tmp;

	list_for_each_entry_safe(b, tmp, &hc->buffers, node) {
		list_del(&b->node);
		kfree(b);
	}
}

static void loop_free_events(struct synbus_host_chan *hc)
{
	struct loop_event *ev, *tmp;

	list_for_each_entry_safe(ev, tmp, &hc->events, node) {
		list_del(&ev->node);
		kfree(ev);
	}
}

static void loop_op_release(struct synbus_channel *ch)
{
	struct synbus_host_chan *hc = loop_hc(ch);

	loop_free_events(hc);
	loop_free_bufs(hc);
	kvfree(hc->rx_buf);
	kfree(hc);
}

static const struct synbus_transport_ops loop_ops = {
	.open = loop_op_open,
	.close = loop_op_close,
	.signal = loop_op_signal,
	.buffer_add = loop_op_buffer_add,
	.buffer_remove = loop_op_buffer_remove,
	.release = loop_op_release,
};

static struct synbus_transport loop_tp = {
	.name = "loop",
	.ops = &loop_ops,
};

/* Withdraw the device. Caller holds hc->mutex. */
static void loop_detach(struct synbus_host_chan *hc)
{
	bool was_open;

	if (hc->rescinded)
		return;
	hc->rescinded = true;
	spin_lock_irq(&hc->tx_lock);
	was_open = hc->open;
	hc->open = false;
	spin_unlock_irq(&hc->tx_lock);
	if (was_open && hc->svc->close)
		hc->svc->close(hc);
	loop_free_bufs(hc);
	spin_lock_irq(&hc->ev_lock);
	loop_free_events(hc);
	spin_unlock_irq(&hc->ev_lock);
	wake_up_all(&hc->tx_wait);
	/* We no longer touch the rings: the guest side may drop them. */
	synbus_rescind(hc->ch);
	queue_work(loop_reap_wq, &hc->reap_work);
}

static void loop_reap_work(struct work_struct *work)
{
	struct synbus_host_chan *hc = container_of(work, struct synbus_host_chan,
						   reap_work);

	cancel_work_sync(&hc->work);
	cancel_delayed_work_sync(&hc->unstall_work);
	mutex_lock(&loop_mutex);
	list_del_init(&hc->node);
	mutex_unlock(&loop_mutex);
	synbus_chan_put(hc->ch);
}

static void loop_unstall_work(struct work_struct *work)
{
	struct synbus_host_chan *hc = container_of(to_delayed_work(work),
						   struct synbus_host_chan,
						   unstall_work);

	mutex_lock(&hc->mutex);
	hc->stalled = false;
	mutex_unlock(&hc->mutex);
	queue_work(loop_wq, &hc->work);
}

static struct loop_event *loop_next_event(struct synbus_host_chan *hc)
{
	struct loop_event *ev;

	spin_lock_irq(&hc->ev_lock);
	ev = list_first_entry_or_null(&hc->events, struct loop_event, node);
	if (ev)
		list_del(&ev->node);
	spin_unlock_irq(&hc->ev_lock);
	return ev;
}

static void loop_do_open(struct synbus_host_chan *hc)
{
	int ret = 0;

	if (hc->rescind_step == SYNBUS_STEP_OPEN) {
		loop_detach(hc);
		return;
	}
	synbus_chan_host_rings(hc->ch, &hc->rx, &hc->tx);
	kvfree(hc->rx_buf);
	hc->rx_buf = kvmalloc(hc->rx.size, GFP_KERNEL);
	if (!hc->rx_buf)
		ret = -ENOMEM;
	if (!ret && hc->svc->open)
		ret = hc->svc->open(hc);
	spin_lock_irq(&hc->tx_lock);
	hc->open = !ret;
	spin_unlock_irq(&hc->tx_lock);
	hc->packets = 0;
	synbus_chan_open_done(hc->ch, ret);
}

static void loop_do_close(struct synbus_host_chan *hc)
{
	bool was_open;

	if (hc->rescind_step == SYNBUS_STEP_CLOSE) {
		loop_detach(hc);
		return;
	}
	spin_lock_irq(&hc->tx_lock);
	was_open = hc->open;
	hc->open = false;
	spin_unlock_irq(&hc->tx_lock);
	if (was_open && hc->svc->close)
		hc->svc->close(hc);
	loop_free_bufs(hc);
	synbus_chan_close_done(hc->ch);
}

static void loop_do_buffer(struct synbus_host_chan *hc, struct loop_event *ev)
{
	struct loop_buf *b;
	int ret = 0;

	if (ev->type == LOOP_EV_BUF_REMOVE) {
		list_for_each_entry(b, &hc->buffers, node) {
			if (b->handle == ev->handle) {
				if (hc->svc->buffer_removed)
					hc->svc->buffer_removed(hc, b->handle);
				list_del(&b->node);
				kfree(b);
				break;
			}
		}
		synbus_buffer_done(hc->ch, ev->handle, 0);
		return;
	}
	if (hc->rescind_step == SYNBUS_STEP_BUFFER) {
		loop_detach(hc);
		return;
	}
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b)
		ret = -ENOMEM;
	if (!ret && hc->svc->buffer_added)
		ret = hc->svc->buffer_added(hc, ev->handle, ev->vaddr, ev->size);
	if (!ret) {
		b->handle = ev->handle;
		b->vaddr = ev->vaddr;
		b->size = ev->size;
		list_add_tail(&b->node, &hc->buffers);
	} else {
		kfree(b);
	}
	synbus_buffer_done(hc->ch, ev->handle, ret);
}

static void __loop_rx(struct synbus_host_chan *hc);

/* Drain the guest's outbound ring into the service. */
static void loop_rx(struct synbus_host_chan *hc)
{
	WRITE_ONCE(hc->data, false);
	if (!hc->open)
		return;
	WRITE_ONCE(hc->rx_task, current);
	hc->signal_pending = false;
	__loop_rx(hc);
	WRITE_ONCE(hc->rx_task, NULL);
	if (hc->signal_pending && !hc->rescinded)
		synbus_chan_interrupt(hc->ch);
}

static void __loop_rx(struct synbus_host_chan *hc)
{
	struct synbus_packet pkt;
	int ret;

	for (;;) {
		synbus_rb_mask(&hc->rx);
		for (;;) {
			ret = synbus_rb_peek(&hc->rx, hc->rx_buf, hc->rx.size, &pkt);
			if (ret == -EAGAIN)
				break;
			if (ret) {
				pr_err_ratelimited("synbus_loop %pUl: bad packet from the guest\n",
						   &hc->id);
				return;
			}
			ret = hc->svc->on_packet ? hc->svc->on_packet(hc, &pkt) : 0;
			if (ret == -EAGAIN) {
				/* Retried when the guest frees space for us. */
				hc->rx.pkt_len = 0;
				synbus_rb_unmask(&hc->rx);
				return;
			}
			if (synbus_rb_consume(&hc->rx))
				synbus_chan_interrupt(hc->ch);
			hc->packets++;
			if (hc->rescind_step == SYNBUS_STEP_IO &&
			    hc->packets >= hc->rescind_count) {
				loop_detach(hc);
				return;
			}
			cond_resched();
		}
		ret = synbus_rb_unmask(&hc->rx);
		if (ret <= 0)
			break;
	}
}

static void loop_work(struct work_struct *work)
{
	struct synbus_host_chan *hc = container_of(work, struct synbus_host_chan, work);
	struct loop_event *ev;

	mutex_lock(&hc->mutex);
	while (!hc->rescinded && !hc->stalled && (ev = loop_next_event(hc))) {
		switch (ev->type) {
		case LOOP_EV_OPEN:
			loop_do_open(hc);
			break;
		case LOOP_EV_CLOSE:
			loop_do_close(hc);
			break;
		default:
			loop_do_buffer(hc, ev);
			break;
		}
		kfree(ev);
	}
	if (!hc->rescinded && !hc->stalled)
		loop_rx(hc);
	mutex_unlock(&hc->mutex);
}

/**
 * synbus_host_send() - send a packet to the guest
 * @hc: host channel
 * @type: SYNBUS_PKT_INBAND or SYNBUS_PKT_COMPLETION
 * @flags: SYNBUS_PKT_FLAG_*
 * @trans_id: transaction id
 * @data: payload
 * @len: payload bytes
 *
 * Return: 0, -EAGAIN (full; the guest signals when space frees), -ENOTCONN,
 * -EMSGSIZE, -EIO.
 */
int synbus_host_send(struct synbus_host_chan *hc, u16 type, u16 flags,
		     u64 trans_id, const void *data, u32 len)
{
	unsigned long irqf;
	bool signal = false;
	int ret;

	spin_lock_irqsave(&hc->tx_lock, irqf);
	if (!hc->open) {
		ret = -ENOTCONN;
	} else {
		ret = synbus_rb_write(&hc->tx, type, flags, trans_id, data, len, &signal);
		/* Ask the guest to tell us when it fits; it may fit already. */
		if (ret == -EAGAIN && synbus_rb_set_pending(&hc->tx, len))
			ret = synbus_rb_write(&hc->tx, type, flags, trans_id, data,
					      len, &signal);
		if (!ret && READ_ONCE(hc->tx.hdr->pending_send_sz))
			synbus_rb_clear_pending(&hc->tx);
	}
	spin_unlock_irqrestore(&hc->tx_lock, irqf);
	/* Replies from a drain batch signal once, at the batch end. */
	if (signal && READ_ONCE(hc->rx_task) == current)
		hc->signal_pending = true;
	else if (signal)
		synbus_chan_interrupt(hc->ch);
	return ret;
}
EXPORT_SYMBOL_GPL(synbus_host_send);

/**
 * synbus_host_send_wait() - send, sleeping while the ring is full
 * @hc: host channel
 * @type: packet type
 * @flags: packet flags
 * @trans_id: transaction id
 * @data: payload
 * @len: payload bytes
 * @timeout: jiffies
 *
 * Return: as synbus_host_send(), -ETIMEDOUT or -ERESTARTSYS.
 */
int synbus_host_send_wait(struct synbus_host_chan *hc, u16 type, u16 flags,
			  u64 trans_id, const void *data, u32 len, long timeout)
{
	int ret = -EAGAIN;
	long left;

	left = wait_event_interruptible_timeout(hc->tx_wait,
						(ret = synbus_host_send(hc, type, flags, trans_id,
									data, len)) != -EAGAIN,
						timeout);
	if (left < 0)
		return left;
	if (!left && ret == -EAGAIN)
		return -ETIMEDOUT;
	return ret;
}
EXPORT_SYMBOL_GPL(synbus_host_send_wait);

/**
 * synbus_host_kick() - call on_packet again for packets left in the ring
 * @hc: host channel
 */
void synbus_host_kick(struct synbus_host_chan *hc)
{
	queue_work(loop_wq, &hc->work);
}
EXPORT_SYMBOL_GPL(synbus_host_kick);

/**
 * synbus_host_is_open() - may the host send
 * @hc: host channel
 *
 * Return: true while the guest has the channel open.
 */
bool synbus_host_is_open(struct synbus_host_chan *hc)
{
	return READ_ONCE(hc->open);
}
EXPORT_SYMBOL_GPL(synbus_host_is_open);

/**
 * synbus_host_device_id() - instance GUID of a host channel
 * @hc: host channel
 *
 * Return: the GUID.
 */
const guid_t *synbus_host_device_id(struct synbus_host_chan *hc)
{
	return &hc->id;
}
EXPORT_SYMBOL_GPL(synbus_host_device_id);

/**
 * synbus_host_set_drvdata() - attach service data
 * @hc: host channel
 * @data: pointer
 */
void synbus_host_set_drvdata(struct synbus_host_chan *hc, void *data)
{
	hc->drvdata = data;
}
EXPORT_SYMBOL_GPL(synbus_host_set_drvdata);

/**
 * synbus_host_get_drvdata() - service data
 * @hc: host channel
 *
 * Return: what synbus_host_set_drvdata() stored.
 */
void *synbus_host_get_drvdata(struct synbus_host_chan *hc)
{
	return hc->drvdata;
}
EXPORT_SYMBOL_GPL(synbus_host_get_drvdata);

/**
 * synbus_host_buffer() - a buffer the guest shared
 * @hc: host channel; call from a service callback
 * @handle: handle from the guest
 * @size: set to the size
 *
 * Return: kernel address, or NULL when @handle is unknown.
 */
void *synbus_host_buffer(struct synbus_host_chan *hc, u32 handle, size_t *size)
{
	struct loop_buf *b;

	list_for_each_entry(b, &hc->buffers, node) {
		if (b->handle == handle) {
			*size = b->size;
			return b->vaddr;
		}
	}
	return NULL;
}
EXPORT_SYMBOL_GPL(synbus_host_buffer);

static struct synbus_host_service *loop_find_service(const guid_t *class)
{
	struct synbus_host_service *svc;

	list_for_each_entry(svc, &loop_services, node)
		if (guid_equal(&svc->class_id, class))
			return svc;
	return NULL;
}

/**
 * synbus_loop_register_service() - add a host service
 * @svc: service; its class GUID must be new
 *
 * Return: 0, or -EEXIST.
 */
int synbus_loop_register_service(struct synbus_host_service *svc)
{
	int ret = 0;

	mutex_lock(&loop_mutex);
	if (loop_find_service(&svc->class_id))
		ret = -EEXIST;
	else
		list_add_tail(&svc->node, &loop_services);
	mutex_unlock(&loop_mutex);
	return ret;
}
EXPORT_SYMBOL_GPL(synbus_loop_register_service);

/* Take every live device matching @svc (NULL: all) off the list, ref'd. */
static void loop_detach_matching(struct synbus_host_service *svc)
{
	struct synbus_host_chan *hc;

	for (;;) {
		struct synbus_host_chan *found = NULL;

		mutex_lock(&loop_mutex);
		list_for_each_entry(hc, &loop_devs, node) {
			if (!READ_ONCE(hc->rescinded) && (!svc || hc->svc == svc)) {
				found = hc;
				synbus_chan_get(hc->ch);
				break;
			}
		}
		mutex_unlock(&loop_mutex);
		if (!found)
			break;
		mutex_lock(&found->mutex);
		loop_detach(found);
		mutex_unlock(&found->mutex);
		synbus_chan_put(found->ch);
	}
}

/**
 * synbus_loop_unregister_service() - remove a host service
 * @svc: service
 *
 * Its devices are rescinded first; no callback runs after this returns.
 */
void synbus_loop_unregister_service(struct synbus_host_service *svc)
{
	mutex_lock(&loop_mutex);
	list_del(&svc->node);
	mutex_unlock(&loop_mutex);
	loop_detach_matching(svc);
	synbus_flush();
}
EXPORT_SYMBOL_GPL(synbus_loop_unregister_service);

/**
 * synbus_loop_offer() - offer a device of a class
 * @class_id: class GUID; a service for it must be registered
 * @device_id: instance GUID, or NULL for a random one
 * @ring_hint: ring size suggestion for the driver, or 0
 * @out_id: set to the instance GUID (may be NULL)
 *
 * The device is on the bus (and probed) when this returns.
 *
 * Return: 0, -ENOENT (no service), -EEXIST, -ENOMEM.
 */
int synbus_loop_offer(const guid_t *class_id, const guid_t *device_id,
		      u32 ring_hint, guid_t *out_id)
{
	return synbus_loop_offer_ex(class_id, device_id, ring_hint, out_id, false);
}
EXPORT_SYMBOL_GPL(synbus_loop_offer);

/* As synbus_loop_offer(); @rescind withdraws it at once, racing the probe. */
int synbus_loop_offer_ex(const guid_t *class_id, const guid_t *device_id,
			 u32 ring_hint, guid_t *out_id, bool rescind)
{
	struct synbus_host_service *svc;
	struct synbus_host_chan *hc;
	struct synbus_offer offer = {};
	struct synbus_channel *ch;
	int ret = 0;

	hc = kzalloc(sizeof(*hc), GFP_KERNEL);
	if (!hc)
		return -ENOMEM;
	INIT_LIST_HEAD(&hc->node);
	mutex_init(&hc->mutex);
	INIT_WORK(&hc->work, loop_work);
	INIT_WORK(&hc->reap_work, loop_reap_work);
	INIT_DELAYED_WORK(&hc->unstall_work, loop_unstall_work);
	spin_lock_init(&hc->ev_lock);
	INIT_LIST_HEAD(&hc->events);
	spin_lock_init(&hc->tx_lock);
	init_waitqueue_head(&hc->tx_wait);
	INIT_LIST_HEAD(&hc->buffers);
	if (device_id && !guid_is_null(device_id))
		guid_copy(&hc->id, device_id);
	else
		guid_gen(&hc->id);

	mutex_lock(&loop_mutex);
	svc = loop_find_service(class_id);
	if (!svc) {
		ret = -ENOENT;
		goto unlock;
	}
	hc->svc = svc;
	guid_copy(&offer.class_id, class_id);
	guid_copy(&offer.device_id, &hc->id);
	offer.ring_hint = ring_hint;
	offer.tp_priv = hc;
	/* Ops may run before synbus_offer() returns: hc->ch set under hc->mutex. */
	mutex_lock(&hc->mutex);
	ch = synbus_offer(&loop_tp, &offer);
	if (IS_ERR(ch)) {
		mutex_unlock(&hc->mutex);
		ret = PTR_ERR(ch);
		goto unlock;
	}
	hc->ch = ch;
	list_add_tail(&hc->node, &loop_devs);
	if (rescind)
		loop_detach(hc);
	mutex_unlock(&hc->mutex);
	if (out_id)
		guid_copy(out_id, &hc->id);
	hc = NULL;
unlock:
	mutex_unlock(&loop_mutex);
	kfree(hc);
	if (!ret)
		synbus_flush();
	return ret;
}

/**
 * synbus_loop_find() - look up a live device
 * @id: instance GUID
 *
 * Return: the host channel with a reference (synbus_loop_put()), or NULL.
 */
struct synbus_host_chan *synbus_loop_find(const guid_t *id)
{
	struct synbus_host_chan *hc, *found = NULL;

	mutex_lock(&loop_mutex);
	list_for_each_entry(hc, &loop_devs, node) {
		if (!READ_ONCE(hc->rescinded) && guid_equal(&hc->id, id)) {
			found = hc;
			synbus_chan_get(hc->ch);
			break;
		}
	}
	mutex_unlock(&loop_mutex);
	return found;
}

void synbus_loop_put(struct synbus_host_chan *hc)
{
	synbus_chan_put(hc->ch);
}

/**
 * synbus_loop_rescind() - withdraw a device
 * @device_id: instance GUID
 *
 * The device is gone from the bus when this returns.
 *
 * Return: 0 or -ENOENT.
 */
int synbus_loop_rescind(const guid_t *device_id)
{
	struct synbus_host_chan *hc = synbus_loop_find(device_id);

	if (!hc)
		return -ENOENT;
	mutex_lock(&hc->mutex);
	loop_detach(hc);
	mutex_unlock(&hc->mutex);
	synbus_loop_put(hc);
	synbus_flush();
	return 0;
}
EXPORT_SYMBOL_GPL(synbus_loop_rescind);

/* Write a hostile packet straight into the guest's inbound ring. */
static int loop_inject(struct synbus_host_chan *hc, u32 type)
{
	struct synbus_pkt_desc desc = {};
	u8 raw[32];
	int ret = 0;

	spin_lock_irq(&hc->tx_lock);
	if (!hc->open) {
		ret = -ENOTCONN;
	} else if (type == SYNBUS_FAULT_CORRUPT_INDEX) {
		WRITE_ONCE(hc->tx.hdr->write_index, hc->tx.size + 8);
	} else if (synbus_rb_write_avail(&hc->tx) <= (int)sizeof(raw)) {
		ret = -EAGAIN;
	} else if (type == SYNBUS_FAULT_OVERSIZE) {
		/* A descriptor claiming far more than was written. */
		desc.type = SYNBUS_PKT_INBAND;
		desc.offset8 = 2;
		desc.len8 = min_t(u32, hc->tx.size / 8, 0xffff);
		memset(raw, 0, sizeof(raw));
		memcpy(raw, &desc, sizeof(desc));
		synbus_rb_write_raw(&hc->tx, raw, 24);
	} else {
		get_random_bytes(raw, sizeof(raw));
		/* An unknown type at least, whatever the rest says. */
		raw[0] = 0xad;
		raw[1] = 0xde;
		desc.len8 = 3;
		memcpy(&raw[4], &desc.len8, sizeof(desc.len8));
		synbus_rb_write_raw(&hc->tx, raw, sizeof(raw));
	}
	spin_unlock_irq(&hc->tx_lock);
	if (!ret)
		synbus_chan_interrupt(hc->ch);
	return ret;
}

/**
 * synbus_loop_fault() - arm or fire a fault on one device
 * @hc: host channel from synbus_loop_find()
 * @type: SYNBUS_FAULT_*
 * @step: SYNBUS_STEP_* for SYNBUS_FAULT_RESCIND_AT
 * @count: packets for SYNBUS_STEP_IO
 * @stall_ms: stall length, 0 = until cleared
 *
 * Return: 0, -EINVAL, -ENOTCONN (not open), -EAGAIN (ring full), -ENODEV.
 */
int synbus_loop_fault(struct synbus_host_chan *hc, u32 type, u32 step,
		      u32 count, u32 stall_ms)
{
	int ret = 0;

	mutex_lock(&hc->mutex);
	if (hc->rescinded) {
		ret = -ENODEV;
		goto out;
	}
	switch (type) {
	case SYNBUS_FAULT_NONE:
		hc->stalled = false;
		hc->rescind_step = 0;
		queue_work(loop_wq, &hc->work);
		break;
	case SYNBUS_FAULT_CORRUPT_INDEX:
	case SYNBUS_FAULT_OVERSIZE:
	case SYNBUS_FAULT_GARBAGE:
		ret = loop_inject(hc, type);
		break;
	case SYNBUS_FAULT_STALL:
		hc->stalled = true;
		if (stall_ms)
			mod_delayed_work(loop_wq, &hc->unstall_work,
					 msecs_to_jiffies(stall_ms));
		break;
	case SYNBUS_FAULT_RESCIND_AT:
		if (step == SYNBUS_STEP_OFFER) {
			loop_detach(hc);
		} else if (step >= SYNBUS_STEP_OPEN && step <= SYNBUS_STEP_CLOSE) {
			hc->rescind_step = step;
			hc->rescind_count = count;
			hc->packets = 0;
		} else {
			ret = -EINVAL;
		}
		break;
	default:
		ret = -EINVAL;
	}
out:
	mutex_unlock(&hc->mutex);
	if (!ret && type == SYNBUS_FAULT_RESCIND_AT && step == SYNBUS_STEP_OFFER)
		synbus_flush();
	return ret;
}

/**
 * synbus_loop_command() - pass a userspace command to the service
 * @hc: host channel from synbus_loop_find()
 * @cmd: command number
 * @in: input bytes
 * @in_len: input length
 * @out: output buffer
 * @out_len: in: room, out: bytes written
 *
 * Return: the service's answer, -EOPNOTSUPP, -ENODEV.
 */
int synbus_loop_command(struct synbus_host_chan *hc, u32 cmd, const void *in,
			u32 in_len, void *out, u32 *out_len)
{
	int ret;

	if (!hc->svc->command)
		return -EOPNOTSUPP;
	mutex_lock(&hc->mutex);
	if (hc->rescinded)
		ret = -ENODEV;
	else
		ret = hc->svc->command(hc, cmd, in, in_len, out, out_len);
	mutex_unlock(&hc->mutex);
	return ret;
}

static int __init synbus_loop_init(void)
{
	int ret;

	loop_wq = alloc_workqueue("synbus_loop", WQ_UNBOUND | WQ_MEM_RECLAIM, 0);
	loop_reap_wq = alloc_workqueue("synbus_loop_reap", 0, 0);
	if (!loop_wq || !loop_reap_wq) {
		ret = -ENOMEM;
		goto err_wq;
	}
	ret = synbus_transport_register(&loop_tp);
	if (ret)
		goto err_wq;
	ret = synbus_loop_echo_init();
	if (ret)
		goto err_tp;
	ret = synbus_loop_ctl_init();
	if (ret)
		goto err_echo;
	return 0;
err_echo:
	synbus_loop_echo_exit();
err_tp:
	synbus_transport_unregister(&loop_tp);
err_wq:
	if (loop_reap_wq)
		destroy_workqueue(loop_reap_wq);
	if (loop_wq)
		destroy_workqueue(loop_wq);
	return ret;
}

static void __exit synbus_loop_exit(void)
{
	synbus_loop_ctl_exit();
	synbus_loop_echo_exit();
	loop_detach_matching(NULL);
	flush_workqueue(loop_reap_wq);
	synbus_transport_unregister(&loop_tp);
	destroy_workqueue(loop_reap_wq);
	destroy_workqueue(loop_wq);
}

module_init(synbus_loop_init);
module_exit(synbus_loop_exit);
MODULE_DESCRIPTION("synbus loopback host: offers devices and plays their host side");
MODULE_LICENSE("GPL");
