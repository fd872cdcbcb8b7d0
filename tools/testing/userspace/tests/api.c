// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes, alignment, zeroing and realloc: the kmalloc-like semantics
 * of the entry points (kunit/pa_test_api.c, pa_test_sanitize.c).
 */
#include <stdint.h>
#include <string.h>
#include <linux/preempt.h>
#include "pa_tests.h"

/* pymalloc's 16-byte steps end here; coarser steps follow. */
#define FINE_MAX	512
/* Above FINE_MAX a class grows by an eighth, by at most this. */
#define COARSE_MAX	128

/* The class sizes the specification gives, up to @small_max. */
static unsigned int expected_classes(unsigned int small_max,
				     unsigned int *sizes, unsigned int max)
{
	unsigned int n = 0, s;

	for (s = 16; s <= FINE_MAX && n < max; s += 16)
		sizes[n++] = s;
	for (s = FINE_MAX; s < small_max && n < max;) {
		unsigned int pow = 1U << (31 - __builtin_clz(s));

		s += pow / 8 < COARSE_MAX ? pow / 8 : COARSE_MAX;
		sizes[n++] = s;
	}
	return n;
}

/* The smallest expected class that holds @size. */
static unsigned int expected_class(unsigned int size)
{
	static unsigned int sizes[128];
	static unsigned int n;
	unsigned int i;

	if (!n)
		n = expected_classes(pa_small_max, sizes, 128);
	for (i = 0; i < n; i++)
		if (sizes[i] >= size)
			return sizes[i];
	return 0;
}

static void test_class_table_matches_the_specification(void)
{
	unsigned int sizes[128], n, i;

	n = expected_classes(pa_small_max, sizes, 128);
	PA_CHECK_EQ(pa_small_max, 8192);
	PA_CHECK_EQ(pa_nr_classes, n);
	for (i = 0; i < n; i++)
		PA_CHECK_EQ(pa_class_size[i], sizes[i]);
}

/*
 * Every request from 1 byte to small_max gets a block of its class, whose
 * requested bytes are all writable, counted exactly.
 */
static void test_every_size_gets_its_class(void)
{
	struct pa_stats before = pa_t_stats(NULL), after;
	unsigned int size;

	for (size = 1; size <= pa_small_max; size++) {
		unsigned char *p = pa_alloc(size, GFP_KERNEL);

		PA_CHECK(p);
		if (pa_usable_size(p) != expected_class(size))
			pa_fail(__FILE__, __LINE__, "size %u: usable %zu, class %u",
				size, pa_usable_size(p), expected_class(size));
		memset(p, 0x5a, size);
		after = pa_t_stats(NULL);
		PA_CHECK_EQ(after.live_bytes_requested,
			    before.live_bytes_requested + size);
		PA_CHECK_EQ(after.live_bytes_allocated,
			    before.live_bytes_allocated + expected_class(size));
		pa_free(p);
	}
	after = pa_t_stats(NULL);
	PA_CHECK_EQ(after.allocs, before.allocs + pa_small_max);
	PA_CHECK_EQ(after.frees, before.frees + pa_small_max);
	PA_CHECK_EQ(after.large_live, 0);
}

/* A class's own size stays in it; one byte more goes to the next. */
static void test_class_boundaries(void)
{
	unsigned int i;

	for (i = 0; i + 1 < pa_nr_classes; i++) {
		unsigned int size = pa_class_size[i];
		void *p = pa_alloc(size, GFP_KERNEL);
		void *q = pa_alloc(size + 1, GFP_KERNEL);

		PA_CHECK(p && q);
		PA_CHECK_EQ(pa_usable_size(p), size);
		PA_CHECK_EQ(pa_usable_size(q), pa_class_size[i + 1]);
		pa_free(p);
		pa_free(q);
	}
}

/* small_max itself is small; one byte more is a large allocation. */
static void test_small_max_boundary(void)
{
	void *p = pa_alloc(pa_small_max, GFP_KERNEL);
	void *q = pa_alloc(pa_small_max + 1, GFP_KERNEL);
	struct pa_stats st = pa_t_stats(NULL);

	PA_CHECK(p && q);
	PA_CHECK_EQ(st.large_live, 1);
	PA_CHECK_EQ(st.large_bytes, t_large_usable(pa_small_max + 1));
	PA_CHECK_EQ(pa_usable_size(q), t_large_usable(pa_small_max + 1));
	pa_free(p);
	pa_free(q);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
}

static void test_small_max_param_sets_the_boundary(void)
{
	void *p = pa_alloc(512, GFP_KERNEL);
	void *q = pa_alloc(513, GFP_KERNEL);

	PA_CHECK_EQ(pa_small_max, 512);
	PA_CHECK_EQ(pa_nr_classes, 512 / 16);
	PA_CHECK(p && q);
	PA_CHECK_EQ(pa_usable_size(p), 512);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 1);
	pa_free(p);
	pa_free(q);
}

/* A small_max that is not a class size, or out of range, refuses the load. */
static void test_bad_small_max_refuses_load(void)
{
	pa_t_log_count("is not a size class");
	PA_CHECK(pa_user_load("small_max=1000") != 0);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
}

static void test_bad_debug_param_refuses_load(void)
{
	pa_t_log_count("is not a boolean");
	PA_CHECK(pa_user_load("debug=2") != 0);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
}

static void test_bad_backend_refuses_load(void)
{
	pa_t_log_count("is not a backend");
	PA_CHECK(pa_user_load("backend=slab") != 0);
	PA_CHECK_EQ(pa_t_log_matches(), 1);
}

/* Every block is 16-byte aligned, several of each size at once. */
static void test_blocks_are_16_byte_aligned(void)
{
	/* Enough blocks per size to carve past a run's first block. */
	enum { N = 8 };
	void *p[N];
	unsigned int size, i;

	for (size = 1; size <= pa_small_max; size += 7) {
		for (i = 0; i < N; i++) {
			p[i] = pa_alloc(size, GFP_KERNEL);
			PA_CHECK(p[i]);
			if ((uintptr_t)p[i] % 16)
				pa_fail(__FILE__, __LINE__, "size %u: %p",
					size, p[i]);
		}
		for (i = 0; i < N; i++)
			pa_free(p[i]);
	}
}

/* Powers of two up to PAGE_SIZE are naturally aligned. */
static void test_powers_of_two_are_naturally_aligned(void)
{
	/* More blocks than a run of the 4 KiB class holds. */
	enum { N = 9 };
	unsigned int size, i;
	void *p[N];

	for (size = 16; size <= PAGE_SIZE; size *= 2) {
		for (i = 0; i < N; i++) {
			p[i] = pa_alloc(size, GFP_KERNEL);
			PA_CHECK(p[i]);
			if ((uintptr_t)p[i] % size)
				pa_fail(__FILE__, __LINE__, "size %u: %p",
					size, p[i]);
		}
		for (i = 0; i < N; i++)
			pa_free(p[i]);
	}
}

static void test_zero_size_and_null(void)
{
	struct pa_stats before = pa_t_stats(NULL), after;

	PA_CHECK(pa_alloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK(pa_zalloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK(pa_calloc(0, 8, GFP_KERNEL) == ZERO_SIZE_PTR);
	pa_free(NULL);
	pa_free(ZERO_SIZE_PTR);
	PA_CHECK_EQ(pa_usable_size(ZERO_SIZE_PTR), 0);
	PA_CHECK(!pa_owns(ZERO_SIZE_PTR));
	PA_CHECK(!pa_owns(NULL));
	after = pa_t_stats(NULL);
	PA_CHECK_EQ(after.allocs, before.allocs);
	PA_CHECK_EQ(after.frees, before.frees);
	PA_CHECK_EQ(after.invalid_frees, 0);
	PA_CHECK_EQ(after.failures, 0);
}

/* A block used dirty, freed, then handed out again zeroed. */
static void check_zeroing(void *(*get)(size_t size), size_t size)
{
	unsigned char *p = pa_alloc(size, GFP_KERNEL), *q;

	PA_CHECK(p);
	memset(p, 0xff, size);
	pa_free(p);
	q = get(size);
	PA_CHECK(q);
	/* The cache hands the same block back: the check is not vacuous. */
	if (size <= pa_small_max)
		PA_CHECK(q == p);
	PA_CHECK(pa_t_all(q, size, 0));
	pa_free(q);
}

static void *get_zalloc(size_t size)
{
	return pa_zalloc(size, GFP_KERNEL);
}

static void *get_gfp_zero(size_t size)
{
	return pa_alloc(size, GFP_ATOMIC | __GFP_ZERO);
}

static void *get_calloc(size_t size)
{
	return pa_calloc(size / 8, 8, GFP_KERNEL);
}

static void *get_plain(size_t size)
{
	return pa_alloc(size, GFP_KERNEL);
}

static void test_zalloc_zeroes_a_reused_block(void)
{
	static const size_t sizes[] = { 8, 16, 200, 512, 1000, 4096, 10000 };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		check_zeroing(get_zalloc, sizes[i]);
}

static void test_gfp_zero_zeroes_a_reused_block(void)
{
	static const size_t sizes[] = { 8, 64, 720, 4096, 3 * PAGE_SIZE };
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		check_zeroing(get_gfp_zero, sizes[i]);
}

static void test_calloc_zeroes_and_counts_the_product(void)
{
	struct pa_stats before = pa_t_stats(NULL);
	void *p;

	check_zeroing(get_calloc, 240);
	p = pa_calloc(10, 24, GFP_KERNEL);
	PA_CHECK(p);
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested,
		    before.live_bytes_requested + 240);
	pa_free(p);
}

/* n * size overflows: NULL, counted in failures, without a warning. */
static void test_calloc_overflow_fails_and_counts(void)
{
	struct pa_stats before = pa_t_stats(NULL), after;

	PA_CHECK(!pa_calloc(SIZE_MAX / 2, 3, GFP_KERNEL));
	PA_CHECK(!pa_calloc(3, SIZE_MAX / 2, GFP_KERNEL));
	PA_CHECK(!pa_calloc(1UL << 33, 1UL << 33, GFP_KERNEL));
	after = pa_t_stats(NULL);
	PA_CHECK_EQ(after.failures, before.failures + 3);
	PA_CHECK_EQ(after.allocs, before.allocs);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/*
 * A sleeping gfp with preemption disabled is reported by might_alloc(),
 * which the fast path calls only where it checks something (main.c): with
 * CONFIG_DEBUG_ATOMIC_SLEEP, as the checking builds define it.  An atomic
 * gfp is not, and both allocations are served.
 */
static void test_sleeping_gfp_in_atomic_context_is_reported(void)
{
	unsigned long before;
	void *p, *q;

	pa_user_abort_on_warn(false);
	before = pa_user_warnings();
	preempt_disable();
	p = pa_alloc(64, GFP_ATOMIC);
	q = pa_alloc(64, GFP_KERNEL);
	preempt_enable();
	PA_CHECK(p && q);
	PA_CHECK_EQ(pa_user_warnings(), before + 1);
	pa_user_abort_on_warn(true);
	pa_free(p);
	pa_free(q);
}

static void test_impossible_sizes_fail_and_count(void)
{
	struct pa_stats before = pa_t_stats(NULL);

	PA_CHECK(!pa_alloc(SIZE_MAX, GFP_KERNEL));
	PA_CHECK(!pa_alloc((size_t)INT_MAX + 1, GFP_KERNEL));
	PA_CHECK(!pa_zalloc(SIZE_MAX, GFP_KERNEL | __GFP_NOFAIL));
	PA_CHECK_EQ(pa_t_stats(NULL).failures, before.failures + 3);
	PA_CHECK_EQ(pa_user_warnings(), 0);
}

/* init_on_alloc: every block is zeroed, without __GFP_ZERO. */
static void test_init_on_alloc_zeroes(void)
{
	static const size_t sizes[] = { 24, 256, 3000, 9000 };
	unsigned int i;

	PA_CHECK_EQ(pa_user_load(""), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		check_zeroing(get_plain, sizes[i]);
}

static void load_init_on_alloc(void)
{
	pa_user_init_on(true, false);
	test_init_on_alloc_zeroes();
}

/*
 * init_on_free: a freed block is cleared, the first word (its free-list
 * link) again as it is handed out, so a plain allocation sees zeroes.
 */
static void test_init_on_free_clears(void)
{
	static const size_t sizes[] = { 16, 100, 2048 };
	unsigned int i;

	pa_user_init_on(false, true);
	PA_CHECK_EQ(pa_user_load(""), 0);
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		check_zeroing(get_plain, sizes[i]);
}

/* ---- realloc ------------------------------------------------------------ */

static void test_realloc_null_allocates(void)
{
	void *p = pa_realloc(NULL, 100, GFP_KERNEL);
	void *q = pa_realloc(ZERO_SIZE_PTR, 100, GFP_KERNEL);

	PA_CHECK(p && q && p != q);
	PA_CHECK(pa_owns(p) && pa_owns(q));
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 2);
	pa_free(p);
	pa_free(q);
}

static void test_realloc_to_zero_frees(void)
{
	void *p = pa_alloc(100, GFP_KERNEL);

	PA_CHECK(p);
	PA_CHECK(pa_realloc(p, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK(!pa_owns(p));
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
	PA_CHECK_EQ(pa_t_stats(NULL).frees, 1);
}

/* Within the usable size the block stays, growing or shrinking. */
static void test_realloc_in_place(void)
{
	unsigned char *p = pa_alloc(100, GFP_KERNEL), *q;

	PA_CHECK(p);
	PA_CHECK_EQ(pa_usable_size(p), 112);
	pa_t_fill(p, 100, 1);
	q = pa_realloc(p, 112, GFP_KERNEL);
	PA_CHECK(q == p);
	PA_CHECK(pa_t_filled(q, 100, 1));
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 112);
	q = pa_realloc(p, 10, GFP_KERNEL);
	PA_CHECK(q == p);
	PA_CHECK(pa_t_filled(q, 10, 1));
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 10);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 1);
	PA_CHECK_EQ(pa_t_stats(NULL).allocs, 1);
	pa_free(q);
}

/* Growing past the class moves the block and keeps every byte. */
static void test_realloc_grow_keeps_contents(void)
{
	static const size_t steps[] = { 24, 200, 700, 4000, 5000, 40000 };
	unsigned char *p = pa_alloc(10, GFP_KERNEL);
	size_t old = 10;
	unsigned int i;

	PA_CHECK(p);
	pa_t_fill(p, old, 7);
	for (i = 0; i < ARRAY_SIZE(steps); i++) {
		p = pa_realloc(p, steps[i], GFP_KERNEL);
		PA_CHECK(p);
		PA_CHECK(pa_usable_size(p) >= steps[i]);
		PA_CHECK(pa_t_filled(p, old, 7));
		pa_t_fill(p, steps[i], 7);
		old = steps[i];
		PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 1);
		PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, old);
	}
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 1);
	pa_free(p);
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 0);
}

/* A large block shrunk below small_max keeps its bytes. */
static void test_realloc_shrink_large_keeps_contents(void)
{
	unsigned char *p = pa_alloc(3 * PAGE_SIZE, GFP_KERNEL), *q;

	PA_CHECK(p);
	pa_t_fill(p, 3 * PAGE_SIZE, 3);
	q = pa_realloc(p, 3 * PAGE_SIZE - 100, GFP_KERNEL);
	PA_CHECK(q == p);
	q = pa_realloc(p, 100, GFP_KERNEL);
	PA_CHECK(q);
	PA_CHECK(pa_t_filled(q, 100, 3));
	PA_CHECK_EQ(pa_t_stats(NULL).live_bytes_requested, 100);
	pa_free(q);
	PA_CHECK_EQ(pa_t_stats(NULL).large_live, 0);
}

/* Shrink then grow with __GFP_ZERO: no old byte shows. */
static void test_realloc_gfp_zero_hides_old_bytes(void)
{
	unsigned char *p = pa_alloc(100, GFP_KERNEL), *q;

	PA_CHECK(p);
	memset(p, 0xee, 100);
	q = pa_realloc(p, 20, GFP_KERNEL);
	PA_CHECK(q == p);
	q = pa_realloc(q, 100, GFP_KERNEL | __GFP_ZERO);
	PA_CHECK(q == p);
	PA_CHECK(pa_t_all(q, 20, 0xee));
	PA_CHECK(pa_t_all(q + 20, 80, 0));
	/* Moved: the new block's bytes past the old request are zero. */
	q = pa_realloc(q, 1000, GFP_KERNEL | __GFP_ZERO);
	PA_CHECK(q && q != p);
	PA_CHECK(pa_t_all(q, 20, 0xee));
	PA_CHECK(pa_t_all(q + 20, 980, 0));
	pa_free(q);
}

/* A failed realloc leaves the old block live and intact. */
static void test_realloc_failure_keeps_the_block(void)
{
	unsigned char *p = pa_alloc(100, GFP_KERNEL);

	PA_CHECK(p);
	pa_t_fill(p, 100, 9);
	PA_CHECK(!pa_realloc(p, SIZE_MAX, GFP_KERNEL));
	PA_CHECK(pa_owns(p));
	PA_CHECK(pa_t_filled(p, 100, 9));
	PA_CHECK_EQ(pa_t_stats(NULL).live_blocks, 1);
	pa_free(p);
}

const struct pa_case pa_api_cases[] = {
	PA_CASE(test_class_table_matches_the_specification, ""),
	PA_CASE(test_every_size_gets_its_class, ""),
	PA_CASE(test_class_boundaries, ""),
	PA_CASE(test_small_max_boundary, ""),
	PA_CASE(test_small_max_param_sets_the_boundary, "small_max=512"),
	PA_CASE(test_bad_small_max_refuses_load, NULL),
	PA_CASE(test_bad_debug_param_refuses_load, NULL),
	PA_CASE(test_bad_backend_refuses_load, NULL),
	PA_CASE(test_blocks_are_16_byte_aligned, ""),
	PA_CASE(test_powers_of_two_are_naturally_aligned, ""),
	PA_CASE(test_zero_size_and_null, ""),
	PA_CASE(test_zalloc_zeroes_a_reused_block, ""),
	PA_CASE(test_gfp_zero_zeroes_a_reused_block, ""),
	PA_CASE(test_calloc_zeroes_and_counts_the_product, ""),
	PA_CASE(test_calloc_overflow_fails_and_counts, ""),
	PA_CASE(test_sleeping_gfp_in_atomic_context_is_reported, ""),
	PA_CASE(test_impossible_sizes_fail_and_count, ""),
	{ "test_init_on_alloc_zeroes", NULL, load_init_on_alloc },
	PA_CASE(test_init_on_free_clears, NULL),
	PA_CASE(test_realloc_null_allocates, ""),
	PA_CASE(test_realloc_to_zero_frees, ""),
	PA_CASE(test_realloc_in_place, ""),
	PA_CASE(test_realloc_grow_keeps_contents, ""),
	PA_CASE(test_realloc_shrink_large_keeps_contents, ""),
	PA_CASE(test_realloc_gfp_zero_hides_old_bytes, ""),
	PA_CASE(test_realloc_failure_keeps_the_block, ""),
	{ }
};
