/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pool_alloc: a pymalloc-style small-object allocator for kernel modules.
 *
 * The interface mirrors kmalloc: the same gfp rules, ZERO_SIZE_PTR for empty
 * requests, and a free that needs neither a size nor a pool.  Blocks come from
 * named pools (struct pa_pool); pa_alloc() and friends use the pool "default".
 * Documentation/pool_alloc.rst describes the design and the debugfs files.
 */
#ifndef _POOL_ALLOC_H
#define _POOL_ALLOC_H

#include <linux/types.h>
#include <linux/gfp.h>
#include <linux/stddef.h>

/* Longest pool name, including the terminating NUL. */
#define PA_POOL_NAME_MAX	32

/*
 * pa_pool_create() flags.  PA_POOL_DEBUG: guard bytes, fill patterns, a
 * quarantine and a report of every misuse (Documentation/pool_alloc.rst,
 * "Debug mode").  pa_pool_create() refuses any other bit.
 */
#define PA_POOL_DEBUG		BIT(0)
#define PA_POOL_FLAGS_VALID	PA_POOL_DEBUG

struct pa_pool;

/**
 * struct pa_stats - a snapshot of an allocator pool's counters
 * @allocs: calls that returned a block (or a large allocation)
 * @frees: calls that freed one
 * @failures: allocation calls that returned NULL
 * @live_blocks: @allocs - @frees
 * @live_bytes_requested: sum of the sizes asked for by the live blocks
 * @live_bytes_allocated: sum of their usable sizes (class size or large size)
 * @large_live: live allocations above small_max
 * @large_bytes: their usable bytes
 * @arenas_current: arenas held now
 * @arenas_highwater: most arenas ever held at once
 * @arenas_allocated: arenas taken from the page allocator
 * @arenas_reclaimed: arenas given back to it
 * @runs_in_use: runs assigned to a size class (a run is what pymalloc calls
 *	a pool: PA_RUN_SIZE bytes of blocks of one size)
 * @pages_held: pages held from the page allocator and vmalloc
 * @invalid_frees: pa_free()/pa_realloc() of pointers not handed out here
 *	(foreign or interior pointers)
 * @err_overflow_before: debug mode: blocks written before their start
 * @err_overflow_after: debug mode: blocks written past their request
 * @err_use_after_free: debug mode: freed blocks written in quarantine
 * @err_double_free: debug mode: blocks freed twice
 * @err_wrong_pool: pa_pool_free() of a block of another pool
 * @err_freelist: free blocks lost with a run whose free-list link a write
 *	after free damaged (the run is taken out of service)
 *
 * All counts are since the pool was created.
 */
struct pa_stats {
	u64 allocs, frees, failures;
	u64 live_blocks;
	u64 live_bytes_requested;
	u64 live_bytes_allocated;
	u64 large_live, large_bytes;
	u64 arenas_current, arenas_highwater, arenas_allocated, arenas_reclaimed;
	u64 runs_in_use;
	u64 pages_held;
	u64 invalid_frees;
	u64 err_overflow_before, err_overflow_after, err_use_after_free;
	u64 err_double_free, err_wrong_pool;
	u64 err_freelist;
};

/**
 * struct pa_allocator - an allocator for pa_alloc() and friends to call
 * @ctx: passed to each callback as it is
 * @alloc: pa_alloc(), pa_zalloc() (with __GFP_ZERO), pa_calloc() (with
 *	__GFP_ZERO, @size checked for overflow); @size is never 0
 * @realloc: pa_realloc(); @p is never NULL nor ZERO_SIZE_PTR, @size never 0
 * @free: pa_free(); @p is never NULL nor ZERO_SIZE_PTR
 *
 * @caller is the address that called the entry point.  The entry points
 * answer a size of 0, NULL and ZERO_SIZE_PTR themselves, and never call a
 * hook from NMI.  See pa_set_allocator().
 */
struct pa_allocator {
	void *ctx;
	void *(*alloc)(void *ctx, size_t size, gfp_t gfp, unsigned long caller);
	void *(*realloc)(void *ctx, const void *p, size_t size, gfp_t gfp,
			 unsigned long caller);
	void (*free)(void *ctx, const void *p, unsigned long caller);
};

void pa_get_allocator(struct pa_allocator *out);
int pa_set_allocator(const struct pa_allocator *a);

void *pa_alloc(size_t size, gfp_t gfp);
void *pa_zalloc(size_t size, gfp_t gfp);
void *pa_calloc(size_t n, size_t size, gfp_t gfp);
void *pa_realloc(const void *p, size_t new_size, gfp_t gfp);
void pa_free(const void *p);

struct rcu_head;
void pa_free_rcu_head(const void *p, struct rcu_head *head);
void pa_free_rcu_mightsleep(const void *p);

/**
 * pa_free_rcu() - free a block after an RCU grace period, as kfree_rcu()
 * @ptr: a block of any pool, or NULL
 * @rhf: the name of the struct rcu_head member of *@ptr
 *
 * Readers inside rcu_read_lock() when this is called may go on reading
 * *@ptr until they leave; the block is freed after that, in batches.
 * pa_pool_destroy() and module unload wait for every pending one.
 *
 * Context: any context but NMI.
 */
#define pa_free_rcu(ptr, rhf)						\
	do {								\
		typeof(ptr) ___p = (ptr);				\
									\
		if (___p)						\
			pa_free_rcu_head(___p, (void *)___p +		\
					 offsetof(typeof(*___p), rhf));	\
	} while (0)
size_t pa_usable_size(const void *p);
bool pa_owns(const void *p);

/**
 * struct pa_site - one call site's blocks, as the profiler counts them
 * @caller: the address that called the entry point
 * @live_bytes: bytes requested by its live blocks
 * @live_blocks: its live blocks
 * @allocs: allocations it made while the profiler was on
 */
struct pa_site {
	unsigned long caller;
	u64 live_bytes, live_blocks, allocs;
};

int pa_profile_start(void);
void pa_profile_stop(void);
int pa_profile_sites(struct pa_pool *pool, struct pa_site *out,
		     unsigned int max);

struct pa_pool *pa_pool_create(const char *name, unsigned int flags);
void pa_pool_destroy(struct pa_pool *pool);
void *pa_pool_alloc(struct pa_pool *pool, size_t size, gfp_t gfp);
void *pa_pool_zalloc(struct pa_pool *pool, size_t size, gfp_t gfp);
void pa_pool_free(struct pa_pool *pool, const void *p);
int pa_pool_validate(struct pa_pool *pool);
void pa_pool_stats(struct pa_pool *pool, struct pa_stats *out);

int pa_alloc_bulk(struct pa_pool *pool, size_t size, gfp_t gfp, size_t n,
		  void **p);
void pa_free_bulk(size_t n, void **p);

#endif /* _POOL_ALLOC_H */
