// SPDX-License-Identifier: GPL-2.0
/*
 * vmq: the switch device ("ip link add sw0 type vmq"), its netdev and
 * rtnl_link operations, and the module's life.
 */
#include <linux/module.h>
#include <net/rtnetlink.h>
#include "vmq.h"

#define VMQ_FEATURES (NETIF_F_SG | NETIF_F_FRAGLIST | NETIF_F_HIGHDMA | \
		      NETIF_F_GSO_MASK | NETIF_F_HW_CSUM)

static int vmq_dev_init(struct net_device *dev)
{
	struct vmq_switch *sw = netdev_priv(dev);

	dev->tstats = netdev_alloc_pcpu_stats(struct pcpu_sw_netstats);
	if (!dev->tstats)
		return -ENOMEM;
	sw->dev = dev;
	INIT_LIST_HEAD(&sw->ports);
	vmq_fdb_init(sw);
	sw->max_queues = 8;
	sw->dynamic = true;
	cpumask_copy(&sw->cpus, cpu_online_mask);
	sw->home_cpu = cpumask_first(&sw->cpus);
	sw->spread_pps = 20000;
	sw->coalesce_pps = 2000;
	vmq_dvmq_init(sw);
	return 0;
}

static void vmq_dev_uninit(struct net_device *dev)
{
	struct vmq_switch *sw = netdev_priv(dev);
	struct vmq_port *p, *n;

	sw->dead = true;
	list_for_each_entry_safe(p, n, &sw->ports, list)
		vmq_port_del(sw, p->dev);
	cancel_delayed_work_sync(&sw->dvmq_work);
	cancel_delayed_work_sync(&sw->gc_work);
	vmq_fdb_flush(sw, NULL, true);
	free_percpu(dev->tstats);
}

static int vmq_dev_open(struct net_device *dev)
{
	netif_start_queue(dev);
	return 0;
}

static int vmq_dev_stop(struct net_device *dev)
{
	netif_stop_queue(dev);
	return 0;
}

/* The switch device is the local port: what it sends enters the switch. */
static netdev_tx_t vmq_dev_xmit(struct sk_buff *skb, struct net_device *dev)
{
	struct vmq_switch *sw = netdev_priv(dev);

	dev_sw_netstats_tx_add(dev, 1, skb->len);
	if (unlikely(skb->len < ETH_HLEN)) {
		kfree_skb(skb);
		return NETDEV_TX_OK;
	}
	skb_reset_mac_header(skb);
	skb_pull(skb, ETH_HLEN);
	rcu_read_lock();
	vmq_ingress(sw, NULL, skb);
	rcu_read_unlock();
	return NETDEV_TX_OK;
}

static void vmq_dev_set_rx_mode(struct net_device *dev)
{
	/* Frames reach the local port by the FDB, not by a filter. */
}

static int vmq_dev_change_mtu(struct net_device *dev, int mtu)
{
	dev->mtu = mtu;
	return 0;
}

static int vmq_add_slave(struct net_device *dev, struct net_device *slave,
			 struct netlink_ext_ack *extack)
{
	return vmq_port_add(netdev_priv(dev), slave, extack);
}

static int vmq_del_slave(struct net_device *dev, struct net_device *slave)
{
	return vmq_port_del(netdev_priv(dev), slave);
}

/* Like the bridge: offer what every port can do, GSO in software. */
static netdev_features_t vmq_fix_features(struct net_device *dev,
					  netdev_features_t features)
{
	struct vmq_switch *sw = netdev_priv(dev);
	netdev_features_t mask = features;
	struct vmq_port *p;

	if (list_empty(&sw->ports))
		return features;
	features &= ~NETIF_F_ONE_FOR_ALL;
	features |= NETIF_F_ALL_FOR_ALL;
	list_for_each_entry(p, &sw->ports, list)
		features = netdev_increment_features(features, p->dev->features,
						     mask);
	return features | NETIF_F_GSO_SOFTWARE;
}

void vmq_features_recompute(struct vmq_switch *sw)
{
	netdev_update_features(sw->dev);
}

const struct net_device_ops vmq_netdev_ops = {
	.ndo_init		= vmq_dev_init,
	.ndo_uninit		= vmq_dev_uninit,
	.ndo_open		= vmq_dev_open,
	.ndo_stop		= vmq_dev_stop,
	.ndo_start_xmit		= vmq_dev_xmit,
	.ndo_get_stats64	= dev_get_tstats64,
	.ndo_set_mac_address	= eth_mac_addr,
	.ndo_validate_addr	= eth_validate_addr,
	.ndo_set_rx_mode	= vmq_dev_set_rx_mode,
	.ndo_change_mtu		= vmq_dev_change_mtu,
	.ndo_add_slave		= vmq_add_slave,
	.ndo_del_slave		= vmq_del_slave,
	.ndo_fix_features	= vmq_fix_features,
	.ndo_fdb_add		= vmq_ndo_fdb_add,
	.ndo_fdb_del		= vmq_ndo_fdb_del,
	.ndo_fdb_dump		= vmq_ndo_fdb_dump,
};

static void vmq_setup(struct net_device *dev)
{
	ether_setup(dev);
	eth_hw_addr_random(dev);
	dev->netdev_ops = &vmq_netdev_ops;
	dev->ethtool_ops = &vmq_ethtool_ops;
	dev->needs_free_netdev = true;
	dev->priv_flags |= IFF_NO_QUEUE;
	dev->features = VMQ_FEATURES | NETIF_F_LLTX | NETIF_F_NETNS_LOCAL |
			NETIF_F_HW_VLAN_CTAG_TX;
	dev->hw_features = VMQ_FEATURES | NETIF_F_HW_VLAN_CTAG_TX;
	dev->vlan_features = VMQ_FEATURES;
	dev->min_mtu = ETH_MIN_MTU;
	dev->max_mtu = VMQ_MAX_MTU;
}

static int vmq_newlink(struct net *net, struct net_device *dev,
		       struct nlattr *tb[], struct nlattr *data[],
		       struct netlink_ext_ack *extack)
{
	struct vmq_switch *sw = netdev_priv(dev);
	int err;

	err = register_netdevice(dev);
	if (err)
		return err;
	err = vmq_switch_sysfs_add(sw);
	if (err) {
		unregister_netdevice(dev);
		return err;
	}
	return 0;
}

static void vmq_dellink(struct net_device *dev, struct list_head *head)
{
	vmq_switch_sysfs_del(netdev_priv(dev));
	unregister_netdevice_queue(dev, head);
}

static struct rtnl_link_ops vmq_link_ops __read_mostly = {
	.kind		= "vmq",
	.priv_size	= sizeof(struct vmq_switch),
	.setup		= vmq_setup,
	.newlink	= vmq_newlink,
	.dellink	= vmq_dellink,
};

static int __init vmq_init(void)
{
	int err;

	err = vmq_sysfs_init();
	if (err)
		return err;
	err = vmq_notifier_init();
	if (err)
		goto out_sysfs;
	err = rtnl_link_register(&vmq_link_ops);
	if (err)
		goto out_notifier;
	return 0;

out_notifier:
	vmq_notifier_exit();
out_sysfs:
	vmq_sysfs_exit();
	return err;
}

static void __exit vmq_exit(void)
{
	rtnl_link_unregister(&vmq_link_ops);
	vmq_notifier_exit();
	rcu_barrier();
	vmq_sysfs_exit();
}

module_init(vmq_init);
module_exit(vmq_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vmq: a VMQ-aware virtual switch");
MODULE_ALIAS_RTNL_LINK("vmq");
