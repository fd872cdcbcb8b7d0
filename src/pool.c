// SPDX-License-Identifier: GPL-2.0
/*
 * Named pools: creation, teardown, statistics, and the list of pools.
 *
 * A pool is reachable from three places: its client, the list of pools and
 * its debugfs directory.  The entry points (main.c) link a new pool and give
 * it its directory under pa_pool_lock(), and take both away the same way
 * before pa_pool_delete(), which removes the pool from the run map, waits
 * for lookups in flight, and only then frees its memory.  The list and its
 * lock are private to this file: others walk it with pa_pool_next().
 */
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/mutex.h>
#include <linux/err.h>
#include <linux/random.h>
#include "internal.h"

/* Protects pa_pools and the pools' debugfs directories; see internal.h. */
static DEFINE_MUTEX(pa_pools_lock);
static LIST_HEAD(pa_pools);

/* ---- The list of pools ------------------------------------------------- */

/**
 * pa_pool_lock() - lock the list of pools
 *
 * Context: process context; may sleep.
 */
void pa_pool_lock(void)
{
	mutex_lock(&pa_pools_lock);
}

/**
 * pa_pool_trylock() - lock the list of pools unless someone holds it
 *
 * For reclaim: pool creation allocates under the lock, so the shrinker and
 * the reaper must never wait for it.
 *
 * Context: process context.
 * Return: true when the lock was taken.
 */
bool pa_pool_trylock(void)
{
	return mutex_trylock(&pa_pools_lock);
}

/**
 * pa_pool_unlock() - unlock the list of pools
 */
void pa_pool_unlock(void)
{
	mutex_unlock(&pa_pools_lock);
}

/**
 * pa_pool_next() - the pool after @pool in the list of pools
 * @pool: a listed pool, or NULL for the first one
 *
 * Context: pa_pool_lock() held.
 * Return: the next pool, or NULL after the last one.
 */
struct pa_pool *pa_pool_next(struct pa_pool *pool)
{
	lockdep_assert_held(&pa_pools_lock);
	pool = pool ? list_next_entry(pool, node) :
		      list_first_entry(&pa_pools, struct pa_pool, node);
	return list_entry_is_head(pool, &pa_pools, node) ? NULL : pool;
}

/**
 * pa_pool_link() - add a pool to the list of pools
 * @pool: a pool from pa_pool_new(), not listed
 *
 * Context: pa_pool_lock() held.
 * Return: 0, or -EEXIST when a listed pool has the same name.
 */
int pa_pool_link(struct pa_pool *pool)
{
	struct pa_pool *other;

	for (other = pa_pool_next(NULL); other; other = pa_pool_next(other))
		if (!strcmp(other->name, pool->name))
			return -EEXIST;
	list_add_tail(&pool->node, &pa_pools);
	return 0;
}

/**
 * pa_pool_unlink() - take a pool off the list of pools
 * @pool: a listed pool
 *
 * Context: pa_pool_lock() held.
 */
void pa_pool_unlink(struct pa_pool *pool)
{
	lockdep_assert_held(&pa_pools_lock);
	list_del_init(&pool->node);
}

/* ---- Creation, teardown and statistics -------------------------------- */

/**
 * pa_pool_name_valid() - whether @name may name a pool
 * @name: the proposed name
 *
 * A name is non-empty, shorter than PA_POOL_NAME_MAX, and usable as a
 * debugfs directory name.
 *
 * Return: true when it may.
 */
bool pa_pool_name_valid(const char *name)
{
	size_t len;

	if (!name)
		return false;
	len = strnlen(name, PA_POOL_NAME_MAX);
	return len && len < PA_POOL_NAME_MAX && !strchr(name, '/') &&
	       strcmp(name, ".") && strcmp(name, "..");
}

/**
 * pa_pool_new() - create a pool, not yet listed
 * @name: a valid name
 * @flags: valid pa_pool_create() flags; debug mode's own state is added by
 *	pa_debug_attach()
 *
 * Context: process context; may sleep.
 * Return: the pool, or ERR_PTR(-ENOMEM).
 */
struct pa_pool *pa_pool_new(const char *name, unsigned int flags)
{
	size_t size = struct_size_t(struct pa_pool, classes, pa_nr_classes);
	struct pa_pool *pool = NULL;
	unsigned int i;

	if (!pa_fault_should_fail(size, GFP_KERNEL))
		pool = kzalloc(size, GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	strscpy(pool->name, name, sizeof(pool->name));
	pool->flags = flags;
	/* Debug mode and the kmalloc backend never take the fast path. */
	pool->small_max = flags & PA_POOL_DEBUG || pa_large_kmalloc ?
			  0 : pa_small_max;
	pool->secret = get_random_long();
	INIT_LIST_HEAD(&pool->node);
	spin_lock_init(&pool->arena_lock);
	for (i = 0; i <= PA_RUNS_PER_ARENA; i++)
		INIT_LIST_HEAD(&pool->arenas[i]);
	for (i = 0; i < pa_nr_classes; i++) {
		if (pa_class_init(pool, &pool->classes[i], i)) {
			pa_pool_delete(pool);
			return ERR_PTR(-ENOMEM);
		}
	}
	return pool;
}

/**
 * pa_pool_delete() - tear down a pool, live blocks and all
 * @pool: a pool from pa_pool_new(), not listed (a half-built pool is fine)
 *
 * Live blocks are freed and reported with their count and requested bytes.
 *
 * Context: process context; waits for RCU.
 */
void pa_pool_delete(struct pa_pool *pool)
{
	struct pa_stats st = { };
	unsigned int i;

	pa_arena_unmap_all(pool);
	/* No lookup can reach the arenas now; wait for those in flight. */
	synchronize_rcu();

	/* Cached blocks are counted as free, so this counts only leaks. */
	pa_pool_sum(pool, &st);
	/* The arenas go whole: cached blocks need not go back to runs. */
	pa_arena_free_all(pool);
	pa_large_free_all(pool);
	for (i = 0; i < pa_nr_classes; i++)
		pa_class_destroy(&pool->classes[i]);
	if (st.live_blocks)
		pr_warn("pool '%s' destroyed with %llu live blocks (%llu bytes requested, %llu allocated)\n",
			pool->name, st.live_blocks, st.live_bytes_requested,
			st.live_bytes_allocated);
	kfree(pool);
}

/* @pool's own counters, before debug mode's adjustment. */
static void pool_sum_raw(struct pa_pool *pool, struct pa_stats *st)
{
	unsigned long flags;
	unsigned int i;

	for (i = 0; i < pa_nr_classes; i++) {
		struct pa_class *cls = &pool->classes[i];
		u64 allocs, frees, live;
		unsigned long cached;
		s64 requested;

		/* Half-built pools are summed too, when creation fails. */
		if (!cls->cache)
			continue;
		pa_cache_sum(cls, &allocs, &frees, &requested, &cached);
		/* A sum racing with a cross-CPU free can be behind: clamp. */
		live = allocs > frees ? allocs - frees : 0;
		st->allocs += allocs;
		st->frees += frees;
		st->live_blocks += live;
		st->live_bytes_requested += max_t(s64, requested, 0);
		st->live_bytes_allocated += live * cls->size;
		spin_lock_irqsave(&cls->lock, flags);
		st->runs_in_use += cls->nr_runs;
		spin_unlock_irqrestore(&cls->lock, flags);
	}

	spin_lock_irqsave(&pool->arena_lock, flags);
	st->arenas_current += pool->arenas_current;
	st->arenas_highwater += pool->arenas_highwater;
	st->arenas_allocated += pool->arenas_allocated;
	st->arenas_reclaimed += pool->arenas_reclaimed;
	st->pages_held += pool->arena_pages;
	spin_unlock_irqrestore(&pool->arena_lock, flags);

	pa_large_sum(pool, st);
	st->failures += atomic64_read(&pool->failures);
	st->invalid_frees += atomic64_read(&pool->invalid_frees);
	st->err_overflow_before += atomic64_read(&pool->err[PA_ERR_OVERFLOW_BEFORE]);
	st->err_overflow_after += atomic64_read(&pool->err[PA_ERR_OVERFLOW_AFTER]);
	st->err_use_after_free += atomic64_read(&pool->err[PA_ERR_USE_AFTER_FREE]);
	st->err_double_free += atomic64_read(&pool->err[PA_ERR_DOUBLE_FREE]);
	st->err_wrong_pool += atomic64_read(&pool->err[PA_ERR_WRONG_POOL]);
	st->err_freelist += atomic64_read(&pool->err[PA_ERR_FREELIST]);
}

/* pa_pool_sum() adds struct pa_stats up as an array of counters. */
static_assert(sizeof(struct pa_stats) % sizeof(u64) == 0);

/* Subtract @x from @v, but never below 0: the counters are read racily. */
static void sub_clamped(u64 *v, u64 x)
{
	*v = *v > x ? *v - x : 0;
}

/**
 * pa_pool_sum() - add a pool's counters to @st
 * @pool: the pool
 * @st: the sum so far
 *
 * Per-CPU counters are added up and each lock is taken in turn, so each
 * counter is exact when the pool is quiet.  Blocks in the per-CPU caches
 * count as free.  In a debug pool, a block the client freed that debug mode
 * holds back (quarantined, or damaged and never reused) counts as freed,
 * and the requests are the client's, without debug mode's overhead.
 *
 * Context: any context but NMI.
 */
void pa_pool_sum(struct pa_pool *pool, struct pa_stats *st)
{
	struct pa_stats one = { };
	u64 *sum = (u64 *)st, *add = (u64 *)&one, held;
	unsigned int i;

	pool_sum_raw(pool, &one);
	held = atomic64_read(&pool->held_blocks);
	one.frees += held;
	sub_clamped(&one.live_blocks, held);
	sub_clamped(&one.live_bytes_requested,
		    atomic64_read(&pool->held_requested));
	sub_clamped(&one.live_bytes_allocated,
		    atomic64_read(&pool->held_usable));
	sub_clamped(&one.large_live, atomic64_read(&pool->held_large));
	sub_clamped(&one.large_bytes, atomic64_read(&pool->held_large_bytes));
	if (pool->flags & PA_POOL_DEBUG)
		sub_clamped(&one.live_bytes_requested,
			    one.live_blocks * PA_DEBUG_OVERHEAD);
	for (i = 0; i < sizeof(one) / sizeof(u64); i++)
		sum[i] += add[i];
}
