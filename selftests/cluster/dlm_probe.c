// SPDX-License-Identifier: GPL-2.0
/*
 * dlm_probe: a test-only client of the in-kernel DLM for the cluster
 * selftests. A write of a lockspace name to /sys/kernel/dlm_probe/join joins
 * that lockspace (with recovery callbacks, as gfs2 and md-cluster do) and
 * competes for an EX lock on the resource "coord". The holder reads the
 * epoch in the lock value block, writes back epoch + 1 and keeps the lock.
 *
 * A lock value block only survives its holder's death when a surviving
 * granted lock carries a copy (fs/dlm/recover.c: recover_lvb), and an EX
 * waiter carries none. So every member also holds "epoch" in CR with the
 * value block: the coordinator updates it with CR -> EX -> CR, the others
 * drop to NL on the blocking AST and take CR again, which gives them the
 * new value. A new coordinator takes max(coord value, epoch copy) + 1.
 *
 * Everything it saw is readable in /sys/kernel/dlm_probe/ (see the
 * attributes at the end of this file).
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/delay.h>
#include <linux/dlm.h>
#include <linux/kobject.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/workqueue.h>

#define PROBE_LVB_LEN		32
#define PROBE_LVB_MAGIC		0x64707262	/* "dprb" */
#define PROBE_MAX_SLOTS		32

static char *cluster = "vhdsuite";
module_param(cluster, charp, 0444);
MODULE_PARM_DESC(cluster, "cluster name the lockspace must belong to");

static char *resource = "coord";
module_param(resource, charp, 0444);
MODULE_PARM_DESC(resource, "name of the resource held in EX by one node");

struct probe_lvb {
	__le64 epoch;
	__le32 writer;
	__le32 magic;
	u8 pad[PROBE_LVB_LEN - 16];
};

enum coord_state {
	COORD_IDLE,
	COORD_WAIT,		/* EX requested */
	COORD_WRITE,		/* EX -> EX converting, writes the value */
	COORD_HELD,
	COORD_UNLOCK,		/* yield: unlocking, then request again */
};

enum epoch_state {
	EPOCH_IDLE,
	EPOCH_WAIT,		/* CR requested, or NL -> CR */
	EPOCH_CR,
	EPOCH_DOWN,		/* CR -> NL on a blocking AST */
	EPOCH_NL,
	EPOCH_UP,		/* CR -> EX for an update */
	EPOCH_WRITE,		/* EX -> CR, writes the value */
};

/* Bits of probe.events, set by the DLM callbacks, read by the works. */
enum {
	EV_EPOCH_AST,
	EV_EPOCH_BAST,
	EV_EPOCH_UPDATE,
};

struct probe {
	struct kobject *kobj;
	struct workqueue_struct *wq;
	struct work_struct coord_work;
	struct work_struct epoch_work;
	unsigned long events;

	struct mutex join_lock;		/* serializes join and leave */
	struct mutex lock;		/* the fields below up to rlock */
	dlm_lockspace_t *ls;
	char ls_name[DLM_LOCKSPACE_LEN + 1];
	bool joined;
	bool leaving;
	int ops_result;

	enum coord_state coord_state;
	struct dlm_lksb coord_lksb;
	char coord_lvb[PROBE_LVB_LEN];
	u64 epoch;			/* what we wrote as holder */
	u64 lvb_epoch;			/* coord value at our last grant */
	u32 lvb_writer;
	bool lvb_invalid;
	unsigned int grants;

	enum epoch_state epoch_state;
	struct dlm_lksb epoch_lksb;
	char epoch_lvb[PROBE_LVB_LEN];
	u64 mirror;			/* epoch copy from the CR lock */

	spinlock_t rlock;		/* recovery data below */
	unsigned int prep_count;
	unsigned int done_count;
	int our_slot;
	int our_nodeid;
	u32 generation;
	int num_members;
	int members[PROBE_MAX_SLOTS];
	int num_gone;
	struct dlm_slot gone[PROBE_MAX_SLOTS];
};

static struct probe probe;

static void probe_recover_prep(void *arg)
{
	struct probe *p = arg;

	spin_lock(&p->rlock);
	p->prep_count++;
	spin_unlock(&p->rlock);
}

static void probe_recover_slot(void *arg, struct dlm_slot *slot)
{
	struct probe *p = arg;

	pr_info("recover_slot: node %d slot %d failed\n", slot->nodeid,
		slot->slot);
	spin_lock(&p->rlock);
	if (p->num_gone < PROBE_MAX_SLOTS)
		p->gone[p->num_gone++] = *slot;
	spin_unlock(&p->rlock);
}

static void probe_recover_done(void *arg, struct dlm_slot *slots,
			       int num_slots, int our_slot, u32 generation)
{
	struct probe *p = arg;
	int i;

	spin_lock(&p->rlock);
	p->done_count++;
	p->our_slot = our_slot;
	p->generation = generation;
	p->num_members = min(num_slots, PROBE_MAX_SLOTS);
	for (i = 0; i < num_slots; i++) {
		if (i < PROBE_MAX_SLOTS)
			p->members[i] = slots[i].nodeid;
		if (slots[i].slot == our_slot)
			p->our_nodeid = slots[i].nodeid;
	}
	spin_unlock(&p->rlock);
	pr_info("recover_done: %d members, our slot %d, generation %u\n",
		num_slots, our_slot, generation);
}

static const struct dlm_lockspace_ops probe_ls_ops = {
	.recover_prep = probe_recover_prep,
	.recover_slot = probe_recover_slot,
	.recover_done = probe_recover_done,
};

static void probe_coord_ast(void *arg)
{
	struct probe *p = arg;

	queue_work(p->wq, &p->coord_work);
}

static void probe_epoch_ast(void *arg)
{
	struct probe *p = arg;

	set_bit(EV_EPOCH_AST, &p->events);
	queue_work(p->wq, &p->epoch_work);
}

static void probe_epoch_bast(void *arg, int mode)
{
	struct probe *p = arg;

	/* Only EX and PW conflict with our CR. */
	if (mode < DLM_LOCK_PW)
		return;
	set_bit(EV_EPOCH_BAST, &p->events);
	queue_work(p->wq, &p->epoch_work);
}

static int probe_our_nodeid(struct probe *p)
{
	int id;

	spin_lock(&p->rlock);
	id = p->our_nodeid;
	spin_unlock(&p->rlock);
	return id;
}

static int probe_coord_lock(struct probe *p, u32 flags)
{
	return dlm_lock(p->ls, DLM_LOCK_EX, &p->coord_lksb,
			flags | DLM_LKF_VALBLK, resource, strlen(resource), 0,
			probe_coord_ast, p, NULL);
}

static int probe_epoch_lock(struct probe *p, int mode, u32 flags)
{
	return dlm_lock(p->ls, mode, &p->epoch_lksb, flags | DLM_LKF_VALBLK,
			"epoch", 5, 0, probe_epoch_ast, p, probe_epoch_bast);
}

/* Called with p->lock held, on the grant of our EX request. */
static void probe_coord_granted(struct probe *p)
{
	struct probe_lvb *lvb = (struct probe_lvb *)p->coord_lvb;
	u64 seen = 0;
	int ret;

	if (le32_to_cpu(lvb->magic) == PROBE_LVB_MAGIC)
		seen = le64_to_cpu(lvb->epoch);
	p->lvb_epoch = seen;
	p->lvb_writer = seen ? le32_to_cpu(lvb->writer) : 0;
	p->lvb_invalid = p->coord_lksb.sb_flags & DLM_SBF_VALNOTVALID;
	p->grants++;

	p->epoch = max(seen, p->mirror) + 1;
	memset(lvb, 0, sizeof(*lvb));
	lvb->epoch = cpu_to_le64(p->epoch);
	lvb->writer = cpu_to_le32(probe_our_nodeid(p));
	lvb->magic = cpu_to_le32(PROBE_LVB_MAGIC);

	/* EX -> EX writes the value block to the resource. */
	ret = probe_coord_lock(p, DLM_LKF_CONVERT);
	if (ret) {
		pr_err("coord value write failed: %d\n", ret);
		p->coord_state = COORD_IDLE;
		return;
	}
	p->coord_state = COORD_WRITE;
}

static void probe_coord_work(struct work_struct *work)
{
	struct probe *p = container_of(work, struct probe, coord_work);
	int status, ret;

	mutex_lock(&p->lock);
	if (!p->joined || p->leaving)
		goto out;
	status = p->coord_lksb.sb_status;
	switch (p->coord_state) {
	case COORD_WAIT:
		if (status) {
			pr_err("coord request failed: %d\n", status);
			p->coord_state = COORD_IDLE;
			break;
		}
		probe_coord_granted(p);
		break;
	case COORD_WRITE:
		if (status) {
			pr_err("coord value write failed: %d\n", status);
			p->coord_state = COORD_IDLE;
			break;
		}
		p->coord_state = COORD_HELD;
		pr_info("holder of %s, epoch %llu (value was %llu from node %u%s)\n",
			resource, p->epoch, p->lvb_epoch, p->lvb_writer,
			p->lvb_invalid ? ", not valid" : "");
		set_bit(EV_EPOCH_UPDATE, &p->events);
		queue_work(p->wq, &p->epoch_work);
		break;
	case COORD_UNLOCK:
		/* Unlocked (-DLM_EUNLOCK): queue behind the others. */
		ret = probe_coord_lock(p, 0);
		p->coord_state = ret ? COORD_IDLE : COORD_WAIT;
		if (ret)
			pr_err("coord request failed: %d\n", ret);
		break;
	default:
		break;
	}
out:
	mutex_unlock(&p->lock);
}

/* Called with p->lock held: the next conversion of a settled epoch lock. */
static int probe_epoch_next(struct probe *p)
{
	if (p->epoch_state == EPOCH_CR &&
	    test_and_clear_bit(EV_EPOCH_UPDATE, &p->events)) {
		if (p->coord_state != COORD_HELD || p->epoch <= p->mirror)
			return 0;
		clear_bit(EV_EPOCH_BAST, &p->events);
		p->epoch_state = EPOCH_UP;
		return probe_epoch_lock(p, DLM_LOCK_EX, DLM_LKF_CONVERT);
	}
	if (p->epoch_state == EPOCH_CR &&
	    test_and_clear_bit(EV_EPOCH_BAST, &p->events)) {
		p->epoch_state = EPOCH_DOWN;
		return probe_epoch_lock(p, DLM_LOCK_NL, DLM_LKF_CONVERT);
	}
	if (p->epoch_state == EPOCH_NL) {
		p->epoch_state = EPOCH_WAIT;
		return probe_epoch_lock(p, DLM_LOCK_CR, DLM_LKF_CONVERT);
	}
	return 0;
}

static void probe_epoch_work(struct work_struct *work)
{
	struct probe *p = container_of(work, struct probe, epoch_work);
	struct probe_lvb *lvb = (struct probe_lvb *)p->epoch_lvb;
	int status, ret;

	mutex_lock(&p->lock);
	if (!p->joined || p->leaving)
		goto out;
	if (test_and_clear_bit(EV_EPOCH_AST, &p->events)) {
		status = p->epoch_lksb.sb_status;
		if (status) {
			pr_err("epoch lock failed in state %d: %d\n",
			       p->epoch_state, status);
			p->epoch_state = EPOCH_IDLE;
			goto out;
		}
		switch (p->epoch_state) {
		case EPOCH_WAIT:
			if (le32_to_cpu(lvb->magic) == PROBE_LVB_MAGIC)
				p->mirror = max(p->mirror,
						(u64)le64_to_cpu(lvb->epoch));
			p->epoch_state = EPOCH_CR;
			/* First grant after the join: now compete. */
			if (p->coord_state == COORD_IDLE && p->grants == 0 &&
			    !probe_coord_lock(p, 0))
				p->coord_state = COORD_WAIT;
			break;
		case EPOCH_DOWN:
			p->epoch_state = EPOCH_NL;
			break;
		case EPOCH_UP:
			/* Granted EX: write our epoch and go back to CR. */
			memset(lvb, 0, sizeof(*lvb));
			lvb->epoch = cpu_to_le64(p->epoch);
			lvb->writer = cpu_to_le32(probe_our_nodeid(p));
			lvb->magic = cpu_to_le32(PROBE_LVB_MAGIC);
			p->epoch_state = EPOCH_WRITE;
			ret = probe_epoch_lock(p, DLM_LOCK_CR, DLM_LKF_CONVERT);
			if (ret)
				goto fail;
			goto out;
		case EPOCH_WRITE:
			p->mirror = p->epoch;
			p->epoch_state = EPOCH_CR;
			break;
		default:
			break;
		}
	}
	ret = probe_epoch_next(p);
	if (!ret)
		goto out;
fail:
	pr_err("epoch lock request failed in state %d: %d\n", p->epoch_state,
	       ret);
	p->epoch_state = EPOCH_IDLE;
out:
	mutex_unlock(&p->lock);
}

static int probe_join(struct probe *p, const char *name)
{
	dlm_lockspace_t *ls;
	int ops_result = 0;
	int ret, i;

	mutex_lock(&p->join_lock);
	if (p->joined) {
		ret = -EBUSY;
		goto out;
	}
	ret = dlm_new_lockspace(name, cluster, DLM_LSFL_NEWEXCL, PROBE_LVB_LEN,
				&probe_ls_ops, p, &ops_result, &ls);
	if (ret) {
		pr_err("join %s failed: %d\n", name, ret);
		goto out;
	}
	pr_info("joined %s (recovery callbacks %d)\n", name, ops_result);
	/*
	 * recover_done, which tells our node id, may come just after the
	 * join returns; the value blocks we write must name us.
	 */
	for (i = 0; !ops_result && !probe_our_nodeid(p) && i < 500; i++)
		msleep(20);

	mutex_lock(&p->lock);
	p->ls = ls;
	strscpy(p->ls_name, name, sizeof(p->ls_name));
	p->ops_result = ops_result;
	p->joined = true;
	p->events = 0;
	p->grants = 0;
	p->epoch = 0;
	p->mirror = 0;
	p->coord_state = COORD_IDLE;
	memset(p->coord_lvb, 0, sizeof(p->coord_lvb));
	p->coord_lksb.sb_lvbptr = p->coord_lvb;
	memset(p->epoch_lvb, 0, sizeof(p->epoch_lvb));
	p->epoch_lksb.sb_lvbptr = p->epoch_lvb;
	p->epoch_state = EPOCH_WAIT;
	ret = probe_epoch_lock(p, DLM_LOCK_CR, 0);
	if (ret) {
		pr_err("epoch lock request failed: %d\n", ret);
		p->epoch_state = EPOCH_IDLE;
		ret = 0;	/* joined; the attributes show it */
	}
	mutex_unlock(&p->lock);
out:
	mutex_unlock(&p->join_lock);
	return ret;
}

static int probe_leave(struct probe *p)
{
	dlm_lockspace_t *ls;
	int ret;

	mutex_lock(&p->join_lock);
	mutex_lock(&p->lock);
	if (!p->joined) {
		mutex_unlock(&p->lock);
		ret = -ENOENT;
		goto out;
	}
	p->leaving = true;
	ls = p->ls;
	mutex_unlock(&p->lock);

	/* Force 2: our own locks go with the lockspace. */
	ret = dlm_release_lockspace(ls, 2);
	if (ret)
		pr_err("release %s failed: %d\n", p->ls_name, ret);
	flush_workqueue(p->wq);

	mutex_lock(&p->lock);
	p->ls = NULL;
	p->joined = false;
	p->leaving = false;
	p->coord_state = COORD_IDLE;
	p->epoch_state = EPOCH_IDLE;
	mutex_unlock(&p->lock);
	pr_info("left %s\n", p->ls_name);
out:
	mutex_unlock(&p->join_lock);
	return ret;
}

/* Give "coord" up and queue for it again, so that another node gets it. */
static int probe_yield(struct probe *p)
{
	int ret;

	mutex_lock(&p->lock);
	if (!p->joined || p->leaving || p->coord_state != COORD_HELD) {
		ret = -EPERM;
		goto out;
	}
	/* Unlocking EX with the value block writes it (our epoch). */
	ret = dlm_unlock(p->ls, p->coord_lksb.sb_lkid, DLM_LKF_VALBLK,
			 &p->coord_lksb, p);
	if (!ret)
		p->coord_state = COORD_UNLOCK;
out:
	mutex_unlock(&p->lock);
	return ret;
}

static ssize_t join_store(struct kobject *kobj, struct kobj_attribute *attr,
			  const char *buf, size_t count)
{
	char name[DLM_LOCKSPACE_LEN + 2];
	char *s;
	int ret;

	if (count > DLM_LOCKSPACE_LEN + 1)
		return -EINVAL;
	strscpy(name, buf, sizeof(name));
	s = strim(name);
	if (!s[0] || strlen(s) > DLM_LOCKSPACE_LEN)
		return -EINVAL;
	ret = probe_join(&probe, s);
	return ret ? ret : count;
}

static ssize_t leave_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int ret = probe_leave(&probe);

	return ret ? ret : count;
}

static ssize_t yield_store(struct kobject *kobj, struct kobj_attribute *attr,
			   const char *buf, size_t count)
{
	int ret = probe_yield(&probe);

	return ret ? ret : count;
}

static ssize_t lockspace_show(struct kobject *kobj,
			      struct kobj_attribute *attr, char *buf)
{
	ssize_t n;

	mutex_lock(&probe.lock);
	n = sysfs_emit(buf, "%s\n", probe.joined ? probe.ls_name : "");
	mutex_unlock(&probe.lock);
	return n;
}

/* Attributes read under p->lock: NAME_show prints EXPR. */
#define PROBE_SHOW(name, fmt, expr)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	ssize_t n;							\
									\
	mutex_lock(&probe.lock);					\
	n = sysfs_emit(buf, fmt "\n", expr);				\
	mutex_unlock(&probe.lock);					\
	return n;							\
}

PROBE_SHOW(joined, "%d", probe.joined)
PROBE_SHOW(holder, "%d", probe.joined && probe.coord_state == COORD_HELD)
PROBE_SHOW(epoch, "%llu", probe.epoch)
PROBE_SHOW(lvb_epoch, "%llu", probe.lvb_epoch)
PROBE_SHOW(lvb_writer, "%u", probe.lvb_writer)
PROBE_SHOW(lvb_invalid, "%d", probe.lvb_invalid)
PROBE_SHOW(mirror, "%llu", probe.mirror)
PROBE_SHOW(grants, "%u", probe.grants)
PROBE_SHOW(ops_result, "%d", probe.ops_result)

/* Attributes read under p->rlock. */
#define PROBE_RSHOW(name, fmt, expr)					\
static ssize_t name##_show(struct kobject *kobj,			\
			   struct kobj_attribute *attr, char *buf)	\
{									\
	ssize_t n;							\
									\
	spin_lock(&probe.rlock);					\
	n = sysfs_emit(buf, fmt "\n", expr);				\
	spin_unlock(&probe.rlock);					\
	return n;							\
}

PROBE_RSHOW(recover_prep, "%u", probe.prep_count)
PROBE_RSHOW(recover_done, "%u", probe.done_count)
PROBE_RSHOW(slot, "%d", probe.our_slot)
PROBE_RSHOW(nodeid, "%d", probe.our_nodeid)
PROBE_RSHOW(generation, "%u", probe.generation)

static ssize_t members_show(struct kobject *kobj, struct kobj_attribute *attr,
			    char *buf)
{
	int ids[PROBE_MAX_SLOTS];
	int i, num, len = 0;

	spin_lock(&probe.rlock);
	num = probe.num_members;
	memcpy(ids, probe.members, sizeof(ids));
	spin_unlock(&probe.rlock);
	for (i = 0; i < num; i++)
		len += sysfs_emit_at(buf, len, "%s%d", i ? " " : "", ids[i]);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

/* Failed members seen by recover_slot, "nodeid:slot" each. */
static ssize_t recover_slot_show(struct kobject *kobj,
				 struct kobj_attribute *attr, char *buf)
{
	struct dlm_slot gone[PROBE_MAX_SLOTS];
	int i, num, len = 0;

	spin_lock(&probe.rlock);
	num = probe.num_gone;
	memcpy(gone, probe.gone, sizeof(gone));
	spin_unlock(&probe.rlock);
	for (i = 0; i < num; i++)
		len += sysfs_emit_at(buf, len, "%s%d:%d", i ? " " : "",
				     gone[i].nodeid, gone[i].slot);
	len += sysfs_emit_at(buf, len, "\n");
	return len;
}

static struct kobj_attribute join_attr = __ATTR_WO(join);
static struct kobj_attribute leave_attr = __ATTR_WO(leave);
static struct kobj_attribute yield_attr = __ATTR_WO(yield);
static struct kobj_attribute lockspace_attr = __ATTR_RO(lockspace);
static struct kobj_attribute joined_attr = __ATTR_RO(joined);
static struct kobj_attribute holder_attr = __ATTR_RO(holder);
static struct kobj_attribute epoch_attr = __ATTR_RO(epoch);
static struct kobj_attribute lvb_epoch_attr = __ATTR_RO(lvb_epoch);
static struct kobj_attribute lvb_writer_attr = __ATTR_RO(lvb_writer);
static struct kobj_attribute lvb_invalid_attr = __ATTR_RO(lvb_invalid);
static struct kobj_attribute mirror_attr = __ATTR_RO(mirror);
static struct kobj_attribute grants_attr = __ATTR_RO(grants);
static struct kobj_attribute ops_result_attr = __ATTR_RO(ops_result);
static struct kobj_attribute recover_prep_attr = __ATTR_RO(recover_prep);
static struct kobj_attribute recover_done_attr = __ATTR_RO(recover_done);
static struct kobj_attribute recover_slot_attr = __ATTR_RO(recover_slot);
static struct kobj_attribute slot_attr = __ATTR_RO(slot);
static struct kobj_attribute nodeid_attr = __ATTR_RO(nodeid);
static struct kobj_attribute generation_attr = __ATTR_RO(generation);
static struct kobj_attribute members_attr = __ATTR_RO(members);

static struct attribute *probe_attrs[] = {
	&join_attr.attr,
	&leave_attr.attr,
	&yield_attr.attr,
	&lockspace_attr.attr,
	&joined_attr.attr,
	&holder_attr.attr,
	&epoch_attr.attr,
	&lvb_epoch_attr.attr,
	&lvb_writer_attr.attr,
	&lvb_invalid_attr.attr,
	&mirror_attr.attr,
	&grants_attr.attr,
	&ops_result_attr.attr,
	&recover_prep_attr.attr,
	&recover_done_attr.attr,
	&recover_slot_attr.attr,
	&slot_attr.attr,
	&nodeid_attr.attr,
	&generation_attr.attr,
	&members_attr.attr,
	NULL,
};

static const struct attribute_group probe_group = {
	.attrs = probe_attrs,
};

static int __init probe_init(void)
{
	struct probe *p = &probe;
	int ret;

	mutex_init(&p->join_lock);
	mutex_init(&p->lock);
	spin_lock_init(&p->rlock);
	INIT_WORK(&p->coord_work, probe_coord_work);
	INIT_WORK(&p->epoch_work, probe_epoch_work);
	p->wq = alloc_ordered_workqueue("dlm_probe", 0);
	if (!p->wq)
		return -ENOMEM;
	p->kobj = kobject_create_and_add("dlm_probe", kernel_kobj);
	if (!p->kobj) {
		ret = -ENOMEM;
		goto err_wq;
	}
	ret = sysfs_create_group(p->kobj, &probe_group);
	if (ret)
		goto err_kobj;
	return 0;

err_kobj:
	kobject_put(p->kobj);
err_wq:
	destroy_workqueue(p->wq);
	return ret;
}

static void __exit probe_exit(void)
{
	struct probe *p = &probe;

	/* No store can run once the files are gone. */
	sysfs_remove_group(p->kobj, &probe_group);
	kobject_put(p->kobj);
	if (p->joined)
		probe_leave(p);
	destroy_workqueue(p->wq);
}

module_init(probe_init);
module_exit(probe_exit);
MODULE_DESCRIPTION("Test client of the in-kernel DLM for the cluster selftests");
MODULE_LICENSE("GPL");
