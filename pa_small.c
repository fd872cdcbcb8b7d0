// SPDX-License-Identifier: GPL-2.0
/*
 * Small blocks: allocation and free within a size class.
 *
 * A class serves from the fullest of its partially used runs, so that the
 * emptiest runs drain and go back to their arena.  A run moves between the
 * fullness lists only when it crosses a quarter, which keeps the choice O(1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/string.h>
#include "pa_internal.h"

/* ---- Internals --------------------------------------------------------- */

static unsigned int run_group(const struct pa_run *run)
{
	if (run->nr_used == run->nr_blocks)
		return PA_RUN_FULL;
	return run->nr_used * PA_FULLNESS_GROUPS / run->nr_blocks;
}

/* The request recorded for block @index of @run: 0 when it is free. */
static unsigned int state_get(const struct pa_class *cls,
			      const struct pa_run *run, unsigned int index)
{
	if (cls->size < PA_STATE_WIDE_MIN)
		return ((const u8 *)run->state)[index];
	return ((const u16 *)run->state)[index];
}

static void state_set(const struct pa_class *cls, struct pa_run *run,
		      unsigned int index, unsigned int requested)
{
	if (cls->size < PA_STATE_WIDE_MIN)
		((u8 *)run->state)[index] = requested;
	else
		((u16 *)run->state)[index] = requested;
}

static size_t state_bytes(unsigned int class_size, unsigned int nr_blocks)
{
	return class_size < PA_STATE_WIDE_MIN ? nr_blocks : nr_blocks * 2;
}

/* Put @run on the fullness list that matches its use. */
static void run_regroup(struct pa_class *cls, struct pa_run *run)
{
	unsigned int group = run_group(run);

	lockdep_assert_held(&cls->lock);
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

static void class_add_run(struct pa_class *cls, struct pa_run *run,
			  unsigned int class)
{
	lockdep_assert_held(&cls->lock);
	/* Lookups see the class only once the run is set up and locked. */
	WRITE_ONCE(run->class, class);
	run->group = 0;
	list_add(&run->node, &cls->partial[0]);
	cls->nr_in_group[0]++;
	cls->nr_runs++;
	cls->nr_blocks += run->nr_blocks;
}

static void class_remove_run(struct pa_class *cls, struct pa_run *run)
{
	lockdep_assert_held(&cls->lock);
	cls->nr_in_group[run->group]--;
	list_del_init(&run->node);
	cls->nr_runs--;
	cls->nr_blocks -= run->nr_blocks;
	/* Lookups that race with the release now refuse the run. */
	WRITE_ONCE(run->class, PA_CLASS_NONE);
}

/* Take one block of @run for a request of @size bytes. */
static void *class_take_block(struct pa_class *cls, struct pa_run *run,
			      size_t size)
{
	unsigned long base = pa_run_base(run);
	unsigned int index;
	void *block;

	lockdep_assert_held(&cls->lock);
	if (run->freelist) {
		block = run->freelist;
		run->freelist = *(void **)block;
		index = ((unsigned long)block - base) / cls->size;
	} else {
		index = run->nr_carved++;
		block = (void *)(base + index * cls->size);
	}
	state_set(cls, run, index, size);
	run->nr_used++;
	cls->allocs++;
	cls->live_bytes_requested += size;
	run_regroup(cls, run);
	return block;
}

/* A free run made ready for @class; NULL when memory is short. */
static struct pa_run *run_new(struct pa_pool *pool, unsigned int class,
			      gfp_t gfp)
{
	unsigned int size = pa_class_size[class];
	unsigned int nr_blocks = PA_RUN_SIZE / size;
	struct pa_run *run;

	run = pa_run_get(pool, gfp);
	if (!run)
		return NULL;
	run->state = kzalloc(state_bytes(size, nr_blocks), pa_meta_gfp(gfp));
	if (!run->state) {
		pa_run_put(run);
		return NULL;
	}
	run->freelist = NULL;
	run->nr_blocks = nr_blocks;
	run->nr_used = 0;
	run->nr_carved = 0;
	return run;
}

/*
 * The run holding @p and its class, unlocked; NULL when @p is in no arena,
 * an error pointer when its run is free.  rcu_read_lock() must be held.
 */
static struct pa_class *block_class(const void *p, struct pa_run **runp,
				    unsigned int *classp,
				    struct pa_block_info *info)
{
	struct pa_run *run = pa_run_lookup(p);
	unsigned int class;

	if (!run)
		return NULL;
	info->pool = run->arena->pool;
	class = READ_ONCE(run->class);
	if (class == PA_CLASS_NONE)
		return ERR_PTR(-EINVAL);
	*runp = run;
	*classp = class;
	return &info->pool->classes[class];
}

/*
 * The index of the live block that starts at @p in @run, or -1, checked under
 * the class lock: the run still belongs to @class, @p is the first byte of a
 * block that was handed out, and that block is not free.  Fills in @info.
 */
static int block_index(struct pa_class *cls, struct pa_run *run,
		       unsigned int class, const void *p,
		       struct pa_block_info *info)
{
	unsigned long offset = (unsigned long)p - pa_run_base(run);
	unsigned int index;

	lockdep_assert_held(&cls->lock);
	if (run->class != class || offset % cls->size)
		return -1;
	index = offset / cls->size;
	if (index >= run->nr_carved || !state_get(cls, run, index))
		return -1;
	info->usable = cls->size;
	info->requested = state_get(cls, run, index);
	return index;
}

/* ---- Interface to the entry points ------------------------------------- */

/**
 * pa_class_init() - set up an empty size class
 * @cls: the class
 * @size: its block size
 */
void pa_class_init(struct pa_class *cls, unsigned int size)
{
	unsigned int group;

	spin_lock_init(&cls->lock);
	cls->size = size;
	for (group = 0; group < PA_FULLNESS_GROUPS; group++)
		INIT_LIST_HEAD(&cls->partial[group]);
}

/**
 * pa_small_alloc() - allocate a block of 1..pa_small_max bytes
 * @pool: the pool
 * @size: bytes requested
 * @gfp: allocation flags; the block is zeroed when they ask for it
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: the block, or NULL.
 */
void *pa_small_alloc(struct pa_pool *pool, size_t size, gfp_t gfp)
{
	unsigned int class = pa_class_of(size);
	struct pa_class *cls = &pool->classes[class];
	unsigned long flags;
	struct pa_run *run;
	void *block;

	spin_lock_irqsave(&cls->lock, flags);
	run = class_fullest_run(cls);
	if (likely(run)) {
		block = class_take_block(cls, run, size);
		spin_unlock_irqrestore(&cls->lock, flags);
		goto out;
	}
	spin_unlock_irqrestore(&cls->lock, flags);

	/* The run is ours alone until it is on the class list. */
	run = run_new(pool, class, gfp);
	if (!run)
		return NULL;
	spin_lock_irqsave(&cls->lock, flags);
	class_add_run(cls, run, class);
	block = class_take_block(cls, run, size);
	spin_unlock_irqrestore(&cls->lock, flags);
out:
	if (want_init_on_alloc(gfp))
		memset(block, 0, cls->size);
	return block;
}

/**
 * pa_small_free() - free the block at @p if it is a live small block
 * @p: any pointer but NULL
 * @info: set to the owning pool when @p is in an arena
 *
 * Context: any context but NMI.
 * Return: PA_LIVE when freed, PA_BAD when @p is in an arena but is not a live
 * block's start (left untouched), PA_NOT_OURS otherwise.
 */
enum pa_lookup pa_small_free(const void *p, struct pa_block_info *info)
{
	enum pa_lookup found = PA_BAD;
	unsigned int class = 0;
	struct pa_run *run = NULL;
	struct pa_class *cls;
	bool release = false;
	unsigned long flags;
	int index;

	rcu_read_lock();
	cls = block_class(p, &run, &class, info);
	if (IS_ERR_OR_NULL(cls)) {
		found = cls ? PA_BAD : PA_NOT_OURS;
		goto out;
	}

	spin_lock_irqsave(&cls->lock, flags);
	index = block_index(cls, run, class, p, info);
	if (index >= 0) {
		state_set(cls, run, index, 0);
		cls->frees++;
		cls->live_bytes_requested -= info->requested;
		if (want_init_on_free())
			memset((void *)p, 0, cls->size);
		*(void **)p = run->freelist;
		run->freelist = (void *)p;
		run->nr_used--;
		if (!run->nr_used) {
			class_remove_run(cls, run);
			release = true;
		} else {
			run_regroup(cls, run);
		}
		found = PA_LIVE;
	}
	spin_unlock_irqrestore(&cls->lock, flags);

	if (release) {
		kfree(run->state);
		run->state = NULL;
		pa_run_put(run);
	}
out:
	rcu_read_unlock();
	return found;
}

/**
 * pa_small_query() - describe, and optionally resize, the block at @p
 * @p: any pointer but NULL
 * @resize: when non-zero and no larger than the block, the new request size
 *	to record for it
 * @info: filled in for a live block
 *
 * Context: any context but NMI.
 * Return: as for pa_small_free(); @info->requested is the size before any
 * resize.
 */
enum pa_lookup pa_small_query(const void *p, size_t resize,
			      struct pa_block_info *info)
{
	enum pa_lookup found = PA_BAD;
	unsigned int class = 0;
	struct pa_run *run = NULL;
	struct pa_class *cls;
	unsigned long flags;
	int index;

	rcu_read_lock();
	cls = block_class(p, &run, &class, info);
	if (IS_ERR_OR_NULL(cls)) {
		found = cls ? PA_BAD : PA_NOT_OURS;
		goto out;
	}

	spin_lock_irqsave(&cls->lock, flags);
	index = block_index(cls, run, class, p, info);
	if (index >= 0) {
		if (resize && resize <= cls->size) {
			state_set(cls, run, index, resize);
			cls->live_bytes_requested += resize;
			cls->live_bytes_requested -= info->requested;
		}
		found = PA_LIVE;
	}
	spin_unlock_irqrestore(&cls->lock, flags);
out:
	rcu_read_unlock();
	return found;
}
