// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the module's core in userspace: each input is a
 * program of operations on one thread that acts as the shim's CPUs in the
 * order the input says, against a model of every live block and every
 * pool's counters.  After each step every invariant is checked; a
 * violation is an abort() with a message, which libFuzzer takes as a crash.
 *
 * Input: a byte string read front to back, zeros past its end.  Each
 * operation is one byte: its top three bits pick the CPU to act as (the
 * next online one if that one is down), the rest the operation; the
 * operation reads its arguments from the bytes that follow.
 *
 * The invariants:
 *  - every live block keeps the pattern derived from its id (checked on
 *    each operation that touches it, and for all blocks every CHECK_EVERY
 *    operations and at the end of the input);
 *  - no two live blocks overlap ([p, p + usable size); a debug block with
 *    its head and tail);
 *  - alignment: 16 bytes, and natural for powers of two up to PAGE_SIZE
 *    outside debug pools;
 *  - pa_usable_size() >= the request (equal in debug pools), pa_owns() of
 *    a live block true, of an interior, freed or foreign pointer false;
 *  - per pool: allocs, frees, failures, live_blocks, live_bytes_requested,
 *    invalid_frees, err_wrong_pool and err_double_free exactly as the
 *    model counts them, live_bytes_allocated the sum of the usable sizes
 *    outside debug pools; a refused free counted exactly once (in its pool
 *    when the model knows it, in the sum over all pools otherwise);
 *  - at the end of each input, with every block freed and the pools the
 *    input created destroyed, the default pool back where it started.
 *
 * Environment: PA_FUZZ_PARAMS, module parameters for pa_user_load()
 * ("small_max=512", "backend=kmalloc"); PA_FUZZ_VERBOSE=1 prints each
 * operation.
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "pool_alloc.h"
#include "pa_user.h"

/*
 * The reapers' interval (PA_REAP_INTERVAL, 2 s) and a jiffy, and passes
 * enough for a cache used just before the first to be flushed by a later
 * one, whatever the phase of each CPU's reaper.
 */
#define REAP_TICKS	(2 * HZ + 1)
#define REAP_PASSES	3

/* Live blocks the model tracks: enough to fill several runs and caches. */
#define MAX_LIVE	384
/* Pools an input may hold at once, besides the default pool (slot 0). */
#define MAX_POOLS	4
#define NR_SLOTS	(MAX_POOLS + 1)
/* Freed addresses remembered for double frees and owns(). */
#define MAX_FREED	64
/* All live blocks' contents are checked every this many operations. */
#define CHECK_EVERY	16
/* Bytes of a block's pattern checked on each operation that touches it. */
#define CHECK_TOUCH	(64 * 1024)
/* Whole bytes the live blocks may hold: keeps an execution fast. */
#define MAX_LIVE_BYTES	(16UL << 20)

struct block {
	void *p;
	size_t req, usable;
	unsigned int slot;
	bool large;			/* above small_max when allocated */
	bool profiled;			/* recorded on its call site */
	u64 id;
};

struct slot_model {
	struct pa_pool *pool;		/* NULL: slot unused (or default) */
	bool debug;
	struct pa_stats base;		/* the counters when the input began */
	u64 allocs, frees, failures, live_blocks, live_req, live_alloc;
	u64 large_live;
	u64 invalid, wrong_pool, double_free;
};

static struct block live[MAX_LIVE];
static unsigned int nr_live;
static size_t live_bytes;
static struct slot_model slots[NR_SLOTS];
static uintptr_t freed[MAX_FREED];
static unsigned int freed_next;
static u64 next_id;
static u64 refused_unattributed;	/* refusals counted in some pool */
static size_t small_max;
static unsigned int pool_serial;
static unsigned long op_nr;
static bool verbose;
/* The boot option init_on_alloc, as the input set it: every block zeroed. */
static bool init_alloc;
/* The profiler is on; the block being added came from NMI (never profiled). */
static bool profiling, from_nmi;
/* Failures were injected: a profiler record may have been refused. */
static bool fail_armed;
/* Call sites pa_profile_sites() may return: the fuzzer has a few dozen. */
#define MAX_SITES	256

/* Memory the allocator never handed out, for foreign pointers. */
static u8 foreign_heap[4096] __aligned(64);

static const u8 *in_data;
static size_t in_len, in_pos;

static __noreturn __printf(1, 2) void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pa_fuzz: invariant violated at op %lu: ", op_nr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

#define note(...) do { if (verbose) fprintf(stderr, __VA_ARGS__); } while (0)

static u8 in_u8(void)
{
	return in_pos < in_len ? in_data[in_pos++] : 0;
}

static u16 in_u16(void)
{
	return in_u8() | (u16)in_u8() << 8;
}

static u32 in_u32(void)
{
	return in_u16() | (u32)in_u16() << 16;
}

/* ---- Block contents ---------------------------------------------------- */

/*
 * The fuzzer's own loops over block contents need no coverage feedback:
 * uninstrumented, they cost a fraction of the instrumented ones.
 */
#define no_coverage	__attribute__((no_sanitize("coverage")))

/* Word @k of block @id's pattern; byte @off is byte off % 8 of word off / 8. */
static inline u64 pattern_word(u64 id, size_t k)
{
	return ((id + 1) * 0x9e3779b97f4a7c15ULL) ^ (k * 0xbf58476d1ce4e5b9ULL) ^
	       0x5a5a5a5a5a5a5a5aULL;
}

static inline u8 pattern(u64 id, size_t off)
{
	u64 w = pattern_word(id, off / 8);

	return ((const u8 *)&w)[off % 8];
}

/* Bytes [@from, @to) of block @id's pattern into @p. */
static noinline no_coverage void fill(void *p, u64 id, size_t from,
				      size_t to)
{
	u8 *b = p;
	size_t i = from;
	u64 w;

	for (; i < to && i % 8; i++)
		b[i] = pattern(id, i);
	for (; i + 8 <= to; i += 8) {
		w = pattern_word(id, i / 8);
		memcpy(b + i, &w, 8);
	}
	for (; i < to; i++)
		b[i] = pattern(id, i);
}

/* The first byte in [@from, @to) of @p that is not block @id's, or @to. */
static noinline no_coverage size_t pattern_differs(const void *p, u64 id,
						   size_t from, size_t to)
{
	const u8 *b = p;
	size_t i = from;
	u64 w;

	for (; i < to && i % 8; i++)
		if (b[i] != pattern(id, i))
			return i;
	for (; i + 8 <= to; i += 8) {
		memcpy(&w, b + i, 8);
		if (w != pattern_word(id, i / 8))
			break;
	}
	for (; i < to; i++)
		if (b[i] != pattern(id, i))
			return i;
	return to;
}

/* The first byte in [@from, @to) of @p that is not 0, or @to. */
static noinline no_coverage size_t nonzero_at(const void *p, size_t from,
					      size_t to)
{
	const u8 *b = p;
	size_t i;

	for (i = from; i < to; i++)
		if (b[i])
			return i;
	return to;
}

static void check_pattern(const struct block *b, size_t from, size_t to,
			  const char *when)
{
	const u8 *c = b->p;
	size_t i = pattern_differs(b->p, b->id, from, to);

	if (i < to)
		fail("%s: block %p (id %llu, %zu bytes, slot %u) byte %zu is %#x, not %#x",
		     when, b->p, (unsigned long long)b->id, b->req,
		     b->slot, i, c[i], pattern(b->id, i));
}

/* A touched block: its head and tail, at most CHECK_TOUCH bytes. */
static void check_touch(const struct block *b, const char *when)
{
	if (b->req <= CHECK_TOUCH) {
		check_pattern(b, 0, b->req, when);
		return;
	}
	check_pattern(b, 0, CHECK_TOUCH / 2, when);
	check_pattern(b, b->req - CHECK_TOUCH / 2, b->req, when);
}

static void check_all_contents(const char *when)
{
	unsigned int i;

	for (i = 0; i < nr_live; i++)
		check_pattern(&live[i], 0, live[i].req, when);
}

/* ---- The model ------------------------------------------------------- */

static struct pa_pool *slot_pool(unsigned int slot)
{
	return slot ? slots[slot].pool : NULL;
}

static bool slot_debug(unsigned int slot)
{
	return slots[slot].debug;
}

/* Where a block's memory lies, as far as no other block may reach. */
static void block_range(const struct block *b, uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)b->p;
	*hi = *lo + b->usable;
	/* A debug block's head and its guard and tail (PA_DEBUG_OVERHEAD). */
	if (slot_debug(b->slot)) {
		*lo -= 16;
		*hi += 24;
	}
}

/* The live block whose range holds @a, or -1. */
static int live_holding(uintptr_t a)
{
	uintptr_t lo, hi;
	unsigned int i;

	for (i = 0; i < nr_live; i++) {
		block_range(&live[i], &lo, &hi);
		if (a >= lo && a < hi)
			return i;
	}
	return -1;
}

static void remember_freed(const void *p)
{
	freed[freed_next++ % MAX_FREED] = (uintptr_t)p;
}

/*
 * Check a block the allocator just handed out, and add it to the model.
 * @kept: pa_realloc() kept the block, which need not be aligned for @req.
 */
static struct block *add_block(void *p, size_t req, unsigned int slot,
			       bool zeroed, bool kept)
{
	struct slot_model *s = &slots[slot];
	uintptr_t lo, hi, olo, ohi;
	struct block *b;
	size_t usable;
	unsigned int i;

	if ((uintptr_t)p % 16)
		fail("block %p of %zu bytes not 16-byte aligned", p, req);
	if (!slot_debug(slot) && !kept && req <= PAGE_SIZE &&
	    is_power_of_2(req) && (uintptr_t)p % req)
		fail("block %p of %zu bytes not naturally aligned", p, req);
	usable = pa_usable_size(p);
	if (usable < req || (slot_debug(slot) && usable != req))
		fail("usable size %zu of block %p of %zu bytes (debug %d)",
		     usable, p, req, slot_debug(slot));
	if (!pa_owns(p))
		fail("pa_owns() of the new block %p is false", p);
	if (nr_live == MAX_LIVE)
		fail("model full");
	b = &live[nr_live];
	*b = (struct block){ p, req, usable, slot, req > small_max,
			     profiling && !from_nmi, next_id++ };
	block_range(b, &lo, &hi);
	for (i = 0; i < nr_live; i++) {
		block_range(&live[i], &olo, &ohi);
		if (lo < ohi && olo < hi)
			fail("block %p+%zu overlaps live block %p+%zu",
			     p, usable, live[i].p, live[i].usable);
	}
	if (zeroed && nonzero_at(p, 0, req) < req)
		fail("zeroed block %p of %zu bytes: byte %zu is %#x", p, req,
		     nonzero_at(p, 0, req), ((u8 *)p)[nonzero_at(p, 0, req)]);
	fill(p, b->id, 0, req);
	nr_live++;
	live_bytes += req;
	s->allocs++;
	s->live_blocks++;
	s->live_req += req;
	s->live_alloc += usable;
	s->large_live += b->large;
	return b;
}

/* Drop live[i] from the model, as freed. */
static void drop_block(unsigned int i)
{
	struct block *b = &live[i];
	struct slot_model *s = &slots[b->slot];

	s->frees++;
	s->live_blocks--;
	s->live_req -= b->req;
	s->live_alloc -= b->usable;
	s->large_live -= b->large;
	live_bytes -= b->req;
	remember_freed(b->p);
	live[i] = live[--nr_live];
}

static int pick_live(void)
{
	return nr_live ? (int)(in_u16() % nr_live) : -1;
}

static void check_field(unsigned int slot, const char *name, u64 seen,
			u64 model)
{
	if (seen != model)
		fail("slot %u: %s is %llu, the model says %llu", slot, name,
		     (unsigned long long)seen, (unsigned long long)model);
}

static void check_stats(void)
{
	u64 refused = 0, counted = 0;
	unsigned int slot;

	for (slot = 0; slot < NR_SLOTS; slot++) {
		struct slot_model *s = &slots[slot];
		struct pa_stats st;
		const struct pa_stats *b = &s->base;

		if (slot && !s->pool)
			continue;
		pa_pool_stats(slot_pool(slot), &st);
		check_field(slot, "allocs", st.allocs - b->allocs, s->allocs);
		check_field(slot, "frees", st.frees - b->frees, s->frees);
		check_field(slot, "failures", st.failures - b->failures,
			    s->failures);
		check_field(slot, "live_blocks", st.live_blocks - b->live_blocks,
			    s->live_blocks);
		check_field(slot, "live_bytes_requested",
			    st.live_bytes_requested - b->live_bytes_requested,
			    s->live_req);
		check_field(slot, "err_wrong_pool",
			    st.err_wrong_pool - b->err_wrong_pool,
			    s->wrong_pool);
		/* Debug blocks are bigger underneath. */
		if (!s->debug) {
			check_field(slot, "live_bytes_allocated",
				    st.live_bytes_allocated -
				    b->live_bytes_allocated, s->live_alloc);
			check_field(slot, "large_live",
				    st.large_live - b->large_live,
				    s->large_live);
		}
		if (st.allocs - st.frees != st.live_blocks)
			fail("slot %u: allocs - frees != live_blocks", slot);
		if (s->debug &&
		    (st.large_live > st.live_blocks ||
		     st.large_bytes > st.live_bytes_allocated))
			fail("slot %u: %llu large of %llu live blocks, %llu large of %llu bytes",
			     slot, (unsigned long long)st.large_live,
			     (unsigned long long)st.live_blocks,
			     (unsigned long long)st.large_bytes,
			     (unsigned long long)st.live_bytes_allocated);
		refused += st.invalid_frees + st.err_double_free -
			   b->invalid_frees - b->err_double_free;
		counted += s->invalid + s->double_free;
		if (st.invalid_frees - b->invalid_frees < s->invalid ||
		    st.err_double_free - b->err_double_free < s->double_free)
			fail("slot %u: %llu invalid, %llu double frees, not >= %llu, %llu",
			     slot,
			     (unsigned long long)(st.invalid_frees - b->invalid_frees),
			     (unsigned long long)(st.err_double_free - b->err_double_free),
			     (unsigned long long)s->invalid,
			     (unsigned long long)s->double_free);
	}
	if (refused != counted + refused_unattributed)
		fail("refused frees counted %llu times, the model says %llu",
		     (unsigned long long)refused,
		     (unsigned long long)(counted + refused_unattributed));
}

/* ---- Operations -------------------------------------------------------- */

static gfp_t in_gfp(bool *zero)
{
	static const gfp_t gfps[] = {
		GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL | __GFP_NOFAIL,
		GFP_KERNEL | __GFP_ZERO, GFP_ATOMIC | __GFP_ZERO,
		GFP_KERNEL | __GFP_NOWARN, GFP_NOWAIT | __GFP_ZERO,
	};
	gfp_t gfp = gfps[in_u8() % ARRAY_SIZE(gfps)];

	*zero = gfp & __GFP_ZERO;
	return gfp;
}

/* A request size: small, on a class or mode boundary, large or huge. */
static size_t in_size(void)
{
	static const size_t edges[] = {
		1, 8, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129,
		255, 256, 257, 511, 512, 513, 575, 576, 577, 1023, 1024, 1025,
		2047, 2048, 2049, 4095, 4096, 4097, 8191, 8192, 8193,
		16384, 16385, 65536,
	};
	u8 kind = in_u8();

	switch (kind % 8) {
	case 0: case 1: case 2:
		return 1 + in_u16() % 512;
	case 3:
		return 1 + in_u16() % (small_max + 64);
	case 4: case 5: {
		size_t e = edges[in_u8() % ARRAY_SIZE(edges)];

		/* small_max and its neighbours, whatever it was set to. */
		if (kind & 0x80)
			e = small_max + (in_u8() % 3) - 1;
		return e ? e : 1;
	}
	case 6:
		/* Large, log-uniform up to 256 KiB: mostly a few pages. */
		return small_max + 1 + in_u32() % (2UL << (kind >> 3) % 18);
	default:
		/* Huge (to 4 MiB) rarely: each costs a millisecond. */
		return kind == 0xff ? 1 + in_u32() % (4UL << 20) :
				      1 + in_u16() % (PAGE_SIZE * 4);
	}
}

static unsigned int in_slot(void)
{
	unsigned int slot = in_u8() % NR_SLOTS;

	return slot && !slots[slot].pool ? 0 : slot;
}

/* Room left for @size more bytes of live blocks. */
static bool room_for(size_t size)
{
	return nr_live < MAX_LIVE && live_bytes + size <= MAX_LIVE_BYTES;
}

/* What an allocation call returned, checked and modelled. */
static void took(void *p, size_t size, unsigned int slot, bool zero)
{
	if (!size) {
		if (p != ZERO_SIZE_PTR)
			fail("alloc(0) gave %p", p);
		return;
	}
	if (!p) {
		slots[slot].failures++;
		return;
	}
	add_block(p, size, slot, zero || init_alloc, false);
}

static void op_alloc(void)
{
	unsigned int slot = in_slot(), how = in_u8() % 4;
	bool zero;
	gfp_t gfp = in_gfp(&zero);
	size_t size = in_size();
	void *p;

	if (how == 3 && (in_u8() & 7) == 0)
		size = 0;
	if (!room_for(size))
		return;
	note("alloc slot %u how %u size %zu gfp %#x\n", slot, how, size, gfp);
	if (slot) {
		p = how & 1 ? pa_pool_zalloc(slot_pool(slot), size, gfp) :
			      pa_pool_alloc(slot_pool(slot), size, gfp);
		took(p, size, slot, zero || (how & 1));
		return;
	}
	switch (how) {
	case 0:
		p = pa_alloc(size, gfp);
		break;
	case 1:
		p = pa_zalloc(size, gfp);
		zero = true;
		break;
	case 2:
		p = pa_pool_alloc(NULL, size, gfp);
		break;
	default:
		p = pa_pool_zalloc(NULL, size, gfp);
		zero = true;
		break;
	}
	took(p, size, 0, zero);
}

static void op_calloc(void)
{
	size_t n, size, bytes;
	bool zero;
	gfp_t gfp = in_gfp(&zero);

	switch (in_u8() % 4) {
	case 0:		/* overflow */
		n = SIZE_MAX / 2 + 1 + in_u16();
		size = 2 + in_u8();
		break;
	case 1:
		n = in_u8();
		size = in_size();
		break;
	default:
		n = 1 + in_u8() % 64;
		size = 1 + in_u8();
		break;
	}
	if (__builtin_mul_overflow(n, size, &bytes)) {
		note("calloc overflow %zu x %zu\n", n, size);
		if (pa_calloc(n, size, gfp))
			fail("pa_calloc(%zu, %zu) overflowed and gave a block",
			     n, size);
		slots[0].failures++;
		return;
	}
	if (!room_for(bytes))
		return;
	note("calloc %zu x %zu\n", n, size);
	took(pa_calloc(n, size, gfp), bytes, 0, true);
}

/* Free live[i] through one of the entry points. */
static void free_live(unsigned int i, unsigned int how)
{
	struct block *b = &live[i];

	check_touch(b, "before free");
	note("free %p slot %u how %u\n", b->p, b->slot, how);
	switch (how % 5) {
	case 0:
	case 1:
		pa_free(b->p);
		break;
	case 2:
		pa_pool_free(slot_pool(b->slot), b->p);
		break;
	case 3:
		/* Waits for its grace period: freed on return. */
		pa_free_rcu_mightsleep(b->p);
		break;
	default:
		if (pa_realloc(b->p, 0, GFP_KERNEL) != ZERO_SIZE_PTR)
			fail("pa_realloc(p, 0) is not ZERO_SIZE_PTR");
		break;
	}
	drop_block(i);
}

static void op_free(void)
{
	int i = pick_live();

	if (i >= 0)
		free_live(i, in_u8());
}

/* pa_pool_free() naming the wrong pool: refused and counted there. */
static void op_free_wrong_pool(void)
{
	unsigned int slot = in_slot();
	int i = pick_live();

	if (i < 0 || live[i].slot == slot)
		return;
	note("wrong-pool free %p of slot %u to slot %u\n", live[i].p,
	     live[i].slot, slot);
	pa_pool_free(slot_pool(slot), live[i].p);
	slots[slot].wrong_pool++;
	if (!pa_owns(live[i].p))
		fail("a wrong-pool free freed %p", live[i].p);
	check_touch(&live[i], "after a wrong-pool free");
}

static void op_realloc(void)
{
	int i = pick_live();
	bool zero, keep_null = false;
	gfp_t gfp = in_gfp(&zero);
	size_t size = in_size(), keep, j;
	struct block *b, old;
	void *q;

	if (i < 0) {
		/* pa_realloc(NULL, n) is pa_alloc(n). */
		if (!room_for(size))
			return;
		note("realloc NULL %zu\n", size);
		took(pa_realloc(in_u8() & 1 ? NULL : ZERO_SIZE_PTR, size, gfp),
		     size, 0, zero);
		return;
	}
	b = &live[i];
	if (!room_for(size))
		return;
	check_touch(b, "before realloc");
	old = *b;
	note("realloc %p (%zu) to %zu gfp %#x\n", b->p, b->req, size, gfp);
	q = pa_realloc(b->p, size, gfp);
	if (!q) {
		slots[b->slot].failures++;
		keep_null = true;
	}
	if (keep_null) {
		check_touch(b, "after a failed realloc");
		return;
	}
	/* Take the old block out of the model, then put the new one in. */
	live[i] = live[--nr_live];
	live_bytes -= old.req;
	slots[old.slot].live_blocks--;
	slots[old.slot].live_req -= old.req;
	slots[old.slot].live_alloc -= old.usable;
	slots[old.slot].large_live -= old.large;
	if (q == old.p) {
		if (slot_debug(old.slot))
			fail("realloc of a debug block %p kept it", q);
		slots[old.slot].allocs--;
	} else {
		slots[old.slot].frees++;
		remember_freed(old.p);
		if (pa_owns(old.p) && live_holding((uintptr_t)old.p) < 0)
			fail("realloc moved %p, which is still owned", old.p);
	}
	/* The old bytes first, then what zeroing promised past them. */
	keep = min(old.req, size);
	j = pattern_differs(q, old.id, 0, keep);
	if (j < keep)
		fail("realloc %p -> %p (%zu -> %zu): byte %zu is %#x, not %#x",
		     old.p, q, old.req, size, j, ((u8 *)q)[j],
		     pattern(old.id, j));
	j = zero || init_alloc ? nonzero_at(q, keep, size) : size;
	if (j < size)
		fail("zeroing realloc %p->%p (%zu->%zu): byte %zu: %#x",
		     old.p, q, old.req, size, j, ((u8 *)q)[j]);
	b = add_block(q, size, old.slot, false, q == old.p);
	/* Kept in place: still where it was, in a run or the large table. */
	if (q == old.p && b->large != old.large) {
		slots[old.slot].large_live += (int)old.large - (int)b->large;
		b->large = old.large;
	}
	/* Its record stays, with the new size; a new block gets one now. */
	if (q == old.p)
		b->profiled = old.profiled;
}

static void op_query(void)
{
	int i = pick_live();
	u8 what = in_u8();
	uintptr_t a;
	size_t u;
	bool owned;

	switch (what % 4) {
	case 0:		/* a live block */
		if (i < 0)
			return;
		u = pa_usable_size(live[i].p);
		if (u != live[i].usable || !pa_owns(live[i].p))
			fail("live block %p: usable %zu (was %zu), owns %d",
			     live[i].p, u, live[i].usable, pa_owns(live[i].p));
		check_touch(&live[i], "query");
		return;
	case 1:		/* inside a live block */
		if (i < 0 || live[i].usable < 2)
			return;
		a = (uintptr_t)live[i].p + 1 + in_u32() % (live[i].usable - 1);
		break;
	case 2:		/* a freed address */
		a = freed[in_u8() % MAX_FREED];
		if (!a || live_holding(a) >= 0)
			return;
		break;
	default:	/* foreign */
		a = (uintptr_t)&foreign_heap[in_u8() % sizeof(foreign_heap)];
		break;
	}
	owned = pa_owns((void *)a);
	u = pa_usable_size((void *)a);
	note("query %#lx: owns %d usable %zu\n", (unsigned long)a, owned, u);
	if (owned || u)
		fail("pointer %#lx (kind %u) that is no live block: owns %d, usable %zu",
		     (unsigned long)a, what % 4, owned, u);
}

/* Free or realloc of pointers that are no live block: refused, counted. */
static void op_bad_free(void)
{
	u8 what = in_u8(), how = in_u8();
	struct pa_stats st;
	u64 wrong = 0;
	int i = pick_live();
	unsigned int slot = 0;
	bool known = true;
	uintptr_t a;

	switch (what % 3) {
	case 0:		/* inside a live block */
		if (i < 0 || live[i].usable < 2)
			return;
		a = (uintptr_t)live[i].p + 1 + in_u32() % (live[i].usable - 1);
		/*
		 * A small block's arena is its pool's; a large block is in
		 * no arena (the default pool counts it); debug mode finds
		 * its own.
		 */
		if (slot_debug(live[i].slot))
			known = false;
		else if (!live[i].large)
			slot = live[i].slot;
		break;
	case 1:		/* freed: its arena may be anyone's now */
		a = freed[in_u8() % MAX_FREED];
		if (!a || live_holding(a) >= 0)
			return;
		known = false;
		break;
	default:	/* foreign */
		a = (uintptr_t)&foreign_heap[16 + in_u8() % 4000];
		break;
	}
	note("bad free %#lx kind %u how %u\n", (unsigned long)a, what % 3, how);
	switch (how % 3) {
	case 0:
		pa_free((void *)a);
		break;
	case 1:
		if (pa_realloc((void *)a, 1 + how, GFP_KERNEL))
			fail("pa_realloc() of %#lx, no live block, succeeded",
			     (unsigned long)a);
		break;
	default:
		/* To the pool that holds it, or the default one. */
		pa_pool_stats(NULL, &st);
		wrong = st.err_wrong_pool;
		pa_pool_free(known ? slot_pool(slot) : NULL, (void *)a);
		pa_pool_stats(NULL, &st);
		wrong = st.err_wrong_pool - wrong;
		break;
	}
	/*
	 * No live block was named, so no pool was wrong: a debug block in
	 * quarantine freed again through another pool is a double free
	 * (regressions/debug-double-free-other-pool-counted-wrong-pool).
	 */
	if (wrong)
		fail("refused free of %#lx counted as a wrong-pool free",
		     (unsigned long)a);
	if (known)
		slots[slot].invalid++;
	else
		refused_unattributed++;
	if (i >= 0)
		check_touch(&live[i], "after a refused free");
}

static void op_pool_create(void)
{
	u8 arg = in_u8();
	unsigned int slot = 1 + arg % MAX_POOLS;
	struct slot_model *s = &slots[slot];
	unsigned int flags = arg & 0x10 ? PA_POOL_DEBUG : 0;
	char name[PA_POOL_NAME_MAX];
	struct pa_pool *pool;

	if (s->pool)
		return;
	snprintf(name, sizeof(name), "fuzz-%u", pool_serial++);
	note("create %s in slot %u flags %#x\n", name, slot, flags);
	pool = pa_pool_create(name, flags);
	if (IS_ERR(pool)) {
		if (PTR_ERR(pool) != -ENOMEM)
			fail("pa_pool_create(%s) gave %ld", name, PTR_ERR(pool));
		return;
	}
	if (!pool)
		fail("pa_pool_create() gave NULL");
	memset(s, 0, sizeof(*s));
	s->pool = pool;
	s->debug = flags & PA_POOL_DEBUG;
	pa_pool_stats(pool, &s->base);
	if (s->base.allocs || s->base.live_blocks || s->base.invalid_frees)
		fail("new pool %s has counts", name);
}

/* Destroy a pool: its live blocks go with it. */
static void destroy_slot(unsigned int slot)
{
	struct slot_model *s = &slots[slot];
	struct pa_stats st;
	unsigned int i;

	note("destroy slot %u (%llu live)\n", slot,
	     (unsigned long long)s->live_blocks);
	for (i = 0; i < nr_live; )
		if (live[i].slot == slot) {
			check_touch(&live[i], "before destroy");
			live_bytes -= live[i].req;
			remember_freed(live[i].p);
			live[i] = live[--nr_live];
		} else {
			i++;
		}
	/*
	 * Its refusals leave the sum over the pools, those the model put
	 * there and those it could not attribute.
	 */
	pa_pool_stats(s->pool, &st);
	refused_unattributed -= st.invalid_frees + st.err_double_free -
				s->invalid - s->double_free;
	pa_pool_destroy(s->pool);
	memset(s, 0, sizeof(*s));
}

static void op_pool_destroy(void)
{
	unsigned int slot = 1 + in_u8() % MAX_POOLS;

	if (slots[slot].pool)
		destroy_slot(slot);
}

static void op_validate(void)
{
	unsigned int slot = in_slot();
	int n = pa_pool_validate(slot_pool(slot));

	if (n)
		fail("pa_pool_validate() of slot %u found %d problems", slot, n);
}

static void op_machinery(void)
{
	u8 what = in_u8(), arg = in_u8();
	char buf[8192];

	switch (what % 7) {
	case 0:
		pa_user_run_work();
		break;
	case 1:
		/* Up to three reaper intervals (2 s each). */
		pa_user_tick(1 + arg * 3);
		break;
	case 2:
		pa_user_shrink();
		break;
	case 3:
		pa_user_fail(arg & 3, (arg >> 2) & 3, (arg >> 4) & 3);
		fail_armed |= arg & 0x3f;
		break;
	case 4:
		if (pa_user_debugfs_read("pool_alloc/stats", buf,
					 sizeof(buf)) < 0)
			fail("debugfs stats unreadable");
		break;
	case 5:
		pa_user_fail(0, 0, 0);
		break;
	default:
		/* Boot options, changed between calls: only what they add. */
		init_alloc = arg & 1;
		pa_user_init_on(init_alloc, arg & 2);
		break;
	}
	note("machinery %u %u\n", what % 7, arg);
}

static void op_hotplug(void)
{
	u8 arg = in_u8();
	int cpu = arg % pa_user_nr_cpus();

	note("cpu %d %s\n", cpu, arg & 0x80 ? "up" : "down");
	if (arg & 0x80) {
		pa_user_cpu_up(cpu);
		return;
	}
	pa_user_cpu_down(cpu);
	/* The task moves off a CPU that goes down. */
	if (pa_user_cpu() == cpu) {
		for (cpu = 0; cpu < pa_user_nr_cpus(); cpu++)
			if (cpu_online(cpu))
				break;
		pa_user_set_cpu(cpu);
	}
}

/* Allocate and free in NMI context, then let the irq_work run. */
static void op_nmi(void)
{
	u8 what = in_u8();
	unsigned int slot = in_slot();
	size_t size = what & 0x80 ? in_size() : 1 + in_u16() % 512;
	gfp_t gfp = what & 0x40 ? GFP_NOWAIT : GFP_ATOMIC;
	int i = pick_live();
	void *p = NULL;
	bool zero = what & 0x20, alloc = what & 1 && room_for(size);

	if (zero)
		gfp |= __GFP_ZERO;
	note("nmi what %#x slot %u size %zu\n", what, slot, size);
	pa_user_nmi_enter();
	if (alloc)
		p = slot ? pa_pool_alloc(slot_pool(slot), size, gfp) :
			   pa_alloc(size, gfp);
	if (what & 2 && i >= 0)
		(what & 4 ? pa_pool_free(slot_pool(live[i].slot), live[i].p) :
			    pa_free(live[i].p));
	if (what & 8)
		pa_free(&foreign_heap[32]);
	pa_user_nmi_exit();
	pa_user_run_work();
	if (what & 2 && i >= 0)
		drop_block(i);
	if (what & 8)
		slots[0].invalid++;
	if (alloc) {
		from_nmi = true;
		took(p, size, slot, zero);
		from_nmi = false;
	}
}

/* Rounds of the work tick a queued pa_free_rcu() may take to be freed. */
#define RCU_ROUNDS	8

/*
 * pa_free_rcu(): the block stays live until a grace period has passed,
 * then the work tick frees it; a pointer that is no live block, or a head
 * outside it, is refused at once, in the default pool.
 */
static void op_free_rcu(void)
{
	u8 what = in_u8();
	int i = pick_live(), round;
	size_t off = in_u16();
	struct block *b;
	const u8 *p;

	if (i < 0)
		return;
	b = &live[i];
	p = b->p;
	check_touch(b, "before pa_free_rcu");
	if (what % 4 == 0 || b->req < sizeof(struct rcu_head)) {
		/* The head past the block's end, or an interior pointer. */
		note("free_rcu refused %p\n", p);
		if (what & 0x10 && b->usable > 1)
			pa_free_rcu_head(p + 1, (void *)(p + 1));
		else
			pa_free_rcu_head(p, (void *)(p + b->usable + off % 64));
		/* As pa_free(): the default pool, unless debug mode counts it. */
		if (slot_debug(b->slot) || !(what & 0x10))
			refused_unattributed++;
		else
			slots[0].invalid++;
		check_touch(b, "after a refused pa_free_rcu");
		return;
	}
	/* struct rcu_head holds pointers: aligned as one. */
	off = ALIGN_DOWN(off % (b->req - sizeof(struct rcu_head) + 1),
			 sizeof(void *));
	note("free_rcu %p head at %zu\n", p, off);
	pa_free_rcu_head(p, (struct rcu_head *)(p + off));
	if (!pa_owns(p))
		fail("block %p not live after pa_free_rcu()", p);
	check_pattern(b, 0, off, "pa_free_rcu");
	check_pattern(b, off + sizeof(struct rcu_head), b->req, "pa_free_rcu");
	check_stats();
	for (round = 0; round < RCU_ROUNDS && pa_owns(p); round++)
		pa_user_run_work();
	if (pa_owns(p))
		fail("block %p live after %d grace periods", p, RCU_ROUNDS);
	drop_block(i);
}

/* Calls the API refuses: bad names and flags, the default pool's end. */
static void op_refusals(void)
{
	static const char *const names[] = {
		"", ".", "..", "a/b", "default",
		"0123456789012345678901234567890123",
	};
	u8 what = in_u8();
	struct pa_pool *pool;

	if (what & 0x80) {
		note("destroy the default pool\n");
		pa_pool_destroy(NULL);
		return;
	}
	if (what & 0x40)
		pool = pa_pool_create("fuzz-flags", 1U << (1 + what % 31));
	else
		pool = pa_pool_create(names[what % ARRAY_SIZE(names)], 0);
	note("refused create: %ld\n", PTR_ERR(pool));
	if (!IS_ERR(pool))
		fail("pa_pool_create() took a bad name or flags (%#x)", what);
	/* A name in use is found once the pool is made, which may fail. */
	if (PTR_ERR(pool) != -EINVAL && PTR_ERR(pool) != -EEXIST &&
	    PTR_ERR(pool) != -ENOMEM)
		fail("pa_pool_create() refused with %ld", PTR_ERR(pool));
	if (PTR_ERR(pool) != -EINVAL &&
	    ((what & 0x40) || strcmp(names[what % ARRAY_SIZE(names)], "default")))
		fail("pa_pool_create() of a bad name or flags (%#x): %ld",
		     what, PTR_ERR(pool));
}

/*
 * The profiler: switched on and off at any time; its sites of a pool add
 * up to the pool's live blocks recorded while it was on (exactly, unless
 * an injected failure refused a record).  Slot 0 asks for every pool's
 * (pa_profile_sites(NULL)), which the public API cannot tell from the
 * default pool's.
 */
static void check_sites(unsigned int slot)
{
	static struct pa_site sites[MAX_SITES];
	u64 blocks = 0, bytes = 0, want_blocks = 0, want_bytes = 0;
	unsigned int i;
	int n;

	n = pa_profile_sites(slot_pool(slot), sites, MAX_SITES);
	if (n == -ENOMEM && fail_armed)
		return;
	if (n < 0 || n >= MAX_SITES)
		fail("pa_profile_sites() of slot %u: %d", slot, n);
	for (i = 0; i < (unsigned int)n; i++) {
		blocks += sites[i].live_blocks;
		bytes += sites[i].live_bytes;
	}
	for (i = 0; i < nr_live; i++)
		if ((!slot || live[i].slot == slot) && live[i].profiled) {
			want_blocks++;
			want_bytes += live[i].req;
		}
	if (blocks > want_blocks || bytes > want_bytes ||
	    (!fail_armed && (blocks != want_blocks || bytes != want_bytes)))
		fail("slot %u: sites hold %llu blocks, %llu bytes; profiled: %llu, %llu",
		     slot, (unsigned long long)blocks,
		     (unsigned long long)bytes,
		     (unsigned long long)want_blocks,
		     (unsigned long long)want_bytes);
}

static void op_profile(void)
{
	u8 what = in_u8();
	int ret;

	switch (what % 3) {
	case 0:
		ret = pa_profile_start();
		note("profile start: %d\n", ret);
		if (ret == 1 ? profiling : ret == 0 ? !profiling :
		    ret != -ENOMEM || !fail_armed)
			fail("pa_profile_start() gave %d, profiling %d", ret,
			     profiling);
		profiling |= ret >= 0;
		break;
	case 1:
		note("profile stop\n");
		pa_profile_stop();
		profiling = false;
		break;
	default:
		check_sites(in_slot());
		break;
	}
}

static void op_check(void)
{
	check_all_contents("check");
	check_stats();
}

static void (*const ops[])(void) = {
	op_alloc, op_alloc, op_alloc, op_alloc, op_alloc, op_profile,
	op_calloc,
	op_free, op_free, op_free, op_free, op_free,
	op_free_wrong_pool,
	op_realloc, op_realloc, op_realloc,
	op_query, op_query,
	op_bad_free, op_bad_free,
	op_pool_create, op_pool_create,
	op_pool_destroy,
	op_validate,
	op_machinery, op_machinery,
	op_hotplug,
	op_nmi, op_nmi,
	op_check,
	op_free_rcu,
	op_refusals,
};

/* The op byte's top bits: which CPU to act as. */
#define CPU_SHIFT	5
static_assert(ARRAY_SIZE(ops) <= (1 << CPU_SHIFT));

static void act_as(unsigned int cpu)
{
	unsigned int n = pa_user_nr_cpus(), k;

	for (k = 0; k < n; k++, cpu = (cpu + 1) % n)
		if (cpu_online(cpu)) {
			pa_user_set_cpu(cpu);
			return;
		}
}

/* Free everything, destroy the input's pools, undo its machinery. */
static void finish_input(void)
{
	unsigned int slot, cpu;

	pa_user_fail(0, 0, 0);
	for (slot = 0; slot < NR_SLOTS; slot++)
		if (!slot || slots[slot].pool)
			check_sites(slot);
	pa_profile_stop();
	profiling = false;
	init_alloc = false;
	pa_user_init_on(false, false);
	check_all_contents("end of input");
	check_stats();
	while (nr_live)
		free_live(nr_live - 1, 0);
	pa_user_run_work();
	check_stats();
	for (slot = 1; slot < NR_SLOTS; slot++) {
		struct slot_model *s = &slots[slot];
		struct pa_stats st;

		if (!s->pool)
			continue;
		pa_pool_stats(s->pool, &st);
		/*
		 * A debug pool's quarantine holds freed blocks underneath,
		 * counted in none of these (regressions/debug-held-large-
		 * counted-live).
		 */
		if (st.live_blocks || st.live_bytes_requested ||
		    st.live_bytes_allocated || st.large_live || st.large_bytes)
			fail("slot %u (debug %d): %llu blocks, %llu/%llu bytes, %llu/%llu large",
			     slot, s->debug,
			     (unsigned long long)st.live_blocks,
			     (unsigned long long)st.live_bytes_requested,
			     (unsigned long long)st.live_bytes_allocated,
			     (unsigned long long)st.large_live,
			     (unsigned long long)st.large_bytes);
		destroy_slot(slot);
	}
	/* What the destroys left to RCU, so each input frees what it took. */
	pa_user_run_work();
	check_stats();
	/*
	 * With no block live, the reapers flush every online CPU's caches
	 * within two passes (a cache is flushed when a pass finds it unused
	 * since the previous one), a CPU that went down had its caches
	 * flushed when it died, and the shrinker then gives back every empty
	 * arena, the hysteresis one included: the default pool holds no run
	 * or arena.  (Pages stay: the run map keeps its levels until unload.)
	 * The shrinker alone need not: it counts a cache in whole pages, so
	 * a few cached bytes that pin a run and its arena count for nothing.
	 */
	for (cpu = 0; cpu < REAP_PASSES; cpu++)
		pa_user_tick(REAP_TICKS);
	pa_user_shrink();
	{
		struct pa_stats st;

		pa_pool_stats(NULL, &st);
		if (st.live_blocks != slots[0].base.live_blocks ||
		    st.runs_in_use || st.arenas_current || st.large_live)
			fail("after shrink: %llu runs, %llu arenas, %llu large",
			     (unsigned long long)st.runs_in_use,
			     (unsigned long long)st.arenas_current,
			     (unsigned long long)st.large_live);
	}
	for (cpu = 0; cpu < (unsigned int)pa_user_nr_cpus(); cpu++)
		pa_user_cpu_up(cpu);
	pa_user_set_cpu(0);
}

/* libFuzzer's two entry points, under names of this file's style. */
int fuzz_init(int *argc, char ***argv) __asm__("LLVMFuzzerInitialize");
int fuzz_one_input(const u8 *data, size_t len)
	__asm__("LLVMFuzzerTestOneInput");

int fuzz_init(int *argc, char ***argv)
{
	const char *params = getenv("PA_FUZZ_PARAMS");
	char buf[32];
	int err;

	verbose = getenv("PA_FUZZ_VERBOSE");
	pa_user_quiet(!verbose);
	pa_user_abort_on_warn(true);
	pa_user_seed(1);
	err = pa_user_load(params ? params : "");
	if (err) {
		fprintf(stderr, "pa_fuzz: pa_user_load(%s): %d\n", params, err);
		exit(1);
	}
	if (pa_user_param_get("small_max", buf, sizeof(buf)) < 0) {
		fprintf(stderr, "pa_fuzz: no small_max\n");
		exit(1);
	}
	small_max = strtoul(buf, NULL, 0);
	return 0;
}

int fuzz_one_input(const u8 *data, size_t len)
{
	/* The same shuffles for an input whatever ran before it. */
	pa_user_seed(1);
	in_data = data;
	in_len = len;
	in_pos = 0;
	op_nr = 0;
	nr_live = 0;
	live_bytes = 0;
	memset(slots, 0, sizeof(slots));
	memset(freed, 0, sizeof(freed));
	refused_unattributed = 0;
	fail_armed = false;
	pa_pool_stats(NULL, &slots[0].base);
	pa_user_set_cpu(0);
	while (in_pos < in_len) {
		u8 op = in_u8();

		act_as(op >> CPU_SHIFT);
		ops[(op & ((1 << CPU_SHIFT) - 1)) % ARRAY_SIZE(ops)]();
		op_nr++;
		/* Every call returns as it was entered: preemptible, irqs on. */
		if (!preemptible() || in_interrupt())
			fail("left in atomic context (preempt %d, irqs %d)",
			     preempt_count(), irqs_disabled());
		check_stats();
		if (op_nr % CHECK_EVERY == 0)
			check_all_contents("periodic");
	}
	finish_input();
	return 0;
}
