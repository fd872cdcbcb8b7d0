/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the native benchmark's three files share: the allocator the binary
 * is built for (BENCH_ALLOC_<NAME>, bench.mk), the parameters more than
 * one file reads, struct bench_case, and the calls of the allocator under
 * test.  Those calls are static inline here, not in alloc.c: the timed
 * loops of bench.c make them, and the compiler must see through them as it
 * did when the benchmark was one file, or every operation would pay a call
 * of ours on top of the allocator's.  bench.c holds the cases and main(),
 * alloc.c the rest of each allocator's set-up, measure.c the clocks,
 * counters, RSS and the threads of the threaded cases.
 */
#ifndef BENCH_H
#define BENCH_H

#define _GNU_SOURCE
#include <assert.h>
#include <errno.h>
#include <gnu/libc-version.h>
#include <pthread.h>
#include <sched.h>
#include <stdalign.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdnoreturn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#if defined(BENCH_ALLOC_PA)
#include "pool_alloc.h"
#include "pa_user.h"
#define BENCH_NAME	"pool_alloc"
/* The tree's git description, from bench.mk. */
#ifndef BENCH_PA_VERSION
#define BENCH_PA_VERSION	"unknown"
#endif
#elif defined(BENCH_ALLOC_PYMALLOC)
#define BENCH_NAME	"pymalloc"
#elif defined(BENCH_ALLOC_GLIBC)
#define BENCH_NAME	"glibc"
#define BENCH_MALLOC_LIB	"libc.so"
#elif defined(BENCH_ALLOC_JEMALLOC)
#include <jemalloc/jemalloc.h>
#define BENCH_NAME	"jemalloc"
#define BENCH_MALLOC_LIB	"libjemalloc.so"
#elif defined(BENCH_ALLOC_MIMALLOC)
#include <mimalloc.h>
#define BENCH_NAME	"mimalloc"
#define BENCH_MALLOC_LIB	"libmimalloc.so"
#elif defined(BENCH_ALLOC_TCMALLOC)
#include <gperftools/tcmalloc.h>
#define BENCH_NAME	"tcmalloc"
#define BENCH_MALLOC_LIB	"libtcmalloc"
#else
#error "build with -DBENCH_ALLOC_<PA|PYMALLOC|GLIBC|JEMALLOC|MIMALLOC|TCMALLOC>"
#endif

/* ---- Parameters ---------------------------------------------------------- */

/* Default timed runs per measurement; the median is reported. */
#define BENCH_RUNS_DEFAULT	7
#define BENCH_RUNS_MAX		64
/* Most threads of the percore case. */
#define BENCH_THREADS_MAX	64

/* Set by main() (bench.c) from its options. */
extern unsigned int bench_runs;
extern unsigned int bench_div;

noreturn void bench_die(const char *fmt, ...);

/* ---- Measurement (measure.c) --------------------------------------------- */

/*
 * One timed run: does its work and returns the operations done.  The time
 * and counters cover the whole call; set-up and clean-up that must not be
 * timed are done before or after (struct bench_case).
 */
struct bench_case {
	const char *name;
	unsigned int size;	/* pair: the request size; else 0 */
	unsigned long param;	/* random: N; else 0 */
	int threads;
	/* Counts are summed over threads: per operation, divide by this too. */
	unsigned int count_scale;
	uint64_t (*run)(struct bench_case *c);
	void (*after_run)(struct bench_case *c);	/* untimed, or NULL */
};

/* The resident set before the case: main() takes it. */
extern long measure_base_kib;

void measure_case(struct bench_case *c, bool rss);
void measure_perf_open(void);
long measure_rss_kib(void);
void measure_team_start(int nr, void (*work)(int idx));
void measure_team_run(void);
void measure_team_stop(void);

/* ---- The allocator under test (alloc.c) ---------------------------------- */

/* Set by the cases with two or more threads: pymalloc then takes its lock. */
extern bool alloc_threaded;

void alloc_setup(void);
void alloc_worker_enter(void);
void alloc_worker_exit(void);
void alloc_settle(void);
long alloc_idle_kib(void);
void alloc_teardown(void);
int alloc_max_threads(void);

#if defined(BENCH_ALLOC_PA)

static inline void *bench_alloc(size_t size)
{
	return pa_alloc(size, GFP_KERNEL);
}

static inline void bench_free(void *p)
{
	pa_free(p);
}

#elif defined(BENCH_ALLOC_PYMALLOC)

/*
 * PyObject_Malloc() and PyObject_Free() of libpython's stable ABI, declared
 * here under lower-case names, as kernel style wants them, rather than
 * taken from <Python.h>.
 */
void *py_object_malloc(size_t size) __asm__("PyObject_Malloc");
void py_object_free(void *p) __asm__("PyObject_Free");

extern pthread_mutex_t alloc_gil;

static inline void *bench_alloc(size_t size)
{
	void *p;

	if (!alloc_threaded)
		return py_object_malloc(size);
	pthread_mutex_lock(&alloc_gil);
	p = py_object_malloc(size);
	pthread_mutex_unlock(&alloc_gil);
	return p;
}

static inline void bench_free(void *p)
{
	if (!alloc_threaded) {
		py_object_free(p);
		return;
	}
	pthread_mutex_lock(&alloc_gil);
	py_object_free(p);
	pthread_mutex_unlock(&alloc_gil);
}

#else /* one of the malloc()s */

static inline void *bench_alloc(size_t size)
{
	return malloc(size);
}

static inline void bench_free(void *p)
{
	free(p);
}

#endif

#endif /* BENCH_H */
