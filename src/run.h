/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A run's blocks and their state entries, inlined into the fast paths
 * (cache.h) and used by the class code (class.c) that fills and drains runs.
 *
 * A block's state entry holds the size it was asked for, 0 while it is free
 * (struct pa_run_state).  It changes only atomically (request -> 0 on free by
 * xchg, request -> request' on an in-place resize by cmpxchg) or, while a
 * per-CPU cache owns the block, by a plain store (0 -> request); so of two
 * racing frees of one block only one succeeds.
 */
#ifndef _PA_RUN_H
#define _PA_RUN_H

#include "internal.h"
#include "map.h"
#include "sanitize.h"

/* The address of @run's first block. */
static __always_inline unsigned long pa_run_base(const struct pa_run *run)
{
	return pa_arena_base(run->arena) + (run - run->arena->runs) * PA_RUN_SIZE;
}

/*
 * The index of the block at @offset in a run of @size-byte blocks, without
 * a division: @recip is 2^32 / @size rounded up.  Exact because offset *
 * (recip - 2^32 / size) < 2^32 / size, which holds for offsets below 2^18
 * and sizes up to 2^14 (so an error below 2^-14, under the 1 / size gap
 * between an offset / size that is not whole and the next integer).
 */
static __always_inline unsigned int
pa_run_block_index(unsigned int offset, u32 recip)
{
	return ((u64)offset * recip) >> 32;
}

static_assert(PA_RUN_SIZE <= (1 << 18) && PA_SMALL_MAX_MAX <= (1 << 14));

/*
 * Whether @product, (u64)offset * recip as in pa_run_block_index(), is that
 * of a block's first byte.  With size * recip = 2^32 + e (0 <= e < size),
 * offset = q * size + r and the index q exact, the product is q * 2^32 +
 * q * e + r * recip, and its low 32 bits are q * e + r * recip, which does
 * not wrap as long as (q + 1) * e < recip (q is at most one past the last
 * block, so (q + 1) * e < 2 * PA_RUN_SIZE).  A block's start (r = 0) leaves
 * q * e < offset < PA_RUN_SIZE; any other offset leaves at least recip,
 * which is above 2 * PA_RUN_SIZE.  So one compare of the product that
 * gives the index, and no multiplication by the size.
 */
static __always_inline bool pa_run_block_start(u64 product, u32 recip)
{
	return (u32)product < recip;
}

/* recip >= 2^32 / size >= 2 * PA_RUN_SIZE, as pa_run_block_start() needs. */
static_assert(2ULL * PA_RUN_SIZE * PA_SMALL_MAX_MAX <= 1ULL << 32);

/**
 * pa_run_entry() - the state entry of the block of @run that starts at @p
 * @run: the run holding @p, from pa_map_lookup()
 * @p: the pointer
 * @entryp: set to the entry; it is 0 when that block is free
 *
 * Context: preemption disabled (an RCU read-side section).
 * Return: the run's state, or NULL when the run is free or @p is not the
 * first byte of one of its blocks.
 */
static __always_inline struct pa_run_state *
pa_run_entry(struct pa_run *run, const void *p, void **entryp)
{
	struct pa_run_state *state = rcu_dereference_sched(run->state);
	/* Runs are naturally aligned: the offset is the low bits. */
	unsigned int offset = (unsigned long)p & (PA_RUN_SIZE - 1);
	unsigned int index;
	u64 product;

	if (!state)
		return NULL;
	/* One multiplication for both: pa_run_block_index()'s. */
	product = (u64)offset * state->recip;
	/* Past the last block, the state array's extra entry stays 0. */
	if (!pa_run_block_start(product, state->recip))
		return NULL;
	index = product >> 32;
	*entryp = state->data + (index << state->wide);
	return state;
}

/* The request recorded in a state entry; 0 for a free block. */
static __always_inline unsigned int
pa_run_entry_load(const void *entry, bool wide)
{
	return wide ? READ_ONCE(*(const u16 *)entry) :
		      READ_ONCE(*(const u8 *)entry);
}

/**
 * pa_run_entry_claim() - clear a live block's state entry, once
 * @entry: the entry
 * @wide: whether it is a u16 (else a u8)
 *
 * An atomic exchange: of two callers racing to free one block, only one
 * gets its request size; the other sees 0, as for a block that was free
 * already, and writing 0 over that 0 changes nothing.
 *
 * Context: any context.
 * Return: the request size the entry held, or 0 when it held 0.
 */
static __always_inline unsigned long pa_run_entry_claim(void *entry, bool wide)
{
	if (wide)
		return xchg((u16 *)entry, 0);
	return xchg((u8 *)entry, 0);
}

/**
 * pa_run_entry_cmpxchg() - change a state entry if it still holds @old
 * @entry: the entry
 * @wide: whether it is a u16 (else a u8)
 * @old: the value expected
 * @new: the value to store
 *
 * Context: any context.
 * Return: true when the entry held @old and now holds @new.
 */
static __always_inline bool pa_run_entry_cmpxchg(void *entry, bool wide,
						 unsigned int old,
						 unsigned int new)
{
	u16 expect16 = old;
	u8 expect8 = old;

	if (wide)
		return try_cmpxchg((u16 *)entry, &expect16, (u16)new);
	return try_cmpxchg((u8 *)entry, &expect8, (u8)new);
}

/* Set the state entry of a block its cache owns (so no one races). */
static __always_inline void pa_run_entry_store(void *entry, bool wide,
					       unsigned int value)
{
	if (wide)
		WRITE_ONCE(*(u16 *)entry, value);
	else
		WRITE_ONCE(*(u8 *)entry, value);
}

/**
 * pa_run_find() - find the live small block that starts at @p
 * @p: any pointer but NULL
 * @info: filled in for a live block; @info->pool is also set for PA_BAD
 *
 * Lockless: the answer can be stale by the time it is used; callers change
 * the state entry with pa_run_entry_cmpxchg() to make it stick.
 *
 * Context: preemption disabled (an RCU read-side section).
 * Return: PA_LIVE, PA_BAD when @p is in an arena but is not the start of a
 * live block, PA_NOT_OURS otherwise.
 */
static __always_inline enum pa_lookup
pa_run_find(const void *p, struct pa_block_info *info)
{
	struct pa_run_state *state;
	struct pa_run *run;
	void *entry;

	run = pa_map_lookup(p);
	if (!run)
		return PA_NOT_OURS;
	info->pool = run->arena->pool;
	state = pa_run_entry(run, p, &entry);
	if (!state)
		return PA_BAD;
	info->requested = pa_run_entry_load(entry, state->wide);
	if (!info->requested)
		return PA_BAD;
	info->entry = entry;
	info->nmi = pa_sanitize_is_nmi(state, entry);
	info->class = state->cls->index;
	info->usable = state->size;
	return PA_LIVE;
}

#endif /* _PA_RUN_H */
