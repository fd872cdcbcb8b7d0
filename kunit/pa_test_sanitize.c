// SPDX-License-Identifier: GPL-2.0
/*
 * KASAN and kmemleak see inside the pools: a client's out-of-bounds access,
 * use after free and leak are reported as they would be with kmalloc.
 *
 * A test that plants a bug declares the reports it expects, as
 * mm/kasan/kasan_test_c.c does: KASAN's KUnit glue keeps them from failing
 * the test (kasan_kunit_test_suite_start/end), a probe on the console
 * tracepoint counts them, and the console markers around them let the
 * harness leave exactly those reports out of its "no report" rule
 * (vm_console in tools/testing/vm/lib.sh).  Any other report still fails
 * the test and the run.
 */
#include <linux/kasan.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/printk.h>
#include "pa_test.h"

/* The reports seen on the console since expect_begin(). */
static struct {
	atomic_t kasan;
	char kasan_type[48];
} seen;

static void probe_console(void *ignore, const char *buf, size_t len)
{
	const char *bug = strnstr(buf, "BUG: KASAN: ", len);

	if (!bug)
		return;
	/* The first report's bug type: "slab-out-of-bounds in f+0x..". */
	if (atomic_inc_return(&seen.kasan) == 1)
		sscanf(bug, "BUG: KASAN: %47s", seen.kasan_type);
}

/*
 * Declare @n reports of @kind ("KASAN" or "kmemleak") for what follows, up
 * to expect_end().
 */
static void expect_begin(unsigned int n, const char *kind)
{
	atomic_set(&seen.kasan, 0);
	seen.kasan_type[0] = '\0';
	pr_info("pa_test: expect %u %s reports\n", n, kind);
#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST)
	kasan_kunit_test_suite_start();
#endif
}

/* Return: how many KASAN reports the console showed since expect_begin(). */
static int expect_end(void)
{
#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST)
	kasan_kunit_test_suite_end();
#endif
	pr_info("pa_test: end of expected reports\n");
	return atomic_read(&seen.kasan);
}

#if IS_ENABLED(CONFIG_KASAN_GENERIC) && IS_ENABLED(CONFIG_KASAN_KUNIT_TEST)
static bool multi_shot;

static int sanitize_suite_init(struct kunit_suite *suite)
{
	/* Every report is printed, not only the first one. */
	multi_shot = kasan_save_enable_multi_shot();
	return register_trace_console(probe_console, NULL);
}

static void sanitize_suite_exit(struct kunit_suite *suite)
{
	unregister_trace_console(probe_console, NULL);
	tracepoint_synchronize_unregister();
	kasan_restore_multi_shot(multi_shot);
}

static void need_kasan(struct kunit *test)
{
}
#else
static int sanitize_suite_init(struct kunit_suite *suite)
{
	return register_trace_console(probe_console, NULL);
}

static void sanitize_suite_exit(struct kunit_suite *suite)
{
	unregister_trace_console(probe_console, NULL);
	tracepoint_synchronize_unregister();
}

static void need_kasan(struct kunit *test)
{
	kunit_skip(test, "needs generic KASAN and its KUnit glue");
}
#endif

static noinline void read_byte(char *p)
{
	OPTIMIZER_HIDE_VAR(p);
	(void)READ_ONCE(*p);
}

static noinline void write_byte(char *p)
{
	OPTIMIZER_HIDE_VAR(p);
	WRITE_ONCE(*p, 1);
}

/* Expect exactly one KASAN report, of @type, from @access to @p. */
static void expect_kasan_report(struct kunit *test, const char *type,
				void (*access)(char *p), char *p)
{
	int n;

	expect_begin(1, "KASAN");
	access(p);
	n = expect_end();
	KUNIT_EXPECT_EQ_MSG(test, n, 1, "KASAN reports for %ps(%p)", access, p);
	KUNIT_EXPECT_STREQ(test, seen.kasan_type, type);
}

/* ---- KASAN ------------------------------------------------------------- */

/* One byte past the request, inside the class's slack, is a redzone. */
static void test_kasan_read_past_request_is_out_of_bounds(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "kasan-oob");
	char *p;

	need_kasan(test);
	p = pa_pool_alloc(pool, 24, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* The class's slack, or kmalloc's own past a request of 24. */
	KUNIT_ASSERT_EQ(test, pa_usable_size(p),
			(size_t)(pa_large_kmalloc ? 24 : 32));
	expect_kasan_report(test, "slab-out-of-bounds", read_byte, p + 24);
	/* The last requested byte is the client's. */
	expect_begin(0, "KASAN");
	WRITE_ONCE(p[23], 1);
	KUNIT_EXPECT_EQ(test, expect_end(), 0);
	pa_free(p);
}

/* A freed block is poisoned until it is handed out again. */
static void test_kasan_write_after_free_is_use_after_free(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "kasan-uaf");
	char *p;

	need_kasan(test);
	p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
	expect_kasan_report(test, "slab-use-after-free", write_byte, p + 40);
}

/* A block in a per-CPU cache is free: reading it is a use after free. */
static void test_kasan_read_of_cached_block_is_use_after_free(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "kasan-cache");
	char *p, *q;

	need_kasan(test);
	pa_test_need_pool_backend(test, "per-CPU caches");
	pa_test_pin(test);
	p = pa_pool_alloc(pool, 128, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
	KUNIT_ASSERT_GT(test, pa_cache_count(pool), 0UL);
	expect_kasan_report(test, "slab-use-after-free", read_byte, p);
	/* It was in this CPU's cache: the next allocation takes it back. */
	q = pa_pool_alloc(pool, 128, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	pa_free(q);
}

/* An in-place shrink moves the boundary: the old bytes are a redzone. */
static void test_kasan_read_of_slack_after_shrink_is_out_of_bounds(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "kasan-shrink");
	char *p, *q;

	need_kasan(test);
	p = pa_pool_alloc(pool, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 7, 100);
	q = pa_realloc(p, 40, GFP_KERNEL);
	KUNIT_ASSERT_PTR_EQ(test, q, p);
	expect_kasan_report(test, "slab-out-of-bounds", read_byte, q + 40);
	/* Grown back in place, the bytes are the client's again. */
	KUNIT_ASSERT_PTR_EQ(test, pa_realloc(q, 100, GFP_KERNEL), (void *)q);
	expect_begin(0, "KASAN");
	KUNIT_EXPECT_EQ(test, READ_ONCE(q[99]), 7);
	KUNIT_EXPECT_EQ(test, expect_end(), 0);
	pa_free(q);
}

/* A large block from the page allocator has a redzone past its request. */
static void test_kasan_large_page_tail_is_out_of_bounds(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "kasan-large");
	size_t size = pa_small_max + 100;
	char *p;

	need_kasan(test);
	p = pa_pool_alloc(pool, size, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_FALSE(test, is_vmalloc_addr(p));
	memset(p, 1, size);
	expect_kasan_report(test, "slab-out-of-bounds", read_byte, p + size);
	pa_free(p);
}

/*
 * A freed block of up to 32 KiB waits in this CPU's stash: its pages are
 * poisoned there, until the next request of its order takes them back.
 */
static void test_kasan_read_of_stashed_page_is_use_after_free(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "kasan-stash");
	size_t size = pa_small_max + 1;
	char *p, *q;

	need_kasan(test);
	p = pa_test_stash_block(test, pool, size);
	pa_free(p);
	KUNIT_ASSERT_GT(test, pa_large_stash_pages(), 0UL);
	expect_kasan_report(test, "slab-use-after-free", read_byte, p + 100);
	q = pa_pool_alloc(pool, size, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, q, p);
	expect_begin(0, "KASAN");
	WRITE_ONCE(q[size - 1], 1);
	KUNIT_EXPECT_EQ(test, expect_end(), 0);
	pa_free(q);
	pa_large_stash_drain(-1);
}

/*
 * Correct use of every class (the whole request written and read, freed,
 * reused), of realloc in place and moving, and of large blocks of both
 * kinds gives no report at all.
 */
static void test_kasan_correct_use_reports_nothing(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "kasan-clean");
	unsigned int i, k;
	char *p;

	need_kasan(test);
	expect_begin(0, "KASAN");
	for (i = 0; i < pa_nr_classes; i++) {
		size_t sizes[3] = { pa_class_size[i], pa_class_size[i] - 1,
				    pa_class_size[i] - 9 };

		for (k = 0; k < ARRAY_SIZE(sizes); k++) {
			p = pa_pool_alloc(pool, sizes[k], GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			memset(p, 0x3c, sizes[k]);
			KUNIT_EXPECT_NULL(test, memchr_inv(p, 0x3c, sizes[k]));
			/* Shrink, grow within the class, then move out. */
			p = pa_realloc(p, sizes[k] / 2 + 1, GFP_KERNEL);
			p = pa_realloc(p, pa_class_size[i], GFP_KERNEL);
			memset(p, 0x3d, pa_class_size[i]);
			p = pa_realloc(p, pa_class_size[i] + 1, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, p);
			memset(p, 0x3e, pa_class_size[i] + 1);
			pa_free(p);
		}
	}
	/* Contiguous pages, then vmalloc memory. */
	p = pa_pool_alloc(pool, 3 * PAGE_SIZE + 5, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 1, 3 * PAGE_SIZE + 5);
	pa_free(p);
	p = pa_pool_alloc(pool, PA_TEST_CONTIG_MAX + 5, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	/* kvmalloc() chooses in the kmalloc backend. */
	KUNIT_EXPECT_TRUE(test, pa_large_kmalloc || is_vmalloc_addr(p));
	memset(p, 1, PA_TEST_CONTIG_MAX + 5);
	pa_free(p);
	p = pa_pool_zalloc(pool, 2 * PAGE_SIZE + 5, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 1, 2 * PAGE_SIZE + 5);
	p = pa_realloc(p, 2 * PAGE_SIZE + 100, GFP_ATOMIC);
	memset(p, 2, 2 * PAGE_SIZE + 100);
	pa_free(p);
	KUNIT_EXPECT_EQ(test, expect_end(), 0);
}

/* ---- kmemleak ---------------------------------------------------------- */

#define KMEMLEAK	"/sys/kernel/debug/kmemleak"
/* kmemleak reports objects at least this old (MSECS_MIN_AGE), in ms. */
#define KMEMLEAK_MIN_AGE_MS	5000
#define LEAK_SIZE	100
/* Pointers are kept XORed with this, so no scan finds them. */
#define HIDE		0x5a5a5a5a5a5a5a5aUL

/*
 * Scan twice: an object whose contents changed since the last scan (a new
 * one) is given another chance before it is reported.
 */
static int kmemleak_scan_twice(void)
{
	return pa_test_shell("echo scan >%s && echo scan >%s", KMEMLEAK,
			     KMEMLEAK);
}

static noinline unsigned long alloc_hidden(struct pa_pool *pool, size_t size)
{
	void *p = pa_pool_alloc(pool, size, GFP_KERNEL);

	return p ? (unsigned long)p ^ HIDE : 0;
}

/*
 * kmemleak scans task stacks: wipe the dead frames below this one, where
 * the allocation (kmemleak's own bookkeeping included, deep under KASAN
 * and lockdep) left copies of the pointer.  A KiB a frame, @depth frames.
 */
static noinline void scrub_stack(unsigned int depth)
{
	char buf[1024];

	memzero_explicit(buf, sizeof(buf));
	if (depth)
		scrub_stack(depth - 1);
	OPTIMIZER_HIDE_VAR(depth);
}

/*
 * A block no pointer leads to is reported by kmemleak, with its requested
 * size; a freed block is not.
 */
static void test_kmemleak_reports_a_leaked_block(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "leak");
	unsigned long leaked, freed;
	char *report, line[64];

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		kunit_skip(test, "needs kmemleak");
	report = kunit_kmalloc(test, 64 * 1024, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, report);
	/* Leaks found before this test are not its own. */
	if (kmemleak_scan_twice() || pa_test_shell("echo clear >%s", KMEMLEAK))
		kunit_skip(test, "cannot drive %s with /bin/sh", KMEMLEAK);

	leaked = alloc_hidden(pool, LEAK_SIZE);
	freed = alloc_hidden(pool, LEAK_SIZE);
	KUNIT_ASSERT_NE(test, leaked, 0UL);
	KUNIT_ASSERT_NE(test, freed, 0UL);
	pa_free((void *)(freed ^ HIDE));
	scrub_stack(12);
	msleep(KMEMLEAK_MIN_AGE_MS + 500);

	expect_begin(1, "kmemleak");
	KUNIT_EXPECT_EQ(test, kmemleak_scan_twice(), 0);
	expect_end();
	KUNIT_ASSERT_GT(test, pa_test_read_file(KMEMLEAK, report, 64 * 1024), 0);
	/* kmalloc's objects are reported with their cache's object size. */
	snprintf(line, sizeof(line), pa_large_kmalloc ?
		 "unreferenced object 0x%08lx (size" :
		 "unreferenced object 0x%08lx (size %u)",
		 leaked ^ HIDE, LEAK_SIZE);
	KUNIT_EXPECT_NOT_NULL_MSG(test, strstr(report, line), "no '%s' in:\n%s",
				  line, report);
	/* The leak is the client's, seen from the client's call site. */
	KUNIT_EXPECT_NOT_NULL(test, strstr(report, "alloc_hidden"));
	snprintf(line, sizeof(line), "unreferenced object 0x%08lx",
		 freed ^ HIDE);
	KUNIT_EXPECT_NULL(test, strstr(report, line));

	/* Found: free it, and forget the report so the run stays clean. */
	pa_free((void *)(leaked ^ HIDE));
	pa_test_shell("echo clear >%s", KMEMLEAK);
}

static struct kunit_case pa_sanitize_cases[] = {
	KUNIT_CASE(test_kasan_read_past_request_is_out_of_bounds),
	KUNIT_CASE(test_kasan_write_after_free_is_use_after_free),
	KUNIT_CASE(test_kasan_read_of_cached_block_is_use_after_free),
	KUNIT_CASE(test_kasan_read_of_slack_after_shrink_is_out_of_bounds),
	KUNIT_CASE(test_kasan_large_page_tail_is_out_of_bounds),
	KUNIT_CASE(test_kasan_read_of_stashed_page_is_use_after_free),
	KUNIT_CASE_SLOW(test_kasan_correct_use_reports_nothing),
	KUNIT_CASE_SLOW(test_kmemleak_reports_a_leaked_block),
	{}
};

static struct kunit_suite pa_sanitize_suite = {
	.name = "pool_alloc_sanitize",
	.suite_init = sanitize_suite_init,
	.suite_exit = sanitize_suite_exit,
	.test_cases = pa_sanitize_cases,
};

kunit_test_suite(pa_sanitize_suite);
