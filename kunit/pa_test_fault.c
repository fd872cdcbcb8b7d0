// SPDX-License-Identifier: GPL-2.0
/*
 * Every allocation failure survived: each kind of call is made again and
 * again with its 1st, 2nd, ... Kth request to the kernel's allocators failed
 * through pool_alloc's fault attribute, until a call makes fewer than K
 * requests.  Each failed call must return NULL (or ERR_PTR(-ENOMEM)), count
 * the failure, leave its pool as it found it (pages held, runs, live blocks)
 * and let the next call succeed.
 */
#include <linux/fault-inject.h>
#include <linux/err.h>
#include "pa_test.h"

#ifdef CONFIG_FAULT_INJECTION

/* Far more requests than any one call makes (a pool: one per class, +2). */
#define SWEEP_MAX	(PA_MAX_CLASSES + 16)

/* One kind of call, made on a fresh pool each time. */
struct sweep {
	const char *name;
	unsigned int flags;		/* of the pool the call uses */
	/* Set the pool up before the call; return 0 or an error. */
	int (*setup)(struct sweep *s);
	/* The call: a block, a pool, NULL or an ERR_PTR. */
	void *(*call)(struct sweep *s);
	/* Undo a call that succeeded. */
	void (*undo)(struct sweep *s, void *result);
	struct pa_pool *pool;
	void *keep;			/* a block setup keeps live */
};

static struct fault_attr saved_attr;

static int fault_suite_init(struct kunit_suite *suite)
{
	saved_attr = pa_fault_attr;
	return 0;
}

static void fault_suite_exit(struct kunit_suite *suite)
{
	WRITE_ONCE(pa_fault_attr.probability, 0);
	pa_fault_attr.verbose = saved_attr.verbose;
	pa_fault_attr.task_filter = saved_attr.task_filter;
	pa_fault_attr.count = saved_attr.count;
	pa_fault_attr.interval = saved_attr.interval;
	atomic_set(&pa_fault_attr.times, atomic_read(&saved_attr.times));
	atomic_set(&pa_fault_attr.space, atomic_read(&saved_attr.space));
	WRITE_ONCE(pa_fault_attr.probability, saved_attr.probability);
}

/* ---- The kinds of call ------------------------------------------------- */

#define SMALL		64
#define OTHER_CLASS	1024
#define LARGE		(64 * 1024)

/* No pool of its own: the call makes one. */
static int setup_nothing(struct sweep *s)
{
	s->pool = NULL;
	return 0;
}

static int setup_pool(struct sweep *s)
{
	s->pool = pa_pool_create(s->name, s->flags);
	return PTR_ERR_OR_ZERO(s->pool);
}

/* A pool that already has an arena, with one block of it live. */
static int setup_pool_with_block(struct sweep *s)
{
	int err = setup_pool(s);

	if (err)
		return err;
	s->keep = pa_pool_alloc(s->pool, SMALL, GFP_KERNEL);
	if (!s->keep)
		return -ENOMEM;
	memset(s->keep, 0x3c, SMALL);
	return 0;
}

static void undo_free(struct sweep *s, void *result)
{
	pa_free(result);
}

/* The pool's first block: an arena, a map level or two, a run state. */
static void *call_first_block(struct sweep *s)
{
	return pa_pool_alloc(s->pool, SMALL, GFP_KERNEL);
}

/* A block of another class from the arena there is: a run state. */
static void *call_new_run(struct sweep *s)
{
	return pa_pool_alloc(s->pool, OTHER_CLASS, GFP_KERNEL);
}

static void *call_large(struct sweep *s)
{
	return pa_pool_alloc(s->pool, LARGE, GFP_KERNEL);
}

static void *call_large_atomic(struct sweep *s)
{
	return pa_pool_alloc(s->pool, LARGE, GFP_ATOMIC);
}

/* Growth into a new run: the old block must stay as it was on failure. */
static void *call_realloc(struct sweep *s)
{
	void *q = pa_realloc(s->keep, OTHER_CLASS, GFP_KERNEL);

	if (q)
		s->keep = q;
	return q;
}

static void undo_nothing(struct sweep *s, void *result)
{
}

#define NEW_POOL	"fault-new"

static void *call_create(struct sweep *s)
{
	return pa_pool_create(NEW_POOL, s->flags);
}

static void undo_create(struct sweep *s, void *result)
{
	pa_pool_destroy(result);
}

static void sweep_teardown(struct sweep *s)
{
	if (IS_ERR_OR_NULL(s->pool))
		return;
	pa_free(s->keep);
	pa_pool_destroy(s->pool);
}

/* ---- The sweep ---------------------------------------------------------- */

/*
 * Fail the 1st, 2nd, ... request of @s's call, each on a fresh pool, until
 * the call makes fewer requests than the one armed.  Return: how many
 * requests the call makes.
 */
static unsigned int sweep(struct kunit *test, struct sweep *s)
{
	struct pa_stats before = { }, after = { };
	unsigned int nth;
	char path[96], buf[512];
	void *result;

	for (nth = 1; nth <= SWEEP_MAX; nth++) {
		s->keep = NULL;
		KUNIT_ASSERT_EQ_MSG(test, s->setup(s), 0, "%s: setup", s->name);
		if (!IS_ERR_OR_NULL(s->pool))
			before = pa_test_stats(s->pool);

		pa_test_fault_arm(nth);
		result = s->call(s);
		if (!pa_test_fault_disarm()) {
			/* Fewer requests than @nth: nothing failed. */
			KUNIT_EXPECT_FALSE_MSG(test, IS_ERR_OR_NULL(result),
					       "%s: no fault, no result", s->name);
			if (!IS_ERR_OR_NULL(result))
				s->undo(s, result);
			sweep_teardown(s);
			kunit_info(test, "%s: %u requests, each failure survived",
				   s->name, nth - 1);
			return nth - 1;
		}

		KUNIT_EXPECT_TRUE_MSG(test, IS_ERR_OR_NULL(result),
				      "%s: request %u failed, call succeeded",
				      s->name, nth);
		if (IS_ERR(result))
			KUNIT_EXPECT_EQ(test, PTR_ERR(result), -ENOMEM);
		if (!IS_ERR_OR_NULL(s->pool)) {
			after = pa_test_stats(s->pool);
			KUNIT_EXPECT_EQ_MSG(test, after.failures,
					    before.failures + 1,
					    "%s: request %u", s->name, nth);
			KUNIT_EXPECT_EQ_MSG(test, after.pages_held,
					    before.pages_held,
					    "%s: request %u", s->name, nth);
			KUNIT_EXPECT_EQ(test, after.runs_in_use,
					before.runs_in_use);
			KUNIT_EXPECT_EQ(test, after.live_blocks,
					before.live_blocks);
			KUNIT_EXPECT_EQ(test, after.large_live,
					before.large_live);
		}
		/* A block the call was to move is live and untouched. */
		if (s->keep) {
			KUNIT_EXPECT_TRUE(test, pa_owns(s->keep));
			KUNIT_EXPECT_EQ(test, pa_usable_size(s->keep),
					(size_t)SMALL);
			KUNIT_EXPECT_EQ(test, *(u8 *)s->keep, 0x3c);
		}
		/* A pool that failed to be made left no directory behind. */
		if (s->call == call_create) {
			snprintf(path, sizeof(path), "%s/pools/%s/stats",
				 PA_TEST_DEBUGFS, NEW_POOL);
			KUNIT_EXPECT_LT(test, pa_test_read_file(path, buf, sizeof(buf)),
					0);
		}

		/* The same call, unarmed, succeeds. */
		result = s->call(s);
		KUNIT_EXPECT_FALSE_MSG(test, IS_ERR_OR_NULL(result),
				       "%s: call after request %u failed",
				       s->name, nth);
		if (!IS_ERR_OR_NULL(result))
			s->undo(s, result);
		sweep_teardown(s);
	}
	KUNIT_FAIL(test, "%s: still failing after %u requests", s->name,
		   SWEEP_MAX);
	return nth;
}

/*
 * Each kind of call, and how many requests it makes: exactly @requests
 * (plus one per class when @per_class), or at least that many when
 * @at_least (run map levels are made only when an arena needs them).
 */
struct sweep_case {
	struct sweep s;
	unsigned int requests;
	bool per_class, at_least;
};

static const struct sweep_case sweep_cases[] = {
	/* Run state, arena pages, descriptor; map levels maybe. */
	{ { .name = "fault-arena", .setup = setup_pool,
	    .call = call_first_block, .undo = undo_free }, 3, false, true },
	/* A run state from the arena there is. */
	{ { .name = "fault-run", .setup = setup_pool_with_block,
	    .call = call_new_run, .undo = undo_free }, 1 },
	{ { .name = "fault-large", .setup = setup_pool,
	    .call = call_large, .undo = undo_free }, 1, false, true },
	{ { .name = "fault-large-atomic", .setup = setup_pool,
	    .call = call_large_atomic, .undo = undo_free }, 1, false, true },
	{ { .name = "fault-realloc", .setup = setup_pool_with_block,
	    .call = call_realloc, .undo = undo_nothing }, 1 },
	/* The pool, then each class's per-CPU caches. */
	{ { .name = "fault-create", .setup = setup_nothing,
	    .call = call_create, .undo = undo_create }, 1, true },
	/* The same, and the quarantine. */
	{ { .name = "fault-debug-create", .flags = PA_POOL_DEBUG,
	    .setup = setup_nothing, .call = call_create,
	    .undo = undo_create }, 2, true },
	{ { .name = "fault-debug-alloc", .flags = PA_POOL_DEBUG,
	    .setup = setup_pool, .call = call_first_block,
	    .undo = undo_free }, 3, false, true },
};

static void sweep_case_desc(const struct sweep_case *c, char *desc)
{
	strscpy(desc, c->s.name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(sweep_case, sweep_cases, sweep_case_desc);

static void test_enomem_sweep(struct kunit *test)
{
	const struct sweep_case *c = test->param_value;
	unsigned int expect = c->requests + (c->per_class ? pa_nr_classes : 0);
	struct sweep s = c->s;
	unsigned int made;

	/* These count what the pool backend asks of the page allocator. */
	if (!strcmp(c->s.name, "fault-arena") ||
	    !strcmp(c->s.name, "fault-debug-alloc"))
		pa_test_need_pool_backend(test, "arenas and runs");
	made = sweep(test, &s);

	if (c->at_least)
		KUNIT_EXPECT_GE(test, made, expect);
	else
		KUNIT_EXPECT_EQ(test, made, expect);
}

static struct kunit_case pa_fault_cases[] = {
	KUNIT_CASE_PARAM_ATTR(test_enomem_sweep, sweep_case_gen_params,
			      { .speed = KUNIT_SPEED_SLOW }),
	{}
};

static struct kunit_suite pa_fault_suite = {
	.name = "pool_alloc_fault",
	.suite_init = fault_suite_init,
	.suite_exit = fault_suite_exit,
	.test_cases = pa_fault_cases,
};

kunit_test_suite(pa_fault_suite);

#endif /* CONFIG_FAULT_INJECTION */
