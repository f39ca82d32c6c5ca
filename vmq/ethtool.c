// SPDX-License-Identifier: GPL-2.0
/*
 * vmq ethtool: "ethtool -S sw0" shows switch-wide counters, summed over
 * the ports, and how many frames the queues delivered on each CPU.
 */
#include <linux/ethtool.h>
#include <linux/netdevice.h>
#include "vmq.h"

static const char vmq_gstrings[][ETH_GSTRING_LEN] = {
	"rx_packets", "rx_bytes", "tx_packets", "tx_bytes", "queue_packets",
	"drop_spoof", "drop_storm", "drop_rate", "drop_vlan", "drop_mtu",
	"drop_malformed", "drop_queue",
	"fdb_learned", "fdb_learn_dropped", "queues_used",
};

#define VMQ_NSTATS ARRAY_SIZE(vmq_gstrings)

static void vmq_get_drvinfo(struct net_device *dev,
			    struct ethtool_drvinfo *info)
{
	strscpy(info->driver, "vmq", sizeof(info->driver));
	strscpy(info->version, "1", sizeof(info->version));
	strscpy(info->bus_info, "N/A", sizeof(info->bus_info));
}

static int vmq_get_sset_count(struct net_device *dev, int sset)
{
	if (sset != ETH_SS_STATS)
		return -EOPNOTSUPP;
	return VMQ_NSTATS + nr_cpu_ids;
}

static void vmq_get_strings(struct net_device *dev, u32 sset, u8 *data)
{
	unsigned int cpu;

	if (sset != ETH_SS_STATS)
		return;
	memcpy(data, vmq_gstrings, sizeof(vmq_gstrings));
	data += sizeof(vmq_gstrings);
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		ethtool_sprintf(&data, "cpu%u_queue_packets", cpu);
}

static void vmq_get_stats(struct net_device *dev, struct ethtool_stats *st,
			  u64 *data)
{
	struct vmq_switch *sw = netdev_priv(dev);
	struct vmq_stats_sum s;
	struct vmq_port *p;
	unsigned int cpu, i;

	memset(data, 0, (VMQ_NSTATS + nr_cpu_ids) * sizeof(*data));
	list_for_each_entry(p, &sw->ports, list) {
		vmq_stats_read(p, &s);
		data[0] += s.rx_packets;
		data[1] += s.rx_bytes;
		data[2] += s.tx_packets;
		data[3] += s.tx_bytes;
		data[4] += s.queue_packets;
		for (i = 0; i < VMQ_DROP_NR; i++)
			data[5 + i] += s.drop[i];
		for (cpu = 0; cpu < nr_cpu_ids; cpu++)
			if (cpu_possible(cpu))
				data[VMQ_NSTATS + cpu] +=
					vmq_queue_packets_on(p, cpu);
	}
	data[12] = atomic_read(&sw->learned);
	data[13] = atomic64_read(&sw->learn_dropped);
	data[14] = sw->queues_used;
}

const struct ethtool_ops vmq_ethtool_ops = {
	.get_drvinfo		= vmq_get_drvinfo,
	.get_link		= ethtool_op_get_link,
	.get_sset_count		= vmq_get_sset_count,
	.get_strings		= vmq_get_strings,
	.get_ethtool_stats	= vmq_get_stats,
};
