/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmem.ko internals: the balloon client driver on synbus. One struct
 * dynmem per device of class DYNMEM_CLASS_GUID. Documentation/dynmem.rst
 * has the protocol, the design and the accounting.
 */
#ifndef _DYNMEM_H
#define _DYNMEM_H

#include <linux/balloon_compaction.h>
#include <linux/bits.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/shrinker.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>

#include <linux/dynmem.h>

#define DYNMEM_2M_ORDER		9
#define DYNMEM_2M_PAGES		BIT(DYNMEM_2M_ORDER)

struct synbus_device;
struct synbus_channel;

/* Counters shown in sysfs, one value per file. */
struct dynmem_counters {
	u64 inflated;		/* pages taken, all requests */
	u64 deflated;		/* pages given back on request */
	u64 released;		/* pages given back unasked (OOM, shrinker) */
	u64 alloc_failed;	/* allocations that failed (4 KiB or 2 MiB) */
	u64 migrated;		/* balloon pages moved by compaction */
	u64 bad_messages;	/* malformed messages from the host */
	u64 reports;		/* STATUS messages sent */
	u64 oom_deflates;	/* OOM notifier calls that freed pages */
};

struct dynmem {
	struct synbus_device *sdev;
	struct synbus_channel *ch;
	bool closing;			/* remove: no new work, no sends */

	/* negotiated */
	u32 version;
	u32 caps;

	/* the balloon, under @lock */
	struct mutex lock;
	struct balloon_dev_info bdi;	/* 4 KiB pages, movable */
	struct list_head chunks;	/* 2 MiB blocks, by their head page */
	u64 pages_4k;			/* in bdi (its own list) */
	u64 chunks_2m;
	bool inflating;			/* the shrinker then stays away */
	unsigned long released_at;	/* jiffies of the last OOM/shrink give-back */

	/* the request being served, under @req_lock */
	spinlock_t req_lock;
	u32 req_type;			/* DYNMEM_MSG_INFLATE/DEFLATE or 0 */
	u64 req_id;
	u64 req_pages;
	u64 target_pages;		/* balloon size the host last asked for */
	struct work_struct req_work;

	/* host's limits, informative */
	u64 min_pages;
	u64 max_pages;
	u32 buffer_pct;
	u32 weight;

	/* reports */
	struct delayed_work report_work;
	unsigned long last_report;
	u64 report_seq;
	u64 last_pressure;		/* available pages at the last report */
	u64 last_stalls;		/* direct reclaim counters then */
	u64 last_scanned;

	/* ranges going out */
	struct dynmem_ranges *out;	/* the request worker's packet */
	struct dynmem_ranges *out_rel;	/* OOM/shrinker/unload, under @lock */
	u32 out_max;			/* ranges that fit in a packet */

	struct notifier_block oom_nb;
	struct shrinker shrinker;
	struct dynmem_counters cnt;
};

/* pages.c */
u64 dynmem_balloon_pages(struct dynmem *dm);
int dynmem_inflate(struct dynmem *dm, u64 req_id, u64 pages);
int dynmem_deflate(struct dynmem *dm, u64 req_id, u64 pages, u16 type);
void dynmem_release_all(struct dynmem *dm);
int dynmem_pages_init(struct dynmem *dm);
void dynmem_pages_exit(struct dynmem *dm);

/* report.c */
void dynmem_report_work(struct work_struct *work);
void dynmem_report_soon(struct dynmem *dm);

/* guest.c */
int dynmem_send(struct dynmem *dm, const void *msg, u32 len);
extern unsigned int dynmem_report_ms;
extern unsigned int dynmem_oom_pages;
extern unsigned int dynmem_backoff_ms;
extern bool dynmem_use_2m;
extern bool dynmem_shrink;

#define dynmem_warn(dm, fmt, ...) \
	dev_warn_ratelimited(&(dm)->sdev->dev, fmt "\n", ##__VA_ARGS__)

#endif /* _DYNMEM_H */
