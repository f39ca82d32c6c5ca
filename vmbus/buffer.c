// SPDX-License-Identifier: GPL-2.0
/*
 * synbus shared buffers (the GPADL idea): a client shares pages with the
 * host side, which acknowledges; teardown is acknowledged too. A buffer
 * whose teardown the host never answers is not freed (the host may still
 * write it) until the channel is released. All buffers count against one
 * bus-wide quota.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "internal.h"

static unsigned long synbus_buffer_quota_kb = 64 * 1024;
module_param_named(buffer_quota_kb, synbus_buffer_quota_kb, ulong, 0644);
MODULE_PARM_DESC(buffer_quota_kb, "Bytes (KiB) all shared buffers may take together");

static atomic_long_t synbus_buffer_used = ATOMIC_LONG_INIT(0);

static void synbus_buffer_destroy(struct synbus_buffer *buf)
{
	atomic_long_sub(buf->size, &synbus_buffer_used);
	synbus_mem_free(buf->ch, buf->vaddr, buf->size);
	kfree(buf);
}

/* Send add or remove and wait. Caller holds ch->mutex. */
static int synbus_buffer_call(struct synbus_channel *ch, struct synbus_buffer *buf,
			      bool add)
{
	long tmo = msecs_to_jiffies(READ_ONCE(synbus_ack_timeout_ms));
	int ret = -ENODEV;

	reinit_completion(&buf->done);
	spin_lock_irq(&ch->buf_lock);
	buf->awaiting = true;
	buf->status = -ETIMEDOUT;
	spin_unlock_irq(&ch->buf_lock);
	if (add)
		synbus_tp_call(ch, ret = ch->tp->ops->buffer_add(ch, buf));
	else
		synbus_tp_call(ch, ret = ch->tp->ops->buffer_remove(ch, buf));
	if (!ret && !wait_for_completion_timeout(&buf->done, tmo))
		ret = -ETIMEDOUT;
	spin_lock_irq(&ch->buf_lock);
	buf->awaiting = false;
	if (!ret)
		ret = READ_ONCE(ch->rescinded) ? -ENODEV : buf->status;
	spin_unlock_irq(&ch->buf_lock);
	return ret;
}

/**
 * synbus_buffer_alloc() - allocate a buffer and share it with the host
 * @ch: open channel
 * @size: bytes, rounded up to pages
 *
 * Context: process; sleeps until the host answers.
 * Return: the buffer, or ERR_PTR: -EINVAL, -EDQUOT (quota), -ENOMEM,
 * -ENOTCONN (not open), -ENODEV (rescinded), -ETIMEDOUT, host refusal.
 */
struct synbus_buffer *synbus_buffer_alloc(struct synbus_channel *ch, size_t size)
{
	struct synbus_buffer *buf;
	int ret;

	size = PAGE_ALIGN(size);
	if (!size || size > (1UL << 30))
		return ERR_PTR(-EINVAL);
	if (atomic_long_add_return(size, &synbus_buffer_used) >
	    READ_ONCE(synbus_buffer_quota_kb) * 1024) {
		atomic_long_sub(size, &synbus_buffer_used);
		return ERR_PTR(-EDQUOT);
	}
	buf = kzalloc(sizeof(*buf), GFP_KERNEL);
	if (!buf) {
		atomic_long_sub(size, &synbus_buffer_used);
		return ERR_PTR(-ENOMEM);
	}
	buf->size = size;
	buf->ch = ch;
	init_completion(&buf->done);
	buf->vaddr = synbus_mem_alloc(ch, size);
	if (!buf->vaddr) {
		synbus_buffer_destroy(buf);
		return ERR_PTR(-ENOMEM);
	}

	mutex_lock(&ch->mutex);
	if (READ_ONCE(ch->rescinded))
		ret = -ENODEV;
	else if (READ_ONCE(ch->state) != SYNBUS_CHAN_OPEN)
		ret = -ENOTCONN;
	else
		ret = 0;
	if (ret)
		goto unlock;
	buf->handle = ++ch->next_handle ?: ++ch->next_handle;
	spin_lock_irq(&ch->buf_lock);
	list_add_tail(&buf->node, &ch->buffers);
	spin_unlock_irq(&ch->buf_lock);
	ret = synbus_buffer_call(ch, buf, true);
	if (ret == -ETIMEDOUT) {
		/* The host may still map it: keep it until the channel goes. */
		buf->orphan = true;
		dev_err_ratelimited(&ch->sdev->dev, "buffer %u: host did not answer\n",
				    buf->handle);
		mutex_unlock(&ch->mutex);
		return ERR_PTR(ret);
	}
	if (ret) {
		spin_lock_irq(&ch->buf_lock);
		list_del(&buf->node);
		spin_unlock_irq(&ch->buf_lock);
	}
unlock:
	mutex_unlock(&ch->mutex);
	if (ret) {
		synbus_buffer_destroy(buf);
		return ERR_PTR(ret);
	}
	return buf;
}
EXPORT_SYMBOL_GPL(synbus_buffer_alloc);

/**
 * synbus_buffer_free() - withdraw a buffer from the host and free it
 * @buf: buffer from synbus_buffer_alloc(); NULL or ERR_PTR is ignored
 *
 * Context: process; sleeps until the host answers.
 */
void synbus_buffer_free(struct synbus_buffer *buf)
{
	struct synbus_channel *ch;
	int ret = 0;

	if (IS_ERR_OR_NULL(buf))
		return;
	ch = buf->ch;
	mutex_lock(&ch->mutex);
	if (!READ_ONCE(ch->rescinded) && READ_ONCE(ch->state) == SYNBUS_CHAN_OPEN)
		ret = synbus_buffer_call(ch, buf, false);
	if (ret == -ETIMEDOUT) {
		buf->orphan = true;
		dev_err_ratelimited(&ch->sdev->dev,
				    "buffer %u: teardown not answered; kept until release\n",
				    buf->handle);
		mutex_unlock(&ch->mutex);
		return;
	}
	spin_lock_irq(&ch->buf_lock);
	list_del(&buf->node);
	spin_unlock_irq(&ch->buf_lock);
	mutex_unlock(&ch->mutex);
	synbus_buffer_destroy(buf);
}
EXPORT_SYMBOL_GPL(synbus_buffer_free);

/**
 * synbus_buffer_done() - transport: answer buffer_add or buffer_remove
 * @ch: channel
 * @handle: the buffer's handle
 * @status: 0 or a negative errno
 */
void synbus_buffer_done(struct synbus_channel *ch, u32 handle, int status)
{
	struct synbus_buffer *buf;
	unsigned long flags;

	spin_lock_irqsave(&ch->buf_lock, flags);
	list_for_each_entry(buf, &ch->buffers, node) {
		if (buf->handle == handle && buf->awaiting) {
			buf->status = status;
			complete(&buf->done);
			break;
		}
	}
	spin_unlock_irqrestore(&ch->buf_lock, flags);
}
EXPORT_SYMBOL_GPL(synbus_buffer_done);

/* Rescind: everyone waiting for an answer stops waiting. */
void synbus_buffers_rescind(struct synbus_channel *ch)
{
	struct synbus_buffer *buf;
	unsigned long flags;

	spin_lock_irqsave(&ch->buf_lock, flags);
	list_for_each_entry(buf, &ch->buffers, node)
		complete_all(&buf->done);
	spin_unlock_irqrestore(&ch->buf_lock, flags);
}

/* Channel release: the host has let go; free what the driver gave up. */
void synbus_buffers_release(struct synbus_channel *ch)
{
	struct synbus_buffer *buf, *tmp;

	list_for_each_entry_safe(buf, tmp, &ch->buffers, node) {
		list_del(&buf->node);
		if (buf->orphan)
			synbus_buffer_destroy(buf);
	}
}
