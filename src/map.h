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
 * A run index has MAX_PHYSMEM_BITS - PAGE_SHIFT - PA_RUN_ORDER bits: 32 on
 * x86-64 with four-level paging (46 bits), 38 with five-level paging (52
 * bits, which Debian's kernels turn on at boot where the CPU has LA57).  The
 * low 20 are fixed: 9 for a leaf (one page, mapping 8 MiB) and 11 for a
 * middle level (four pages, mapping 16 GiB).  The rest index the top level,
 * allocated at load for the machine's MAX_PHYSMEM_BITS: 4096 entries (32 KiB)
 * or 262144 (2 MiB).
 */
#define PA_MAP_LEAF_BITS	9
#define PA_MAP_MID_BITS		11
#define PA_MAP_TOP_SHIFT	(PA_MAP_MID_BITS + PA_MAP_LEAF_BITS)
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
 * The top level and how many run indexes it covers, side by side so that
 * the free path finds both on one cache line.  Both are set once, at load,
 * before any arena exists; until then (or when the top level could not be
 * allocated) @nr_index is 0 and every address is refused.
 */
struct pa_map {
	struct pa_map_mid **top;
	unsigned long nr_index;
};

/*
 * Levels not yet needed are not NULL but these two, which map nothing: a
 * lookup then walks all three levels without testing for a missing one.
 */
extern struct pa_map pa_map;
extern struct pa_map_mid pa_map_none_mid;
extern struct pa_map_leaf pa_map_none_leaf;

/* The run index of a direct-map address; anything else is out of range. */
static __always_inline unsigned long pa_map_index(unsigned long addr)
{
	return (addr - PAGE_OFFSET) >> (PAGE_SHIFT + PA_RUN_ORDER);
}

/*
 * Whether a run index is one the map covers: one compare, against the end
 * of the physical address space, refuses addresses below PAGE_OFFSET and
 * far above the direct map (the kernel image, modules, and vmalloc where it
 * lies beyond the direct map's largest extent).
 */
static __always_inline bool pa_map_covers(unsigned long index)
{
	return index < pa_map.nr_index;
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
	mid = READ_ONCE(pa_map.top[index >> PA_MAP_TOP_SHIFT]);
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

#if IS_ENABLED(CONFIG_KUNIT)
int pa_map_enter(unsigned long first, struct pa_run *runs, unsigned int nr,
		 gfp_t gfp);
void pa_map_clear(unsigned long first, unsigned int nr);
#endif

#endif /* _PA_MAP_H */
