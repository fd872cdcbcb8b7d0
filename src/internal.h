/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pool_alloc internals shared by the files of src/: the data structures, the
 * lock order, and the prototypes of every file, layer by layer.
 *
 * Data layout
 * ===========
 * A named pool (struct pa_pool) owns everything it hands out: a table of size
 * classes, the arenas its small blocks come from, and its large allocations.
 * Nothing is shared between pools but the run map and the large table.
 *
 *  - An arena (struct pa_arena) is one alloc_pages() block of order
 *    PA_ARENA_ORDER, or smaller when high orders are unavailable, never
 *    below PA_RUN_ORDER.  It is cut into runs of PA_RUN_SIZE bytes.
 *  - A run (struct pa_run) is what pymalloc calls a pool: PA_RUN_SIZE bytes
 *    of blocks of one size class.  It is called a run here so it cannot be
 *    confused with struct pa_pool.  Run headers live out of line, in the
 *    arena descriptor, so blocks start at the run's first byte and a
 *    power-of-two class is naturally aligned.  Blocks are carved lazily
 *    (nr_carved), and a freed block is pushed on the run's freelist through
 *    its first word.  A state array (struct pa_run_state) holds the size
 *    each block was asked for, 0 for a free one: a byte per block below
 *    PA_STATE_WIDE_MIN, two above.  It makes live_bytes_requested exact and
 *    lets a free refuse double and foreign frees without a lock.
 *  - A class (struct pa_class) keeps its partially used runs on fullness
 *    lists; refills take the fullest run, and a run whose last block comes
 *    back goes to its arena.  Full runs are on no list.
 *  - Arenas are listed by their number of free runs.  A new run comes from
 *    the arena with the fewest free runs (pymalloc's usable_arenas order), so
 *    lightly used arenas drain and are returned to the page allocator.  One
 *    empty arena per pool is kept as hysteresis.
 *  - Per-CPU caches (struct pa_cpu_cache, one per class per CPU) sit in
 *    front of the runs: a stack of free blocks that the CPU takes from and
 *    frees to with preemption disabled, the cache marked busy, and no lock
 *    (cache.h); an interrupt that finds it busy goes to the runs.  An
 *    empty cache is refilled with PA_CACHE_BATCH blocks from the fullest
 *    runs, a full one gives its PA_CACHE_BATCH oldest back, under the class
 *    lock.  A cached block is free: its state is 0, and the counters, kept
 *    per CPU in the cache, count it as freed.  Caches are drained when their
 *    CPU goes offline, by the shrinker, by a per-CPU reaper once a cache sat
 *    idle for PA_REAP_INTERVAL, and when the pool is destroyed.
 *  - Large requests (above small_max) are contiguous pages up to 32 KiB
 *    (vmalloc memory when there are none and the caller may sleep), above
 *    that vmalloc memory when the caller may sleep, otherwise pages; each
 *    is an entry of the large table (large.c), an open-addressed hash keyed
 *    by address.  With
 *    backend=kmalloc every request of every pool is one (small_max is 0),
 *    its memory kmalloc's or kvmalloc's.
 *
 * Lookup on free: the run map (map.c, a radix tree over the run index of
 * a direct-map address, its top level sized at load for MAX_PHYSMEM_BITS)
 * maps every run of every arena to its run, read without locks; the large
 * table is read under its lock.  A block's state entry then says whether
 * it is live (run.h).  Small lookups run with preemption disabled, which
 * is an RCU read-side section: run states and arena descriptors are freed
 * after a grace period, so a racing lookup of a stale pointer reads valid
 * memory and is refused.  pa_pool_delete() waits for a grace period before
 * freeing.
 *
 * Lock order
 * ==========
 *  1. pa_hook_lock (mutex)       the installed allocator hook (main.c); held
 *                                across synchronize_srcu() and the static
 *                                branch switch, which takes the CPU hotplug
 *                                lock.  profile_mutex (profile.c) is taken
 *                                at the same level, never with it.
 *  2. entry_lock (mutex)         the holders of the entry points' slow paths
 *                                (entry.c), held across their key's switch;
 *                                taken under the kernel's tracepoints_mutex
 *                                when an event's first probe registers
 *                                (trace.c)
 *  3. CPU hotplug lock (the hotplug callbacks run under it)
 *  4. pa_pools_lock (mutex)      the list of pools, their debugfs directories
 *                                (pool.c: pa_pool_lock())
 *  5. pa_class.lock (spinlock)   \
 *     pa_pool.arena_lock         | leaf locks: none of them is ever held
 *     pa_large_lock              | while another is taken
 *     rcu_batch.lock (rcu.c)     /
 *
 * pa_class.lock protects the class's runs (freelists, nr_used, nr_carved,
 * fullness lists) and the class's run counts.  A CPU's cache is protected by
 * its busy mark, set with preemption disabled (cache.h); only a dead
 * CPU's cache is touched from another CPU.  pa_pool.arena_lock protects the
 * arena lists, each arena's free runs and the arena counters.  pa_large_lock (large.c)
 * protects the large table and every pool's large counters.  Every spinlock
 * is taken with interrupts disabled: any non-blocking gfp may be used from
 * hard or soft interrupt context.  Pages are never allocated with a spinlock
 * held or interrupts disabled by us; the caller's gfp decides whether that
 * may sleep.  The shrinker and the reaper only trylock pa_pools_lock, which
 * is held across allocations.
 */
#ifndef _PA_INTERNAL_H
#define _PA_INTERNAL_H

/*
 * On PREEMPT_RT, spinlock_t sleeps: the class and arena locks could not be
 * taken with interrupts disabled, nor pages freed there.  Not supported yet.
 */
#ifdef CONFIG_PREEMPT_RT
#error "pool_alloc does not support PREEMPT_RT kernels yet"
#endif

#include <linux/list.h>
#include <linux/spinlock.h>
#include <linux/rcupdate.h>
#include <linux/mm.h>
#include <linux/log2.h>
#include <linux/string.h>
#include <linux/jump_label.h>
#include <linux/sched/mm.h>
#include "../pool_alloc.h"

/*
 * Debug mode's bytes around each block (debug.c): a 16-byte head before the
 * client's data (request, serial, 8 guard bytes), at least 8 guard bytes
 * after it, and a 16-byte tail record at the end of the block.
 */
#define PA_DEBUG_OVERHEAD	40

/* A run is 16 KiB: pymalloc's pool size, and four blocks of the 4 KiB class. */
#define PA_RUN_ORDER		2
#define PA_RUN_SIZE		(PAGE_SIZE << PA_RUN_ORDER)
/*
 * Arenas are 256 KiB: large enough to amortise the arena bookkeeping over
 * 16 runs, small enough that a pool used by one client does not pin a
 * megabyte, and only order 6, well below the pageblock order that the page
 * allocator has to compact to satisfy.
 */
#define PA_ARENA_ORDER		6
#define PA_RUNS_PER_ARENA	(1U << (PA_ARENA_ORDER - PA_RUN_ORDER))

/* pymalloc's 64-bit alignment, and the smallest class. */
#define PA_ALIGN		16
#define PA_ALIGN_SHIFT		4
/* small_max may range from pymalloc's 512 to two blocks per run. */
#define PA_SMALL_MAX_MIN	512
#define PA_SMALL_MAX_MAX	(PA_RUN_SIZE / 2)
#define PA_SMALL_MAX_DEFAULT	8192
/*
 * Above 512 bytes classes grow by an eighth (so rounding wastes at most
 * 12.5% of a request), but never by more than 128 bytes: the big classes
 * have few blocks per run, so finer steps cost little, and above 1 KiB they
 * halve the worst-case waste.
 */
#define PA_COARSE_STEP_MAX	128
#define PA_MAX_CLASSES		96
/* Fullness lists per class: quarters of a run. */
#define PA_FULLNESS_GROUPS	4
#define PA_RUN_FULL		PA_FULLNESS_GROUPS
#define PA_CLASS_NONE		0xff

static_assert(PA_RUN_ORDER <= PA_ARENA_ORDER);
/* nr_blocks of a run of the smallest class must fit a u16. */
static_assert(ilog2(PA_RUN_SIZE / PA_ALIGN) < 16);
/*
 * Blocks of classes below this record their request in one byte (a request
 * is 1..class size, 0 marks a free block); larger classes use two bytes, which
 * hold any request up to PA_SMALL_MAX_MAX.
 */
#define PA_STATE_WIDE_MIN	256
static_assert(ilog2(PA_SMALL_MAX_MAX) < 16);
static_assert(PA_MAX_CLASSES < PA_CLASS_NONE);

/*
 * Per-CPU caches: blocks per CPU per class, and how many move at once.  A
 * cache refilled to BATCH and flushed down to SIZE - BATCH absorbs any run
 * of up to BATCH allocations or frees without touching the runs; with 16/8,
 * ten allocations then ten frees refilled and flushed every time.
 */
#define PA_CACHE_SIZE		32
#define PA_CACHE_BATCH		16
static_assert(PA_CACHE_BATCH <= PA_CACHE_SIZE);
/* A cache untouched for this long is flushed by its CPU's reaper. */
#define PA_REAP_INTERVAL	(2 * HZ)

struct pa_arena;
struct pa_quarantine;

/* What debug mode detects, each with its counter in struct pa_pool. */
enum pa_err {
	PA_ERR_OVERFLOW_BEFORE,
	PA_ERR_OVERFLOW_AFTER,
	PA_ERR_USE_AFTER_FREE,
	PA_ERR_DOUBLE_FREE,
	PA_ERR_WRONG_POOL,
	PA_ERR_FREELIST,		/* every pool: blocks lost with a run */
	PA_ERR_COUNT
};

/*
 * What a run's blocks were asked for, indexed by block (each block's state
 * entry): a u8 per block when @wide is 0, a u16 when it is 1.  Freed after
 * an RCU grace period, and it carries its own class, block size and length,
 * so that a lockless lookup racing with the run's reuse stays within the
 * array it read, and the free path finds everything it needs in one place.
 */
struct pa_run_state {
	struct rcu_head rcu;
	struct pa_class *cls;
	u32 recip;			/* see pa_run_block_index() */
	u16 size;			/* the class size */
	u8 wide;
#ifdef CONFIG_DEBUG_KMEMLEAK
	/* A bit per block handed out in NMI, no kmemleak object (sanitize.h) */
	unsigned long *nmi;
#endif
	/*
	 * One entry per block, and one more for the slack at the end of the
	 * run when the class size does not divide PA_RUN_SIZE: that entry
	 * stays 0, so a pointer there is refused like a free block's.
	 */
	u8 data[] __aligned(2);
};

/* A run of PA_RUN_SIZE bytes holding blocks of one class (pymalloc's pool). */
struct pa_run {
	struct list_head node;		/* class fullness list or arena free list */
	void *freelist;			/* freed blocks, linked through word 0 */
	struct pa_run_state __rcu *state;	/* NULL while the run is free */
	struct pa_arena *arena;
	u16 nr_blocks;
	u16 nr_used;			/* blocks out of the run, cached ones too */
	u16 nr_carved;			/* blocks [0, nr_carved) were handed out */
	/* nr_used at which the run leaves its fullness list, up or down */
	u16 regroup_at, regroup_below;
	u8 class;			/* PA_CLASS_NONE while the run is free */
	u8 group;			/* fullness list, or PA_RUN_FULL */
};

/*
 * One CPU's cache of one class, and that CPU's share of the class counters:
 * everything the fast paths write is here, so no other CPU's line is touched.
 * The cached blocks are a stack, top at count - 1, kept as three arrays
 * (each block, its state entry, its run) so that the fast paths index them
 * without arithmetic.  Blocks handed out are not counted as they go:
 * allocations are what came in less what is left (pa_cache_sum()).
 */
struct pa_cpu_cache {
	unsigned int count;
	/* Copies of the class's, so that the fast paths read no shared line. */
	u16 size;
	u8 wide;
	u8 busy;			/* an operation is under way: cache.h */
	u64 frees;			/* blocks freed on this CPU */
	u64 filled;			/* blocks taken from runs */
	u64 flushed;			/* blocks given back to runs */
	s64 requested;			/* bytes asked for, less bytes freed */
	u64 reaped_ops;			/* allocs + frees when the reaper looked */
	void *block[PA_CACHE_SIZE];
	void *entry[PA_CACHE_SIZE];	/* their state entries */
	struct pa_run *run[PA_CACHE_SIZE];
};

struct pa_arena {
	struct list_head node;		/* pool->arenas[nr_free] */
	struct pa_pool *pool;
	struct page *page;
	unsigned int order;
	unsigned int nr_runs;
	unsigned int nr_free;
	struct list_head free_runs;
	struct rcu_head rcu;
	struct pa_run runs[];
};

/*
 * Counters and runs of one size class of one pool.  The fields the fast
 * paths read are set once, on a cache line of their own; the lock and what
 * it protects, written by every CPU that refills or flushes, on the next.
 */
struct pa_class {
	struct pa_cpu_cache __percpu *cache;
	struct pa_pool *pool;
	unsigned int size;
	unsigned int index;
	bool wide;			/* state entries are u16 */
	unsigned long secret;		/* the pool's, for free-list links */

	spinlock_t lock ____cacheline_aligned_in_smp;	/* what follows */
	struct list_head partial[PA_FULLNESS_GROUPS];	/* index: fullness */
	unsigned long nr_runs;
	unsigned long nr_blocks;	/* capacity of those runs */
	unsigned long nr_in_group[PA_RUN_FULL + 1];

	/*
	 * Blocks allocated and freed past the caches, by interrupts that found
	 * their CPU's cache busy, and the bytes they and in-place resizes add
	 * to the requests: no lock, and no CPU's cache, can hold these.
	 */
	atomic64_t direct_allocs, direct_frees, direct_requested;
} ____cacheline_aligned_in_smp;

struct pa_pool {
	char name[PA_POOL_NAME_MAX];
	struct list_head node;		/* the list of pools (pool.c) */
	struct dentry *debugfs;

	spinlock_t arena_lock;		/* the arena lists and counters */
	/* Arenas indexed by how many free runs they have. */
	struct list_head arenas[PA_RUNS_PER_ARENA + 1];
	unsigned int nr_empty_arenas;
	u64 arenas_current, arenas_highwater;
	u64 arenas_allocated, arenas_reclaimed;
	u64 arena_pages;

	/* Large allocations: counters under large.c's lock. */
	u64 large_allocs, large_frees;
	u64 large_live, large_bytes, large_requested;
	/* Those above small_max: all of them, but with backend=kmalloc. */
	u64 large_above_live, large_above_bytes;

	atomic64_t failures;
	atomic64_t invalid_frees;

	/* Debug mode (debug.c); err_wrong_pool counts for every pool. */
	unsigned int flags;			/* PA_POOL_DEBUG */
	/*
	 * pa_small_max, or 0 in debug mode and with backend=kmalloc: the
	 * allocation fast path's bound
	 */
	unsigned int small_max;
	unsigned long secret;		/* free-list links (class.c) */
	struct pa_quarantine *quarantine;	/* debug pools only */
	atomic_t serial;
	atomic64_t err[PA_ERR_COUNT];
	/*
	 * Freed blocks held back (quarantined or damaged), not yet freed;
	 * held_large of them, of held_large_bytes, above small_max.
	 */
	atomic64_t held_blocks, held_requested, held_usable;
	atomic64_t held_large, held_large_bytes;

	struct pa_class classes[];	/* pa_nr_classes of them */
};

/* pa_size_to_class[] holds class offsets in struct pa_pool. */
static_assert(offsetof(struct pa_pool, classes) +
	      PA_MAX_CLASSES * sizeof(struct pa_class) <= U16_MAX);

/* What a lookup found at a pointer. */
enum pa_lookup {
	PA_NOT_OURS,		/* in no arena and no large allocation */
	PA_LIVE,		/* the start of a live block */
	PA_BAD,			/* in an arena, but not a live block's start */
};

/* A block as a lookup describes it. */
struct pa_block_info {
	struct pa_pool *pool;	/* also set for PA_BAD */
	size_t usable;
	size_t requested;
	/* Small blocks only: */
	void *entry;
	unsigned int class;
	bool nmi;		/* handed out in NMI: no kmemleak object */
};

/* Where blocks taken from runs go, or come from when they go back. */
struct pa_blocks {
	void **block;
	void **entry;
	struct pa_run **run;
};

/*
 * Prototypes, by file, from the top layer down; each file calls only the
 * ones below it (Documentation/pool_alloc.rst, "File map").
 */

/* main.c: the entry points; the default pool is created at load. */
extern struct pa_pool *pa_default_pool;

/* debug.c: debug mode, hooked in at the entry points */
DECLARE_STATIC_KEY_FALSE(pa_debug_key);
int pa_debug_attach(struct pa_pool *pool);
void pa_debug_detach(struct pa_pool *pool);
void *pa_debug_alloc(struct pa_pool *pool, size_t size, gfp_t gfp);
bool pa_debug_free(const void *p, struct pa_pool *owner, const char *what,
		   unsigned long caller);
enum pa_lookup pa_debug_query(const void *p, struct pa_block_info *info);
int pa_debug_validate(struct pa_pool *pool);
#if IS_ENABLED(CONFIG_KUNIT)
void pa_debug_make_begin(struct pa_pool *pool);
void pa_debug_make_end(struct pa_pool *pool, bool made);
extern const struct kernel_param_ops pa_small_max_ops;
extern const struct kernel_param_ops pa_debug_ops;
extern struct notifier_block pa_hook_module_nb;
extern const struct kernel_param_ops pa_backend_ops;
#endif

/* rcu.c: frees after a grace period, through main.c's free path */
void pa_rcu_init(void (*free)(const void *block));
void pa_rcu_queue(const void *block, struct rcu_head *head);
bool pa_rcu_pending(void);
void pa_rcu_barrier(void);

/* debugfs.c */
void pa_debugfs_init(void);
void pa_debugfs_exit(void);
void pa_debugfs_add_pool(struct pa_pool *pool);
void pa_debugfs_remove_pool(struct pa_pool *pool);

/* reclaim.c: giving memory back (hotplug, shrinker, reaper) */
int pa_reclaim_init(void);
void pa_reclaim_exit(void);
#if IS_ENABLED(CONFIG_KUNIT)
struct shrinker;
struct shrink_control;
unsigned long pa_reclaim_count(struct shrinker *shrinker,
			       struct shrink_control *sc);
unsigned long pa_reclaim_scan(struct shrinker *shrinker,
			      struct shrink_control *sc);
unsigned long pa_reclaim_reap_now(unsigned int cpu, bool contend);
unsigned long pa_reclaim_first_delay(unsigned int cpu);
#endif

/* pool.c: creation, teardown and statistics; the list of pools */
bool pa_pool_name_valid(const char *name);
struct pa_pool *pa_pool_new(const char *name, unsigned int flags);
void pa_pool_delete(struct pa_pool *pool);
void pa_pool_sum(struct pa_pool *pool, struct pa_stats *st);
void pa_pool_lock(void);
bool pa_pool_trylock(void);
void pa_pool_unlock(void);
int pa_pool_link(struct pa_pool *pool);
void pa_pool_unlink(struct pa_pool *pool);
struct pa_pool *pa_pool_next(struct pa_pool *pool);

/* bulk.c: pa_alloc_bulk() and pa_free_bulk() past the caches */
size_t pa_bulk_alloc(struct pa_pool *pool, size_t size, gfp_t gfp, size_t n,
		     void **p);
size_t pa_bulk_free(size_t n, void **p);

/* cache.c: the per-CPU caches' slow paths (fast ones: cache.h) */
void *pa_cache_refill(struct pa_class *cls, struct pa_cpu_cache *c,
		      size_t size, gfp_t gfp);
void *pa_cache_alloc_direct(struct pa_class *cls, size_t size, gfp_t gfp);
void pa_cache_free_full(struct pa_class *cls, struct pa_cpu_cache *c,
			void *block, void *entry, struct pa_run *run,
			unsigned long requested);
void pa_cache_free_direct(struct pa_class *cls, void *block, void *entry,
			  struct pa_run *run, unsigned long requested);
void pa_cache_nmi_finish(void *block, unsigned long requested,
			 bool taken_back);
enum pa_lookup pa_cache_query(const void *p, struct pa_block_info *info);
enum pa_lookup pa_cache_resize(const void *p, size_t size,
			       struct pa_block_info *info, const char *what,
			       unsigned long caller);
unsigned int pa_cache_drain_local(struct pa_pool *pool, bool idle_only);
void pa_cache_drain_cpu(struct pa_pool *pool, unsigned int cpu);
void pa_cache_drain_all(struct pa_pool *pool);
unsigned long pa_cache_count(struct pa_pool *pool);
unsigned long pa_cache_bytes(struct pa_pool *pool);
void pa_cache_sum(struct pa_class *cls, u64 *allocs, u64 *frees,
		  s64 *requested, unsigned long *cached);

/* large.c: everything above small_max, beside the caches */
extern bool pa_large_kmalloc;
int pa_large_init(bool kmalloc);
size_t pa_large_usable(size_t size);
void *pa_large_alloc(struct pa_pool *pool, size_t size, gfp_t gfp);
bool pa_large_free(const void *p, bool client);
enum pa_lookup pa_large_query(const void *p, size_t resize,
			      struct pa_block_info *info, bool client);
void pa_large_sum(struct pa_pool *pool, struct pa_stats *st);
void pa_large_free_all(struct pa_pool *pool);
unsigned long pa_large_walk(struct pa_pool *pool,
			    unsigned int (*fn)(struct pa_pool *pool,
					       void *block, size_t usable));
unsigned long pa_large_stash_pages(void);
unsigned long pa_large_stash_drain(int cpu);
void pa_large_stash_reap(void);
void pa_large_exit(void);

/*
 * nmi.c: frees made in NMI, finished from irq_work through the paths that
 * main.c gives pa_nmi_init()
 */
void pa_nmi_init(void (*finish)(void *block, unsigned long requested,
				bool taken_back),
		 void (*free)(const void *p, struct pa_pool *pool,
			      const char *what, unsigned long caller));
void pa_nmi_defer_block(void *block, unsigned long requested,
			bool taken_back);
void pa_nmi_defer_free(const void *p, struct pa_pool *pool, const char *what,
		       unsigned long caller);
void pa_nmi_defer_refuse(const void *p, struct pa_pool *pool,
			 const char *what, unsigned long caller);
void pa_nmi_drain_all(void);

/* class.c: the size classes, and the runs of each */
extern unsigned int pa_small_max;
extern unsigned int pa_nr_classes;
extern unsigned int pa_class_size[PA_MAX_CLASSES];
extern u16 pa_size_to_class[PA_SMALL_MAX_MAX / PA_ALIGN + 1];
bool pa_class_is_boundary(unsigned int size);
int pa_class_table_init(unsigned int small_max);
void pa_class_table_exit(void);
int pa_class_init(struct pa_pool *pool, struct pa_class *cls,
		  unsigned int index);
void pa_class_destroy(struct pa_class *cls);
unsigned int pa_class_take(struct pa_class *cls, struct pa_blocks to,
			   unsigned int n);
void pa_class_flush(struct pa_class *cls, struct pa_blocks from,
		    unsigned int n);
struct pa_run *pa_class_grow(struct pa_class *cls, gfp_t gfp);
unsigned int pa_class_add_run(struct pa_class *cls, struct pa_run *run,
			      struct pa_blocks to, unsigned int n);

/*
 * The size class of a request of 1..pa_small_max bytes in @pool.  The table
 * holds each class's offset in struct pa_pool rather than its index, which
 * saves the fast path a multiplication.
 */
static __always_inline struct pa_class *pa_class_for(struct pa_pool *pool,
						     size_t size)
{
	return (void *)pool +
	       pa_size_to_class[(size + PA_ALIGN - 1) >> PA_ALIGN_SHIFT];
}

/*
 * The address of @arena's first run, from its pages: the descriptor keeps
 * no pointer to the first block, which kmemleak would take for a reference
 * to it and never report its leak.
 */
static inline unsigned long pa_arena_base(const struct pa_arena *arena)
{
	return (unsigned long)page_address(arena->page);
}

/* arena.c: pages cut into runs */
struct pa_run *pa_arena_take_run(struct pa_pool *pool, gfp_t gfp);
void pa_arena_put_run(struct pa_run *run);
void pa_arena_unmap_all(struct pa_pool *pool);
void pa_arena_free_all(struct pa_pool *pool);
unsigned long pa_arena_release_empty(struct pa_pool *pool);
unsigned long pa_arena_empty_pages(struct pa_pool *pool);
unsigned long pa_arena_walk(struct pa_pool *pool,
			    unsigned int (*fn)(struct pa_pool *pool,
					       void *block, size_t usable));

/* map.c: the run map; the lookup itself is inline, in map.h */
int pa_map_init(void);
int pa_map_add(struct pa_arena *arena, gfp_t gfp);
void pa_map_remove(struct pa_arena *arena);
void pa_map_exit(void);

/* report.c: what a client did wrong, counted and said */
void pa_report_invalid(struct pa_pool *pool, const char *what, const void *p,
		       unsigned long caller);
void pa_report_wrong_pool(struct pa_pool *pool, struct pa_pool *owner,
			  const void *p, unsigned long caller);
void pa_report_freelist(struct pa_pool *pool, unsigned int size,
			unsigned int lost);

/* A damaged debug block, as debug.c describes it to pa_report_misuse(). */
struct pa_report {
	enum pa_err err;
	const char *what;		/* the check's caller: an entry point */
	unsigned long caller;
	const void *ptr;		/* the client's pointer */
	const void *block;		/* the block around it */
	size_t usable;
	const void *damage;		/* the first bad byte, or NULL */
	size_t requested;
	u32 serial;
	u32 alloc_stack, free_stack;	/* stack depot handles, or 0 */
};

void pa_report_misuse(struct pa_pool *pool, const struct pa_report *r);

/*
 * entry.c: the entry points' slow paths, held by the hooks (main.c) and the
 * profiler; calls only the kernel.
 */
DECLARE_STATIC_KEY_FALSE(pa_entry_key);
extern unsigned int pa_entry_bound;
void pa_entry_init(unsigned int small_max);
void pa_entry_hold(void);
void pa_entry_release(void);

/*
 * profile.c: the per-call-site profiler, hooked in at the entry points
 * behind pa_profile_key; calls nothing of the allocator's.
 */
DECLARE_STATIC_KEY_FALSE(pa_profile_key);
extern const struct kernel_param_ops pa_profile_ops;
void pa_profile_init(void);
void pa_profile_exit(void);
void pa_profile_alloc(struct pa_pool *pool, const void *block, size_t size,
		      unsigned long caller);
void pa_profile_free(const void *block);
void pa_profile_resize(const void *block, size_t size);
void pa_profile_forget_pool(struct pa_pool *pool);

/* A call site as debugfs prints it: what its live blocks sum to. */
struct pa_profile_row {
	unsigned long caller;
	u64 bytes, blocks, allocs;
};

int pa_profile_rows(struct pa_pool *pool, struct pa_profile_row **rows);
int pa_profile_switch(bool on);
#if IS_ENABLED(CONFIG_KUNIT)
unsigned long pa_profile_traces(void);
void pa_profile_settle(void);
#endif

/*
 * fault.c: a leaf, in front of every request made of the kernel's allocators.
 * @size is what the request asks for; the check is compiled away without
 * CONFIG_FAULT_INJECTION.
 */
struct dentry;
#ifdef CONFIG_FAULT_INJECTION
bool pa_fault_should_fail(size_t size, gfp_t gfp);
void pa_fault_debugfs_init(struct dentry *root);
#if IS_ENABLED(CONFIG_KUNIT)
extern struct fault_attr pa_fault_attr;
#endif
#else
static inline bool pa_fault_should_fail(size_t size, gfp_t gfp)
{
	return false;
}

static inline void pa_fault_debugfs_init(struct dentry *root)
{
}
#endif

/*
 * The gfp for memory the allocator keeps for itself (arenas, descriptors,
 * map nodes): blocks are zeroed one by one, arenas are shared by every caller
 * of a pool so no one memcg pays for them, and they must be in the direct
 * map.  Zone modifiers are ignored, as documented.
 */
static inline gfp_t pa_meta_gfp(gfp_t gfp)
{
	return gfp & ~(__GFP_ZERO | __GFP_COMP | __GFP_ACCOUNT | GFP_ZONEMASK);
}

/*
 * __GFP_NOFAIL is honoured by trying again where the page allocator must
 * not see the flag (it warns on orders above 1): the caller asks without
 * it and, while this says so, waits and tries again.  As in the kernel,
 * only a caller that may sleep can be promised success: spinning in atomic
 * context would wait for reclaim that cannot run on this CPU.
 * Return: true after waiting, false when the caller must fail.
 */
static inline bool pa_meta_wait(gfp_t gfp)
{
	if (!(gfp & __GFP_NOFAIL) || !gfpflags_allow_blocking(gfp))
		return false;
	memalloc_retry_wait(gfp);
	return true;
}

#endif /* _PA_INTERNAL_H */
