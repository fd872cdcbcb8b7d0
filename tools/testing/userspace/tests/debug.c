// SPDX-License-Identifier: GPL-2.0
/*
 * Debug mode (kunit/pa_test_debug.c): each misuse is counted once in its
 * own counter and reported once under its name, in a PA_POOL_DEBUG pool
 * and, with debug=1, in the default pool.  Each case runs both ways.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "pa_tests.h"

#define GUARD		0xFD
#define NEW		0xCD
#define DEAD		0xDD
/* More frees than the quarantine's 256 blocks: it turns over. */
#define FLUSH		300

enum { BEFORE, AFTER, UAF, DOUBLE, WRONG, NR_ERRS };

static const char *const err_names[NR_ERRS] = {
	"(err_overflow_before)", "(err_overflow_after)",
	"(err_use_after_free)", "(err_double_free)", "(err_wrong_pool)",
};

static unsigned long reported[NR_ERRS], refused;

static void count_reports(const char *line)
{
	unsigned int i;

	for (i = 0; i < NR_ERRS; i++)
		if (strstr(line, err_names[i]))
			reported[i]++;
	if (strstr(line, "not a live block of this allocator"))
		refused++;
}

/*
 * The pool under test: a PA_POOL_DEBUG pool, or the default pool when
 * the case loaded with debug=1 (every pool is a debug pool then).
 */
static struct pa_pool *debug_pool(const char *name)
{
	struct pa_pool *pool = NULL;
	char debug[8] = "";

	PA_CHECK(pa_user_param_get("debug", debug, sizeof(debug)) > 0);
	if (debug[0] != 'Y' && debug[0] != '1') {
		pool = pa_pool_create(name, PA_POOL_DEBUG);
		PA_CHECK(!IS_ERR_OR_NULL(pool));
	}
	memset(reported, 0, sizeof(reported));
	refused = 0;
	pa_user_log_hook(count_reports);
	return pool;
}

static void err_counts(const struct pa_stats *st, u64 *c)
{
	c[BEFORE] = st->err_overflow_before;
	c[AFTER] = st->err_overflow_after;
	c[UAF] = st->err_use_after_free;
	c[DOUBLE] = st->err_double_free;
	c[WRONG] = st->err_wrong_pool;
}

/*
 * Since @before: counter @which (or none, -1) moved by exactly one and
 * was reported once; no other moved, nothing was refused.
 */
static void expect_only(struct pa_pool *pool, const struct pa_stats *before,
			int which)
{
	struct pa_stats after = pa_t_stats(pool);
	u64 b[NR_ERRS], a[NR_ERRS];
	unsigned int i;

	err_counts(before, b);
	err_counts(&after, a);
	for (i = 0; i < NR_ERRS; i++) {
		unsigned long want = i == which;

		if (a[i] - b[i] != want)
			pa_fail(__FILE__, __LINE__, "%s moved by %llu",
				err_names[i], a[i] - b[i]);
		if (reported[i] != want)
			pa_fail(__FILE__, __LINE__, "%s reported %lu times",
				err_names[i], reported[i]);
	}
	PA_CHECK_EQ(after.invalid_frees, before->invalid_frees);
}

static void **alloc_flush(struct pa_pool *pool, size_t size)
{
	static void *others[FLUSH];
	unsigned int i;

	for (i = 0; i < FLUSH; i++)
		PA_CHECK(others[i] = pa_pool_alloc(pool, size, GFP_KERNEL));
	return others;
}

static void free_flush(void **others)
{
	unsigned int i;

	for (i = 0; i < FLUSH; i++)
		pa_free(others[i]);
}

/* New data 0xCD (or zero when asked), guards 0xFD, freed data 0xDD. */
static void test_debug_patterns(void)
{
	struct pa_pool *pool = debug_pool("dbg-patterns");
	unsigned char *p = pa_pool_alloc(pool, 24, GFP_KERNEL);
	unsigned char *z = pa_pool_zalloc(pool, 24, GFP_KERNEL);
	struct pa_stats before = pa_t_stats(pool);

	PA_CHECK(p && z);
	PA_CHECK((uintptr_t)p % 16 == 0);
	PA_CHECK(pa_t_all(p, 24, NEW));
	PA_CHECK(pa_t_all(z, 24, 0));
	PA_CHECK(pa_t_peek_all(p - 8, 8, GUARD));
	PA_CHECK(pa_t_peek_all(p + 24, 8, GUARD));
	PA_CHECK_EQ(pa_usable_size(p), 24);
	PA_CHECK(pa_owns(p));
	pa_free(p);
	/* Quarantined: dead, not owned, counted as freed. */
	PA_CHECK(pa_t_peek_all(p, 24, DEAD));
	PA_CHECK(!pa_owns(p));
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, before.live_blocks - 1);
	pa_free(z);
	expect_only(pool, &before, -1);
	pa_pool_destroy(pool);
}

/* A clean workload, realloc included, moves no counter, validates clean. */
static void test_debug_clean_workload_reports_nothing(void)
{
	static const size_t sizes[] = { 1, 15, 16, 100, 500, 3000, 9000 };
	struct pa_pool *pool = debug_pool("dbg-clean");
	struct pa_stats before = pa_t_stats(pool), st;
	void *blocks[ARRAY_SIZE(sizes)];
	u64 requested = 0;
	unsigned int i, round;

	for (round = 0; round < 3; round++) {
		for (i = 0; i < ARRAY_SIZE(sizes); i++) {
			blocks[i] = pa_pool_alloc(pool, sizes[i], GFP_KERNEL);
			PA_CHECK(blocks[i]);
			memset(blocks[i], i, sizes[i]);
			requested += sizes[i];
		}
		st = pa_t_stats(pool);
		PA_CHECK_EQ(st.live_blocks - before.live_blocks,
			    ARRAY_SIZE(sizes));
		PA_CHECK_EQ(st.live_bytes_requested -
			    before.live_bytes_requested, requested);
		PA_CHECK_EQ(pa_pool_validate(pool), 0);
		/* realloc moves a debug block, keeping the request's bytes. */
		blocks[3] = pa_realloc(blocks[3], 200, GFP_KERNEL);
		PA_CHECK(blocks[3]);
		PA_CHECK(pa_t_all(blocks[3], 100, 3));
		blocks[4] = pa_realloc(blocks[4], 400, GFP_KERNEL);
		PA_CHECK(pa_t_all(blocks[4], 400, 4));
		PA_CHECK_EQ(pa_usable_size(blocks[4]), 400);
		for (i = 0; i < ARRAY_SIZE(sizes); i++)
			pa_free(blocks[i]);
		requested = 0;
	}
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.live_blocks, before.live_blocks);
	PA_CHECK_EQ(st.live_bytes_requested, before.live_bytes_requested);
	PA_CHECK_EQ(pa_pool_validate(pool), 0);
	expect_only(pool, &before, -1);
	pa_pool_destroy(pool);
}

static void test_debug_realloc_always_moves(void)
{
	struct pa_pool *pool = debug_pool("dbg-realloc");
	unsigned char *p = pa_pool_alloc(pool, 100, GFP_KERNEL), *q;

	PA_CHECK(p);
	pa_t_fill(p, 100, 5);
	q = pa_realloc(p, 50, GFP_KERNEL);
	PA_CHECK(q && q != p);
	PA_CHECK(pa_t_filled(q, 50, 5));
	PA_CHECK_EQ(pa_usable_size(q), 50);
	PA_CHECK(!pa_owns(p));
	pa_free(q);
	pa_pool_destroy(pool);
}

static void test_debug_write_before_the_block(void)
{
	struct pa_pool *pool = debug_pool("dbg-before");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 32, GFP_KERNEL);

	PA_CHECK(p);
	pa_t_plant(p - 3, 0);
	pa_free(p);
	expect_only(pool, &before, BEFORE);
	/* Never reused: it stays out of the pool, counted as freed. */
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, before.live_blocks);
	pa_pool_destroy(pool);
}

static void test_debug_write_after_the_block(void)
{
	struct pa_pool *pool = debug_pool("dbg-after");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 20, GFP_KERNEL);

	PA_CHECK(p);
	pa_t_plant(p + 20, 0x41);
	pa_free(p);
	expect_only(pool, &before, AFTER);
	pa_pool_destroy(pool);
}

/* A write into a quarantined block is found as the block leaves it. */
static void test_debug_write_after_free(void)
{
	struct pa_pool *pool = debug_pool("dbg-uaf");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	void **others = alloc_flush(pool, 64);

	PA_CHECK(p);
	pa_free(p);
	pa_t_plant(p + 10, 0x42);
	PA_CHECK_EQ(pa_t_stats(pool).err_use_after_free,
		    before.err_use_after_free);
	free_flush(others);
	expect_only(pool, &before, UAF);
	pa_pool_destroy(pool);
}

/* pa_pool_validate() finds a quarantined block's damage at once. */
static void test_debug_validate_finds_write_after_free(void)
{
	struct pa_pool *pool = debug_pool("dbg-uaf2");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 64, GFP_KERNEL);

	PA_CHECK(p);
	pa_free(p);
	pa_t_plant(p + 63, 0);
	PA_CHECK_EQ(pa_pool_validate(pool), 1);
	PA_CHECK_EQ(pa_pool_validate(pool), 0);
	expect_only(pool, &before, UAF);
	pa_pool_destroy(pool);
}

static void test_debug_double_free(void)
{
	struct pa_pool *pool = debug_pool("dbg-double");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 48, GFP_KERNEL);

	PA_CHECK(p);
	pa_free(p);
	pa_free(p);
	expect_only(pool, &before, DOUBLE);
	PA_CHECK_EQ(pa_t_stats(pool).frees, before.frees + 1);
	pa_pool_destroy(pool);
}

/* Freed again after the quarantine gave the block back to the pool. */
static void test_debug_double_free_after_quarantine(void)
{
	struct pa_pool *pool = debug_pool("dbg-double2");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 48, GFP_KERNEL);
	void **others = alloc_flush(pool, 48);

	PA_CHECK(p);
	pa_free(p);
	free_flush(others);
	pa_free(p);
	expect_only(pool, &before, DOUBLE);
	pa_pool_destroy(pool);
}

/* An interior pointer is refused as in any pool: invalid_frees. */
static void test_debug_interior_pointer_is_refused(void)
{
	struct pa_pool *pool = debug_pool("dbg-interior");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 64, GFP_KERNEL);

	PA_CHECK(p);
	pa_free(p + 8);
	PA_CHECK_EQ(pa_t_stats(pool).invalid_frees, before.invalid_frees + 1);
	PA_CHECK_EQ(refused, 1);
	PA_CHECK(pa_owns(p));
	before.invalid_frees++;
	expect_only(pool, &before, -1);
	pa_free(p);
	pa_pool_destroy(pool);
}

/*
 * A large debug block's start, debug mode's head before the client's data,
 * is no client block: not owned, no usable size, a free of it refused and
 * counted, the block itself intact (the fuzzer's third finding).
 */
static void test_debug_large_block_start_is_refused(void)
{
	struct pa_pool *pool = debug_pool("dbg-large-start");
	struct pa_stats before = pa_t_stats(pool), dflt = pa_t_stats(NULL);
	/* With debug mode's bytes, more than small_max: a large block. */
	unsigned char *p = pa_pool_alloc(pool, pa_small_max, GFP_KERNEL);
	unsigned char *start;

	PA_CHECK(p);
	start = p - 16;
	PA_CHECK(!pa_owns(start));
	PA_CHECK_EQ(pa_usable_size(start), 0);
	/* A pointer in no arena and no client's block: the default pool's. */
	pa_free(start);
	PA_CHECK(!pa_realloc(start, 64, GFP_KERNEL));
	PA_CHECK_EQ(pa_t_stats(NULL).invalid_frees, dflt.invalid_frees + 2);
	PA_CHECK(pa_owns(p));
	PA_CHECK_EQ(pa_usable_size(p), pa_small_max);
	pa_free(p);
	PA_CHECK(!pa_owns(start));
	before.allocs++;
	before.frees++;
	expect_only(pool, &before, -1);
	pa_pool_destroy(pool);
}

/*
 * A small debug block's start, in a run of the pool, is no client's
 * pointer either: a free of it, while the client holds the block or while
 * it waits in quarantine, is refused and counted, not taken by the free
 * fast path underneath (the fuzzer's fourth finding).
 */
static void test_debug_small_block_start_is_refused(void)
{
	struct pa_pool *pool = debug_pool("dbg-small-start");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 64, GFP_KERNEL);
	unsigned char *q = pa_pool_alloc(pool, 64, GFP_KERNEL);
	struct pa_stats st;

	PA_CHECK(p && q);
	/* p - 16: debug mode's head, where the block underneath starts. */
	/* Live: the block stays the client's, intact. */
	pa_free(p - 16);
	PA_CHECK(!pa_realloc(p - 16, 32, GFP_KERNEL));
	pa_pool_free(pool, p - 16);
	PA_CHECK(pa_owns(p));
	PA_CHECK_EQ(pa_usable_size(p), 64);
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.frees, before.frees);
	PA_CHECK_EQ(st.invalid_frees, before.invalid_frees + 3);
	/* Quarantined: still held, not freed a second time underneath. */
	pa_free(q);
	pa_free(q - 16);
	PA_CHECK(!pa_realloc(q - 16, 32, GFP_KERNEL));
	pa_pool_free(pool, q - 16);
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.frees, before.frees + 1);
	PA_CHECK_EQ(st.invalid_frees, before.invalid_frees + 6);
	PA_CHECK_EQ(refused, 6);
	PA_CHECK(pa_t_peek_all(q, 64, DEAD));
	PA_CHECK_EQ(pa_pool_validate(pool), 0);
	pa_free(p);
	st = pa_t_stats(pool);
	PA_CHECK_EQ(st.frees, before.frees + 2);
	PA_CHECK_EQ(st.live_blocks, before.live_blocks);
	before.allocs += 2;
	before.frees += 2;
	before.invalid_frees += 6;
	expect_only(pool, &before, -1);
	pa_pool_destroy(pool);
}

static void test_debug_free_through_the_wrong_pool(void)
{
	struct pa_pool *pool = debug_pool("dbg-owner");
	struct pa_pool *other = pa_pool_create("dbg-other", PA_POOL_DEBUG);
	struct pa_stats before;
	unsigned char *p = pa_pool_alloc(pool, 64, GFP_KERNEL);

	PA_CHECK(p && !IS_ERR_OR_NULL(other));
	before = pa_t_stats(other);
	pa_pool_free(other, p);
	PA_CHECK(pa_owns(p));
	expect_only(other, &before, WRONG);
	PA_CHECK_EQ(pa_t_stats(pool).err_wrong_pool, 0);
	pa_pool_free(pool, p);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, 0);
	pa_pool_destroy(other);
	pa_pool_destroy(pool);
}

/* Validate finds a live block's damage now, once; debugfs runs it too. */
static void test_debug_validate_finds_damage_once(void)
{
	struct pa_pool *pool = debug_pool("dbg-validate");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 40, GFP_KERNEL);
	char path[96], buf[16];

	PA_CHECK(p);
	snprintf(path, sizeof(path), "pool_alloc/pools/%s/validate",
		 pool ? "dbg-validate" : "default");
	PA_CHECK(pa_user_debugfs_read(path, buf, sizeof(buf)) > 0);
	PA_CHECK(!strncmp(buf, "0\n", 2));
	pa_t_plant(p + 40, 0);
	PA_CHECK_EQ(pa_pool_validate(pool), 1);
	PA_CHECK_EQ(pa_pool_validate(pool), 0);
	PA_CHECK(pa_user_debugfs_read(path, buf, sizeof(buf)) > 0);
	PA_CHECK(!strncmp(buf, "0\n", 2));
	/* Freed, it is held back without a second report. */
	pa_free(p);
	expect_only(pool, &before, AFTER);
	PA_CHECK_EQ(pa_t_stats(pool).live_blocks, before.live_blocks);
	pa_pool_destroy(pool);
}

/* Large debug blocks are checked as small ones are. */
static void test_debug_large_block_overflow(void)
{
	struct pa_pool *pool = debug_pool("dbg-large");
	struct pa_stats before = pa_t_stats(pool);
	unsigned char *p = pa_pool_alloc(pool, 3 * PAGE_SIZE + 5, GFP_KERNEL);

	PA_CHECK(p);
	PA_CHECK_EQ(pa_usable_size(p), 3 * PAGE_SIZE + 5);
	memset(p, 1, 3 * PAGE_SIZE + 5);
	pa_t_plant(p + 3 * PAGE_SIZE + 5, 0);
	pa_free(p);
	expect_only(pool, &before, AFTER);
	pa_pool_destroy(pool);
}

/* A pool without the flag is left alone: no pattern, no report. */
static void test_plain_pool_beside_a_debug_pool(void)
{
	struct pa_pool *dbg = pa_pool_create("dbg", PA_POOL_DEBUG);
	unsigned char *p = pa_alloc(24, GFP_KERNEL);
	unsigned char *d = pa_pool_alloc(dbg, 24, GFP_KERNEL);

	PA_CHECK(p && d && !IS_ERR_OR_NULL(dbg));
	PA_CHECK_EQ(pa_usable_size(p), 32);
	PA_CHECK_EQ(pa_usable_size(d), 24);
	PA_CHECK_EQ(pa_pool_validate(NULL), 0);
	pa_free(p);
	pa_free(d);
	PA_CHECK_EQ(pa_t_stats(dbg).live_blocks, 0);
	pa_pool_destroy(dbg);
}

const struct pa_case pa_debug_cases[] = {
	PA_CASE(test_debug_patterns, ""),
	PA_CASE(test_debug_clean_workload_reports_nothing, ""),
	PA_CASE(test_debug_realloc_always_moves, ""),
	PA_CASE(test_debug_write_before_the_block, ""),
	PA_CASE(test_debug_write_after_the_block, ""),
	PA_CASE(test_debug_write_after_free, ""),
	PA_CASE(test_debug_validate_finds_write_after_free, ""),
	PA_CASE(test_debug_double_free, ""),
	PA_CASE(test_debug_double_free_after_quarantine, ""),
	PA_CASE(test_debug_interior_pointer_is_refused, ""),
	PA_CASE(test_debug_large_block_start_is_refused, ""),
	PA_CASE(test_debug_small_block_start_is_refused, ""),
	PA_CASE(test_debug_free_through_the_wrong_pool, ""),
	PA_CASE(test_debug_validate_finds_damage_once, ""),
	PA_CASE(test_debug_large_block_overflow, ""),
	PA_CASE(test_plain_pool_beside_a_debug_pool, ""),
	{ "test_debug_param_patterns", "debug=1", test_debug_patterns },
	{ "test_debug_param_clean_workload", "debug=1",
	  test_debug_clean_workload_reports_nothing },
	{ "test_debug_param_write_before", "debug=1",
	  test_debug_write_before_the_block },
	{ "test_debug_param_write_after", "debug=1",
	  test_debug_write_after_the_block },
	{ "test_debug_param_write_after_free", "debug=1",
	  test_debug_write_after_free },
	{ "test_debug_param_double_free", "debug=1", test_debug_double_free },
	{ "test_debug_param_double_free_after_quarantine", "debug=1",
	  test_debug_double_free_after_quarantine },
	{ "test_debug_param_small_block_start", "debug=1",
	  test_debug_small_block_start_is_refused },
	{ "test_debug_param_wrong_pool", "debug=1",
	  test_debug_free_through_the_wrong_pool },
	{ "test_debug_param_validate", "debug=1",
	  test_debug_validate_finds_damage_once },
	{ }
};
