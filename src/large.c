// SPDX-License-Identifier: GPL-2.0
/*
 * Large requests: everything above small_max.
 *
 * Up to PA_LARGE_CONTIG_MAX (32 KiB, PAGE_ALLOC_COSTLY_ORDER) a request
 * gets physically contiguous pages first, as kvmalloc() answers it: a
 * compound page of the order that holds it, asked for without retrying or
 * warning when the caller may sleep, vmalloc memory of the same size when
 * the page allocator has none.  Larger requests get vmalloc memory when the
 * caller may sleep.  A caller that may not sleep gets pages in every case,
 * or NULL (vmalloc is not safe in atomic context on 6.1): above 32 KiB from
 * alloc_pages_exact().  So the usable size depends on the request alone:
 * the power-of-two pages up to 32 KiB, whole pages above.
 *
 * Each CPU keeps the last compound page it freed of each order up to
 * PAGE_ALLOC_COSTLY_ORDER (the stash: at most 1 + 2 + 4 + 8 pages), and the
 * next request of that order on that CPU takes it back without a round trip
 * through the page allocator, which costs several hundred instructions even
 * from its own per-CPU lists.  A slot is one word, claimed and filled with
 * cmpxchg, so any context and any CPU may empty it: the reaper empties a
 * slot that its CPU neither filled nor emptied since the previous pass, the
 * shrinker and module unload empty them all, and a dead CPU's are emptied
 * at once.
 * A page that another holder keeps (a client's get_page()) is not kept, nor
 * is any while debug_pagealloc or page poisoning wants to see pages freed.
 * Only a page of this CPU's memory node that no memory cgroup was charged
 * for is kept, and only a caller that does not ask for accounting is given
 * one, so that neither the node nor the charge of a page changes hands.
 * Stashed pages belong to no pool: no pool's pages_held counts them.

 * Every live large allocation is an entry of one open-addressed hash table
 * (linear probing, keyed by address), so that an allocation and a free add
 * no memory allocation of their own to vmalloc's and vfree's: one lock round
 * trip each.  pa_large_lock protects the table and every pool's large
 * counters; lookups take it too (they are not on any fast path).
 *
 * The table grows before it is half full: in the allocating task when it
 * may sleep, else from a work item.  An atomic caller that finds it three
 * quarters full tries to grow it with its own flags, and fails when that
 * fails.
 *
 * The kmalloc backend (backend=kmalloc, PYTHONMALLOC=malloc's analogue)
 * sends every request of every pool here (pool.c gives each pool a
 * small_max of 0) and takes the memory from kmalloc(), or kvmalloc()
 * above KMALLOC_MAX_CACHE_SIZE when the caller may sleep.  The table keeps
 * what makes the API: ownership, refusal of foreign and freed pointers,
 * exact counters, and the pools' free-all.  The memory is kmalloc's
 * object of the exact request (but at least PA_ALIGN bytes), so KASAN,
 * kmemleak, KFENCE and slub_debug see the client's object as they see any
 * other: this file adds no kmemleak object of its own, and its KASAN
 * shaping only repeats kmalloc's, past a request below PA_ALIGN.
 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <linux/kmemleak.h>
#include <linux/llist.h>
#include <linux/hash.h>
#include <linux/debug_locks.h>
#include <linux/memcontrol.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "sanitize.h"

/* The largest order alloc_pages() accepts; the name changed in 6.8. */
#ifdef MAX_PAGE_ORDER
#define PA_PAGE_ORDER_MAX	MAX_PAGE_ORDER
#else
#define PA_PAGE_ORDER_MAX	(MAX_ORDER - 1)
#endif

/*
 * Requests up to this many bytes get contiguous pages first: the orders the
 * page allocator tries hard to keep available (PAGE_ALLOC_COSTLY_ORDER), and
 * kmalloc()'s own largest pages-backed objects in practice.
 */
#define PA_LARGE_CONTIG_MAX	(PAGE_SIZE << PAGE_ALLOC_COSTLY_ORDER)

/* Like kvmalloc(), refuse sizes no sane caller means: they overflow int. */
#define PA_LARGE_MAX		((size_t)INT_MAX)
/* A usable size, page-rounded or not, fits an entry's u32. */
static_assert(PAGE_ALIGN(PA_LARGE_MAX) <= U32_MAX);

/*
 * The first table: 512 entries of 24 bytes (12 KiB), enough for 256 live
 * allocations before it grows.
 */
#define PA_LARGE_BITS_MIN	9

/* The stash holds a page of each order up to this one. */
#define PA_STASH_ORDERS		(PAGE_ALLOC_COSTLY_ORDER + 1)
static_assert(PAGE_SIZE << (PA_STASH_ORDERS - 1) == PA_LARGE_CONTIG_MAX);

/* ---- Data -------------------------------------------------------------- */

/* A live large allocation; an entry with @addr 0 is empty. */
struct pa_large {
	unsigned long addr;
	struct pa_pool *pool;
	u32 usable;			/* bytes */
	u32 requested:31;		/* bytes: at most PA_LARGE_MAX */
	/* vmalloc, else alloc_pages_exact() or (kmalloc backend) kmalloc() */
	u32 vmapped:1;
};

/*
 * backend=kmalloc: set once, at load, before the first pool exists.  Not
 * __ro_after_init: the KUnit suites read it through a symbol export.
 */
bool pa_large_kmalloc __read_mostly;
EXPORT_SYMBOL_IF_KUNIT(pa_large_kmalloc);

struct pa_large_table {
	unsigned int bits;		/* 1 << bits entries */
	unsigned int count;		/* live entries */
	struct pa_large entry[];
};

static DEFINE_SPINLOCK(pa_large_lock);
static struct pa_large_table *pa_large_table;	/* under pa_large_lock */

/*
 * vfree() may sleep.  A vmalloc block freed where sleeping is not allowed is
 * queued here, linked through its own first bytes, and freed by a worker
 * (6.12 does not export vfree_atomic()).
 */
static LLIST_HEAD(deferred_vfree);

static void deferred_vfree_fn(struct work_struct *work)
{
	struct llist_node *node, *next;

	llist_for_each_safe(node, next, llist_del_all(&deferred_vfree))
		vfree(node);
}

static DECLARE_WORK(deferred_vfree_work, deferred_vfree_fn);

static void table_grow_fn(struct work_struct *work);
static DECLARE_WORK(table_grow_work, table_grow_fn);

/*
 * A CPU's stash: @page[order] is a freed compound page's address, or NULL.
 * Only its own CPU fills a slot, with preemption disabled; any CPU may
 * empty one (xchg or cmpxchg: whoever turns it to NULL owns the page).
 * @used[order] says the slot was filled or emptied on its CPU since the
 * CPU's reaper last looked.
 */
struct pa_large_stash {
	void *page[PA_STASH_ORDERS];
	bool used[PA_STASH_ORDERS];
};

static DEFINE_PER_CPU(struct pa_large_stash, pa_large_stash);

/* ---- The table --------------------------------------------------------- */

static unsigned int table_size(const struct pa_large_table *t)
{
	return 1U << t->bits;
}

/* Time to grow: half full.  Refuse entries: three quarters full. */
static bool table_wants_room(const struct pa_large_table *t)
{
	return t->count >= table_size(t) / 2;
}

static bool table_full(const struct pa_large_table *t)
{
	return t->count >= table_size(t) / 4 * 3;
}

static unsigned int table_home(const struct pa_large_table *t,
			       unsigned long addr)
{
	/*
	 * Addresses are page aligned, or kmalloc's (ARCH_KMALLOC_MINALIGN):
	 * drop the bits that are always 0, or blocks of one page would share
	 * a home.
	 */
	return hash_long(addr >> ilog2(ARCH_KMALLOC_MINALIGN), t->bits);
}

static struct pa_large *table_find(struct pa_large_table *t,
				   unsigned long addr)
{
	unsigned int mask = table_size(t) - 1, i;

	lockdep_assert_held(&pa_large_lock);
	for (i = table_home(t, addr); t->entry[i].addr; i = (i + 1) & mask)
		if (t->entry[i].addr == addr)
			return &t->entry[i];
	return NULL;
}

/* Enter @addr, which @t lacks, in @t, which has room; fill in the rest. */
static struct pa_large *table_insert(struct pa_large_table *t,
				     unsigned long addr)
{
	unsigned int mask = table_size(t) - 1, i;

	for (i = table_home(t, addr); t->entry[i].addr; i = (i + 1) & mask)
		;
	t->entry[i].addr = addr;
	t->count++;
	return &t->entry[i];
}

/*
 * Remove entry @e, moving later entries of its probe run back into the hole
 * so that no lookup stops short (no tombstones).
 */
static void table_remove(struct pa_large_table *t, struct pa_large *e)
{
	unsigned int mask = table_size(t) - 1;
	unsigned int hole = e - t->entry, i = hole, home;

	lockdep_assert_held(&pa_large_lock);
	for (;;) {
		i = (i + 1) & mask;
		if (!t->entry[i].addr)
			break;
		home = table_home(t, t->entry[i].addr);
		/* Entry i may move to the hole if the hole is on its path. */
		if (((i - home) & mask) >= ((i - hole) & mask)) {
			t->entry[hole] = t->entry[i];
			hole = i;
		}
	}
	t->entry[hole].addr = 0;
	t->count--;
}

static struct pa_large_table *table_alloc(unsigned int bits, gfp_t gfp)
{
	size_t size = struct_size_t(struct pa_large_table, entry, 1UL << bits);
	struct pa_large_table *t;

	if (pa_fault_should_fail(size, gfp))
		return NULL;
	t = kvzalloc(size, gfp);
	if (!t)
		return NULL;
	t->bits = bits;
	/*
	 * Its addresses are no references: a block only the table knows is
	 * a leak of the client's, which kmemleak must see.
	 */
	kmemleak_no_scan(t);
	return t;
}

/*
 * Free a table no one can see any more.  An atomic caller that grew the
 * table may not vfree() the old one: a vmalloc table goes to the worker.
 */
static void table_free(struct pa_large_table *t)
{
	if (is_vmalloc_addr(t) && !(preemptible() && !rcu_preempt_depth())) {
		llist_add((struct llist_node *)t, &deferred_vfree);
		schedule_work(&deferred_vfree_work);
		return;
	}
	kvfree(t);
}

/* Double the table unless someone did. */
static void table_grow(gfp_t gfp)
{
	struct pa_large_table *old, *new;
	unsigned long flags;
	unsigned int bits, i;

	spin_lock_irqsave(&pa_large_lock, flags);
	bits = pa_large_table->bits + 1;
	spin_unlock_irqrestore(&pa_large_lock, flags);

	/* Growth is opportunistic: a full table is retried by the caller. */
	new = table_alloc(bits, (gfp | __GFP_NOWARN) & ~__GFP_NOFAIL);
	if (!new)
		return;
	spin_lock_irqsave(&pa_large_lock, flags);
	old = pa_large_table;
	if (old->bits >= bits || !table_wants_room(old)) {
		spin_unlock_irqrestore(&pa_large_lock, flags);
		table_free(new);
		return;
	}
	for (i = 0; i < table_size(old); i++)
		if (old->entry[i].addr)
			*table_insert(new, old->entry[i].addr) = old->entry[i];
	pa_large_table = new;
	spin_unlock_irqrestore(&pa_large_lock, flags);
	table_free(old);
}

static void table_grow_fn(struct work_struct *work)
{
	table_grow(GFP_KERNEL);
}

/* ---- The stash --------------------------------------------------------- */

/*
 * A page of @size bytes (a usable size up to PA_LARGE_CONTIG_MAX) from
 * this CPU's stash, zeroed if @gfp asks, or NULL.
 */
static void *stash_take(size_t size, gfp_t gfp)
{
	unsigned int order = get_order(size);
	struct pa_large_stash *stash;
	void *addr;

	if (gfp & __GFP_ACCOUNT)
		return NULL;
	stash = get_cpu_ptr(&pa_large_stash);
	addr = READ_ONCE(stash->page[order]);
	if (addr && cmpxchg(&stash->page[order], addr, NULL) == addr)
		WRITE_ONCE(stash->used[order], true);
	else
		addr = NULL;
	put_cpu_ptr(&pa_large_stash);
	/*
	 * Zeroed whenever asked: init_on_free's wipe as it was kept is not
	 * relied on (the userspace build turns the option on and off).
	 */
	if (addr && want_init_on_alloc(gfp)) {
		pa_sanitize_open(addr, size);
		memset(addr, 0, size);
	}
	return addr;
}

/*
 * Keep @addr, a compound page of @size bytes that kmemleak no longer
 * knows, in this CPU's stash.  Return: false when the slot is taken or the
 * page may not be kept, and the caller frees it.
 */
static bool stash_put(void *addr, size_t size)
{
	unsigned int order = get_order(size);
	struct page *page = virt_to_page(addr);
	struct pa_large_stash *stash;
	bool kept;

	/*
	 * Not a page that someone else still holds (a client's get_page():
	 * __free_pages() only drops our reference), that a memcg was charged
	 * for, or that the page allocator's own debugging (unmapping,
	 * poisoning, debug objects, which modules cannot call) must see
	 * freed.  Lockdep's check of a free is made here.
	 */
	if (READ_ONCE(raw_cpu_ptr(&pa_large_stash)->page[order]) ||
	    page_ref_count(page) != 1 || PageMemcgKmem(page) ||
	    IS_ENABLED(CONFIG_DEBUG_OBJECTS_FREE) ||
	    debug_pagealloc_enabled_static() || page_poisoning_enabled_static())
		return false;
	debug_check_no_locks_freed(addr, size);
	/* The page allocator would have wiped it now: so does the stash. */
	if (want_init_on_free()) {
		pa_sanitize_open(addr, size);
		memset(addr, 0, size);
	}
	pa_sanitize_poison(addr, size);
	/*
	 * Preemption off: the slot is an online CPU's, of the node this CPU
	 * allocates from, and @used is its own.
	 */
	stash = get_cpu_ptr(&pa_large_stash);
	kept = page_to_nid(page) == numa_mem_id() &&
	       !cmpxchg(&stash->page[order], NULL, addr);
	if (kept)
		WRITE_ONCE(stash->used[order], true);
	put_cpu_ptr(&pa_large_stash);
	return kept;
}

/*
 * Give the page in @slot, of @order, back to the page allocator.
 * Return: the pages given back, 0 when the slot was empty.
 */
static unsigned int stash_release(void **slot, unsigned int order)
{
	void *addr = xchg(slot, NULL);

	if (!addr)
		return 0;
	__free_pages(virt_to_page(addr), order);
	return 1U << order;
}

/* ---- Internals --------------------------------------------------------- */

static void large_release_memory(void *addr, size_t size, bool vmapped)
{
	if (!vmapped && pa_large_kmalloc) {
		kfree(addr);
	} else if (!vmapped && size <= PA_LARGE_CONTIG_MAX) {
		kmemleak_free(addr);
		if (!stash_put(addr, size))
			__free_pages(virt_to_page(addr), get_order(size));
	} else if (!vmapped) {
		kmemleak_free(addr);
		free_pages_exact(addr, size);
	} else if (preemptible() && !rcu_preempt_depth()) {
		vfree(addr);
	} else {
		/* The link goes in the first word, past a shrunk request. */
		pa_sanitize_open(addr, size);
		llist_add(addr, &deferred_vfree);
		schedule_work(&deferred_vfree_work);
	}
}

/*
 * Whether a request of @size bytes with @gfp may get vmalloc memory: any
 * that may sleep, in the pool backend.  The kmalloc backend's go to
 * kvmalloc() above KMALLOC_MAX_CACHE_SIZE, and only with GFP_KERNEL's
 * flags, since 6.1's kvmalloc() gives anything else to kmalloc() alone.
 */
static bool large_may_vmap(size_t size, gfp_t gfp)
{
	if (!pa_large_kmalloc)
		return gfpflags_allow_blocking(gfp);
	return size > KMALLOC_MAX_CACHE_SIZE && (gfp & GFP_KERNEL) == GFP_KERNEL;
}

/*
 * Pages for a large block of @size bytes (its usable size): a compound
 * page up to PA_LARGE_CONTIG_MAX, as kmalloc() gives for these sizes, so
 * that a client's get_page() on any of them works as on kmalloc's memory;
 * alloc_pages_exact() above.  Reported when leaked, as vmalloc's blocks are.
 */
static void *large_get_pages(size_t size, gfp_t gfp)
{
	struct page *page;
	void *addr;

	if (pa_fault_should_fail(size, gfp))
		return NULL;
	if (size > PA_LARGE_CONTIG_MAX) {
		addr = alloc_pages_exact(size, gfp);
	} else {
		addr = stash_take(size, gfp);
		if (!addr) {
			page = alloc_pages(gfp | __GFP_COMP, get_order(size));
			addr = page ? page_address(page) : NULL;
		}
	}
	if (addr)
		kmemleak_alloc(addr, size, 1, pa_meta_gfp(gfp));
	return addr;
}

/*
 * The memory of a large block of @size bytes (its usable size): pages first
 * up to PA_LARGE_CONTIG_MAX, vmalloc memory when @vmap allows it, and the
 * page allocator alone when it does not, which must not see __GFP_NOFAIL
 * above order 1 (pa_large_alloc() tries again instead).  In the kmalloc
 * backend, kvmalloc() when @vmap, else kmalloc(), neither of which sees
 * __GFP_NOFAIL either.
 */
static void *large_get_memory(size_t size, gfp_t gfp, bool vmap)
{
	gfp_t mem = gfp & ~(__GFP_COMP | GFP_ZONEMASK);
	void *addr;

	if (pa_large_kmalloc) {
		if (pa_fault_should_fail(size, gfp))
			return NULL;
		if (vmap)
			return kvmalloc(size, mem & ~__GFP_NOFAIL);
		return kmalloc(size, mem & ~__GFP_NOFAIL);
	}
	if (!vmap)
		return large_get_pages(size, mem & ~__GFP_NOFAIL);
	/* As kvmalloc(): no retrying, no warning, while vmalloc is left. */
	if (size <= PA_LARGE_CONTIG_MAX) {
		addr = large_get_pages(size, (mem | __GFP_NORETRY | __GFP_NOWARN) &
				       ~__GFP_NOFAIL);
		if (addr)
			return addr;
	}
	if (pa_fault_should_fail(size, gfp))
		return NULL;
	return __vmalloc(size, mem);
}

/*
 * Count entry @e in (@sign 1) or out of (-1) its pool's live counters.  The
 * entries above small_max are the large blocks of the statistics: all of
 * them in the pool backend, the big ones in the kmalloc backend.
 */
static void large_count(const struct pa_large *e, int sign)
{
	struct pa_pool *pool = e->pool;

	lockdep_assert_held(&pa_large_lock);
	pool->large_live += sign;
	pool->large_bytes += sign * (s64)e->usable;
	pool->large_requested += sign * (s64)e->requested;
	if (e->usable > pa_small_max) {
		pool->large_above_live += sign;
		pool->large_above_bytes += sign * (s64)e->usable;
	}
}

/*
 * Add an allocation of @size bytes, @usable with its slack, to the table
 * and its pool's counters.
 */
static int large_enter(struct pa_pool *pool, void *addr, size_t size,
		       size_t usable, bool vmapped, gfp_t gfp)
{
	unsigned long flags;
	struct pa_large *e;
	bool grow;

	spin_lock_irqsave(&pa_large_lock, flags);
	grow = table_wants_room(pa_large_table);
	/*
	 * A caller that may sleep grows the table itself; any other leaves
	 * it to the work item, unless the table is too full to wait for it
	 * (the kmalloc backend's atomic bursts): then it tries with its own
	 * flags before it fails.
	 */
	if (unlikely(grow) && (gfpflags_allow_blocking(gfp) ||
			       table_full(pa_large_table))) {
		spin_unlock_irqrestore(&pa_large_lock, flags);
		table_grow(pa_meta_gfp(gfp));
		spin_lock_irqsave(&pa_large_lock, flags);
	}
	if (unlikely(table_wants_room(pa_large_table)) &&
	    !gfpflags_allow_blocking(gfp))
		schedule_work(&table_grow_work);
	if (unlikely(table_full(pa_large_table))) {
		spin_unlock_irqrestore(&pa_large_lock, flags);
		return -ENOMEM;
	}
	e = table_insert(pa_large_table, (unsigned long)addr);
	e->pool = pool;
	e->usable = usable;
	e->requested = size;
	e->vmapped = vmapped;
	pool->large_allocs++;
	large_count(e, 1);
	spin_unlock_irqrestore(&pa_large_lock, flags);
	return 0;
}

/*
 * Take entry @e out of the table and its pool's counters.
 * Return: the usable size it had.
 */
static size_t large_forget(struct pa_large *e)
{
	size_t usable = e->usable;

	lockdep_assert_held(&pa_large_lock);
	e->pool->large_frees++;
	large_count(e, -1);
	table_remove(pa_large_table, e);
	return usable;
}

/*
 * Whether @p can start a large allocation: a page in the pool backend, a
 * kmalloc object in the kmalloc backend.
 */
static bool large_aligned(const void *p)
{
	return IS_ALIGNED((unsigned long)p, pa_large_kmalloc ?
			  ARCH_KMALLOC_MINALIGN : PAGE_SIZE);
}

/* ---- Interface to the entry points ------------------------------------- */

/**
 * pa_large_usable() - the usable size pa_large_alloc() gives a request
 * @size: bytes requested, not 0
 *
 * In the pool backend, the power-of-two pages that hold it up to
 * PA_LARGE_CONTIG_MAX (kmalloc()'s rounding for these sizes), whole pages
 * above, whichever memory the block gets.  In the kmalloc backend, the request, but
 * at least PA_ALIGN bytes, so that kmalloc's smallest objects keep the
 * API's 16-byte alignment and free-all has room for its chain.
 *
 * Context: any context.
 * Return: the usable size.
 */
size_t pa_large_usable(size_t size)
{
	if (pa_large_kmalloc)
		return max_t(size_t, size, PA_ALIGN);
	if (size <= PA_LARGE_CONTIG_MAX)
		return PAGE_SIZE << get_order(size);
	return PAGE_ALIGN(size);
}

/**
 * pa_large_alloc() - allocate more than small_max bytes (any size, in the
 *	kmalloc backend)
 * @pool: the pool that will own the allocation
 * @size: more than small_max, or in the kmalloc backend more than 0
 * @gfp: up to 32 KiB contiguous pages are tried first; vmalloc is used when
 *	@gfp allows blocking, else the page allocator; the kmalloc backend uses
 *	kmalloc, or kvmalloc when it may sleep
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: page-aligned memory (kmalloc's alignment in the kmalloc
 * backend), or NULL (counted in the pool's failures).
 */
void *pa_large_alloc(struct pa_pool *pool, size_t size, gfp_t gfp)
{
	size_t usable = pa_large_usable(size);
	bool vmap = large_may_vmap(usable, gfp), vmapped;
	void *addr;

	/* What no number of tries can give is refused, __GFP_NOFAIL or not. */
	if (size > PA_LARGE_MAX ||
	    (!vmap && get_order(size) > PA_PAGE_ORDER_MAX))
		goto fail;
	for (;;) {
		addr = large_get_memory(usable, gfp, vmap);
		/* kvmalloc() chose: the entry says which memory it has. */
		vmapped = addr && is_vmalloc_addr(addr);
		if (addr && likely(!large_enter(pool, addr, size, usable,
						vmapped, gfp)))
			break;
		if (addr)
			large_release_memory(addr, usable, vmapped);
		if (!pa_meta_wait(gfp))
			goto fail;
	}
	/* KASAN: the slack past the request is a redzone. */
	pa_sanitize_shape(addr, size, usable);
	return addr;

fail:
	atomic64_inc(&pool->failures);
	return NULL;
}

/*
 * Whether @e answers for the pointer it is keyed by.  A debug pool's
 * entries are debug mode's blocks underneath (debug.c): the client's
 * pointer is inside one, and its start is none of the client's.
 */
static bool large_answers(const struct pa_large *e, bool client)
{
	return !client || !(e->pool->flags & PA_POOL_DEBUG);
}

/**
 * pa_large_free() - free a large allocation
 * @p: a pointer in no arena, not NULL or ZERO_SIZE_PTR
 * @client: @p is a client's pointer (the entry points'), not debug mode's
 *
 * Removing the table entry is what claims the allocation, so of two racing
 * frees of one pointer only one succeeds.
 *
 * Context: any context but NMI.
 * Return: true when @p was a live large allocation and is freed; false when
 * it is not one, and nothing was done.
 */
bool pa_large_free(const void *p, bool client)
{
	unsigned long flags;
	struct pa_large *e;
	size_t usable;
	bool vmapped;

	if (!large_aligned(p))
		return false;
	spin_lock_irqsave(&pa_large_lock, flags);
	e = table_find(pa_large_table, (unsigned long)p);
	if (unlikely(!e || !large_answers(e, client))) {
		spin_unlock_irqrestore(&pa_large_lock, flags);
		return false;
	}
	vmapped = e->vmapped;
	usable = large_forget(e);
	spin_unlock_irqrestore(&pa_large_lock, flags);
	large_release_memory((void *)p, usable, vmapped);
	return true;
}

/**
 * pa_large_query() - describe, and optionally resize, a large allocation
 * @p: any pointer but NULL
 * @resize: when non-zero and no larger than the allocation, the new request
 *	size to record for it
 * @info: filled in when @p is a live large allocation
 * @client: @p is a client's pointer (the entry points'), not debug mode's
 *
 * Context: any context but NMI.
 * Return: PA_LIVE or PA_NOT_OURS; @info->requested is the size before any
 * resize.
 */
enum pa_lookup pa_large_query(const void *p, size_t resize,
			      struct pa_block_info *info, bool client)
{
	enum pa_lookup found = PA_NOT_OURS;
	unsigned long flags;
	struct pa_large *e;

	if (!large_aligned(p))
		return PA_NOT_OURS;
	spin_lock_irqsave(&pa_large_lock, flags);
	e = table_find(pa_large_table, (unsigned long)p);
	if (e && large_answers(e, client)) {
		found = PA_LIVE;
		info->pool = e->pool;
		info->usable = e->usable;
		info->requested = e->requested;
		/* The request field holds PA_LARGE_MAX, one byte short of 2 GiB. */
		if (resize && resize <= min_t(size_t, info->usable,
					      PA_LARGE_MAX)) {
			large_count(e, -1);
			e->requested = resize;
			large_count(e, 1);
		}
	}
	spin_unlock_irqrestore(&pa_large_lock, flags);
	return found;
}

/**
 * pa_large_sum() - add a pool's large allocations to @st
 * @pool: the pool
 * @st: the sum so far; allocs and frees included
 *
 * Context: any context but NMI.
 */
void pa_large_sum(struct pa_pool *pool, struct pa_stats *st)
{
	unsigned long flags;

	spin_lock_irqsave(&pa_large_lock, flags);
	st->allocs += pool->large_allocs;
	st->frees += pool->large_frees;
	st->live_blocks += pool->large_live;
	st->large_live += pool->large_above_live;
	st->large_bytes += pool->large_above_bytes;
	st->live_bytes_requested += pool->large_requested;
	st->live_bytes_allocated += pool->large_bytes;
	/* kmalloc's memory is the slab allocator's, not held by the pool. */
	if (!pa_large_kmalloc)
		st->pages_held += pool->large_bytes >> PAGE_SHIFT;
	spin_unlock_irqrestore(&pa_large_lock, flags);
}

/**
 * pa_large_walk() - call @fn on every live large block of a pool
 * @pool: the pool
 * @fn: called with the pool, the block and its usable size; returns how
 *	many problems it found there
 *
 * Context: any context but NMI.  Takes pa_large_lock: @fn must not sleep.
 * Return: the sum of what @fn returned.
 */
unsigned long pa_large_walk(struct pa_pool *pool,
			    unsigned int (*fn)(struct pa_pool *pool,
					       void *block, size_t usable))
{
	unsigned long flags, found = 0;
	struct pa_large_table *t;
	unsigned int i;

	spin_lock_irqsave(&pa_large_lock, flags);
	t = pa_large_table;
	for (i = 0; i < table_size(t); i++)
		if (t->entry[i].addr && t->entry[i].pool == pool)
			found += fn(pool, (void *)t->entry[i].addr,
				    t->entry[i].usable);
	spin_unlock_irqrestore(&pa_large_lock, flags);
	return found;
}

/**
 * pa_large_free_all() - free every large allocation of a pool
 * @pool: a pool no longer reachable by its clients
 *
 * The entries are taken out in one pass under the lock; the memory, which
 * may need vfree(), is released after it, chained through its own first
 * bytes meanwhile.
 *
 * Context: process context.
 */
void pa_large_free_all(struct pa_pool *pool)
{
	struct pa_large_table *t;
	unsigned long flags;
	void **chain = NULL;
	unsigned int i = 0;

	spin_lock_irqsave(&pa_large_lock, flags);
	t = pa_large_table;
	while (i < table_size(t)) {
		void **addr = (void **)t->entry[i].addr;

		if (!addr || t->entry[i].pool != pool) {
			i++;
			continue;
		}
		/*
		 * A later entry may move back into i: look at it again.  The
		 * chain's two words may be past a shrunk request.
		 */
		pa_sanitize_open(addr, t->entry[i].usable);
		((size_t *)addr)[1] = large_forget(&t->entry[i]);
		addr[0] = chain;
		chain = addr;
	}
	spin_unlock_irqrestore(&pa_large_lock, flags);

	while (chain) {
		void **next = chain[0];

		large_release_memory(chain, ((size_t *)chain)[1],
				     is_vmalloc_addr(chain));
		chain = next;
		cond_resched();
	}
}

/**
 * pa_large_stash_pages() - the pages every CPU's stash holds
 *
 * Context: any context; the sum is a snapshot, racing with the stashes.
 * Return: the pages.
 */
unsigned long pa_large_stash_pages(void)
{
	unsigned long pages = 0;
	unsigned int cpu, order;

	for_each_possible_cpu(cpu)
		for (order = 0; order < PA_STASH_ORDERS; order++)
			if (READ_ONCE(per_cpu_ptr(&pa_large_stash, cpu)->page[order]))
				pages += 1UL << order;
	return pages;
}
EXPORT_SYMBOL_IF_KUNIT(pa_large_stash_pages);

/**
 * pa_large_stash_drain() - give stashed pages back to the page allocator
 * @cpu: the CPU whose stash to empty, or -1 for every possible CPU's
 *
 * Context: any context but NMI.
 * Return: the pages given back.
 */
unsigned long pa_large_stash_drain(int cpu)
{
	unsigned long pages = 0;
	unsigned int c, order;

	for_each_possible_cpu(c) {
		if (cpu >= 0 && c != cpu)
			continue;
		for (order = 0; order < PA_STASH_ORDERS; order++)
			pages += stash_release(&per_cpu_ptr(&pa_large_stash, c)->page[order],
					       order);
	}
	return pages;
}
EXPORT_SYMBOL_IF_KUNIT(pa_large_stash_drain);

/**
 * pa_large_stash_reap() - the reaper's pass over this CPU's stash
 *
 * Gives back the page of every slot that was neither filled nor emptied
 * since the previous pass.
 *
 * Context: process context, on the CPU whose stash it is (a reaper).
 */
void pa_large_stash_reap(void)
{
	struct pa_large_stash *stash = get_cpu_ptr(&pa_large_stash);
	unsigned int order;

	for (order = 0; order < PA_STASH_ORDERS; order++) {
		if (READ_ONCE(stash->used[order]))
			WRITE_ONCE(stash->used[order], false);
		else
			stash_release(&stash->page[order], order);
	}
	put_cpu_ptr(&pa_large_stash);
}

/**
 * pa_large_init() - set up the table of large allocations
 * @kmalloc: serve every request of every pool from kmalloc (backend=kmalloc)
 *
 * Context: module load, before any pool is made.
 * Return: 0 or -ENOMEM.
 */
int pa_large_init(bool kmalloc)
{
	pa_large_kmalloc = kmalloc;
	pa_large_table = table_alloc(PA_LARGE_BITS_MIN, GFP_KERNEL);
	if (!pa_large_table)
		return -ENOMEM;
	if (kmalloc)
		pr_info("backend=kmalloc: every request is served by kmalloc, or kvmalloc above %lu bytes\n",
			(unsigned long)KMALLOC_MAX_CACHE_SIZE);
	return 0;
}

/**
 * pa_large_exit() - finish the deferred work, empty the stashes and free
 *	the table
 *
 * Context: process context, after every pool is destroyed.
 */
void pa_large_exit(void)
{
	cancel_work_sync(&table_grow_work);
	flush_work(&deferred_vfree_work);
	pa_large_stash_drain(-1);
	kvfree(pa_large_table);
	pa_large_table = NULL;
}
