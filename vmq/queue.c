// SPDX-License-Identifier: GPL-2.0
/*
 * vmq queues: one receive queue per VM port, a NAPI context run on the
 * queue's CPU (kicked there by an IPI, as RPS does), handed out while
 * max_queues lasts, spread and coalesced over CPUs by dynamic VMQ, and
 * mirrored as ntuple rules on an uplink that takes them.
 */
#include <linux/netdevice.h>
#include <linux/ethtool.h>
#include <linux/rtnetlink.h>
#include "vmq.h"

/* Runs on q->cpu in hard IRQ context. */
static void vmq_queue_ipi(void *data)
{
	struct vmq_queue *q = data;

	napi_schedule(&q->napi);
	/* Pairs with the wait in vmq_queue_free(): q may go after this. */
	smp_mb__before_atomic();
	clear_bit(0, &q->kicking);
}

void vmq_queue_enqueue(struct vmq_queue *q, struct sk_buff *skb)
{
	int cpu = READ_ONCE(q->cpu);

	if (unlikely(skb_queue_len(&q->skbs) >= VMQ_QUEUE_LEN)) {
		vmq_count_drop(q->port, VMQ_DROP_QUEUE);
		kfree_skb(skb);
		return;
	}
	skb_queue_tail(&q->skbs, skb);
	if (cpu == smp_processor_id() || !cpu_online(cpu)) {
		napi_schedule(&q->napi);
		return;
	}
	if (test_and_set_bit(0, &q->kicking))
		return;
	if (smp_call_function_single_async(cpu, &q->csd)) {
		clear_bit(0, &q->kicking);
		napi_schedule(&q->napi);
	}
}

static int vmq_queue_poll(struct napi_struct *napi, int budget)
{
	struct vmq_queue *q = container_of(napi, struct vmq_queue, napi);
	struct sk_buff *skb;
	int done = 0;

	while (done < budget && (skb = skb_dequeue(&q->skbs))) {
		vmq_count_queued(q->port);
		vmq_deliver(q->port, skb);
		done++;
	}
	/* A frame queued after the last dequeue must not wait for the next. */
	if (done < budget && napi_complete_done(napi, done) &&
	    !skb_queue_empty_lockless(&q->skbs))
		napi_schedule(napi);
	return done;
}

static u64 vmq_queue_packets(struct vmq_port *p)
{
	u64 n = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		n += vmq_queue_packets_on(p, cpu);
	return n;
}

static int vmq_queue_start_cpu(struct vmq_port *p)
{
	struct vmq_switch *sw = p->sw;
	int cpu = p->queue_cpu;

	if (cpu >= 0 && cpu_online(cpu))
		return cpu;
	cpu = sw->home_cpu;
	return cpu_online(cpu) ? cpu : cpumask_first(cpu_online_mask);
}

static int vmq_queue_alloc(struct vmq_port *p)
{
	struct vmq_switch *sw = p->sw;
	struct vmq_queue *q;
	int id;

	id = find_first_zero_bit(sw->queue_ids, VMQ_MAX_QUEUES);
	if (id >= VMQ_MAX_QUEUES)
		return -ENOSPC;
	q = kzalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return -ENOMEM;
	q->sw = sw;
	q->port = p;
	q->id = id;
	q->cpu = vmq_queue_start_cpu(p);
	q->granted = ++sw->seq;
	q->last_packets = vmq_queue_packets(p);
	skb_queue_head_init(&q->skbs);
	INIT_CSD(&q->csd, vmq_queue_ipi, q);
	netif_napi_add(sw->dev, &q->napi, vmq_queue_poll);
	napi_enable(&q->napi);
	set_bit(id, sw->queue_ids);
	sw->queues_used++;
	rcu_assign_pointer(p->q, q);
	return 0;
}

static void vmq_queue_free(struct vmq_switch *sw, struct vmq_queue *q)
{
	/* No new frames: readers of p->q are gone after this. */
	synchronize_net();
	while (test_bit(0, &q->kicking))
		cpu_relax();
	napi_disable(&q->napi);
	skb_queue_purge(&q->skbs);
	netif_napi_del(&q->napi);
	clear_bit(q->id, sw->queue_ids);
	sw->queues_used--;
	synchronize_net();
	kfree(q);
}

static void vmq_hw_rule_del(struct vmq_switch *sw, struct vmq_port *p)
{
	struct net_device *up = sw->uplink ? sw->uplink->dev : NULL;
	struct ethtool_rxnfc cmd = {
		.cmd = ETHTOOL_SRXCLSRLDEL,
	};

	if (p->hw_rule < 0)
		return;
	cmd.fs.location = p->hw_rule;
	if (up && up->ethtool_ops && up->ethtool_ops->set_rxnfc)
		up->ethtool_ops->set_rxnfc(up, &cmd);
	p->hw_rule = -1;
}

/* One rule per VM MAC (and VLAN): the uplink sorts into its queue. */
static void vmq_hw_rule_add(struct vmq_switch *sw, struct vmq_port *p,
			    struct vmq_queue *q)
{
	struct net_device *up = sw->uplink->dev;
	struct ethtool_rxnfc cmd = {
		.cmd = ETHTOOL_SRXCLSRLINS,
	};
	struct ethtool_rx_flow_spec *fs = &cmd.fs;
	unsigned int rings = max(up->real_num_rx_queues, 1U);
	int err;

	fs->flow_type = ETHER_FLOW;
	ether_addr_copy(fs->h_u.ether_spec.h_dest, p->mac);
	eth_broadcast_addr(fs->m_u.ether_spec.h_dest);
	if (p->vlan_mode == VMQ_VLAN_ACCESS && p->pvid) {
		fs->flow_type |= FLOW_EXT;
		fs->h_ext.vlan_tci = htons(p->pvid);
		fs->m_ext.vlan_tci = htons(VLAN_VID_MASK);
	}
	fs->ring_cookie = q->id % rings;
	fs->location = RX_CLS_LOC_ANY;
	err = up->ethtool_ops->set_rxnfc(up, &cmd);
	if (err) {
		/* Drivers without RX_CLS_LOC_ANY take a fixed slot. */
		fs->location = q->id;
		err = up->ethtool_ops->set_rxnfc(up, &cmd);
	}
	if (err)
		vmq_warn(sw->dev, "%s: no ntuple rule for %pM: %d\n",
			 up->name, p->mac, err);
	else
		p->hw_rule = fs->location;
}

void vmq_hw_rules_sync(struct vmq_switch *sw)
{
	struct vmq_queue *q;
	struct vmq_port *p;

	ASSERT_RTNL();
	list_for_each_entry(p, &sw->ports, list) {
		vmq_hw_rule_del(sw, p);
		q = rtnl_dereference(p->q);
		if (sw->hw_ntuple && q && !is_zero_ether_addr(p->mac))
			vmq_hw_rule_add(sw, p, q);
	}
}

void vmq_queue_release(struct vmq_port *p)
{
	struct vmq_queue *q = rtnl_dereference(p->q);

	if (!q)
		return;
	vmq_hw_rule_del(p->sw, p);
	RCU_INIT_POINTER(p->q, NULL);
	vmq_queue_free(p->sw, q);
	p->asked = ++p->sw->seq;
}

static bool vmq_wants_queue(const struct vmq_port *p)
{
	return !p->dead && p->role == VMQ_ROLE_VM && p->weight;
}

/*
 * Queues are a bounded resource: take back what ports no longer want and
 * what exceeds max_queues (newest grants first), then hand free queues to
 * the waiting ports, highest weight first, the earliest asker on a tie.
 */
void vmq_queues_rebalance(struct vmq_switch *sw)
{
	struct vmq_port *p, *pick;
	struct vmq_queue *q;
	u64 newest;

	ASSERT_RTNL();
	list_for_each_entry(p, &sw->ports, list)
		if (rtnl_dereference(p->q) && !vmq_wants_queue(p))
			vmq_queue_release(p);
	while (sw->queues_used > sw->max_queues) {
		pick = NULL;
		newest = 0;
		list_for_each_entry(p, &sw->ports, list) {
			q = rtnl_dereference(p->q);
			if (q && q->granted >= newest) {
				newest = q->granted;
				pick = p;
			}
		}
		if (!pick)
			break;
		vmq_queue_release(pick);
	}
	while (sw->queues_used < sw->max_queues) {
		pick = NULL;
		list_for_each_entry(p, &sw->ports, list) {
			if (rtnl_dereference(p->q) || !vmq_wants_queue(p))
				continue;
			if (!pick || p->weight > pick->weight ||
			    (p->weight == pick->weight && p->asked < pick->asked))
				pick = p;
		}
		if (!pick || vmq_queue_alloc(pick))
			break;
	}
	vmq_hw_rules_sync(sw);
}

/* After queue_cpu or home_cpu changed: put the queue where it belongs. */
void vmq_queue_place(struct vmq_port *p)
{
	struct vmq_queue *q = rtnl_dereference(p->q);

	if (q && (p->queue_cpu >= 0 || !p->sw->dynamic))
		WRITE_ONCE(q->cpu, vmq_queue_start_cpu(p));
}

static void vmq_move(struct vmq_port *p, struct vmq_queue *q, int cpu,
		     u64 *load)
{
	load[q->cpu] -= q->pps;
	load[cpu] += q->pps;
	WRITE_ONCE(q->cpu, cpu);
	atomic_inc(&p->queue_moves);
}

/*
 * Dynamic VMQ, every 200 ms: measure each queue's packet rate; bring a
 * queue quiet (under coalesce_pps) for a second back to the home CPU;
 * move one queue off a CPU whose load passed spread_pps to the least
 * loaded CPU, when that evens things out.
 */
static void vmq_dvmq(struct work_struct *work)
{
	struct vmq_switch *sw = container_of(to_delayed_work(work),
					     struct vmq_switch, dvmq_work);
	unsigned long now = jiffies;
	unsigned int ms = jiffies_to_msecs(now - sw->dvmq_stamp) ? : 1;
	int home = READ_ONCE(sw->home_cpu);
	u32 spread = READ_ONCE(sw->spread_pps);
	u32 coalesce = READ_ONCE(sw->coalesce_pps);
	struct vmq_port *p, *mp = NULL;
	struct vmq_queue *q, *mq = NULL;
	u64 *load;
	int cpu, best;

	load = kcalloc(nr_cpu_ids, sizeof(*load), GFP_KERNEL);
	if (!load)
		goto again;
	sw->dvmq_stamp = now;
	rcu_read_lock();
	vmq_for_each_port(p, sw) {
		u64 n;

		q = rcu_dereference(p->q);
		if (!q)
			continue;
		n = vmq_queue_packets(p);
		q->pps = div_u64((n - q->last_packets) * 1000, ms);
		q->last_packets = n;
		load[READ_ONCE(q->cpu)] += q->pps;
	}
	if (!READ_ONCE(sw->dynamic))
		goto out;
	vmq_for_each_port(p, sw) {
		q = rcu_dereference(p->q);
		if (!q || READ_ONCE(p->queue_cpu) >= 0)
			continue;
		cpu = READ_ONCE(q->cpu);
		/* Quiet for a whole second, not one short lull. */
		q->quiet = q->pps < coalesce ? q->quiet + 1 : 0;
		if (cpu != home && q->quiet >= VMQ_DVMQ_QUIET &&
		    load[home] + q->pps < spread)
			vmq_move(p, q, home, load);
	}
	/* The lightest dynamic queue on the busiest overloaded CPU moves. */
	vmq_for_each_port(p, sw) {
		q = rcu_dereference(p->q);
		if (!q || READ_ONCE(p->queue_cpu) >= 0)
			continue;
		cpu = READ_ONCE(q->cpu);
		if (load[cpu] <= spread || load[cpu] == q->pps)
			continue;
		if (!mq || load[cpu] > load[mq->cpu] ||
		    (cpu == mq->cpu && q->pps < mq->pps)) {
			mq = q;
			mp = p;
		}
	}
	if (mq) {
		best = -1;
		for_each_cpu_and(cpu, &sw->cpus, cpu_online_mask)
			if (best < 0 || load[cpu] < load[best])
				best = cpu;
		if (best >= 0 && best != mq->cpu &&
		    load[best] + mq->pps < load[mq->cpu])
			vmq_move(mp, mq, best, load);
	}
out:
	rcu_read_unlock();
	kfree(load);
again:
	queue_delayed_work(system_power_efficient_wq, &sw->dvmq_work,
			   msecs_to_jiffies(VMQ_DVMQ_MS));
}

void vmq_dvmq_init(struct vmq_switch *sw)
{
	INIT_DELAYED_WORK(&sw->dvmq_work, vmq_dvmq);
	sw->dvmq_stamp = jiffies;
	queue_delayed_work(system_power_efficient_wq, &sw->dvmq_work,
			   msecs_to_jiffies(VMQ_DVMQ_MS));
}
