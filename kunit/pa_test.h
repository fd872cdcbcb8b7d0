/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers shared by the pool_alloc KUnit suites.
 *
 * The suites test through pool_alloc.h; the few internals they look at (the
 * class table, the arena geometry) come from src/internal.h and the symbols
 * pool_alloc exports only when KUnit is enabled.
 */
#ifndef _PA_TEST_H
#define _PA_TEST_H

#include <kunit/test.h>
#include "../pool_alloc.h"
#include "../src/internal.h"

/* Where the harness mounts debugfs. */
#define PA_TEST_DEBUGFS		"/sys/kernel/debug/pool_alloc"

/* Expected classes, computed from the specification rather than the code. */
unsigned int pa_test_expected_classes(unsigned int small_max,
				      unsigned int *sizes, unsigned int max);

struct pa_pool *pa_test_pool(struct kunit *test, const char *name);
void pa_test_pin(struct kunit *test);
int pa_test_read_file(const char *path, char *buf, size_t size);
void pa_test_need_cpus(struct kunit *test, unsigned int n);
void pa_test_fail_pages(struct kunit *test, unsigned int min_order);
int pa_test_parse_stats(const char *text, struct pa_stats *st);
int pa_test_read_stats(const char *path, struct pa_stats *st);

/* The pool's counters now. */
static inline struct pa_stats pa_test_stats(struct pa_pool *pool)
{
	struct pa_stats st;

	pa_pool_stats(pool, &st);
	return st;
}

#endif /* _PA_TEST_H */
