// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's model of what the allocator holds: the contents of every
 * live block (each keeps the pattern derived from its id), where the
 * blocks lie, what each pool's counters must read, and the checks of those
 * invariants, each a fail() when the allocator disagrees.  The operations
 * (ops.c) add and drop blocks here and call the checks; the design and
 * the list of invariants are at the top of pa_fuzz.c.
 */
#include "pa_fuzz.h"

/* Call sites pa_profile_sites() may return: the fuzzer has a few dozen. */
#define MAX_SITES	256

struct block live[MAX_LIVE];
unsigned int nr_live;
size_t live_bytes;
struct slot_model slots[NR_SLOTS];
uintptr_t freed[MAX_FREED];
static unsigned int freed_next;
static u64 next_id;
u64 refused_unattributed;
size_t small_max;
bool init_alloc;
bool profiling, from_nmi;
bool fail_armed;

/* ---- Block contents ---------------------------------------------------- */

/*
 * The fuzzer's own loops over block contents need no coverage feedback:
 * uninstrumented, they cost a fraction of the instrumented ones.
 */
#define no_coverage	__attribute__((no_sanitize("coverage")))

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
noinline no_coverage size_t model_pattern_differs(const void *p, u64 id,
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
noinline no_coverage size_t model_nonzero_at(const void *p, size_t from,
					     size_t to)
{
	const u8 *b = p;
	size_t i;

	for (i = from; i < to; i++)
		if (b[i])
			return i;
	return to;
}

void model_check_pattern(const struct block *b, size_t from, size_t to,
			 const char *when)
{
	const u8 *c = b->p;
	size_t i = model_pattern_differs(b->p, b->id, from, to);

	if (i < to)
		fail("%s: block %p (id %llu, %zu bytes, slot %u) byte %zu is %#x, not %#x",
		     when, b->p, (unsigned long long)b->id, b->req,
		     b->slot, i, c[i], pattern(b->id, i));
}

/* A touched block: its head and tail, at most CHECK_TOUCH bytes. */
void model_check_touch(const struct block *b, const char *when)
{
	if (b->req <= CHECK_TOUCH) {
		model_check_pattern(b, 0, b->req, when);
		return;
	}
	model_check_pattern(b, 0, CHECK_TOUCH / 2, when);
	model_check_pattern(b, b->req - CHECK_TOUCH / 2, b->req, when);
}

void model_check_all_contents(const char *when)
{
	unsigned int i;

	for (i = 0; i < nr_live; i++)
		model_check_pattern(&live[i], 0, live[i].req, when);
}

/* ---- The model ------------------------------------------------------- */

struct pa_pool *model_slot_pool(unsigned int slot)
{
	return slot ? slots[slot].pool : NULL;
}

bool model_slot_debug(unsigned int slot)
{
	return slots[slot].debug;
}

/* Where a block's memory lies, as far as no other block may reach. */
static void block_range(const struct block *b, uintptr_t *lo, uintptr_t *hi)
{
	*lo = (uintptr_t)b->p;
	*hi = *lo + b->usable;
	/* A debug block's head and its guard and tail (PA_DEBUG_OVERHEAD). */
	if (model_slot_debug(b->slot)) {
		*lo -= 16;
		*hi += 24;
	}
}

/* The live block whose range holds @a, or -1. */
int model_live_holding(uintptr_t a)
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

void model_remember_freed(const void *p)
{
	freed[freed_next++ % MAX_FREED] = (uintptr_t)p;
}

/*
 * Start an input with an empty model.  Nothing an input picks may depend
 * on the inputs run before it in the process: a freed[] index names the
 * same address, and a block the same pattern, whether the input runs
 * alone or in the fuzzer's loop (regressions/debug-small-block-start-
 * freed-underneath did not replay alone while the cursor carried over).
 */
void model_reset(void)
{
	nr_live = 0;
	live_bytes = 0;
	memset(slots, 0, sizeof(slots));
	memset(freed, 0, sizeof(freed));
	freed_next = 0;
	next_id = 0;
	refused_unattributed = 0;
	fail_armed = false;
}

/*
 * Check a block the allocator just handed out, and add it to the model.
 * @kept: pa_realloc() kept the block, which need not be aligned for @req.
 */
struct block *model_add_block(void *p, size_t req, unsigned int slot,
			      bool zeroed, bool kept)
{
	struct slot_model *s = &slots[slot];
	uintptr_t lo, hi, olo, ohi;
	struct block *b;
	size_t usable;
	unsigned int i;

	if ((uintptr_t)p % 16)
		fail("block %p of %zu bytes not 16-byte aligned", p, req);
	if (!model_slot_debug(slot) && !kept && req <= PAGE_SIZE &&
	    is_power_of_2(req) && (uintptr_t)p % req)
		fail("block %p of %zu bytes not naturally aligned", p, req);
	usable = pa_usable_size(p);
	if (usable < req || (model_slot_debug(slot) && usable != req))
		fail("usable size %zu of block %p of %zu bytes (debug %d)",
		     usable, p, req, model_slot_debug(slot));
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
	if (zeroed && model_nonzero_at(p, 0, req) < req)
		fail("zeroed block %p of %zu bytes: byte %zu is %#x", p, req,
		     model_nonzero_at(p, 0, req), ((u8 *)p)[model_nonzero_at(p, 0, req)]);
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
void model_drop_block(unsigned int i)
{
	struct block *b = &live[i];
	struct slot_model *s = &slots[b->slot];

	s->frees++;
	s->live_blocks--;
	s->live_req -= b->req;
	s->live_alloc -= b->usable;
	s->large_live -= b->large;
	live_bytes -= b->req;
	model_remember_freed(b->p);
	live[i] = live[--nr_live];
}

int model_pick_live(void)
{
	return nr_live ? (int)(fuzz_in_u16() % nr_live) : -1;
}

static void check_field(unsigned int slot, const char *name, u64 seen,
			u64 model)
{
	if (seen != model)
		fail("slot %u: %s is %llu, the model says %llu", slot, name,
		     (unsigned long long)seen, (unsigned long long)model);
}

void model_check_stats(void)
{
	u64 refused = 0, counted = 0;
	unsigned int slot;

	for (slot = 0; slot < NR_SLOTS; slot++) {
		struct slot_model *s = &slots[slot];
		struct pa_stats st;
		const struct pa_stats *b = &s->base;

		if (slot && !s->pool)
			continue;
		pa_pool_stats(model_slot_pool(slot), &st);
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

/*
 * The profiler: switched on and off at any time; its sites of a pool add
 * up to the pool's live blocks recorded while it was on (exactly, unless
 * an injected failure refused a record).  Slot 0 asks for every pool's
 * (pa_profile_sites(NULL)), which the public API cannot tell from the
 * default pool's.
 */
void model_check_sites(unsigned int slot)
{
	static struct pa_site sites[MAX_SITES];
	u64 blocks = 0, bytes = 0, want_blocks = 0, want_bytes = 0;
	unsigned int i;
	int n;

	n = pa_profile_sites(model_slot_pool(slot), sites, MAX_SITES);
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
