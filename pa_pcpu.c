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
#include "pa_lookup.h"

/* ---- Internals --------------------------------------------------------- */

/**
 * pa_small_alloc_slow() - allocate when the class has no free block
 * @pool: the pool
 * @cls: the class
 * @size: bytes requested
 * @gfp: how a new run's pages may be allocated
 *
 * Adds a run to the class and takes a block from it.
 *
 * Context: any context but NMI, as @gfp allows; interrupts enabled.
 * Return: the block, not zeroed, or NULL.
 */
void *pa_small_alloc_slow(struct pa_pool *pool, struct pa_class *cls,
			  size_t size, gfp_t gfp)
{
	struct pa_cpu_cache *c;
	struct pa_cached fresh;
	unsigned long flags;
	struct pa_run *run;

	run = pa_class_grow(pool, cls, gfp);
	if (!run)
		return NULL;
	local_irq_save(flags);
	pa_class_take_from(cls, run, &fresh);
	c = this_cpu_ptr(cls->cache);
	pa_slot_store(fresh.slot, cls->wide, size);
	c->allocs++;
	c->requested += size;
	local_irq_restore(flags);
	return fresh.block;
}

/**
 * pa_cache_refill() - refill an empty cache from the class's fullest runs
 * @cls: the class
 * @c: this CPU's cache of it
 *
 * Context: interrupts disabled.
 * Return: false when the class has no free block.
 */
bool pa_cache_refill(struct pa_class *cls, struct pa_cpu_cache *c)
{
	c->count = pa_class_refill(cls, c->entries, PA_CACHE_BATCH);
	return c->count;
}

/**
 * pa_cache_flush_oldest() - make room in a full cache
 * @cls: the class
 * @c: this CPU's cache of it
 *
 * Its PA_CACHE_BATCH oldest blocks go back to their runs.
 *
 * Context: interrupts disabled.
 */
void pa_cache_flush_oldest(struct pa_class *cls, struct pa_cpu_cache *c)
{
	pa_class_flush(cls, c->entries, PA_CACHE_BATCH);
	c->count -= PA_CACHE_BATCH;
	memmove(c->entries, c->entries + PA_CACHE_BATCH,
		c->count * sizeof(*c->entries));
}

/* Give all of @c back to the runs. */
static void cache_flush_all(struct pa_class *cls, struct pa_cpu_cache *c)
{
	lockdep_assert_irqs_disabled();
	if (c->count)
		pa_class_flush(cls, c->entries, c->count);
	c->count = 0;
}

/* ---- Interface to the entry points ------------------------------------- */

/**
 * pa_small_query() - describe, and optionally resize, the block at @p
 * @p: any pointer but NULL
 * @resize: when non-zero and no larger than the block, the new request size
 *	to record for it
 * @info: filled in for a live block
 *
 * Context: any context but NMI.
 * Return: as for pa_small_free(); @info->requested is the size before any
 * resize.
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
		ops = c->allocs + c->frees;
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

		*allocs += READ_ONCE(c->allocs);
		*frees += READ_ONCE(c->frees);
		*requested += READ_ONCE(c->requested);
		*cached += READ_ONCE(c->count);
	}
}
