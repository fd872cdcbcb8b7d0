// SPDX-License-Identifier: GPL-2.0
/*
 * A client of pool_alloc that watches its own allocations, written only
 * against pool_alloc.h: it wraps the allocator in place with a hook that
 * counts calls and bytes, switches the call-site profiler on, runs a small
 * workload from three functions, and prints the profiler's lines for its
 * own call sites.  On unload it frees what it kept, puts the allocator it
 * wrapped back and switches the profiler off again if it switched it on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/slab.h>
#include <linux/string.h>
#include "../pool_alloc.h"

/* The allocator this one wraps, and what went through it. */
static struct pa_allocator below;
static atomic_long_t calls_alloc, calls_realloc, calls_free;

static void *counting_alloc(void *ctx, size_t size, gfp_t gfp,
			    unsigned long caller)
{
	atomic_long_inc(&calls_alloc);
	return below.alloc(below.ctx, size, gfp, caller);
}

static void *counting_realloc(void *ctx, const void *p, size_t size,
			      gfp_t gfp, unsigned long caller)
{
	atomic_long_inc(&calls_realloc);
	return below.realloc(below.ctx, p, size, gfp, caller);
}

static void counting_free(void *ctx, const void *p, unsigned long caller)
{
	atomic_long_inc(&calls_free);
	below.free(below.ctx, p, caller);
}

static const struct pa_allocator counting = {
	.alloc = counting_alloc,
	.realloc = counting_realloc,
	.free = counting_free,
};

/* The workload: three call sites, each keeping some blocks alive. */
#define HOOK_SAMPLE_NAMES	40
#define HOOK_SAMPLE_TABLES	4
/* The most call sites the profiler is asked for. */
#define HOOK_SAMPLE_SITES	64

static char *names[HOOK_SAMPLE_NAMES];
static u64 *tables[HOOK_SAMPLE_TABLES];
static void *scratch;

static noinline int make_names(void)
{
	unsigned int i;

	for (i = 0; i < HOOK_SAMPLE_NAMES; i++) {
		names[i] = pa_alloc(24, GFP_KERNEL);
		if (!names[i])
			return -ENOMEM;
		snprintf(names[i], 24, "name-%u", i);
	}
	return 0;
}

static noinline int make_tables(void)
{
	unsigned int i;

	for (i = 0; i < HOOK_SAMPLE_TABLES; i++) {
		tables[i] = pa_calloc(64, sizeof(u64), GFP_KERNEL);
		if (!tables[i])
			return -ENOMEM;
	}
	return 0;
}

/* Grows a buffer step by step, freeing as it goes: nothing stays live. */
static noinline int grow_scratch(void)
{
	size_t size;
	void *p;

	for (size = 16; size <= 2048; size *= 2) {
		p = pa_realloc(scratch, size, GFP_KERNEL);
		if (!p)
			return -ENOMEM;
		scratch = p;
	}
	pa_free(scratch);
	scratch = NULL;
	return 0;
}

static void free_workload(void)
{
	unsigned int i;

	for (i = 0; i < HOOK_SAMPLE_NAMES; i++)
		pa_free(names[i]);
	for (i = 0; i < HOOK_SAMPLE_TABLES; i++)
		pa_free(tables[i]);
	pa_free(scratch);
}

/* Print the profiler's lines of this module's call sites. */
static void print_own_sites(void)
{
	struct pa_site *sites;
	int n, i;

	sites = kcalloc(HOOK_SAMPLE_SITES, sizeof(*sites), GFP_KERNEL);
	if (!sites)
		return;
	n = pa_profile_sites(NULL, sites, HOOK_SAMPLE_SITES);
	pr_info("%12s %10s %10s  %s\n", "live_bytes", "live_blocks", "allocs",
		"call site");
	for (i = 0; i < n; i++) {
		if (!within_module(sites[i].caller, THIS_MODULE))
			continue;
		pr_info("%12llu %10llu %10llu  %pS\n", sites[i].live_bytes,
			sites[i].live_blocks, sites[i].allocs,
			(void *)sites[i].caller);
	}
	kfree(sites);
}

static bool started_profiler;

static int __init hook_sample_init(void)
{
	int err;

	pa_get_allocator(&below);
	err = pa_set_allocator(&counting);
	if (err)
		return err;
	err = pa_profile_start();
	if (err < 0)
		goto err_restore;
	/* 1: this call switched it on; 0: someone else had already. */
	started_profiler = err;

	err = make_names();
	if (!err)
		err = make_tables();
	if (!err)
		err = grow_scratch();
	if (err)
		goto err_free;

	pr_info("through the hook: %ld allocs, %ld reallocs, %ld frees\n",
		atomic_long_read(&calls_alloc), atomic_long_read(&calls_realloc),
		atomic_long_read(&calls_free));
	print_own_sites();
	return 0;

err_free:
	free_workload();
	if (started_profiler)
		pa_profile_stop();
err_restore:
	pa_set_allocator(&below);
	return err;
}

static void __exit hook_sample_exit(void)
{
	free_workload();
	if (started_profiler)
		pa_profile_stop();
	/* Returns once no CPU runs counting_*() any more: safe to go. */
	pa_set_allocator(&below);
}

module_init(hook_sample_init);
module_exit(hook_sample_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Sample client of pool_alloc: a counting hook and the call-site profiler");
