// SPDX-License-Identifier: GPL-2.0
/*
 * dynmem host policy (Hyper-V Dynamic Memory semantics): want, pressure,
 * idle shrink, weighted water-filling of the pool, deficit reclaim. Built
 * into the kernel's dynmem_host.ko and into userspace alike; see policy.h
 * and Documentation/dynmem.rst, section "Policy".
 */
#include "policy.h"

#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/math64.h>
#define dynmem_div(a, b)	div64_u64((a), (b))
#else
#include <errno.h>
#define dynmem_div(a, b)	((u64)(a) / (u64)(b))
#endif

static inline u64 dynmem_min(u64 a, u64 b)
{
	return a < b ? a : b;
}

static inline u64 dynmem_max(u64 a, u64 b)
{
	return a > b ? a : b;
}

static inline u64 dynmem_clamp(u64 v, u64 lo, u64 hi)
{
	return dynmem_min(dynmem_max(v, lo), hi);
}

/* Guest-reported counts: anything larger counts as the limit. */
static inline u64 dynmem_sat(u64 v)
{
	return dynmem_min(v, DYNMEM_POLICY_MAX_PAGES);
}

/*
 * floor(a * b / c) for c > 0 when the result fits in 64 bits, without
 * 128-bit types: a 128-bit product, then a shift-and-subtract division.
 */
static u64 dynmem_mul_div(u64 a, u64 b, u64 c)
{
	u64 ll = (a & 0xffffffffULL) * (b & 0xffffffffULL);
	u64 lh = (a & 0xffffffffULL) * (b >> 32);
	u64 hl = (a >> 32) * (b & 0xffffffffULL);
	u64 hh = (a >> 32) * (b >> 32);
	u64 mid = (ll >> 32) + (lh & 0xffffffffULL) + (hl & 0xffffffffULL);
	u64 lo = (mid << 32) | (ll & 0xffffffffULL);
	u64 hi = hh + (lh >> 32) + (hl >> 32) + (mid >> 32);
	u64 q = 0, r = 0, bit, top;
	int i;

	if (!hi)
		return dynmem_div(lo, c);
	for (i = 127; i >= 0; i--) {
		bit = i >= 64 ? (hi >> (i - 64)) & 1 : (lo >> i) & 1;
		top = r >> 63;
		r = (r << 1) | bit;
		q <<= 1;
		if (top || r >= c) {
			r -= c;
			q |= 1;
		}
	}
	return q;
}

/* Rule 2: PSI some avg10 >= 10 %, or less than half the buffer left. */
static bool dynmem_pressure(const struct dynmem_vm_cfg *c,
			    const struct dynmem_vm_state *s)
{
	u64 half_buffer;

	if (!s->valid)
		return false;
	if (s->psi_some_avg10 >= DYNMEM_PSI_PRESSURE)
		return true;
	half_buffer = dynmem_div(dynmem_sat(s->committed_pages) *
				 c->buffer_pct, 200);
	return dynmem_sat(s->available_pages) < half_buffer;
}

/* Rules 1 and 2: the memory the VM should have if the host had enough. */
static u64 dynmem_want(const struct dynmem_vm_cfg *c,
		       const struct dynmem_vm_state *s)
{
	u64 cur = dynmem_sat(s->current_pages);
	u64 want, step;

	if (!s->valid)
		return dynmem_clamp(cur, c->min_pages, c->max_pages);
	want = dynmem_div(dynmem_sat(s->committed_pages) *
			  (100 + c->buffer_pct), 100);
	want = dynmem_clamp(want, c->min_pages, c->max_pages);
	if (dynmem_pressure(c, s)) {
		step = dynmem_max(cur >> 3, DYNMEM_GROW_MIN_PAGES);
		want = dynmem_max(want, dynmem_min(c->max_pages, cur + step));
	}
	return want;
}

/* Rule 5: buffer space of a VM at @t, what lies above max(committed, min). */
static u64 dynmem_space(const struct dynmem_vm_cfg *c,
			const struct dynmem_vm_state *s, u64 t)
{
	u64 floor;

	if (!s->valid)
		return 0;
	floor = dynmem_max(c->min_pages, dynmem_sat(s->committed_pages));
	return t > floor ? t - floor : 0;
}

/*
 * Rule 4, scarce pool: weighted water-filling. Each round, a grower whose
 * remaining need fits in floor(pool * w / W) (W the weights of the growers
 * still short) gets all of it; the rest of the pool goes round again among
 * the others. When nobody fits, each gets its floor share and the pages
 * left by rounding go one each to the first of them, in index order.
 */
static void dynmem_share(const struct dynmem_vm_cfg *cfg,
			 const struct dynmem_vm_state *st, u32 nr, u64 pool,
			 u64 *targets)
{
	u64 wsum, capped, want, share;
	u32 i;

	for (;;) {
		wsum = 0;
		for (i = 0; i < nr; i++)
			if (targets[i] < dynmem_want(&cfg[i], &st[i]))
				wsum += cfg[i].weight;
		if (!wsum || !pool)
			return;
		/* Who fits this round: decided on this round's pool and W. */
		capped = 0;
		for (i = 0; i < nr; i++) {
			want = dynmem_want(&cfg[i], &st[i]);
			if (targets[i] >= want)
				continue;
			share = dynmem_mul_div(pool, cfg[i].weight, wsum);
			if (want - targets[i] <= share)
				capped += want - targets[i];
		}
		if (!capped)
			break;
		for (i = 0; i < nr; i++) {
			want = dynmem_want(&cfg[i], &st[i]);
			if (targets[i] >= want)
				continue;
			share = dynmem_mul_div(pool, cfg[i].weight, wsum);
			if (want - targets[i] <= share)
				targets[i] = want;
		}
		pool -= capped;
	}
	/* Nobody fits: floor shares (each below its need), then rounding. */
	capped = 0;
	for (i = 0; i < nr; i++) {
		if (targets[i] >= dynmem_want(&cfg[i], &st[i]))
			continue;
		share = dynmem_mul_div(pool, cfg[i].weight, wsum);
		targets[i] += share;
		capped += share;
	}
	pool -= capped;
	for (i = 0; i < nr && pool; i++) {
		if (targets[i] < dynmem_want(&cfg[i], &st[i])) {
			targets[i]++;
			pool--;
		}
	}
}

/*
 * Rule 5: a deficit is taken from the buffer space of every VM, in
 * proportion to it: floor(deficit * space / total space) each, the pages
 * left by rounding one each from the first VMs with space, in index order.
 */
static void dynmem_reclaim(const struct dynmem_vm_cfg *cfg,
			   const struct dynmem_vm_state *st, u32 nr,
			   u64 deficit, u64 *targets)
{
	u64 total = 0, take, left;
	u32 i;

	for (i = 0; i < nr; i++)
		total += dynmem_space(&cfg[i], &st[i], targets[i]);
	if (!total)
		return;
	if (deficit >= total) {
		for (i = 0; i < nr; i++)
			targets[i] -= dynmem_space(&cfg[i], &st[i], targets[i]);
		return;
	}
	left = deficit;
	for (i = 0; i < nr; i++) {
		take = dynmem_mul_div(deficit,
				      dynmem_space(&cfg[i], &st[i], targets[i]),
				      total);
		targets[i] -= take;
		left -= take;
	}
	for (i = 0; i < nr && left; i++) {
		if (dynmem_space(&cfg[i], &st[i], targets[i])) {
			targets[i]--;
			left--;
		}
	}
}

static bool dynmem_cfg_ok(const struct dynmem_vm_cfg *c)
{
	return c->min_pages <= c->max_pages &&
	       c->max_pages <= DYNMEM_POLICY_MAX_PAGES &&
	       c->weight >= 1 && c->weight <= DYNMEM_WEIGHT_MAX &&
	       c->buffer_pct <= DYNMEM_BUFFER_PCT_MAX;
}

int dynmem_policy_compute(const struct dynmem_vm_cfg *cfg,
			  const struct dynmem_vm_state *st, u32 nr,
			  u64 host_free_pages, u64 host_reserve_pages,
			  u64 *targets)
{
	u64 plus = 0, minus = 0, need = 0, cur, want, t;
	u32 i;

	if (!cfg || !st || !targets || !nr || nr > DYNMEM_POLICY_MAX_VMS ||
	    host_free_pages > DYNMEM_POLICY_MAX_PAGES ||
	    host_reserve_pages > DYNMEM_POLICY_MAX_PAGES)
		return -EINVAL;
	for (i = 0; i < nr; i++)
		if (!dynmem_cfg_ok(&cfg[i]))
			return -EINVAL;

	/* The pool as plus - minus: host headroom, then rules 1 to 3. */
	if (host_free_pages >= host_reserve_pages)
		plus = host_free_pages - host_reserve_pages;
	else
		minus = host_reserve_pages - host_free_pages;
	for (i = 0; i < nr; i++) {
		cur = dynmem_sat(st[i].current_pages);
		want = dynmem_want(&cfg[i], &st[i]);
		/* Idle shrink to want; below min it is raised to min. */
		t = dynmem_max(dynmem_min(want, cur), cfg[i].min_pages);
		targets[i] = t;
		if (t < cur)
			plus += cur - t;
		else
			minus += t - cur;
		need += want - t;
	}

	if (plus < minus) {
		dynmem_reclaim(cfg, st, nr, minus - plus, targets);
	} else if (plus - minus >= need) {
		for (i = 0; i < nr; i++)
			targets[i] = dynmem_want(&cfg[i], &st[i]);
	} else {
		dynmem_share(cfg, st, nr, plus - minus, targets);
	}
	return 0;
}
