// SPDX-License-Identifier: GPL-2.0
/*
 * csv.ko: cluster shared volumes. /dev/csv-control takes the ioctls of
 * <linux/csv.h>: join and leave a volume, create, delete, resize, rename,
 * list, open and close its virtual disks. Documentation/csv.rst.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "csv.h"

/* Copy a growable struct in: ksize is ours, usize the caller's. */
static int csv_copy_in(void *k, size_t ksize, size_t min,
		       const void __user *u)
{
	u32 usize;
	int ret;

	if (get_user(usize, (const u32 __user *)u))
		return -EFAULT;
	if (usize < min)
		return -EINVAL;
	ret = copy_struct_from_user(k, ksize, u, usize);
	if (ret)
		return ret;
	*(u32 *)k = min_t(u32, usize, ksize);
	return 0;
}

static int csv_copy_out(void __user *u, const void *k)
{
	return copy_to_user(u, k, *(const u32 *)k) ? -EFAULT : 0;
}

static bool csv_str_ok(const char *s, size_t room)
{
	return memchr(s, 0, room);
}

static long csv_ioc_join(void __user *arg)
{
	struct csv_join j;
	int ret;

	ret = csv_copy_in(&j, sizeof(j), CSV_JOIN_SIZE_VER0, arg);
	if (ret)
		return ret;
	ret = csv_join(&j);
	return ret ? ret : csv_copy_out(arg, &j);
}

static long csv_ioc_leave(void __user *arg)
{
	struct csv_leave l;
	struct csv_vol *vol;
	int ret;

	ret = csv_copy_in(&l, sizeof(l), CSV_LEAVE_SIZE_VER0, arg);
	if (ret)
		return ret;
	if (l.flags || !csv_str_ok(l.volume, sizeof(l.volume)) ||
	    !l.volume[0])
		return -EINVAL;
	down_write(&csv_vols_sem);
	vol = csv_vol_find(l.volume);
	ret = vol ? csv_leave(vol) : -ENOENT;
	up_write(&csv_vols_sem);
	return ret;
}

static long csv_ioc_status(void __user *arg)
{
	struct csv_status s;
	struct csv_vol *vol;
	struct csv_lvb k;
	int ret;

	ret = csv_copy_in(&s, sizeof(s), CSV_STATUS_SIZE_VER0, arg);
	if (ret)
		return ret;
	if (s.flags || !csv_str_ok(s.volume, sizeof(s.volume)) ||
	    memchr_inv(&s.nodeid, 0,
		       sizeof(s) - offsetof(struct csv_status, nodeid)))
		return -EINVAL;
	down_read(&csv_vols_sem);
	vol = csv_vol_find(s.volume);
	if (!vol) {
		up_read(&csv_vols_sem);
		return -ENOENT;
	}
	ret = csv_tbl_reload(vol);
	if (ret) {
		up_read(&csv_vols_sem);
		return ret;
	}
	csv_known(vol, &k);
	strscpy(s.volume, vol->name, sizeof(s.volume));
	s.nodeid = csv_vol_nodeid(vol);
	s.coordinator = le32_to_cpu(k.nodeid);
	s.role = vol->coordinator ? CSV_ROLE_COORDINATOR : CSV_ROLE_MEMBER;
	spin_lock(&vol->slock);
	s.members = vol->num_members;
	spin_unlock(&vol->slock);
	s.epoch = le64_to_cpu(k.epoch);
	s.lun_bytes = vol->lun_bytes;
	s.alloc_unit = 1U << vol->tbl.alloc_shift;
	mutex_lock(&vol->meta_lock);
	s.generation = vol->tbl_gen;
	s.free_bytes = csv_tbl_free_units(&vol->tbl) << vol->tbl.alloc_shift;
	s.disks = csv_tbl_count(&vol->tbl);
	mutex_unlock(&vol->meta_lock);
	s.open_disks = READ_ONCE(vol->open_disks);
	s.state = (test_bit(CSV_S_PATH_FAILED, &vol->state) ?
		   CSV_STATE_PATH_FAILED : 0) |
		  (test_bit(CSV_S_REDIRECT_NODE, &vol->state) ?
		   CSV_STATE_REDIRECT_NODE : 0) |
		  (test_bit(CSV_S_REDIRECT_VOLUME, &vol->state) ?
		   CSV_STATE_REDIRECT_VOLUME : 0) |
		  (test_bit(CSV_S_FENCED, &vol->state) ? CSV_STATE_FENCED : 0);
	up_read(&csv_vols_sem);
	return csv_copy_out(arg, &s);
}

static void csv_info_fill(struct csv_vol *vol, struct csv_table *t, int i,
			  struct csv_disk_info *e)
{
	const struct csv_disk_ent *d = csv_tbl_disk(t, i);
	struct csv_disk *od;

	memset(e, 0, sizeof(*e));
	e->id = le64_to_cpu(d->id);
	e->bytes = le64_to_cpu(d->bytes);
	e->extents = le32_to_cpu(d->nextents);
	memcpy(e->name, d->name, sizeof(e->name));
	list_for_each_entry(od, &vol->disks, node) {
		if (od->id != e->id)
			continue;
		e->flags = CSV_INFO_OPEN |
			   (od->read_only ? CSV_INFO_READ_ONLY : 0);
		e->index = od->index;
	}
}

static long csv_ioc_list(void __user *arg)
{
	struct csv_disk_info *e;
	struct csv_vol *vol;
	struct csv_list l;
	u32 i, n = 0, room;
	int ret;

	ret = csv_copy_in(&l, sizeof(l), CSV_LIST_SIZE_VER0, arg);
	if (ret)
		return ret;
	if (l.flags || !csv_str_ok(l.volume, sizeof(l.volume)) ||
	    l.entry_size < sizeof(*e) || (l.count && !l.entries))
		return -EINVAL;
	room = min_t(u32, l.count, CSV_MAX_DISKS);
	e = kcalloc(max_t(u32, room, 1), sizeof(*e), GFP_KERNEL);
	if (!e)
		return -ENOMEM;
	down_read(&csv_vols_sem);
	vol = csv_vol_find(l.volume);
	ret = vol ? csv_tbl_reload(vol) : -ENOENT;
	if (ret) {
		up_read(&csv_vols_sem);
		goto out;
	}
	/* Fill our copy under the locks, hand it out after them. */
	mutex_lock(&vol->disks_lock);
	mutex_lock(&vol->meta_lock);
	for (i = 0; i < vol->tbl.max_disks; i++) {
		if (!csv_tbl_disk(&vol->tbl, i)->id)
			continue;
		if (n < room)
			csv_info_fill(vol, &vol->tbl, i, &e[n]);
		n++;
	}
	mutex_unlock(&vol->meta_lock);
	mutex_unlock(&vol->disks_lock);
	up_read(&csv_vols_sem);
	/* Bytes past our struct stay as the caller zeroed them. */
	for (i = 0; i < min(n, room) && !ret; i++)
		if (copy_to_user(u64_to_user_ptr(l.entries) +
				 (u64)i * l.entry_size, &e[i], sizeof(*e)))
			ret = -EFAULT;
	l.count = n;
	if (!ret)
		ret = csv_copy_out(arg, &l);
out:
	kfree(e);
	return ret;
}

/* The ops a member sends to the coordinator. */
static int csv_disk_meta(struct csv_vol *vol, unsigned int cmd,
			 struct csv_disk_req *r)
{
	struct csv_msg *m;
	int ret;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return -ENOMEM;
	switch (cmd) {
	case CSV_CREATE:
		m->op = cpu_to_le16(CSV_OP_CREATE);
		break;
	case CSV_DELETE:
		m->op = cpu_to_le16(CSV_OP_DELETE);
		break;
	case CSV_RESIZE:
		m->op = cpu_to_le16(CSV_OP_RESIZE);
		break;
	default:
		m->op = cpu_to_le16(CSV_OP_RENAME);
		break;
	}
	m->flags = cpu_to_le32(r->flags & CSV_RESIZE_SHRINK);
	m->bytes = cpu_to_le64(r->bytes);
	memcpy(m->disk, r->disk, sizeof(m->disk));
	memcpy(m->new_name, r->new_name, sizeof(m->new_name));
	ret = csv_request(vol, m);
	r->id = le64_to_cpu(m->id);
	kfree(m);
	return ret;
}

/* Argument checks every node makes before asking anyone. */
static int csv_disk_req_check(unsigned int cmd, struct csv_disk_req *r)
{
	u32 allowed = 0;
	int ret;

	if (cmd == CSV_OPEN)
		allowed = CSV_OPEN_READ_ONLY;
	else if (cmd == CSV_RESIZE)
		allowed = CSV_RESIZE_SHRINK;
	if (r->flags & ~allowed || r->id || r->minor || r->index)
		return -EINVAL;
	if (!csv_str_ok(r->volume, sizeof(r->volume)))
		return -EINVAL;
	ret = csv_name_check(r->disk, sizeof(r->disk));
	if (ret)
		return ret;
	if (cmd == CSV_RENAME) {
		ret = csv_name_check(r->new_name, sizeof(r->new_name));
		if (ret)
			return ret;
	} else if (memchr_inv(r->new_name, 0, sizeof(r->new_name))) {
		return -EINVAL;
	}
	if (cmd == CSV_CREATE || cmd == CSV_RESIZE) {
		if (!r->bytes || r->bytes % 512)
			return -EINVAL;
	} else if (r->bytes) {
		return -EINVAL;
	}
	return 0;
}

static long csv_ioc_disk(unsigned int cmd, void __user *arg)
{
	struct csv_disk_req r;
	struct csv_vol *vol;
	int ret;

	ret = csv_copy_in(&r, sizeof(r), CSV_DISK_REQ_SIZE_VER0, arg);
	if (ret)
		return ret;
	ret = csv_disk_req_check(cmd, &r);
	if (ret)
		return ret;
	down_read(&csv_vols_sem);
	vol = csv_vol_find(r.volume);
	if (!vol || !r.volume[0]) {
		/* Not joined here: not a member of that volume. */
		ret = -ENOTCONN;
		goto out;
	}
	if (cmd == CSV_OPEN)
		ret = csv_disk_open(vol, &r);
	else if (cmd == CSV_CLOSE)
		ret = csv_disk_close(vol, r.disk);
	else
		ret = csv_disk_meta(vol, cmd, &r);
out:
	up_read(&csv_vols_sem);
	if (!ret && (cmd == CSV_OPEN || cmd == CSV_CREATE))
		ret = csv_copy_out(arg, &r);
	return ret;
}

static long csv_ioc_redirect(void __user *arg)
{
	struct csv_redirect r;
	struct csv_vol *vol;
	int ret;

	ret = csv_copy_in(&r, sizeof(r), CSV_REDIRECT_SIZE_VER0, arg);
	if (ret)
		return ret;
	if (r.flags & ~CSV_REDIRECT_FLAGS_ALL ||
	    !csv_str_ok(r.volume, sizeof(r.volume)) || !r.volume[0])
		return -EINVAL;
	down_read(&csv_vols_sem);
	vol = csv_vol_find(r.volume);
	ret = vol ? csv_redirect_set(vol, r.flags) : -ENOTCONN;
	up_read(&csv_vols_sem);
	return ret;
}

static long csv_ctl_ioctl(struct file *f, unsigned int cmd, unsigned long a)
{
	void __user *arg = (void __user *)a;

	if (!capable(CAP_SYS_ADMIN))
		return -EPERM;
	switch (cmd) {
	case CSV_JOIN:
		return csv_ioc_join(arg);
	case CSV_LEAVE:
		return csv_ioc_leave(arg);
	case CSV_STATUS:
		return csv_ioc_status(arg);
	case CSV_LIST:
		return csv_ioc_list(arg);
	case CSV_CREATE:
	case CSV_DELETE:
	case CSV_RESIZE:
	case CSV_RENAME:
	case CSV_OPEN:
	case CSV_CLOSE:
		return csv_ioc_disk(cmd, arg);
	case CSV_REDIRECT:
		return csv_ioc_redirect(arg);
	}
	return -ENOTTY;
}

static const struct file_operations csv_ctl_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = csv_ctl_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice csv_ctl = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "csv-control",
	.fops = &csv_ctl_fops,
};

static int __init csv_init(void)
{
	int ret;

	BUILD_BUG_ON(sizeof(struct csv_lvb) != CSV_LVB_LEN);
	BUILD_BUG_ON(sizeof(struct csv_msg) != 192);
	BUILD_BUG_ON(sizeof(struct csv_sb) != 256);
	BUILD_BUG_ON(sizeof(struct csv_join) != CSV_JOIN_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct csv_disk_req) != CSV_DISK_REQ_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct csv_list) != CSV_LIST_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct csv_status) != CSV_STATUS_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct csv_redirect) != CSV_REDIRECT_SIZE_VER0);
	BUILD_BUG_ON(sizeof(struct csv_io_hdr) != 48);
	ret = csv_sysfs_init();
	if (ret)
		return ret;
	ret = csv_disk_init();
	if (ret)
		goto sysfs;
	ret = misc_register(&csv_ctl);
	if (ret)
		goto disk;
	return 0;
disk:
	csv_disk_exit();
sysfs:
	csv_sysfs_exit();
	return ret;
}

static void __exit csv_exit(void)
{
	struct csv_vol *vol, *tmp;
	struct csv_disk *d, *dn;

	misc_deregister(&csv_ctl);
	down_write(&csv_vols_sem);
	list_for_each_entry_safe(vol, tmp, &csv_vols, node) {
		/* Nobody holds them open: the module could be unloaded. */
		list_for_each_entry_safe(d, dn, &vol->disks, node)
			csv_disk_close(vol, d->name);
		csv_leave(vol);
	}
	up_write(&csv_vols_sem);
	csv_disk_exit();
	csv_sysfs_exit();
}

module_init(csv_init);
module_exit(csv_exit);
MODULE_DESCRIPTION("Cluster shared volumes: many virtual disks on one shared LUN");
MODULE_LICENSE("GPL");
