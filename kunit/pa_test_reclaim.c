// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_reclaim: what gives memory back, and the run map's reach.
 *
 *  - The run map covers the machine's whole physical address space, and
 *    nothing past it.
 *  - The shrinker counts pages, reports the pages it freed and no more, and
 *    does not interrupt busy CPUs again right after a drain that freed
 *    nothing.
 *  - Every CPU's reaper flushes its idle caches; one that finds the list of
 *    pools held tries again soon, and their first passes are spread out.
 *
 * No test here judges a duration: where time passes, a bound is a
 * generous deadline on something that must happen, never a measurement.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/mmzone.h>
#include <linux/shrinker.h>
#include <linux/vmalloc.h>
#include "pa_test.h"
#include "../src/map.h"

/* ---- The run map ------------------------------------------------------- */

/* How many run indexes the machine's physical address space has. */
static unsigned long machine_runs(void)
{
	return 1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT - PA_RUN_ORDER);
}

/* The direct-map address of run index @index. */
static void *run_address(unsigned long index)
{
	return (void *)(PAGE_OFFSET + (index << (PAGE_SHIFT + PA_RUN_ORDER)));
}

static struct pa_run *lookup(const void *p)
{
	struct pa_run *run;

	preempt_disable();
	run = pa_map_lookup(p);
	preempt_enable();
	return run;
}

/*
 * The map reaches the last run of MAX_PHYSMEM_BITS (52 bits with five-level
 * paging) and refuses, with its one compare, the first index past it.
 */
static void test_map_covers_the_machines_physical_address_space(struct kunit *test)
{
	unsigned long last = machine_runs() - 1;
	void *end = (void *)(PAGE_OFFSET + (1UL << MAX_PHYSMEM_BITS) - 1);

	KUNIT_EXPECT_TRUE(test, pa_map_covers(last));
	KUNIT_EXPECT_TRUE(test, pa_map_covers(pa_map_index((unsigned long)end)));
	KUNIT_EXPECT_FALSE(test, pa_map_covers(last + 1));
	KUNIT_EXPECT_FALSE(test, pa_map_covers(pa_map_index((unsigned long)end + 1)));
	KUNIT_EXPECT_FALSE(test, pa_map_covers(pa_map_index(PAGE_OFFSET - 1)));
	/* Nothing is mapped there: a lookup walks the empty levels. */
	KUNIT_EXPECT_NULL(test, lookup(end));
}

/*
 * A run at the highest run index is entered and found; a run past it is
 * refused, and so is a lookup there, or anywhere outside the direct map.
 */
static void test_map_accepts_the_highest_run_and_refuses_the_next(struct kunit *test)
{
	struct pa_run *runs = kunit_kzalloc(test, 2 * sizeof(*runs), GFP_KERNEL);
	unsigned long last = machine_runs() - 1;
	void *v = vmalloc(PAGE_SIZE);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, runs);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, pa_map_enter(last + 1, runs, 1, GFP_KERNEL), -ERANGE);
	KUNIT_EXPECT_EQ(test, pa_map_enter(last, runs, 2, GFP_KERNEL), -ERANGE);
	err = pa_map_enter(last, runs, 1, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (!err) {
		KUNIT_EXPECT_PTR_EQ(test, lookup(run_address(last)), &runs[0]);
		KUNIT_EXPECT_PTR_EQ(test, lookup(run_address(last) + PA_RUN_SIZE - 1),
				    &runs[0]);
		/* The test's runs must not outlive it in the map. */
		pa_map_clear(last, 1);
	}
	KUNIT_EXPECT_NULL(test, lookup(run_address(last)));
	KUNIT_EXPECT_NULL(test, lookup(run_address(last) + PA_RUN_SIZE));
	KUNIT_EXPECT_NULL(test, lookup((void *)(PAGE_OFFSET - 1)));
	KUNIT_EXPECT_NULL(test, lookup(v));
	KUNIT_EXPECT_NULL(test, lookup(test));
	vfree(v);
}

/* ---- The shrinker ------------------------------------------------------ */

/* The pages every pool holds now, from the top-level stats file. */
static u64 pages_held(struct kunit *test)
{
	struct pa_stats st;

	KUNIT_ASSERT_EQ(test, pa_test_read_stats(PA_TEST_DEBUGFS "/stats", &st), 0);
	return st.pages_held;
}

static unsigned long shrink(unsigned long nr_to_scan)
{
	struct shrink_control sc = {
		.gfp_mask = GFP_KERNEL, .nr_to_scan = nr_to_scan,
	};
	unsigned long freed = pa_reclaim_scan(NULL, &sc);

	return freed == SHRINK_STOP ? 0 : freed;
}

static unsigned long shrink_count(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long n = pa_reclaim_count(NULL, &sc);

	return n == SHRINK_EMPTY ? 0 : n;
}

/* Classes in the test below: 16 to 512 bytes, one run each. */
#define SHRINK_CLASSES		32

/*
 * With many small blocks cached, the count is still in pages: never more
 * than the pools hold, and at least the bytes cached.  A scan reports
 * exactly the pages the pools gave back.
 */
static void test_shrinker_counts_and_frees_pages(struct kunit *test)
{
	unsigned int i, j, size;
	u64 before, after;
	struct pa_pool *pool;
	unsigned long count, freed, cached_pages;
	void **blocks;

	pa_test_pin(test);
	blocks = kunit_kcalloc(test, SHRINK_CLASSES * PA_CACHE_SIZE,
			       sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	/* Every pool as quiet as it gets. */
	shrink(ULONG_MAX);
	pool = pa_test_pool(test, "shrink_pages");
	for (i = 0; i < SHRINK_CLASSES; i++) {
		size = (i + 1) * PA_ALIGN;
		for (j = 0; j < PA_CACHE_SIZE; j++) {
			blocks[i * PA_CACHE_SIZE + j] =
				pa_pool_alloc(pool, size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, blocks[i * PA_CACHE_SIZE + j]);
		}
	}
	for (i = 0; i < SHRINK_CLASSES * PA_CACHE_SIZE; i++)
		pa_free(blocks[i]);
	KUNIT_ASSERT_GE(test, pa_cache_count(pool),
			(unsigned long)SHRINK_CLASSES * PA_CACHE_SIZE / 2);
	cached_pages = pa_cache_bytes(pool) / PAGE_SIZE;

	before = pages_held(test);
	count = shrink_count();
	KUNIT_EXPECT_LE(test, (u64)count, before);
	KUNIT_EXPECT_GE(test, count, cached_pages);

	freed = shrink(ULONG_MAX);
	after = pages_held(test);
	KUNIT_EXPECT_EQ(test, (u64)freed, before - after);
	KUNIT_EXPECT_EQ(test, pa_cache_count(pool), 0UL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held, 0ULL);
	KUNIT_EXPECT_EQ(test, shrink_count(), 0UL);
}

/*
 * A drain that freed nothing (the cached block's run holds a live one) is
 * not repeated for an interval: a second scan leaves this CPU's cache
 * alone.  A stashed page that the same scan gave back first does not count
 * as something the drain freed.  Once the interval is over, a scan drains
 * again.
 */
static void test_shrinker_does_not_repeat_a_drain_that_freed_nothing(struct kunit *test)
{
	unsigned long cached, stashed;
	struct pa_pool *pool;
	void *live, *gone;

	pa_test_pin(test);
	shrink(ULONG_MAX);
	pool = pa_test_pool(test, "shrink_futile");
	live = pa_pool_alloc(pool, 64, GFP_KERNEL);
	gone = pa_pool_alloc(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	pa_free(gone);
	KUNIT_ASSERT_GT(test, pa_cache_count(pool), 0UL);
	gone = pa_pool_alloc(pool, PA_TEST_CONTIG_MAX, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	pa_free(gone);
	stashed = pa_large_stash_pages();

	KUNIT_EXPECT_EQ(test, shrink(ULONG_MAX), stashed);
	KUNIT_EXPECT_EQ(test, pa_cache_count(pool), 0UL);

	gone = pa_pool_alloc(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, gone);
	pa_free(gone);
	cached = pa_cache_count(pool);
	KUNIT_ASSERT_GT(test, cached, 0UL);
	KUNIT_EXPECT_EQ(test, shrink(ULONG_MAX), 0UL);
	KUNIT_EXPECT_EQ(test, pa_cache_count(pool), cached);

	/* At least an interval later, draining is allowed again. */
	pa_free(live);
	msleep(jiffies_to_msecs(PA_REAP_INTERVAL + 1));
	shrink(ULONG_MAX);
	KUNIT_EXPECT_EQ(test, pa_cache_count(pool), 0UL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).pages_held, 0ULL);
}

/* ---- The reapers ------------------------------------------------------- */

/* The first passes of the CPUs' reapers are spread over one interval. */
static void test_reapers_first_passes_are_spread_out(struct kunit *test)
{
	unsigned long prev = 0, delay;
	unsigned int cpu;

	for_each_possible_cpu(cpu) {
		delay = pa_reclaim_first_delay(cpu);
		KUNIT_EXPECT_LT(test, delay, (unsigned long)PA_REAP_INTERVAL);
		if (cpu && nr_cpu_ids <= PA_REAP_INTERVAL)
			KUNIT_EXPECT_GT(test, delay, prev);
		prev = delay;
	}
}

/*
 * A reaper that finds the list of pools held (another CPU's reaper, a pool
 * being created) tries again well within the interval, not an interval
 * later; one that got it waits the interval.
 */
static void test_reaper_that_finds_the_pools_held_tries_again_soon(struct kunit *test)
{
	unsigned long delay;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		delay = pa_reclaim_reap_now(cpu, true);
		KUNIT_EXPECT_GT(test, delay, 0UL);
		KUNIT_EXPECT_LT(test, delay, (unsigned long)PA_REAP_INTERVAL / 4);
		delay = pa_reclaim_reap_now(cpu, false);
		KUNIT_EXPECT_EQ(test, delay, (unsigned long)PA_REAP_INTERVAL);
	}
}

#define REAP_BLOCKS	10
#define REAP_SIZE	64

struct reap_work {
	struct pa_pool *pool;
	struct completion done;
	unsigned long deadline;		/* jiffies */
	bool wait;			/* for the reaper, busy */
};

static unsigned int cached_here(struct pa_pool *pool)
{
	return READ_ONCE(this_cpu_ptr(pa_class_for(pool, REAP_SIZE)->cache)->count);
}

/*
 * Cache blocks on this CPU; with @work->wait, keep the CPU busy (so its
 * deferrable reaper fires) until the cache is empty or the deadline passes.
 */
static int reap_thread(void *data)
{
	struct reap_work *work = data;
	void *blocks[REAP_BLOCKS];
	unsigned int i;

	for (i = 0; i < REAP_BLOCKS; i++)
		blocks[i] = pa_pool_alloc(work->pool, REAP_SIZE, GFP_KERNEL);
	for (i = 0; i < REAP_BLOCKS; i++)
		pa_free(blocks[i]);
	while (work->wait && cached_here(work->pool) &&
	       time_before(jiffies, work->deadline))
		cond_resched();
	complete(&work->done);
	return 0;
}

/* Run reap_thread() on every online CPU at once, and wait for them all. */
static void reap_on_every_cpu(struct kunit *test, struct reap_work *works,
			      struct pa_pool *pool, bool wait)
{
	struct task_struct *task;
	unsigned int cpu;

	for_each_online_cpu(cpu) {
		works[cpu].pool = pool;
		works[cpu].wait = wait;
		/* Eight intervals: four times the documented bound. */
		works[cpu].deadline = jiffies + 8 * PA_REAP_INTERVAL;
		init_completion(&works[cpu].done);
		task = kthread_create_on_cpu(reap_thread, &works[cpu], cpu,
					     "pa_reap/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		wake_up_process(task);
	}
	for_each_online_cpu(cpu)
		wait_for_completion(&works[cpu].done);
}

static unsigned long cached_on(struct pa_pool *pool, unsigned int cpu)
{
	return READ_ONCE(per_cpu_ptr(pa_class_for(pool, REAP_SIZE)->cache,
				     cpu)->count);
}

/*
 * Two passes of a CPU's reaper with no use in between flush its cache: the
 * first sees it used, the second finds it idle.  On every CPU.
 */
static void test_every_cpus_reaper_flushes_an_idle_cache(struct kunit *test)
{
	struct reap_work *works = kunit_kcalloc(test, nr_cpu_ids, sizeof(*works),
						GFP_KERNEL);
	struct pa_pool *pool;
	unsigned int cpu;

	KUNIT_ASSERT_NOT_NULL(test, works);
	pool = pa_test_pool(test, "reap_each");
	reap_on_every_cpu(test, works, pool, false);
	for_each_online_cpu(cpu) {
		KUNIT_EXPECT_GT(test, cached_on(pool, cpu), 0UL);
		pa_reclaim_reap_now(cpu, false);
		pa_reclaim_reap_now(cpu, false);
		KUNIT_EXPECT_EQ(test, cached_on(pool, cpu), 0UL);
	}
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).runs_in_use, 0ULL);
}

/*
 * Left to their timers, the reapers of all CPUs, busy at once, flush every
 * cache (the bound is a deadline far past the documented two intervals).
 */
static void test_reapers_of_all_cpus_flush_idle_caches_on_their_own(struct kunit *test)
{
	struct reap_work *works = kunit_kcalloc(test, nr_cpu_ids, sizeof(*works),
						GFP_KERNEL);
	struct pa_pool *pool;
	unsigned int cpu;

	KUNIT_ASSERT_NOT_NULL(test, works);
	pool = pa_test_pool(test, "reap_all");
	reap_on_every_cpu(test, works, pool, true);
	for_each_online_cpu(cpu)
		KUNIT_EXPECT_EQ(test, cached_on(pool, cpu), 0UL);
}

static struct kunit_case pa_reclaim_cases[] = {
	KUNIT_CASE(test_map_covers_the_machines_physical_address_space),
	KUNIT_CASE(test_map_accepts_the_highest_run_and_refuses_the_next),
	KUNIT_CASE(test_shrinker_counts_and_frees_pages),
	KUNIT_CASE_SLOW(test_shrinker_does_not_repeat_a_drain_that_freed_nothing),
	KUNIT_CASE(test_reapers_first_passes_are_spread_out),
	KUNIT_CASE(test_reaper_that_finds_the_pools_held_tries_again_soon),
	KUNIT_CASE(test_every_cpus_reaper_flushes_an_idle_cache),
	KUNIT_CASE_SLOW(test_reapers_of_all_cpus_flush_idle_caches_on_their_own),
	{}
};

static struct kunit_suite pa_reclaim_suite = {
	.name = "pool_alloc_reclaim",
	/* The pool backend's machinery: skipped under backend=kmalloc. */
	.init = pa_test_init_pool_backend,
	.test_cases = pa_reclaim_cases,
};

kunit_test_suite(pa_reclaim_suite);
