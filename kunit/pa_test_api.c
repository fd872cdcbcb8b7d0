// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_api: the kmalloc-like semantics of the entry points.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/log2.h>
#include <linux/overflow.h>
#include "pa_test.h"

/* 16-byte steps to 512, then eight per doubling up to 8 KiB. */
#define TEST_MAX_CLASSES	128

static bool all_bytes_are(const void *p, u8 value, size_t n)
{
	return !memchr_inv(p, value, n);
}

/* ---- Size classes ------------------------------------------------------ */

/* Parameter generator: every expected class size, from the specification. */
static const void *class_gen_params(const void *prev, char *desc)
{
	static unsigned int sizes[TEST_MAX_CLASSES];
	static unsigned int n;
	const unsigned int *next;

	if (!prev) {
		n = pa_test_expected_classes(pa_small_max, sizes,
					     ARRAY_SIZE(sizes));
		next = sizes;
	} else {
		next = (const unsigned int *)prev + 1;
	}
	if (next >= sizes + n)
		return NULL;
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "class %u", *next);
	return next;
}

/*
 * Each class end to end: the smallest and the largest request of the class
 * both get a block of exactly the class size, writable in full, owned,
 * 16-byte aligned, and counted.
 */
static void test_class_end_to_end(struct kunit *test)
{
	unsigned int size = *(const unsigned int *)test->param_value;
	struct pa_pool *pool = pa_test_pool(test, "class");
	size_t requests[2] = { size, size - 15 };
	struct pa_stats before, after;
	unsigned int i;

	pa_test_need_pool_backend(test, "size classes");
	/* The smallest request of a class is one past the class below. */
	if (size > 512)
		requests[1] = size - min_t(unsigned int,
					   rounddown_pow_of_two(size - 1) / 8,
					   128) + 1;
	for (i = 0; i < ARRAY_SIZE(requests); i++) {
		u8 *p;

		before = pa_test_stats(pool);
		p = pa_pool_alloc(pool, requests[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_EQ(test, pa_usable_size(p), (size_t)size);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 16));
		KUNIT_EXPECT_TRUE(test, pa_owns(p));
		/* The request is the client's; the rest, the class's. */
		memset(p, 0x5a, requests[i]);
		pa_test_fill(p, 0xa5, size);
		KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p, 0xa5, size));

		after = pa_test_stats(pool);
		KUNIT_EXPECT_EQ(test, after.allocs, before.allocs + 1);
		KUNIT_EXPECT_EQ(test, after.live_bytes_requested,
				before.live_bytes_requested + requests[i]);
		KUNIT_EXPECT_EQ(test, after.live_bytes_allocated,
				before.live_bytes_allocated + size);
		pa_free(p);
		KUNIT_EXPECT_FALSE(test, pa_owns(p));
		after = pa_test_stats(pool);
		KUNIT_EXPECT_EQ(test, after.frees, before.frees + 1);
		KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks);
		KUNIT_EXPECT_EQ(test, after.invalid_frees, 0ULL);
	}
}

/* The module's table is the specified one, for the loaded small_max. */
static void test_class_table_matches_specification(struct kunit *test)
{
	unsigned int sizes[TEST_MAX_CLASSES], n, i;

	pa_test_need_pool_backend(test, "size classes");
	n = pa_test_expected_classes(pa_small_max, sizes, ARRAY_SIZE(sizes));
	KUNIT_ASSERT_EQ(test, pa_nr_classes, n);
	for (i = 0; i < n; i++)
		KUNIT_EXPECT_EQ_MSG(test, pa_class_size[i], sizes[i],
				    "class %u", i);
	KUNIT_EXPECT_EQ(test, sizes[n - 1], pa_small_max);
}

/*
 * Every request size up to small_max gets the smallest class that holds it,
 * and above 512 bytes that class wastes at most 12.5% of the request.
 */
static void test_class_rounding_bound(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "round");
	unsigned int sizes[TEST_MAX_CLASSES], n, c = 0;
	size_t size, usable;

	pa_test_need_pool_backend(test, "size classes");
	n = pa_test_expected_classes(pa_small_max, sizes, ARRAY_SIZE(sizes));
	for (size = 1; size <= pa_small_max; size++) {
		void *p = pa_pool_alloc(pool, size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		while (sizes[c] < size)
			c++;
		usable = pa_usable_size(p);
		pa_free(p);
		KUNIT_ASSERT_EQ_MSG(test, usable, (size_t)sizes[c],
				    "request %zu", size);
		if (size > 512)
			KUNIT_ASSERT_LE_MSG(test, (usable - size) * 8, size,
					    "request %zu", size);
	}
	KUNIT_EXPECT_EQ(test, c, n - 1);
}

/* kmalloc's guarantee: a power-of-two size up to PAGE_SIZE is aligned to it. */
static void test_power_of_two_sizes_are_naturally_aligned(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "align");
	void *blocks[24];
	size_t size;
	unsigned int i;

	for (size = 16; size <= min_t(size_t, PAGE_SIZE, pa_small_max);
	     size <<= 1) {
		for (i = 0; i < ARRAY_SIZE(blocks); i++) {
			blocks[i] = pa_pool_alloc(pool, size, GFP_KERNEL);
			KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
			KUNIT_EXPECT_TRUE_MSG(test,
					      IS_ALIGNED((unsigned long)blocks[i], size),
					      "size %zu block %u", size, i);
		}
		for (i = 0; i < ARRAY_SIZE(blocks); i++)
			pa_free(blocks[i]);
	}
	/* Small non-powers of two keep 16-byte alignment. */
	for (size = 1; size <= 512; size += 7) {
		void *p = pa_pool_alloc(pool, size, GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 16));
		pa_free(p);
	}
}

/* ---- Zero-size, zeroing, calloc ---------------------------------------- */

static void test_zero_size_returns_zero_size_ptr(struct kunit *test)
{
	struct pa_stats before = pa_test_stats(NULL), after;

	KUNIT_EXPECT_PTR_EQ(test, pa_alloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, pa_zalloc(0, GFP_KERNEL), ZERO_SIZE_PTR);
	KUNIT_EXPECT_PTR_EQ(test, pa_calloc(0, 8, GFP_KERNEL), ZERO_SIZE_PTR);
	pa_free(NULL);
	pa_free(ZERO_SIZE_PTR);
	KUNIT_EXPECT_EQ(test, pa_usable_size(ZERO_SIZE_PTR), (size_t)0);
	KUNIT_EXPECT_FALSE(test, pa_owns(ZERO_SIZE_PTR));
	KUNIT_EXPECT_FALSE(test, pa_owns(NULL));
	after = pa_test_stats(NULL);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees);
	KUNIT_EXPECT_EQ(test, after.failures, before.failures);
}

/*
 * A block freed dirty and handed out again by a zeroing call is all zeroes:
 * pa_zalloc, pa_pool_zalloc and plain __GFP_ZERO, small and large.
 */
static void test_zeroing_calls_return_zeroed_memory(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "zero");
	size_t sizes[] = { 16, 200, 512, 3000, pa_small_max + 1 };
	unsigned int i, way;

	pa_test_pin(test);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		/* Keeps the run alive so the freed block is reused. */
		void *keep = pa_pool_alloc(pool, sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, keep);
		for (way = 0; way < 3; way++) {
			u8 *p = pa_pool_alloc(pool, sizes[i], GFP_KERNEL);
			size_t usable = pa_usable_size(p);
			u8 *q;

			KUNIT_ASSERT_NOT_NULL(test, p);
			pa_test_fill(p, 0xff, usable);
			pa_free(p);
			if (way == 0)
				q = pa_pool_zalloc(pool, sizes[i], GFP_KERNEL);
			else if (way == 1)
				q = pa_pool_alloc(pool, sizes[i],
						  GFP_KERNEL | __GFP_ZERO);
			else
				q = pa_pool_alloc(pool, sizes[i],
						  GFP_ATOMIC | __GFP_ZERO);
			KUNIT_ASSERT_NOT_NULL(test, q);
			/* The pool's caches hand the freed block back. */
			if (sizes[i] <= pa_small_max && !pa_large_kmalloc)
				KUNIT_EXPECT_PTR_EQ(test, q, p);
			KUNIT_EXPECT_TRUE_MSG(test, pa_test_bytes_are(q, 0, usable),
					      "size %zu way %u", sizes[i], way);
			pa_free(q);
		}
		pa_free(keep);
	}
	/* The default pool's zeroing entry points. */
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u8 *q = pa_zalloc(sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(q, 0,
							  pa_usable_size(q)));
		pa_free(q);
	}
}

static void test_calloc_overflow_returns_null(struct kunit *test)
{
	struct pa_stats before = pa_test_stats(NULL), after;
	u64 *array;

	KUNIT_EXPECT_NULL(test, pa_calloc(SIZE_MAX / 2 + 1, 2, GFP_KERNEL));
	KUNIT_EXPECT_NULL(test, pa_calloc(2, SIZE_MAX, GFP_KERNEL));
	after = pa_test_stats(NULL);
	KUNIT_EXPECT_EQ(test, after.failures, before.failures + 2);

	array = pa_calloc(7, sizeof(*array), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, array);
	/* The class of 56 bytes; kmalloc's object of the request. */
	KUNIT_EXPECT_EQ(test, pa_usable_size(array),
			(size_t)(pa_large_kmalloc ? 56 : 64));
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(array, 0,
						  pa_usable_size(array)));
	pa_free(array);
}

/* ---- realloc ----------------------------------------------------------- */

static void test_realloc_null_allocates(struct kunit *test)
{
	void *p = pa_realloc(NULL, 100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_usable_size(p),
			(size_t)(pa_large_kmalloc ? 100 : 112));
	pa_free(p);
}

static void test_realloc_to_zero_frees(struct kunit *test)
{
	struct pa_stats before, after;
	void *p = pa_alloc(100, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	before = pa_test_stats(NULL);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 0, GFP_KERNEL), ZERO_SIZE_PTR);
	after = pa_test_stats(NULL);
	KUNIT_EXPECT_FALSE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, after.frees, before.frees + 1);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees);
}

/* Within the block's class the pointer stays and the request is updated. */
static void test_realloc_within_class_keeps_pointer(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "inplace");
	struct pa_stats before, after;
	u8 *p;

	pa_test_need_pool_backend(test, "size classes");
	p = pa_pool_alloc(pool, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x11, 100);
	before = pa_test_stats(pool);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 112, GFP_KERNEL), (void *)p);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 97, GFP_KERNEL), (void *)p);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 1, GFP_KERNEL), (void *)p);
	after = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, after.allocs, before.allocs);
	KUNIT_EXPECT_EQ(test, after.live_bytes_requested,
			before.live_bytes_requested - 99);
	KUNIT_EXPECT_EQ(test, p[0], 0x11);

	/* Growing in place with __GFP_ZERO zeroes past the old request. */
	memset(p + 1, 0x22, 111);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 112, GFP_KERNEL | __GFP_ZERO),
			    (void *)p);
	KUNIT_EXPECT_EQ(test, p[0], 0x11);
	KUNIT_EXPECT_TRUE(test, all_bytes_are(p + 1, 0, 111));
	pa_free(p);
}

/*
 * A block shrunk in place to one byte, in classes whose request is recorded
 * in one byte and in two, is still live, exactly accounted, and frees.
 */
static void test_realloc_shrink_in_place_to_one_byte(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "shrink");
	size_t sizes[] = { 16, 240, 256, 512, 1024, pa_small_max };
	struct pa_stats st;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		void *p = pa_pool_alloc(pool, sizes[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, p);
		KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 1, GFP_KERNEL), p);
		KUNIT_EXPECT_TRUE(test, pa_owns(p));
		st = pa_test_stats(pool);
		KUNIT_EXPECT_EQ_MSG(test, st.live_bytes_requested, 1ULL,
				    "size %zu", sizes[i]);
		KUNIT_EXPECT_EQ(test, st.live_bytes_allocated, (u64)sizes[i]);
		pa_free(p);
		st = pa_test_stats(pool);
		KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
		KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
		KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	}
}

/* Growing out of the class moves the contents, small to small and large. */
static void test_realloc_grow_moves_contents(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "grow");
	size_t steps[] = { 40, 300, 2000, pa_small_max, pa_small_max + 1,
			   3 * PAGE_SIZE + 5 };
	struct pa_stats st;
	size_t prev = 24, i;
	u8 *p = pa_pool_alloc(pool, prev, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x3c, prev);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		u8 *q = pa_realloc(p, steps[i], GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, q);
		KUNIT_EXPECT_GE(test, pa_usable_size(q), steps[i]);
		KUNIT_EXPECT_TRUE_MSG(test, all_bytes_are(q, 0x3c, prev),
				      "to %zu", steps[i]);
		if (q != p)
			KUNIT_EXPECT_FALSE(test, pa_owns(p));
		memset(q, 0x3c, steps[i]);
		p = q;
		prev = steps[i];
	}
	/* The new blocks came from the same pool, and only one is live. */
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 1ULL);
	KUNIT_EXPECT_EQ(test, st.large_live, 1ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, (u64)prev);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);

	/* Shrinking a large block keeps it, as krealloc() does. */
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 100, GFP_KERNEL), (void *)p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_bytes_requested, 100ULL);
	pa_free(p);
}

/*
 * With __GFP_ZERO, an in-place shrink zeroes the tail past the new request
 * (as krealloc() does), so growing back in place shows no old bytes.
 */
static void test_realloc_in_place_zeroes_the_tail(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "ztail");
	u8 *p;

	pa_test_need_pool_backend(test, "size classes");
	p = pa_pool_zalloc(pool, 200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, pa_usable_size(p), (size_t)208);
	memset(p, 0x5c, 200);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 50, GFP_KERNEL | __GFP_ZERO),
			    (void *)p);
	KUNIT_EXPECT_TRUE(test, all_bytes_are(p, 0x5c, 50));
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p + 50, 0, 208 - 50));
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 208, GFP_KERNEL | __GFP_ZERO),
			    (void *)p);
	/* Grown in place: all of it is the client's again, and zero. */
	KUNIT_EXPECT_TRUE(test, all_bytes_are(p + 50, 0, 208 - 50));
	pa_free(p);
}

/* A failed realloc returns NULL and leaves the block as it was. */
static void test_realloc_failure_keeps_block(struct kunit *test)
{
	struct pa_stats before, after;
	u8 *p = pa_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x77, 64);
	before = pa_test_stats(NULL);
	KUNIT_EXPECT_NULL(test, pa_realloc(p, (size_t)INT_MAX + 1,
					   GFP_KERNEL | __GFP_NOWARN));
	after = pa_test_stats(NULL);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_TRUE(test, all_bytes_are(p, 0x77, 64));
	KUNIT_EXPECT_EQ(test, after.failures, before.failures + 1);
	KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks);
	pa_free(p);
}

/*
 * A block that moves with __GFP_ZERO receives only the old request: the
 * bytes past it may be stale (an in-place shrink without zeroing kept
 * them), and the new block must not show them.
 */
static void test_realloc_move_zeroes_past_old_request(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "zmove");
	u8 *p = pa_pool_alloc(pool, 200, GFP_KERNEL), *q;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x5c, 200);
	KUNIT_ASSERT_PTR_EQ(test, pa_realloc(p, 50, GFP_KERNEL), (void *)p);
	q = pa_realloc(p, 1000, GFP_KERNEL | __GFP_ZERO);
	KUNIT_ASSERT_NOT_NULL(test, q);
	KUNIT_EXPECT_PTR_NE(test, q, p);
	KUNIT_EXPECT_TRUE(test, all_bytes_are(q, 0x5c, 50));
	KUNIT_EXPECT_TRUE(test, all_bytes_are(q + 50, 0, 1000 - 50));
	pa_free(q);
}

/*
 * Sizes no caller can mean get NULL and a counted failure, from every
 * entry point, with sleeping and atomic flags alike, and a block asked to
 * grow to one stays as it was.
 */
static void test_impossible_sizes_return_null(struct kunit *test)
{
	static const size_t sizes[] = {
		SIZE_MAX, SIZE_MAX - PA_ALIGN + 1, SIZE_MAX / 2,
		(size_t)INT_MAX + 1, (size_t)1 << 40,
	};
	static const gfp_t gfps[] = { GFP_KERNEL, GFP_ATOMIC };
	struct pa_pool *pool = pa_test_pool(test, "huge");
	struct pa_pool *debug = pa_test_pool_flags(test, "huge-debug",
						   PA_POOL_DEBUG);
	struct pa_stats before = pa_test_stats(pool), after;
	struct pa_stats dbefore = pa_test_stats(debug), dafter;
	u8 *p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	unsigned int i, j, calls = 0;

	KUNIT_ASSERT_NOT_NULL(test, p);
	memset(p, 0x6b, 64);
	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		for (j = 0; j < ARRAY_SIZE(gfps); j++) {
			gfp_t gfp = gfps[j] | __GFP_NOWARN;

			KUNIT_EXPECT_NULL(test, pa_pool_alloc(pool, sizes[i], gfp));
			KUNIT_EXPECT_NULL(test, pa_pool_zalloc(pool, sizes[i], gfp));
			KUNIT_EXPECT_NULL(test, pa_realloc(p, sizes[i], gfp));
			KUNIT_EXPECT_NULL(test, pa_pool_alloc(debug, sizes[i], gfp));
			calls++;
		}
	}
	after = pa_test_stats(pool);
	dafter = pa_test_stats(debug);
	KUNIT_EXPECT_EQ(test, after.failures, before.failures + 3 * calls);
	KUNIT_EXPECT_EQ(test, dafter.failures, dbefore.failures + calls);
	KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks + 1);
	KUNIT_EXPECT_EQ(test, after.large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, 0ULL);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_TRUE(test, all_bytes_are(p, 0x6b, 64));
	pa_free(p);
}

static struct kunit_case pa_api_cases[] = {
	KUNIT_CASE_PARAM(test_class_end_to_end, class_gen_params),
	KUNIT_CASE(test_class_table_matches_specification),
	KUNIT_CASE(test_class_rounding_bound),
	KUNIT_CASE(test_power_of_two_sizes_are_naturally_aligned),
	KUNIT_CASE(test_zero_size_returns_zero_size_ptr),
	KUNIT_CASE(test_zeroing_calls_return_zeroed_memory),
	KUNIT_CASE(test_calloc_overflow_returns_null),
	KUNIT_CASE(test_realloc_null_allocates),
	KUNIT_CASE(test_realloc_to_zero_frees),
	KUNIT_CASE(test_realloc_within_class_keeps_pointer),
	KUNIT_CASE(test_realloc_shrink_in_place_to_one_byte),
	KUNIT_CASE(test_realloc_grow_moves_contents),
	KUNIT_CASE(test_realloc_in_place_zeroes_the_tail),
	KUNIT_CASE(test_realloc_failure_keeps_block),
	KUNIT_CASE(test_realloc_move_zeroes_past_old_request),
	KUNIT_CASE(test_impossible_sizes_return_null),
	{}
};

static struct kunit_suite pa_api_suite = {
	.name = "pool_alloc_api",
	.test_cases = pa_api_cases,
};

kunit_test_suite(pa_api_suite);
