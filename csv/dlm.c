// SPDX-License-Identifier: GPL-2.0
/*
 * Membership and the coordinator, on the kernel DLM.
 *
 * Every node queues an EX request on coord:<volume>; the DLM grants it to
 * one node at a time, which makes that node the coordinator until it
 * leaves or dies. The grant hands over the value block the last holder
 * wrote; the new coordinator takes an epoch above everything it can see
 * (that value, its copy from info:<volume>, the table's), writes it to the
 * table and publishes it.
 *
 * A value block only survives its holder's death when a surviving granted
 * lock carries a copy, and an EX waiter carries none: hence info:<volume>,
 * held in CR by every member (see csv.h).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "csv.h"

static char *cluster = "";
module_param(cluster, charp, 0444);
MODULE_PARM_DESC(cluster, "cluster name the lockspaces must belong to (empty: any)");

/*
 * The mode is recorded here, not after the wait: a blocking AST may come
 * in the same callback run as the grant, and must find the lock granted.
 */
static void csv_lock_ast(void *arg)
{
	struct csv_lock *l = arg;

	if (!l->lksb.sb_status)
		l->mode = l->want;
	complete(&l->done);
}

static int csv_lock_wait(struct csv_vol *vol, struct csv_lock *l,
			 const char *res, int mode, u32 flags,
			 void (*bast)(void *arg, int mode))
{
	int ret;

	init_completion(&l->done);
	l->want = mode;
	if (flags & DLM_LKF_VALBLK)
		l->lksb.sb_lvbptr = l->lvb;
	ret = dlm_lock(vol->ls, mode, &l->lksb, flags, res, strlen(res), 0,
		       csv_lock_ast, l, bast);
	if (ret)
		return ret;
	wait_for_completion(&l->done);
	return l->lksb.sb_status;
}

/* Request or convert a lock and wait for the answer; -EAGAIN on NOQUEUE. */
int csv_lock_sync(struct csv_vol *vol, struct csv_lock *l, const char *res,
		  int mode, u32 flags)
{
	return csv_lock_wait(vol, l, res, mode, flags, NULL);
}

int csv_unlock_sync(struct csv_vol *vol, struct csv_lock *l)
{
	int ret;

	if (l->mode < 0)
		return 0;
	init_completion(&l->done);
	ret = dlm_unlock(vol->ls, l->lksb.sb_lkid, 0, &l->lksb, l);
	if (ret)
		return ret;
	wait_for_completion(&l->done);
	l->mode = -1;
	return l->lksb.sb_status == -DLM_EUNLOCK ? 0 : l->lksb.sb_status;
}

/*
 * disk:<id> in mode, without waiting: an open (EX writer, PR readers) or
 * the coordinator's claim before it deletes, renames or shrinks a disk.
 * EBUSY when some node holds it in a conflicting mode.
 */
int csv_lock_disk(struct csv_vol *vol, struct csv_lock *l, u64 id, int mode)
{
	char res[32];
	int ret;

	snprintf(res, sizeof(res), "disk:%llu", id);
	l->mode = -1;
	ret = csv_lock_sync(vol, l, res, mode, DLM_LKF_NOQUEUE);
	return ret == -EAGAIN ? -EBUSY : ret;
}

void csv_known(struct csv_vol *vol, struct csv_lvb *out)
{
	spin_lock(&vol->slock);
	*out = vol->known;
	spin_unlock(&vol->slock);
}

bool csv_is_member(struct csv_vol *vol, u32 nodeid)
{
	bool found = false;
	u32 i;

	spin_lock(&vol->slock);
	for (i = 0; i < vol->num_members && !found; i++)
		found = vol->members[i] == nodeid;
	spin_unlock(&vol->slock);
	return found;
}

static bool csv_lvb_valid(const struct csv_lock *l)
{
	const struct csv_lvb *v = (const struct csv_lvb *)l->lvb;

	return !(l->lksb.sb_flags & DLM_SBF_VALNOTVALID) &&
	       le32_to_cpu(v->magic) == CSV_LVB_MAGIC;
}

/* What info:<volume> told us; wakes whoever waits for a coordinator. */
static void csv_info_seen(struct csv_vol *vol)
{
	const struct csv_lvb *v = (const struct csv_lvb *)vol->info.lvb;
	bool refresh = false;

	if (!csv_lvb_valid(&vol->info))
		return;
	spin_lock(&vol->slock);
	if (le64_to_cpu(v->epoch) >= le64_to_cpu(vol->known.epoch)) {
		refresh = v->generation != vol->known.generation;
		vol->known = *v;
	}
	spin_unlock(&vol->slock);
	wake_up_all(&vol->wait);
	if (refresh && !vol->coordinator)
		csv_tbl_refresh(vol);
}

static void csv_info_bast(void *arg, int mode)
{
	struct csv_vol *vol = container_of(arg, struct csv_vol, info);

	/* Only a coordinator's EX conflicts with our CR. */
	if (mode >= DLM_LOCK_PW && !vol->leaving)
		queue_work(vol->wq, &vol->info_work);
}

static int csv_info_lock(struct csv_vol *vol, int mode, u32 flags)
{
	return csv_lock_wait(vol, &vol->info, vol->info_res, mode,
			     flags | DLM_LKF_VALBLK, csv_info_bast);
}

/* A member steps aside for the coordinator's update, then reads it. */
static void csv_info_work(struct work_struct *work)
{
	struct csv_vol *vol = container_of(work, struct csv_vol, info_work);
	int ret;

	if (vol->leaving || vol->coordinator || vol->info.mode != DLM_LOCK_CR)
		return;
	ret = csv_info_lock(vol, DLM_LOCK_NL, DLM_LKF_CONVERT);
	/* QUECVT: wait behind the coordinator's EX, for its new value. */
	if (!ret)
		ret = csv_info_lock(vol, DLM_LOCK_CR,
				    DLM_LKF_CONVERT | DLM_LKF_QUECVT);
	if (ret) {
		csv_warn(vol, "info lock conversion failed: %d\n", ret);
		return;
	}
	csv_info_seen(vol);
}

static void csv_lvb_fill(struct csv_vol *vol, struct csv_lvb *v)
{
	memset(v, 0, sizeof(*v));
	v->magic = cpu_to_le32(CSV_LVB_MAGIC);
	v->nodeid = cpu_to_le32(csv_vol_nodeid(vol));
	v->epoch = cpu_to_le64(vol->epoch);
	v->generation = cpu_to_le64(vol->tbl_gen);
	v->port = cpu_to_le16(vol->port);
	v->family = cpu_to_le16(vol->family);
	memcpy(v->addr, vol->addr, sizeof(v->addr));
}

/* The coordinator publishes epoch and generation: CR -> EX -> CR. */
static void csv_publish_work(struct work_struct *work)
{
	struct csv_vol *vol = container_of(work, struct csv_vol, publish_work);
	struct csv_lvb *v = (struct csv_lvb *)vol->info.lvb;
	int ret;

	if (vol->leaving || !vol->coordinator)
		return;
	mutex_lock(&vol->meta_lock);
	if (vol->published == vol->tbl_gen) {
		mutex_unlock(&vol->meta_lock);
		return;
	}
	mutex_unlock(&vol->meta_lock);
	ret = csv_info_lock(vol, DLM_LOCK_EX, DLM_LKF_CONVERT);
	if (ret)
		goto fail;
	mutex_lock(&vol->meta_lock);
	csv_lvb_fill(vol, v);
	vol->published = vol->tbl_gen;
	mutex_unlock(&vol->meta_lock);
	ret = csv_info_lock(vol, DLM_LOCK_CR, DLM_LKF_CONVERT);
	if (ret)
		goto fail;
	spin_lock(&vol->slock);
	vol->known = *v;
	spin_unlock(&vol->slock);
	wake_up_all(&vol->wait);
	return;
fail:
	csv_warn(vol, "publishing epoch %llu failed: %d\n", vol->epoch, ret);
}

/*
 * We hold coord in EX: take the next epoch, record it in the table on the
 * LUN (so that it survives every lock value block), write the value block
 * and publish.
 */
static void csv_coord_ast(void *arg);

static void csv_coord_work(struct work_struct *work)
{
	struct csv_vol *vol = container_of(work, struct csv_vol, coord_work);
	const struct csv_lvb *cv = (const struct csv_lvb *)vol->coord.lvb;
	struct csv_tbl_hdr *h;
	u64 epoch = 0;
	int ret, slot;

	if (vol->leaving)
		return;
	ret = vol->coord.lksb.sb_status;
	if (ret) {
		csv_warn(vol, "coordinator lock failed: %d\n", ret);
		return;
	}
	vol->coord.mode = DLM_LOCK_EX;
	if (csv_lvb_valid(&vol->coord))
		epoch = le64_to_cpu(cv->epoch);
	spin_lock(&vol->slock);
	epoch = max_t(u64, epoch, le64_to_cpu(vol->known.epoch));
	spin_unlock(&vol->slock);

	mutex_lock(&vol->meta_lock);
	ret = csv_tbl_load(vol, &vol->tbl, &slot, false);
	if (ret)
		goto unlock;
	vol->tbl_slot = slot;
	memcpy(vol->work.buf, vol->tbl.buf, vol->tbl.bytes);
	h = csv_tbl_hdr(&vol->work);
	epoch = max_t(u64, epoch, le64_to_cpu(h->epoch)) + 1;
	h->epoch = cpu_to_le64(epoch);
	le64_add_cpu(&h->generation, 1);
	csv_tbl_seal(&vol->work, csv_vol_nodeid(vol));
	ret = csv_tbl_store(vol);
	if (ret)
		goto unlock;
	vol->epoch = epoch;
	vol->coordinator = true;
	mutex_unlock(&vol->meta_lock);

	/* EX -> EX writes the value block. */
	csv_lvb_fill(vol, (struct csv_lvb *)vol->coord.lvb);
	ret = csv_lock_sync(vol, &vol->coord, vol->coord_res, DLM_LOCK_EX,
			    DLM_LKF_CONVERT | DLM_LKF_VALBLK);
	if (ret)
		csv_warn(vol, "coordinator value block write failed: %d\n", ret);
	pr_info("%s: node %u is the coordinator, epoch %llu\n", vol->name,
		csv_vol_nodeid(vol), epoch);
	csv_disks_refresh(vol);
	csv_publish_work(&vol->publish_work);
	return;
unlock:
	mutex_unlock(&vol->meta_lock);
	/*
	 * Without a table we cannot coordinate: let another node try. We
	 * stay a member, no candidate until we join again.
	 */
	csv_warn(vol, "cannot take over as coordinator: %d\n", ret);
	csv_unlock_sync(vol, &vol->coord);
}

/*
 * Our path to the LUN failed: a coordinator cannot redirect to anyone, so
 * it steps down for a node that has a path and queues again behind it.
 * EX -> NL hands coord: (with our epoch in its value block) to the first
 * waiter; the NL -> EX conversion waits until that one is gone.
 */
static void csv_resign_work(struct work_struct *work)
{
	struct csv_vol *vol = container_of(work, struct csv_vol, resign_work);
	u32 others;
	int ret;

	if (vol->leaving || !vol->coordinator ||
	    !test_bit(CSV_S_PATH_FAILED, &vol->state))
		return;
	spin_lock(&vol->slock);
	others = vol->num_members - 1;
	spin_unlock(&vol->slock);
	if (!others)
		return;
	mutex_lock(&vol->meta_lock);
	vol->coordinator = false;
	mutex_unlock(&vol->meta_lock);
	/* Our bios for members end before another node does theirs again. */
	csv_iosrv_drain(vol, 0);
	csv_warn(vol, "node %u steps down as coordinator (epoch %llu): no path to the LUN\n",
		 csv_vol_nodeid(vol), vol->epoch);
	csv_lvb_fill(vol, (struct csv_lvb *)vol->coord.lvb);
	ret = csv_lock_sync(vol, &vol->coord, vol->coord_res, DLM_LOCK_NL,
			    DLM_LKF_CONVERT | DLM_LKF_VALBLK);
	if (!ret) {
		vol->coord.want = DLM_LOCK_EX;
		ret = dlm_lock(vol->ls, DLM_LOCK_EX, &vol->coord.lksb,
			       DLM_LKF_CONVERT | DLM_LKF_VALBLK, vol->coord_res,
			       strlen(vol->coord_res), 0, csv_coord_ast,
			       &vol->coord, NULL);
	}
	if (ret)
		csv_warn(vol, "coordinator lock after stepping down: %d\n", ret);
	wake_up_all(&vol->rwait);
}

/* From path.c, any context. */
void csv_coord_resign(struct csv_vol *vol)
{
	if (READ_ONCE(vol->coordinator) && !vol->leaving)
		queue_work(vol->wq, &vol->resign_work);
}

/* The grant of our queued EX request, or its unlock after a failed takeover. */
static void csv_coord_ast(void *arg)
{
	struct csv_lock *l = arg;
	struct csv_vol *vol = container_of(l, struct csv_vol, coord);

	if (l->lksb.sb_status == -DLM_EUNLOCK)
		complete(&l->done);
	else
		queue_work(vol->wq, &vol->coord_work);
}

/* The lockspace stops for recovery: we may be cut off (path.c). */
static void csv_recover_prep(void *arg)
{
	csv_fence(arg);
}

static void csv_recover_slot(void *arg, struct dlm_slot *slot)
{
	struct csv_vol *vol = arg;

	WRITE_ONCE(vol->lost_node, true);
	csv_warn(vol, "node %d failed\n", slot->nodeid);
}

static void csv_recover_done(void *arg, struct dlm_slot *slots, int num_slots,
			     int our_slot, u32 generation)
{
	struct csv_vol *vol = arg;
	int i;

	spin_lock(&vol->slock);
	vol->num_members = 0;
	for (i = 0; i < num_slots; i++) {
		if (vol->num_members < CSV_MAX_NODES)
			vol->members[vol->num_members++] = slots[i].nodeid;
		if (slots[i].slot == our_slot)
			vol->nodeid = slots[i].nodeid;
	}
	spin_unlock(&vol->slock);
	csv_unfence(vol, READ_ONCE(vol->lost_node));
	wake_up_all(&vol->wait);
}

/*
 * node:<id> in PW carries a random token of ours in its value block; our
 * requests carry it too. Only a lockspace member can hold the lock, so a
 * frame naming node id N with N's token comes from node N (or from one
 * that read the cluster network: keep it private).
 */
static int csv_self_lock(struct csv_vol *vol)
{
	char res[24];
	int ret;

	snprintf(res, sizeof(res), "node:%u", csv_vol_nodeid(vol));
	get_random_bytes(vol->token, sizeof(vol->token));
	vol->self.mode = -1;
	ret = csv_lock_sync(vol, &vol->self, res, DLM_LOCK_EX,
			    DLM_LKF_NOQUEUE | DLM_LKF_VALBLK);
	if (ret) {
		csv_warn(vol, "node id %u already held: %d\n",
			 csv_vol_nodeid(vol), ret);
		return ret == -EAGAIN ? -EEXIST : ret;
	}
	/* EX -> PW writes the token; readers in CR can then see it. */
	memcpy(vol->self.lvb, vol->token, sizeof(vol->token));
	return csv_lock_sync(vol, &vol->self, res, DLM_LOCK_PW,
			     DLM_LKF_CONVERT | DLM_LKF_VALBLK);
}

int csv_token_check(struct csv_vol *vol, u32 nodeid, const u8 *token)
{
	struct csv_lock *l;
	char res[24];
	int ret;

	l = kzalloc(sizeof(*l), GFP_KERNEL);
	if (!l)
		return -ENOMEM;
	l->mode = -1;
	snprintf(res, sizeof(res), "node:%u", nodeid);
	ret = csv_lock_sync(vol, l, res, DLM_LOCK_CR,
			    DLM_LKF_NOQUEUE | DLM_LKF_VALBLK);
	if (!ret && ((l->lksb.sb_flags & DLM_SBF_VALNOTVALID) ||
		     memcmp(l->lvb, token, sizeof(vol->token)) ||
		     !memchr_inv(token, 0, sizeof(vol->token))))
		ret = -EPERM;
	csv_unlock_sync(vol, l);
	kfree(l);
	return ret == -EAGAIN ? -EPERM : ret;
}

static const struct dlm_lockspace_ops csv_ls_ops = {
	.recover_prep = csv_recover_prep,
	.recover_slot = csv_recover_slot,
	.recover_done = csv_recover_done,
};

int csv_dlm_join(struct csv_vol *vol)
{
	int ops_result = -1;
	int ret;

	INIT_WORK(&vol->coord_work, csv_coord_work);
	INIT_WORK(&vol->info_work, csv_info_work);
	INIT_WORK(&vol->publish_work, csv_publish_work);
	INIT_WORK(&vol->resign_work, csv_resign_work);
	snprintf(vol->ls_name, sizeof(vol->ls_name), "csv-%s", vol->name);
	snprintf(vol->coord_res, sizeof(vol->coord_res), "coord:%s", vol->name);
	snprintf(vol->info_res, sizeof(vol->info_res), "info:%s", vol->name);
	ret = dlm_new_lockspace(vol->ls_name, cluster[0] ? cluster : NULL,
				DLM_LSFL_NEWEXCL, CSV_LVB_LEN, &csv_ls_ops, vol,
				&ops_result, &vol->ls);
	if (ret) {
		csv_warn(vol, "cannot join lockspace %s: %d\n", vol->ls_name,
			 ret);
		return ret;
	}
	/* recover_done may come just after the join returns. */
	if (!ops_result)
		wait_event_timeout(vol->wait, csv_vol_nodeid(vol), 10 * HZ);
	if (ops_result || !csv_vol_nodeid(vol)) {
		csv_warn(vol, "lockspace %s without recovery callbacks\n",
			 vol->ls_name);
		ret = -EPROTO;
		goto release;
	}
	ret = csv_self_lock(vol);
	if (ret)
		goto release;
	ret = csv_info_lock(vol, DLM_LOCK_CR, 0);
	if (ret)
		goto release;
	csv_info_seen(vol);
	vol->coord.lksb.sb_lvbptr = vol->coord.lvb;
	ret = dlm_lock(vol->ls, DLM_LOCK_EX, &vol->coord.lksb, DLM_LKF_VALBLK,
		       vol->coord_res, strlen(vol->coord_res), 0, csv_coord_ast,
		       &vol->coord, NULL);
	if (ret)
		goto release;
	return 0;
release:
	dlm_release_lockspace(vol->ls, 2);
	vol->ls = NULL;
	return ret;
}

void csv_dlm_leave(struct csv_vol *vol)
{
	/*
	 * Works under way may wait on a lock request: let them end while
	 * the lockspace still answers; new ones see leaving and return.
	 */
	vol->leaving = true;
	flush_workqueue(vol->wq);
	/* Force 2: our locks, coord's waiting request too, go with it. */
	dlm_release_lockspace(vol->ls, 2);
	flush_workqueue(vol->wq);
	vol->ls = NULL;
	vol->coordinator = false;
}
