// SPDX-License-Identifier: GPL-2.0
/*
 * Ownership and refusal, and the exact counters (kunit/pa_test_owner.c,
 * pa_test_stats.c): a pointer that is not a live block's start is refused,
 * counted once in invalid_frees, reported, and its memory left untouched.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pa_tests.h"

static char global_buffer[64];

static void test_owns_only_live_blocks(void)
{
	unsigned char *p = pa_alloc(64, GFP_KERNEL);
	unsigned char *big = pa_alloc(3 * PAGE_SIZE, GFP_KERNEL);
	char local[16];
	void *heap = malloc(64);

	PA_CHECK(p && big && heap);
	PA_CHECK(pa_owns(p));
	PA_CHECK(pa_owns(big));
	PA_CHECK(!pa_owns(p + 16));
	PA_CHECK(!pa_owns(p + 1));
	PA_CHECK(!pa_owns(big + PAGE_SIZE));
	PA_CHECK(!pa_owns(local));
	PA_CHECK(!pa_owns(global_buffer));
	PA_CHECK(!pa_owns(heap));
	pa_free(p);
	pa_free(big);
	PA_CHECK(!pa_owns(p));
	PA_CHECK(!pa_owns(big));
	/* Asking is not freeing: nothing counted, nothing said. */
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
	free(heap);
}

static void test_usable_size_of_a_non_block_is_zero(void)
{
	unsigned char *p = pa_alloc(64, GFP_KERNEL);
	void *heap = malloc(64);
	unsigned long lines;

	PA_CHECK(p && heap);
	lines = pa_user_log_lines();
	PA_CHECK_EQ(pa_usable_size(p + 16), 0);
	PA_CHECK_EQ(pa_usable_size(heap), 0);
	PA_CHECK_EQ(pa_usable_size(global_buffer), 0);
	pa_free(p);
	PA_CHECK_EQ(pa_usable_size(p), 0);
	PA_CHECK_EQ(pa_user_log_lines(), lines);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
	free(heap);
}

/* Free @p, expect it refused once, and the bytes at @watch untouched. */
static void check_refused(const void *p, const void *watch, size_t n,
			  unsigned int seed)
{
	struct pa_stats before = pa_t_stats(NULL), after;

	pa_t_log_count("not a live block of this allocator");
	pa_free(p);
	after = pa_t_stats(NULL);
	PA_CHECK_EQ(after.invalid_frees, before.invalid_frees + 1);
	PA_CHECK_EQ(after.frees, before.frees);
	PA_CHECK_EQ(after.live_blocks, before.live_blocks);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
	PA_CHECK(pa_t_filled(watch, n, seed));
}

static void test_foreign_pointers_are_refused(void)
{
	unsigned char *heap = malloc(256);
	char local[32];

	PA_CHECK(heap);
	pa_t_fill(heap, 256, 1);
	check_refused(heap, heap, 256, 1);
	check_refused(heap + 16, heap, 256, 1);
	pa_t_fill(local, sizeof(local), 2);
	check_refused(local, local, sizeof(local), 2);
	pa_t_fill(global_buffer, sizeof(global_buffer), 3);
	check_refused(global_buffer, global_buffer, sizeof(global_buffer), 3);
	free(heap);
}

static void test_interior_pointers_are_refused(void)
{
	unsigned char *p = pa_alloc(200, GFP_KERNEL);
	unsigned char *big = pa_alloc(5 * PAGE_SIZE, GFP_KERNEL);

	PA_CHECK(p && big);
	pa_t_fill(p, 200, 4);
	pa_t_fill(big, 5 * PAGE_SIZE, 5);
	check_refused(p + 16, p, 200, 4);
	check_refused(p + 1, p, 200, 4);
	check_refused(p + 199, p, 200, 4);
	check_refused(big + 16, big, 5 * PAGE_SIZE, 5);
	check_refused(big + PAGE_SIZE, big, 5 * PAGE_SIZE, 5);
	PA_CHECK(pa_owns(p) && pa_owns(big));
	pa_free(p);
	pa_free(big);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/* The second free of a block is refused; the first counted once. */
static void test_double_free_is_refused(void)
{
	static const size_t sizes[] = { 16, 300, 4096, 3 * PAGE_SIZE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *keep = pa_alloc(sizes[i], GFP_KERNEL);
		void *p = pa_alloc(sizes[i], GFP_KERNEL);
		struct pa_stats before;

		PA_CHECK(keep && p);
		pa_free(p);
		before = pa_t_stats(NULL);
		pa_t_log_count("not a live block of this allocator");
		pa_free(p);
		PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees,
			    before.invalid_frees + 1);
		PA_CHECK_EQ(pa_t_stats(NULL).frees, before.frees);
		PA_CHECK_EQ(pa_t_log_matches(), 1);
		/* The block the cache holds is still handed out once. */
		p = pa_alloc(sizes[i], GFP_KERNEL);
		PA_CHECK(p && p != keep);
		pa_free(p);
		pa_free(keep);
	}
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/* A pointer into the slack at a run's end is no block. */
static void test_pointer_into_run_slack_is_refused(void)
{
	/* 16384 / 48 leaves 16 bytes after the last block of the class. */
	unsigned char *p = pa_alloc(48, GFP_KERNEL);
	unsigned char *run, *slack;

	PA_CHECK(p);
	PA_CHECK_EQ(pa_usable_size(p), 48);
	run = (unsigned char *)((uintptr_t)p & ~(uintptr_t)(T_RUN_SIZE - 1));
	slack = run + (T_RUN_SIZE / 48) * 48;
	PA_CHECK(!pa_owns(slack));
	pa_free(slack);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 1);
	/* So is a block of the run not yet handed out. */
	PA_CHECK(!pa_owns(run + 48 * 100));
	pa_free(p);
}

/*
 * Every byte of a run, in every class, is owned exactly where a live block
 * starts: the run's blocks are told from the bytes between them by
 * arithmetic alone (run.h, pa_run_block_start()), checked here at every
 * offset, the slack past the last block included.
 */
static void test_only_block_starts_are_owned_in_every_class(void)
{
	static bool live[T_RUN_SIZE];
	unsigned int size, usable, last = 0, i, n, off, wrong;
	unsigned char *run;
	void **blocks;

	for (size = 1; size <= pa_small_max; size++) {
		void *p = pa_alloc(size, GFP_KERNEL);

		PA_CHECK(p);
		usable = pa_usable_size(p);
		pa_free(p);
		if (usable == last)
			continue;
		last = usable;
		/* Enough to fill a run whatever the runs held before. */
		n = 2 * T_RUN_SIZE / usable + 40;
		blocks = calloc(n, sizeof(*blocks));
		PA_CHECK(blocks);
		for (i = 0; i < n; i++) {
			blocks[i] = pa_alloc(usable, GFP_KERNEL);
			PA_CHECK(blocks[i]);
		}
		run = (unsigned char *)((uintptr_t)blocks[n / 2] &
					~(uintptr_t)(T_RUN_SIZE - 1));
		memset(live, 0, sizeof(live));
		for (i = 0; i < n; i++)
			if ((unsigned char *)blocks[i] - run < T_RUN_SIZE &&
			    (unsigned char *)blocks[i] >= run)
				live[(unsigned char *)blocks[i] - run] = true;
		wrong = 0;
		for (off = 0; off < T_RUN_SIZE; off++)
			wrong += pa_owns(run + off) != live[off];
		PA_CHECK_EQ(wrong, 0);
		for (i = 0; i < n; i++)
			pa_free(blocks[i]);
		free(blocks);
	}
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
}

static void test_realloc_of_a_non_block_is_refused(void)
{
	unsigned char *heap = malloc(64);
	unsigned char *p = pa_alloc(64, GFP_KERNEL);
	struct pa_stats st;

	PA_CHECK(heap && p);
	pa_t_fill(heap, 64, 6);
	pa_t_fill(p, 64, 7);
	PA_CHECK(!pa_realloc(heap, 128, GFP_KERNEL));
	PA_CHECK(!pa_realloc(p + 16, 128, GFP_KERNEL));
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.invalid_frees, 2);
	PA_CHECK_EQ(st.live_blocks, 1);
	PA_CHECK_EQ(st.allocs, 1);
	PA_CHECK(pa_t_filled(heap, 64, 6));
	PA_CHECK(pa_t_filled(p, 64, 7));
	pa_free(p);
	free(heap);
}

/* pa_pool_free() through the wrong pool: left live, counted in that pool. */
static void test_free_through_the_wrong_pool(void)
{
	struct pa_pool *a = pa_pool_create("a", 0);
	struct pa_pool *b = pa_pool_create("b", 0);
	unsigned char *p;

	PA_CHECK(!IS_ERR_OR_NULL(a) && !IS_ERR_OR_NULL(b));
	p = pa_pool_alloc(a, 80, GFP_KERNEL);
	PA_CHECK(p);
	pa_t_fill(p, 80, 8);
	pa_t_log_count("(err_wrong_pool)");
	pa_pool_free(b, p);
	PA_CHECK_EQ(pa_t_stats(b).err_wrong_pool, 1);
	PA_CHECK_EQ(pa_t_stats(a).err_wrong_pool, 0);
	PA_CHECK_EQ(pa_t_stats(a).live_blocks, 1);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
	PA_CHECK(pa_owns(p));
	PA_CHECK(pa_t_filled(p, 80, 8));
	pa_pool_free(NULL, p);
	PA_CHECK_EQ(pa_t_stats(NULL).err_wrong_pool, 1);
	pa_pool_free(a, p);
	PA_CHECK_EQ(pa_t_stats(a).live_blocks, 0);
	pa_pool_destroy(a);
	pa_pool_destroy(b);
}

/* ---- stats --------------------------------------------------------------- */

/* Counters exact through a mix of sizes, frees and a realloc. */
static void test_stats_are_exact(void)
{
	/* Sizes across the fine and coarse classes and one large. */
	static const size_t sizes[] = { 1, 17, 100, 512, 513, 1500, 4096, 10000 };
	struct pa_pool *pool = pa_pool_create("exact", 0);
	void *p[ARRAY_SIZE(sizes)];
	u64 requested = 0, allocated = 0;
	struct pa_stats st;
	unsigned int i;

	PA_CHECK(!IS_ERR_OR_NULL(pool));
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		p[i] = pa_pool_alloc(pool, sizes[i], GFP_KERNEL);
		PA_CHECK(p[i]);
		requested += sizes[i];
		allocated += pa_usable_size(p[i]);
	}
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.allocs, ARRAY_SIZE(sizes));
	PA_CHECK_EQ(st.frees, 0);
	PA_CHECK_EQ(st.live_blocks, ARRAY_SIZE(sizes));
	PA_CHECK_EQ(st.live_bytes_requested, requested);
	PA_CHECK_EQ(st.live_bytes_allocated, allocated);
	PA_CHECK_EQ(st.large_live, 1);
	PA_CHECK_EQ(st.large_bytes, t_large_usable(10000));
	PA_CHECK_EQ(st.failures, 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i += 2) {
		requested -= sizes[i];
		allocated -= pa_usable_size(p[i]);
		pa_pool_free(pool, p[i]);
	}
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.frees, ARRAY_SIZE(sizes) / 2);
	PA_CHECK_EQ(st.live_blocks, ARRAY_SIZE(sizes) / 2);
	PA_CHECK_EQ(st.live_bytes_requested, requested);
	PA_CHECK_EQ(st.live_bytes_allocated, allocated);
	/* Other pools saw none of it. */
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, 0);
	for (i = 1; i < ARRAY_SIZE(sizes); i += 2)
		pa_pool_free(pool, p[i]);
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.live_blocks, 0);
	PA_CHECK_EQ(st.live_bytes_requested, 0);
	PA_CHECK_EQ(st.live_bytes_allocated, 0);
	PA_CHECK_EQ(st.large_live, 0);
	PA_CHECK_EQ(st.large_bytes, 0);
	PA_CHECK_EQ(st.allocs, st.frees);
	pa_pool_destroy(pool);
}

/* The blocks sit in a per-CPU cache after the free: still counted freed. */
static void test_stats_count_cached_blocks_as_freed(void)
{
	void *p[T_CACHE_SIZE];
	unsigned int i;

	for (i = 0; i < T_CACHE_SIZE; i++)
		PA_CHECK(p[i] = pa_alloc(32, GFP_KERNEL));
	for (i = 0; i < T_CACHE_SIZE; i++)
		pa_free(p[i]);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).frees, T_CACHE_SIZE);
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 0);
}

/* debugfs says what pa_pool_stats() says, all pools and one. */
static void test_debugfs_stats_agree(void)
{
	struct pa_pool *pool = pa_pool_create("seen", 0);
	void *a = pa_alloc(40, GFP_KERNEL);
	void *b, *c;

	PA_CHECK(!IS_ERR_OR_NULL(pool) && a);
	b = pa_pool_alloc(pool, 3000, GFP_KERNEL);
	c = pa_pool_alloc(pool, 9000, GFP_KERNEL);
	PA_CHECK(b && c);
	pa_free(&global_buffer[0]);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/stats", "allocs"), 3);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/stats", "live_bytes_requested"),
		    12040);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/stats", "invalid_frees"), 1);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/pools/seen/stats", "allocs"), 2);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/pools/seen/stats", "large_live"),
		    1);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/pools/default/stats",
				       "live_bytes_allocated"), 48);
	pa_free(a);
	pa_free(b);
	pa_free(c);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/stats", "live_blocks"), 0);
	pa_pool_destroy(pool);
	PA_CHECK_EQ(pa_t_debugfs_value("pool_alloc/pools/seen/stats", "allocs"), -1);
}

const struct pa_case pa_owner_cases[] = {
	PA_CASE(test_owns_only_live_blocks, ""),
	PA_CASE(test_usable_size_of_a_non_block_is_zero, ""),
	PA_CASE(test_foreign_pointers_are_refused, ""),
	PA_CASE(test_interior_pointers_are_refused, ""),
	PA_CASE(test_double_free_is_refused, ""),
	PA_CASE(test_pointer_into_run_slack_is_refused, ""),
	PA_CASE(test_only_block_starts_are_owned_in_every_class, ""),
	PA_CASE(test_realloc_of_a_non_block_is_refused, ""),
	PA_CASE(test_free_through_the_wrong_pool, ""),
	PA_CASE(test_stats_are_exact, ""),
	PA_CASE(test_stats_count_cached_blocks_as_freed, ""),
	PA_CASE(test_debugfs_stats_agree, ""),
	{ }
};
