/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The free path's lookups, inlined into the fast paths of pa_pcpu.c: from a
 * pointer to its run through the run map (pa_map.c), and from the run to the
 * block's state entry.  Every pa_free() runs this code, so it is kept to a
 * few loads and compares with no call.
 */
#ifndef _PA_LOOKUP_H
#define _PA_LOOKUP_H

#include "pa_internal.h"

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
	struct pa_arena *arena[1 << PA_MAP_LEAF_BITS];
};

struct pa_map_mid {
	struct pa_map_leaf *leaf[1 << PA_MAP_MID_BITS];
};

extern struct pa_map_mid *pa_map_top[1 << PA_MAP_TOP_BITS];

/* The run index of a direct-map address; anything else is out of range. */
static inline unsigned long pa_map_index(unsigned long addr)
{
	return (addr - PAGE_OFFSET) >> (PAGE_SHIFT + PA_RUN_ORDER);
}

/**
 * pa_run_lookup() - find the run that holds an address
 * @p: any pointer
 *
 * Context: interrupts disabled (an RCU read-side section); the run is valid
 * until they are enabled again.
 * Return: the run, or NULL when @p is in no arena.
 */
static __always_inline struct pa_run *pa_run_lookup(const void *p)
{
	unsigned long index = pa_map_index((unsigned long)p);
	struct pa_map_leaf *leaf;
	struct pa_map_mid *mid;
	struct pa_arena *arena;

	if (index >= 1UL << PA_MAP_INDEX_BITS)
		return NULL;
	mid = READ_ONCE(pa_map_top[index >> (PA_MAP_MID_BITS + PA_MAP_LEAF_BITS)]);
	if (!mid)
		return NULL;
	leaf = READ_ONCE(mid->leaf[(index >> PA_MAP_LEAF_BITS) &
				   ((1 << PA_MAP_MID_BITS) - 1)]);
	if (!leaf)
		return NULL;
	arena = READ_ONCE(leaf->arena[index & ((1 << PA_MAP_LEAF_BITS) - 1)]);
	if (!arena)
		return NULL;
	return &arena->runs[((unsigned long)p - arena->base) / PA_RUN_SIZE];
}

/**
 * pa_run_slot() - the state entry of the block of @run that starts at @p
 * @run: the run holding @p, from pa_run_lookup()
 * @p: the pointer
 * @statep: set to the run's state array
 *
 * Context: interrupts disabled (an RCU read-side section).
 * Return: the entry, or NULL when the run is free or @p is not the first byte
 * of one of its blocks.  The entry is 0 when that block is free.
 */
static __always_inline void *pa_run_slot(struct pa_run *run, const void *p,
					 struct pa_run_state **statep)
{
	struct pa_run_state *state = rcu_dereference_sched(run->state);
	/* Runs are naturally aligned: the offset is the low bits. */
	unsigned long offset = (unsigned long)p & (PA_RUN_SIZE - 1);
	unsigned int index;

	if (!state)
		return NULL;
	index = offset / state->size;
	if (index * state->size != offset || index >= state->nr_blocks)
		return NULL;
	*statep = state;
	return state->data + (index << state->wide);
}

/* The request recorded in a state entry; 0 for a free block. */
static __always_inline unsigned int pa_slot_load(const void *slot, bool wide)
{
	return wide ? READ_ONCE(*(const u16 *)slot) :
		      READ_ONCE(*(const u8 *)slot);
}

/**
 * pa_block_find() - find the live small block that starts at @p
 * @p: any pointer but NULL
 * @info: filled in for a live block; @info->pool is also set for PA_BAD
 *
 * Lockless: the answer can be stale by the time it is used; callers change
 * the state entry with pa_slot_cmpxchg() to make it stick.
 *
 * Context: interrupts disabled (an RCU read-side section).
 * Return: PA_LIVE, PA_BAD when @p is in an arena but is not the start of a
 * live block, PA_NOT_OURS otherwise.
 */
static __always_inline enum pa_lookup
pa_block_find(const void *p, struct pa_block_info *info)
{
	struct pa_run_state *state;
	struct pa_run *run;
	void *slot;

	run = pa_run_lookup(p);
	if (!run)
		return PA_NOT_OURS;
	info->pool = run->arena->pool;
	slot = pa_run_slot(run, p, &state);
	if (!slot)
		return PA_BAD;
	info->requested = pa_slot_load(slot, state->wide);
	if (!info->requested)
		return PA_BAD;
	info->slot = slot;
	info->run = run;
	info->class = state->cls->index;
	info->usable = state->size;
	return PA_LIVE;
}

/**
 * pa_slot_cmpxchg() - change a block's state entry if it still holds @old
 * @slot: the entry
 * @wide: whether it is a u16 (else a u8)
 * @old: the value expected
 * @new: the value to store
 *
 * Context: any context.
 * Return: true when the entry held @old and now holds @new.
 */
static __always_inline bool pa_slot_cmpxchg(void *slot, bool wide,
					    unsigned int old, unsigned int new)
{
	u16 expect16 = old;
	u8 expect8 = old;

	if (wide)
		return try_cmpxchg((u16 *)slot, &expect16, (u16)new);
	return try_cmpxchg((u8 *)slot, &expect8, (u8)new);
}

/* Set the state entry of a block its cache owns (so no one races). */
static __always_inline void pa_slot_store(void *slot, bool wide,
					  unsigned int value)
{
	if (wide)
		WRITE_ONCE(*(u16 *)slot, value);
	else
		WRITE_ONCE(*(u8 *)slot, value);
}

#endif /* _PA_LOOKUP_H */
