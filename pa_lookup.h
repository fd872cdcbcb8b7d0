/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The free path's lookups, inlined into the fast paths of pa_fast.h: from a
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
static inline unsigned long pa_map_index(unsigned long addr)
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
 * pa_run_lookup() - find the run that holds an address
 * @p: any pointer
 *
 * Context: preemption disabled (an RCU read-side section); the run is valid
 * until it is enabled again.
 * Return: the run, or NULL when @p is in no arena.
 */
static __always_inline struct pa_run *pa_run_lookup(const void *p)
{
	unsigned long index = pa_map_index((unsigned long)p);

	return pa_map_covers(index) ? pa_map_run(index) : NULL;
}

/*
 * The index of the block at @offset in a run of @size-byte blocks, without
 * a division: @recip is 2^32 / @size rounded up.  Exact because offset *
 * (recip - 2^32 / size) < 2^32 / size, which holds for offsets below 2^18
 * and sizes up to 2^14 (so an error below 2^-14, under the 1 / size gap
 * between an offset / size that is not whole and the next integer).
 */
static __always_inline unsigned int pa_block_index(unsigned int offset,
						   u32 recip)
{
	return ((u64)offset * recip) >> 32;
}

static_assert(PA_RUN_SIZE <= (1 << 18) && PA_SMALL_MAX_MAX <= (1 << 14));

/**
 * pa_run_slot() - the state entry of the block of @run that starts at @p
 * @run: the run holding @p, from pa_run_lookup()
 * @p: the pointer
 * @slotp: set to the entry; it is 0 when that block is free
 *
 * Context: preemption disabled (an RCU read-side section).
 * Return: the run's state, or NULL when the run is free or @p is not the
 * first byte of one of its blocks.
 */
static __always_inline struct pa_run_state *
pa_run_slot(struct pa_run *run, const void *p, void **slotp)
{
	struct pa_run_state *state = rcu_dereference_sched(run->state);
	/* Runs are naturally aligned: the offset is the low bits. */
	unsigned long offset = (unsigned long)p & (PA_RUN_SIZE - 1);
	unsigned int index;

	if (!state)
		return NULL;
	index = pa_block_index(offset, state->recip);
	/* Past the last block, the state array's extra entry stays 0. */
	if (index * state->size != offset)
		return NULL;
	*slotp = state->data + (index << state->wide);
	return state;
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
 * Context: preemption disabled (an RCU read-side section).
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
	state = pa_run_slot(run, p, &slot);
	if (!state)
		return PA_BAD;
	info->requested = pa_slot_load(slot, state->wide);
	if (!info->requested)
		return PA_BAD;
	info->slot = slot;
	info->class = state->cls->index;
	info->usable = state->size;
	return PA_LIVE;
}

/**
 * pa_slot_claim() - clear a live block's state entry, once
 * @slot: the entry
 * @wide: whether it is a u16 (else a u8)
 *
 * An atomic exchange: of two callers racing to free one block, only one
 * gets its request size; the other sees 0, as for a block that was free
 * already, and writing 0 over that 0 changes nothing.
 *
 * Context: any context.
 * Return: the request size the entry held, or 0 when it held 0.
 */
static __always_inline unsigned long pa_slot_claim(void *slot, bool wide)
{
	if (wide)
		return xchg((u16 *)slot, 0);
	return xchg((u8 *)slot, 0);
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
