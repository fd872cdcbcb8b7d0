// SPDX-License-Identifier: GPL-2.0
/*
 * The run map: from any address to the run holding it, in a few loads.
 *
 * Every free looks its pointer up here, so the lookup is the free path's
 * main cost.  The map is a three-level radix tree over the run index of a
 * direct-map address, (addr - PAGE_OFFSET) / PA_RUN_SIZE: a static top
 * level, and middle and leaf levels allocated when an arena first needs
 * them and never freed (a leaf maps 8 MiB of physical memory with one page
 * of pointers: 0.05% of the memory it maps).  Until a level is needed, a
 * static empty one stands in for it, so a lookup never tests for a missing
 * level.  Any address outside the direct map gives an index beyond the map
 * and is refused with one compare, so the lookup never touches memory it
 * does not own.
 *
 * Readers run with preemption disabled and take no lock.  Levels are
 * published with cmpxchg and never freed; an arena's entries are cleared
 * before its descriptor is freed after an RCU grace period.
 */
#include <linux/slab.h>
#include "internal.h"
#include "map.h"

struct pa_map_mid *pa_map_top[1 << PA_MAP_TOP_BITS];
struct pa_map_mid pa_map_none_mid;
struct pa_map_leaf pa_map_none_leaf;

/* ---- Internals --------------------------------------------------------- */

/*
 * The level that *@slot points to, publishing a new one (of @order pages,
 * whose entries point to @none_below) in place of the empty @none unless
 * another caller did first.
 */
static void *map_level(void **slot, void *none, unsigned int order,
		       void *none_below, gfp_t gfp)
{
	void *level = READ_ONCE(*slot), *old;
	unsigned int i;

	if (level != none)
		return level;
	level = (void *)__get_free_pages(gfp | __GFP_ZERO, order);
	if (!level)
		return NULL;
	if (none_below)
		for (i = 0; i < (PAGE_SIZE << order) / sizeof(void *); i++)
			((void **)level)[i] = none_below;
	/* A full barrier: readers see the entries before the level. */
	old = cmpxchg(slot, none, level);
	if (old != none) {
		free_pages((unsigned long)level, order);
		return old;
	}
	return level;
}

static struct pa_run **map_slot(unsigned long index, gfp_t gfp)
{
	struct pa_map_mid *mid;
	struct pa_map_leaf *leaf;

	mid = map_level((void **)&pa_map_top[index >>
					     (PA_MAP_MID_BITS + PA_MAP_LEAF_BITS)],
			&pa_map_none_mid, PA_MAP_MID_ORDER, &pa_map_none_leaf,
			gfp);
	if (!mid)
		return NULL;
	leaf = map_level((void **)&mid->leaf[(index >> PA_MAP_LEAF_BITS) &
					     ((1 << PA_MAP_MID_BITS) - 1)],
			 &pa_map_none_leaf, PA_MAP_LEAF_ORDER, NULL, gfp);
	if (!leaf)
		return NULL;
	return &leaf->run[index & ((1 << PA_MAP_LEAF_BITS) - 1)];
}

/* ---- Interface --------------------------------------------------------- */

/**
 * pa_map_add() - enter every run of an arena in the map
 * @arena: the arena, set up
 * @gfp: for the map's levels
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: 0, or -ENOMEM (nothing is entered), or -ERANGE when the arena is
 * beyond the physical addresses the map covers.
 */
int pa_map_add(struct pa_arena *arena, gfp_t gfp)
{
	unsigned long first = pa_map_index(pa_arena_base(arena)), i;
	struct pa_run **slot;

	if (first + arena->nr_runs > 1UL << PA_MAP_INDEX_BITS)
		return -ERANGE;
	/* Levels first, so that a failure leaves no entry behind. */
	for (i = 0; i < arena->nr_runs; i++)
		if (!map_slot(first + i, pa_meta_gfp(gfp)))
			return -ENOMEM;
	for (i = 0; i < arena->nr_runs; i++) {
		slot = map_slot(first + i, GFP_NOWAIT);
		/* The run before its entry, for a racing stray free. */
		smp_store_release(slot, &arena->runs[i]);
	}
	return 0;
}

/**
 * pa_map_init() - point every level of the empty map at the empty levels
 *
 * Context: module load, before any arena.
 */
void pa_map_init(void)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(pa_map_none_mid.leaf); i++)
		pa_map_none_mid.leaf[i] = &pa_map_none_leaf;
	for (i = 0; i < ARRAY_SIZE(pa_map_top); i++)
		pa_map_top[i] = &pa_map_none_mid;
}

/**
 * pa_map_remove() - remove an arena's runs from the map
 * @arena: an arena entered by pa_map_add()
 *
 * Readers may still hold the arena until an RCU grace period has passed.
 *
 * Context: any context but NMI.
 */
void pa_map_remove(struct pa_arena *arena)
{
	unsigned long first = pa_map_index(pa_arena_base(arena)), i;

	for (i = 0; i < arena->nr_runs; i++)
		WRITE_ONCE(*map_slot(first + i, GFP_NOWAIT), NULL);
}

/**
 * pa_map_exit() - free the map's levels
 *
 * Context: module unload, after every arena is gone.
 */
void pa_map_exit(void)
{
	unsigned int top, i;

	for (top = 0; top < ARRAY_SIZE(pa_map_top); top++) {
		struct pa_map_mid *mid = pa_map_top[top];

		if (mid == &pa_map_none_mid)
			continue;
		for (i = 0; i < ARRAY_SIZE(mid->leaf); i++)
			if (mid->leaf[i] != &pa_map_none_leaf)
				free_pages((unsigned long)mid->leaf[i],
					   PA_MAP_LEAF_ORDER);
		free_pages((unsigned long)mid, PA_MAP_MID_ORDER);
		pa_map_top[top] = &pa_map_none_mid;
	}
}
