// SPDX-License-Identifier: GPL-2.0
/*
 * The entry points' way off their fast paths, shared by the allocator hooks
 * (main.c) and the profiler (profile.c), which hold it while a hook is
 * installed or the profiler has work, and by the tracepoints (trace.c) while
 * they have probes: a counting static key, and the bound of pa_alloc()'s
 * fast path.
 *
 * pa_free() and pa_pool_alloc() test pa_entry_key: one jump, patched to a
 * no-op while nobody holds it.  pa_alloc(), pa_zalloc() and pa_calloc()
 * test nothing more than before: they compare the request with
 * pa_entry_bound, as they compare it with small_max anyway, and the bound
 * is 0 while anybody holds the way, so that every call takes the slow
 * path.  A jump there measured three instructions, not one: the compiler
 * hoisted the caller's address, which the slow path takes, above it.
 */
#include <linux/jump_label.h>
#include <linux/mutex.h>
#include "internal.h"

DEFINE_STATIC_KEY_FALSE(pa_entry_key);
unsigned int pa_entry_bound __read_mostly;

/* The default pool's small_max, the bound while nobody holds the way. */
static unsigned int entry_small_max;
/* Holders, under entry_lock, which the key's switch sleeps under. */
static unsigned int entry_holders;
static DEFINE_MUTEX(entry_lock);

/**
 * pa_entry_init() - set the bound of pa_alloc()'s fast path
 * @small_max: the default pool's small_max
 *
 * A tracepoint's probe may hold the way already: its events exist from
 * the moment the module is coming, before pa_init() runs.  The bound then
 * stays 0 until the last holder lets go.
 *
 * Context: module load.
 */
void pa_entry_init(unsigned int small_max)
{
	mutex_lock(&entry_lock);
	entry_small_max = small_max;
	if (!entry_holders)
		WRITE_ONCE(pa_entry_bound, small_max);
	mutex_unlock(&entry_lock);
}

/**
 * pa_entry_hold() - send the entry points to their slow paths
 *
 * On return every CPU takes the slow paths: the key's switch patches the
 * text on every CPU, after the bound is written.
 *
 * Context: process context; sleeps.
 */
void pa_entry_hold(void)
{
	mutex_lock(&entry_lock);
	if (!entry_holders++) {
		WRITE_ONCE(pa_entry_bound, 0);
		static_branch_enable(&pa_entry_key);
	}
	mutex_unlock(&entry_lock);
}

/**
 * pa_entry_release() - undo a pa_entry_hold()
 *
 * Context: process context; sleeps.
 */
void pa_entry_release(void)
{
	mutex_lock(&entry_lock);
	if (!WARN_ON_ONCE(!entry_holders) && !--entry_holders) {
		static_branch_disable(&pa_entry_key);
		WRITE_ONCE(pa_entry_bound, entry_small_max);
	}
	mutex_unlock(&entry_lock);
}
