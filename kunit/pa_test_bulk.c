// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_bulk: pa_alloc_bulk() and pa_free_bulk().  Blocks as pa_alloc()
 * gives them, counters exact, all or nothing under injected failures, a free
 * that refuses what pa_free() refuses, and an interrupt that finds the
 * cache busy in the middle of it all.
 */
#include <linux/fault-inject.h>
#include <linux/irq_work.h>
#include <linux/sort.h>
#include <linux/err.h>
#include "pa_test.h"

/* More than a cache holds, and not a multiple of a round. */
#define MANY		300

static int cmp_ptr(const void *a, const void *b)
{
	unsigned long x = *(const unsigned long *)a;
	unsigned long y = *(const unsigned long *)b;

	return x < y ? -1 : x > y;
}

static void **test_array(struct kunit *test, size_t n)
{
	void **p = kunit_kcalloc(test, n, sizeof(*p), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	return p;
}

/*
 * @n blocks of @size from @pool: all there, distinct and not overlapping,
 * 16-byte aligned, usable for @size bytes, counted exactly; then freed in
 * bulk and counted again.
 */
static void check_bulk_round(struct kunit *test, struct pa_pool *pool,
			     size_t size, size_t n)
{
	void **p = test_array(test, n), **sorted = test_array(test, n);
	struct pa_stats before = pa_test_stats(pool), after;
	size_t i;

	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, size, GFP_KERNEL, n, p),
			(int)n);
	for (i = 0; i < n; i++) {
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p[i], 16));
		KUNIT_EXPECT_GE(test, pa_usable_size(p[i]), size);
		memset(p[i], (int)i, size);
	}
	memcpy(sorted, p, n * sizeof(*p));
	sort(sorted, n, sizeof(*sorted), cmp_ptr, NULL);
	for (i = 1; i < n; i++)
		KUNIT_EXPECT_LE(test, (unsigned long)sorted[i - 1] + size,
				(unsigned long)sorted[i]);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_TRUE(test, !memchr_inv(p[i], (u8)i, size));
	after = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, after.allocs, before.allocs + n);
	KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks + n);
	KUNIT_EXPECT_EQ(test, after.live_bytes_requested,
			before.live_bytes_requested + n * size);
	KUNIT_EXPECT_EQ(test, after.failures, before.failures);

	pa_free_bulk(n, p);
	after = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, after.frees, before.frees + n);
	KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks);
	KUNIT_EXPECT_EQ(test, after.live_bytes_requested,
			before.live_bytes_requested);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_FALSE(test, pa_owns(p[i]));
}

/* ---- Blocks and counters ----------------------------------------------- */

struct bulk_case {
	size_t size, n;
};

static const struct bulk_case bulk_cases[] = {
	{ 1, 1 }, { 16, 16 }, { 64, 128 }, { 100, MANY }, { 1000, 128 },
	{ 2048, MANY },
};

static void bulk_case_desc(const struct bulk_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "%zu x %zu bytes", c->n, c->size);
}

KUNIT_ARRAY_PARAM(bulk, bulk_cases, bulk_case_desc);

static void test_bulk_blocks_distinct_aligned_and_counted(struct kunit *test)
{
	const struct bulk_case *c = test->param_value;

	check_bulk_round(test, NULL, c->size, c->n);
	check_bulk_round(test, pa_test_pool(test, "bulk"), c->size, c->n);
}

/* The largest small request, whatever small_max is. */
static void test_bulk_small_max(struct kunit *test)
{
	check_bulk_round(test, pa_test_pool(test, "bulk"), pa_small_max, 128);
}

/* A named pool's blocks are counted there, not in the default pool. */
static void test_bulk_named_pool_counts_its_own(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "bulk");
	struct pa_stats dflt = pa_test_stats(NULL);
	void **p = test_array(test, MANY);
	unsigned int i;

	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, 48, GFP_KERNEL, MANY, p),
			MANY);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, (u64)MANY);
	/* pa_pool_free() takes them as its pool's. */
	for (i = 0; i < MANY; i++)
		pa_pool_free(pool, p[i]);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).err_wrong_pool, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).allocs, dflt.allocs);
}

static void test_bulk_gfp_zero_zeroes(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "bulk");
	void **p = test_array(test, MANY);
	unsigned int i;

	/* Dirty blocks first, so that zeroes are not just fresh pages. */
	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, 200, GFP_KERNEL, MANY, p),
			MANY);
	for (i = 0; i < MANY; i++)
		memset(p[i], 0xa5, 200);
	pa_free_bulk(MANY, p);
	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, 200, GFP_KERNEL | __GFP_ZERO,
					    MANY, p), MANY);
	for (i = 0; i < MANY; i++)
		KUNIT_EXPECT_TRUE(test, !memchr_inv(p[i], 0, 200));
	pa_free_bulk(MANY, p);
}

/* n = 0 does nothing; more than INT_MAX blocks is a failure, counted. */
static void test_bulk_zero_and_too_many(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "bulk");
	struct pa_stats before = pa_test_stats(pool);
	void *p[2] = { NULL, NULL };

	KUNIT_EXPECT_EQ(test, pa_alloc_bulk(pool, 64, GFP_KERNEL, 0, p), 0);
	pa_free_bulk(0, p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).failures, before.failures);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).allocs, before.allocs);
	KUNIT_EXPECT_EQ(test, pa_alloc_bulk(pool, 64, GFP_KERNEL,
					    (size_t)INT_MAX + 1, p), 0);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).failures,
			before.failures + 1);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).allocs, before.allocs);
}

/* Sizes above small_max take pa_pool_alloc()'s path for each block. */
static void test_bulk_sizes_above_small_max(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "bulk");
	size_t size = pa_small_max + 1;
	void *p[8];
	unsigned int i;

	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, size, GFP_KERNEL,
					    ARRAY_SIZE(p), p),
			(int)ARRAY_SIZE(p));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).large_live,
			(u64)ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		memset(p[i], 1, size);
	pa_free_bulk(ARRAY_SIZE(p), p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).large_live, 0ULL);
	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, 0, GFP_KERNEL,
					    ARRAY_SIZE(p), p),
			(int)ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_PTR_EQ(test, p[i], ZERO_SIZE_PTR);
	pa_free_bulk(ARRAY_SIZE(p), p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
}

/* ---- Freeing ------------------------------------------------------------ */

/*
 * NULL and ZERO_SIZE_PTR slots are skipped; an interior pointer, a block
 * already freed, a double free within the call and a kmalloc pointer are
 * refused, each counted once in invalid_frees; every other block is freed.
 */
static void test_bulk_free_refuses_invalid_and_frees_the_rest(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "bulk");
	void *not_ours = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct pa_stats before, dflt;
	void *p[14], *gone;
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, not_ours);
	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, 64, GFP_KERNEL, 8, p), 8);
	gone = pa_pool_alloc(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	pa_free(gone);
	p[8] = NULL;
	p[9] = ZERO_SIZE_PTR;
	/* Swapped in among the blocks: the ones after must still go. */
	p[10] = p[2];
	p[2] = (char *)p[1] + 16;
	p[11] = p[5];
	p[5] = gone;
	p[12] = p[10];
	p[13] = not_ours;
	before = pa_test_stats(pool);
	dflt = pa_test_stats(NULL);
	pa_free_bulk(ARRAY_SIZE(p), p);
	/* In the pool's arena: counted in the pool. */
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).invalid_frees,
			before.invalid_frees + 3);
	/* In no pool: counted in the default pool. */
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).invalid_frees,
			dflt.invalid_frees + 1);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).frees, before.frees + 8);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		KUNIT_EXPECT_FALSE(test, pa_owns(p[i]));
}

/* Block @i of a mix: default and named pools, a debug pool, large ones. */
static void *mixed_block(unsigned int i, struct pa_pool *a,
			 struct pa_pool *dbg)
{
	switch (i % 6) {
	case 1:
		return pa_pool_alloc(a, 64, GFP_KERNEL);
	case 2:
		return pa_pool_alloc(a, 700, GFP_KERNEL);
	case 3:
		return pa_pool_alloc(dbg, 64, GFP_KERNEL);
	case 4:
		return pa_pool_alloc(a, pa_small_max + 1, GFP_KERNEL);
	default:
		return pa_pool_alloc(a, 32, GFP_KERNEL);
	}
}

/*
 * One call frees blocks of several pools and classes, large blocks and a
 * debug pool's among them, each to its own pool.
 */
static void test_bulk_free_mixed_pools(struct kunit *test)
{
	struct pa_pool *a = pa_test_pool(test, "bulk-a");
	struct pa_pool *dbg = pa_test_pool_flags(test, "bulk-dbg",
						 PA_POOL_DEBUG);
	void **p = test_array(test, MANY);
	unsigned int i;

	for (i = 0; i < MANY; i++) {
		p[i] = mixed_block(i, a, dbg);
		KUNIT_ASSERT_NOT_NULL(test, p[i]);
	}
	pa_free_bulk(MANY, p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(a).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(a).live_bytes_requested, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(a).large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(a).frees, (u64)MANY * 5 / 6);
	KUNIT_EXPECT_EQ(test, pa_test_stats(dbg).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(a).invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(dbg).invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(dbg).err_double_free, 0ULL);
}

/* ---- All or nothing ----------------------------------------------------- */

#ifdef CONFIG_FAULT_INJECTION
/* Far more requests than one call below makes. */
#define SWEEP_MAX	40

/*
 * The 1st, 2nd, ... request of a bulk call that needs many runs fails, in
 * the middle of taking them (a run state, an arena), each on a pool that
 * already handed out and took back blocks: every slot is NULL, nothing
 * stays live, the failure is counted once, and the next call succeeds.
 */
static void test_bulk_failure_is_all_or_nothing(struct kunit *test)
{
	/* 16 blocks per run: the call needs many runs, and two arenas. */
	enum { SIZE = 1024, N = 400 };
	void **p = test_array(test, N);
	struct pa_stats before, after;
	struct pa_pool *pool;
	unsigned int nth, i;
	bool failed;
	int got;

	for (nth = 1; nth <= SWEEP_MAX; nth++) {
		pool = pa_pool_create("bulk-fault", 0);
		KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
		/* An arena and a run, and blocks in this CPU's cache. */
		pa_free(pa_pool_alloc(pool, SIZE, GFP_KERNEL));
		before = pa_test_stats(pool);
		for (i = 0; i < N; i++)
			p[i] = ERR_PTR(-EINVAL);

		pa_test_fault_arm(nth);
		got = pa_alloc_bulk(pool, SIZE, GFP_KERNEL, N, p);
		failed = pa_test_fault_disarm();
		after = pa_test_stats(pool);
		if (!failed) {
			KUNIT_EXPECT_EQ(test, got, N);
			pa_free_bulk(N, p);
			pa_pool_destroy(pool);
			kunit_info(test, "%u requests, each failure survived",
				   nth - 1);
			KUNIT_EXPECT_GT(test, nth, 2U);
			return;
		}
		KUNIT_EXPECT_EQ_MSG(test, got, 0, "request %u failed", nth);
		for (i = 0; i < N; i++)
			KUNIT_EXPECT_NULL_MSG(test, p[i], "slot %u, request %u",
					      i, nth);
		KUNIT_EXPECT_EQ(test, after.failures, before.failures + 1);
		KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks);
		KUNIT_EXPECT_EQ(test, after.live_bytes_requested,
				before.live_bytes_requested);
		KUNIT_EXPECT_EQ(test, after.allocs - after.frees,
				before.allocs - before.frees);
		/* And the pool works again. */
		check_bulk_round(test, pool, SIZE, N);
		pa_pool_destroy(pool);
	}
	KUNIT_FAIL(test, "more than %u requests", SWEEP_MAX);
}
#else
static void test_bulk_failure_is_all_or_nothing(struct kunit *test)
{
	kunit_skip(test, "needs CONFIG_FAULT_INJECTION");
}
#endif

/* ---- Hooks -------------------------------------------------------------- */

struct bulk_hook {
	struct pa_allocator below;
	atomic_t allocs, frees;
};

static void *bulk_hook_alloc(void *ctx, size_t size, gfp_t gfp,
			     unsigned long caller)
{
	struct bulk_hook *h = ctx;

	atomic_inc(&h->allocs);
	return h->below.alloc(h->below.ctx, size, gfp, caller);
}

static void *bulk_hook_realloc(void *ctx, const void *p, size_t size,
			       gfp_t gfp, unsigned long caller)
{
	struct bulk_hook *h = ctx;

	return h->below.realloc(h->below.ctx, p, size, gfp, caller);
}

static void bulk_hook_free(void *ctx, const void *p, unsigned long caller)
{
	struct bulk_hook *h = ctx;

	atomic_inc(&h->frees);
	h->below.free(h->below.ctx, p, caller);
}

static void restore_builtin(void *data)
{
	pa_set_allocator(NULL);
}

/* A NULL-pool call goes through the hook for each block. */
static void test_bulk_null_pool_calls_the_hook(struct kunit *test)
{
	struct bulk_hook *h = kunit_kzalloc(test, sizeof(*h), GFP_KERNEL);
	struct pa_pool *pool = pa_test_pool(test, "bulk-hook");
	struct pa_allocator a = {
		.ctx = h, .alloc = bulk_hook_alloc,
		.realloc = bulk_hook_realloc, .free = bulk_hook_free,
	};
	void *p[20];

	KUNIT_ASSERT_NOT_NULL(test, h);
	pa_get_allocator(&h->below);
	KUNIT_ASSERT_EQ(test, pa_set_allocator(&a), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_builtin,
							NULL), 0);
	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(NULL, 64, GFP_KERNEL,
					    ARRAY_SIZE(p), p),
			(int)ARRAY_SIZE(p));
	KUNIT_EXPECT_EQ(test, atomic_read(&h->allocs), (int)ARRAY_SIZE(p));
	pa_free_bulk(ARRAY_SIZE(p), p);
	KUNIT_EXPECT_EQ(test, atomic_read(&h->frees), (int)ARRAY_SIZE(p));
	/* pa_pool_alloc() is not hooked, nor is a named pool's bulk call. */
	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(pool, 64, GFP_KERNEL,
					    ARRAY_SIZE(p), p),
			(int)ARRAY_SIZE(p));
	KUNIT_EXPECT_EQ(test, atomic_read(&h->allocs), (int)ARRAY_SIZE(p));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks,
			(u64)ARRAY_SIZE(p));
	pa_set_allocator(NULL);
	pa_free_bulk(ARRAY_SIZE(p), p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
}

/* ---- An interrupt that finds its CPU's cache busy ---------------------- */

#define IRQ_N		40

struct bulk_irq {
	struct irq_work work;
	struct pa_pool *pool;
	void *keep[IRQ_N];	/* allocated by the interrupt */
	void *gift[IRQ_N];	/* freed by the interrupt */
	int got;
	atomic_t done;
};

static void bulk_irq_fn(struct irq_work *work)
{
	struct bulk_irq *b = container_of(work, struct bulk_irq, work);

	b->got = pa_alloc_bulk(b->pool, 64, GFP_ATOMIC, IRQ_N, b->keep);
	pa_free_bulk(IRQ_N, b->gift);
	atomic_set(&b->done, 1);
}

/*
 * Bulk calls in an interrupt that lands while its CPU's cache of the class
 * is being changed (marked busy, as the fast paths do) allocate and free
 * past the cache, and leave it as it was; the counters still add up.
 */
static void test_bulk_interrupt_on_busy_cache_goes_direct(struct kunit *test)
{
	struct bulk_irq *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct pa_class *cls;
	struct pa_stats st;
	int moved;

	KUNIT_ASSERT_NOT_NULL(test, b);
	pa_test_pin(test);
	b->pool = pa_test_pool(test, "bulk-busy");
	cls = pa_class_for(b->pool, 64);
	KUNIT_ASSERT_EQ(test, pa_alloc_bulk(b->pool, 64, GFP_KERNEL, IRQ_N,
					    b->gift), IRQ_N);
	init_irq_work(&b->work, bulk_irq_fn);

	moved = pa_test_irq_on_busy_cache(cls, &b->work, &b->done);

	KUNIT_EXPECT_EQ(test, moved, 0);
	KUNIT_ASSERT_EQ(test, atomic_read(&b->done), 1);
	KUNIT_ASSERT_EQ(test, b->got, IRQ_N);
	KUNIT_EXPECT_EQ(test, atomic64_read(&cls->direct_allocs), (s64)IRQ_N);
	KUNIT_EXPECT_EQ(test, atomic64_read(&cls->direct_frees), (s64)IRQ_N);
	st = pa_test_stats(b->pool);
	KUNIT_EXPECT_EQ(test, st.allocs, 2ULL * IRQ_N);
	KUNIT_EXPECT_EQ(test, st.frees, (u64)IRQ_N);
	KUNIT_EXPECT_EQ(test, st.live_blocks, (u64)IRQ_N);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 64ULL * IRQ_N);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	pa_free_bulk(IRQ_N, b->keep);
	st = pa_test_stats(b->pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
}

static struct kunit_case pa_bulk_cases[] = {
	KUNIT_CASE_PARAM(test_bulk_blocks_distinct_aligned_and_counted,
			 bulk_gen_params),
	KUNIT_CASE(test_bulk_small_max),
	KUNIT_CASE(test_bulk_named_pool_counts_its_own),
	KUNIT_CASE(test_bulk_gfp_zero_zeroes),
	KUNIT_CASE(test_bulk_zero_and_too_many),
	KUNIT_CASE(test_bulk_sizes_above_small_max),
	KUNIT_CASE(test_bulk_free_refuses_invalid_and_frees_the_rest),
	KUNIT_CASE(test_bulk_free_mixed_pools),
	KUNIT_CASE_SLOW(test_bulk_failure_is_all_or_nothing),
	KUNIT_CASE(test_bulk_null_pool_calls_the_hook),
	KUNIT_CASE(test_bulk_interrupt_on_busy_cache_goes_direct),
	{}
};

static struct kunit_suite pa_bulk_suite = {
	.name = "pool_alloc_bulk",
	/* The pool backend's fast paths: skipped under backend=kmalloc. */
	.init = pa_test_init_pool_backend,
	.test_cases = pa_bulk_cases,
};

kunit_test_suite(pa_bulk_suite);
