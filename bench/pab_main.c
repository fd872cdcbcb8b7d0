// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc_bench: a benchmark of pool_alloc against kmalloc, kmem_cache
 * and vmalloc, driven from user space through debugfs.
 *
 * A command written to <debugfs>/pool_alloc_bench/ctl runs to completion
 * before the write returns; reading ctl then gives its results, one line per
 * allocator.  One command at a time: a second writer waits.  bench/README.md
 * lists the commands and the format of the lines.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/debugfs.h>
#include <linux/mutex.h>
#include <linux/uaccess.h>
#include <linux/string.h>
#include <linux/sort.h>
#include <linux/sched.h>
#include "pab.h"

/* Longest command line accepted, terminating NUL included. */
#define PAB_CMD_MAX	128
/* Results of one command: a few lines per allocator. */
#define PAB_OUT_SIZE	(16 * 1024)
/* Most kmem_caches the bench creates: one per measured size. */
#define PAB_CACHES_MAX	128
#define PAB_CACHE_NAME	16

static DEFINE_MUTEX(pab_mutex);
static char pab_out[PAB_OUT_SIZE];
static size_t pab_out_len;
static struct dentry *pab_dir;

unsigned int pab_runs = PAB_RUNS_DEFAULT;
void **pab_ptrs;
u32 *pab_idx;
char pab_dummy[SMP_CACHE_BYTES];

static struct pab_cache_slot {
	unsigned int size;
	struct kmem_cache *cache;
	char name[PAB_CACHE_NAME];	/* kmem_cache_create() may keep it */
} pab_caches[PAB_CACHES_MAX];

void pab_printf(const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	pab_out_len += vscnprintf(pab_out + pab_out_len,
				  sizeof(pab_out) - pab_out_len, fmt, args);
	va_end(args);
}

u64 pab_rand(u64 *state)
{
	u64 z = (*state += 0x9e3779b97f4a7c15ULL);	/* splitmix64's gamma */

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

u32 pab_rand_below(u64 *state, u32 bound)
{
	/* Lemire's multiply-shift; the bias is below 2^-32, immaterial here. */
	return (u32)(((pab_rand(state) >> 32) * bound) >> 32);
}

/*
 * The kmem_cache of objects of @size bytes, created on first use and kept
 * until unload.  Default flags: slab merging may alias it to a kmalloc
 * cache of the same geometry, as it would for any client.
 */
struct kmem_cache *pab_cache(unsigned int size)
{
	struct pab_cache_slot *s;

	for (s = pab_caches; s < pab_caches + PAB_CACHES_MAX; s++) {
		if (s->size == size)
			return s->cache;
		if (s->size)
			continue;
		snprintf(s->name, sizeof(s->name), "pab-%u", size);
		s->cache = kmem_cache_create(s->name, size, 0, 0, NULL);
		if (!s->cache)
			return NULL;
		s->size = size;
		return s->cache;
	}
	return NULL;
}

static void pab_caches_destroy(void)
{
	struct pab_cache_slot *s;

	for (s = pab_caches; s < pab_caches + PAB_CACHES_MAX && s->size; s++)
		kmem_cache_destroy(s->cache);
}

/*
 * Run case @c @pab_runs times for each of @allocs, interleaved, and print
 * one line per allocator:
 *   R metric=A case=pair n=1 size=64 alloc=pa ops=2000 ns=t1,t2,...
 */
int pab_measure(const struct pab_case *c, const struct pab_alloc *allocs,
		unsigned int nr)
{
	static u64 ns[PAB_ALLOCS_MAX][PAB_RUNS_MAX];
	unsigned int r, i;
	int err;

	if (WARN_ON_ONCE(nr > PAB_ALLOCS_MAX))
		return -EINVAL;
	for (r = 0; r < pab_runs; r++) {
		for (i = 0; i < nr; i++) {
			err = c->run(c, &allocs[i], &ns[i][r]);
			if (err) {
				pab_printf("E case=%s n=%lu size=%s alloc=%s err=%d\n",
					   c->name, c->param, c->size,
					   allocs[i].name, err);
				return err;
			}
			/* Outside the timed loops: let RCU and others run. */
			cond_resched();
		}
	}
	for (i = 0; i < nr; i++) {
		pab_printf("R metric=%s case=%s n=%lu size=%s alloc=%s ops=%llu ns=",
			   c->metric, c->name, c->param, c->size,
			   allocs[i].name, c->ops);
		for (r = 0; r < pab_runs; r++)
			pab_printf("%llu%s", ns[i][r],
				   r + 1 < pab_runs ? "," : "\n");
	}
	return 0;
}

static int pab_cmd_runs(char *args)
{
	unsigned int runs;

	if (kstrtouint(args, 0, &runs) || runs < 1 || runs > PAB_RUNS_MAX)
		return -EINVAL;
	pab_runs = runs;
	return 0;
}

static const struct pab_cmd {
	const char *name;
	int (*fn)(char *args);
} pab_cmds[] = {
	{ "runs", pab_cmd_runs },
	{ "pair", pab_cmd_pair },
	{ "large", pab_cmd_large },
	{ "medium", pab_cmd_medium },
	{ "bulk", pab_cmd_bulk },
	{ "nn", pab_cmd_nn },
	{ "trace", pab_cmd_trace },
	{ "replay", pab_cmd_replay },
	{ "pc", pab_cmd_pc },
	{ "allcpu", pab_cmd_allcpu },
	{ "busy", pab_cmd_busy },
	{ "hold", pab_cmd_hold },
	{ "release", pab_cmd_release },
	{ "stat", pab_cmd_stat },
};

static ssize_t pab_ctl_write(struct file *file, const char __user *ubuf,
			     size_t len, loff_t *ppos)
{
	char line[PAB_CMD_MAX], *args, *verb, none[] = "";
	const struct pab_cmd *cmd;
	int err = -EINVAL;

	if (len >= sizeof(line))
		return -E2BIG;
	if (copy_from_user(line, ubuf, len))
		return -EFAULT;
	line[len] = '\0';
	args = strim(line);
	verb = strsep(&args, " ");

	mutex_lock(&pab_mutex);
	pab_out_len = 0;
	pab_out[0] = '\0';
	for (cmd = pab_cmds; cmd < pab_cmds + ARRAY_SIZE(pab_cmds); cmd++) {
		if (strcmp(verb, cmd->name))
			continue;
		err = cmd->fn(args ? strim(args) : none);
		break;
	}
	if (err && !pab_out_len)
		pab_printf("E cmd=%s err=%d\n", verb, err);
	mutex_unlock(&pab_mutex);
	return err ?: len;
}

static ssize_t pab_ctl_read(struct file *file, char __user *ubuf, size_t len,
			    loff_t *ppos)
{
	ssize_t ret;

	mutex_lock(&pab_mutex);
	ret = simple_read_from_buffer(ubuf, len, ppos, pab_out, pab_out_len);
	mutex_unlock(&pab_mutex);
	return ret;
}

static const struct file_operations pab_ctl_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = pab_ctl_read,
	.write = pab_ctl_write,
	.llseek = default_llseek,
};

static int __init pab_init(void)
{
	pab_ptrs = vcalloc(PAB_LIVE_MAX, sizeof(*pab_ptrs));
	pab_idx = vcalloc(PAB_LIVE_MAX, sizeof(*pab_idx));
	if (!pab_ptrs || !pab_idx)
		goto err;
	pab_dir = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("ctl", 0600, pab_dir, NULL, &pab_ctl_fops);
	return 0;
err:
	vfree(pab_ptrs);
	vfree(pab_idx);
	return -ENOMEM;
}

static void __exit pab_exit(void)
{
	debugfs_remove(pab_dir);
	pab_mem_free();
	pab_trace_free();
	pab_caches_destroy();
	vfree(pab_ptrs);
	vfree(pab_idx);
}

module_init(pab_init);
module_exit(pab_exit);
MODULE_DESCRIPTION("Benchmark of pool_alloc against kmalloc, kmem_cache and vmalloc");
MODULE_LICENSE("GPL");
