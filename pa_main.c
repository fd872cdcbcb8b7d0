// SPDX-License-Identifier: GPL-2.0
/* placeholder until the allocator lands */
#include <linux/module.h>
#include <linux/debugfs.h>
#include "pool_alloc.h"

static struct dentry *pa_dir;

void *pa_alloc(size_t size, gfp_t gfp)
{
	return kmalloc(size, gfp);
}
EXPORT_SYMBOL_GPL(pa_alloc);

void pa_free(const void *p)
{
	kfree(p);
}
EXPORT_SYMBOL_GPL(pa_free);

static int pa_stats_show(struct seq_file *m, void *v)
{
	seq_puts(m, "allocs: 0\n");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pa_stats);

static int __init pa_init(void)
{
	pa_dir = debugfs_create_dir("pool_alloc", NULL);
	debugfs_create_file("stats", 0444, pa_dir, NULL, &pa_stats_fops);
	return 0;
}

static void __exit pa_exit(void)
{
	debugfs_remove_recursive(pa_dir);
}
module_init(pa_init);
module_exit(pa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pool_alloc placeholder");
