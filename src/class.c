// SPDX-License-Identifier: GPL-2.0
/*
 * Size classes: the table from a request size to its class, and the runs of
 * each class.
 *
 * Up to 512 bytes the classes are pymalloc's 64-bit ones: every multiple of
 * 16.  Above, each class is an eighth larger than the one before (so no
 * request is rounded up by more than 12.5%), in steps of at most
 * PA_COARSE_STEP_MAX bytes, up to small_max.  The table is built once at load
 * from small_max; lookup is one load indexed by size / 16, which gives the
 * class's place in a pool (pa_class_for()).
 *
 * A class hands blocks to the per-CPU caches in batches and takes them back
 * (cache.c).  It refills from the fullest of its partially used runs, so that
 * the emptiest runs drain and go back to their arena.  A run moves between
 * the fullness lists only when it crosses a quarter, which keeps the choice
 * O(1).
 */
#include <linux/kernel.h>
#include <linux/errno.h>
#include <linux/log2.h>
#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include <linux/swab.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "run.h"
#include "sanitize.h"

/* ---- Carving order --------------------------------------------------- */

#ifdef CONFIG_SLAB_FREELIST_RANDOM
/*
 * Where the kernel randomizes SLUB's free lists, a new run hands out its
 * blocks in random order too, as SLUB does: each class has a random
 * permutation of a run's block indices, made once at load, and a new run
 * walks it from a random place.  One allocation holds every class's (about
 * 9 KiB with small_max 4096, most of it for the 16-byte class).
 */
static u16 *class_order[PA_MAX_CLASSES];

static int class_order_init(void)
{
	unsigned int c, i, total = 0;
	u16 *order;

	for (c = 0; c < pa_nr_classes; c++)
		total += PA_RUN_SIZE / pa_class_size[c];
	order = kmalloc_array(total, sizeof(*order), GFP_KERNEL);
	if (!order)
		return -ENOMEM;
	for (c = 0; c < pa_nr_classes; c++) {
		unsigned int n = PA_RUN_SIZE / pa_class_size[c];

		class_order[c] = order;
		/* Fisher-Yates, as the inside-out shuffle. */
		for (i = 0; i < n; i++) {
			unsigned int j = get_random_u32_below(i + 1);

			order[i] = order[j];
			order[j] = i;
		}
		order += n;
	}
	return 0;
}

static void class_order_exit(void)
{
	kfree(class_order[0]);
	memset(class_order, 0, sizeof(class_order));
}
#else
static int class_order_init(void)
{
	return 0;
}

static void class_order_exit(void)
{
}
#endif

/* ---- The class table ------------------------------------------------- */

/* pymalloc's last class, and where the coarse classes start. */
#define PA_FINE_MAX	512

unsigned int pa_small_max;
EXPORT_SYMBOL_IF_KUNIT(pa_small_max);
unsigned int pa_nr_classes;
EXPORT_SYMBOL_IF_KUNIT(pa_nr_classes);
unsigned int pa_class_size[PA_MAX_CLASSES];
EXPORT_SYMBOL_IF_KUNIT(pa_class_size);
u16 pa_size_to_class[PA_SMALL_MAX_MAX / PA_ALIGN + 1];
EXPORT_SYMBOL_IF_KUNIT(pa_size_to_class);

/*
 * The step from a coarse class of @size bytes to the next: an eighth of the
 * power of two at or below it, so the eight classes of each doubling are
 * evenly spaced, capped at PA_COARSE_STEP_MAX.
 */
static unsigned int coarse_step(unsigned int size)
{
	return min_t(unsigned int, rounddown_pow_of_two(size) / 8,
		     PA_COARSE_STEP_MAX);
}

/**
 * pa_class_is_boundary() - whether @size can be the largest class
 * @size: a proposed small_max
 *
 * Return: true when @size is in range and one of the class sizes.
 */
bool pa_class_is_boundary(unsigned int size)
{
	unsigned int c;

	if (size < PA_SMALL_MAX_MIN || size > PA_SMALL_MAX_MAX)
		return false;
	for (c = PA_FINE_MAX; c < size; c += coarse_step(c))
		;
	return c == size;
}

/**
 * pa_class_table_init() - build the class table for @small_max
 * @small_max: largest request served from runs; a class boundary in
 *	[PA_SMALL_MAX_MIN, PA_SMALL_MAX_MAX]
 *
 * Return: 0, -EINVAL when @small_max is out of range or not a class
 * boundary, or -ENOMEM.
 */
int pa_class_table_init(unsigned int small_max)
{
	unsigned int size, n = 0, i;

	if (small_max < PA_SMALL_MAX_MIN || small_max > PA_SMALL_MAX_MAX)
		return -EINVAL;

	for (size = PA_ALIGN; size <= PA_FINE_MAX; size += PA_ALIGN)
		pa_class_size[n++] = size;
	for (size = PA_FINE_MAX + coarse_step(PA_FINE_MAX); size <= small_max;
	     size += coarse_step(size)) {
		if (WARN_ON_ONCE(n == PA_MAX_CLASSES))
			return -EINVAL;
		pa_class_size[n++] = size;
	}
	if (pa_class_size[n - 1] != small_max)
		return -EINVAL;

	for (i = 0, size = PA_ALIGN; size <= small_max; size += PA_ALIGN) {
		while (pa_class_size[i] < size)
			i++;
		pa_size_to_class[size >> PA_ALIGN_SHIFT] =
			offsetof(struct pa_pool, classes) +
			i * sizeof(struct pa_class);
	}
	pa_nr_classes = n;
	pa_small_max = small_max;
	return class_order_init();
}

/**
 * pa_class_table_exit() - free what pa_class_table_init() allocated
 */
void pa_class_table_exit(void)
{
	class_order_exit();
}

/* ---- Runs of a class ------------------------------------------------- */

static unsigned int run_group(const struct pa_run *run)
{
	if (run->nr_used == run->nr_blocks)
		return PA_RUN_FULL;
	return run->nr_used * PA_FULLNESS_GROUPS / run->nr_blocks;
}

/*
 * Put @run on the fullness list that matches its use, and note the uses at
 * which it must move again: the refill and flush loops then test one bound
 * per block instead of working out the group.
 */
static void run_regroup(struct pa_class *cls, struct pa_run *run)
{
	unsigned int group = run_group(run), nb = run->nr_blocks;

	lockdep_assert_held(&cls->lock);
	if (group == PA_RUN_FULL) {
		run->regroup_at = nb + 1;
		run->regroup_below = nb;
	} else {
		/* The lowest use of the next group, and of this one. */
		run->regroup_at = DIV_ROUND_UP((group + 1) * nb,
					       PA_FULLNESS_GROUPS);
		/* 0 is no group: the run is released then. */
		run->regroup_below = max(DIV_ROUND_UP(group * nb,
						      PA_FULLNESS_GROUPS), 1U);
	}
	if (group == run->group)
		return;
	cls->nr_in_group[run->group]--;
	cls->nr_in_group[group]++;
	if (group == PA_RUN_FULL)
		list_del_init(&run->node);
	else
		list_move(&run->node, &cls->partial[group]);
	run->group = group;
}

static struct pa_run *class_fullest_run(struct pa_class *cls)
{
	int group;

	lockdep_assert_held(&cls->lock);
	for (group = PA_FULLNESS_GROUPS - 1; group >= 0; group--)
		if (!list_empty(&cls->partial[group]))
			return list_first_entry(&cls->partial[group],
						struct pa_run, node);
	return NULL;
}

static struct pa_run_state *run_state(struct pa_class *cls, struct pa_run *run)
{
	return rcu_dereference_protected(run->state,
					 lockdep_is_held(&cls->lock));
}

/*
 * A free-list link, as SLUB stores it with CONFIG_SLAB_FREELIST_HARDENED:
 * the next block xor a per-pool secret xor the byte-swapped address where
 * the link is stored.  A client's write after free that puts a chosen
 * pointer there decodes to garbage, which link_valid() refuses.  The same
 * function codes and decodes.
 */
static __always_inline void *link_code(const struct pa_class *cls, void *next,
				       void *where)
{
#ifdef CONFIG_SLAB_FREELIST_HARDENED
	return (void *)((unsigned long)next ^ cls->secret ^
			swab((unsigned long)where));
#else
	return next;
#endif
}

/*
 * Whether @next, read from a free block's link, is the end of the list or
 * a block of @run handed out before: inside the carved range, at a block's
 * first byte.  Nothing is taken from a link before it passes.
 */
static __always_inline bool link_valid(const struct pa_run *run,
				       const struct pa_run_state *state,
				       unsigned long base, void *next)
{
	unsigned long offset = (unsigned long)next - base;
	unsigned int index;

	if (!next)
		return true;
	if (offset >= (unsigned long)run->nr_carved * state->size)
		return false;
	index = pa_run_block_index(offset, state->recip);
	return index * state->size == offset;
}

/*
 * A link of @run failed validation: a client wrote into a freed block.  The
 * run leaves service for good: it looks full to the class, so no refill
 * takes from it and no free regroups or releases it, and its free blocks
 * are lost, counted in err_freelist.
 */
static void run_break(struct pa_class *cls, struct pa_run *run)
{
	unsigned int lost = run->nr_blocks - run->nr_used;

	lockdep_assert_held(&cls->lock);
	run->freelist = NULL;
	run->nr_carved = run->nr_blocks;
	cls->nr_in_group[run->group]--;
	cls->nr_in_group[PA_RUN_FULL]++;
	list_del_init(&run->node);
	run->group = PA_RUN_FULL;
	run->regroup_at = U16_MAX;
	run->regroup_below = 0;
	pa_report_freelist(cls->pool, cls->size, lost);
}

/*
 * Carve a new run whole, its free list in the class's random order from a
 * random place (CONFIG_SLAB_FREELIST_RANDOM); the run is not yet seen by
 * anyone else.
 */
static void run_shuffle(struct pa_class *cls, struct pa_run *run)
{
#ifdef CONFIG_SLAB_FREELIST_RANDOM
	const u16 *order = class_order[cls->index];
	unsigned int n = run->nr_blocks, i, at;
	unsigned long base = pa_run_base(run);
	void *next = NULL, *block;

	at = get_random_u32_below(n);
	/* Linked from the last block handed out back to the first. */
	pa_sanitize_own_begin();
	for (i = 0; i < n; i++) {
		at = at ? at - 1 : n - 1;
		block = (void *)(base + order[at] * cls->size);
		*(void **)block = link_code(cls, next, block);
		next = block;
	}
	pa_sanitize_own_end();
	run->freelist = next;
	run->nr_carved = n;
#endif
}

/*
 * Take up to @n free blocks out of @run into @to, below entry @top (the
 * first block taken goes to entry @top - 1), and regroup the run.
 * Return: how many, fewer than @n only when the run became full.
 */
static unsigned int run_take_blocks(struct pa_class *cls, struct pa_run *run,
				    struct pa_blocks to, unsigned int top,
				    unsigned int n)
{
	struct pa_run_state *state = run_state(cls, run);
	unsigned long base = pa_run_base(run);
	bool wipe = want_init_on_free();
	unsigned int index, taken;
	void *block, *next;

	lockdep_assert_held(&cls->lock);
	n = min_t(unsigned int, n, run->nr_blocks - run->nr_used);
	for (taken = 0; taken < n; taken++) {
		if (run->freelist) {
			/* The head is the run's own; its link is not. */
			block = run->freelist;
			next = link_code(cls, *(void **)block, block);
			if (unlikely(!link_valid(run, state, base, next))) {
				run->nr_used += taken;
				run_break(cls, run);
				return taken;
			}
			run->freelist = next;
			/* init_on_free wiped it before the link went in. */
			if (wipe)
				*(void **)block = NULL;
			index = pa_run_block_index((unsigned long)block -
						   base, state->recip);
		} else {
			index = run->nr_carved++;
			block = (void *)(base + index * cls->size);
		}
		to.block[--top] = block;
		to.entry[top] = state->data + (index << state->wide);
		to.run[top] = run;
	}
	run->nr_used += n;
	if (run->nr_used >= run->regroup_at)
		run_regroup(cls, run);
	return n;
}

/*
 * Put a free block back in its run.  Return: true when the run became
 * empty; it is then off the class lists, for the caller to release.
 */
static __always_inline bool run_put_block(struct pa_class *cls, void *block,
					  struct pa_run *run)
{
	lockdep_assert_held(&cls->lock);
	*(void **)block = link_code(cls, run->freelist, block);
	run->freelist = block;
	if (likely(--run->nr_used >= run->regroup_below))
		return false;
	if (run->nr_used) {
		run_regroup(cls, run);
		return false;
	}
	cls->nr_in_group[run->group]--;
	list_del_init(&run->node);
	cls->nr_runs--;
	cls->nr_blocks -= run->nr_blocks;
	/* Lookups that race with the release now refuse the run. */
	WRITE_ONCE(run->class, PA_CLASS_NONE);
	return true;
}

/* Give an empty run, off every class list, back to its arena. */
static void run_release(struct pa_run *run)
{
	struct pa_run_state *state = rcu_dereference_protected(run->state, true);

	RCU_INIT_POINTER(run->state, NULL);
	/* A lockless lookup may still be reading it. */
	kfree_rcu(state, rcu);
	pa_arena_put_run(run);
}

/* ---- Interface to the caches and pools ------------------------------- */

/**
 * pa_class_init() - set up an empty size class
 * @pool: the pool it belongs to
 * @cls: the class
 * @index: its index in the class table
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int pa_class_init(struct pa_pool *pool, struct pa_class *cls,
		  unsigned int index)
{
	unsigned int group, cpu;

	spin_lock_init(&cls->lock);
	cls->pool = pool;
	cls->index = index;
	cls->size = pa_class_size[index];
	cls->wide = cls->size >= PA_STATE_WIDE_MIN;
	cls->secret = pool->secret;
	for (group = 0; group < PA_FULLNESS_GROUPS; group++)
		INIT_LIST_HEAD(&cls->partial[group]);
	if (!pa_fault_should_fail(sizeof(struct pa_cpu_cache), GFP_KERNEL))
		cls->cache = alloc_percpu(struct pa_cpu_cache);
	if (!cls->cache)
		return -ENOMEM;
	for_each_possible_cpu(cpu) {
		struct pa_cpu_cache *c = per_cpu_ptr(cls->cache, cpu);

		c->size = cls->size;
		c->wide = cls->wide;
	}
	return 0;
}

/**
 * pa_class_destroy() - free what pa_class_init() allocated
 * @cls: the class, possibly half set up; its runs go with their arenas
 */
void pa_class_destroy(struct pa_class *cls)
{
	free_percpu(cls->cache);
	cls->cache = NULL;
}

/**
 * pa_class_take() - take up to @n free blocks from the class's fullest runs
 * @cls: the class
 * @to: where to put them, entries 0 and up
 * @n: how many at most
 *
 * The first block taken, from the fullest run, goes to the top (entry
 * @n - 1), to be handed out first by a cache that pops from the top.
 *
 * Context: any context but NMI.  Takes cls->lock.
 * Return: how many were taken, now @to's entries 0 and up; 0 when the class
 * has no free block.
 */
unsigned int pa_class_take(struct pa_class *cls, struct pa_blocks to,
			   unsigned int n)
{
	unsigned int left = n, i;
	unsigned long flags;
	struct pa_run *run;

	spin_lock_irqsave(&cls->lock, flags);
	/* The free-list links are in free blocks, which KASAN guards. */
	pa_sanitize_own_begin();
	while (left && (run = class_fullest_run(cls)))
		left -= run_take_blocks(cls, run, to, left, left);
	pa_sanitize_own_end();
	spin_unlock_irqrestore(&cls->lock, flags);

	/* Short of @n: move what was taken down to the bottom. */
	if (unlikely(left)) {
		for (i = 0; i < n - left; i++) {
			to.block[i] = to.block[i + left];
			to.entry[i] = to.entry[i + left];
			to.run[i] = to.run[i + left];
		}
	}
	return n - left;
}

/**
 * pa_class_flush() - give free blocks back to their runs
 * @cls: their class
 * @from: the blocks (and their runs), entries 0 to @n - 1
 * @n: how many
 *
 * Runs that become empty go back to their arena.
 *
 * Context: any context but NMI.  Takes cls->lock, then pool->arena_lock.
 */
void pa_class_flush(struct pa_class *cls, struct pa_blocks from,
		    unsigned int n)
{
	struct pa_run *run, *tmp;
	unsigned long flags;
	LIST_HEAD(empty);
	unsigned int i;

	spin_lock_irqsave(&cls->lock, flags);
	pa_sanitize_own_begin();
	for (i = 0; i < n; i++)
		if (run_put_block(cls, from.block[i], from.run[i]))
			list_add(&from.run[i]->node, &empty);
	pa_sanitize_own_end();
	spin_unlock_irqrestore(&cls->lock, flags);

	list_for_each_entry_safe(run, tmp, &empty, node)
		run_release(run);
}

/**
 * pa_class_grow() - add a new run to a class
 * @cls: the class; its pool's arenas give the run
 * @gfp: how pages may be allocated
 *
 * Context: any context but NMI, as @gfp allows; interrupts enabled when
 * @gfp may sleep.
 * Return: the run, not yet on the class lists (pa_class_add_run() puts it
 * there), or NULL.
 */
struct pa_run *pa_class_grow(struct pa_class *cls, gfp_t gfp)
{
	unsigned int nr_blocks = PA_RUN_SIZE / cls->size;
	/* An entry past the last block when the size leaves slack. */
	unsigned int nr_entries = DIV_ROUND_UP(PA_RUN_SIZE, cls->size);
	size_t bytes = struct_size_t(struct pa_run_state, data,
				     nr_entries << cls->wide);
	/* kmemleak's bitmap of blocks handed out in NMI, at the end. */
	size_t nmi_at = ALIGN(bytes, sizeof(long));
	struct pa_run_state *state = NULL;
	struct pa_run *run;

	/* The state first: a run put back could keep a new arena alive. */
	if (IS_ENABLED(CONFIG_DEBUG_KMEMLEAK))
		bytes = nmi_at + BITS_TO_LONGS(nr_entries) * sizeof(long);
	if (!pa_fault_should_fail(bytes, gfp))
		state = kzalloc(bytes, pa_meta_gfp(gfp));
	if (!state)
		return NULL;
	run = pa_arena_take_run(cls->pool, gfp);
	if (!run) {
		kfree(state);
		return NULL;
	}
	state->cls = cls;
	state->recip = DIV_ROUND_UP_ULL(1ULL << 32, cls->size);
	state->size = cls->size;
	state->wide = cls->wide;
	pa_sanitize_init_state(state, (void *)state + nmi_at);
	run->freelist = NULL;
	run->nr_blocks = nr_blocks;
	run->nr_used = 0;
	run->nr_carved = 0;
	run_shuffle(cls, run);
	rcu_assign_pointer(run->state, state);
	return run;
}

/**
 * pa_class_add_run() - put a new run on its class and take blocks from it
 * @cls: the class
 * @run: a run from pa_class_grow()
 * @to: where to put the blocks, entries 0 and up, as pa_class_take() does
 * @n: how many blocks at most; at least one
 *
 * Context: any context but NMI.  Takes cls->lock.
 * Return: how many were taken: @n, or the whole run when it is smaller.
 */
unsigned int pa_class_add_run(struct pa_class *cls, struct pa_run *run,
			      struct pa_blocks to, unsigned int n)
{
	unsigned long flags;

	n = min_t(unsigned int, n, run->nr_blocks);
	spin_lock_irqsave(&cls->lock, flags);
	/* Lookups see the class only once the run is set up. */
	WRITE_ONCE(run->class, cls->index);
	run->group = 0;
	list_add(&run->node, &cls->partial[0]);
	cls->nr_in_group[0]++;
	cls->nr_runs++;
	cls->nr_blocks += run->nr_blocks;
	run_regroup(cls, run);
	/* The run's first block on top; a shuffled run has links to read. */
	pa_sanitize_own_begin();
	n = run_take_blocks(cls, run, to, n, n);
	pa_sanitize_own_end();
	spin_unlock_irqrestore(&cls->lock, flags);
	return n;
}
