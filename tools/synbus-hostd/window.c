// SPDX-License-Identifier: GPL-2.0
/*
 * The shared window of one VM (uapi/linux/synbus_ivshmem.h): its header,
 * the control protocol and the channels. The guest owns the heap and may
 * write anything anywhere in the window at any time, so every value is
 * read once into private memory, checked there, and our own geometry,
 * ring ends and channel table never live in the window.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/stat.h>

#include "window.h"

/* Packets taken from one ring per event: a guest cannot keep us here. */
#define HD_BUDGET	256
/* Hellos served per VM and second; one more waits for a later tick. */
#define HD_HELLO_MAX	4
#define HD_HELLO_MS	1000

static u8 hd_pktbuf[SYNBUS_IV_RING_MAX];
static struct hd_chan *hd_chan_grave;

int hd_geom_init(struct hd_geom *g, uint64_t size)
{
	uint64_t heap;

	if (size < HD_WIN_MIN || size > HD_WIN_MAX || (size & (size - 1)))
		return -EINVAL;
	g->size = size;
	g->ctl_off = SYNBUS_IV_PAGE;
	g->ctl_size = SYNBUS_IV_CTL_SIZE;
	heap = ALIGN((uint64_t)g->ctl_off + 2 * (SYNBUS_RING_HDR_SIZE + g->ctl_size),
		     (uint64_t)SYNBUS_IV_PAGE);
	g->heap_off = heap;
	g->heap_size = size - heap;
	g->max_chan = SYNBUS_IV_MAX_CHAN;
	return 0;
}

/* [off, off + len) page aligned and inside the heap; no overflow. */
static bool heap_range_ok(const struct hd_geom *g, uint64_t off, uint64_t len)
{
	uint64_t end = (uint64_t)g->heap_off + g->heap_size;

	return !(off % SYNBUS_IV_PAGE) && len && off >= g->heap_off &&
	       off <= end && len <= end - off;
}

static bool size_ok(uint32_t size, uint32_t max)
{
	return size && !(size % SYNBUS_IV_PAGE) && size <= max;
}

int hd_msg_check(const struct synbus_iv_msg *m, const struct hd_geom *g)
{
	uint32_t type = le32toh(m->type);
	uint32_t size1 = le32toh(m->size1), size2 = le32toh(m->size2);
	uint64_t off = le64toh(m->off);

	switch (type) {
	case SYNBUS_IV_RELEASED:
	case SYNBUS_IV_OPEN:
	case SYNBUS_IV_CLOSE:
	case SYNBUS_IV_BUF_ADD:
	case SYNBUS_IV_BUF_DEL:
		break;
	default:
		return EPROTO;	/* unknown, or one only the host sends */
	}
	if (le32toh(m->chan) >= g->max_chan)
		return ERANGE;
	if (m->flags)
		return EINVAL;
	if (type == SYNBUS_IV_OPEN) {
		if (!size_ok(size1, SYNBUS_IV_RING_MAX) ||
		    !size_ok(size2, SYNBUS_IV_RING_MAX))
			return EINVAL;
		/* Sizes are below 2^21 each: the sum cannot overflow. */
		if (!heap_range_ok(g, off, 2ULL * SYNBUS_RING_HDR_SIZE + size1 + size2))
			return EFAULT;
	} else if (type == SYNBUS_IV_BUF_ADD) {
		if (!size_ok(size1, SYNBUS_IV_BUF_MAX))
			return EINVAL;
		if (!heap_range_ok(g, off, size1))
			return EFAULT;
	}
	return 0;
}

uint32_t hd_new_gen(uint32_t old)
{
	uint32_t gen = 0;

	while (!gen || gen == old) {
		if (getrandom(&gen, sizeof(gen), 0) != sizeof(gen))
			gen = (uint32_t)hd_now_ms() * 2654435761U ^ (uint32_t)getpid();
	}
	return gen;
}

const struct hd_service *hd_service_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < hd_nr_services; i++)
		if (!strcmp(hd_services[i]->name, name))
			return hd_services[i];
	return NULL;
}

/* ---- window file --------------------------------------------------- */

/* Map the VM's window; @fd is the one the keeper kept, or -1 to open it. */
int hd_window_open(struct hd_vm *vm, int fd)
{
	struct stat st;
	char *path;
	void *p;
	int ret;

	if (fd < 0) {
		if (asprintf(&path, "%s/%s.win", hd_dir, vm->name) < 0)
			return -ENOMEM;
		fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		ret = -errno;
		free(path);
		if (fd < 0)
			return ret;
		/* A new file, or one a VM that is not running left behind. */
		if (ftruncate(fd, vm->win_size) < 0) {
			ret = -errno;
			close(fd);
			return ret;
		}
	}
	if (fstat(fd, &st) < 0 || hd_geom_init(&vm->geom, st.st_size) < 0) {
		close(fd);
		return -EINVAL;
	}
	vm->win_size = st.st_size;
	p = mmap(NULL, st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED) {
		ret = -errno;
		close(fd);
		return ret;
	}
	vm->win_fd = fd;
	vm->win = p;
	vm->hdr = p;
	return 0;
}

void hd_window_unmap(struct hd_vm *vm)
{
	if (vm->win)
		munmap(vm->win, vm->geom.size);
	vm->win = NULL;
	vm->hdr = NULL;
	if (vm->win_fd >= 0)
		close(vm->win_fd);
	vm->win_fd = -1;
}

/* The host's fields, rewritten whenever we (re)take the window. */
static void write_host_fields(struct hd_vm *vm)
{
	struct synbus_iv_header *h = vm->hdr;

	h->magic = htole32(SYNBUS_IV_MAGIC);
	h->version = htole32(SYNBUS_IV_VERSION);
	h->size = htole64(vm->geom.size);
	h->host_peer = htole32(0);
	h->ctl_off = htole32(vm->geom.ctl_off);
	h->ctl_size = htole32(vm->geom.ctl_size);
	h->heap_off = htole32(vm->geom.heap_off);
	h->heap_size = htole32(vm->geom.heap_size);
	h->max_chan = htole32(vm->geom.max_chan);
	h->flags = 0;
	memset(h->reserved, 0, sizeof(h->reserved));
}

static void ctl_rings_init(struct hd_vm *vm, bool reset)
{
	u8 *in = vm->win + vm->geom.ctl_off;
	u8 *out = in + SYNBUS_RING_HDR_SIZE + vm->geom.ctl_size;

	synbus_rb_init(&vm->ctl_in, in, vm->geom.ctl_size, reset);
	synbus_rb_init(&vm->ctl_out, out, vm->geom.ctl_size, reset);
	vm->outq_len = 0;
}

/* A new QEMU: a new guest, so the window starts from scratch. */
void hd_window_init(struct hd_vm *vm)
{
	memset(vm->hdr, 0, sizeof(*vm->hdr));
	write_host_fields(vm);
	ctl_rings_init(vm, true);
	vm->served_gen = 0;
	vm->up = false;
	__atomic_store_n(&vm->hdr->host_gen, htole32(vm->host_gen), __ATOMIC_RELEASE);
}

/*
 * A restarted daemon takes over a running guest: new host_gen and a
 * doorbell, and the guest rescinds everything and says hello again. A
 * guest_gen the previous daemon acknowledged is stale; one it never
 * acknowledged is a hello it did not get to.
 */
void hd_window_adopt(struct hd_vm *vm)
{
	uint32_t ggen = le32toh(READ_ONCE(vm->hdr->guest_gen));
	uint32_t ack = le32toh(READ_ONCE(vm->hdr->host_ack));
	uint32_t old = le32toh(READ_ONCE(vm->hdr->host_gen));

	write_host_fields(vm);
	if (vm->host_gen == old)
		vm->host_gen = hd_new_gen(old);
	vm->served_gen = ggen == ack ? ggen : 0;
	vm->up = false;
	__atomic_store_n(&vm->hdr->host_gen, htole32(vm->host_gen), __ATOMIC_SEQ_CST);
	hd_ring_guest(vm);
}

/* ---- control messages ---------------------------------------------- */

static const char *msg_name(uint32_t type)
{
	static const char *const names[] = {
		[SYNBUS_IV_OFFER] = "OFFER", [SYNBUS_IV_RESCIND] = "RESCIND",
		[SYNBUS_IV_RELEASED] = "RELEASED", [SYNBUS_IV_OPEN] = "OPEN",
		[SYNBUS_IV_OPEN_DONE] = "OPEN_DONE", [SYNBUS_IV_CLOSE] = "CLOSE",
		[SYNBUS_IV_CLOSE_DONE] = "CLOSE_DONE", [SYNBUS_IV_BUF_ADD] = "BUF_ADD",
		[SYNBUS_IV_BUF_DEL] = "BUF_DEL", [SYNBUS_IV_BUF_DONE] = "BUF_DONE",
	};

	return type < sizeof(names) / sizeof(names[0]) && names[type] ?
	       names[type] : "unknown message";
}

/* Write one message; -EAGAIN when full, -EIO when the guest broke it. */
static int ctl_write(struct hd_vm *vm, const struct synbus_iv_msg *m)
{
	bool signal;
	int ret;

	ret = synbus_rb_write(&vm->ctl_out, SYNBUS_PKT_INBAND, 0, 0, m, sizeof(*m),
			      &signal);
	if (ret == -EAGAIN && synbus_rb_set_pending(&vm->ctl_out, sizeof(*m)))
		ret = synbus_rb_write(&vm->ctl_out, SYNBUS_PKT_INBAND, 0, 0, m,
				      sizeof(*m), &signal);
	if (ret == -EIO) {
		hd_vm_fault(vm, "host-to-guest control ring read index corrupt");
		return ret;
	}
	if (!ret && signal)
		hd_ring_guest(vm);
	return ret;
}

static void ctl_flush(struct hd_vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->outq_len; i++)
		if (ctl_write(vm, &vm->outq[i]))
			break;
	if (!i)
		return;
	memmove(vm->outq, vm->outq + i, (vm->outq_len - i) * sizeof(vm->outq[0]));
	vm->outq_len -= i;
	if (!vm->outq_len)
		synbus_rb_clear_pending(&vm->ctl_out);
}

/*
 * Queue behind earlier messages, so the order holds. The queue only fills
 * when the guest stops reading its control ring: we stop serving
 * requests while anything is queued, so only host-initiated messages can
 * pile up, and a guest that leaves them there is reset.
 */
static void ctl_send(struct hd_vm *vm, const struct synbus_iv_msg *m)
{
	if (!vm->up || vm->fault)
		return;
	if (!vm->outq_len) {
		int ret = ctl_write(vm, m);

		if (ret != -EAGAIN)
			return;
	}
	if (vm->outq_len == HD_OUTQ) {
		hd_warn(vm, "guest does not read its control ring");
		vm->bad_messages++;
		hd_vm_fault(vm, "control ring full");
		return;
	}
	vm->outq[vm->outq_len++] = *m;
}

static void ctl_answer(struct hd_vm *vm, uint32_t type, uint32_t chan,
		       uint32_t handle, int status)
{
	struct synbus_iv_msg m = {
		.type = htole32(type),
		.chan = htole32(chan),
		.status = htole32(status),
		.handle = htole32(handle),
	};

	ctl_send(vm, &m);
}

/* ---- channels ------------------------------------------------------ */

const char *hd_chan_state_name(enum hd_chan_state s)
{
	switch (s) {
	case HD_CHAN_OFFERED:
		return "offered";
	case HD_CHAN_OPEN:
		return "open";
	case HD_CHAN_CLOSED:
		return "closed";
	case HD_CHAN_RESCINDED:
		return "rescinded";
	}
	return "?";
}

void *hd_chan_priv(struct hd_chan *c)
{
	return c->priv;
}

struct hd_vm *hd_chan_vm(const struct hd_chan *c)
{
	return c->vm;
}

bool hd_chan_open(const struct hd_chan *c)
{
	return c && c->state == HD_CHAN_OPEN && !c->broken;
}

struct hd_chan *hd_vm_chan(struct hd_vm *vm, const struct hd_service *svc)
{
	unsigned int i;

	for (i = 0; i < vm->geom.max_chan; i++) {
		struct hd_chan *c = vm->chans[i];

		if (c && c->svc == svc && c->state != HD_CHAN_RESCINDED)
			return c;
	}
	return NULL;
}

unsigned int hd_vm_nr_chans(const struct hd_vm *vm)
{
	unsigned int i, n = 0;

	for (i = 0; i < vm->geom.max_chan; i++)
		n += !!vm->chans[i];
	return n;
}

/* Stable per VM and service: a guest sees the same device after a reboot. */
static void device_guid(const struct hd_vm *vm, const struct hd_service *svc,
			uint8_t id[16])
{
	uint64_t h[2] = { 0xcbf29ce484222325ULL, 0x84222325cbf29ce4ULL };
	const char *parts[2] = { vm->name, svc->name };
	int i, k;

	for (k = 0; k < 2; k++) {
		for (i = 0; i < 2; i++) {
			const unsigned char *s = (const unsigned char *)parts[i];

			for (; *s; s++)
				h[k] = (h[k] ^ *s) * 0x100000001b3ULL;
			h[k] = (h[k] ^ '/') * 0x100000001b3ULL;
		}
	}
	memcpy(id, h, 16);
	id[7] = (id[7] & 0x0f) | 0x40;	/* guid_t: version 4 */
	id[8] = (id[8] & 0x3f) | 0x80;
}

static void chan_close_svc(struct hd_chan *c)
{
	/*
	 * A close drops the guest's buffers, as the loopback host does: the
	 * guest core frees a buffer of a closed channel without BUF_DEL.
	 */
	memset(c->bufs, 0, sizeof(c->bufs));
	if (c->state == HD_CHAN_OPEN) {
		c->state = HD_CHAN_CLOSED;
		if (c->svc->close)
			c->svc->close(c);
	}
	c->out_waiting = false;
}

/* Drop a channel; its memory goes at the next hd_reap(). */
static void chan_forget(struct hd_chan *c)
{
	chan_close_svc(c);
	c->vm->chans[c->id] = NULL;
	c->grave = hd_chan_grave;
	hd_chan_grave = c;
}

void hd_vm_forget(struct hd_vm *vm)
{
	unsigned int i;

	for (i = 0; i < SYNBUS_IV_MAX_CHAN; i++)
		if (vm->chans[i])
			chan_forget(vm->chans[i]);
}

int hd_chan_offer(struct hd_vm *vm, const struct hd_service *svc)
{
	struct synbus_iv_msg m = { .type = htole32(SYNBUS_IV_OFFER) };
	struct hd_chan *c;
	unsigned int id;

	if (!hd_vm_up(vm))
		return -ENOTCONN;
	if (hd_vm_chan(vm, svc))
		return -EEXIST;
	/* Lowest free id from 1: 0 stays unused, a zeroed message names none. */
	for (id = 1; id < vm->geom.max_chan && vm->chans[id]; id++)
		;
	if (id >= vm->geom.max_chan)
		return -ENOSPC;
	c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	if (svc->priv_size) {
		c->priv = calloc(1, svc->priv_size);
		if (!c->priv) {
			free(c);
			return -ENOMEM;
		}
	}
	c->vm = vm;
	c->svc = svc;
	c->id = id;
	c->state = HD_CHAN_OFFERED;
	device_guid(vm, svc, c->device_id);
	vm->chans[id] = c;

	m.chan = htole32(id);
	m.size1 = htole32(svc->ring_size);
	memcpy(m.class_id, svc->class_id, 16);
	memcpy(m.device_id, c->device_id, 16);
	ctl_send(vm, &m);
	return 0;
}

/* The id stays taken until the guest says RELEASED. */
int hd_chan_rescind(struct hd_chan *c)
{
	struct synbus_iv_msg m = {
		.type = htole32(SYNBUS_IV_RESCIND),
		.chan = htole32(c->id),
	};

	if (c->state == HD_CHAN_RESCINDED)
		return -EALREADY;
	chan_close_svc(c);
	c->state = HD_CHAN_RESCINDED;
	ctl_send(c->vm, &m);
	return 0;
}

static void chan_signal(struct hd_chan *c)
{
	struct hd_vm *vm = c->vm;

	__atomic_fetch_or(&vm->hdr->h2g_pending[c->id / 64],
			  htole64(1ULL << (c->id % 64)), __ATOMIC_SEQ_CST);
	hd_ring_guest(vm);
}

int hd_send(struct hd_chan *c, uint16_t type, uint16_t flags,
	    uint64_t trans_id, const void *data, uint32_t len)
{
	bool signal;
	int ret;

	if (!hd_chan_open(c) || !c->vm->up)
		return -ENOTCONN;
	ret = synbus_rb_write(&c->out, type, flags, trans_id, data, len, &signal);
	if (ret == -EAGAIN) {
		/* Ask the guest to ring us when it fits; it may fit already. */
		c->out_waiting = true;
		if (synbus_rb_set_pending(&c->out, len))
			ret = synbus_rb_write(&c->out, type, flags, trans_id, data,
					      len, &signal);
	}
	if (ret == -EIO) {
		hd_warn(c->vm, "channel %u (%s): host-to-guest ring read index corrupt",
			c->id, c->svc->name);
		c->vm->bad_messages++;
		c->broken = true;
		return ret;
	}
	if (ret)
		return ret;
	if (c->out_waiting) {
		synbus_rb_clear_pending(&c->out);
		c->out_waiting = false;
	}
	c->packets_out++;
	if (signal)
		chan_signal(c);
	return 0;
}

/* The guest broke one of the channel's rings: take the device away. */
static void chan_reset(struct hd_chan *c, const char *why)
{
	hd_warn(c->vm, "channel %u (%s): %s: rescinded", c->id, c->svc->name, why);
	c->vm->bad_messages++;
	c->broken = false;
	hd_chan_rescind(c);
}

/* Read the guest's packets of one open channel; false when budget is out. */
static bool chan_read(struct hd_chan *c)
{
	struct synbus_packet pkt;
	unsigned int n;
	int ret;

	synbus_rb_mask(&c->in);
	for (n = 0; n < HD_BUDGET; n++) {
		if (c->state != HD_CHAN_OPEN || c->broken || c->vm->fault)
			return true;
		ret = synbus_rb_peek(&c->in, hd_pktbuf, sizeof(hd_pktbuf), &pkt);
		if (ret == -EAGAIN) {
			ret = synbus_rb_unmask(&c->in);
			if (ret > 0) {
				synbus_rb_mask(&c->in);
				continue;
			}
			if (!ret)
				return true;
		}
		if (ret < 0) {
			chan_reset(c, "guest-to-host ring corrupt");
			return true;
		}
		ret = c->svc->packet(c, &pkt);
		if (ret == -EAGAIN) {
			/* Left in the ring: peeked again on the next event or tick. */
			c->retries++;
			synbus_rb_unmask(&c->in);
			return true;
		}
		c->packets_in++;
		if (synbus_rb_consume(&c->in))
			chan_signal(c);
	}
	synbus_rb_unmask(&c->in);
	return false;
}

/* ---- guest requests ------------------------------------------------ */

static struct hd_buf *buf_find(struct hd_chan *c, uint32_t handle)
{
	int i;

	for (i = 0; i < HD_MAX_BUFS; i++)
		if (c->bufs[i].used && c->bufs[i].handle == handle)
			return &c->bufs[i];
	return NULL;
}

static void bad_request(struct hd_vm *vm, uint32_t type, uint32_t chan,
			const char *why)
{
	hd_warn(vm, "%s for channel %u: %s", msg_name(type), chan, why);
	vm->bad_messages++;
}

static int do_open(struct hd_vm *vm, struct hd_chan *c, const struct synbus_iv_msg *m)
{
	uint64_t off = le64toh(m->off);
	uint32_t size1 = le32toh(m->size1), size2 = le32toh(m->size2);
	uint64_t before = c->packets_out;
	int status = 0;

	if (c->state == HD_CHAN_OPEN || c->state == HD_CHAN_RESCINDED) {
		bad_request(vm, SYNBUS_IV_OPEN, c->id, c->state == HD_CHAN_OPEN ?
			    "already open" : "rescinded");
		return c->state == HD_CHAN_OPEN ? EBUSY : ENODEV;
	}
	/* hd_msg_check() kept the whole area inside the window. */
	synbus_rb_init(&c->in, vm->win + off, size1, false);
	synbus_rb_init(&c->out, vm->win + off + SYNBUS_RING_HDR_SIZE + size1, size2,
		       false);
	c->broken = false;
	c->out_waiting = false;
	c->state = HD_CHAN_OPEN;
	if (c->svc->open)
		status = c->svc->open(c);
	if (status) {
		c->state = HD_CHAN_CLOSED;
		status = status < 0 ? -status : status;
		hd_warn(vm, "channel %u (%s): open refused: %s", c->id, c->svc->name,
		       strerror(status));
		return status;
	}
	ctl_answer(vm, SYNBUS_IV_OPEN_DONE, c->id, 0, 0);
	/* What open() sent came before OPEN_DONE: tell the guest again. */
	if (c->packets_out != before)
		chan_signal(c);
	return -1;
}

static void handle_msg(struct hd_vm *vm, const struct synbus_iv_msg *m)
{
	uint32_t type = le32toh(m->type), id = le32toh(m->chan);
	uint32_t handle = le32toh(m->handle);
	struct hd_chan *c;
	struct hd_buf *b;
	int err, i;

	err = hd_msg_check(m, &vm->geom);
	c = err ? NULL : vm->chans[id];
	if (!err && !c)
		err = ENOENT;
	if (err) {
		bad_request(vm, type, id, strerror(err));
		goto answer;
	}
	switch (type) {
	case SYNBUS_IV_OPEN:
		err = do_open(vm, c, m);
		if (err < 0)
			return;
		break;
	case SYNBUS_IV_CLOSE:
		/* After a rescind the guest closes what it had open: fine. */
		if (c->state != HD_CHAN_OPEN && c->state != HD_CHAN_RESCINDED) {
			err = ENOTCONN;
			bad_request(vm, type, id, "not open");
		}
		chan_close_svc(c);
		break;
	case SYNBUS_IV_BUF_ADD:
		if (c->state == HD_CHAN_RESCINDED) {
			err = ENODEV;
		} else if (buf_find(c, handle)) {
			err = EEXIST;
		} else {
			err = ENOSPC;
			for (i = 0; i < HD_MAX_BUFS; i++) {
				b = &c->bufs[i];
				if (b->used)
					continue;
				b->used = true;
				b->handle = handle;
				b->off = le64toh(m->off);
				b->size = le32toh(m->size1);
				err = 0;
				break;
			}
		}
		if (err)
			bad_request(vm, type, id, strerror(err));
		break;
	case SYNBUS_IV_BUF_DEL:
		b = buf_find(c, handle);
		if (b)
			b->used = false;
		else
			bad_request(vm, type, id, "no such buffer");
		err = b ? 0 : ENOENT;
		break;
	case SYNBUS_IV_RELEASED:
		/* Normally after RESCIND; without one the guest gave it up. */
		chan_forget(c);
		return;
	}
answer:
	switch (type) {
	case SYNBUS_IV_OPEN:
		ctl_answer(vm, SYNBUS_IV_OPEN_DONE, id, 0, err);
		break;
	case SYNBUS_IV_CLOSE:
		ctl_answer(vm, SYNBUS_IV_CLOSE_DONE, id, 0, err);
		break;
	case SYNBUS_IV_BUF_ADD:
	case SYNBUS_IV_BUF_DEL:
		ctl_answer(vm, SYNBUS_IV_BUF_DONE, id, handle, err);
		break;
	}
}

/* False when the budget ran out with packets left. */
static bool ctl_read(struct hd_vm *vm)
{
	struct synbus_iv_msg m;
	struct synbus_packet pkt;
	unsigned int n;
	int ret;

	for (n = 0; n < HD_BUDGET; n++) {
		/* Answers first: no new requests while the guest is behind. */
		if (vm->outq_len || vm->fault || !vm->up)
			return true;
		ret = synbus_rb_peek(&vm->ctl_in, hd_pktbuf, sizeof(hd_pktbuf), &pkt);
		if (ret == -EAGAIN)
			return true;
		if (ret < 0) {
			hd_warn(vm, "guest-to-host control ring corrupt");
			vm->bad_messages++;
			hd_vm_fault(vm, "control ring corrupt");
			return true;
		}
		if (pkt.type != SYNBUS_PKT_INBAND || pkt.len != sizeof(m)) {
			hd_warn(vm, "control packet of type %u and %u bytes",
				pkt.type, pkt.len);
			vm->bad_messages++;
			hd_vm_fault(vm, "bad control packet");
			return true;
		}
		memcpy(&m, pkt.data, sizeof(m));
		if (synbus_rb_consume(&vm->ctl_in))
			hd_ring_guest(vm);
		handle_msg(vm, &m);
	}
	return false;
}

/* ---- the VM ---------------------------------------------------------- */

/*
 * The guest is not to be trusted with its state: reset everything, wait
 * for a new hello, and bump host_gen so that a guest that is merely
 * confused starts that hello (it rescinds on a host_gen change).
 */
void hd_vm_fault(struct hd_vm *vm, const char *why)
{
	if (!vm->fault)
		hd_warn(vm, "resetting: %s", why);
	vm->fault = true;
}

static void vm_reset(struct hd_vm *vm)
{
	vm->fault = false;
	vm->resets++;
	vm->up = false;
	vm->outq_len = 0;
	hd_vm_forget(vm);
	if (!vm->hdr)
		return;
	vm->host_gen = hd_new_gen(vm->host_gen);
	__atomic_store_n(&vm->hdr->host_gen, htole32(vm->host_gen), __ATOMIC_SEQ_CST);
	hd_ring_guest(vm);
}

static void vm_hello(struct hd_vm *vm, uint32_t gen)
{
	unsigned int i;

	hd_vm_forget(vm);
	write_host_fields(vm);
	ctl_rings_init(vm, true);
	memset(vm->hdr->h2g_pending, 0, sizeof(vm->hdr->h2g_pending));
	vm->served_gen = gen;
	vm->up = true;
	vm->hellos++;
	/* The reset rings are visible before the ack that lets the guest in. */
	__atomic_store_n(&vm->hdr->host_ack, htole32(gen), __ATOMIC_SEQ_CST);
	/* The guest says hello at will: this line is rate limited too. */
	hd_warn(vm, "guest hello, generation %#x", gen);
	for (i = 0; i < hd_nr_services && !vm->fault; i++) {
		int ret;

		if (hd_services[i]->on_demand)
			continue;
		ret = hd_chan_offer(vm, hd_services[i]);

		if (ret)
			hd_warn(vm, "cannot offer %s: %s", hd_services[i]->name,
				strerror(-ret));
	}
	hd_ring_guest(vm);
}

/*
 * Each hello drops every channel (and their memory at the next hd_reap())
 * and offers them anew: a guest that says hello in a loop gets
 * HD_HELLO_MAX a second, the next one waits for the tick after that.
 */
static bool hello_ok(struct hd_vm *vm, uint32_t gen)
{
	uint64_t now = hd_now_ms();

	if (now - vm->hello_stamp >= HD_HELLO_MS) {
		vm->hello_stamp = now;
		vm->hello_count = 0;
	}
	if (vm->hello_count < HD_HELLO_MAX) {
		vm->hello_count++;
		return true;
	}
	if (gen != vm->hello_held) {
		vm->hello_held = gen;
		vm->hellos_limited++;
		hd_warn(vm, "guest hellos too fast: generation %#x waits", gen);
	}
	return false;
}

/* Everything a doorbell or a tick asks for. */
void hd_vm_process(struct hd_vm *vm)
{
	uint32_t gen;
	unsigned int i;
	bool done = true;

	vm->busy = false;
	if (!vm->hdr || vm->conn_fd < 0)
		return;
	gen = le32toh(READ_ONCE(vm->hdr->guest_gen));
	if (!gen) {
		if (vm->up || hd_vm_nr_chans(vm)) {
			hd_warn(vm, "guest gone");
			hd_vm_forget(vm);
		}
		vm->up = false;
		vm->served_gen = 0;
		return;
	}
	if (gen != vm->served_gen) {
		if (!hello_ok(vm, gen))
			return;
		vm_hello(vm, gen);
	}
	if (!vm->up)
		return;
	ctl_flush(vm);
	done = ctl_read(vm);
	ctl_flush(vm);
	/* The bitmap is a hint; scanning every open channel is cheap. */
	for (i = 0; i < SYNBUS_IV_MAX_CHAN / 64; i++)
		__atomic_exchange_n(&vm->hdr->g2h_pending[i], 0, __ATOMIC_SEQ_CST);
	for (i = 0; i < vm->geom.max_chan && !vm->fault; i++) {
		struct hd_chan *c = vm->chans[i];

		if (c && c->state == HD_CHAN_OPEN && !chan_read(c))
			done = false;
	}
	if (!done)
		vm->busy = true;
}

void hd_vm_tick(struct hd_vm *vm, uint64_t now)
{
	unsigned int i;

	if (!vm->up || vm->fault)
		return;
	for (i = 0; i < vm->geom.max_chan; i++) {
		struct hd_chan *c = vm->chans[i];

		if (c && hd_chan_open(c) && c->svc->tick)
			c->svc->tick(c, now);
	}
}

/*
 * Deferred work, run when no callback is on the stack: resets asked for
 * inside a callback or by hd_send(), and freeing the channels and VMs
 * dropped meanwhile (no hd_wait() sleeper holds a pointer to them: see
 * hd_wait()).
 */
void hd_reap(void)
{
	struct hd_vm *vm;
	unsigned int i;

	for (vm = hd_vm_next(NULL); vm; vm = hd_vm_next(vm)) {
		for (i = 0; i < SYNBUS_IV_MAX_CHAN; i++) {
			struct hd_chan *c = vm->chans[i];

			if (c && c->broken)
				chan_reset(c, "guest broke the ring");
		}
		if (vm->fault)
			vm_reset(vm);
		if (vm->up)
			ctl_flush(vm);
	}
	hd_vm_grave_free();
	while (hd_chan_grave) {
		struct hd_chan *c = hd_chan_grave;

		hd_chan_grave = c->grave;
		free(c->priv);
		free(c);
	}
}
