// SPDX-License-Identifier: GPL-2.0
/*
 * Allocator hooks, the profiler, and the core's own allocations failing
 * (kunit/pa_test_hook.c, pa_test_profile.c, pa_test_fault.c).
 */
#include <stdint.h>
#include <string.h>
#include "pa_tests.h"

/* A hook that counts the calls it gets, then calls the allocator below. */
struct counting_hook {
	struct pa_allocator below;
	unsigned int allocs, reallocs, frees;
	unsigned long last_caller;
	size_t last_size;
	gfp_t last_gfp;
	bool fail;
};

static void *counting_alloc(void *ctx, size_t size, gfp_t gfp,
			    unsigned long caller)
{
	struct counting_hook *h = ctx;

	h->allocs++;
	h->last_caller = caller;
	h->last_size = size;
	h->last_gfp = gfp;
	if (h->fail)
		return NULL;
	return h->below.alloc(h->below.ctx, size, gfp, caller);
}

static void *counting_realloc(void *ctx, const void *p, size_t size,
			      gfp_t gfp, unsigned long caller)
{
	struct counting_hook *h = ctx;

	h->reallocs++;
	h->last_caller = caller;
	h->last_size = size;
	return h->below.realloc(h->below.ctx, p, size, gfp, caller);
}

static void counting_free(void *ctx, const void *p, unsigned long caller)
{
	struct counting_hook *h = ctx;

	h->frees++;
	h->last_caller = caller;
	h->below.free(h->below.ctx, p, caller);
}

static void counting_install(struct counting_hook *h)
{
	struct pa_allocator a = {
		.ctx = h,
		.alloc = counting_alloc,
		.realloc = counting_realloc,
		.free = counting_free,
	};

	memset(h, 0, sizeof(*h));
	pa_get_allocator(&h->below);
	PA_CHECK_EQ(pa_set_allocator(&a), 0);
}

static unsigned int calls(const struct counting_hook *h)
{
	return h->allocs + h->reallocs + h->frees;
}

/*
 * Call sites the hooks and the profiler must name: each function in a
 * section of its own, whose bounds the linker gives, so that "the caller
 * is in this function" is exact.
 */
struct code_range {
	const char *start, *stop;
};

static const struct code_range hooked = {
	__start_pa_t_hooked, __stop_pa_t_hooked
};

static const struct code_range site_a = {
	__start_pa_t_site_a, __stop_pa_t_site_a
};

static const struct code_range site_b = {
	__start_pa_t_site_b, __stop_pa_t_site_b
};

static bool caller_in(unsigned long caller, const struct code_range *r)
{
	return caller > (uintptr_t)r->start && caller < (uintptr_t)r->stop;
}

static void test_builtin_allocator_is_in_place(void)
{
	struct pa_allocator a, b;

	pa_get_allocator(&a);
	PA_CHECK(a.alloc && a.realloc && a.free);
	/* Putting it back, or NULL, changes nothing. */
	PA_CHECK_EQ(pa_set_allocator(&a), 0);
	PA_CHECK_EQ(pa_set_allocator(NULL), 0);
	pa_get_allocator(&b);
	PA_CHECK(!memcmp(&a, &b, sizeof(a)));
	pa_free(pa_alloc(10, GFP_KERNEL));
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, 1);
}

static void test_hook_missing_a_callback_is_refused(void)
{
	struct pa_allocator builtin, a, now;

	pa_get_allocator(&builtin);
	a = builtin;
	a.free = NULL;
	PA_CHECK_EQ(pa_set_allocator(&a), -EINVAL);
	a = builtin;
	a.alloc = NULL;
	PA_CHECK_EQ(pa_set_allocator(&a), -EINVAL);
	a = builtin;
	a.realloc = NULL;
	PA_CHECK_EQ(pa_set_allocator(&a), -EINVAL);
	pa_get_allocator(&now);
	PA_CHECK(!memcmp(&builtin, &now, sizeof(now)));
}

static noinline __section("pa_t_hooked") void test_hook_sees_every_call(void)
{
	struct pa_stats before = pa_t_stats(NULL);
	struct counting_hook h;
	unsigned char *p, *q;

	counting_install(&h);
	p = pa_alloc(100, GFP_KERNEL);
	PA_CHECK(p);
	PA_CHECK_EQ(h.allocs, 1);
	PA_CHECK_EQ(h.last_size, 100);
	PA_CHECK(caller_in(h.last_caller, &hooked));
	pa_free(p);
	PA_CHECK_EQ(h.frees, 1);
	PA_CHECK(caller_in(h.last_caller, &hooked));

	p = pa_zalloc(50, GFP_KERNEL);
	PA_CHECK(p);
	PA_CHECK(h.last_gfp & __GFP_ZERO);
	PA_CHECK(pa_t_all(p, 50, 0));
	pa_free(p);
	p = pa_calloc(3, 20, GFP_KERNEL);
	PA_CHECK(p);
	PA_CHECK_EQ(h.last_size, 60);
	PA_CHECK(h.last_gfp & __GFP_ZERO);
	pa_free(p);
	PA_CHECK_EQ(h.allocs, 3);

	/* pa_realloc(): NULL allocates, 0 frees, anything else reallocates. */
	p = pa_realloc(NULL, 10, GFP_KERNEL);
	PA_CHECK(p);
	PA_CHECK_EQ(h.allocs, 4);
	memset(p, 0x22, 10);
	q = pa_realloc(p, 3000, GFP_KERNEL);
	PA_CHECK(q);
	PA_CHECK_EQ(h.reallocs, 1);
	PA_CHECK_EQ(h.last_size, 3000);
	PA_CHECK(pa_t_all(q, 10, 0x22));
	PA_CHECK(pa_realloc(q, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK_EQ(h.frees, 4);
	PA_CHECK_EQ(calls(&h), 9);

	/* Answered by the entry points: no call. */
	PA_CHECK(pa_alloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK(pa_zalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK(!pa_calloc(SIZE_MAX, 2, GFP_KERNEL));
	PA_CHECK(pa_realloc(NULL, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	pa_free(NULL);
	pa_free(ZERO_SIZE_PTR);
	/* Not hooked at all. */
	p = pa_pool_alloc(NULL, 30, GFP_KERNEL);
	PA_CHECK(p && pa_owns(p) && pa_usable_size(p) >= 30);
	pa_pool_free(NULL, p);
	PA_CHECK_EQ(calls(&h), 9);

	/* The built-in allocator back: the hook is called no more. */
	PA_CHECK_EQ(pa_set_allocator(&h.below), 0);
	pa_free(pa_alloc(100, GFP_KERNEL));
	PA_CHECK_EQ(calls(&h), 9);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, before.live_blocks);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
	/* The overflowing pa_calloc() counted its failure. */
	PA_CHECK_EQ(pa_t_stats(NULL).failures, before.failures + 1);
}

/* A hook that refuses every request makes the entry points fail. */
static void test_hook_can_refuse(void)
{
	struct pa_stats before = pa_t_stats(NULL);
	struct counting_hook h;

	counting_install(&h);
	h.fail = true;
	PA_CHECK(!pa_alloc(64, GFP_KERNEL));
	PA_CHECK(!pa_calloc(2, 64, GFP_KERNEL));
	PA_CHECK(!pa_realloc(NULL, 64, GFP_KERNEL));
	PA_CHECK_EQ(h.allocs, 3);
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, before.allocs);
	/* Pools are not hooked. */
	pa_pool_free(NULL, pa_pool_alloc(NULL, 64, GFP_KERNEL));
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, before.allocs + 1);
	PA_CHECK_EQ(pa_set_allocator(NULL), 0);
}

/* A block from before the hook is freed through it, to the built-in. */
static void test_hook_frees_blocks_from_before(void)
{
	void *p = pa_alloc(64, GFP_KERNEL);
	struct counting_hook h;

	PA_CHECK(p);
	counting_install(&h);
	pa_free(p);
	PA_CHECK_EQ(h.frees, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	p = pa_alloc(64, GFP_KERNEL);
	PA_CHECK_EQ(pa_set_allocator(NULL), 0);
	pa_free(p);
	PA_CHECK_EQ(h.frees, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/* NMI callers never reach a hook: the built-in allocator serves them. */
static void test_hook_is_not_called_in_nmi(void)
{
	struct counting_hook h;
	void *p;

	pa_free(pa_alloc(64, GFP_KERNEL));
	counting_install(&h);
	pa_user_nmi_enter();
	p = pa_alloc(64, GFP_ATOMIC);
	pa_free(p);
	pa_user_nmi_exit();
	pa_user_run_work();
	PA_CHECK(p);
	PA_CHECK_EQ(calls(&h), 0);
	PA_CHECK_EQ(pa_set_allocator(NULL), 0);
}

/* ---- profiler ---------------------------------------------------------- */

/* The barrier keeps the call a call: a tail call would name our caller. */
static noinline __section("pa_t_site_a") void *profile_site_a(struct pa_pool *pool)
{
	void *p = pa_pool_alloc(pool, 100, GFP_KERNEL);

	barrier();
	return p;
}

static noinline __section("pa_t_site_b") void *profile_site_b(struct pa_pool *pool)
{
	void *p = pa_pool_alloc(pool, 3 * PAGE_SIZE, GFP_KERNEL);

	barrier();
	return p;
}

static const struct pa_site *find_site(const struct pa_site *sites, int n,
				       const struct code_range *r)
{
	int i;

	for (i = 0; i < n; i++)
		if (caller_in(sites[i].caller, r))
			return &sites[i];
	return NULL;
}

static void test_profile_sites_exact(void)
{
	struct pa_pool *pool = pa_pool_create("prof", 0);
	struct pa_site sites[16];
	const struct pa_site *a, *b;
	void *blocks[5];
	unsigned int i;
	int n;

	PA_CHECK(!IS_ERR_OR_NULL(pool));
	PA_CHECK_EQ(pa_profile_start(), 1);
	PA_CHECK_EQ(pa_profile_start(), 0);
	for (i = 0; i < 3; i++)
		PA_CHECK(blocks[i] = profile_site_a(pool));
	for (i = 3; i < 5; i++)
		PA_CHECK(blocks[i] = profile_site_b(pool));
	pa_free(blocks[4]);
	n = pa_profile_sites(pool, sites, ARRAY_SIZE(sites));
	PA_CHECK(n >= 2);
	a = find_site(sites, n, &site_a);
	b = find_site(sites, n, &site_b);
	PA_CHECK(a && b && a != b);
	PA_CHECK_EQ(a->live_bytes, 300);
	PA_CHECK_EQ(a->live_blocks, 3);
	PA_CHECK_EQ(a->allocs, 3);
	PA_CHECK_EQ(b->live_bytes, 3 * PAGE_SIZE);
	PA_CHECK_EQ(b->live_blocks, 1);
	PA_CHECK_EQ(b->allocs, 2);
	PA_CHECK_EQ(pa_profile_sites(pool, sites, 0), 0);
	pa_profile_stop();
	for (i = 0; i < 4; i++)
		pa_free(blocks[i]);
	n = pa_profile_sites(pool, sites, ARRAY_SIZE(sites));
	a = find_site(sites, n, &site_a);
	PA_CHECK(!a || (a->live_blocks == 0 && a->live_bytes == 0));
	pa_pool_destroy(pool);
}

/* profile=1 at load switches it on; the parameter reads back. */
static void test_profile_param(void)
{
	char buf[8] = "";
	struct pa_site sites[4];
	void *p;
	int n;

	PA_CHECK(pa_user_param_get("profile", buf, sizeof(buf)) > 0);
	PA_CHECK_EQ(buf[0], 'Y');
	p = profile_site_a(NULL);
	PA_CHECK(p);
	n = pa_profile_sites(NULL, sites, ARRAY_SIZE(sites));
	PA_CHECK(find_site(sites, n, &site_a));
	pa_free(p);
}

/* ---- the core's own allocations failing ------------------------------- */

/* No page for an arena: NULL, counted, and the next request works. */
static void test_page_failure_fails_and_counts(void)
{
	/* An arena tries orders 6 down to 3, then the run's order 2. */
	pa_user_fail(5, 0, 0);
	PA_CHECK(!pa_alloc(64, GFP_KERNEL));
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, 0);
	pa_user_fail(0, 0, 0);
	pa_free(pa_alloc(64, GFP_KERNEL));
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, 1);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/* High orders failing: the arena falls back to a single run. */
static void test_arena_falls_back_to_a_run(void)
{
	struct pa_stats st;
	void *p, *q;

	pa_user_fail(4, 0, 0);
	p = pa_alloc(64, GFP_KERNEL);
	PA_CHECK(p);
	pa_user_fail(4, 0, 0);
	q = pa_alloc(128, GFP_KERNEL);
	PA_CHECK(q);
	pa_user_fail(0, 0, 0);
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.runs_in_use, 2);
	PA_CHECK_EQ(st.arenas_current, 2);
	PA_CHECK_EQ(st.pages_held, 2 * T_RUN_SIZE / PAGE_SIZE);
	pa_free(p);
	pa_free(q);
	pa_cache_drain_all(pa_default_pool);
	PA_CHECK_EQ(pa_t_stats(NULL).arenas_current, 1);
}

/* __GFP_NOFAIL: a caller that may sleep waits and gets its block. */
static void test_nofail_waits_and_succeeds(void)
{
	void *p;

	pa_user_fail(12, 0, 0);
	p = pa_alloc(64, GFP_KERNEL | __GFP_NOFAIL);
	PA_CHECK(p);
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 0);
	pa_free(p);
	/* An atomic caller cannot be promised it: NULL, counted. */
	pa_user_fail(0, 0, 0);
	pa_cache_drain_all(pa_default_pool);
	PA_CHECK(pa_user_shrink() > 0);
	pa_user_fail(5, 0, 0);
	PA_CHECK(!pa_alloc(64, GFP_ATOMIC | __GFP_NOFAIL));
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 1);
}

static void test_vmalloc_failure_fails_large_and_counts(void)
{
	pa_user_fail(0, 0, 1);
	/* Above T_CONTIG_MAX, vmalloc is the only memory tried. */
	PA_CHECK(!pa_alloc(T_CONTIG_MAX + PAGE_SIZE, GFP_KERNEL));
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
	pa_free(pa_alloc(T_CONTIG_MAX + PAGE_SIZE, GFP_KERNEL));
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, 1);
}

/*
 * The first @n allocations of each kind fail, across pool creation, small,
 * large and atomic requests and a realloc: every call fails cleanly or
 * works, nothing warns, and whatever worked is freed whole (unload and
 * LeakSanitizer check what the failures left).
 */
static void enomem_round(unsigned long pages, unsigned long kmallocs,
			 unsigned long vmallocs)
{
	static const size_t sizes[] = { 8, 300, 2000, 4096, 5000, 70000 };
	struct pa_pool *pool;
	void *p[ARRAY_SIZE(sizes) * 2], *r;
	unsigned int i;

	pa_user_fail(pages, kmallocs, vmallocs);
	pool = pa_pool_create("enomem", 0);
	PA_CHECK(!IS_ERR(pool) || PTR_ERR(pool) == -ENOMEM);
	if (IS_ERR(pool))
		pool = NULL;
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[2 * i] = pa_pool_alloc(pool, sizes[i], GFP_KERNEL);
		p[2 * i + 1] = pa_pool_alloc(pool, sizes[i], GFP_ATOMIC);
	}
	for (i = 0; i < ARRAY_SIZE(p); i++) {
		if (!p[i])
			continue;
		PA_CHECK(pa_owns(p[i]));
		memset(p[i], 1, sizes[i / 2]);
	}
	r = p[0] ? pa_realloc(p[0], 9000, GFP_KERNEL) : NULL;
	if (r)
		p[0] = r;
	for (i = 0; i < ARRAY_SIZE(p); i++)
		pa_free(p[i]);
	pa_user_fail(0, 0, 0);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(pool).invalid_frees, 0);
	pa_pool_destroy(pool);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

static void test_enomem_sweep(void)
{
	/* Enough failures of each kind to reach every call above. */
	enum { DEPTH = 12 };
	unsigned long n;

	for (n = 1; n <= DEPTH; n++) {
		enomem_round(n, 0, 0);
		enomem_round(0, n, 0);
		enomem_round(0, 0, n);
		enomem_round(n, n, n);
	}
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

const struct pa_case pa_hook_cases[] = {
	PA_CASE(test_builtin_allocator_is_in_place, ""),
	PA_CASE(test_hook_missing_a_callback_is_refused, ""),
	PA_CASE(test_hook_sees_every_call, ""),
	PA_CASE(test_hook_can_refuse, ""),
	PA_CASE(test_hook_frees_blocks_from_before, ""),
	PA_CASE(test_hook_is_not_called_in_nmi, ""),
	PA_CASE(test_profile_sites_exact, ""),
	PA_CASE(test_profile_param, "profile=1"),
	PA_CASE(test_page_failure_fails_and_counts, ""),
	PA_CASE(test_arena_falls_back_to_a_run, ""),
	PA_CASE(test_nofail_waits_and_succeeds, ""),
	PA_CASE(test_vmalloc_failure_fails_large_and_counts, ""),
	PA_CASE(test_enomem_sweep, ""),
	{ }
};
