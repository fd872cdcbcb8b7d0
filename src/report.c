// SPDX-License-Identifier: GPL-2.0
/*
 * Reports of a client's misuse: counted in the pool it concerns and said
 * once, rate-limited.  A client's bug must not taint the kernel, so a report
 * is a pr_err(), never a WARN().  Nothing here calls back into the
 * allocator: any layer may report.
 */
#include <linux/printk.h>
#include "internal.h"

/**
 * pa_report_invalid() - count and report a pointer the allocator refused
 * @pool: the pool whose arena holds it, or the default pool for a pointer
 *	in no arena; the caller keeps it alive
 * @what: the entry point that refused it
 * @p: the pointer
 * @caller: the entry point's return address
 *
 * Context: any context but NMI.
 */
void pa_report_invalid(struct pa_pool *pool, const char *what, const void *p,
		       unsigned long caller)
{
	atomic64_inc(&pool->invalid_frees);
	pr_err_ratelimited("%s(%p) from %pS: not a live block of this allocator, left untouched\n",
			   what, p, (void *)caller);
}
