// SPDX-License-Identifier: GPL-2.0
/*
 * Metric A bulk case: pa_alloc_bulk()/pa_free_bulk() of the default pool
 * against kmem_cache_alloc_bulk()/kmem_cache_free_bulk() of a cache of the
 * same size (the one the pair loop uses), N objects per call.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include "pab.h"

struct pab_bulk {
	size_t size;
	unsigned int n;
	unsigned int reps;
};

/*
 * REPS times: N objects in one alloc call, then the same N in one free call.
 * Allocator "none" runs the loop and the switch only: the stores into the
 * pointer array are part of what a bulk call does.
 */
static int pab_bulk_run(const struct pab_case *c, const struct pab_alloc *a,
			u64 *ns)
{
	const struct pab_bulk *b = c->priv;
	void **p = pab_ptrs;
	unsigned int r;
	u64 t0;

	t0 = ktime_get_ns();
	for (r = 0; r < b->reps; r++) {
		switch (a->kind) {
		case PAB_PA:
			if (unlikely(pa_alloc_bulk(NULL, b->size, GFP_KERNEL,
						   b->n, p) != b->n))
				return -ENOMEM;
			pa_free_bulk(b->n, p);
			break;
		case PAB_CACHE:
			if (unlikely(kmem_cache_alloc_bulk(a->cache, GFP_KERNEL,
							   b->n, p) != b->n))
				return -ENOMEM;
			kmem_cache_free_bulk(a->cache, b->n, p);
			break;
		default:
			/* Opaque: the loop cannot be folded away. */
			OPTIMIZER_HIDE_VAR(p);
			break;
		}
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

/*
 * bulk SIZE N REPS: REPS times, N objects of SIZE bytes in one bulk alloc,
 * then one bulk free of all N.  The unit is an object (one alloc and one
 * free), as for N-then-N.
 */
int pab_cmd_bulk(char *args)
{
	struct pab_alloc allocs[] = {
		{ .kind = PAB_NONE, .name = "none" },
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_CACHE, .name = "kmem_cache" },
	};
	struct pab_case c = { .metric = "A", .name = "bulk",
			      .run = pab_bulk_run };
	unsigned int size;
	char size_str[16];
	struct pab_bulk b;

	/* Both return the count as an int. */
	if (sscanf(args, "%u %u %u", &size, &b.n, &b.reps) != 3 || !size ||
	    !b.n || b.n > PAB_LIVE_MAX || !b.reps)
		return -EINVAL;
	allocs[2].cache = pab_cache(size);
	if (!allocs[2].cache)
		return -ENOMEM;
	b.size = size;
	snprintf(size_str, sizeof(size_str), "%u", size);
	c.param = b.n;
	c.size = size_str;
	c.ops = (u64)b.n * b.reps;
	c.priv = &b;
	return pab_measure(&c, allocs, ARRAY_SIZE(allocs));
}
