/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The run map's lookup, inlined into the free path (cache.h): from an
 * address to the run that holds it in a few loads and compares, with no
 * call and no lock.  map.c adds and removes arenas.
 */
#ifndef _PA_MAP_H
#define _PA_MAP_H

#include "internal.h"

/*
 * Physical addresses of up to 46 bits (x86-64 with four-level paging) give
 * 32 bits of run index: 12 for the static top level (32 KiB), 11 for a middle
 * level (four pages, covering 16 GiB) and 9 for a leaf (one page, 8 MiB).
 */
#define PA_MAP_PHYS_BITS	46
#define PA_MAP_INDEX_BITS	(PA_MAP_PHYS_BITS - PAGE_SHIFT - PA_RUN_ORDER)
#define PA_MAP_LEAF_BITS	9
#define PA_MAP_MID_BITS		11
#define PA_MAP_TOP_BITS		(PA_MAP_INDEX_BITS - PA_MAP_MID_BITS - \
				 PA_MAP_LEAF_BITS)
#define PA_MAP_LEAF_ORDER	0
#define PA_MAP_MID_ORDER	2

static_assert(sizeof(void *) << PA_MAP_LEAF_BITS == PAGE_SIZE << PA_MAP_LEAF_ORDER);
static_assert(sizeof(void *) << PA_MAP_MID_BITS == PAGE_SIZE << PA_MAP_MID_ORDER);

struct pa_map_leaf {
	struct pa_run *run[1 << PA_MAP_LEAF_BITS];
};

struct pa_map_mid {
	struct pa_map_leaf *leaf[1 << PA_MAP_MID_BITS];
};

/*
 * Levels not yet needed are not NULL but these two, which map nothing: a
 * lookup then walks all three levels without testing for a missing one.
 */
extern struct pa_map_mid *pa_map_top[1 << PA_MAP_TOP_BITS];
extern struct pa_map_mid pa_map_none_mid;
extern struct pa_map_leaf pa_map_none_leaf;

/* The run index of a direct-map address; anything else is out of range. */
static __always_inline unsigned long pa_map_index(unsigned long addr)
{
	return (addr - PAGE_OFFSET) >> (PAGE_SHIFT + PA_RUN_ORDER);
}

/* Whether a run index is one the map covers: direct-map addresses only. */
static __always_inline bool pa_map_covers(unsigned long index)
{
	return index < (1UL << PA_MAP_INDEX_BITS);
}

/**
 * pa_map_run() - the run at a run index
 * @index: a run index the map covers
 *
 * Context: preemption disabled (an RCU read-side section); the run is valid
 * until it is enabled again.
 * Return: the run, or NULL when the index is in no arena.
 */
static __always_inline struct pa_run *pa_map_run(unsigned long index)
{
	struct pa_map_leaf *leaf;
	struct pa_map_mid *mid;

	/* Address dependencies order these loads after the publications. */
	mid = READ_ONCE(pa_map_top[index >> (PA_MAP_MID_BITS + PA_MAP_LEAF_BITS)]);
	leaf = READ_ONCE(mid->leaf[(index >> PA_MAP_LEAF_BITS) &
				   ((1 << PA_MAP_MID_BITS) - 1)]);
	return READ_ONCE(leaf->run[index & ((1 << PA_MAP_LEAF_BITS) - 1)]);
}

/**
 * pa_map_lookup() - find the run that holds an address
 * @p: any pointer
 *
 * Context: preemption disabled (an RCU read-side section); the run is valid
 * until it is enabled again.
 * Return: the run, or NULL when @p is in no arena.
 */
static __always_inline struct pa_run *pa_map_lookup(const void *p)
{
	unsigned long index = pa_map_index((unsigned long)p);

	return pa_map_covers(index) ? pa_map_run(index) : NULL;
}

#endif /* _PA_MAP_H */
