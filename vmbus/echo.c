// SPDX-License-Identifier: GPL-2.0
/*
 * synbus_echo: test client of the echo class. /dev/synbus-echo-<id>:
 * write() sends one message, read() returns one echoed message; ioctls do a
 * request/completion round trip and a shared-buffer check. Used by the
 * selftests and the benchmark.
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/poll.h>
#include <linux/rwsem.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/synbus.h>
#include "echo_proto.h"
#include "synbus.h"

#define ECHO_RING_DEFAULT	(128 * 1024)
#define ECHO_RX_LIMIT		(1024 * 1024)

struct echo_msg {
	struct list_head node;
	u32 len;
	u8 data[];
};

struct echo_dev {
	struct kref kref;
	struct synbus_channel *ch;
	struct miscdevice misc;
	char name[64];
	struct rw_semaphore sem;	/* ops vs remove */
	bool dead;
	spinlock_t lock;		/* protects rxq, rx_bytes, throttled */
	struct list_head rxq;
	size_t rx_bytes;
	bool throttled;
	wait_queue_head_t rx_wait;
};

static void echo_free(struct kref *kref)
{
	struct echo_dev *ed = container_of(kref, struct echo_dev, kref);
	struct echo_msg *m, *tmp;

	list_for_each_entry_safe(m, tmp, &ed->rxq, node)
		kfree(m);
	kfree(ed);
}

static int echo_packet(struct synbus_channel *ch, const struct synbus_packet *pkt)
{
	struct echo_dev *ed = synbus_get_chan_drvdata(ch);
	const struct synbus_echo_hdr *h = pkt->data;
	struct echo_msg *m;
	u32 len;

	if (pkt->len < sizeof(*h))
		return 0;
	len = min_t(u32, le32_to_cpu(h->len), pkt->len - sizeof(*h));
	spin_lock(&ed->lock);
	if (ed->rx_bytes > ECHO_RX_LIMIT) {
		/* Reader is behind: leave it in the ring (backpressure). */
		ed->throttled = true;
		spin_unlock(&ed->lock);
		return -EAGAIN;
	}
	spin_unlock(&ed->lock);
	m = kmalloc(struct_size(m, data, len), GFP_KERNEL);
	if (!m)
		return -EAGAIN;
	m->len = len;
	memcpy(m->data, h + 1, len);
	spin_lock(&ed->lock);
	list_add_tail(&m->node, &ed->rxq);
	ed->rx_bytes += len;
	spin_unlock(&ed->lock);
	wake_up_interruptible(&ed->rx_wait);
	return 0;
}

static void echo_reset(struct synbus_channel *ch)
{
	struct echo_dev *ed = synbus_get_chan_drvdata(ch);

	wake_up_interruptible(&ed->rx_wait);
}

static int echo_open(struct inode *inode, struct file *file)
{
	struct echo_dev *ed = container_of(file->private_data, struct echo_dev, misc);

	/* misc_open holds misc_mtx: remove has not deregistered yet. */
	kref_get(&ed->kref);
	file->private_data = ed;
	return nonseekable_open(inode, file);
}

static int echo_release(struct inode *inode, struct file *file)
{
	struct echo_dev *ed = file->private_data;

	kref_put(&ed->kref, echo_free);
	return 0;
}

static bool echo_readable(struct echo_dev *ed)
{
	return READ_ONCE(ed->dead) || !list_empty_careful(&ed->rxq);
}

static ssize_t echo_read(struct file *file, char __user *ubuf, size_t count,
			 loff_t *ppos)
{
	struct echo_dev *ed = file->private_data;
	struct echo_msg *m;
	bool kick = false;
	ssize_t ret;

	down_read(&ed->sem);
	for (;;) {
		if (ed->dead) {
			ret = -ENODEV;
			goto out;
		}
		spin_lock(&ed->lock);
		m = list_first_entry_or_null(&ed->rxq, struct echo_msg, node);
		if (m) {
			list_del(&m->node);
			ed->rx_bytes -= m->len;
			if (ed->throttled && ed->rx_bytes < ECHO_RX_LIMIT / 2) {
				ed->throttled = false;
				kick = true;
			}
		}
		spin_unlock(&ed->lock);
		if (m)
			break;
		if (file->f_flags & O_NONBLOCK) {
			ret = -EAGAIN;
			goto out;
		}
		ret = wait_event_interruptible(ed->rx_wait, echo_readable(ed));
		if (ret)
			goto out;
	}
	if (kick)
		synbus_chan_kick(ed->ch);
	ret = min_t(size_t, count, m->len);
	if (copy_to_user(ubuf, m->data, ret))
		ret = -EFAULT;
	kfree(m);
out:
	up_read(&ed->sem);
	return ret;
}

static ssize_t echo_write(struct file *file, const char __user *ubuf,
			  size_t count, loff_t *ppos)
{
	struct echo_dev *ed = file->private_data;
	struct synbus_echo_hdr *h;
	ssize_t ret;

	down_read(&ed->sem);
	ret = -ENODEV;
	if (ed->dead)
		goto out;
	ret = -EMSGSIZE;
	if (count + sizeof(*h) > synbus_max_payload(ed->ch))
		goto out;
	ret = -ENOMEM;
	h = kmalloc(sizeof(*h) + count, GFP_KERNEL);
	if (!h)
		goto out;
	h->op = cpu_to_le32(SYNBUS_ECHO_OP_DATA);
	h->len = cpu_to_le32(count);
	h->handle = 0;
	h->seed = 0;
	if (copy_from_user(h + 1, ubuf, count)) {
		ret = -EFAULT;
	} else {
		ret = synbus_sendpacket(ed->ch, h, sizeof(*h) + count, 0,
					(file->f_flags & O_NONBLOCK) ? 0 : SYNBUS_SEND_WAIT);
		if (!ret)
			ret = count;
	}
	kfree(h);
out:
	up_read(&ed->sem);
	return ret;
}

static __poll_t echo_poll(struct file *file, poll_table *wait)
{
	struct echo_dev *ed = file->private_data;
	__poll_t mask = EPOLLOUT | EPOLLWRNORM;

	poll_wait(file, &ed->rx_wait, wait);
	if (READ_ONCE(ed->dead))
		mask |= EPOLLERR | EPOLLHUP;
	if (!list_empty_careful(&ed->rxq))
		mask |= EPOLLIN | EPOLLRDNORM;
	return mask;
}

static long echo_xfer(struct echo_dev *ed, void __user *uarg)
{
	struct synbus_echo_xfer x;
	struct synbus_echo_hdr *h, *r;
	struct synbus_request req = {};
	size_t room;
	long ret;

	if (copy_from_user(&x, uarg, sizeof(x)))
		return -EFAULT;
	if (x.size < sizeof(x) || x.flags)
		return -EINVAL;
	room = synbus_max_payload(ed->ch);
	if (x.len + sizeof(*h) > room)
		return -EMSGSIZE;
	h = kmalloc(sizeof(*h) + x.len, GFP_KERNEL);
	r = kmalloc(room, GFP_KERNEL);
	ret = -ENOMEM;
	if (!h || !r)
		goto out;
	h->op = cpu_to_le32(SYNBUS_ECHO_OP_DATA);
	h->len = cpu_to_le32(x.len);
	h->handle = 0;
	h->seed = 0;
	ret = -EFAULT;
	if (copy_from_user(h + 1, u64_to_user_ptr(x.buf), x.len))
		goto out;
	req.resp = r;
	req.resp_size = room;
	ret = synbus_send_request(ed->ch, h, sizeof(*h) + x.len, &req, SYNBUS_SEND_WAIT);
	if (ret)
		goto out;
	ret = synbus_request_wait(ed->ch, &req, x.timeout_ms ?
				  msecs_to_jiffies(x.timeout_ms) : MAX_SCHEDULE_TIMEOUT);
	if (ret)
		goto out;
	ret = -EPROTO;
	if (req.resp_len < sizeof(*r))
		goto out;
	x.len = min_t(u32, le32_to_cpu(r->len), req.resp_len - sizeof(*r));
	ret = -EFAULT;
	if (copy_to_user(u64_to_user_ptr(x.buf), r + 1, x.len) ||
	    copy_to_user(uarg, &x, sizeof(x)))
		goto out;
	ret = 0;
out:
	kfree(h);
	kfree(r);
	return ret;
}

static long echo_buftest(struct echo_dev *ed, void __user *uarg)
{
	struct synbus_echo_buftest t;
	struct synbus_echo_hdr h = {}, r = {};
	struct synbus_request req = {};
	struct synbus_buffer *buf;
	const u8 *p;
	size_t i;
	long ret;

	if (copy_from_user(&t, uarg, sizeof(t)))
		return -EFAULT;
	if (t.size < sizeof(t) || t.flags)
		return -EINVAL;
	buf = synbus_buffer_alloc(ed->ch, t.bytes);
	if (IS_ERR(buf))
		return PTR_ERR(buf);
	h.op = cpu_to_le32(SYNBUS_ECHO_OP_FILL);
	h.handle = cpu_to_le32(buf->handle);
	h.seed = cpu_to_le32(t.seed);
	req.resp = &r;
	req.resp_size = sizeof(r);
	ret = synbus_send_request(ed->ch, &h, sizeof(h), &req, SYNBUS_SEND_WAIT);
	if (!ret)
		ret = synbus_request_wait(ed->ch, &req, 10 * HZ);
	if (!ret && (req.resp_len < sizeof(r) || r.seed))
		ret = -EPROTO;
	for (i = 0, p = buf->vaddr; !ret && i < buf->size; i++)
		if (p[i] != synbus_echo_pattern(t.seed, i))
			ret = -EBADMSG;
	synbus_buffer_free(buf);
	return ret;
}

static long echo_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct echo_dev *ed = file->private_data;
	long ret;

	down_read(&ed->sem);
	if (ed->dead)
		ret = -ENODEV;
	else if (cmd == SYNBUS_ECHO_XFER)
		ret = echo_xfer(ed, (void __user *)arg);
	else if (cmd == SYNBUS_ECHO_BUFTEST)
		ret = echo_buftest(ed, (void __user *)arg);
	else
		ret = -ENOTTY;
	up_read(&ed->sem);
	return ret;
}

static const struct file_operations echo_fops = {
	.owner = THIS_MODULE,
	.open = echo_open,
	.release = echo_release,
	.read = echo_read,
	.write = echo_write,
	.poll = echo_poll,
	.unlocked_ioctl = echo_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = no_llseek,
};

static int echo_probe(struct synbus_device *sdev, const struct synbus_device_id *id)
{
	u32 ring = sdev->ring_hint ?: ECHO_RING_DEFAULT;
	struct echo_dev *ed;
	int ret;

	ed = kzalloc(sizeof(*ed), GFP_KERNEL);
	if (!ed)
		return -ENOMEM;
	kref_init(&ed->kref);
	init_rwsem(&ed->sem);
	spin_lock_init(&ed->lock);
	INIT_LIST_HEAD(&ed->rxq);
	init_waitqueue_head(&ed->rx_wait);
	ed->ch = sdev->channel;
	synbus_set_chan_drvdata(ed->ch, ed);
	dev_set_drvdata(&sdev->dev, ed);
	ret = synbus_open(ed->ch, ring, ring);
	if (ret)
		goto err;
	snprintf(ed->name, sizeof(ed->name), "synbus-echo-%pUl", &sdev->device_id);
	ed->misc.minor = MISC_DYNAMIC_MINOR;
	ed->misc.name = ed->name;
	ed->misc.fops = &echo_fops;
	ed->misc.mode = 0600;
	ed->misc.parent = &sdev->dev;
	ret = misc_register(&ed->misc);
	if (ret)
		goto err_close;
	return 0;
err_close:
	synbus_close(ed->ch);
err:
	kref_put(&ed->kref, echo_free);
	return ret;
}

static void echo_remove(struct synbus_device *sdev)
{
	struct echo_dev *ed = dev_get_drvdata(&sdev->dev);

	WRITE_ONCE(ed->dead, true);
	wake_up_interruptible(&ed->rx_wait);
	misc_deregister(&ed->misc);
	/* Wakes blocked writers and fails outstanding requests. */
	synbus_close(ed->ch);
	down_write(&ed->sem);
	up_write(&ed->sem);
	kref_put(&ed->kref, echo_free);
}

static struct synbus_device_id echo_ids[] = {
	{ },	/* filled in at init from SYNBUS_ECHO_CLASS_STR */
	{ },
};

static struct synbus_driver echo_driver = {
	.name = "synbus_echo",
	.id_table = echo_ids,
	.probe = echo_probe,
	.remove = echo_remove,
	.on_packet = echo_packet,
	.on_reset = echo_reset,
};

static int __init echo_init(void)
{
	if (guid_parse(SYNBUS_ECHO_CLASS_STR, &echo_ids[0].guid))
		return -EINVAL;
	return synbus_driver_register(&echo_driver);
}

static void __exit echo_exit(void)
{
	synbus_driver_unregister(&echo_driver);
}

module_init(echo_init);
module_exit(echo_exit);
SYNBUS_MODULE_ALIAS(SYNBUS_ECHO_CLASS_STR);
MODULE_DESCRIPTION("synbus echo test client");
MODULE_LICENSE("GPL");
