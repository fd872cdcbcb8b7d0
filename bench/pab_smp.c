// SPDX-License-Identifier: GPL-2.0
/*
 * Metric B: cases that use several CPUs at once, timed by the wall clock:
 * a producer on one CPU handing objects to a consumer on another, and every
 * CPU allocating and freeing batches at the same time.  Also "busy", which
 * keeps every CPU busy for a while (Metric C waits for pool_alloc's
 * deferrable reaper that way).
 *
 * Each case runs in one kthread per CPU, bound to it.  The threads wait for
 * each other before starting; the case's time is from the first start to the
 * last end.
 */
#include <linux/kernel.h>
#include <linux/kthread.h>
#include <linux/completion.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/ktime.h>
#include <linux/sched.h>
#include <linux/string.h>
#include "pab.h"

/* More CPUs than a bench VM has; the worker table is static. */
#define PAB_WORKERS_MAX		64
/* Slots of the producer/consumer ring; a power of two. */
#define PAB_RING_SLOTS		256
/* Objects between two cond_resched() of a worker. */
#define PAB_RESCHED_EVERY	1024

struct pab_group;

struct pab_worker {
	struct task_struct *task;
	struct pab_group *g;
	unsigned int index;		/* 0..nr-1 */
	u64 start, end;
	int err;
};

struct pab_group {
	int (*fn)(struct pab_worker *w);
	const struct pab_alloc *a;
	const void *priv;
	unsigned int nr;
	atomic_t ready;
	atomic_t left;
	struct completion done;
	struct pab_worker w[PAB_WORKERS_MAX];
};

static struct pab_group pab_group;

static int pab_worker_fn(void *data)
{
	struct pab_worker *w = data;
	struct pab_group *g = w->g;

	atomic_inc(&g->ready);
	while (atomic_read(&g->ready) < g->nr)
		cond_resched();
	w->start = ktime_get_ns();
	w->err = g->fn(w);
	w->end = ktime_get_ns();
	if (atomic_dec_and_test(&g->left))
		complete(&g->done);

	/* kthread_stop() needs the task until it is called. */
	set_current_state(TASK_INTERRUPTIBLE);
	while (!kthread_should_stop()) {
		schedule();
		set_current_state(TASK_INTERRUPTIBLE);
	}
	__set_current_state(TASK_RUNNING);
	return 0;
}

/*
 * Run @fn with allocator @a in one kthread on each CPU of @cpus, all started
 * together; *@ns is the time from the first start to the last end.
 */
static int pab_on_cpus(const struct cpumask *cpus,
		       int (*fn)(struct pab_worker *w),
		       const struct pab_alloc *a, const void *priv, u64 *ns)
{
	struct pab_group *g = &pab_group;
	unsigned int cpu, i;
	u64 start = U64_MAX, end = 0;
	int err = 0;

	g->fn = fn;
	g->a = a;
	g->priv = priv;
	g->nr = 0;
	atomic_set(&g->ready, 0);
	init_completion(&g->done);
	for_each_cpu(cpu, cpus) {
		struct pab_worker *w = &g->w[g->nr];

		if (g->nr == PAB_WORKERS_MAX)
			break;
		w->g = g;
		w->index = g->nr;
		w->err = 0;
		w->task = kthread_create_on_cpu(pab_worker_fn, w, cpu, "pab/%u");
		if (IS_ERR(w->task)) {
			err = PTR_ERR(w->task);
			break;
		}
		g->nr++;
	}
	if (err) {
		/* Never woken, they stop without running pab_worker_fn(). */
		for (i = 0; i < g->nr; i++)
			kthread_stop(g->w[i].task);
		return err;
	}
	atomic_set(&g->left, g->nr);
	for (i = 0; i < g->nr; i++)
		wake_up_process(g->w[i].task);
	wait_for_completion(&g->done);
	for (i = 0; i < g->nr; i++) {
		kthread_stop(g->w[i].task);
		start = min(start, g->w[i].start);
		end = max(end, g->w[i].end);
		err = err ?: g->w[i].err;
	}
	*ns = end - start;
	return err;
}

/* ---- Producer on one CPU, consumer on another -------------------------- */

struct pab_objs {
	size_t size;
	unsigned int objs;		/* per worker */
	unsigned int batch;
};

static struct pab_ring {
	void *slot[PAB_RING_SLOTS];
	unsigned int head ____cacheline_aligned_in_smp;	/* next to fill */
	unsigned int tail ____cacheline_aligned_in_smp;	/* next to empty */
} pab_ring;

static int pab_producer(struct pab_worker *w)
{
	const struct pab_objs *o = w->g->priv;
	struct pab_ring *r = &pab_ring;
	unsigned int i;
	int err = 0;
	void *p;

	for (i = 0; i < o->objs; i++) {
		p = pab_alloc(w->g->a, o->size);
		if (unlikely(!p))
			err = -ENOMEM;	/* the consumer skips NULL */
		/* Acquire: the consumer has read the slot it released. */
		while (i - smp_load_acquire(&r->tail) >= PAB_RING_SLOTS)
			cpu_relax();
		r->slot[i % PAB_RING_SLOTS] = p;
		/* Release: the slot is written before it is published. */
		smp_store_release(&r->head, i + 1);
		if (i % PAB_RESCHED_EVERY == 0)
			cond_resched();
	}
	return err;
}

static int pab_consumer(struct pab_worker *w)
{
	const struct pab_objs *o = w->g->priv;
	struct pab_ring *r = &pab_ring;
	unsigned int i;
	void *p;

	for (i = 0; i < o->objs; i++) {
		/* Acquire: pairs with the producer's release of head. */
		while (smp_load_acquire(&r->head) == i)
			cpu_relax();
		p = r->slot[i % PAB_RING_SLOTS];
		/* Release: the slot is read before the producer may reuse it. */
		smp_store_release(&r->tail, i + 1);
		if (p)
			pab_free(w->g->a, p);
		if (i % PAB_RESCHED_EVERY == 0)
			cond_resched();
	}
	return 0;
}

static int pab_pc_fn(struct pab_worker *w)
{
	return w->index == 0 ? pab_producer(w) : pab_consumer(w);
}

/* ---- Every CPU at once -------------------------------------------------- */

static int pab_allcpu_fn(struct pab_worker *w)
{
	const struct pab_objs *o = w->g->priv;
	void **ptrs = pab_ptrs + (size_t)w->index * o->batch;
	struct pab_alloc a = *w->g->a;
	unsigned int done, i;

	/* "pa_cpu": each worker allocates from a pool of its own. */
	if (a.pools)
		a.pool = a.pools[w->index];
	for (done = 0; done < o->objs; done += o->batch) {
		for (i = 0; i < o->batch; i++) {
			ptrs[i] = pab_alloc(&a, o->size);
			if (unlikely(!ptrs[i]))
				goto fail;
		}
		while (i--)
			pab_free(&a, ptrs[i]);
		cond_resched();
	}
	return 0;
fail:
	while (i--)
		pab_free(&a, ptrs[i]);
	return -ENOMEM;
}

/* ---- Commands ----------------------------------------------------------- */

struct pab_smp {
	const struct cpumask *cpus;
	int (*fn)(struct pab_worker *w);
	struct pab_objs o;
};

static int pab_smp_run(const struct pab_case *c, const struct pab_alloc *a,
		       u64 *ns)
{
	const struct pab_smp *s = c->priv;

	pab_ring.head = 0;
	pab_ring.tail = 0;
	return pab_on_cpus(s->cpus, s->fn, a, &s->o, ns);
}

/*
 * Measure @s with pa, kmalloc and kmem_cache; with @pools (one per online
 * CPU, in CPU order), also "pa_cpu": each worker allocates from its own pool.
 */
static int pab_smp_measure(const char *name, struct pab_smp *s,
			   struct pa_pool **pools)
{
	struct pab_alloc allocs[] = {
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_KMALLOC, .name = "kmalloc" },
		{ .kind = PAB_CACHE, .name = "kmem_cache" },
		{ .kind = PAB_PA_POOL, .name = "pa_cpu", .pools = pools },
	};
	struct pab_case c = { .metric = "B", .name = name, .run = pab_smp_run,
			      .priv = s };
	char size_str[16];

	allocs[2].cache = pab_cache(s->o.size);
	if (!allocs[2].cache)
		return -ENOMEM;
	snprintf(size_str, sizeof(size_str), "%zu", s->o.size);
	c.size = size_str;
	c.param = s->o.batch;
	c.ops = s->o.objs;
	return pab_measure(&c, allocs, ARRAY_SIZE(allocs) - !pools);
}

/*
 * pc SIZE OBJS: the first online CPU allocates OBJS objects of SIZE bytes
 * and passes them through a ring to the second, which frees them.
 */
int pab_cmd_pc(char *args)
{
	static struct cpumask two;
	struct pab_smp s = { .cpus = &two, .fn = pab_pc_fn, .o.batch = 1 };
	unsigned int first, second;

	if (sscanf(args, "%zu %u", &s.o.size, &s.o.objs) != 2 || !s.o.size ||
	    !s.o.objs)
		return -EINVAL;
	first = cpumask_first(cpu_online_mask);
	second = cpumask_next(first, cpu_online_mask);
	if (second >= nr_cpu_ids) {
		pab_printf("E pc needs two online CPUs\n");
		return -ENODEV;
	}
	cpumask_clear(&two);
	cpumask_set_cpu(first, &two);
	cpumask_set_cpu(second, &two);
	return pab_smp_measure("pc", &s, NULL);
}

/*
 * allcpu SIZE OBJS BATCH: every online CPU at once allocates BATCH objects
 * of SIZE bytes and frees them (last first), until it has done OBJS; with
 * the default pool (pa), and with a pool per CPU (pa_cpu), which shares no
 * run, state entry or class lock between the CPUs.
 */
int pab_cmd_allcpu(char *args)
{
	static struct pa_pool *pools[PAB_WORKERS_MAX];
	struct pab_smp s = { .cpus = cpu_online_mask, .fn = pab_allcpu_fn };
	unsigned int i, nr = min(num_online_cpus(), PAB_WORKERS_MAX);
	char name[16];
	int err = 0;

	if (sscanf(args, "%zu %u %u", &s.o.size, &s.o.objs, &s.o.batch) != 3 ||
	    !s.o.size || !s.o.objs || !s.o.batch ||
	    s.o.batch > PAB_LIVE_MAX / nr)
		return -EINVAL;
	for (i = 0; i < nr; i++) {
		snprintf(name, sizeof(name), "pab-cpu%u", i);
		pools[i] = pa_pool_create(name, 0);
		if (IS_ERR(pools[i])) {
			err = PTR_ERR(pools[i]);
			break;
		}
	}
	if (!err)
		err = pab_smp_measure("allcpu", &s, pools);
	while (i--)
		pa_pool_destroy(pools[i]);
	return err;
}

static int pab_busy_fn(struct pab_worker *w)
{
	u64 end = w->start + *(const u64 *)w->g->priv;

	while (ktime_get_ns() < end)
		cond_resched();
	return 0;
}

/* busy MS: keep every online CPU busy for MS milliseconds. */
int pab_cmd_busy(char *args)
{
	unsigned int ms;
	u64 ns, elapsed;

	if (kstrtouint(args, 0, &ms))
		return -EINVAL;
	ns = (u64)ms * NSEC_PER_MSEC;
	return pab_on_cpus(cpu_online_mask, pab_busy_fn, NULL, &ns, &elapsed);
}
