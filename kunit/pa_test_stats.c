// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_stats: the counters, the debugfs files that show them, and the
 * module parameter.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/moduleparam.h>
#include "pa_test.h"

#define ARENA_PAGES	BIT(PA_ARENA_ORDER)
#define FILE_BUF	(64 * 1024)

/* One row of a classes file. */
struct class_row {
	unsigned int class, size;
	unsigned long runs, used, free;
	unsigned long full, ge75, ge50, ge25, lt25;
	unsigned long long allocs, frees;
	long long requested;
	unsigned long cached;
};

/* Parse a classes file into @rows; returns the row count or -EINVAL. */
static int parse_classes(char *text, struct class_row *rows, int max)
{
	char *line;
	int n = 0;

	line = strsep(&text, "\n");
	if (!line || !strstr(line, "class") || !strstr(line, " runs ") ||
	    !strstr(line, "blocks_used"))
		return -EINVAL;
	while ((line = strsep(&text, "\n")) && *line) {
		struct class_row *r = &rows[n];

		if (n == max)
			return -EINVAL;
		if (sscanf(line, "%u %u %lu %lu %lu %lu %lu %lu %lu %lu %llu %llu %lld %lu",
			   &r->class, &r->size, &r->runs, &r->used, &r->free,
			   &r->full, &r->ge75, &r->ge50, &r->ge25, &r->lt25,
			   &r->allocs, &r->frees, &r->requested,
			   &r->cached) != 14)
			return -EINVAL;
		n++;
	}
	return n;
}

/*
 * A workload of mixed sizes on @pool, some above small_max; the live blocks
 * are left in @live, and their requested bytes (in all, and above
 * small_max) and usable bytes are added up.
 */
static unsigned int mixed_workload(struct pa_pool *pool, void **live,
				   unsigned int n, u64 *requested,
				   u64 *large_requested, u64 *usable)
{
	unsigned int i, kept = 0;

	*requested = 0;
	*large_requested = 0;
	*usable = 0;
	for (i = 0; i < n; i++) {
		size_t size = 1 + (i * 97) % (pa_small_max + pa_small_max / 2);
		void *p = pa_pool_alloc(pool, size, GFP_KERNEL);

		if (!p)
			continue;
		if (i % 3 == 0) {
			pa_free(p);
			continue;
		}
		if (i % 5 == 0 && size > 8) {
			/* Shrink in place: the request changes, the block not. */
			p = pa_realloc(p, size / 2, GFP_KERNEL);
			size /= 2;
		}
		live[kept++] = p;
		*requested += size;
		if (pa_usable_size(p) > pa_small_max)
			*large_requested += size;
		*usable += pa_usable_size(p);
	}
	return kept;
}

/*
 * After a mixed workload: allocs - frees == live_blocks, byte counts match
 * what the test asked for, pages are the arenas' plus the large ones', and
 * freeing everything brings the counters back.
 */
static void test_stats_are_consistent(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "consist");
	unsigned int n = 2000, kept, i;
	u64 requested, large_requested, usable;
	struct pa_stats st;
	void **live;

	live = kunit_kcalloc(test, n, sizeof(*live), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	kept = mixed_workload(pool, live, n, &requested, &large_requested,
			      &usable);
	KUNIT_ASSERT_GT(test, kept, 0U);

	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.allocs, (u64)n);
	KUNIT_EXPECT_EQ(test, st.allocs - st.frees, st.live_blocks);
	KUNIT_EXPECT_EQ(test, st.live_blocks, (u64)kept);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, requested);
	KUNIT_EXPECT_EQ(test, st.live_bytes_allocated, usable);
	/* backend=kmalloc holds no pages: kmalloc's are the slab's. */
	KUNIT_EXPECT_EQ(test, st.pages_held, pa_large_kmalloc ? 0 :
			st.arenas_current * ARENA_PAGES +
			(st.large_bytes >> PAGE_SHIFT));
	KUNIT_EXPECT_EQ(test, st.failures, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);

	for (i = 0; i < kept; i++)
		pa_free(live[i]);
	/* Cached blocks count as free before and after a drain. */
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
	pa_cache_drain_all(pool);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.allocs, st.frees);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, 0ULL);
	KUNIT_EXPECT_EQ(test, st.live_bytes_allocated, 0ULL);
	KUNIT_EXPECT_EQ(test, st.large_live, 0ULL);
	KUNIT_EXPECT_EQ(test, st.runs_in_use, 0ULL);
	KUNIT_EXPECT_LE(test, st.pages_held, (u64)ARENA_PAGES);
}

/*
 * The pool's debugfs stats are exactly pa_pool_stats(); its classes table
 * has one row per class whose columns add up to the totals.
 */
static void test_pool_debugfs_files_agree_with_stats(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "files");
	struct class_row *rows;
	struct pa_stats st, file;
	u64 requested, large_requested, usable;
	unsigned long used = 0, runs = 0, cached = 0;
	u64 row_requested = 0;
	char path[128], *buf;
	void **live;
	int n, i;

	live = kunit_kcalloc(test, 1000, sizeof(*live), GFP_KERNEL);
	rows = kunit_kcalloc(test, PA_MAX_CLASSES + 1, sizeof(*rows), GFP_KERNEL);
	buf = kunit_kmalloc(test, FILE_BUF, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, live);
	KUNIT_ASSERT_NOT_NULL(test, rows);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	n = mixed_workload(pool, live, 1000, &requested, &large_requested,
			   &usable);

	st = pa_test_stats(pool);
	snprintf(path, sizeof(path), PA_TEST_DEBUGFS "/pools/%s/stats",
		 pool->name);
	KUNIT_ASSERT_EQ(test, 0, pa_test_read_stats(path, &file));
	KUNIT_EXPECT_EQ(test, 0, memcmp(&st, &file, sizeof(st)));

	snprintf(path, sizeof(path), PA_TEST_DEBUGFS "/pools/%s/classes",
		 pool->name);
	KUNIT_ASSERT_GT(test, pa_test_read_file(path, buf, FILE_BUF), 0);
	KUNIT_ASSERT_EQ(test, parse_classes(buf, rows, PA_MAX_CLASSES + 1),
			(int)pa_nr_classes);
	for (i = 0; i < pa_nr_classes; i++) {
		struct class_row *r = &rows[i];

		KUNIT_EXPECT_EQ(test, r->class, (unsigned int)i);
		KUNIT_EXPECT_EQ(test, r->size, pa_class_size[i]);
		KUNIT_EXPECT_EQ(test, r->used + r->free,
				r->runs * (PA_RUN_SIZE / r->size));
		KUNIT_EXPECT_EQ(test, r->full + r->ge75 + r->ge50 + r->ge25 +
				r->lt25, r->runs);
		KUNIT_EXPECT_EQ(test, r->allocs - r->frees,
				(unsigned long long)r->used);
		KUNIT_EXPECT_LE(test, r->cached, r->free);
		used += r->used;
		runs += r->runs;
		row_requested += r->requested;
		cached += r->cached;
	}
	/* backend=kmalloc: no block is in a class, every one in the table. */
	if (pa_large_kmalloc) {
		large_requested = requested;
		st.large_live = st.live_blocks;
	}
	KUNIT_EXPECT_EQ(test, (u64)used, st.live_blocks - st.large_live);
	KUNIT_EXPECT_EQ(test, (u64)runs, st.runs_in_use);
	KUNIT_EXPECT_EQ(test, cached, pa_cache_count(pool));
	KUNIT_EXPECT_EQ(test, row_requested, requested - large_requested);
	KUNIT_EXPECT_EQ(test, st.live_bytes_requested, requested);

	while (n--)
		pa_free(live[n]);
}

/*
 * The global stats file moves by exactly what one pool did; the arenas file
 * has one well-formed line per arena of that pool.
 */
static void test_global_debugfs_files_agree_with_stats(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "global");
	struct pa_stats before, after, st;
	unsigned int lines = 0, i, n = 200;
	char *buf, *line, *text;
	void **blocks;

	buf = kunit_kmalloc(test, FILE_BUF, GFP_KERNEL);
	blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, blocks);
	KUNIT_ASSERT_EQ(test, 0, pa_test_read_stats(PA_TEST_DEBUGFS "/stats",
						    &before));
	for (i = 0; i < n; i++) {
		blocks[i] = pa_pool_alloc(pool, 16 + i * 17, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	KUNIT_ASSERT_EQ(test, 0, pa_test_read_stats(PA_TEST_DEBUGFS "/stats",
						    &after));
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, after.allocs - before.allocs, st.allocs);
	KUNIT_EXPECT_EQ(test, after.live_blocks - before.live_blocks,
			st.live_blocks);
	KUNIT_EXPECT_EQ(test, after.live_bytes_requested -
			before.live_bytes_requested, st.live_bytes_requested);
	KUNIT_EXPECT_EQ(test, after.pages_held - before.pages_held,
			st.pages_held);
	KUNIT_EXPECT_EQ(test, after.runs_in_use - before.runs_in_use,
			st.runs_in_use);

	KUNIT_ASSERT_GT(test, pa_test_read_file(PA_TEST_DEBUGFS "/arenas", buf,
						FILE_BUF), 0);
	text = buf;
	line = strsep(&text, "\n");
	KUNIT_EXPECT_NOT_NULL(test, strstr(line, "order"));
	while ((line = strsep(&text, "\n")) && *line) {
		char name[PA_POOL_NAME_MAX], map[PA_RUNS_PER_ARENA + 2];
		unsigned int order, used, total, marked = 0;
		int j, got;

		got = sscanf(line, "%31s %u %u %u %17s", name, &order, &used,
			     &total, map);
		KUNIT_ASSERT_EQ(test, got, 5);
		KUNIT_EXPECT_EQ(test, total, 1U << (order - PA_RUN_ORDER));
		KUNIT_EXPECT_EQ(test, strlen(map), (size_t)total);
		for (j = 0; map[j]; j++) {
			KUNIT_EXPECT_NOT_NULL(test, strchr(".123456789#", map[j]));
			marked += map[j] != '.';
		}
		KUNIT_EXPECT_EQ(test, marked, used);
		if (!strcmp(name, pool->name))
			lines++;
	}
	KUNIT_EXPECT_EQ(test, (u64)lines, st.arenas_current);

	/* The global classes table lists every class in order. */
	KUNIT_ASSERT_GT(test, pa_test_read_file(PA_TEST_DEBUGFS "/classes",
						buf, FILE_BUF), 0);
	{
		struct class_row *rows = kunit_kcalloc(test, PA_MAX_CLASSES + 1,
						       sizeof(*rows), GFP_KERNEL);

		KUNIT_ASSERT_NOT_NULL(test, rows);
		KUNIT_EXPECT_EQ(test, parse_classes(buf, rows, PA_MAX_CLASSES + 1),
				(int)pa_nr_classes);
	}
	for (i = 0; i < n; i++)
		pa_free(blocks[i]);
}

/* Read @pool's classes file and return the row of the class of @size. */
static struct class_row read_class_row(struct kunit *test,
				       struct pa_pool *pool, size_t size)
{
	struct class_row *rows, row = { };
	char path[128], *buf;
	int n, i;

	buf = kunit_kmalloc(test, FILE_BUF, GFP_KERNEL);
	rows = kunit_kcalloc(test, PA_MAX_CLASSES + 1, sizeof(*rows),
			     GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	KUNIT_ASSERT_NOT_NULL(test, rows);
	snprintf(path, sizeof(path), PA_TEST_DEBUGFS "/pools/%s/classes",
		 pool->name);
	KUNIT_ASSERT_GT(test, pa_test_read_file(path, buf, FILE_BUF), 0);
	n = parse_classes(buf, rows, PA_MAX_CLASSES + 1);
	for (i = 0; i < n; i++)
		if (rows[i].size == pa_class_for(pool, size)->size)
			row = rows[i];
	KUNIT_EXPECT_NE(test, row.size, 0U);
	return row;
}

/* The row of @size's class in @pool has this fullness histogram. */
static noinline void expect_histogram(struct kunit *test, struct pa_pool *pool,
				      size_t size, unsigned long full,
				      unsigned long ge75, unsigned long ge50,
				      unsigned long ge25, unsigned long lt25)
{
	struct class_row r = read_class_row(test, pool, size);

	KUNIT_EXPECT_EQ(test, r.full, full);
	KUNIT_EXPECT_EQ(test, r.ge75, ge75);
	KUNIT_EXPECT_EQ(test, r.ge50, ge50);
	KUNIT_EXPECT_EQ(test, r.ge25, ge25);
	KUNIT_EXPECT_EQ(test, r.lt25, lt25);
}

/*
 * The fullness histogram of the classes file follows each run as blocks
 * leave it (refills) and come back (flushes), in both directions, run by
 * run: 1 KiB blocks, 16 to a run.
 */
static void test_fullness_histogram_follows_runs(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "fullness");
	unsigned int per_run = PA_RUN_SIZE / 1024, i;
	void *blocks[40], *more[3];
	struct class_row r;

	pa_test_need_pool_backend(test, "runs");
	pa_test_pin(test);
	KUNIT_ASSERT_EQ(test, per_run, 16U);
	for (i = 0; i < ARRAY_SIZE(blocks); i++) {
		blocks[i] = pa_pool_alloc(pool, 1024, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	pa_cache_drain_all(pool);
	/* Runs A and B full, C holds 8 of 16. */
	r = read_class_row(test, pool, 1024);
	KUNIT_EXPECT_EQ(test, r.runs, 3UL);
	KUNIT_EXPECT_EQ(test, r.used, 40UL);
	expect_histogram(test, pool, 1024, 2, 0, 1, 0, 0);

	/* A down to 11 (69%), then 7 (44%), then empty and released. */
	for (i = 0; i < 5; i++)
		pa_free(blocks[i]);
	pa_cache_drain_all(pool);
	expect_histogram(test, pool, 1024, 1, 0, 2, 0, 0);
	for (; i < 9; i++)
		pa_free(blocks[i]);
	pa_cache_drain_all(pool);
	expect_histogram(test, pool, 1024, 1, 0, 1, 1, 0);
	for (; i < per_run; i++)
		pa_free(blocks[i]);
	pa_cache_drain_all(pool);
	KUNIT_EXPECT_EQ(test, read_class_row(test, pool, 1024).runs, 2UL);
	expect_histogram(test, pool, 1024, 1, 0, 1, 0, 0);

	/* A refill empties C's free blocks (only 8): C is full. */
	for (i = 0; i < ARRAY_SIZE(more); i++) {
		more[i] = pa_pool_alloc(pool, 1024, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, more[i]);
	}
	KUNIT_EXPECT_EQ(test, read_class_row(test, pool, 1024).runs, 2UL);
	expect_histogram(test, pool, 1024, 2, 0, 0, 0, 0);
	/* The 5 cached back: C holds 11 of 16. */
	pa_cache_drain_all(pool);
	expect_histogram(test, pool, 1024, 1, 0, 1, 0, 0);

	for (i = 0; i < ARRAY_SIZE(more); i++)
		pa_free(more[i]);
	for (i = per_run; i < ARRAY_SIZE(blocks); i++)
		pa_free(blocks[i]);
}

/* ---- Module parameter -------------------------------------------------- */

struct param_case {
	const char *value;
	int err;
};

static const struct param_case param_cases[] = {
	{ "512", 0 }, { "576", 0 }, { "1024", 0 }, { "1152", 0 },
	{ "4096", 0 }, { "8192", 0 }, { "0x1000", 0 },
	{ "0", -EINVAL }, { "16", -EINVAL }, { "511", -EINVAL },
	{ "600", -EINVAL }, { "1000", -EINVAL }, { "1088", -EINVAL },
	{ "8320", -EINVAL }, { "16384", -EINVAL }, { "-1", -EINVAL },
	{ "", -EINVAL }, { "big", -EINVAL },
};

static void param_desc(const struct param_case *c, char *desc)
{
	snprintf(desc, KUNIT_PARAM_DESC_SIZE, "small_max=\"%s\"", c->value);
}

KUNIT_ARRAY_PARAM(param, param_cases, param_desc);

/* The small_max setter accepts class boundaries in range and nothing else. */
static void test_small_max_parameter_is_validated(struct kunit *test)
{
	const struct param_case *c = test->param_value;
	unsigned int value = 12345;
	struct kernel_param kp = { .name = "small_max", .arg = &value };
	int err;

	err = pa_small_max_ops.set(c->value, &kp);
	if (c->err) {
		KUNIT_EXPECT_LT(test, err, 0);
		KUNIT_EXPECT_EQ(test, value, 12345U);
	} else {
		unsigned int expect;

		KUNIT_EXPECT_EQ(test, err, 0);
		KUNIT_ASSERT_EQ(test, kstrtouint(c->value, 0, &expect), 0);
		KUNIT_EXPECT_EQ(test, value, expect);
	}
}

/* The debug setter takes what a bool parameter takes, and nothing else. */
static void test_debug_parameter_is_validated(struct kunit *test)
{
	static const char * const good[] = { "0", "1", "y", "n", "Y", "N" };
	static const char * const bad[] = { "2", "maybe", "-1", "x" };
	struct kernel_param kp = { .name = "debug" };
	bool value = true;
	unsigned int i;

	kp.arg = &value;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		KUNIT_EXPECT_LT_MSG(test, pa_debug_ops.set(bad[i], &kp), 0,
				    "debug=%s", bad[i]);
		KUNIT_EXPECT_TRUE(test, value);
	}
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		bool expect = strchr("1yY", good[i][0]);

		KUNIT_EXPECT_EQ_MSG(test, pa_debug_ops.set(good[i], &kp), 0,
				    "debug=%s", good[i]);
		KUNIT_EXPECT_EQ(test, value, expect);
	}
}

/* The loaded value is visible, and read-only, in sysfs. */
static void test_small_max_parameter_is_visible(struct kunit *test)
{
	char buf[32];
	unsigned int value;

	KUNIT_ASSERT_GT(test, pa_test_read_file("/sys/module/pool_alloc/parameters/small_max",
						buf, sizeof(buf)), 0);
	KUNIT_ASSERT_EQ(test, kstrtouint(strim(buf), 0, &value), 0);
	KUNIT_EXPECT_EQ(test, value, pa_small_max);
}

static struct kunit_case pa_stats_cases[] = {
	KUNIT_CASE(test_stats_are_consistent),
	KUNIT_CASE(test_pool_debugfs_files_agree_with_stats),
	KUNIT_CASE(test_global_debugfs_files_agree_with_stats),
	KUNIT_CASE(test_fullness_histogram_follows_runs),
	KUNIT_CASE_PARAM(test_small_max_parameter_is_validated,
			 param_gen_params),
	KUNIT_CASE(test_small_max_parameter_is_visible),
	KUNIT_CASE(test_debug_parameter_is_validated),
	{}
};

static struct kunit_suite pa_stats_suite = {
	.name = "pool_alloc_stats",
	.test_cases = pa_stats_cases,
};

kunit_test_suite(pa_stats_suite);
