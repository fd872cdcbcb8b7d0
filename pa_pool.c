// SPDX-License-Identifier: GPL-2.0
/*
 * Named pools: the registry, creation, teardown and statistics.
 *
 * A pool is reachable from three places: its client, the pa_pools list and
 * its debugfs directory.  Teardown removes it from all three, then from the
 * run map, waits for lookups in flight, and only then frees its memory.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include <linux/mutex.h>
#include <linux/err.h>
#include "pa_internal.h"

/* Protects pa_pools and the pools' debugfs directories; see pa_internal.h. */
DEFINE_MUTEX(pa_pools_lock);
LIST_HEAD(pa_pools);
struct pa_pool *pa_default_pool;

/* ---- Internals --------------------------------------------------------- */

static struct pa_pool *pool_find(const char *name)
{
	struct pa_pool *pool;

	lockdep_assert_held(&pa_pools_lock);
	list_for_each_entry(pool, &pa_pools, node)
		if (!strcmp(pool->name, name))
			return pool;
	return NULL;
}

/* ---- Interface to the entry points ------------------------------------- */

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
 * pa_pool_new() - create and register a pool
 * @name: a valid name
 *
 * Context: process context; takes pa_pools_lock.
 * Return: the pool, ERR_PTR(-EEXIST) when the name is taken, or
 * ERR_PTR(-ENOMEM).
 */
struct pa_pool *pa_pool_new(const char *name)
{
	struct pa_pool *pool;
	unsigned int i;

	pool = kzalloc(struct_size(pool, classes, pa_nr_classes), GFP_KERNEL);
	if (!pool)
		return ERR_PTR(-ENOMEM);
	strscpy(pool->name, name, sizeof(pool->name));
	INIT_LIST_HEAD(&pool->node);
	spin_lock_init(&pool->arena_lock);
	for (i = 0; i <= PA_RUNS_PER_ARENA; i++)
		INIT_LIST_HEAD(&pool->arenas[i]);
	for (i = 0; i < pa_nr_classes; i++) {
		if (pa_class_init(pool, &pool->classes[i], i)) {
			pa_pool_free(pool);
			return ERR_PTR(-ENOMEM);
		}
	}

	mutex_lock(&pa_pools_lock);
	if (pool_find(name)) {
		mutex_unlock(&pa_pools_lock);
		pa_pool_free(pool);
		return ERR_PTR(-EEXIST);
	}
	list_add_tail(&pool->node, &pa_pools);
	pa_debugfs_add_pool(pool);
	mutex_unlock(&pa_pools_lock);
	return pool;
}

/**
 * pa_pool_free() - tear down a pool, live blocks and all
 * @pool: a pool from pa_pool_new(), registered or not (a half-built pool
 *	is fine)
 *
 * Live blocks are freed and reported with their count and requested bytes.
 *
 * Context: process context; takes pa_pools_lock and waits for RCU.
 */
void pa_pool_free(struct pa_pool *pool)
{
	struct pa_stats st = { };
	unsigned int i;

	/* The name stays taken until its debugfs directory is gone. */
	mutex_lock(&pa_pools_lock);
	list_del_init(&pool->node);
	pa_debugfs_remove_pool(pool);
	mutex_unlock(&pa_pools_lock);

	pa_arenas_unmap(pool);
	/* No lookup can reach the arenas now; wait for those in flight. */
	synchronize_rcu();

	/* Cached blocks are counted as free, so this counts only leaks. */
	pa_pool_sum_stats(pool, &st);
	/* The arenas go whole: cached blocks need not go back to runs. */
	pa_arenas_free(pool);
	pa_large_free_all(pool);
	for (i = 0; i < pa_nr_classes; i++)
		pa_class_destroy(&pool->classes[i]);
	if (st.live_blocks)
		pr_warn("pool '%s' destroyed with %llu live blocks (%llu bytes requested, %llu allocated)\n",
			pool->name, st.live_blocks, st.live_bytes_requested,
			st.live_bytes_allocated);
	kfree(pool);
}

/**
 * pa_pool_sum_stats() - add a pool's counters to @st
 * @pool: the pool
 * @st: the sum so far
 *
 * Per-CPU counters are added up and each lock is taken in turn, so each
 * counter is exact when the pool is quiet.  Blocks in the per-CPU caches
 * count as free.
 *
 * Context: any context but NMI.
 */
void pa_pool_sum_stats(struct pa_pool *pool, struct pa_stats *st)
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
		pa_class_sum(cls, &allocs, &frees, &requested, &cached);
		/* A sum racing with a cross-CPU free can be behind: clamp. */
		live = allocs > frees ? allocs - frees : 0;
		st->allocs += allocs;
		st->frees += frees;
		st->live_blocks += live;
		st->live_bytes_requested += max_t(s64, requested, 0);
		st->live_bytes_allocated += live * cls->size;
		spin_lock_irqsave(&cls->lock, flags);
		st->pools_in_use += cls->nr_runs;
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
}

/**
 * pa_report_invalid() - count and report a pointer the allocator refused
 * @pool: the pool whose arena holds it, or NULL for the default pool
 * @what: the entry point that refused it
 * @p: the pointer
 * @caller: the entry point's return address
 *
 * A client's bug must not taint the kernel, so this is a rate-limited
 * pr_err(), not a WARN().
 *
 * Context: any context but NMI.
 */
void pa_report_invalid(struct pa_pool *pool, const char *what, const void *p,
		       unsigned long caller)
{
	atomic64_inc(&(pool ?: pa_default_pool)->invalid_frees);
	pr_err_ratelimited("%s(%p) from %pS: not a live block of this allocator, left untouched\n",
			   what, p, (void *)caller);
}
