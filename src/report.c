// SPDX-License-Identifier: GPL-2.0
/*
 * Reports of a client's misuse: counted in the pool it concerns and said,
 * rate-limited.  A client's bug must not taint the kernel, so a report is a
 * pr_err(), never a WARN().  Nothing here calls back into the allocator:
 * any layer may report.
 */
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/stackdepot.h>
#include "internal.h"
#include "sanitize.h"

/* Bytes shown on each side of the first damaged byte. */
#define PA_REPORT_AROUND	32

/* Each check's message, and its counter's name in struct pa_stats. */
static const char *const err_names[][2] = {
	[PA_ERR_OVERFLOW_BEFORE] = { "write before the block", "err_overflow_before" },
	[PA_ERR_OVERFLOW_AFTER] = { "write after the block", "err_overflow_after" },
	[PA_ERR_USE_AFTER_FREE] = { "write after free", "err_use_after_free" },
	[PA_ERR_DOUBLE_FREE] = { "double free", "err_double_free" },
	[PA_ERR_WRONG_POOL] = { "free through the wrong pool", "err_wrong_pool" },
	[PA_ERR_FREELIST] = { "corrupted free-list link", "err_freelist" },
};

static_assert(ARRAY_SIZE(err_names) == PA_ERR_COUNT);

/* One report of several lines is let through, or none of it. */
static DEFINE_RATELIMIT_STATE(pa_report_rs, DEFAULT_RATELIMIT_INTERVAL,
			      DEFAULT_RATELIMIT_BURST);

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

/**
 * pa_report_wrong_pool() - count and report pa_pool_free() of another
 * pool's block
 * @pool: the pool named in the call, where the error counts
 * @owner: the block's own pool
 * @p: the block, left live
 * @caller: the entry point's return address
 *
 * Context: any context but NMI.
 */
void pa_report_wrong_pool(struct pa_pool *pool, struct pa_pool *owner,
			  const void *p, unsigned long caller)
{
	atomic64_inc(&pool->err[PA_ERR_WRONG_POOL]);
	pr_err_ratelimited("%s (%s) in pool '%s': pa_pool_free(%p) from %pS: the block is pool '%s''s, left live\n",
			   err_names[PA_ERR_WRONG_POOL][0],
			   err_names[PA_ERR_WRONG_POOL][1], pool->name, p,
			   (void *)caller, owner->name);
}

/**
 * pa_report_freelist() - count and report a run taken out of service
 * @pool: its pool
 * @size: its class size
 * @lost: its free blocks, lost with it
 *
 * A free-list link failed validation: something wrote into a freed block.
 *
 * Context: any context but NMI; a class lock may be held.
 */
void pa_report_freelist(struct pa_pool *pool, unsigned int size,
			unsigned int lost)
{
	atomic64_add(lost, &pool->err[PA_ERR_FREELIST]);
	pr_err_ratelimited("%s (%s) in pool '%s', class %u: a write after free damaged it; the run is out of service, %u free blocks lost\n",
			   err_names[PA_ERR_FREELIST][0],
			   err_names[PA_ERR_FREELIST][1], pool->name, size,
			   lost);
}

static void report_stack(const char *which, u32 handle)
{
	if (!handle) {
		pr_err("%s: no stack recorded\n", which);
		return;
	}
	pr_err("%s by:\n", which);
	stack_depot_print(handle);
}

/**
 * pa_report_misuse() - count and report a damaged debug block
 * @pool: the block's pool
 * @r: what debug mode found
 *
 * One report names the check, the pool, the block (hashed pointer), its
 * serial number and request, the offset of the first damaged byte from
 * the client's pointer with the bytes around it, and the stacks that
 * allocated and freed the block.
 *
 * Context: any context but NMI.
 */
void pa_report_misuse(struct pa_pool *pool, const struct pa_report *r)
{
	const u8 *start, *end;

	atomic64_inc(&pool->err[r->err]);
	if (!__ratelimit(&pa_report_rs))
		return;
	pr_err("%s (%s) in pool '%s', found by %s from %pS\n",
	       err_names[r->err][0], err_names[r->err][1], pool->name, r->what,
	       (void *)r->caller);
	pr_err("block %p: serial %u, %zu bytes requested\n", r->ptr,
	       r->serial, r->requested);
	if (r->damage) {
		start = max_t(const u8 *, (const u8 *)r->damage - PA_REPORT_AROUND,
			      (const u8 *)r->block);
		end = min_t(const u8 *, (const u8 *)r->damage + PA_REPORT_AROUND,
			    (const u8 *)r->block + r->usable);
		pr_err("first damaged byte at offset %td, bytes from offset %td:\n",
		       (const u8 *)r->damage - (const u8 *)r->ptr,
		       start - (const u8 *)r->ptr);
		/* The guards and freed data are the allocator's to read. */
		pa_sanitize_own_begin();
		print_hex_dump(KERN_ERR, KBUILD_MODNAME ":   ", DUMP_PREFIX_NONE,
			       16, 1, start, end - start, false);
		pa_sanitize_own_end();
	}
	report_stack("allocated", r->alloc_stack);
	if (r->err != PA_ERR_OVERFLOW_BEFORE && r->err != PA_ERR_OVERFLOW_AFTER)
		report_stack("freed", r->free_stack);
}
