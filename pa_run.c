// SPDX-License-Identifier: GPL-2.0
/*
 * Runs of a size class: taking blocks out of them in batches for the per-CPU
 * caches, putting blocks back, and finding the run of a pointer.
 *
 * A class refills from the fullest of its partially used runs, so that the
 * emptiest runs drain and go back to their arena.  A run moves between the
 * fullness lists only when it crosses a quarter, which keeps the choice O(1).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/slab.h>
#include <linux/percpu.h>
#include <linux/string.h>
#include "pa_internal.h"

/* ---- Internals --------------------------------------------------------- */

static unsigned int run_group(const struct pa_run *run)
{
	if (run->nr_used == run->nr_blocks)
		return PA_RUN_FULL;
	return run->nr_used * PA_FULLNESS_GROUPS / run->nr_blocks;
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

static struct pa_run_state *run_state(struct pa_class *cls, struct pa_run *run)
{
	return rcu_dereference_protected(run->state,
					 lockdep_is_held(&cls->lock));
}

/* Take one free block out of @run, which has one; the caller regroups it. */
static void run_take_block(struct pa_class *cls, struct pa_run *run,
			   struct pa_cached *out)
{
	struct pa_run_state *state = run_state(cls, run);
	unsigned long base = pa_run_base(run);
	unsigned int index;

	lockdep_assert_held(&cls->lock);
	if (run->freelist) {
		out->block = run->freelist;
		run->freelist = *(void **)out->block;
		index = ((unsigned long)out->block - base) / cls->size;
	} else {
		index = run->nr_carved++;
		out->block = (void *)(base + index * cls->size);
	}
	out->slot = state->data + (index << state->wide);
	out->run = run;
	run->nr_used++;
}

/* Put a free block back in its run; true when the run became empty. */
static bool run_put_block(struct pa_class *cls, struct pa_cached *cached)
{
	struct pa_run *run = cached->run;

	lockdep_assert_held(&cls->lock);
	*(void **)cached->block = run->freelist;
	run->freelist = cached->block;
	run->nr_used--;
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
	pa_run_put(run);
}

/* ---- Interface to the caches ------------------------------------------- */

/**
 * pa_class_init() - set up an empty size class
 * @cls: the class
 * @index: its index in the class table
 *
 * Context: process context.
 * Return: 0 or -ENOMEM.
 */
int pa_class_init(struct pa_class *cls, unsigned int index)
{
	unsigned int group;

	spin_lock_init(&cls->lock);
	cls->index = index;
	cls->size = pa_class_size[index];
	cls->wide = cls->size >= PA_STATE_WIDE_MIN;
	for (group = 0; group < PA_FULLNESS_GROUPS; group++)
		INIT_LIST_HEAD(&cls->partial[group]);
	cls->cache = alloc_percpu(struct pa_cpu_cache);
	return cls->cache ? 0 : -ENOMEM;
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
 * pa_class_refill() - take up to @n free blocks from the fullest runs
 * @cls: the class
 * @out: where to put them; the block from the fullest run comes last, so a
 *	cache that pops from the end hands it out first
 * @n: how many at most
 *
 * Context: interrupts disabled.  Takes cls->lock.
 * Return: how many were taken; 0 when the class has no free block.
 */
unsigned int pa_class_refill(struct pa_class *cls, struct pa_cached *out,
			     unsigned int n)
{
	struct pa_run *run;
	unsigned int got = 0, i;

	spin_lock(&cls->lock);
	while (got < n && (run = class_fullest_run(cls))) {
		/* Take what is needed from this run, then file it once. */
		do {
			run_take_block(cls, run, &out[got++]);
		} while (got < n && run->nr_used < run->nr_blocks);
		run_regroup(cls, run);
	}
	spin_unlock(&cls->lock);

	for (i = 0; i < got / 2; i++)
		swap(out[i], out[got - 1 - i]);
	return got;
}

/**
 * pa_class_flush() - give @n free blocks back to their runs
 * @cls: their class
 * @blocks: the blocks
 * @n: how many
 *
 * Runs that become empty go back to their arena.
 *
 * Context: interrupts disabled.  Takes cls->lock, then pool->arena_lock.
 */
void pa_class_flush(struct pa_class *cls, struct pa_cached *blocks,
		    unsigned int n)
{
	struct pa_run *empty[PA_CACHE_SIZE];
	unsigned int nr_empty = 0, i;

	if (WARN_ON_ONCE(n > PA_CACHE_SIZE))
		n = PA_CACHE_SIZE;
	spin_lock(&cls->lock);
	for (i = 0; i < n; i++)
		if (run_put_block(cls, &blocks[i]))
			empty[nr_empty++] = blocks[i].run;
	spin_unlock(&cls->lock);

	for (i = 0; i < nr_empty; i++)
		run_release(empty[i]);
}

/**
 * pa_class_grow() - add a new run to a class
 * @pool: the pool whose arenas to use
 * @cls: the class
 * @gfp: how pages may be allocated
 *
 * Context: any context but NMI, as @gfp allows; interrupts enabled when
 * @gfp may sleep.
 * Return: the run, not yet on the class lists (pa_class_take_from() puts it
 * there), or NULL.
 */
struct pa_run *pa_class_grow(struct pa_pool *pool, struct pa_class *cls,
			     gfp_t gfp)
{
	unsigned int nr_blocks = PA_RUN_SIZE / cls->size;
	struct pa_run_state *state;
	struct pa_run *run;

	run = pa_run_get(pool, gfp);
	if (!run)
		return NULL;
	state = kzalloc(struct_size(state, data, nr_blocks << cls->wide),
			pa_meta_gfp(gfp));
	if (!state) {
		pa_run_put(run);
		return NULL;
	}
	state->cls = cls;
	state->nr_blocks = nr_blocks;
	state->size = cls->size;
	state->wide = cls->wide;
	run->freelist = NULL;
	run->nr_blocks = nr_blocks;
	run->nr_used = 0;
	run->nr_carved = 0;
	rcu_assign_pointer(run->state, state);
	return run;
}

/**
 * pa_class_take_from() - put a new run on its class and take a block of it
 * @cls: the class
 * @run: a run from pa_class_grow()
 * @out: the block
 *
 * The run is new, so it has a free block to give.
 *
 * Context: interrupts disabled.  Takes cls->lock.
 */
void pa_class_take_from(struct pa_class *cls, struct pa_run *run,
			struct pa_cached *out)
{
	spin_lock(&cls->lock);
	/* Lookups see the class only once the run is set up. */
	WRITE_ONCE(run->class, cls->index);
	run->group = 0;
	list_add(&run->node, &cls->partial[0]);
	cls->nr_in_group[0]++;
	cls->nr_runs++;
	cls->nr_blocks += run->nr_blocks;
	run_take_block(cls, run, out);
	run_regroup(cls, run);
	spin_unlock(&cls->lock);
}
