// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_ownership: pa_free() and friends take a block of any pool with
 * no size, and refuse every pointer the allocator did not hand out.
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/vmalloc.h>
#include "pa_test.h"

#define PATTERN		0x6b
#define PATTERN_LEN	64

/*
 * A pointer the allocator must refuse.  make() returns it and sets *pool to
 * the pool that must count the refusal (NULL: the default pool, for pointers
 * in no arena).
 */
struct foreign {
	const char *name;
	void *(*make)(struct kunit *test, void *stack, struct pa_pool **pool);
};

static void *make_kmalloc(struct kunit *test, void *stack,
			  struct pa_pool **pool)
{
	return kunit_kmalloc(test, PATTERN_LEN, GFP_KERNEL);
}

static void *make_stack(struct kunit *test, void *stack, struct pa_pool **pool)
{
	return stack;
}

static void vfree_action(void *p)
{
	vfree(p);
}

static void *make_vmalloc(struct kunit *test, void *stack,
			  struct pa_pool **pool)
{
	void *p = vmalloc(PAGE_SIZE);

	if (p && kunit_add_action_or_reset(test, vfree_action, p))
		return NULL;
	return p;
}

/* The inside of a live block: 16 bytes in, still 16-byte aligned. */
static void *make_interior(struct kunit *test, void *stack,
			   struct pa_pool **pool)
{
	u8 *p;

	*pool = pa_test_pool(test, "interior");
	p = pa_pool_alloc(*pool, 2 * PATTERN_LEN, GFP_KERNEL);
	return p ? p + 16 : NULL;
}

/* The inside of a live large allocation, one page in: in no map. */
static void *make_large_interior(struct kunit *test, void *stack,
				 struct pa_pool **pool)
{
	u8 *p = pa_pool_alloc(pa_test_pool(test, "linterior"), 4 * PAGE_SIZE,
			      GFP_KERNEL);

	return p ? p + PAGE_SIZE : NULL;
}

/* A block of a run that was never handed out. */
static void *make_uncarved(struct kunit *test, void *stack,
			   struct pa_pool **pool)
{
	u8 *p;

	pa_test_need_pool_backend(test, "runs");
	*pool = pa_test_pool(test, "uncarved");
	p = pa_pool_alloc(*pool, PATTERN_LEN, GFP_KERNEL);
	return p ? p + 4 * PATTERN_LEN : NULL;
}

static const struct foreign foreign_pointers[] = {
	{ "kmalloc", make_kmalloc },
	{ "stack", make_stack },
	{ "vmalloc", make_vmalloc },
	{ "interior", make_interior },
	{ "large-interior", make_large_interior },
	{ "uncarved", make_uncarved },
};

static void foreign_desc(const struct foreign *f, char *desc)
{
	strscpy(desc, f->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(foreign, foreign_pointers, foreign_desc);

/*
 * pa_free() and pa_realloc() leave a foreign pointer's memory untouched and
 * count it; pa_owns() and pa_usable_size() do not claim it.
 */
static void test_free_foreign_pointer_is_refused(struct kunit *test)
{
	const struct foreign *f = test->param_value;
	u8 stack[PATTERN_LEN] __aligned(16);
	struct pa_stats before, after;
	struct pa_pool *pool = NULL;
	u8 *p;

	p = f->make(test, stack, &pool);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_test_fill(p, PATTERN, PATTERN_LEN);
	/* kmalloc's objects have no pool to find from their inside. */
	if (pa_large_kmalloc)
		pool = NULL;

	KUNIT_EXPECT_FALSE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, pa_usable_size(p), (size_t)0);
	before = pa_test_stats(pool);
	pa_free(p);
	KUNIT_EXPECT_NULL(test, pa_realloc(p, 2 * PATTERN_LEN, GFP_KERNEL));
	after = pa_test_stats(pool);

	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 2);
	KUNIT_EXPECT_EQ(test, after.frees, before.frees);
	KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks);
	KUNIT_EXPECT_TRUE(test, pa_test_bytes_are(p, PATTERN, PATTERN_LEN));
}

/* A refused pointer inside an arena is counted in the pool that owns it. */
static void test_interior_pointer_counted_in_its_pool(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "count");
	u8 *p = pa_pool_alloc(pool, 128, GFP_KERNEL);
	/* kmalloc's objects have no pool to find from their inside. */
	struct pa_pool *counted = pa_large_kmalloc ? NULL : pool;
	u64 before = pa_test_stats(counted).invalid_frees;
	struct pa_stats st;

	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p + 16);
	pa_free(p + 1);
	st = pa_test_stats(pool);
	KUNIT_EXPECT_EQ(test, pa_test_stats(counted).invalid_frees, before + 2);
	KUNIT_EXPECT_EQ(test, st.live_blocks, 1ULL);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	pa_free(p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(counted).invalid_frees, before + 2);
}

/*
 * A double free is refused and does not corrupt the run: the block is
 * handed out once, not twice.
 */
static void test_double_free_is_refused(struct kunit *test)
{
	struct pa_pool *pool = pa_test_pool(test, "double");
	void *keep = pa_pool_alloc(pool, 48, GFP_KERNEL);
	void *p = pa_pool_alloc(pool, 48, GFP_KERNEL);
	/* A freed kmalloc object has no pool to find. */
	struct pa_pool *counted = pa_large_kmalloc ? NULL : pool;
	u64 before = pa_test_stats(counted).invalid_frees;
	void *a, *b;

	KUNIT_ASSERT_NOT_NULL(test, keep);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
	pa_free(p);
	KUNIT_EXPECT_EQ(test, pa_test_stats(counted).invalid_frees, before + 1);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 1ULL);

	a = pa_pool_alloc(pool, 48, GFP_KERNEL);
	b = pa_pool_alloc(pool, 48, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_EXPECT_PTR_NE(test, a, b);
	KUNIT_EXPECT_PTR_NE(test, a, keep);
	KUNIT_EXPECT_PTR_NE(test, b, keep);
	pa_free(a);
	pa_free(b);
	pa_free(keep);
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
}

/* A large allocation freed twice is refused the second time. */
static void test_large_double_free_is_refused(struct kunit *test)
{
	struct pa_stats before, after;
	void *p = pa_alloc(3 * PAGE_SIZE, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_TRUE(test, pa_owns(p));
	pa_free(p);
	before = pa_test_stats(NULL);
	pa_free(p);
	after = pa_test_stats(NULL);
	KUNIT_EXPECT_FALSE(test, pa_owns(p));
	KUNIT_EXPECT_EQ(test, after.invalid_frees, before.invalid_frees + 1);
	KUNIT_EXPECT_EQ(test, after.frees, before.frees);
}

/* Blocks of named pools are freed through pa_free() with no pool given. */
static void test_free_needs_no_pool(struct kunit *test)
{
	struct pa_pool *one = pa_test_pool(test, "one");
	struct pa_pool *two = pa_test_pool(test, "two");
	void *a = pa_pool_alloc(one, 32, GFP_KERNEL);
	void *b = pa_pool_alloc(two, 32, GFP_KERNEL);
	void *c = pa_pool_alloc(two, 2 * pa_small_max, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, a);
	KUNIT_ASSERT_NOT_NULL(test, b);
	KUNIT_ASSERT_NOT_NULL(test, c);
	KUNIT_EXPECT_TRUE(test, pa_owns(a) && pa_owns(b) && pa_owns(c));
	KUNIT_EXPECT_EQ(test, pa_test_stats(one).live_blocks, 1ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(two).live_blocks, 2ULL);
	pa_free(b);
	pa_free(c);
	pa_free(a);
	KUNIT_EXPECT_EQ(test, pa_test_stats(one).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(two).live_blocks, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(one).invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, pa_test_stats(two).invalid_frees, 0ULL);
}

static struct kunit_case pa_owner_cases[] = {
	KUNIT_CASE_PARAM(test_free_foreign_pointer_is_refused,
			 foreign_gen_params),
	KUNIT_CASE(test_interior_pointer_counted_in_its_pool),
	KUNIT_CASE(test_double_free_is_refused),
	KUNIT_CASE(test_large_double_free_is_refused),
	KUNIT_CASE(test_free_needs_no_pool),
	{}
};

static struct kunit_suite pa_owner_suite = {
	.name = "pool_alloc_ownership",
	.test_cases = pa_owner_cases,
};

kunit_test_suite(pa_owner_suite);
