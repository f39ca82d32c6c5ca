// SPDX-License-Identifier: GPL-2.0
/*
 * vmq ports: enslaving and releasing devices, the uplink's receive filter
 * and the notifier that lets a port go with its device.
 */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#include <linux/if_arp.h>
#include <linux/rtnetlink.h>
#include "vmq.h"

struct vmq_port *vmq_port_rtnl(const struct net_device *dev)
{
	if (rcu_access_pointer(dev->rx_handler) != vmq_handle_frame)
		return NULL;
	return rtnl_dereference(dev->rx_handler_data);
}

static int vmq_port_check(struct vmq_switch *sw, struct net_device *dev,
			  struct netlink_ext_ack *extack)
{
	if (dev == sw->dev || netif_is_vmq(dev)) {
		NL_SET_ERR_MSG(extack, "vmq: a switch cannot be a port");
		return -ELOOP;
	}
	if ((dev->flags & IFF_LOOPBACK) || dev->type != ARPHRD_ETHER ||
	    dev->addr_len != ETH_ALEN || !is_valid_ether_addr(dev->dev_addr)) {
		NL_SET_ERR_MSG(extack, "vmq: only Ethernet devices can be ports");
		return -EINVAL;
	}
	if (netdev_master_upper_dev_get(dev)) {
		NL_SET_ERR_MSG(extack, "vmq: device already has a master");
		return -EBUSY;
	}
	return 0;
}

int vmq_port_add(struct vmq_switch *sw, struct net_device *dev,
		 struct netlink_ext_ack *extack)
{
	struct vmq_port *p;
	int err;

	err = vmq_port_check(sw, dev, extack);
	if (err)
		return err;

	p = kzalloc(sizeof(*p), GFP_KERNEL);
	if (!p)
		return -ENOMEM;
	p->stats = netdev_alloc_pcpu_stats(struct vmq_stats);
	if (!p->stats) {
		kfree(p);
		return -ENOMEM;
	}
	p->sw = sw;
	p->dev = dev;
	p->role = VMQ_ROLE_VM;
	p->vlan_mode = VMQ_VLAN_ACCESS;
	p->pvid = 1;
	p->max_learned = 1024;
	p->weight = 100;
	p->queue_cpu = -1;
	p->hw_rule = -1;
	p->asked = ++sw->seq;
	spin_lock_init(&p->mac_lock);
	spin_lock_init(&p->storm_tb.lock);
	spin_lock_init(&p->rate_tb.lock);
	dev_hold(dev);

	/* From here the kobject owns p: kobject_put() frees it. */
	err = kobject_init_and_add(&p->kobj, &vmq_port_ktype, &dev->dev.kobj,
				   "vmq_port");
	if (err)
		goto put;

	err = netdev_master_upper_dev_link(dev, sw->dev, NULL, NULL, extack);
	if (err)
		goto del_kobj;

	err = netdev_rx_handler_register(dev, vmq_handle_frame, p);
	if (err) {
		NL_SET_ERR_MSG(extack, "vmq: device is busy (another master?)");
		goto unlink;
	}

	err = dev_set_promiscuity(dev, 1);
	if (err)
		goto unregister;
	p->promisc = true;

	list_add_tail_rcu(&p->list, &sw->ports);
	vmq_features_recompute(sw);
	vmq_queues_rebalance(sw);
	kobject_uevent(&p->kobj, KOBJ_ADD);
	return 0;

unregister:
	netdev_rx_handler_unregister(dev);
unlink:
	netdev_upper_dev_unlink(dev, sw->dev);
del_kobj:
	kobject_del(&p->kobj);
put:
	kobject_put(&p->kobj);
	return err;
}

/* The uplink's unicast filter holds every VM port's MAC. */
static void vmq_uplink_filter(struct vmq_switch *sw, struct vmq_port *p,
			      bool add)
{
	struct net_device *up = sw->uplink ? sw->uplink->dev : NULL;

	if (up && !is_zero_ether_addr(p->uc_mac))
		dev_uc_del(up, p->uc_mac);
	eth_zero_addr(p->uc_mac);
	if (add && up && p != sw->uplink && !is_zero_ether_addr(p->mac) &&
	    !dev_uc_add(up, p->mac))
		ether_addr_copy(p->uc_mac, p->mac);
}

/*
 * Keep the uplink out of promiscuous mode: its filter takes the VM ports'
 * MACs; only a VM port with no MAC set forces promiscuous mode.
 */
void vmq_uplink_sync(struct vmq_switch *sw)
{
	struct vmq_port *up = sw->uplink, *p;
	bool promisc = false;

	ASSERT_RTNL();
	if (!up)
		return;
	list_for_each_entry(p, &sw->ports, list) {
		if (p == up)
			continue;
		if (!ether_addr_equal(p->uc_mac, p->mac))
			vmq_uplink_filter(sw, p, true);
		if (is_zero_ether_addr(p->mac))
			promisc = true;
	}
	if (promisc != sw->uplink_promisc &&
	    !dev_set_promiscuity(up->dev, promisc ? 1 : -1))
		sw->uplink_promisc = promisc;
	vmq_hw_rules_sync(sw);
}

static void vmq_uplink_teardown(struct vmq_switch *sw)
{
	struct vmq_port *up = sw->uplink, *p;

	list_for_each_entry(p, &sw->ports, list)
		vmq_uplink_filter(sw, p, false);
	if (sw->uplink_promisc)
		dev_set_promiscuity(up->dev, -1);
	sw->uplink_promisc = false;
	dev_set_allmulti(up->dev, -1);
	sw->hw_ntuple = false;
	vmq_hw_rules_sync(sw);
	sw->uplink = NULL;
}

int vmq_port_set_role(struct vmq_port *p, u8 role)
{
	struct vmq_switch *sw = p->sw;
	int err;

	ASSERT_RTNL();
	if (p->role == role)
		return 0;
	if (role == VMQ_ROLE_UPLINK) {
		if (sw->uplink)
			return -EBUSY;
		err = dev_set_allmulti(p->dev, 1);
		if (err)
			return err;
		/* An uplink is filtered by MAC, not promiscuous. */
		if (p->promisc)
			dev_set_promiscuity(p->dev, -1);
		p->promisc = false;
		vmq_uplink_filter(sw, p, false);
		p->role = role;
		sw->uplink = p;
		sw->hw_ntuple = (p->dev->features & NETIF_F_NTUPLE) &&
				p->dev->ethtool_ops &&
				p->dev->ethtool_ops->set_rxnfc;
		vmq_queues_rebalance(sw);
		vmq_uplink_sync(sw);
		return 0;
	}
	vmq_uplink_teardown(sw);
	if (!dev_set_promiscuity(p->dev, 1))
		p->promisc = true;
	p->role = role;
	vmq_queues_rebalance(sw);
	return 0;
}

/* The VM's own MAC: a static FDB entry, the spoof guard, the uplink filter. */
int vmq_port_set_mac(struct vmq_port *p, const u8 *mac)
{
	struct vmq_switch *sw = p->sw;
	int err;

	ASSERT_RTNL();
	if (!is_zero_ether_addr(mac) && !is_valid_ether_addr(mac))
		return -EINVAL;
	if (!is_zero_ether_addr(mac)) {
		err = vmq_fdb_set(sw, p, mac, p->pvid ? : VMQ_LOCAL_PVID,
				  true, false);
		if (err)
			return err;
	}
	spin_lock_bh(&p->mac_lock);
	if (!is_zero_ether_addr(p->mac) && !ether_addr_equal(p->mac, mac))
		vmq_fdb_remove(sw, p->mac, 0, true);
	ether_addr_copy(p->mac, mac);
	spin_unlock_bh(&p->mac_lock);
	vmq_uplink_sync(sw);
	return 0;
}

int vmq_port_set_pvid(struct vmq_port *p, u16 pvid)
{
	u16 old = p->pvid;
	int err;

	ASSERT_RTNL();
	if (pvid == old)
		return 0;
	if (!is_zero_ether_addr(p->mac) && pvid) {
		err = vmq_fdb_set(p->sw, p, p->mac, pvid, true, false);
		if (err)
			return err;
		if (old)
			vmq_fdb_remove(p->sw, p->mac, old, false);
	}
	WRITE_ONCE(p->pvid, pvid);
	vmq_hw_rules_sync(p->sw);
	return 0;
}

int vmq_port_del(struct vmq_switch *sw, struct net_device *dev)
{
	struct vmq_port *p = vmq_port_rtnl(dev);

	ASSERT_RTNL();
	if (!p || p->sw != sw)
		return -EINVAL;

	p->dead = true;
	list_del_rcu(&p->list);
	if (rcu_access_pointer(sw->monitor) == p)
		RCU_INIT_POINTER(sw->monitor, NULL);
	if (sw->uplink == p)
		vmq_uplink_teardown(sw);
	else
		vmq_uplink_filter(sw, p, false);
	vmq_queue_release(p);
	vmq_fdb_flush(sw, p, true);
	/* Waits for every reader that may still hold p (synchronize_net). */
	netdev_rx_handler_unregister(dev);
	netdev_upper_dev_unlink(dev, sw->dev);
	if (p->promisc)
		dev_set_promiscuity(dev, -1);
	kobject_uevent(&p->kobj, KOBJ_REMOVE);
	kobject_del(&p->kobj);
	vmq_port_destroy(p);
	if (!sw->dead) {
		vmq_uplink_sync(sw);
		vmq_queues_rebalance(sw);
		vmq_features_recompute(sw);
	}
	return 0;
}

/* Last reference of the port's kobject. */
void vmq_port_destroy(struct vmq_port *p)
{
	kobject_put(&p->kobj);
}

static int vmq_netdev_event(struct notifier_block *nb, unsigned long event,
			    void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct vmq_port *p = vmq_port_rtnl(dev);

	if (!p)
		return NOTIFY_DONE;
	switch (event) {
	case NETDEV_UNREGISTER:
		vmq_port_del(p->sw, dev);
		break;
	case NETDEV_FEAT_CHANGE:
		vmq_features_recompute(p->sw);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block vmq_notifier = {
	.notifier_call = vmq_netdev_event,
};

int vmq_notifier_init(void)
{
	return register_netdevice_notifier(&vmq_notifier);
}

void vmq_notifier_exit(void)
{
	unregister_netdevice_notifier(&vmq_notifier);
}
