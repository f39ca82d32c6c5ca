// SPDX-License-Identifier: GPL-2.0
/*
 * A virtual disk open on this node: a bio-based block device /dev/csvN
 * whose bios are remapped onto the shared LUN, extent by extent, and sent
 * straight down as clones (direct I/O: no copy, no second page cache), or,
 * when this node's path failed or redirection is forced, through the
 * coordinator (redirect.c). A clone that fails at the LUN is not failed
 * up: its bio goes through the coordinator too. Opening takes
 * disk:<id> in EX (PR for read-only) without waiting, so a disk has one
 * writer in the cluster, or readers only.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/idr.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "csv.h"

static int csv_major;
static DEFINE_IDA(csv_index_ida);

/* Where sector s of the disk lives on the LUN, and how far that goes. */
static bool csv_map_find(struct csv_disk *d, sector_t s, sector_t *lun,
			 sector_t *room)
{
	struct csv_map *m;
	bool found = false;
	u32 i;

	rcu_read_lock();
	m = rcu_dereference(d->map);
	for (i = 0; i < m->n; i++) {
		const struct csv_map_ext *e = &m->ext[i];

		if (s >= e->lba && s - e->lba < e->sectors) {
			*lun = e->lun + (s - e->lba);
			*room = e->sectors - (s - e->lba);
			found = true;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* RCU: close may free d once the count is 0 (see csv_disk_close). */
void csv_disk_put(struct csv_disk *d)
{
	rcu_read_lock();
	if (atomic_dec_and_test(&d->inflight))
		wake_up_all(&d->idle);
	rcu_read_unlock();
}

/* The LUN is done with a clone: pass the answer on, or try elsewhere. */
static void csv_direct_endio(struct bio *clone)
{
	struct bio *bio = clone->bi_private;
	struct csv_disk *d = csv_bio_disk(bio);
	struct csv_vol *vol = d->vol;
	blk_status_t st = clone->bi_status;

	bio_put(clone);
	if (atomic_dec_and_test(&vol->direct_inflight))
		wake_up_all(&vol->rwait);
	/*
	 * A path error (not a bad request of the caller's): the coordinator
	 * does it on its path. A coordinator steps down for one with a path
	 * and its bios wait for that one, unless it is alone.
	 */
	if (csv_path_error(st) && csv_can_redirect(vol)) {
		csv_path_failed(vol, st);
		csv_redirect_bio(d, bio, true);
		return;
	}
	bio->bi_status = st;
	bio_endio(bio);
	csv_disk_put(d);
}

/* Piece bio of d, mapped to lun sector (flush: any), to the LUN. */
static void csv_direct(struct csv_disk *d, struct bio *bio, sector_t lun)
{
	struct csv_vol *vol = d->vol;
	struct bio *clone;

	atomic_inc(&vol->direct_inflight);
	/* Pairs with csv_fence(): it sees our count, or we see the fence. */
	smp_mb__after_atomic();
	if (test_bit(CSV_S_FENCED, &vol->state) && csv_hold_bio(vol, bio)) {
		/* Held, it keeps its count of d->inflight. */
		if (atomic_dec_and_test(&vol->direct_inflight))
			wake_up_all(&vol->rwait);
		return;
	}
	clone = bio_alloc_clone(vol->lun, bio, GFP_NOIO, &d->cbs);
	clone->bi_iter.bi_sector = lun;
	clone->bi_private = bio;
	clone->bi_end_io = csv_direct_endio;
	submit_bio_noacct(clone);
}

static void csv_submit_bio(struct bio *bio)
{
	struct csv_disk *d = csv_bio_disk(bio);
	bool redirect = csv_path_redirected(d->vol);
	sector_t lun = 0, room;
	struct bio *split;

	atomic64_inc(&d->bios);
	if (!bio_sectors(bio)) {
		if (!op_is_flush(bio->bi_opf)) {
			bio_endio(bio);
			return;
		}
		/* A flush: it goes to the whole LUN. */
		atomic_inc(&d->inflight);
		if (redirect)
			csv_redirect_bio(d, bio, false);
		else
			csv_direct(d, bio, 0);
		return;
	}
	/* 6.1 only warns on writes to a read-only disk; readers share it. */
	if (d->read_only && op_is_write(bio_op(bio))) {
		bio_io_error(bio);
		return;
	}
	if (bio_op(bio) != REQ_OP_READ && bio_op(bio) != REQ_OP_WRITE) {
		bio->bi_status = BLK_STS_NOTSUPP;
		bio_endio(bio);
		return;
	}
	if (!csv_map_find(d, bio->bi_iter.bi_sector, &lun, &room)) {
		bio_io_error(bio);
		return;
	}
	/*
	 * A redirected request carries at most CSV_IO_MAX: so does every
	 * piece, since a direct one that fails is redirected.
	 */
	room = min_t(sector_t, room, CSV_IO_MAX >> SECTOR_SHIFT);
	if (bio_sectors(bio) > room) {
		/* The rest comes back through here, after this part. */
		split = bio_split(bio, room, GFP_NOIO, &d->bs);
		bio_chain(split, bio);
		submit_bio_noacct(bio);
		bio = split;
	}
	if (op_is_write(bio_op(bio)))
		atomic64_add(bio_sectors(bio), &d->sectors_written);
	else
		atomic64_add(bio_sectors(bio), &d->sectors_read);
	atomic_inc(&d->inflight);
	if (redirect)
		csv_redirect_bio(d, bio, false);
	else
		csv_direct(d, bio, lun);
}

static int csv_bdev_open(struct block_device *bdev, fmode_t mode)
{
	struct csv_disk *d = bdev->bd_disk->private_data;

	/* Called with bd_disk->open_mutex held. */
	if (d->closing)
		return -ENXIO;
	if (d->read_only && (mode & FMODE_WRITE))
		return -EROFS;
	d->openers++;
	return 0;
}

static void csv_bdev_release(struct gendisk *gd, fmode_t mode)
{
	struct csv_disk *d = gd->private_data;

	d->openers--;
}

static void csv_free_disk(struct gendisk *gd)
{
	struct csv_disk *d = gd->private_data;

	bioset_exit(&d->cbs);
	bioset_exit(&d->bs);
	kfree(rcu_dereference_protected(d->map, 1));
	ida_free(&csv_index_ida, d->index);
	kfree(d);
}

static const struct block_device_operations csv_fops = {
	.owner = THIS_MODULE,
	.submit_bio = csv_submit_bio,
	.open = csv_bdev_open,
	.release = csv_bdev_release,
	.free_disk = csv_free_disk,
};

/* Called with disks_lock held. */
struct csv_disk *csv_disk_find(struct csv_vol *vol, const char *name)
{
	struct csv_disk *d;

	list_for_each_entry(d, &vol->disks, node)
		if (!strcmp(d->name, name))
			return d;
	return NULL;
}

/* The map of disk id in table t (under meta_lock), or NULL. */
static struct csv_map *csv_map_build(struct csv_table *t, u64 id)
{
	struct csv_map *m;
	int idx;

	idx = csv_tbl_find_id(t, id);
	if (idx < 0)
		return NULL;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return NULL;
	m->n = csv_disk_map(t, idx, m->ext, CSV_MAX_EXTENTS, &m->sectors);
	return m;
}

/* The table changed: open disks take their new size (a resize). */
void csv_disks_refresh(struct csv_vol *vol)
{
	struct csv_map *m, *old;
	struct csv_disk *d;

	mutex_lock(&vol->disks_lock);
	list_for_each_entry(d, &vol->disks, node) {
		mutex_lock(&vol->meta_lock);
		m = csv_map_build(&vol->tbl, d->id);
		mutex_unlock(&vol->meta_lock);
		if (!m)
			continue;
		old = rcu_dereference_protected(d->map,
						lockdep_is_held(&vol->disks_lock));
		if (old->sectors == m->sectors && old->n == m->n &&
		    !memcmp(old->ext, m->ext, sizeof(m->ext))) {
			kfree(m);
			continue;
		}
		rcu_assign_pointer(d->map, m);
		kfree_rcu(old, rcu);
		if (get_capacity(d->gd) != m->sectors) {
			pr_info("%s/%s: size now %llu sectors\n", vol->name,
				d->name, m->sectors);
			set_capacity_and_notify(d->gd, m->sectors);
		}
	}
	mutex_unlock(&vol->disks_lock);
}

static int csv_disk_add(struct csv_vol *vol, struct csv_disk *d)
{
	struct request_queue *lq = bdev_get_queue(vol->lun);
	struct gendisk *gd;
	int ret;

	gd = blk_alloc_disk(NUMA_NO_NODE);
	if (!gd)
		return -ENOMEM;
	d->gd = gd;
	gd->major = csv_major;
	gd->first_minor = d->index;
	gd->minors = 1;
	gd->fops = &csv_fops;
	gd->private_data = d;
	gd->flags |= GENHD_FL_NO_PART;
	snprintf(gd->disk_name, sizeof(gd->disk_name), "csv%d", d->index);
	blk_queue_logical_block_size(gd->queue, bdev_logical_block_size(vol->lun));
	blk_queue_physical_block_size(gd->queue,
				      bdev_physical_block_size(vol->lun));
	blk_queue_max_hw_sectors(gd->queue, queue_max_hw_sectors(lq));
	blk_queue_write_cache(gd->queue, true, true);
	set_capacity(gd, rcu_dereference_protected(d->map, 1)->sectors);
	set_disk_ro(gd, d->read_only);
	ret = device_add_disk(NULL, gd, csv_disk_groups);
	if (ret) {
		/* free_disk is not called for a disk never added. */
		gd->private_data = NULL;
		put_disk(gd);
		d->gd = NULL;
	}
	return ret;
}

int csv_disk_open(struct csv_vol *vol, struct csv_disk_req *r)
{
	struct csv_disk *d;
	struct csv_map *m;
	int ret, idx;

	ret = csv_tbl_reload(vol);
	if (ret)
		return ret;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return -ENOMEM;
	d->vol = vol;
	d->read_only = r->flags & CSV_OPEN_READ_ONLY;
	init_waitqueue_head(&d->idle);
	strscpy(d->name, r->disk, sizeof(d->name));
	mutex_lock(&vol->disks_lock);
	if (csv_disk_find(vol, r->disk)) {
		ret = -EBUSY;
		goto unlock;
	}
	mutex_lock(&vol->meta_lock);
	idx = csv_tbl_find(&vol->tbl, r->disk);
	if (idx >= 0)
		d->id = le64_to_cpu(csv_tbl_disk(&vol->tbl, idx)->id);
	mutex_unlock(&vol->meta_lock);
	if (idx < 0) {
		ret = idx;
		goto unlock;
	}
	ret = csv_lock_disk(vol, &d->lock, d->id,
			    d->read_only ? DLM_LOCK_PR : DLM_LOCK_EX);
	if (ret)
		goto unlock;
	/* Its last writer may have failed: it must have stopped first. */
	if (!d->read_only)
		csv_wait_fence_grace(vol);
	/* Deleted or resized before we got the lock? Read it again. */
	ret = csv_tbl_reload(vol);
	mutex_lock(&vol->meta_lock);
	/* ... or renamed: the name must still be this disk's. */
	idx = ret ? -1 : csv_tbl_find(&vol->tbl, r->disk);
	m = idx < 0 || le64_to_cpu(csv_tbl_disk(&vol->tbl, idx)->id) != d->id ?
	    NULL : csv_map_build(&vol->tbl, d->id);
	mutex_unlock(&vol->meta_lock);
	if (!m) {
		ret = ret ? ret : -ENOENT;
		goto unlock_dlm;
	}
	RCU_INIT_POINTER(d->map, m);
	ret = bioset_init(&d->bs, 4, 0, BIOSET_NEED_BVECS);
	if (ret)
		goto free_map;
	ret = bioset_init(&d->cbs, 64, 0, 0);
	if (ret)
		goto free_bs;
	ret = ida_alloc_range(&csv_index_ida, 0, MINORMASK, GFP_KERNEL);
	if (ret < 0)
		goto free_bs;
	d->index = ret;
	ret = csv_disk_add(vol, d);
	if (ret)
		goto free_ida;
	list_add_tail(&d->node, &vol->disks);
	vol->open_disks++;
	mutex_unlock(&vol->disks_lock);
	r->id = d->id;
	r->index = d->index;
	r->minor = d->index;
	pr_info("%s/%s: open %s as %s\n", vol->name, d->name,
		d->read_only ? "read-only" : "read-write", d->gd->disk_name);
	return 0;

free_ida:
	ida_free(&csv_index_ida, d->index);
free_bs:
	bioset_exit(&d->cbs);
	bioset_exit(&d->bs);
free_map:
	kfree(m);
unlock_dlm:
	csv_unlock_sync(vol, &d->lock);
unlock:
	mutex_unlock(&vol->disks_lock);
	kfree(d);
	return ret;
}

/* Flush, remove the device, release the lock: the disk is free to move. */
int csv_disk_close(struct csv_vol *vol, const char *name)
{
	struct csv_disk *d;
	struct gendisk *gd;
	int ret;

	mutex_lock(&vol->disks_lock);
	d = csv_disk_find(vol, name);
	if (!d) {
		mutex_unlock(&vol->disks_lock);
		return -ENXIO;
	}
	gd = d->gd;
	mutex_lock(&gd->open_mutex);
	if (d->openers) {
		mutex_unlock(&gd->open_mutex);
		mutex_unlock(&vol->disks_lock);
		return -EBUSY;
	}
	d->closing = true;
	mutex_unlock(&gd->open_mutex);
	list_del(&d->node);
	vol->open_disks--;
	mutex_unlock(&vol->disks_lock);

	ret = blkdev_issue_flush(vol->lun);
	if (ret)
		csv_warn(vol, "%s: flush before close failed: %d\n", name, ret);
	del_gendisk(gd);
	/* Bios still under way (redirected ones wait for a coordinator). */
	wait_event(d->idle, !atomic_read(&d->inflight));
	synchronize_rcu();	/* csv_disk_put() is done with d */
	csv_unlock_sync(vol, &d->lock);
	pr_info("%s/%s: closed\n", vol->name, name);
	put_disk(gd);
	return 0;
}

int csv_disk_init(void)
{
	csv_major = register_blkdev(0, "csv");
	return csv_major < 0 ? csv_major : 0;
}

void csv_disk_exit(void)
{
	unregister_blkdev(csv_major, "csv");
}
