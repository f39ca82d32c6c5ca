// SPDX-License-Identifier: GPL-2.0
/*
 * vmq forwarding: a frame enters from a port (or the switch device), is
 * checked (VLAN, spoofing, storm and bandwidth limits), teaches the FDB
 * its source, and leaves to one port, through that port's VMQ queue when
 * it has one, or floods the VLAN on the ingress CPU.
 */
#include <linux/netdevice.h>
#include <linux/ktime.h>
#include "vmq.h"

/* Callers run with BHs off: the per-CPU slot is stable. */
static void vmq_stats_add(struct vmq_port *p, size_t off, u64 n)
{
	struct vmq_stats *s = this_cpu_ptr(p->stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_add((u64_stats_t *)((void *)s + off), n);
	u64_stats_update_end(&s->syncp);
}

#define vmq_count(p, field, n) \
	vmq_stats_add(p, offsetof(struct vmq_stats, field), n)

void vmq_count_drop(struct vmq_port *p, enum vmq_drop why)
{
	vmq_count(p, drop[why], 1);
}

void vmq_count_queued(struct vmq_port *p)
{
	vmq_count(p, queue_packets, 1);
}

void vmq_stats_read(struct vmq_port *p, struct vmq_stats_sum *sum)
{
	int cpu, i;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		const struct vmq_stats *s = per_cpu_ptr(p->stats, cpu);
		struct vmq_stats_sum one;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			one.rx_packets = u64_stats_read(&s->rx_packets);
			one.rx_bytes = u64_stats_read(&s->rx_bytes);
			one.tx_packets = u64_stats_read(&s->tx_packets);
			one.tx_bytes = u64_stats_read(&s->tx_bytes);
			one.queue_packets = u64_stats_read(&s->queue_packets);
			for (i = 0; i < VMQ_DROP_NR; i++)
				one.drop[i] = u64_stats_read(&s->drop[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		sum->rx_packets += one.rx_packets;
		sum->rx_bytes += one.rx_bytes;
		sum->tx_packets += one.tx_packets;
		sum->tx_bytes += one.tx_bytes;
		sum->queue_packets += one.queue_packets;
		for (i = 0; i < VMQ_DROP_NR; i++)
			sum->drop[i] += one.drop[i];
	}
}

u64 vmq_queue_packets_on(struct vmq_port *p, int cpu)
{
	const struct vmq_stats *s = per_cpu_ptr(p->stats, cpu);
	unsigned int start;
	u64 n;

	do {
		start = u64_stats_fetch_begin(&s->syncp);
		n = u64_stats_read(&s->queue_packets);
	} while (u64_stats_fetch_retry(&s->syncp, start));
	return n;
}

/*
 * Tokens are kept in billionths, so that the few nanoseconds between two
 * frames of a flood still add up (200 pps gains 2e-7 tokens per 1 us).
 */
void vmq_tb_set(struct vmq_tb *tb, u64 rate, u64 burst)
{
	spin_lock_bh(&tb->lock);
	tb->rate = rate;
	tb->burst = burst * NSEC_PER_SEC;
	tb->tokens = tb->burst;
	tb->stamp = ktime_get_ns();
	spin_unlock_bh(&tb->lock);
}

static bool vmq_tb_take(struct vmq_tb *tb, u64 cost)
{
	bool ok = false;
	u64 now, delta;

	spin_lock(&tb->lock);
	if (!tb->rate) {
		ok = true;
		goto out;
	}
	now = ktime_get_ns();
	delta = min_t(u64, now - tb->stamp, NSEC_PER_SEC);
	tb->stamp = now;
	tb->tokens = min(tb->burst, tb->tokens + delta * tb->rate);
	cost *= NSEC_PER_SEC;
	if (tb->tokens >= cost) {
		tb->tokens -= cost;
		ok = true;
	}
out:
	spin_unlock(&tb->lock);
	return ok;
}

static void vmq_drop(struct vmq_port *p, struct sk_buff *skb,
		     enum vmq_drop why)
{
	if (p)
		vmq_count_drop(p, why);
	kfree_skb(skb);
}

static bool vmq_port_allows(const struct vmq_port *p, u16 vid)
{
	if (READ_ONCE(p->vlan_mode) == VMQ_VLAN_ACCESS)
		return READ_ONCE(p->pvid) == vid;
	return vid == READ_ONCE(p->pvid) || test_bit(vid, p->trunk);
}

/* Tag for the wire of port p (NULL: the switch device). */
static void vmq_egress_tag(const struct vmq_port *p, struct sk_buff *skb,
			   u16 vid)
{
	bool untagged;

	if (p)
		untagged = READ_ONCE(p->pvid) == vid;
	else
		untagged = vid == VMQ_LOCAL_PVID;
	if (untagged)
		__vlan_hwaccel_clear_tag(skb);
	else
		__vlan_hwaccel_put_tag(skb, htons(ETH_P_8021Q), vid);
}

/* Hand a frame, Ethernet header pushed, to the port's device. */
void vmq_deliver(struct vmq_port *p, struct sk_buff *skb)
{
	vmq_count(p, tx_packets, 1);
	vmq_count(p, tx_bytes, skb->len);
	skb->dev = p->dev;
	dev_queue_xmit(skb);
}

static void vmq_mirror(struct vmq_switch *sw, struct vmq_port *from,
		       struct sk_buff *skb, u16 vid, bool pushed)
{
	struct vmq_port *mon = rcu_dereference(sw->monitor);
	struct sk_buff *copy;

	if (!mon || mon == from)
		return;
	copy = skb_clone(skb, GFP_ATOMIC);
	if (!copy)
		return;
	if (!pushed)
		skb_push(copy, ETH_HLEN);
	vmq_egress_tag(mon, copy, vid);
	vmq_deliver(mon, copy);
}

static void vmq_local_rx(struct vmq_switch *sw, struct sk_buff *skb, u16 vid)
{
	struct net_device *dev = sw->dev;

	if (!(dev->flags & IFF_UP)) {
		kfree_skb(skb);
		return;
	}
	vmq_egress_tag(NULL, skb, vid);
	skb_push(skb, ETH_HLEN);
	/* eth_type_trans() only ever lowers it from HOST. */
	skb->pkt_type = PACKET_HOST;
	skb->protocol = eth_type_trans(skb, dev);
	dev_sw_netstats_rx_add(dev, skb->len);
	netif_rx(skb);
}

/* Data at the network header; may queue, flooded copies never do. */
static void vmq_forward(struct vmq_switch *sw, struct vmq_port *to,
			struct sk_buff *skb, u16 vid, bool may_queue)
{
	struct vmq_queue *q;
	unsigned int limit;

	if (!vmq_port_allows(to, vid)) {
		vmq_drop(to, skb, VMQ_DROP_VLAN);
		return;
	}
	vmq_egress_tag(to, skb, vid);
	limit = to->dev->mtu;
	if (unlikely(skb->len > limit && !skb_is_gso(skb))) {
		vmq_drop(to, skb, VMQ_DROP_MTU);
		return;
	}
	skb_push(skb, ETH_HLEN);
	if (READ_ONCE(to->mirror))
		vmq_mirror(sw, to, skb, vid, true);
	q = may_queue ? rcu_dereference(to->q) : NULL;
	if (q)
		vmq_queue_enqueue(q, skb);
	else
		vmq_deliver(to, skb);
}

static void vmq_flood(struct vmq_switch *sw, struct vmq_port *from,
		      struct sk_buff *skb, u16 vid)
{
	struct vmq_port *p;
	struct sk_buff *copy;

	vmq_for_each_port(p, sw) {
		if (p == from || !vmq_port_allows(p, vid))
			continue;
		copy = skb_clone(skb, GFP_ATOMIC);
		if (copy)
			vmq_forward(sw, p, copy, vid, false);
	}
	if (from)
		vmq_local_rx(sw, skb, vid);
	else
		consume_skb(skb);
}

/* VLAN of an entering frame; false if the port must drop it. */
static bool vmq_ingress_vid(struct vmq_port *p, struct sk_buff *skb, u16 *vid)
{
	bool tagged = skb_vlan_tag_present(skb);
	u16 tvid = tagged ? skb_vlan_tag_get_id(skb) : 0;
	u16 pvid;

	if (!tvid)
		tagged = false;		/* VID 0 is a priority tag */
	__vlan_hwaccel_clear_tag(skb);
	if (!p) {			/* the switch device: any VLAN */
		*vid = tagged ? tvid : VMQ_LOCAL_PVID;
		return true;
	}
	pvid = READ_ONCE(p->pvid);
	if (READ_ONCE(p->vlan_mode) == VMQ_VLAN_ACCESS) {
		*vid = pvid;
		return !tagged;
	}
	if (tagged) {
		*vid = tvid;
		return tvid != VLAN_N_VID - 1 && test_bit(tvid, p->trunk);
	}
	*vid = pvid;
	return pvid != 0;
}

static const char *vmq_malformed(struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);

	if (is_multicast_ether_addr(eth->h_source))
		return "multicast source MAC";
	if (is_zero_ether_addr(eth->h_source))
		return "zero source MAC";
	if (skb_vlan_tag_present(skb) &&
	    skb->vlan_proto != htons(ETH_P_8021Q))
		return "802.1ad tag";
	if (eth_type_vlan(skb->protocol))
		return "stacked VLAN tags";
	return NULL;
}

static bool vmq_policy(struct vmq_port *p, struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);

	if (READ_ONCE(p->mac_guard)) {
		bool ok;

		spin_lock(&p->mac_lock);
		if (is_zero_ether_addr(p->mac))
			ether_addr_copy(p->mac, eth->h_source);
		ok = ether_addr_equal(p->mac, eth->h_source);
		spin_unlock(&p->mac_lock);
		if (!ok) {
			vmq_drop(p, skb, VMQ_DROP_SPOOF);
			return false;
		}
	}
	if (READ_ONCE(p->storm_pps) && is_multicast_ether_addr(eth->h_dest) &&
	    !vmq_tb_take(&p->storm_tb, 1)) {
		vmq_drop(p, skb, VMQ_DROP_STORM);
		return false;
	}
	if (READ_ONCE(p->max_rate_kbps) &&
	    !vmq_tb_take(&p->rate_tb, skb->len + ETH_HLEN)) {
		vmq_drop(p, skb, VMQ_DROP_RATE);
		return false;
	}
	return true;
}

/* Data at the network header, mac header set; p NULL: the switch device. */
void vmq_ingress(struct vmq_switch *sw, struct vmq_port *p,
		 struct sk_buff *skb)
{
	const struct ethhdr *eth = eth_hdr(skb);
	const char *bad;
	struct vmq_fdb *f;
	struct vmq_port *to;
	u16 vid;

	bad = vmq_malformed(skb);
	if (unlikely(bad)) {
		vmq_warn(sw->dev, "dropped a frame from %s: %s\n",
			 p ? p->dev->name : "the switch", bad);
		vmq_drop(p, skb, VMQ_DROP_MALFORMED);
		return;
	}
	if (unlikely(!vmq_ingress_vid(p, skb, &vid))) {
		vmq_drop(p, skb, VMQ_DROP_VLAN);
		return;
	}
	if (p) {
		if (!vmq_policy(p, skb))
			return;
		vmq_count(p, rx_packets, 1);
		vmq_count(p, rx_bytes, skb->len + ETH_HLEN);
		vmq_fdb_learn(sw, p, eth->h_source, vid);
		if (READ_ONCE(p->mirror))
			vmq_mirror(sw, p, skb, vid, false);
	}

	/* 802.1D reserved addresses (STP, pause, LACP) stay on their link. */
	if (unlikely(is_link_local_ether_addr(eth->h_dest))) {
		consume_skb(skb);
		return;
	}
	if (is_multicast_ether_addr(eth->h_dest)) {
		vmq_flood(sw, p, skb, vid);
		return;
	}
	if (p && ether_addr_equal(eth->h_dest, sw->dev->dev_addr)) {
		vmq_local_rx(sw, skb, vid);
		return;
	}
	f = vmq_fdb_find(sw, eth->h_dest, vid);
	if (!f) {
		vmq_flood(sw, p, skb, vid);
		return;
	}
	to = rcu_dereference(f->port);
	if (!to) {
		if (p)
			vmq_local_rx(sw, skb, vid);
		else
			consume_skb(skb);
	} else if (to == p) {
		consume_skb(skb);	/* both ends on one port */
	} else {
		vmq_forward(sw, to, skb, vid, true);
	}
}

rx_handler_result_t vmq_handle_frame(struct sk_buff **pskb)
{
	struct sk_buff *skb = *pskb;
	struct vmq_port *p;

	if (unlikely(skb->pkt_type == PACKET_LOOPBACK))
		return RX_HANDLER_PASS;
	p = rcu_dereference(skb->dev->rx_handler_data);
	skb = skb_share_check(skb, GFP_ATOMIC);
	if (!skb)
		return RX_HANDLER_CONSUMED;
	vmq_ingress(p->sw, p, skb);
	return RX_HANDLER_CONSUMED;
}
