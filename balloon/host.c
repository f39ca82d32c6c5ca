// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem_host.ko: the host end of the dynamic-memory protocol for the
 * synbus loopback host (synbus_loop.ko), with the control interface and
 * the policy (policy.c, shared with the later userspace host).
 *
 * /sys/kernel/dynmem_host/ holds "offer" and "rescind" (write 1),
 * "auto_policy" (1: run the policy every policy_ms), "policy_ms",
 * "host_reserve_pages",
 * and one folder per guest channel, vm<N>/, whose files are listed in
 * Documentation/ABI/testing/sysfs-kernel-dynmem_host. Writing
 * vm<N>/balloon_target sets the balloon size the host wants; the host then
 * sends one INFLATE or DEFLATE at a time for the difference and times it.
 * The guest is not trusted either: its messages are checked before use.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/kobject.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/sysfs.h>

#include "../vmbus/synbus_host.h"
#include "policy.h"
#include <linux/dynmem.h>

#define DH_MAX_VMS	16
/* A range longer than this is nonsense (256 TiB of 4 KiB pages). */
#define DH_MAX_RANGE	BIT_ULL(36)

static const guid_t dh_class = GUID_INIT(0xb6a1f3c2, 0x5d7e, 0x4a90, 0x8c,
					 0x3b, 0x2e, 0x6f, 0x4d, 0x19, 0xa7,
					 0xe5);

struct dh_vm {
	struct kobject kobj;
	struct synbus_host_chan *hc;
	int index;
	struct mutex lock;		/* everything below */
	bool open;
	u32 version;
	/* the balloon as the guest's answers add up */
	u64 balloon;
	u64 target;			/* wanted balloon size */
	bool target_set;
	/* the request in flight */
	u64 next_id;
	u64 req_id;
	u32 req_type;			/* 0: none */
	u64 req_pages;
	u64 req_done;
	ktime_t req_start;
	bool stalled;			/* last answer partial: wait for news */
	/* results */
	u64 last_inflate_us, last_inflate_pages;
	u64 last_deflate_us, last_deflate_pages;
	u64 requests, partials, released, bad;
	/* limits sent to the guest; policy inputs */
	struct dynmem_vm_cfg cfg;
	struct dynmem_status report;
	bool have_report;
};

static DEFINE_MUTEX(dh_lock);		/* dh_vms */
static struct dh_vm *dh_vms[DH_MAX_VMS];
static struct kobject *dh_root;
static bool dh_auto;
static unsigned int dh_policy_ms = 1000;
static unsigned long dh_reserve_pages = 16384;
static struct delayed_work dh_policy_work;

static void dh_bad(struct dh_vm *vm, const char *why, u32 len)
{
	vm->bad++;
	pr_warn_ratelimited("vm%d: dropped a bad message from the guest: %s (%u bytes)\n",
			    vm->index, why, len);
}

/* Send one request for the difference between target and balloon. */
static void dh_drive(struct dh_vm *vm)
{
	struct dynmem_request r = {};
	u64 pages;
	int err;

	if (!vm->open || !vm->version || vm->req_type || vm->stalled ||
	    !vm->target_set || vm->target == vm->balloon)
		return;
	if (vm->target > vm->balloon) {
		r.hdr.type = cpu_to_le16(DYNMEM_MSG_INFLATE);
		pages = vm->target - vm->balloon;
	} else {
		r.hdr.type = cpu_to_le16(DYNMEM_MSG_DEFLATE);
		pages = vm->balloon - vm->target;
	}
	r.hdr.size = cpu_to_le32(sizeof(r));
	r.req_id = cpu_to_le64(++vm->next_id);
	r.pages = cpu_to_le64(pages);
	err = synbus_host_send(vm->hc, SYNBUS_PKT_INBAND, 0, 0, &r, sizeof(r));
	if (err) {
		pr_warn_ratelimited("vm%d: cannot send a request: %d\n",
				    vm->index, err);
		return;
	}
	vm->req_type = le16_to_cpu(r.hdr.type);
	vm->req_id = vm->next_id;
	vm->req_pages = pages;
	vm->req_done = 0;
	vm->req_start = ktime_get();
}

static void dh_send_limits(struct dh_vm *vm)
{
	struct dynmem_limits l = {
		.hdr.type = cpu_to_le16(DYNMEM_MSG_LIMITS),
		.hdr.size = cpu_to_le32(sizeof(l)),
		.min_pages = cpu_to_le64(vm->cfg.min_pages),
		.max_pages = cpu_to_le64(vm->cfg.max_pages),
		.buffer_pct = cpu_to_le32(vm->cfg.buffer_pct),
		.weight = cpu_to_le32(vm->cfg.weight),
	};

	if (vm->open && vm->version)
		synbus_host_send(vm->hc, SYNBUS_PKT_INBAND, 0, 0, &l, sizeof(l));
}

/* Ranges from the guest: checked, then counted. */
static int dh_ranges(struct dh_vm *vm, const struct dynmem_ranges *m,
		     u32 size, u32 type)
{
	u32 n = le32_to_cpu(m->nr_ranges), i, flags;
	u64 pages = 0, c;

	if (size < sizeof(*m) || n > (size - sizeof(*m)) / sizeof(m->ranges[0])) {
		dh_bad(vm, "range count does not fit", size);
		return -EINVAL;
	}
	for (i = 0; i < n; i++) {
		c = le64_to_cpu(m->ranges[i].count);
		if (!c || c > DH_MAX_RANGE) {
			dh_bad(vm, "range of a bad length", size);
			return -EINVAL;
		}
		pages += c;
	}
	flags = le16_to_cpu(m->hdr.flags);
	if (type == DYNMEM_MSG_INFLATE_RESP) {
		vm->balloon += pages;
	} else {
		if (pages > vm->balloon) {
			dh_bad(vm, "gives back more than the balloon holds", size);
			pages = vm->balloon;
		}
		vm->balloon -= pages;
		if (type == DYNMEM_MSG_RELEASED) {
			vm->released += pages;
			/* the guest needed it: do not take it straight back */
			if (vm->target > vm->balloon)
				vm->target = vm->balloon;
			return 0;
		}
	}
	/* each *_RESP type follows its request's */
	if (type - 1 != vm->req_type || le64_to_cpu(m->req_id) != vm->req_id)
		return 0;	/* not the request in flight */
	vm->req_done += pages;
	if (!(flags & DYNMEM_F_LAST))
		return 0;
	vm->requests++;
	c = ktime_us_delta(ktime_get(), vm->req_start);
	if (type == DYNMEM_MSG_INFLATE_RESP) {
		vm->last_inflate_us = c;
		vm->last_inflate_pages = vm->req_done;
	} else {
		vm->last_deflate_us = c;
		vm->last_deflate_pages = vm->req_done;
	}
	if (flags & DYNMEM_F_PARTIAL) {
		vm->partials++;
		vm->stalled = true;
	}
	vm->req_type = 0;
	return 0;
}

static int dh_version(struct dh_vm *vm, const struct synbus_packet *pkt)
{
	const struct dynmem_version *v = pkt->data;
	struct dynmem_version r = {
		.hdr.type = cpu_to_le16(DYNMEM_MSG_VERSION),
		.hdr.size = cpu_to_le32(sizeof(r)),
		.version = cpu_to_le32(DYNMEM_VERSION),
	};

	if (pkt->len < sizeof(*v)) {
		dh_bad(vm, "short version request", pkt->len);
		r.status = cpu_to_le32(-EINVAL);
	} else if (le32_to_cpu(v->version) < DYNMEM_VERSION) {
		r.status = cpu_to_le32(-EPROTONOSUPPORT);
	} else {
		r.caps = cpu_to_le32(le32_to_cpu(v->caps) &
				     (DYNMEM_CAP_2M | DYNMEM_CAP_RELEASE |
				      DYNMEM_CAP_PSI | DYNMEM_CAP_RECLAIM));
		vm->version = DYNMEM_VERSION;
	}
	return synbus_host_send(vm->hc, SYNBUS_PKT_COMPLETION, 0, pkt->trans_id,
				&r, sizeof(r));
}

static int dh_packet(struct synbus_host_chan *hc,
		     const struct synbus_packet *pkt)
{
	struct dh_vm *vm = synbus_host_get_drvdata(hc);
	const struct dynmem_hdr *h = pkt->data;
	u32 type, size;
	int err = 0;

	if (!vm)
		return 0;
	mutex_lock(&vm->lock);
	if (pkt->len < sizeof(*h)) {
		dh_bad(vm, "shorter than a header", pkt->len);
		goto out;
	}
	type = le16_to_cpu(h->type);
	size = le32_to_cpu(h->size);
	if (size > pkt->len || size < sizeof(*h)) {
		dh_bad(vm, "size field does not match", pkt->len);
		goto out;
	}
	switch (type) {
	case DYNMEM_MSG_VERSION:
		err = dh_version(vm, pkt);
		if (!err) {
			dh_send_limits(vm);
			dh_drive(vm);
		}
		break;
	case DYNMEM_MSG_INFLATE_RESP:
	case DYNMEM_MSG_DEFLATE_RESP:
	case DYNMEM_MSG_RELEASED:
		if (!dh_ranges(vm, pkt->data, size, type))
			dh_drive(vm);
		break;
	case DYNMEM_MSG_STATUS:
		if (size < sizeof(vm->report)) {
			dh_bad(vm, "short status", size);
			break;
		}
		memcpy(&vm->report, pkt->data, sizeof(vm->report));
		vm->have_report = true;
		vm->stalled = false;	/* news: a partial request may go again */
		dh_drive(vm);
		break;
	default:
		dh_bad(vm, "unknown type", size);
		break;
	}
out:
	mutex_unlock(&vm->lock);
	/* a full ring: keep the packet, we are called again */
	return err == -EAGAIN ? -EAGAIN : 0;
}

/* ---- sysfs of one VM */

struct dh_attr {
	struct attribute attr;
	ssize_t (*show)(struct dh_vm *vm, char *buf);
	ssize_t (*store)(struct dh_vm *vm, const char *buf, size_t len);
	/* limits: a field of struct dynmem_vm_cfg, and its largest value */
	size_t off;
	u8 width;
	u64 max;
};

#define to_dh_vm(k) container_of(k, struct dh_vm, kobj)

static ssize_t dh_cfg_show(struct dh_vm *vm, struct dh_attr *da, char *buf)
{
	void *p = (u8 *)&vm->cfg + da->off;

	return sysfs_emit(buf, "%llu\n", da->width == sizeof(u64) ?
			  *(u64 *)p : (u64)*(u32 *)p);
}

/* A limit changed: the guest is told at once. */
static ssize_t dh_cfg_store(struct dh_vm *vm, struct dh_attr *da,
			    const char *buf, size_t len)
{
	void *p = (u8 *)&vm->cfg + da->off;
	u64 v;
	int err = kstrtou64(buf, 0, &v);

	if (err)
		return err;
	if (v > da->max)
		return -EINVAL;
	if (da->width == sizeof(u64))
		*(u64 *)p = v;
	else
		*(u32 *)p = v;
	dh_send_limits(vm);
	return len;
}

static ssize_t dh_attr_show(struct kobject *k, struct attribute *a, char *buf)
{
	struct dh_attr *da = container_of(a, struct dh_attr, attr);
	struct dh_vm *vm = to_dh_vm(k);
	ssize_t ret;

	mutex_lock(&vm->lock);
	ret = da->width ? dh_cfg_show(vm, da, buf) : da->show(vm, buf);
	mutex_unlock(&vm->lock);
	return ret;
}

static ssize_t dh_attr_store(struct kobject *k, struct attribute *a,
			     const char *buf, size_t len)
{
	struct dh_attr *da = container_of(a, struct dh_attr, attr);
	struct dh_vm *vm = to_dh_vm(k);
	ssize_t ret;

	if (!da->store && !da->width)
		return -EPERM;
	mutex_lock(&vm->lock);
	ret = da->width ? dh_cfg_store(vm, da, buf, len) :
			  da->store(vm, buf, len);
	mutex_unlock(&vm->lock);
	return ret;
}

static const struct sysfs_ops dh_sysfs_ops = {
	.show = dh_attr_show,
	.store = dh_attr_store,
};

#define DH_RO(_name, _expr)						\
static ssize_t dh_##_name##_show(struct dh_vm *vm, char *buf)		\
{									\
	return sysfs_emit(buf, "%llu\n", (unsigned long long)(_expr));	\
}									\
static struct dh_attr dh_attr_##_name = __ATTR(_name, 0444,		\
					       dh_##_name##_show, NULL)

DH_RO(balloon_pages, vm->balloon);
DH_RO(requests, vm->requests);
DH_RO(partial_requests, vm->partials);
DH_RO(released_pages, vm->released);
DH_RO(bad_messages, vm->bad);
DH_RO(last_inflate_us, vm->last_inflate_us);
DH_RO(last_inflate_pages, vm->last_inflate_pages);
DH_RO(last_deflate_us, vm->last_deflate_us);
DH_RO(last_deflate_pages, vm->last_deflate_pages);
DH_RO(busy, vm->req_type != 0);
DH_RO(report_seq, le64_to_cpu(vm->report.seq));
DH_RO(report_total_pages, le64_to_cpu(vm->report.total_pages));
DH_RO(report_committed_pages, le64_to_cpu(vm->report.committed_pages));
DH_RO(report_available_pages, le64_to_cpu(vm->report.available_pages));
DH_RO(report_cache_pages, le64_to_cpu(vm->report.cache_pages));
DH_RO(report_swap_free_pages, le64_to_cpu(vm->report.swap_free_pages));
DH_RO(report_balloon_pages, le64_to_cpu(vm->report.balloon_pages));
DH_RO(report_psi_some, le32_to_cpu(vm->report.psi_some_avg10));
DH_RO(report_stalls, le64_to_cpu(vm->report.stalls));
DH_RO(report_scanned, le64_to_cpu(vm->report.scanned));

static ssize_t dh_version_show(struct dh_vm *vm, char *buf)
{
	return sysfs_emit(buf, "%u.%u\n", vm->version >> 16,
			  vm->version & 0xffff);
}

static struct dh_attr dh_attr_version = __ATTR(version, 0444,
					       dh_version_show, NULL);

static ssize_t dh_device_id_show(struct dh_vm *vm, char *buf)
{
	return sysfs_emit(buf, "%pUl\n", synbus_host_device_id(vm->hc));
}

static struct dh_attr dh_attr_device_id = __ATTR(device_id, 0444,
						 dh_device_id_show, NULL);

static ssize_t dh_balloon_target_show(struct dh_vm *vm, char *buf)
{
	return sysfs_emit(buf, "%llu\n", vm->target);
}

static ssize_t dh_balloon_target_store(struct dh_vm *vm, const char *buf,
				       size_t len)
{
	u64 v;
	int err = kstrtou64(buf, 0, &v);

	if (err)
		return err;
	vm->target = v;
	vm->target_set = true;
	vm->stalled = false;
	dh_drive(vm);
	return len;
}

static struct dh_attr dh_attr_balloon_target =
	__ATTR(balloon_target, 0644, dh_balloon_target_show,
	       dh_balloon_target_store);

#define DH_CFG(_name, _type, _max) \
static struct dh_attr dh_attr_##_name = { \
	.attr = { .name = #_name, .mode = 0644 }, \
	.off = offsetof(struct dynmem_vm_cfg, _name), \
	.width = sizeof(_type), \
	.max = (_max), \
}

DH_CFG(min_pages, u64, U64_MAX);
DH_CFG(max_pages, u64, U64_MAX);
DH_CFG(buffer_pct, u32, 2000);
DH_CFG(weight, u32, 10000);

/* Raw bytes sent to the guest as one packet: hostile-host tests. */
static ssize_t dh_inject_store(struct dh_vm *vm, const char *buf, size_t len)
{
	int err;

	if (!vm->open)
		return -ENOTCONN;
	err = synbus_host_send(vm->hc, SYNBUS_PKT_INBAND, 0, 0, buf, len);
	return err ? err : len;
}

static struct dh_attr dh_attr_inject = __ATTR(inject, 0200, NULL,
					      dh_inject_store);

static struct attribute *dh_vm_attrs[] = {
	&dh_attr_device_id.attr, &dh_attr_version.attr,
	&dh_attr_balloon_pages.attr, &dh_attr_balloon_target.attr,
	&dh_attr_busy.attr, &dh_attr_requests.attr,
	&dh_attr_partial_requests.attr, &dh_attr_released_pages.attr,
	&dh_attr_bad_messages.attr, &dh_attr_last_inflate_us.attr,
	&dh_attr_last_inflate_pages.attr, &dh_attr_last_deflate_us.attr,
	&dh_attr_last_deflate_pages.attr, &dh_attr_report_seq.attr,
	&dh_attr_report_total_pages.attr, &dh_attr_report_committed_pages.attr,
	&dh_attr_report_available_pages.attr, &dh_attr_report_cache_pages.attr,
	&dh_attr_report_swap_free_pages.attr,
	&dh_attr_report_balloon_pages.attr, &dh_attr_report_psi_some.attr,
	&dh_attr_report_stalls.attr, &dh_attr_report_scanned.attr,
	&dh_attr_min_pages.attr, &dh_attr_max_pages.attr,
	&dh_attr_buffer_pct.attr, &dh_attr_weight.attr, &dh_attr_inject.attr,
	NULL
};
ATTRIBUTE_GROUPS(dh_vm);

static void dh_vm_release(struct kobject *k)
{
	kfree(to_dh_vm(k));
}

static const struct kobj_type dh_vm_ktype = {
	.release = dh_vm_release,
	.sysfs_ops = &dh_sysfs_ops,
	.default_groups = dh_vm_groups,
};

/* ---- channel life */

static int dh_open(struct synbus_host_chan *hc)
{
	struct dh_vm *vm;
	int i, err;

	vm = kzalloc(sizeof(*vm), GFP_KERNEL);
	if (!vm)
		return -ENOMEM;
	mutex_init(&vm->lock);
	vm->hc = hc;
	vm->open = true;
	vm->cfg.weight = 100;
	vm->cfg.buffer_pct = 20;
	vm->cfg.max_pages = totalram_pages();
	mutex_lock(&dh_lock);
	for (i = 0; i < DH_MAX_VMS && dh_vms[i]; i++)
		;
	if (i == DH_MAX_VMS) {
		mutex_unlock(&dh_lock);
		kfree(vm);
		return -ENOSPC;
	}
	vm->index = i;
	err = kobject_init_and_add(&vm->kobj, &dh_vm_ktype, dh_root, "vm%d", i);
	if (err) {
		mutex_unlock(&dh_lock);
		kobject_put(&vm->kobj);
		return err;
	}
	dh_vms[i] = vm;
	mutex_unlock(&dh_lock);
	synbus_host_set_drvdata(hc, vm);
	return 0;
}

static void dh_close(struct synbus_host_chan *hc)
{
	struct dh_vm *vm = synbus_host_get_drvdata(hc);

	if (!vm)
		return;
	mutex_lock(&dh_lock);
	dh_vms[vm->index] = NULL;
	mutex_unlock(&dh_lock);
	mutex_lock(&vm->lock);
	vm->open = false;
	mutex_unlock(&vm->lock);
	synbus_host_set_drvdata(hc, NULL);
	kobject_put(&vm->kobj);
}

static struct synbus_host_service dh_service = {
	.name = "dynmem",
	.owner = THIS_MODULE,
	.open = dh_open,
	.close = dh_close,
	.on_packet = dh_packet,
};

/* ---- the policy, every policy_ms while auto is on */

/*
 * The policy's pressure input, in PSI units (hundredths of a percent):
 * PSI when the guest sends it, else "under pressure" (10 %, the policy's
 * threshold) as soon as the guest stalled in direct reclaim.
 */
static u32 dh_pressure(const struct dynmem_status *r)
{
	u32 psi = le32_to_cpu(r->psi_some_avg10);

	return r->stalls && psi < 1000 ? 1000 : psi;
}

static void dh_policy_run(struct work_struct *w)
{
	static struct dynmem_vm_cfg cfg[DH_MAX_VMS];
	static struct dynmem_vm_state st[DH_MAX_VMS];
	static struct dh_vm *vms[DH_MAX_VMS];
	u64 targets[DH_MAX_VMS], full;
	struct sysinfo si;
	u32 n = 0, i;

	mutex_lock(&dh_lock);
	for (i = 0; i < DH_MAX_VMS; i++) {
		struct dh_vm *vm = dh_vms[i];

		if (!vm)
			continue;
		mutex_lock(&vm->lock);
		cfg[n] = vm->cfg;
		st[n].valid = vm->have_report;
		st[n].current_pages = le64_to_cpu(vm->report.total_pages);
		st[n].committed_pages = le64_to_cpu(vm->report.committed_pages);
		st[n].available_pages = le64_to_cpu(vm->report.available_pages);
		st[n].psi_some_avg10 = dh_pressure(&vm->report);
		mutex_unlock(&vm->lock);
		vms[n++] = vm;
	}
	si_meminfo(&si);
	if (n && !dynmem_policy_compute(cfg, st, n, si.freeram, dh_reserve_pages,
					targets)) {
		for (i = 0; i < n; i++) {
			struct dh_vm *vm = vms[i];

			mutex_lock(&vm->lock);
			/* the guest's memory with an empty balloon */
			full = le64_to_cpu(vm->report.total_pages) +
			       le64_to_cpu(vm->report.balloon_pages);
			if (st[i].valid && targets[i] <= full) {
				vm->target = full - targets[i];
				vm->target_set = true;
				dh_drive(vm);
			}
			mutex_unlock(&vm->lock);
		}
	}
	mutex_unlock(&dh_lock);
	if (READ_ONCE(dh_auto))
		schedule_delayed_work(&dh_policy_work,
				      msecs_to_jiffies(max(dh_policy_ms, 100U)));
}

/* ---- root files */

static ssize_t offer_store(struct kobject *k, struct kobj_attribute *a,
			   const char *buf, size_t len)
{
	guid_t id;
	int err = synbus_loop_offer(&dh_class, NULL, 0, &id);

	return err ? err : len;
}

static struct kobj_attribute dh_offer = __ATTR_WO(offer);

static ssize_t rescind_store(struct kobject *k, struct kobj_attribute *a,
			     const char *buf, size_t len)
{
	guid_t ids[DH_MAX_VMS];
	int i, n = 0;

	mutex_lock(&dh_lock);
	for (i = 0; i < DH_MAX_VMS; i++)
		if (dh_vms[i])
			guid_copy(&ids[n++], synbus_host_device_id(dh_vms[i]->hc));
	mutex_unlock(&dh_lock);
	for (i = 0; i < n; i++)
		synbus_loop_rescind(&ids[i]);
	return len;
}

static struct kobj_attribute dh_rescind = __ATTR_WO(rescind);

static ssize_t auto_policy_show(struct kobject *k, struct kobj_attribute *a,
				char *buf)
{
	return sysfs_emit(buf, "%d\n", READ_ONCE(dh_auto));
}

static ssize_t auto_policy_store(struct kobject *k, struct kobj_attribute *a,
				 const char *buf, size_t len)
{
	bool on;
	int err = kstrtobool(buf, &on);

	if (err)
		return err;
	WRITE_ONCE(dh_auto, on);
	if (on)
		mod_delayed_work(system_wq, &dh_policy_work, 0);
	return len;
}

static struct kobj_attribute dh_auto_attr = __ATTR_RW(auto_policy);

static ssize_t policy_ms_show(struct kobject *k, struct kobj_attribute *a,
			      char *buf)
{
	return sysfs_emit(buf, "%u\n", dh_policy_ms);
}

static ssize_t policy_ms_store(struct kobject *k, struct kobj_attribute *a,
			       const char *buf, size_t len)
{
	int err = kstrtouint(buf, 0, &dh_policy_ms);

	return err ? err : len;
}

static struct kobj_attribute dh_policy_ms_attr = __ATTR_RW(policy_ms);

static ssize_t host_reserve_pages_show(struct kobject *k,
				       struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%lu\n", dh_reserve_pages);
}

static ssize_t host_reserve_pages_store(struct kobject *k,
					struct kobj_attribute *a,
					const char *buf, size_t len)
{
	int err = kstrtoul(buf, 0, &dh_reserve_pages);

	return err ? err : len;
}

static struct kobj_attribute dh_reserve_attr = __ATTR_RW(host_reserve_pages);

static struct attribute *dh_root_attrs[] = {
	&dh_offer.attr, &dh_rescind.attr, &dh_auto_attr.attr,
	&dh_policy_ms_attr.attr, &dh_reserve_attr.attr, NULL
};

static const struct attribute_group dh_root_group = {
	.attrs = dh_root_attrs,
};

static int __init dh_init(void)
{
	int err;

	INIT_DELAYED_WORK(&dh_policy_work, dh_policy_run);
	dh_root = kobject_create_and_add("dynmem_host", kernel_kobj);
	if (!dh_root)
		return -ENOMEM;
	err = sysfs_create_group(dh_root, &dh_root_group);
	if (err)
		goto out_kobj;
	dh_service.class_id = dh_class;
	err = synbus_loop_register_service(&dh_service);
	if (err)
		goto out_kobj;
	return 0;

out_kobj:
	kobject_put(dh_root);
	return err;
}

static void __exit dh_exit(void)
{
	WRITE_ONCE(dh_auto, false);
	cancel_delayed_work_sync(&dh_policy_work);
	/* rescinds every device, so every vm<N> goes first */
	synbus_loop_unregister_service(&dh_service);
	cancel_delayed_work_sync(&dh_policy_work);
	kobject_put(dh_root);
}

module_init(dh_init);
module_exit(dh_exit);

MODULE_DESCRIPTION("Loopback host side of synbus dynamic memory");
MODULE_LICENSE("GPL");
