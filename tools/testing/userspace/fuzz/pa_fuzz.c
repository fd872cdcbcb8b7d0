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
 * This file reads the input, runs its operations (ops.c) and checks the
 * model (model.c) after each, then frees what the input left; pa_fuzz.h
 * is what the three share.
 *
 * Environment: PA_FUZZ_PARAMS, module parameters for pa_user_load()
 * ("small_max=512", "backend=kmalloc"); PA_FUZZ_VERBOSE=1 prints each
 * operation.
 */
#include "pa_fuzz.h"

/*
 * The reapers' interval (PA_REAP_INTERVAL, 2 s) and a jiffy, and passes
 * enough for a cache used just before the first to be flushed by a later
 * one, whatever the phase of each CPU's reaper.
 */
#define REAP_TICKS	(2 * HZ + 1)
#define REAP_PASSES	3

bool verbose;
static unsigned long op_nr;
static const u8 *in_data;
static size_t in_len, in_pos;

void fail(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "pa_fuzz: invariant violated at op %lu: ", op_nr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	abort();
}

u8 fuzz_in_u8(void)
{
	return in_pos < in_len ? in_data[in_pos++] : 0;
}

u16 fuzz_in_u16(void)
{
	return fuzz_in_u8() | (u16)fuzz_in_u8() << 8;
}

u32 fuzz_in_u32(void)
{
	return fuzz_in_u16() | (u32)fuzz_in_u16() << 16;
}

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
			model_check_sites(slot);
	pa_profile_stop();
	profiling = false;
	init_alloc = false;
	pa_user_init_on(false, false);
	model_check_all_contents("end of input");
	model_check_stats();
	while (nr_live)
		ops_free_live(nr_live - 1, 0);
	pa_user_run_work();
	model_check_stats();
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
		ops_destroy_slot(slot);
	}
	/* What the destroys left to RCU, so each input frees what it took. */
	pa_user_run_work();
	model_check_stats();
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
	model_reset();
	ops_reset();
	pa_pool_stats(NULL, &slots[0].base);
	pa_user_set_cpu(0);
	while (in_pos < in_len) {
		u8 op = fuzz_in_u8();

		act_as(op >> CPU_SHIFT);
		ops_table[(op & ((1 << CPU_SHIFT) - 1)) % ops_count]();
		op_nr++;
		/* Every call returns as it was entered: preemptible, irqs on. */
		if (!preemptible() || in_interrupt())
			fail("left in atomic context (preempt %d, irqs %d)",
			     preempt_count(), irqs_disabled());
		model_check_stats();
		if (op_nr % CHECK_EVERY == 0)
			model_check_all_contents("periodic");
	}
	finish_input();
	return 0;
}
