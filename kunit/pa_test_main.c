// SPDX-License-Identifier: GPL-2.0
/* placeholder KUnit suite */
#include <kunit/test.h>
#include <linux/slab.h>
#include "../pool_alloc.h"

static void test_alloc_returns_memory(struct kunit *test)
{
	void *p = pa_alloc(64, GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
}

static void test_second_case(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, 1, 1);
}

static struct kunit_case pa_cases[] = {
	KUNIT_CASE(test_alloc_returns_memory),
	KUNIT_CASE(test_second_case),
	{}
};

static struct kunit_suite pa_suite = {
	.name = "pool_alloc",
	.test_cases = pa_cases,
};
kunit_test_suite(pa_suite);
MODULE_LICENSE("GPL");
