// SPDX-License-Identifier: GPL-2.0
/*
 * vmq sysfs: /sys/class/net/<switch>/vmq/ and /sys/class/net/<port>/vmq_port/,
 * one value per file (Documentation/ABI/testing/sysfs-class-net-vmq).
 * Stores take RTNL with trylock, as net-sysfs does: removing a port holds
 * RTNL while it waits for sysfs users to leave.
 */
#include <linux/netdevice.h>
#include <linux/rtnetlink.h>
#include <linux/slab.h>
#include "vmq.h"

static int vmq_parse_u32(const char *buf, u32 max, u32 *val)
{
	int err = kstrtou32(buf, 0, val);

	if (err)
		return err;
	return *val > max ? -ERANGE : 0;
}

static int vmq_parse_bool(const char *buf, bool *val)
{
	return kstrtobool(buf, val);
}

/* Plain flags and numbers: parsed, range-checked, stored. */
static int vmq_store_bool(const char *buf, bool *field)
{
	bool v;
	int err = vmq_parse_bool(buf, &v);

	if (!err)
		WRITE_ONCE(*field, v);
	return err;
}

static int vmq_store_u32(const char *buf, u32 max, u32 *field)
{
	u32 v;
	int err = vmq_parse_u32(buf, max, &v);

	if (!err)
		WRITE_ONCE(*field, v);
	return err;
}

/* ---- the switch ---- */

struct vmq_sw_attr {
	struct device_attribute dattr;
	int (*store)(struct vmq_switch *sw, const char *buf);
};

static struct vmq_switch *vmq_dev_sw(struct device *d)
{
	return netdev_priv(to_net_dev(d));
}

static ssize_t vmq_sw_store(struct device *d, struct device_attribute *da,
			    const char *buf, size_t len)
{
	struct vmq_sw_attr *a = container_of(da, struct vmq_sw_attr, dattr);
	struct vmq_switch *sw = vmq_dev_sw(d);
	int err;

	if (!ns_capable(dev_net(sw->dev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (!rtnl_trylock())
		return restart_syscall();
	err = sw->dead ? -ENODEV : a->store(sw, buf);
	rtnl_unlock();
	if (err && err != -ENODEV)
		vmq_warn(sw->dev, "vmq/%s: rejected \"%.*s\": %d\n",
			 da->attr.name, (int)strcspn(buf, "\n"), buf, err);
	return err ? err : len;
}

#define VMQ_SW_RO(name, fmt, expr)					\
static ssize_t name##_show(struct device *d,				\
			   struct device_attribute *da, char *buf)	\
{									\
	struct vmq_switch *sw = vmq_dev_sw(d);				\
									\
	return sysfs_emit(buf, fmt "\n", expr);				\
}									\
static struct vmq_sw_attr vmq_sw_##name = {				\
	.dattr = __ATTR_RO(name),					\
}

#define VMQ_SW_RW(name, fmt, expr)					\
static ssize_t name##_show(struct device *d,				\
			   struct device_attribute *da, char *buf)	\
{									\
	struct vmq_switch *sw = vmq_dev_sw(d);				\
									\
	return sysfs_emit(buf, fmt "\n", expr);				\
}									\
static struct vmq_sw_attr vmq_sw_##name = {				\
	.dattr = __ATTR(name, 0644, name##_show, vmq_sw_store),	\
	.store = name##_set,						\
}

static int ageing_time_set(struct vmq_switch *sw, const char *buf)
{
	u32 v;
	int err = vmq_parse_u32(buf, 1000000, &v);

	if (err)
		return err;
	WRITE_ONCE(sw->ageing, (unsigned long)v * HZ);
	vmq_fdb_gc_kick(sw);
	return 0;
}

VMQ_SW_RW(ageing_time, "%lu", READ_ONCE(sw->ageing) / HZ);

static int max_learned_set(struct vmq_switch *sw, const char *buf)
{
	return vmq_store_u32(buf, 1U << 20, &sw->max_learned);
}

VMQ_SW_RW(max_learned, "%u", READ_ONCE(sw->max_learned));
VMQ_SW_RO(learned, "%d", atomic_read(&sw->learned));
VMQ_SW_RO(learn_dropped, "%lld", atomic64_read(&sw->learn_dropped));

static ssize_t flush_store(struct device *d, struct device_attribute *da,
			   const char *buf, size_t len)
{
	struct vmq_switch *sw = vmq_dev_sw(d);
	bool v;

	if (!ns_capable(dev_net(sw->dev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (vmq_parse_bool(buf, &v) || !v)
		return -EINVAL;
	vmq_fdb_flush(sw, NULL, false);
	return len;
}

static struct vmq_sw_attr vmq_sw_flush = {
	.dattr = __ATTR_WO(flush),
};

static int max_queues_set(struct vmq_switch *sw, const char *buf)
{
	u32 v;
	int err = vmq_parse_u32(buf, VMQ_MAX_QUEUES, &v);

	if (err)
		return err;
	sw->max_queues = v;
	vmq_queues_rebalance(sw);
	return 0;
}

VMQ_SW_RW(max_queues, "%u", sw->max_queues);
VMQ_SW_RO(queues_used, "%u", sw->queues_used);

static int dynamic_set(struct vmq_switch *sw, const char *buf)
{
	struct vmq_port *p;
	bool v;
	int err = vmq_parse_bool(buf, &v);

	if (err)
		return err;
	WRITE_ONCE(sw->dynamic, v);
	list_for_each_entry(p, &sw->ports, list)
		vmq_queue_place(p);
	return 0;
}

VMQ_SW_RW(dynamic, "%d", READ_ONCE(sw->dynamic));

static int home_cpu_set(struct vmq_switch *sw, const char *buf)
{
	struct vmq_port *p;
	u32 v;
	int err = vmq_parse_u32(buf, nr_cpu_ids - 1, &v);

	if (err)
		return err;
	if (!cpumask_test_cpu(v, &sw->cpus) || !cpu_online(v))
		return -EINVAL;
	WRITE_ONCE(sw->home_cpu, v);
	list_for_each_entry(p, &sw->ports, list)
		vmq_queue_place(p);
	return 0;
}

VMQ_SW_RW(home_cpu, "%d", READ_ONCE(sw->home_cpu));

static int cpus_set(struct vmq_switch *sw, const char *buf)
{
	struct cpumask mask;
	int err = cpulist_parse(buf, &mask);

	if (err)
		return err;
	if (!cpumask_subset(&mask, cpu_online_mask) || cpumask_empty(&mask))
		return -EINVAL;
	cpumask_copy(&sw->cpus, &mask);
	if (!cpumask_test_cpu(sw->home_cpu, &mask))
		WRITE_ONCE(sw->home_cpu, cpumask_first(&mask));
	return 0;
}

static ssize_t cpus_show(struct device *d, struct device_attribute *da,
			 char *buf)
{
	return sysfs_emit(buf, "%*pbl\n", cpumask_pr_args(&vmq_dev_sw(d)->cpus));
}

static struct vmq_sw_attr vmq_sw_cpus = {
	.dattr = __ATTR(cpus, 0644, cpus_show, vmq_sw_store),
	.store = cpus_set,
};

static int spread_pps_set(struct vmq_switch *sw, const char *buf)
{
	return vmq_store_u32(buf, U32_MAX, &sw->spread_pps);
}

VMQ_SW_RW(spread_pps, "%u", READ_ONCE(sw->spread_pps));

static int coalesce_pps_set(struct vmq_switch *sw, const char *buf)
{
	return vmq_store_u32(buf, U32_MAX, &sw->coalesce_pps);
}

VMQ_SW_RW(coalesce_pps, "%u", READ_ONCE(sw->coalesce_pps));
VMQ_SW_RO(hw_offload, "%s", sw->hw_ntuple ? "ntuple" : "none");

static ssize_t uplink_show(struct device *d, struct device_attribute *da,
			   char *buf)
{
	struct vmq_switch *sw = vmq_dev_sw(d);
	ssize_t n;

	if (!rtnl_trylock())
		return restart_syscall();
	n = sysfs_emit(buf, "%s\n", sw->uplink ? sw->uplink->dev->name : "");
	rtnl_unlock();
	return n;
}

static struct vmq_sw_attr vmq_sw_uplink = {
	.dattr = __ATTR_RO(uplink),
};

static struct attribute *vmq_sw_attrs[] = {
	&vmq_sw_ageing_time.dattr.attr,
	&vmq_sw_max_learned.dattr.attr,
	&vmq_sw_learned.dattr.attr,
	&vmq_sw_learn_dropped.dattr.attr,
	&vmq_sw_flush.dattr.attr,
	&vmq_sw_max_queues.dattr.attr,
	&vmq_sw_queues_used.dattr.attr,
	&vmq_sw_dynamic.dattr.attr,
	&vmq_sw_home_cpu.dattr.attr,
	&vmq_sw_cpus.dattr.attr,
	&vmq_sw_spread_pps.dattr.attr,
	&vmq_sw_coalesce_pps.dattr.attr,
	&vmq_sw_hw_offload.dattr.attr,
	&vmq_sw_uplink.dattr.attr,
	NULL,
};

static const struct attribute_group vmq_sw_group = {
	.name = "vmq",
	.attrs = vmq_sw_attrs,
};

int vmq_switch_sysfs_add(struct vmq_switch *sw)
{
	return sysfs_create_group(&sw->dev->dev.kobj, &vmq_sw_group);
}

void vmq_switch_sysfs_del(struct vmq_switch *sw)
{
	sysfs_remove_group(&sw->dev->dev.kobj, &vmq_sw_group);
}

/* ---- ports ---- */

struct vmq_port_attr {
	struct attribute attr;
	ssize_t (*show)(struct vmq_port *p, char *buf, int idx);
	int (*store)(struct vmq_port *p, const char *buf);
	int idx;
};

#define to_vmq_port(k) container_of(k, struct vmq_port, kobj)
#define to_vmq_port_attr(a) container_of(a, struct vmq_port_attr, attr)

static ssize_t vmq_port_attr_show(struct kobject *kobj, struct attribute *attr,
				  char *buf)
{
	struct vmq_port_attr *a = to_vmq_port_attr(attr);

	return a->show(to_vmq_port(kobj), buf, a->idx);
}

static ssize_t vmq_port_attr_store(struct kobject *kobj, struct attribute *attr,
				   const char *buf, size_t len)
{
	struct vmq_port_attr *a = to_vmq_port_attr(attr);
	struct vmq_port *p = to_vmq_port(kobj);
	int err;

	if (!a->store)
		return -EPERM;
	if (!ns_capable(dev_net(p->dev)->user_ns, CAP_NET_ADMIN))
		return -EPERM;
	if (!rtnl_trylock())
		return restart_syscall();
	err = p->dead ? -ENODEV : a->store(p, buf);
	rtnl_unlock();
	if (err && err != -ENODEV)
		vmq_warn(p->dev, "vmq_port/%s: rejected \"%.*s\": %d\n",
			 attr->name, (int)strcspn(buf, "\n"), buf, err);
	return err ? err : len;
}

static const struct sysfs_ops vmq_port_sysfs_ops = {
	.show = vmq_port_attr_show,
	.store = vmq_port_attr_store,
};

#define VMQ_PORT_RW(attr_name, fmt, ...)					\
static ssize_t attr_name##_pshow(struct vmq_port *p, char *buf, int idx)	\
{									\
	return sysfs_emit(buf, fmt "\n", __VA_ARGS__);				\
}									\
static struct vmq_port_attr vmq_port_##attr_name = {				\
	.attr = { .name = __stringify(attr_name), .mode = 0644 },		\
	.show = attr_name##_pshow,						\
	.store = attr_name##_pset,						\
}

#define VMQ_PORT_RO(attr_name, fmt, ...)					\
static ssize_t attr_name##_pshow(struct vmq_port *p, char *buf, int idx)	\
{									\
	return sysfs_emit(buf, fmt "\n", __VA_ARGS__);				\
}									\
static struct vmq_port_attr vmq_port_##attr_name = {				\
	.attr = { .name = __stringify(attr_name), .mode = 0444 },		\
	.show = attr_name##_pshow,						\
}

static const char * const vmq_roles[] = { "vm", "uplink" };
static const char * const vmq_vlan_modes[] = { "access", "trunk" };

static int role_pset(struct vmq_port *p, const char *buf)
{
	int i = sysfs_match_string(vmq_roles, buf);

	return i < 0 ? i : vmq_port_set_role(p, i);
}

VMQ_PORT_RW(role, "%s", vmq_roles[READ_ONCE(p->role)]);

static int mac_pset(struct vmq_port *p, const char *buf)
{
	u8 mac[ETH_ALEN];

	if (!mac_pton(buf, mac))
		return -EINVAL;
	return vmq_port_set_mac(p, mac);
}

static ssize_t mac_pshow(struct vmq_port *p, char *buf, int idx)
{
	u8 mac[ETH_ALEN];

	spin_lock_bh(&p->mac_lock);
	ether_addr_copy(mac, p->mac);
	spin_unlock_bh(&p->mac_lock);
	return sysfs_emit(buf, "%pM\n", mac);
}

static struct vmq_port_attr vmq_port_mac = {
	.attr = { .name = "mac", .mode = 0644 },
	.show = mac_pshow,
	.store = mac_pset,
};

static int mac_guard_pset(struct vmq_port *p, const char *buf)
{
	return vmq_store_bool(buf, &p->mac_guard);
}

VMQ_PORT_RW(mac_guard, "%d", READ_ONCE(p->mac_guard));

static int vlan_mode_pset(struct vmq_port *p, const char *buf)
{
	int i = sysfs_match_string(vmq_vlan_modes, buf);

	if (i < 0)
		return i;
	if (i == VMQ_VLAN_ACCESS && !p->pvid)
		return -EINVAL;		/* an access port needs its VLAN */
	WRITE_ONCE(p->vlan_mode, i);
	vmq_hw_rules_sync(p->sw);
	return 0;
}

VMQ_PORT_RW(vlan_mode, "%s", vmq_vlan_modes[READ_ONCE(p->vlan_mode)]);

static int pvid_pset(struct vmq_port *p, const char *buf)
{
	u32 v;
	int err = vmq_parse_u32(buf, VLAN_N_VID - 2, &v);

	if (err)
		return err;
	if (!v && p->vlan_mode == VMQ_VLAN_ACCESS)
		return -EINVAL;
	return vmq_port_set_pvid(p, v);
}

VMQ_PORT_RW(pvid, "%u", READ_ONCE(p->pvid));

static int trunk_vids_pset(struct vmq_port *p, const char *buf)
{
	unsigned long *bits;
	int err;

	bits = bitmap_zalloc(VLAN_N_VID, GFP_KERNEL);
	if (!bits)
		return -ENOMEM;
	err = bitmap_parselist(buf, bits, VLAN_N_VID);
	if (!err && (test_bit(0, bits) || test_bit(VLAN_N_VID - 1, bits)))
		err = -EINVAL;
	if (!err)
		bitmap_copy(p->trunk, bits, VLAN_N_VID);
	bitmap_free(bits);
	return err;
}

VMQ_PORT_RW(trunk_vids, "%*pbl", VLAN_N_VID, p->trunk);

static int max_learned_pset(struct vmq_port *p, const char *buf)
{
	return vmq_store_u32(buf, 1U << 20, &p->max_learned);
}

VMQ_PORT_RW(max_learned, "%u", READ_ONCE(p->max_learned));
VMQ_PORT_RO(learned, "%d", atomic_read(&p->learned));

static int storm_pps_pset(struct vmq_port *p, const char *buf)
{
	u32 v;
	int err = vmq_parse_u32(buf, 100000000, &v);

	if (err)
		return err;
	/* One second of burst. */
	vmq_tb_set(&p->storm_tb, v, v);
	WRITE_ONCE(p->storm_pps, v);
	return 0;
}

VMQ_PORT_RW(storm_pps, "%u", READ_ONCE(p->storm_pps));

static int max_rate_kbps_pset(struct vmq_port *p, const char *buf)
{
	u64 rate;
	u32 v;
	int err = vmq_parse_u32(buf, 100000000, &v);	/* 100 Gbit/s */

	if (err)
		return err;
	rate = (u64)v * 1000 / 8;
	/* 10 ms of burst, at least a 64 KiB GSO frame. */
	vmq_tb_set(&p->rate_tb, rate, max_t(u64, rate / 100, 65536 + ETH_HLEN));
	WRITE_ONCE(p->max_rate_kbps, v);
	return 0;
}

VMQ_PORT_RW(max_rate_kbps, "%u", READ_ONCE(p->max_rate_kbps));

static int mirror_pset(struct vmq_port *p, const char *buf)
{
	return vmq_store_bool(buf, &p->mirror);
}

VMQ_PORT_RW(mirror, "%d", READ_ONCE(p->mirror));

static int monitor_pset(struct vmq_port *p, const char *buf)
{
	struct vmq_switch *sw = p->sw;
	bool v;
	int err = vmq_parse_bool(buf, &v);

	if (err)
		return err;
	if (v)
		rcu_assign_pointer(sw->monitor, p);
	else if (rtnl_dereference(sw->monitor) == p)
		RCU_INIT_POINTER(sw->monitor, NULL);
	return 0;
}

VMQ_PORT_RW(monitor, "%d", rcu_access_pointer(p->sw->monitor) == p);

static int weight_pset(struct vmq_port *p, const char *buf)
{
	u32 v;
	int err = vmq_parse_u32(buf, 100, &v);

	if (err)
		return err;
	if (!p->weight && v)
		p->asked = ++p->sw->seq;
	p->weight = v;
	vmq_queues_rebalance(p->sw);
	return 0;
}

VMQ_PORT_RW(weight, "%u", READ_ONCE(p->weight));

static int queue_cpu_pset(struct vmq_port *p, const char *buf)
{
	int v;
	int err = kstrtoint(buf, 0, &v);

	if (err)
		return err;
	if (v < -1 || v >= (int)nr_cpu_ids || (v >= 0 && !cpu_online(v)))
		return -EINVAL;
	WRITE_ONCE(p->queue_cpu, v);
	vmq_queue_place(p);
	return 0;
}

VMQ_PORT_RW(queue_cpu, "%d", READ_ONCE(p->queue_cpu));

static ssize_t queue_pshow(struct vmq_port *p, char *buf, int idx)
{
	struct vmq_queue *q;
	int id = -1, cpu = -1;

	rcu_read_lock();
	q = rcu_dereference(p->q);
	if (q) {
		id = q->id;
		cpu = READ_ONCE(q->cpu);
	}
	rcu_read_unlock();
	return sysfs_emit(buf, "%d\n", idx ? cpu : id);
}

static struct vmq_port_attr vmq_port_queue = {
	.attr = { .name = "queue", .mode = 0444 },
	.show = queue_pshow,
};

static struct vmq_port_attr vmq_port_cpu = {
	.attr = { .name = "cpu", .mode = 0444 },
	.show = queue_pshow,
	.idx = 1,
};

VMQ_PORT_RO(hw_rule, "%d", READ_ONCE(p->hw_rule));

static struct attribute *vmq_port_attrs[] = {
	&vmq_port_role.attr,
	&vmq_port_mac.attr,
	&vmq_port_mac_guard.attr,
	&vmq_port_vlan_mode.attr,
	&vmq_port_pvid.attr,
	&vmq_port_trunk_vids.attr,
	&vmq_port_max_learned.attr,
	&vmq_port_learned.attr,
	&vmq_port_storm_pps.attr,
	&vmq_port_max_rate_kbps.attr,
	&vmq_port_mirror.attr,
	&vmq_port_monitor.attr,
	&vmq_port_weight.attr,
	&vmq_port_queue_cpu.attr,
	&vmq_port_queue.attr,
	&vmq_port_cpu.attr,
	&vmq_port_hw_rule.attr,
	NULL,
};

static const struct attribute_group vmq_port_group = {
	.attrs = vmq_port_attrs,
};

/* ---- port statistics ---- */

enum {
	VMQ_ST_RX_PACKETS = VMQ_DROP_NR,
	VMQ_ST_RX_BYTES,
	VMQ_ST_TX_PACKETS,
	VMQ_ST_TX_BYTES,
	VMQ_ST_QUEUE_PACKETS,
	VMQ_ST_QUEUE_MOVES,
	VMQ_ST_NR,
	VMQ_ST_CPU0 = 1000,
};

static const char * const vmq_stat_names[VMQ_ST_NR] = {
	[VMQ_DROP_SPOOF] = "drop_spoof",
	[VMQ_DROP_STORM] = "drop_storm",
	[VMQ_DROP_RATE] = "drop_rate",
	[VMQ_DROP_VLAN] = "drop_vlan",
	[VMQ_DROP_MTU] = "drop_mtu",
	[VMQ_DROP_MALFORMED] = "drop_malformed",
	[VMQ_DROP_QUEUE] = "drop_queue",
	[VMQ_ST_RX_PACKETS] = "rx_packets",
	[VMQ_ST_RX_BYTES] = "rx_bytes",
	[VMQ_ST_TX_PACKETS] = "tx_packets",
	[VMQ_ST_TX_BYTES] = "tx_bytes",
	[VMQ_ST_QUEUE_PACKETS] = "queue_packets",
	[VMQ_ST_QUEUE_MOVES] = "queue_moves",
};

static ssize_t vmq_stat_show(struct vmq_port *p, char *buf, int idx)
{
	struct vmq_stats_sum s;
	u64 v;

	if (idx >= VMQ_ST_CPU0)
		return sysfs_emit(buf, "%llu\n",
				  vmq_queue_packets_on(p, idx - VMQ_ST_CPU0));
	if (idx == VMQ_ST_QUEUE_MOVES)
		return sysfs_emit(buf, "%d\n", atomic_read(&p->queue_moves));
	vmq_stats_read(p, &s);
	switch (idx) {
	case VMQ_ST_RX_PACKETS:
		v = s.rx_packets;
		break;
	case VMQ_ST_RX_BYTES:
		v = s.rx_bytes;
		break;
	case VMQ_ST_TX_PACKETS:
		v = s.tx_packets;
		break;
	case VMQ_ST_TX_BYTES:
		v = s.tx_bytes;
		break;
	case VMQ_ST_QUEUE_PACKETS:
		v = s.queue_packets;
		break;
	default:
		v = s.drop[idx];
		break;
	}
	return sysfs_emit(buf, "%llu\n", v);
}

/* Built at load time: the queue_cpu<N> files depend on nr_cpu_ids. */
static struct vmq_port_attr *vmq_stat_attrs;
static struct attribute **vmq_stat_list;
static unsigned int vmq_stat_count;

static struct attribute_group vmq_stats_group = {
	.name = "statistics",
};

static const struct attribute_group *vmq_port_groups[] = {
	&vmq_port_group,
	&vmq_stats_group,
	NULL,
};

static void vmq_port_release(struct kobject *kobj)
{
	struct vmq_port *p = to_vmq_port(kobj);

	free_percpu(p->stats);
	dev_put(p->dev);
	kfree(p);
}

const struct kobj_type vmq_port_ktype = {
	.release = vmq_port_release,
	.sysfs_ops = &vmq_port_sysfs_ops,
	.default_groups = vmq_port_groups,
};

void vmq_sysfs_exit(void)
{
	unsigned int i;

	for (i = VMQ_ST_NR; vmq_stat_attrs && i < vmq_stat_count; i++)
		kfree(vmq_stat_attrs[i].attr.name);
	kfree(vmq_stat_attrs);
	kfree(vmq_stat_list);
	vmq_stat_attrs = NULL;
	vmq_stat_list = NULL;
}

int vmq_sysfs_init(void)
{
	unsigned int n = VMQ_ST_NR + nr_cpu_ids, i;

	vmq_stat_attrs = kcalloc(n, sizeof(*vmq_stat_attrs), GFP_KERNEL);
	vmq_stat_list = kcalloc(n + 1, sizeof(*vmq_stat_list), GFP_KERNEL);
	if (!vmq_stat_attrs || !vmq_stat_list)
		goto nomem;
	for (i = 0; i < n; i++) {
		struct vmq_port_attr *a = &vmq_stat_attrs[i];

		if (i < VMQ_ST_NR) {
			a->attr.name = vmq_stat_names[i];
			a->idx = i;
		} else {
			a->attr.name = kasprintf(GFP_KERNEL, "queue_cpu%u",
						 i - VMQ_ST_NR);
			if (!a->attr.name)
				goto nomem;
			a->idx = VMQ_ST_CPU0 + i - VMQ_ST_NR;
		}
		a->attr.mode = 0444;
		a->show = vmq_stat_show;
		vmq_stat_list[i] = &a->attr;
		vmq_stat_count = i + 1;
	}
	vmq_stats_group.attrs = vmq_stat_list;
	return 0;

nomem:
	vmq_sysfs_exit();
	return -ENOMEM;
}
