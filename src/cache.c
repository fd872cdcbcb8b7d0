// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches: everything but the fast paths (those are in cache.h).
 *
 * An empty cache is refilled with PA_CACHE_BATCH blocks from the class's
 * fullest runs; a full one gives its PA_CACHE_BATCH oldest blocks back to
 * their runs; an empty class grows by a run; an interrupt that finds its
 * cache busy goes to the runs directly.  Also here: refusing a pointer into
 * an arena, resizing in place, draining caches, and adding up the per-CPU
 * counters.
 *
 * In NMI no lock may be taken: an allocation that this CPU's cache cannot
 * serve (busy or empty) fails, counted in the pool's failures, and a free
 * that it cannot take (busy or full) goes to nmi.c, whose irq_work calls
 * pa_cache_nmi_finish().
 */
#include <linux/percpu.h>
#include <linux/smp.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "cache.h"

/* ---- Internals --------------------------------------------------------- */

/* @c's entries from @first on, as pa_class_take() and the like see them. */
static struct pa_blocks cache_blocks(struct pa_cpu_cache *c,
				     unsigned int first)
{
	return (struct pa_blocks) {
		.block = c->block + first, .entry = c->entry + first,
		.run = c->run + first,
	};
}

/*
 * Clear @n entries of @c from @first on, which no longer hold its blocks:
 * kmemleak scans the cache, and a stale pointer to a block that is handed
 * out again would hide its leak.  Nothing to do without kmemleak.
 */
static void cache_forget(struct pa_cpu_cache *c, unsigned int first,
			 unsigned int n)
{
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		memset(&c->block[first], 0, n * sizeof(c->block[0]));
}

/*
 * Make room in this CPU's full cache: its PA_CACHE_BATCH oldest blocks go
 * back to their runs, the rest move down.  @c claimed.
 */
static void cache_flush_oldest(struct pa_class *cls, struct pa_cpu_cache *c)
{
	unsigned int i;

	pa_class_flush(cls, cache_blocks(c, 0), PA_CACHE_BATCH);
	c->flushed += PA_CACHE_BATCH;
	c->count -= PA_CACHE_BATCH;
	for (i = 0; i < c->count; i++) {
		c->block[i] = c->block[i + PA_CACHE_BATCH];
		c->entry[i] = c->entry[i + PA_CACHE_BATCH];
		c->run[i] = c->run[i + PA_CACHE_BATCH];
	}
	cache_forget(c, c->count, PA_CACHE_BATCH);
}

/* Give all of @c back to the runs.  @c claimed, or its CPU dead. */
static void cache_flush_all(struct pa_class *cls, struct pa_cpu_cache *c)
{
	if (c->count)
		pa_class_flush(cls, cache_blocks(c, 0), c->count);
	cache_forget(c, 0, c->count);
	c->flushed += c->count;
	c->count = 0;
}

/* Blocks handed out: what came into @c, less what left it or is still in. */
static s64 cache_allocs(const struct pa_cpu_cache *c)
{
	return READ_ONCE(c->filled) + READ_ONCE(c->frees) -
	       READ_ONCE(c->flushed) - READ_ONCE(c->count);
}

/*
 * Add @delta to the bytes requested by @cls's live blocks: on this CPU's
 * cache, where nothing is shared, unless an interrupted operation holds it.
 */
static void adjust_requested(struct pa_class *cls, s64 delta)
{
	struct pa_cpu_cache *c = this_cpu_ptr(cls->cache);

	if (pa_cache_claim(c)) {
		c->requested += delta;
		pa_cache_release(c);
	} else {
		atomic64_add(delta, &cls->direct_requested);
	}
}

/*
 * Hand out the top block of @c, which has one, end the operation that
 * claimed @c and zero the block if asked.
 */
static void *cache_hand_out(struct pa_class *cls, struct pa_cpu_cache *c,
			    size_t size, gfp_t gfp)
{
	void *block = pa_cache_pop(c, size);

	pa_cache_release(c);
	preempt_enable();
	return pa_cache_hand_out(block, size, cls->size, gfp);
}

/* An allocation in NMI that this CPU's cache could not serve. */
static void *nmi_fail(struct pa_class *cls)
{
	atomic64_inc(&cls->pool->failures);
	return NULL;
}

/* Record a block handed out past the caches. */
static void *direct_hand_out(struct pa_class *cls, void *block, void *entry,
			     size_t size, gfp_t gfp)
{
	pa_run_entry_store(entry, cls->wide, size);
	atomic64_inc(&cls->direct_allocs);
	atomic64_add(size, &cls->direct_requested);
	return pa_cache_hand_out(block, size, cls->size, gfp);
}

/*
 * The class has no free block: give it a new run and hand out a block of
 * it, filling this CPU's cache with more when the cache is free to use.
 * Preemption enabled, unless an interrupt called; @gfp decides how the
 * pages of the run are found.
 */
static void *alloc_from_new_run(struct pa_class *cls, size_t size, gfp_t gfp)
{
	struct pa_cpu_cache *c;
	struct pa_run *run;
	struct pa_blocks one;
	void *block, *entry;
	unsigned int n;

	run = pa_class_grow(cls, gfp);
	if (!run) {
		atomic64_inc(&cls->pool->failures);
		return NULL;
	}
	preempt_disable();
	c = this_cpu_ptr(cls->cache);
	if (unlikely(!pa_cache_claim(c))) {
		preempt_enable();
		one = (struct pa_blocks) {
			.block = &block, .entry = &entry, .run = &run,
		};
		pa_class_add_run(cls, run, one, 1);
		return direct_hand_out(cls, block, entry, size, gfp);
	}
	/* An interrupt may have filled the cache meanwhile: make room. */
	if (c->count > PA_CACHE_SIZE - PA_CACHE_BATCH)
		cache_flush_oldest(cls, c);
	n = pa_class_add_run(cls, run, cache_blocks(c, c->count),
			     PA_CACHE_BATCH);
	c->count += n;
	c->filled += n;
	return cache_hand_out(cls, c, size, gfp);
}

/* ---- Interface to the fast paths --------------------------------------- */

/**
 * pa_cache_refill() - allocate when this CPU's cache of the class is empty
 * @cls: the class
 * @c: this CPU's cache of it, claimed and empty
 * @size: bytes requested
 * @gfp: allocation flags
 *
 * Refills the cache from the class's fullest runs, or from a new run when
 * the class has no free block, and hands out a block.
 *
 * Context: preemption disabled by pa_cache_alloc(), @c claimed; both undone.
 * In NMI, which must not take the class lock, fails.
 * Return: the block, zeroed as @gfp and init_on_alloc ask, or NULL.
 */
void *pa_cache_refill(struct pa_class *cls, struct pa_cpu_cache *c,
		      size_t size, gfp_t gfp)
{
	if (unlikely(in_nmi())) {
		pa_cache_release(c);
		preempt_enable();
		return nmi_fail(cls);
	}
	c->count = pa_class_take(cls, cache_blocks(c, 0), PA_CACHE_BATCH);
	c->filled += c->count;
	if (unlikely(!c->count)) {
		pa_cache_release(c);
		preempt_enable();
		return alloc_from_new_run(cls, size, gfp);
	}
	return cache_hand_out(cls, c, size, gfp);
}

/**
 * pa_cache_alloc_direct() - allocate past a cache that is busy
 * @cls: the class
 * @size: bytes requested
 * @gfp: allocation flags
 *
 * An interrupt came while this CPU's cache was being changed: take one
 * block straight from the runs (or a new run) instead.
 *
 * Context: an interrupt; preemption disabled by pa_cache_alloc(), undone.
 * In NMI, which must not take the class lock, fails.
 * Return: the block, zeroed as @gfp and init_on_alloc ask, or NULL.
 */
void *pa_cache_alloc_direct(struct pa_class *cls, size_t size, gfp_t gfp)
{
	struct pa_run *run;
	void *block, *entry;
	struct pa_blocks one = { .block = &block, .entry = &entry, .run = &run };

	if (unlikely(in_nmi())) {
		preempt_enable();
		return nmi_fail(cls);
	}

	/*
	 * Nothing here was looked up: the class lock protects its runs, and
	 * the pool lives as long as its client allocates from it.
	 */
	preempt_enable();
	if (!pa_class_take(cls, one, 1))
		return alloc_from_new_run(cls, size, gfp);
	return direct_hand_out(cls, block, entry, size, gfp);
}

/**
 * pa_cache_free_full() - put a freed block on a full cache
 * @cls: its class
 * @c: this CPU's cache of it, claimed
 * @block: the block, whose state entry the caller cleared
 * @entry: that entry
 * @run: its run
 * @requested: the size its state entry recorded
 *
 * Context: preemption disabled by pa_cache_free(), @c claimed; both undone.
 * In NMI, which must not take the class lock, the irq_work ends the free.
 */
void pa_cache_free_full(struct pa_class *cls, struct pa_cpu_cache *c,
			void *block, void *entry, struct pa_run *run,
			unsigned long requested)
{
	if (unlikely(in_nmi())) {
		pa_cache_release(c);
		pa_nmi_defer_block(block, requested, true);
		preempt_enable();
		return;
	}
	cache_flush_oldest(cls, c);
	pa_cache_push(c, block, entry, run, requested);
	pa_cache_release(c);
	preempt_enable();
}

/**
 * pa_cache_free_direct() - free past a cache that is busy
 * @cls: the block's class
 * @block: the block, whose state entry the caller cleared
 * @entry: that entry
 * @run: its run
 * @requested: the size its state entry recorded
 *
 * An interrupt came while this CPU's cache was being changed: the block
 * goes straight back to its run.
 *
 * Context: an interrupt; preemption disabled by pa_cache_free(), undone.
 * In NMI, which must not take the class lock, the irq_work ends the free.
 */
void pa_cache_free_direct(struct pa_class *cls, void *block, void *entry,
			  struct pa_run *run, unsigned long requested)
{
	struct pa_blocks one = { .block = &block, .entry = &entry, .run = &run };

	if (unlikely(in_nmi())) {
		pa_nmi_defer_block(block, requested, true);
		preempt_enable();
		return;
	}

	/*
	 * The block, claimed but still counted in its run, keeps the run and
	 * its pool alive; the lookup's RCU section is kept to the end anyway,
	 * which costs an interrupt nothing.
	 */
	pa_class_flush(cls, one, 1);
	atomic64_inc(&cls->direct_frees);
	atomic64_sub(requested, &cls->direct_requested);
	preempt_enable();
}

/**
 * pa_cache_nmi_finish() - end a free that NMI left to the irq_work
 * @block: a small block whose state entry the free claimed
 * @requested: the size the entry recorded
 * @taken_back: whether pa_cache_take_back() was done for it
 *
 * The claimed block is still counted in its run, which keeps the run, its
 * state and its pool alive.
 *
 * Context: hard interrupt (nmi.c's irq_work or drain), not NMI.
 */
void pa_cache_nmi_finish(void *block, unsigned long requested,
			 bool taken_back)
{
	struct pa_run_state *state;
	struct pa_run *run;
	void *entry;

	preempt_disable();
	run = pa_map_lookup(block);
	state = run ? pa_run_entry(run, block, &entry) : NULL;
	if (WARN_ON_ONCE(!state)) {
		preempt_enable();
		return;
	}
	if (!taken_back)
		pa_cache_take_back(block, state, entry);
	pa_cache_put(state, block, entry, run, requested);
}

/* ---- Interface to the entry points and the drains --------------------- */

/*
 * Look @p up and, when @resize fits its block, record the new request.  A
 * pointer into an arena that is not a live block is refused when @what
 * names an entry point.
 */
static enum pa_lookup cache_lookup(const void *p, size_t resize,
				   struct pa_block_info *info,
				   const char *what, unsigned long caller)
{
	enum pa_lookup found;
	struct pa_class *cls;

	/* The RCU read-side section the lookup needs. */
	preempt_disable();
	found = pa_run_find(p, info);
	if (found == PA_LIVE && resize && resize <= info->usable) {
		cls = &info->pool->classes[info->class];
		if (pa_run_entry_cmpxchg(info->entry, cls->wide,
					 info->requested, resize))
			adjust_requested(cls, (s64)resize - (s64)info->requested);
		else
			found = PA_BAD;
	}
	if (found == PA_BAD && what)
		pa_report_invalid(info->pool, what, p, caller);
	preempt_enable();
	return found;
}

/**
 * pa_cache_query() - describe the small block at @p
 * @p: any pointer but NULL
 * @info: filled in for a live block
 *
 * Context: any context but NMI.
 * Return: PA_LIVE, PA_BAD when @p is in an arena but is not the start of a
 * live block, PA_NOT_OURS otherwise.
 */
enum pa_lookup pa_cache_query(const void *p, struct pa_block_info *info)
{
	return cache_lookup(p, 0, info, NULL, 0);
}

/**
 * pa_cache_resize() - describe the small block at @p and, when @size fits
 * it, record @size as its request
 * @p: any pointer but NULL
 * @size: the new request size, not 0
 * @info: filled in for a live block; @info->requested is the size before
 *	any resize
 * @what: the entry point the client called, for a report
 * @caller: where it was called from
 *
 * A pointer into an arena that is not a live block's start, or that lost a
 * race to change it, is refused: counted and reported.
 *
 * Context: any context but NMI.
 * Return: PA_LIVE, PA_BAD (refused), or PA_NOT_OURS when @p is in no arena.
 */
enum pa_lookup pa_cache_resize(const void *p, size_t size,
			       struct pa_block_info *info, const char *what,
			       unsigned long caller)
{
	return cache_lookup(p, size, info, what, caller);
}

/**
 * pa_cache_drain_local() - give this CPU's cached blocks of @pool back
 * @pool: the pool
 * @idle_only: only the caches not used since the last such call
 *
 * A cache that an interrupted operation holds busy is left alone.
 *
 * Context: any context but NMI.
 * Return: how many caches were left alone, busy.
 */
unsigned int pa_cache_drain_local(struct pa_pool *pool, bool idle_only)
{
	unsigned int i, busy = 0;
	struct pa_cpu_cache *c;

	for (i = 0; i < pa_nr_classes; i++) {
		u64 ops;

		preempt_disable();
		c = this_cpu_ptr(pool->classes[i].cache);
		if (!pa_cache_claim(c)) {
			preempt_enable();
			busy++;
			continue;
		}
		/* Idle: no alloc or free since the last call. */
		ops = cache_allocs(c) + c->frees;
		if (!idle_only || ops == c->reaped_ops)
			cache_flush_all(&pool->classes[i], c);
		c->reaped_ops = ops;
		pa_cache_release(c);
		preempt_enable();
	}
	return busy;
}

/**
 * pa_cache_drain_cpu() - give a dead CPU's cached blocks of @pool back
 * @pool: the pool
 * @cpu: a CPU that is offline, so nothing uses its caches
 *
 * Context: process context.
 */
void pa_cache_drain_cpu(struct pa_pool *pool, unsigned int cpu)
{
	unsigned int i;

	for (i = 0; i < pa_nr_classes; i++)
		cache_flush_all(&pool->classes[i],
				per_cpu_ptr(pool->classes[i].cache, cpu));
}

/*
 * A drain IPI that lands in the middle of an operation on a cache leaves
 * that cache alone; the operation ends as soon as the IPI returns, so the
 * next try finds it free.  Enough tries that a drain effectively never
 * leaves a block behind.
 */
#define PA_DRAIN_TRIES		8

struct drain_request {
	struct pa_pool *pool;
	atomic_t busy;			/* caches left alone */
};

static void drain_this_cpu(void *arg)
{
	struct drain_request *req = arg;

	atomic_add(pa_cache_drain_local(req->pool, false), &req->busy);
}

/* Whether @cpu holds cached blocks of the pool: only those get an IPI. */
static bool drain_cpu_holds_blocks(int cpu, void *arg)
{
	struct drain_request *req = arg;
	unsigned int i;

	for (i = 0; i < pa_nr_classes; i++)
		if (READ_ONCE(per_cpu_ptr(req->pool->classes[i].cache,
					  cpu)->count))
			return true;
	return false;
}

/**
 * pa_cache_drain_all() - flush every CPU's cached blocks of @pool to its runs
 * @pool: the pool
 *
 * Empty runs go back to their arenas; arenas are kept or freed as usual.
 * Only the CPUs whose caches hold blocks of @pool are interrupted.  Best
 * effort while the pool is in use: a free that is under way on some CPU
 * may put a block in its cache just after the drain passed there.
 *
 * Context: process context with interrupts enabled.
 */
void pa_cache_drain_all(struct pa_pool *pool)
{
	struct drain_request req = { .pool = pool };
	unsigned int tries;

	for (tries = 0; tries < PA_DRAIN_TRIES; tries++) {
		atomic_set(&req.busy, 0);
		on_each_cpu_cond(drain_cpu_holds_blocks, drain_this_cpu, &req,
				 true);
		if (!atomic_read(&req.busy))
			return;
	}
}
EXPORT_SYMBOL_IF_KUNIT(pa_cache_drain_all);

/**
 * pa_cache_count() - how many blocks of @pool the caches hold
 * @pool: the pool
 *
 * Context: any context.  A racy sum: exact only when the pool is quiet.
 * Return: the number of cached blocks.
 */
unsigned long pa_cache_count(struct pa_pool *pool)
{
	unsigned long n = 0;
	unsigned int i, cpu;

	for (i = 0; i < pa_nr_classes; i++)
		for_each_possible_cpu(cpu)
			n += READ_ONCE(per_cpu_ptr(pool->classes[i].cache,
						   cpu)->count);
	return n;
}
EXPORT_SYMBOL_IF_KUNIT(pa_cache_count);

/**
 * pa_cache_bytes() - how many bytes of @pool's blocks online CPUs cache
 * @pool: the pool
 *
 * What pa_cache_drain_all() can give back: a dead CPU's caches were
 * flushed when it died, and a drain does not reach a CPU going down.
 *
 * Context: any context.  A racy sum: exact only when the pool is quiet.
 * Return: the bytes of the cached blocks, at their class size.
 */
unsigned long pa_cache_bytes(struct pa_pool *pool)
{
	unsigned long bytes = 0;
	unsigned int i, cpu;

	for (i = 0; i < pa_nr_classes; i++)
		for_each_online_cpu(cpu)
			bytes += (unsigned long)pool->classes[i].size *
				 READ_ONCE(per_cpu_ptr(pool->classes[i].cache,
						       cpu)->count);
	return bytes;
}
EXPORT_SYMBOL_IF_KUNIT(pa_cache_bytes);

/**
 * pa_cache_sum() - add up a class's per-CPU counters
 * @cls: the class
 * @allocs: blocks allocated
 * @frees: blocks freed
 * @requested: bytes asked for by the live blocks
 * @cached: free blocks in the caches
 *
 * Context: any context.  Each counter is exact when the pool is quiet.
 */
void pa_cache_sum(struct pa_class *cls, u64 *allocs, u64 *frees,
		  s64 *requested, unsigned long *cached)
{
	s64 sum = atomic64_read(&cls->direct_allocs);
	unsigned int cpu;

	*frees = atomic64_read(&cls->direct_frees);
	*requested = atomic64_read(&cls->direct_requested);
	*cached = 0;
	for_each_possible_cpu(cpu) {
		struct pa_cpu_cache *c = per_cpu_ptr(cls->cache, cpu);

		sum += cache_allocs(c);
		*frees += READ_ONCE(c->frees);
		*requested += READ_ONCE(c->requested);
		*cached += READ_ONCE(c->count);
	}
	/*
	 * Read while CPUs work, a cache's counters can be caught between two
	 * stores, and blocks freed on a CPU read after their allocation's;
	 * never report fewer allocations than frees.
	 */
	*allocs = max_t(s64, sum, *frees);
}
