// SPDX-License-Identifier: GPL-2.0
/*
 * Metric A cases, on the CPU of the writer: alloc+free pair loops, for small
 * sizes against kmalloc and a kmem_cache of that size, for medium sizes
 * against kmalloc and kvmalloc, and for large sizes against vmalloc; N
 * allocations then N frees in a given order.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/string.h>
#include <linux/minmax.h>
#include "pab.h"

/* Size the loops of "large" are scaled for, and their bounds. */
#define PAB_LARGE_MAX		(4UL << 20)
/*
 * Largest "medium" request: kmalloc() of more than KMALLOC_MAX_SIZE fails,
 * and kvmalloc() would then measure vmalloc, which "large" already does.
 */
#define PAB_MEDIUM_MAX		min_t(unsigned long, 1UL << 20, KMALLOC_MAX_SIZE)

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

/*
 * vfree() only queues the area; the queue is purged (TLB flush and all) once
 * it holds lazy_max_pages().  Starting every run with an empty queue makes
 * the purges fall at the same points for pool_alloc, which uses vmalloc
 * above small_max, and for vmalloc itself.
 */
static int pab_large_run(const struct pab_case *c, const struct pab_alloc *a,
			 u64 *ns)
{
	vm_unmap_aliases();
	return pab_pair_run(c, a, ns);
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

/*
 * "SIZE ITERS": ITERS alloc+free pairs of SIZE bytes, at most @max, for
 * each of @allocs, through pab_large_run(), which empties the lazy vfree
 * queue before every run.
 */
static int pab_pairs_measure(const char *name, char *args, unsigned long max,
			     const struct pab_alloc *allocs, unsigned int n)
{
	struct pab_case c = { .metric = "A", .name = name, .param = 1,
			      .run = pab_large_run };
	unsigned long size;
	unsigned int iters;
	char size_str[16];

	if (sscanf(args, "%lu %u", &size, &iters) != 2 || !size || !iters ||
	    size > max)
		return -EINVAL;
	snprintf(size_str, sizeof(size_str), "%lu", size);
	c.size = size_str;
	c.ops = iters;
	c.priv = (void *)(uintptr_t)size;
	return pab_measure(&c, allocs, n);
}

/* large SIZE ITERS: ITERS alloc+free pairs of SIZE bytes against vmalloc. */
int pab_cmd_large(char *args)
{
	static const struct pab_alloc allocs[] = {
		{ .kind = PAB_NONE, .name = "none" },
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_VMALLOC, .name = "vmalloc" },
	};

	return pab_pairs_measure("large", args, PAB_LARGE_MAX, allocs,
				 ARRAY_SIZE(allocs));
}

/*
 * medium SIZE ITERS: ITERS alloc+free pairs of SIZE bytes (a few KiB to a
 * few tens of KiB) against kmalloc, which takes whole pages above its
 * largest cache, and kvmalloc, which tries that first and falls back to
 * vmalloc.  Any of the three may use vmalloc, hence pab_large_run().
 */
int pab_cmd_medium(char *args)
{
	static const struct pab_alloc allocs[] = {
		{ .kind = PAB_NONE, .name = "none" },
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_KMALLOC, .name = "kmalloc" },
		{ .kind = PAB_KVMALLOC, .name = "kvmalloc" },
	};

	return pab_pairs_measure("medium", args, PAB_MEDIUM_MAX, allocs,
				 ARRAY_SIZE(allocs));
}

/* N-then-N: N allocations, then N frees in the order of pab_idx. */
struct pab_nn {
	size_t size;
	unsigned int n;
	unsigned int reps;
};

static int pab_nn_run(const struct pab_case *c, const struct pab_alloc *a,
		      u64 *ns)
{
	const struct pab_nn *nn = c->priv;
	unsigned int r, i;
	u64 t0;
	void *p;

	t0 = ktime_get_ns();
	for (r = 0; r < nn->reps; r++) {
		for (i = 0; i < nn->n; i++) {
			p = pab_alloc(a, nn->size);
			if (unlikely(!p))
				goto fail;
			pab_ptrs[i] = p;
		}
		for (i = 0; i < nn->n; i++)
			pab_free(a, pab_ptrs[pab_idx[i]]);
	}
	*ns = ktime_get_ns() - t0;
	return 0;
fail:
	while (i--)
		pab_free(a, pab_ptrs[i]);
	return -ENOMEM;
}

/*
 * nn ORDER N REPS SIZE: REPS times, N allocations of SIZE bytes then N
 * frees in ORDER: lifo (last allocated first), fifo, or random (a shuffle
 * seeded with PAB_SEED, so every allocator frees in the same order).
 */
int pab_cmd_nn(char *args)
{
	struct pab_alloc allocs[] = {
		{ .kind = PAB_NONE, .name = "none" },
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_KMALLOC, .name = "kmalloc" },
		{ .kind = PAB_CACHE, .name = "kmem_cache" },
	};
	static const char * const names[] = { "nn-lifo", "nn-fifo",
					       "nn-random" };
	struct pab_case c = { .metric = "A", .run = pab_nn_run };
	unsigned int size, i, j, order;
	char size_str[16], ord[8];
	u64 seed = PAB_SEED;
	struct pab_nn nn;

	if (sscanf(args, "%7s %u %u %u", ord, &nn.n, &nn.reps, &size) != 4 ||
	    !nn.n || nn.n > PAB_LIVE_MAX || !nn.reps || !size)
		return -EINVAL;
	for (order = 0; order < ARRAY_SIZE(names); order++)
		if (!strcmp(names[order] + strlen("nn-"), ord))
			break;
	if (order == ARRAY_SIZE(names))
		return -EINVAL;

	for (i = 0; i < nn.n; i++)
		pab_idx[i] = order == 0 ? nn.n - 1 - i : i;
	if (order == 2) {
		/* Fisher-Yates. */
		for (i = nn.n - 1; i > 0; i--) {
			j = pab_rand_below(&seed, i + 1);
			swap(pab_idx[i], pab_idx[j]);
		}
	}
	allocs[3].cache = pab_cache(size);
	if (!allocs[3].cache)
		return -ENOMEM;
	nn.size = size;
	snprintf(size_str, sizeof(size_str), "%u", size);
	c.name = names[order];
	c.param = nn.n;
	c.size = size_str;
	c.ops = (u64)nn.n * nn.reps;
	c.priv = &nn;
	return pab_measure(&c, allocs, ARRAY_SIZE(allocs));
}
