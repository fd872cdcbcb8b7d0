// SPDX-License-Identifier: GPL-2.0
/*
 * The fuzzer's operations: each reads its arguments from the input, makes
 * its calls to the API or the harness (allocations, frees, reallocs,
 * queries, refused calls, pools, NMIs, hotplug, the work tick, the
 * profiler), and tells the model (model.c) what the allocator should now
 * hold.  ops_table maps the low bits of an op byte to an operation; the
 * input's format is at the top of pa_fuzz.c.
 */
#include "pa_fuzz.h"

static unsigned int pool_serial;

/* Memory the allocator never handed out, for foreign pointers. */
static u8 foreign_heap[4096] __aligned(64);

/* ---- Operations -------------------------------------------------------- */

static gfp_t in_gfp(bool *zero)
{
	static const gfp_t gfps[] = {
		GFP_KERNEL, GFP_ATOMIC, GFP_NOWAIT, GFP_KERNEL | __GFP_NOFAIL,
		GFP_KERNEL | __GFP_ZERO, GFP_ATOMIC | __GFP_ZERO,
		GFP_KERNEL | __GFP_NOWARN, GFP_NOWAIT | __GFP_ZERO,
	};
	gfp_t gfp = gfps[fuzz_in_u8() % ARRAY_SIZE(gfps)];

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
	u8 kind = fuzz_in_u8();

	switch (kind % 8) {
	case 0: case 1: case 2:
		return 1 + fuzz_in_u16() % 512;
	case 3:
		return 1 + fuzz_in_u16() % (small_max + 64);
	case 4: case 5: {
		size_t e = edges[fuzz_in_u8() % ARRAY_SIZE(edges)];

		/* small_max and its neighbours, whatever it was set to. */
		if (kind & 0x80)
			e = small_max + (fuzz_in_u8() % 3) - 1;
		return e ? e : 1;
	}
	case 6:
		/* Large, log-uniform up to 256 KiB: mostly a few pages. */
		return small_max + 1 + fuzz_in_u32() % (2UL << (kind >> 3) % 18);
	default:
		/* Huge (to 4 MiB) rarely: each costs a millisecond. */
		return kind == 0xff ? 1 + fuzz_in_u32() % (4UL << 20) :
				      1 + fuzz_in_u16() % (PAGE_SIZE * 4);
	}
}

static unsigned int in_slot(void)
{
	unsigned int slot = fuzz_in_u8() % NR_SLOTS;

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
	model_add_block(p, size, slot, zero || init_alloc, false);
}

static void op_alloc(void)
{
	unsigned int slot = in_slot(), how = fuzz_in_u8() % 4;
	bool zero;
	gfp_t gfp = in_gfp(&zero);
	size_t size = in_size();
	void *p;

	if (how == 3 && (fuzz_in_u8() & 7) == 0)
		size = 0;
	if (!room_for(size))
		return;
	note("alloc slot %u how %u size %zu gfp %#x\n", slot, how, size, gfp);
	if (slot) {
		p = how & 1 ? pa_pool_zalloc(model_slot_pool(slot), size, gfp) :
			      pa_pool_alloc(model_slot_pool(slot), size, gfp);
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

	switch (fuzz_in_u8() % 4) {
	case 0:		/* overflow */
		n = SIZE_MAX / 2 + 1 + fuzz_in_u16();
		size = 2 + fuzz_in_u8();
		break;
	case 1:
		n = fuzz_in_u8();
		size = in_size();
		break;
	default:
		n = 1 + fuzz_in_u8() % 64;
		size = 1 + fuzz_in_u8();
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
void ops_free_live(unsigned int i, unsigned int how)
{
	struct block *b = &live[i];

	model_check_touch(b, "before free");
	note("free %p slot %u how %u\n", b->p, b->slot, how);
	switch (how % 5) {
	case 0:
	case 1:
		pa_free(b->p);
		break;
	case 2:
		pa_pool_free(model_slot_pool(b->slot), b->p);
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
	model_drop_block(i);
}

static void op_free(void)
{
	int i = model_pick_live();

	if (i >= 0)
		ops_free_live(i, fuzz_in_u8());
}

/* pa_pool_free() naming the wrong pool: refused and counted there. */
static void op_free_wrong_pool(void)
{
	unsigned int slot = in_slot();
	int i = model_pick_live();

	if (i < 0 || live[i].slot == slot)
		return;
	note("wrong-pool free %p of slot %u to slot %u\n", live[i].p,
	     live[i].slot, slot);
	pa_pool_free(model_slot_pool(slot), live[i].p);
	slots[slot].wrong_pool++;
	if (!pa_owns(live[i].p))
		fail("a wrong-pool free freed %p", live[i].p);
	model_check_touch(&live[i], "after a wrong-pool free");
}

static void op_realloc(void)
{
	int i = model_pick_live();
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
		took(pa_realloc(fuzz_in_u8() & 1 ? NULL : ZERO_SIZE_PTR, size, gfp),
		     size, 0, zero);
		return;
	}
	b = &live[i];
	if (!room_for(size))
		return;
	model_check_touch(b, "before realloc");
	old = *b;
	note("realloc %p (%zu) to %zu gfp %#x\n", b->p, b->req, size, gfp);
	q = pa_realloc(b->p, size, gfp);
	if (!q) {
		slots[b->slot].failures++;
		keep_null = true;
	}
	if (keep_null) {
		model_check_touch(b, "after a failed realloc");
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
		if (model_slot_debug(old.slot))
			fail("realloc of a debug block %p kept it", q);
		slots[old.slot].allocs--;
	} else {
		slots[old.slot].frees++;
		model_remember_freed(old.p);
		if (pa_owns(old.p) && model_live_holding((uintptr_t)old.p) < 0)
			fail("realloc moved %p, which is still owned", old.p);
	}
	/* The old bytes first, then what zeroing promised past them. */
	keep = min(old.req, size);
	j = model_pattern_differs(q, old.id, 0, keep);
	if (j < keep)
		fail("realloc %p -> %p (%zu -> %zu): byte %zu is %#x, not %#x",
		     old.p, q, old.req, size, j, ((u8 *)q)[j],
		     pattern(old.id, j));
	j = zero || init_alloc ? model_nonzero_at(q, keep, size) : size;
	if (j < size)
		fail("zeroing realloc %p->%p (%zu->%zu): byte %zu: %#x",
		     old.p, q, old.req, size, j, ((u8 *)q)[j]);
	b = model_add_block(q, size, old.slot, false, q == old.p);
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
	int i = model_pick_live();
	u8 what = fuzz_in_u8();
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
		model_check_touch(&live[i], "query");
		return;
	case 1:		/* inside a live block */
		if (i < 0 || live[i].usable < 2)
			return;
		a = (uintptr_t)live[i].p + 1 + fuzz_in_u32() % (live[i].usable - 1);
		break;
	case 2:		/* a freed address */
		a = freed[fuzz_in_u8() % MAX_FREED];
		if (!a || model_live_holding(a) >= 0)
			return;
		break;
	default:	/* foreign */
		a = (uintptr_t)&foreign_heap[fuzz_in_u8() % sizeof(foreign_heap)];
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
	u8 what = fuzz_in_u8(), how = fuzz_in_u8();
	struct pa_stats st;
	u64 wrong = 0;
	int i = model_pick_live();
	unsigned int slot = 0;
	bool known = true;
	uintptr_t a;

	switch (what % 3) {
	case 0:		/* inside a live block */
		if (i < 0 || live[i].usable < 2)
			return;
		a = (uintptr_t)live[i].p + 1 + fuzz_in_u32() % (live[i].usable - 1);
		/*
		 * A small block's arena is its pool's; a large block is in
		 * no arena (the default pool counts it); debug mode finds
		 * its own.
		 */
		if (model_slot_debug(live[i].slot))
			known = false;
		else if (!live[i].large)
			slot = live[i].slot;
		break;
	case 1:		/* freed: its arena may be anyone's now */
		a = freed[fuzz_in_u8() % MAX_FREED];
		if (!a || model_live_holding(a) >= 0)
			return;
		known = false;
		break;
	default:	/* foreign */
		a = (uintptr_t)&foreign_heap[16 + fuzz_in_u8() % 4000];
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
		pa_pool_free(known ? model_slot_pool(slot) : NULL, (void *)a);
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
		model_check_touch(&live[i], "after a refused free");
}

static void op_pool_create(void)
{
	u8 arg = fuzz_in_u8();
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

/* A new input names its pools from fuzz-0 again, whatever ran before. */
void ops_reset(void)
{
	pool_serial = 0;
}

/* Destroy a pool: its live blocks go with it. */
void ops_destroy_slot(unsigned int slot)
{
	struct slot_model *s = &slots[slot];
	struct pa_stats st;
	unsigned int i;

	note("destroy slot %u (%llu live)\n", slot,
	     (unsigned long long)s->live_blocks);
	for (i = 0; i < nr_live; )
		if (live[i].slot == slot) {
			model_check_touch(&live[i], "before destroy");
			live_bytes -= live[i].req;
			model_remember_freed(live[i].p);
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
	unsigned int slot = 1 + fuzz_in_u8() % MAX_POOLS;

	if (slots[slot].pool)
		ops_destroy_slot(slot);
}

static void op_validate(void)
{
	unsigned int slot = in_slot();
	int n = pa_pool_validate(model_slot_pool(slot));

	if (n)
		fail("pa_pool_validate() of slot %u found %d problems", slot, n);
}

static void op_machinery(void)
{
	u8 what = fuzz_in_u8(), arg = fuzz_in_u8();
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
	u8 arg = fuzz_in_u8();
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
	u8 what = fuzz_in_u8();
	unsigned int slot = in_slot();
	size_t size = what & 0x80 ? in_size() : 1 + fuzz_in_u16() % 512;
	gfp_t gfp = what & 0x40 ? GFP_NOWAIT : GFP_ATOMIC;
	int i = model_pick_live();
	void *p = NULL;
	bool zero = what & 0x20, alloc = what & 1 && room_for(size);

	if (zero)
		gfp |= __GFP_ZERO;
	note("nmi what %#x slot %u size %zu\n", what, slot, size);
	pa_user_nmi_enter();
	if (alloc)
		p = slot ? pa_pool_alloc(model_slot_pool(slot), size, gfp) :
			   pa_alloc(size, gfp);
	if (what & 2 && i >= 0)
		(what & 4 ? pa_pool_free(model_slot_pool(live[i].slot), live[i].p) :
			    pa_free(live[i].p));
	if (what & 8)
		pa_free(&foreign_heap[32]);
	pa_user_nmi_exit();
	pa_user_run_work();
	if (what & 2 && i >= 0)
		model_drop_block(i);
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
	u8 what = fuzz_in_u8();
	int i = model_pick_live(), round;
	size_t off = fuzz_in_u16();
	struct block *b;
	const u8 *p;

	if (i < 0)
		return;
	b = &live[i];
	p = b->p;
	model_check_touch(b, "before pa_free_rcu");
	if (what % 4 == 0 || b->req < sizeof(struct rcu_head)) {
		/* The head past the block's end, or an interior pointer. */
		note("free_rcu refused %p\n", p);
		if (what & 0x10 && b->usable > 1)
			pa_free_rcu_head(p + 1, (void *)(p + 1));
		else
			pa_free_rcu_head(p, (void *)(p + b->usable + off % 64));
		/* As pa_free(): the default pool, unless debug mode counts it. */
		if (model_slot_debug(b->slot) || !(what & 0x10))
			refused_unattributed++;
		else
			slots[0].invalid++;
		model_check_touch(b, "after a refused pa_free_rcu");
		return;
	}
	/* struct rcu_head holds pointers: aligned as one. */
	off = ALIGN_DOWN(off % (b->req - sizeof(struct rcu_head) + 1),
			 sizeof(void *));
	note("free_rcu %p head at %zu\n", p, off);
	pa_free_rcu_head(p, (struct rcu_head *)(p + off));
	if (!pa_owns(p))
		fail("block %p not live after pa_free_rcu()", p);
	model_check_pattern(b, 0, off, "pa_free_rcu");
	model_check_pattern(b, off + sizeof(struct rcu_head), b->req, "pa_free_rcu");
	model_check_stats();
	for (round = 0; round < RCU_ROUNDS && pa_owns(p); round++)
		pa_user_run_work();
	if (pa_owns(p))
		fail("block %p live after %d grace periods", p, RCU_ROUNDS);
	model_drop_block(i);
}

/* Calls the API refuses: bad names and flags, the default pool's end. */
static void op_refusals(void)
{
	static const char *const names[] = {
		"", ".", "..", "a/b", "default",
		"0123456789012345678901234567890123",
	};
	u8 what = fuzz_in_u8();
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

static void op_profile(void)
{
	u8 what = fuzz_in_u8();
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
		model_check_sites(in_slot());
		break;
	}
}

static void op_check(void)
{
	model_check_all_contents("check");
	model_check_stats();
}

void (*const ops_table[])(void) = {
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

const unsigned int ops_count = ARRAY_SIZE(ops_table);

/* The op byte's top bits: which CPU to act as. */
static_assert(ARRAY_SIZE(ops_table) <= (1 << CPU_SHIFT));
