// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_smp: concurrent callers on every CPU, and callers in hard
 * interrupt context interleaved with task context on one CPU.
 */
#include <linux/slab.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/cpu.h>
#include <linux/cpumask.h>
#include <linux/hrtimer.h>
#include <linux/timer.h>
#include <linux/ktime.h>
#include <linux/string.h>
#include "pa_test.h"

#define SMP_BLOCKS	200
#define SMP_ROUNDS	20

struct smp_ctx {
	struct pa_pool *pool;
	unsigned int nr_threads;
	atomic_t arrived;
	atomic_t generation;
	atomic_t errors;
	atomic_t alloc_failures;
	/* Per thread: SMP_BLOCKS slots and their sizes, and its completion. */
	void **blocks;
	size_t *sizes;
	struct completion *done;
};

struct smp_thread {
	struct smp_ctx *ctx;
	unsigned int id;
};

/* All threads meet here before any goes on. */
static void smp_barrier(struct smp_ctx *ctx)
{
	int generation = atomic_read(&ctx->generation);

	if (atomic_inc_return(&ctx->arrived) == ctx->nr_threads) {
		atomic_set(&ctx->arrived, 0);
		atomic_inc(&ctx->generation);
		return;
	}
	while (atomic_read(&ctx->generation) == generation)
		cond_resched();
}

static size_t smp_size(unsigned int id, unsigned int round, unsigned int i)
{
	/* Mostly small, every 50th block large. */
	if (i % 50 == 49)
		return pa_small_max + 1 + i;
	return 1 + (id * 131 + round * 37 + i * 53) % 1024;
}

/*
 * Each round every thread fills its own slots, then verifies and frees the
 * slots of the next thread, which ran on another CPU.
 */
static int smp_thread_fn(void *data)
{
	struct smp_thread *t = data;
	struct smp_ctx *ctx = t->ctx;
	unsigned int round, i, peer = (t->id + 1) % ctx->nr_threads;

	for (round = 0; round < SMP_ROUNDS; round++) {
		u8 tag = t->id * SMP_ROUNDS + round;

		for (i = 0; i < SMP_BLOCKS; i++) {
			size_t size = smp_size(t->id, round, i);
			gfp_t gfp = i % 2 ? GFP_KERNEL : GFP_NOWAIT;
			void *p = i % 3 ? pa_pool_alloc(ctx->pool, size, gfp) :
					  pa_alloc(size, gfp);

			if (!p)
				atomic_inc(&ctx->alloc_failures);
			else
				memset(p, tag, size);
			ctx->blocks[t->id * SMP_BLOCKS + i] = p;
			ctx->sizes[t->id * SMP_BLOCKS + i] = size;
		}
		smp_barrier(ctx);
		tag = peer * SMP_ROUNDS + round;
		for (i = 0; i < SMP_BLOCKS; i++) {
			u8 *p = ctx->blocks[peer * SMP_BLOCKS + i];

			if (!p)
				continue;
			if (memchr_inv(p, tag, ctx->sizes[peer * SMP_BLOCKS + i]))
				atomic_inc(&ctx->errors);
			pa_free(p);
		}
		smp_barrier(ctx);
	}
	complete(&ctx->done[t->id]);
	return 0;
}

/*
 * One kthread per online CPU allocates and frees, each freeing the blocks
 * another CPU allocated: no block is corrupted, handed out twice or lost.
 */
static void test_concurrent_alloc_free_across_cpus(struct kunit *test)
{
	struct smp_thread *threads;
	struct pa_stats before, st;
	struct smp_ctx *ctx;
	unsigned int cpu, n = 0, i;

	pa_test_need_cpus(test, 2);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	threads = kunit_kcalloc(test, nr_cpu_ids, sizeof(*threads), GFP_KERNEL);
	ctx->blocks = kunit_kcalloc(test, nr_cpu_ids * SMP_BLOCKS,
				    sizeof(*ctx->blocks), GFP_KERNEL);
	ctx->sizes = kunit_kcalloc(test, nr_cpu_ids * SMP_BLOCKS,
				   sizeof(*ctx->sizes), GFP_KERNEL);
	ctx->done = kunit_kcalloc(test, nr_cpu_ids, sizeof(*ctx->done),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, threads);
	KUNIT_ASSERT_NOT_NULL(test, ctx->blocks);
	KUNIT_ASSERT_NOT_NULL(test, ctx->sizes);
	KUNIT_ASSERT_NOT_NULL(test, ctx->done);
	ctx->pool = pa_test_pool(test, "smp");
	ctx->nr_threads = num_online_cpus();

	before = pa_test_stats(NULL);

	cpus_read_lock();
	for_each_online_cpu(cpu) {
		struct task_struct *task;

		threads[n].ctx = ctx;
		threads[n].id = n;
		init_completion(&ctx->done[n]);
		task = kthread_create_on_cpu(smp_thread_fn, &threads[n], cpu,
					     "pa_smp/%u");
		KUNIT_ASSERT_FALSE(test, IS_ERR(task));
		wake_up_process(task);
		n++;
	}
	cpus_read_unlock();
	for (i = 0; i < n; i++)
		wait_for_completion(&ctx->done[i]);

	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->errors), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->alloc_failures), 0);
	st = pa_test_stats(ctx->pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
	KUNIT_EXPECT_GT(test, st.allocs, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
	st = pa_test_stats(NULL);
	KUNIT_EXPECT_EQ(test, st.live_blocks, before.live_blocks);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, before.invalid_frees);
}

/* ---- Interrupt context ------------------------------------------------- */

#define IRQ_FIRINGS	100
#define TASK_BLOCKS	24

struct irq_ctx {
	struct hrtimer hrtimer;
	struct timer_list timer;
	struct pa_pool *pool;
	atomic_t firings;
	atomic_t failures;
	atomic_t errors;
};

/* Allocate, fill, check and free one block; count what went wrong. */
static void alloc_check_free(struct irq_ctx *ctx, size_t size, gfp_t gfp,
			     u8 pattern)
{
	u8 *p = pa_pool_alloc(ctx->pool, size, gfp);

	if (!p) {
		atomic_inc(&ctx->failures);
		return;
	}
	memset(p, pattern, size);
	if (memchr_inv(p, pattern, size))
		atomic_inc(&ctx->errors);
	pa_free(p);
}

/* An interrupt-context caller: one GFP_ATOMIC block per firing. */
static bool interrupt_fire(struct irq_ctx *ctx)
{
	alloc_check_free(ctx, 1 + atomic_read(&ctx->firings) % 700, GFP_ATOMIC,
			 0xee);
	return atomic_inc_return(&ctx->firings) < IRQ_FIRINGS;
}

static enum hrtimer_restart hardirq_fn(struct hrtimer *timer)
{
	struct irq_ctx *ctx = container_of(timer, struct irq_ctx, hrtimer);

	if (!interrupt_fire(ctx))
		return HRTIMER_NORESTART;
	hrtimer_forward_now(timer, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static void softirq_fn(struct timer_list *timer)
{
	struct irq_ctx *ctx = from_timer(ctx, timer, timer);

	if (interrupt_fire(ctx))
		mod_timer(&ctx->timer, jiffies + 1);
}

/*
 * Task context keeps TASK_BLOCKS blocks of the interrupt's classes in use,
 * so the interrupt lands on every state of this CPU's caches, until the
 * interrupt has fired IRQ_FIRINGS times.
 */
static void task_loop_until_fired(struct kunit *test, struct irq_ctx *ctx)
{
	unsigned long deadline = jiffies + 60 * HZ;
	u8 *blocks[TASK_BLOCKS];
	unsigned int i;

	while (atomic_read(&ctx->firings) < IRQ_FIRINGS &&
	       time_before(jiffies, deadline)) {
		for (i = 0; i < TASK_BLOCKS; i++) {
			size_t size = 1 + (i * 29 + jiffies) % 700;

			blocks[i] = pa_pool_alloc(ctx->pool, size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
			memset(blocks[i], i, size);
			if (memchr_inv(blocks[i], i, size))
				atomic_inc(&ctx->errors);
		}
		for (i = 0; i < TASK_BLOCKS; i++)
			pa_free(blocks[i]);
		cond_resched();
	}
}

static void expect_interleaving_clean(struct kunit *test, struct irq_ctx *ctx)
{
	struct pa_stats st = pa_test_stats(ctx->pool);

	KUNIT_EXPECT_GE(test, atomic_read(&ctx->firings), IRQ_FIRINGS);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->failures), 0);
	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->errors), 0);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
}

/*
 * An hrtimer allocates with GFP_ATOMIC in hard interrupt context while task
 * context allocates the same classes from the same pool on the same CPU:
 * lockdep must see no irq-unsafe lock, and every block must come back intact.
 */
static void test_hardirq_alloc_interleaves_with_task(struct kunit *test)
{
	struct irq_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->pool = pa_test_pool(test, "hardirq");
	hrtimer_init(&ctx->hrtimer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	ctx->hrtimer.function = hardirq_fn;
	hrtimer_start(&ctx->hrtimer, ns_to_ktime(50 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_HARD);
	task_loop_until_fired(test, ctx);
	hrtimer_cancel(&ctx->hrtimer);
	expect_interleaving_clean(test, ctx);
}

/* The same with a timer, in softirq context. */
static void test_softirq_alloc_interleaves_with_task(struct kunit *test)
{
	struct irq_ctx *ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, ctx);
	ctx->pool = pa_test_pool(test, "softirq");
	timer_setup(&ctx->timer, softirq_fn, 0);
	mod_timer(&ctx->timer, jiffies + 1);
	task_loop_until_fired(test, ctx);
	timer_delete_sync(&ctx->timer);
	expect_interleaving_clean(test, ctx);
}

static struct kunit_case pa_smp_cases[] = {
	KUNIT_CASE_SLOW(test_concurrent_alloc_free_across_cpus),
	KUNIT_CASE(test_hardirq_alloc_interleaves_with_task),
	KUNIT_CASE(test_softirq_alloc_interleaves_with_task),
	{}
};

static struct kunit_suite pa_smp_suite = {
	.name = "pool_alloc_smp",
	.test_cases = pa_smp_cases,
};

kunit_test_suite(pa_smp_suite);
