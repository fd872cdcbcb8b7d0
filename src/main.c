// SPDX-License-Identifier: GPL-2.0
/*
 * pool_alloc: module load and unload, parameters, and the exported API.
 *
 * The entry points dispatch and nothing more: a small request goes to the
 * per-CPU caches, whose fast paths (cache.h) are inlined here, anything
 * else to the large path (large.c); named pools are made by pool.c and
 * shown by debugfs.c.  internal.h describes the data structures, the lock
 * order and the layers.
 */

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <linux/overflow.h>
#include <linux/sched/mm.h>
#include <linux/err.h>
#include <linux/mutex.h>
#include <linux/srcu.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "cache.h"
#include "sanitize.h"
#include "trace.h"

/* ---- Parameters -------------------------------------------------------- */

static unsigned int pa_param_small_max = PA_SMALL_MAX_DEFAULT;

static int small_max_set(const char *val, const struct kernel_param *kp)
{
	unsigned int v;
	int err;

	err = kstrtouint(val, 0, &v);
	if (err) {
		pr_err("small_max=%s is not a number\n", val);
		return err;
	}
	if (v < PA_SMALL_MAX_MIN || v > PA_SMALL_MAX_MAX) {
		pr_err("small_max=%u is out of range [%u, %lu]\n",
		       v, PA_SMALL_MAX_MIN, PA_SMALL_MAX_MAX);
		return -EINVAL;
	}
	if (!pa_class_is_boundary(v)) {
		pr_err("small_max=%u is not a size class (multiples of 64 up to 1024, of 128 above)\n",
		       v);
		return -EINVAL;
	}
	*(unsigned int *)kp->arg = v;
	return 0;
}

VISIBLE_IF_KUNIT const struct kernel_param_ops pa_small_max_ops = {
	.set = small_max_set,
	.get = param_get_uint,
};
EXPORT_SYMBOL_IF_KUNIT(pa_small_max_ops);

/* Fixed at load: the class table is built from it. */
module_param_cb(small_max, &pa_small_max_ops, &pa_param_small_max, 0444);
MODULE_PARM_DESC(small_max,
		 "Largest request served from size classes; larger ones use pages up to 32 KiB, else vmalloc (512..8192, default 8192)");

/* Every pool in debug mode, as if created with PA_POOL_DEBUG; at load. */
static bool pa_param_debug;

static int debug_set(const char *val, const struct kernel_param *kp)
{
	int err = param_set_bool(val, kp);

	if (err)
		pr_err("debug=%s is not a boolean (0 or 1, n or y)\n", val);
	return err;
}

VISIBLE_IF_KUNIT const struct kernel_param_ops pa_debug_ops = {
	.set = debug_set,
	.get = param_get_bool,
};
EXPORT_SYMBOL_IF_KUNIT(pa_debug_ops);

module_param_cb(debug, &pa_debug_ops, &pa_param_debug, 0444);
MODULE_PARM_DESC(debug,
		 "Debug mode for every pool: guard bytes, fill patterns, a quarantine, a report of each misuse (default 0)");

/* Where every pool's memory comes from, as PYTHONMALLOC chooses; at load. */
enum { PA_BACKEND_POOL, PA_BACKEND_KMALLOC };
static const char * const pa_backend_names[] = {
	[PA_BACKEND_POOL] = "pool",
	[PA_BACKEND_KMALLOC] = "kmalloc",
};

static int pa_param_backend = PA_BACKEND_POOL;

static int backend_set(const char *val, const struct kernel_param *kp)
{
	int v = sysfs_match_string(pa_backend_names, val);

	if (v < 0) {
		pr_err("backend=%s is not a backend (pool or kmalloc)\n", val);
		return -EINVAL;
	}
	*(int *)kp->arg = v;
	return 0;
}

static int backend_get(char *buffer, const struct kernel_param *kp)
{
	return scnprintf(buffer, PAGE_SIZE, "%s\n",
			 pa_backend_names[*(int *)kp->arg]);
}

VISIBLE_IF_KUNIT const struct kernel_param_ops pa_backend_ops = {
	.set = backend_set,
	.get = backend_get,
};
EXPORT_SYMBOL_IF_KUNIT(pa_backend_ops);

module_param_cb(backend, &pa_backend_ops, &pa_param_backend, 0444);
MODULE_PARM_DESC(backend,
		 "pool (default): size classes and per-CPU caches; kmalloc: every request from kmalloc, or kvmalloc above KMALLOC_MAX_CACHE_SIZE");

/* Switched at run time; profile.c keeps the value. */
module_param_cb(profile, &pa_profile_ops, NULL, 0644);
MODULE_PARM_DESC(profile,
		 "Record each allocation's call site, shown in debugfs callers files (default 0; writable)");

/* ---- Internals --------------------------------------------------------- */

struct pa_pool *pa_default_pool;

static enum pa_lookup block_query(const void *p, struct pa_block_info *info)
{
	enum pa_lookup found;

	if (static_branch_unlikely(&pa_debug_key)) {
		found = pa_debug_query(p, info);
		if (found != PA_NOT_OURS)
			return found;
	}
	found = pa_cache_query(p, info);

	if (found == PA_NOT_OURS)
		found = pa_large_query(p, 0, info, true);
	return found;
}

/*
 * The events of trace.h, emitted past pa_entry_key, which their probes hold
 * (trace.c).  bytes_alloc is what pa_usable_size() says of the block; in
 * NMI, where only this CPU's cache hands out blocks, the lockless lookup
 * of small blocks finds it.
 */
static void trace_alloc(struct pa_pool *pool, const void *p, size_t size,
			gfp_t gfp, unsigned long caller)
{
	struct pa_block_info info;
	enum pa_lookup found = PA_NOT_OURS;

	if (!ZERO_OR_NULL_PTR(p))
		found = in_nmi() ? pa_cache_query(p, &info) :
				   block_query(p, &info);
	trace_pa_alloc(caller, p, size, found == PA_LIVE ? info.usable : 0,
		       gfp, pool->name);
}

/*
 * The pa_free event of @p when it is a live block, which the free that
 * follows will free: before, while its pool can still be found.  Not in
 * NMI, where the lookup of a large block would take a lock.
 */
static void trace_free(const void *p, unsigned long caller)
{
	struct pa_block_info info;

	if (block_query(p, &info) == PA_LIVE)
		trace_pa_free(caller, p, info.pool->name);
}

/*
 * might_alloc() where it checks something: with CONFIG_DEBUG_ATOMIC_SLEEP
 * (a @gfp that may sleep, used in atomic context) or lockdep (fs_reclaim's
 * annotations).  On a stock kernel it checks nothing: it is a voluntary
 * preemption point (cond_resched() under preempt=voluntary, Debian's
 * default), and the call it makes cost the allocation fast path a third of
 * its instructions, the registers saved around it included.  So a stock
 * kernel's pa_alloc() served by a per-CPU cache is no preemption point, as
 * a kmalloc() served by SLUB's per-CPU slab is none under preempt=full;
 * what reaches the page allocator meets its own might_alloc().
 */
static __always_inline void might_alloc_checked(gfp_t gfp)
{
	if (IS_ENABLED(CONFIG_DEBUG_ATOMIC_SLEEP) || IS_ENABLED(CONFIG_LOCKDEP))
		might_alloc(gfp);
}

/* A request of 0 bytes, of more than small_max, or to a debug pool. */
static noinline void *alloc_not_small(struct pa_pool *pool, size_t size,
				      gfp_t gfp)
{
	if (!size)
		return ZERO_SIZE_PTR;
	/* Large and debug blocks take locks: none in NMI. */
	if (unlikely(in_nmi())) {
		atomic64_inc(&pool->failures);
		return NULL;
	}
	if (pool->flags & PA_POOL_DEBUG)
		return pa_debug_alloc(pool, size, gfp);
	return pa_large_alloc(pool, size, gfp);
}

static __always_inline void *alloc_pool_block(struct pa_pool *pool,
					      size_t size, gfp_t gfp)
{
	might_alloc_checked(gfp);
	/*
	 * One compare for all three: a @size of 0 wraps around, and a debug
	 * pool's small_max is 0, so that debug mode costs the others nothing.
	 */
	if (unlikely(size - 1 >= pool->small_max))
		return alloc_not_small(pool, size, gfp);
	return pa_cache_alloc(pool, size, gfp);
}

/*
 * An allocation past pa_entry_key: the profiler, while it is on, records the
 * block and its site; the pa_alloc event, while it has a probe, shows every
 * call, a failed one with ptr 0.
 */
static noinline void *alloc_profiled(struct pa_pool *pool, size_t size,
				     gfp_t gfp, unsigned long caller)
{
	void *p = alloc_pool_block(pool, size, gfp);

	if (static_branch_unlikely(&pa_profile_key) && !ZERO_OR_NULL_PTR(p))
		pa_profile_alloc(pool, p, size, caller);
	if (trace_pa_alloc_enabled())
		trace_alloc(pool, p, size, gfp, caller);
	return p;
}

/* @caller: the address that called the entry point, for the profiler. */
static __always_inline void *alloc_block(struct pa_pool *pool, size_t size,
					 gfp_t gfp, unsigned long caller)
{
	if (static_branch_unlikely(&pa_entry_key))
		return alloc_profiled(pool, size, gfp, caller);
	return alloc_pool_block(pool, size, gfp);
}

/*
 * A pointer in no arena: NULL, a large block, a large debug block's client
 * pointer, or one to refuse.
 */
static noinline void free_not_small(const void *p, const char *what,
				    unsigned long caller)
{
	if (ZERO_OR_NULL_PTR(p))
		return;
	/* Checking it takes locks: after the NMI (nmi.c). */
	if (unlikely(in_nmi())) {
		pa_nmi_defer_free(p, NULL, what, caller);
		return;
	}
	if (pa_large_free(p, true))
		return;
	if (static_branch_unlikely(&pa_debug_key) &&
	    pa_debug_free(p, NULL, what, caller))
		return;
	pa_report_invalid(pa_default_pool, what, p, caller);
}

/*
 * A pointer into @run that is no live block's start: a debug block's client
 * pointer, or one to refuse, counted in the run's pool while the lookup's
 * RCU section (preemption disabled by pa_cache_free()) keeps it alive.
 * @p comes first, where the free fast path keeps it.
 */
static noinline void free_no_block(const void *p, struct pa_run *run,
				   const char *what, unsigned long caller)
{
	struct pa_pool *pool = run->arena->pool;

	/* A debug block is freed, anything else refused, after the NMI. */
	if (unlikely(in_nmi())) {
		if (pool->flags & PA_POOL_DEBUG)
			pa_nmi_defer_free(p, NULL, what, caller);
		else
			pa_nmi_defer_refuse(p, pool, what, caller);
		preempt_enable();
		return;
	}
	if (static_branch_unlikely(&pa_debug_key) &&
	    (pool->flags & PA_POOL_DEBUG)) {
		preempt_enable();
		pa_debug_free(p, NULL, what, caller);
		return;
	}
	pa_report_invalid(pool, what, p, caller);
	preempt_enable();
}

/*
 * The free fast path: debug mode is reached only from the two cold paths,
 * since a debug block's client pointer is no block's start, and a debug
 * pool's block start is no block for pa_cache_free() either.
 */
static __always_inline void free_pool_block(const void *p, const char *what,
					    unsigned long caller)
{
	struct pa_run *run;

	switch (pa_cache_free(p, &run)) {
	case PA_CACHE_FREED:
		return;
	case PA_CACHE_NO_ARENA:
		free_not_small(p, what, caller);
		return;
	case PA_CACHE_NO_BLOCK:
		free_no_block(p, run, what, caller);
		return;
	}
}

/*
 * A free while blocks may have traces, or pa_free a probe: a traced pointer
 * is a live block, which the free will free, so the trace and the event go
 * first, before another allocation can get the address.
 */
static noinline void free_profiled(const void *p, const char *what,
				   unsigned long caller)
{
	bool profiled = static_branch_unlikely(&pa_profile_key);

	if ((profiled || trace_pa_free_enabled()) && !ZERO_OR_NULL_PTR(p)) {
		/*
		 * The trace table and the lookup take locks: in NMI the whole
		 * free waits for the irq_work (nmi.c), which comes back here.
		 */
		if (unlikely(in_nmi())) {
			pa_nmi_defer_free(p, NULL, what, caller);
			return;
		}
		if (profiled)
			pa_profile_free(p);
		if (trace_pa_free_enabled())
			trace_free(p, caller);
	}
	free_pool_block(p, what, caller);
}

static __always_inline void free_block(const void *p, const char *what,
				       unsigned long caller)
{
	if (static_branch_unlikely(&pa_entry_key)) {
		free_profiled(p, what, caller);
		return;
	}
	free_pool_block(p, what, caller);
}

/* pa_realloc() of the built-in allocator; @caller called the entry point. */
static void *realloc_block(const void *p, size_t new_size, gfp_t gfp,
			   unsigned long caller)
{
	struct pa_block_info info = { };
	enum pa_lookup found;
	void *q;

	if (ZERO_OR_NULL_PTR(p))
		return alloc_block(pa_default_pool, new_size, gfp, caller);
	might_alloc(gfp);
	if (!new_size) {
		free_block(p, "pa_realloc", caller);
		return ZERO_SIZE_PTR;
	}
	/* A debug block always moves, so that the old one is quarantined. */
	if (static_branch_unlikely(&pa_debug_key)) {
		found = pa_debug_query(p, &info);
		if (found == PA_BAD) {
			/* Counted and reported there, as a double free or not. */
			pa_debug_free(p, NULL, "pa_realloc", caller);
			return NULL;
		}
		if (found == PA_LIVE) {
			q = alloc_block(info.pool, new_size, gfp, caller);
			if (!q)
				return NULL;
			memcpy(q, p, min(new_size, info.requested));
			free_block(p, "pa_realloc", caller);
			return q;
		}
	}
	/* A pointer into an arena that is not a live block is refused there. */
	found = pa_cache_resize(p, new_size, &info, "pa_realloc", caller);
	if (found == PA_BAD)
		return NULL;
	if (found == PA_NOT_OURS &&
	    pa_large_query(p, new_size, &info, true) != PA_LIVE) {
		pa_report_invalid(pa_default_pool, "pa_realloc", p, caller);
		return NULL;
	}
	if (new_size <= info.usable) {
		/*
		 * Zero past the old request and, like krealloc(), the tail
		 * past the new one, so a shrink then grow leaks nothing.
		 */
		if (want_init_on_alloc(gfp)) {
			size_t from = min(new_size, info.requested);

			pa_sanitize_open(p, info.usable);
			memset((char *)p + from, 0, info.usable - from);
		}
		pa_sanitize_resize(p, info.requested, new_size, info.usable,
				   gfp, found != PA_NOT_OURS && !info.nmi);
		if (static_branch_unlikely(&pa_profile_key))
			pa_profile_resize(p, new_size);
		return (void *)p;
	}

	q = alloc_block(info.pool, new_size, gfp, caller);
	if (!q)
		return NULL;
	pa_sanitize_open(p, info.usable);
	/*
	 * The whole block, as krealloc() copies; but when zeroing was asked,
	 * only the old request: @q came zeroed, and the bytes past the
	 * request may be stale (an in-place shrink kept them).
	 */
	memcpy(q, p, want_init_on_alloc(gfp) ? info.requested : info.usable);
	free_block(p, "pa_realloc", caller);
	return q;
}

/* ---- Allocator hooks --------------------------------------------------- */

/*
 * The allocator that pa_alloc() and friends call, once pa_set_allocator()
 * installed one; NULL while the built-in allocator serves them.  pa_hook_key
 * is on only while a hook is installed, so that without one the entry
 * points pay a jump that is patched out.  A call through a hook runs in an
 * SRCU read-side section, since hooks sleep as their gfp allows, and
 * pa_set_allocator() waits for the calls into the hook it replaced.  NMI
 * callers never call a hook: SRCU readers may not run there, and hooks are
 * not written for it; the built-in allocator serves them.
 */
static struct pa_allocator __rcu *pa_hook;
static DEFINE_STATIC_KEY_FALSE(pa_hook_key);
DEFINE_STATIC_SRCU(pa_hook_srcu);
/* Serialises pa_set_allocator(); lock order in internal.h. */
static DEFINE_MUTEX(pa_hook_lock);

static void *builtin_alloc(void *ctx, size_t size, gfp_t gfp,
			   unsigned long caller)
{
	return alloc_block(pa_default_pool, size, gfp, caller);
}

static void *builtin_realloc(void *ctx, const void *p, size_t size, gfp_t gfp,
			     unsigned long caller)
{
	return realloc_block(p, size, gfp, caller);
}

static void builtin_free(void *ctx, const void *p, unsigned long caller)
{
	free_block(p, "pa_free", caller);
}

/* What pa_get_allocator() gives while no hook is installed. */
static const struct pa_allocator pa_builtin = {
	.alloc = builtin_alloc,
	.realloc = builtin_realloc,
	.free = builtin_free,
};

static bool hook_is_builtin(const struct pa_allocator *a)
{
	return a->alloc == builtin_alloc && a->realloc == builtin_realloc &&
	       a->free == builtin_free;
}

/* Hooked entry points; @size is not 0 and @p not NULL (nor ZERO_SIZE_PTR). */
static noinline void *hook_call_alloc(size_t size, gfp_t gfp,
				      unsigned long caller)
{
	const struct pa_allocator *a;
	void *p;
	int idx;

	if (in_nmi())
		return alloc_block(pa_default_pool, size, gfp, caller);
	idx = srcu_read_lock(&pa_hook_srcu);
	a = srcu_dereference(pa_hook, &pa_hook_srcu);
	if (a)
		p = a->alloc(a->ctx, size, gfp, caller);
	else
		p = alloc_block(pa_default_pool, size, gfp, caller);
	srcu_read_unlock(&pa_hook_srcu, idx);
	return p;
}

static noinline void hook_call_free(const void *p, unsigned long caller)
{
	const struct pa_allocator *a;
	int idx;

	if (in_nmi()) {
		free_block(p, "pa_free", caller);
		return;
	}
	idx = srcu_read_lock(&pa_hook_srcu);
	a = srcu_dereference(pa_hook, &pa_hook_srcu);
	if (a)
		a->free(a->ctx, p, caller);
	else
		free_block(p, "pa_free", caller);
	srcu_read_unlock(&pa_hook_srcu, idx);
}

static noinline void *hook_call_realloc(const void *p, size_t size, gfp_t gfp,
					unsigned long caller)
{
	const struct pa_allocator *a;
	void *q;
	int idx;

	if (in_nmi())
		return realloc_block(p, size, gfp, caller);
	idx = srcu_read_lock(&pa_hook_srcu);
	a = srcu_dereference(pa_hook, &pa_hook_srcu);
	if (a)
		q = a->realloc(a->ctx, p, size, gfp, caller);
	else
		q = realloc_block(p, size, gfp, caller);
	srcu_read_unlock(&pa_hook_srcu, idx);
	return q;
}

/*
 * The entry points answer what needs no allocator themselves: a hook sees
 * neither a size of 0 nor a NULL or ZERO_SIZE_PTR block.
 */
static __always_inline void *hook_alloc(size_t size, gfp_t gfp,
					unsigned long caller)
{
	if (unlikely(!size))
		return ZERO_SIZE_PTR;
	return hook_call_alloc(size, gfp, caller);
}

static __always_inline void hook_free(const void *p, unsigned long caller)
{
	if (!ZERO_OR_NULL_PTR(p))
		hook_call_free(p, caller);
}

static __always_inline void *hook_realloc(const void *p, size_t size,
					  gfp_t gfp, unsigned long caller)
{
	if (ZERO_OR_NULL_PTR(p))
		return hook_alloc(size, gfp, caller);
	if (!size) {
		hook_call_free(p, caller);
		return ZERO_SIZE_PTR;
	}
	return hook_call_realloc(p, size, gfp, caller);
}

/*
 * Install @copy (NULL: the built-in allocator), and return the hook it
 * replaced once no CPU can be running it any more.
 */
static struct pa_allocator *hook_replace(struct pa_allocator *copy)
{
	struct pa_allocator *old;

	lockdep_assert_held(&pa_hook_lock);
	/*
	 * On before the hook is seen, off only once nothing can call it.  An
	 * installed hook holds the entry points' slow paths (entry.c).
	 */
	if (copy && !static_key_enabled(&pa_hook_key)) {
		pa_entry_hold();
		static_branch_enable(&pa_hook_key);
	}
	old = rcu_replace_pointer(pa_hook, copy,
				  lockdep_is_held(&pa_hook_lock));
	synchronize_srcu(&pa_hook_srcu);
	if (!copy && static_key_enabled(&pa_hook_key)) {
		static_branch_disable(&pa_hook_key);
		pa_entry_release();
	}
	return old;
}

/*
 * A module that leaves its hook installed as it goes would leave the entry
 * points calling freed code: the hook is taken out, and the module named.
 * Its blocks stay valid if it wrapped the allocator it replaced; any other
 * will be refused and reported when freed, as foreign pointers are.
 */
static int hook_module_going(struct notifier_block *nb, unsigned long action,
			     void *data)
{
	struct pa_allocator *a, *old = NULL;
	struct module *mod = data;

	if (action != MODULE_STATE_GOING)
		return NOTIFY_DONE;
	mutex_lock(&pa_hook_lock);
	a = rcu_dereference_protected(pa_hook, lockdep_is_held(&pa_hook_lock));
	if (a && (within_module((unsigned long)a->alloc, mod) ||
		  within_module((unsigned long)a->realloc, mod) ||
		  within_module((unsigned long)a->free, mod) ||
		  within_module((unsigned long)a->ctx, mod))) {
		pr_err("module %s left its allocator installed: the built-in one serves again\n",
		       mod->name);
		old = hook_replace(NULL);
	}
	mutex_unlock(&pa_hook_lock);
	kfree(old);
	return NOTIFY_DONE;
}

VISIBLE_IF_KUNIT struct notifier_block pa_hook_module_nb = {
	.notifier_call = hook_module_going,
};
EXPORT_SYMBOL_IF_KUNIT(pa_hook_module_nb);

/*
 * pool_free() past pa_entry_key: a live block of @pool loses its profiler
 * trace and has its pa_free event, then is freed, and true is returned.
 * Anything else is left to pool_free(), which refuses it as without the
 * profiler or a probe: another pool's block keeps its trace and has no
 * event.  Debug mode frees its blocks itself, not through free_block().
 */
static noinline bool pool_free_watched(struct pa_pool *pool, const void *p,
				       const char *what, unsigned long caller)
{
	struct pa_block_info info;

	if (block_query(p, &info) != PA_LIVE || info.pool != pool)
		return false;
	if (static_branch_unlikely(&pa_profile_key))
		pa_profile_free(p);
	if (trace_pa_free_enabled())
		trace_pa_free(caller, p, pool->name);
	if (static_branch_unlikely(&pa_debug_key) &&
	    pa_debug_free(p, pool, what, caller))
		return true;
	free_pool_block(p, what, caller);
	return true;
}

/* pa_pool_free(), less the NULL test; inlined there as it was. */
static __always_inline void pool_free(struct pa_pool *pool, const void *p,
				      const char *what, unsigned long caller)
{
	struct pa_block_info info;

	if (static_branch_unlikely(&pa_entry_key) &&
	    pool_free_watched(pool, p, what, caller))
		return;
	if (static_branch_unlikely(&pa_debug_key) &&
	    pa_debug_free(p, pool, what, caller))
		return;
	if (block_query(p, &info) == PA_LIVE && info.pool != pool) {
		pa_report_wrong_pool(pool, info.pool, p, caller);
		return;
	}
	free_pool_block(p, what, caller);
}

/*
 * In NMI, where block_query() and debug mode would take locks: a live small
 * block of @pool is freed now (lookups of small blocks take none), anything
 * else after the NMI, by nmi_free_later().
 */
static noinline void pool_free_in_nmi(struct pa_pool *pool, const void *p,
				      unsigned long caller)
{
	struct pa_block_info info;

	if (pa_cache_query(p, &info) == PA_LIVE && info.pool == pool)
		free_block(p, "pa_pool_free", caller);
	else
		pa_nmi_defer_free(p, pool, "pa_pool_free", caller);
}

/* What nmi.c's irq_work frees with: pa_pool_free()'s path, or pa_free()'s. */
static void nmi_free_later(const void *p, struct pa_pool *pool,
			   const char *what, unsigned long caller)
{
	if (pool)
		pool_free(pool, p, what, caller);
	else
		free_block(p, what, caller);
}

/* What a pa_free_rcu() batch frees with, its grace period over. */
static void free_after_grace_period(const void *p)
{
	free_block(p, "pa_free_rcu", _RET_IP_);
}

/*
 * pa_alloc() and friends, and pa_free(), past the way entry.c keeps: the
 * hook, or the profiler, or (a request that is not small) alloc_block().
 */
static noinline void *alloc_default_slow(size_t size, gfp_t gfp,
					 unsigned long caller)
{
	if (static_branch_unlikely(&pa_hook_key))
		return hook_alloc(size, gfp, caller);
	return alloc_profiled(pa_default_pool, size, gfp, caller);
}

/*
 * Always inlined into an entry point: _RET_IP_ is then the entry point's
 * caller.  It is read on the slow path only: passed in as an argument, it
 * was read first and kept in a register, with two more registers moved
 * around it, on every allocation.
 */
static __always_inline void *alloc_default(size_t size, gfp_t gfp)
{
	might_alloc_checked(gfp);
	/*
	 * pa_entry_bound is the default pool's small_max, or 0 while a hook
	 * or the profiler holds the slow path (entry.c).  One compare for
	 * all: a @size of 0 wraps around, as in alloc_pool_block().
	 */
	if (unlikely(size - 1 >= READ_ONCE(pa_entry_bound)))
		return alloc_default_slow(size, gfp, _RET_IP_);
	return pa_cache_alloc(pa_default_pool, size, gfp);
}

static noinline void free_default_slow(const void *p, unsigned long caller)
{
	if (static_branch_unlikely(&pa_hook_key))
		hook_free(p, caller);
	else
		free_profiled(p, "pa_free", caller);
}

/* Take debug mode from @pool, then everything else. */
static void pool_delete(struct pa_pool *pool)
{
	/* Blocks of @pool may wait for a grace period (pa_free_rcu()). */
	pa_rcu_barrier();
	/* Or for the irq_work after a free in NMI. */
	pa_nmi_drain_all();
	pa_profile_forget_pool(pool);
	pa_debug_detach(pool);
	pa_pool_delete(pool);
}

/* List @pool and give it its debugfs directory, or delete it. */
static struct pa_pool *pool_register(struct pa_pool *pool)
{
	int err;

	pa_pool_lock();
	err = pa_pool_link(pool);
	if (!err)
		pa_debugfs_add_pool(pool);
	pa_pool_unlock();
	if (err) {
		pool_delete(pool);
		return ERR_PTR(err);
	}
	return pool;
}

/* A new pool with debug mode if asked (or debug=1), listed. */
static struct pa_pool *pool_make(const char *name, unsigned int flags)
{
	struct pa_pool *pool;

	if (pa_param_debug)
		flags |= PA_POOL_DEBUG;
	pool = pa_pool_new(name, flags);
	if (IS_ERR(pool))
		return pool;
	if (pa_debug_attach(pool)) {
		pool_delete(pool);
		return ERR_PTR(-ENOMEM);
	}
	return pool_register(pool);
}

/* Undo pool_register(); the name stays taken until the directory is gone. */
static void pool_unregister(struct pa_pool *pool)
{
	pa_pool_lock();
	pa_pool_unlink(pool);
	pa_debugfs_remove_pool(pool);
	pa_pool_unlock();
}

/* ---- Public interface -------------------------------------------------- */

/**
 * pa_pool_alloc() - allocate memory from a named pool
 * @pool: the pool, or NULL for the default pool
 * @size: bytes requested
 * @gfp: allocation flags, as for kmalloc()
 *
 * Requests up to small_max bytes are served from the pool's size classes,
 * 16-byte aligned, and naturally aligned when @size is a power of two up to
 * PAGE_SIZE.  Larger requests up to 32 KiB get contiguous pages, their
 * size rounded up to a power of two as kmalloc() does, or vmalloc memory
 * when there are none and @gfp allows sleeping; above 32 KiB, vmalloc
 * memory when @gfp allows sleeping, else whole pages.  __GFP_ZERO and
 * init_on_alloc are honoured.
 *
 * Context: any context.  Does not sleep unless @gfp allows it.  In NMI,
 * with GFP_ATOMIC or GFP_NOWAIT, only this CPU's cache serves: see
 * "Allocation from NMI" in Documentation/pool_alloc.rst.
 * Return: the memory, ZERO_SIZE_PTR when @size is 0, or NULL on failure.
 */
void *pa_pool_alloc(struct pa_pool *pool, size_t size, gfp_t gfp)
{
	return alloc_block(pool ?: pa_default_pool, size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pa_pool_alloc);

/**
 * pa_pool_zalloc() - allocate zeroed memory from a named pool
 * @pool: the pool, or NULL for the default pool
 * @size: bytes requested
 * @gfp: allocation flags, as for kmalloc()
 *
 * Context: as for pa_pool_alloc(), NMI included.
 * Return: as for pa_pool_alloc().
 */
void *pa_pool_zalloc(struct pa_pool *pool, size_t size, gfp_t gfp)
{
	return alloc_block(pool ?: pa_default_pool, size, gfp | __GFP_ZERO,
			   _RET_IP_);
}
EXPORT_SYMBOL_GPL(pa_pool_zalloc);

/**
 * pa_alloc() - allocate memory from the default pool
 * @size: bytes requested
 * @gfp: allocation flags, as for kmalloc()
 *
 * Context: as for pa_pool_alloc(), NMI included.
 * Return: as for pa_pool_alloc().
 */
void *pa_alloc(size_t size, gfp_t gfp)
{
	return alloc_default(size, gfp);
}
EXPORT_SYMBOL_GPL(pa_alloc);

/**
 * pa_zalloc() - allocate zeroed memory from the default pool
 * @size: bytes requested
 * @gfp: allocation flags, as for kmalloc()
 *
 * Context: as for pa_pool_alloc(), NMI included.
 * Return: as for pa_pool_alloc().
 */
void *pa_zalloc(size_t size, gfp_t gfp)
{
	return alloc_default(size, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(pa_zalloc);

/**
 * pa_calloc() - allocate a zeroed array from the default pool
 * @n: number of elements
 * @size: size of one element
 * @gfp: allocation flags, as for kmalloc()
 *
 * Context: any context but NMI.  Does not sleep unless @gfp allows it.
 * Return: as for pa_pool_alloc(); NULL when @n * @size overflows.
 */
void *pa_calloc(size_t n, size_t size, gfp_t gfp)
{
	size_t bytes;

	if (unlikely(check_mul_overflow(n, size, &bytes))) {
		atomic64_inc(&pa_default_pool->failures);
		return NULL;
	}
	return alloc_default(bytes, gfp | __GFP_ZERO);
}
EXPORT_SYMBOL_GPL(pa_calloc);

/**
 * pa_realloc() - resize a block
 * @p: a block from any pool, NULL or ZERO_SIZE_PTR
 * @new_size: bytes wanted
 * @gfp: allocation flags for a new block, as for kmalloc()
 *
 * A NULL or ZERO_SIZE_PTR @p makes this pa_alloc().  A @new_size of 0 frees
 * @p.  When @new_size still fits the block, @p is kept; otherwise a new block
 * from @p's pool receives the contents (the whole usable size, as krealloc()
 * copies) and @p is freed.  With __GFP_ZERO (or init_on_alloc) the bytes past
 * the old request are zeroed, and in place the bytes past the new request
 * too, as krealloc() does.  A pointer that is not a live block is refused
 * and reported.
 *
 * Context: any context but NMI.  Does not sleep unless @gfp allows it.
 * Return: the block, ZERO_SIZE_PTR when @new_size is 0, or NULL on failure
 * (@p is then left intact).
 */
void *pa_realloc(const void *p, size_t new_size, gfp_t gfp)
{
	if (static_branch_unlikely(&pa_hook_key))
		return hook_realloc(p, new_size, gfp, _RET_IP_);
	return realloc_block(p, new_size, gfp, _RET_IP_);
}
EXPORT_SYMBOL_GPL(pa_realloc);

/**
 * pa_free() - free a block
 * @p: a block from any pool, NULL or ZERO_SIZE_PTR
 *
 * Neither the size nor the pool is needed.  A pointer that is not a live
 * block of this allocator (a kmalloc or stack address, the inside of a block,
 * a block already freed) is left untouched, counted in invalid_frees and
 * reported with a rate-limited message naming the caller.
 *
 * Context: any context.  In NMI, a free that this CPU's cache cannot take
 * is finished (or refused) from irq_work, as soon as the CPU enables
 * interrupts.
 */
void pa_free(const void *p)
{
	struct pa_run *run;

	if (static_branch_unlikely(&pa_entry_key)) {
		free_default_slow(p, _RET_IP_);
		return;
	}
	/*
	 * free_pool_block(), but with the caller's address read on the slow
	 * paths only: passed in as an argument, it was read first and kept
	 * in a register, a load and a saved register on every free.
	 */
	switch (pa_cache_free(p, &run)) {
	case PA_CACHE_FREED:
		return;
	case PA_CACHE_NO_ARENA:
		free_not_small(p, "pa_free", _RET_IP_);
		return;
	case PA_CACHE_NO_BLOCK:
		free_no_block(p, run, "pa_free", _RET_IP_);
		return;
	}
}
EXPORT_SYMBOL_GPL(pa_free);

/**
 * pa_free_rcu_head() - free a block after an RCU grace period
 * @p: a block from any pool, NULL or ZERO_SIZE_PTR
 * @head: a struct rcu_head inside @p's requested bytes; pa_free_rcu()
 *	passes it
 *
 * As pa_free(), once every reader that may hold @p has left its RCU
 * read-side section.  A pointer that is not a live block, or a @head
 * outside it, is refused and reported now, as pa_free() refuses it.
 *
 * Context: any context but NMI.
 */
void pa_free_rcu_head(const void *p, struct rcu_head *head)
{
	const u8 *h = (const u8 *)head;
	struct pa_block_info info;

	if (ZERO_OR_NULL_PTR(p))
		return;
	if (unlikely(block_query(p, &info) != PA_LIVE || h < (const u8 *)p ||
		     h + sizeof(*head) > (const u8 *)p + info.usable)) {
		pa_report_invalid(pa_default_pool, "pa_free_rcu", p, _RET_IP_);
		return;
	}
	pa_rcu_queue(p, head);
}
EXPORT_SYMBOL_GPL(pa_free_rcu_head);

/**
 * pa_free_rcu_mightsleep() - free a block after an RCU grace period, now
 * @p: a block from any pool, NULL or ZERO_SIZE_PTR
 *
 * The headless form, as kvfree_rcu_mightsleep(): waits for the grace
 * period itself, so @p needs no struct rcu_head.
 *
 * Context: process context; sleeps.
 */
void pa_free_rcu_mightsleep(const void *p)
{
	might_sleep();
	if (ZERO_OR_NULL_PTR(p))
		return;
	synchronize_rcu();
	free_block(p, "pa_free_rcu_mightsleep", _RET_IP_);
}
EXPORT_SYMBOL_GPL(pa_free_rcu_mightsleep);

/**
 * pa_usable_size() - the usable size of a block
 * @p: a block from any pool
 *
 * Context: any context but NMI.
 * Return: the block's size class, or the page-rounded size of a large
 * allocation; 0 for NULL, ZERO_SIZE_PTR and pointers that are not live
 * blocks (which are not reported).
 */
size_t pa_usable_size(const void *p)
{
	struct pa_block_info info;

	if (ZERO_OR_NULL_PTR(p) || block_query(p, &info) != PA_LIVE)
		return 0;
	return info.usable;
}
EXPORT_SYMBOL_GPL(pa_usable_size);

/**
 * pa_owns() - whether a pointer is a live block of this allocator
 * @p: any pointer
 *
 * Context: any context but NMI.
 * Return: true when @p is the start of a live block or large allocation of
 * any pool.
 */
bool pa_owns(const void *p)
{
	struct pa_block_info info;

	return !ZERO_OR_NULL_PTR(p) && block_query(p, &info) == PA_LIVE;
}
EXPORT_SYMBOL_GPL(pa_owns);

/**
 * pa_pool_create() - create a named pool
 * @name: its name: 1 to PA_POOL_NAME_MAX - 1 characters, no '/'; it names
 *	the pool's debugfs directory
 * @flags: 0, or PA_POOL_DEBUG for debug mode (the module parameter debug=1
 *	gives it to every pool)
 *
 * Context: process context; may sleep.
 * Return: the pool, ERR_PTR(-EINVAL) for a bad name or flags,
 * ERR_PTR(-EEXIST) when the name is in use, ERR_PTR(-ENOMEM).
 */
struct pa_pool *pa_pool_create(const char *name, unsigned int flags)
{
	might_sleep();
	if (flags & ~PA_POOL_FLAGS_VALID || !pa_pool_name_valid(name))
		return ERR_PTR(-EINVAL);
	return pool_make(name, flags);
}
EXPORT_SYMBOL_GPL(pa_pool_create);

/**
 * pa_pool_destroy() - destroy a named pool and everything allocated from it
 * @pool: the pool, or NULL
 *
 * Blocks still live are freed and reported with pr_warn() (their number and
 * bytes).  No block of @pool may be used or freed afterwards.
 *
 * Context: process context; may sleep.
 */
void pa_pool_destroy(struct pa_pool *pool)
{
	might_sleep();
	if (!pool)
		return;
	/* Clients cannot name the default pool; only unload destroys it. */
	if (unlikely(pool == pa_default_pool)) {
		pr_err_ratelimited("%s() of the default pool by %pS refused\n",
				   __func__, (void *)_RET_IP_);
		return;
	}
	pool_unregister(pool);
	pool_delete(pool);
}
EXPORT_SYMBOL_GPL(pa_pool_destroy);

/**
 * pa_pool_free() - free a block of a given pool
 * @pool: the pool @p must belong to, or NULL for the default pool
 * @p: a block of @pool, NULL or ZERO_SIZE_PTR
 *
 * As pa_free(), but a live block of another pool is refused: left live,
 * counted once in @pool's err_wrong_pool and reported.
 *
 * Context: as for pa_free(), NMI included.
 */
void pa_pool_free(struct pa_pool *pool, const void *p)
{
	pool = pool ?: pa_default_pool;
	if (ZERO_OR_NULL_PTR(p))
		return;
	if (unlikely(in_nmi())) {
		pool_free_in_nmi(pool, p, _RET_IP_);
		return;
	}
	pool_free(pool, p, "pa_pool_free", _RET_IP_);
}
EXPORT_SYMBOL_GPL(pa_pool_free);

/* pa_free_bulk() as pa_free() of each slot; @caller called the entry point. */
static noinline void free_bulk_each(size_t n, void **p, unsigned long caller)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (static_branch_unlikely(&pa_entry_key))
			free_default_slow(p[i], caller);
		else
			free_pool_block(p[i], "pa_free_bulk", caller);
	}
}

/*
 * pa_alloc_bulk() as @n single allocations: past pa_entry_key (hooks, the
 * profiler, tracepoints), in NMI, for debug pools and for sizes that are
 * not small.  @caller called the entry point.
 */
static noinline int alloc_bulk_each(struct pa_pool *pool, size_t size,
				    gfp_t gfp, size_t n, void **p,
				    unsigned long caller)
{
	size_t i;

	for (i = 0; i < n; i++) {
		/* alloc_default(), with the bulk call's caller. */
		if (pool)
			p[i] = alloc_block(pool, size, gfp, caller);
		else if (size - 1 >= READ_ONCE(pa_entry_bound))
			p[i] = alloc_default_slow(size, gfp, caller);
		else
			p[i] = pa_cache_alloc(pa_default_pool, size, gfp);
		if (unlikely(!p[i]))
			goto fail;
	}
	return n;

fail:
	/*
	 * The failed call counted the failure, once.  The blocks go back
	 * the way they came: a named pool's past any hook, which never saw
	 * them (and may be no wrapper of this allocator at all).
	 */
	if (pool) {
		while (i--)
			free_block(p[i], "pa_alloc_bulk", caller);
	} else {
		free_bulk_each(i, p, caller);
	}
	memset(p, 0, n * sizeof(*p));
	return 0;
}

/**
 * pa_alloc_bulk() - allocate @n blocks of one size at once
 * @pool: the pool, or NULL for pa_alloc()'s default pool
 * @size: bytes requested for each block
 * @gfp: allocation flags, as for kmalloc()
 * @n: how many blocks
 * @p: filled in with the @n blocks
 *
 * As @n calls of pa_pool_alloc() (or, for a NULL @pool, of pa_alloc()), but
 * all or nothing, as kmem_cache_alloc_bulk(): when one block cannot be had,
 * those already taken are freed, every slot of @p is NULL, the failure is
 * counted once in the pool's failures, and 0 is returned.  A request for
 * more than INT_MAX blocks fails at once, counted, without touching @p.
 * Small blocks come many at a time from this CPU's cache and the runs
 * (src/bulk.c).
 *
 * Context: as for pa_pool_alloc().
 * Return: @n, or 0 on failure.
 */
int pa_alloc_bulk(struct pa_pool *pool, size_t size, gfp_t gfp, size_t n,
		  void **p)
{
	struct pa_pool *to = pool ?: pa_default_pool;

	/* The count is returned as an int, as kmem_cache_alloc_bulk()'s. */
	if (unlikely(n > INT_MAX)) {
		atomic64_inc(&to->failures);
		return 0;
	}
	might_alloc(gfp);
	/*
	 * A @size of 0 wraps around, and a debug pool's small_max is 0, as in
	 * alloc_pool_block(); a NULL @pool goes to the hook, if any, there.
	 */
	if (unlikely(static_branch_unlikely(&pa_entry_key) ||
		     size - 1 >= to->small_max || in_nmi()))
		return alloc_bulk_each(pool, size, gfp, n, p, _RET_IP_);
	if (unlikely(!n))
		return 0;
	return pa_bulk_alloc(to, size, gfp, n, p);
}
EXPORT_SYMBOL_GPL(pa_alloc_bulk);

/**
 * pa_free_bulk() - free @n blocks at once
 * @n: how many slots of @p
 * @p: blocks of any pool, NULL or ZERO_SIZE_PTR
 *
 * As pa_free() of each slot of @p, in order: a pointer that is not a live
 * block is refused and reported, and the others are still freed.  Small
 * blocks go many at a time to this CPU's caches (src/bulk.c).
 *
 * Context: as for pa_free().
 */
void pa_free_bulk(size_t n, void **p)
{
	size_t i = 0;

	if (unlikely(static_branch_unlikely(&pa_entry_key) || in_nmi())) {
		free_bulk_each(n, p, _RET_IP_);
		return;
	}
	while (i < n) {
		i += pa_bulk_free(n - i, p + i);
		/* Large, debug, or to refuse: as pa_free() does. */
		if (i < n)
			free_pool_block(p[i++], "pa_free_bulk", _RET_IP_);
	}
}
EXPORT_SYMBOL_GPL(pa_free_bulk);

/**
 * pa_pool_validate() - check every block of a pool now
 * @pool: the pool, or NULL for the default pool
 *
 * In debug mode, every live block's guards and every quarantined block's
 * dead fill are checked, like SLUB's validate; each problem is counted and
 * reported once, and a damaged block is never reused.  Reading
 * pools/<name>/validate in debugfs runs it.
 *
 * Context: any context but NMI; walks the pool with its locks held.
 * Return: how many problems were found now; 0 for a pool without debug
 * mode, which has nothing to check.
 */
int pa_pool_validate(struct pa_pool *pool)
{
	return pa_debug_validate(pool ?: pa_default_pool);
}
EXPORT_SYMBOL_GPL(pa_pool_validate);

/**
 * pa_pool_stats() - take a snapshot of a pool's counters
 * @pool: the pool, or NULL for the default pool
 * @out: filled in; see struct pa_stats
 *
 * Context: any context but NMI.
 */
void pa_pool_stats(struct pa_pool *pool, struct pa_stats *out)
{
	memset(out, 0, sizeof(*out));
	pa_pool_sum(pool ?: pa_default_pool, out);
}
EXPORT_SYMBOL_GPL(pa_pool_stats);

/**
 * pa_get_allocator() - the allocator pa_alloc() and friends call now
 * @out: filled in with it: the installed hook, or the built-in allocator,
 *	whose callbacks a hook may call to wrap it
 *
 * Context: any context but NMI.
 */
void pa_get_allocator(struct pa_allocator *out)
{
	const struct pa_allocator *a;
	int idx;

	idx = srcu_read_lock(&pa_hook_srcu);
	a = srcu_dereference(pa_hook, &pa_hook_srcu);
	*out = a ? *a : pa_builtin;
	srcu_read_unlock(&pa_hook_srcu, idx);
}
EXPORT_SYMBOL_GPL(pa_get_allocator);

/**
 * pa_set_allocator() - install the allocator pa_alloc() and friends call
 * @a: the allocator, copied; NULL, or the built-in allocator as
 *	pa_get_allocator() gave it, to go back to the built-in one
 *
 * pa_alloc(), pa_zalloc(), pa_calloc(), pa_realloc() and pa_free() call @a
 * from now on, with the address that called them; the other calls are not
 * hooked.  A block allocated before the change may reach @a's free, so @a
 * must be able to free the blocks of the allocator it replaces, as a hook
 * that wraps it does.  Returns once no CPU can still be running the
 * allocator @a replaced, so that a module that installed it can unload at
 * once.  With the built-in allocator back, the entry points cost what they
 * did before any hook was installed.
 *
 * Context: process context; sleeps.
 * Return: 0, -EINVAL when @a lacks a callback, -ENOMEM.
 */
int pa_set_allocator(const struct pa_allocator *a)
{
	struct pa_allocator *copy = NULL;

	might_sleep();
	if (a && (!a->alloc || !a->realloc || !a->free))
		return -EINVAL;
	if (a && !hook_is_builtin(a)) {
		copy = kmemdup(a, sizeof(*a), GFP_KERNEL);
		if (!copy)
			return -ENOMEM;
	}
	mutex_lock(&pa_hook_lock);
	copy = hook_replace(copy);
	mutex_unlock(&pa_hook_lock);
	/* The hook replaced, which nothing can be running now. */
	kfree(copy);
	return 0;
}
EXPORT_SYMBOL_GPL(pa_set_allocator);

/**
 * pa_profile_start() - switch the call-site profiler on
 *
 * As writing 1 to /sys/module/pool_alloc/parameters/profile: from now on,
 * each allocation is charged to the address that called the entry point,
 * as the debugfs callers files and pa_profile_sites() show.  Blocks
 * allocated before are counted as not profiled.
 *
 * Context: process context; sleeps.
 * Return: 1 when this call switched it on, 0 when it was on already (a
 * client that got 0 should leave it on), -ENOMEM.
 */
int pa_profile_start(void)
{
	might_sleep();
	return pa_profile_switch(true);
}
EXPORT_SYMBOL_GPL(pa_profile_start);

/**
 * pa_profile_stop() - switch the call-site profiler off
 *
 * Blocks already recorded stay counted until they are freed.
 *
 * Context: process context; sleeps.
 */
void pa_profile_stop(void)
{
	might_sleep();
	pa_profile_switch(false);
}
EXPORT_SYMBOL_GPL(pa_profile_stop);

/**
 * pa_profile_sites() - the profiler's call sites, most live bytes first
 * @pool: the pool, or NULL for every pool (a call site's blocks in all
 *	pools then make one entry)
 * @out: filled with up to @max entries
 * @max: room in @out
 *
 * A snapshot of what the callers files show, without the line of blocks
 * that were not profiled.
 *
 * Context: process context; may sleep.
 * Return: the number of entries filled in, or -ENOMEM.
 */
int pa_profile_sites(struct pa_pool *pool, struct pa_site *out,
		     unsigned int max)
{
	struct pa_profile_row *rows;
	int n, i;

	might_sleep();
	n = pa_profile_rows(pool, &rows);
	if (n < 0)
		return n;
	n = min_t(int, n, max);
	for (i = 0; i < n; i++) {
		out[i].caller = rows[i].caller;
		out[i].live_bytes = rows[i].bytes;
		out[i].live_blocks = rows[i].blocks;
		out[i].allocs = rows[i].allocs;
	}
	kvfree(rows);
	return n;
}
EXPORT_SYMBOL_GPL(pa_profile_sites);

/* ---- Module load and unload -------------------------------------------- */

static int __init pa_init(void)
{
	int err;

	err = pa_class_table_init(pa_param_small_max);
	if (err)
		return err;
	err = pa_map_init();
	if (err)
		goto err_class_table;
	pa_rcu_init(free_after_grace_period);
	pa_nmi_init(pa_cache_nmi_finish, nmi_free_later);
	err = pa_large_init(pa_param_backend == PA_BACKEND_KMALLOC);
	if (err)
		goto err_map;
	pa_debugfs_init();
	pa_default_pool = pool_make("default", 0);
	if (IS_ERR(pa_default_pool)) {
		err = PTR_ERR(pa_default_pool);
		goto err_remove_debugfs;
	}
	pa_entry_init(pa_default_pool->small_max);
	err = pa_reclaim_init();
	if (err)
		goto err_free_default;
	err = register_module_notifier(&pa_hook_module_nb);
	if (err)
		goto err_reclaim;
	pa_profile_init();
	pr_info("%u size classes up to %u bytes\n", pa_nr_classes,
		pa_small_max);
	return 0;

err_reclaim:
	pa_reclaim_exit();
err_free_default:
	pool_unregister(pa_default_pool);
	pool_delete(pa_default_pool);
err_remove_debugfs:
	pa_debugfs_exit();
	pa_large_exit();
err_map:
	pa_map_exit();
err_class_table:
	pa_class_table_exit();
	return err;
}

static void __exit pa_exit(void)
{
	struct pa_pool *pool;

	unregister_module_notifier(&pa_hook_module_nb);
	/* Its module went before us: nothing calls a hook left installed. */
	kfree(rcu_dereference_protected(pa_hook, true));
	/* No reaper, hotplug callback or shrinker may run past this. */
	pa_reclaim_exit();
	/* Nor a batch of pa_free_rcu(): it frees through the pools. */
	pa_rcu_barrier();
	/* Pools their clients left behind are reported and freed. */
	for (;;) {
		pa_pool_lock();
		pool = pa_pool_next(NULL);
		pa_pool_unlock();
		if (!pool)
			break;
		pool_unregister(pool);
		pool_delete(pool);
	}
	pa_large_exit();
	pa_map_exit();
	pa_debugfs_exit();
	pa_profile_exit();
	pa_class_table_exit();
}

module_init(pa_init);
module_exit(pa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("pymalloc-style small-object allocator for kernel modules");
