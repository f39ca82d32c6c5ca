/* SPDX-License-Identifier: GPL-2.0 */
/*
 * dynmem host policy: how much memory each VM should have. A pure library,
 * no allocation, no locking, no floating point: the in-kernel loopback host
 * (dynmem_host.ko) and the userspace host daemon build the same policy.c.
 * The rules are in Documentation/dynmem.rst, section "Policy".
 */
#ifndef DYNMEM_POLICY_H
#define DYNMEM_POLICY_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
#include <stdbool.h>
#include <stdint.h>
/* The compiler's names for uint32_t and uint64_t: same types as libc's. */
typedef __UINT32_TYPE__ u32;
typedef __UINT64_TYPE__ u64;
#endif

/* Limits of the input; beyond them dynmem_policy_compute() says -EINVAL. */
#define DYNMEM_POLICY_MAX_VMS		1024U
#define DYNMEM_POLICY_MAX_PAGES		0x10000000000ULL	/* 2^40: 4 PiB */
#define DYNMEM_WEIGHT_MAX		10000U
#define DYNMEM_BUFFER_PCT_MAX		2000U

/* Pressure: PSI "some" avg10 at or above 10 % (hundredths of a percent). */
#define DYNMEM_PSI_PRESSURE		1000U
/* Smallest growth step under pressure: 64 MiB of 4 KiB pages. */
#define DYNMEM_GROW_MIN_PAGES		16384ULL

/**
 * struct dynmem_vm_cfg - what the administrator set for one VM
 * @min_pages: never shrunk below this (4 KiB pages)
 * @max_pages: never grown above this; @min_pages <= @max_pages <=
 *	DYNMEM_POLICY_MAX_PAGES
 * @buffer_pct: memory kept on top of committed, percent of committed
 *	(0..DYNMEM_BUFFER_PCT_MAX)
 * @weight: share when memory is scarce (1..DYNMEM_WEIGHT_MAX)
 */
struct dynmem_vm_cfg {
	u64 min_pages;
	u64 max_pages;
	u32 buffer_pct;
	u32 weight;
};

/**
 * struct dynmem_vm_state - what the host knows of one VM now
 * @current_pages: memory the VM has now (its MemTotal, balloon taken off)
 * @committed_pages: Committed_AS of the last STATUS report
 * @available_pages: MemAvailable of the last STATUS report
 * @psi_some_avg10: PSI memory "some" avg10, hundredths of a percent
 * @valid: a STATUS report has arrived; without one only @current_pages
 *	is used
 *
 * The page counts come from the guest and are not trusted: values above
 * DYNMEM_POLICY_MAX_PAGES count as DYNMEM_POLICY_MAX_PAGES.
 */
struct dynmem_vm_state {
	u64 current_pages;
	u64 committed_pages;
	u64 available_pages;
	u32 psi_some_avg10;
	bool valid;
};

/**
 * dynmem_policy_compute() - the memory each VM should have
 * @cfg: @nr VM configurations
 * @st: @nr VM states, same order
 * @nr: number of VMs, 1..DYNMEM_POLICY_MAX_VMS
 * @host_free_pages: free host memory, at most DYNMEM_POLICY_MAX_PAGES
 * @host_reserve_pages: host memory never given to VMs, at most
 *	DYNMEM_POLICY_MAX_PAGES
 * @targets: out, @nr entries: the memory VM i should have, in pages
 *
 * Deterministic integer arithmetic. Always min_pages <= targets[i] <=
 * max_pages. The sum of targets[i] - current_pages grows by no more than
 * @host_free_pages - @host_reserve_pages; when that is negative, the
 * deficit is reclaimed as far as the VMs' buffers allow. No allocation, no
 * sleeping: callable under a spinlock.
 *
 * Return: 0, or -EINVAL (and @targets untouched) if an argument is NULL,
 * @nr is 0 or too large, a VM has min_pages > max_pages, max_pages,
 * @host_free_pages or @host_reserve_pages above DYNMEM_POLICY_MAX_PAGES,
 * weight outside 1..DYNMEM_WEIGHT_MAX or buffer_pct above
 * DYNMEM_BUFFER_PCT_MAX.
 */
int dynmem_policy_compute(const struct dynmem_vm_cfg *cfg,
			  const struct dynmem_vm_state *st, u32 nr,
			  u64 host_free_pages, u64 host_reserve_pages,
			  u64 *targets);

#endif /* DYNMEM_POLICY_H */
