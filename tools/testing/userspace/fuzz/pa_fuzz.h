/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the three files of the fuzzer share: the model's limits, its
 * structures and state, the pattern every live block holds, and the
 * functions each file offers the others, under its prefix (fuzz_ in
 * pa_fuzz.c, model_ in model.c, ops_ in ops.c).  fail() is the verdict
 * every file gives, unprefixed so that its messages keep their lines.
 */
#ifndef PA_FUZZ_H
#define PA_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include "pool_alloc.h"
#include "pa_user.h"

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

/* model.c: the model, and what the input set that it needs. */
extern struct block live[MAX_LIVE];
extern unsigned int nr_live;
extern size_t live_bytes;
extern struct slot_model slots[NR_SLOTS];
extern uintptr_t freed[MAX_FREED];
extern u64 refused_unattributed;	/* refusals counted in some pool */
extern size_t small_max;
/* The boot option init_on_alloc, as the input set it: every block zeroed. */
extern bool init_alloc;
/* The profiler is on; the block being added came from NMI (never profiled). */
extern bool profiling, from_nmi;
/* Failures were injected: a profiler record may have been refused. */
extern bool fail_armed;

/* pa_fuzz.c: the input being run. */
extern bool verbose;

#define note(...) do { if (verbose) fprintf(stderr, __VA_ARGS__); } while (0)

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

/* pa_fuzz.c: the input and the verdict. */
__noreturn __printf(1, 2) void fail(const char *fmt, ...);
u8 fuzz_in_u8(void);
u16 fuzz_in_u16(void);
u32 fuzz_in_u32(void);

/* model.c: block contents, the model and its invariant checks. */
size_t model_pattern_differs(const void *p, u64 id, size_t from, size_t to);
size_t model_nonzero_at(const void *p, size_t from, size_t to);
void model_check_pattern(const struct block *b, size_t from, size_t to,
			 const char *when);
void model_check_touch(const struct block *b, const char *when);
void model_check_all_contents(const char *when);
struct pa_pool *model_slot_pool(unsigned int slot);
bool model_slot_debug(unsigned int slot);
int model_live_holding(uintptr_t a);
void model_remember_freed(const void *p);
void model_reset(void);
struct block *model_add_block(void *p, size_t req, unsigned int slot,
			      bool zeroed, bool kept);
void model_drop_block(unsigned int i);
int model_pick_live(void);
void model_check_stats(void);
void model_check_sites(unsigned int slot);

/* ops.c: the operations, picked by the low bits of an op byte. */
#define CPU_SHIFT	5
extern void (*const ops_table[])(void);
extern const unsigned int ops_count;
void ops_free_live(unsigned int i, unsigned int how);
void ops_destroy_slot(unsigned int slot);
void ops_reset(void);

#endif /* PA_FUZZ_H */
