// SPDX-License-Identifier: GPL-2.0
/* placeholder sample client */
#include <linux/module.h>
#include <linux/slab.h>
#include "../pool_alloc.h"

static void *blk;

static int __init sample_init(void)
{
	blk = pa_alloc(100, GFP_KERNEL);
	return blk ? 0 : -ENOMEM;
}

static void __exit sample_exit(void)
{
	pa_free(blk);
}
module_init(sample_init);
module_exit(sample_exit);
MODULE_LICENSE("GPL");
