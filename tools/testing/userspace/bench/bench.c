// SPDX-License-Identifier: GPL-2.0
/*
 * Native benchmark: pool_alloc's core against pymalloc and the userspace
 * allocators, on this machine's own CPUs.
 *
 * One source, built once per allocator (bench.mk); BENCH_ALLOC_<NAME> says
 * which one the binary calls:
 *
 *   PA        pa_alloc(size, GFP_KERNEL)/pa_free() of build/userspace/bench/
 *             libpa.a (the module's src/ compiled against the shims), after
 *             pa_user_load(""), every thread in a CPU slot
 *   PYMALLOC  PyObject_Malloc()/PyObject_Free() of libpython3.X, the
 *             interpreter never started; above 512 bytes pymalloc passes
 *             the request to malloc(), as it does in CPython
 *   GLIBC, JEMALLOC, MIMALLOC, TCMALLOC
 *             malloc()/free(); the library linked in front of libc
 *             replaces them, which bench_setup() checks in
 *             /proc/self/maps
 *
 * pymalloc is not thread-safe: CPython calls it under the GIL.  In the
 * cases with two or more threads every call takes one global mutex, the
 * GIL's stand-in, and the results say so.
 *
 * Each run of the program is one case in a fresh process, so that its peak
 * RSS (getrusage) belongs to that case alone.  The harness's own arrays are
 * mmap()ed, never taken from the allocator under test, and touched before
 * the baseline RSS is read.  Output: one "# " line naming the allocator and
 * its version, then one result line per measurement, "key=value" fields
 * (README describes them).
 *
 * Usage: bench-<alloc> [-r RUNS] [-q] pair | random N | trace FILE |
 *        spsc | percore
 */
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

/*
 * Operations (an allocation or a free) per timed run: about 10 to 50 ms at
 * 5 to 25 ns an operation, long against the clock's resolution and short
 * enough that 6 allocators x 6 cases x RUNS stay within a few minutes.
 */
#define BENCH_OPS_PER_RUN	(2u << 20)
/* Default timed runs per measurement; the median is reported. */
#define BENCH_RUNS_DEFAULT	7
#define BENCH_RUNS_MAX		64
/* -q divides the work of every run by this, to try the harness out. */
#define BENCH_QUICK_DIV		16

/*
 * The pair sizes: 16-byte steps to 512 (every class boundary of pymalloc,
 * whose classes are 16 bytes apart), then the power-of-two and
 * midway sizes up to 4096, pool_alloc's default small_max.
 */
static const unsigned int bench_pair_sizes[] = {
	16, 32, 48, 64, 80, 96, 112, 128, 144, 160, 176, 192, 208, 224, 240,
	256, 272, 288, 304, 320, 336, 352, 368, 384, 400, 416, 432, 448, 464,
	480, 496, 512, 768, 1024, 1536, 2048, 3072, 4096,
};

/*
 * Request sizes of the random, spsc and percore cases: uniform in
 * [1, BENCH_RAND_SIZE_MAX], pymalloc's whole range, so that every
 * allocator serves all of them from its small-object path.
 */
#define BENCH_RAND_SIZE_MAX	512
/* Fixed, so that every allocator sees the same sizes in the same order. */
#define BENCH_SEED		0x9e3779b97f4a7c15ull
/* Blocks per batch of each thread of the percore case. */
#define BENCH_PERCORE_N		1000
/* Slots of the spsc ring: a power of two, 32 KiB of pointers. */
#define BENCH_RING_SIZE		4096
/* Sizes the spsc producer cycles through (a power of two). */
#define BENCH_SPSC_SIZES	4096
/* Largest trace file; boot-busybox.trace is about 1.2 MiB. */
#define BENCH_TRACE_BYTES_MAX	(64ul << 20)
/* An op's size field for a free. */
#define BENCH_OP_FREE		UINT32_MAX
/* One page: the stride at which a block's memory is touched. */
#define BENCH_PAGE		4096ul
/* Most threads of the percore case. */
#define BENCH_THREADS_MAX	64
/* Keeps the spsc ring's indices on cache lines of their own. */
#define BENCH_CACHELINE		64

static unsigned int bench_runs = BENCH_RUNS_DEFAULT;
static unsigned int bench_div = 1;

static noreturn void die(const char *fmt, ...)
{
	va_list ap;

	fflush(stdout);
	fprintf(stderr, "bench-%s: ", BENCH_NAME);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

#if !defined(BENCH_ALLOC_PA)
/* The file mapped at @addr, from /proc/self/maps, into @path. */
static void mapped_file(const void *addr, char *path, size_t size)
{
	unsigned long start, end, a = (unsigned long)addr;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int n;

	snprintf(path, size, "?");
	while (f && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%lx-%lx %*s %*s %*s %*s %n", &start, &end,
			   &n) < 2 || a < start || a >= end)
			continue;
		line[strcspn(line, "\n")] = '\0';
		snprintf(path, size, "%s", strrchr(line + n, '/') ?
			 strrchr(line + n, '/') + 1 : line + n);
		break;
	}
	if (f)
		fclose(f);
}
#endif

/* ---- The allocator under test -------------------------------------------- */

static long rss_kib(void);

/* Set by the cases with two or more threads: pymalloc then takes its lock. */
static bool bench_threaded;

#if defined(BENCH_ALLOC_PA)

static void *bench_alloc(size_t size)
{
	return pa_alloc(size, GFP_KERNEL);
}

static void bench_free(void *p)
{
	pa_free(p);
}

/*
 * pa_user_load() makes the calling thread a CPU: the main thread runs the
 * single-threaded cases as it, alone, so the shim's preempt-disabled
 * sections take no mutex (pa_user.h), as on one CPU of a kernel.
 */
static void bench_setup(void)
{
	int err = pa_user_load("");

	if (err)
		die("pa_user_load: %s", strerror(-err));
	printf("# alloc=%s version=\"%s\" cpus=%d\n", BENCH_NAME,
	       BENCH_PA_VERSION, pa_user_nr_cpus());
}

/* The other threads each take a CPU of their own. */
static void bench_worker_enter(void)
{
	int err = pa_user_thread_enter();

	if (err)
		die("pa_user_thread_enter: %s", strerror(-err));
}

static void bench_worker_exit(void)
{
	pa_user_thread_exit();
}

/*
 * What the kernel's workers and RCU would have done meanwhile, in the
 * background: the shim runs it only when asked, here after each run,
 * untimed.
 */
static void bench_settle(void)
{
	pa_user_run_work();
}

/*
 * Jiffies move only when the harness says: let BENCH_IDLE_SECONDS pass in
 * steps of a second, so that the per-CPU reaper (PA_REAP_INTERVAL, 2 s)
 * sees the caches idle and then drains them, and their blocks' runs and
 * arenas can go back, as they would in a kernel left alone that long.
 */
#define BENCH_IDLE_SECONDS	5

static long bench_idle_kib(void)
{
	int i;

	for (i = 0; i < BENCH_IDLE_SECONDS; i++)
		pa_user_tick(HZ);
	return rss_kib();
}

/* A WARN in the core is a bug: say so next to the figures. */
static void bench_teardown(void)
{
	unsigned long warnings = pa_user_warnings();

	if (warnings)
		printf("# note: alloc=%s %lu WARNs, see stderr\n", BENCH_NAME,
		       warnings);
	pa_user_unload();
}

/* The main thread keeps the CPU pa_user_load() gave it. */
static int bench_max_threads(void)
{
	return pa_user_nr_cpus() - 1;
}

#elif defined(BENCH_ALLOC_PYMALLOC)

/*
 * PyObject_Malloc() and PyObject_Free() of libpython's stable ABI, declared
 * here under lower-case names, as kernel style wants them, rather than
 * taken from <Python.h>.
 */
void *py_object_malloc(size_t size) __asm__("PyObject_Malloc");
void py_object_free(void *p) __asm__("PyObject_Free");

static pthread_mutex_t bench_gil = PTHREAD_MUTEX_INITIALIZER;

static void *bench_alloc(size_t size)
{
	void *p;

	if (!bench_threaded)
		return py_object_malloc(size);
	pthread_mutex_lock(&bench_gil);
	p = py_object_malloc(size);
	pthread_mutex_unlock(&bench_gil);
	return p;
}

static void bench_free(void *p)
{
	if (!bench_threaded) {
		py_object_free(p);
		return;
	}
	pthread_mutex_lock(&bench_gil);
	py_object_free(p);
	pthread_mutex_unlock(&bench_gil);
}

/* The library's file name ("libpython3.11.so.1.0"); run.sh adds its package. */
static void bench_setup(void)
{
	char lib[256];

	mapped_file((void *)py_object_malloc, lib, sizeof(lib));
	printf("# alloc=%s version=\"%s\"\n", BENCH_NAME, lib);
}

#else /* one of the malloc()s */

static void *bench_alloc(size_t size)
{
	return malloc(size);
}

static void bench_free(void *p)
{
	free(p);
}

static const char *bench_version(void)
{
	static char buf[32];
#if defined(BENCH_ALLOC_GLIBC)
	snprintf(buf, sizeof(buf), "%s", gnu_get_libc_version());
#elif defined(BENCH_ALLOC_JEMALLOC)
	const char *v = "?";
	size_t len = sizeof(v);

	mallctl("version", &v, &len, NULL, 0);
	snprintf(buf, sizeof(buf), "%s", v);
#elif defined(BENCH_ALLOC_MIMALLOC)
	int v = mi_version();

	/* mi_version() is major * 100 + minor * 10 + patch. */
	snprintf(buf, sizeof(buf), "%d.%d.%d", v / 100, v / 10 % 10, v % 10);
#elif defined(BENCH_ALLOC_TCMALLOC)
	snprintf(buf, sizeof(buf), "%s", tc_version(NULL, NULL, NULL));
#endif
	return buf;
}

static void bench_setup(void)
{
	void *(*fn)(size_t) = malloc;
	char lib[256];

	/* The replacement must win, or the figures are glibc's. */
	mapped_file((void *)fn, lib, sizeof(lib));
	if (!strstr(lib, BENCH_MALLOC_LIB))
		die("malloc() comes from %s, not %s", lib, BENCH_MALLOC_LIB);
	printf("# alloc=%s version=\"%s\" malloc=%s\n", BENCH_NAME,
	       bench_version(), lib);
}

#endif

#if !defined(BENCH_ALLOC_PA)
static void bench_worker_enter(void)
{
}

static void bench_worker_exit(void)
{
}

static void bench_settle(void)
{
}

static void bench_teardown(void)
{
}

/* Nothing of the others' runs on a timer. */
static long bench_idle_kib(void)
{
	return -1;
}

static int bench_max_threads(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}
#endif

/*
 * Write to every page of a block, as its user would.  The barrier keeps
 * the stores, which a free() the compiler could see through would make
 * dead.
 */
static inline void bench_touch(void *p, size_t size)
{
	char *c = p;
	size_t off;

	for (off = 0; off < size; off += BENCH_PAGE)
		c[off] = (char)off;
	c[size - 1] = 1;
	__asm__ __volatile__("" : : "r"(c) : "memory");
}

static void *bench_alloc_touched(size_t size)
{
	void *p = bench_alloc(size);

	if (!p)
		die("allocation of %zu bytes failed", size);
	bench_touch(p, size);
	return p;
}

/* ---- Harness memory, time, counters, RSS --------------------------------- */

/* Zeroed memory for the harness, not from the allocator under test. */
static void *bench_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		die("mmap of %zu bytes: %s", size, strerror(errno));
	return p;
}

/* Fault the harness's array in, so that it is part of the baseline RSS. */
static void *bench_map_touched(size_t size)
{
	char *p = bench_map(size);
	size_t off;

	for (off = 0; off < size; off += BENCH_PAGE)
		p[off] = 0;
	return p;
}

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static uint64_t rng_next(uint64_t *s)
{
	/* xorshift64*: fast, and the same sequence everywhere. */
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

static unsigned int rng_size(uint64_t *s)
{
	return 1 + rng_next(s) % BENCH_RAND_SIZE_MAX;
}

/*
 * perf_event_open()'s attribute, as its first version (PERF_ATTR_SIZE_VER0,
 * 64 bytes) lays it out: <linux/perf_event.h> cannot be included, because
 * the pool_alloc build puts the shims' linux/ headers before the system's.
 */
struct bench_perf_attr {
	uint32_t type;
	uint32_t size;
	uint64_t config;
	uint64_t sample_period;
	uint64_t sample_type;
	uint64_t read_format;
	uint64_t flags;		/* bit 0 disabled ... bit 5 exclude_kernel */
	uint32_t wakeup_events;
	uint32_t bp_type;
	uint64_t config1;
};

static_assert(sizeof(struct bench_perf_attr) == 64, "PERF_ATTR_SIZE_VER0");
#define BENCH_PERF_TYPE_HARDWARE	0
#define BENCH_PERF_HW_CYCLES		0
#define BENCH_PERF_HW_INSTRUCTIONS	1
#define BENCH_PERF_EXCLUDE_KERNEL	0x20ull		/* flags bit 5 */
#define BENCH_PERF_EXCLUDE_HV		0x40ull		/* flags bit 6 */
#define BENCH_NR_COUNTERS		2

/*
 * User-space cycles and instructions of the calling thread, counted from
 * perf_open() on and read before and after each timed run by every thread
 * that does the work (a counter of pid 0 counts one thread).  -1 when
 * perf_event_open() refuses: no PMU in a VM, or perf_event_paranoid above
 * 2.
 */
static __thread int bench_perf_fd[BENCH_NR_COUNTERS] = { -1, -1 };
static bool bench_perf_reported;

static void perf_open(void)
{
	static const uint64_t configs[BENCH_NR_COUNTERS] = {
		BENCH_PERF_HW_CYCLES, BENCH_PERF_HW_INSTRUCTIONS,
	};
	static const char *const names[BENCH_NR_COUNTERS] = {
		"cycles", "instructions",
	};
	struct bench_perf_attr attr;
	int i;

	for (i = 0; i < BENCH_NR_COUNTERS; i++) {
		memset(&attr, 0, sizeof(attr));
		attr.size = sizeof(attr);
		attr.type = BENCH_PERF_TYPE_HARDWARE;
		attr.config = configs[i];
		attr.flags = BENCH_PERF_EXCLUDE_KERNEL | BENCH_PERF_EXCLUDE_HV;
		bench_perf_fd[i] = syscall(SYS_perf_event_open, &attr, 0, -1,
					   -1, 0);
		if (bench_perf_fd[i] < 0 && !bench_perf_reported)
			printf("# perf: %s counter unavailable: %s\n",
			       names[i], strerror(errno));
	}
	bench_perf_reported = true;
}

static void perf_close(void)
{
	int i;

	for (i = 0; i < BENCH_NR_COUNTERS; i++) {
		if (bench_perf_fd[i] >= 0)
			close(bench_perf_fd[i]);
		bench_perf_fd[i] = -1;
	}
}

/* The calling thread's counts so far, -1 for a counter it does not have. */
static void perf_read(int64_t out[BENCH_NR_COUNTERS])
{
	uint64_t v;
	int i;

	for (i = 0; i < BENCH_NR_COUNTERS; i++) {
		out[i] = -1;
		if (bench_perf_fd[i] >= 0 &&
		    read(bench_perf_fd[i], &v, sizeof(v)) == sizeof(v))
			out[i] = (int64_t)v;
	}
}

/* The counts of one run, summed over the threads that did its work. */
static atomic_llong bench_run_counts[BENCH_NR_COUNTERS];

static void perf_add_run(const int64_t before[BENCH_NR_COUNTERS])
{
	int64_t after[BENCH_NR_COUNTERS];
	int i;

	perf_read(after);
	for (i = 0; i < BENCH_NR_COUNTERS; i++) {
		if (before[i] < 0 || after[i] < 0)
			atomic_store(&bench_run_counts[i], INT64_MIN);
		else
			atomic_fetch_add(&bench_run_counts[i],
					 after[i] - before[i]);
	}
}

static long rss_kib(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		die("cannot read /proc/self/statm");
	fclose(f);
	return resident * (sysconf(_SC_PAGESIZE) / 1024);
}

static long peak_rss_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* ---- Measurement --------------------------------------------------------- */

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

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static long bench_base_kib;

/*
 * One untimed warm-up run, then bench_runs timed ones; prints the median
 * cost per operation of each figure.  With @rss, the RSS fields too.
 */
static void bench_measure(struct bench_case *c, bool rss)
{
	double ns[BENCH_RUNS_MAX], cyc[BENCH_RUNS_MAX], ins[BENCH_RUNS_MAX];
	double wall[BENCH_RUNS_MAX];
	int64_t before[BENCH_NR_COUNTERS], counts[BENCH_NR_COUNTERS];
	uint64_t ops = 0, t0, t1, c0 = 0, c1 = 0;
	unsigned int i;
	int k;

	for (i = 0; i <= bench_runs; i++) {
		for (k = 0; k < BENCH_NR_COUNTERS; k++)
			atomic_store(&bench_run_counts[k], 0);
		/* The team's threads count themselves (team_main()). */
		if (c->threads == 1)
			perf_read(before);
		c0 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		t0 = clock_ns(CLOCK_MONOTONIC);
		ops = c->run(c);
		t1 = clock_ns(CLOCK_MONOTONIC);
		c1 = clock_ns(CLOCK_THREAD_CPUTIME_ID);
		if (c->threads == 1)
			perf_add_run(before);
		if (c->after_run)
			c->after_run(c);
		bench_settle();
		if (!i)
			continue;
		for (k = 0; k < BENCH_NR_COUNTERS; k++) {
			counts[k] = atomic_load(&bench_run_counts[k]);
			if (counts[k] < 0)
				counts[k] = -1;
		}
		wall[i - 1] = (double)(t1 - t0) / ops;
		/*
		 * One thread: its CPU time, page faults included, which time
		 * the shared machine's other work takes from it does not
		 * inflate.  A team's threads wait for each other: wall time.
		 */
		ns[i - 1] = c->threads == 1 ? (double)(c1 - c0) / ops :
			wall[i - 1];
		cyc[i - 1] = counts[0] < 0 ? -1 :
			(double)counts[0] / ops / c->count_scale;
		ins[i - 1] = counts[1] < 0 ? -1 :
			(double)counts[1] / ops / c->count_scale;
	}
	printf("case=%s alloc=%s size=%u n=%lu threads=%d ops=%llu runs=%u",
	       c->name, BENCH_NAME, c->size, c->param, c->threads,
	       (unsigned long long)ops, bench_runs);
	/* Median first: it sorts, and min and max are then its ends. */
	printf(" ns=%.2f", median(ns, bench_runs));
	printf(" ns_min=%.2f ns_max=%.2f", ns[0], ns[bench_runs - 1]);
	printf(" wall=%.2f clock=%s", median(wall, bench_runs),
	       c->threads == 1 ? "thread-cpu" : "wall");
	printf(" cycles=%.1f instr=%.1f", median(cyc, bench_runs),
	       median(ins, bench_runs));
	if (rss) {
		printf(" base_kib=%ld peak_kib=%ld after_kib=%ld",
		       bench_base_kib, peak_rss_kib(), rss_kib());
		printf(" idle_kib=%ld", bench_idle_kib());
	}
	printf("\n");
	fflush(stdout);
}

/* ---- Case: alloc+free pairs of one size ---------------------------------- */

static uint64_t pair_run(struct bench_case *c)
{
	uint64_t i, pairs = BENCH_OPS_PER_RUN / 2 / bench_div;

	for (i = 0; i < pairs; i++)
		bench_free(bench_alloc_touched(c->size));
	return pairs * 2;
}

static void pair_case(void)
{
	struct bench_case c = { .name = "pair", .threads = 1, .count_scale = 1,
				.run = pair_run };
	size_t i;

	for (i = 0; i < sizeof(bench_pair_sizes) / sizeof(*bench_pair_sizes);
	     i++) {
		c.size = bench_pair_sizes[i];
		bench_measure(&c, false);
	}
}

/* ---- Case: N allocations, then N frees in random order ------------------- */

struct batch {
	unsigned long n;
	unsigned int *sizes;	/* [n] */
	unsigned int *order;	/* [n]: a permutation, the order of the frees */
	void **blocks;		/* [n] */
};

static void batch_init(struct batch *b, unsigned long n, uint64_t seed)
{
	unsigned long i, j;
	unsigned int t;

	b->n = n;
	b->sizes = bench_map_touched(n * sizeof(*b->sizes));
	b->order = bench_map_touched(n * sizeof(*b->order));
	b->blocks = bench_map_touched(n * sizeof(*b->blocks));
	for (i = 0; i < n; i++) {
		b->sizes[i] = rng_size(&seed);
		b->order[i] = i;
	}
	/* Fisher-Yates. */
	for (i = n - 1; i > 0; i--) {
		j = rng_next(&seed) % (i + 1);
		t = b->order[i];
		b->order[i] = b->order[j];
		b->order[j] = t;
	}
}

/* Rounds of a batch in one run: BENCH_OPS_PER_RUN operations, at least 1. */
static uint64_t batch_rounds(unsigned long n)
{
	uint64_t r = BENCH_OPS_PER_RUN / bench_div / (2 * n);

	return r ? r : 1;
}

static uint64_t batch_run(struct batch *b)
{
	uint64_t r, rounds = batch_rounds(b->n);
	unsigned long i;

	for (r = 0; r < rounds; r++) {
		for (i = 0; i < b->n; i++)
			b->blocks[i] = bench_alloc_touched(b->sizes[i]);
		for (i = 0; i < b->n; i++)
			bench_free(b->blocks[b->order[i]]);
	}
	return rounds * b->n * 2;
}

static struct batch bench_batch;

static uint64_t random_run(struct bench_case *c)
{
	return batch_run(&bench_batch);
}

static void random_prepare(const char *arg)
{
	unsigned long n = strtoul(arg, NULL, 0);

	if (n < 1)
		die("random: N must be at least 1");
	batch_init(&bench_batch, n, BENCH_SEED);
}

static void random_case(void)
{
	struct bench_case c = { .name = "random", .param = bench_batch.n,
				.threads = 1, .count_scale = 1,
				.run = random_run };

	bench_measure(&c, true);
}

/* ---- Case: replay of a kernel trace -------------------------------------- */

/* bench/pab_trace.c's format: "a <id> <size>", "f <id>", '#' comments. */
struct trace_op {
	uint32_t id;
	uint32_t size;		/* bytes, or BENCH_OP_FREE */
};

static struct trace {
	struct trace_op *ops;
	size_t nr_ops;
	uint32_t nr_ids;
	void **objs;		/* by id: the live block, or NULL */
} bench_trace;

static bool parse_u32(const char **pos, const char *end, uint32_t *out)
{
	const char *s = *pos;
	uint64_t v = 0;

	while (s < end && (*s == ' ' || *s == '\t'))
		s++;
	if (s == end || *s < '0' || *s > '9')
		return false;
	for (; s < end && *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > UINT32_MAX)
			return false;
	}
	*pos = s;
	*out = v;
	return true;
}

/* Parse @text into @ops (NULL: count only); the number of ops, or -1. */
static long trace_parse(const char *text, size_t len, struct trace_op *ops,
			uint32_t *max_id)
{
	const char *s = text, *end = text + len;
	unsigned long line = 0;
	long n = 0;
	uint32_t id, size;
	char kind;

	*max_id = 0;
	while (s < end) {
		line++;
		kind = *s++;
		if (kind == 'a' || kind == 'f') {
			size = BENCH_OP_FREE;
			if (!parse_u32(&s, end, &id) ||
			    (kind == 'a' && !parse_u32(&s, end, &size)) ||
			    (kind == 'a' && (size == 0 || size == BENCH_OP_FREE))) {
				fprintf(stderr, "trace line %lu: malformed\n",
					line);
				return -1;
			}
			if (ops) {
				ops[n].id = id;
				ops[n].size = size;
			}
			if (id > *max_id)
				*max_id = id;
			n++;
		} else if (kind != '#' && kind != '\n') {
			fprintf(stderr, "trace line %lu: unknown op\n", line);
			return -1;
		}
		while (s < end && s[-1] != '\n')
			s++;
	}
	return n;
}

/* Every free must be of a live id, every allocation of a free one. */
static void trace_check(void)
{
	unsigned char *live = bench_map(bench_trace.nr_ids);
	size_t i;

	for (i = 0; i < bench_trace.nr_ops; i++) {
		const struct trace_op *op = &bench_trace.ops[i];
		bool is_free = op->size == BENCH_OP_FREE;

		if (live[op->id] != is_free)
			die("trace op %zu: %s of id %u, which is %s", i + 1,
			    is_free ? "free" : "alloc", op->id,
			    is_free ? "not live" : "live");
		live[op->id] = !is_free;
	}
	munmap(live, bench_trace.nr_ids);
}

static void trace_prepare(const char *path)
{
	char *text = bench_map(BENCH_TRACE_BYTES_MAX);
	size_t len = 0, got;
	uint32_t max_id;
	FILE *f;
	long n;

	/* Plain text: run.sh decompresses bench/traces/'s gzip files. */
	f = fopen(path, "r");
	if (!f)
		die("cannot open %s: %s", path, strerror(errno));
	while ((got = fread(text + len, 1, BENCH_TRACE_BYTES_MAX - len, f)))
		len += got;
	if (ferror(f) || len == BENCH_TRACE_BYTES_MAX)
		die("%s: read error or larger than %lu bytes", path,
		    BENCH_TRACE_BYTES_MAX);
	fclose(f);
	n = trace_parse(text, len, NULL, &max_id);
	if (n <= 0)
		die("%s: no operations", path);
	bench_trace.ops = bench_map_touched(n * sizeof(*bench_trace.ops));
	bench_trace.objs = bench_map_touched(((size_t)max_id + 1) *
					     sizeof(void *));
	bench_trace.nr_ops = trace_parse(text, len, bench_trace.ops, &max_id);
	bench_trace.nr_ids = max_id + 1;
	munmap(text, BENCH_TRACE_BYTES_MAX);
	trace_check();
}

static uint64_t trace_run(struct bench_case *c)
{
	const struct trace_op *op, *end = bench_trace.ops + bench_trace.nr_ops;
	void **objs = bench_trace.objs;

	for (op = bench_trace.ops; op < end; op++) {
		if (op->size != BENCH_OP_FREE) {
			objs[op->id] = bench_alloc_touched(op->size);
		} else {
			bench_free(objs[op->id]);
			objs[op->id] = NULL;
		}
	}
	return bench_trace.nr_ops;
}

/* The blocks the trace leaves live, freed untimed after each replay. */
static void trace_cleanup(struct bench_case *c)
{
	uint32_t id;

	for (id = 0; id < bench_trace.nr_ids; id++) {
		if (bench_trace.objs[id]) {
			bench_free(bench_trace.objs[id]);
			bench_trace.objs[id] = NULL;
		}
	}
}

static void trace_case(void)
{
	struct bench_case c = { .name = "trace", .threads = 1,
				.count_scale = 1, .run = trace_run,
				.after_run = trace_cleanup };

	printf("# trace ops=%zu ids=%u\n", bench_trace.nr_ops,
	       bench_trace.nr_ids);
	bench_measure(&c, true);
}

/* ---- Threads ------------------------------------------------------------- */

/*
 * A team of threads that runs one function per timed run: the main thread
 * releases them through @start and waits for them at @done, so that thread
 * creation is outside the time, and every run is timed on the wall clock.
 */
struct team {
	int nr;
	pthread_t tid[BENCH_THREADS_MAX];
	pthread_barrier_t start, done;
	atomic_bool quit;
	void (*work)(int idx);
};

static struct team bench_team;

static void *team_main(void *arg)
{
	int64_t before[BENCH_NR_COUNTERS];
	int idx = (int)(intptr_t)arg;

	bench_worker_enter();
	perf_open();
	for (;;) {
		pthread_barrier_wait(&bench_team.start);
		if (atomic_load(&bench_team.quit))
			break;
		perf_read(before);
		bench_team.work(idx);
		perf_add_run(before);
		pthread_barrier_wait(&bench_team.done);
	}
	perf_close();
	bench_worker_exit();
	return NULL;
}

static void team_start(int nr, void (*work)(int idx))
{
	int i;

	if (nr > bench_max_threads())
		die("%d threads wanted, %d CPU slots", nr,
		    bench_max_threads());
	bench_threaded = true;
	bench_team.nr = nr;
	bench_team.work = work;
	pthread_barrier_init(&bench_team.start, NULL, nr + 1);
	pthread_barrier_init(&bench_team.done, NULL, nr + 1);
	for (i = 0; i < nr; i++)
		if (pthread_create(&bench_team.tid[i], NULL, team_main,
				   (void *)(intptr_t)i))
			die("pthread_create failed");
}

/* One run: all threads do their work once. */
static void team_run(void)
{
	pthread_barrier_wait(&bench_team.start);
	pthread_barrier_wait(&bench_team.done);
}

static void team_stop(void)
{
	int i;

	atomic_store(&bench_team.quit, true);
	pthread_barrier_wait(&bench_team.start);
	for (i = 0; i < bench_team.nr; i++)
		pthread_join(bench_team.tid[i], NULL);
}

/* ---- Case: producer on one thread, consumer on another ------------------- */

/* A single-producer single-consumer ring of blocks. */
static struct {
	alignas(BENCH_CACHELINE) atomic_size_t head;	/* next to write */
	alignas(BENCH_CACHELINE) atomic_size_t tail;	/* next to read */
	alignas(BENCH_CACHELINE) void *slot[BENCH_RING_SIZE];
} bench_ring;

static unsigned int *bench_spsc_sizes;

static uint64_t spsc_blocks(void)
{
	return BENCH_OPS_PER_RUN / 2 / bench_div;
}

/*
 * Spin, then give the CPU away: on a machine whose CPUs other work shares,
 * the thread we wait for may be waiting for ours.
 */
#define BENCH_SPINS_BEFORE_YIELD	256

static void spsc_wait(unsigned int spins)
{
	if (spins < BENCH_SPINS_BEFORE_YIELD)
		__builtin_ia32_pause();
	else
		sched_yield();
}

/* Acquire: the consumer is done with the slot the producer reuses. */
static bool ring_full(size_t head)
{
	return head - atomic_load_explicit(&bench_ring.tail,
					   memory_order_acquire) ==
		BENCH_RING_SIZE;
}

/* Acquire: the head's store orders the slot's pointer before it. */
static bool ring_empty(size_t tail)
{
	return atomic_load_explicit(&bench_ring.head,
				    memory_order_acquire) == tail;
}

static void spsc_produce(void)
{
	size_t head = atomic_load_explicit(&bench_ring.head,
					   memory_order_relaxed);
	uint64_t i, n = spsc_blocks();
	unsigned int spins;
	void *p;

	for (i = 0; i < n; i++, head++) {
		p = bench_alloc_touched(bench_spsc_sizes[i &
							 (BENCH_SPSC_SIZES - 1)]);
		for (spins = 0; ring_full(head); spins++)
			spsc_wait(spins);
		bench_ring.slot[head & (BENCH_RING_SIZE - 1)] = p;
		/* Release: the slot's pointer before the new head. */
		atomic_store_explicit(&bench_ring.head, head + 1,
				      memory_order_release);
	}
}

static void spsc_consume(void)
{
	size_t tail = atomic_load_explicit(&bench_ring.tail,
					   memory_order_relaxed);
	uint64_t i, n = spsc_blocks();
	unsigned int spins;
	void *p;

	for (i = 0; i < n; i++, tail++) {
		for (spins = 0; ring_empty(tail); spins++)
			spsc_wait(spins);
		p = bench_ring.slot[tail & (BENCH_RING_SIZE - 1)];
		/* Release: our read of the slot before the producer's reuse. */
		atomic_store_explicit(&bench_ring.tail, tail + 1,
				      memory_order_release);
		bench_free(p);
	}
}

static void spsc_work(int idx)
{
	if (idx)
		spsc_consume();
	else
		spsc_produce();
}

static uint64_t team_case_run(struct bench_case *c)
{
	team_run();
	return c->param;
}

static void spsc_prepare(const char *arg)
{
	uint64_t seed = BENCH_SEED;
	unsigned int i;

	bench_spsc_sizes = bench_map_touched(BENCH_SPSC_SIZES *
					     sizeof(*bench_spsc_sizes));
	for (i = 0; i < BENCH_SPSC_SIZES; i++)
		bench_spsc_sizes[i] = rng_size(&seed);
}

static void spsc_case(void)
{
	struct bench_case c = { .name = "spsc", .threads = 2,
				.count_scale = 1, .run = team_case_run };

	c.param = spsc_blocks() * 2;
	team_start(2, spsc_work);
	bench_measure(&c, true);
	team_stop();
}

/* ---- Case: one thread per core ------------------------------------------- */

static struct batch *bench_batches;
static int bench_nr_cores;

static void percore_work(int idx)
{
	batch_run(&bench_batches[idx]);
}

static void percore_prepare(const char *arg)
{
	int i, nr = (int)sysconf(_SC_NPROCESSORS_ONLN);

	if (nr > BENCH_THREADS_MAX)
		nr = BENCH_THREADS_MAX;
	bench_nr_cores = nr;
	bench_batches = bench_map_touched(nr * sizeof(*bench_batches));
	for (i = 0; i < nr; i++)
		batch_init(&bench_batches[i], BENCH_PERCORE_N, BENCH_SEED + i);
}

static void percore_case(void)
{
	struct bench_case c = { .name = "percore", .run = team_case_run };
	int nr = bench_nr_cores;

	c.threads = nr;
	c.count_scale = nr;
	/*
	 * Operations per thread: ns per operation is then the wall time each
	 * thread needs for one, the same unit as the single-threaded cases
	 * (equal figures mean perfect scaling).
	 */
	c.param = batch_rounds(BENCH_PERCORE_N) * BENCH_PERCORE_N * 2;
	team_start(nr, percore_work);
	bench_measure(&c, true);
	team_stop();
}

/* ---- main ---------------------------------------------------------------- */

static const struct bench_cmd {
	const char *name;
	const char *arg;			/* its argument, or NULL */
	void (*prepare)(const char *arg);	/* harness data, or NULL */
	void (*run)(void);
} bench_cmds[] = {
	{ "pair", NULL, NULL, pair_case },
	{ "random", "N", random_prepare, random_case },
	{ "trace", "FILE", trace_prepare, trace_case },
	{ "spsc", NULL, spsc_prepare, spsc_case },
	{ "percore", NULL, percore_prepare, percore_case },
};

static void bad_usage(void)
{
	fprintf(stderr,
		"usage: bench-%s [-r RUNS] [-q] pair | random N | trace FILE | spsc | percore\n"
		"  -r RUNS  timed runs per figure, median reported (default %d, max %d)\n"
		"  -q       1/%d of the work per run, to try the harness out\n",
		BENCH_NAME, BENCH_RUNS_DEFAULT, BENCH_RUNS_MAX, BENCH_QUICK_DIV);
	exit(2);
}

int main(int argc, char **argv)
{
	const struct bench_cmd *cmd = NULL;
	const char *arg = NULL;
	size_t i;
	int opt;

	while ((opt = getopt(argc, argv, "r:q")) != -1) {
		switch (opt) {
		case 'r':
			bench_runs = atoi(optarg);
			if (bench_runs < 1 || bench_runs > BENCH_RUNS_MAX)
				bad_usage();
			break;
		case 'q':
			bench_div = BENCH_QUICK_DIV;
			break;
		default:
			bad_usage();
		}
	}
	for (i = 0; optind < argc && i < sizeof(bench_cmds) /
	     sizeof(*bench_cmds); i++)
		if (!strcmp(argv[optind], bench_cmds[i].name))
			cmd = &bench_cmds[i];
	if (!cmd || argc - optind != (cmd->arg ? 2 : 1))
		bad_usage();
	arg = cmd->arg ? argv[optind + 1] : NULL;

	/*
	 * The baseline RSS: the harness's arrays made and touched, the
	 * allocator set up and past its first allocation, so that what the
	 * case adds is the allocator's answer to the workload.
	 */
	if (cmd->prepare)
		cmd->prepare(arg);
	bench_setup();
	bench_free(bench_alloc_touched(1));
	perf_open();
	bench_base_kib = rss_kib();
	cmd->run();
	bench_teardown();
	return 0;
}
