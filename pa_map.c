// SPDX-License-Identifier: GPL-2.0
/*
 * The run map: from any address to the arena holding it, in a few loads.
 *
 * Every free looks its pointer up here, so the lookup is the free path's
 * main cost.  The map is a three-level radix tree over the run index of a
 * direct-map address, (addr - PAGE_OFFSET) / PA_RUN_SIZE: a static top
 * level, and middle and leaf levels allocated when an arena first needs
 * them and never freed (a leaf maps 8 MiB of physical memory with one page
 * of pointers: 0.05% of the memory it maps).  Any address
 * outside the direct map gives an index beyond the map and is refused with
 * one compare, so the lookup never touches memory it does not own.
 *
 * Readers run with interrupts disabled and take no lock.  Levels are
 * published with cmpxchg and never freed; an arena's entries are cleared
 * before its descriptor is freed after an RCU grace period.
 */
#include <linux/slab.h>
#include "pa_internal.h"
#include "pa_lookup.h"

struct pa_map_mid *pa_map_top[1 << PA_MAP_TOP_BITS];

/* ---- Internals --------------------------------------------------------- */

/* Publish a zeroed level in *@slot unless another caller did first. */
static void *map_level(void **slot, unsigned int order, gfp_t gfp)
{
	void *level = READ_ONCE(*slot), *old;

	if (level)
		return level;
	level = (void *)__get_free_pages(gfp | __GFP_ZERO, order);
	if (!level)
		return NULL;
	old = cmpxchg(slot, NULL, level);
	if (old) {
		free_pages((unsigned long)level, order);
		return old;
	}
	return level;
}

static struct pa_arena **map_slot(unsigned long index, gfp_t gfp)
{
	struct pa_map_mid *mid;
	struct pa_map_leaf *leaf;

	mid = map_level((void **)&pa_map_top[index >>
					     (PA_MAP_MID_BITS + PA_MAP_LEAF_BITS)],
			PA_MAP_MID_ORDER, gfp);
	if (!mid)
		return NULL;
	leaf = map_level((void **)&mid->leaf[(index >> PA_MAP_LEAF_BITS) &
					     ((1 << PA_MAP_MID_BITS) - 1)],
			 PA_MAP_LEAF_ORDER, gfp);
	if (!leaf)
		return NULL;
	return &leaf->arena[index & ((1 << PA_MAP_LEAF_BITS) - 1)];
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
	unsigned long first = pa_map_index(arena->base), i;
	struct pa_arena **slot;

	if (first + arena->nr_runs > 1UL << PA_MAP_INDEX_BITS)
		return -ERANGE;
	/* Levels first, so that a failure leaves no entry behind. */
	for (i = 0; i < arena->nr_runs; i++)
		if (!map_slot(first + i, pa_meta_gfp(gfp)))
			return -ENOMEM;
	for (i = 0; i < arena->nr_runs; i++) {
		slot = map_slot(first + i, GFP_NOWAIT);
		WRITE_ONCE(*slot, arena);
	}
	return 0;
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
	unsigned long first = pa_map_index(arena->base), i;

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

		if (!mid)
			continue;
		for (i = 0; i < ARRAY_SIZE(mid->leaf); i++)
			free_pages((unsigned long)mid->leaf[i], PA_MAP_LEAF_ORDER);
		free_pages((unsigned long)mid, PA_MAP_MID_ORDER);
		pa_map_top[top] = NULL;
	}
}
