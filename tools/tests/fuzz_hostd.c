// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for synbus-hostd's side of the window protocol:
 *  - hd_msg_check() on the input's first message, with the invariant that
 *    an accepted OPEN or BUF_ADD lies inside the heap;
 *  - hd_ram_map() with the invariant that what it returns lies in the RAM
 *    file and follows QEMU's layout;
 *  - the whole control path (window.c with the real ring library): the
 *    input is a script of guest actions (control messages, raw bytes
 *    anywhere in the window, new generations, packets on open channels)
 *    run against a window in a heap allocation of exactly its size, so
 *    that ASan sees any access outside it.
 * The daemon's event loop, sockets and keeper are stubbed below.
 */
#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../synbus-hostd/window.h"

#define WIN_SIZE	(128U << 10)

static struct hd_vm fz_vm;
const char *hd_dir = "/nonexistent";

void hd_log(const struct hd_vm *vm, const char *fmt, ...)
{
	(void)vm;
	(void)fmt;
}

void hd_warn(struct hd_vm *vm, const char *fmt, ...)
{
	(void)vm;
	(void)fmt;
}

/* Time moves on: the hello rate limit lets hellos through again. */
uint64_t hd_now_ms(void)
{
	static uint64_t ms;

	return ms += 300;
}

void hd_ring_guest(struct hd_vm *vm)
{
	vm->doorbells_out++;
}

bool hd_vm_up(const struct hd_vm *vm)
{
	return vm->conn_fd >= 0 && vm->up && !vm->fault;
}

struct hd_vm *hd_vm_next(struct hd_vm *vm)
{
	return vm ? NULL : &fz_vm;
}

void hd_vm_grave_free(void)
{
}

/* A service that echoes, and sometimes says "ring full, call me again". */
static unsigned int fz_calls;

static int fz_open(struct hd_chan *c)
{
	assert(hd_chan_priv(c));
	return ++fz_calls % 5 ? 0 : EBUSY;
}

static int fz_packet(struct hd_chan *c, const struct synbus_packet *pkt)
{
	int ret;

	assert(pkt->len <= SYNBUS_IV_RING_MAX);
	if (++fz_calls % 7 == 0)
		return -EAGAIN;
	ret = hd_send(c, SYNBUS_PKT_INBAND, 0, pkt->trans_id, pkt->data, pkt->len);
	return ret == -EAGAIN && fz_calls % 3 ? -EAGAIN : 0;
}

static const struct hd_service fz_a = {
	.name = "a", .class_id = { 1 }, .priv_size = 16, .ring_size = 8192,
	.open = fz_open, .packet = fz_packet,
};
static const struct hd_service fz_b = {
	.name = "b", .class_id = { 2 }, .packet = fz_packet,
};
const struct hd_service *const hd_services[] = { &fz_a, &fz_b };
const unsigned int hd_nr_services = 2;

/* ---- invariants of the pure checks ----------------------------------- */

static void check_msg(const struct synbus_iv_msg *m, const struct hd_geom *g)
{
	uint32_t type = le32toh(m->type);
	uint64_t off = le64toh(m->off), len;

	if (hd_msg_check(m, g))
		return;
	assert(le32toh(m->chan) < g->max_chan);
	if (type == SYNBUS_IV_OPEN)
		len = 2ULL * 4096 + le32toh(m->size1) + le32toh(m->size2);
	else if (type == SYNBUS_IV_BUF_ADD)
		len = le32toh(m->size1);
	else
		return;
	assert(off >= g->heap_off && off % 4096 == 0);
	assert(off + len <= g->size && off + len > off);
}

static void check_ram(const uint8_t *d)
{
	uint64_t v[3], mem, lowmem, pfn, count;
	struct hd_frange r[2];
	bool pc = d[24] & 1;
	int n;

	memcpy(v, d, sizeof(v));
	mem = (v[0] % (1ULL << 42)) & ~4095ULL;
	pfn = v[1] % (1ULL << 31);
	count = v[2] % (1ULL << 31);
	lowmem = hd_ram_lowmem(pc, mem);
	assert(lowmem <= mem && lowmem <= (pc ? 0xe0000000ULL : 0xb0000000ULL));
	n = hd_ram_map(lowmem, mem, pfn, count, r);
	if (n < 0)
		return;
	assert(n == 1 && r[0].len == count * 4096);
	assert(r[0].off + r[0].len <= mem);
	if (pfn * 4096 < lowmem)
		assert(r[0].off == pfn * 4096 && pfn * 4096 + r[0].len <= lowmem);
	else
		assert(pfn * 4096 >= (1ULL << 32) &&
		       r[0].off == lowmem + pfn * 4096 - (1ULL << 32));
}

/* ---- the control path -------------------------------------------------- */

struct script {
	const uint8_t *p;
	size_t left;
};

static bool take(struct script *s, void *dst, size_t n)
{
	if (s->left < n)
		return false;
	memcpy(dst, s->p, n);
	s->p += n;
	s->left -= n;
	return true;
}

static void run_script(struct script *s)
{
	static uint8_t pkt[4096];
	struct hd_vm *vm = &fz_vm;
	struct synbus_rb g2h;
	struct synbus_iv_msg m;
	uint8_t *win;
	uint32_t gen = 1;
	uint8_t op;
	int rounds = 0;
	bool sig;

	win = aligned_alloc(4096, WIN_SIZE);
	assert(win);
	memset(vm, 0, sizeof(*vm));
	strcpy(vm->name, "fz");
	vm->listen_fd = vm->host_efd = vm->guest_efd = vm->win_fd = -1;
	vm->ram_fd = -1;
	vm->conn_fd = 1;
	vm->host_gen = 0x1234;
	vm->win = win;
	vm->hdr = (void *)win;
	assert(!hd_geom_init(&vm->geom, WIN_SIZE));
	memset(win, 0, WIN_SIZE);
	hd_window_init(vm);
	vm->hdr->guest_gen = htole32(gen);
	hd_vm_process(vm);
	hd_reap();
	synbus_rb_init(&g2h, win + vm->geom.ctl_off, vm->geom.ctl_size, false);

	while (take(s, &op, 1) && rounds++ < 64) {
		switch (op % 6) {
		case 0:	/* a control message; OPENs aimed at the heap often */
			if (!take(s, &m, sizeof(m)))
				break;
			if (op & 0x80)
				m.off = htole64(vm->geom.heap_off + (le64toh(m.off) % 32) * 4096);
			if (op & 0x40) {
				m.size1 = htole32((le32toh(m.size1) % 8 + 1) * 4096);
				m.size2 = htole32((le32toh(m.size2) % 8 + 1) * 4096);
			}
			if (op & 0x20)
				m.flags = 0;
			synbus_rb_write(&g2h, SYNBUS_PKT_INBAND, 0, 0, &m, sizeof(m), &sig);
			break;
		case 1: {	/* raw bytes anywhere in the window */
			uint32_t off;
			uint8_t len;

			if (!take(s, &off, 4) || !take(s, &len, 1))
				break;
			off %= WIN_SIZE;
			if (len > WIN_SIZE - off)
				len = WIN_SIZE - off;
			take(s, win + off, len);
			break;
		}
		case 2:	/* a packet of raw length and type */
			if (!take(s, pkt, 4))
				break;
			synbus_rb_write(&g2h, pkt[0] & 1 ? SYNBUS_PKT_INBAND : pkt[1],
					0, 0, pkt, pkt[2] | (pkt[3] & 3) << 8, &sig);
			break;
		case 3:	/* hello again, or goodbye */
			gen = op & 8 ? 0 : gen + 1;
			vm->hdr->guest_gen = htole32(gen);
			if (gen)
				synbus_rb_init(&g2h, win + vm->geom.ctl_off,
					       vm->geom.ctl_size, false);
			break;
		case 4:	/* a guest packet on every channel's ring at the heap */
			if (!take(s, pkt, 8))
				break;
			for (unsigned int i = 0; (i + 2) * 4096 <= vm->geom.heap_size; i++) {
				struct synbus_rb r;

				synbus_rb_init(&r, win + vm->geom.heap_off + i * 4096,
					       4096, false);
				r.priv_index = r.hdr->write_index % 4096 & ~7U;
				synbus_rb_write(&r, SYNBUS_PKT_INBAND, 0, i, pkt,
						pkt[0] % 64, &sig);
			}
			break;
		case 5:
			break;
		}
		hd_vm_process(vm);
		hd_reap();
		if (vm->fault)
			synbus_rb_init(&g2h, win + vm->geom.ctl_off, vm->geom.ctl_size,
				       false);
	}
	hd_vm_process(vm);
	hd_reap();
	hd_vm_forget(vm);
	hd_reap();
	free(win);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct synbus_iv_msg m;
	struct hd_geom g;
	struct script s = { data, size };

	assert(!hd_geom_init(&g, WIN_SIZE));
	if (size >= sizeof(m)) {
		memcpy(&m, data, sizeof(m));
		check_msg(&m, &g);
		assert(!hd_geom_init(&g, 1ULL << 30));
		check_msg(&m, &g);
	}
	if (size >= 25)
		check_ram(data);
	run_script(&s);
	return 0;
}
