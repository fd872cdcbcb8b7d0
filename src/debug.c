// SPDX-License-Identifier: GPL-2.0
/*
 * Debug mode: what CPython's PYTHONMALLOC=debug and SLUB's slab_debug give,
 * on any kernel, switched on per pool (PA_POOL_DEBUG) or for every pool
 * (debug=1).
 *
 * A debug block is a block of the pool's own machinery (small or large),
 * PA_DEBUG_OVERHEAD bytes larger than the request; the client gets the
 * address PA_DEBUG_HEAD bytes into it:
 *
 *   | head: request, serial, 8 x 0xFD | data | 0xFD ... | tail record |
 *   ^ the block                       ^ the client's pointer
 *
 * New data is filled with 0xCD unless zeroing was asked, freed data with
 * 0xDD.  The tail record keeps the stacks that allocated and freed the
 * block (stack depot handles), its state, and a copy of the request.  A
 * freed block waits in its pool's quarantine, a FIFO of at most
 * PA_QUARANTINE_BLOCKS blocks and PA_QUARANTINE_BYTES bytes, and is checked
 * as it leaves: only an intact block goes back to the pool; a damaged one
 * is never reused (held back for good, and counted as freed).  Each check
 * that fails counts in its own counter and makes one report (report.c).
 *
 * The entry points (main.c) come here first whenever some debug pool
 * exists (the static key pa_debug_key); a pool without the flag pays a
 * no-op jump on the fast paths until then.  This file calls down into the
 * caches, the large path and the walkers; its reads and writes of guards
 * and freed data are the allocator's own, made with KASAN reports off.
 */
#include <linux/jump_label.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/stackdepot.h>
#include <linux/stacktrace.h>
#include <linux/string.h>
#include <linux/overflow.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "cache.h"
#include "sanitize.h"

#define PA_DEBUG_GUARD		0xFD	/* CPython's PYMEM_FORBIDDENBYTE */
#define PA_DEBUG_NEW		0xCD	/* PYMEM_CLEANBYTE */
#define PA_DEBUG_DEAD		0xDD	/* PYMEM_DEADBYTE */
#define PA_DEBUG_GUARD_MIN	8

/*
 * A tail record's state: values no stray write is likely to make.  A block
 * found damaged is reported once: LIVE_DAMAGED while its client still has
 * it, HELD once freed, never to be reused.
 */
#define PA_DEBUG_LIVE		0x4c495645	/* "LIVE" */
#define PA_DEBUG_FREED		0x46524545	/* "FREE": quarantined */
#define PA_DEBUG_LIVE_DAMAGED	0x4c44414d	/* "LDAM" */
#define PA_DEBUG_HELD		0x48454c44	/* "HELD" */

/* Frames kept of each stack, and frames of debug mode's own to skip. */
#define PA_DEBUG_STACK_DEPTH	16
#define PA_DEBUG_STACK_SKIP	2

/*
 * The quarantine: large enough that a block is reused only after hundreds
 * of others were freed, small enough that a debug pool holds at most a
 * quarter of a MiB more than its client does.
 */
#define PA_QUARANTINE_BLOCKS	256
#define PA_QUARANTINE_BYTES	(256 * 1024)

struct pa_debug_head {
	u32 requested;
	u32 serial;
	u8 guard[PA_DEBUG_GUARD_MIN];
};

struct pa_debug_tail {
	u32 alloc_stack;		/* depot_stack_handle_t */
	u32 free_stack;
	u32 state;
	u32 requested;
};

#define PA_DEBUG_HEAD		sizeof(struct pa_debug_head)
static_assert(PA_DEBUG_HEAD == PA_ALIGN);
static_assert(sizeof(struct pa_debug_tail) == PA_ALIGN);
static_assert(sizeof(depot_stack_handle_t) == sizeof(u32));
static_assert(PA_DEBUG_HEAD + PA_DEBUG_GUARD_MIN +
	      sizeof(struct pa_debug_tail) == PA_DEBUG_OVERHEAD);

struct pa_quarantine {
	spinlock_t lock;		/* the FIFO; a leaf lock */
	unsigned int oldest, count;
	size_t bytes;
	void *block[PA_QUARANTINE_BLOCKS];	/* the blocks, not the clients' */
	unsigned int usable[PA_QUARANTINE_BLOCKS];
	/*
	 * Blocks being made (handed out underneath, their head and tail not
	 * yet written), and made so far: pa_debug_validate() trusts a finding
	 * only when no block was being made or finished while it looked.
	 */
	atomic_t making;
	atomic_t made;
};

DEFINE_STATIC_KEY_FALSE(pa_debug_key);

/* ---- Internals --------------------------------------------------------- */

/* A debug block as found from a client's pointer. */
struct debug_block {
	struct pa_pool *pool;
	u8 *block;			/* the underlying block */
	size_t usable;			/* its usable size */
	struct pa_debug_head *head;
	struct pa_debug_tail *tail;
	u8 *data;			/* the client's pointer */
};

static void debug_block_set(struct debug_block *d, struct pa_pool *pool,
			    void *block, size_t usable)
{
	d->pool = pool;
	d->block = block;
	d->usable = usable;
	d->head = block;
	d->tail = block + usable - sizeof(struct pa_debug_tail);
	d->data = block + PA_DEBUG_HEAD;
}

static depot_stack_handle_t save_stack(gfp_t gfp)
{
	unsigned long entries[PA_DEBUG_STACK_DEPTH];
	unsigned int n;

	if (!IS_ENABLED(CONFIG_STACKDEPOT))
		return 0;
	n = stack_trace_save(entries, ARRAY_SIZE(entries), PA_DEBUG_STACK_SKIP);
	return stack_depot_save(entries, n, pa_meta_gfp(gfp) & ~__GFP_DIRECT_RECLAIM);
}

/* Report @err about @d, counted in its pool; @damage: the first bad byte. */
static unsigned int debug_report(struct debug_block *d, enum pa_err err,
				 const void *damage, const char *what,
				 unsigned long caller)
{
	struct pa_report r = {
		.err = err, .what = what, .caller = caller, .ptr = d->data,
		.block = d->block, .usable = d->usable, .damage = damage,
		.requested = d->tail->requested, .serial = d->head->serial,
		.alloc_stack = d->tail->alloc_stack,
		.free_stack = d->tail->free_stack,
	};

	pa_report_misuse(d->pool, &r);
	return 1;
}

/*
 * Check the guards, and for a freed block its dead fill, without a word.
 * Return: the first problem, with *@damage its first bad byte, or
 * PA_ERR_COUNT when there is none (or it was reported when found).
 */
static enum pa_err debug_inspect(struct debug_block *d, const void **damage)
{
	struct pa_debug_tail *t = d->tail;
	size_t n = t->requested;
	const u8 *bad;

	if (t->state == PA_DEBUG_LIVE_DAMAGED || t->state == PA_DEBUG_HELD)
		return PA_ERR_COUNT;
	*damage = &t->state;
	if (t->state != PA_DEBUG_LIVE && t->state != PA_DEBUG_FREED)
		return PA_ERR_OVERFLOW_AFTER;
	*damage = d->head;
	if (n != d->head->requested ||
	    n > d->usable - PA_DEBUG_OVERHEAD)
		return PA_ERR_OVERFLOW_BEFORE;
	bad = memchr_inv(d->head->guard, PA_DEBUG_GUARD, PA_DEBUG_GUARD_MIN);
	*damage = bad;
	if (bad)
		return PA_ERR_OVERFLOW_BEFORE;
	bad = memchr_inv(d->data + n, PA_DEBUG_GUARD, (u8 *)t - (d->data + n));
	*damage = bad;
	if (bad)
		return PA_ERR_OVERFLOW_AFTER;
	if (t->state == PA_DEBUG_FREED) {
		bad = memchr_inv(d->data, PA_DEBUG_DEAD, n);
		*damage = bad;
		if (bad)
			return PA_ERR_USE_AFTER_FREE;
	}
	return PA_ERR_COUNT;
}

/*
 * Check @d as debug_inspect() does, and report the first problem.
 * Return: how many problems were found (0 or 1).
 */
static unsigned int debug_check(struct debug_block *d, const char *what,
				unsigned long caller)
{
	const void *damage = NULL;
	enum pa_err err = debug_inspect(d, &damage);

	if (err == PA_ERR_COUNT)
		return 0;
	return debug_report(d, err, damage, what, caller);
}

/*
 * Count @d in (@sign 1) or out of (-1) the blocks its pool holds back from
 * the client's statistics: freed by the client, not yet given back.
 */
static void debug_count_held(struct debug_block *d, int sign)
{
	atomic64_add(sign, &d->pool->held_blocks);
	atomic64_add(sign * (s64)(d->tail->requested + PA_DEBUG_OVERHEAD),
		     &d->pool->held_requested);
	atomic64_add(sign * (s64)d->usable, &d->pool->held_usable);
	/* large.c counts a block above small_max in large_live too. */
	if (d->usable > pa_small_max) {
		atomic64_add(sign, &d->pool->held_large);
		atomic64_add(sign * (s64)d->usable,
			     &d->pool->held_large_bytes);
	}
}

/* Keep the freed block @d from the pool: counted as freed, not reused. */
static void debug_hold(struct debug_block *d, u32 state)
{
	/* The dead fill is seen by whoever sees FREED. */
	smp_store_release(&d->tail->state, state);
	debug_count_held(d, 1);
}

enum debug_found {
	DEBUG_NOT,		/* not a pointer into a debug pool */
	DEBUG_LIVE,		/* a debug block, live underneath */
	DEBUG_GONE,		/* a debug block given back already */
	DEBUG_BAD,		/* in a debug pool, but no block's pointer */
};

/*
 * Find the debug block whose client pointer is @p.  For DEBUG_BAD only
 * @d->pool is set, and the pointer is refused in that pool, while the
 * lookup keeps it alive, when @what names an entry point.
 */
static enum debug_found debug_find(const void *p, struct debug_block *d,
				   const char *what, unsigned long caller)
{
	enum debug_found found = DEBUG_NOT;
	const u8 *block = (const u8 *)p - PA_DEBUG_HEAD;
	struct pa_block_info info;
	struct pa_run_state *state;
	struct pa_run *run;
	void *entry;

	preempt_disable();
	run = pa_map_lookup(p);
	if (run) {
		d->pool = run->arena->pool;
		if (!(d->pool->flags & PA_POOL_DEBUG))
			goto out;
		found = DEBUG_BAD;
		/* The block must start in the same run as @p. */
		if (((unsigned long)p & (PA_RUN_SIZE - 1)) < PA_DEBUG_HEAD)
			goto out;
		state = pa_run_entry(run, block, &entry);
		if (!state)
			goto out;
		debug_block_set(d, d->pool, (void *)block, state->size);
		if (pa_run_entry_load(entry, state->wide)) {
			found = DEBUG_LIVE;
			goto out;
		}
		/*
		 * Free underneath: freed again if debug mode gave it back
		 * (its tail still says so), else never a client's pointer.
		 */
		pa_sanitize_own_begin();
		if (d->tail->state == PA_DEBUG_FREED)
			found = DEBUG_GONE;
		pa_sanitize_own_end();
	}
out:
	if (found == DEBUG_BAD && what)
		pa_report_invalid(d->pool, what, p, caller);
	preempt_enable();
	if (run)
		return found;
	/* A large debug block starts a page, or a kmalloc object. */
	if (pa_large_query(block, 0, &info, false) != PA_LIVE ||
	    !(info.pool->flags & PA_POOL_DEBUG))
		return DEBUG_NOT;
	debug_block_set(d, info.pool, (void *)block, info.usable);
	return DEBUG_LIVE;
}

/* Give a debug block back to its pool's machinery. */
static void debug_release(struct debug_block *d)
{
	struct pa_run *run;

	switch (pa_cache_do_free(d->block, &run, true)) {
	case PA_CACHE_FREED:
		break;
	case PA_CACHE_NO_ARENA:
		pa_large_free(d->block, false);
		break;
	case PA_CACHE_NO_BLOCK:
		/*
		 * Live until now, and no client's free takes a debug pool's
		 * block (pa_cache_do_free()): not reached.
		 */
		preempt_enable();
		break;
	}
}

/* ---- Interface to the entry points ------------------------------------- */

/**
 * pa_debug_attach() - give a new pool debug mode, if its flags ask
 * @pool: a pool from pa_pool_new(), not yet listed
 *
 * Context: process context; may sleep.
 * Return: 0 or -ENOMEM.
 */
int pa_debug_attach(struct pa_pool *pool)
{
	if (!(pool->flags & PA_POOL_DEBUG))
		return 0;
	if (!pa_fault_should_fail(sizeof(*pool->quarantine), GFP_KERNEL))
		pool->quarantine = kzalloc(sizeof(*pool->quarantine),
					   GFP_KERNEL);
	if (!pool->quarantine)
		return -ENOMEM;
	spin_lock_init(&pool->quarantine->lock);
	stack_depot_init();
	static_branch_inc(&pa_debug_key);
	return 0;
}

/**
 * pa_debug_detach() - take debug mode from a pool about to be deleted
 * @pool: the pool, unlisted; what its quarantine holds goes with its
 *	arenas and large blocks
 *
 * Context: process context; may sleep.
 */
void pa_debug_detach(struct pa_pool *pool)
{
	if (!pool->quarantine)
		return;
	static_branch_dec(&pa_debug_key);
	kfree(pool->quarantine);
	pool->quarantine = NULL;
}

/*
 * A block of @pool is being made: handed out underneath, its head and
 * tail not yet written.  Counted before the caches can hand it out, so
 * that validate_block(), which trusts no finding while any block is being
 * made, sees the count before it can see the block.
 */
VISIBLE_IF_KUNIT void pa_debug_make_begin(struct pa_pool *pool)
{
	atomic_inc(&pool->quarantine->making);
	/* The count before the block: pairs with validate_block()'s rmb. */
	smp_mb__after_atomic();
}
EXPORT_SYMBOL_IF_KUNIT(pa_debug_make_begin);

/* The block is made and LIVE (@made), or the allocation failed. */
VISIBLE_IF_KUNIT void pa_debug_make_end(struct pa_pool *pool, bool made)
{
	if (made) {
		/* LIVE, then made, then making: validate_block() reads back. */
		smp_mb__before_atomic();
		atomic_inc(&pool->quarantine->made);
		/* made before making drops: who sees 0 sees made moved. */
		smp_mb__after_atomic();
	}
	atomic_dec(&pool->quarantine->making);
}
EXPORT_SYMBOL_IF_KUNIT(pa_debug_make_end);

/**
 * pa_debug_alloc() - allocate a debug block from a debug pool
 * @pool: the pool, with PA_POOL_DEBUG
 * @size: bytes requested, not 0
 * @gfp: allocation flags
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: the client's pointer, or NULL (counted in failures).
 */
void *pa_debug_alloc(struct pa_pool *pool, size_t size, gfp_t gfp)
{
	size_t total, usable;
	struct debug_block d;
	void *block;

	if (check_add_overflow(size, (size_t)PA_DEBUG_OVERHEAD, &total) ||
	    size > U32_MAX) {
		atomic64_inc(&pool->failures);
		return NULL;
	}
	pa_debug_make_begin(pool);
	/* With backend=kmalloc, the block underneath is kmalloc's too. */
	if (total <= pa_small_max && !pa_large_kmalloc) {
		block = pa_cache_alloc(pool, total, gfp & ~__GFP_ZERO);
		usable = pa_class_for(pool, total)->size;
	} else {
		block = pa_large_alloc(pool, total, gfp & ~__GFP_ZERO);
		usable = pa_large_usable(total);
	}
	if (!block) {
		pa_debug_make_end(pool, false);
		return NULL;
	}
	debug_block_set(&d, pool, block, usable);
	/* The guards and the tail are debug mode's to write. */
	pa_sanitize_open(block, usable);
	d.head->requested = size;
	d.head->serial = atomic_inc_return(&pool->serial);
	memset(d.head->guard, PA_DEBUG_GUARD, PA_DEBUG_GUARD_MIN);
	memset(d.data, want_init_on_alloc(gfp) ? 0 : PA_DEBUG_NEW, size);
	memset(d.data + size, PA_DEBUG_GUARD, (u8 *)d.tail - (d.data + size));
	d.tail->alloc_stack = save_stack(gfp);
	d.tail->free_stack = 0;
	d.tail->requested = size;
	/* Everything above is seen by whoever sees LIVE. */
	smp_store_release(&d.tail->state, PA_DEBUG_LIVE);
	pa_debug_make_end(pool, true);
	return d.data;
}

/**
 * pa_debug_free() - free a debug block, if @p is one
 * @p: any pointer but NULL and ZERO_SIZE_PTR
 * @owner: the pool @p must belong to, or NULL for any
 * @what: the entry point the client called
 * @caller: where it was called from
 *
 * The block is checked, filled with the dead pattern and quarantined; the
 * oldest quarantined block is checked and given back to the pool when the
 * quarantine is full.  Every misuse found is counted and reported: a
 * damaged block, a double free, an interior pointer, and a block of
 * another pool than @owner (left live).
 *
 * Context: any context but NMI.
 * Return: false when @p is no pointer into a debug pool: nothing was done.
 */
bool pa_debug_free(const void *p, struct pa_pool *owner, const char *what,
		   unsigned long caller)
{
	struct pa_quarantine *q;
	struct debug_block d, old;
	enum debug_found found;
	unsigned long flags;
	unsigned int usable = 0, slot;
	void *evict = NULL;

	found = debug_find(p, &d, what, caller);
	if (found == DEBUG_NOT || found == DEBUG_BAD)
		return found == DEBUG_BAD;
	/* A block freed already is a double free, whichever pool is named. */
	pa_sanitize_own_begin();
	if (found == DEBUG_GONE || d.tail->state == PA_DEBUG_FREED ||
	    d.tail->state == PA_DEBUG_HELD) {
		debug_report(&d, PA_ERR_DOUBLE_FREE, NULL, what, caller);
		pa_sanitize_own_end();
		return true;
	}
	pa_sanitize_own_end();
	if (owner && d.pool != owner) {
		pa_report_wrong_pool(owner, d.pool, p, caller);
		return true;
	}
	pa_sanitize_own_begin();
	if (d.tail->state == PA_DEBUG_LIVE_DAMAGED ||
	    debug_check(&d, what, caller)) {
		debug_hold(&d, PA_DEBUG_HELD);
		pa_sanitize_own_end();
		return true;
	}
	memset(d.data, PA_DEBUG_DEAD, d.tail->requested);
	d.tail->free_stack = save_stack(GFP_NOWAIT);
	debug_hold(&d, PA_DEBUG_FREED);
	pa_sanitize_own_end();

	q = d.pool->quarantine;
	spin_lock_irqsave(&q->lock, flags);
	if (q->count && (q->count == PA_QUARANTINE_BLOCKS ||
			 q->bytes + d.usable > PA_QUARANTINE_BYTES)) {
		evict = q->block[q->oldest];
		usable = q->usable[q->oldest];
		q->oldest = (q->oldest + 1) % PA_QUARANTINE_BLOCKS;
		q->count--;
		q->bytes -= usable;
	}
	slot = (q->oldest + q->count) % PA_QUARANTINE_BLOCKS;
	q->block[slot] = d.block;
	q->usable[slot] = d.usable;
	q->count++;
	q->bytes += d.usable;
	spin_unlock_irqrestore(&q->lock, flags);
	if (!evict)
		return true;

	/* Checked as it leaves: a damaged block is never reused. */
	debug_block_set(&old, d.pool, evict, usable);
	pa_sanitize_own_begin();
	if (old.tail->state != PA_DEBUG_FREED ||
	    debug_check(&old, "quarantine", caller)) {
		old.tail->state = PA_DEBUG_HELD;
		pa_sanitize_own_end();
		return true;
	}
	debug_count_held(&old, -1);
	pa_sanitize_own_end();
	debug_release(&old);
	return true;
}

/**
 * pa_debug_query() - describe a live debug block
 * @p: any pointer but NULL and ZERO_SIZE_PTR
 * @info: filled in for a live debug block: its pool, and its request as
 *	both its usable and its requested size
 *
 * Context: any context but NMI.
 * Return: PA_LIVE, PA_BAD for a pointer into a debug pool that is no live
 * block's, or PA_NOT_OURS when @p is no pointer into a debug pool.
 */
enum pa_lookup pa_debug_query(const void *p, struct pa_block_info *info)
{
	enum debug_found found;
	struct debug_block d;
	bool live;

	found = debug_find(p, &d, NULL, 0);
	if (found == DEBUG_NOT)
		return PA_NOT_OURS;
	if (found != DEBUG_LIVE)
		return PA_BAD;
	pa_sanitize_own_begin();
	live = d.tail->state == PA_DEBUG_LIVE ||
	       d.tail->state == PA_DEBUG_LIVE_DAMAGED;
	info->requested = d.tail->requested;
	pa_sanitize_own_end();
	info->pool = d.pool;
	info->usable = info->requested;
	return live ? PA_LIVE : PA_BAD;
}

/* pa_pool_validate()'s check of one underlying block. */
static unsigned int validate_block(struct pa_pool *pool, void *block,
				   size_t usable)
{
	struct pa_quarantine *q = pool->quarantine;
	const void *damage = NULL;
	unsigned int found = 0;
	struct debug_block d;
	int made, making;
	enum pa_err err;
	u32 state, mark;

	debug_block_set(&d, pool, block, usable);
	pa_sanitize_own_begin();
	/*
	 * The walk takes no lock the client's calls take: a block may be
	 * being made, freed or reused meanwhile.  A finding counts only when
	 * no block of the pool was being made or finished while it was
	 * checked (a block handed out underneath holds anything until its
	 * tail is written), and the block's state stayed the same: the
	 * counters are read around the check as a seqcount's reader would.
	 */
	made = atomic_read(&q->made);
	/* made, then making: pairs with pa_debug_alloc()'s last barriers. */
	smp_rmb();
	making = atomic_read(&q->making);
	/* The state before the bytes it vouches for. */
	state = smp_load_acquire(&d.tail->state);
	if (making)
		goto out;
	err = debug_inspect(&d, &damage);
	if (err == PA_ERR_COUNT)
		goto out;
	/* The bytes checked, then making, then made, as they were read. */
	smp_rmb();
	making = atomic_read(&q->making);
	/* making, then made: pairs with pa_debug_alloc()'s last barrier. */
	smp_rmb();
	if (making || atomic_read(&q->made) != made)
		goto out;
	/* Quarantined blocks are held already; live ones when freed. */
	mark = state == PA_DEBUG_FREED ? PA_DEBUG_HELD : PA_DEBUG_LIVE_DAMAGED;
	/* A free or a reuse that won the block reports it itself. */
	if (cmpxchg(&d.tail->state, state, mark) != state)
		goto out;
	found = debug_report(&d, err, damage, "pa_pool_validate", _RET_IP_);
out:
	pa_sanitize_own_end();
	return found;
}

/**
 * pa_debug_validate() - check every block of a debug pool
 * @pool: the pool
 *
 * Every live block's guards, and every quarantined block's dead fill.  A
 * damaged block is reported once, counted, and held back for good.
 *
 * Context: any context but NMI; walks the pool under its locks.
 * Return: how many problems were found now.
 */
int pa_debug_validate(struct pa_pool *pool)
{
	if (!(pool->flags & PA_POOL_DEBUG))
		return 0;
	return pa_arena_walk(pool, validate_block) +
	       pa_large_walk(pool, validate_block);
}
