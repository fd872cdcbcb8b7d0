// SPDX-License-Identifier: GPL-2.0
/*
 * The native benchmark's allocator under test, but for its allocation and
 * free calls (static inline in bench.h): for each BENCH_ALLOC_<NAME>, how
 * the binary sets it up and names its version in the "# alloc=" line, how
 * the threads of the threaded cases enter and leave it, what runs between
 * timed runs and in the idle time, and how many threads it can take.
 * pool_alloc's go through pa_user.h; the malloc()s' check that the library
 * linked in front of libc is the one whose malloc() the binary calls.
 */
#include "bench.h"

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

/* Set by the cases with two or more threads: pymalloc then takes its lock. */
bool alloc_threaded;

#if defined(BENCH_ALLOC_PA)

/*
 * pa_user_load() makes the calling thread a CPU: the main thread runs the
 * single-threaded cases as it, alone, so the shim's preempt-disabled
 * sections take no mutex (pa_user.h), as on one CPU of a kernel.
 */
void alloc_setup(void)
{
	int err = pa_user_load("");

	if (err)
		bench_die("pa_user_load: %s", strerror(-err));
	printf("# alloc=%s version=\"%s\" cpus=%d\n", BENCH_NAME,
	       BENCH_PA_VERSION, pa_user_nr_cpus());
}

/* The other threads each take a CPU of their own. */
void alloc_worker_enter(void)
{
	int err = pa_user_thread_enter();

	if (err)
		bench_die("pa_user_thread_enter: %s", strerror(-err));
}

void alloc_worker_exit(void)
{
	pa_user_thread_exit();
}

/*
 * What the kernel's workers and RCU would have done meanwhile, in the
 * background: the shim runs it only when asked, here after each run,
 * untimed.
 */
void alloc_settle(void)
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

long alloc_idle_kib(void)
{
	int i;

	for (i = 0; i < BENCH_IDLE_SECONDS; i++)
		pa_user_tick(HZ);
	return measure_rss_kib();
}

/* A WARN in the core is a bug: say so next to the figures. */
void alloc_teardown(void)
{
	unsigned long warnings = pa_user_warnings();

	if (warnings)
		printf("# note: alloc=%s %lu WARNs, see stderr\n", BENCH_NAME,
		       warnings);
	pa_user_unload();
}

/* The main thread keeps the CPU pa_user_load() gave it. */
int alloc_max_threads(void)
{
	return pa_user_nr_cpus() - 1;
}

#elif defined(BENCH_ALLOC_PYMALLOC)

pthread_mutex_t alloc_gil = PTHREAD_MUTEX_INITIALIZER;

/* The library's file name ("libpython3.11.so.1.0"); run.sh adds its package. */
void alloc_setup(void)
{
	char lib[256];

	mapped_file((void *)py_object_malloc, lib, sizeof(lib));
	printf("# alloc=%s version=\"%s\"\n", BENCH_NAME, lib);
}

#else /* one of the malloc()s */

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

void alloc_setup(void)
{
	void *(*fn)(size_t) = malloc;
	char lib[256];

	/* The replacement must win, or the figures are glibc's. */
	mapped_file((void *)fn, lib, sizeof(lib));
	if (!strstr(lib, BENCH_MALLOC_LIB))
		bench_die("malloc() comes from %s, not %s", lib,
			  BENCH_MALLOC_LIB);
	printf("# alloc=%s version=\"%s\" malloc=%s\n", BENCH_NAME,
	       bench_version(), lib);
}

#endif

#if !defined(BENCH_ALLOC_PA)
void alloc_worker_enter(void)
{
}

void alloc_worker_exit(void)
{
}

void alloc_settle(void)
{
}

void alloc_teardown(void)
{
}

/* Nothing of the others' runs on a timer. */
long alloc_idle_kib(void)
{
	return -1;
}

int alloc_max_threads(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}
#endif
