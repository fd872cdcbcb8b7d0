// SPDX-License-Identifier: GPL-2.0
/*
 * pa_free_rcu(): a block freed after an RCU grace period stays whole for the
 * readers that may hold it, then is freed and reused; small and large
 * blocks, from task and softirq context; pool destroy waits for it.
 */
#include <linux/rcupdate.h>
#include <linux/timer.h>
#include <linux/completion.h>
#include "pa_test.h"

struct rcu_obj {
	u64 value;
	struct rcu_head rcu;
	u8 payload[];
};

#define RCU_PATTERN	0x5a

static struct rcu_obj *obj_new(struct kunit *test, struct pa_pool *pool,
			       size_t size)
{
	struct rcu_obj *obj = pa_pool_alloc(pool, size, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, obj);
	memset(obj, RCU_PATTERN, size);
	return obj;
}

/*
 * A reader inside rcu_read_lock() reads the block whole after
 * pa_free_rcu() until it leaves (KASAN would report a read of a freed
 * block); after the grace period the block is freed, and this CPU's next
 * allocation of its class gets it back.
 */
static void free_rcu_reader_sees_block(struct kunit *test, size_t size)
{
	struct pa_pool *pool = pa_test_pool(test, "rcu-read");
	struct rcu_obj *obj, *again;

	pa_test_pin(test);
	obj = obj_new(test, pool, size);
	rcu_read_lock();
	pa_free_rcu(obj, rcu);
	/* A grace period cannot end while this reader is inside. */
	KUNIT_EXPECT_TRUE(test, pa_owns(obj));
	KUNIT_EXPECT_TRUE(test, !memchr_inv(obj->payload, RCU_PATTERN,
					    size - sizeof(*obj)));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 1ULL);
	rcu_read_unlock();

	pa_rcu_barrier();
	KUNIT_EXPECT_FALSE(test, pa_owns(obj));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).invalid_frees, 0ULL);
	/* The pool's cache hands it back; kmalloc's reuse is its own. */
	if (size <= pa_small_max && !pa_large_kmalloc) {
		again = pa_pool_alloc(pool, size, GFP_KERNEL);
		KUNIT_EXPECT_PTR_EQ(test, again, obj);
		pa_free(again);
	}
}

static void test_free_rcu_small(struct kunit *test)
{
	free_rcu_reader_sees_block(test, 96);
}

static void test_free_rcu_large(struct kunit *test)
{
	free_rcu_reader_sees_block(test, 3 * PAGE_SIZE);
}

struct softirq_free {
	struct timer_list timer;
	struct rcu_obj *objs[8];
	struct completion done;
};

static void softirq_free_fn(struct timer_list *t)
{
	struct softirq_free *sf = from_timer(sf, t, timer);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sf->objs); i++)
		pa_free_rcu(sf->objs[i], rcu);
	complete(&sf->done);
}

/* From a timer (softirq), a batch of small and large blocks. */
static void test_free_rcu_from_softirq(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "rcu-softirq");
	struct softirq_free *sf = kunit_kzalloc(test, sizeof(*sf), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, sf);
	for (i = 0; i < ARRAY_SIZE(sf->objs); i++)
		sf->objs[i] = obj_new(test, pool, i % 2 ? 2 * PAGE_SIZE : 64);
	init_completion(&sf->done);
	timer_setup_on_stack(&sf->timer, softirq_free_fn, 0);
	mod_timer(&sf->timer, jiffies + 1);
	wait_for_completion(&sf->done);
	del_timer_sync(&sf->timer);
	destroy_timer_on_stack(&sf->timer);

	pa_rcu_barrier();
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).frees,
			(u64)ARRAY_SIZE(sf->objs));
	KUNIT_EXPECT_FALSE(test, pa_rcu_pending());
}

/* The headless form frees before it returns. */
static void test_free_rcu_mightsleep(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "rcu-sleep");
	struct rcu_obj *obj = obj_new(test, pool, 40);

	pa_free_rcu_mightsleep(obj);
	KUNIT_EXPECT_FALSE(test, pa_owns(obj));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
	pa_free_rcu_mightsleep(NULL);
}

/*
 * A pointer that is no live block, or a head outside the block, is refused
 * at once and counted; the memory is left alone.
 */
static void test_free_rcu_refuses_bad_pointers(struct kunit *test)
{
	struct pa_stats before = pa_test_stats(NULL), after;
	struct rcu_obj *foreign = kunit_kzalloc(test, 64, GFP_KERNEL);
	struct pa_pool *pool = pa_test_pool(test, "rcu-bad");
	struct rcu_obj *obj = obj_new(test, pool, 32);
	struct rcu_head outside;

	KUNIT_ASSERT_NOT_NULL(test, foreign);
	pa_free_rcu(foreign, rcu);
	pa_free_rcu_head(obj, &outside);
	pa_free_rcu((struct rcu_obj *)NULL, rcu);
	after = pa_test_stats(NULL);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 2);
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(foreign, 0, 64));
	KUNIT_EXPECT_TRUE(test, pa_owns(obj));
	KUNIT_EXPECT_FALSE(test, pa_rcu_pending());
	pa_free(obj);
}

/* pa_pool_destroy() waits for the pool's pending frees. */
static void test_pool_destroy_waits_for_rcu_frees(struct kunit *test)
{
	struct pa_pool *pool = pa_pool_create("rcu-destroy", 0);
	unsigned int i;

	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	for (i = 0; i < 16; i++) {
		struct rcu_obj *obj = pa_pool_alloc(pool, 48, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, obj);
		pa_free_rcu(obj, rcu);
	}
	KUNIT_EXPECT_TRUE(test, pa_rcu_pending());
	pa_pool_destroy(pool);
	KUNIT_EXPECT_FALSE(test, pa_rcu_pending());
}

static struct kunit_case pa_rcu_cases[] = {
	KUNIT_CASE(test_free_rcu_small),
	KUNIT_CASE(test_free_rcu_large),
	KUNIT_CASE(test_free_rcu_from_softirq),
	KUNIT_CASE(test_free_rcu_mightsleep),
	KUNIT_CASE(test_free_rcu_refuses_bad_pointers),
	KUNIT_CASE(test_pool_destroy_waits_for_rcu_frees),
	{}
};

static struct kunit_suite pa_rcu_suite = {
	.name = "pool_alloc_rcu",
	.test_cases = pa_rcu_cases,
};

kunit_test_suite(pa_rcu_suite);
