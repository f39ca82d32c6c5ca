// SPDX-License-Identifier: GPL-2.0
/*
 * Pressure reports (STATUS) to the host: once every report_ms, and soon
 * (at most every 100 ms) when something changes the picture: reclaim
 * started (the shrinker was asked), the OOM notifier ran, a request ended.
 *
 * The figures are the kernel's own (MemTotal after the balloon,
 * Committed_AS, MemAvailable, page cache, free swap, and the direct
 * reclaim counters as the measure of pressure). Total swap has no
 * exported accessor, so it is parsed from /proc/meminfo. PSI cannot be
 * read from a module (no exported reader, and its proc files have no
 * read_iter for kernel_read()), so its fields stay 0.
 */
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/mman.h>
#include <linux/slab.h>
#include <linux/swap.h>
#include <linux/vmstat.h>

#include "../vmbus/synbus.h"
#include "dynmem.h"

#define DYNMEM_SOON	(HZ / 10)

/* Read a small procfs file into @buf (NUL-terminated); 0 or -errno. */
static int dynmem_read_proc(const char *path, char *buf, size_t len)
{
	struct file *f;
	loff_t pos = 0;
	ssize_t n;

	f = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(f))
		return PTR_ERR(f);
	n = kernel_read(f, buf, len - 1, &pos);
	filp_close(f, NULL);
	if (n < 0)
		return n;
	buf[n] = 0;
	return 0;
}

/* "SwapTotal:  1234 kB" from /proc/meminfo, in pages. */
static u64 dynmem_meminfo_pages(const char *s, const char *key)
{
	unsigned long long kb = 0;
	const char *p = strstr(s, key);

	if (!p || sscanf(p + strlen(key), " %llu", &kb) != 1)
		return 0;
	return kb >> (PAGE_SHIFT - 10);
}

/* Direct reclaim since the last report: stalls and pages scanned. */
static void dynmem_reclaim(struct dynmem *dm, struct dynmem_status *st)
{
	unsigned long *ev;
	u64 stalls = 0, scanned;
	int z;

	ev = kcalloc(NR_VM_EVENT_ITEMS, sizeof(*ev), GFP_KERNEL);
	if (!ev)
		return;
	all_vm_events(ev);
	for (z = 0; z < MAX_NR_ZONES; z++)
		stalls += ev[ALLOCSTALL_NORMAL - ZONE_NORMAL + z];
	scanned = ev[PGSCAN_DIRECT];
	kfree(ev);
	if (dm->report_seq > 1) {
		st->stalls = cpu_to_le64(stalls - dm->last_stalls);
		st->scanned = cpu_to_le64(scanned - dm->last_scanned);
	}
	dm->last_stalls = stalls;
	dm->last_scanned = scanned;
}

static void dynmem_fill_status(struct dynmem *dm, struct dynmem_status *st,
			       char *buf, size_t len)
{
	struct sysinfo si;

	si_meminfo(&si);
	memset(st, 0, sizeof(*st));
	st->hdr.type = cpu_to_le16(DYNMEM_MSG_STATUS);
	st->hdr.size = cpu_to_le32(sizeof(*st));
	st->seq = cpu_to_le64(++dm->report_seq);
	st->total_pages = cpu_to_le64(si.totalram);
	st->committed_pages = cpu_to_le64(vm_memory_committed());
	st->available_pages = cpu_to_le64(si_mem_available());
	st->cache_pages = cpu_to_le64(global_node_page_state(NR_FILE_PAGES));
	st->swap_free_pages = cpu_to_le64(get_nr_swap_pages());
	st->balloon_pages = cpu_to_le64(dynmem_balloon_pages(dm));
	if (!dynmem_read_proc("/proc/meminfo", buf, len))
		st->swap_total_pages =
			cpu_to_le64(dynmem_meminfo_pages(buf, "SwapTotal:"));
	dynmem_reclaim(dm, st);
}

void dynmem_report_work(struct work_struct *work)
{
	struct dynmem *dm = container_of(to_delayed_work(work), struct dynmem,
					 report_work);
	struct dynmem_status st;
	char *buf;
	int err;

	if (READ_ONCE(dm->closing) || !dm->version)
		return;
	buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	if (buf) {
		dynmem_fill_status(dm, &st, buf, PAGE_SIZE);
		kfree(buf);
		err = synbus_sendpacket(dm->ch, &st, sizeof(st), 0, 0);
		if (!err)
			dm->cnt.reports++;
		dm->last_report = jiffies;
		dm->last_pressure = le64_to_cpu(st.available_pages);
	}
	if (dynmem_report_ms && !READ_ONCE(dm->closing))
		schedule_delayed_work(&dm->report_work,
				      msecs_to_jiffies(dynmem_report_ms));
}

void dynmem_report_soon(struct dynmem *dm)
{
	unsigned long next = READ_ONCE(dm->last_report) + DYNMEM_SOON;
	unsigned long now = jiffies;

	if (READ_ONCE(dm->closing) || !READ_ONCE(dm->version))
		return;
	mod_delayed_work(system_wq, &dm->report_work,
			 time_after(next, now) ? next - now : 0);
}
