/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmq: a VMQ-aware virtual switch. Shared definitions of the switch, its
 * ports, the FDB and the per-port receive queues.
 */
#ifndef VMQ_H
#define VMQ_H

#include <linux/bits.h>
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/if_vlan.h>
#include <linux/kobject.h>
#include <linux/u64_stats_sync.h>
#include <linux/workqueue.h>
#include <linux/cpumask.h>
#include <linux/smp.h>

#define VMQ_MAX_MTU		9000
#define VMQ_FDB_BITS		10
#define VMQ_FDB_SIZE		BIT(VMQ_FDB_BITS)
#define VMQ_MAX_QUEUES		64
#define VMQ_QUEUE_LEN		1024
#define VMQ_DVMQ_MS		200
#define VMQ_DVMQ_QUIET		5	/* periods before coalescing */
#define VMQ_LOCAL_PVID		1

enum vmq_role {
	VMQ_ROLE_VM,
	VMQ_ROLE_UPLINK,
};

enum vmq_vlan_mode {
	VMQ_VLAN_ACCESS,
	VMQ_VLAN_TRUNK,
};

/* Why a frame was dropped; one counter each in statistics/. */
enum vmq_drop {
	VMQ_DROP_SPOOF,
	VMQ_DROP_STORM,
	VMQ_DROP_RATE,
	VMQ_DROP_VLAN,
	VMQ_DROP_MTU,
	VMQ_DROP_MALFORMED,
	VMQ_DROP_QUEUE,
	VMQ_DROP_NR,
};

struct vmq_stats {
	u64_stats_t rx_packets;
	u64_stats_t rx_bytes;
	u64_stats_t tx_packets;
	u64_stats_t tx_bytes;
	u64_stats_t queue_packets;
	u64_stats_t drop[VMQ_DROP_NR];
	struct u64_stats_sync syncp;
};

/* Summed over CPUs for sysfs and ethtool. */
struct vmq_stats_sum {
	u64 rx_packets, rx_bytes, tx_packets, tx_bytes, queue_packets;
	u64 drop[VMQ_DROP_NR];
};

/* Token bucket: tokens are frames (storm) or bytes (bandwidth). */
struct vmq_tb {
	spinlock_t lock;	/* tokens and stamp */
	u64 rate;		/* tokens per second, 0 = off */
	u64 burst;		/* in 1e-9 tokens, as tokens */
	u64 tokens;
	u64 stamp;		/* ns */
};

struct vmq_switch;
struct vmq_port;

struct vmq_queue {
	struct vmq_switch *sw;
	struct vmq_port *port;
	int id;
	int cpu;		/* READ_ONCE: where deliveries run */
	u64 granted;		/* order of grant, newest taken back first */
	struct napi_struct napi;
	struct sk_buff_head skbs;
	call_single_data_t csd;
	unsigned long kicking;	/* bit 0: an IPI to cpu is in flight */
	/* dynamic VMQ's view, only touched by its work */
	u64 last_packets;
	u64 pps;
	unsigned int quiet;	/* periods in a row under coalesce_pps */
};

struct vmq_port {
	struct list_head list;		/* sw->ports, RCU */
	struct vmq_switch *sw;
	struct net_device *dev;
	struct kobject kobj;		/* /sys/class/net/<dev>/vmq_port */
	bool dead;			/* being removed: sysfs stores fail */
	bool promisc;			/* we raised the device's promiscuity */

	/* Configuration: written under RTNL, read locklessly. */
	u8 role;
	u8 vlan_mode;
	u16 pvid;
	unsigned long trunk[BITS_TO_LONGS(VLAN_N_VID)];
	u8 mac[ETH_ALEN];
	u8 uc_mac[ETH_ALEN];		/* what we put in the uplink's filter */
	spinlock_t mac_lock;		/* mac_guard taking the first MAC */
	bool mac_guard;
	bool mirror;
	u32 max_learned;
	atomic_t learned;
	u32 storm_pps;
	u32 max_rate_kbps;
	struct vmq_tb storm_tb;
	struct vmq_tb rate_tb;

	/* VMQ */
	u8 weight;
	int queue_cpu;			/* -1: placed by the switch */
	u64 asked;			/* order of asking for a queue */
	struct vmq_queue __rcu *q;
	int hw_rule;
	atomic_t queue_moves;

	struct vmq_stats __percpu *stats;
};

struct vmq_fdb {
	struct hlist_node node;
	struct rcu_head rcu;
	u8 addr[ETH_ALEN];
	u16 vid;
	bool is_static;
	bool dead;			/* unlinked, under fdb_lock */
	struct vmq_port __rcu *port;	/* NULL: the switch device itself */
	unsigned long updated;		/* jiffies, READ_ONCE */
};

struct vmq_switch {
	struct net_device *dev;
	struct list_head ports;		/* RCU; written under RTNL */
	bool dead;

	/* FDB */
	spinlock_t fdb_lock;		/* writers of fdb[] and counts */
	struct hlist_head fdb[VMQ_FDB_SIZE];
	atomic_t learned;
	atomic64_t learn_dropped;
	u32 max_learned;
	unsigned long ageing;		/* jiffies, 0 = never */
	struct delayed_work gc_work;

	struct vmq_port __rcu *monitor;
	struct vmq_port *uplink;
	bool uplink_promisc;
	bool hw_ntuple;

	/* VMQ */
	u32 max_queues;
	u32 queues_used;
	DECLARE_BITMAP(queue_ids, VMQ_MAX_QUEUES);
	u64 seq;			/* for asked/granted */
	bool dynamic;
	int home_cpu;
	struct cpumask cpus;
	u32 spread_pps;
	u32 coalesce_pps;
	struct delayed_work dvmq_work;
	unsigned long dvmq_stamp;
};

#define vmq_for_each_port(p, sw) \
	list_for_each_entry_rcu(p, &(sw)->ports, list, lockdep_rtnl_is_held())

/* A rate-limited message naming the device and the reason. */
#define vmq_warn(dev, fmt, ...)						\
	do {								\
		if (net_ratelimit())					\
			netdev_warn(dev, fmt, ##__VA_ARGS__);		\
	} while (0)

extern const struct net_device_ops vmq_netdev_ops;

static inline bool netif_is_vmq(const struct net_device *dev)
{
	return dev->netdev_ops == &vmq_netdev_ops;
}

/* main.c */
void vmq_features_recompute(struct vmq_switch *sw);

/* port.c */
int vmq_port_add(struct vmq_switch *sw, struct net_device *dev,
		 struct netlink_ext_ack *extack);
int vmq_port_del(struct vmq_switch *sw, struct net_device *dev);
void vmq_port_destroy(struct vmq_port *p);
struct vmq_port *vmq_port_rtnl(const struct net_device *dev);
int vmq_port_set_role(struct vmq_port *p, u8 role);
int vmq_port_set_mac(struct vmq_port *p, const u8 *mac);
int vmq_port_set_pvid(struct vmq_port *p, u16 pvid);
void vmq_uplink_sync(struct vmq_switch *sw);
int vmq_notifier_init(void);
void vmq_notifier_exit(void);

/* fdb.c */
struct vmq_fdb *vmq_fdb_find(struct vmq_switch *sw, const u8 *addr, u16 vid);
void vmq_fdb_learn(struct vmq_switch *sw, struct vmq_port *p,
		   const u8 *addr, u16 vid);
int vmq_fdb_set(struct vmq_switch *sw, struct vmq_port *p, const u8 *addr,
		u16 vid, bool is_static, bool excl);
int vmq_fdb_remove(struct vmq_switch *sw, const u8 *addr, u16 vid,
		   bool any_vid);
void vmq_fdb_flush(struct vmq_switch *sw, struct vmq_port *p,
		   bool with_static);
void vmq_fdb_init(struct vmq_switch *sw);
void vmq_fdb_gc_kick(struct vmq_switch *sw);
int vmq_ndo_fdb_add(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, u16 flags, struct netlink_ext_ack *extack);
int vmq_ndo_fdb_del(struct ndmsg *ndm, struct nlattr *tb[],
		    struct net_device *dev, const unsigned char *addr,
		    u16 vid, struct netlink_ext_ack *extack);
int vmq_ndo_fdb_dump(struct sk_buff *skb, struct netlink_callback *cb,
		     struct net_device *dev, struct net_device *filter_dev,
		     int *idx);

/* forward.c */
rx_handler_result_t vmq_handle_frame(struct sk_buff **pskb);
void vmq_ingress(struct vmq_switch *sw, struct vmq_port *p,
		 struct sk_buff *skb);
void vmq_deliver(struct vmq_port *p, struct sk_buff *skb);
void vmq_tb_set(struct vmq_tb *tb, u64 rate, u64 burst);
void vmq_count_drop(struct vmq_port *p, enum vmq_drop why);
void vmq_count_queued(struct vmq_port *p);
void vmq_stats_read(struct vmq_port *p, struct vmq_stats_sum *s);
u64 vmq_queue_packets_on(struct vmq_port *p, int cpu);

/* queue.c */
void vmq_queue_enqueue(struct vmq_queue *q, struct sk_buff *skb);
void vmq_queues_rebalance(struct vmq_switch *sw);
void vmq_queue_release(struct vmq_port *p);
void vmq_queue_place(struct vmq_port *p);
void vmq_dvmq_init(struct vmq_switch *sw);
void vmq_hw_rules_sync(struct vmq_switch *sw);

/* sysfs.c */
int vmq_sysfs_init(void);
void vmq_sysfs_exit(void);
int vmq_switch_sysfs_add(struct vmq_switch *sw);
void vmq_switch_sysfs_del(struct vmq_switch *sw);
extern const struct kobj_type vmq_port_ktype;

/* ethtool.c */
extern const struct ethtool_ops vmq_ethtool_ops;

#endif /* VMQ_H */
