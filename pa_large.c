// SPDX-License-Identifier: GPL-2.0
/*
 * Large requests: everything above small_max.
 *
 * A caller that may sleep gets vmalloc memory; any other caller gets whole
 * pages from alloc_pages_exact(), or NULL when the page allocator cannot give
 * them without sleeping (vmalloc is not safe in atomic context on 6.1).  Each
 * allocation has a descriptor, found by its address in a hash table.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/kmemleak.h>
#include <linux/llist.h>
#include <linux/hashtable.h>
#include <linux/workqueue.h>
#include "pa_internal.h"

/* The largest order alloc_pages() accepts; the name changed in 6.8. */
#ifdef MAX_PAGE_ORDER
#define PA_PAGE_ORDER_MAX	MAX_PAGE_ORDER
#else
#define PA_PAGE_ORDER_MAX	(MAX_ORDER - 1)
#endif

/* Like kvmalloc(), refuse sizes no sane caller means: they overflow int. */
#define PA_LARGE_MAX		((size_t)INT_MAX)

/*
 * Address -> descriptor of every live large allocation.  A hash table, not
 * an xarray: vmalloc addresses are sparse, and an xarray allocated and freed
 * a chain of nodes per allocation, which cost twice vmalloc() at 8 KiB.
 * Readers use RCU; writers take pa_large_hash_lock.
 */
#define PA_LARGE_HASH_BITS	10
static DEFINE_HASHTABLE(pa_large_hash, PA_LARGE_HASH_BITS);
static DEFINE_SPINLOCK(pa_large_hash_lock);

/*
 * vfree() may sleep.  A vmalloc block freed where sleeping is not allowed is
 * queued here, linked through its own first bytes, and freed by a worker.
 */
static LLIST_HEAD(deferred_vfree);

static void deferred_vfree_fn(struct work_struct *work)
{
	struct llist_node *node, *next;

	llist_for_each_safe(node, next, llist_del_all(&deferred_vfree))
		vfree(node);
}

static DECLARE_WORK(deferred_vfree_work, deferred_vfree_fn);

/* ---- Internals --------------------------------------------------------- */

static void large_release_memory(struct pa_large *large)
{
	if (!large->vmapped) {
		kmemleak_free(large->addr);
		free_pages_exact(large->addr, large->size);
	} else if (preemptible()) {
		vfree(large->addr);
	} else {
		llist_add(large->addr, &deferred_vfree);
		schedule_work(&deferred_vfree_work);
	}
}

static void large_unhash(struct pa_large *large)
{
	unsigned long flags;

	spin_lock_irqsave(&pa_large_hash_lock, flags);
	hash_del_rcu(&large->hnode);
	spin_unlock_irqrestore(&pa_large_hash_lock, flags);
}

/* The live large allocation at @p, or NULL.  RCU read lock held. */
static struct pa_large *large_find(const void *p)
{
	struct pa_large *large;

	hash_for_each_possible_rcu(pa_large_hash, large, hnode,
				   (unsigned long)p)
		if (large->addr == p)
			return large;
	return NULL;
}

/* ---- Interface to the entry points ------------------------------------- */

/**
 * pa_large_alloc() - allocate more than small_max bytes
 * @pool: the pool that will own the allocation
 * @size: bytes requested
 * @gfp: vmalloc is used when it allows blocking, else the page allocator
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: page-aligned memory, or NULL.
 */
void *pa_large_alloc(struct pa_pool *pool, size_t size, gfp_t gfp)
{
	gfp_t meta = pa_meta_gfp(gfp);
	gfp_t mem = gfp & ~(__GFP_COMP | GFP_ZONEMASK);
	struct pa_large *large;
	unsigned long flags;

	if (size > PA_LARGE_MAX)
		return NULL;
	large = kmalloc(sizeof(*large), meta);
	if (!large)
		return NULL;
	large->pool = pool;
	large->requested = size;
	large->size = PAGE_ALIGN(size);
	large->vmapped = gfpflags_allow_blocking(gfp);
	large->addr = NULL;
	/* All of the usable size is mapped, so KASAN lets callers use it. */
	if (large->vmapped)
		large->addr = __vmalloc(large->size, mem);
	else if (get_order(size) <= PA_PAGE_ORDER_MAX)
		large->addr = alloc_pages_exact(large->size, mem);
	if (!large->addr)
		goto err_free_desc;
	if (!large->vmapped)
		kmemleak_alloc(large->addr, large->size, 0, meta);
	spin_lock_irqsave(&pa_large_hash_lock, flags);
	hash_add_rcu(pa_large_hash, &large->hnode, (unsigned long)large->addr);
	spin_unlock_irqrestore(&pa_large_hash_lock, flags);

	spin_lock_irqsave(&pool->large_lock, flags);
	list_add(&large->node, &pool->large);
	pool->large_allocs++;
	pool->large_live++;
	pool->large_bytes += large->size;
	pool->large_requested += size;
	spin_unlock_irqrestore(&pool->large_lock, flags);
	return large->addr;

err_free_desc:
	kfree(large);
	return NULL;
}

/**
 * pa_large_free() - free @p if it is a live large allocation
 * @p: any pointer but NULL
 * @info: filled in when it is
 *
 * Removing the hash entry is what claims the allocation, so of two racing
 * frees of one pointer only one succeeds.
 *
 * Context: any context but NMI.
 * Return: PA_LIVE when freed, else PA_NOT_OURS.
 */
enum pa_lookup pa_large_free(const void *p, struct pa_block_info *info)
{
	struct pa_large *large;
	struct pa_pool *pool;
	unsigned long flags;

	if (!PAGE_ALIGNED(p))
		return PA_NOT_OURS;
	spin_lock_irqsave(&pa_large_hash_lock, flags);
	rcu_read_lock();
	large = large_find(p);
	if (large)
		hash_del_rcu(&large->hnode);
	rcu_read_unlock();
	spin_unlock_irqrestore(&pa_large_hash_lock, flags);
	if (!large)
		return PA_NOT_OURS;

	pool = large->pool;
	spin_lock_irqsave(&pool->large_lock, flags);
	list_del(&large->node);
	pool->large_frees++;
	pool->large_live--;
	pool->large_bytes -= large->size;
	pool->large_requested -= large->requested;
	spin_unlock_irqrestore(&pool->large_lock, flags);

	info->pool = pool;
	info->usable = large->size;
	info->requested = large->requested;
	large_release_memory(large);
	/* pa_large_query() may still be reading it. */
	kfree_rcu(large, rcu);
	return PA_LIVE;
}

/**
 * pa_large_query() - describe, and optionally resize, a large allocation
 * @p: any pointer but NULL
 * @resize: when non-zero and no larger than the allocation, the new request
 *	size to record for it
 * @info: filled in when @p is a live large allocation
 *
 * Context: any context but NMI.
 * Return: PA_LIVE or PA_NOT_OURS; @info->requested is the size before any
 * resize.
 */
enum pa_lookup pa_large_query(const void *p, size_t resize,
			      struct pa_block_info *info)
{
	struct pa_large *large;
	struct pa_pool *pool;
	unsigned long flags;

	if (!PAGE_ALIGNED(p))
		return PA_NOT_OURS;
	rcu_read_lock();
	large = large_find(p);
	if (!large) {
		rcu_read_unlock();
		return PA_NOT_OURS;
	}
	pool = large->pool;
	spin_lock_irqsave(&pool->large_lock, flags);
	info->pool = pool;
	info->usable = large->size;
	info->requested = large->requested;
	if (resize && resize <= large->size) {
		pool->large_requested += resize;
		pool->large_requested -= large->requested;
		large->requested = resize;
	}
	spin_unlock_irqrestore(&pool->large_lock, flags);
	rcu_read_unlock();
	return PA_LIVE;
}

/**
 * pa_large_unmap() - make a dying pool's large allocations unreachable
 * @pool: a pool no longer reachable by its clients
 *
 * Context: process context.  The caller waits for an RCU grace period before
 * pa_large_free_all().
 */
void pa_large_unmap(struct pa_pool *pool)
{
	struct pa_large *large;

	list_for_each_entry(large, &pool->large, node)
		large_unhash(large);
}

/**
 * pa_large_free_all() - free every large allocation of an unmapped pool
 * @pool: the pool, after pa_large_unmap() and a grace period
 *
 * Context: process context.
 */
void pa_large_free_all(struct pa_pool *pool)
{
	struct pa_large *large, *tmp;

	list_for_each_entry_safe(large, tmp, &pool->large, node) {
		list_del(&large->node);
		pool->large_live--;
		pool->large_bytes -= large->size;
		pool->large_requested -= large->requested;
		large_release_memory(large);
		kfree(large);
	}
}

/**
 * pa_large_exit() - finish the deferred vfree()s before the module goes
 *
 * Context: process context, after every pool is destroyed.
 */
void pa_large_exit(void)
{
	flush_work(&deferred_vfree_work);
}
