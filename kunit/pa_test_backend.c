// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_backend: the backend= parameter, and what is particular to
 * backend=kmalloc: each block is a kmalloc object of the client's request,
 * big ones come from kvmalloc, and the table that keeps the API's promises
 * (ownership, refusal, exact counters) follows any burst of allocations.
 * The API's own suites run under both backends; the cases here that need
 * the kmalloc backend skip without it.
 */
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/string.h>
#include <linux/log2.h>
#include "pa_test.h"

/* The largest order alloc_pages() accepts; the name changed in 6.8. */
#ifdef MAX_PAGE_ORDER
#define TEST_MAX_ORDER		MAX_PAGE_ORDER
#else
#define TEST_MAX_ORDER		(MAX_ORDER - 1)
#endif

/* Sizes that cover kmalloc's caches: tiny, odd, powers of two, the largest. */
static const size_t kmalloc_sizes[] = {
	1, 8, 15, 16, 24, 100, 128, 700, 4096, 5000, KMALLOC_MAX_CACHE_SIZE,
};

static void need_kmalloc_backend(struct kunit *test)
{
	if (!pa_large_kmalloc)
		kunit_skip(test, "tests backend=kmalloc; loaded with backend=pool");
}

/* ---- The parameter ----------------------------------------------------- */

/* The setter takes the two backends' names, and nothing else. */
static void test_backend_parameter_is_validated(struct kunit *test)
{
	static const char * const bad[] = {
		"", "slab", "KMALLOC", "kmalloc ", "pools", "1", "malloc",
	};
	static const struct { const char *val; int expect; } good[] = {
		{ "kmalloc", 1 }, { "pool", 0 }, { "kmalloc\n", 1 },
		{ "pool\n", 0 },
	};
	struct kernel_param kp = { .name = "backend" };
	char buf[32];
	int value = 7;
	unsigned int i;

	kp.arg = &value;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_EQ_MSG(test, pa_backend_ops.set(bad[i], &kp),
				    -EINVAL, "backend=%s", bad[i]);
		KUNIT_EXPECT_EQ(test, value, 7);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		KUNIT_EXPECT_EQ_MSG(test, pa_backend_ops.set(good[i].val, &kp),
				    0, "backend=%s", good[i].val);
		KUNIT_EXPECT_EQ(test, value, good[i].expect);
		KUNIT_EXPECT_GT(test, pa_backend_ops.get(buf, &kp), 0);
		KUNIT_EXPECT_STREQ(test, strim(buf),
				   value ? "kmalloc" : "pool");
	}
}

/* The loaded backend shows in sysfs, and is the one in use. */
static void test_backend_parameter_is_visible(struct kunit *test)
{
	char buf[32];
	void *p;

	KUNIT_ASSERT_GT(test, pa_test_read_file("/sys/module/pool_alloc/parameters/backend",
						buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, strim(buf),
			   pa_large_kmalloc ? "kmalloc" : "pool");
	/* A small block is a slab object only under kmalloc. */
	p = pa_alloc(64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, PageSlab(virt_to_head_page(p)), pa_large_kmalloc);
	pa_free(p);
}

/* ---- backend=kmalloc --------------------------------------------------- */

/*
 * Every small request is a kmalloc object of the request (at least 16
 * bytes), as kmalloc's own detectors see it, aligned as the API promises.
 */
static void test_kmalloc_block_is_a_kmalloc_object(struct kunit *test)
{
	struct pa_pool *pool;
	unsigned int i;

	need_kmalloc_backend(test);
	pool = pa_test_pool(test, "kmalloc-object");
	for (i = 0; i < ARRAY_SIZE(kmalloc_sizes); i++) {
		size_t size = kmalloc_sizes[i];
		size_t usable = max_t(size_t, size, 16);
		u8 *p = pa_pool_alloc(pool, size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE_MSG(test, PageSlab(virt_to_head_page(p)),
				      "%zu bytes", size);
		KUNIT_EXPECT_GE_MSG(test, ksize(p), usable, "%zu bytes", size);
		KUNIT_EXPECT_EQ_MSG(test, pa_usable_size(p), usable,
				    "%zu bytes", size);
		KUNIT_EXPECT_TRUE_MSG(test, IS_ALIGNED((unsigned long)p,
						       PA_ALIGN),
				      "%zu bytes at %p", size, p);
		if (is_power_of_2(size) && size <= PAGE_SIZE)
			KUNIT_EXPECT_TRUE_MSG(test,
					      IS_ALIGNED((unsigned long)p, size),
					      "%zu bytes at %p", size, p);
		memset(p, 0x5a, size);
		pa_free(p);
	}
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).invalid_frees, 0ULL);
}

/*
 * A request larger than kmalloc's caches: kvmalloc when the caller may
 * sleep (vmalloc memory once it is beyond the page allocator's orders),
 * kmalloc's pages when it may not, and NULL, counted, beyond those.
 */
static void test_kmalloc_big_requests_use_kvmalloc(struct kunit *test)
{
	size_t beyond = PAGE_SIZE << (TEST_MAX_ORDER + 1);
	struct pa_pool *pool;
	struct pa_stats st;
	u8 *p, *q;

	need_kmalloc_backend(test);
	pool = pa_test_pool(test, "kmalloc-big");
	p = pa_pool_alloc(pool, SZ_2M, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), (size_t)SZ_2M);
	memset(p, 0x11, SZ_2M);
	q = pa_pool_alloc(pool, beyond, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_TRUE(test, is_vmalloc_addr(q));
	q[beyond - 1] = 1;
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 2ULL);
	KUNIT_EXPECT_EQ(test, st.large_live, 2ULL);
	KUNIT_EXPECT_EQ(test, st.large_bytes, (u64)(SZ_2M + beyond));
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, (u64)(SZ_2M + beyond));
	KUNIT_EXPECT_EQ(test, st.pages_held, 0ULL);
	pa_pool_free(pool, q);
	pa_free(p);

	/* Atomic: kmalloc's pages, never vmalloc. */
	p = pa_pool_alloc(pool, 3 * PAGE_SIZE, GFP_ATOMIC);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_FALSE(test, is_vmalloc_addr(p));
	pa_free(p);
	KUNIT_EXPECT_NULL(test, pa_pool_alloc(pool, beyond,
					      GFP_ATOMIC | __GFP_NOWARN));
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.failures, 1ULL);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.allocs, 3ULL);
	KUNIT_EXPECT_EQ(test, st.frees, 3ULL);
}

/* A kmalloc object the client made itself is not the allocator's. */
static void test_kmalloc_foreign_kmalloc_object_is_refused(struct kunit *test)
{
	u64 before = pa_test_stats(NULL).invalid_frees;
	u8 *p;

	need_kmalloc_backend(test);
	p = kunit_kmalloc(test, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x77, 64);
	KUNIT_EXPECT_FALSE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), (size_t)0);
	pa_free(p);
	KUNIT_EXPECT_NULL(test, pa_realloc(p, 128, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).invalid_frees, before + 2);
	/* Left alone: still the client's, intact (kunit frees it). */
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p, 0x77, 64));
}

#define BURST	4096

/*
 * Atomic callers can allocate far more blocks than the first table holds
 * before its work item runs: each is served, and counted.
 */
static void test_kmalloc_atomic_burst_is_served(struct kunit *test)
{
	struct pa_pool *pool;
	struct pa_stats st;
	unsigned int i, got = 0;
	void **p;

	need_kmalloc_backend(test);
	pool = pa_test_pool(test, "kmalloc-burst");
	p = kunit_kcalloc(test, BURST, sizeof(*p), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	local_irq_disable();
	for (i = 0; i < BURST; i++) {
		p[i] = pa_pool_alloc(pool, 32 + i % 200, GFP_ATOMIC);
		got += !!p[i];
	}
	local_irq_enable();
	KUNIT_EXPECT_EQ(test, got, BURST);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, (u64)got);
	KUNIT_EXPECT_EQ(test, st.large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, st.arenas_current, 0ULL);
	KUNIT_EXPECT_EQ(test, st.runs_in_use, 0ULL);
	KUNIT_EXPECT_EQ(test, st.pages_held, 0ULL);
	for (i = 0; i < BURST; i++)
		KUNIT_EXPECT_TRUE(test, !p[i] || pa_owns(p[i]));
	for (i = 0; i < BURST; i += 2)
		pa_free(p[i]);
	/* The other half goes with the pool, reported as a leak. */
}

static struct kunit_case pa_backend_cases[] = {
	KUNIT_CASE(test_backend_parameter_is_validated),
	KUNIT_CASE(test_backend_parameter_is_visible),
	KUNIT_CASE(test_kmalloc_block_is_a_kmalloc_object),
	KUNIT_CASE(test_kmalloc_big_requests_use_kvmalloc),
	KUNIT_CASE(test_kmalloc_foreign_kmalloc_object_is_refused),
	KUNIT_CASE(test_kmalloc_atomic_burst_is_served),
	{}
};

static struct kunit_suite pa_backend_suite = {
	.name = "pool_alloc_backend",
	.test_cases = pa_backend_cases,
};

kunit_test_suite(pa_backend_suite);
