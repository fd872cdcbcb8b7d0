/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The fast paths of small allocation and free, inlined into the exported
 * entry points (pa_main.c) so that a call served by the per-CPU cache makes
 * no further call.  Everything slower is out of line, in pa_pcpu.c.
 *
 * Each CPU has, per pool and class, a stack of free blocks and its share of
 * the class counters (struct pa_cpu_cache).  It is used with interrupts
 * disabled and no lock, so task, softirq and hardirq callers on one CPU never
 * see it half changed, and a free on one CPU of a block allocated on another
 * writes only the freeing CPU's cache.
 */
#ifndef _PA_FAST_H
#define _PA_FAST_H

#include <linux/string.h>
#include "pa_internal.h"
#include "pa_lookup.h"

/* Hand out the top block of @c for a request of @size bytes. */
/* Hand out the top block of @c for a request of @size bytes. */
static __always_inline void *pa_cache_pop(struct pa_class *cls,
					  struct pa_cpu_cache *c, size_t size)
{
	struct pa_cached *top = &c->entries[--c->count];

	lockdep_assert_irqs_disabled();
	/* The cache owns the block: nothing else changes its entry now. */
	pa_slot_store(top->slot, cls->wide, size);
	c->allocs++;
	c->requested += size;
	return top->block;
}

/**
 * pa_small_alloc() - allocate a block of 1..pa_small_max bytes
 * @pool: the pool
 * @size: bytes requested
 * @gfp: allocation flags; the block is zeroed when they ask for it
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: the block, or NULL.
 */
static __always_inline void *pa_small_alloc(struct pa_pool *pool, size_t size,
					    gfp_t gfp)
{
	struct pa_class *cls = &pool->classes[pa_class_of(size)];
	struct pa_cpu_cache *c;
	unsigned long flags;
	void *block;

	local_irq_save(flags);
	c = this_cpu_ptr(cls->cache);
	if (likely(c->count) || pa_cache_refill(cls, c)) {
		block = pa_cache_pop(cls, c, size);
		local_irq_restore(flags);
	} else {
		local_irq_restore(flags);
		block = pa_small_alloc_slow(pool, cls, size, gfp);
		if (!block)
			return NULL;
	}
	if (want_init_on_alloc(gfp))
		memset(block, 0, cls->size);
	return block;
}

/**
 * pa_small_free() - free the block at @p if it is a live small block
 * @p: any pointer but NULL
 *
 * The fast path of every free: it only says whether it freed @p.  Callers
 * find out what else @p is on their slow path.
 *
 * Context: any context but NMI.
 * Return: true when @p was a live small block and is now free.
 */
static __always_inline bool pa_small_free(const void *p)
{
	struct pa_run_state *state;
	unsigned int requested;
	struct pa_cpu_cache *c;
	struct pa_class *cls;
	unsigned long flags;
	struct pa_run *run;
	bool freed = false;
	void *slot;

	local_irq_save(flags);
	run = pa_run_lookup(p);
	if (unlikely(!run))
		goto out;
	slot = pa_run_slot(run, p, &state);
	if (unlikely(!slot))
		goto out;
	requested = pa_slot_load(slot, state->wide);
	/* Of two racing frees of one block, only one gets past this. */
	if (unlikely(!requested ||
		     !pa_slot_cmpxchg(slot, state->wide, requested, 0)))
		goto out;
	cls = state->cls;
	if (want_init_on_free())
		memset((void *)p, 0, cls->size);

	c = this_cpu_ptr(cls->cache);
	if (unlikely(c->count == PA_CACHE_SIZE))
		pa_cache_flush_oldest(cls, c);
	c->entries[c->count++] = (struct pa_cached) {
		.block = (void *)p, .slot = slot, .run = run,
	};
	c->frees++;
	c->requested -= requested;
	freed = true;
out:
	local_irq_restore(flags);
	return freed;
}

#endif /* _PA_FAST_H */
