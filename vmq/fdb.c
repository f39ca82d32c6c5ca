// SPDX-License-Identifier: GPL-2.0
/*
 * vmq FDB: (MAC, VLAN) -> port, learned on every frame, aged by a work,
 * capped against MAC floods, and served to "bridge fdb" over rtnetlink.
 */
#include <linux/jhash.h>
#include <linux/rtnetlink.h>
#include <net/netlink.h>
#include <net/rtnetlink.h>
#include <uapi/linux/neighbour.h>
#include "vmq.h"

static u32 vmq_fdb_hash(const u8 *addr, u16 vid)
{
	u32 a = get_unaligned((const u32 *)addr);
	u32 b = get_unaligned((const u16 *)(addr + 4)) | ((u32)vid << 16);

	return jhash_2words(a, b, 0) & (VMQ_FDB_SIZE - 1);
}

struct vmq_fdb *vmq_fdb_find(struct vmq_switch *sw, const u8 *addr, u16 vid)
{
	struct hlist_head *head = &sw->fdb[vmq_fdb_hash(addr, vid)];
	struct vmq_fdb *f;

	hlist_for_each_entry_rcu(f, head, node,
				 lockdep_is_held(&sw->fdb_lock)) {
		if (f->vid == vid && ether_addr_equal(f->addr, addr))
			return f;
	}
	return NULL;
}

static void vmq_fdb_count(struct vmq_switch *sw, struct vmq_fdb *f, int d)
{
	struct vmq_port *p;

	if (f->is_static)
		return;
	atomic_add(d, &sw->learned);
	p = rcu_dereference_protected(f->port, lockdep_is_held(&sw->fdb_lock));
	if (p)
		atomic_add(d, &p->learned);
}

static void vmq_fdb_unlink(struct vmq_switch *sw, struct vmq_fdb *f)
{
	vmq_fdb_count(sw, f, -1);
	f->dead = true;
	hlist_del_rcu(&f->node);
	kfree_rcu(f, rcu);
}

/* Under fdb_lock: a new entry, counted; NULL when out of memory. */
static struct vmq_fdb *vmq_fdb_insert(struct vmq_switch *sw,
				      struct vmq_port *p, const u8 *addr,
				      u16 vid, bool is_static)
{
	struct vmq_fdb *f = kzalloc(sizeof(*f), GFP_ATOMIC);

	if (!f)
		return NULL;
	ether_addr_copy(f->addr, addr);
	f->vid = vid;
	f->is_static = is_static;
	f->updated = jiffies;
	RCU_INIT_POINTER(f->port, p);
	hlist_add_head_rcu(&f->node, &sw->fdb[vmq_fdb_hash(addr, vid)]);
	vmq_fdb_count(sw, f, 1);
	return f;
}

static bool vmq_fdb_full(struct vmq_switch *sw, struct vmq_port *p)
{
	u32 sw_max = READ_ONCE(sw->max_learned);
	u32 p_max = READ_ONCE(p->max_learned);

	return (sw_max && atomic_read(&sw->learned) >= sw_max) ||
	       (p_max && atomic_read(&p->learned) >= p_max);
}

/* Softirq context: every frame from a port comes here. */
void vmq_fdb_learn(struct vmq_switch *sw, struct vmq_port *p,
		   const u8 *addr, u16 vid)
{
	unsigned long now = jiffies;
	struct vmq_fdb *f;

	f = vmq_fdb_find(sw, addr, vid);
	if (likely(f)) {
		if (unlikely(rcu_access_pointer(f->port) != p) &&
		    !f->is_static) {
			/* A MAC move (a migrated VM's gratuitous ARP). */
			spin_lock(&sw->fdb_lock);
			if (!f->dead && !f->is_static) {
				vmq_fdb_count(sw, f, -1);
				rcu_assign_pointer(f->port, p);
				vmq_fdb_count(sw, f, 1);
			}
			spin_unlock(&sw->fdb_lock);
		}
		if (READ_ONCE(f->updated) != now)
			WRITE_ONCE(f->updated, now);
		return;
	}

	if (vmq_fdb_full(sw, p)) {
		atomic64_inc(&sw->learn_dropped);
		return;
	}
	spin_lock(&sw->fdb_lock);
	if (vmq_fdb_find(sw, addr, vid) || vmq_fdb_full(sw, p)) {
		spin_unlock(&sw->fdb_lock);
		return;
	}
	vmq_fdb_insert(sw, p, addr, vid, false);
	spin_unlock(&sw->fdb_lock);
}

/* Add or replace an entry from the control plane (process context). */
int vmq_fdb_set(struct vmq_switch *sw, struct vmq_port *p, const u8 *addr,
		u16 vid, bool is_static, bool excl)
{
	struct vmq_fdb *f;
	int err = 0;

	spin_lock_bh(&sw->fdb_lock);
	f = vmq_fdb_find(sw, addr, vid);
	if (f && excl) {
		err = -EEXIST;
	} else if (f) {
		vmq_fdb_count(sw, f, -1);
		f->is_static = is_static;
		rcu_assign_pointer(f->port, p);
		f->updated = jiffies;
		vmq_fdb_count(sw, f, 1);
	} else if (!vmq_fdb_insert(sw, p, addr, vid, is_static)) {
		err = -ENOMEM;
	}
	spin_unlock_bh(&sw->fdb_lock);
	return err;
}

int vmq_fdb_remove(struct vmq_switch *sw, const u8 *addr, u16 vid,
		   bool any_vid)
{
	struct hlist_node *tmp;
	struct vmq_fdb *f;
	int found = 0;
	u32 i;

	spin_lock_bh(&sw->fdb_lock);
	if (!any_vid) {
		f = vmq_fdb_find(sw, addr, vid);
		if (f) {
			vmq_fdb_unlink(sw, f);
			found = 1;
		}
	} else {
		for (i = 0; i < VMQ_FDB_SIZE; i++)
			hlist_for_each_entry_safe(f, tmp, &sw->fdb[i], node) {
				if (!ether_addr_equal(f->addr, addr))
					continue;
				vmq_fdb_unlink(sw, f);
				found++;
			}
	}
	spin_unlock_bh(&sw->fdb_lock);
	return found ? 0 : -ENOENT;
}

/* p NULL: every port; with_static: static entries too. */
void vmq_fdb_flush(struct vmq_switch *sw, struct vmq_port *p,
		   bool with_static)
{
	struct hlist_node *tmp;
	struct vmq_fdb *f;
	u32 i;

	spin_lock_bh(&sw->fdb_lock);
	for (i = 0; i < VMQ_FDB_SIZE; i++)
		hlist_for_each_entry_safe(f, tmp, &sw->fdb[i], node) {
			if (p && rcu_access_pointer(f->port) != p)
				continue;
			if (f->is_static && !with_static)
				continue;
			vmq_fdb_unlink(sw, f);
		}
	spin_unlock_bh(&sw->fdb_lock);
}

static void vmq_fdb_gc(struct work_struct *work)
{
	struct vmq_switch *sw = container_of(to_delayed_work(work),
					     struct vmq_switch, gc_work);
	unsigned long ageing = READ_ONCE(sw->ageing);
	unsigned long now = jiffies;
	struct hlist_node *tmp;
	struct vmq_fdb *f;
	u32 i;

	if (ageing) {
		spin_lock_bh(&sw->fdb_lock);
		for (i = 0; i < VMQ_FDB_SIZE; i++)
			hlist_for_each_entry_safe(f, tmp, &sw->fdb[i], node) {
				if (f->is_static ||
				    time_before(now, READ_ONCE(f->updated) + ageing))
					continue;
				vmq_fdb_unlink(sw, f);
			}
		spin_unlock_bh(&sw->fdb_lock);
	}
	/* Scan ten times per ageing period, at most once a second. */
	queue_delayed_work(system_power_efficient_wq, &sw->gc_work,
			   clamp_t(unsigned long, ageing / 10, HZ / 10, HZ));
}

void vmq_fdb_gc_kick(struct vmq_switch *sw)
{
	mod_delayed_work(system_power_efficient_wq, &sw->gc_work, 0);
}

void vmq_fdb_init(struct vmq_switch *sw)
{
	u32 i;

	spin_lock_init(&sw->fdb_lock);
	for (i = 0; i < VMQ_FDB_SIZE; i++)
		INIT_HLIST_HEAD(&sw->fdb[i]);
	sw->max_learned = 8192;
	sw->ageing = 300 * HZ;
	INIT_DELAYED_WORK(&sw->gc_work, vmq_fdb_gc);
	queue_delayed_work(system_power_efficient_wq, &sw->gc_work, HZ);
}

/* The port named by "via" (NDA_IFINDEX), NULL without one. */
static struct vmq_port *vmq_fdb_via(struct vmq_switch *sw, struct nlattr *tb[],
				    struct netlink_ext_ack *extack)
{
	struct net_device *pdev;
	struct vmq_port *p;

	if (!tb[NDA_IFINDEX])
		return NULL;
	if (nla_len(tb[NDA_IFINDEX]) != sizeof(u32))
		return ERR_PTR(-EINVAL);
	pdev = __dev_get_by_index(dev_net(sw->dev),
				  nla_get_u32(tb[NDA_IFINDEX]));
	p = pdev ? vmq_port_rtnl(pdev) : NULL;
	if (!p || p->sw != sw) {
		NL_SET_ERR_MSG(extack, "vmq: 'via' device is not a port of this switch");
		return ERR_PTR(-EINVAL);
	}
	return p;
}

/* "bridge fdb add MAC dev sw0 self [static|dynamic] [via PORT] [vlan N]" */
int vmq_ndo_fdb_add(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, u16 flags, struct netlink_ext_ack *extack)
{
	struct vmq_switch *sw = netdev_priv(dev);
	struct vmq_port *p = NULL;
	bool is_static;

	if (!netif_is_vmq(dev)) {
		NL_SET_ERR_MSG(extack, "vmq: fdb entries go on the switch (dev SWITCH self)");
		return -EOPNOTSUPP;
	}
	if (!is_valid_ether_addr(addr)) {
		NL_SET_ERR_MSG(extack, "vmq: fdb address must be unicast and not zero");
		return -EINVAL;
	}
	p = vmq_fdb_via(sw, tb, extack);
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (vid >= VLAN_N_VID - 1)
		return -EINVAL;
	if (!vid)
		vid = p ? (p->pvid ? : VMQ_LOCAL_PVID) : VMQ_LOCAL_PVID;
	if (!p && !(ndm->ndm_state & (NUD_NOARP | NUD_PERMANENT))) {
		NL_SET_ERR_MSG(extack, "vmq: an entry for the switch itself must be static");
		return -EINVAL;
	}
	is_static = ndm->ndm_state & (NUD_NOARP | NUD_PERMANENT);
	if (!is_static && vmq_fdb_full(sw, p))
		return -ENOSPC;
	return vmq_fdb_set(sw, p, addr, vid, is_static,
			   (flags & NLM_F_EXCL) && !(flags & NLM_F_REPLACE));
}

/* With "via PORT", only the entry on that port goes. */
int vmq_ndo_fdb_del(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, struct netlink_ext_ack *extack)
{
	struct vmq_switch *sw = netdev_priv(dev);
	struct vmq_port *p;
	struct vmq_fdb *f;

	if (!netif_is_vmq(dev))
		return -EOPNOTSUPP;
	p = vmq_fdb_via(sw, tb, extack);
	if (IS_ERR(p))
		return PTR_ERR(p);
	if (p) {
		if (!vid)
			vid = p->pvid ? : VMQ_LOCAL_PVID;
		rcu_read_lock();
		f = vmq_fdb_find(sw, addr, vid);
		if (f && rcu_access_pointer(f->port) != p)
			f = NULL;
		rcu_read_unlock();
		if (!f)
			return -ENOENT;
		return vmq_fdb_remove(sw, addr, vid, false);
	}
	return vmq_fdb_remove(sw, addr, vid, !vid);
}

static int vmq_fdb_fill(struct sk_buff *skb, struct vmq_switch *sw,
			const struct vmq_fdb *f, u32 portid, u32 seq)
{
	const struct vmq_port *p = rcu_dereference(f->port);
	unsigned long now = jiffies;
	struct nda_cacheinfo ci = {};
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	u16 vid = f->vid;

	nlh = nlmsg_put(skb, portid, seq, RTM_NEWNEIGH, sizeof(*ndm),
			NLM_F_MULTI);
	if (!nlh)
		return -EMSGSIZE;
	ndm = nlmsg_data(nlh);
	memset(ndm, 0, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	/* As added: "dev SWITCH via PORT", so "bridge fdb show dev sw0" works. */
	ndm->ndm_ifindex = sw->dev->ifindex;
	ndm->ndm_state = f->is_static ? NUD_NOARP : NUD_REACHABLE;
	if (!p)
		ndm->ndm_state |= NUD_PERMANENT;
	ci.ndm_updated = jiffies_to_clock_t(now - READ_ONCE(f->updated));
	ci.ndm_used = ci.ndm_updated;
	if (nla_put(skb, NDA_LLADDR, ETH_ALEN, f->addr) ||
	    (p && nla_put_u32(skb, NDA_IFINDEX, p->dev->ifindex)) ||
	    nla_put(skb, NDA_CACHEINFO, sizeof(ci), &ci) ||
	    nla_put(skb, NDA_VLAN, sizeof(vid), &vid)) {
		nlmsg_cancel(skb, nlh);
		return -EMSGSIZE;
	}
	nlmsg_end(skb, nlh);
	return 0;
}

int vmq_ndo_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb,
		     struct net_device *dev, struct net_device *filter_dev,
		     int *idx)
{
	struct vmq_switch *sw = netdev_priv(dev);
	struct vmq_fdb *f;
	int err = 0;
	u32 i;

	if (!netif_is_vmq(dev))
		return 0;
	rcu_read_lock();
	for (i = 0; i < VMQ_FDB_SIZE && !err; i++) {
		hlist_for_each_entry_rcu(f, &sw->fdb[i], node) {
			if (*idx >= cb->args[2]) {
				err = vmq_fdb_fill(skb, sw, f,
						   NETLINK_CB(cb->skb).portid,
						   cb->nlh->nlmsg_seq);
				if (err)
					break;
			}
			*idx += 1;
		}
	}
	rcu_read_unlock();
	return err;
}
