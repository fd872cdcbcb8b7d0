// SPDX-License-Identifier: GPL-2.0
/*
 * Pages given back, pools made and destroyed, large sizes
 * (kunit/pa_test_pages.c, pa_test_reclaim.c, pa_test_api.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pa_tests.h"

/* Blocks of the 4 KiB class in a run, and in an arena. */
#define PER_RUN		(T_RUN_SIZE / 4096)
#define PER_ARENA	(PER_RUN * T_ARENA_PAGES / 4)

/*
 * The pages the core holds besides its pools' (the run map's levels, made
 * as the first arena is mapped and kept), measured once an arena has come
 * and gone.
 */
static unsigned long meta_pages(void)
{
	void *p = pa_alloc(16, GFP_KERNEL);

	PA_CHECK(p);
	pa_free(p);
	/*
	 * The shrinker counts cached blocks by whole pages' worth, so it
	 * leaves one block in a cache (and its arena) alone: drain first.
	 */
	pa_cache_drain_all(pa_default_pool);
	PA_CHECK_EQ(pa_user_shrink(), T_ARENA_PAGES);
	PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 0);
	return pa_user_pages();
}

static struct pa_pool *make_pool(const char *name, unsigned int flags)
{
	struct pa_pool *pool = pa_pool_create(name, flags);

	if (IS_ERR_OR_NULL(pool))
		pa_fail(__FILE__, __LINE__, "pa_pool_create(\"%s\", %u) = %ld",
			name, flags, PTR_ERR(pool));
	return pool;
}

/*
 * Three arenas' worth of blocks, all freed: after a drain the pool keeps
 * one empty arena and gives the others back to the page allocator.
 */
static void test_arenas_returned_after_freeing_everything(void)
{
	unsigned long meta = meta_pages();
	struct pa_pool *pool = make_pool("return", 0);
	unsigned int n = 3 * PER_ARENA, i;
	void **blocks = calloc(n, sizeof(*blocks));
	struct pa_stats st;

	PA_CHECK(blocks);
	for (i = 0; i < n; i++)
		PA_CHECK(blocks[i] = pa_pool_alloc(pool, 4096, GFP_KERNEL));
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.arenas_current, 3);
	PA_CHECK_EQ(st.runs_in_use, n / PER_RUN);
	PA_CHECK_EQ(st.arenas_highwater, 3);
	PA_CHECK_EQ(st.pages_held, 3 * T_ARENA_PAGES);
	PA_CHECK_EQ(pa_user_pages(), meta + 3 * T_ARENA_PAGES);
	for (i = 0; i < n; i++)
		pa_free(blocks[i]);
	/* The last blocks freed wait in this CPU's cache, their runs held. */
	PA_CHECK(pa_t_stats(pool).runs_in_use > 0);
	pa_cache_drain_all(pool);
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.live_blocks, 0);
	PA_CHECK_EQ(st.runs_in_use, 0);
	PA_CHECK_EQ(st.arenas_current, 1);
	PA_CHECK_EQ(st.pages_held, T_ARENA_PAGES);
	PA_CHECK_EQ(st.arenas_reclaimed, st.arenas_allocated - 1);
	PA_CHECK_EQ(pa_user_pages(), meta + T_ARENA_PAGES);
	free(blocks);
	pa_pool_destroy(pool);
	PA_CHECK_EQ(pa_user_pages(), meta);
}

/* Memory pressure (the shrinker) drains the caches and the kept arena. */
static void test_shrinker_gives_pages_back(void)
{
	unsigned long meta = meta_pages();
	unsigned int n = 2 * PER_ARENA, i;
	void **blocks = calloc(n, sizeof(*blocks));

	PA_CHECK(blocks);
	for (i = 0; i < n; i++)
		PA_CHECK(blocks[i] = pa_alloc(3000, GFP_KERNEL));
	for (i = 0; i < n; i++)
		pa_free(blocks[i]);
	PA_CHECK(pa_user_shrink() > 0);
	PA_CHECK_EQ(pa_t_stats(NULL).runs_in_use, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).arenas_current, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 0);
	PA_CHECK_EQ(pa_user_pages(), meta);
	free(blocks);
}

/* An alloc/free loop at an arena boundary keeps its one empty arena. */
static void test_hysteresis_keeps_one_empty_arena(void)
{
	struct pa_pool *pool = make_pool("hyst", 0);
	struct pa_stats st;
	unsigned int i;

	for (i = 0; i < 50; i++) {
		void *p = pa_pool_alloc(pool, 256, GFP_KERNEL);

		PA_CHECK(p);
		pa_free(p);
		pa_cache_drain_all(pool);
		PA_CHECK_EQ(pa_t_stats(pool).runs_in_use, 0);
	}
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.arenas_allocated, 1);
	PA_CHECK_EQ(st.arenas_reclaimed, 0);
	PA_CHECK_EQ(st.arenas_current, 1);
	pa_pool_destroy(pool);
}

/* ---- pools --------------------------------------------------------------- */

static void test_pool_names(void)
{
	static const char *const bad[] = {
		"", "a/b", "/", ".", "..",
		"this-name-is-thirty-two-bytes-xx",
	};
	static const char *const good[] = {
		"a", "...", ".hidden", "with space",
		"thirty-one-bytes-is-the-maximum",
	};
	struct pa_pool *pools[ARRAY_SIZE(good)];
	char path[96];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++)
		if (pa_pool_create(bad[i], 0) != ERR_PTR(-EINVAL))
			pa_fail(__FILE__, __LINE__, "name \"%s\" accepted",
				bad[i]);
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		void *p;

		pools[i] = make_pool(good[i], 0);
		p = pa_pool_alloc(pools[i], 8, GFP_KERNEL);
		PA_CHECK(p);
		snprintf(path, sizeof(path), "pool_alloc/pools/%s/stats",
			 good[i]);
		PA_CHECK_EQ(pa_t_debugfs_value(path, "allocs"), 1);
		pa_free(p);
	}
	/* A name in use is refused; once destroyed it is free again. */
	PA_CHECK(pa_pool_create("a", 0) == ERR_PTR(-EEXIST));
	PA_CHECK(pa_pool_create("default", 0) == ERR_PTR(-EEXIST));
	for (i = 0; i < ARRAY_SIZE(good); i++)
		pa_pool_destroy(pools[i]);
	pools[0] = make_pool("a", 0);
	pa_pool_destroy(pools[0]);
	pa_pool_destroy(NULL);
}

static void test_pool_flags_other_than_debug_are_refused(void)
{
	struct pa_pool *pool;

	PA_CHECK(pa_pool_create("f", 1U << 1) == ERR_PTR(-EINVAL));
	PA_CHECK(pa_pool_create("f", ~0U) == ERR_PTR(-EINVAL));
	pool = make_pool("f", PA_POOL_DEBUG);
	pa_pool_destroy(pool);
}

/* A pool's blocks are its own: no run is shared, counters apart. */
static void test_pools_are_separate(void)
{
	struct pa_pool *a = make_pool("a", 0), *b = make_pool("b", 0);
	void *p = pa_pool_alloc(a, 64, GFP_KERNEL);
	void *q = pa_pool_alloc(b, 64, GFP_KERNEL);
	void *r = pa_pool_alloc(NULL, 64, GFP_KERNEL);

	PA_CHECK(p && q && r);
	PA_CHECK((uintptr_t)p / T_RUN_SIZE != (uintptr_t)q / T_RUN_SIZE);
	PA_CHECK((uintptr_t)p / T_RUN_SIZE != (uintptr_t)r / T_RUN_SIZE);
	PA_CHECK_EQ(pa_t_stats(a).live_blocks, 1);
	PA_CHECK_EQ(pa_t_stats(b).live_blocks, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 1);
	/* pa_free() needs no pool. */
	pa_free(p);
	pa_free(q);
	pa_free(r);
	PA_CHECK_EQ(pa_t_stats(a).live_blocks + pa_t_stats(b).live_blocks, 0);
	pa_pool_destroy(a);
	pa_pool_destroy(b);
}

/* Destroying a pool gives back everything it took, large blocks too. */
static void test_pool_destroy_gives_everything_back(void)
{
	unsigned long meta = meta_pages();
	struct pa_pool *pool = make_pool("back", 0);
	unsigned int i;

	for (i = 0; i < 500; i++) {
		void *p = pa_pool_alloc(pool, 16 + i * 8, GFP_KERNEL);

		PA_CHECK(p);
		if (i % 3)
			pa_free(p);
	}
	PA_CHECK(pa_pool_alloc(pool, 5 * PAGE_SIZE, GFP_KERNEL));
	PA_CHECK(pa_pool_alloc(pool, 5 * PAGE_SIZE, GFP_ATOMIC));
	PA_CHECK(pa_user_pages() > meta);
	pa_t_log_count("destroyed with 169 live blocks");
	pa_pool_destroy(pool);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
	/* One of the two 8-page blocks waits in this CPU's stash. */
	PA_CHECK_EQ(pa_large_stash_pages(), 8);
	PA_CHECK_EQ(pa_user_pages(), meta + 8);
	PA_CHECK_EQ(pa_user_shrink(), 8);
	PA_CHECK_EQ(pa_user_pages(), meta);
}

/* Live blocks at destroy: freed, and reported with their bytes. */
static void test_pool_destroy_reports_leaks(void)
{
	struct pa_pool *pool = make_pool("leaky", 0);

	PA_CHECK(pa_pool_alloc(pool, 10, GFP_KERNEL));
	PA_CHECK(pa_pool_alloc(pool, 100, GFP_KERNEL));
	PA_CHECK(pa_pool_alloc(pool, 1000, GFP_KERNEL));
	/* 10 + 100 + 1000 bytes, in classes of 16, 112 and 1024 bytes. */
	pa_t_log_count("3 live blocks (1110 bytes requested, 1152 allocated)");
	pa_pool_destroy(pool);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
	/* A clean pool says nothing. */
	pool = make_pool("clean", 0);
	pa_free(pa_pool_alloc(pool, 10, GFP_KERNEL));
	pa_t_log_count("destroyed with");
	pa_pool_destroy(pool);
	PA_CHECK_EQ(pa_t_log_matches(), 0);
}

/* The default pool cannot be destroyed by a client. */
static void test_destroying_the_default_pool_is_refused(void)
{
	void *p = pa_alloc(64, GFP_KERNEL);

	PA_CHECK(p);
	pa_t_log_count("of the default pool");
	pa_pool_destroy(pa_default_pool);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
	PA_CHECK(pa_owns(p));
	pa_free(p);
	PA_CHECK(pa_alloc(64, GFP_KERNEL));
}

/* pa_pool_alloc(NULL) and pa_pool_stats(NULL) are the default pool's. */
static void test_null_pool_is_the_default(void)
{
	void *p = pa_pool_alloc(NULL, 64, GFP_KERNEL);
	void *q = pa_pool_zalloc(NULL, 64, GFP_KERNEL);
	struct pa_stats st;

	PA_CHECK(p && q);
	PA_CHECK(pa_t_all(q, 64, 0));
	pa_pool_stats(pa_default_pool, &st);
	PA_CHECK_EQ(st.live_blocks, 2);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 2);
	pa_pool_free(NULL, p);
	pa_pool_free(pa_default_pool, q);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/* Unload frees what clients left, in every pool (the runner checks). */
static void test_unload_frees_what_is_left(void)
{
	struct pa_pool *pool = make_pool("left", PA_POOL_DEBUG);
	unsigned int i;

	for (i = 0; i < 100; i++) {
		PA_CHECK(pa_alloc(i * 40 + 1, GFP_KERNEL));
		PA_CHECK(pa_pool_alloc(pool, i * 40 + 1, GFP_KERNEL));
	}
	PA_CHECK(pa_alloc(10 * PAGE_SIZE, GFP_KERNEL));
	PA_CHECK(pa_alloc(10 * PAGE_SIZE, GFP_NOWAIT));
	pa_t_log_count("destroyed with");
	pa_user_unload();
	PA_CHECK_EQ(pa_t_log_matches(), 2);
}

/* ---- large sizes ------------------------------------------------------- */

static void test_large_uses_vmalloc_when_caller_may_sleep(void)
{
	size_t size = T_CONTIG_MAX + 100;
	unsigned char *p = pa_alloc(size, GFP_KERNEL);
	struct pa_stats st;

	PA_CHECK(p);
	PA_CHECK(is_vmalloc_addr(p));
	PA_CHECK_EQ(pa_usable_size(p), PAGE_ALIGN(size));
	memset(p, 1, size);
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.large_live, 1);
	PA_CHECK_EQ(st.large_bytes, PAGE_ALIGN(size));
	PA_CHECK_EQ(st.pages_held, PAGE_ALIGN(size) / PAGE_SIZE);
	PA_CHECK_EQ(st.arenas_current, 0);
	PA_CHECK_EQ(st.live_bytes_requested, size);
	pa_free(p);
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.large_live, 0);
	PA_CHECK_EQ(st.pages_held, 0);
}

/*
 * Up to 32 KiB a large request gets contiguous pages first, whatever the
 * caller's context: kmalloc()'s power-of-two pages, naturally aligned, all
 * of them usable and counted.
 */
static void test_medium_gets_contiguous_pages(void)
{
	const size_t sizes[] = { pa_small_max + 1, 3 * PAGE_SIZE, 4 * PAGE_SIZE,
				 20000, T_CONTIG_MAX };
	const gfp_t gfps[] = { GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT };
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(gfps); j++) {
			size_t usable = PAGE_SIZE << get_order(sizes[i]);
			unsigned char *p = pa_alloc(sizes[i], gfps[j]);
			struct pa_stats st = pa_t_stats(NULL);

			PA_CHECK(p);
			PA_CHECK(!is_vmalloc_addr(p));
			PA_CHECK(IS_ALIGNED((unsigned long)p, usable));
			PA_CHECK_EQ(pa_usable_size(p), usable);
			/* Past the request, KASAN (memcheck) guards the rest. */
			memset(p, 1, sizes[i]);
			PA_CHECK_EQ(st.large_live, 1);
			PA_CHECK_EQ(st.large_bytes, usable);
			PA_CHECK_EQ(st.pages_held, usable / PAGE_SIZE);
			pa_free(p);
			PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 0);
		}
	}
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/*
 * When the page allocator has no such pages, a caller that may sleep gets
 * vmalloc memory of the same usable size, and an atomic caller NULL.
 */
static void test_medium_falls_back_to_vmalloc(void)
{
	size_t size = 3 * PAGE_SIZE, usable = 4 * PAGE_SIZE;
	unsigned char *p;

	pa_user_fail(1, 0, 0);
	p = pa_alloc(size, GFP_KERNEL);
	PA_CHECK(p);
	PA_CHECK(is_vmalloc_addr(p));
	PA_CHECK(pa_owns(p));
	PA_CHECK_EQ(pa_usable_size(p), usable);
	memset(p, 1, size);
	PA_CHECK_EQ(pa_t_stats(NULL).large_bytes, usable);
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 0);
	pa_free(p);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);

	pa_user_fail(1, 0, 0);
	PA_CHECK(!pa_alloc(size, GFP_ATOMIC));
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/* An atomic caller gets pages from the page allocator, not vmalloc. */
static void test_large_atomic_uses_pages(void)
{
	unsigned long meta = pa_user_pages();
	unsigned char *p = pa_alloc(16 * PAGE_SIZE, GFP_ATOMIC);
	unsigned char *q = pa_alloc(pa_small_max + 1, GFP_NOWAIT);

	PA_CHECK(p && q);
	PA_CHECK(!is_vmalloc_addr(p));
	PA_CHECK(!is_vmalloc_addr(q));
	memset(p, 1, 16 * PAGE_SIZE);
	memset(q, 1, pa_small_max + 1);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 2);
	PA_CHECK_EQ(pa_user_pages(), meta + 16 +
		    t_large_usable(pa_small_max + 1) / PAGE_SIZE);
	pa_free(p);
	pa_free(q);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
	/* q's pages wait in the stash; p's, above 32 KiB, are gone. */
	PA_CHECK_EQ(pa_user_pages(), meta + pa_large_stash_pages());
	PA_CHECK_EQ(pa_large_stash_drain(-1),
		    t_large_usable(pa_small_max + 1) / PAGE_SIZE);
	PA_CHECK_EQ(pa_user_pages(), meta);
}

/*
 * A freed block of up to 32 KiB leaves its pages in this CPU's stash, one
 * block per order, counted in no pool, and refused as a pointer; the next
 * request of that order takes them back (zeroed when asked), but for a
 * caller that asks for memory cgroup accounting.
 */
static void test_medium_stash_reuses_the_last_freed_pages(void)
{
	unsigned long meta = pa_user_pages();
	size_t size = 3 * PAGE_SIZE, usable = 4 * PAGE_SIZE;
	unsigned char *p = pa_alloc(size, GFP_KERNEL), *q, *r;

	PA_CHECK(p);
	memset(p, 0xa5, size);
	pa_free(p);
	PA_CHECK_EQ(pa_large_stash_pages(), usable / PAGE_SIZE);
	PA_CHECK_EQ(pa_user_pages(), meta + usable / PAGE_SIZE);
	PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 0);
	PA_CHECK(!pa_owns(p));
	pa_free(p);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 1);

	q = pa_alloc(size, GFP_KERNEL_ACCOUNT);
	PA_CHECK(q && q != p);
	r = pa_zalloc(usable, GFP_ATOMIC);
	PA_CHECK(r == p);
	PA_CHECK(!memchr_inv(r, 0, usable));
	PA_CHECK_EQ(pa_large_stash_pages(), 0);
	PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 2 * usable / PAGE_SIZE);

	/* The slot holds one block: the second is freed for real. */
	pa_free(q);
	pa_free(r);
	PA_CHECK_EQ(pa_large_stash_pages(), usable / PAGE_SIZE);
	PA_CHECK_EQ(pa_user_pages(), meta + usable / PAGE_SIZE);
	PA_CHECK_EQ(pa_large_stash_drain(-1), usable / PAGE_SIZE);
	PA_CHECK_EQ(pa_user_pages(), meta);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/* Each order has its own slot; init_on_free wipes a page as it is kept. */
static void test_medium_stash_keeps_one_block_per_order(void)
{
	unsigned long meta = pa_user_pages();
	unsigned char *p[PAGE_ALLOC_COSTLY_ORDER + 1];
	unsigned long pages = 0;
	unsigned int order;

	pa_user_init_on(false, true);
	for (order = get_order(pa_small_max + 1);
	     order <= PAGE_ALLOC_COSTLY_ORDER; order++) {
		p[order] = pa_alloc(PAGE_SIZE << order, GFP_KERNEL);
		PA_CHECK(p[order]);
		memset(p[order], 0x3c, PAGE_SIZE << order);
	}
	for (order = get_order(pa_small_max + 1);
	     order <= PAGE_ALLOC_COSTLY_ORDER; order++) {
		pa_free(p[order]);
		pages += 1UL << order;
		PA_CHECK_EQ(pa_large_stash_pages(), pages);
	}
	PA_CHECK_EQ(pa_user_pages(), meta + pages);
	for (order = get_order(pa_small_max + 1);
	     order <= PAGE_ALLOC_COSTLY_ORDER; order++) {
		unsigned char *q = pa_alloc(PAGE_SIZE << order, GFP_KERNEL);

		PA_CHECK(q == p[order]);
		/* init_on_free: wiped as it was kept. */
		PA_CHECK(!memchr_inv(q, 0, PAGE_SIZE << order));
		pa_free(q);
	}
	PA_CHECK_EQ(pa_large_stash_drain(-1), pages);
	PA_CHECK_EQ(pa_user_pages(), meta);
}

/*
 * The reaper gives back a stashed block that no allocation or free of its
 * order used for a whole interval: at its second pass, not at its first,
 * and not while a loop keeps taking and putting back the same block.
 */
static void test_medium_stash_is_reaped_when_idle(void)
{
	unsigned long meta = pa_user_pages();
	unsigned int i;
	void *p;

	for (i = 0; i < 3; i++) {
		p = pa_alloc(T_CONTIG_MAX, GFP_KERNEL);
		PA_CHECK(p);
		pa_free(p);
		pa_large_stash_reap();
		PA_CHECK_EQ(pa_large_stash_pages(), T_CONTIG_MAX / PAGE_SIZE);
	}
	pa_large_stash_reap();
	PA_CHECK_EQ(pa_large_stash_pages(), 0);
	PA_CHECK_EQ(pa_user_pages(), meta);
}

/* A CPU that goes down leaves nothing in its stash. */
static void test_medium_stash_of_a_dead_cpu_is_emptied(void)
{
	unsigned long meta = pa_user_pages();
	void *p;

	pa_user_set_cpu(1);
	p = pa_alloc(T_CONTIG_MAX, GFP_KERNEL);
	PA_CHECK(p);
	pa_free(p);
	pa_user_set_cpu(0);
	PA_CHECK_EQ(pa_large_stash_pages(), T_CONTIG_MAX / PAGE_SIZE);
	PA_CHECK_EQ(pa_user_cpu_down(1), 0);
	PA_CHECK_EQ(pa_large_stash_pages(), 0);
	PA_CHECK_EQ(pa_user_pages(), meta);
	PA_CHECK_EQ(pa_user_cpu_up(1), 0);
}

/* Beyond the page allocator's largest order an atomic request fails. */
static void test_large_atomic_beyond_max_order_fails(void)
{
	PA_CHECK(!pa_alloc(64UL << 20, GFP_ATOMIC));
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 0);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/* More large blocks than the table's first size: all owned, all counted. */
static void test_many_large_allocations_grow_the_table(void)
{
	/* Several times any first table size a hash would start with. */
	enum { N = 600 };
	unsigned char *blocks[N];
	u64 bytes = 0, requested = 0;
	struct pa_stats st;
	unsigned int i;

	for (i = 0; i < N; i++) {
		size_t size = pa_small_max + 1 + i * 97;

		blocks[i] = pa_alloc(size, i % 2 ? GFP_KERNEL : GFP_ATOMIC);
		PA_CHECK(blocks[i]);
		blocks[i][0] = (unsigned char)i;
		bytes += t_large_usable(size);
		requested += size;
	}
	for (i = 0; i < N; i++) {
		PA_CHECK(pa_owns(blocks[i]));
		PA_CHECK_EQ(pa_usable_size(blocks[i]),
			    t_large_usable(pa_small_max + 1 + i * 97));
		PA_CHECK_EQ(blocks[i][0], (unsigned char)i);
	}
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.large_live, N);
	PA_CHECK_EQ(st.large_bytes, bytes);
	PA_CHECK_EQ(st.live_bytes_requested, requested);
	PA_CHECK_EQ(st.pages_held, bytes / PAGE_SIZE);
	for (i = 0; i < N; i += 2)
		pa_free(blocks[i]);
	for (i = 0; i < N; i++)
		PA_CHECK_EQ(pa_owns(blocks[i]), i % 2 == 1);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, N / 2);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
}

/* A large block shrunk in place still frees whole. */
static void test_large_shrunk_in_place_frees_whole(void)
{
	unsigned char *p = pa_alloc(8 * PAGE_SIZE, GFP_KERNEL);

	PA_CHECK(p);
	PA_CHECK(pa_realloc(p, 5000, GFP_KERNEL) == p);
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 5000);
	PA_CHECK(pa_realloc(p, 8 * PAGE_SIZE, GFP_KERNEL) == p);
	memset(p, 2, 8 * PAGE_SIZE);
	pa_free(p);
	PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 0);
}

/* With backend=kmalloc every request is a large-table entry. */
static void test_kmalloc_backend_keeps_the_promises(void)
{
	unsigned char *p = pa_alloc(100, GFP_KERNEL);
	unsigned char *q = pa_zalloc(20000, GFP_KERNEL);
	void *heap = malloc(32);
	struct pa_stats st;

	PA_CHECK(p && q && heap);
	PA_CHECK(pa_t_all(q, 20000, 0));
	PA_CHECK(pa_owns(p) && !pa_owns(p + 16) && !pa_owns(heap));
	PA_CHECK_EQ(pa_usable_size(p), 100);
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.live_blocks, 2);
	PA_CHECK_EQ(st.live_bytes_requested, 20100);
	PA_CHECK_EQ(st.arenas_current, 0);
	pa_free(heap);
	pa_free(p + 16);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 2);
	pa_free(p);
	pa_free(p);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 3);
	pa_free(q);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	free(heap);
}

const struct pa_case pa_pages_cases[] = {
	PA_CASE(test_arenas_returned_after_freeing_everything, ""),
	PA_CASE(test_shrinker_gives_pages_back, ""),
	PA_CASE(test_hysteresis_keeps_one_empty_arena, ""),
	PA_CASE(test_pool_names, ""),
	PA_CASE(test_pool_flags_other_than_debug_are_refused, ""),
	PA_CASE(test_pools_are_separate, ""),
	PA_CASE(test_pool_destroy_gives_everything_back, ""),
	PA_CASE(test_pool_destroy_reports_leaks, ""),
	PA_CASE(test_destroying_the_default_pool_is_refused, ""),
	PA_CASE(test_null_pool_is_the_default, ""),
	PA_CASE(test_unload_frees_what_is_left, ""),
	PA_CASE(test_large_uses_vmalloc_when_caller_may_sleep, ""),
	PA_CASE(test_medium_gets_contiguous_pages, ""),
	PA_CASE(test_medium_falls_back_to_vmalloc, ""),
	PA_CASE(test_large_atomic_uses_pages, ""),
	PA_CASE(test_medium_stash_reuses_the_last_freed_pages, ""),
	PA_CASE(test_medium_stash_keeps_one_block_per_order, ""),
	PA_CASE(test_medium_stash_is_reaped_when_idle, ""),
	PA_CASE(test_medium_stash_of_a_dead_cpu_is_emptied, ""),
	PA_CASE(test_large_atomic_beyond_max_order_fails, ""),
	PA_CASE(test_many_large_allocations_grow_the_table, ""),
	PA_CASE(test_large_shrunk_in_place_frees_whole, ""),
	PA_CASE(test_kmalloc_backend_keeps_the_promises, "backend=kmalloc"),
	{ }
};
