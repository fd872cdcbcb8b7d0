// SPDX-License-Identifier: GPL-2.0
/*
 * Metric A cases, on the CPU of the writer: alloc+free pair loops, for small
 * sizes against kmalloc and a kmem_cache of that size, and for large sizes
 * against vmalloc.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include "pab.h"

/* Size the loops of "large" are scaled for, and their bounds. */
#define PAB_LARGE_MAX		(4UL << 20)

static int pab_pair_run(const struct pab_case *c, const struct pab_alloc *a,
			u64 *ns)
{
	size_t size = (size_t)c->priv;
	u64 i, t0;
	void *p;

	t0 = ktime_get_ns();
	for (i = 0; i < c->ops; i++) {
		p = pab_alloc(a, size);
		if (unlikely(!p))
			return -ENOMEM;
		pab_free(a, p);
	}
	*ns = ktime_get_ns() - t0;
	return 0;
}

/* pair SIZE ITERS: ITERS alloc+free pairs of SIZE bytes. */
int pab_cmd_pair(char *args)
{
	struct pab_alloc allocs[] = {
		{ .kind = PAB_NONE, .name = "none" },
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_KMALLOC, .name = "kmalloc" },
		{ .kind = PAB_CACHE, .name = "kmem_cache" },
	};
	struct pab_case c = { .metric = "A", .name = "pair", .param = 1,
			      .run = pab_pair_run };
	unsigned int size, iters;
	char size_str[16];

	if (sscanf(args, "%u %u", &size, &iters) != 2 || !size || !iters)
		return -EINVAL;
	allocs[3].cache = pab_cache(size);
	if (!allocs[3].cache)
		return -ENOMEM;
	snprintf(size_str, sizeof(size_str), "%u", size);
	c.size = size_str;
	c.ops = iters;
	c.priv = (void *)(uintptr_t)size;
	return pab_measure(&c, allocs, ARRAY_SIZE(allocs));
}

/* large SIZE ITERS: ITERS alloc+free pairs of SIZE bytes against vmalloc. */
int pab_cmd_large(char *args)
{
	static const struct pab_alloc allocs[] = {
		{ .kind = PAB_NONE, .name = "none" },
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_VMALLOC, .name = "vmalloc" },
	};
	struct pab_case c = { .metric = "A", .name = "large", .param = 1,
			      .run = pab_pair_run };
	unsigned long size;
	unsigned int iters;
	char size_str[16];

	if (sscanf(args, "%lu %u", &size, &iters) != 2 || !size || !iters ||
	    size > PAB_LARGE_MAX)
		return -EINVAL;
	snprintf(size_str, sizeof(size_str), "%lu", size);
	c.size = size_str;
	c.ops = iters;
	c.priv = (void *)(uintptr_t)size;
	return pab_measure(&c, allocs, ARRAY_SIZE(allocs));
}
