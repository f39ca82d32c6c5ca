// SPDX-License-Identifier: GPL-2.0
/*
 * Dynamic memory across the VM boundary: the host end of the guest's
 * dynmem.ko (uapi/linux/dynmem.h, Documentation/dynmem.rst), with the
 * behaviour of the loopback host's dynmem_host.ko: answer VERSION, send
 * LIMITS, keep one INFLATE or DEFLATE in flight for the difference between
 * the target and the balloon as the guest's answers add it up, keep the
 * last STATUS report. On top of it, what the loopback host cannot do: the
 * pages of every INFLATE_RESP range are punched out of the guest's RAM
 * file, so the memory really goes back to the host, and the policy
 * (balloon/policy.c) shares a host budget out across the VMs in auto mode.
 *
 * RELEASED and DEFLATE_RESP ranges are counted, never punched: the guest
 * frees those pages before it says so, and may already use them again.
 *
 * The guest is untrusted: sizes, counts and ranges are checked before
 * use; a bad message is counted, logged (rate limited) and dropped, and
 * nothing of it is punched.
 */
#include <endian.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hostd.h"
#include <linux/dynmem.h>
/*
 * The policy is a pure library shared with dynmem_host.ko and its unit
 * tests; built here, as the tools' object rules are for files under
 * tools/ only.
 */
#include "../../balloon/policy.c"

#define BL_PAGE_SHIFT	12
#define BL_RING_SIZE	(64 * 1024)	/* the guest opens 16 pages anyway */
/* A range longer than this is nonsense (256 TiB), as in dynmem_host.ko. */
#define BL_MAX_RANGE	(1ULL << 36)
/* Guest RAM ends below RAM size plus the 4 GiB hole: a coarse bound. */
#define BL_HOLE_PAGES	((4ULL << 30) >> BL_PAGE_SHIFT)
/* A request without progress for this long is given up. */
#define BL_STUCK_MS	30000
#define BL_POLICY_MS	1000
/*
 * Punches (fallocate() calls, one per run of adjacent ranges) per
 * channel and tick: a guest's INFLATE_RESPs cannot hold the event loop
 * (hd_lock) for long, whatever they hold.
 */
#define BL_PUNCH_BUDGET	4096
/* Auto mode: changes under 16 MiB are noise; balloons in 2 MiB steps. */
#define BL_HYSTERESIS	4096ULL
#define BL_2M_PAGES	512ULL
/* No budget: the host's MemAvailable minus this (256 MiB). */
#define BL_HOST_RESERVE	65536ULL
#define BL_DEF_MIN	65536ULL	/* 256 MiB */
#define BL_DEF_BUFFER	20
#define BL_DEF_WEIGHT	100
#define BL_CAPS		(DYNMEM_CAP_2M | DYNMEM_CAP_RELEASE | \
			 DYNMEM_CAP_PSI | DYNMEM_CAP_RECLAIM)

static const struct hd_service *const bl_svc = &hd_svc_balloon;

enum bl_mode { BL_OFF, BL_MANUAL, BL_AUTO };
static const char *const bl_modes[] = { "off", "manual", "auto" };

/*
 * What the administrator set for a VM and what happened to it: kept by
 * name for the daemon's life, so a guest reboot (a new channel) keeps
 * its limits and its target. Sizes in 4 KiB pages.
 */
struct bl_vm {
	struct bl_vm *next;
	char *name;
	uint64_t min_pages;
	uint64_t max_pages;		/* 0: the guest's RAM */
	uint32_t buffer_pct;
	uint32_t weight;
	enum bl_mode mode;		/* off: the host leaves the balloon be */
	uint64_t target;		/* balloon pages wanted */
	uint64_t requests, partials, timeouts;
	uint64_t last_inflate_us, last_deflate_us;
	uint64_t punched, released, deflated;
	uint64_t bad;
	bool size_unknown;		/* logged: auto mode without a size */
};

/* Per channel: the session with one guest kernel. */
struct bl_chan {
	struct bl_vm *bv;
	uint32_t version;		/* 0 until VERSION */
	uint32_t caps;
	uint64_t balloon;		/* pages, as the guest's answers add up */
	bool limits_pending;		/* LIMITS to (re)send */
	/* the request in flight */
	uint64_t next_id;
	uint64_t req_id;
	uint16_t req_type;		/* 0: none */
	uint64_t req_done;
	uint64_t req_start_us;
	uint64_t req_seen_ms;		/* last progress */
	bool stalled;			/* ended partial: wait for a report */
	uint32_t resume;		/* ranges of an INFLATE_RESP punched */
	uint32_t punch_budget;		/* punches left until the next tick */
	/* the last report */
	struct dynmem_status report;
	bool have_report;
	uint64_t report_ms;
};

static struct bl_vm *bl_vms;
static uint64_t bl_budget;		/* bytes; 0: host MemAvailable */
static uint64_t bl_policy_ms;

static uint64_t bl_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static struct bl_vm *bl_vm_get(const struct hd_vm *vm)
{
	const char *name = hd_vm_name(vm);
	struct bl_vm *bv;

	for (bv = bl_vms; bv; bv = bv->next)
		if (!strcmp(bv->name, name))
			return bv;
	bv = calloc(1, sizeof(*bv));
	if (!bv)
		return NULL;
	bv->name = strdup(name);
	if (!bv->name) {
		free(bv);
		return NULL;
	}
	bv->min_pages = BL_DEF_MIN;
	bv->buffer_pct = BL_DEF_BUFFER;
	bv->weight = BL_DEF_WEIGHT;
	bv->next = bl_vms;
	bl_vms = bv;
	return bv;
}

/* The open, negotiated session of @vm, or NULL. */
static struct bl_chan *bl_session(struct hd_vm *vm, struct hd_chan **cp)
{
	struct hd_chan *c = hd_vm_chan(vm, bl_svc);
	struct bl_chan *st;

	if (!c || !hd_chan_open(c))
		return NULL;
	st = hd_chan_priv(c);
	if (!st->version || !st->bv)
		return NULL;
	if (cp)
		*cp = c;
	return st;
}

/*
 * Guest RAM in pages as the host knows it (mem=, else the RAM file's
 * size), 0 when unknown: never what the guest reports, or a guest could
 * claim a size that makes the policy take memory from every other VM.
 */
static uint64_t bl_ram_pages(struct hd_vm *vm)
{
	return dynmem_sat(hd_vm_ram_bytes(vm) >> BL_PAGE_SHIFT);
}

/* The policy's view of a VM's limits; max 0 when RAM is unknown. */
static struct dynmem_vm_cfg bl_cfg(const struct bl_vm *bv, uint64_t ram)
{
	struct dynmem_vm_cfg cfg = {
		.min_pages = bv->min_pages,
		.max_pages = bv->max_pages ? bv->max_pages : ram,
		.buffer_pct = bv->buffer_pct,
		.weight = bv->weight,
	};

	if (ram && cfg.max_pages > ram)
		cfg.max_pages = ram;
	if (cfg.min_pages > cfg.max_pages)
		cfg.min_pages = cfg.max_pages;
	return cfg;
}

static void bl_bad(struct hd_chan *c, struct bl_chan *st, const char *why,
		   uint32_t type, uint32_t len)
{
	if (st->bv)
		st->bv->bad++;
	hd_warn(hd_chan_vm(c), "balloon: dropped a bad message: %s (type %u, %u bytes)",
		why, type, len);
}

static void bl_send_limits(struct hd_chan *c, struct bl_chan *st)
{
	struct dynmem_vm_cfg cfg = bl_cfg(st->bv, bl_ram_pages(hd_chan_vm(c)));
	struct dynmem_limits l = {
		.hdr.type = htole16(DYNMEM_MSG_LIMITS),
		.hdr.size = htole32(sizeof(l)),
		.min_pages = htole64(cfg.min_pages),
		.max_pages = htole64(cfg.max_pages),
		.buffer_pct = htole32(cfg.buffer_pct),
		.weight = htole32(cfg.weight),
	};

	st->limits_pending = hd_send(c, SYNBUS_PKT_INBAND, 0, 0, &l,
				     sizeof(l)) == -EAGAIN;
}

/* One request for the difference between target and balloon. */
static void bl_drive(struct hd_chan *c, struct bl_chan *st)
{
	struct dynmem_request r = {};
	struct bl_vm *bv = st->bv;
	uint64_t pages;
	uint16_t type;

	if (!st->version || st->req_type || st->stalled || bv->mode == BL_OFF ||
	    bv->target == st->balloon)
		return;
	if (bv->target > st->balloon) {
		type = DYNMEM_MSG_INFLATE;
		pages = bv->target - st->balloon;
	} else {
		type = DYNMEM_MSG_DEFLATE;
		pages = st->balloon - bv->target;
	}
	r.hdr.type = htole16(type);
	r.hdr.size = htole32(sizeof(r));
	r.req_id = htole64(st->next_id + 1);
	r.pages = htole64(pages);
	/* A full ring: the tick drives again. */
	if (hd_send(c, SYNBUS_PKT_INBAND, 0, 0, &r, sizeof(r)))
		return;
	st->req_id = ++st->next_id;
	st->req_type = type;
	st->req_done = 0;
	st->req_start_us = bl_now_us();
	st->req_seen_ms = hd_now_ms();
}

static int bl_version(struct hd_chan *c, struct bl_chan *st,
		      const struct synbus_packet *pkt, uint32_t size)
{
	struct dynmem_version v, r = {
		.hdr.type = htole16(DYNMEM_MSG_VERSION),
		.hdr.size = htole32(sizeof(r)),
		.version = htole32(DYNMEM_VERSION),
	};
	uint32_t caps = 0;
	int err;

	if (size < sizeof(v)) {
		bl_bad(c, st, "short version request", DYNMEM_MSG_VERSION, size);
		r.status = htole32((uint32_t)-EINVAL);
	} else {
		memcpy(&v, pkt->data, sizeof(v));
		if (le32toh(v.version) < DYNMEM_VERSION) {
			r.status = htole32((uint32_t)-EPROTONOSUPPORT);
		} else {
			caps = le32toh(v.caps) & BL_CAPS;
			r.caps = htole32(caps);
		}
	}
	err = hd_send(c, SYNBUS_PKT_COMPLETION, 0, pkt->trans_id, &r, sizeof(r));
	if (err)
		return err;
	if (!r.status) {
		st->version = DYNMEM_VERSION;
		st->caps = caps;
		bl_send_limits(c, st);
		bl_drive(c, st);
	}
	return 0;
}

/* Pages an INFLATE_RESP put in the balloon: counted, and progress. */
static void bl_inflated(struct hd_chan *c, struct bl_chan *st, uint64_t pages,
			uint64_t ram, uint32_t size)
{
	st->balloon += pages;
	if (ram && st->balloon > ram) {
		bl_bad(c, st, "balloon larger than guest RAM",
		       DYNMEM_MSG_INFLATE_RESP, size);
		st->balloon = ram;
	}
	st->req_done += pages;
	st->req_seen_ms = hd_now_ms();
}

/*
 * INFLATE_RESP, DEFLATE_RESP, RELEASED. The whole message is checked
 * before any of it is used: a count that does not fit, an empty, huge or
 * overflowing range, or one past guest RAM drops all of it, and so does
 * a response to no request in flight (RELEASED comes unasked). Adjacent
 * ranges are punched as one; BL_PUNCH_BUDGET punches per channel and
 * tick, then -EAGAIN: the rest of the message is punched from the next
 * tick on (st->resume: the ranges done).
 */
static int bl_ranges(struct hd_chan *c, struct bl_chan *st,
		     const struct synbus_packet *pkt, uint32_t size,
		     uint16_t type)
{
	struct hd_vm *vm = hd_chan_vm(c);
	const uint8_t *base = pkt->data;
	uint64_t ram = hd_vm_ram_bytes(vm) >> BL_PAGE_SHIFT;
	uint64_t pages = 0, pfn, count, next;
	struct bl_vm *bv = st->bv;
	struct dynmem_ranges m;
	struct dynmem_range r;
	uint32_t n, i, j, flags;
	int err;

	if (size < sizeof(m)) {
		bl_bad(c, st, "short ranges message", type, size);
		return 0;
	}
	memcpy(&m, base, sizeof(m));
	n = le32toh(m.nr_ranges);
	flags = le16toh(m.hdr.flags);
	if (n > (size - sizeof(m)) / sizeof(r)) {
		bl_bad(c, st, "range count does not fit", type, size);
		return 0;
	}
	for (i = 0; i < n; i++) {
		memcpy(&r, base + sizeof(m) + i * sizeof(r), sizeof(r));
		pfn = le64toh(r.pfn);
		count = le64toh(r.count);
		if (!count || count > BL_MAX_RANGE ||
		    pfn > DYNMEM_POLICY_MAX_PAGES - count) {
			bl_bad(c, st, "range of a bad length", type, size);
			return 0;
		}
		if (ram && pfn + count > ram + BL_HOLE_PAGES) {
			hd_warn(vm, "balloon: range %#" PRIx64 "+%" PRIu64
				" outside guest RAM", pfn, count);
			bl_bad(c, st, "range outside guest RAM", type, size);
			return 0;
		}
		pages += count;
	}
	/* Each *_RESP type follows its request's. */
	if (type != DYNMEM_MSG_RELEASED &&
	    (type - 1 != st->req_type || le64toh(m.req_id) != st->req_id)) {
		st->resume = 0;
		bl_bad(c, st, "no such request in flight", type, size);
		return 0;
	}

	if (type == DYNMEM_MSG_INFLATE_RESP) {
		pages = 0;
		/* A resumed message the guest rewrote meanwhile starts over. */
		i = st->resume < n ? st->resume : 0;
		st->resume = 0;
		while (i < n) {
			if (!st->punch_budget) {
				st->resume = i;
				bl_inflated(c, st, pages, ram, size);
				return -EAGAIN;
			}
			memcpy(&r, base + sizeof(m) + i * sizeof(r), sizeof(r));
			pfn = le64toh(r.pfn);
			count = le64toh(r.count);
			for (j = i + 1; j < n; j++) {
				memcpy(&r, base + sizeof(m) + j * sizeof(r), sizeof(r));
				next = le64toh(r.pfn);
				if (next != pfn + count)
					break;
				count += le64toh(r.count);
			}
			i = j;
			st->punch_budget--;
			err = hd_vm_punch(vm, pfn, count);
			if (err == -EINVAL) {
				/* The layout knows better than our bound. */
				hd_warn(vm, "balloon: range %#" PRIx64 "+%" PRIu64
					" refused: not guest RAM", pfn, count);
				bv->bad++;
				continue;
			}
			if (err)
				hd_warn(vm, "balloon: cannot give %" PRIu64
					" pages back to the host: %s", count,
					strerror(-err));
			else
				bv->punched += count;
			pages += count;	/* in the balloon either way */
		}
		bl_inflated(c, st, pages, ram, size);
	} else {
		if (pages > st->balloon) {
			bl_bad(c, st, "gives back more than the balloon holds",
			       type, size);
			pages = st->balloon;
		}
		st->balloon -= pages;
		if (type == DYNMEM_MSG_RELEASED) {
			bv->released += pages;
			/* The guest needed it: do not take it straight back. */
			if (bv->target > st->balloon)
				bv->target = st->balloon;
			return 0;
		}
		bv->deflated += pages;
		st->req_done += pages;
		st->req_seen_ms = hd_now_ms();
	}

	if (!(flags & DYNMEM_F_LAST))
		return 0;
	bv->requests++;
	if (type == DYNMEM_MSG_INFLATE_RESP)
		bv->last_inflate_us = bl_now_us() - st->req_start_us;
	else
		bv->last_deflate_us = bl_now_us() - st->req_start_us;
	if (flags & DYNMEM_F_PARTIAL) {
		bv->partials++;
		st->stalled = true;
	}
	st->req_type = 0;
	return 0;
}

static int bl_packet(struct hd_chan *c, const struct synbus_packet *pkt)
{
	struct bl_chan *st = hd_chan_priv(c);
	struct dynmem_hdr h;
	uint32_t size;
	uint16_t type;

	if (!st->bv)
		return 0;
	if (pkt->type != SYNBUS_PKT_INBAND) {
		bl_bad(c, st, "packet type", pkt->type, pkt->len);
		return 0;
	}
	if (pkt->len < sizeof(h)) {
		bl_bad(c, st, "shorter than a header", 0, pkt->len);
		return 0;
	}
	memcpy(&h, pkt->data, sizeof(h));
	type = le16toh(h.type);
	size = le32toh(h.size);
	if (size > pkt->len || size < sizeof(h)) {
		bl_bad(c, st, "size field does not match", type, pkt->len);
		return 0;
	}
	if (type == DYNMEM_MSG_VERSION)
		return bl_version(c, st, pkt, size) == -EAGAIN ? -EAGAIN : 0;
	if (!st->version) {
		bl_bad(c, st, "before version negotiation", type, size);
		return 0;
	}
	switch (type) {
	case DYNMEM_MSG_INFLATE_RESP:
	case DYNMEM_MSG_DEFLATE_RESP:
	case DYNMEM_MSG_RELEASED:
		if (bl_ranges(c, st, pkt, size, type) == -EAGAIN)
			return -EAGAIN;
		break;
	case DYNMEM_MSG_STATUS:
		if (size < sizeof(st->report)) {
			bl_bad(c, st, "short status", type, size);
			break;
		}
		memcpy(&st->report, pkt->data, sizeof(st->report));
		st->have_report = true;
		st->report_ms = hd_now_ms();
		st->stalled = false;	/* news: a partial request may go again */
		break;
	default:
		bl_bad(c, st, "not a message the guest sends", type, size);
		return 0;
	}
	bl_drive(c, st);
	return 0;
}

static int bl_open(struct hd_chan *c)
{
	struct bl_chan *st = hd_chan_priv(c);
	struct bl_vm *bv = bl_vm_get(hd_chan_vm(c));

	if (!bv)
		return ENOMEM;
	/* A new guest kernel: its balloon starts empty. */
	memset(st, 0, sizeof(*st));
	st->bv = bv;
	st->punch_budget = BL_PUNCH_BUDGET;
	if (bv->mode == BL_AUTO)
		bv->target = 0;
	return 0;
}

static void bl_close(struct hd_chan *c)
{
	struct bl_chan *st = hd_chan_priv(c);

	st->version = 0;
	st->req_type = 0;
	st->resume = 0;
}

static void bl_tick(struct hd_chan *c, uint64_t now)
{
	struct bl_chan *st = hd_chan_priv(c);

	st->punch_budget = BL_PUNCH_BUDGET;
	if (!st->version)
		return;
	if (st->limits_pending)
		bl_send_limits(c, st);
	if (st->req_type && now - st->req_seen_ms > BL_STUCK_MS) {
		hd_warn(hd_chan_vm(c), "balloon: request %" PRIu64
			" unanswered for %u s, given up", st->req_id,
			BL_STUCK_MS / 1000);
		st->bv->timeouts++;
		st->req_type = 0;
		st->resume = 0;
	}
	bl_drive(c, st);
}

/* ---- the policy across VMs */

/*
 * The policy's pressure input in PSI units: PSI when the guest sends it,
 * else "under pressure" as soon as it stalled in direct reclaim (dynmem.ko
 * cannot read PSI), as dynmem_host.ko does.
 */
static uint32_t bl_pressure(const struct dynmem_status *r)
{
	uint32_t psi = le32toh(r->psi_some_avg10);

	return r->stalls && psi < DYNMEM_PSI_PRESSURE ? DYNMEM_PSI_PRESSURE : psi;
}

static uint64_t bl_host_available(void)
{
	unsigned long long kb = 0;
	char line[128];
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return dynmem_sat(kb / 4);
}

static struct dynmem_vm_cfg bl_pcfg[DYNMEM_POLICY_MAX_VMS];
static struct dynmem_vm_state bl_pst[DYNMEM_POLICY_MAX_VMS];
static struct hd_chan *bl_pchan[DYNMEM_POLICY_MAX_VMS];
static uint64_t bl_pram[DYNMEM_POLICY_MAX_VMS];
static uint64_t bl_ptarget[DYNMEM_POLICY_MAX_VMS];

/* A VM costs the host its RAM less its balloon; unknown RAM costs 0. */
static uint64_t bl_cost(struct hd_vm *vm, const struct bl_chan *st)
{
	uint64_t ram = bl_ram_pages(vm), b = st ? st->balloon : 0;

	return ram > b ? ram - b : 0;
}

static void bl_policy_run(void)
{
	uint64_t used = 0, free_pages, reserve, budget, ram, t, cur;
	struct hd_chan *c;
	struct bl_chan *st;
	struct hd_vm *vm;
	uint32_t n = 0, i;

	for (vm = hd_vm_next(NULL); vm; vm = hd_vm_next(vm)) {
		if (!hd_vm_up(vm))
			continue;
		c = NULL;
		st = bl_session(vm, &c);
		used += bl_cost(vm, st);
		ram = bl_ram_pages(vm);
		if (st && st->bv->mode == BL_AUTO && !ram && !st->bv->size_unknown) {
			hd_log(vm, "balloon: RAM size unknown (no mem=, no RAM file): "
			       "not managed by the policy");
			st->bv->size_unknown = true;
		}
		if (!st || st->bv->mode != BL_AUTO || !st->have_report || !ram ||
		    n == DYNMEM_POLICY_MAX_VMS)
			continue;
		bl_pcfg[n] = bl_cfg(st->bv, ram);
		bl_pst[n] = (struct dynmem_vm_state){
			.current_pages = bl_cost(vm, st),
			.committed_pages = le64toh(st->report.committed_pages),
			.available_pages = le64toh(st->report.available_pages),
			.psi_some_avg10 = bl_pressure(&st->report),
			.valid = true,
		};
		bl_pchan[n] = c;
		bl_pram[n++] = ram;
	}
	if (!n)
		return;
	if (bl_budget) {
		/* What the VMs have beyond the budget is a deficit. */
		budget = dynmem_sat(bl_budget >> BL_PAGE_SHIFT);
		used = dynmem_sat(used);
		free_pages = budget > used ? budget - used : 0;
		reserve = used > budget ? used - budget : 0;
	} else {
		free_pages = bl_host_available();
		reserve = BL_HOST_RESERVE;
	}
	if (dynmem_policy_compute(bl_pcfg, bl_pst, n, free_pages, reserve,
				  bl_ptarget))
		return;
	for (i = 0; i < n; i++) {
		st = hd_chan_priv(bl_pchan[i]);
		t = bl_ptarget[i] < bl_pram[i] ? bl_pram[i] - bl_ptarget[i] : 0;
		t &= ~(BL_2M_PAGES - 1);	/* the guest balloons 2 MiB blocks */
		cur = st->bv->target;
		if (t != cur && (t == 0 || t > cur + BL_HYSTERESIS ||
				 t + BL_HYSTERESIS < cur))
			st->bv->target = t;
		bl_drive(bl_pchan[i], st);
	}
}

static void bl_global_tick(uint64_t now)
{
	if (now - bl_policy_ms < BL_POLICY_MS)
		return;
	bl_policy_ms = now;
	bl_policy_run();
}

int hd_balloon_set_budget(uint64_t bytes)
{
	if ((bytes >> BL_PAGE_SHIFT) > DYNMEM_POLICY_MAX_PAGES)
		return -EINVAL;
	bl_budget = bytes;
	return 0;
}

const struct hd_service hd_svc_balloon = {
	.name = "balloon",
	/* DYNMEM_CLASS_GUID_STR b6a1f3c2-5d7e-4a90-8c3b-2e6f4d19a7e5 */
	.class_id = { 0xc2, 0xf3, 0xa1, 0xb6, 0x7e, 0x5d, 0x90, 0x4a,
		      0x8c, 0x3b, 0x2e, 0x6f, 0x4d, 0x19, 0xa7, 0xe5 },
	.priv_size = sizeof(struct bl_chan),
	.ring_size = BL_RING_SIZE,
	.open = bl_open,
	.close = bl_close,
	.packet = bl_packet,
	.tick = bl_tick,
	.global_tick = bl_global_tick,
};

/* ---- commands */

static const char *bl_arg(const char *arg, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(arg, key, n) && arg[n] == '=' ? arg + n + 1 : NULL;
}

static int bl_uint(const char *s, unsigned long lo, unsigned long hi,
		   uint32_t *v)
{
	unsigned long x;
	char *end;

	if (!*s || *s == '-')
		return -EINVAL;
	errno = 0;
	x = strtoul(s, &end, 10);
	if (errno || *end || x < lo || x > hi)
		return -EINVAL;
	*v = x;
	return 0;
}

/* The VM named argv[1], its settings and its session (may be NULL). */
static int bl_cmd_vm(int argc, char **argv, struct hd_vm **vmp,
		     struct bl_vm **bvp, struct bl_chan **stp,
		     struct hd_chan **cp)
{
	if (argc < 2)
		return -EINVAL;
	*vmp = hd_vm_find(argv[1]);
	if (!*vmp)
		return -ENOENT;
	*bvp = bl_vm_get(*vmp);
	if (!*bvp)
		return -ENOMEM;
	*cp = NULL;
	*stp = bl_session(*vmp, cp);
	return 0;
}

static int cmd_memory(int argc, char **argv, FILE *out)
{
	uint64_t min, max, ram, bytes;
	uint32_t buffer, weight;
	struct dynmem_vm_cfg cfg;
	struct hd_chan *c;
	struct bl_chan *st;
	struct bl_vm *bv;
	struct hd_vm *vm;
	const char *v;
	int i, err;

	err = bl_cmd_vm(argc, argv, &vm, &bv, &st, &c);
	if (err)
		return err;
	min = bv->min_pages;
	max = bv->max_pages;
	buffer = bv->buffer_pct;
	weight = bv->weight;
	ram = bl_ram_pages(vm);
	/* All or nothing: check every argument before taking any. */
	for (i = 2; i < argc; i++) {
		if ((v = bl_arg(argv[i], "min"))) {
			if (hd_parse_size(v, &bytes))
				return -EINVAL;
			min = bytes >> BL_PAGE_SHIFT;
		} else if ((v = bl_arg(argv[i], "max"))) {
			if (hd_parse_size(v, &bytes) || bytes < (1 << BL_PAGE_SHIFT))
				return -EINVAL;
			max = bytes >> BL_PAGE_SHIFT;
		} else if ((v = bl_arg(argv[i], "buffer"))) {
			if (bl_uint(v, 0, DYNMEM_BUFFER_PCT_MAX, &buffer))
				return -EINVAL;
		} else if ((v = bl_arg(argv[i], "weight"))) {
			if (bl_uint(v, 1, DYNMEM_WEIGHT_MAX, &weight))
				return -EINVAL;
		} else {
			return -EINVAL;
		}
	}
	if (max > DYNMEM_POLICY_MAX_PAGES || (ram && max > ram)) {
		fprintf(out, "message max beyond the guest's RAM\n");
		return -EINVAL;
	}
	if (min > (max ? max : ram ? ram : DYNMEM_POLICY_MAX_PAGES)) {
		fprintf(out, "message min above max\n");
		return -EINVAL;
	}
	if (argc > 2) {
		bv->min_pages = min;
		bv->max_pages = max;
		bv->buffer_pct = buffer;
		bv->weight = weight;
		if (st)
			bl_send_limits(c, st);
	}
	cfg = bl_cfg(bv, ram);
	fprintf(out, "min_bytes %" PRIu64 "\nmax_bytes %" PRIu64
		"\nbuffer_pct %u\nweight %u\n", cfg.min_pages << BL_PAGE_SHIFT,
		cfg.max_pages << BL_PAGE_SHIFT, cfg.buffer_pct, cfg.weight);
	return 0;
}

static int cmd_target(int argc, char **argv, FILE *out)
{
	struct hd_chan *c;
	struct bl_chan *st;
	struct bl_vm *bv;
	struct hd_vm *vm;
	uint64_t bytes, ram;
	int err;

	if (argc > 3)
		return -EINVAL;
	err = bl_cmd_vm(argc, argv, &vm, &bv, &st, &c);
	if (err)
		return err;
	if (argc == 3 && !strcmp(argv[2], "auto")) {
		bv->mode = BL_AUTO;
		bl_policy_ms = 0;	/* run the policy at the next tick */
	} else if (argc == 3) {
		if (hd_parse_size(argv[2], &bytes))
			return -EINVAL;
		ram = bl_ram_pages(vm);
		if ((bytes >> BL_PAGE_SHIFT) > (ram ? ram : DYNMEM_POLICY_MAX_PAGES)) {
			fprintf(out, "message target beyond the guest's RAM\n");
			return -EINVAL;
		}
		bv->mode = BL_MANUAL;
		bv->target = bytes >> BL_PAGE_SHIFT;
		if (st) {
			st->stalled = false;
			bl_drive(c, st);
		}
	}
	fprintf(out, "mode %s\ntarget_bytes %" PRIu64 "\n", bl_modes[bv->mode],
		bv->target << BL_PAGE_SHIFT);
	return 0;
}

static int cmd_balloon(int argc, char **argv, FILE *out)
{
	struct hd_chan *c;
	struct bl_chan *st;
	struct bl_vm *bv;
	struct hd_vm *vm;
	int err;

	if (argc != 2)
		return -EINVAL;
	err = bl_cmd_vm(argc, argv, &vm, &bv, &st, &c);
	if (err)
		return err;
	fprintf(out, "balloon_bytes %" PRIu64 "\ntarget_bytes %" PRIu64
		"\nbusy %d\nmode %s\nversion %u.%u\nrequests %" PRIu64
		"\npartial_requests %" PRIu64 "\ntimeouts %" PRIu64
		"\nlast_inflate_us %" PRIu64 "\nlast_deflate_us %" PRIu64
		"\npunched_bytes %" PRIu64 "\nreleased_bytes %" PRIu64
		"\ndeflated_bytes %" PRIu64 "\nbad_messages %" PRIu64
		"\nram_allocated %" PRId64 "\n",
		st ? st->balloon << BL_PAGE_SHIFT : 0,
		bv->target << BL_PAGE_SHIFT, st && st->req_type,
		bl_modes[bv->mode], st ? st->version >> 16 : 0,
		st ? st->version & 0xffff : 0, bv->requests, bv->partials,
		bv->timeouts, bv->last_inflate_us, bv->last_deflate_us,
		bv->punched << BL_PAGE_SHIFT, bv->released << BL_PAGE_SHIFT,
		bv->deflated << BL_PAGE_SHIFT, bv->bad, hd_vm_ram_allocated(vm));
	return 0;
}

static int cmd_pressure(int argc, char **argv, FILE *out)
{
	const struct dynmem_status *r;
	struct hd_chan *c;
	struct bl_chan *st;
	struct bl_vm *bv;
	struct hd_vm *vm;
	int err;

	if (argc != 2)
		return -EINVAL;
	err = bl_cmd_vm(argc, argv, &vm, &bv, &st, &c);
	if (err)
		return err;
	if (!st || !st->have_report) {
		fprintf(out, "message no report from the guest yet\n");
		return -ENODATA;
	}
	r = &st->report;
	fprintf(out, "seq %" PRIu64 "\ntotal_pages %" PRIu64
		"\ncommitted_pages %" PRIu64 "\navailable_pages %" PRIu64
		"\ncache_pages %" PRIu64 "\nswap_total_pages %" PRIu64
		"\nswap_free_pages %" PRIu64 "\nballoon_pages %" PRIu64
		"\npsi_some_avg10 %u\npsi_full_avg10 %u\nstalls %" PRIu64
		"\nscanned %" PRIu64 "\npolicy_psi %u\nage_ms %" PRIu64 "\n",
		(uint64_t)le64toh(r->seq), (uint64_t)le64toh(r->total_pages),
		(uint64_t)le64toh(r->committed_pages),
		(uint64_t)le64toh(r->available_pages),
		(uint64_t)le64toh(r->cache_pages),
		(uint64_t)le64toh(r->swap_total_pages),
		(uint64_t)le64toh(r->swap_free_pages),
		(uint64_t)le64toh(r->balloon_pages), le32toh(r->psi_some_avg10),
		le32toh(r->psi_full_avg10), (uint64_t)le64toh(r->stalls),
		(uint64_t)le64toh(r->scanned), bl_pressure(r),
		hd_now_ms() - st->report_ms);
	return 0;
}

static int cmd_budget(int argc, char **argv, FILE *out)
{
	uint64_t bytes;

	if (argc > 2)
		return -EINVAL;
	if (argc == 2) {
		if (hd_parse_size(argv[1], &bytes) || hd_balloon_set_budget(bytes))
			return -EINVAL;
		bl_policy_ms = 0;
	}
	/* One line: scripts read its last field. */
	fprintf(out, "budget_bytes %" PRIu64 "\n", bl_budget);
	return 0;
}

const struct hd_cmd hd_balloon_cmds[] = {
	{ "memory", "VM [min=SIZE] [max=SIZE] [buffer=PCT] [weight=N]", cmd_memory },
	{ "target", "VM [SIZE|auto]", cmd_target },
	{ "balloon", "VM", cmd_balloon },
	{ "pressure", "VM", cmd_pressure },
	{ "budget", "[SIZE]", cmd_budget },
	{ NULL, NULL, NULL }
};
