// SPDX-License-Identifier: GPL-2.0
/*
 * Bulk calls: pa_alloc_bulk() and pa_free_bulk() past the per-CPU caches,
 * many blocks per claim of a cache, per preemption-disabled section and per
 * class lock.
 *
 * An allocation claims this CPU's cache of the class once per round, pops
 * what the cache holds straight into the caller's array, and takes the rest
 * from the runs with pa_class_take(), into the caller's array too: the
 * cache, empty by then, lends its entry and run arrays for the state entries
 * and runs pa_class_take() reports.  Blocks taken from runs are counted as
 * a refill that was handed out at once (filled, not count), so the per-CPU
 * sums stay exact.  Zeroing and the sanitizers' calls come after the round,
 * with preemption enabled, since kmemleak may allocate with the caller's gfp.
 * When the class has no free block, a new run is made with preemption
 * enabled and added in the next round.  It is all or nothing: on a failure
 * the blocks handed out are freed again, and the failure counted once.
 *
 * A free looks each pointer up and claims its state entry as
 * pa_cache_do_free() does, and pushes it on this CPU's cache of its class,
 * which stays claimed while the pointers that follow are of the same class;
 * the counters it owes the cache are added once, when it lets the cache go,
 * and the run map's answer is reused while the pointers stay in one run.  A
 * full cache is flushed whole to the runs with pa_class_flush().  A pointer
 * it does not free itself (in no arena, a large or debug block, not a live
 * block's start) ends the call: it returns how far it came, and the caller
 * frees or refuses that pointer on pa_free()'s path.
 *
 * Neither runs in NMI, nor past pa_entry_key, nor for debug pools and sizes
 * that are not small: main.c loops over the single-object paths there.  An
 * interrupt that finds the cache busy works on the runs directly, as the
 * single-object paths do.
 */
#include <linux/preempt.h>
#include <linux/string.h>
#include "internal.h"
#include "cache.h"

/*
 * Blocks per preemption-disabled section, popped from the cache or taken
 * from the runs (one pa_class_take() for the lot), or freed: a cache's
 * worth, so that a long call does not hold preemption off for long.
 */
#define PA_BULK_ROUND		PA_CACHE_SIZE

/* ---- Internals --------------------------------------------------------- */

/*
 * Pop up to @want blocks of @c into @p for requests of @size bytes.  @c
 * claimed.  Return: how many.
 */
static unsigned int bulk_pop(struct pa_cpu_cache *c, size_t size,
			     size_t want, void **p)
{
	unsigned int n = min_t(size_t, c->count, want);
	unsigned int top = c->count - n, i;

	/* The cache owns the blocks: nothing else changes their entries. */
	if (c->wide)
		for (i = 0; i < n; i++)
			pa_run_entry_store(c->entry[top + i], true, size);
	else
		for (i = 0; i < n; i++)
			pa_run_entry_store(c->entry[top + i], false, size);
	memcpy(p, &c->block[top], n * sizeof(*p));
	/* kmemleak scans the cache: no stale pointer may hide a leak. */
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		memset(&c->block[top], 0, n * sizeof(c->block[0]));
	c->count = top;
	c->requested += (s64)n * size;
	return n;
}

/*
 * Record @n blocks just taken from runs (their state entries in @c's entry
 * array) as handed out from @c: a refill that left at once.  @c claimed.
 */
static void bulk_taken(struct pa_cpu_cache *c, size_t size, unsigned int n)
{
	unsigned int i;

	if (c->wide)
		for (i = 0; i < n; i++)
			pa_run_entry_store(c->entry[i], true, size);
	else
		for (i = 0; i < n; i++)
			pa_run_entry_store(c->entry[i], false, size);
	c->filled += n;
	c->requested += (s64)n * size;
}

/*
 * Take up to @want blocks from the runs of @cls into @p, through @c, which
 * is claimed and empty: its entry and run arrays receive the blocks' state
 * entries and runs.  @spare, a new run, is added to the class first.
 * Return: how many, fewer than @want only when the class ran out.
 */
static size_t bulk_take(struct pa_class *cls, struct pa_cpu_cache *c,
			struct pa_run *spare, size_t size, size_t want,
			void **p)
{
	struct pa_blocks to = { .entry = c->entry, .run = c->run };
	unsigned int chunk, n;
	size_t done = 0;

	if (spare) {
		to.block = p;
		chunk = min_t(size_t, want, PA_CACHE_SIZE);
		n = pa_class_add_run(cls, spare, to, chunk);
		bulk_taken(c, size, n);
		done = n;
	}
	while (done < want) {
		to.block = p + done;
		chunk = min_t(size_t, want - done, PA_CACHE_SIZE);
		n = pa_class_take(cls, to, chunk);
		bulk_taken(c, size, n);
		done += n;
		if (n < chunk)
			break;
	}
	return done;
}

/*
 * A spare run that this CPU's cache made unnecessary (an interrupt filled
 * it meanwhile): it goes on the class, its first blocks into @c as a
 * refill would put them, which has room after a pop.  @c claimed.
 */
static void bulk_keep_spare(struct pa_class *cls, struct pa_cpu_cache *c,
			    struct pa_run *spare)
{
	struct pa_blocks to = {
		.block = c->block + c->count, .entry = c->entry + c->count,
		.run = c->run + c->count,
	};
	unsigned int n;

	if (WARN_ON_ONCE(c->count == PA_CACHE_SIZE))
		return;
	n = pa_class_add_run(cls, spare, to, PA_CACHE_SIZE - c->count);
	c->count += n;
	c->filled += n;
}

/*
 * An interrupt found this CPU's cache busy: one block straight from the
 * runs into *@p, counted past the caches.  *@spare, a new run made for this
 * call, goes on the class first; without one, a run is made when the class
 * has no free block.  Return: false when no block could be had.
 */
static bool bulk_take_direct(struct pa_class *cls, size_t size, gfp_t gfp,
			     struct pa_run **spare, void **p)
{
	struct pa_run *run = *spare, *taken;
	void *entry;
	struct pa_blocks one = { .block = p, .entry = &entry, .run = &taken };

	*spare = NULL;
	if (!run && !pa_class_take(cls, one, 1)) {
		run = pa_class_grow(cls, gfp);
		if (!run)
			return false;
	}
	if (run)
		pa_class_add_run(cls, run, one, 1);
	pa_run_entry_store(entry, cls->wide, size);
	atomic64_inc(&cls->direct_allocs);
	atomic64_add(size, &cls->direct_requested);
	return true;
}

/* Zero @n blocks if asked, and show them to KASAN and kmemleak. */
static void bulk_hand_out(struct pa_class *cls, size_t size, gfp_t gfp,
			  size_t n, void **p)
{
	size_t i;

	/* Nothing to do for any block: no loop. */
	if (!want_init_on_alloc(gfp) && !IS_ENABLED(CONFIG_KASAN_GENERIC) &&
	    !IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		return;
	for (i = 0; i < n; i++)
		pa_cache_hand_out(p[i], size, cls->size, gfp);
}

/* Give all of @c back to the runs.  @c claimed. */
static void bulk_flush(struct pa_class *cls, struct pa_cpu_cache *c)
{
	struct pa_blocks from = {
		.block = c->block, .entry = c->entry, .run = c->run,
	};

	pa_class_flush(cls, from, c->count);
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		memset(c->block, 0, c->count * sizeof(c->block[0]));
	c->flushed += c->count;
	c->count = 0;
}

/*
 * A bulk free's hold on this CPU's cache of the class it frees to: the
 * counters it owes the cache are added when it lets go.
 */
struct bulk_hold {
	struct pa_class *cls;		/* whose cache @c is; NULL: none held */
	struct pa_cpu_cache *c;		/* claimed */
	unsigned int frees;
	unsigned long requested;
	/*
	 * The run map's last answer, good for this preemption-disabled
	 * section: blocks freed together are often of one run.  A run
	 * released meanwhile has no state, so a stale answer only sends a
	 * pointer to pa_free()'s path.
	 */
	unsigned long index;
	struct pa_run *run;
};

/* No run map answer yet, or none since preemption was enabled. */
#define PA_BULK_NO_INDEX	ULONG_MAX

/* Settle the counters and release the cache held, if any. */
static void bulk_let_go(struct bulk_hold *h)
{
	if (!h->cls)
		return;
	h->c->frees += h->frees;
	h->c->requested -= h->requested;
	pa_cache_release(h->c);
	h->cls = NULL;
	h->frees = 0;
	h->requested = 0;
}

/*
 * Free one pointer onto the cache @h holds, which changes to this CPU's
 * cache of @p's class when it is another.  Preemption disabled.  Return:
 * false, with nothing done, when @p is not a live small block that this
 * path frees.
 */
static __always_inline bool bulk_free_one(const void *p, struct bulk_hold *h)
{
	unsigned long requested, index;
	struct pa_run_state *state;
	struct pa_cpu_cache *c;
	struct pa_class *cls;
	struct pa_run *run;
	unsigned int top;
	void *entry;

	index = pa_map_index((unsigned long)p);
	if (unlikely(index != h->index)) {
		/* Outside the direct map (NULL, vmalloc): no run to look for. */
		if (unlikely(!pa_map_covers(index)))
			return false;
		run = pa_map_run(index);
		if (unlikely(!run))
			return false;
		h->index = index;
		h->run = run;
	}
	run = h->run;
	state = pa_run_entry(run, p, &entry);
	if (unlikely(!state))
		return false;
	cls = state->cls;
	/* Debug mode frees its blocks itself, on pa_free()'s path. */
	if (static_branch_unlikely(&pa_debug_key) &&
	    (cls->pool->flags & PA_POOL_DEBUG))
		return false;
	/* A free block's entry is 0; of two racing frees only one clears it. */
	requested = pa_run_entry_claim(entry, state->wide);
	if (unlikely(!requested))
		return false;
	pa_cache_take_back((void *)p, state, entry);

	if (unlikely(cls != h->cls)) {
		bulk_let_go(h);
		c = this_cpu_ptr(cls->cache);
		if (unlikely(!pa_cache_claim(c))) {
			/* This enables preemption, which is disabled again. */
			pa_cache_free_direct(cls, (void *)p, entry, run,
					     requested);
			preempt_disable();
			h->index = PA_BULK_NO_INDEX;
			return true;
		}
		h->cls = cls;
		h->c = c;
	}
	c = h->c;
	if (unlikely(c->count == PA_CACHE_SIZE))
		bulk_flush(cls, c);
	/* pa_cache_push(), with the counters left to bulk_let_go(). */
	top = c->count++;
	c->block[top] = (void *)p;
	c->entry[top] = entry;
	c->run[top] = run;
	h->frees++;
	h->requested += requested;
	return true;
}

/* ---- Interface to the entry points ------------------------------------- */

/**
 * pa_bulk_alloc() - allocate @n small blocks of one size
 * @pool: the pool; not a debug pool
 * @size: bytes requested for each, 1 to @pool's small_max
 * @gfp: allocation flags
 * @n: how many, at least 1
 * @p: filled in with the blocks
 *
 * All or nothing: on failure the blocks taken are freed again, every slot
 * of @p is NULL and the failure is counted once in @pool's failures.
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: @n, or 0 on failure.
 */
size_t pa_bulk_alloc(struct pa_pool *pool, size_t size, gfp_t gfp, size_t n,
		     void **p)
{
	struct pa_class *cls = pa_class_for(pool, size);
	struct pa_run *spare = NULL;
	struct pa_cpu_cache *c;
	size_t done = 0, from, want;

	while (done < n) {
		from = done;
		preempt_disable();
		c = this_cpu_ptr(cls->cache);
		if (unlikely(!pa_cache_claim(c))) {
			preempt_enable();
			if (!bulk_take_direct(cls, size, gfp, &spare, &p[done]))
				goto fail;
			bulk_hand_out(cls, size, gfp, 1, &p[done]);
			done++;
			continue;
		}
		want = min_t(size_t, n - done, PA_BULK_ROUND);
		done += bulk_pop(c, size, want, &p[done]);
		if (done - from < want)
			done += bulk_take(cls, c, spare, size,
					  want - (done - from), &p[done]);
		else if (spare)
			bulk_keep_spare(cls, c, spare);
		spare = NULL;
		pa_cache_release(c);
		preempt_enable();
		bulk_hand_out(cls, size, gfp, done - from, &p[from]);
		/* The class ran out: a new run, for the next round. */
		if (done - from < want) {
			spare = pa_class_grow(cls, gfp);
			if (!spare)
				goto fail;
		}
	}
	return n;

fail:
	atomic64_inc(&pool->failures);
	/* Live small blocks of a pool without debug mode: all freed here. */
	WARN_ON_ONCE(pa_bulk_free(done, p) != done);
	memset(p, 0, n * sizeof(*p));
	return 0;
}

/**
 * pa_bulk_free() - free small blocks until one needs pa_free()'s own path
 * @n: how many slots of @p
 * @p: pointers to free, in order
 *
 * Frees the live small blocks of pools without debug mode, and skips NULL
 * and ZERO_SIZE_PTR, from the first slot on.  Stops at the first other
 * pointer (a large or debug block, or one to refuse) and leaves it and all
 * after it untouched, for the caller.
 *
 * Context: any context but NMI.
 * Return: the index of the slot it stopped at, or @n.
 */
size_t pa_bulk_free(size_t n, void **p)
{
	struct bulk_hold h = { };
	size_t i = 0, end;

	while (i < n) {
		end = min_t(size_t, n, i + PA_BULK_ROUND);
		preempt_disable();
		h.index = PA_BULK_NO_INDEX;
		for (; i < end; i++) {
			if (likely(bulk_free_one(p[i], &h)))
				continue;
			if (!ZERO_OR_NULL_PTR(p[i]))
				goto stop;
		}
		bulk_let_go(&h);
		preempt_enable();
	}
	return n;

stop:
	bulk_let_go(&h);
	preempt_enable();
	return i;
}
