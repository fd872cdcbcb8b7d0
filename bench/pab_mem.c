// SPDX-License-Identifier: GPL-2.0
/*
 * Metric C: memory held against bytes requested.
 *
 * "hold" allocates objects of random sizes and keeps them; "release" frees
 * them; "stat" reports.  Between the commands the guest reads /proc/slabinfo
 * for kmalloc's side (tools/testing/vm/guest/init-bench); pool_alloc's side is
 * pa_pool_stats() of a pool made for the purpose.  The object table is
 * allocated at load, so these commands allocate nothing but the objects
 * (and, for pool_alloc, the pool).
 */
#include <linux/kernel.h>
#include <linux/err.h>
#include <linux/sched.h>
#include <linux/string.h>
#include "pab.h"

/* Objects between two cond_resched() while holding or releasing. */
#define PAB_MEM_RESCHED		1024

static struct pab_mem {
	struct pab_alloc a;
	struct pa_pool *pool;
	unsigned int live;
	u64 requested;
} pab_mem;

static int pab_mem_stat(void)
{
	struct pa_stats st;

	if (pab_mem.a.kind != PAB_PA_POOL) {
		pab_printf("C alloc=%s live=%u requested=%llu\n",
			   pab_mem.a.name ?: "none", pab_mem.live,
			   pab_mem.requested);
		return 0;
	}
	pa_pool_stats(pab_mem.pool, &st);
	pab_printf("C alloc=pa live=%llu requested=%llu allocated=%llu pa_pages=%llu arenas=%llu\n",
		   st.live_blocks, st.live_bytes_requested,
		   st.live_bytes_allocated, st.pages_held, st.arenas_current);
	return 0;
}

static void pab_mem_release(void)
{
	unsigned int i;

	for (i = 0; i < pab_mem.live; i++) {
		pab_free(&pab_mem.a, pab_ptrs[i]);
		if (i % PAB_MEM_RESCHED == 0)
			cond_resched();
	}
	pab_mem.live = 0;
	pab_mem.requested = 0;
}

void pab_mem_free(void)
{
	pab_mem_release();
	if (pab_mem.pool)
		pa_pool_destroy(pab_mem.pool);
	pab_mem.pool = NULL;
}

/*
 * hold ALLOC MAXSIZE COUNT: allocate COUNT objects of sizes drawn uniformly
 * from 1..MAXSIZE (the same sizes for every allocator) with ALLOC, pa (a
 * new pool "pab-mem") or kmalloc, and keep them.
 */
int pab_cmd_hold(char *args)
{
	unsigned int max_size, count, i;
	u64 seed = PAB_SEED;
	char name[16];
	size_t size;
	int err;

	if (sscanf(args, "%15s %u %u", name, &max_size, &count) != 3 ||
	    !max_size || !count || count > PAB_LIVE_MAX)
		return -EINVAL;
	pab_mem_free();
	if (!strcmp(name, "pa")) {
		pab_mem.pool = pa_pool_create("pab-mem", 0);
		if (IS_ERR(pab_mem.pool)) {
			err = PTR_ERR(pab_mem.pool);
			pab_mem.pool = NULL;
			return err;
		}
		pab_mem.a = (struct pab_alloc){ .kind = PAB_PA_POOL,
			.name = "pa", .pool = pab_mem.pool };
	} else if (!strcmp(name, "kmalloc")) {
		pab_mem.a = (struct pab_alloc){ .kind = PAB_KMALLOC,
			.name = "kmalloc" };
	} else {
		return -EINVAL;
	}

	for (i = 0; i < count; i++) {
		size = 1 + pab_rand_below(&seed, max_size);
		pab_ptrs[i] = pab_alloc(&pab_mem.a, size);
		if (!pab_ptrs[i]) {
			pab_mem_release();
			return -ENOMEM;
		}
		pab_mem.live++;
		pab_mem.requested += size;
		if (i % PAB_MEM_RESCHED == 0)
			cond_resched();
	}
	return pab_mem_stat();
}

/* release: free every held object, in the order they were allocated. */
int pab_cmd_release(char *args)
{
	pab_mem_release();
	return pab_mem_stat();
}

/* stat: what the held objects take now. */
int pab_cmd_stat(char *args)
{
	return pab_mem_stat();
}
