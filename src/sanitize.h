/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the kernel's own detectors need to see inside the pools, at a block's
 * boundary: when it is handed out, resized and freed.  All of it compiles
 * to nothing where the kernel has neither generic KASAN nor kmemleak, as
 * Debian's stock kernels have not.
 *
 * KASAN: an arena is poisoned when it is made.  A live block is accessible
 * for exactly the bytes requested, and the slack up to its class size is a
 * redzone, as kmalloc's objects are; a free block, in a run or a per-CPU
 * cache, is poisoned as a freed slab object.  The shadow values are the ones
 * mm/kasan/kasan.h gives slab objects, so a report names the bug
 * ("slab-out-of-bounds", "slab-use-after-free").  The allocator's own reads
 * and writes of free blocks (the free-list link) are made with reports
 * disabled for the current task.
 *
 * kmemleak: a small block is a kmemleak object of its requested size from
 * allocation to free, scanned for pointers and reported when nothing
 * points to it.  Arenas are not kmemleak objects (objects may not overlap),
 * so neither they nor free blocks are scanned or reported.
 *
 * In NMI: KASAN's shadow writes take no lock and are made there as anywhere
 * else.  kmemleak takes locks and allocates, so it is never called in NMI:
 * a block handed out there is no kmemleak object, and a bit per block in its
 * run's state (pa_run_state.nmi, only with kmemleak) says so until the block
 * is freed, so that its free, in any context and on any CPU, does not call
 * kmemleak_free() for it (a search of kmemleak's tree for nothing, and a
 * warning, "Freeing unknown object", where kmemleak is built with DEBUG);
 * the free clears the bit, or the block's next life as a kmemleak object
 * would never be freed and its next allocation would overlap it ("Cannot
 * insert ... overlaps existing", which stops kmemleak).  The bit is written
 * only by the block's owner: set by the NMI that hands the block out before
 * the pointer leaves it, tested and cleared by the free that claimed the
 * block's state entry, so no two writers race.  The price: kmemleak neither
 * scans nor reports such a block (a pool's destroy still counts it in its
 * leak report).  A block that kmemleak knows is never freed in NMI: the
 * whole free waits for the irq_work (cache.h, pa_cache_nmi_defers()).
 */
#ifndef _PA_SANITIZE_H
#define _PA_SANITIZE_H

#include <linux/kasan.h>
#include <linux/kmemleak.h>
#include <linux/bitops.h>
#include <linux/preempt.h>
#include "internal.h"

#ifdef CONFIG_KASAN_GENERIC
/*
 * mm/kasan/kasan.h is private to mm/; kasan_poison() is exported from
 * mm/kasan/shadow.c, and these are the shadow values it names in reports.
 */
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
#define PA_KASAN_GRANULE	8	/* KASAN_GRANULE_SIZE */
#define PA_KASAN_REDZONE	0xFC	/* KASAN_SLAB_REDZONE */
#define PA_KASAN_FREE		0xFB	/* KASAN_SLAB_FREE */
static_assert(PA_KASAN_GRANULE == 1 << KASAN_SHADOW_SCALE_SHIFT);
static_assert(PA_ALIGN % PA_KASAN_GRANULE == 0);

/* Make [@p, @p + @size) accessible, and the rest of @usable a redzone. */
static inline void pa_sanitize_shape(const void *p, size_t size, size_t usable)
{
	size_t whole = round_down(size, PA_KASAN_GRANULE);
	size_t end = round_up(size, PA_KASAN_GRANULE);

	kasan_poison(p, whole, 0, false);
	/* A shadow byte of N: the first N bytes of the granule are valid. */
	if (end != whole)
		kasan_poison(p + whole, PA_KASAN_GRANULE, size - whole, false);
	/*
	 * A kmalloc backend block's usable size is its request: its last
	 * granule is whole in the slab object, and in the shadow.
	 */
	usable = round_up(usable, PA_KASAN_GRANULE);
	if (usable > end)
		kasan_poison(p + end, usable - end, PA_KASAN_REDZONE, false);
}

/* Mark all of @usable bytes at @p free. */
static inline void pa_sanitize_poison(const void *p, size_t usable)
{
	kasan_poison(p, usable, PA_KASAN_FREE, false);
}
#else
static inline void pa_sanitize_shape(const void *p, size_t size, size_t usable)
{
}

static inline void pa_sanitize_poison(const void *p, size_t usable)
{
}
#endif

#ifdef CONFIG_DEBUG_KMEMLEAK
/* The index of the block whose state entry is @entry. */
static inline unsigned int
pa_sanitize_block_index(const struct pa_run_state *state, const void *entry)
{
	return ((const u8 *)entry - state->data) >> state->wide;
}

/* A new run's state, whose bitmap of NMI blocks (zeroed) is at @nmi. */
static inline void pa_sanitize_init_state(struct pa_run_state *state,
					  unsigned long *nmi)
{
	state->nmi = nmi;
}

/* Whether kmemleak must be left alone: in NMI. */
static inline bool pa_sanitize_in_nmi(void)
{
	return in_nmi();
}

/* The block of @entry is handed out in NMI: no kmemleak object. */
static inline void pa_sanitize_mark_nmi(struct pa_run_state *state,
					void *entry)
{
	set_bit(pa_sanitize_block_index(state, entry), state->nmi);
}

/* Whether the live block of @entry was handed out in NMI. */
static inline bool pa_sanitize_is_nmi(const struct pa_run_state *state,
				      const void *entry)
{
	return test_bit(pa_sanitize_block_index(state, entry), state->nmi);
}

/*
 * The block of @entry, whose entry its free claimed, is no longer an NMI
 * block.  Return: whether it was one (and so no kmemleak object).
 */
static inline bool pa_sanitize_unmark_nmi(struct pa_run_state *state,
					  void *entry)
{
	return test_and_clear_bit(pa_sanitize_block_index(state, entry),
				  state->nmi);
}
#else
static inline void pa_sanitize_init_state(struct pa_run_state *state,
					  unsigned long *nmi)
{
}

static inline bool pa_sanitize_in_nmi(void)
{
	return false;
}

static inline void pa_sanitize_mark_nmi(struct pa_run_state *state,
					void *entry)
{
}

static inline bool pa_sanitize_is_nmi(const struct pa_run_state *state,
				      const void *entry)
{
	return false;
}

static inline bool pa_sanitize_unmark_nmi(struct pa_run_state *state,
					  void *entry)
{
	return false;
}
#endif

/**
 * pa_sanitize_open() - make a whole block accessible to the allocator
 * @p: the block
 * @usable: its usable size
 *
 * Before the allocator writes all of a block (zeroing it) or reads past its
 * request (copying it); a later pa_sanitize_alloc(), pa_sanitize_resize()
 * or pa_sanitize_free() gives it its shape again.
 */
static inline void pa_sanitize_open(const void *p, size_t usable)
{
	pa_sanitize_shape(p, usable, usable);
}

/**
 * pa_sanitize_alloc() - a small block is handed out
 * @p: the block
 * @size: bytes requested
 * @usable: its class size
 * @gfp: the caller's flags, for kmemleak's own allocation
 */
static inline void pa_sanitize_alloc(const void *p, size_t size, size_t usable,
				     gfp_t gfp)
{
	pa_sanitize_shape(p, size, usable);
	/* In NMI the caller marks the block instead (pa_sanitize_mark_nmi()). */
	if (!pa_sanitize_in_nmi())
		kmemleak_alloc(p, size, 1, pa_meta_gfp(gfp));
}

/**
 * pa_sanitize_resize() - a live block keeps its place with a new request
 * @p: the block
 * @old: the request it had
 * @size: the request it has now
 * @usable: its usable size
 * @gfp: the caller's flags
 * @small: whether it is a small block that kmemleak knows (an object of
 *	its request; vmalloc and the page allocator register large blocks
 *	whole, and a block handed out in NMI is no object)
 */
static inline void pa_sanitize_resize(const void *p, size_t old, size_t size,
				      size_t usable, gfp_t gfp, bool small)
{
	pa_sanitize_shape(p, size, usable);
	if (small && old != size) {
		kmemleak_free(p);
		kmemleak_alloc(p, size, 1, pa_meta_gfp(gfp));
	}
}

/**
 * pa_sanitize_free() - a small block is freed
 * @p: the block
 * @usable: its class size
 * @known: whether kmemleak knows it (it was not handed out in NMI)
 */
static inline void pa_sanitize_free(const void *p, size_t usable, bool known)
{
	if (known)
		kmemleak_free(p);
	pa_sanitize_poison(p, usable);
}

/* A live block goes with its arena, when a pool is deleted with it. */
static inline void pa_sanitize_forget(const void *p)
{
	kmemleak_free(p);
}

/*
 * The allocator reads and writes free blocks (their free-list link): no
 * KASAN report for the current task between these two.
 */
static inline void pa_sanitize_own_begin(void)
{
	kasan_disable_current();
}

static inline void pa_sanitize_own_end(void)
{
	kasan_enable_current();
}

#endif /* _PA_SANITIZE_H */
