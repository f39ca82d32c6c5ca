// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the dynmem host policy (../policy.c), in userspace. One
 * line "ok N name" or "not ok N name" per test, "# ..." lines say why,
 * then "N passed, N failed". Exit 1 on any failure.
 */
#include <assert.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "../policy.h"

/* Userspace callers mix u64 with libc's uint64_t (tools/include). */
static_assert(__builtin_types_compatible_p(u64, uint64_t), "u64");
static_assert(__builtin_types_compatible_p(u32, uint32_t), "u32");

#define MAXP	DYNMEM_POLICY_MAX_PAGES
#define NVM	8

static int n_pass, n_fail, cur_failed;

#define EXPECT(cond) do {						\
	if (!(cond)) {							\
		printf("#   %s:%d: %s\n", __func__, __LINE__, #cond);	\
		cur_failed = 1;						\
	}								\
} while (0)

#define EXPECT_EQ(a, b) do {						\
	unsigned long long _a = (a), _b = (b);				\
	if (_a != _b) {							\
		printf("#   %s:%d: %s == %llu, expected %llu\n",	\
		       __func__, __LINE__, #a, _a, _b);			\
		cur_failed = 1;						\
	}								\
} while (0)

static struct dynmem_vm_cfg cfg[NVM];
static struct dynmem_vm_state st[NVM];
static u64 tg[NVM];

/* A VM with a report, no PSI pressure and plenty available. */
static void vm(int i, u64 min, u64 max, u32 buf, u32 w, u64 cur, u64 comm)
{
	cfg[i].min_pages = min;
	cfg[i].max_pages = max;
	cfg[i].buffer_pct = buf;
	cfg[i].weight = w;
	st[i].current_pages = cur;
	st[i].committed_pages = comm;
	st[i].available_pages = MAXP;
	st[i].psi_some_avg10 = 0;
	st[i].valid = true;
}

static int compute(u32 nr, u64 host_free, u64 reserve)
{
	return dynmem_policy_compute(cfg, st, nr, host_free, reserve, tg);
}

/* Rule 1: want = committed * (100 + buffer) / 100, clamped to min/max. */
static void t_want_formula(void)
{
	vm(0, 1000, 1000000, 20, 100, 100000, 100000);
	vm(1, 1000, 1000000, 0, 100, 50000, 50000);
	vm(2, 1000, 1000000, 2000, 100, 10000, 1001);
	EXPECT_EQ(compute(3, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 120000);
	EXPECT_EQ(tg[1], 50000);
	EXPECT_EQ(tg[2], 21021);	/* 1001 * 2100 / 100 */
}

static void t_clamp_max(void)
{
	vm(0, 1000, 200000, 50, 100, 100000, 190000);
	vm(1, 1000, 200000, 0, 100, 100000, ~0ULL);	/* guest lies */
	EXPECT_EQ(compute(2, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 200000);
	EXPECT_EQ(tg[1], 200000);
}

static void t_clamp_min(void)
{
	vm(0, 65536, 200000, 20, 100, 65536, 100);
	vm(1, 65536, 200000, 20, 100, 30000, 100);	/* below min now */
	EXPECT_EQ(compute(2, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 65536);
	EXPECT_EQ(tg[1], 65536);
}

/* Rule 1: no report: clamp(current, min, max), whatever else is set. */
static void t_no_report(void)
{
	vm(0, 1000, 200000, 20, 100, 150000, 1);
	vm(1, 1000, 200000, 20, 100, 500, 190000);
	vm(2, 1000, 200000, 20, 100, 300000, 190000);
	vm(3, 1000, 200000, 20, 100, 20000, 100000);
	st[0].valid = false;
	st[1].valid = false;
	st[2].valid = false;
	st[0].psi_some_avg10 = 10000;
	st[0].available_pages = 0;
	EXPECT_EQ(compute(4, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 150000);
	EXPECT_EQ(tg[1], 1000);
	EXPECT_EQ(tg[2], 200000);
	EXPECT_EQ(tg[3], 120000);
}

/* Rule 3: an idle VM shrinks to want even when the host has plenty. */
static void t_idle_shrink(void)
{
	vm(0, 1000, 1000000, 20, 100, 200000, 50000);
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 60000);
}

static void t_idle_shrink_min(void)
{
	vm(0, 80000, 1000000, 20, 100, 200000, 100);
	vm(1, 80000, 1000000, 0, 100, 200000, 0);
	EXPECT_EQ(compute(2, 0, 0), 0);
	EXPECT_EQ(tg[0], 80000);
	EXPECT_EQ(tg[1], 80000);
}

/* Rule 2: PSI some avg10 >= 10.00 % grows by max(current / 8, 16384). */
static void t_pressure_psi(void)
{
	vm(0, 1000, 1000000, 20, 100, 100000, 50000);
	st[0].psi_some_avg10 = 999;
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 60000);	/* not yet pressure: idle */
	st[0].psi_some_avg10 = 1000;
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 100000 + 16384);
	st[0].current_pages = 400000;	/* step current / 8 */
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 450000);
	cfg[0].max_pages = 420000;	/* capped at max */
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 420000);
	/* want above the step wins */
	vm(0, 1000, 1000000, 20, 100, 100000, 200000);
	st[0].psi_some_avg10 = 5000;
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 240000);
}

/* Rule 2: available < committed * buffer / 200 is pressure too. */
static void t_pressure_available(void)
{
	vm(0, 1000, 1000000, 20, 100, 120000, 100000);
	st[0].available_pages = 10000;	/* exactly half the buffer */
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 120000);
	st[0].available_pages = 9999;
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 120000 + 16384);
	/* buffer 0: available never signals pressure */
	cfg[0].buffer_pct = 0;
	st[0].available_pages = 0;
	EXPECT_EQ(compute(1, 1000000, 0), 0);
	EXPECT_EQ(tg[0], 100000);
}

/* Rule 4: a pool covering every need, exactly, grants all of it. */
static void t_pool_covers(void)
{
	vm(0, 1000, 1000000, 20, 1, 100000, 100000);	/* needs 20000 */
	vm(1, 1000, 1000000, 0, 1, 50000, 80000);	/* needs 30000 */
	vm(2, 1000, 1000000, 0, 1, 90000, 40000);	/* frees 50000 */
	EXPECT_EQ(compute(3, 10000, 10000), 0);	/* pool = freed only */
	EXPECT_EQ(tg[0], 120000);
	EXPECT_EQ(tg[1], 80000);
	EXPECT_EQ(tg[2], 40000);
	EXPECT_EQ(compute(3, 100000, 90000), 0);
	EXPECT_EQ(tg[0], 120000);
	EXPECT_EQ(tg[1], 80000);
}

/* Rule 4: scarce pool by weight; a capped VM's rest goes to the others. */
static void t_scarce_weight(void)
{
	vm(0, 0, 1000000, 0, 1, 0, 100);
	vm(1, 0, 1000000, 0, 1, 0, 1000);
	vm(2, 0, 1000000, 0, 2, 0, 1000);
	EXPECT_EQ(compute(3, 1000, 0), 0);
	/* level 250: VM 0 capped at 100; then 900 over weights 1 and 2 */
	EXPECT_EQ(tg[0], 100);
	EXPECT_EQ(tg[1], 300);
	EXPECT_EQ(tg[2], 600);
	/* plain proportional: nobody capped */
	vm(0, 0, 1000000, 0, 3, 0, 10000);
	vm(1, 0, 1000000, 0, 1, 0, 10000);
	EXPECT_EQ(compute(2, 4000, 0), 0);
	EXPECT_EQ(tg[0], 3000);
	EXPECT_EQ(tg[1], 1000);
}

/* Rule 4: caps cascade over rounds, the whole pool is used. */
static void t_water_filling(void)
{
	vm(0, 0, 1000000, 0, 3, 0, 920);
	vm(1, 0, 1000000, 0, 1, 0, 100);
	vm(2, 0, 1000000, 0, 1, 0, 5000);
	EXPECT_EQ(compute(3, 1500, 0), 0);
	/* 1500/5: VM 1 fits (100 <= 300); 1400/4: VM 0 fits (920 <= 1050) */
	EXPECT_EQ(tg[0], 920);
	EXPECT_EQ(tg[1], 100);
	EXPECT_EQ(tg[2], 480);
}

/* Rule 4: pages left by rounding go one each, in index order. */
static void t_share_rounding(void)
{
	vm(0, 0, 1000000, 0, 1, 0, 100000);
	vm(1, 0, 1000000, 0, 1, 0, 100000);
	vm(2, 0, 1000000, 0, 1, 0, 100000);
	EXPECT_EQ(compute(3, 11, 0), 0);
	EXPECT_EQ(tg[0], 4);
	EXPECT_EQ(tg[1], 4);
	EXPECT_EQ(tg[2], 3);
	EXPECT_EQ(compute(3, 0, 0), 0);	/* no pool: nobody grows */
	EXPECT_EQ(tg[0] + tg[1] + tg[2], 0);
}

/* Rule 5: a deficit comes from buffers, in proportion to them. */
static void t_deficit_proportional(void)
{
	vm(0, 1000, 1000000, 20, 1, 120000, 100000);	/* space 20000 */
	vm(1, 1000, 1000000, 20, 1, 60000, 50000);	/* space 10000 */
	vm(2, 40000, 1000000, 0, 1, 40000, 10000);	/* at min: 0 */
	EXPECT_EQ(compute(3, 0, 3000), 0);
	EXPECT_EQ(tg[0], 118000);
	EXPECT_EQ(tg[1], 59000);
	EXPECT_EQ(tg[2], 40000);
	/* 1000 * 2/3 and 1000 * 1/3: the rounding page from VM 0 */
	EXPECT_EQ(compute(3, 5000, 6000), 0);
	EXPECT_EQ(tg[0], 120000 - 667);
	EXPECT_EQ(tg[1], 60000 - 333);
	/* idle shrink first: 9000 freed by VM 3, 1000 left to reclaim */
	vm(3, 1000, 1000000, 0, 1, 19000, 10000);
	EXPECT_EQ(compute(4, 0, 10000), 0);
	EXPECT_EQ(tg[3], 10000);
	EXPECT_EQ(tg[0], 120000 - 667);
	EXPECT_EQ(tg[1], 60000 - 333);
}

/* Rule 5: never below max(min, committed); growers get nothing. */
static void t_deficit_floor(void)
{
	vm(0, 110000, 1000000, 20, 1, 120000, 100000);	/* space 10000 */
	vm(1, 1000, 1000000, 20, 1, 60000, 50000);	/* space 10000 */
	vm(2, 1000, 1000000, 20, 1, 50000, 100000);	/* grower */
	st[2].psi_some_avg10 = 9000;
	EXPECT_EQ(compute(3, 0, 1000000), 0);
	EXPECT_EQ(tg[0], 110000);
	EXPECT_EQ(tg[1], 50000);
	EXPECT_EQ(tg[2], 50000);
	EXPECT_EQ(compute(3, 0, 10000), 0);
	EXPECT_EQ(tg[0], 115000);
	EXPECT_EQ(tg[1], 55000);
	EXPECT_EQ(tg[2], 50000);
	/* a VM below min is raised even so; the others pay for it */
	vm(3, 20000, 1000000, 0, 1, 16000, 0);
	EXPECT_EQ(compute(4, 0, 0), 0);
	EXPECT_EQ(tg[3], 20000);
	EXPECT_EQ(tg[0] + tg[1], 180000 - 4000);
}

/* Deficit arithmetic past 64 bits (deficit * space / total). */
static void t_deficit_large(void)
{
	vm(0, 0, MAXP, 100, 1, MAXP, MAXP / 2);
	vm(1, 0, MAXP, 100, 1, MAXP, MAXP / 2);
	EXPECT_EQ(compute(2, 0, MAXP - 3), 0);
	EXPECT_EQ(tg[0], MAXP / 2 + 1);
	EXPECT_EQ(tg[1], MAXP / 2 + 2);
}

/* Four VMs whose max add up to three times the host. */
static void t_overcommit(void)
{
	const u64 host = 1000000, reserve = 50000;
	u64 sum, free_pages;
	int i, round;

	for (i = 0; i < 4; i++)
		vm(i, 50000, 750000, 20, 100, 200000, 0);
	st[0].committed_pages = 300000;	/* needs 160000 */
	st[1].committed_pages = 100000;	/* idle, frees 80000 */
	st[2].committed_pages = 250000;	/* needs 100000 */
	st[3].committed_pages = 180000;	/* needs 16000 */
	cfg[3].weight = 200;
	EXPECT_EQ(compute(4, 200000, reserve), 0);
	/* pool 230000; 230000/400: VM 3 fits; 214000/200: VM 2 fits */
	EXPECT_EQ(tg[0], 314000);
	EXPECT_EQ(tg[1], 120000);
	EXPECT_EQ(tg[2], 300000);
	EXPECT_EQ(tg[3], 216000);
	/* Everyone's load keeps rising: never more than host - reserve. */
	for (round = 0; round < 40; round++) {
		sum = 0;
		for (i = 0; i < 4; i++)
			sum += st[i].current_pages;
		free_pages = host - sum;
		EXPECT_EQ(compute(4, free_pages, reserve), 0);
		sum = 0;
		for (i = 0; i < 4; i++) {
			EXPECT(tg[i] >= 50000 && tg[i] <= 750000);
			st[i].current_pages = tg[i];
			st[i].committed_pages += st[i].committed_pages / 10;
			st[i].psi_some_avg10 = round % 3 ? 0 : 2000;
			sum += tg[i];
		}
		EXPECT(sum <= host - reserve);
	}
	EXPECT(sum >= host - reserve - 4);
}

static void t_einval(void)
{
	u64 before;

	vm(0, 1000, 2000, 20, 100, 1500, 1000);
	vm(1, 1000, 2000, 20, 100, 1500, 1000);
	tg[0] = 777;
	tg[1] = 777;
	EXPECT_EQ(compute(0, 100, 0), -EINVAL);
	EXPECT_EQ(dynmem_policy_compute(NULL, st, 2, 100, 0, tg), -EINVAL);
	EXPECT_EQ(dynmem_policy_compute(cfg, NULL, 2, 100, 0, tg), -EINVAL);
	EXPECT_EQ(dynmem_policy_compute(cfg, st, 2, 100, 0, NULL), -EINVAL);
	EXPECT_EQ(dynmem_policy_compute(cfg, st, DYNMEM_POLICY_MAX_VMS + 1,
					100, 0, tg), -EINVAL);
	EXPECT_EQ(compute(2, MAXP + 1, 0), -EINVAL);
	EXPECT_EQ(compute(2, 0, MAXP + 1), -EINVAL);
	cfg[1].min_pages = 2001;
	EXPECT_EQ(compute(2, 100, 0), -EINVAL);
	cfg[1].min_pages = 1000;
	cfg[1].weight = 0;
	EXPECT_EQ(compute(2, 100, 0), -EINVAL);
	cfg[1].weight = DYNMEM_WEIGHT_MAX + 1;
	EXPECT_EQ(compute(2, 100, 0), -EINVAL);
	cfg[1].weight = DYNMEM_WEIGHT_MAX;
	cfg[1].buffer_pct = DYNMEM_BUFFER_PCT_MAX + 1;
	EXPECT_EQ(compute(2, 100, 0), -EINVAL);
	cfg[1].buffer_pct = DYNMEM_BUFFER_PCT_MAX;
	cfg[1].max_pages = MAXP + 1;
	EXPECT_EQ(compute(2, 100, 0), -EINVAL);
	EXPECT_EQ(tg[0], 777);
	EXPECT_EQ(tg[1], 777);
	/* the edges are valid */
	cfg[1].max_pages = MAXP;
	cfg[1].min_pages = MAXP;
	cfg[0].weight = 1;
	cfg[0].buffer_pct = 0;
	before = st[1].current_pages;
	EXPECT_EQ(compute(2, MAXP, MAXP), 0);
	EXPECT_EQ(tg[1], MAXP);
	EXPECT_EQ(st[1].current_pages, before);
}

/* Fixed-seed LCG (Knuth's MMIX constants): the same inputs every run. */
static u64 lcg_state = 0x2545f4914f6cdd1dULL;

static u64 rnd(u64 n)
{
	lcg_state = lcg_state * 6364136223846793005ULL +
		    1442695040888963407ULL;
	return (lcg_state >> 16) % n;
}

static u64 rnd_pages(void)
{
	switch (rnd(16)) {
	case 0:
		return 0;
	case 1:
		return rnd(MAXP + 1);
	case 2:
		return ~0ULL - rnd(3);
	default:
		return rnd(1 << 20);
	}
}

static u64 umin(u64 a, u64 b)
{
	return a < b ? a : b;
}

static u64 umax(u64 a, u64 b)
{
	return a > b ? a : b;
}

/* The rules again, written independently of policy.c. */
static u64 ref_want(int i)
{
	u64 cur = umin(st[i].current_pages, MAXP);
	u64 comm = umin(st[i].committed_pages, MAXP);
	u64 lo = cfg[i].min_pages, hi = cfg[i].max_pages, w;

	if (!st[i].valid)
		return umin(umax(cur, lo), hi);
	w = umin(umax(comm * (100 + cfg[i].buffer_pct) / 100, lo), hi);
	if (st[i].psi_some_avg10 >= 1000 ||
	    umin(st[i].available_pages, MAXP) < comm * cfg[i].buffer_pct / 200)
		w = umax(w, umin(hi, cur + umax(cur / 8, 16384)));
	return w;
}

static void t_random_invariants(void)
{
	long long avail, pool, sum_t, total_space, s;
	u64 want[NVM], prov[NVM], fl, cur, t2[NVM], host_free, reserve;
	int iter, i, nr, short_growers;

	for (iter = 0; iter < 500; iter++) {
		nr = 1 + rnd(NVM);
		for (i = 0; i < nr; i++) {
			cfg[i].min_pages = rnd_pages() % (MAXP + 1);
			cfg[i].max_pages = rnd_pages() % (MAXP + 1);
			if (cfg[i].min_pages > cfg[i].max_pages) {
				fl = cfg[i].min_pages;
				cfg[i].min_pages = cfg[i].max_pages;
				cfg[i].max_pages = fl;
			}
			cfg[i].buffer_pct = rnd(4) ? rnd(100) :
					    rnd(DYNMEM_BUFFER_PCT_MAX + 1);
			cfg[i].weight = 1 + rnd(rnd(2) ? 10 : DYNMEM_WEIGHT_MAX);
			st[i].current_pages = rnd_pages();
			st[i].committed_pages = rnd_pages();
			st[i].available_pages = rnd_pages();
			st[i].psi_some_avg10 = rnd(4) ? rnd(1000) : rnd(10001);
			st[i].valid = rnd(8) != 0;
		}
		host_free = rnd(4) ? rnd(1 << 22) : rnd(MAXP + 1);
		reserve = rnd(4) ? rnd(1 << 20) : rnd(MAXP + 1);

		EXPECT_EQ(compute(nr, host_free, reserve), 0);
		memcpy(t2, tg, sizeof(tg));
		EXPECT_EQ(compute(nr, host_free, reserve), 0);
		EXPECT(!memcmp(t2, tg, sizeof(tg)));	/* deterministic */

		avail = (long long)host_free - (long long)reserve;
		pool = avail;
		sum_t = 0;
		total_space = 0;
		short_growers = 0;
		for (i = 0; i < nr; i++) {
			cur = umin(st[i].current_pages, MAXP);
			want[i] = ref_want(i);
			prov[i] = umax(umin(want[i], cur), cfg[i].min_pages);
			pool += (long long)cur - (long long)prov[i];
			sum_t += (long long)tg[i] - (long long)cur;
			fl = umax(cfg[i].min_pages,
				  umin(st[i].committed_pages, MAXP));
			if (st[i].valid && prov[i] > fl)
				total_space += prov[i] - fl;
			EXPECT(tg[i] >= cfg[i].min_pages);
			EXPECT(tg[i] <= cfg[i].max_pages);
			EXPECT(tg[i] <= want[i]);
			if (tg[i] < want[i] && want[i] > prov[i])
				short_growers++;
		}
		s = 0;
		if (pool >= 0) {
			for (i = 0; i < nr; i++) {
				EXPECT(tg[i] >= prov[i]);
				s += tg[i] - prov[i];
			}
			EXPECT(s <= pool);		/* grants within pool */
			if (short_growers)		/* whole pool used */
				EXPECT(s == pool);
			EXPECT(sum_t <= avail);
		} else {
			for (i = 0; i < nr; i++) {
				EXPECT(tg[i] <= prov[i]);
				if (!st[i].valid)
					EXPECT(tg[i] == prov[i]);
				s += prov[i] - tg[i];
			}
			EXPECT(s == (-pool < total_space ? -pool : total_space));
			if (-pool <= total_space)
				EXPECT(sum_t == avail);
		}
		if (cur_failed) {
			printf("#   iteration %d failed\n", iter);
			return;
		}
	}
}

static void run(const char *name, void (*fn)(void))
{
	memset(cfg, 0, sizeof(cfg));
	memset(st, 0, sizeof(st));
	memset(tg, 0, sizeof(tg));
	cur_failed = 0;
	fn();
	if (cur_failed)
		n_fail++;
	else
		n_pass++;
	printf("%s %d %s\n", cur_failed ? "not ok" : "ok", n_pass + n_fail,
	       name);
}

int main(void)
{
	run("want_formula", t_want_formula);
	run("clamp_max", t_clamp_max);
	run("clamp_min", t_clamp_min);
	run("no_report", t_no_report);
	run("idle_shrink", t_idle_shrink);
	run("idle_shrink_never_below_min", t_idle_shrink_min);
	run("pressure_psi", t_pressure_psi);
	run("pressure_low_available", t_pressure_available);
	run("pool_covers_all_needs", t_pool_covers);
	run("scarce_pool_by_weight", t_scarce_weight);
	run("water_filling_redistribution", t_water_filling);
	run("share_rounding", t_share_rounding);
	run("deficit_from_buffers_proportionally", t_deficit_proportional);
	run("deficit_never_below_min", t_deficit_floor);
	run("deficit_past_64_bits", t_deficit_large);
	run("overcommit_4_vms_3x_host", t_overcommit);
	run("einval", t_einval);
	run("random_invariants", t_random_invariants);
	printf("%d passed, %d failed\n", n_pass, n_fail);
	return n_fail ? 1 : 0;
}
