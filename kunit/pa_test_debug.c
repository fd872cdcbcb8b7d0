// SPDX-License-Identifier: GPL-2.0
/*
 * Debug mode (PA_POOL_DEBUG): guard bytes, fill patterns, the quarantine,
 * and each misuse detected, counted once in its own counter and reported
 * under its own name.  Every misuse is planted in a pool of its own.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/tracepoint.h>
#include <trace/events/printk.h>
#include "pa_test.h"

/* CPython's patterns: guards, new data, freed data. */
#define GUARD		0xFD
#define NEW		0xCD
#define DEAD		0xDD
/* More frees than the quarantine holds (256 blocks). */
#define FLUSH		300

/* Report lines seen on the console, by the counter they name. */
static const char *const err_names[] = {
	"err_overflow_before", "err_overflow_after", "err_use_after_free",
	"err_double_free", "err_wrong_pool",
};

static atomic_t reported[ARRAY_SIZE(err_names)];

static void probe_console(void *ignore, const char *buf, size_t len)
{
	unsigned int i;
	char name[32];

	for (i = 0; i < ARRAY_SIZE(err_names); i++) {
		snprintf(name, sizeof(name), "(%s)", err_names[i]);
		if (strnstr(buf, name, len))
			atomic_inc(&reported[i]);
	}
}

static int debug_suite_init(struct kunit_suite *suite)
{
	return register_trace_console(probe_console, NULL);
}

static void debug_suite_exit(struct kunit_suite *suite)
{
	unregister_trace_console(probe_console, NULL);
	tracepoint_synchronize_unregister();
}

static struct pa_pool *debug_pool(struct kunit *test, const char *name)
{
	struct pa_pool *pool = pa_test_pool_flags(test, name, PA_POOL_DEBUG);
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(reported); i++)
		atomic_set(&reported[i], 0);
	return pool;
}

/* The error counters of a snapshot, in err_names' order. */
static void err_counts(const struct pa_stats *st, u64 *c)
{
	c[0] = st->err_overflow_before;
	c[1] = st->err_overflow_after;
	c[2] = st->err_use_after_free;
	c[3] = st->err_double_free;
	c[4] = st->err_wrong_pool;
}

/*
 * Since @before: counter @which (an index in err_names, or -1 for none)
 * moved by exactly one and was reported once under its name; no other
 * error counter moved, and nothing was refused.
 */
static void expect_only(struct kunit *test, struct pa_pool *pool,
			const struct pa_stats *before, int which)
{
	struct pa_stats after = pa_test_stats(pool);
	u64 b[ARRAY_SIZE(err_names)], a[ARRAY_SIZE(err_names)];
	unsigned int i;

	err_counts(before, b);
	err_counts(&after, a);
	for (i = 0; i < ARRAY_SIZE(err_names); i++) {
		KUNIT_EXPECT_EQ_MSG(test, a[i] - b[i], (u64)(i == which),
				    "%s", err_names[i]);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&reported[i]),
				    (int)(i == which), "reports of %s",
				    err_names[i]);
	}
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before->invalid_frees);
}

/* ---- Layout and patterns ----------------------------------------------- */

/* New data is 0xCD (or zero when asked), the guards 0xFD, freed data 0xDD. */
static void test_debug_patterns_are_where_they_belong(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-patterns");
	u8 *p, *z;

	p = pa_pool_alloc(pool, 24, GFP_KERNEL);
	z = pa_pool_zalloc(pool, 24, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, z);
	KUNIT_EXPECT_TRUE(test, IS_ALIGNED((unsigned long)p, 16));
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p, NEW, 24));
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(z, 0, 24));
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p - 8, GUARD, 8));
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p + 24, GUARD, 8));
	/* The client's view: the request is the usable size. */
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), (size_t)24);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	pa_free(p);
	/* Quarantined: dead, not owned, and counted as freed. */
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p, DEAD, 24));
	KUNIT_EXPECT_FALSE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 1ULL);
	pa_free(z);
}

/*
 * A clean workload, small and large blocks, realloc included, moves no
 * counter, validates clean, and its statistics are the client's own.
 */
static void test_debug_clean_workload_moves_nothing(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-clean");
	struct pa_stats before = pa_test_stats(pool), st;
	static const size_t sizes[] = { 1, 15, 16, 100, 500, 3000, 9000 };
	void *blocks[ARRAY_SIZE(sizes)];
	u64 requested = 0;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		blocks[i] = pa_pool_alloc(pool, sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
		memset(blocks[i], i, sizes[i]);
		requested += sizes[i];
	}
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, (u64)ARRAY_SIZE(sizes));
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, requested);
	KUNIT_EXPECT_EQ(test, pa_pool_validate(pool), 0);
	/* realloc moves a debug block, keeping the request's bytes. */
	blocks[3] = pa_realloc(blocks[3], 200, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, blocks[3]);
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(blocks[3], 3, 100));
	for (i = 0; i < ARRAY_SIZE(sizes); i++)
		pa_free(blocks[i]);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
	KUNIT_EXPECT_EQ(test, st.frees, st.allocs);
	KUNIT_EXPECT_EQ(test, pa_pool_validate(pool), 0);
	expect_only(test, pool, &before, -1);
}

/* ---- Each misuse ------------------------------------------------------- */

static void test_debug_write_before_the_block(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-before");
	struct pa_stats before = pa_test_stats(pool);
	u8 *p = pa_pool_alloc(pool, 32, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_test_fill(p - 3, 0, 1);
	pa_free(p);
	expect_only(test, pool, &before, 0);
	/* Never reused: it stays out of the pool, counted as freed. */
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
}

static void test_debug_write_after_the_block(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-after");
	struct pa_stats before = pa_test_stats(pool);
	u8 *p = pa_pool_alloc(pool, 20, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_test_fill(p + 20, 0x41, 1);
	pa_free(p);
	expect_only(test, pool, &before, 1);
}

/* FLUSH blocks of @size, to free after the block under test. */
static void **alloc_flush(struct kunit *test, struct pa_pool *pool,
			  size_t size)
{
	void **others = kunit_kcalloc(test, FLUSH, sizeof(*others), GFP_KERNEL);
	unsigned int i;

	KUNIT_ASSERT_NOT_NULL(test, others);
	for (i = 0; i < FLUSH; i++) {
		others[i] = pa_pool_alloc(pool, size, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, others[i]);
	}
	return others;
}

/* Free them: more frees than the quarantine holds, so it turns over. */
static void free_flush(void **others)
{
	unsigned int i;

	for (i = 0; i < FLUSH; i++)
		pa_free(others[i]);
}

/* A write into a quarantined block is found when the block leaves it. */
static void test_debug_write_after_free(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-uaf");
	struct pa_stats before = pa_test_stats(pool);
	u8 *p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	void **others = alloc_flush(test, pool, 64);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
	pa_test_fill(p + 10, 0x42, 1);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).err_use_after_free, 0ULL);
	free_flush(others);
	expect_only(test, pool, &before, 2);
}

static void test_debug_double_free(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-double");
	struct pa_stats before = pa_test_stats(pool);
	u8 *p = pa_pool_alloc(pool, 48, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
	pa_free(p);
	expect_only(test, pool, &before, 3);
}

/*
 * Freed again through another pool: a double free in the block's pool, not
 * a free through the wrong one (the fuzzer's finding).
 */
static void test_debug_double_free_through_other_pool(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-double-owner");
	struct pa_pool *other = pa_test_pool_flags(test, "dbg-double-other",
						   PA_POOL_DEBUG);
	struct pa_stats before = pa_test_stats(pool);
	struct pa_stats other_before = pa_test_stats(other);
	u8 *p = pa_pool_alloc(pool, 48, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_pool_free(pool, p);
	pa_pool_free(other, p);
	expect_only(test, pool, &before, 3);
	KUNIT_EXPECT_EQ(test, pa_test_stats(other).err_wrong_pool,
			other_before.err_wrong_pool);
}

/*
 * A large debug block's start, debug mode's head before the client's data,
 * is no client block: not owned, no usable size, a free or realloc of it
 * refused and counted where a pointer in no arena is, the block intact.
 * (The userspace fuzzer's finding: pa_free() of it freed the memory under
 * the block.)
 */
static void test_debug_large_block_start_is_refused(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-large-start");
	struct pa_stats dflt = pa_test_stats(NULL);
	size_t size = pa_small_max;
	u8 *p = pa_pool_alloc(pool, size, GFP_KERNEL), *start;

	KUNIT_ASSERT_NOT_NULL(test, p);
	/* The head is 16 bytes: requested, serial, 8 guard bytes. */
	start = p - 16;
	KUNIT_EXPECT_FALSE(test, pa_owns(start));
	KUNIT_EXPECT_EQ(test, pa_usable_size(start), 0);
	pa_free(start);
	KUNIT_EXPECT_NULL(test, pa_realloc(start, 64, GFP_KERNEL));
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).invalid_frees,
			dflt.invalid_frees + 2);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), size);
	memset(p, 0x5a, size);
	pa_free(p);
	KUNIT_EXPECT_FALSE(test, pa_owns(p));
}

/*
 * A small debug block's start, the head 16 bytes before the client's
 * pointer, is a block's start in the run underneath but no client's: a
 * free of it, while the client holds the block or while it is quarantined,
 * is refused and counted in the pool, and the block stays debug mode's.
 * (The userspace fuzzer's fourth finding: pa_free() of it went down the
 * free fast path and freed the block underneath.)
 */
static void test_debug_small_block_start_is_refused(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-small-start");
	struct pa_stats before = pa_test_stats(pool), after;
	u8 *p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	u8 *q = pa_pool_alloc(pool, 64, GFP_KERNEL);

	pa_test_need_pool_backend(test, "runs, where a debug block starts a block");
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	/* The head is 16 bytes: requested, serial, 8 guard bytes. */
	pa_free(p - 16);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), (size_t)64);
	pa_free(q);
	pa_free(q - 16);
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(q, DEAD, 64));
	after = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, after.frees, before.frees + 1);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 2);
	KUNIT_EXPECT_EQ(test, pa_pool_validate(pool), 0);
	memset(p, 0x5a, 64);
	pa_free(p);
	before.allocs += 2;
	before.frees += 2;
	before.invalid_frees += 2;
	expect_only(test, pool, &before, -1);
}

/* Freed again after the quarantine gave the block back to the pool. */
static void test_debug_double_free_after_quarantine(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-double2");
	struct pa_stats before = pa_test_stats(pool);
	u8 *p = pa_pool_alloc(pool, 48, GFP_KERNEL);
	void **others = alloc_flush(test, pool, 48);

	pa_test_need_pool_backend(test, "runs, where a given-back block's tail stays");
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
	free_flush(others);
	pa_free(p);
	expect_only(test, pool, &before, 3);
}

/* An interior pointer is refused as in any pool: invalid_frees. */
static void test_debug_interior_pointer_is_refused(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-interior");
	struct pa_stats before = pa_test_stats(pool), after;
	u8 *p = pa_pool_alloc(pool, 64, GFP_KERNEL);

	pa_test_need_pool_backend(test, "runs, which name the pool of a pointer inside a block");
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p + 8);
	after = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 1);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	before.invalid_frees++;
	expect_only(test, pool, &before, -1);
	pa_free(p);
}

/*
 * A client pointer into a block never handed out is refused as invalid,
 * not taken for a block freed twice: only a block debug mode gave back
 * (its tail record says so) is freed again.
 */
static void test_debug_pointer_into_unused_block_is_refused(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-unused");
	struct pa_stats before = pa_test_stats(pool), after;
	u8 *p = pa_pool_alloc(pool, 8, GFP_KERNEL);
	u8 *block = p - 16, *other;

	pa_test_need_pool_backend(test, "runs, which hold unused blocks");
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_EQ(test, pa_usable_size(p), (size_t)8);
	/*
	 * 8 + 40 bytes: a neighbouring 48-byte block of the same run, carved,
	 * unused; the one before when random carving put @p last in the run.
	 */
	other = ((unsigned long)block & (PA_RUN_SIZE - 1)) + 2 * 48 <=
		PA_RUN_SIZE ? block + 48 : block - 48;
	pa_free(other + 16);
	after = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 1);
	before.invalid_frees++;
	expect_only(test, pool, &before, -1);
	pa_free(p);
}

/* pa_pool_free() through another pool leaves the block live. */
static void test_debug_free_through_wrong_pool(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-owner");
	struct pa_pool *other = pa_test_pool_flags(test, "dbg-other",
						   PA_POOL_DEBUG);
	struct pa_pool *plain = pa_test_pool(test, "plain-other");
	struct pa_stats before = pa_test_stats(other);
	u8 *p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	u8 *q = pa_pool_alloc(plain, 64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_ASSERT_NOT_NULL(test, q);
	pa_pool_free(other, p);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	expect_only(test, other, &before, 4);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).err_wrong_pool, 0ULL);
	/* Without debug mode too, and the right pool frees it. */
	before = pa_test_stats(pool);
	atomic_set(&reported[4], 0);
	pa_pool_free(pool, q);
	KUNIT_EXPECT_TRUE(test, pa_owns(q));
	expect_only(test, pool, &before, 4);
	pa_pool_free(pool, p);
	pa_pool_free(plain, q);
	KUNIT_EXPECT_FALSE(test, pa_owns(q));
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
}

/*
 * pa_pool_validate() finds a live block's damage now, once; its debugfs
 * file runs it too.
 */
static void test_debug_validate_finds_damage_once(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-validate");
	struct pa_stats before = pa_test_stats(pool);
	char path[96], buf[16];
	u8 *p = pa_pool_alloc(pool, 40, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	snprintf(path, sizeof(path), PA_TEST_DEBUGFS "/pools/%s/validate",
		 pool->name);
	KUNIT_ASSERT_GT(test, pa_test_read_file(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "0\n");
	pa_test_fill(p + 40, 0, 2);
	KUNIT_EXPECT_EQ(test, pa_pool_validate(pool), 1);
	KUNIT_EXPECT_EQ(test, pa_pool_validate(pool), 0);
	KUNIT_ASSERT_GT(test, pa_test_read_file(path, buf, sizeof(buf)), 0);
	KUNIT_EXPECT_STREQ(test, buf, "0\n");
	/* Freed, it is held back without a second report. */
	pa_free(p);
	expect_only(test, pool, &before, 1);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
}

/*
 * While a block of the pool is being made (handed out underneath, its head
 * and tail not yet written, so it holds anything), pa_pool_validate(),
 * which takes none of the locks the client's calls take, reports nothing;
 * the same damage once no block is being made is one finding.
 */
static void test_debug_validate_waits_while_a_block_is_made(struct kunit *test)
{
	struct pa_pool *pool = debug_pool(test, "dbg-making");
	struct pa_stats before = pa_test_stats(pool);
	u8 *p = pa_pool_alloc(pool, 8, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	/* The head's guard, as a half-made block's may read. */
	pa_test_fill(p - 8, 0, 8);
	pa_debug_make_begin(pool);
	KUNIT_EXPECT_EQ(test, pa_pool_validate(pool), 0);
	expect_only(test, pool, &before, -1);
	pa_debug_make_end(pool, false);

	KUNIT_EXPECT_EQ(test, pa_pool_validate(pool), 1);
	pa_free(p);
	expect_only(test, pool, &before, 0);
}

static struct kunit_case pa_debug_cases[] = {
	KUNIT_CASE(test_debug_patterns_are_where_they_belong),
	KUNIT_CASE(test_debug_clean_workload_moves_nothing),
	KUNIT_CASE(test_debug_write_before_the_block),
	KUNIT_CASE(test_debug_write_after_the_block),
	KUNIT_CASE(test_debug_write_after_free),
	KUNIT_CASE(test_debug_double_free),
	KUNIT_CASE(test_debug_double_free_through_other_pool),
	KUNIT_CASE(test_debug_large_block_start_is_refused),
	KUNIT_CASE(test_debug_small_block_start_is_refused),
	KUNIT_CASE(test_debug_double_free_after_quarantine),
	KUNIT_CASE(test_debug_interior_pointer_is_refused),
	KUNIT_CASE(test_debug_pointer_into_unused_block_is_refused),
	KUNIT_CASE(test_debug_free_through_wrong_pool),
	KUNIT_CASE(test_debug_validate_finds_damage_once),
	KUNIT_CASE(test_debug_validate_waits_while_a_block_is_made),
	{}
};

static struct kunit_suite pa_debug_suite = {
	.name = "pool_alloc_debug",
	.suite_init = debug_suite_init,
	.suite_exit = debug_suite_exit,
	.test_cases = pa_debug_cases,
};

kunit_test_suite(pa_debug_suite);
