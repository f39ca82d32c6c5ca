// SPDX-License-Identifier: GPL-2.0
/*
 * sysfs: /sys/fs/csv/<volume>/ per joined volume and /sys/block/csvN/csv/
 * per open disk, one value per file (Documentation/ABI/testing/
 * sysfs-fs-csv and sysfs-block-csv).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/sysfs.h>
#include "csv.h"

static struct kset *csv_kset;

/* The kobject lives apart: show() may not outlive kobject_del(). */
struct csv_vol_kobj {
	struct kobject kobj;
	struct csv_vol *vol;
};

static struct csv_vol *kobj_vol(struct kobject *kobj)
{
	return container_of(kobj, struct csv_vol_kobj, kobj)->vol;
}

static ssize_t role_show(struct kobject *kobj, struct kobj_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", kobj_vol(kobj)->coordinator ?
			  "coordinator" : "member");
}

static ssize_t nodeid_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%u\n", csv_vol_nodeid(kobj_vol(kobj)));
}

static ssize_t coordinator_show(struct kobject *kobj,
				struct kobj_attribute *a, char *buf)
{
	struct csv_lvb k;

	csv_known(kobj_vol(kobj), &k);
	return sysfs_emit(buf, "%u\n", le32_to_cpu(k.nodeid));
}

static ssize_t epoch_show(struct kobject *kobj, struct kobj_attribute *a,
			  char *buf)
{
	struct csv_lvb k;

	csv_known(kobj_vol(kobj), &k);
	return sysfs_emit(buf, "%llu\n", le64_to_cpu(k.epoch));
}

static ssize_t generation_show(struct kobject *kobj,
			       struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%llu\n", kobj_vol(kobj)->tbl_gen);
}

static ssize_t members_show(struct kobject *kobj, struct kobj_attribute *a,
			    char *buf)
{
	struct csv_vol *vol = kobj_vol(kobj);
	u32 ids[CSV_MAX_NODES], n, i, j, t;
	ssize_t len = 0;

	spin_lock(&vol->slock);
	n = vol->num_members;
	memcpy(ids, vol->members, n * sizeof(ids[0]));
	spin_unlock(&vol->slock);
	for (i = 1; i < n; i++)		/* a few entries: insertion sort */
		for (j = i; j && ids[j - 1] > ids[j]; j--) {
			t = ids[j];
			ids[j] = ids[j - 1];
			ids[j - 1] = t;
		}
	for (i = 0; i < n; i++)
		len += sysfs_emit_at(buf, len, "%s%u", i ? " " : "", ids[i]);
	return len + sysfs_emit_at(buf, len, "\n");
}

static ssize_t open_disks_show(struct kobject *kobj,
			       struct kobj_attribute *a, char *buf)
{
	return sysfs_emit(buf, "%u\n", READ_ONCE(kobj_vol(kobj)->open_disks));
}

static ssize_t lun_show(struct kobject *kobj, struct kobj_attribute *a,
			char *buf)
{
	return sysfs_emit(buf, "%pg\n", kobj_vol(kobj)->lun);
}

static ssize_t csv_counter_show(char *buf, atomic64_t *v)
{
	return sysfs_emit(buf, "%lld\n", atomic64_read(v));
}

static ssize_t requests_sent_show(struct kobject *kobj,
				  struct kobj_attribute *a, char *buf)
{
	return csv_counter_show(buf, &kobj_vol(kobj)->requests_sent);
}

static ssize_t requests_served_show(struct kobject *kobj,
				    struct kobj_attribute *a, char *buf)
{
	return csv_counter_show(buf, &kobj_vol(kobj)->requests_served);
}

static ssize_t requests_refused_show(struct kobject *kobj,
				     struct kobj_attribute *a, char *buf)
{
	return csv_counter_show(buf, &kobj_vol(kobj)->requests_refused);
}

static ssize_t path_failures_show(struct kobject *kobj,
				  struct kobj_attribute *a, char *buf)
{
	return csv_counter_show(buf, &kobj_vol(kobj)->path_failures);
}

static ssize_t path_restores_show(struct kobject *kobj,
				  struct kobj_attribute *a, char *buf)
{
	return csv_counter_show(buf, &kobj_vol(kobj)->path_restores);
}

static ssize_t redirected_served_show(struct kobject *kobj,
				      struct kobj_attribute *a, char *buf)
{
	return csv_counter_show(buf, &kobj_vol(kobj)->redirected_served);
}

static ssize_t fences_show(struct kobject *kobj,
			   struct kobj_attribute *a, char *buf)
{
	return csv_counter_show(buf, &kobj_vol(kobj)->fences);
}

static ssize_t csv_bit_show(char *buf, struct kobject *kobj, int bit)
{
	return sysfs_emit(buf, "%d\n", test_bit(bit, &kobj_vol(kobj)->state));
}

static ssize_t path_show(struct kobject *kobj, struct kobj_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  test_bit(CSV_S_PATH_FAILED, &kobj_vol(kobj)->state) ?
			  "failed" : "ok");
}

static ssize_t redirect_node_show(struct kobject *kobj,
				  struct kobj_attribute *a, char *buf)
{
	return csv_bit_show(buf, kobj, CSV_S_REDIRECT_NODE);
}

static ssize_t redirect_volume_show(struct kobject *kobj,
				    struct kobj_attribute *a, char *buf)
{
	return csv_bit_show(buf, kobj, CSV_S_REDIRECT_VOLUME);
}

static ssize_t fenced_show(struct kobject *kobj, struct kobj_attribute *a,
			   char *buf)
{
	return csv_bit_show(buf, kobj, CSV_S_FENCED);
}

static struct kobj_attribute csv_attr_path_failures = __ATTR_RO(path_failures);
static struct kobj_attribute csv_attr_path_restores = __ATTR_RO(path_restores);
static struct kobj_attribute csv_attr_redirected_served = __ATTR_RO(redirected_served);
static struct kobj_attribute csv_attr_fences = __ATTR_RO(fences);
static struct kobj_attribute csv_attr_path = __ATTR_RO(path);
static struct kobj_attribute csv_attr_redirect_node = __ATTR_RO(redirect_node);
static struct kobj_attribute csv_attr_redirect_volume = __ATTR_RO(redirect_volume);
static struct kobj_attribute csv_attr_fenced = __ATTR_RO(fenced);

static struct kobj_attribute csv_attr_requests_sent = __ATTR_RO(requests_sent);
static struct kobj_attribute csv_attr_requests_served = __ATTR_RO(requests_served);
static struct kobj_attribute csv_attr_requests_refused = __ATTR_RO(requests_refused);

static struct kobj_attribute csv_attr_role = __ATTR_RO(role);
static struct kobj_attribute csv_attr_nodeid = __ATTR_RO(nodeid);
static struct kobj_attribute csv_attr_coordinator = __ATTR_RO(coordinator);
static struct kobj_attribute csv_attr_epoch = __ATTR_RO(epoch);
static struct kobj_attribute csv_attr_generation = __ATTR_RO(generation);
static struct kobj_attribute csv_attr_members = __ATTR_RO(members);
static struct kobj_attribute csv_attr_open_disks = __ATTR_RO(open_disks);
static struct kobj_attribute csv_attr_lun = __ATTR_RO(lun);

static struct attribute *csv_vol_attrs[] = {
	&csv_attr_role.attr,
	&csv_attr_nodeid.attr,
	&csv_attr_coordinator.attr,
	&csv_attr_epoch.attr,
	&csv_attr_generation.attr,
	&csv_attr_members.attr,
	&csv_attr_open_disks.attr,
	&csv_attr_lun.attr,
	&csv_attr_requests_sent.attr,
	&csv_attr_requests_served.attr,
	&csv_attr_requests_refused.attr,
	&csv_attr_path_failures.attr,
	&csv_attr_path_restores.attr,
	&csv_attr_redirected_served.attr,
	&csv_attr_fences.attr,
	&csv_attr_path.attr,
	&csv_attr_redirect_node.attr,
	&csv_attr_redirect_volume.attr,
	&csv_attr_fenced.attr,
	NULL,
};
ATTRIBUTE_GROUPS(csv_vol);

static void csv_vol_kobj_release(struct kobject *kobj)
{
	kfree(container_of(kobj, struct csv_vol_kobj, kobj));
}

static const struct kobj_type csv_vol_ktype = {
	.release = csv_vol_kobj_release,
	.sysfs_ops = &kobj_sysfs_ops,
	.default_groups = csv_vol_groups,
};

int csv_vol_sysfs_add(struct csv_vol *vol)
{
	struct csv_vol_kobj *k;
	int ret;

	k = kzalloc(sizeof(*k), GFP_KERNEL);
	if (!k)
		return -ENOMEM;
	k->vol = vol;
	k->kobj.kset = csv_kset;
	ret = kobject_init_and_add(&k->kobj, &csv_vol_ktype, NULL, "%s",
				   vol->name);
	if (ret) {
		kobject_put(&k->kobj);
		return ret;
	}
	vol->kobj = &k->kobj;
	return 0;
}

void csv_vol_sysfs_del(struct csv_vol *vol)
{
	if (!vol->kobj)
		return;
	kobject_del(vol->kobj);
	kobject_put(vol->kobj);
	vol->kobj = NULL;
}

/* /sys/block/csvN/csv/ */

static struct csv_disk *dev_csv_disk(struct device *dev)
{
	return dev_to_disk(dev)->private_data;
}

static ssize_t volume_show(struct device *dev, struct device_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_csv_disk(dev)->vol->name);
}

static ssize_t disk_show(struct device *dev, struct device_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_csv_disk(dev)->name);
}

static ssize_t id_show(struct device *dev, struct device_attribute *a,
		       char *buf)
{
	return sysfs_emit(buf, "%llu\n", dev_csv_disk(dev)->id);
}

static ssize_t access_show(struct device *dev, struct device_attribute *a,
			   char *buf)
{
	return sysfs_emit(buf, "%s\n", dev_csv_disk(dev)->read_only ?
			  "ro" : "rw");
}

/* Where new I/O goes: the LUN, or through the coordinator. */
static ssize_t mode_show(struct device *dev, struct device_attribute *a,
			 char *buf)
{
	return sysfs_emit(buf, "%s\n",
			  csv_path_redirected(dev_csv_disk(dev)->vol) ?
			  "redirected" : "direct");
}

static ssize_t bios_show(struct device *dev, struct device_attribute *a,
			 char *buf)
{
	return csv_counter_show(buf, &dev_csv_disk(dev)->bios);
}

static ssize_t sectors_read_show(struct device *dev,
				 struct device_attribute *a, char *buf)
{
	return csv_counter_show(buf, &dev_csv_disk(dev)->sectors_read);
}

static ssize_t sectors_written_show(struct device *dev,
				    struct device_attribute *a, char *buf)
{
	return csv_counter_show(buf, &dev_csv_disk(dev)->sectors_written);
}

static ssize_t redirected_bios_show(struct device *dev,
				    struct device_attribute *a, char *buf)
{
	return csv_counter_show(buf, &dev_csv_disk(dev)->redirected_bios);
}

static ssize_t redirected_sectors_show(struct device *dev,
				       struct device_attribute *a, char *buf)
{
	return csv_counter_show(buf, &dev_csv_disk(dev)->redirected_sectors);
}

static ssize_t resent_show(struct device *dev,
			   struct device_attribute *a, char *buf)
{
	return csv_counter_show(buf, &dev_csv_disk(dev)->resent);
}

static DEVICE_ATTR_RO(redirected_bios);
static DEVICE_ATTR_RO(redirected_sectors);
static DEVICE_ATTR_RO(resent);
static DEVICE_ATTR_RO(bios);
static DEVICE_ATTR_RO(sectors_read);
static DEVICE_ATTR_RO(sectors_written);

static DEVICE_ATTR_RO(volume);
static DEVICE_ATTR_RO(disk);
static DEVICE_ATTR_RO(id);
static DEVICE_ATTR_RO(access);
static DEVICE_ATTR_RO(mode);

static struct attribute *csv_disk_attrs[] = {
	&dev_attr_volume.attr,
	&dev_attr_disk.attr,
	&dev_attr_id.attr,
	&dev_attr_access.attr,
	&dev_attr_mode.attr,
	&dev_attr_bios.attr,
	&dev_attr_sectors_read.attr,
	&dev_attr_sectors_written.attr,
	&dev_attr_redirected_bios.attr,
	&dev_attr_redirected_sectors.attr,
	&dev_attr_resent.attr,
	NULL,
};

static const struct attribute_group csv_disk_group = {
	.name = "csv",
	.attrs = csv_disk_attrs,
};

const struct attribute_group *csv_disk_groups[] = {
	&csv_disk_group,
	NULL,
};

int csv_sysfs_init(void)
{
	csv_kset = kset_create_and_add("csv", NULL, fs_kobj);
	return csv_kset ? 0 : -ENOMEM;
}

void csv_sysfs_exit(void)
{
	kset_unregister(csv_kset);
}
