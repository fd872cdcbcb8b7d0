// SPDX-License-Identifier: GPL-2.0
/*
 * Hardened free lists: a client's write after free into a block on a run's
 * free list must not aim the next allocation.  The link is validated before
 * it is followed; a bad one takes its run out of service, counted in
 * err_freelist, and nothing outside the run is ever handed out.
 */
#include <linux/kasan.h>
#include <linux/slab.h>
#include "pa_test.h"

#define HARDEN_SIZE	64
/* Blocks freed back to the run's free list before one link is damaged. */
#define HARDEN_FREED	8

/* Write a free block's first word, the link, as a client's stray write. */
static void plant_link(void *block, void *value)
{
	kasan_disable_current();
	WRITE_ONCE(*(void **)block, value);
	kasan_enable_current();
}

static void *read_link(void *block)
{
	void *value;

	kasan_disable_current();
	value = READ_ONCE(*(void **)block);
	kasan_enable_current();
	return value;
}

/* Every block of one run of 64-byte blocks, in the order handed out. */
static void **full_run(struct kunit *test, struct pa_pool *pool)
{
	unsigned int n = PA_RUN_SIZE / HARDEN_SIZE, i;
	void **blocks = kunit_kcalloc(test, n, sizeof(*blocks), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, blocks);
	pa_test_pin(test);
	for (i = 0; i < n; i++) {
		blocks[i] = pa_pool_alloc(pool, HARDEN_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, blocks[i]);
	}
	KUNIT_ASSERT_EQ(test, pa_test_stats(pool).runs_in_use, 1ULL);
	return blocks;
}

/*
 * A full run, then its first HARDEN_FREED blocks freed and drained to the
 * run's free list: the last one freed is its head.
 */
static void **full_run_with_free_list(struct kunit *test, struct pa_pool *pool)
{
	void **blocks = full_run(test, pool);
	unsigned int i;

	for (i = 0; i < HARDEN_FREED; i++)
		pa_free(blocks[i]);
	pa_cache_drain_all(pool);
	KUNIT_ASSERT_EQ(test, pa_cache_count(pool), 0UL);
	return blocks;
}

/*
 * A link overwritten with a chosen pointer is refused: the run leaves
 * service with its free blocks counted, and the allocations that follow
 * come from a new run, never from the chosen address.
 */
static void test_freelist_bad_link_is_refused_and_counted(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "harden");
	unsigned int n = PA_RUN_SIZE / HARDEN_SIZE, i;
	u8 *victim = kunit_kzalloc(test, 256, GFP_KERNEL);
	void **blocks, *got[HARDEN_FREED];
	struct pa_stats st;

	KUNIT_ASSERT_NOT_NULL(test, victim);
	blocks = full_run_with_free_list(test, pool);
	/* The head is the last block freed; aim its link at the victim. */
	plant_link(blocks[HARDEN_FREED - 1], victim);

	for (i = 0; i < HARDEN_FREED; i++) {
		got[i] = pa_pool_alloc(pool, HARDEN_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, got[i]);
		KUNIT_EXPECT_FALSE(test, (u8 *)got[i] + HARDEN_SIZE > victim &&
				   (u8 *)got[i] < victim + 256);
		KUNIT_EXPECT_TRUE(test, pa_owns(got[i]));
	}
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.err_freelist, (u64)HARDEN_FREED);
	/* The broken run stays in use; a new one served the allocations. */
	KUNIT_EXPECT_EQ(test, st.runs_in_use, 2ULL);
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(victim, 0, 256));

	/* The rest of the broken run's blocks are freed as usual. */
	for (i = HARDEN_FREED; i < n; i++)
		pa_free(blocks[i]);
	for (i = 0; i < HARDEN_FREED; i++)
		pa_free(got[i]);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, st.invalid_frees, 0ULL);
}

/* An intact free list is followed as before, and nothing is counted. */
static void test_freelist_intact_links_are_followed(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "harden-ok");
	unsigned int n = PA_RUN_SIZE / HARDEN_SIZE, i, j, found = 0;
	void **blocks, *got[HARDEN_FREED];

	blocks = full_run_with_free_list(test, pool);
	/* Where the kernel hardens SLUB's, the link is not the pointer. */
	if (IS_ENABLED(CONFIG_SLAB_FREELIST_HARDENED))
		KUNIT_EXPECT_PTR_NE(test, read_link(blocks[HARDEN_FREED - 1]),
				    blocks[HARDEN_FREED - 2]);
	for (i = 0; i < HARDEN_FREED; i++) {
		got[i] = pa_pool_alloc(pool, HARDEN_SIZE, GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, got[i]);
		for (j = 0; j < HARDEN_FREED; j++)
			found += got[i] == blocks[j];
	}
	/* The freed blocks came back, from the same run. */
	KUNIT_EXPECT_EQ(test, found, (unsigned int)HARDEN_FREED);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).err_freelist, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).runs_in_use, 1ULL);
	for (i = HARDEN_FREED; i < n; i++)
		pa_free(blocks[i]);
	for (i = 0; i < HARDEN_FREED; i++)
		pa_free(got[i]);
}

/*
 * Where the kernel randomizes SLUB's free lists, a new run hands out every
 * one of its blocks once, in an order that is not the address order.
 */
static void test_new_run_hands_out_random_order(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "harden-random");
	unsigned int n = PA_RUN_SIZE / HARDEN_SIZE, i, next = 0, index;
	unsigned long base, *seen;
	void **blocks;

	if (!IS_ENABLED(CONFIG_SLAB_FREELIST_RANDOM))
		kunit_skip(test, "CONFIG_SLAB_FREELIST_RANDOM is off");
	seen = kunit_kcalloc(test, BITS_TO_LONGS(n), sizeof(*seen), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	blocks = full_run(test, pool);
	base = (unsigned long)blocks[0] & ~(PA_RUN_SIZE - 1);
	for (i = 0; i < n; i++) {
		index = ((unsigned long)blocks[i] - base) / HARDEN_SIZE;
		KUNIT_ASSERT_LT(test, index, n);
		KUNIT_EXPECT_FALSE(test, __test_and_set_bit(index, seen));
		/* Carving in address order, either way, makes neighbours. */
		if (i && (blocks[i] == blocks[i - 1] + HARDEN_SIZE ||
			  blocks[i] == blocks[i - 1] - HARDEN_SIZE))
			next++;
	}
	KUNIT_EXPECT_LT(test, next, n / 4);
	for (i = 0; i < n; i++)
		pa_free(blocks[i]);
}

static struct kunit_case pa_harden_cases[] = {
	KUNIT_CASE(test_freelist_bad_link_is_refused_and_counted),
	KUNIT_CASE(test_freelist_intact_links_are_followed),
	KUNIT_CASE(test_new_run_hands_out_random_order),
	{}
};

static struct kunit_suite pa_harden_suite = {
	.name = "pool_alloc_harden",
	/* The pool backend's machinery: skipped under backend=kmalloc. */
	.init = pa_test_init_pool_backend,
	.test_cases = pa_harden_cases,
};

kunit_test_suite(pa_harden_suite);
