/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The per-CPU caches' fast paths, inlined into the exported entry points
 * (main.c).  A call that the cache serves makes no call (but might_alloc()'s
 * on debug kernels, main.c); everything else leaves through a tail call to
 * an out-of-line function (cache.c), so the fast paths need no registers
 * saved.
 *
 * Each CPU has, per pool and class, a stack of free blocks and its share of
 * the class counters (struct pa_cpu_cache).  An operation on it runs with
 * preemption disabled, so no other task runs on the CPU meanwhile, and marks
 * the cache busy for its few instructions: an interrupt that arrives then
 * and finds the cache busy leaves it alone and works on the runs directly
 * (pa_cache_alloc_direct(), pa_cache_free_direct()).  So task, softirq and
 * hardirq callers on one CPU never see a cache half changed, without the
 * cost of disabling interrupts (pushf, cli and sti on every call), and a
 * free on one CPU of a block allocated on another writes only the freeing
 * CPU's cache.  Preemption disabled is also the RCU read-side section that
 * the lookup of a freed pointer needs (map.h).
 *
 * NMI comes in through the same fast paths, which need no lock: an NMI that
 * finds its cache busy, empty or full takes the slow path, which in NMI
 * fails the allocation, or hands the claimed block to nmi.c, whose irq_work
 * ends the free.  The in_nmi() tests are all on the slow paths (cache.c),
 * but for pa_cache_nmi_defers(), which without kmemleak is no code.
 */
#ifndef _PA_CACHE_H
#define _PA_CACHE_H

#include <linux/sched/mm.h>
#include <linux/string.h>
#include "internal.h"
#include "map.h"
#include "run.h"
#include "sanitize.h"

/*
 * Zero a block for __GFP_ZERO, init_on_alloc or init_on_free.  Blocks are
 * 16-byte aligned multiples of 16 bytes, so they are zeroed a word at a time
 * (rep stosq on x86): memset() there is a byte-wise rep stosb, eight times
 * the instructions.
 */
static __always_inline void *pa_cache_zero(void *block, unsigned int size)
{
	return memset64(block, 0, size / sizeof(u64));
}

static_assert(PA_ALIGN % sizeof(u64) == 0);

/*
 * The last step of every small allocation, outside the cache: zero the
 * block if asked, and show it to KASAN and kmemleak.
 */
static __always_inline void *pa_cache_hand_out(void *block, size_t size,
					       unsigned int usable, gfp_t gfp)
{
	if (want_init_on_alloc(gfp)) {
		pa_sanitize_open(block, usable);
		pa_cache_zero(block, usable);
	}
	pa_sanitize_alloc(block, size, usable, gfp);
	return block;
}

/*
 * The first step of every small free, once its state entry is claimed:
 * wipe it for init_on_free, and tell KASAN and kmemleak it is free.
 */
static __always_inline void pa_cache_take_back(void *block,
					       struct pa_run_state *state,
					       void *entry)
{
	unsigned int usable = state->size;

	if (want_init_on_free()) {
		pa_sanitize_open(block, usable);
		pa_cache_zero(block, usable);
	}
	pa_sanitize_free(block, usable, !pa_sanitize_unmark_nmi(state, entry));
}

/**
 * pa_cache_nmi_defers() - whether a free must leave the whole block to the
 * irq_work
 * @state: the block's run state
 * @entry: its state entry, just claimed
 *
 * The one place that decides it: true in NMI when the free's own work
 * (pa_cache_take_back() and whatever hooks in there) cannot run in NMI.
 * kmemleak_free() takes locks, so a block kmemleak knows is one.  Without
 * kmemleak this is false and no code.
 *
 * Context: preemption disabled.
 * Return: true when the free goes to pa_nmi_defer_block() untouched.
 */
static __always_inline bool pa_cache_nmi_defers(const struct pa_run_state *state,
						const void *entry)
{
	return pa_sanitize_in_nmi() && !pa_sanitize_is_nmi(state, entry);
}

/**
 * pa_cache_claim() - mark this CPU's cache busy, unless it is
 * @c: this CPU's cache of a class
 *
 * The test and the mark need no atomic instruction: only an interrupt on
 * this CPU can come in between, and it runs to its end before this code goes
 * on, leaving the mark as it found it.
 *
 * Context: preemption disabled.
 * Return: false when an operation on @c is under way below us; @c must then
 * be left alone.
 */
static __always_inline bool pa_cache_claim(struct pa_cpu_cache *c)
{
	lockdep_assert_preemption_disabled();
	if (unlikely(READ_ONCE(c->busy)))
		return false;
	WRITE_ONCE(c->busy, 1);
	/* The cache is read only once the mark is set. */
	barrier();
	return true;
}

/* End the operation that pa_cache_claim() began. */
static __always_inline void pa_cache_release(struct pa_cpu_cache *c)
{
	/* The cache is written before the mark goes. */
	barrier();
	WRITE_ONCE(c->busy, 0);
}

/**
 * pa_cache_pop() - hand out the top block of this CPU's cache
 * @c: this CPU's cache of the class, claimed and not empty
 * @size: bytes requested, recorded in the block's state entry
 *
 * Context: preemption disabled, @c claimed.
 * Return: the block, not zeroed.
 */
static __always_inline void *pa_cache_pop(struct pa_cpu_cache *c, size_t size)
{
	unsigned int top = --c->count;
	void *block = c->block[top];

	/* kmemleak is not told in NMI: mark the block (sanitize.h). */
	if (pa_sanitize_in_nmi())
		pa_sanitize_mark_nmi(rcu_dereference_sched(c->run[top]->state),
				     c->entry[top]);
	/* The cache owns the block: nothing else changes its entry now. */
	pa_run_entry_store(c->entry[top], c->wide, size);
	c->requested += size;
	/* kmemleak scans the cache: no stale pointer may hide a leak. */
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		c->block[top] = NULL;
	return block;
}

/**
 * pa_cache_push() - put a block that was just freed on this CPU's cache
 * @c: this CPU's cache of the class, claimed and not full
 * @block: the block
 * @entry: its state entry, now 0
 * @run: its run
 * @requested: the size the entry recorded
 *
 * Context: preemption disabled, @c claimed.
 */
static __always_inline void pa_cache_push(struct pa_cpu_cache *c, void *block,
					  void *entry, struct pa_run *run,
					  unsigned long requested)
{
	unsigned int top = c->count++;

	c->block[top] = block;
	c->entry[top] = entry;
	c->run[top] = run;
	c->frees++;
	c->requested -= requested;
}

/**
 * pa_cache_alloc() - allocate a small block from a pool
 * @pool: the pool
 * @size: bytes requested, 1 to pa_small_max
 * @gfp: allocation flags
 *
 * Context: any context, as @gfp allows; in NMI only this CPU's cache
 * serves.
 * Return: the block, zeroed as @gfp and init_on_alloc ask, or NULL.
 */
static __always_inline void *pa_cache_alloc(struct pa_pool *pool, size_t size,
					    gfp_t gfp)
{
	struct pa_cpu_cache *c;
	struct pa_class *cls;
	void *block;

	cls = pa_class_for(pool, size);
	preempt_disable();
	c = this_cpu_ptr(cls->cache);
	if (unlikely(!pa_cache_claim(c)))
		return pa_cache_alloc_direct(cls, size, gfp);
	if (unlikely(!c->count))
		return pa_cache_refill(cls, c, size, gfp);
	block = pa_cache_pop(c, size);
	pa_cache_release(c);
	preempt_enable();
	return pa_cache_hand_out(block, size, cls->size, gfp);
}

/* What pa_cache_free() did with a pointer. */
enum pa_cache_freed {
	PA_CACHE_FREED,		/* a live small block, freed */
	PA_CACHE_NO_ARENA,	/* in no arena: NULL, large or foreign */
	PA_CACHE_NO_BLOCK,	/* in an arena, but no live block's start */
};

/**
 * pa_cache_put() - end the free of a small block on this CPU's cache
 * @state: the block's run state
 * @p: the block, taken back (pa_cache_take_back())
 * @entry: its state entry, claimed
 * @run: its run
 * @requested: the size its state entry recorded
 *
 * Context: preemption disabled, which this undoes.
 */
static __always_inline void pa_cache_put(struct pa_run_state *state, void *p,
					 void *entry, struct pa_run *run,
					 unsigned long requested)
{
	struct pa_cpu_cache *c = this_cpu_ptr(state->cls->cache);

	if (unlikely(!pa_cache_claim(c))) {
		pa_cache_free_direct(state->cls, p, entry, run, requested);
		return;
	}
	if (unlikely(c->count == PA_CACHE_SIZE)) {
		pa_cache_free_full(state->cls, c, p, entry, run, requested);
		return;
	}
	pa_cache_push(c, p, entry, run, requested);
	pa_cache_release(c);
	preempt_enable();
}

/**
 * pa_cache_do_free() - free a small block
 * @p: any pointer
 * @runp: set to the run @p is in, for PA_CACHE_NO_BLOCK
 * @underneath: @p is debug mode's own block, given back to its pool
 *
 * A live small block goes on this CPU's cache.  Anything else is the
 * caller's to refuse, or to hand to debug mode: for a pointer into an arena
 * that is no live block's start (a double free, an interior pointer, a
 * debug block's client pointer), preemption stays disabled, so that the run
 * and its pool stay valid until the caller enables it.
 *
 * A debug pool's blocks are debug mode's alone: a client's pointer is never
 * a block's start, and a block's start is never a client's pointer (it is
 * the head of a debug block, live or quarantined).  Unless @underneath, a
 * block of a debug pool is PA_CACHE_NO_BLOCK, for debug mode to refuse: a
 * stray free of it would free a block debug mode still holds.
 *
 * In NMI, a block that this CPU's cache cannot take is left to nmi.c's
 * irq_work, and so is every free that pa_cache_nmi_defers() names.
 *
 * Context: any context.
 * Return: what was done; nothing but for PA_CACHE_FREED.
 */
static __always_inline enum pa_cache_freed
pa_cache_do_free(const void *p, struct pa_run **runp, bool underneath)
{
	unsigned long requested, index;
	struct pa_run_state *state;
	struct pa_run *run;
	void *entry;

	/* Outside the direct map (NULL, vmalloc): no run to look for. */
	index = pa_map_index((unsigned long)p);
	if (unlikely(!pa_map_covers(index)))
		return PA_CACHE_NO_ARENA;
	preempt_disable();
	run = pa_map_run(index);
	if (unlikely(!run)) {
		preempt_enable();
		return PA_CACHE_NO_ARENA;
	}
	*runp = run;
	state = pa_run_entry(run, p, &entry);
	if (unlikely(!state))
		return PA_CACHE_NO_BLOCK;
	/* No cost but a no-op jump until some debug pool exists. */
	if (static_branch_unlikely(&pa_debug_key) && !underneath &&
	    (state->cls->pool->flags & PA_POOL_DEBUG))
		return PA_CACHE_NO_BLOCK;
	/* A free block's entry is 0; of two racing frees only one clears it. */
	requested = pa_run_entry_claim(entry, state->wide);
	if (unlikely(!requested))
		return PA_CACHE_NO_BLOCK;

	if (unlikely(pa_cache_nmi_defers(state, entry))) {
		pa_nmi_defer_block((void *)p, requested, false);
		preempt_enable();
		return PA_CACHE_FREED;
	}
	pa_cache_take_back((void *)p, state, entry);
	pa_cache_put(state, (void *)p, entry, run, requested);
	return PA_CACHE_FREED;
}

/* The free of a client's pointer: pa_cache_do_free(), not underneath. */
static __always_inline enum pa_cache_freed
pa_cache_free(const void *p, struct pa_run **runp)
{
	return pa_cache_do_free(p, runp, false);
}

#endif /* _PA_CACHE_H */
