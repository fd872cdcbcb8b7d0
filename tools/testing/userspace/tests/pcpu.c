// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches across CPUs, hotplug, the reaper, NMI context and real
 * threads (kunit/pa_test_pcpu.c, pa_test_nmi.c, pa_test_smp.c).
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "pa_tests.h"

/* Fewer blocks than a cache's batch: they stay in the freeing CPU's cache. */
#define NR_BLOCKS	8
/* The reaper flushes a cache idle this long (PA_REAP_INTERVAL: 2 s). */
#define REAP_TICKS	(2 * HZ)

static void alloc_blocks(struct pa_pool *pool, void **blocks, size_t size)
{
	unsigned int i;

	for (i = 0; i < NR_BLOCKS; i++) {
		blocks[i] = pa_pool_alloc(pool, size, GFP_KERNEL);
		PA_CHECK(blocks[i]);
		pa_t_fill(blocks[i], size, i);
	}
}

static void free_blocks(void **blocks)
{
	unsigned int i;

	for (i = 0; i < NR_BLOCKS; i++)
		pa_free(blocks[i]);
}

/*
 * Blocks allocated on CPU 0 and freed on CPU 1 count as free at once,
 * and are what CPU 1 hands out next; CPU 0 gets others.
 */
static void test_free_on_another_cpu_feeds_that_cpus_cache(void)
{
	struct pa_pool *pool = pa_pool_create("xcpu", 0);
	void *first[NR_BLOCKS], *again[NR_BLOCKS], *other;
	unsigned int i, j, found = 0;

	PA_CHECK(!IS_ERR_OR_NULL(pool));
	pa_user_set_cpu(0);
	alloc_blocks(pool, first, 100);
	pa_user_set_cpu(1);
	for (i = 0; i < NR_BLOCKS; i++)
		PA_CHECK(pa_t_filled(first[i], 100, i));
	free_blocks(first);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(pool).live_bytes_requested, 0);
	for (i = 0; i < NR_BLOCKS; i++)
		PA_CHECK(!pa_owns(first[i]));
	pa_user_set_cpu(0);
	other = pa_pool_alloc(pool, 100, GFP_KERNEL);
	PA_CHECK(other);
	for (i = 0; i < NR_BLOCKS; i++)
		PA_CHECK(other != first[i]);
	pa_user_set_cpu(1);
	alloc_blocks(pool, again, 100);
	for (i = 0; i < NR_BLOCKS; i++)
		for (j = 0; j < NR_BLOCKS; j++)
			found += again[i] == first[j];
	PA_CHECK_EQ(found, NR_BLOCKS);
	free_blocks(again);
	pa_free(other);
	PA_CHECK_EQ(pa_t_stats(pool).invalid_frees, 0);
	pa_user_set_cpu(0);
	pa_pool_destroy(pool);
}

/* A freed block is the next one its CPU hands out (the cache is a stack). */
static void test_cache_hands_back_the_last_freed_block(void)
{
	unsigned int cpu;

	for (cpu = 0; cpu < 4; cpu++) {
		void *p, *q;

		pa_user_set_cpu(cpu);
		p = pa_alloc(200, GFP_KERNEL);
		PA_CHECK(p);
		pa_free(p);
		q = pa_alloc(200, GFP_KERNEL);
		PA_CHECK(q == p);
		pa_free(q);
	}
	pa_user_set_cpu(0);
}

/* Blocks cached on @cpu hold their run until something drains them. */
static struct pa_pool *cache_on(unsigned int cpu, const char *name)
{
	struct pa_pool *pool = pa_pool_create(name, 0);
	void *blocks[NR_BLOCKS];

	PA_CHECK(!IS_ERR_OR_NULL(pool));
	pa_user_set_cpu(cpu);
	alloc_blocks(pool, blocks, 64);
	free_blocks(blocks);
	pa_user_set_cpu(0);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(pool).runs_in_use, 1);
	return pool;
}

static void test_offline_cpu_drains_its_caches(void)
{
	struct pa_pool *pool = cache_on(2, "offline");
	void *p;

	PA_CHECK_EQ(pa_user_cpu_down(2), 0);
	PA_CHECK_EQ(pa_t_stats(pool).runs_in_use, 0);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	PA_CHECK_EQ(pa_user_cpu_up(2), 0);
	/* Back online, the CPU's cache works again. */
	pa_user_set_cpu(2);
	p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	PA_CHECK(p);
	pa_free(p);
	PA_CHECK_EQ(pa_t_stats(pool).runs_in_use, 1);
	pa_user_set_cpu(0);
	pa_pool_destroy(pool);
}

/* Another CPU's cache untouched, this one's drained by the down. */
static void test_offline_drains_only_that_cpu(void)
{
	struct pa_pool *a = cache_on(1, "one"), *b = cache_on(3, "three");

	PA_CHECK_EQ(pa_user_cpu_down(3), 0);
	PA_CHECK_EQ(pa_t_stats(b).runs_in_use, 0);
	PA_CHECK_EQ(pa_t_stats(a).runs_in_use, 1);
	PA_CHECK_EQ(pa_user_cpu_up(3), 0);
	pa_pool_destroy(a);
	pa_pool_destroy(b);
}

static void test_reaper_flushes_idle_caches(void)
{
	struct pa_pool *pool = cache_on(1, "reap");
	unsigned int i;

	/* Not idle yet: the reaper looks once, then again an interval later. */
	for (i = 0; i < 3 && pa_t_stats(pool).runs_in_use; i++)
		pa_user_tick(REAP_TICKS);
	PA_CHECK(i >= 1);
	PA_CHECK_EQ(pa_t_stats(pool).runs_in_use, 0);
	pa_pool_destroy(pool);
}

/* A cache in use is not reaped: only an idle one is. */
static void test_reaper_spares_busy_caches(void)
{
	struct pa_pool *pool = cache_on(1, "busy");
	unsigned int i;

	for (i = 0; i < 4; i++) {
		void *p;

		pa_user_set_cpu(1);
		p = pa_pool_alloc(pool, 64, GFP_KERNEL);
		PA_CHECK(p);
		pa_free(p);
		pa_user_set_cpu(0);
		pa_user_tick(REAP_TICKS);
		PA_CHECK_EQ(pa_t_stats(pool).runs_in_use, 1);
	}
	pa_pool_destroy(pool);
}

static void test_shrinker_drains_caches(void)
{
	struct pa_pool *pool = pa_pool_create("shrink", 0);
	void *blocks[4 * T_CACHE_SIZE];
	unsigned int i, cpu;

	PA_CHECK(!IS_ERR_OR_NULL(pool));
	/* A page's worth in each of four CPUs' caches of the 4 KiB class. */
	for (cpu = 0; cpu < 4; cpu++) {
		pa_user_set_cpu(cpu);
		for (i = 0; i < 2; i++)
			PA_CHECK(blocks[cpu * 2 + i] =
				 pa_pool_alloc(pool, 4096, GFP_KERNEL));
		for (i = 0; i < 2; i++)
			pa_free(blocks[cpu * 2 + i]);
	}
	pa_user_set_cpu(0);
	PA_CHECK(pa_t_stats(pool).runs_in_use > 0);
	PA_CHECK(pa_user_shrink() > 0);
	PA_CHECK_EQ(pa_t_stats(pool).runs_in_use, 0);
	PA_CHECK_EQ(pa_t_stats(pool).arenas_current, 0);
	pa_pool_destroy(pool);
}

/* ---- NMI ------------------------------------------------------------------ */

/* Warm this CPU's cache of @size's class, outside NMI. */
static void warm(struct pa_pool *pool, size_t size)
{
	void *p = pa_pool_alloc(pool, size, GFP_KERNEL);

	PA_CHECK(p);
	pa_free(p);
}

static void test_nmi_alloc_and_free_from_a_warm_cache(void)
{
	struct pa_pool *pool = pa_pool_create("nmi-warm", 0);
	struct pa_stats before, after;
	unsigned char *p, *q, *z;

	PA_CHECK(!IS_ERR_OR_NULL(pool));
	warm(pool, 64);
	warm(NULL, 200);
	q = pa_alloc(32, GFP_KERNEL);
	PA_CHECK(q);
	before = pa_t_stats(pool);
	pa_user_nmi_enter();
	p = pa_pool_alloc(pool, 64, GFP_ATOMIC);
	z = pa_zalloc(200, GFP_NOWAIT);
	if (p)
		memset(p, 3, 64);
	pa_free(q);
	pa_user_nmi_exit();
	PA_CHECK(p && z);
	PA_CHECK(pa_t_all(z, 200, 0));
	PA_CHECK(!pa_owns(q));
	pa_user_run_work();
	after = pa_t_stats(pool);
	PA_CHECK_EQ(after.live_blocks, before.live_blocks + 1);
	PA_CHECK_EQ(after.failures, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 1);
	/* Blocks handed out in NMI are ordinary blocks elsewhere. */
	PA_CHECK(pa_owns(p) && pa_owns(z));
	pa_free(p);
	pa_free(z);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	pa_pool_destroy(pool);
}

/*
 * A cold cache, a large request, a debug pool: NULL in NMI, counted in
 * failures, and nothing taken from the page allocator.
 */
static void test_nmi_alloc_fails_where_it_must(void)
{
	struct pa_pool *pool = pa_pool_create("nmi-cold", 0);
	struct pa_pool *dbg = pa_pool_create("nmi-dbg", PA_POOL_DEBUG);
	void *p, *big, *d;
	unsigned long pages;

	PA_CHECK(!IS_ERR_OR_NULL(pool) && !IS_ERR_OR_NULL(dbg));
	warm(dbg, 64);
	pages = pa_user_pages();
	pa_user_nmi_enter();
	p = pa_pool_alloc(pool, 64, GFP_ATOMIC);
	big = pa_alloc(pa_small_max + 1, GFP_ATOMIC);
	d = pa_pool_alloc(dbg, 64, GFP_ATOMIC);
	pa_user_nmi_exit();
	PA_CHECK(!p && !big && !d);
	PA_CHECK_EQ(pa_t_stats(pool).failures, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).failures, 1);
	PA_CHECK_EQ(pa_t_stats(dbg).failures, 1);
	PA_CHECK_EQ(pa_user_pages(), pages);
	pa_pool_destroy(pool);
	pa_pool_destroy(dbg);
}

/* Many frees in NMI: each block claimed at once, each free finished later. */
static void test_nmi_frees_are_finished_by_the_work(void)
{
	/* More than a cache holds, so some frees must be deferred. */
	enum { N = 3 * T_CACHE_SIZE };
	void *blocks[N];
	unsigned int i;

	for (i = 0; i < N; i++)
		PA_CHECK(blocks[i] = pa_alloc(48, GFP_KERNEL));
	pa_user_nmi_enter();
	for (i = 0; i < N; i++)
		pa_free(blocks[i]);
	pa_user_nmi_exit();
	for (i = 0; i < N; i++)
		PA_CHECK(!pa_owns(blocks[i]));
	pa_user_run_work();
	PA_CHECK_EQ(pa_t_stats(NULL).frees, N);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 0);
	/* And every block can be handed out again, once. */
	for (i = 0; i < N; i++)
		PA_CHECK(blocks[i] = pa_alloc(48, GFP_KERNEL));
	for (i = 0; i < N; i++)
		pa_free(blocks[i]);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/* A large block freed in NMI is freed by the irq_work, not before. */
static void test_nmi_large_free_is_deferred(void)
{
	void *big = pa_alloc(3 * PAGE_SIZE, GFP_KERNEL);

	PA_CHECK(big);
	pa_user_nmi_enter();
	pa_free(big);
	pa_user_nmi_exit();
	PA_CHECK(pa_owns(big));
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 1);
	pa_user_run_work();
	PA_CHECK(!pa_owns(big));
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).pages_held, 0);
}

/* Foreign, interior and double frees in NMI: refused by the irq_work. */
static void test_nmi_bad_frees_are_refused(void)
{
	unsigned char *heap = malloc(64);
	unsigned char *p = pa_alloc(64, GFP_KERNEL);
	unsigned char *q = pa_alloc(64, GFP_KERNEL);

	PA_CHECK(heap && p && q);
	pa_t_fill(heap, 64, 1);
	pa_t_fill(p, 64, 2);
	pa_free(q);
	pa_user_nmi_enter();
	pa_free(heap);
	pa_free(p + 16);
	pa_free(q);
	pa_user_nmi_exit();
	pa_user_run_work();
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, 3);
	PA_CHECK_EQ(pa_t_stats(NULL).frees, 1);
	PA_CHECK(pa_t_filled(heap, 64, 1));
	PA_CHECK(pa_t_filled(p, 64, 2));
	PA_CHECK(pa_owns(p));
	pa_free(p);
	free(heap);
}

/* Unload with NMI frees pending finishes them (the runner checks pages). */
static void test_nmi_frees_pending_at_unload(void)
{
	void *big = pa_alloc(3 * PAGE_SIZE, GFP_KERNEL);
	void *p = pa_alloc(64, GFP_KERNEL);

	PA_CHECK(big && p);
	pa_user_nmi_enter();
	pa_free(big);
	pa_free(p);
	pa_user_nmi_exit();
	pa_t_log_count("destroyed with");
	pa_user_unload();
	PA_CHECK_EQ(pa_t_log_matches(), 0);
}

/* ---- threads --------------------------------------------------------------- */

#define NR_THREADS	4
/* Blocks per thread per round; rounds per thread. */
#define PER_ROUND	256
#define ROUNDS		8

static void *slots[NR_THREADS][PER_ROUND];
static size_t slot_size[NR_THREADS][PER_ROUND];
static pthread_barrier_t barrier;
static int thread_error[NR_THREADS];

/*
 * Each round, each thread allocates blocks of mixed sizes (one in 32
 * large), fills them, and after a barrier checks and frees the blocks of
 * the next thread: every block is freed on another CPU than its own.
 */
static void *thread_main(void *arg)
{
	unsigned int me = (uintptr_t)arg, next = (me + 1) % NR_THREADS;
	unsigned int round, i, seed = me * 7919 + 1;

	if (pa_user_thread_enter()) {
		thread_error[me] = 1;
		return NULL;
	}
	for (round = 0; round < ROUNDS; round++) {
		for (i = 0; i < PER_ROUND; i++) {
			size_t size;

			seed = seed * 1103515245 + 12345;
			size = i % 32 ? (seed >> 16) % 2048 + 1 :
					pa_small_max + (seed >> 16) % 8192;
			slots[me][i] = pa_alloc(size, GFP_KERNEL);
			slot_size[me][i] = size;
			if (!slots[me][i]) {
				thread_error[me] = 2;
				continue;
			}
			pa_t_fill(slots[me][i], size, me + i);
		}
		/* Some die young, on their own CPU. */
		for (i = 0; i < PER_ROUND; i += 5) {
			pa_free(slots[me][i]);
			slots[me][i] = NULL;
		}
		pthread_barrier_wait(&barrier);
		for (i = 0; i < PER_ROUND; i++) {
			if (!slots[next][i])
				continue;
			if (!pa_t_filled(slots[next][i], slot_size[next][i],
					 next + i))
				thread_error[me] = 3;
			pa_free(slots[next][i]);
		}
		pthread_barrier_wait(&barrier);
	}
	pa_user_thread_exit();
	return NULL;
}

static void test_threads_alloc_and_free_across_cpus(void)
{
	pthread_t threads[NR_THREADS];
	struct pa_stats st;
	unsigned int i;

	PA_CHECK(!pthread_barrier_init(&barrier, NULL, NR_THREADS));
	for (i = 0; i < NR_THREADS; i++)
		PA_CHECK(!pthread_create(&threads[i], NULL, thread_main,
					 (void *)(uintptr_t)i));
	for (i = 0; i < NR_THREADS; i++)
		PA_CHECK(!pthread_join(threads[i], NULL));
	for (i = 0; i < NR_THREADS; i++)
		PA_CHECK_EQ(thread_error[i], 0);
	st = pa_t_stats(NULL);
	PA_CHECK_EQ(st.allocs, NR_THREADS * ROUNDS * PER_ROUND);
	PA_CHECK_EQ(st.frees, st.allocs);
	PA_CHECK_EQ(st.live_blocks, 0);
	PA_CHECK_EQ(st.live_bytes_requested, 0);
	PA_CHECK_EQ(st.large_live, 0);
	PA_CHECK_EQ(st.invalid_frees, 0);
	PA_CHECK_EQ(st.failures, 0);
}

const struct pa_case pa_pcpu_cases[] = {
	PA_CASE(test_free_on_another_cpu_feeds_that_cpus_cache, ""),
	PA_CASE(test_cache_hands_back_the_last_freed_block, ""),
	PA_CASE(test_offline_cpu_drains_its_caches, ""),
	PA_CASE(test_offline_drains_only_that_cpu, ""),
	PA_CASE(test_reaper_flushes_idle_caches, ""),
	PA_CASE(test_reaper_spares_busy_caches, ""),
	PA_CASE(test_shrinker_drains_caches, ""),
	PA_CASE(test_nmi_alloc_and_free_from_a_warm_cache, ""),
	PA_CASE(test_nmi_alloc_fails_where_it_must, ""),
	PA_CASE(test_nmi_frees_are_finished_by_the_work, ""),
	PA_CASE(test_nmi_large_free_is_deferred, ""),
	PA_CASE(test_nmi_bad_frees_are_refused, ""),
	PA_CASE(test_nmi_frees_pending_at_unload, ""),
	PA_CASE(test_threads_alloc_and_free_across_cpus, ""),
	{ }
};
