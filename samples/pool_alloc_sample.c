// SPDX-License-Identifier: GPL-2.0
/*
 * A client of pool_alloc written only against pool_alloc.h.
 *
 * On load it creates the pool "sample" and runs a short workload: objects of
 * mixed sizes (a few above small_max), some resized, most freed, and a set
 * kept alive until unload so that the statistics have something to show.
 * Loading it pulls pool_alloc in through its symbol dependencies.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "../pool_alloc.h"

static unsigned int rounds = 100;
module_param(rounds, uint, 0444);
MODULE_PARM_DESC(rounds, "Allocation rounds run at load (default 100)");

/* Objects kept until unload: one per round, up to this many. */
#define SAMPLE_KEPT	256

static struct pa_pool *sample_pool;
static void *kept[SAMPLE_KEPT];
static void *kept_default;

/* Sizes of a typical kernel mix, with a few large requests. */
static size_t sample_size(unsigned int i)
{
	static const size_t sizes[] = { 8, 24, 40, 64, 96, 128, 200, 256,
					 300, 512, 700, 1024, 2000, 4096,
					 9000, 70000 };

	return sizes[i % ARRAY_SIZE(sizes)];
}

/*
 * Not inlined into sample_init(), whose text is freed once the module is
 * loaded: the call sites that tracepoints and the profiler record here
 * still name a function of the sample afterwards.
 */
static noinline int sample_round(unsigned int i)
{
	size_t size = sample_size(i + get_random_u32_below(3));
	void *a, *b, *grown;

	a = pa_pool_alloc(sample_pool, size, GFP_KERNEL);
	b = pa_pool_zalloc(sample_pool, size / 2 + 1, GFP_KERNEL);
	if (!a || !b)
		goto err_free;
	memset(a, 0x5a, size);

	grown = pa_realloc(b, size * 2, GFP_KERNEL);
	if (!grown)
		goto err_free;
	b = grown;
	pa_pool_free(sample_pool, a);

	if (i < SAMPLE_KEPT)
		kept[i] = b;
	else
		pa_free(b);
	return 0;

err_free:
	pa_free(a);
	pa_free(b);
	return -ENOMEM;
}

static int __init sample_init(void)
{
	struct pa_stats st;
	unsigned int i;
	int err;

	sample_pool = pa_pool_create("sample", 0);
	if (IS_ERR(sample_pool))
		return PTR_ERR(sample_pool);

	for (i = 0; i < rounds; i++) {
		err = sample_round(i);
		if (err)
			goto err_destroy;
	}
	kept_default = pa_calloc(16, sizeof(u64), GFP_KERNEL);
	if (!kept_default) {
		err = -ENOMEM;
		goto err_destroy;
	}

	pa_pool_stats(sample_pool, &st);
	pr_info("%u rounds: %llu allocs, %llu live blocks, %llu bytes requested in %llu pages\n",
		rounds, st.allocs, st.live_blocks, st.live_bytes_requested,
		st.pages_held);
	return 0;

err_destroy:
	/* Destroying the pool frees whatever the rounds left behind. */
	pa_pool_destroy(sample_pool);
	return err;
}

static void __exit sample_exit(void)
{
	unsigned int i;

	for (i = 0; i < SAMPLE_KEPT; i++)
		pa_free(kept[i]);
	pa_free(kept_default);
	pa_pool_destroy(sample_pool);
}

module_init(sample_init);
module_exit(sample_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sample client of pool_alloc");
