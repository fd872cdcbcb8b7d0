// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: every request pool_alloc makes of the kernel's allocators
 * can be made to fail on purpose, to prove that each failure is survived.
 *
 * One fault attribute stands in front of all of them: arena pages, arena
 * descriptors, run map levels, run state arrays, the large table, large
 * blocks, pools, their per-CPU caches and debug mode's quarantine.  It is
 * the kernel's own (Documentation/fault-injection/), so it is driven as
 * failslab is, from /sys/kernel/debug/pool_alloc/fail/.  A kernel without
 * CONFIG_FAULT_INJECTION compiles every check away.
 *
 * Like failslab and fail_page_alloc, a request with __GFP_NOFAIL is never
 * failed: its caller was promised it would not be.
 */
/* 6.1's fault-inject.h needs its types included first. */
#include <linux/types.h>
#include <linux/fault-inject.h>
#include <kunit/visibility.h>
#include "internal.h"

#ifdef CONFIG_FAULT_INJECTION

VISIBLE_IF_KUNIT struct fault_attr pa_fault_attr = FAULT_ATTR_INITIALIZER;
EXPORT_SYMBOL_IF_KUNIT(pa_fault_attr);

/**
 * pa_fault_should_fail() - whether a request must fail on purpose now
 * @size: the bytes about to be asked for (the attribute's space filter)
 * @gfp: the flags of the request
 *
 * Context: any context but NMI.
 * Return: true when the caller must act as if the request failed.
 */
bool pa_fault_should_fail(size_t size, gfp_t gfp)
{
	if (gfp & __GFP_NOFAIL)
		return false;
	return should_fail(&pa_fault_attr, size);
}

/**
 * pa_fault_debugfs_init() - create the fault attribute's directory
 * @root: pool_alloc's debugfs directory; it removes the files with itself
 */
void pa_fault_debugfs_init(struct dentry *root)
{
	/* Not fatal: the attribute works without its files. */
	fault_create_debugfs_attr("fail", root, &pa_fault_attr);
}

#endif /* CONFIG_FAULT_INJECTION */
