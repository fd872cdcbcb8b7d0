// SPDX-License-Identifier: GPL-2.0
/*
 * The per-call-site profiler: CPython's tracemalloc for pool_alloc.
 *
 * While the module parameter profile is on, each block an entry point hands
 * out gets a trace: its address, its call site (the pool and the address
 * that called the entry point) and the bytes it was asked for.  A call site
 * (struct pa_profile_site) sums the live bytes, live blocks and allocations
 * of its traces; debugfs prints the sites (pa_profile_rows()).  A block
 * allocated while profiling was off, or whose trace could not be had, has
 * none: debugfs counts such blocks as the pool's live blocks less those of
 * its sites, so the sums stay exact.
 *
 * Traces are kept in a table of hashed buckets keyed by block address, made
 * when profiling is first switched on and sized from the machine's memory;
 * a bucket is a singly linked list under one of PA_PROFILE_LOCKS spinlocks.
 * Not an rhashtable: on 6.1 its bucket locks disable only bottom halves,
 * and the entry points are called from hard interrupts too.  Sites are
 * kept in a small table of their own, read under RCU and written under one
 * lock, and go when their pool is deleted.  Both are taken with interrupts
 * disabled and are leaves.
 *
 * The static key pa_profile_key sends the entry points here while profiling
 * is on or traces remain, so that a block allocated while it was on and
 * freed after it went off still finds its trace.  Once both are over, a work
 * item turns the key off again: with it off, the entry points pay a no-op
 * jump and no block carries a trace.  A trace is taken without sleeping and
 * without dipping into reserves (GFP_NOWAIT | __GFP_NOWARN): when none can
 * be had, the block is simply not profiled.  In NMI context nothing is
 * recorded, and a trace is never dropped there (pa_profile_free()).
 */
#include <linux/hash.h>
#include <linux/jump_label.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/rculist.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/vmalloc.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>
#include "internal.h"

/*
 * Locks over the trace buckets, bucket i under lock i % PA_PROFILE_LOCKS:
 * enough that CPUs recording at once rarely meet on one, few enough that
 * the locks cost less than the buckets even with lockdep's bigger
 * spinlock_t.
 */
#define PA_PROFILE_LOCKS	256
/*
 * One trace bucket per 32 KiB of memory (8 bytes a bucket, 256 KiB per GiB):
 * a chain stays short unless most of memory is tiny profiled blocks.
 */
#define PA_PROFILE_RAM_PER_BUCKET	(32 * 1024)
#define PA_PROFILE_BUCKETS_MIN	(4 * PA_PROFILE_LOCKS)
/* 8 MiB of bucket heads: enough for 32 GiB at one bucket per 32 KiB. */
#define PA_PROFILE_BUCKETS_MAX	(1024UL * 1024)
/* Call sites are a few hundred per client at most: 1024 lists. */
#define PA_PROFILE_SITE_BITS	10

static_assert((PA_PROFILE_LOCKS & (PA_PROFILE_LOCKS - 1)) == 0);
static_assert(PA_PROFILE_BUCKETS_MIN >= PA_PROFILE_LOCKS);

/* A call site of one pool, and what its live traces sum to. */
struct pa_profile_site {
	struct hlist_node node;		/* profile_table.sites, under RCU */
	struct rcu_head rcu;
	struct pa_pool *pool;
	unsigned long caller;
	atomic64_t bytes;		/* requested by its live blocks */
	atomic64_t blocks;		/* its live blocks: its traces */
	atomic64_t allocs;		/* blocks it ever allocated, traced */
};

/* One live block's record. */
struct pa_profile_trace {
	struct pa_profile_trace *next;	/* in its bucket */
	const void *block;
	struct pa_profile_site *site;
	size_t size;
};

/* What Documentation/pool_alloc.rst gives as the cost per profiled block. */
static_assert(sizeof(struct pa_profile_trace) == 32);

struct profile_table {
	unsigned int bits;		/* log2 of the trace buckets */
	spinlock_t site_lock;		/* adding and removing sites */
	struct hlist_head sites[1 << PA_PROFILE_SITE_BITS];
	spinlock_t locks[PA_PROFILE_LOCKS];	/* the buckets: trace_lock() */
	struct pa_profile_trace *heads[];	/* the trace buckets */
};

DEFINE_STATIC_KEY_FALSE(pa_profile_key);
EXPORT_SYMBOL_IF_KUNIT(pa_profile_key);

/* pa_profile_key on, and the entry points' slow paths held with it. */
static void profile_key_on(void)
{
	if (static_key_enabled(&pa_profile_key))
		return;
	pa_entry_hold();
	static_branch_enable(&pa_profile_key);
}

static void profile_key_off(void)
{
	if (!static_key_enabled(&pa_profile_key))
		return;
	static_branch_disable(&pa_profile_key);
	pa_entry_release();
}

/*
 * profile_mutex serialises switching on and off, the table's creation and
 * the key.  profile_on is the parameter, read without the mutex by the
 * recording path; profile_ready says pa_profile_init() ran, before which
 * the parameter is only stored.
 */
static DEFINE_MUTEX(profile_mutex);
static bool profile_on;
static bool profile_ready;
/* Set once under profile_mutex before the key is first enabled; kept. */
static struct profile_table *profile_table;
static struct kmem_cache *trace_cache;
static atomic_long_t nr_traces = ATOMIC_LONG_INIT(0);
static atomic_t nr_sites = ATOMIC_INIT(0);

static void profile_key_off_work(struct work_struct *work);
static DECLARE_WORK(key_off_work, profile_key_off_work);

/* ---- Internals --------------------------------------------------------- */

/* Never sleep nor dip into reserves for a record: without one, no trace. */
#define PA_PROFILE_GFP		(GFP_NOWAIT | __GFP_NOWARN)

static unsigned long trace_bucket(const void *block)
{
	return hash_ptr(block, profile_table->bits);
}

static spinlock_t *trace_lock(unsigned long bucket)
{
	return &profile_table->locks[bucket & (PA_PROFILE_LOCKS - 1)];
}

/* Turn the key off once profiling is off and no trace is left. */
static void profile_key_maybe_off(void)
{
	lockdep_assert_held(&profile_mutex);
	if (!READ_ONCE(profile_on) && !atomic_long_read(&nr_traces))
		profile_key_off();
}

static void profile_key_off_work(struct work_struct *work)
{
	mutex_lock(&profile_mutex);
	profile_key_maybe_off();
	mutex_unlock(&profile_mutex);
}

/* Take @t's bytes and block from its site, and free it. */
static void trace_drop(struct pa_profile_trace *t)
{
	atomic64_sub(t->size, &t->site->bytes);
	atomic64_dec(&t->site->blocks);
	kmem_cache_free(trace_cache, t);
	/* The last trace of a profiler switched off lets the key go. */
	if (atomic_long_dec_and_test(&nr_traces) && !READ_ONCE(profile_on))
		schedule_work(&key_off_work);
}

/* Unlink @block's trace from its bucket; the caller holds its lock. */
static struct pa_profile_trace *trace_unlink(unsigned long bucket,
					     const void *block)
{
	struct pa_profile_trace **pp, *t;

	lockdep_assert_held(trace_lock(bucket));
	for (pp = &profile_table->heads[bucket]; (t = *pp); pp = &t->next) {
		if (t->block == block) {
			*pp = t->next;
			return t;
		}
	}
	return NULL;
}

static bool site_is(const struct pa_profile_site *site,
		    const struct pa_pool *pool, unsigned long caller)
{
	return site->pool == pool && site->caller == caller;
}

static struct hlist_head *site_list(const struct pa_pool *pool,
				    unsigned long caller)
{
	return &profile_table->sites[hash_long(caller ^ (unsigned long)pool,
					       PA_PROFILE_SITE_BITS)];
}

/* @pool's site at @caller, made if need be; NULL without memory. */
static struct pa_profile_site *site_get(struct pa_pool *pool,
					unsigned long caller)
{
	struct hlist_head *list = site_list(pool, caller);
	struct pa_profile_site *site, *found = NULL;
	unsigned long flags;

	hlist_for_each_entry_rcu(site, list, node)
		if (site_is(site, pool, caller))
			return site;

	site = kzalloc(sizeof(*site), PA_PROFILE_GFP);
	if (!site)
		return NULL;
	site->pool = pool;
	site->caller = caller;
	spin_lock_irqsave(&profile_table->site_lock, flags);
	hlist_for_each_entry(found, list, node)
		if (site_is(found, pool, caller))
			break;
	if (!found) {
		hlist_add_head_rcu(&site->node, list);
		atomic_inc(&nr_sites);
	}
	spin_unlock_irqrestore(&profile_table->site_lock, flags);
	if (found) {
		kfree(site);
		return found;
	}
	return site;
}

/* Make the table and the trace cache, once; kept until unload. */
static int profile_table_make(void)
{
	unsigned long buckets;
	struct profile_table *table;
	unsigned int i;

	lockdep_assert_held(&profile_mutex);
	if (profile_table)
		return 0;
	buckets = (totalram_pages() << PAGE_SHIFT) / PA_PROFILE_RAM_PER_BUCKET;
	buckets = clamp_t(unsigned long, buckets, PA_PROFILE_BUCKETS_MIN,
			  PA_PROFILE_BUCKETS_MAX);
	buckets = roundup_pow_of_two(buckets);
	table = kvzalloc(struct_size(table, heads, buckets), GFP_KERNEL);
	if (!table)
		return -ENOMEM;
	table->bits = ilog2(buckets);
	spin_lock_init(&table->site_lock);
	for (i = 0; i < PA_PROFILE_LOCKS; i++)
		spin_lock_init(&table->locks[i]);
	/*
	 * A trace holds a live block's address: kmemleak must not scan it,
	 * or it would take it for a reference and never report the block.
	 */
	trace_cache = kmem_cache_create("pa_profile_trace",
					sizeof(struct pa_profile_trace), 0,
					SLAB_NOLEAKTRACE, NULL);
	if (!trace_cache) {
		kvfree(table);
		return -ENOMEM;
	}
	/* Pairs with pa_profile_rows(): the table is whole. */
	smp_store_release(&profile_table, table);
	return 0;
}

static int profile_start(void)
{
	int err;

	lockdep_assert_held(&profile_mutex);
	err = profile_table_make();
	if (err) {
		pr_err("profile=1: no memory for the trace table\n");
		return err;
	}
	/* The recording path finds the table made once it sees the flag. */
	smp_store_release(&profile_on, true);
	profile_key_on();
	return 0;
}

static void profile_stop(void)
{
	lockdep_assert_held(&profile_mutex);
	if (!profile_on)
		return;
	WRITE_ONCE(profile_on, false);
	/*
	 * Recording tests the flag inside an RCU read-side section: after
	 * this, no trace can be added, so a count of 0 stays 0.
	 */
	synchronize_rcu();
	profile_key_maybe_off();
}

static int profile_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = 0;

	/* "profile" alone, as for any bool parameter, means on. */
	if (kstrtobool(val ?: "1", &on)) {
		pr_err("profile=%s is not a boolean (0 or 1, n or y)\n", val);
		return -EINVAL;
	}
	mutex_lock(&profile_mutex);
	if (!profile_ready)
		WRITE_ONCE(profile_on, on);
	else if (on)
		err = profile_start();
	else
		profile_stop();
	mutex_unlock(&profile_mutex);
	return err;
}

static int profile_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%c\n",
			 READ_ONCE(profile_on) ? 'Y' : 'N');
}

/* ---- Interface --------------------------------------------------------- */

/* The parameter profile (main.c): switched at run time, validated. */
const struct kernel_param_ops pa_profile_ops = {
	.set = profile_set,
	.get = profile_get,
};
EXPORT_SYMBOL_IF_KUNIT(pa_profile_ops);

/**
 * pa_profile_init() - apply profile=1 given at load
 *
 * Until this runs the parameter is only stored.  When the table cannot be
 * had, the module loads with profiling off and says so.
 *
 * Context: process context, at load; may sleep.
 */
void pa_profile_init(void)
{
	mutex_lock(&profile_mutex);
	profile_ready = true;
	if (profile_on && profile_start())
		WRITE_ONCE(profile_on, false);
	mutex_unlock(&profile_mutex);
}

/**
 * pa_profile_exit() - free the profiler's memory at unload
 *
 * Every pool is deleted by now (pa_profile_forget_pool()), so no trace is
 * left.
 *
 * Context: process context, at unload; may sleep.
 */
void pa_profile_exit(void)
{
	mutex_lock(&profile_mutex);
	WRITE_ONCE(profile_on, false);
	profile_ready = false;
	mutex_unlock(&profile_mutex);
	cancel_work_sync(&key_off_work);
	profile_key_off();
	WARN_ON_ONCE(atomic_long_read(&nr_traces));
	kmem_cache_destroy(trace_cache);
	kvfree(profile_table);
	trace_cache = NULL;
	profile_table = NULL;
}

/**
 * pa_profile_alloc() - record a block just handed out, while profiling is on
 * @pool: its pool
 * @block: the pointer the client gets (a debug block's client pointer)
 * @size: the bytes it asked for
 * @caller: the address that called the entry point
 *
 * Called behind pa_profile_key.  Records nothing while profiling is off, in
 * NMI context, or when no memory can be had without sleeping: the block
 * then counts as not profiled.
 *
 * Context: any context; does not sleep; returns at once in NMI.
 */
void pa_profile_alloc(struct pa_pool *pool, const void *block, size_t size,
		      unsigned long caller)
{
	struct pa_profile_trace *t, *stale;
	struct pa_profile_site *site;
	unsigned long bucket, flags;

	if (in_nmi())
		return;
	rcu_read_lock();
	/* Pairs with profile_start(): the table is made. */
	if (!smp_load_acquire(&profile_on))
		goto out;
	t = kmem_cache_alloc(trace_cache, PA_PROFILE_GFP);
	if (!t)
		goto out;
	site = site_get(pool, caller);
	if (!site) {
		kmem_cache_free(trace_cache, t);
		goto out;
	}
	t->block = block;
	t->site = site;
	t->size = size;
	atomic64_add(size, &site->bytes);
	atomic64_inc(&site->blocks);
	atomic64_inc(&site->allocs);
	atomic_long_inc(&nr_traces);

	bucket = trace_bucket(block);
	spin_lock_irqsave(trace_lock(bucket), flags);
	stale = trace_unlink(bucket, block);
	t->next = profile_table->heads[bucket];
	profile_table->heads[bucket] = t;
	spin_unlock_irqrestore(trace_lock(bucket), flags);
	/* A block freed without pa_profile_free(): a bug of ours. */
	if (WARN_ON_ONCE(stale))
		trace_drop(stale);
out:
	rcu_read_unlock();
}

/**
 * pa_profile_free() - drop the trace of a block about to be freed
 * @block: the client's pointer
 *
 * Called behind pa_profile_key, before a free that will happen (a block
 * that is then refused, as by pa_pool_free() of another pool's block, must
 * keep its trace), so that no other allocation can get the address and
 * record it first.  A block without a trace is not profiled: nothing to do.
 * Never called in NMI context: a free there that needs its trace dropped
 * is deferred to irq_work.
 *
 * Context: any context but NMI; does not sleep.
 */
void pa_profile_free(const void *block)
{
	struct pa_profile_trace *t;
	unsigned long bucket, flags;

	if (WARN_ON_ONCE(in_nmi()))
		return;
	bucket = trace_bucket(block);
	spin_lock_irqsave(trace_lock(bucket), flags);
	t = trace_unlink(bucket, block);
	spin_unlock_irqrestore(trace_lock(bucket), flags);
	if (t)
		trace_drop(t);
}

/**
 * pa_profile_resize() - a block kept by pa_realloc() now holds @size bytes
 * @block: the client's pointer
 * @size: the new request
 *
 * Context: any context but NMI; does not sleep.
 */
void pa_profile_resize(const void *block, size_t size)
{
	struct pa_profile_trace *t;
	unsigned long bucket, flags;

	bucket = trace_bucket(block);
	spin_lock_irqsave(trace_lock(bucket), flags);
	for (t = profile_table->heads[bucket]; t; t = t->next) {
		if (t->block == block) {
			atomic64_add((s64)size - (s64)t->size, &t->site->bytes);
			t->size = size;
			break;
		}
	}
	spin_unlock_irqrestore(trace_lock(bucket), flags);
}

/* Whether @pool has a site with live traces; the site lock held. */
static bool pool_has_traces(struct pa_pool *pool)
{
	struct pa_profile_site *site;
	unsigned int i;

	lockdep_assert_held(&profile_table->site_lock);
	for (i = 0; i < ARRAY_SIZE(profile_table->sites); i++)
		hlist_for_each_entry(site, &profile_table->sites[i], node)
			if (site->pool == pool && atomic64_read(&site->blocks))
				return true;
	return false;
}

/* Drop every trace of @pool: a walk of the whole table. */
static void pool_drop_traces(struct pa_pool *pool)
{
	struct pa_profile_trace **pp, *t, *dropped = NULL;
	unsigned long bucket, flags;

	for (bucket = 0; bucket < (1UL << profile_table->bits); bucket++) {
		/* A peek: no trace of @pool can be added meanwhile. */
		if (!data_race(profile_table->heads[bucket]))
			continue;
		spin_lock_irqsave(trace_lock(bucket), flags);
		pp = &profile_table->heads[bucket];
		while ((t = *pp)) {
			if (t->site->pool == pool) {
				*pp = t->next;
				t->next = dropped;
				dropped = t;
			} else {
				pp = &t->next;
			}
		}
		spin_unlock_irqrestore(trace_lock(bucket), flags);
		cond_resched();
	}
	while ((t = dropped)) {
		dropped = t->next;
		trace_drop(t);
	}
}

/**
 * pa_profile_forget_pool() - drop the traces and sites of a pool being
 * deleted
 * @pool: the pool; no block of it can be allocated or freed any more
 *
 * Context: process context; may sleep.
 */
void pa_profile_forget_pool(struct pa_pool *pool)
{
	struct pa_profile_site *site;
	struct hlist_node *next;
	unsigned long flags;
	unsigned int i;
	bool traced;

	might_sleep();
	mutex_lock(&profile_mutex);
	if (!profile_table)
		goto out;
	spin_lock_irqsave(&profile_table->site_lock, flags);
	traced = pool_has_traces(pool);
	spin_unlock_irqrestore(&profile_table->site_lock, flags);
	if (traced)
		pool_drop_traces(pool);

	spin_lock_irqsave(&profile_table->site_lock, flags);
	for (i = 0; i < ARRAY_SIZE(profile_table->sites); i++) {
		hlist_for_each_entry_safe(site, next, &profile_table->sites[i],
					  node) {
			if (site->pool != pool)
				continue;
			hlist_del_rcu(&site->node);
			atomic_dec(&nr_sites);
			/* debugfs readers walk the sites under RCU. */
			kfree_rcu(site, rcu);
		}
	}
	spin_unlock_irqrestore(&profile_table->site_lock, flags);
out:
	mutex_unlock(&profile_mutex);
}

static int row_cmp_caller(const void *a, const void *b)
{
	const struct pa_profile_row *x = a, *y = b;

	return x->caller < y->caller ? -1 : x->caller > y->caller;
}

/* Most live bytes first; then blocks, allocations, and the address. */
static int row_cmp_bytes(const void *a, const void *b)
{
	const struct pa_profile_row *x = a, *y = b;

	if (x->bytes != y->bytes)
		return x->bytes > y->bytes ? -1 : 1;
	if (x->blocks != y->blocks)
		return x->blocks > y->blocks ? -1 : 1;
	if (x->allocs != y->allocs)
		return x->allocs > y->allocs ? -1 : 1;
	return row_cmp_caller(a, b);
}

/* Merge rows of one call site (sorted by caller) into one. */
static unsigned int rows_merge(struct pa_profile_row *rows, unsigned int n)
{
	unsigned int i, out = 0;

	sort(rows, n, sizeof(*rows), row_cmp_caller, NULL);
	for (i = 0; i < n; i++) {
		if (out && rows[out - 1].caller == rows[i].caller) {
			rows[out - 1].bytes += rows[i].bytes;
			rows[out - 1].blocks += rows[i].blocks;
			rows[out - 1].allocs += rows[i].allocs;
		} else {
			rows[out++] = rows[i];
		}
	}
	return out;
}

/**
 * pa_profile_switch() - switch the profiler on or off, as profile= does
 * @on: the state wanted
 *
 * Context: process context; sleeps.
 * Return: 1 when this call changed the state, 0 when it was already so,
 * -ENOMEM when there is no memory for the trace table.
 */
int pa_profile_switch(bool on)
{
	int ret = 0;

	mutex_lock(&profile_mutex);
	if (on != READ_ONCE(profile_on)) {
		if (on)
			ret = profile_start();
		else
			profile_stop();
		if (!ret)
			ret = 1;
	}
	mutex_unlock(&profile_mutex);
	return ret;
}

/**
 * pa_profile_rows() - the call sites of a pool, or of all pools, sorted
 * @pool: the pool, or NULL for every pool, a call site's rows merged
 * @rows: set to an array to kvfree(), or NULL when there is no row
 *
 * A snapshot: sites added while it is taken may be missed.
 *
 * Context: process context; may sleep.
 * Return: the number of rows, most live bytes first; -ENOMEM.
 */
int pa_profile_rows(struct pa_pool *pool, struct pa_profile_row **rows)
{
	struct pa_profile_site *site;
	struct pa_profile_row *r;
	unsigned int i, n = 0, max;

	*rows = NULL;
	/* Pairs with profile_start(), through the key or the flag. */
	if (!smp_load_acquire(&profile_table))
		return 0;
	max = atomic_read(&nr_sites);
	if (!max)
		return 0;
	r = kvmalloc_array(max, sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	rcu_read_lock();
	for (i = 0; i < ARRAY_SIZE(profile_table->sites) && n < max; i++) {
		hlist_for_each_entry_rcu(site, &profile_table->sites[i], node) {
			if (pool && site->pool != pool)
				continue;
			if (n == max)
				break;
			r[n].caller = site->caller;
			r[n].bytes = atomic64_read(&site->bytes);
			r[n].blocks = atomic64_read(&site->blocks);
			r[n].allocs = atomic64_read(&site->allocs);
			n++;
		}
	}
	rcu_read_unlock();
	if (!pool)
		n = rows_merge(r, n);
	sort(r, n, sizeof(*r), row_cmp_bytes, NULL);
	*rows = r;
	return n;
}

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pa_profile_traces() - how many traces exist
 *
 * Context: any context.
 * Return: the number of live profiled blocks.
 */
unsigned long pa_profile_traces(void)
{
	return atomic_long_read(&nr_traces);
}
EXPORT_SYMBOL_IF_KUNIT(pa_profile_traces);

/**
 * pa_profile_settle() - wait until the key is where it should be
 *
 * Runs the work that turns the key off after the last trace went.
 *
 * Context: process context; may sleep.
 */
void pa_profile_settle(void)
{
	flush_work(&key_off_work);
}
EXPORT_SYMBOL_IF_KUNIT(pa_profile_settle);
#endif
