// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU caches: everything but the fast paths (those are in pa_fast.h).
 *
 * An empty cache is refilled with PA_CACHE_BATCH blocks from the class's
 * fullest runs; a full one gives its PA_CACHE_BATCH oldest blocks back to
 * their runs; an empty class grows by a run.  Also here: resizing in place,
 * draining caches, and adding up the per-CPU counters.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/percpu.h>
#include <linux/string.h>
#include <kunit/visibility.h>
#include "pa_internal.h"
#include "pa_fast.h"

/* ---- Internals --------------------------------------------------------- */

/*
 * Make room in this CPU's full cache: its PA_CACHE_BATCH oldest blocks go
 * back to their runs, the rest move down.  Interrupts disabled.
 */
static void cache_flush_oldest(struct pa_class *cls, struct pa_cpu_cache *c)
{
	unsigned int i;

	pa_class_flush(cls, c, 0, PA_CACHE_BATCH);
	c->count -= PA_CACHE_BATCH;
	for (i = 0; i < c->count; i++) {
		c->block[i] = c->block[i + PA_CACHE_BATCH];
		c->slot[i] = c->slot[i + PA_CACHE_BATCH];
		c->run[i] = c->run[i + PA_CACHE_BATCH];
	}
}

/* Give all of @c back to the runs.  Interrupts disabled. */
static void cache_flush_all(struct pa_class *cls, struct pa_cpu_cache *c)
{
	lockdep_assert_irqs_disabled();
	if (c->count)
		pa_class_flush(cls, c, 0, c->count);
	c->count = 0;
}

/* Blocks handed out: what came into @c, less what left it or is still in. */
static u64 cache_allocs(const struct pa_cpu_cache *c)
{
	return READ_ONCE(c->filled) + READ_ONCE(c->frees) -
	       READ_ONCE(c->flushed) - READ_ONCE(c->count);
}

/*
 * The class has no free block: give it a new run, fill this CPU's cache from
 * it and hand out a block.  Interrupts enabled; @gfp decides how the pages
 * of the run are found.
 */
static void *alloc_from_new_run(struct pa_class *cls, size_t size, gfp_t gfp)
{
	struct pa_cpu_cache *c;
	unsigned long flags;
	struct pa_run *run;
	unsigned int n;
	void *block;

	run = pa_class_grow(cls->pool, cls, gfp);
	if (!run) {
		atomic64_inc(&cls->pool->failures);
		return NULL;
	}
	local_irq_save(flags);
	c = this_cpu_ptr(cls->cache);
	/* An interrupt may have filled the cache meanwhile: make room. */
	if (c->count > PA_CACHE_SIZE - PA_CACHE_BATCH)
		cache_flush_oldest(cls, c);
	n = pa_class_add_run(cls, run, c, PA_CACHE_BATCH);
	c->count += n;
	c->filled += n;
	block = pa_cache_pop(c, size);
	local_irq_restore(flags);
	return block;
}

/* ---- Interface to the fast paths --------------------------------------- */

/**
 * pa_alloc_refill() - allocate when this CPU's cache of the class is empty
 * @cls: the class
 * @size: bytes requested
 * @gfp: allocation flags
 * @flags: the interrupt state to restore
 *
 * Refills the cache from the class's fullest runs, or from a new run when
 * the class has no free block, and hands out a block.
 *
 * Context: interrupts disabled by pa_alloc_fast(); restored to @flags.
 * Return: the block, zeroed as @gfp and init_on_alloc ask, or NULL.
 */
void *pa_alloc_refill(struct pa_class *cls, size_t size, gfp_t gfp,
		      unsigned long flags)
{
	struct pa_cpu_cache *c = this_cpu_ptr(cls->cache);
	void *block;

	c->count = pa_class_refill(cls, c, PA_CACHE_BATCH);
	c->filled += c->count;
	if (likely(c->count)) {
		block = pa_cache_pop(c, size);
		local_irq_restore(flags);
	} else {
		local_irq_restore(flags);
		block = alloc_from_new_run(cls, size, gfp);
		if (!block)
			return NULL;
	}
	if (want_init_on_alloc(gfp))
		memset(block, 0, cls->size);
	return block;
}

/**
 * pa_free_push_slow() - put a freed block on a full cache, or wipe it first
 * @cls: its class
 * @block: the block, whose state entry the caller cleared
 * @slot: that entry
 * @run: its run
 * @requested: the size its state entry recorded
 * @flags: the interrupt state to restore
 *
 * Context: interrupts disabled by pa_free_fast(); restored to @flags.
 */
void pa_free_push_slow(struct pa_class *cls, void *block, void *slot,
		       struct pa_run *run, unsigned long requested,
		       unsigned long flags)
{
	struct pa_cpu_cache *c = this_cpu_ptr(cls->cache);

	if (want_init_on_free())
		memset(block, 0, cls->size);
	if (c->count == PA_CACHE_SIZE)
		cache_flush_oldest(cls, c);
	pa_cache_push(c, block, slot, run, requested);
	local_irq_restore(flags);
}

/* ---- Interface to the entry points and the drains --------------------- */

/**
 * pa_small_query() - describe, and optionally resize, the block at @p
 * @p: any pointer but NULL
 * @resize: when non-zero and no larger than the block, the new request size
 *	to record for it
 * @info: filled in for a live block
 *
 * Context: any context but NMI.
 * Return: PA_LIVE, PA_BAD when @p is in an arena but is not the start of a
 * live block (or lost a race to change it), PA_NOT_OURS otherwise;
 * @info->requested is the size before any resize.
 */
enum pa_lookup pa_small_query(const void *p, size_t resize,
			      struct pa_block_info *info)
{
	enum pa_lookup found;
	struct pa_class *cls;
	unsigned long flags;

	local_irq_save(flags);
	found = pa_block_find(p, info);
	if (found == PA_LIVE && resize && resize <= info->usable) {
		cls = &info->pool->classes[info->class];
		if (pa_slot_cmpxchg(info->slot, cls->wide, info->requested,
				    resize))
			this_cpu_ptr(cls->cache)->requested +=
				(s64)resize - (s64)info->requested;
		else
			found = PA_BAD;
	}
	local_irq_restore(flags);
	return found;
}

/**
 * pa_cache_drain_local() - give this CPU's cached blocks of @pool back
 * @pool: the pool
 * @idle_only: only the caches not used since the last such call
 *
 * Context: any context but NMI.
 */
void pa_cache_drain_local(struct pa_pool *pool, bool idle_only)
{
	struct pa_cpu_cache *c;
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < pa_nr_classes; i++) {
		u64 ops;

		local_irq_save(flags);
		c = this_cpu_ptr(pool->classes[i].cache);
		/* Idle: no alloc or free since the last call. */
		ops = cache_allocs(c) + c->frees;
		if (!idle_only || ops == c->reaped_ops)
			cache_flush_all(&pool->classes[i], c);
		c->reaped_ops = ops;
		local_irq_restore(flags);
	}
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
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < pa_nr_classes; i++) {
		/* The class lock is taken in interrupts, so with them off. */
		local_irq_save(flags);
		cache_flush_all(&pool->classes[i],
				per_cpu_ptr(pool->classes[i].cache, cpu));
		local_irq_restore(flags);
	}
}

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
 * pa_class_sum() - add up a class's per-CPU counters
 * @cls: the class
 * @allocs: blocks allocated
 * @frees: blocks freed
 * @requested: bytes asked for by the live blocks
 * @cached: free blocks in the caches
 *
 * Context: any context.  Each counter is exact when the pool is quiet.
 */
void pa_class_sum(struct pa_class *cls, u64 *allocs, u64 *frees,
		  s64 *requested, unsigned long *cached)
{
	unsigned int cpu;

	*allocs = 0;
	*frees = 0;
	*requested = 0;
	*cached = 0;
	for_each_possible_cpu(cpu) {
		struct pa_cpu_cache *c = per_cpu_ptr(cls->cache, cpu);

		*allocs += cache_allocs(c);
		*frees += READ_ONCE(c->frees);
		*requested += READ_ONCE(c->requested);
		*cached += READ_ONCE(c->count);
	}
}
