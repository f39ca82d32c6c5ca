// SPDX-License-Identifier: GPL-2.0
/*
 * Joining and leaving a volume; reading and writing its superblock and
 * disk table on the shared LUN.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/file.h>
#include <linux/fs.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "csv.h"

LIST_HEAD(csv_vols);
DECLARE_RWSEM(csv_vols_sem);
/* One join at a time; it may wait long for a coordinator, so apart. */
static DEFINE_MUTEX(csv_join_lock);

/* Called with csv_vols_sem held. */
struct csv_vol *csv_vol_find(const char *name)
{
	struct csv_vol *vol;

	list_for_each_entry(vol, &csv_vols, node)
		if (!name[0] || !strcmp(vol->name, name))
			return vol;
	return NULL;
}

u32 csv_vol_nodeid(struct csv_vol *vol)
{
	u32 id;

	spin_lock(&vol->slock);
	id = vol->nodeid;
	spin_unlock(&vol->slock);
	return id;
}

/* Synchronous I/O on the LUN, around the page cache of every node. */
static int csv_lun_rw(struct block_device *bdev, blk_opf_t opf, u64 off,
		      void *buf, u32 len)
{
	struct bio *bio;
	int ret;

	bio = bio_alloc(bdev, 1, opf, GFP_KERNEL);
	bio->bi_iter.bi_sector = off >> SECTOR_SHIFT;
	if (bio_add_page(bio, virt_to_page(buf), len, offset_in_page(buf)) !=
	    len) {
		bio_put(bio);
		return -EIO;
	}
	ret = submit_bio_wait(bio);
	bio_put(bio);
	return ret;
}

static u32 csv_tbl_io_len(const struct csv_vol *vol)
{
	return round_up(le32_to_cpu(vol->sb.tbl_bytes), 4096);
}

/*
 * Read both table copies and keep, in t, the valid one of the higher
 * generation; t is left alone when neither is valid (-EUCLEAN) or a read
 * fails. vol->work.buf serves as the second buffer.
 */
int csv_tbl_load(struct csv_vol *vol, struct csv_table *t, int *slot,
		 bool quiet)
{
	u32 len = csv_tbl_io_len(vol);
	const char *why[2] = { "", "" };
	u64 gen[2] = { 0, 0 };
	int ok[2] = { 0, 0 };
	void *b[2];
	int i, best, ret = 0;

	b[0] = kmalloc(len, GFP_KERNEL);
	if (!b[0])
		return -ENOMEM;
	b[1] = vol->work.buf;
	for (i = 0; i < 2 && !ret; i++) {
		struct csv_table c = *t;

		c.buf = b[i];
		ret = csv_lun_rw(vol->lun, REQ_OP_READ | REQ_SYNC,
				 le64_to_cpu(vol->sb.tbl_offset[i]), b[i], len);
		ok[i] = !ret && !csv_tbl_check(&c, &vol->sb, &why[i]);
		if (ok[i])
			gen[i] = le64_to_cpu(csv_tbl_hdr(&c)->generation);
	}
	if (ret)
		goto out;
	if (!ok[0] && !ok[1]) {
		if (!quiet)
			csv_warn(vol, "no valid disk table: %s; %s\n", why[0],
				 why[1]);
		ret = -EUCLEAN;
		goto out;
	}
	best = ok[1] && (!ok[0] || gen[1] > gen[0]);
	memcpy(t->buf, b[best], len);
	*slot = best;
out:
	kfree(b[0]);
	return ret;
}

/* The table's forced redirection, for csv_path_redirected(). */
static void csv_tbl_flags_apply(struct csv_vol *vol)
{
	if (le16_to_cpu(csv_tbl_hdr(&vol->tbl)->flags) & CSV_TBL_REDIRECTED)
		set_bit(CSV_S_REDIRECT_VOLUME, &vol->state);
	else
		clear_bit(CSV_S_REDIRECT_VOLUME, &vol->state);
}

/* A member's view: reread the table the coordinator may have changed. */
int csv_tbl_reload(struct csv_vol *vol)
{
	int ret = 0, slot;

	mutex_lock(&vol->meta_lock);
	if (!vol->coordinator) {
		ret = csv_tbl_load(vol, &vol->tbl, &slot, false);
		if (!ret) {
			vol->tbl_slot = slot;
			vol->tbl_gen = le64_to_cpu(csv_tbl_hdr(&vol->tbl)->generation);
			csv_tbl_flags_apply(vol);
		} else if (ret != -EUCLEAN && ret != -ENOMEM) {
			/*
			 * Our path failed: keep what we had, until the probe
			 * finds the path again and refreshes (path.c).
			 */
			csv_path_failed(vol, BLK_STS_IOERR);
			csv_warn(vol, "disk table read failed (%d): using generation %llu\n",
				 ret, vol->tbl_gen);
			ret = 0;
		}
	}
	mutex_unlock(&vol->meta_lock);
	return ret;
}

/* ... and let the open disks follow (a resize). */
int csv_tbl_refresh(struct csv_vol *vol)
{
	int ret = csv_tbl_reload(vol);

	if (!ret)
		csv_disks_refresh(vol);
	return ret;
}

/*
 * Write vol->work, already sealed with a higher generation, into the copy
 * that does not hold the current table, flushed through to the medium;
 * then it becomes the current table. Called with meta_lock held.
 */
int csv_tbl_store(struct csv_vol *vol)
{
	int other = !vol->tbl_slot;
	void *tmp;
	int ret;

	ret = csv_lun_rw(vol->lun, REQ_OP_WRITE | REQ_SYNC | REQ_PREFLUSH |
			 REQ_FUA, le64_to_cpu(vol->sb.tbl_offset[other]),
			 vol->work.buf, csv_tbl_io_len(vol));
	if (ret) {
		csv_warn(vol, "disk table write failed: %d\n", ret);
		return ret;
	}
	tmp = vol->tbl.buf;
	vol->tbl.buf = vol->work.buf;
	vol->work.buf = tmp;
	memcpy(vol->work.buf, vol->tbl.buf, csv_tbl_io_len(vol));
	vol->tbl_slot = other;
	vol->tbl_gen = le64_to_cpu(csv_tbl_hdr(&vol->tbl)->generation);
	csv_tbl_flags_apply(vol);
	return 0;
}

static int csv_read_sb(struct csv_vol *vol)
{
	const char *why = "";
	void *buf;
	int ret;

	buf = kmalloc(CSV_SB_BYTES, GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	ret = csv_lun_rw(vol->lun, REQ_OP_READ | REQ_SYNC, CSV_SB_OFFSET, buf,
			 CSV_SB_BYTES);
	if (ret) {
		pr_warn_ratelimited("%pg: superblock read failed: %d\n",
				    vol->lun, ret);
		goto out;
	}
	memcpy(&vol->sb, buf, sizeof(vol->sb));
	ret = csv_sb_check(&vol->sb, vol->lun_bytes, &why);
	/* A member writes (its node slot at least): no read-only join. */
	if (!ret && le32_to_cpu(vol->sb.feat_ro_compat) & ~CSV_FEAT_RO_COMPAT_SUPP) {
		why = "unknown read-only compatible feature";
		ret = -EOPNOTSUPP;
	}
	if (ret)
		pr_warn_ratelimited("%pg: refusing to join: %s\n", vol->lun,
				    why);
out:
	kfree(buf);
	return ret;
}

static void csv_vol_free(struct csv_vol *vol)
{
	csv_path_exit(vol);
	if (vol->io_wq)
		destroy_workqueue(vol->io_wq);
	kfree(vol->tbl.buf);
	kfree(vol->work.buf);
	kfree(vol->tbl.scratch);
	if (vol->wq)
		destroy_workqueue(vol->wq);
	if (vol->lun_file)
		fput(vol->lun_file);
	kfree(vol);
}

static int csv_vol_alloc_tables(struct csv_vol *vol)
{
	u32 len = csv_tbl_io_len(vol);

	vol->tbl.buf = kzalloc(len, GFP_KERNEL);
	vol->work.buf = kzalloc(len, GFP_KERNEL);
	vol->tbl.scratch = kmalloc(CSV_SCRATCH_BYTES, GFP_KERNEL);
	if (!vol->tbl.buf || !vol->work.buf || !vol->tbl.scratch)
		return -ENOMEM;
	csv_tbl_bind(&vol->tbl, &vol->sb, vol->tbl.buf, vol->tbl.scratch);
	csv_tbl_bind(&vol->work, &vol->sb, vol->work.buf, vol->tbl.scratch);
	return 0;
}

static int csv_join_check(struct csv_join *j)
{
	if (j->flags || j->nodeid || memchr_inv(j->volume, 0, sizeof(j->volume)))
		return -EINVAL;
	if (j->family != CSV_AF_INET && j->family != CSV_AF_INET6)
		return -EAFNOSUPPORT;
	if (!j->port || j->timeout_ms > CSV_JOIN_TIMEOUT_MAX)
		return -EINVAL;
	if (j->family == CSV_AF_INET && memchr_inv(j->addr + 4, 0, 12))
		return -EINVAL;
	return 0;
}

static bool csv_has_coordinator(struct csv_vol *vol)
{
	struct csv_lvb k;

	csv_known(vol, &k);
	return k.nodeid != 0;
}

/* Wait until some node, maybe this one, is the coordinator. */
static int csv_wait_coordinator(struct csv_vol *vol, u32 timeout_ms)
{
	long left = msecs_to_jiffies(timeout_ms ? timeout_ms : 30000);

	left = wait_event_interruptible_timeout(vol->wait, csv_has_coordinator(vol),
						left);
	if (left < 0)
		return left;
	return left ? 0 : -ETIMEDOUT;
}

static struct csv_vol *csv_vol_new(struct file *f)
{
	struct csv_vol *vol;

	vol = kzalloc(sizeof(*vol), GFP_KERNEL);
	if (!vol)
		return NULL;
	vol->lun_file = f;
	vol->lun = I_BDEV(f->f_mapping->host);
	vol->lun_bytes = bdev_nr_bytes(vol->lun);
	mutex_init(&vol->meta_lock);
	mutex_init(&vol->disks_lock);
	INIT_LIST_HEAD(&vol->disks);
	spin_lock_init(&vol->slock);
	init_waitqueue_head(&vol->wait);
	spin_lock_init(&vol->rlock);
	bio_list_init(&vol->rbios);
	INIT_LIST_HEAD(&vol->rqueue);
	INIT_LIST_HEAD(&vol->rsent);
	INIT_LIST_HEAD(&vol->io_conns);
	mutex_init(&vol->io_lock);
	mutex_init(&vol->req_lock);
	init_waitqueue_head(&vol->rwait);
	csv_path_init(vol);
	vol->coord.mode = -1;
	vol->info.mode = -1;
	return vol;
}

int csv_join(struct csv_join *j)
{
	struct csv_vol *vol;
	struct csv_msg m;
	struct file *f;
	int ret, slot;

	ret = csv_join_check(j);
	if (ret)
		return ret;
	f = fget(j->lun_fd);
	if (!f)
		return -EBADF;
	if (!S_ISBLK(file_inode(f)->i_mode) || !(f->f_mode & FMODE_WRITE)) {
		fput(f);
		return -EINVAL;
	}
	vol = csv_vol_new(f);
	if (!vol) {
		fput(f);
		return -ENOMEM;
	}
	ret = csv_read_sb(vol);
	if (ret)
		goto free;
	strscpy(vol->name, vol->sb.name, sizeof(vol->name));
	ret = csv_vol_alloc_tables(vol);
	if (ret)
		goto free;
	ret = csv_tbl_load(vol, &vol->tbl, &slot, false);
	if (ret)
		goto free;
	vol->tbl_slot = slot;
	vol->tbl_gen = le64_to_cpu(csv_tbl_hdr(&vol->tbl)->generation);
	csv_tbl_flags_apply(vol);
	memcpy(vol->work.buf, vol->tbl.buf, csv_tbl_io_len(vol));
	vol->port = j->port;
	vol->family = j->family;
	memcpy(vol->addr, j->addr, sizeof(vol->addr));
	vol->wq = alloc_ordered_workqueue("csv-%s", WQ_MEM_RECLAIM, vol->name);
	vol->io_wq = alloc_workqueue("csv-io-%s", WQ_UNBOUND | WQ_MEM_RECLAIM,
				     0, vol->name);
	if (!vol->wq || !vol->io_wq) {
		ret = -ENOMEM;
		goto free;
	}

	ret = mutex_lock_interruptible(&csv_join_lock);
	if (ret)
		goto free;
	down_read(&csv_vols_sem);
	ret = csv_vol_find(vol->name) ? -EEXIST : 0;
	up_read(&csv_vols_sem);
	if (ret)
		goto unlock;
	ret = csv_redirect_start(vol);
	if (ret)
		goto unlock;
	ret = csv_rpc_start(vol);
	if (ret)
		goto stop_redirect;
	ret = csv_dlm_join(vol);
	if (ret)
		goto stop_rpc;
	ret = csv_wait_coordinator(vol, j->timeout_ms);
	if (ret) {
		csv_warn(vol, "no coordinator after %u ms\n", j->timeout_ms);
		goto leave_dlm;
	}
	memset(&m, 0, sizeof(m));
	m.op = cpu_to_le16(CSV_OP_JOIN);
	ret = csv_request(vol, &m);
	if (ret)
		goto leave_dlm;
	ret = csv_vol_sysfs_add(vol);
	if (ret)
		goto leave_dlm;
	down_write(&csv_vols_sem);
	list_add_tail(&vol->node, &csv_vols);
	up_write(&csv_vols_sem);
	mutex_unlock(&csv_join_lock);
	j->nodeid = csv_vol_nodeid(vol);
	strscpy(j->volume, vol->name, sizeof(j->volume));
	pr_info("%s: joined from %pg as node %u (%s)\n", vol->name, vol->lun,
		j->nodeid, vol->coordinator ? "coordinator" : "member");
	return 0;

leave_dlm:
	vol->leaving = true;
	csv_rpc_stop(vol);
	csv_dlm_leave(vol);
	csv_redirect_stop(vol);
	goto unlock;
stop_rpc:
	csv_rpc_stop(vol);
stop_redirect:
	csv_redirect_stop(vol);
unlock:
	mutex_unlock(&csv_join_lock);
free:
	csv_vol_free(vol);
	return ret;
}

/* Called with csv_vols_sem held for writing. */
int csv_leave(struct csv_vol *vol)
{
	struct csv_msg m;
	int ret;

	mutex_lock(&vol->disks_lock);
	ret = vol->open_disks ? -EBUSY : 0;
	mutex_unlock(&vol->disks_lock);
	if (ret)
		return ret;
	/* Give up our node slot; a coordinator that is gone cannot object. */
	memset(&m, 0, sizeof(m));
	m.op = cpu_to_le16(CSV_OP_LEAVE);
	ret = csv_request(vol, &m);
	if (ret)
		csv_warn(vol, "leave request failed: %d\n", ret);
	list_del(&vol->node);
	csv_vol_sysfs_del(vol);
	/* The server may wait on a lock: stop it while the DLM answers. */
	vol->leaving = true;
	csv_rpc_stop(vol);
	csv_dlm_leave(vol);
	csv_redirect_stop(vol);
	pr_info("%s: left\n", vol->name);
	csv_vol_free(vol);
	return 0;
}
