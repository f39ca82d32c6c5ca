// SPDX-License-Identifier: GPL-2.0
/*
 * Tests of synbus-hostd's services (svc_ic.c, svc_balloon.c) against a
 * stand-in core and a fake guest: the core's API of hostd.h is
 * implemented here over plain memory (each hd_send() lands in a queue the
 * fake guest reads, the guest's answers go straight to the service's
 * packet hook), on a clock the test moves, so every step is
 * deterministic and needs neither QEMU nor the daemon's window. The RAM
 * file is real: created with ftruncate, written, and punched through the
 * same fallocate() the daemon uses (linear layout: offset = pfn * 4 KiB).
 *
 * Prints one "PASS: hostd_services/NAME" or "FAIL: ..." line per test.
 */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../synbus-hostd/hostd.h"
#include "../../vmbus/util/ic.h"
#include <linux/dynmem.h>

#define CHECK_SUITE		"hostd_services"
#define CHECK_EQ_TYPE		long long
#define CHECK_EQ_FMT		"%lld"
#include "check.h"

#define MIB		(1ULL << 20)
#define NR_SVCS		5
#define QLEN		64

/* ---- the stand-in core */

struct sent {
	uint16_t type, flags;
	uint64_t trans_id;
	uint32_t len;
	uint8_t data[512];
};

struct hd_chan {
	struct hd_vm *vm;
	const struct hd_service *svc;
	bool offered, open;
	void *priv;
	struct sent q[QLEN];
	unsigned int nq;
	bool full;		/* hd_send says -EAGAIN */
};

struct hd_vm {
	const char *name;
	uint64_t ram;
	char path[64];		/* RAM file, "" none */
	bool up;
	struct hd_chan chans[NR_SVCS];
};

static const struct hd_service *const svcs[NR_SVCS] = {
	&hd_svc_heartbeat, &hd_svc_shutdown, &hd_svc_timesync, &hd_svc_backup,
	&hd_svc_balloon,
};

static struct hd_vm vms[8];
static unsigned int nr_vms;
static uint64_t now_ms = 1000;
static unsigned int nwarn;
/* The fake guest answers IC requests while a command waits. */
static bool guest_answers = true;
static bool vss_daemon;
static unsigned int npunch;	/* hd_vm_punch() calls */
pthread_mutex_t hd_lock = PTHREAD_MUTEX_INITIALIZER;

uint64_t hd_now_ms(void)
{
	return now_ms;
}

void hd_wake(void)
{
}

struct hd_vm *hd_vm_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < nr_vms; i++)
		if (!strcmp(vms[i].name, name))
			return &vms[i];
	return NULL;
}

struct hd_vm *hd_vm_next(struct hd_vm *vm)
{
	unsigned int i = vm ? (unsigned int)(vm - vms) + 1 : 0;

	return i < nr_vms ? &vms[i] : NULL;
}

const char *hd_vm_name(const struct hd_vm *vm)
{
	return vm->name;
}

bool hd_vm_up(const struct hd_vm *vm)
{
	return vm->up;
}

uint64_t hd_vm_ram_bytes(const struct hd_vm *vm)
{
	return vm->ram;
}

int hd_vm_punch(struct hd_vm *vm, uint64_t pfn, uint64_t count)
{
	uint64_t pages = vm->ram >> 12;
	int fd, ret = 0;

	npunch++;
	if (pfn >= pages || count > pages - pfn)
		return -EINVAL;
	if (!vm->path[0])
		return 0;
	fd = open(vm->path, O_RDWR);
	if (fd < 0)
		return -errno;
	if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
		      pfn << 12, count << 12))
		ret = -errno;
	close(fd);
	return ret;
}

int64_t hd_vm_ram_allocated(struct hd_vm *vm)
{
	struct stat st;

	if (!vm->path[0])
		return -ENOENT;
	if (stat(vm->path, &st))
		return -errno;
	return (int64_t)st.st_blocks * 512;
}

struct hd_chan *hd_vm_chan(struct hd_vm *vm, const struct hd_service *svc)
{
	unsigned int i;

	for (i = 0; i < NR_SVCS; i++)
		if (vm->chans[i].svc == svc && vm->chans[i].offered)
			return &vm->chans[i];
	return NULL;
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
	return c->open;
}

int hd_send(struct hd_chan *c, uint16_t type, uint16_t flags,
	    uint64_t trans_id, const void *data, uint32_t len)
{
	struct sent *s;

	if (!c->open)
		return -ENOTCONN;
	if (c->full || c->nq == QLEN)
		return -EAGAIN;
	if (len > sizeof(s->data))
		return -EMSGSIZE;
	s = &c->q[c->nq++];
	s->type = type;
	s->flags = flags;
	s->trans_id = trans_id;
	s->len = len;
	memcpy(s->data, data, len);
	return 0;
}

void hd_log(const struct hd_vm *vm, const char *fmt, ...)
{
	(void)vm;
	(void)fmt;
}

void hd_warn(struct hd_vm *vm, const char *fmt, ...)
{
	(void)vm;
	(void)fmt;
	nwarn++;
}

int hd_parse_size(const char *s, uint64_t *bytes)
{
	unsigned int shift = 0;
	char *end;
	uint64_t v;

	if (!s || *s < '0' || *s > '9')
		return -EINVAL;
	v = strtoull(s, &end, 10);
	if (*end == 'K')
		shift = 10;
	else if (*end == 'M')
		shift = 20;
	else if (*end == 'G')
		shift = 30;
	else if (*end)
		return -EINVAL;
	if (shift && end[1])
		return -EINVAL;
	*bytes = v << shift;
	return 0;
}

static struct sent *pop(struct hd_chan *c)
{
	static struct sent s;

	if (!c->nq)
		return NULL;
	s = c->q[0];
	memmove(c->q, c->q + 1, --c->nq * sizeof(c->q[0]));
	return &s;
}

static void deliver(struct hd_chan *c, uint16_t type, uint16_t flags,
		    uint64_t trans_id, const void *data, uint32_t len)
{
	struct synbus_packet p = {
		.type = type, .flags = flags, .trans_id = trans_id,
		.len = len, .data = data,
	};

	CHECK_EQ(c->svc->packet(c, &p), 0);
}

/* ---- the fake guest of the integration services (vmbus/util/main.c) */

static void ic_answer(struct hd_chan *c, struct sent *s)
{
	uint8_t buf[SYNBUS_IC_MAX_PKT];
	struct synbus_ic_hdr *h = (void *)buf;
	struct synbus_ic_negotiate *neg = (void *)(buf + sizeof(*h));
	struct synbus_ic_heartbeat *hb = (void *)(buf + sizeof(*h));
	struct synbus_ic_vss *vss = (void *)(buf + sizeof(*h));
	uint32_t status = SYNBUS_IC_OK, len = s->len;

	memcpy(buf, s->data, s->len);
	switch (le16toh(h->type)) {
	case SYNBUS_IC_NEGOTIATE:
		neg->chosen = neg->versions[0];
		break;
	case SYNBUS_IC_HEARTBEAT:
		hb->seq = htole64(le64toh(hb->seq) + 1);
		break;
	case SYNBUS_IC_VSS:
		if (le32toh(vss->op) == SYNBUS_IC_VSS_FREEZE && !vss_daemon)
			status = SYNBUS_IC_E_NODAEMON;
		vss->frozen = htole32(le32toh(vss->op) == SYNBUS_IC_VSS_FREEZE);
		break;
	}
	h->flags = htole16(SYNBUS_IC_F_RESPONSE);
	h->status = htole32(status);
	if (status) {		/* an error carries no payload */
		h->len = 0;
		len = sizeof(*h);
	}
	deliver(c, SYNBUS_PKT_INBAND, 0, s->trans_id, buf, len);
}

static void guest_step(void)
{
	struct sent *s;
	unsigned int i, j;

	if (!guest_answers)
		return;
	for (i = 0; i < nr_vms; i++)
		for (j = 0; j < 4; j++)	/* the IC channels */
			while (vms[i].chans[j].open && (s = pop(&vms[i].chans[j])))
				ic_answer(&vms[i].chans[j], s);
}

/* The event thread's part: the guest answers, time goes by. */
bool hd_wait(bool (*done)(void *arg), void *arg, unsigned int timeout_ms)
{
	uint64_t end = now_ms + timeout_ms;

	for (;;) {
		if (done(arg))
			return true;
		if (now_ms >= end)
			return false;
		guest_step();
		now_ms += 10;
	}
}

/* ---- test helpers */

static struct hd_vm *add_vm(const char *name, uint64_t ram)
{
	struct hd_vm *vm = &vms[nr_vms++];
	unsigned int i;

	vm->name = name;
	vm->ram = ram;
	vm->up = true;
	for (i = 0; i < NR_SVCS; i++) {
		vm->chans[i].vm = vm;
		vm->chans[i].svc = svcs[i];
		vm->chans[i].offered = true;
		vm->chans[i].priv = calloc(1, svcs[i]->priv_size);
	}
	return vm;
}

static int chan_open(struct hd_chan *c)
{
	int ret;

	c->open = true;
	ret = c->svc->open(c);
	if (ret)
		c->open = false;
	return ret;
}

static void chan_close(struct hd_chan *c)
{
	c->svc->close(c);
	c->open = false;
	c->nq = 0;
}

/* Every tick hook, as the event loop runs them. */
static void tick(void)
{
	unsigned int i, j;

	for (i = 0; i < nr_vms; i++)
		for (j = 0; j < NR_SVCS; j++)
			if (vms[i].chans[j].open && svcs[j]->tick)
				svcs[j]->tick(&vms[i].chans[j], now_ms);
	for (j = 0; j < NR_SVCS; j++)
		if (svcs[j]->global_tick)
			svcs[j]->global_tick(now_ms);
}

static char cmd_out[4096];

/* Run a command line; its answer in cmd_out. */
static int cmd(const char *line)
{
	static const struct hd_cmd *const tabs[] = { hd_ic_cmds, hd_balloon_cmds };
	char buf[256], *argv[16], *save, *w;
	const struct hd_cmd *k;
	unsigned int t;
	int argc = 0, ret = -ENOSYS;
	FILE *out;

	snprintf(buf, sizeof(buf), "%s", line);
	for (w = strtok_r(buf, " ", &save); w && argc < 15;
	     w = strtok_r(NULL, " ", &save))
		argv[argc++] = w;
	argv[argc] = NULL;
	out = fmemopen(cmd_out, sizeof(cmd_out), "w");
	for (t = 0; t < 2; t++)
		for (k = tabs[t]; k->name; k++)
			if (!strcmp(k->name, argv[0]))
				ret = k->fn(argc, argv, out);
	fclose(out);
	return ret;
}

/* "KEY VALUE" of the last command's answer, as a number; -999 if absent. */
static long long key(const char *k)
{
	size_t n = strlen(k);
	const char *p = cmd_out;

	while (p && *p) {
		if (!strncmp(p, k, n) && p[n] == ' ')
			return strtoll(p + n + 1, NULL, 10);
		p = strchr(p, '\n');
		p = p ? p + 1 : NULL;
	}
	return -999;
}

static bool has_line(const char *line)
{
	const char *p = strstr(cmd_out, line);

	return p && (p == cmd_out || p[-1] == '\n') && p[strlen(line)] == '\n';
}

static struct hd_chan *chan(struct hd_vm *vm, const struct hd_service *svc)
{
	return hd_vm_chan(vm, svc);
}

/* ---- integration services */

static void t_ic_uuid(void)
{
	static const uint8_t hb[16] = { 0x41, 0x7c, 0x2f, 0x5a, 0x3b, 0x8e,
					0x6a, 0x4d, 0x9b, 0x1e, 0x3c, 0x70,
					0x4f, 0x12, 0xa0, 0x01 };

	CHECK(!memcmp(hd_svc_heartbeat.class_id, hb, 16));
	CHECK_EQ(hd_svc_backup.class_id[15], 0x04);
	CHECK_STR(hd_svc_balloon.name, "balloon");
	CHECK_EQ(hd_svc_balloon.class_id[0], 0xc2);
}

static void t_heartbeat(void)
{
	struct hd_vm *vm = hd_vm_find("vm1");
	struct hd_chan *c = chan(vm, &hd_svc_heartbeat);
	struct synbus_ic_hdr h;
	struct sent *s;
	int i;

	CHECK_EQ(cmd("heartbeat vm1"), 0);
	CHECK(has_line("state closed"));
	CHECK_EQ(chan_open(c), 0);
	/* The open sends a negotiation for 1.0. */
	s = pop(c);
	CHECK(s != NULL);
	if (!s)
		return;
	memcpy(&h, s->data, sizeof(h));
	CHECK_EQ(le16toh(h.type), SYNBUS_IC_NEGOTIATE);
	CHECK_EQ(le16toh(h.flags), SYNBUS_IC_F_REQUEST);
	CHECK_EQ(s->trans_id, le64toh(h.tag));
	ic_answer(c, s);
	for (i = 0; i < 35; i++) {	/* 3.5 s: beats at 0, 1, 2, 3 s */
		tick();
		guest_step();
		now_ms += 100;
	}
	CHECK_EQ(cmd("heartbeat vm1"), 0);
	CHECK(has_line("state alive"));
	CHECK(has_line("version 1.0"));
	CHECK_EQ(key("beats"), 4);
	CHECK_EQ(key("seq"), 4);
	CHECK_EQ(key("misses"), 0);
	CHECK(key("last_ms") >= 0 && key("last_ms") < 1000);

	/* A guest that stops answering: misses, late, then dead. */
	guest_answers = false;
	for (i = 0; i < 100; i++) {
		tick();
		now_ms += 100;
	}
	CHECK_EQ(cmd("heartbeat vm1"), 0);
	CHECK(has_line("state dead"));
	CHECK(key("misses") >= 5);
	c->nq = 0;
	guest_answers = true;

	/* A forged answer (wrong tag) and a short one count, change nothing. */
	memset(&h, 0, sizeof(h));
	h.type = htole16(SYNBUS_IC_HEARTBEAT);
	h.flags = htole16(SYNBUS_IC_F_RESPONSE);
	h.tag = htole64(123456);
	deliver(c, SYNBUS_PKT_INBAND, 0, 123456, &h, sizeof(h));
	deliver(c, SYNBUS_PKT_INBAND, 0, 0, &h, 7);
	CHECK_EQ(cmd("heartbeat vm1 period=200"), 0);
	CHECK_EQ(key("stray"), 1);
	CHECK_EQ(key("rejected"), 1);
	CHECK_EQ(key("period_ms"), 200);
	CHECK_EQ(cmd("heartbeat vm1 period=5"), -EINVAL);
	CHECK_EQ(cmd("heartbeat nosuchvm"), -ENOENT);
	for (i = 0; i < 10; i++) {
		tick();
		guest_step();
		now_ms += 100;
	}
	CHECK_EQ(cmd("heartbeat vm1"), 0);
	CHECK(has_line("state alive"));
}

static void t_commands(void)
{
	struct hd_vm *vm = hd_vm_find("vm1");
	struct hd_chan *sd = chan(vm, &hd_svc_shutdown);
	struct hd_chan *ts = chan(vm, &hd_svc_timesync);
	struct hd_chan *vss = chan(vm, &hd_svc_backup);
	struct synbus_ic_timesync m;
	struct sent *s;

	/* Not open yet: no channel to talk to. */
	CHECK_EQ(cmd("shutdown vm1"), -ENODEV);
	CHECK_EQ(chan_open(sd), 0);
	CHECK_EQ(chan_open(ts), 0);
	CHECK_EQ(chan_open(vss), 0);
	guest_step();		/* negotiations */
	CHECK_EQ(cmd("shutdown vm1 reboot"), 0);
	CHECK(has_line("action reboot"));
	CHECK(has_line("status ok"));
	CHECK_EQ(cmd("shutdown vm1 sideways"), -EINVAL);

	/* Time sync: a SYNC at open (from the tick), then the command's. */
	tick();
	s = pop(ts);
	CHECK(s != NULL);
	if (s) {
		memcpy(&m, s->data + sizeof(struct synbus_ic_hdr), sizeof(m));
		CHECK_EQ(le32toh(m.flags), SYNBUS_IC_TIME_SYNC);
		CHECK_EQ(le64toh(m.ref_ns), 0);
		CHECK(le64toh(m.host_ns) > 1600000000ULL * 1000000000ULL);
		ic_answer(ts, s);
	}
	CHECK_EQ(cmd("timesync vm1"), 0);
	CHECK_EQ(key("samples"), 2);

	/* Backup: no helper in the guest is an error with its reason. */
	CHECK_EQ(cmd("freeze vm1"), -ENOTCONN);
	CHECK(has_line("status nodaemon"));
	CHECK(has_line("message no helper daemon in the guest"));
	vss_daemon = true;
	CHECK_EQ(cmd("freeze vm1 timeout=30"), 0);
	CHECK(has_line("frozen 1"));
	CHECK_EQ(cmd("freeze vm1 timeout=901"), -EINVAL);
	CHECK_EQ(cmd("thaw vm1"), 0);
	CHECK(has_line("frozen 0"));
	CHECK_EQ(cmd("backup vm1"), 0);
	CHECK(has_line("frozen 0"));

	/* No answer: the command gives up, a late answer is stray. */
	guest_answers = false;
	CHECK_EQ(cmd("shutdown vm1"), -ETIME);
	guest_answers = true;
	s = pop(sd);
	CHECK(s != NULL);
	if (s)
		ic_answer(sd, s);
	CHECK_EQ(cmd("shutdown vm1"), 0);

	/* Closed under a waiting command: it ends, the channel reopens clean. */
	chan_close(vss);
	CHECK_EQ(cmd("backup vm1"), -ENODEV);
	CHECK_EQ(chan_open(vss), 0);
	guest_step();
	CHECK_EQ(cmd("backup vm1"), 0);
}

/* ---- dynamic memory: the fake guest of balloon/guest.c */

static struct hd_vm *bvm;
static struct hd_chan *bch;

static struct sent *bl_expect(uint16_t type)
{
	struct sent *s = pop(bch);
	struct dynmem_hdr h;

	CHECK(s != NULL);
	if (!s)
		return NULL;
	memcpy(&h, s->data, sizeof(h));
	CHECK_EQ(le16toh(h.type), type);
	return s;
}

static void bl_version(struct hd_chan *c, uint32_t caps)
{
	struct dynmem_version v = {
		.hdr.type = htole16(DYNMEM_MSG_VERSION),
		.hdr.size = htole32(sizeof(v)),
		.version = htole32(DYNMEM_VERSION),
		.caps = htole32(caps),
	};

	deliver(c, SYNBUS_PKT_INBAND, SYNBUS_PKT_FLAG_COMPLETION_REQUESTED, 77,
		&v, sizeof(v));
}

static void bl_status(struct hd_chan *c, uint64_t total, uint64_t committed,
		      uint64_t avail, uint64_t balloon, uint64_t stalls)
{
	static uint64_t seq;
	struct dynmem_status r = {
		.hdr.type = htole16(DYNMEM_MSG_STATUS),
		.hdr.size = htole32(sizeof(r)),
		.seq = htole64(++seq),
		.total_pages = htole64(total),
		.committed_pages = htole64(committed),
		.available_pages = htole64(avail),
		.balloon_pages = htole64(balloon),
		.stalls = htole64(stalls),
	};

	deliver(c, SYNBUS_PKT_INBAND, 0, 0, &r, sizeof(r));
}

/* A ranges message: @n (pfn, count) pairs; nr_ranges says @claim. */
static void bl_ranges(struct hd_chan *c, uint16_t type, uint16_t flags,
		      uint64_t req_id, const uint64_t *pairs, uint32_t n,
		      uint32_t claim)
{
	uint8_t buf[512];
	struct dynmem_ranges *m = (void *)buf;
	uint32_t i, len = sizeof(*m) + n * sizeof(m->ranges[0]);

	memset(buf, 0, sizeof(buf));
	m->hdr.type = htole16(type);
	m->hdr.flags = htole16(flags);
	m->hdr.size = htole32(len);
	m->req_id = htole64(req_id);
	m->nr_ranges = htole32(claim);
	for (i = 0; i < n; i++) {
		m->ranges[i].pfn = htole64(pairs[2 * i]);
		m->ranges[i].count = htole64(pairs[2 * i + 1]);
	}
	deliver(c, SYNBUS_PKT_INBAND, 0, 0, buf, len);
}

static uint64_t req_pages(struct sent *s, uint64_t *id)
{
	struct dynmem_request r;

	memcpy(&r, s->data, sizeof(r));
	*id = le64toh(r.req_id);
	return le64toh(r.pages);
}

static void t_balloon_negotiate(void)
{
	struct dynmem_version v;
	struct dynmem_limits l;
	struct sent *s;

	CHECK_EQ(chan_open(bch), 0);
	/* Nothing but VERSION before VERSION. */
	bl_status(bch, 16000, 1000, 8000, 0, 0);
	CHECK_EQ(bch->nq, 0);
	bch->full = true;	/* a full ring keeps the request for later */
	{
		struct dynmem_version rq = {
			.hdr.type = htole16(DYNMEM_MSG_VERSION),
			.hdr.size = htole32(sizeof(rq)),
			.version = htole32(DYNMEM_VERSION),
		};
		struct synbus_packet p = {
			.type = SYNBUS_PKT_INBAND, .trans_id = 77,
			.len = sizeof(rq), .data = &rq,
		};

		CHECK_EQ(bch->svc->packet(bch, &p), -EAGAIN);
	}
	bch->full = false;
	bl_version(bch, DYNMEM_CAP_2M | DYNMEM_CAP_RELEASE | 0x80);
	s = pop(bch);
	CHECK(s != NULL);
	if (!s)
		return;
	CHECK_EQ(s->type, SYNBUS_PKT_COMPLETION);
	CHECK_EQ(s->trans_id, 77);
	memcpy(&v, s->data, sizeof(v));
	CHECK_EQ(le32toh(v.status), 0);
	CHECK_EQ(le32toh(v.version), DYNMEM_VERSION);
	CHECK_EQ(le32toh(v.caps), DYNMEM_CAP_2M | DYNMEM_CAP_RELEASE);
	s = bl_expect(DYNMEM_MSG_LIMITS);
	if (!s)
		return;
	memcpy(&l, s->data, sizeof(l));
	CHECK_EQ(le64toh(l.max_pages), bvm->ram >> 12);
	CHECK_EQ(le32toh(l.buffer_pct), 20);
	CHECK_EQ(le32toh(l.weight), 100);
	/* The host does not touch the balloon until told (mode off). */
	bl_status(bch, 16000, 1000, 8000, 0, 0);
	CHECK_EQ(bch->nq, 0);
	CHECK_EQ(cmd("pressure bvm"), 0);
	CHECK_EQ(key("committed_pages"), 1000);
	CHECK_EQ(key("age_ms"), 0);

	CHECK_EQ(cmd("memory bvm min=8M max=64M buffer=30 weight=200"), 0);
	s = bl_expect(DYNMEM_MSG_LIMITS);
	if (s) {
		memcpy(&l, s->data, sizeof(l));
		CHECK_EQ(le64toh(l.min_pages), 2048);
		CHECK_EQ(le32toh(l.weight), 200);
	}
	CHECK_EQ(cmd("memory bvm"), 0);
	CHECK_EQ(key("max_bytes"), 64 * MIB);
	CHECK_EQ(key("buffer_pct"), 30);
	CHECK_EQ(cmd("memory bvm min=2G max=1G"), -EINVAL);
	CHECK_EQ(cmd("memory bvm max=1G"), -EINVAL);	/* beyond RAM */
	CHECK_EQ(cmd("memory bvm weight=0"), -EINVAL);
	CHECK_EQ(cmd("memory bvm buffer=2001"), -EINVAL);
	CHECK_EQ(cmd("memory bvm"), 0);
	CHECK_EQ(key("min_bytes"), 8 * MIB);	/* nothing taken of the above */
}

/* An INFLATE answered with ranges: punched out of the RAM file. */
static void t_balloon_inflate(void)
{
	uint64_t pairs[4] = { 256, 1024, 4096, 1024 }, id, a0, a1;
	struct sent *s;

	a0 = hd_vm_ram_allocated(bvm);
	CHECK(a0 >= 60 * MIB);
	CHECK_EQ(cmd("target bvm 128M"), -EINVAL);	/* beyond RAM */
	CHECK_EQ(cmd("target bvm 8M"), 0);
	CHECK(has_line("mode manual"));
	s = bl_expect(DYNMEM_MSG_INFLATE);
	if (!s)
		return;
	CHECK_EQ(req_pages(s, &id), 2048);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("busy"), 1);
	/* Two packets, pipelined; the second is the last. */
	bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, 0, id, pairs, 1, 1);
	now_ms += 3;
	bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, DYNMEM_F_LAST, id, pairs + 2, 1, 1);
	a1 = hd_vm_ram_allocated(bvm);
	CHECK_EQ(a0 - a1, 8 * MIB);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("balloon_bytes"), 8 * MIB);
	CHECK_EQ(key("target_bytes"), 8 * MIB);
	CHECK_EQ(key("busy"), 0);
	CHECK_EQ(key("requests"), 1);
	CHECK_EQ(key("punched_bytes"), 8 * MIB);
	CHECK_EQ(key("bad_messages"), 1);	/* the STATUS before VERSION */
	CHECK_EQ(key("ram_allocated"), (long long)a1);
	CHECK(key("last_inflate_us") >= 0);
	CHECK_EQ(bch->nq, 0);	/* target reached: no more requests */
}

/* Hostile ranges: refused, counted, never punched. */
static void t_balloon_hostile(void)
{
	static const struct {
		uint64_t pairs[4];
		uint32_t n, claim;
	} bad[] = {
		{ { 1ULL << 30, 16 }, 1, 1 },		/* far outside RAM */
		{ { 0, 0 }, 1, 1 },			/* empty range */
		{ { ~0ULL - 10, 20 }, 1, 1 },		/* pfn + count overflows */
		{ { 100, 1ULL << 40 }, 1, 1 },		/* absurd count */
		{ { 100, 16 }, 1, 1000 },		/* count does not fit */
		/* one good range, one bad: none of it is punched */
		{ { 8192, 16, 1ULL << 32, 1 }, 2, 2 },
	};
	uint64_t pairs[2] = { (64 * MIB >> 12) + 8, 8 }, a0, a1;
	long long bad0;
	unsigned int i, w0 = nwarn;

	a0 = hd_vm_ram_allocated(bvm);
	CHECK_EQ(cmd("balloon bvm"), 0);
	bad0 = key("bad_messages");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, DYNMEM_F_LAST, 0,
			  bad[i].pairs, bad[i].n, bad[i].claim);
	/* Well formed, but no request is in flight: refused. */
	bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, DYNMEM_F_LAST, 0, pairs, 1, 1);
	/* Short, lying size fields, wrong type, unknown message. */
	{
		struct dynmem_hdr h = { .type = htole16(DYNMEM_MSG_STATUS),
					.size = htole32(4000) };

		deliver(bch, SYNBUS_PKT_INBAND, 0, 0, &h, 3);
		deliver(bch, SYNBUS_PKT_INBAND, 0, 0, &h, sizeof(h));
		h.size = htole32(sizeof(h));
		deliver(bch, SYNBUS_PKT_INBAND, 0, 0, &h, sizeof(h));
		h.type = htole16(DYNMEM_MSG_INFLATE);
		deliver(bch, SYNBUS_PKT_INBAND, 0, 0, &h, sizeof(h));
		deliver(bch, SYNBUS_PKT_COMPLETION, 0, 0, &h, sizeof(h));
	}
	a1 = hd_vm_ram_allocated(bvm);
	CHECK_EQ(a1, a0);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("bad_messages"), bad0 + 12);
	CHECK_EQ(key("balloon_bytes"), 8 * MIB);
	CHECK_EQ(key("punched_bytes"), 8 * MIB);
	CHECK(nwarn > w0);
	CHECK_EQ(bch->nq, 0);
}

/* DEFLATE and RELEASED: counted, nothing punched. */
static void t_balloon_deflate(void)
{
	uint64_t rel[2] = { 256, 512 }, back[4] = { 768, 512, 4096, 1024 }, id;
	int fd;
	uint8_t page[4096];
	struct sent *s;
	int64_t a0;

	/* The guest takes half a range back itself, then uses the pages. */
	bl_ranges(bch, DYNMEM_MSG_RELEASED, DYNMEM_F_LAST, 0, rel, 1, 1);
	fd = open(bvm->path, O_RDWR);
	memset(page, 0x5a, sizeof(page));
	CHECK_EQ(pwrite(fd, page, sizeof(page), 256 << 12), 4096);
	a0 = hd_vm_ram_allocated(bvm);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("balloon_bytes"), 6 * MIB);
	CHECK_EQ(key("released_bytes"), 2 * MIB);
	CHECK_EQ(key("target_bytes"), 6 * MIB);	/* lowered to what it kept */
	CHECK_EQ(bch->nq, 0);
	CHECK_EQ(cmd("target bvm 0"), 0);
	s = bl_expect(DYNMEM_MSG_DEFLATE);
	if (!s)
		return;
	CHECK_EQ(req_pages(s, &id), 1536);
	bl_ranges(bch, DYNMEM_MSG_DEFLATE_RESP, DYNMEM_F_LAST, id, back, 2, 2);
	CHECK_EQ(hd_vm_ram_allocated(bvm), a0);
	CHECK_EQ(pread(fd, page, sizeof(page), 256 << 12), 4096);
	CHECK_EQ(page[100], 0x5a);	/* the guest's data survived */
	close(fd);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("balloon_bytes"), 0);
	CHECK_EQ(key("busy"), 0);
	CHECK_EQ(key("requests"), 2);
	CHECK_EQ(key("deflated_bytes"), 6 * MIB);
	/* Giving back more than the balloon holds is clamped and counted. */
	bl_ranges(bch, DYNMEM_MSG_RELEASED, DYNMEM_F_LAST, 0, rel, 1, 1);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("balloon_bytes"), 0);
	CHECK_EQ(key("bad_messages"), 14);
}

/* A partial answer waits for the next report; a lost one times out. */
static void t_balloon_partial(void)
{
	uint64_t pairs[2] = { 1000, 100 }, id;
	struct sent *s;

	CHECK_EQ(cmd("target bvm 4M"), 0);
	s = bl_expect(DYNMEM_MSG_INFLATE);
	if (!s)
		return;
	req_pages(s, &id);
	bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, DYNMEM_F_LAST | DYNMEM_F_PARTIAL,
		  id, pairs, 1, 1);
	tick();
	CHECK_EQ(bch->nq, 0);		/* stalled */
	bl_status(bch, 16000, 1000, 8000, 100, 0);
	s = bl_expect(DYNMEM_MSG_INFLATE);
	if (!s)
		return;
	CHECK_EQ(req_pages(s, &id), 1024 - 100);
	now_ms += 31000;		/* the guest never answers */
	tick();
	s = bl_expect(DYNMEM_MSG_INFLATE);	/* given up, sent again */
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("timeouts"), 1);
	CHECK_EQ(key("partial_requests"), 1);
	/* A new guest kernel: the balloon starts empty, the target holds. */
	chan_close(bch);
	CHECK_EQ(chan_open(bch), 0);
	bl_version(bch, DYNMEM_CAP_2M);
	pop(bch);
	bl_expect(DYNMEM_MSG_LIMITS);
	s = bl_expect(DYNMEM_MSG_INFLATE);
	if (s)
		CHECK_EQ(req_pages(s, &id), 1024);
	chan_close(bch);
}

/*
 * Responses that are not the request in flight are refused; adjacent
 * ranges are one punch; a flood of ranges is punched 4096 per tick.
 */
static void t_balloon_budget(void)
{
	static uint8_t big[sizeof(struct dynmem_ranges) +
			   5000 * sizeof(struct dynmem_range)];
	struct dynmem_ranges *m = (void *)big;
	struct synbus_packet p = {
		.type = SYNBUS_PKT_INBAND, .len = sizeof(big), .data = big,
	};
	uint64_t adj[8] = { 300, 1, 301, 1, 302, 2, 304, 4 };
	uint64_t past[2] = { (64 * MIB >> 12) + 8, 8 }, id;
	long long bad0, punched0, req0;
	unsigned int i, p0;
	struct sent *s;

	CHECK_EQ(chan_open(bch), 0);
	bl_version(bch, DYNMEM_CAP_2M);
	pop(bch);
	bl_expect(DYNMEM_MSG_LIMITS);
	s = bl_expect(DYNMEM_MSG_INFLATE);	/* the 4M target of before */
	if (!s)
		return;
	req_pages(s, &id);
	CHECK_EQ(cmd("balloon bvm"), 0);
	bad0 = key("bad_messages");
	punched0 = key("punched_bytes");
	req0 = key("requests");
	p0 = npunch;
	/* Another request's id, a DEFLATE_RESP to an INFLATE: unsolicited. */
	bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, 0, id + 1, adj, 4, 4);
	bl_ranges(bch, DYNMEM_MSG_DEFLATE_RESP, 0, id, adj, 4, 4);
	CHECK_EQ(npunch, p0);
	/* Past RAM but within the coarse bound: refused by the layout. */
	bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, 0, id, past, 1, 1);
	/* Four adjacent ranges: one punch of 8 pages. */
	bl_ranges(bch, DYNMEM_MSG_INFLATE_RESP, 0, id, adj, 4, 4);
	CHECK_EQ(npunch, p0 + 2);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("bad_messages"), bad0 + 3);
	CHECK_EQ(key("punched_bytes"), punched0 + 8 * 4096);
	CHECK_EQ(key("balloon_bytes"), 8 * 4096);

	/* 5000 one-page ranges, none adjacent: 4096 punches, the rest later. */
	m->hdr.type = htole16(DYNMEM_MSG_INFLATE_RESP);
	m->hdr.flags = htole16(DYNMEM_F_LAST);
	m->hdr.size = htole32(sizeof(big));
	m->req_id = htole64(id);
	m->nr_ranges = htole32(5000);
	for (i = 0; i < 5000; i++) {
		m->ranges[i].pfn = htole64(2 * i + 1);
		m->ranges[i].count = htole64(1);
	}
	tick();
	p0 = npunch;
	CHECK_EQ(bch->svc->packet(bch, &p), -EAGAIN);
	CHECK_EQ(npunch, p0 + 4096);
	CHECK_EQ(bch->svc->packet(bch, &p), -EAGAIN);	/* until the tick */
	CHECK_EQ(npunch, p0 + 4096);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("busy"), 1);
	tick();
	CHECK_EQ(bch->svc->packet(bch, &p), 0);
	CHECK_EQ(npunch, p0 + 5000);
	CHECK_EQ(cmd("balloon bvm"), 0);
	CHECK_EQ(key("requests"), req0 + 1);
	CHECK_EQ(key("balloon_bytes"), 5008 * 4096);
	CHECK_EQ(key("punched_bytes"), punched0 + 5008 * 4096);
	CHECK_EQ(key("bad_messages"), bad0 + 3);
	bl_expect(DYNMEM_MSG_DEFLATE);	/* past the 4M target now */
	chan_close(bch);
}

/* Three guests of 1 GiB on a 2 GiB budget; memory moves to pressure. */
static void t_policy(void)
{
	static const char *const names[3] = { "p1", "p2", "p3" };
	struct hd_chan *pc[3], *p4;
	uint64_t ballo[3] = { 0 }, id, pages, sum;
	char line[64];
	struct sent *s;
	unsigned int i, round;

	CHECK_EQ(cmd("budget"), 0);
	CHECK_EQ(key("budget_bytes"), 0);
	CHECK_EQ(cmd("budget 2G"), 0);
	CHECK_STR(cmd_out, "budget_bytes 2147483648\n");
	CHECK_EQ(cmd("budget 1X"), -EINVAL);
	/* The other VMs are down: they cost the budget nothing. */
	for (i = 0; i < nr_vms; i++)
		vms[i].up = false;
	for (i = 0; i < 3; i++) {
		add_vm(names[i], 1024 * MIB);
		vms[nr_vms - 1].up = true;
		pc[i] = chan(&vms[nr_vms - 1], &hd_svc_balloon);
		CHECK_EQ(chan_open(pc[i]), 0);
		bl_version(pc[i], DYNMEM_CAP_2M | DYNMEM_CAP_RELEASE);
		pc[i]->nq = 0;
		snprintf(line, sizeof(line), "memory %s min=256M max=1G", names[i]);
		CHECK_EQ(cmd(line), 0);
		snprintf(line, sizeof(line), "target %s auto", names[i]);
		CHECK_EQ(cmd(line), 0);
		pc[i]->nq = 0;
	}
	/*
	 * p4's RAM size is unknown to the host: what its guest reports (2^40
	 * pages) is not believed, it is left out of the policy.
	 */
	add_vm("p4", 0);
	vms[nr_vms - 1].up = true;
	p4 = chan(&vms[nr_vms - 1], &hd_svc_balloon);
	CHECK_EQ(chan_open(p4), 0);
	bl_version(p4, DYNMEM_CAP_2M | DYNMEM_CAP_RELEASE);
	CHECK_EQ(cmd("target p4 auto"), 0);
	p4->nq = 0;
	/*
	 * Each round: idle reports (p1 under pressure from round 3 on), the
	 * policy, the guests answer every request in full.
	 */
	for (round = 0; round < 6; round++) {
		for (i = 0; i < 3; i++) {
			bool hot = i == 0 && round >= 3;
			uint64_t have = (1024 * MIB >> 12) - ballo[i];

			bl_status(pc[i], have - 10000, hot ? 200000 : 30000,
				  hot ? 2000 : have - 40000, ballo[i], hot ? 50 : 0);
		}
		bl_status(p4, 1ULL << 40, 1ULL << 39, 1000, 1ULL << 30, 50);
		now_ms += 1000;
		tick();
		for (i = 0; i < 3; i++) {
			while ((s = pop(pc[i]))) {
				struct dynmem_hdr h;
				uint64_t r[2];

				memcpy(&h, s->data, sizeof(h));
				pages = req_pages(s, &id);
				if (le16toh(h.type) == DYNMEM_MSG_INFLATE) {
					r[0] = 0x10000 + ballo[i];
					r[1] = pages;
					ballo[i] += pages;
					bl_ranges(pc[i], DYNMEM_MSG_INFLATE_RESP,
						  DYNMEM_F_LAST, id, r, 1, 1);
				} else if (le16toh(h.type) == DYNMEM_MSG_DEFLATE) {
					r[0] = 0x10000;
					r[1] = pages;
					ballo[i] -= pages;
					bl_ranges(pc[i], DYNMEM_MSG_DEFLATE_RESP,
						  DYNMEM_F_LAST, id, r, 1, 1);
				}
			}
		}
		if (getenv("HOSTD_SERVICES_VERBOSE"))
			printf("  round %u: %llu %llu %llu\n", round,
			       (unsigned long long)ballo[0] >> 8,
			       (unsigned long long)ballo[1] >> 8,
			       (unsigned long long)ballo[2] >> 8);
		sum = 0;
		for (i = 0; i < 3; i++)
			sum += (1024 * MIB >> 12) - ballo[i];
		if (round == 2) {
			/* Idle: shrunk to their minimum, within the budget. */
			CHECK(sum <= 2048 * MIB >> 12);
			CHECK_EQ(ballo[1], 768 * MIB >> 12);
		}
		/* Pressure: p1 gets committed * 1.2 at once (2 MiB steps). */
		if (round == 3)
			CHECK_EQ(ballo[0], ((1024 * MIB >> 12) - 240000) & ~511ULL);
	}
	if (getenv("HOSTD_SERVICES_VERBOSE"))
		printf("  balloons %llu %llu %llu MiB\n",
		       (unsigned long long)ballo[0] >> 8,
		       (unsigned long long)ballo[1] >> 8,
		       (unsigned long long)ballo[2] >> 8);
	/* Still short at committed * 1.2: p1 grew on to its maximum. */
	CHECK_EQ(ballo[0], 0);
	CHECK_EQ(ballo[1], 768 * MIB >> 12);
	CHECK_EQ(ballo[2], 768 * MIB >> 12);
	CHECK(sum <= 2048 * MIB >> 12);
	CHECK_EQ(p4->nq, 0);		/* never asked to inflate or deflate */
	CHECK_EQ(cmd("balloon p1"), 0);
	CHECK(has_line("mode auto"));
	CHECK_EQ(key("balloon_bytes"), (long long)(ballo[0] << 12));
	CHECK_EQ(cmd("pressure p1"), 0);
	CHECK_EQ(key("policy_psi"), 1000);
	CHECK_EQ(cmd("pressure nosuch"), -ENOENT);
}

int main(void)
{
	char tmpl[] = "/dev/shm/hostd_services.XXXXXX";
	static uint8_t buf[MIB];
	const char *dir = access("/dev/shm", W_OK) ? "/tmp" : "/dev/shm";
	int fd, i;

	add_vm("vm1", 1024 * MIB);
	bvm = add_vm("bvm", 64 * MIB);
	bch = chan(bvm, &hd_svc_balloon);
	snprintf(tmpl, sizeof(tmpl), "%s/hostd_services.XXXXXX", dir);
	fd = mkstemp(tmpl);
	if (fd < 0 || ftruncate(fd, 64 * MIB)) {
		perror("RAM file");
		return 1;
	}
	memset(buf, 0xa5, sizeof(buf));
	for (i = 0; i < 64; i++)
		if (write(fd, buf, sizeof(buf)) != (ssize_t)sizeof(buf)) {
			perror("RAM file");
			return 1;
		}
	fsync(fd);
	close(fd);
	snprintf(bvm->path, sizeof(bvm->path), "%s", tmpl);

	run("ic_uuid", t_ic_uuid);
	run("heartbeat", t_heartbeat);
	run("commands", t_commands);
	run("balloon_negotiate", t_balloon_negotiate);
	run("balloon_inflate_punch", t_balloon_inflate);
	run("balloon_hostile", t_balloon_hostile);
	run("balloon_deflate_released", t_balloon_deflate);
	run("balloon_partial", t_balloon_partial);
	run("balloon_budget", t_balloon_budget);
	run("policy", t_policy);
	unlink(tmpl);
	return check_done();
}
