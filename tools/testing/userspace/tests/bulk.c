// SPDX-License-Identifier: GPL-2.0
/*
 * pa_alloc_bulk() and pa_free_bulk() (kunit/pa_test_bulk.c): blocks as
 * pa_alloc() gives them, counters exact, all or nothing, and a free that
 * refuses what pa_free() refuses.
 */
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pa_tests.h"

/* More than a cache holds, and not a multiple of a round. */
#define MANY		300

static int cmp_ptr(const void *a, const void *b)
{
	uintptr_t x = *(const uintptr_t *)a, y = *(const uintptr_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * @n blocks of @size from @pool (NULL: the default pool): all there,
 * distinct and not overlapping, 16-byte aligned, usable for @size bytes,
 * counted exactly; then freed in bulk and counted again.
 */
static void check_bulk_round(struct pa_pool *pool, size_t size, size_t n)
{
	void **p = calloc(n, sizeof(*p)), **sorted = calloc(n, sizeof(*p));
	struct pa_stats before = pa_t_stats(pool), after;
	size_t i;

	PA_CHECK(p && sorted);
	PA_CHECK_EQ(pa_alloc_bulk(pool, size, GFP_KERNEL, n, p), n);
	for (i = 0; i < n; i++) {
		PA_CHECK(p[i]);
		PA_CHECK_EQ((uintptr_t)p[i] % 16, 0);
		PA_CHECK(pa_usable_size(p[i]) >= size);
		PA_CHECK(pa_owns(p[i]));
		pa_t_fill(p[i], size, (unsigned int)i);
	}
	memcpy(sorted, p, n * sizeof(*p));
	qsort(sorted, n, sizeof(*sorted), cmp_ptr);
	for (i = 1; i < n; i++)
		PA_CHECK((char *)sorted[i - 1] + size <= (char *)sorted[i]);
	for (i = 0; i < n; i++)
		PA_CHECK(pa_t_filled(p[i], size, (unsigned int)i));
	after = pa_t_stats(pool);
	PA_CHECK_EQ(after.allocs, before.allocs + n);
	PA_CHECK_EQ(after.live_blocks, before.live_blocks + n);
	PA_CHECK_EQ(after.live_bytes_requested,
		    before.live_bytes_requested + n * size);
	PA_CHECK_EQ(after.failures, before.failures);

	pa_free_bulk(n, p);
	after = pa_t_stats(pool);
	PA_CHECK_EQ(after.frees, before.frees + n);
	PA_CHECK_EQ(after.live_blocks, before.live_blocks);
	PA_CHECK_EQ(after.live_bytes_requested, before.live_bytes_requested);
	PA_CHECK_EQ(after.invalid_frees, before.invalid_frees);
	for (i = 0; i < n; i++)
		PA_CHECK(!pa_owns(p[i]));
	free(p);
	free(sorted);
}

static void test_bulk_blocks_are_distinct_aligned_and_counted(void)
{
	static const size_t sizes[] = { 1, 16, 100, 1000, 4000 };
	static const size_t counts[] = { 1, 16, 128, MANY };
	unsigned int s, c;

	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		for (c = 0; c < ARRAY_SIZE(counts); c++)
			check_bulk_round(NULL, sizes[s], counts[c]);
	/* The largest small request, whatever small_max is. */
	check_bulk_round(NULL, pa_small_max, 128);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/* A named pool's blocks are its own, and counted there only. */
static void test_bulk_named_pool(void)
{
	struct pa_pool *pool = pa_pool_create("bulk", 0);
	struct pa_stats dflt = pa_t_stats(NULL);
	void *p[40];
	unsigned int i;

	PA_CHECK(!IS_ERR(pool));
	check_bulk_round(pool, 200, MANY);
	PA_CHECK_EQ(pa_alloc_bulk(pool, 48, GFP_KERNEL, ARRAY_SIZE(p), p),
		    ARRAY_SIZE(p));
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, ARRAY_SIZE(p));
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, dflt.allocs);
	/* pa_pool_free() takes them as its pool's. */
	for (i = 0; i < ARRAY_SIZE(p); i++)
		pa_pool_free(pool, p[i]);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(pool).err_wrong_pool, 0);
	pa_pool_destroy(pool);
}

/* Blocks of pa_alloc() freed in bulk and the other way round. */
static void test_bulk_and_single_calls_mix(void)
{
	void *p[64];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(p); i++)
		p[i] = pa_alloc(80, GFP_KERNEL);
	pa_free_bulk(ARRAY_SIZE(p), p);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 80, GFP_KERNEL, ARRAY_SIZE(p), p),
		    ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		pa_free(p[i]);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
}

static void test_bulk_gfp_zero_zeroes(void)
{
	void *p[MANY];
	unsigned int i;

	/* Dirty blocks first, so that zeroes are not just fresh pages. */
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 200, GFP_KERNEL, MANY, p), MANY);
	for (i = 0; i < MANY; i++)
		memset(p[i], 0xa5, 200);
	pa_free_bulk(MANY, p);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 200, GFP_KERNEL | __GFP_ZERO, MANY, p),
		    MANY);
	for (i = 0; i < MANY; i++)
		PA_CHECK(pa_t_all(p[i], 200, 0));
	pa_free_bulk(MANY, p);
}

/* init_on_alloc: zeroed without __GFP_ZERO. */
static void test_bulk_init_on_alloc_zeroes(void)
{
	void *p[MANY];
	unsigned int i;

	pa_user_init_on(true, false);
	PA_CHECK_EQ(pa_user_load(""), 0);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 500, GFP_KERNEL, MANY, p), MANY);
	for (i = 0; i < MANY; i++)
		memset(p[i], 0x5a, 500);
	pa_free_bulk(MANY, p);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 500, GFP_KERNEL, MANY, p), MANY);
	for (i = 0; i < MANY; i++)
		PA_CHECK(pa_t_all(p[i], 500, 0));
	pa_free_bulk(MANY, p);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/*
 * NULL and ZERO_SIZE_PTR slots are skipped; an interior pointer, a block
 * already freed and a pointer of no pool are refused, each counted once in
 * invalid_frees; every other block is freed.
 */
static void test_bulk_free_skips_null_and_refuses_invalid(void)
{
	struct pa_stats before;
	char not_ours[64];
	void *p[12], *gone;
	unsigned int i;

	PA_CHECK_EQ(pa_alloc_bulk(NULL, 64, GFP_KERNEL, 8, p), 8);
	gone = pa_alloc(64, GFP_KERNEL);
	pa_free(gone);
	p[8] = NULL;
	p[9] = ZERO_SIZE_PTR;
	/* Swapped in among the blocks: the ones after must still go. */
	p[10] = p[2];
	p[2] = (char *)p[1] + 16;
	p[11] = p[5];
	p[5] = gone;
	before = pa_t_stats(NULL);
	pa_free_bulk(ARRAY_SIZE(p), p);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, before.invalid_frees + 2);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).frees, before.frees + 8);
	for (i = 0; i < ARRAY_SIZE(p); i++)
		PA_CHECK(!pa_owns(p[i]));

	/* A pointer in no arena, and a double free within one call. */
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 64, GFP_KERNEL, 3, p), 3);
	p[3] = not_ours;
	p[4] = p[0];
	before = pa_t_stats(NULL);
	pa_free_bulk(5, p);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, before.invalid_frees + 2);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).frees, before.frees + 3);
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
		return pa_alloc(pa_small_max + 1, GFP_KERNEL);
	default:
		return pa_alloc(64, GFP_KERNEL);
	}
}

/*
 * One call frees blocks of several pools and classes, large blocks and a
 * debug pool's among them, each to its own pool.
 */
static void test_bulk_free_mixed_pools(void)
{
	struct pa_pool *a = pa_pool_create("bulk-a", 0);
	struct pa_pool *dbg = pa_pool_create("bulk-dbg", PA_POOL_DEBUG);
	void *p[MANY];
	unsigned int i;

	PA_CHECK(!IS_ERR(a) && !IS_ERR(dbg));
	for (i = 0; i < MANY; i++) {
		p[i] = mixed_block(i, a, dbg);
		PA_CHECK(p[i]);
	}
	pa_free_bulk(MANY, p);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).frees, MANY / 2);
	PA_CHECK_EQ(pa_t_stats(a).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(a).frees, MANY / 3);
	PA_CHECK_EQ(pa_t_stats(dbg).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
	PA_CHECK_EQ(pa_t_stats(a).invalid_frees, 0);
	PA_CHECK_EQ(pa_t_stats(dbg).invalid_frees, 0);
	PA_CHECK_EQ(pa_t_stats(dbg).err_double_free, 0);
	pa_pool_destroy(a);
	pa_pool_destroy(dbg);
}

/* A debug pool's bulk blocks are debug blocks: guarded, checked on free. */
static void test_bulk_debug_pool(void)
{
	struct pa_pool *dbg = pa_pool_create("bulk-dbg", PA_POOL_DEBUG);
	void *p[20];

	PA_CHECK(!IS_ERR(dbg));
	check_bulk_round(dbg, 100, ARRAY_SIZE(p));
	PA_CHECK_EQ(pa_alloc_bulk(dbg, 100, GFP_KERNEL, ARRAY_SIZE(p), p),
		    ARRAY_SIZE(p));
	pa_t_plant((char *)p[3] + 100, 0x11);
	pa_free_bulk(ARRAY_SIZE(p), p);
	PA_CHECK_EQ(pa_t_stats(dbg).err_overflow_after, 1);
	PA_CHECK_EQ(pa_t_stats(dbg).live_blocks, 0);
	pa_pool_destroy(dbg);
}

/* n = 0 does nothing; more than INT_MAX blocks is a failure, counted. */
static void test_bulk_zero_and_too_many(void)
{
	struct pa_stats before = pa_t_stats(NULL);
	void *p[2] = { (void *)1, (void *)1 };

	PA_CHECK_EQ(pa_alloc_bulk(NULL, 64, GFP_KERNEL, 0, p), 0);
	PA_CHECK_EQ(pa_t_stats(NULL).failures, before.failures);
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, before.allocs);
	pa_free_bulk(0, p);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, before.invalid_frees);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 64, GFP_KERNEL, (size_t)INT_MAX + 1, p),
		    0);
	PA_CHECK_EQ(pa_t_stats(NULL).failures, before.failures + 1);
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, before.allocs);
}

/* Sizes that are not small take pa_alloc()'s path for each block. */
static void test_bulk_sizes_not_small(void)
{
	void *p[20];
	unsigned int i;

	PA_CHECK_EQ(pa_alloc_bulk(NULL, pa_small_max + 1, GFP_KERNEL,
				  ARRAY_SIZE(p), p), ARRAY_SIZE(p));
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		memset(p[i], 1, pa_small_max + 1);
	pa_free_bulk(ARRAY_SIZE(p), p);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 0, GFP_KERNEL, ARRAY_SIZE(p), p),
		    ARRAY_SIZE(p));
	for (i = 0; i < ARRAY_SIZE(p); i++)
		PA_CHECK(p[i] == ZERO_SIZE_PTR);
	pa_free_bulk(ARRAY_SIZE(p), p);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/*
 * All or nothing: the class runs out after the cache's blocks are taken
 * and no new run can be made (its state cannot be allocated).  Every slot
 * is NULL, nothing stays live, the failure is counted once, and the next
 * call succeeds.
 */
static void test_bulk_failure_in_refill_is_all_or_nothing(void)
{
	/* 16 blocks per run: the call needs several runs. */
	enum { SIZE = 1024, N = 100 };
	struct pa_stats before;
	void *p[3 * N];
	unsigned int i;

	/* An arena and a run exist, and the cache holds some blocks. */
	pa_free(pa_alloc(SIZE, GFP_KERNEL));
	before = pa_t_stats(NULL);
	for (i = 0; i < N; i++)
		p[i] = (void *)&p[i];
	pa_user_fail(0, 1, 0);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, SIZE, GFP_KERNEL, N, p), 0);
	pa_user_fail(0, 0, 0);
	for (i = 0; i < N; i++)
		PA_CHECK(!p[i]);
	PA_CHECK_EQ(pa_t_stats(NULL).failures, before.failures + 1);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, before.live_blocks);
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested,
		    before.live_bytes_requested);
	PA_CHECK_EQ(pa_t_stats(NULL).runs_in_use, before.runs_in_use);
	/* No arena page either, later: the cache gives back its blocks. */
	pa_user_fail(5, 0, 0);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, SIZE, GFP_KERNEL, 3 * N, p), 0);
	pa_user_fail(0, 0, 0);
	for (i = 0; i < 3 * N; i++)
		PA_CHECK(!p[i]);
	PA_CHECK_EQ(pa_t_stats(NULL).failures, before.failures + 2);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, before.live_blocks);
	check_bulk_round(NULL, SIZE, N);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/* A hook that counts its calls, then calls the allocator below. */
static struct pa_allocator below;
static unsigned int hook_allocs, hook_frees;

static void *hook_alloc(void *ctx, size_t size, gfp_t gfp,
			unsigned long caller)
{
	hook_allocs++;
	return below.alloc(below.ctx, size, gfp, caller);
}

static void *hook_realloc(void *ctx, const void *p, size_t size, gfp_t gfp,
			  unsigned long caller)
{
	return below.realloc(below.ctx, p, size, gfp, caller);
}

static void hook_free(void *ctx, const void *p, unsigned long caller)
{
	hook_frees++;
	below.free(below.ctx, p, caller);
}

/* A NULL-pool call goes through the hook for each block; a named pool's not. */
static void test_bulk_null_pool_calls_the_hook(void)
{
	struct pa_allocator a = {
		.alloc = hook_alloc, .realloc = hook_realloc, .free = hook_free,
	};
	struct pa_pool *pool = pa_pool_create("bulk-hook", 0);
	void *p[20];

	PA_CHECK(!IS_ERR(pool));
	pa_get_allocator(&below);
	PA_CHECK_EQ(pa_set_allocator(&a), 0);
	PA_CHECK_EQ(pa_alloc_bulk(NULL, 64, GFP_KERNEL, ARRAY_SIZE(p), p),
		    ARRAY_SIZE(p));
	PA_CHECK_EQ(hook_allocs, ARRAY_SIZE(p));
	pa_free_bulk(ARRAY_SIZE(p), p);
	PA_CHECK_EQ(hook_frees, ARRAY_SIZE(p));
	/* pa_pool_alloc() is not hooked, nor is a named pool's bulk call. */
	PA_CHECK_EQ(pa_alloc_bulk(pool, 64, GFP_KERNEL, ARRAY_SIZE(p), p),
		    ARRAY_SIZE(p));
	PA_CHECK_EQ(hook_allocs, ARRAY_SIZE(p));
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, ARRAY_SIZE(p));
	PA_CHECK_EQ(pa_set_allocator(NULL), 0);
	pa_free_bulk(ARRAY_SIZE(p), p);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	pa_pool_destroy(pool);
}

/*
 * A named pool's failed bulk call gives back what it took past the hook,
 * which never saw those blocks: none of them reaches the hook's free.
 */
static void test_bulk_named_pool_failure_skips_the_hook(void)
{
	struct pa_allocator a = {
		.alloc = hook_alloc, .realloc = hook_realloc, .free = hook_free,
	};
	struct pa_pool *pool = pa_pool_create("bulk-hook-fail", 0);
	void *warm, *p[100];
	struct pa_stats before;

	PA_CHECK(!IS_ERR(pool));
	/* Some blocks in this CPU's cache, then no new run for the rest. */
	warm = pa_pool_alloc(pool, 1024, GFP_KERNEL);
	pa_get_allocator(&below);
	PA_CHECK_EQ(pa_set_allocator(&a), 0);
	before = pa_t_stats(pool);
	pa_user_fail(0, 1, 0);
	PA_CHECK_EQ(pa_alloc_bulk(pool, 1024, GFP_KERNEL, ARRAY_SIZE(p), p),
		    0);
	pa_user_fail(0, 0, 0);
	PA_CHECK_EQ(hook_allocs, 0);
	PA_CHECK_EQ(hook_frees, 0);
	PA_CHECK(!p[0] && !p[ARRAY_SIZE(p) - 1]);
	PA_CHECK_EQ(pa_t_stats(pool).failures, before.failures + 1);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 1);
	PA_CHECK_EQ(pa_t_stats(pool).invalid_frees, 0);
	PA_CHECK_EQ(pa_set_allocator(NULL), 0);
	pa_free(warm);
	pa_pool_destroy(pool);
}

/* In NMI only this CPU's cache serves, all or nothing. */
static void test_bulk_in_nmi(void)
{
	struct pa_pool *pool = pa_pool_create("bulk-nmi", 0);
	struct pa_stats before;
	void *p[8], *warm;

	PA_CHECK(!IS_ERR(pool));
	/* A refill leaves the cache with more than 8 blocks. */
	warm = pa_pool_alloc(pool, 64, GFP_KERNEL);
	pa_user_nmi_enter();
	PA_CHECK_EQ(pa_alloc_bulk(pool, 64, GFP_ATOMIC, ARRAY_SIZE(p), p),
		    ARRAY_SIZE(p));
	pa_free_bulk(ARRAY_SIZE(p), p);
	/* Another class, empty: nothing. */
	before = pa_t_stats(pool);
	PA_CHECK_EQ(pa_alloc_bulk(pool, 300, GFP_ATOMIC, ARRAY_SIZE(p), p), 0);
	pa_user_nmi_exit();
	pa_user_run_work();
	PA_CHECK(!p[0] && !p[ARRAY_SIZE(p) - 1]);
	PA_CHECK_EQ(pa_t_stats(pool).failures, before.failures + 1);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 1);
	pa_free(warm);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	pa_pool_destroy(pool);
}

/* Blocks of several classes interleaved: each goes to its own cache. */
static void test_bulk_free_interleaved_classes(void)
{
	static const size_t sizes[] = { 32, 64, 32, 4000, 64, 64, 500 };
	struct pa_stats st;
	void *p[MANY];
	size_t bytes = 0;
	unsigned int i;

	for (i = 0; i < MANY; i++) {
		p[i] = pa_alloc(sizes[i % ARRAY_SIZE(sizes)], GFP_KERNEL);
		PA_CHECK(p[i]);
		bytes += sizes[i % ARRAY_SIZE(sizes)];
	}
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, bytes);
	pa_free_bulk(MANY, p);
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.live_blocks, 0);
	PA_CHECK_EQ(st.live_bytes_requested, 0);
	PA_CHECK_EQ(st.frees, MANY);
	/* Everything went back: drained, no run is left in use. */
	pa_cache_drain_all(pa_default_pool);
	PA_CHECK_EQ(pa_t_stats(NULL).runs_in_use, 0);
}

const struct pa_case pa_bulk_cases[] = {
	PA_CASE(test_bulk_blocks_are_distinct_aligned_and_counted, ""),
	PA_CASE(test_bulk_named_pool, ""),
	PA_CASE(test_bulk_and_single_calls_mix, ""),
	PA_CASE(test_bulk_gfp_zero_zeroes, ""),
	PA_CASE(test_bulk_init_on_alloc_zeroes, NULL),
	PA_CASE(test_bulk_free_skips_null_and_refuses_invalid, ""),
	PA_CASE(test_bulk_free_mixed_pools, ""),
	PA_CASE(test_bulk_debug_pool, ""),
	PA_CASE(test_bulk_zero_and_too_many, ""),
	PA_CASE(test_bulk_sizes_not_small, ""),
	PA_CASE(test_bulk_failure_in_refill_is_all_or_nothing, ""),
	PA_CASE(test_bulk_null_pool_calls_the_hook, ""),
	PA_CASE(test_bulk_named_pool_failure_skips_the_hook, ""),
	PA_CASE(test_bulk_in_nmi, ""),
	PA_CASE(test_bulk_free_interleaved_classes, ""),
	{ }
};
