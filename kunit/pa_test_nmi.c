// SPDX-License-Identifier: GPL-2.0
/*
 * Allocation and free from NMI, with real NMIs: a handler registered for
 * NMI_LOCAL runs the test's work when an NMI the test sent arrives, and
 * the NMIs are sent through the local APIC (apic->send_IPI() with
 * NMI_VECTOR, exported on 6.1 and 6.12 alike) from task context, from a
 * hard interrupt (an hrtimer) on the same CPU, and from another CPU, so
 * that they land in the middle of the operations of both.  Nothing in NMI
 * may take a lock (lockdep would report it), touch freed memory (KASAN) or
 * call kmemleak ("Freeing unknown object"); the harness fails the run on
 * any such report.
 */
#include <linux/hrtimer.h>
#include <linux/kthread.h>
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/atomic.h>
#include <asm/apic.h>
#include <asm/nmi.h>
#include "pa_test.h"

#define NMI_NAME	"pa_test_nmi"
/* Operations the NMI handler makes in the soak: what the issue asks for. */
#define NMI_SOAK_OPS	100000UL
/* How long the soak may take at most, in TCG; it needs less than half. */
#define NMI_SOAK_SECS	90
/* Blocks the NMI holds between two NMIs. */
#define NMI_SLOTS	16
/* The hrtimer's period: often enough to land inside the task's calls. */
#define NMI_TIMER_NS	(40 * NSEC_PER_USEC)

struct nmi_test;
typedef void (*nmi_work_t)(struct nmi_test *t);

/* What the handler runs, and what it found: set before any NMI is sent. */
struct nmi_test {
	unsigned int cpu;
	atomic_t pending;		/* NMIs sent and not yet handled */
	unsigned int handled;		/* written in NMI only */
	nmi_work_t work;
	struct pa_pool *pool;
	bool stop;

	/* The one-shot cases: arguments and results of the NMI's work. */
	void *arg[4];
	void *res[4];

	/* The soak: blocks the NMI holds, and what it counted. */
	void *held[NMI_SLOTS];
	size_t held_size[NMI_SLOTS];
	bool held_pool[NMI_SLOTS];
	unsigned long seq, ops, nulls, bad;
	void *to_nmi;			/* a task block for the NMI to free */
	void *to_task;			/* an NMI block for the task to free */
	unsigned long irq_ops, irq_bad, task_bad;
	struct hrtimer timer;
};

static struct nmi_test *nmi_test;

static int nmi_handler(unsigned int type, struct pt_regs *regs)
{
	struct nmi_test *t = READ_ONCE(nmi_test);

	/* Only the NMIs this test sent, to the CPU it runs on. */
	if (!t || raw_smp_processor_id() != t->cpu ||
	    atomic_dec_if_positive(&t->pending) < 0)
		return NMI_DONE;
	t->work(t);
	WRITE_ONCE(t->handled, t->handled + 1);
	return NMI_HANDLED;
}

/* Send an NMI to @t's CPU. */
static void nmi_send(struct nmi_test *t)
{
	atomic_inc(&t->pending);
	apic->send_IPI(t->cpu, NMI_VECTOR);
}

/*
 * Send an NMI to this CPU and wait until it was handled.  Preemption is
 * disabled by the caller, or the test is pinned to its CPU.
 */
static bool nmi_send_wait(struct nmi_test *t)
{
	unsigned int before = READ_ONCE(t->handled);
	/* A clock that runs with interrupts off, where jiffies stop. */
	u64 until = ktime_get_mono_fast_ns() + NSEC_PER_SEC;

	nmi_send(t);
	while (READ_ONCE(t->handled) == before) {
		if (ktime_get_mono_fast_ns() > until)
			return false;
		cpu_relax();
	}
	return true;
}

/* Make @t the handler's test, on this CPU, which the test is pinned to. */
static struct nmi_test *nmi_start(struct kunit *test, nmi_work_t work)
{
	struct nmi_test *t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);

	KUNIT_ASSERT_NOT_NULL(test, t);
	pa_test_pin(test);
	t->cpu = raw_smp_processor_id();
	t->work = work;
	/* @t is whole before the handler can see it. */
	smp_store_release(&nmi_test, t);
	return t;
}

/* The handler forgets @t; no NMI of ours runs when this returns. */
static void nmi_stop(struct nmi_test *t)
{
	WRITE_ONCE(nmi_test, NULL);
	/* NMI handlers are RCU readers: wait for one that may still run. */
	synchronize_rcu();
	atomic_set(&t->pending, 0);
}

/* One NMI running @t's work now. */
static void nmi_run(struct kunit *test, struct nmi_test *t)
{
	KUNIT_ASSERT_TRUE(test, nmi_send_wait(t));
}

/* ---- One NMI at a time ------------------------------------------------- */

static void work_alloc_free(struct nmi_test *t)
{
	t->res[0] = pa_pool_alloc(t->pool, 64, GFP_ATOMIC);
	t->res[1] = pa_pool_zalloc(t->pool, 200, GFP_NOWAIT);
	t->res[2] = pa_alloc(32, GFP_NOWAIT);
	t->res[3] = pa_zalloc(48, GFP_ATOMIC);
	if (t->arg[0])
		pa_pool_free(t->pool, t->arg[0]);
	if (t->arg[1])
		pa_free(t->arg[1]);
}

/*
 * In NMI, with this CPU's caches warm, the four allocation calls are served
 * (zeroed when asked), and the frees of blocks allocated in task context
 * are done: all of it without a lock, which lockdep would report.
 */
static void test_nmi_alloc_and_free_from_warm_cache(struct kunit *test)
{
	struct pa_pool *pool;
	struct nmi_test *t;
	struct pa_stats before, after;
	void *warm;
	int i;

	pa_test_need_pool_backend(test, "per-CPU caches in NMI");
	pool = pa_test_pool(test, "nmi-warm");
	t = nmi_start(test, work_alloc_free);

	t->pool = pool;
	/* Fill this CPU's caches of the classes the NMI uses. */
	for (i = 0; i < 4; i++) {
		static const size_t sizes[] = { 64, 200, 32, 48 };

		warm = i < 2 ? pa_pool_alloc(pool, sizes[i], GFP_KERNEL) :
			       pa_alloc(sizes[i], GFP_KERNEL);
		KUNIT_ASSERT_NOT_NULL(test, warm);
		pa_free(warm);
	}
	t->arg[0] = pa_pool_alloc(pool, 100, GFP_KERNEL);
	t->arg[1] = pa_alloc(100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->arg[0]);
	KUNIT_ASSERT_NOT_NULL(test, t->arg[1]);
	before = pa_test_stats(pool);
	nmi_run(test, t);
	nmi_stop(t);
	pa_nmi_drain_all();
	after = pa_test_stats(pool);

	for (i = 0; i < 4; i++)
		KUNIT_EXPECT_NOT_NULL(test, t->res[i]);
	KUNIT_EXPECT_TRUE(test, t->res[1] &&
			  pa_test_bytes_are(t->res[1], 0, 200));
	KUNIT_EXPECT_TRUE(test, t->res[3] &&
			  pa_test_bytes_are(t->res[3], 0, 48));
	KUNIT_EXPECT_FALSE(test, pa_owns(t->arg[0]));
	KUNIT_EXPECT_FALSE(test, pa_owns(t->arg[1]));
	/* Two blocks of @pool allocated, one freed, nothing failed. */
	KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks + 1);
	KUNIT_EXPECT_EQ(test, after.failures, before.failures);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, 0ULL);
	/* Blocks handed out in NMI are ordinary blocks everywhere else. */
	for (i = 0; i < 4; i++) {
		KUNIT_EXPECT_TRUE(test, pa_owns(t->res[i]));
		pa_free(t->res[i]);
	}
	KUNIT_EXPECT_EQ(test, pa_test_stats(pool).live_blocks, 0ULL);
}

/*
 * An NMI that lands while an operation holds this CPU's cache busy (here
 * marked by the test itself) fails its allocation, counted in failures,
 * and leaves its free to the irq_work, which ends it once the NMI is over.
 */
static void test_nmi_in_busy_cache_fails_and_defers(struct kunit *test)
{
	struct pa_pool *pool;
	struct nmi_test *t;
	struct pa_cpu_cache *c64, *c100;
	struct pa_stats before, mid, after;
	unsigned long flags;
	void *warm;

	pa_test_need_pool_backend(test, "per-CPU caches in NMI");
	pool = pa_test_pool(test, "nmi-busy");
	t = nmi_start(test, work_alloc_free);

	t->pool = pool;
	warm = pa_pool_alloc(pool, 64, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, warm);
	pa_free(warm);
	t->arg[0] = pa_pool_alloc(pool, 100, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->arg[0]);
	before = pa_test_stats(pool);

	/* Interrupts off: the irq_work cannot run before we look. */
	local_irq_save(flags);
	c64 = this_cpu_ptr(pa_class_for(pool, 64)->cache);
	c100 = this_cpu_ptr(pa_class_for(pool, 100)->cache);
	WRITE_ONCE(c64->busy, 1);
	WRITE_ONCE(c100->busy, 1);
	KUNIT_EXPECT_TRUE(test, nmi_send_wait(t));
	WRITE_ONCE(c64->busy, 0);
	WRITE_ONCE(c100->busy, 0);
	mid = pa_test_stats(pool);
	local_irq_restore(flags);
	nmi_stop(t);
	pa_nmi_drain_all();
	after = pa_test_stats(pool);

	KUNIT_EXPECT_EQ(test, READ_ONCE(t->handled), 1U);
	KUNIT_EXPECT_NULL(test, t->res[0]);
	/* The 200-byte class was not busy, and was empty: NULL too. */
	KUNIT_EXPECT_NULL(test, t->res[1]);
	KUNIT_EXPECT_EQ(test, mid.failures, before.failures + 2);
	/* Claimed in NMI, so no longer live, but freed by the irq_work. */
	KUNIT_EXPECT_FALSE(test, pa_owns(t->arg[0]));
	KUNIT_EXPECT_EQ(test, mid.live_blocks, before.live_blocks);
	KUNIT_EXPECT_EQ(test, after.live_blocks, before.live_blocks - 1);
	KUNIT_EXPECT_EQ(test, after.invalid_frees, 0ULL);
	pa_free(t->res[2]);
	pa_free(t->res[3]);
}

static void work_not_small(struct nmi_test *t)
{
	t->res[0] = pa_alloc(pa_small_max + 1, GFP_ATOMIC);
	t->res[1] = pa_pool_alloc(t->pool, 32, GFP_ATOMIC);
	pa_free(t->arg[0]);		/* a large block */
	pa_free(t->arg[1]);		/* a kmalloc block: foreign */
	pa_free(t->arg[2]);		/* inside a small block */
	pa_pool_free(t->pool, t->arg[3]);	/* a debug block */
}

/*
 * A large request and a debug pool's request fail in NMI, counted; the
 * frees that cannot be checked there (a large block, a foreign pointer, a
 * pointer inside a block, a debug block) are kept, untouched, until the
 * irq_work frees or refuses them.
 */
static void test_nmi_not_small_fails_or_defers(struct kunit *test)
{
	struct pa_pool *debug = pa_test_pool_flags(test, "nmi-debug",
						   PA_POOL_DEBUG);
	struct nmi_test *t = nmi_start(test, work_not_small);
	struct pa_stats d_before, p_before, d_mid, p_mid, d_after, p_after;
	void *small, *foreign;
	unsigned long flags;

	t->pool = debug;
	t->arg[0] = pa_alloc(3 * PAGE_SIZE, GFP_KERNEL);
	foreign = kmalloc(64, GFP_KERNEL);
	small = pa_alloc(64, GFP_KERNEL);
	t->arg[3] = pa_pool_alloc(debug, 32, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->arg[0]);
	KUNIT_ASSERT_NOT_NULL(test, foreign);
	KUNIT_ASSERT_NOT_NULL(test, small);
	KUNIT_ASSERT_NOT_NULL(test, t->arg[3]);
	t->arg[1] = foreign;
	t->arg[2] = small + 16;
	d_before = pa_test_stats(debug);
	p_before = pa_test_stats(NULL);

	local_irq_save(flags);
	KUNIT_EXPECT_TRUE(test, nmi_send_wait(t));
	d_mid = pa_test_stats(debug);
	p_mid = pa_test_stats(NULL);
	local_irq_restore(flags);
	nmi_stop(t);
	pa_nmi_drain_all();
	d_after = pa_test_stats(debug);
	p_after = pa_test_stats(NULL);

	KUNIT_EXPECT_EQ(test, READ_ONCE(t->handled), 1U);
	KUNIT_EXPECT_NULL(test, t->res[0]);
	KUNIT_EXPECT_NULL(test, t->res[1]);
	KUNIT_EXPECT_EQ(test, p_mid.failures, p_before.failures + 1);
	KUNIT_EXPECT_EQ(test, d_mid.failures, d_before.failures + 1);
	/* Nothing done yet in NMI... */
	KUNIT_EXPECT_EQ(test, p_mid.large_live, p_before.large_live);
	KUNIT_EXPECT_EQ(test, p_mid.invalid_frees, p_before.invalid_frees);
	KUNIT_EXPECT_EQ(test, d_mid.live_blocks, d_before.live_blocks);
	/* ... everything after it: freed, or refused and reported. */
	KUNIT_EXPECT_EQ(test, p_after.large_live, p_before.large_live - 1);
	KUNIT_EXPECT_EQ(test, p_after.invalid_frees,
			p_before.invalid_frees + 2);
	KUNIT_EXPECT_EQ(test, d_after.live_blocks, d_before.live_blocks - 1);
	KUNIT_EXPECT_TRUE(test, pa_owns(small));
	kfree(foreign);
	pa_free(small);
}

static void work_alloc_one(struct nmi_test *t)
{
	t->res[0] = pa_pool_alloc(t->pool, 80, GFP_ATOMIC);
}

/*
 * A block handed out in NMI is no kmemleak object: resizing it in place,
 * freeing it in task context, and destroying its pool with it still live
 * must not call kmemleak_free() for it; and once freed, the same block
 * handed out in task context is a kmemleak object again, freed as one (a
 * mark left behind would leave its object to overlap the next one, which
 * kmemleak reports).
 */
static void test_nmi_block_lives_outside_kmemleak(struct kunit *test)
{
	struct pa_pool *pool;
	struct nmi_test *t;
	void *p, *again;

	pa_test_need_pool_backend(test, "per-CPU caches in NMI");
	pool = pa_pool_create("nmi-kmemleak", 0);
	t = nmi_start(test, work_alloc_one);

	KUNIT_ASSERT_FALSE(test, IS_ERR(pool));
	t->pool = pool;
	p = pa_pool_alloc(pool, 80, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	pa_free(p);
	nmi_run(test, t);
	p = t->res[0];
	KUNIT_ASSERT_NOT_NULL(test, p);
	KUNIT_EXPECT_PTR_EQ(test, pa_realloc(p, 70, GFP_KERNEL), p);
	pa_free(p);
	/* The same block, from task context: a kmemleak object again... */
	again = pa_pool_alloc(pool, 80, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, again, p);
	pa_free(again);
	/* ... freed as one, or this one would overlap it. */
	again = pa_pool_alloc(pool, 80, GFP_KERNEL);
	KUNIT_EXPECT_PTR_EQ(test, again, p);
	pa_free(again);

	t->res[0] = NULL;
	nmi_run(test, t);
	nmi_stop(t);
	KUNIT_EXPECT_NOT_NULL(test, t->res[0]);
	/* Destroyed with the NMI's block live: a leak report, no warning. */
	pa_pool_destroy(pool);
}

/* ---- The soak ---------------------------------------------------------- */

static const size_t soak_sizes[] = { 16, 24, 64, 100, 256 };

static u8 soak_byte(const void *p)
{
	return (unsigned long)p >> 4;
}

static void soak_fill(void *p, size_t size)
{
	memset(p, soak_byte(p), size);
}

static bool soak_intact(const void *p, size_t size)
{
	return !memchr_inv(p, soak_byte(p), size);
}

/*
 * In NMI: free or hand over each held block and take a new one, so that
 * one NMI makes some thirty calls (in TCG, an NMI costs far more than a
 * call).
 */
static void work_soak(struct nmi_test *t)
{
	unsigned int i, slot, kind;
	size_t size;
	void *p;

	for (i = 0; i < NMI_SLOTS; i++) {
		slot = t->seq % NMI_SLOTS;
		p = t->held[slot];
		if (p) {
			if (!soak_intact(p, t->held_size[slot]))
				t->bad++;
			if (!t->held_pool[slot] && !READ_ONCE(t->to_task) &&
			    !cmpxchg(&t->to_task, NULL, p)) {
				/* The task frees this one. */
			} else if (t->held_pool[slot]) {
				pa_pool_free(t->pool, p);
				t->ops++;
			} else {
				pa_free(p);
				t->ops++;
			}
			t->held[slot] = NULL;
		}
		size = soak_sizes[t->seq % ARRAY_SIZE(soak_sizes)];
		kind = t->seq++ % 4;
		switch (kind) {
		case 0:
			p = pa_alloc(size, GFP_ATOMIC);
			break;
		case 1:
			p = pa_zalloc(size, GFP_NOWAIT);
			if (p && !pa_test_bytes_are(p, 0, size))
				t->bad++;
			break;
		case 2:
			p = pa_pool_alloc(t->pool, size, GFP_NOWAIT);
			break;
		default:
			p = pa_pool_zalloc(t->pool, size, GFP_ATOMIC);
			if (p && !pa_test_bytes_are(p, 0, size))
				t->bad++;
			break;
		}
		t->ops++;
		if (!p) {
			t->nulls++;
			continue;
		}
		soak_fill(p, size);
		t->held[slot] = p;
		t->held_size[slot] = size;
		t->held_pool[slot] = kind >= 2;
	}
	p = xchg(&t->to_nmi, NULL);
	if (p) {
		if (!soak_intact(p, 64))
			t->bad++;
		pa_free(p);
		t->ops++;
	}
}

/* Hard-IRQ context on the same CPU: an NMI, then calls of its own. */
static enum hrtimer_restart soak_timer(struct hrtimer *timer)
{
	struct nmi_test *t = container_of(timer, struct nmi_test, timer);
	size_t size = soak_sizes[t->irq_ops % ARRAY_SIZE(soak_sizes)];
	void *a, *b;

	if (READ_ONCE(t->stop))
		return HRTIMER_NORESTART;
	nmi_send(t);
	a = pa_alloc(size, GFP_ATOMIC);
	b = pa_pool_alloc(t->pool, 64, GFP_ATOMIC);
	if (a)
		soak_fill(a, size);
	if (b)
		soak_fill(b, 64);
	if ((a && !soak_intact(a, size)) || (b && !soak_intact(b, 64)))
		t->irq_bad++;
	pa_free(a);
	pa_pool_free(t->pool, b);
	t->irq_ops += 4;
	hrtimer_forward_now(timer, ns_to_ktime(NMI_TIMER_NS));
	return HRTIMER_RESTART;
}

/* Another CPU: NMIs that land anywhere in the test CPU's work. */
static int soak_remote(void *arg)
{
	struct nmi_test *t = arg;

	while (!kthread_should_stop()) {
		unsigned long until = jiffies + HZ / 10;

		if (!READ_ONCE(t->stop) && !atomic_read(&t->pending))
			nmi_send(t);
		while (atomic_read(&t->pending) && time_before(jiffies, until))
			cpu_relax();
		usleep_range(20, 50);
		cond_resched();
	}
	return 0;
}

/* In task context: calls of its own, and a self-NMI now and then. */
static void soak_task_round(struct nmi_test *t, unsigned long round)
{
	size_t size = soak_sizes[round % ARRAY_SIZE(soak_sizes)];
	void *a, *b, *q;

	a = pa_pool_alloc(t->pool, size, GFP_KERNEL);
	b = pa_zalloc(size, GFP_KERNEL);
	if (!a || !b || !pa_test_bytes_are(b, 0, size))
		t->task_bad++;
	if (a)
		soak_fill(a, size);
	if (!READ_ONCE(t->to_nmi)) {
		q = pa_alloc(64, GFP_KERNEL);
		if (q) {
			soak_fill(q, 64);
			if (cmpxchg(&t->to_nmi, NULL, q))
				pa_free(q);
		}
	}
	if (round % 2 == 0) {
		preempt_disable();
		nmi_send_wait(t);
		preempt_enable();
	}
	q = xchg(&t->to_task, NULL);
	if (q)
		pa_free(q);
	if (a && !soak_intact(a, size))
		t->task_bad++;
	pa_pool_free(t->pool, a);
	pa_free(b);
}

/*
 * NMIs from task context, from an hrtimer on the same CPU and from another
 * CPU, while task and hard-IRQ context allocate and free on that CPU: at
 * least NMI_SOAK_OPS operations in NMI, every block intact, every free
 * done once the irq_work has run, the counters back where they started,
 * and each NULL in NMI counted in failures.
 */
static void test_nmi_soak(struct kunit *test)
{
	struct pa_pool *pool;
	struct nmi_test *t;
	struct pa_stats p_before, d_before, p_after, d_after;
	unsigned long round = 0, deadline;
	struct task_struct *remote = NULL;
	unsigned int i, cpu;
	void *q;

	pa_test_need_pool_backend(test, "per-CPU caches in NMI");
	pool = pa_test_pool(test, "nmi-soak");
	t = nmi_start(test, work_soak);

	t->pool = pool;
	p_before = pa_test_stats(pool);
	d_before = pa_test_stats(NULL);
	cpu = cpumask_any_but(cpu_online_mask, t->cpu);
	if (cpu < nr_cpu_ids) {
		remote = kthread_create(soak_remote, t, "pa_nmi_remote");
		KUNIT_ASSERT_FALSE(test, IS_ERR(remote));
		kthread_bind(remote, cpu);
		wake_up_process(remote);
	}
	hrtimer_init(&t->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_PINNED_HARD);
	t->timer.function = soak_timer;
	hrtimer_start(&t->timer, ns_to_ktime(NMI_TIMER_NS),
		      HRTIMER_MODE_REL_PINNED_HARD);

	deadline = jiffies + NMI_SOAK_SECS * HZ;
	while (READ_ONCE(t->ops) < NMI_SOAK_OPS &&
	       time_before(jiffies, deadline)) {
		soak_task_round(t, round++);
		if (round % 64 == 0)
			cond_resched();
	}

	WRITE_ONCE(t->stop, true);
	hrtimer_cancel(&t->timer);
	if (remote)
		kthread_stop(remote);
	nmi_stop(t);
	for (i = 0; i < NMI_SLOTS; i++) {
		if (t->held[i] && !soak_intact(t->held[i], t->held_size[i]))
			t->bad++;
		if (t->held_pool[i])
			pa_pool_free(pool, t->held[i]);
		else
			pa_free(t->held[i]);
	}
	q = xchg(&t->to_nmi, NULL);
	pa_free(q);
	q = xchg(&t->to_task, NULL);
	pa_free(q);
	pa_nmi_drain_all();
	p_after = pa_test_stats(pool);
	d_after = pa_test_stats(NULL);

	kunit_info(test,
		   "%lu NMI ops (%lu NULL), %u NMIs, %lu hard-IRQ ops, %lu task rounds\n",
		   t->ops, t->nulls, t->handled, t->irq_ops, round);
	KUNIT_EXPECT_GE(test, t->ops, NMI_SOAK_OPS);
	KUNIT_EXPECT_EQ(test, t->bad, 0UL);
	KUNIT_EXPECT_EQ(test, t->irq_bad, 0UL);
	KUNIT_EXPECT_EQ(test, t->task_bad, 0UL);
	KUNIT_EXPECT_EQ(test, p_after.live_blocks, p_before.live_blocks);
	KUNIT_EXPECT_EQ(test, p_after.live_bytes_requested,
			p_before.live_bytes_requested);
	KUNIT_EXPECT_EQ(test, d_after.live_blocks, d_before.live_blocks);
	KUNIT_EXPECT_EQ(test, d_after.live_bytes_requested,
			d_before.live_bytes_requested);
	KUNIT_EXPECT_EQ(test, p_after.invalid_frees, 0ULL);
	KUNIT_EXPECT_EQ(test, d_after.invalid_frees, d_before.invalid_frees);
	/* Every NULL the NMI got is a failure, and only those. */
	KUNIT_EXPECT_EQ(test, (p_after.failures - p_before.failures) +
			      (d_after.failures - d_before.failures),
			(u64)t->nulls);
	KUNIT_EXPECT_LT(test, t->nulls, t->ops / 2);
}

static int nmi_suite_init(struct kunit_suite *suite)
{
	return register_nmi_handler(NMI_LOCAL, nmi_handler, 0, NMI_NAME);
}

static void work_alloc_small(struct nmi_test *t)
{
	t->res[0] = pa_alloc(64, GFP_ATOMIC);
}

/* Under backend=kmalloc an allocation in NMI fails, counted. */
static void test_nmi_kmalloc_backend_fails(struct kunit *test)
{
	struct pa_stats before;
	struct nmi_test *t;

	if (!pa_large_kmalloc)
		kunit_skip(test, "tests backend=kmalloc; loaded with backend=pool");
	t = nmi_start(test, work_alloc_small);
	before = pa_test_stats(NULL);
	KUNIT_EXPECT_TRUE(test, nmi_send_wait(t));
	nmi_stop(t);
	KUNIT_EXPECT_EQ(test, READ_ONCE(t->handled), 1U);
	KUNIT_EXPECT_NULL(test, t->res[0]);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).failures,
			before.failures + 1);
	KUNIT_EXPECT_EQ(test, pa_test_stats(NULL).live_blocks,
			before.live_blocks);
}

static void nmi_suite_exit(struct kunit_suite *suite)
{
	unregister_nmi_handler(NMI_LOCAL, NMI_NAME);
}

static struct kunit_case pa_nmi_cases[] = {
	KUNIT_CASE(test_nmi_alloc_and_free_from_warm_cache),
	KUNIT_CASE(test_nmi_in_busy_cache_fails_and_defers),
	KUNIT_CASE(test_nmi_not_small_fails_or_defers),
	KUNIT_CASE(test_nmi_block_lives_outside_kmemleak),
	KUNIT_CASE(test_nmi_kmalloc_backend_fails),
	KUNIT_CASE_SLOW(test_nmi_soak),
	{}
};

static struct kunit_suite pa_nmi_suite = {
	.name = "pool_alloc_nmi",
	.suite_init = nmi_suite_init,
	.suite_exit = nmi_suite_exit,
	.test_cases = pa_nmi_cases,
};

kunit_test_suite(pa_nmi_suite);
