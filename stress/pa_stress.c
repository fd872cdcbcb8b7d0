// SPDX-License-Identifier: GPL-2.0
/*
 * pa_stress: a stress test of pool_alloc, written only against pool_alloc.h.
 *
 * Loading it runs the test to completion before insmod returns:
 *
 *   - one kthread per online CPU, bound to it, allocates blocks of random
 *     sizes over every size class (1 to small_max) and some large ones (up
 *     to large_max) with pa_alloc(), pa_zalloc(), pa_calloc(),
 *     pa_pool_alloc() and pa_pool_zalloc(), resizes them with pa_realloc()
 *     and frees them, about half of them on another CPU: the block is handed
 *     to that CPU's thread through its ring;
 *   - each thread allocates from a pool of its own, every other one made with
 *     PA_POOL_DEBUG, and replaces it every @pool_life_ms: the old pool is
 *     destroyed once the last of its blocks, wherever it was handed, is
 *     freed;
 *   - a pinned hrtimer per CPU allocates and frees with GFP_ATOMIC in hard
 *     interrupt context every @irq_period_us, and frees blocks waiting in
 *     its CPU's ring there too (vmalloc'd ones included, whose vfree()
 *     pool_alloc must defer).
 *
 * Every block is filled with a byte of its own and checked when it is freed
 * or resized, so a block handed out twice or written by the allocator shows;
 * a zeroed allocation must read zero.  A NULL return is what fault injection
 * or memory pressure may give: it is counted as a failure survived and the
 * test goes on.
 *
 * After @duration seconds the threads stop, every block left is freed and
 * every pool destroyed.  The allocations and frees pool_alloc counted in
 * each pool, and in the default pool over the run, must equal the test's own
 * counts, with no live block left and no error counter moved.  The figures
 * and the verdict go to the kernel log, one line each:
 *
 *   pa_stress: cpus N small_max N large_max N
 *   pa_stress: ops N allocs N frees N failures N pools N duration_ms N
 *   pa_stress: reallocs N handoffs N irq_ops N irq_failures N pool_failures N
 *   pa_stress: PASS                    (or "pa_stress: FAIL <why>")
 *
 * failures are the NULL (or ERR_PTR) returns the test survived;
 * pool_failures what pool_alloc counted in its pools' failures, the default
 * pool's over the run included (a failed pool creation is in no pool).
 * Nothing else may use the default pool meanwhile, since its counters are
 * compared with the test's.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/err.h>
#include <linux/hrtimer.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/prandom.h>
#include <linux/random.h>
#include <linux/sched/signal.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "../pool_alloc.h"

static unsigned int duration = 10;
module_param(duration, uint, 0444);
MODULE_PARM_DESC(duration, "Seconds to run (default 10)");

/* pool_alloc.h does not export small_max: the harness passes it on. */
static unsigned int small_max = 8192;
module_param(small_max, uint, 0444);
MODULE_PARM_DESC(small_max, "pool_alloc's small_max: largest small request (default 8192)");

static unsigned int large_max = 65536;
module_param(large_max, uint, 0444);
MODULE_PARM_DESC(large_max, "Largest request, above small_max (default 65536)");

/*
 * One tick at HZ=250: with a shorter period, under KASAN and TCG, the
 * interrupt takes most of the CPU from the threads.
 */
static unsigned int irq_period_us = 4000;
module_param(irq_period_us, uint, 0444);
MODULE_PARM_DESC(irq_period_us, "Period of the per-CPU interrupt, 0 for none (default 4000)");

/* Two pools per thread per second: creation and destruction cost a lot. */
static unsigned int pool_life_ms = 500;
module_param(pool_life_ms, uint, 0444);
MODULE_PARM_DESC(pool_life_ms, "How long a thread keeps its pool (default 500)");

/*
 * Blocks one thread keeps.  Half of them are live at any time: over 64
 * classes, enough that runs fill, empty and go back to their arenas.
 */
#define STRESS_SLOTS		256
/* Blocks in flight to one thread; when it is full the sender frees. */
#define STRESS_RING		64
/* Blocks a thread takes from its ring per step, to keep it moving. */
#define STRESS_RING_BATCH	4
/* Bytes filled and checked at each end of a block: small_max <= 8192. */
#define STRESS_EDGE		4096
/* Blocks the interrupt handler keeps between its ticks. */
#define STRESS_IRQ_SLOTS	16
/* Ring entries the interrupt frees per tick, in hard interrupt context. */
#define STRESS_IRQ_RING_FREES	2
/*
 * Largest request in interrupt context above small_max: whole pages taken
 * with GFP_ATOMIC; order 2 at most, which the page allocator can give
 * without reclaim, so that only fault injection makes them fail.
 */
#define STRESS_IRQ_LARGE	(4 * PAGE_SIZE)

/*
 * A pool of the test, or the default pool (@pool NULL).  The counts are
 * what pool_alloc must count; any CPU may free a block, so they are atomic.
 */
struct stress_pool {
	struct pa_pool *pool;
	atomic_t live;			/* its blocks not freed yet, anywhere */
	atomic64_t allocs;
	atomic64_t frees;
	bool debug;			/* made with PA_POOL_DEBUG */
	char name[PA_POOL_NAME_MAX];
};

/* A live block of @size bytes, each holding @fill. */
struct stress_block {
	void *p;
	struct stress_pool *sp;
	u32 size;
	u8 fill;
};

struct stress_counts {
	u64 ops;		/* allocation, resize and free calls */
	u64 allocs;		/* allocation calls that returned memory */
	u64 frees;
	u64 failures;		/* NULL (or ERR_PTR) returns survived */
	u64 reallocs;		/* pa_realloc() calls that succeeded */
	u64 handoffs;		/* blocks given to another CPU to free */
};

struct stress_thread {
	unsigned int cpu;
	unsigned int index;		/* in stress_threads[] */
	struct task_struct *task;
	struct rnd_state rnd;
	struct stress_counts c;
	struct stress_block slots[STRESS_SLOTS];
	struct stress_pool *cur;	/* allocated from; may be the default */
	struct stress_pool *old;	/* destroyed when its last block is */
	unsigned int pool_gen;
	unsigned long pool_since;	/* jiffies when @cur was made */

	/* Blocks other threads handed over; taken by the thread and its irq. */
	spinlock_t ring_lock;
	unsigned int ring_head, ring_len;
	struct stress_block ring[STRESS_RING];

	/* The interrupt's state: only its handler touches it while it runs. */
	struct hrtimer timer;
	struct rnd_state irq_rnd;
	struct stress_counts irq;
	struct stress_block irq_slots[STRESS_IRQ_SLOTS];
};

static struct stress_thread **stress_threads;
static unsigned int stress_nr_threads;
static struct stress_pool stress_default;
static atomic_t stress_pools_made;
/* Failures pool_alloc counted in the test's pools, summed as they go. */
static atomic64_t stress_pool_failures;

/* The first problem seen, and how many there were. */
static atomic_t stress_problems;
static char stress_why[192];

static __printf(1, 2) void stress_fail(const char *fmt, ...)
{
	va_list args;

	/* Fully ordered: the message is complete before anyone reads it. */
	if (atomic_inc_return(&stress_problems) != 1)
		return;
	va_start(args, fmt);
	vscnprintf(stress_why, sizeof(stress_why), fmt, args);
	va_end(args);
}

static u32 stress_below(struct rnd_state *rnd, u32 bound)
{
	return ((u64)prandom_u32_state(rnd) * bound) >> 32;
}

/*
 * A request size.  Half are drawn from the 32 classes up to 512 bytes and
 * four in ten from the classes above, so that each class is drawn about as
 * often as the next; one in ten is large, up to @large.
 */
static size_t stress_size(struct rnd_state *rnd, size_t large)
{
	u32 r = stress_below(rnd, 10);

	if (r < 5 || small_max <= 512)
		return 1 + stress_below(rnd, min(small_max, 512U));
	if (r < 9)
		return 513 + stress_below(rnd, small_max - 512);
	return small_max + 1 + stress_below(rnd, large - small_max);
}

/*
 * The bytes of [@from, @to) of a block that the test fills and checks: all
 * of them, or the first and last STRESS_EDGE when there are more.  So every
 * small block is checked whole; memset() and memchr_inv() over all of a
 * 64 KiB block would cost more than its allocation under KASAN and TCG.
 */
static void stress_set(u8 *p, size_t from, size_t to, u8 c)
{
	if (to - from <= 2 * STRESS_EDGE) {
		memset(p + from, c, to - from);
		return;
	}
	memset(p + from, c, STRESS_EDGE);
	memset(p + to - STRESS_EDGE, c, STRESS_EDGE);
}

/* The first byte of what stress_set() covers that is not @c, or NULL. */
static const u8 *stress_scan(const u8 *p, size_t from, size_t to, u8 c)
{
	const u8 *bad;

	if (to - from <= 2 * STRESS_EDGE)
		return memchr_inv(p + from, c, to - from);
	bad = memchr_inv(p + from, c, STRESS_EDGE);
	return bad ?: memchr_inv(p + to - STRESS_EDGE, c, STRESS_EDGE);
}

/* Fill a new block with a byte other than 0, so zeroing tells apart. */
static void stress_fill(struct stress_block *b, struct rnd_state *rnd)
{
	b->fill = prandom_u32_state(rnd) | 1;
	stress_set(b->p, 0, b->size, b->fill);
}

/* The first @size bytes must still hold their fill. */
static void stress_check_first(const struct stress_block *b, size_t size,
			       const char *when)
{
	const u8 *bad = stress_scan(b->p, 0, size, b->fill);

	if (bad)
		stress_fail("%s: a %u-byte block changed at offset %td (%#x, not %#x)",
			    when, b->size, bad - (const u8 *)b->p, *bad, b->fill);
}

/* Nothing else may have written a block. */
static void stress_check(const struct stress_block *b, const char *when)
{
	stress_check_first(b, b->size, when);
}

/*
 * stress_free() - check a block, free it and count it in its pool
 * @b: the block; emptied
 * @by_pool: free with pa_pool_free() rather than pa_free()
 * @c: the caller's counts
 *
 * Context: any context but NMI.
 */
static void stress_free(struct stress_block *b, bool by_pool,
			struct stress_counts *c)
{
	struct stress_pool *sp = b->sp;

	stress_check(b, "free");
	if (by_pool)
		pa_pool_free(sp->pool, b->p);
	else
		pa_free(b->p);
	b->p = NULL;
	c->ops++;
	c->frees++;
	atomic64_inc(&sp->frees);
	/* The free is done before the pool's owner can read 0 and destroy it. */
	smp_mb__before_atomic();
	atomic_dec(&sp->live);
}

/*
 * stress_alloc() - allocate a block into an empty slot
 * @rnd: the caller's random state
 * @c: the caller's counts
 * @sp: the caller's own pool, or &stress_default to use only the default
 * @gfp: GFP_KERNEL, or GFP_ATOMIC in interrupt context
 * @large: the largest request
 * @b: the slot
 *
 * Every allocation call of the API is drawn: pa_alloc(), pa_zalloc() and
 * pa_calloc() from the default pool, pa_pool_alloc() and pa_pool_zalloc()
 * from @sp when it is a pool of the test's.
 *
 * Context: any context but NMI; sleeps if @gfp allows.
 */
static void stress_alloc(struct rnd_state *rnd, struct stress_counts *c,
			 struct stress_pool *sp, gfp_t gfp, size_t large,
			 struct stress_block *b)
{
	size_t size = stress_size(rnd, large);
	bool zeroed = true;
	unsigned int n;
	void *p;

	switch (stress_below(rnd, sp == &stress_default ? 3 : 5)) {
	case 0:
		p = pa_alloc(size, gfp);
		sp = &stress_default;
		zeroed = false;
		break;
	case 1:
		p = pa_zalloc(size, gfp);
		sp = &stress_default;
		break;
	case 2:
		n = 1 + stress_below(rnd, 8);
		size = DIV_ROUND_UP(size, n);
		p = pa_calloc(n, size, gfp);
		size *= n;
		sp = &stress_default;
		break;
	case 3:
		p = pa_pool_alloc(sp->pool, size, gfp);
		zeroed = false;
		break;
	default:
		p = pa_pool_zalloc(sp->pool, size, gfp);
		break;
	}
	c->ops++;
	if (!p) {
		c->failures++;
		return;
	}
	c->allocs++;
	atomic64_inc(&sp->allocs);
	atomic_inc(&sp->live);
	if (zeroed && stress_scan(p, 0, size, 0))
		stress_fail("a zeroed %zu-byte allocation is not zero", size);
	if (!pa_owns(p) || pa_usable_size(p) < size)
		stress_fail("a new %zu-byte block is not owned or too small (%zu)",
			    size, pa_usable_size(p));
	b->p = p;
	b->sp = sp;
	b->size = size;
	stress_fill(b, rnd);
}

/*
 * Resize a block to a random size.  The bytes it keeps must keep their
 * fill; with __GFP_ZERO the bytes it gains must read zero.  A failed resize
 * must leave the block as it was.
 */
static void stress_realloc(struct stress_thread *t, struct stress_block *b)
{
	size_t size = stress_size(&t->rnd, large_max);
	bool zero = prandom_u32_state(&t->rnd) & 1;
	size_t old = b->size;
	void *q;

	stress_check(b, "realloc");
	q = pa_realloc(b->p, size, GFP_KERNEL | (zero ? __GFP_ZERO : 0));
	t->c.ops++;
	if (!q) {
		t->c.failures++;
		stress_check(b, "failed realloc");
		return;
	}
	t->c.reallocs++;
	/* A block that moved is a new block and a free, in the same pool. */
	if (q != b->p) {
		atomic64_inc(&b->sp->allocs);
		atomic64_inc(&b->sp->frees);
	}
	b->p = q;
	/* Shrunk, it keeps a prefix of what was filled: the first edge. */
	stress_check_first(b, size >= old ? old : min_t(size_t, size, STRESS_EDGE),
			   "realloc'd");
	if (zero && size > old && stress_scan(q, old, size, 0))
		stress_fail("realloc with __GFP_ZERO from %zu to %zu bytes left old bytes",
			    old, size);
	b->size = size;
	stress_set(q, 0, size, b->fill);
}

/*
 * Hand a block to another thread, which frees it.  Return: false when no
 * other thread's ring has room (the caller frees it itself).
 */
static bool stress_hand_off(struct stress_thread *t, struct stress_block *b)
{
	struct stress_thread *to;
	unsigned long flags;
	unsigned int i;
	bool done = false;

	if (stress_nr_threads < 2)
		return false;
	i = stress_below(&t->rnd, stress_nr_threads - 1);
	to = stress_threads[i >= t->index ? i + 1 : i];
	spin_lock_irqsave(&to->ring_lock, flags);
	if (to->ring_len < STRESS_RING) {
		to->ring[(to->ring_head + to->ring_len) % STRESS_RING] = *b;
		to->ring_len++;
		done = true;
	}
	spin_unlock_irqrestore(&to->ring_lock, flags);
	if (done) {
		t->c.handoffs++;
		b->p = NULL;
	}
	return done;
}

/* Take up to @max blocks out of @t's ring into @out; return how many. */
static unsigned int stress_ring_take(struct stress_thread *t,
				     struct stress_block *out, unsigned int max)
{
	unsigned long flags;
	unsigned int i, n;

	spin_lock_irqsave(&t->ring_lock, flags);
	n = min(max, t->ring_len);
	for (i = 0; i < n; i++)
		out[i] = t->ring[(t->ring_head + i) % STRESS_RING];
	t->ring_head = (t->ring_head + n) % STRESS_RING;
	t->ring_len -= n;
	spin_unlock_irqrestore(&t->ring_lock, flags);
	return n;
}

/* pool_alloc's counters of a pool must be the test's, with nothing live. */
static void stress_check_stats(const char *name, const struct pa_stats *st,
			       u64 allocs, u64 frees, bool debug)
{
	/*
	 * A debug pool's quarantine keeps freed blocks, which live_blocks
	 * leaves out but large_live counts while they wait there.
	 */
	u64 large = debug ? 0 : st->large_live;

	if (st->allocs != allocs || st->frees != frees)
		stress_fail("pool %s: counted %llu allocs, %llu frees; the test made %llu, %llu",
			    name, st->allocs, st->frees, allocs, frees);
	else if (st->live_blocks || large)
		stress_fail("pool %s: %llu blocks (%llu large) live at its end",
			    name, st->live_blocks, large);
	else if (st->invalid_frees || st->err_overflow_before ||
		 st->err_overflow_after || st->err_use_after_free ||
		 st->err_double_free || st->err_wrong_pool || st->err_freelist)
		stress_fail("pool %s: error counters moved (see its stats)",
			    name);
}

/*
 * stress_pool_make() - create the next pool of a thread
 * @t: the thread
 *
 * Context: process context; sleeps.
 * Return: the pool, or NULL when creation failed (counted as a failure).
 */
static struct stress_pool *stress_pool_make(struct stress_thread *t)
{
	unsigned int flags = t->pool_gen & 1 ? PA_POOL_DEBUG : 0;
	struct stress_pool *sp;
	struct pa_pool *pool;

	sp = kzalloc(sizeof(*sp), GFP_KERNEL);
	if (!sp)
		goto err_count;
	snprintf(sp->name, sizeof(sp->name), "pa_stress-%u-%u", t->cpu,
		 t->pool_gen++);
	pool = pa_pool_create(sp->name, flags);
	if (IS_ERR(pool)) {
		/* Only a lack of memory is a failure to survive. */
		if (PTR_ERR(pool) != -ENOMEM)
			stress_fail("pa_pool_create(%s): %ld", sp->name,
				    PTR_ERR(pool));
		kfree(sp);
		goto err_count;
	}
	sp->pool = pool;
	sp->debug = flags & PA_POOL_DEBUG;
	atomic_inc(&stress_pools_made);
	return sp;

err_count:
	t->c.failures++;
	return NULL;
}

/* Check a pool of the test whose blocks are all freed, and destroy it. */
static void stress_pool_destroy(struct stress_pool *sp)
{
	struct pa_stats st;
	int live = atomic_read_acquire(&sp->live);

	if (live)
		stress_fail("pool %s: the test lost track of %d blocks",
			    sp->name, live);
	pa_pool_stats(sp->pool, &st);
	atomic64_add(st.failures, &stress_pool_failures);
	stress_check_stats(sp->name, &st, atomic64_read(&sp->allocs),
			   atomic64_read(&sp->frees), sp->debug);
	pa_pool_destroy(sp->pool);
	kfree(sp);
}

/*
 * Destroy the old pool once its last block is freed, and replace the
 * current one when its time is up.  The thread frees its own blocks of the
 * pool it replaces at once; the ones it handed to others are freed there.
 */
static void stress_pool_turn(struct stress_thread *t)
{
	struct stress_pool *sp;
	unsigned int i;

	if (t->old) {
		if (atomic_read_acquire(&t->old->live))
			return;
		stress_pool_destroy(t->old);
		t->old = NULL;
	}
	if (time_before(jiffies, t->pool_since +
			msecs_to_jiffies(pool_life_ms)))
		return;
	/* On failure, try again a pool life later. */
	t->pool_since = jiffies;
	sp = stress_pool_make(t);
	if (!sp)
		return;
	if (t->cur != &stress_default) {
		for (i = 0; i < STRESS_SLOTS; i++)
			if (t->slots[i].p && t->slots[i].sp == t->cur)
				stress_free(&t->slots[i], i & 1, &t->c);
		t->old = t->cur;
	}
	t->cur = sp;
}

/* One step of a thread: free what it was handed, then one random call. */
static void stress_step(struct stress_thread *t)
{
	struct stress_block got[STRESS_RING_BATCH], *b;
	unsigned int i, n, r;

	n = stress_ring_take(t, got, ARRAY_SIZE(got));
	for (i = 0; i < n; i++)
		stress_free(&got[i], i & 1, &t->c);
	stress_pool_turn(t);

	b = &t->slots[stress_below(&t->rnd, STRESS_SLOTS)];
	if (!b->p) {
		stress_alloc(&t->rnd, &t->c, t->cur, GFP_KERNEL, large_max, b);
		return;
	}
	/* Of ten calls on a live block, one resizes, five hand it off. */
	r = stress_below(&t->rnd, 10);
	if (!r)
		stress_realloc(t, b);
	else if (r < 5 || !stress_hand_off(t, b))
		stress_free(b, r & 1, &t->c);
}

/*
 * The hard interrupt of a thread's CPU: frees blocks from the CPU's ring,
 * then allocates or frees one block of its own with GFP_ATOMIC.
 */
static enum hrtimer_restart stress_irq(struct hrtimer *timer)
{
	struct stress_thread *t = container_of(timer, struct stress_thread,
					       timer);
	struct stress_block got[STRESS_IRQ_RING_FREES], *b;
	unsigned int i, n;

	n = stress_ring_take(t, got, ARRAY_SIZE(got));
	for (i = 0; i < n; i++)
		stress_free(&got[i], false, &t->irq);

	b = &t->irq_slots[stress_below(&t->irq_rnd, STRESS_IRQ_SLOTS)];
	if (b->p)
		stress_free(b, false, &t->irq);
	else
		stress_alloc(&t->irq_rnd, &t->irq, &stress_default,
			     GFP_ATOMIC | __GFP_NOWARN,
			     small_max + STRESS_IRQ_LARGE, b);

	hrtimer_forward_now(timer, ns_to_ktime((u64)irq_period_us * NSEC_PER_USEC));
	return HRTIMER_RESTART;
}

static int stress_thread_fn(void *arg)
{
	struct stress_thread *t = arg;

	/* Started here, on the thread's CPU, so that it is pinned there. */
	if (irq_period_us)
		hrtimer_start(&t->timer, ns_to_ktime((u64)irq_period_us * NSEC_PER_USEC),
			      HRTIMER_MODE_REL_PINNED);
	while (!kthread_should_stop()) {
		stress_step(t);
		cond_resched();
	}
	hrtimer_cancel(&t->timer);
	return 0;
}

/* A thread for @cpu, created stopped, with a pool of its own. */
static struct stress_thread *stress_thread_new(unsigned int cpu,
					       unsigned int index)
{
	struct stress_thread *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return ERR_PTR(-ENOMEM);
	t->cpu = cpu;
	t->index = index;
	prandom_seed_state(&t->rnd, get_random_u64());
	prandom_seed_state(&t->irq_rnd, get_random_u64());
	spin_lock_init(&t->ring_lock);
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED);
	t->timer.function = stress_irq;
	t->cur = stress_pool_make(t) ?: &stress_default;
	t->pool_since = jiffies;
	t->task = kthread_create(stress_thread_fn, t, "pa_stress/%u", cpu);
	if (IS_ERR(t->task)) {
		struct task_struct *task = t->task;

		if (t->cur != &stress_default)
			stress_pool_destroy(t->cur);
		kfree(t);
		return ERR_CAST(task);
	}
	kthread_bind(t->task, cpu);
	return t;
}

static void stress_counts_add(struct stress_counts *sum,
			      const struct stress_counts *c)
{
	sum->ops += c->ops;
	sum->allocs += c->allocs;
	sum->frees += c->frees;
	sum->failures += c->failures;
	sum->reallocs += c->reallocs;
	sum->handoffs += c->handoffs;
}

/*
 * Stop every thread (its interrupt stops with it), free every block left,
 * wherever it is, and destroy every pool, checking each.  The threads'
 * counts are added to @sum, their interrupts' to @irq.
 */
static void stress_teardown(struct stress_counts *sum,
			    struct stress_counts *irq)
{
	struct stress_block got[STRESS_RING];
	struct stress_thread *t;
	unsigned int i, j, n;

	for (i = 0; i < stress_nr_threads; i++)
		kthread_stop(stress_threads[i]->task);
	for (i = 0; i < stress_nr_threads; i++) {
		t = stress_threads[i];
		n = stress_ring_take(t, got, ARRAY_SIZE(got));
		for (j = 0; j < n; j++)
			stress_free(&got[j], false, &t->c);
		for (j = 0; j < STRESS_SLOTS; j++)
			if (t->slots[j].p)
				stress_free(&t->slots[j], false, &t->c);
		for (j = 0; j < STRESS_IRQ_SLOTS; j++)
			if (t->irq_slots[j].p)
				stress_free(&t->irq_slots[j], false, &t->irq);
	}
	for (i = 0; i < stress_nr_threads; i++) {
		t = stress_threads[i];
		if (t->old)
			stress_pool_destroy(t->old);
		if (t->cur != &stress_default)
			stress_pool_destroy(t->cur);
		stress_counts_add(sum, &t->c);
		stress_counts_add(irq, &t->irq);
		kfree(t);
	}
	stress_nr_threads = 0;
}

static int __init stress_init(void)
{
	struct stress_counts sum = { }, irq = { };
	struct pa_stats before, after;
	unsigned long deadline;
	unsigned int cpu, i;
	ktime_t start;
	s64 ms;

	if (!duration || small_max < 16 || large_max <= small_max ||
	    large_max > SZ_16M) {
		pr_err("duration must be positive, 16 <= small_max < large_max <= 16 MiB\n");
		return -EINVAL;
	}
	stress_threads = kcalloc(nr_cpu_ids, sizeof(*stress_threads),
				 GFP_KERNEL);
	if (!stress_threads)
		return -ENOMEM;

	/* Bound threads follow their CPU; a CPU that goes away is harmless. */
	for_each_online_cpu(cpu) {
		struct stress_thread *t = stress_thread_new(cpu,
							    stress_nr_threads);

		if (IS_ERR(t)) {
			stress_teardown(&sum, &irq);
			kfree(stress_threads);
			return PTR_ERR(t);
		}
		stress_threads[stress_nr_threads++] = t;
	}

	pa_pool_stats(NULL, &before);
	start = ktime_get();
	for (i = 0; i < stress_nr_threads; i++)
		wake_up_process(stress_threads[i]->task);
	/* Interruptible: a long run must not look like a hung task. */
	deadline = jiffies + duration * HZ;
	while (time_before(jiffies, deadline) && !signal_pending(current))
		msleep_interruptible(min(jiffies_to_msecs(deadline - jiffies),
					 1000U));
	stress_teardown(&sum, &irq);
	ms = ktime_ms_delta(ktime_get(), start);
	kfree(stress_threads);

	if (atomic_read(&stress_default.live))
		stress_fail("the test lost track of %d default-pool blocks",
			    atomic_read(&stress_default.live));
	pa_pool_stats(NULL, &after);
	after.live_blocks -= before.live_blocks;
	after.large_live -= before.large_live;
	after.invalid_frees -= before.invalid_frees;
	after.err_overflow_before -= before.err_overflow_before;
	after.err_overflow_after -= before.err_overflow_after;
	after.err_use_after_free -= before.err_use_after_free;
	after.err_double_free -= before.err_double_free;
	after.err_wrong_pool -= before.err_wrong_pool;
	after.err_freelist -= before.err_freelist;
	stress_check_stats("default", &after,
			   before.allocs + atomic64_read(&stress_default.allocs),
			   before.frees + atomic64_read(&stress_default.frees),
			   false);

	pr_info("cpus %u small_max %u large_max %u\n", num_online_cpus(),
		small_max, large_max);
	pr_info("ops %llu allocs %llu frees %llu failures %llu pools %d duration_ms %lld\n",
		sum.ops + irq.ops, sum.allocs + irq.allocs,
		sum.frees + irq.frees, sum.failures + irq.failures, atomic_read(&stress_pools_made),
		ms);
	pr_info("reallocs %llu handoffs %llu irq_ops %llu irq_failures %llu pool_failures %llu\n",
		sum.reallocs, sum.handoffs, irq.ops, irq.failures,
		after.failures - before.failures +
		atomic64_read(&stress_pool_failures));
	/*
	 * The load succeeds whatever the verdict: busybox's insmod answers a
	 * failed finit_module() with init_module(), which would run it again.
	 */
	if (atomic_read(&stress_problems))
		pr_info("FAIL %s (%d problems)\n", stress_why,
			atomic_read(&stress_problems));
	else
		pr_info("PASS\n");
	return 0;
}

/* Everything was freed by the time init returned. */
static void __exit stress_exit(void)
{
}

module_init(stress_init);
module_exit(stress_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Stress test of pool_alloc, for make test and make stress");
