// SPDX-License-Identifier: GPL-2.0
/*
 * The per-call-site profiler: the profile parameter switched through its
 * ops, the callers files read back and parsed (exact live bytes, live
 * blocks and allocations per call site, sorted; the blocks allocated while
 * it was off on a line of their own), frees after it went off, realloc in
 * place and moved, pool destroy, debug pools, refused frees, interrupts,
 * and the static key off again once the last trace is gone.
 */
#include <linux/hrtimer.h>
#include <linux/jump_label.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "pa_test.h"

#define CALLERS_LINES	32
#define CALLERS_BUF	8192
#define NOT_PROFILED	"(not profiled)"

struct callers_line {
	u64 bytes, blocks, allocs;
	char site[128];
};

struct callers {
	unsigned int n;			/* lines after the header */
	struct callers_line line[CALLERS_LINES];
};

/*
 * The call sites: not inlined, and no tail call (the result goes through
 * OPTIMIZER_HIDE_VAR()), so that each is the caller the profiler records.
 */
static noinline void *profile_site_a(struct pa_pool *pool, size_t size)
{
	void *p = pa_pool_alloc(pool, size, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline void *profile_site_b(struct pa_pool *pool, size_t size)
{
	void *p = pa_pool_zalloc(pool, size, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(p);
	return p;
}

static noinline void *profile_site_realloc(void *p, size_t size)
{
	void *q = pa_realloc(p, size, GFP_KERNEL);

	OPTIMIZER_HIDE_VAR(q);
	return q;
}

static int profile_set(const char *val)
{
	return pa_profile_ops.set(val, NULL);
}

static void profile_off_action(void *unused)
{
	profile_set("0");
}

/* Profiling on until the test ends; no trace may be left from before. */
static void profile_on(struct kunit *test)
{
	KUNIT_ASSERT_EQ(test, pa_profile_traces(), 0UL);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   profile_off_action,
							   NULL));
	KUNIT_ASSERT_EQ(test, profile_set("1"), 0);
}

/* Read and parse a callers file: a header, then one line per site. */
static void callers_read(struct kunit *test, const char *path,
			 struct callers *c)
{
	char *buf = kunit_kzalloc(test, CALLERS_BUF, GFP_KERNEL);
	char *line, *cur;
	int len, off, n;

	KUNIT_ASSERT_NOT_NULL(test, buf);
	len = pa_test_read_file(path, buf, CALLERS_BUF);
	KUNIT_ASSERT_GT_MSG(test, len, 0, "%s", path);
	cur = buf;
	line = strsep(&cur, "\n");
	KUNIT_ASSERT_NOT_NULL(test, line);
	/* The header names the columns, in order. */
	n = sscanf(line, "%15s %15s %15s %15s", c->line[0].site,
		   c->line[1].site, c->line[2].site, c->line[3].site);
	KUNIT_EXPECT_EQ(test, n, 4);
	KUNIT_EXPECT_STREQ(test, c->line[0].site, "bytes");
	KUNIT_EXPECT_STREQ(test, c->line[1].site, "blocks");
	KUNIT_EXPECT_STREQ(test, c->line[2].site, "allocs");
	KUNIT_EXPECT_STREQ(test, c->line[3].site, "site");
	c->n = 0;
	while ((line = strsep(&cur, "\n")) && *line) {
		struct callers_line *l = &c->line[c->n];

		KUNIT_ASSERT_LT(test, c->n, (unsigned int)CALLERS_LINES);
		n = sscanf(line, "%llu %llu %llu %n", &l->bytes, &l->blocks,
			   &l->allocs, &off);
		KUNIT_ASSERT_EQ_MSG(test, n, 3, "line: %s", line);
		strscpy(l->site, line + off, sizeof(l->site));
		c->n++;
	}
	/* The last line is the blocks without a site. */
	KUNIT_ASSERT_GT(test, c->n, 0U);
	KUNIT_EXPECT_STREQ(test, c->line[c->n - 1].site, NOT_PROFILED);
	/* The sites are sorted by live bytes, most first. */
	for (off = 1; off < (int)c->n - 1; off++)
		KUNIT_EXPECT_GE(test, c->line[off - 1].bytes,
				c->line[off].bytes);
}

static void pool_callers(struct kunit *test, struct pa_pool *pool,
			 struct callers *c)
{
	char path[96];

	snprintf(path, sizeof(path), PA_TEST_DEBUGFS "/pools/%s/callers",
		 pool->name);
	callers_read(test, path, c);
}

/* The line of the site in function @fn, or NULL. */
static const struct callers_line *callers_find(const struct callers *c,
					       const char *fn)
{
	size_t len = strlen(fn);
	unsigned int i;

	for (i = 0; i + 1 < c->n; i++)
		if (!strncmp(c->line[i].site, fn, len) &&
		    c->line[i].site[len] == '+')
			return &c->line[i];
	return NULL;
}

static const struct callers_line *not_profiled(const struct callers *c)
{
	return &c->line[c->n - 1];
}

/* @l says @bytes live bytes, @blocks live blocks and @allocs allocations. */
static void expect_line(struct kunit *test, const struct callers_line *l,
			u64 bytes, u64 blocks, u64 allocs)
{
	KUNIT_ASSERT_NOT_NULL(test, l);
	KUNIT_EXPECT_EQ_MSG(test, l->bytes, bytes, "bytes of %s", l->site);
	KUNIT_EXPECT_EQ_MSG(test, l->blocks, blocks, "blocks of %s", l->site);
	KUNIT_EXPECT_EQ_MSG(test, l->allocs, allocs, "allocs of %s", l->site);
}

static struct callers *callers_new(struct kunit *test)
{
	struct callers *c = kunit_kzalloc(test, sizeof(*c), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, c);
	return c;
}

/* The parameter takes booleans only, and turns the key on and off. */
static void test_profile_param_validates_and_switches(struct kunit *test)
{
	char buf[8] = "";

	KUNIT_ASSERT_EQ(test, pa_profile_traces(), 0UL);
	KUNIT_EXPECT_EQ(test, profile_set("2"), -EINVAL);
	KUNIT_EXPECT_EQ(test, profile_set("x"), -EINVAL);
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&pa_profile_key));

	profile_on(test);
	KUNIT_EXPECT_TRUE(test, static_key_enabled(&pa_profile_key));
	KUNIT_EXPECT_GT(test, pa_profile_ops.get(buf, NULL), 0);
	KUNIT_EXPECT_STREQ(test, buf, "Y\n");

	KUNIT_EXPECT_EQ(test, profile_set("0"), 0);
	pa_profile_settle();
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&pa_profile_key));
	KUNIT_EXPECT_GT(test, pa_profile_ops.get(buf, NULL), 0);
	KUNIT_EXPECT_STREQ(test, buf, "N\n");
}

/*
 * Two call sites, one of them with large blocks: one line each, exact and
 * sorted, the site symbolised as %pS prints it.
 */
static void test_profile_two_sites_exact_and_sorted(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "prof-sites");
	struct callers *c = callers_new(test);
	void *a[3], *b[2];
	unsigned int i;

	profile_on(test);
	for (i = 0; i < ARRAY_SIZE(a); i++) {
		a[i] = profile_site_a(pool, 100);
		KUNIT_ASSERT_NOT_NULL(test, a[i]);
	}
	for (i = 0; i < ARRAY_SIZE(b); i++) {
		b[i] = profile_site_b(pool, 3 * PAGE_SIZE);
		KUNIT_ASSERT_NOT_NULL(test, b[i]);
	}
	pa_free(b[1]);

	pool_callers(test, pool, c);
	KUNIT_EXPECT_EQ(test, c->n, 3U);
	expect_line(test, callers_find(c, "profile_site_b"),
		    3 * PAGE_SIZE, 1, 2);
	expect_line(test, callers_find(c, "profile_site_a"), 300, 3, 3);
	expect_line(test, not_profiled(c), 0, 0, 0);
	KUNIT_EXPECT_PTR_EQ(test, callers_find(c, "profile_site_b"),
			    (const struct callers_line *)&c->line[0]);
	/* As %pS prints it: function+offset/size [module]. */
	KUNIT_EXPECT_NOT_NULL(test, strstr(c->line[0].site, "/0x"));
	KUNIT_EXPECT_NOT_NULL(test, strstr(c->line[0].site,
					   " [pool_alloc_kunit]"));

	for (i = 0; i < ARRAY_SIZE(a); i++)
		pa_pool_free(pool, a[i]);
	pa_free(b[0]);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 0, 0, 3);
	expect_line(test, callers_find(c, "profile_site_b"), 0, 0, 2);
	expect_line(test, not_profiled(c), 0, 0, 0);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
}

/* Blocks allocated while profiling was off are on a line of their own. */
static void test_profile_blocks_from_before_are_not_profiled(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "prof-off");
	struct callers *c = callers_new(test);
	void *x, *y, *z;

	x = profile_site_a(pool, 50);
	y = profile_site_a(pool, 70);
	KUNIT_ASSERT_NOT_NULL(test, x);
	KUNIT_ASSERT_NOT_NULL(test, y);
	profile_on(test);
	z = profile_site_a(pool, 30);
	KUNIT_ASSERT_NOT_NULL(test, z);

	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 30, 1, 1);
	expect_line(test, not_profiled(c), 120, 2, 2);

	pa_free(x);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 30, 1, 1);
	expect_line(test, not_profiled(c), 70, 1, 2);
	pa_free(y);
	pa_free(z);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 0, 0, 1);
	expect_line(test, not_profiled(c), 0, 0, 2);
}

/*
 * A block allocated while on and freed after profiling went off still
 * leaves its site; the key goes off with the last trace, not before.
 */
static void test_profile_free_after_switch_off(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "prof-late");
	struct callers *c = callers_new(test);
	void *a1, *a2, *late;

	profile_on(test);
	a1 = profile_site_a(pool, 64);
	a2 = profile_site_a(pool, 64);
	KUNIT_ASSERT_NOT_NULL(test, a1);
	KUNIT_ASSERT_NOT_NULL(test, a2);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 2UL);

	KUNIT_ASSERT_EQ(test, profile_set("0"), 0);
	pa_profile_settle();
	KUNIT_EXPECT_TRUE(test, static_key_enabled(&pa_profile_key));
	late = profile_site_a(pool, 10);
	KUNIT_ASSERT_NOT_NULL(test, late);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 2UL);

	pa_free(a1);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 64, 1, 2);
	expect_line(test, not_profiled(c), 10, 1, 1);
	pa_free(a2);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 0, 0, 2);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
	pa_profile_settle();
	KUNIT_EXPECT_FALSE(test, static_key_enabled(&pa_profile_key));
	pa_free(late);
}

/*
 * pa_realloc() in place changes the bytes of the block's own site; a move
 * drops the old block and records the new one at the realloc's caller.
 */
static void test_profile_realloc_in_place_and_moved(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "prof-realloc");
	struct callers *c = callers_new(test);
	void *p, *q;

	profile_on(test);
	p = profile_site_a(pool, 100);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* A shrink stays in place under either backend. */
	q = profile_site_realloc(p, 90);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 90, 1, 1);
	KUNIT_EXPECT_NULL(test, callers_find(c, "profile_site_realloc"));
	q = profile_site_realloc(p, 40);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 40, 1, 1);

	q = profile_site_realloc(p, 2000);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_ASSERT_PTR_NE(test, q, p);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 0, 0, 1);
	expect_line(test, callers_find(c, "profile_site_realloc"), 2000, 1, 1);
	expect_line(test, not_profiled(c), 0, 0, 0);

	KUNIT_EXPECT_PTR_EQ(test, profile_site_realloc(q, 0),
			    (void *)ZERO_SIZE_PTR);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_realloc"), 0, 0, 1);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
}

/* Destroying a pool drops its sites from every callers file. */
static void test_profile_pool_destroy_drops_lines(struct kunit *test)
{
	struct pa_pool *pool = pa_pool_create("prof-destroy", 0);
	struct callers *c = callers_new(test);

	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	profile_on(test);
	KUNIT_EXPECT_NOT_NULL(test, profile_site_a(pool, 200));
	KUNIT_EXPECT_NOT_NULL(test, profile_site_a(pool, 200));
	callers_read(test, PA_TEST_DEBUGFS "/callers", c);
	expect_line(test, callers_find(c, "profile_site_a"), 400, 2, 2);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 2UL);

	/* The two blocks are freed with it (and reported). */
	pa_pool_destroy(pool);
	callers_read(test, PA_TEST_DEBUGFS "/callers", c);
	KUNIT_EXPECT_NULL(test, callers_find(c, "profile_site_a"));
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
}

/* A debug pool's client pointers are profiled with the client's sizes. */
static void test_profile_debug_pool(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool_flags(test, "prof-dbg",
						  PA_POOL_DEBUG);
	struct callers *c = callers_new(test);
	void *p, *big;

	profile_on(test);
	p = profile_site_a(pool, 24);
	big = profile_site_b(pool, 5000);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, big);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 24, 1, 1);
	expect_line(test, callers_find(c, "profile_site_b"), 5000, 1, 1);
	expect_line(test, not_profiled(c), 0, 0, 0);

	pa_pool_free(pool, p);
	pa_free(big);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 0, 0, 1);
	expect_line(test, callers_find(c, "profile_site_b"), 0, 0, 1);
	expect_line(test, not_profiled(c), 0, 0, 0);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
}

/* A free that is refused keeps the block's trace. */
static void test_profile_refused_free_keeps_trace(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "prof-own");
	struct pa_pool *other = pa_test_pool(test, "prof-other");
	struct callers *c = callers_new(test);
	void *p;

	profile_on(test);
	p = profile_site_a(pool, 32);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_pool_free(other, p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(other).err_wrong_pool, 1ULL);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 32, 1, 1);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 1UL);

	pa_pool_free(pool, p);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 0, 0, 1);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
}

#define IRQ_ROUNDS	200
#define IRQ_BLOCKS	4

struct irq_work_state {
	struct hrtimer timer;
	struct pa_pool *pool;
	void *held[IRQ_BLOCKS];
	atomic_t rounds;
	atomic_t failed;
};

static enum hrtimer_restart irq_alloc_fn(struct hrtimer *t)
{
	struct irq_work_state *s = container_of(t, struct irq_work_state,
						timer);
	unsigned int i = atomic_read(&s->rounds) % IRQ_BLOCKS;

	pa_pool_free(s->pool, s->held[i]);
	s->held[i] = pa_pool_alloc(s->pool, 16 + 16 * i, GFP_ATOMIC);
	if (!s->held[i])
		atomic_inc(&s->failed);
	if (atomic_inc_return(&s->rounds) >= IRQ_ROUNDS)
		return HRTIMER_NORESTART;
	hrtimer_forward_now(t, ns_to_ktime(50 * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

/*
 * Hard interrupts allocate and free while the task does on the same CPU:
 * the profiler's locks are irq-safe (lockdep would say otherwise) and the
 * counts come out exact.
 */
static void test_profile_hardirq_and_task(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "prof-irq");
	struct irq_work_state *s = kunit_kzalloc(test, sizeof(*s), GFP_KERNEL);
	struct callers *c = callers_new(test);
	struct pa_stats st;
	unsigned int i;
	void *p;

	KUNIT_ASSERT_NOT_NULL(test, s);
	pa_test_pin(test);
	profile_on(test);
	s->pool = pool;
	hrtimer_init(&s->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	s->timer.function = irq_alloc_fn;
	hrtimer_start(&s->timer, ns_to_ktime(50 * NSEC_PER_USEC),
		      HRTIMER_MODE_REL_PINNED);
	for (i = 0; atomic_read(&s->rounds) < IRQ_ROUNDS; i++) {
		p = profile_site_a(pool, 48);
		KUNIT_ASSERT_NOT_NULL(test, p);
		pa_free(p);
		if (i % 64 == 0)
			cond_resched();
	}
	hrtimer_cancel(&s->timer);
	KUNIT_EXPECT_EQ(test, atomic_read(&s->failed), 0);

	st = pa_test_stats(pool);
	pool_callers(test, pool, c);
	expect_line(test, callers_find(c, "profile_site_a"), 0, 0, i);
	/* The interrupt's site, with its IRQ_BLOCKS live blocks. */
	KUNIT_EXPECT_EQ(test, c->n, 3U);
	KUNIT_EXPECT_EQ(test, c->line[0].blocks, (u64)IRQ_BLOCKS);
	KUNIT_EXPECT_EQ(test, c->line[0].allocs, (u64)IRQ_ROUNDS);
	KUNIT_EXPECT_EQ(test, c->line[0].bytes, st.live_bytes_requested);
	expect_line(test, not_profiled(c), 0, 0, 0);
	for (i = 0; i < IRQ_BLOCKS; i++)
		pa_pool_free(pool, s->held[i]);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
}

/*
 * The exported calls: pa_profile_start() says whether it switched the
 * profiler on, pa_profile_sites() gives the callers lines of a pool, and
 * pa_profile_stop() switches it off.
 */
static void test_profile_start_stop_and_sites(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "profile-api");
	struct pa_site *sites;
	void *blocks[3];
	int n, i, hits = 0;

	sites = kunit_kcalloc(test, 16, sizeof(*sites), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, sites);
	KUNIT_ASSERT_EQ(test, pa_profile_traces(), 0UL);
	KUNIT_ASSERT_EQ(test, 0, kunit_add_action_or_reset(test,
							   profile_off_action,
							   NULL));
	KUNIT_ASSERT_EQ(test, pa_profile_start(), 1);
	KUNIT_EXPECT_EQ(test, pa_profile_start(), 0);
	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		blocks[i] = profile_site_a(pool, 100);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	n = pa_profile_sites(pool, sites, 16);
	KUNIT_ASSERT_GE(test, n, 1);
	for (i = 0; i < n; i++) {
		if (!pa_test_caller_is(sites[i].caller, "profile_site_a"))
			continue;
		hits++;
		KUNIT_EXPECT_EQ(test, sites[i].live_bytes, 300ULL);
		KUNIT_EXPECT_EQ(test, sites[i].live_blocks, 3ULL);
		KUNIT_EXPECT_EQ(test, sites[i].allocs, 3ULL);
	}
	KUNIT_EXPECT_EQ(test, hits, 1);
	KUNIT_EXPECT_EQ(test, pa_profile_sites(pool, sites, 0), 0);
	pa_profile_stop();
	/* Off: the traces stay until their blocks go. */
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 3UL);
	for (i = 0; i < ARRAY_SIZE(blocks); i++)
		pa_pool_free(pool, blocks[i]);
	KUNIT_EXPECT_EQ(test, pa_profile_traces(), 0UL);
}

static struct kunit_case pa_profile_cases[] = {
	KUNIT_CASE(test_profile_param_validates_and_switches),
	KUNIT_CASE(test_profile_two_sites_exact_and_sorted),
	KUNIT_CASE(test_profile_blocks_from_before_are_not_profiled),
	KUNIT_CASE(test_profile_free_after_switch_off),
	KUNIT_CASE(test_profile_realloc_in_place_and_moved),
	KUNIT_CASE(test_profile_pool_destroy_drops_lines),
	KUNIT_CASE(test_profile_debug_pool),
	KUNIT_CASE(test_profile_refused_free_keeps_trace),
	KUNIT_CASE(test_profile_hardirq_and_task),
	KUNIT_CASE(test_profile_start_stop_and_sites),
	{}
};

static struct kunit_suite pa_profile_suite = {
	.name = "pool_alloc_profile",
	.test_cases = pa_profile_cases,
};

kunit_test_suite(pa_profile_suite);
