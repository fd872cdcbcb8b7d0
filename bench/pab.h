/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pool_alloc_bench: what the benchmark's files share.
 *
 * Every measurement runs one case once per allocator per run, the allocators
 * interleaved so that a drift in the machine hits them all alike, and prints
 * the elapsed guest nanoseconds of every run; the host drops the warm-up runs
 * and takes medians (bench/report.py).  Allocator "none" runs the very same
 * loop with no allocation: its time is the harness overhead that the host
 * subtracts.
 */
#ifndef _PAB_H
#define _PAB_H

#include <linux/types.h>
#include <linux/compiler.h>
#include <linux/mm.h>		/* kvmalloc() on 6.1 */
#include <linux/slab.h>
#include <linux/vmalloc.h>
#include "../pool_alloc.h"

/* Runs of each case; the host drops the first two as warm-up. */
#define PAB_RUNS_DEFAULT	5
#define PAB_RUNS_MAX		15
/* Allocators compared in one case: "none" plus up to three real ones. */
#define PAB_ALLOCS_MAX		4
/*
 * Most objects a case holds at once: N-then-N goes to 100000, Metric C
 * holds 100000; the pointer table is allocated once, at load, so that it
 * never shows in the slab accounting of a workload.
 */
#define PAB_LIVE_MAX		200000U

enum pab_kind {
	PAB_NONE,		/* the harness alone: no allocation */
	PAB_PA,			/* pa_alloc()/pa_free(): the default pool */
	PAB_PA_POOL,		/* pa_pool_alloc() from a pool of the bench */
	PAB_KMALLOC,		/* kmalloc()/kfree() */
	PAB_CACHE,		/* kmem_cache_alloc()/kmem_cache_free() */
	PAB_VMALLOC,		/* vmalloc()/vfree() */
	PAB_KVMALLOC,		/* kvmalloc()/kvfree() */
};

/* An allocator under test, with what it needs. */
struct pab_alloc {
	enum pab_kind kind;
	const char *name;
	struct kmem_cache *cache;	/* PAB_CACHE */
	struct pa_pool *pool;		/* PAB_PA_POOL */
	struct pa_pool **pools;		/* PAB_PA_POOL: one per worker (Metric B) */
};

/* What allocator "none" hands out: a non-NULL pointer nothing owns. */
extern char pab_dummy[];

/*
 * The allocation and free of every timed loop.  The switch is inlined into
 * each loop and costs "none" as much as any other allocator, so subtracting
 * the baseline removes it too.
 */
static __always_inline void *pab_alloc(const struct pab_alloc *a, size_t size)
{
	void *p;

	switch (a->kind) {
	case PAB_PA:
		return pa_alloc(size, GFP_KERNEL);
	case PAB_PA_POOL:
		return pa_pool_alloc(a->pool, size, GFP_KERNEL);
	case PAB_KMALLOC:
		return kmalloc(size, GFP_KERNEL);
	case PAB_CACHE:
		return kmem_cache_alloc(a->cache, GFP_KERNEL);
	case PAB_VMALLOC:
		return vmalloc(size);
	case PAB_KVMALLOC:
		return kvmalloc(size, GFP_KERNEL);
	default:
		p = pab_dummy;
		/* An opaque pointer: the loop cannot be folded away. */
		OPTIMIZER_HIDE_VAR(p);
		return p;
	}
}

static __always_inline void pab_free(const struct pab_alloc *a, void *p)
{
	switch (a->kind) {
	case PAB_PA:
	case PAB_PA_POOL:
		pa_free(p);
		break;
	case PAB_KMALLOC:
		kfree(p);
		break;
	case PAB_CACHE:
		kmem_cache_free(a->cache, p);
		break;
	case PAB_VMALLOC:
		vfree(p);
		break;
	case PAB_KVMALLOC:
		kvfree(p);
		break;
	default:
		barrier();
		break;
	}
}

/*
 * A case: run() does the whole timed workload once with allocator @a and
 * stores the elapsed guest nanoseconds in *ns.  @ops is the number of
 * operations the per-operation figure is divided by (alloc+free pairs,
 * objects, or trace lines: the README says which).
 */
struct pab_case {
	const char *metric;		/* "A" (one CPU) or "B" (several) */
	const char *name;
	unsigned long param;		/* N, or 1 */
	const char *size;		/* "64", or "mixed" */
	u64 ops;
	int (*run)(const struct pab_case *c, const struct pab_alloc *a,
		   u64 *ns);
	void *priv;
};

int pab_measure(const struct pab_case *c, const struct pab_alloc *allocs,
		unsigned int nr);
__printf(1, 2) void pab_printf(const char *fmt, ...);

/* Shared state, protected by the command mutex. */
extern unsigned int pab_runs;
extern void **pab_ptrs;		/* PAB_LIVE_MAX pointers */
extern u32 *pab_idx;		/* PAB_LIVE_MAX indices */

struct kmem_cache *pab_cache(unsigned int size);

/* A deterministic PRNG (splitmix64), seeded alike for every allocator. */
#define PAB_SEED	0x9e3779b97f4a7c15ULL
u64 pab_rand(u64 *state);
u32 pab_rand_below(u64 *state, u32 bound);

/* Commands, one per file; @args is the rest of the command line. */
int pab_cmd_pair(char *args);
int pab_cmd_large(char *args);
int pab_cmd_medium(char *args);
int pab_cmd_bulk(char *args);
int pab_cmd_nn(char *args);
int pab_cmd_trace(char *args);
int pab_cmd_replay(char *args);
int pab_cmd_pc(char *args);
int pab_cmd_allcpu(char *args);
int pab_cmd_busy(char *args);
int pab_cmd_hold(char *args);
int pab_cmd_release(char *args);
int pab_cmd_stat(char *args);
void pab_trace_free(void);
void pab_mem_free(void);

#endif /* _PAB_H */
