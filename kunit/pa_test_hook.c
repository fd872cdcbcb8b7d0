// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_hook: allocator hooks (pa_set_allocator()).  A hook sees every
 * call of the hooked entry points with its caller, and nothing they answer
 * themselves; the built-in allocator can be wrapped and given back; a change
 * waits for the calls into the hook it replaced, and calls racing changes on
 * every CPU stay correct.
 */
#include <linux/completion.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/notifier.h>
#include <linux/cpumask.h>
#include <linux/random.h>
#include "pa_test.h"

/* A hook that counts the calls it gets, then calls the allocator below. */
struct counting_hook {
	struct pa_allocator below;
	atomic_t allocs, reallocs, frees;
	unsigned long last_caller;
	size_t last_size;
	gfp_t last_gfp;
	bool fail;			/* refuse every allocation (a quota) */
};

static void *counting_alloc(void *ctx, size_t size, gfp_t gfp,
			    unsigned long caller)
{
	struct counting_hook *h = ctx;

	atomic_inc(&h->allocs);
	WRITE_ONCE(h->last_caller, caller);
	WRITE_ONCE(h->last_size, size);
	WRITE_ONCE(h->last_gfp, gfp);
	if (h->fail)
		return NULL;
	return h->below.alloc(h->below.ctx, size, gfp, caller);
}

static void *counting_realloc(void *ctx, const void *p, size_t size,
			      gfp_t gfp, unsigned long caller)
{
	struct counting_hook *h = ctx;

	atomic_inc(&h->reallocs);
	WRITE_ONCE(h->last_caller, caller);
	WRITE_ONCE(h->last_size, size);
	return h->below.realloc(h->below.ctx, p, size, gfp, caller);
}

static void counting_free(void *ctx, const void *p, unsigned long caller)
{
	struct counting_hook *h = ctx;

	atomic_inc(&h->frees);
	WRITE_ONCE(h->last_caller, caller);
	h->below.free(h->below.ctx, p, caller);
}

static void counting_init(struct counting_hook *h, struct pa_allocator *a)
{
	memset(h, 0, sizeof(*h));
	pa_get_allocator(&h->below);
	*a = (struct pa_allocator){
		.ctx = h,
		.alloc = counting_alloc,
		.realloc = counting_realloc,
		.free = counting_free,
	};
}

/* Calls into the hook since the last look, as "allocs/reallocs/frees". */
static unsigned int counting_calls(struct counting_hook *h)
{
	return atomic_read(&h->allocs) + atomic_read(&h->reallocs) +
	       atomic_read(&h->frees);
}

static void restore_builtin(void *data)
{
	pa_set_allocator(NULL);
}

/* Install @a for this test; the built-in allocator is back when it ends. */
static void install(struct kunit *test, const struct pa_allocator *a)
{
	KUNIT_ASSERT_EQ(test, pa_set_allocator(a), 0);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_builtin,
							NULL), 0);
}

/*
 * Before anything is installed the built-in allocator is what
 * pa_get_allocator() gives, and its callbacks allocate from the default
 * pool.
 */
static void test_builtin_is_installed_first(struct kunit *test)
{
	struct pa_stats before = pa_test_stats(NULL);
	struct pa_allocator a;
	void *p, *q;

	pa_get_allocator(&a);
	KUNIT_ASSERT_NOT_NULL(test, a.alloc);
	KUNIT_ASSERT_NOT_NULL(test, a.realloc);
	KUNIT_ASSERT_NOT_NULL(test, a.free);
	p = a.alloc(a.ctx, 40, GFP_KERNEL, _THIS_IP_);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).live_blocks,
			before.live_blocks + 1);
	memset(p, 0x11, 40);
	q = a.realloc(a.ctx, p, 400, GFP_KERNEL, _THIS_IP_);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(q, 0x11, 40));
	a.free(a.ctx, q, _THIS_IP_);
	KUNIT_EXPECT_FALSE(test, pa_owns(q));
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).live_blocks,
			before.live_blocks);
	/* Given back as it came, it is no hook: still the built-in one. */
	KUNIT_EXPECT_EQ(test, pa_set_allocator(&a), 0);
	pa_get_allocator(&a);
	p = pa_alloc(8, GFP_KERNEL);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	pa_free(p);
}

static void test_missing_callback_is_refused(struct kunit *test)
{
	struct pa_allocator a, bad, now;
	struct counting_hook h;

	counting_init(&h, &a);
	bad = a;
	bad.alloc = NULL;
	KUNIT_EXPECT_EQ(test, pa_set_allocator(&bad), -EINVAL);
	bad = a;
	bad.realloc = NULL;
	KUNIT_EXPECT_EQ(test, pa_set_allocator(&bad), -EINVAL);
	bad = a;
	bad.free = NULL;
	KUNIT_EXPECT_EQ(test, pa_set_allocator(&bad), -EINVAL);
	/* Nothing was installed. */
	pa_get_allocator(&now);
	KUNIT_EXPECT_PTR_EQ(test, now.alloc, h.below.alloc);
	pa_free(pa_alloc(16, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, counting_calls(&h), 0U);
}

/*
 * Every hooked call reaches the hook with its caller and its flags; what the
 * entry points answer themselves, and the calls that are not hooked, never
 * do.
 */
static void test_hook_sees_every_call(struct kunit *test)
{
	struct pa_stats before = pa_test_stats(NULL);
	struct counting_hook h;
	struct pa_allocator a, now;
	u8 *p, *q;

	counting_init(&h, &a);
	install(test, &a);
	pa_get_allocator(&now);
	KUNIT_EXPECT_PTR_EQ(test, now.ctx, (void *)&h);

	p = pa_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.allocs), 1);
	KUNIT_EXPECT_EQ(test, h.last_size, (size_t)100);
	KUNIT_EXPECT_TRUE(test, pa_test_caller_is(h.last_caller, __func__));
	pa_free(p);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.frees), 1);
	KUNIT_EXPECT_TRUE(test, pa_test_caller_is(h.last_caller, __func__));

	p = pa_zalloc(50, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, h.last_gfp & __GFP_ZERO);
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p, 0, 50));
	pa_free(p);
	p = pa_calloc(3, 20, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, h.last_size, (size_t)60);
	KUNIT_EXPECT_TRUE(test, h.last_gfp & __GFP_ZERO);
	pa_free(p);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.allocs), 3);

	/* pa_realloc(): NULL allocates, 0 frees, anything else reallocates. */
	p = pa_realloc(NULL, 10, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.allocs), 4);
	memset(p, 0x22, 10);
	q = pa_realloc(p, 3000, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.reallocs), 1);
	KUNIT_EXPECT_EQ(test, h.last_size, (size_t)3000);
	KUNIT_EXPECT_TRUE(test, pa_test_caller_is(h.last_caller, __func__));
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(q, 0x22, 10));
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(q, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, atomic_read(&h.frees), 4);
	KUNIT_EXPECT_EQ(test, counting_calls(&h), 9U);

	/* Answered by the entry points: no call. */
	KUNIT_EXPECT_PTR_EQ(test, pa_alloc(0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, pa_zalloc(0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_NULL(test, pa_calloc(SIZE_MAX, 2, GFP_KERNEL));
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(NULL, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(ZERO_SIZE_PTR, 0, GFP_KERNEL),
			    (void *)ZERO_SIZE_PTR);
	pa_free(NULL);
	pa_free(ZERO_SIZE_PTR);
	/* Not hooked at all. */
	p = pa_pool_alloc(NULL, 30, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_GE(test, pa_usable_size(p), (size_t)30);
	pa_pool_free(NULL, p);
	p = pa_pool_zalloc(NULL, 30, GFP_KERNEL);
	pa_pool_free(NULL, p);
	KUNIT_EXPECT_EQ(test, counting_calls(&h), 9U);

	/* The built-in allocator back: the hook is called no more. */
	KUNIT_EXPECT_EQ(test, pa_set_allocator(&h.below), 0);
	pa_free(pa_alloc(100, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, counting_calls(&h), 9U);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).live_blocks,
			before.live_blocks);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).invalid_frees,
			before.invalid_frees);
	/* The overflowing pa_calloc() counted its failure. */
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).failures,
			before.failures + 1);
}

/* A hook decides: one that refuses every request makes pa_alloc() fail. */
static void test_hook_can_refuse(struct kunit *test)
{
	struct pa_stats before = pa_test_stats(NULL);
	struct counting_hook h;
	struct pa_allocator a;

	counting_init(&h, &a);
	h.fail = true;
	install(test, &a);
	KUNIT_EXPECT_NULL(test, pa_alloc(64, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, pa_calloc(2, 64, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, pa_realloc(NULL, 64, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, atomic_read(&h.allocs), 3);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).allocs, before.allocs);
	/* Pools are not hooked. */
	pa_pool_free(NULL, pa_pool_alloc(NULL, 64, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).allocs, before.allocs + 1);
}

/* A hook that sleeps in pa_alloc() until the test lets it go. */
struct sleepy_hook {
	struct pa_allocator below;
	struct completion entered, go, set_done;
	atomic_t inside;
	int inside_when_set_returned;
	void *block;
};

static void *sleepy_alloc(void *ctx, size_t size, gfp_t gfp,
			  unsigned long caller)
{
	struct sleepy_hook *s = ctx;
	void *p;

	atomic_inc(&s->inside);
	complete(&s->entered);
	wait_for_completion(&s->go);
	p = s->below.alloc(s->below.ctx, size, gfp, caller);
	/* The last thing the hook does: a set that returned must see it. */
	atomic_dec(&s->inside);
	return p;
}

static void *sleepy_realloc(void *ctx, const void *p, size_t size, gfp_t gfp,
			    unsigned long caller)
{
	struct sleepy_hook *s = ctx;

	return s->below.realloc(s->below.ctx, p, size, gfp, caller);
}

static void sleepy_free(void *ctx, const void *p, unsigned long caller)
{
	struct sleepy_hook *s = ctx;

	s->below.free(s->below.ctx, p, caller);
}

static int sleepy_caller(void *data)
{
	struct sleepy_hook *s = data;

	s->block = pa_alloc(128, GFP_KERNEL);
	return 0;
}

static int sleepy_setter(void *data)
{
	struct sleepy_hook *s = data;

	pa_set_allocator(NULL);
	s->inside_when_set_returned = atomic_read(&s->inside);
	complete(&s->set_done);
	return 0;
}

/*
 * pa_set_allocator() returns only once no CPU runs the hook it replaced:
 * while a call sleeps inside the old hook, the change waits for it.
 */
static void test_set_waits_for_calls_in_old_hook(struct kunit *test)
{
	struct task_struct *caller, *setter;
	struct sleepy_hook *s;
	unsigned int i;
	struct pa_allocator a = {
		.alloc = sleepy_alloc,
		.realloc = sleepy_realloc,
		.free = sleepy_free,
	};

	s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	pa_get_allocator(&s->below);
	init_completion(&s->entered);
	init_completion(&s->go);
	init_completion(&s->set_done);
	a.ctx = s;
	install(test, &a);

	caller = kthread_run(sleepy_caller, s, "pa_hook_caller");
	KUNIT_ASSERT_FALSE(test, IS_ERR(caller));
	wait_for_completion(&s->entered);
	setter = kthread_run(sleepy_setter, s, "pa_hook_setter");
	if (IS_ERR(setter)) {
		complete(&s->go);
		KUNIT_FAIL(test, "no setter thread");
		return;
	}
	/* The setter must still be waiting for the sleeping call. */
	KUNIT_EXPECT_EQ(test, wait_for_completion_timeout(&s->set_done,
							  HZ / 5), 0UL);
	complete(&s->go);
	wait_for_completion(&s->set_done);
	KUNIT_EXPECT_EQ(test, s->inside_when_set_returned, 0);
	/* kthread_run()'s threads are gone once their function returned. */
	for (i = 0; i < 5000 && !READ_ONCE(s->block); i++)
		usleep_range(1000, 2000);
	KUNIT_EXPECT_TRUE(test, pa_owns(s->block));
	pa_free(s->block);
}

/*
 * Hooks installed and removed in a loop while every CPU allocates,
 * reallocates and frees through the hooked entry points: every block
 * reaches a free that can free it (no invalid free, the pool balances),
 * and the contents survive.
 */
#define RACE_SLOTS	64
#define RACE_CHANGES	200

struct race_ctx {
	struct pa_pool *pool;
	atomic_t stop;
	atomic_t errors;
	atomic_t ops;
	struct completion *done;	/* one per thread */
};

struct race_thread {
	struct race_ctx *ctx;
	unsigned int id;
};

static int race_thread_fn(void *data)
{
	struct race_thread *t = data;
	struct race_ctx *ctx = t->ctx;
	u8 *slot[RACE_SLOTS] = { };
	size_t len[RACE_SLOTS] = { };
	unsigned int i, n = 0;

	while (!atomic_read(&ctx->stop)) {
		i = n++ % RACE_SLOTS;
		if (slot[i] && !pa_test_bytes_are(slot[i], (u8)i, len[i]))
			atomic_inc(&ctx->errors);
		switch (n % 3) {
		case 0: {
			size_t size = 1 + get_random_u32_below(n % 17 ? 600 :
							       6000);
			u8 *q = pa_realloc(slot[i], size, GFP_KERNEL);

			if (q) {
				slot[i] = q;
				len[i] = size;
				memset(q, (u8)i, size);
			}
			break;
		}
		case 1:
			pa_free(slot[i]);
			slot[i] = NULL;
			break;
		default:
			if (slot[i])
				break;
			len[i] = 1 + get_random_u32_below(300);
			slot[i] = pa_alloc(len[i], GFP_KERNEL);
			if (slot[i])
				memset(slot[i], (u8)i, len[i]);
			break;
		}
		atomic_inc(&ctx->ops);
		cond_resched();
	}
	for (i = 0; i < RACE_SLOTS; i++) {
		if (slot[i] && !pa_test_bytes_are(slot[i], (u8)i, len[i]))
			atomic_inc(&ctx->errors);
		pa_free(slot[i]);
	}
	complete(&ctx->done[t->id]);
	return 0;
}

static void test_hooks_change_under_calls(struct kunit *test)
{
	struct pa_stats before = pa_test_stats(NULL);
	struct race_thread *threads;
	struct counting_hook h;
	struct race_ctx *ctx;
	struct pa_allocator a;
	unsigned int cpu, n = 0, i;

	pa_test_need_cpus(test, 2);
	ctx = kunit_kzalloc(test, sizeof(*ctx), GFP_KERNEL);
	threads = kunit_kcalloc(test, nr_cpu_ids, sizeof(*threads),
				GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx);
	KUNIT_ASSERT_NOT_NULL(test, threads);
	ctx->done = kunit_kcalloc(test, nr_cpu_ids, sizeof(*ctx->done),
				  GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, ctx->done);
	counting_init(&h, &a);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, restore_builtin,
							NULL), 0);

	for_each_online_cpu(cpu) {
		struct task_struct *k;

		threads[n] = (struct race_thread){ .ctx = ctx, .id = n };
		init_completion(&ctx->done[n]);
		k = kthread_create(race_thread_fn, &threads[n], "pa_hook_race/%u",
				   cpu);
		KUNIT_ASSERT_FALSE(test, IS_ERR(k));
		kthread_bind(k, cpu);
		wake_up_process(k);
		n++;
	}
	for (i = 0; i < RACE_CHANGES; i++) {
		KUNIT_ASSERT_EQ(test, pa_set_allocator(i % 2 ? NULL : &a), 0);
		usleep_range(200, 400);
	}
	atomic_set(&ctx->stop, 1);
	for (i = 0; i < n; i++)
		wait_for_completion(&ctx->done[i]);

	KUNIT_EXPECT_EQ(test, atomic_read(&ctx->errors), 0);
	KUNIT_EXPECT_GT(test, atomic_read(&ctx->ops), RACE_CHANGES);
	/* Both allocators served some of the calls. */
	KUNIT_EXPECT_GT(test, counting_calls(&h), 0U);
	KUNIT_EXPECT_LT(test, counting_calls(&h),
			(unsigned int)atomic_read(&ctx->ops));
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).invalid_frees,
			before.invalid_frees);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).live_blocks,
			before.live_blocks);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).large_live,
			before.large_live);
}

/*
 * A module that goes with its hook still installed: the hook is taken out
 * (this module plays the one going), and the entry points work on.
 */
static void test_hook_of_going_module_is_removed(struct kunit *test)
{
	struct counting_hook h;
	struct pa_allocator a, now;
	struct module *other;

	/* A module whose memory holds nothing of the hook. */
	other = kunit_kzalloc(test, sizeof(*other), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, other);
	KUNIT_ASSERT_NOT_NULL(test, THIS_MODULE);
	counting_init(&h, &a);
	install(test, &a);
	/* Another module going leaves it alone. */
	pa_hook_module_nb.notifier_call(&pa_hook_module_nb, MODULE_STATE_GOING,
					other);
	pa_free(pa_alloc(16, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, counting_calls(&h), 2U);

	kunit_info(test, "a report that the hook was removed is expected\n");
	pa_hook_module_nb.notifier_call(&pa_hook_module_nb, MODULE_STATE_GOING,
					THIS_MODULE);
	pa_get_allocator(&now);
	KUNIT_EXPECT_PTR_EQ(test, now.alloc, h.below.alloc);
	pa_free(pa_alloc(16, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, counting_calls(&h), 2U);
}

static struct kunit_case pa_hook_cases[] = {
	KUNIT_CASE(test_builtin_is_installed_first),
	KUNIT_CASE(test_missing_callback_is_refused),
	KUNIT_CASE(test_hook_sees_every_call),
	KUNIT_CASE(test_hook_can_refuse),
	KUNIT_CASE(test_set_waits_for_calls_in_old_hook),
	KUNIT_CASE_SLOW(test_hooks_change_under_calls),
	KUNIT_CASE(test_hook_of_going_module_is_removed),
	{}
};

static struct kunit_suite pa_hook_suite = {
	.name = "pool_alloc_hook",
	.test_cases = pa_hook_cases,
};

kunit_test_suite(pa_hook_suite);
