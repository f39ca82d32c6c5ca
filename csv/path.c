// SPDX-License-Identifier: GPL-2.0
/*
 * This node's path to the shared LUN, forced redirection and fencing.
 *
 * A direct bio that fails at the LUN is not failed up: the path is marked
 * failed and the bio goes to the coordinator instead (redirect.c), as does
 * all I/O after it, until a probe read of the superblock succeeds again.
 *
 * Fencing: while the DLM recovers the lockspace (from recover_prep to
 * recover_done) we may be the cut-off side of a partition, so no bio goes
 * to the LUN: new ones are held, and recover_prep returns only when those
 * already at the LUN are done. A node that the others removed never sees
 * recover_done and stays fenced. The survivors wait fence_grace_ms after a
 * node failure before a disk opens for writing, which covers the time the
 * failed side takes to notice and stop.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/module.h>
#include "csv.h"

static unsigned int probe_ms = 1000;
module_param(probe_ms, uint, 0644);
MODULE_PARM_DESC(probe_ms, "how often a failed path to the LUN is tried again, in ms");

static unsigned int fence_grace_ms = 2000;
module_param(fence_grace_ms, uint, 0644);
MODULE_PARM_DESC(fence_grace_ms, "after a node failure, how long before its disks open elsewhere, in ms");

/* Longest recover_prep waits for our bios at the LUN. */
#define CSV_FENCE_DRAIN		(10 * HZ)

/* Does this node's I/O go through the coordinator? */
bool csv_path_redirected(struct csv_vol *vol)
{
	/* The coordinator does its own I/O: there is nobody to ask. */
	if (READ_ONCE(vol->coordinator))
		return false;
	return test_bit(CSV_S_PATH_FAILED, &vol->state) ||
	       test_bit(CSV_S_REDIRECT_NODE, &vol->state) ||
	       test_bit(CSV_S_REDIRECT_VOLUME, &vol->state);
}

/* A failure of the path, not an answer to a bad request of the caller's? */
bool csv_path_error(blk_status_t st)
{
	return st && st != BLK_STS_NOTSUPP && st != BLK_STS_NOSPC &&
	       st != BLK_STS_AGAIN;
}

/* From a bio's completion: the LUN failed us. */
void csv_path_failed(struct csv_vol *vol, blk_status_t why)
{
	if (!test_and_set_bit(CSV_S_PATH_FAILED, &vol->state)) {
		atomic64_inc(&vol->path_failures);
		csv_warn(vol, "path to the LUN failed (%d): I/O goes through the coordinator\n",
			 blk_status_to_errno(why));
	}
	mod_delayed_work(system_wq, &vol->probe_work,
			 msecs_to_jiffies(probe_ms));
	csv_coord_resign(vol);
}

/* May a bio that failed at the LUN wait for a coordinator with a path? */
bool csv_can_redirect(struct csv_vol *vol)
{
	if (vol->leaving)
		return false;
	if (!READ_ONCE(vol->coordinator))
		return true;
	/* We are it: only when another node can take over (dlm.c). */
	return READ_ONCE(vol->num_members) > 1;
}

/* Read the superblock; direct I/O again when it comes back. */
static void csv_probe_work(struct work_struct *work)
{
	struct csv_vol *vol = container_of(to_delayed_work(work),
					   struct csv_vol, probe_work);
	struct page *page;
	struct bio *bio;
	int ret = -ENOMEM;

	if (vol->leaving || !test_bit(CSV_S_PATH_FAILED, &vol->state))
		return;
	page = alloc_page(GFP_NOIO);
	bio = page ? bio_alloc(vol->lun, 1, REQ_OP_READ | REQ_SYNC |
			       REQ_FAILFAST_DEV, GFP_NOIO) : NULL;
	if (bio) {
		bio->bi_iter.bi_sector = 0;
		__bio_add_page(bio, page, PAGE_SIZE, 0);
		ret = submit_bio_wait(bio);
		bio_put(bio);
	}
	if (page)
		__free_page(page);
	if (!ret) {
		clear_bit(CSV_S_PATH_FAILED, &vol->state);
		atomic64_inc(&vol->path_restores);
		pr_info("%s: path to the LUN is back: direct I/O\n", vol->name);
		/* What the coordinator changed meanwhile. */
		csv_tbl_refresh(vol);
		return;
	}
	schedule_delayed_work(&vol->probe_work, msecs_to_jiffies(probe_ms));
}

/* Called with our count of bios at the LUN raised: may it go there? */
bool csv_hold_bio(struct csv_vol *vol, struct bio *bio)
{
	bool held = false;

	spin_lock(&vol->hold_lock);
	if (test_bit(CSV_S_FENCED, &vol->state)) {
		bio_list_add(&vol->held, bio);
		held = true;
	}
	spin_unlock(&vol->hold_lock);
	return held;
}

static void csv_unhold_work(struct work_struct *work)
{
	struct csv_vol *vol = container_of(work, struct csv_vol, unhold_work);
	struct bio_list l;
	struct bio *bio;

	spin_lock(&vol->hold_lock);
	l = vol->held;
	bio_list_init(&vol->held);
	spin_unlock(&vol->hold_lock);
	/* Back through csv_submit_bio, which looks at the state again. */
	while ((bio = bio_list_pop(&l))) {
		struct csv_disk *d = csv_bio_disk(bio);

		submit_bio_noacct(bio);
		csv_disk_put(d);	/* held, it kept the disk */
	}
}

/* recover_prep: stop our I/O to the LUN and wait for what is there. */
void csv_fence(struct csv_vol *vol)
{
	spin_lock(&vol->hold_lock);
	set_bit(CSV_S_FENCED, &vol->state);
	vol->lost_node = false;
	spin_unlock(&vol->hold_lock);
	/* Pairs with the barrier in csv_submit_bio after its count. */
	smp_mb__after_atomic();
	atomic64_inc(&vol->fences);
	if (!wait_event_timeout(vol->rwait,
				!atomic_read(&vol->direct_inflight),
				CSV_FENCE_DRAIN))
		csv_warn(vol, "fenced with %d bios still at the LUN\n",
			 atomic_read(&vol->direct_inflight));
	wake_up_all(&vol->rwait);
}

/* recover_done: we are a member; a failure first costs the grace. */
void csv_unfence(struct csv_vol *vol, bool lost_nodes)
{
	if (lost_nodes)
		WRITE_ONCE(vol->fence_until,
			   jiffies + msecs_to_jiffies(fence_grace_ms));
	spin_lock(&vol->hold_lock);
	clear_bit(CSV_S_FENCED, &vol->state);
	spin_unlock(&vol->hold_lock);
	queue_work(vol->wq, &vol->unhold_work);
	wake_up_all(&vol->rwait);
}

/* Before a writer opens a disk that a failed node may have written. */
void csv_wait_fence_grace(struct csv_vol *vol)
{
	long left = (long)(READ_ONCE(vol->fence_until) - jiffies);

	if (left > 0)
		schedule_timeout_uninterruptible(left);
}

void csv_path_init(struct csv_vol *vol)
{
	spin_lock_init(&vol->hold_lock);
	bio_list_init(&vol->held);
	INIT_WORK(&vol->unhold_work, csv_unhold_work);
	INIT_DELAYED_WORK(&vol->probe_work, csv_probe_work);
	vol->fence_until = jiffies;
}

void csv_path_exit(struct csv_vol *vol)
{
	struct bio *bio;

	cancel_delayed_work_sync(&vol->probe_work);
	cancel_work_sync(&vol->unhold_work);
	/* Leaving with disks closed: nothing should be held; fail it. */
	while ((bio = bio_list_pop(&vol->held))) {
		struct csv_disk *d = csv_bio_disk(bio);

		bio_io_error(bio);
		csv_disk_put(d);
	}
}
