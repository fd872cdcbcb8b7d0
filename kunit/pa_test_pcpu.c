// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_pcpu: the per-CPU caches, and everything that drains them: CPU
 * offline, the shrinker and the idle reaper; and interrupts that find their
 * CPU's cache busy.
 */
#include <linux/cpu.h>
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/slab.h>
#include "pa_test.h"

#define NR_BLOCKS	10
#define TEST_BLOCK_SIZE	64

struct on_cpu_work {
	struct kunit *test;
	struct pa_pool *pool;
	void *blocks[NR_BLOCKS];
	void (*fn)(struct on_cpu_work *work);
	struct completion done;
	unsigned long wait_ms;		/* for fn's use */
};

static int on_cpu_thread(void *data)
{
	struct on_cpu_work *work = data;

	work->fn(work);
	complete(&work->done);
	return 0;
}

/* Run @work->fn in a kthread bound to @cpu, and wait for it. */
static void run_on_cpu(struct kunit *test, unsigned int cpu,
		       struct on_cpu_work *work)
{
	struct task_struct *task;

	init_completion(&work->done);
	task = kthread_create_on_cpu(on_cpu_thread, work, cpu, "pa_pcpu/%u");
	KUNIT_ASSERT_FALSE(test, IS_ERR(task));
	wake_up_process(task);
	wait_for_completion(&work->done);
}

static void alloc_blocks(struct on_cpu_work *work)
{
	unsigned int i;

	for (i = 0; i < NR_BLOCKS; i++)
		work->blocks[i] = pa_pool_alloc(work->pool, TEST_BLOCK_SIZE,
						GFP_KERNEL);
}

static void free_blocks(struct on_cpu_work *work)
{
	unsigned int i;

	for (i = 0; i < NR_BLOCKS; i++)
		pa_free(work->blocks[i]);
}

static void alloc_and_free_blocks(struct on_cpu_work *work)
{
	alloc_blocks(work);
	free_blocks(work);
}

/* Keeps the CPU busy so its deferrable reaper runs, until the cache is empty. */
static void wait_for_reaper(struct on_cpu_work *work)
{
	struct pa_class *cls = pa_class_for(work->pool, TEST_BLOCK_SIZE);
	unsigned long deadline = jiffies + msecs_to_jiffies(work->wait_ms);

	alloc_and_free_blocks(work);
	while (READ_ONCE(this_cpu_ptr(cls->cache)->count) &&
	       time_before(jiffies, deadline))
		cond_resched();
}

/* Some online CPU other than the first one; 0 when there is none. */
static unsigned int second_cpu(void)
{
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (cpu)
			return cpu;
	return 0;
}

static unsigned long cached_on(struct pa_pool *pool, unsigned int cpu)
{
	struct pa_class *cls = pa_class_for(pool, TEST_BLOCK_SIZE);

	return READ_ONCE(per_cpu_ptr(cls->cache, cpu)->count);
}

/*
 * Blocks allocated on one CPU and freed on another go to the freeing CPU's
 * cache, count as free, and are what that CPU hands out next.
 */
static void test_free_on_another_cpu_fills_that_cpus_cache(struct kunit *test)
{
	struct on_cpu_work *work = kunit_kzalloc(test, sizeof(*work), GFP_KERNEL);
	unsigned int cpu = second_cpu(), i, j, found = 0;
	void *first[NR_BLOCKS];
	struct pa_stats st;

	KUNIT_ASSERT_NOT_NULL(test, work);
	pa_test_need_cpus(test, 2);
	work->pool = pa_test_pool(test, "xcpu");
	work->fn = alloc_blocks;
	run_on_cpu(test, 0, work);
	memcpy(first, work->blocks, sizeof(first));
	for (i = 0; i < NR_BLOCKS; i++)
		KUNIT_ASSERT_TRUE(test, pa_owns(first[i]));

	work->fn = free_blocks;
	run_on_cpu(test, cpu, work);
	KUNIT_EXPECT_EQ(test, cached_on(work->pool, cpu), (unsigned long)NR_BLOCKS);
	st = pa_test_stats(work->pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	for (i = 0; i < NR_BLOCKS; i++)
		KUNIT_EXPECT_FALSE(test, pa_owns(first[i]));

	work->fn = alloc_blocks;
	run_on_cpu(test, cpu, work);
	KUNIT_EXPECT_EQ(test, cached_on(work->pool, cpu), 0UL);
	for (i = 0; i < NR_BLOCKS; i++)
		for (j = 0; j < NR_BLOCKS; j++)
			found += work->blocks[i] == first[j];
	KUNIT_EXPECT_EQ(test, found, (unsigned int)NR_BLOCKS);
	work->fn = free_blocks;
	run_on_cpu(test, cpu, work);
}

/* Taking a CPU offline gives its cached blocks back to their runs. */
static void test_offline_cpu_drains_its_caches(struct kunit *test)
{
	struct on_cpu_work *work = kunit_kzalloc(test, sizeof(*work), GFP_KERNEL);
	unsigned int cpu = second_cpu();
	struct pa_stats st;

	KUNIT_ASSERT_NOT_NULL(test, work);
	pa_test_need_cpus(test, 2);
	work->pool = pa_test_pool(test, "offline");
	work->fn = alloc_and_free_blocks;
	run_on_cpu(test, cpu, work);
	/* Whatever a refill left over, plus the frees, less one flush. */
	KUNIT_ASSERT_GT(test, cached_on(work->pool, cpu), 0UL);
	KUNIT_ASSERT_EQ(test, pa_test_stats(work->pool).runs_in_use, 1ULL);

	KUNIT_ASSERT_EQ(test, remove_cpu(cpu), 0);
	KUNIT_EXPECT_EQ(test, cached_on(work->pool, cpu), 0UL);
	st = pa_test_stats(work->pool);
	KUNIT_EXPECT_EQ(test, st.runs_in_use, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, add_cpu(cpu), 0);
}

/*
 * Under memory pressure (drop_caches runs every shrinker) the caches are
 * drained and every empty arena is freed, the hysteresis one included.
 */
static void test_shrinker_drains_caches_and_empty_arenas(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "shrink");
	struct file *drop;
	unsigned int i;
	struct pa_stats st;
	void *blocks[64];
	loff_t pos = 0;

	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		blocks[i] = pa_pool_alloc(pool, 16 + i * 24, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		pa_free(blocks[i]);
	KUNIT_ASSERT_GT(test, pa_cache_count(pool), 0UL);
	KUNIT_ASSERT_GT(test, pa_test_stats(pool).pages_held, 0ULL);

	drop = filp_open("/proc/sys/vm/drop_caches", O_WRONLY, 0);
	KUNIT_ASSERT_FALSE(test, IS_ERR(drop));
	/* 2: slab objects, which is where the shrinkers are called. */
	KUNIT_EXPECT_EQ(test, kernel_write(drop, "2\n", 2, &pos), 2L);
	filp_close(drop, NULL);

	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, pa_cache_count(pool), 0UL);
	KUNIT_EXPECT_EQ(test, st.runs_in_use, 0ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 0ULL);
	KUNIT_EXPECT_EQ(test, st.pages_held, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
}

/* A cache left idle is flushed by its CPU's reaper. */
static void test_reaper_flushes_idle_caches(struct kunit *test)
{
	struct on_cpu_work *work = kunit_kzalloc(test, sizeof(*work), GFP_KERNEL);
	unsigned int cpu = second_cpu();

	KUNIT_ASSERT_NOT_NULL(test, work);
	work->pool = pa_test_pool(test, "reaper");
	/* Two reaper passes: one sees the cache used, the next flushes it. */
	work->wait_ms = jiffies_to_msecs(4 * PA_REAP_INTERVAL);
	work->fn = wait_for_reaper;
	run_on_cpu(test, cpu, work);
	KUNIT_EXPECT_EQ(test, cached_on(work->pool, cpu), 0UL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(work->pool).runs_in_use, 0ULL);
}

/* ---- An interrupt that finds its CPU's cache busy ---------------------- */

struct busy_irq {
	struct irq_work work;
	struct pa_pool *pool;
	void *keep;		/* allocated by the interrupt */
	void *gift;		/* freed by the interrupt */
	atomic_t done;
};

static void busy_irq_fn(struct irq_work *work)
{
	struct busy_irq *b = container_of(work, struct busy_irq, work);

	b->keep = pa_pool_alloc(b->pool, TEST_BLOCK_SIZE, GFP_ATOMIC);
	pa_free(b->gift);
	atomic_set(&b->done, 1);
}

/*
 * An interrupt that lands while its CPU's cache of a class is being changed
 * (marked busy, as the fast paths do) allocates and frees past the cache,
 * straight from and to the runs, and leaves the cache as it was; the
 * counters still add up.
 */
static void test_interrupt_on_busy_cache_goes_direct(struct kunit *test)
{
	struct busy_irq *b = kunit_kzalloc(test, sizeof(*b), GFP_KERNEL);
	struct pa_class *cls;
	struct pa_stats st;
	int moved;

	KUNIT_ASSERT_NOT_NULL(test, b);
	pa_test_pin(test);
	b->pool = pa_test_pool(test, "busy");
	cls = pa_class_for(b->pool, TEST_BLOCK_SIZE);
	b->gift = pa_pool_alloc(b->pool, TEST_BLOCK_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, b->gift);
	init_irq_work(&b->work, busy_irq_fn);

	moved = pa_test_irq_on_busy_cache(cls, &b->work, &b->done);

	KUNIT_EXPECT_EQ(test, moved, 0);
	KUNIT_ASSERT_EQ(test, atomic_read(&b->done), 1);
	KUNIT_ASSERT_NOT_NULL(test, b->keep);
	KUNIT_EXPECT_TRUE(test, pa_owns(b->keep));
	KUNIT_EXPECT_FALSE(test, pa_owns(b->gift));
	KUNIT_EXPECT_EQ(test, atomic64_read(&cls->direct_allocs), 1LL);
	KUNIT_EXPECT_EQ(test, atomic64_read(&cls->direct_frees), 1LL);
	st = pa_test_stats(b->pool);
	KUNIT_EXPECT_EQ(test, st.allocs, 2ULL);
	KUNIT_EXPECT_EQ(test, st.frees, 1ULL);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 1ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, (u64)TEST_BLOCK_SIZE);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	pa_free(b->keep);
	st = pa_test_stats(b->pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
}

static struct kunit_case pa_pcpu_cases[] = {
	KUNIT_CASE(test_free_on_another_cpu_fills_that_cpus_cache),
	KUNIT_CASE(test_offline_cpu_drains_its_caches),
	KUNIT_CASE(test_shrinker_drains_caches_and_empty_arenas),
	KUNIT_CASE_SLOW(test_reaper_flushes_idle_caches),
	KUNIT_CASE(test_interrupt_on_busy_cache_goes_direct),
	{}
};

static struct kunit_suite pa_pcpu_suite = {
	.name = "pool_alloc_pcpu",
	/* The pool backend's machinery: skipped under backend=kmalloc. */
	.init = pa_test_init_pool_backend,
	.test_cases = pa_pcpu_cases,
};

kunit_test_suite(pa_pcpu_suite);
