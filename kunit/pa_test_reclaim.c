// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_reclaim: what gives memory back, and the run map's reach.
 *
 *  - The run map covers the machine's whole physical address space, and
 *    nothing past it.
 *
 * No test here judges a duration: where time passes, a bound is a
 * generous deadline on something that must happen, never a measurement.
 */
#include <linux/mmzone.h>
#include <linux/vmalloc.h>
#include "pa_test.h"
#include "../src/map.h"

/* ---- The run map ------------------------------------------------------- */

/* How many run indexes the machine's physical address space has. */
static unsigned long machine_runs(void)
{
	return 1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT - PA_RUN_ORDER);
}

/* The direct-map address of run index @index. */
static void *run_address(unsigned long index)
{
	return (void *)(PAGE_OFFSET + (index << (PAGE_SHIFT + PA_RUN_ORDER)));
}

static struct pa_run *lookup(const void *p)
{
	struct pa_run *run;

	preempt_disable();
	run = pa_map_lookup(p);
	preempt_enable();
	return run;
}

/*
 * The map reaches the last run of MAX_PHYSMEM_BITS (52 bits with five-level
 * paging) and refuses, with its one compare, the first index past it.
 */
static void test_map_covers_the_machines_physical_address_space(struct kunit *test)
{
	unsigned long last = machine_runs() - 1;
	void *end = (void *)(PAGE_OFFSET + (1UL << MAX_PHYSMEM_BITS) - 1);

	KUNIT_EXPECT_TRUE(test, pa_map_covers(last));
	KUNIT_EXPECT_TRUE(test, pa_map_covers(pa_map_index((unsigned long)end)));
	KUNIT_EXPECT_FALSE(test, pa_map_covers(last + 1));
	KUNIT_EXPECT_FALSE(test, pa_map_covers(pa_map_index((unsigned long)end + 1)));
	KUNIT_EXPECT_FALSE(test, pa_map_covers(pa_map_index(PAGE_OFFSET - 1)));
	/* Nothing is mapped there: a lookup walks the empty levels. */
	KUNIT_EXPECT_NULL(test, lookup(end));
}

/*
 * A run at the highest run index is entered and found; a run past it is
 * refused, and so is a lookup there, or anywhere outside the direct map.
 */
static void test_map_accepts_the_highest_run_and_refuses_the_next(struct kunit *test)
{
	struct pa_run *runs = kunit_kzalloc(test, 2 * sizeof(*runs), GFP_KERNEL);
	unsigned long last = machine_runs() - 1;
	void *v = vmalloc(PAGE_SIZE);
	int err;

	KUNIT_ASSERT_NOT_NULL(test, runs);
	KUNIT_ASSERT_NOT_NULL(test, v);
	KUNIT_EXPECT_EQ(test, pa_map_enter(last + 1, runs, 1, GFP_KERNEL), -ERANGE);
	KUNIT_EXPECT_EQ(test, pa_map_enter(last, runs, 2, GFP_KERNEL), -ERANGE);
	err = pa_map_enter(last, runs, 1, GFP_KERNEL);
	KUNIT_EXPECT_EQ(test, err, 0);
	if (!err) {
		KUNIT_EXPECT_PTR_EQ(test, lookup(run_address(last)), &runs[0]);
		KUNIT_EXPECT_PTR_EQ(test, lookup(run_address(last) + PA_RUN_SIZE - 1),
				    &runs[0]);
		/* The test's runs must not outlive it in the map. */
		pa_map_clear(last, 1);
	}
	KUNIT_EXPECT_NULL(test, lookup(run_address(last)));
	KUNIT_EXPECT_NULL(test, lookup(run_address(last) + PA_RUN_SIZE));
	KUNIT_EXPECT_NULL(test, lookup((void *)(PAGE_OFFSET - 1)));
	KUNIT_EXPECT_NULL(test, lookup(v));
	KUNIT_EXPECT_NULL(test, lookup(test));
	vfree(v);
}

static struct kunit_case pa_reclaim_cases[] = {
	KUNIT_CASE(test_map_covers_the_machines_physical_address_space),
	KUNIT_CASE(test_map_accepts_the_highest_run_and_refuses_the_next),
	{}
};

static struct kunit_suite pa_reclaim_suite = {
	.name = "pool_alloc_reclaim",
	.test_cases = pa_reclaim_cases,
};

kunit_test_suite(pa_reclaim_suite);
