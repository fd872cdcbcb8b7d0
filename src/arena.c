// SPDX-License-Identifier: GPL-2.0
/*
 * Arenas and runs: pages from the page allocator, cut into runs.
 *
 * An arena is taken at PA_ARENA_ORDER when the page allocator has it cheaply,
 * else at the largest order down to PA_RUN_ORDER that it can give.  Each run
 * of an arena is entered in the run map (map.c) so that a block is found
 * from its address alone.  Runs are handed to size classes by
 * pa_arena_pop_run() and come back through pa_arena_put_run(); see
 * internal.h for the ordering policy and the locks.
 */
#include <linux/slab.h>
#include "internal.h"
#include "run.h"
#include "sanitize.h"

/* ---- Internals --------------------------------------------------------- */

/*
 * Take pages for an arena: the full order if the page allocator has it without
 * reclaim, else each smaller order the same way, and the run order last with
 * the caller's own reclaim policy.  The cheap attempts never dip into the
 * emergency reserves nor insist (__GFP_NOFAIL), as SLUB's high orders don't:
 * a PF_MEMALLOC caller must not take an order-6 arena for 16 bytes.
 */
static struct page *arena_alloc_pages(gfp_t gfp, unsigned int *order)
{
	gfp_t cheap = (gfp | __GFP_NOWARN | __GFP_NORETRY | __GFP_NOMEMALLOC) &
		      ~(__GFP_DIRECT_RECLAIM | __GFP_NOFAIL);
	struct page *page;
	unsigned int o;

	if (pa_fault_should_fail(PA_RUN_SIZE, gfp))
		return NULL;
	for (o = PA_ARENA_ORDER; o > PA_RUN_ORDER; o--) {
		page = alloc_pages(cheap, o);
		if (page)
			goto found;
	}
	o = PA_RUN_ORDER;
	/* The run order is above 1: __GFP_NOFAIL is kept by trying again. */
	while (!(page = alloc_pages(gfp & ~__GFP_NOFAIL, o)))
		if (!pa_meta_wait(gfp))
			return NULL;
found:
	*order = o;
	return page;
}

static struct pa_arena *arena_create(struct pa_pool *pool, gfp_t gfp)
{
	gfp_t meta = pa_meta_gfp(gfp);
	struct pa_arena *arena;
	unsigned int order, i;
	struct page *page;
	size_t size;

	/*
	 * Debug mode reads a block's tail to tell a block it gave back from
	 * one never handed out: nothing from the pages' earlier life (another
	 * debug pool's quarantine) may look like one.
	 */
	page = arena_alloc_pages(pool->flags & PA_POOL_DEBUG ?
				 meta | __GFP_ZERO : meta, &order);
	if (!page)
		return NULL;

	size = struct_size(arena, runs, 1U << (order - PA_RUN_ORDER));
	arena = pa_fault_should_fail(size, meta) ? NULL : kzalloc(size, meta);
	if (!arena)
		goto err_free_pages;
	arena->pool = pool;
	arena->page = page;
	arena->order = order;
	arena->nr_runs = 1U << (order - PA_RUN_ORDER);
	arena->nr_free = arena->nr_runs;
	INIT_LIST_HEAD(&arena->node);
	INIT_LIST_HEAD(&arena->free_runs);
	for (i = 0; i < arena->nr_runs; i++) {
		struct pa_run *run = &arena->runs[i];

		run->arena = arena;
		run->class = PA_CLASS_NONE;
		list_add_tail(&run->node, &arena->free_runs);
	}

	if (pa_map_add(arena, meta))
		goto err_free_arena;
	/* Every block is free until it is handed out (sanitize.h). */
	pa_sanitize_poison((void *)pa_arena_base(arena), PAGE_SIZE << order);
	return arena;

err_free_arena:
	kfree(arena);
err_free_pages:
	__free_pages(page, order);
	return NULL;
}

/* Give an unlinked arena back; its runs must all be free and unmapped. */
static void arena_release_pages(struct pa_arena *arena)
{
	__free_pages(arena->page, arena->order);
}

/* Unmap, free and forget an unlinked arena whose runs are all free. */
static void arena_destroy(struct pa_arena *arena)
{
	pa_map_remove(arena);
	arena_release_pages(arena);
	/* A lookup racing with this may still read the descriptor. */
	kfree_rcu(arena, rcu);
}

/* Move @arena to the list for @nr_free free runs, keeping the counts. */
static void arena_set_free(struct pa_arena *arena, unsigned int nr_free)
{
	struct pa_pool *pool = arena->pool;

	lockdep_assert_held(&pool->arena_lock);
	if (arena->nr_free == arena->nr_runs)
		pool->nr_empty_arenas--;
	arena->nr_free = nr_free;
	if (nr_free == arena->nr_runs)
		pool->nr_empty_arenas++;
	list_move(&arena->node, &pool->arenas[nr_free]);
}

static void arena_link(struct pa_pool *pool, struct pa_arena *arena)
{
	lockdep_assert_held(&pool->arena_lock);
	/* A new arena counts as empty until arena_set_free() says otherwise. */
	pool->nr_empty_arenas++;
	list_add(&arena->node, &pool->arenas[arena->nr_free]);
	pool->arenas_current++;
	pool->arenas_allocated++;
	pool->arena_pages += 1UL << arena->order;
	pool->arenas_highwater = max(pool->arenas_highwater,
				     pool->arenas_current);
}

static void arena_unlink(struct pa_pool *pool, struct pa_arena *arena)
{
	lockdep_assert_held(&pool->arena_lock);
	if (arena->nr_free == arena->nr_runs)
		pool->nr_empty_arenas--;
	list_del_init(&arena->node);
	pool->arenas_current--;
	pool->arenas_reclaimed++;
	pool->arena_pages -= 1UL << arena->order;
}

/* The arena with the fewest free runs that still has one. */
static struct pa_arena *arena_fullest_usable(struct pa_pool *pool)
{
	unsigned int n;

	lockdep_assert_held(&pool->arena_lock);
	for (n = 1; n <= PA_RUNS_PER_ARENA; n++)
		if (!list_empty(&pool->arenas[n]))
			return list_first_entry(&pool->arenas[n],
						struct pa_arena, node);
	return NULL;
}

static struct pa_run *arena_pop_run(struct pa_arena *arena)
{
	struct pa_run *run;

	lockdep_assert_held(&arena->pool->arena_lock);
	run = list_first_entry(&arena->free_runs, struct pa_run, node);
	list_del_init(&run->node);
	arena_set_free(arena, arena->nr_free - 1);
	return run;
}

/*
 * A pool deleted with live blocks: kmemleak forgets them with their arena,
 * or their objects would outlive the pages (and overlap what the pages hold
 * next).
 */
static void run_forget_live(struct pa_run *run, struct pa_run_state *state)
{
	unsigned long base;
	unsigned int i;

	if (!IS_ENABLED(CONFIG_DEBUG_KMEMLEAK) || !state)
		return;
	base = pa_run_base(run);
	for (i = 0; i < run->nr_carved; i++) {
		void *entry = state->data + (i << state->wide);

		/* A block handed out in NMI is no kmemleak object. */
		if (pa_run_entry_load(entry, state->wide) &&
		    !pa_sanitize_is_nmi(state, entry))
			pa_sanitize_forget((void *)(base + i * state->size));
	}
}

/* ---- Interface to the classes ------------------------------------------ */

/**
 * pa_arena_take_run() - take a free run for a size class
 * @pool: the pool whose arenas to use
 * @gfp: how a new arena may be allocated
 *
 * Context: any context but NMI, as @gfp allows.  Takes pool->arena_lock.
 * Return: a run off every list, class still PA_CLASS_NONE, or NULL.
 */
struct pa_run *pa_arena_take_run(struct pa_pool *pool, gfp_t gfp)
{
	struct pa_arena *arena;
	struct pa_run *run;
	unsigned long flags;

	spin_lock_irqsave(&pool->arena_lock, flags);
	arena = arena_fullest_usable(pool);
	if (arena) {
		run = arena_pop_run(arena);
		spin_unlock_irqrestore(&pool->arena_lock, flags);
		return run;
	}
	spin_unlock_irqrestore(&pool->arena_lock, flags);

	arena = arena_create(pool, gfp);
	if (!arena)
		return NULL;

	spin_lock_irqsave(&pool->arena_lock, flags);
	arena_link(pool, arena);
	run = arena_pop_run(arena);
	spin_unlock_irqrestore(&pool->arena_lock, flags);
	return run;
}

/**
 * pa_arena_put_run() - give a run whose blocks are all free back to its arena
 * @run: the run, off every class list, class reset to PA_CLASS_NONE
 *
 * Frees the arena when it becomes empty and the pool already keeps an empty
 * one.
 *
 * Context: any context but NMI.  Takes pool->arena_lock.
 */
void pa_arena_put_run(struct pa_run *run)
{
	struct pa_arena *arena = run->arena;
	struct pa_pool *pool = arena->pool;
	bool release = false;
	unsigned long flags;

	spin_lock_irqsave(&pool->arena_lock, flags);
	list_add(&run->node, &arena->free_runs);
	arena_set_free(arena, arena->nr_free + 1);
	/* Hysteresis: keep one empty arena so a boundary loop does not thrash. */
	if (arena->nr_free == arena->nr_runs && pool->nr_empty_arenas > 1) {
		arena_unlink(pool, arena);
		release = true;
	}
	spin_unlock_irqrestore(&pool->arena_lock, flags);

	if (release)
		arena_destroy(arena);
}

/**
 * pa_arena_unmap_all() - remove every arena of a pool from the lookup map
 * @pool: a pool no longer reachable by its clients
 *
 * Context: process context.  The caller waits for an RCU grace period before
 * pa_arena_free_all().
 */
void pa_arena_unmap_all(struct pa_pool *pool)
{
	struct pa_arena *arena;
	unsigned int n;

	for (n = 0; n <= PA_RUNS_PER_ARENA; n++)
		list_for_each_entry(arena, &pool->arenas[n], node)
			pa_map_remove(arena);
}

/**
 * pa_arena_walk() - call @fn on every live small block of a pool
 * @pool: the pool
 * @fn: called with the pool, the block and its class size; returns how
 *	many problems it found there
 *
 * For pa_pool_validate(): @fn runs under the arena lock with interrupts
 * disabled, and must not sleep or allocate.  Blocks may be freed meanwhile;
 * each is seen live or not at all.
 *
 * Context: any context but NMI.  Takes pool->arena_lock.
 * Return: the sum of what @fn returned.
 */
unsigned long pa_arena_walk(struct pa_pool *pool,
			    unsigned int (*fn)(struct pa_pool *pool,
					       void *block, size_t usable))
{
	unsigned long flags, found = 0;
	struct pa_arena *arena;
	unsigned int n, r, i;

	spin_lock_irqsave(&pool->arena_lock, flags);
	/* Run states are freed after a grace period. */
	rcu_read_lock();
	for (n = 0; n <= PA_RUNS_PER_ARENA; n++) {
		list_for_each_entry(arena, &pool->arenas[n], node) {
			for (r = 0; r < arena->nr_runs; r++) {
				struct pa_run *run = &arena->runs[r];
				struct pa_run_state *state;
				unsigned int carved;

				state = rcu_dereference(run->state);
				if (!state)
					continue;
				/* No class lock: a refill may carve more. */
				carved = data_race(run->nr_carved);
				/* Bounded by the state array read above. */
				carved = min_t(unsigned int, carved,
					       PA_RUN_SIZE / state->size);
				for (i = 0; i < carved; i++)
					if (pa_run_entry_load(state->data +
							      (i << state->wide),
							      state->wide))
						found += fn(pool,
							    (void *)(pa_run_base(run) +
								     i * state->size),
							    state->size);
			}
		}
	}
	rcu_read_unlock();
	spin_unlock_irqrestore(&pool->arena_lock, flags);
	return found;
}

/**
 * pa_arena_free_all() - free every arena of an unmapped pool, live blocks or not
 * @pool: the pool, after pa_arena_unmap_all() and a grace period
 *
 * Context: process context.
 */
void pa_arena_free_all(struct pa_pool *pool)
{
	struct pa_arena *arena, *tmp;
	unsigned long flags;
	LIST_HEAD(dead);
	unsigned int n, i;

	/* Unlinked under the lock, freed after it: no long irq-off stretch. */
	spin_lock_irqsave(&pool->arena_lock, flags);
	for (n = 0; n <= PA_RUNS_PER_ARENA; n++) {
		list_for_each_entry_safe(arena, tmp, &pool->arenas[n], node) {
			arena_unlink(pool, arena);
			list_add(&arena->node, &dead);
		}
	}
	spin_unlock_irqrestore(&pool->arena_lock, flags);

	list_for_each_entry_safe(arena, tmp, &dead, node) {
		for (i = 0; i < arena->nr_runs; i++) {
			struct pa_run_state *state;

			state = rcu_dereference_protected(arena->runs[i].state,
							  true);
			run_forget_live(&arena->runs[i], state);
			kfree(state);
		}
		arena_release_pages(arena);
		kfree(arena);
		cond_resched();
	}
}

/**
 * pa_arena_release_empty() - free every empty arena of a pool
 * @pool: the pool
 *
 * The hysteresis arena goes too: this is for memory pressure.
 *
 * Context: any context but NMI.  Takes pool->arena_lock.
 * Return: the number of pages freed.
 */
unsigned long pa_arena_release_empty(struct pa_pool *pool)
{
	struct pa_arena *arena, *tmp;
	unsigned long flags, pages = 0;
	LIST_HEAD(empty);
	unsigned int n;

	spin_lock_irqsave(&pool->arena_lock, flags);
	for (n = 1; n <= PA_RUNS_PER_ARENA && pool->nr_empty_arenas; n++) {
		list_for_each_entry_safe(arena, tmp, &pool->arenas[n], node) {
			if (arena->nr_free != arena->nr_runs)
				continue;
			arena_unlink(pool, arena);
			list_add(&arena->node, &empty);
			pages += 1UL << arena->order;
		}
	}
	spin_unlock_irqrestore(&pool->arena_lock, flags);

	list_for_each_entry_safe(arena, tmp, &empty, node)
		arena_destroy(arena);
	return pages;
}

/**
 * pa_arena_empty_pages() - how many pages a pool holds in empty arenas
 * @pool: the pool
 *
 * Context: any context but NMI.  Takes pool->arena_lock.
 * Return: the pages pa_arena_release_empty() would free now.
 */
unsigned long pa_arena_empty_pages(struct pa_pool *pool)
{
	unsigned long flags, pages = 0;
	struct pa_arena *arena;
	unsigned int n;

	spin_lock_irqsave(&pool->arena_lock, flags);
	for (n = 1; n <= PA_RUNS_PER_ARENA && pool->nr_empty_arenas; n++)
		list_for_each_entry(arena, &pool->arenas[n], node)
			if (arena->nr_free == arena->nr_runs)
				pages += 1UL << arena->order;
	spin_unlock_irqrestore(&pool->arena_lock, flags);
	return pages;
}
