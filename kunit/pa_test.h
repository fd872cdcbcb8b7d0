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

#if IS_ENABLED(CONFIG_KASAN_KUNIT_TEST)
/*
 * mm/kasan/kasan.h is private to mm/: these are the functions it exports
 * for test suites that expect KASAN reports.
 */
void kasan_kunit_test_suite_start(void);
void kasan_kunit_test_suite_end(void);
bool kasan_save_enable_multi_shot(void);
void kasan_restore_multi_shot(bool enabled);
#endif

/* Where the harness mounts debugfs. */
#define PA_TEST_DEBUGFS		"/sys/kernel/debug/pool_alloc"

/* Expected classes, computed from the specification rather than the code. */
unsigned int pa_test_expected_classes(unsigned int small_max,
				      unsigned int *sizes, unsigned int max);

struct pa_pool *pa_test_pool(struct kunit *test, const char *name);
struct pa_pool *pa_test_pool_flags(struct kunit *test, const char *name,
				   unsigned int flags);
void pa_test_pin(struct kunit *test);
struct irq_work;
int pa_test_irq_on_busy_cache(struct pa_class *cls, struct irq_work *work,
			      atomic_t *done);
void *pa_test_stash_block(struct kunit *test, struct pa_pool *pool,
			  size_t size);
int pa_test_read_file(const char *path, char *buf, size_t size);
void pa_test_fill(void *p, int value, size_t n);
bool pa_test_bytes_are(const void *p, u8 value, size_t n);
void pa_test_need_cpus(struct kunit *test, unsigned int n);
void pa_test_need_pool_backend(struct kunit *test, const char *what);
int pa_test_init_pool_backend(struct kunit *test);
__printf(1, 2) int pa_test_shell(const char *fmt, ...);
void pa_test_fail_pages(struct kunit *test, unsigned int min_order);
#ifdef CONFIG_FAULT_INJECTION
void pa_test_fault_arm(unsigned int nth);
bool pa_test_fault_disarm(void);
#endif
int pa_test_parse_stats(const char *text, struct pa_stats *st);
int pa_test_read_stats(const char *path, struct pa_stats *st);
bool pa_test_caller_is(unsigned long caller, const char *func);

/*
 * Large requests up to this many bytes get contiguous pages first, and
 * their usable size is kmalloc()'s power-of-two pages; whole pages above.
 * Written from the Documentation, not read from src/large.c.
 */
#define PA_TEST_CONTIG_MAX	(PAGE_SIZE << 3)

static inline size_t pa_test_large_usable(size_t size)
{
	if (size <= PA_TEST_CONTIG_MAX)
		return PAGE_SIZE << get_order(size);
	return PAGE_ALIGN(size);
}

/* The pool's counters now. */
static inline struct pa_stats pa_test_stats(struct pa_pool *pool)
{
	struct pa_stats st;

	pa_pool_stats(pool, &st);
	return st;
}

#endif /* _PA_TEST_H */
