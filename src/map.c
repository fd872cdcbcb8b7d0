// SPDX-License-Identifier: GPL-2.0
/*
 * The run map: from any address to the run holding it, in a few loads.
 *
 * Every free looks its pointer up here, so the lookup is the free path's
 * main cost.  The map is a three-level radix tree over the run index of a
 * direct-map address, (addr - PAGE_OFFSET) / PA_RUN_SIZE: a top level
 * allocated at load, sized for the machine's MAX_PHYSMEM_BITS (46 or 52 bits
 * on x86-64, decided at boot by the paging mode), and middle and leaf
 * levels allocated when an arena first needs them and never freed (a leaf
 * maps 8 MiB of physical memory with one page of pointers: 0.05% of the
 * memory it maps).  Until a level is needed, a static empty one stands in
 * for it, so a lookup never tests for a missing level.  Any address beyond
 * the physical address space gives an index beyond the map and is refused
 * with one compare, so the lookup never touches memory it does not own.
 * The free path pays one load more than with a static top level: the top
 * level's address, on the same cache line as the bound it compares with.
 *
 * Readers run with preemption disabled and take no lock.  Levels are
 * published with cmpxchg and never freed; an arena's entries are cleared
 * before its descriptor is freed after an RCU grace period.
 */
#include <linux/mmzone.h>
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "map.h"

/* Both fields on one cache line: the free path reads the two. */
struct pa_map pa_map __read_mostly __aligned(sizeof(struct pa_map));
EXPORT_SYMBOL_IF_KUNIT(pa_map);
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
	if (pa_fault_should_fail(PAGE_SIZE << order, gfp))
		return NULL;
	/* A middle level is order 2: __GFP_NOFAIL is kept by trying again. */
	while (!(level = (void *)__get_free_pages((gfp | __GFP_ZERO) &
						  ~__GFP_NOFAIL, order)))
		if (!pa_meta_wait(gfp))
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

	mid = map_level((void **)&pa_map.top[index >> PA_MAP_TOP_SHIFT],
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

/* How many entries the top level has: enough for every run index. */
static unsigned long map_top_entries(void)
{
	return DIV_ROUND_UP(pa_map.nr_index, 1UL << PA_MAP_TOP_SHIFT);
}

/**
 * pa_map_enter() - enter runs at consecutive run indexes
 * @first: the run index of @runs[0]
 * @runs: the runs
 * @nr: how many
 * @gfp: for the map's levels
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: 0, or -ENOMEM (nothing is entered), or -ERANGE when an index is
 * beyond the map.
 */
VISIBLE_IF_KUNIT int pa_map_enter(unsigned long first, struct pa_run *runs,
				  unsigned int nr, gfp_t gfp)
{
	struct pa_run **slot;
	unsigned long i;

	if (first >= pa_map.nr_index || nr > pa_map.nr_index - first)
		return -ERANGE;
	/* Levels first, so that a failure leaves no entry behind. */
	for (i = 0; i < nr; i++)
		if (!map_slot(first + i, gfp))
			return -ENOMEM;
	for (i = 0; i < nr; i++) {
		slot = map_slot(first + i, GFP_NOWAIT);
		/* The run before its entry, for a racing stray free. */
		smp_store_release(slot, &runs[i]);
	}
	return 0;
}
EXPORT_SYMBOL_IF_KUNIT(pa_map_enter);

/**
 * pa_map_clear() - remove the runs at consecutive run indexes
 * @first: the first run index, entered by pa_map_enter()
 * @nr: how many
 *
 * Context: any context but NMI.
 */
VISIBLE_IF_KUNIT void pa_map_clear(unsigned long first, unsigned int nr)
{
	unsigned long i;

	for (i = 0; i < nr; i++)
		WRITE_ONCE(*map_slot(first + i, GFP_NOWAIT), NULL);
}
EXPORT_SYMBOL_IF_KUNIT(pa_map_clear);

/* ---- Interface --------------------------------------------------------- */

/**
 * pa_map_add() - enter every run of an arena in the map
 * @arena: the arena, set up
 * @gfp: for the map's levels
 *
 * Context: any context but NMI, as @gfp allows.
 * Return: 0, or -ENOMEM (nothing is entered), or -ERANGE when the arena is
 * beyond the physical addresses the map covers (only when pa_map_init()
 * failed: the map covers MAX_PHYSMEM_BITS).
 */
int pa_map_add(struct pa_arena *arena, gfp_t gfp)
{
	return pa_map_enter(pa_map_index(pa_arena_base(arena)), arena->runs,
			    arena->nr_runs, pa_meta_gfp(gfp));
}

/**
 * pa_map_init() - allocate the top level for the machine's physical
 * address space, every entry pointing at the empty levels
 *
 * MAX_PHYSMEM_BITS is read at run time: on x86-64 it depends on the paging
 * mode the kernel chose at boot.
 *
 * Context: module load, before any arena.
 * Return: 0, or -ENOMEM; the map then covers nothing, so every arena is
 * refused (-ERANGE) and every lookup finds nothing.
 */
int pa_map_init(void)
{
	unsigned long i, entries, nr_index;
	struct pa_map_mid **top;

	for (i = 0; i < ARRAY_SIZE(pa_map_none_mid.leaf); i++)
		pa_map_none_mid.leaf[i] = &pa_map_none_leaf;
	nr_index = 1UL << (MAX_PHYSMEM_BITS - PAGE_SHIFT - PA_RUN_ORDER);
	entries = DIV_ROUND_UP(nr_index, 1UL << PA_MAP_TOP_SHIFT);
	top = kvmalloc_array(entries, sizeof(*top), GFP_KERNEL);
	if (!top)
		return -ENOMEM;
	for (i = 0; i < entries; i++)
		top[i] = &pa_map_none_mid;
	pa_map.top = top;
	pa_map.nr_index = nr_index;
	pr_info("run map: %u physical address bits, top level of %lu KiB\n",
		(unsigned int)MAX_PHYSMEM_BITS, entries * sizeof(*top) / SZ_1K);
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
	pa_map_clear(pa_map_index(pa_arena_base(arena)), arena->nr_runs);
}

/**
 * pa_map_exit() - free the map's levels
 *
 * Context: module unload, after every arena is gone; or a failed load.
 */
void pa_map_exit(void)
{
	unsigned long top, entries = map_top_entries();
	unsigned int i;

	for (top = 0; top < entries; top++) {
		struct pa_map_mid *mid = pa_map.top[top];

		if (mid == &pa_map_none_mid)
			continue;
		for (i = 0; i < ARRAY_SIZE(mid->leaf); i++)
			if (mid->leaf[i] != &pa_map_none_leaf)
				free_pages((unsigned long)mid->leaf[i],
					   PA_MAP_LEAF_ORDER);
		free_pages((unsigned long)mid, PA_MAP_MID_ORDER);
	}
	pa_map.nr_index = 0;
	kvfree(pa_map.top);
	pa_map.top = NULL;
}
