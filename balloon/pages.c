// SPDX-License-Identifier: GPL-2.0
/*
 * The balloon itself: taking pages from the guest and giving them back.
 *
 * Inflate takes 2 MiB blocks first (one allocation, one range for 512
 * pages; they do not fragment memory) and falls back to 4 KiB pages when
 * none is left. 4 KiB pages go through the kernel's balloon compaction
 * API, so compaction can move them and a big balloon does not pin
 * scattered pages that would keep huge pages from forming. Allocations
 * never push the guest into OOM: __GFP_NORETRY | __GFP_NOWARN |
 * __GFP_NOMEMALLOC, and inflate stops, reporting a partial result, when
 * MemAvailable falls under a floor.
 *
 * Pages in the balloon leave MemTotal (adjust_managed_page_count()), so
 * the guest's user sees the memory the host lets it have.
 *
 * Deflate, on request, under the OOM notifier or under the shrinker gives
 * 2 MiB blocks back first (one free for 512 pages), then 4 KiB pages. The
 * OOM and shrinker paths free at once, tell the host with a RELEASED
 * message that never waits for ring space, and hold inflation off for a
 * while (backoff_ms), so the host cannot take the memory straight back:
 * no ping-pong, no livelock.
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/oom.h>
#include <linux/slab.h>
#include <linux/vmstat.h>

#include "../vmbus/synbus.h"
#include "dynmem.h"

u64 dynmem_balloon_pages(struct dynmem *dm)
{
	return READ_ONCE(dm->pages_4k) + READ_ONCE(dm->chunks_2m) * DYNMEM_2M_PAGES;
}

/* Pages MemAvailable must keep: 5 % of memory, at least 64 MiB. */
static bool dynmem_low_memory(void)
{
	unsigned long floor = max(totalram_pages() / 20, 16384UL);

	return si_mem_available() < floor;
}

/* Start the outgoing ranges packet @o of @type answering @req_id. */
static void dynmem_out_reset(struct dynmem_ranges *o, u16 type, u64 req_id)
{
	memset(o, 0, sizeof(*o));
	o->hdr.type = cpu_to_le16(type);
	o->req_id = cpu_to_le64(req_id);
}

static u32 dynmem_out_len(struct dynmem_ranges *o)
{
	return sizeof(*o) + le32_to_cpu(o->nr_ranges) * sizeof(o->ranges[0]);
}

/*
 * Send the packet, empty it. @wait: sleep for ring space (requests);
 * else a full ring drops the message (OOM and shrinker paths), the next
 * STATUS still carries the balloon's size.
 */
static void dynmem_out_flush(struct dynmem *dm, struct dynmem_ranges *o,
			     u16 flags, bool wait)
{
	u32 len = dynmem_out_len(o);
	int err;

	o->hdr.flags = cpu_to_le16(flags);
	o->hdr.size = cpu_to_le32(len);
	if (!dm->closing) {
		err = synbus_sendpacket(dm->ch, o, len, 0,
					wait ? SYNBUS_SEND_WAIT : 0);
		if (err && err != -ENODEV && err != -ESHUTDOWN)
			dynmem_warn(dm, "cannot send %u ranges: %d",
				    le32_to_cpu(o->nr_ranges), err);
	}
	o->nr_ranges = 0;
}

/* Add [pfn, pfn + count) to the packet, merging with the last range. */
static bool dynmem_out_add(struct dynmem *dm, struct dynmem_ranges *o,
			   u64 pfn, u64 count)
{
	u32 n = le32_to_cpu(o->nr_ranges);
	struct dynmem_range *r = n ? &o->ranges[n - 1] : NULL;

	if (r && le64_to_cpu(r->pfn) + le64_to_cpu(r->count) == pfn) {
		le64_add_cpu(&r->count, count);
		return false;
	}
	if (r && pfn + count == le64_to_cpu(r->pfn)) {
		r->pfn = cpu_to_le64(pfn);
		le64_add_cpu(&r->count, count);
		return false;
	}
	o->ranges[n].pfn = cpu_to_le64(pfn);
	o->ranges[n].count = cpu_to_le64(count);
	o->nr_ranges = cpu_to_le32(n + 1);
	return n + 1 == dm->out_max;	/* full: flush it */
}

static bool dynmem_superseded(struct dynmem *dm, u64 req_id)
{
	bool gone;

	spin_lock(&dm->req_lock);
	gone = dm->req_type != DYNMEM_MSG_INFLATE || dm->req_id != req_id;
	spin_unlock(&dm->req_lock);
	return gone || READ_ONCE(dm->closing);
}

/* Per lock hold: at most this many pages, then the lock is dropped. */
#define DYNMEM_BATCH	512U

int dynmem_inflate(struct dynmem *dm, u64 req_id, u64 pages)
{
	bool use2m = dynmem_use_2m && (dm->caps & DYNMEM_CAP_2M);
	u16 flags = DYNMEM_F_LAST;
	struct page *page;
	u64 done = 0, n;
	bool full, stop = false;

	mutex_lock(&dm->lock);
	dynmem_out_reset(dm->out, DYNMEM_MSG_INFLATE_RESP, req_id);
	if (READ_ONCE(dm->released_at) &&
	    time_before(jiffies, READ_ONCE(dm->released_at) +
			msecs_to_jiffies(READ_ONCE(dynmem_backoff_ms))))
		stop = true;	/* the guest just needed memory back */
	while (done < pages && !stop) {
		if (dynmem_superseded(dm, req_id) || dynmem_low_memory())
			break;
		dm->inflating = true;
		full = false;
		for (n = 0; n < DYNMEM_BATCH && done < pages && !full; ) {
			if (use2m && pages - done >= DYNMEM_2M_PAGES) {
				page = alloc_pages(GFP_HIGHUSER | __GFP_NORETRY |
						   __GFP_NOWARN | __GFP_NOMEMALLOC,
						   DYNMEM_2M_ORDER);
				if (!page) {
					dm->cnt.alloc_failed++;
					use2m = false;	/* 4 KiB from now on */
					continue;
				}
				list_add(&page->lru, &dm->chunks);
				WRITE_ONCE(dm->chunks_2m, dm->chunks_2m + 1);
				adjust_managed_page_count(page, -(long)DYNMEM_2M_PAGES);
				full = dynmem_out_add(dm, dm->out,
						      page_to_pfn(page),
						      DYNMEM_2M_PAGES);
				done += DYNMEM_2M_PAGES;
				n += DYNMEM_2M_PAGES;
				continue;
			}
			page = balloon_page_alloc();
			if (!page) {
				dm->cnt.alloc_failed++;
				stop = true;
				break;
			}
			balloon_page_enqueue(&dm->bdi, page);
			WRITE_ONCE(dm->pages_4k, dm->pages_4k + 1);
			adjust_managed_page_count(page, -1);
			full = dynmem_out_add(dm, dm->out, page_to_pfn(page), 1);
			done++;
			n++;
		}
		dm->inflating = false;
		dm->cnt.inflated += n;
		if (full) {
			/* pipelined: the host reads while we go on */
			mutex_unlock(&dm->lock);
			dynmem_out_flush(dm, dm->out, 0, true);
			mutex_lock(&dm->lock);
		} else {
			mutex_unlock(&dm->lock);
			cond_resched();
			mutex_lock(&dm->lock);
		}
	}
	if (done < pages)
		flags |= DYNMEM_F_PARTIAL;
	mutex_unlock(&dm->lock);
	dynmem_out_flush(dm, dm->out, flags, true);
	dynmem_report_soon(dm);
	return done < pages ? -ENOMEM : 0;
}

/*
 * Free up to @pages from the balloon (lock held) into packet @o; 2 MiB
 * blocks first. Returns the pages freed. A full packet is sent, sleeping
 * for ring space when @wait allows (the lock is dropped meanwhile), else
 * dropped when the ring is full.
 */
static u64 dynmem_free_locked(struct dynmem *dm, struct dynmem_ranges *o,
			      u64 pages, bool wait)
{
	u16 type = le16_to_cpu(o->hdr.type);
	u64 req_id = le64_to_cpu(o->req_id);
	struct page *page;
	u64 done = 0;
	bool full;

	while (done < pages) {
		page = NULL;
		if (pages - done >= DYNMEM_2M_PAGES || !dm->pages_4k)
			page = list_first_entry_or_null(&dm->chunks, struct page,
							lru);
		if (page) {
			list_del(&page->lru);
			WRITE_ONCE(dm->chunks_2m, dm->chunks_2m - 1);
			adjust_managed_page_count(page, DYNMEM_2M_PAGES);
			full = dynmem_out_add(dm, o, page_to_pfn(page),
					      DYNMEM_2M_PAGES);
			__free_pages(page, DYNMEM_2M_ORDER);
			done += DYNMEM_2M_PAGES;
		} else {
			/* the core BUG()s on a dequeue from an empty balloon */
			if (!dm->pages_4k)
				break;
			page = balloon_page_dequeue(&dm->bdi);
			if (!page)	/* all isolated by compaction now */
				break;
			WRITE_ONCE(dm->pages_4k, dm->pages_4k - 1);
			adjust_managed_page_count(page, 1);
			full = dynmem_out_add(dm, o, page_to_pfn(page), 1);
			put_page(page);
			done++;
		}
		if (full) {
			if (wait)
				mutex_unlock(&dm->lock);
			dynmem_out_flush(dm, o, 0, wait);
			if (wait)
				mutex_lock(&dm->lock);
			dynmem_out_reset(o, type, req_id);
		}
	}
	return done;
}

int dynmem_deflate(struct dynmem *dm, u64 req_id, u64 pages, u16 type)
{
	u16 flags = DYNMEM_F_LAST;
	u64 done;

	mutex_lock(&dm->lock);
	dynmem_out_reset(dm->out, type, req_id);
	done = dynmem_free_locked(dm, dm->out, pages, true);
	if (type == DYNMEM_MSG_DEFLATE_RESP)
		dm->cnt.deflated += done;
	else
		dm->cnt.released += done;
	mutex_unlock(&dm->lock);
	if (done < pages)
		flags |= DYNMEM_F_PARTIAL;
	dynmem_out_flush(dm, dm->out, flags, true);
	dynmem_report_soon(dm);
	return 0;
}

/* Unload or unbind: every page goes back, nothing is sent. */
void dynmem_release_all(struct dynmem *dm)
{
	mutex_lock(&dm->lock);
	dm->closing = true;	/* nothing is sent any more */
	dynmem_out_reset(dm->out_rel, DYNMEM_MSG_RELEASED, 0);
	dm->cnt.released += dynmem_free_locked(dm, dm->out_rel, U64_MAX,
					       false);
	mutex_unlock(&dm->lock);
}

/* Memory is short: give back at once, tell the host, hold inflation off. */
static u64 dynmem_emergency(struct dynmem *dm, u64 pages)
{
	u64 done;

	WRITE_ONCE(dm->released_at, jiffies ?: 1);
	dynmem_out_reset(dm->out_rel, DYNMEM_MSG_RELEASED, 0);
	done = dynmem_free_locked(dm, dm->out_rel, pages, false);
	dm->cnt.released += done;
	if (le32_to_cpu(dm->out_rel->nr_ranges))
		dynmem_out_flush(dm, dm->out_rel, DYNMEM_F_LAST, false);
	return done;
}

static int dynmem_oom_notify(struct notifier_block *nb, unsigned long dummy,
			     void *parm)
{
	struct dynmem *dm = container_of(nb, struct dynmem, oom_nb);
	unsigned long *freed = parm;
	u64 done;

	mutex_lock(&dm->lock);
	done = dynmem_emergency(dm, dynmem_oom_pages);
	if (done)
		dm->cnt.oom_deflates++;
	mutex_unlock(&dm->lock);
	*freed += done;
	dynmem_report_soon(dm);
	return NOTIFY_OK;
}

/*
 * The shrinker only offers the balloon when the guest is short of memory
 * (MemAvailable under twice the inflate floor), never while inflating.
 */
static unsigned long dynmem_shrink_count(struct shrinker *s,
					 struct shrink_control *sc)
{
	struct dynmem *dm = container_of(s, struct dynmem, shrinker);
	unsigned long floor = max(totalram_pages() / 10, 32768UL);

	dynmem_report_soon(dm);		/* reclaim is news for the host */
	if (!READ_ONCE(dynmem_shrink) || READ_ONCE(dm->inflating) ||
	    si_mem_available() >= floor)
		return 0;
	return dynmem_balloon_pages(dm);
}

static unsigned long dynmem_shrink_scan(struct shrinker *s,
					struct shrink_control *sc)
{
	struct dynmem *dm = container_of(s, struct dynmem, shrinker);
	u64 done;

	if (READ_ONCE(dm->inflating) || !mutex_trylock(&dm->lock))
		return SHRINK_STOP;
	done = dynmem_emergency(dm, max_t(u64, sc->nr_to_scan,
					  DYNMEM_2M_PAGES));
	mutex_unlock(&dm->lock);
	return done ? done : SHRINK_STOP;
}

/* Compaction moves a 4 KiB balloon page: the balloon keeps @newpage. */
static int dynmem_migratepage(struct balloon_dev_info *bdi,
			      struct page *newpage, struct page *page,
			      enum migrate_mode mode)
{
	struct dynmem *dm = container_of(bdi, struct dynmem, bdi);
	unsigned long flags;

	/* inflate may be compacting right now: let the core retry */
	if (!mutex_trylock(&dm->lock))
		return -EAGAIN;
	get_page(newpage);	/* the balloon's reference */
	if (page_zone(page) != page_zone(newpage)) {
		adjust_managed_page_count(page, 1);
		adjust_managed_page_count(newpage, -1);
	}
	spin_lock_irqsave(&bdi->pages_lock, flags);
	balloon_page_insert(bdi, newpage);
	bdi->isolated_pages--;
	__count_vm_event(BALLOON_MIGRATE);
	spin_unlock_irqrestore(&bdi->pages_lock, flags);
	dm->cnt.migrated++;
	mutex_unlock(&dm->lock);
	balloon_page_finalize(page);
	put_page(page);		/* the old page's balloon reference */
	return MIGRATEPAGE_SUCCESS;
}

int dynmem_pages_init(struct dynmem *dm)
{
	int err;

	balloon_devinfo_init(&dm->bdi);
	dm->bdi.migratepage = dynmem_migratepage;
	INIT_LIST_HEAD(&dm->chunks);
	dm->oom_nb.notifier_call = dynmem_oom_notify;
	dm->oom_nb.priority = 80;
	err = register_oom_notifier(&dm->oom_nb);
	if (err)
		return err;
	dm->shrinker.count_objects = dynmem_shrink_count;
	dm->shrinker.scan_objects = dynmem_shrink_scan;
	dm->shrinker.seeks = DEFAULT_SEEKS;
	err = register_shrinker(&dm->shrinker, "dynmem-%s",
				dev_name(&dm->sdev->dev));
	if (err)
		unregister_oom_notifier(&dm->oom_nb);
	return err;
}

void dynmem_pages_exit(struct dynmem *dm)
{
	unregister_shrinker(&dm->shrinker);
	unregister_oom_notifier(&dm->oom_nb);
	dynmem_release_all(dm);
}
