// SPDX-License-Identifier: GPL-2.0
/*
 * synbus over QEMU's ivshmem-doorbell device: the guest transport. The
 * host (tools/synbus-hostd) sees only BAR2, the shared window: page 0 is
 * the header, then the two control rings, then a heap from which we
 * allocate every channel's rings and every shared buffer. The protocol
 * is uapi/linux/synbus_ivshmem.h. The host is untrusted: every header
 * field is read once, checked, and kept privately; a bad header stops
 * the use of the window until it is fixed; a bad message (state "broken")
 * until host_gen changes or, after a backoff, a hello with a new guest_gen.
 *
 * Lifetimes. The window stays mapped and the heap bitmaps allocated until
 * remove, after synbus_transport_unregister(), which waits for every
 * channel's release; so the core's mem_free calls (at close, buffer free
 * or release, the last one after our release op) always find the heap.
 * When a session ends (host_gen change, bad header, violation, remove)
 * every channel is rescinded at once; memory freed while no session is up
 * is quarantined, not reused, until the host acknowledges the next hello
 * (then it has forgotten every old channel). A new header's control rings
 * must not cover pages the guest still uses, else the hello waits.
 */
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/module.h>
#include <linux/pci.h>
#include <linux/random.h>
#include <linux/slab.h>
#include "ivshmem.h"

#define IVS_NAME	"synbus_ivshmem"
#define IVS_PAGE	SYNBUS_IV_PAGE
/* No header field reaches beyond u32 offset plus u32 size. */
#define IVS_WIN_MAX	(8ULL << 30)
/* Hello again after a violation: after 5 s, doubling up to 60 s. */
#define IVS_RETRY_MIN	(5 * HZ)
#define IVS_RETRY_MAX	(60 * HZ)

/**
 * ivs_win_off() - window offset of guest memory handed to the host
 * @iv: device
 * @mem: start, page aligned
 * @bytes: length
 * @off: set to the offset of @mem
 *
 * Return: true when [@mem, @mem + @bytes) lies inside the window.
 */
bool ivs_win_off(struct ivs_dev *iv, const void *mem, size_t bytes, u64 *off)
{
	const u8 *p = mem, *base = iv->win;

	if (p < base || p >= base + iv->win_len)
		return false;
	*off = p - base;
	return IS_ALIGNED(*off, IVS_PAGE) && bytes <= iv->win_len - *off;
}

/**
 * ivs_mem_alloc() - transport op: zeroed pages from the heap
 * @ch: channel
 * @bytes: length, rounded up to pages
 *
 * Return: kernel address inside the window, NULL when the heap is full or
 * no session is up.
 */
void *ivs_mem_alloc(struct synbus_channel *ch, size_t bytes)
{
	struct ivs_dev *iv = ivs_from_ch(ch);
	unsigned long n = DIV_ROUND_UP(bytes, IVS_PAGE);
	unsigned long flags, first;
	void *mem = NULL;

	if (!n || n > iv->npages)
		return NULL;
	spin_lock_irqsave(&iv->heap_lock, flags);
	if (iv->heap_up) {
		first = bitmap_find_next_zero_area(iv->used, iv->heap_hi,
						   iv->heap_lo, n, 0);
		if (first < iv->heap_hi && n <= iv->heap_hi - first) {
			bitmap_set(iv->used, first, n);
			mem = (u8 *)iv->win + first * IVS_PAGE;
		}
	}
	spin_unlock_irqrestore(&iv->heap_lock, flags);
	/* Ours alone now: zero it outside the lock. */
	if (mem)
		memset(mem, 0, n * IVS_PAGE);
	return mem;
}

/**
 * ivs_mem_free() - transport op: give pages back
 * @ch: channel
 * @mem: what ivs_mem_alloc() returned
 * @bytes: its length
 *
 * Without a session up the pages are quarantined until the next one.
 */
void ivs_mem_free(struct synbus_channel *ch, void *mem, size_t bytes)
{
	struct ivs_dev *iv = ivs_from_ch(ch);
	unsigned long n = DIV_ROUND_UP(bytes, IVS_PAGE);
	unsigned long flags, first;
	u64 off;

	if (WARN_ON_ONCE(!ivs_win_off(iv, mem, n * IVS_PAGE, &off)))
		return;
	first = off / IVS_PAGE;
	spin_lock_irqsave(&iv->heap_lock, flags);
	if (iv->heap_up)
		bitmap_clear(iv->used, first, n);
	else
		bitmap_set(iv->quar, first, n);
	spin_unlock_irqrestore(&iv->heap_lock, flags);
}

/**
 * ivs_heap_down() - quarantine frees from now on
 * @iv: device
 */
void ivs_heap_down(struct ivs_dev *iv)
{
	unsigned long flags;

	spin_lock_irqsave(&iv->heap_lock, flags);
	iv->heap_up = false;
	spin_unlock_irqrestore(&iv->heap_lock, flags);
}

/* The host acknowledged a hello: it forgot the old channels' memory. */
static void ivs_heap_up(struct ivs_dev *iv)
{
	unsigned long flags;

	spin_lock_irqsave(&iv->heap_lock, flags);
	bitmap_andnot(iv->used, iv->used, iv->quar, iv->npages);
	bitmap_zero(iv->quar, iv->npages);
	iv->heap_lo = iv->geom.heap_off / IVS_PAGE;
	iv->heap_hi = iv->heap_lo + iv->geom.heap_size / IVS_PAGE;
	iv->heap_up = true;
	spin_unlock_irqrestore(&iv->heap_lock, flags);
}

/* Does the guest still use (not just quarantine) a page of the range? */
static bool ivs_heap_busy(struct ivs_dev *iv, u64 off, u64 len)
{
	unsigned long end = (off + len) / IVS_PAGE, i = off / IVS_PAGE;
	unsigned long flags;
	bool busy = false;

	spin_lock_irqsave(&iv->heap_lock, flags);
	for_each_set_bit_from(i, iv->used, end) {
		if (!test_bit(i, iv->quar)) {
			busy = true;
			break;
		}
	}
	spin_unlock_irqrestore(&iv->heap_lock, flags);
	return busy;
}

/* Read the header once into @g; NULL when valid, "" when empty, or why. */
static const char *ivs_read_hdr(struct ivs_dev *iv, struct ivs_geom *g)
{
	struct synbus_iv_header *h = iv->hdr;
	u32 magic = le32_to_cpu(READ_ONCE(h->magic));
	u32 version = le32_to_cpu(READ_ONCE(h->version));
	u64 ctl_end, heap_end, lim;

	/* Compared with memcmp(): no stale padding. */
	memset(g, 0, sizeof(*g));
	g->size = le64_to_cpu(READ_ONCE(h->size));
	g->host_peer = le32_to_cpu(READ_ONCE(h->host_peer));
	g->host_gen = le32_to_cpu(READ_ONCE(h->host_gen));
	g->ctl_off = le32_to_cpu(READ_ONCE(h->ctl_off));
	g->ctl_size = le32_to_cpu(READ_ONCE(h->ctl_size));
	g->heap_off = le32_to_cpu(READ_ONCE(h->heap_off));
	g->heap_size = le32_to_cpu(READ_ONCE(h->heap_size));
	g->max_chan = le32_to_cpu(READ_ONCE(h->max_chan));

	if (!magic)
		return "";
	if (magic != SYNBUS_IV_MAGIC)
		return "bad magic";
	if (version != SYNBUS_IV_VERSION)
		return "unsupported version";
	if (!g->host_gen)
		return "host_gen is 0";
	if (g->size > pci_resource_len(iv->pdev, 2))
		return "size larger than BAR2";
	/* Beyond what we map no field can point anyway. */
	lim = min(g->size, iv->win_len);
	if (g->host_peer > 0xffff)
		return "host_peer out of range";
	if (g->max_chan > SYNBUS_IV_MAX_CHAN)
		return "max_chan too large";
	if (!g->ctl_size || g->ctl_size > SYNBUS_IV_RING_MAX ||
	    !IS_ALIGNED(g->ctl_size, IVS_PAGE))
		return "bad ctl_size";
	if (g->ctl_off < IVS_PAGE || !IS_ALIGNED(g->ctl_off, IVS_PAGE))
		return "ctl_off in page 0 or not page aligned";
	ctl_end = g->ctl_off + 2 * ((u64)SYNBUS_RING_HDR_SIZE + g->ctl_size);
	if (ctl_end > lim)
		return "control rings outside the window";
	if (g->heap_off < IVS_PAGE || !IS_ALIGNED(g->heap_off, IVS_PAGE) ||
	    !g->heap_size || !IS_ALIGNED(g->heap_size, IVS_PAGE))
		return "heap in page 0 or not page aligned";
	heap_end = (u64)g->heap_off + g->heap_size;
	if (heap_end > lim)
		return "heap outside the window";
	if (g->heap_off < ctl_end && g->ctl_off < heap_end)
		return "heap overlaps the control rings";
	return NULL;
}

/* Say hello with a new guest_gen. Caller holds iv->mutex. */
static void ivs_hello(struct ivs_dev *iv, const struct ivs_geom *g, u32 ack)
{
	u32 gen = iv->guest_gen ? iv->guest_gen : get_random_u32();

	if (ivs_heap_busy(iv, g->ctl_off,
			  2 * ((u64)SYNBUS_RING_HDR_SIZE + g->ctl_size)))
		return;
	/* New, nonzero, and not what the host acknowledged last. */
	do {
		gen++;
	} while (!gen || gen == ack);
	iv->geom = *g;
	WRITE_ONCE(iv->guest_gen, gen);
	WRITE_ONCE(iv->doorbell, g->host_peer << 16);
	WRITE_ONCE(iv->hdr->guest_gen, cpu_to_le32(gen));
	iv->hello_sent = true;
	ivs_ring(iv);
}

/* No session: hello when the header allows, up when acknowledged. */
static void ivs_waiting(struct ivs_dev *iv, const struct ivs_geom *g,
			const char *why, u32 ack, bool tick)
{
	if (why) {
		if (*why && !iv->hdr_warned)
			dev_warn_ratelimited(&iv->pdev->dev,
					     "bad window header: %s; waiting\n", why);
		iv->hdr_warned = true;
		iv->hello_sent = false;
		return;
	}
	iv->hdr_warned = false;
	/* The header changed under our hello: say it again. */
	if (iv->hello_sent && memcmp(g, &iv->geom, sizeof(*g)))
		iv->hello_sent = false;
	if (!iv->hello_sent) {
		ivs_hello(iv, g, ack);
		return;
	}
	if (ack != iv->guest_gen) {
		/* The host may have missed the first doorbell. */
		if (tick)
			ivs_ring(iv);
		return;
	}
	/* host_ack before the rings and offers the host wrote before it. */
	virt_rmb();
	ivs_heap_up(iv);
	ivs_ctl_up(iv);
	iv->up_since = jiffies;
	dev_info_ratelimited(&iv->pdev->dev, "up: host_gen %u guest_gen %u, %u channel ids\n",
			     g->host_gen, iv->guest_gen, g->max_chan);
}

static void ivs_broken(struct ivs_dev *iv, const char *why)
{
	/*
	 * The host resets on a new guest_gen: try again after a while. The
	 * wait doubles while sessions break early, else starts over.
	 */
	if (!iv->retry_wait || time_after(jiffies, iv->up_since + IVS_RETRY_MAX))
		iv->retry_wait = IVS_RETRY_MIN;
	else
		iv->retry_wait = min_t(unsigned long, 2 * iv->retry_wait, IVS_RETRY_MAX);
	iv->retry_at = jiffies + iv->retry_wait;
	dev_warn_ratelimited(&iv->pdev->dev,
			     "host broke the protocol: %s; new hello in %lu s or when host_gen changes\n",
			     why, iv->retry_wait / HZ);
	iv->broken_gen = iv->geom.host_gen;
	iv->hello_sent = false;
	ivs_ctl_down(iv, IVS_BROKEN);
}

static void ivs_ctl_work(struct work_struct *work)
{
	struct ivs_dev *iv = container_of(work, struct ivs_dev, ctl_work);
	bool tick = xchg(&iv->tick_due, false);
	const char *why, *bad;
	struct ivs_geom g;
	u32 ack;

	mutex_lock(&iv->mutex);
	if (iv->state == IVS_REMOVING)
		goto out;
	why = ivs_read_hdr(iv, &g);
	ack = le32_to_cpu(READ_ONCE(iv->hdr->host_ack));
	bad = xchg(&iv->violation, NULL);

	switch (iv->state) {
	case IVS_UP:
		if (bad) {
			ivs_broken(iv, bad);
			goto out;
		}
		if (!why && !memcmp(&g, &iv->geom, sizeof(g)) && ack == iv->guest_gen)
			break;
		/* The host restarted or rewrote the header: start again. */
		dev_info_ratelimited(&iv->pdev->dev,
				     "host changed (host_gen %u -> %u); rescinding\n",
				     iv->geom.host_gen, g.host_gen);
		iv->hello_sent = false;
		ivs_ctl_down(iv, IVS_WAITING);
		ivs_waiting(iv, &g, why, ack, tick);
		break;
	case IVS_BROKEN:
		/* A new host at once, the same one after the backoff. */
		if (g.host_gen == iv->broken_gen && time_before(jiffies, iv->retry_at))
			goto out;
		WRITE_ONCE(iv->state, IVS_WAITING);
		iv->hdr_warned = false;
		fallthrough;
	default:
		ivs_waiting(iv, &g, why, ack, tick);
		break;
	}
	if (iv->state != IVS_UP)
		goto out;
	ivs_ctl_drain(iv);
	ivs_ctl_flush(iv);
	bad = xchg(&iv->violation, NULL);
	if (bad)
		ivs_broken(iv, bad);
out:
	mutex_unlock(&iv->mutex);
}

/* Every second: header re-check, queued sends, the hello's doorbell. */
static void ivs_tick(struct work_struct *work)
{
	struct ivs_dev *iv = container_of(to_delayed_work(work), struct ivs_dev, tick);

	WRITE_ONCE(iv->tick_due, true);
	queue_work(system_wq, &iv->ctl_work);
	if (READ_ONCE(iv->state) != IVS_REMOVING)
		schedule_delayed_work(&iv->tick, HZ);
}

static irqreturn_t ivs_irq(int irq, void *data)
{
	struct ivs_dev *iv = data;

	atomic64_inc(&iv->doorbells_in);
	if (READ_ONCE(iv->state) == IVS_UP)
		ivs_interrupt_chans(iv);
	/* The header and the control ring are looked at on every doorbell. */
	queue_work(system_wq, &iv->ctl_work);
	return IRQ_HANDLED;
}

static ssize_t state_show(struct device *dev, struct device_attribute *attr,
			  char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);
	static const char * const names[] = {
		[IVS_WAITING] = "waiting",
		[IVS_UP] = "up",
		[IVS_BROKEN] = "broken",
		[IVS_REMOVING] = "waiting",
	};

	return sysfs_emit(buf, "%s\n", names[READ_ONCE(iv->state)]);
}
static DEVICE_ATTR_RO(state);

static ssize_t host_gen_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(iv->geom.host_gen));
}
static DEVICE_ATTR_RO(host_gen);

static ssize_t guest_gen_show(struct device *dev, struct device_attribute *attr,
			      char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(iv->guest_gen));
}
static DEVICE_ATTR_RO(guest_gen);

static ssize_t doorbells_in_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&iv->doorbells_in));
}
static DEVICE_ATTR_RO(doorbells_in);

static ssize_t doorbells_out_show(struct device *dev, struct device_attribute *attr,
				  char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&iv->doorbells_out));
}
static DEVICE_ATTR_RO(doorbells_out);

static ssize_t channels_show(struct device *dev, struct device_attribute *attr,
			     char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%u\n", READ_ONCE(iv->nchan));
}
static DEVICE_ATTR_RO(channels);

static ssize_t heap_free_bytes_show(struct device *dev,
				    struct device_attribute *attr, char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);
	unsigned long flags, used, free = 0;

	spin_lock_irqsave(&iv->heap_lock, flags);
	if (iv->heap_up) {
		used = bitmap_weight(iv->used, iv->heap_hi) -
		       bitmap_weight(iv->used, iv->heap_lo);
		free = iv->heap_hi - iv->heap_lo - used;
	}
	spin_unlock_irqrestore(&iv->heap_lock, flags);
	return sysfs_emit(buf, "%llu\n", (u64)free * IVS_PAGE);
}
static DEVICE_ATTR_RO(heap_free_bytes);

static ssize_t bad_messages_show(struct device *dev, struct device_attribute *attr,
				 char *buf)
{
	struct ivs_dev *iv = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%lld\n", atomic64_read(&iv->bad_messages));
}
static DEVICE_ATTR_RO(bad_messages);

static struct attribute *ivs_attrs[] = {
	&dev_attr_state.attr,
	&dev_attr_host_gen.attr,
	&dev_attr_guest_gen.attr,
	&dev_attr_doorbells_in.attr,
	&dev_attr_doorbells_out.attr,
	&dev_attr_channels.attr,
	&dev_attr_heap_free_bytes.attr,
	&dev_attr_bad_messages.attr,
	NULL,
};

static const struct attribute_group ivs_group = {
	.name = "synbus_ivshmem",
	.attrs = ivs_attrs,
};

static const struct attribute_group *ivs_groups[] = {
	&ivs_group,
	NULL,
};

static int ivs_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	resource_size_t len;
	struct ivs_dev *iv;
	int ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, BIT(0), IVS_NAME);
	if (ret)
		return ret;
	/* Released by the managed device, like BAR0. */
	ret = pci_request_region(pdev, 2, IVS_NAME);
	if (ret)
		return ret;
	len = pci_resource_len(pdev, 2);
	if (len < 2 * IVS_PAGE) {
		dev_err(dev, "BAR2 too small for a window: %pa\n", &len);
		return -ENODEV;
	}
	iv = devm_kzalloc(dev, sizeof(*iv), GFP_KERNEL);
	if (!iv)
		return -ENOMEM;
	iv->pdev = pdev;
	iv->regs = pcim_iomap_table(pdev)[0];
	iv->win_len = round_down(min_t(u64, len, IVS_WIN_MAX), IVS_PAGE);
	/* QEMU backs BAR2 with RAM: normal cached memory, no __iomem. */
	iv->win = devm_memremap(dev, pci_resource_start(pdev, 2), iv->win_len,
				MEMREMAP_WB);
	if (IS_ERR(iv->win))
		return PTR_ERR(iv->win);
	iv->hdr = iv->win;
	iv->npages = iv->win_len / IVS_PAGE;
	iv->used = devm_bitmap_zalloc(dev, iv->npages, GFP_KERNEL);
	iv->quar = devm_bitmap_zalloc(dev, iv->npages, GFP_KERNEL);
	if (!iv->used || !iv->quar)
		return -ENOMEM;
	mutex_init(&iv->mutex);
	spin_lock_init(&iv->tx_lock);
	spin_lock_init(&iv->chan_lock);
	spin_lock_init(&iv->heap_lock);
	INIT_LIST_HEAD(&iv->txq);
	INIT_WORK(&iv->ctl_work, ivs_ctl_work);
	INIT_DELAYED_WORK(&iv->tick, ivs_tick);
	iv->state = IVS_WAITING;
	iv->tp.name = "ivshmem";
	iv->tp.ops = &ivs_ops;
	pci_set_drvdata(pdev, iv);

	/* MSI-X messages are bus master writes. */
	pci_set_master(pdev);
	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSIX);
	if (ret < 0) {
		dev_err(dev, "no MSI-X vector: %d\n", ret);
		return ret;
	}
	iv->irq = pci_irq_vector(pdev, 0);
	ret = synbus_transport_register(&iv->tp);
	if (ret)
		return ret;
	ret = request_irq(iv->irq, ivs_irq, 0, IVS_NAME, iv);
	if (ret) {
		synbus_transport_unregister(&iv->tp);
		return ret;
	}
	/* The host may not be up yet: never wait for it here. */
	queue_work(system_wq, &iv->ctl_work);
	schedule_delayed_work(&iv->tick, HZ);
	return 0;
}

static void ivs_remove(struct pci_dev *pdev)
{
	struct ivs_dev *iv = pci_get_drvdata(pdev);

	mutex_lock(&iv->mutex);
	iv->hello_sent = false;
	ivs_ctl_down(iv, IVS_REMOVING);
	mutex_unlock(&iv->mutex);
	cancel_delayed_work_sync(&iv->tick);
	free_irq(iv->irq, iv);
	/* Waits for every release: no mem_free runs after this. */
	synbus_transport_unregister(&iv->tp);
	cancel_work_sync(&iv->ctl_work);
	/* The host forgets us. */
	WRITE_ONCE(iv->hdr->guest_gen, 0);
	if (iv->guest_gen)
		ivs_ring(iv);
}

static const struct pci_device_id ivs_ids[] = {
	{ PCI_DEVICE(0x1af4, 0x1110) },	/* QEMU ivshmem */
	{ }
};
MODULE_DEVICE_TABLE(pci, ivs_ids);

static struct pci_driver ivs_driver = {
	.name = IVS_NAME,
	.id_table = ivs_ids,
	.probe = ivs_probe,
	.remove = ivs_remove,
	.dev_groups = ivs_groups,
};
module_pci_driver(ivs_driver);

MODULE_DESCRIPTION("synbus transport over QEMU's ivshmem-doorbell device");
MODULE_LICENSE("GPL");
