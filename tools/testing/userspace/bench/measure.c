// SPDX-License-Identifier: GPL-2.0
/*
 * The native benchmark's measurement: the clocks, the perf_event_open()
 * cycle and instruction counters of every working thread, the resident
 * set (/proc/self/statm) and its peak (getrusage), measure_case(), which
 * times a case's runs and prints its result line, and the team of threads
 * that the threaded cases run their work on, one timed run at a time.
 */
#include "bench.h"

/* ---- Time, counters, RSS ------------------------------------------------- */

static uint64_t clock_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
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
 * measure_perf_open() on and read before and after each timed run by every
 * thread that does the work (a counter of pid 0 counts one thread).  -1 when
 * perf_event_open() refuses: no PMU in a VM, or perf_event_paranoid above
 * 2.
 */
static __thread int bench_perf_fd[BENCH_NR_COUNTERS] = { -1, -1 };
static bool bench_perf_reported;

void measure_perf_open(void)
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

long measure_rss_kib(void)
{
	long size, resident;
	FILE *f = fopen("/proc/self/statm", "r");

	if (!f || fscanf(f, "%ld %ld", &size, &resident) != 2)
		bench_die("cannot read /proc/self/statm");
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

long measure_base_kib;

/*
 * One untimed warm-up run, then bench_runs timed ones; prints the median
 * cost per operation of each figure.  With @rss, the RSS fields too.
 */
void measure_case(struct bench_case *c, bool rss)
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
		alloc_settle();
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
		       measure_base_kib, peak_rss_kib(), measure_rss_kib());
		printf(" idle_kib=%ld", alloc_idle_kib());
	}
	printf("\n");
	fflush(stdout);
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

	alloc_worker_enter();
	measure_perf_open();
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
	alloc_worker_exit();
	return NULL;
}

void measure_team_start(int nr, void (*work)(int idx))
{
	int i;

	if (nr > alloc_max_threads())
		bench_die("%d threads wanted, %d CPU slots", nr,
			  alloc_max_threads());
	alloc_threaded = true;
	bench_team.nr = nr;
	bench_team.work = work;
	pthread_barrier_init(&bench_team.start, NULL, nr + 1);
	pthread_barrier_init(&bench_team.done, NULL, nr + 1);
	for (i = 0; i < nr; i++)
		if (pthread_create(&bench_team.tid[i], NULL, team_main,
				   (void *)(intptr_t)i))
			bench_die("pthread_create failed");
}

/* One run: all threads do their work once. */
void measure_team_run(void)
{
	pthread_barrier_wait(&bench_team.start);
	pthread_barrier_wait(&bench_team.done);
}

void measure_team_stop(void)
{
	int i;

	atomic_store(&bench_team.quit, true);
	pthread_barrier_wait(&bench_team.start);
	for (i = 0; i < bench_team.nr; i++)
		pthread_join(bench_team.tid[i], NULL);
}

