// SPDX-License-Identifier: GPL-2.0
/*
 * Native benchmark: pool_alloc's core against pymalloc and the userspace
 * allocators, on this machine's own CPUs.
 *
 * One program, built once per allocator (bench.mk); BENCH_ALLOC_<NAME> says
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
 *             replaces them, which alloc_setup() checks in
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
 * This file holds the cases and main(); alloc.c the allocators' set-up,
 * measure.c the clocks, counters, RSS and threads, bench.h what they share.
 *
 * Usage: bench-<alloc> [-r RUNS] [-q] pair | random N | trace FILE |
 *        spsc | percore
 */
#include "bench.h"

/* ---- Parameters ---------------------------------------------------------- */

/*
 * Operations (an allocation or a free) per timed run: about 10 to 50 ms at
 * 5 to 25 ns an operation, long against the clock's resolution and short
 * enough that 6 allocators x 6 cases x RUNS stay within a few minutes.
 */
#define BENCH_OPS_PER_RUN	(2u << 20)
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
/* Keeps the spsc ring's indices on cache lines of their own. */
#define BENCH_CACHELINE		64

unsigned int bench_runs = BENCH_RUNS_DEFAULT;
unsigned int bench_div = 1;

noreturn void bench_die(const char *fmt, ...)
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
		bench_die("allocation of %zu bytes failed", size);
	bench_touch(p, size);
	return p;
}

/* ---- Harness memory, random sizes ---------------------------------------- */

/* Zeroed memory for the harness, not from the allocator under test. */
static void *bench_map(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);

	if (p == MAP_FAILED)
		bench_die("mmap of %zu bytes: %s", size, strerror(errno));
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
		measure_case(&c, false);
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
		bench_die("random: N must be at least 1");
	batch_init(&bench_batch, n, BENCH_SEED);
}

static void random_case(void)
{
	struct bench_case c = { .name = "random", .param = bench_batch.n,
				.threads = 1, .count_scale = 1,
				.run = random_run };

	measure_case(&c, true);
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
			bench_die("trace op %zu: %s of id %u, which is %s",
				  i + 1, is_free ? "free" : "alloc", op->id,
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
		bench_die("cannot open %s: %s", path, strerror(errno));
	while ((got = fread(text + len, 1, BENCH_TRACE_BYTES_MAX - len, f)))
		len += got;
	if (ferror(f) || len == BENCH_TRACE_BYTES_MAX)
		bench_die("%s: read error or larger than %lu bytes", path,
			  BENCH_TRACE_BYTES_MAX);
	fclose(f);
	n = trace_parse(text, len, NULL, &max_id);
	if (n <= 0)
		bench_die("%s: no operations", path);
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
	measure_case(&c, true);
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
	measure_team_run();
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
	measure_team_start(2, spsc_work);
	measure_case(&c, true);
	measure_team_stop();
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
	measure_team_start(nr, percore_work);
	measure_case(&c, true);
	measure_team_stop();
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
	alloc_setup();
	bench_free(bench_alloc_touched(1));
	measure_perf_open();
	measure_base_kib = measure_rss_kib();
	cmd->run();
	alloc_teardown();
	return 0;
}
