/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The native test suite: the behaviour checks of kunit/ that need no
 * kernel, run against the core built in userspace (libpa.a).
 *
 * Each case runs in a child process of its own, which loads the core with
 * the case's parameters, runs the case, unloads the core and checks that
 * no page of the direct map survived.  A failed check ends the child at
 * once and hands its reason to the runner (runner.c) through a pipe.
 */
#ifndef _PA_TESTS_H
#define _PA_TESTS_H

#include "pool_alloc.h"
#include "pa_user.h"

/* One case: its name, the module parameters it loads with, its body. */
struct pa_case {
	const char *name;
	const char *params;
	void (*run)(void);
};

#define PA_CASE(fn, params)	{ #fn, params, fn }

/* Each file's cases, ending with an empty entry. */
extern const struct pa_case pa_api_cases[];
extern const struct pa_case pa_owner_cases[];
extern const struct pa_case pa_pages_cases[];
extern const struct pa_case pa_pcpu_cases[];
extern const struct pa_case pa_debug_cases[];
extern const struct pa_case pa_hook_cases[];
extern const struct pa_case pa_trace_cases[];
extern const struct pa_case pa_bulk_cases[];

/* End the case as failed, saying why (file:line: message). */
void __noreturn __printf(3, 4)
pa_fail(const char *file, int line, const char *fmt, ...);

#define PA_CHECK(cond)							\
	do {								\
		if (!(cond))						\
			pa_fail(__FILE__, __LINE__, "%s", #cond);	\
	} while (0)

#define PA_CHECK_EQ(a, b)						\
	do {								\
		unsigned long long __a = (unsigned long long)(a);	\
		unsigned long long __b = (unsigned long long)(b);	\
									\
		if (__a != __b)						\
			pa_fail(__FILE__, __LINE__,			\
				"%s is %llu, expected %s (%llu)",	\
				#a, __a, #b, __b);			\
	} while (0)

#define PA_CHECK_LE(a, b)						\
	do {								\
		unsigned long long __a = (unsigned long long)(a);	\
		unsigned long long __b = (unsigned long long)(b);	\
									\
		if (__a > __b)						\
			pa_fail(__FILE__, __LINE__,			\
				"%s is %llu, expected at most %s (%llu)", \
				#a, __a, #b, __b);			\
	} while (0)

/*
 * The core's own sizes, as internal.h has them: a run is 16 KiB (4 pages),
 * an arena 256 KiB (64 pages, 16 runs).  Tied to the core by the tests
 * that check them (test_arenas_returned_after_freeing_everything).
 */
#define T_RUN_SIZE		(4 * PAGE_SIZE)
#define T_ARENA_PAGES		64
/* The per-CPU cache's batch and size (PA_CACHE_BATCH, PA_CACHE_SIZE). */
#define T_CACHE_BATCH		16
#define T_CACHE_SIZE		32
/* Large requests up to 32 KiB get contiguous pages first (src/large.c). */
#define T_CONTIG_MAX		(8 * PAGE_SIZE)

/*
 * The usable size of a large request, as documented: kmalloc()'s
 * power-of-two pages up to T_CONTIG_MAX, whole pages above.
 */
static inline size_t t_large_usable(size_t size)
{
	if (size <= T_CONTIG_MAX)
		return PAGE_SIZE << get_order(size);
	return PAGE_ALIGN(size);
}

/* KUnit-visible internals of the core (src/internal.h). */
extern unsigned int pa_small_max;
extern unsigned int pa_nr_classes;
extern unsigned int pa_class_size[];
extern struct pa_pool *pa_default_pool;
void pa_cache_drain_all(struct pa_pool *pool);
unsigned long pa_large_stash_pages(void);
unsigned long pa_large_stash_drain(int cpu);
void pa_large_stash_reap(void);

/*
 * A planted bug: a write the test makes on purpose where the client may
 * not write.  KASAN (memcheck in the valgrind build) would rightly report
 * it; the core's own debug mode is what must find it.
 */
void pa_t_plant(void *p, unsigned char byte);
/* pa_t_all() of bytes the client may not read (guards, freed data). */
bool pa_t_peek_all(const void *p, size_t n, unsigned char byte);

/*
 * The bounds of the call sites that hooks and the profiler must name
 * (hook.c): each is a function in a section of its own.
 */
extern char __start_pa_t_hooked[], __stop_pa_t_hooked[];
extern char __start_pa_t_site_a[], __stop_pa_t_site_a[];
extern char __start_pa_t_site_b[], __stop_pa_t_site_b[];

/* Helpers (helpers.c). */
struct pa_stats pa_t_stats(struct pa_pool *pool);
/* Fill @n bytes of @p with a pattern derived from @seed, or check it. */
void pa_t_fill(void *p, size_t n, unsigned int seed);
bool pa_t_filled(const void *p, size_t n, unsigned int seed);
bool pa_t_all(const void *p, size_t n, unsigned char byte);
/*
 * Count the log lines that contain @needle from now on (0 after a reset),
 * and every line seen, for the debug-mode reports.
 */
void pa_t_log_count(const char *needle);
unsigned long pa_t_log_matches(void);
/* The value of @key in a debugfs stats file, or -1. */
long long pa_t_debugfs_value(const char *path, const char *key);

#endif /* _PA_TESTS_H */
