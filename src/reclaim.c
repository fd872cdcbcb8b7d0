// SPDX-License-Identifier: GPL-2.0
/*
 * Giving memory back: the per-CPU caches never hide it for long.
 *
 *  - CPU hotplug: when a CPU is dead, its caches are flushed to the runs.
 *  - A reaper per CPU (deferrable, so it does not wake an idle CPU) flushes
 *    the caches that saw no allocation or free since its previous pass; a
 *    pass runs every PA_REAP_INTERVAL, so a cache is flushed at most two
 *    intervals after its last use (on an idle CPU, when the CPU next wakes).
 *    The reapers walk the list of pools under pa_pools_lock, which they only
 *    trylock (pool creation allocates under it).  So that they do not all
 *    contend for it at once, and all but one lose, their first passes are
 *    spread over an interval by CPU number, and a reaper that finds the lock
 *    taken tries again after PA_REAP_RETRY and a random part of it, not a
 *    whole interval later: the guarantee above holds, late by however long
 *    the list stays held.
 *  - A shrinker gives back pages, and counts in pages: the pages of empty
 *    arenas (the hysteresis ones included), exactly, plus the pages' worth
 *    of blocks in the caches, an estimate of what draining them frees (more
 *    when their runs hold nothing else, nothing when the runs are in use).
 *    A scan frees empty arenas first, and drains caches only while it has
 *    freed fewer pages than it was asked to; a drain interrupts only the
 *    CPUs that cache blocks of the pool, and after a drain round that freed
 *    nothing, as when busy CPUs refill their caches at once, the shrinker
 *    drains no cache for PA_REAP_INTERVAL.  It reports the pages the arenas
 *    (and the stashes, below) gave back, nothing else.
 *
 * Runs that become empty go back to their arena, and arenas that become
 * empty to the page allocator, through the usual paths.
 *
 * The large path's per-CPU stash of freed pages (large.c) follows the same
 * rules: the reaper empties a slot that sat unused for a whole interval, a
 * dead CPU's stash is emptied, and the shrinker counts and gives back every
 * stashed page before it drains any cache (no interrupt needed: any CPU may
 * empty a stash).
 */
#include <linux/atomic.h>
#include <linux/cpu.h>
#include <linux/cpuhotplug.h>
#include <linux/random.h>
#include <linux/shrinker.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include <kunit/visibility.h>
#include "internal.h"

/*
 * A reaper that finds the list of pools held tries again after this, plus
 * a random part of it so that the losers do not collide again: 10 ms, much
 * longer than a pass holds the lock (a few caches flushed) and much shorter
 * than PA_REAP_INTERVAL.
 */
#define PA_REAP_RETRY		(HZ / 100)
static_assert(PA_REAP_RETRY > 0 && PA_REAP_RETRY * 2 < PA_REAP_INTERVAL);

/* ---- Data -------------------------------------------------------------- */

struct pa_reaper {
	struct delayed_work work;
	unsigned int cpu;
	unsigned long delay;		/* to the next pass, as last queued */
};

static DEFINE_PER_CPU(struct pa_reaper, pa_reapers);
static int pa_online_state;
static int pa_dead_state;

/*
 * Until when the shrinker drains no cache, after a drain round that freed
 * nothing (jiffies); under pa_pools_lock.
 */
static unsigned long pa_shrink_idle_until;
static bool pa_shrink_idle;

/* ---- Internals --------------------------------------------------------- */

/*
 * The delay of @cpu's first pass: the CPUs' passes spread over an interval,
 * so that their reapers do not all contend for the list of pools at once.
 */
static unsigned long reap_first_delay(unsigned int cpu)
{
	return PA_REAP_INTERVAL * cpu / nr_cpu_ids;
}

static void reap_fn(struct work_struct *work)
{
	struct pa_reaper *reaper = container_of(to_delayed_work(work),
						struct pa_reaper, work);
	unsigned long delay = PA_REAP_INTERVAL;
	struct pa_pool *pool;

	/* Pool creation holds the lock across allocations: never wait on it. */
	if (pa_pool_trylock()) {
		for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
			pa_cache_drain_local(pool, true);
		pa_pool_unlock();
		pa_large_stash_reap();
	} else {
		delay = PA_REAP_RETRY + get_random_u32() % PA_REAP_RETRY;
	}
	WRITE_ONCE(reaper->delay, delay);
	queue_delayed_work_on(reaper->cpu, system_wq, &reaper->work, delay);
}

static int pa_cpu_online(unsigned int cpu)
{
	struct pa_reaper *reaper = per_cpu_ptr(&pa_reapers, cpu);

	reaper->cpu = cpu;
	reaper->delay = reap_first_delay(cpu);
	INIT_DEFERRABLE_WORK(&reaper->work, reap_fn);
	queue_delayed_work_on(cpu, system_wq, &reaper->work, reaper->delay);
	return 0;
}

static int pa_cpu_offline(unsigned int cpu)
{
	cancel_delayed_work_sync(&per_cpu_ptr(&pa_reapers, cpu)->work);
	return 0;
}

/* Runs on another CPU once @cpu is dead: nothing can touch its caches. */
static int pa_cpu_dead(unsigned int cpu)
{
	struct pa_pool *pool;

	pa_pool_lock();
	for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
		pa_cache_drain_cpu(pool, cpu);
	pa_pool_unlock();
	pa_large_stash_drain(cpu);
	return 0;
}

/* The pages @pool's arenas hold now. */
static u64 shrink_arena_pages(struct pa_pool *pool)
{
	unsigned long flags;
	u64 pages;

	spin_lock_irqsave(&pool->arena_lock, flags);
	pages = pool->arena_pages;
	spin_unlock_irqrestore(&pool->arena_lock, flags);
	return pages;
}

/*
 * Drain @pool's caches if asked, then free its empty arenas, the
 * hysteresis one included.  Return: the pages its arenas gave back
 * meanwhile, net of any they took (a racing allocation); an arena that a
 * racing free released in the meantime is the only page counted that this
 * did not free itself.
 */
static unsigned long shrink_pool(struct pa_pool *pool, bool drain)
{
	u64 before = shrink_arena_pages(pool), after;

	/* Online CPUs' caches: those a drain reaches. */
	if (drain && pa_cache_bytes(pool))
		pa_cache_drain_all(pool);
	pa_arena_release_empty(pool);
	after = shrink_arena_pages(pool);
	return before > after ? before - after : 0;
}

/**
 * pa_reclaim_count() - the shrinker's count: pages it could give back
 * @shrinker: ours
 * @sc: the request
 *
 * Pages of empty arenas and of the large path's stashes, and the pages'
 * worth of bytes in the per-CPU caches of online CPUs (an estimate: see
 * the top of this file).
 *
 * Context: reclaim.
 * Return: the pages, or SHRINK_EMPTY.
 */
VISIBLE_IF_KUNIT unsigned long pa_reclaim_count(struct shrinker *shrinker,
						struct shrink_control *sc)
{
	unsigned long pages = pa_large_stash_pages();
	struct pa_pool *pool;

	if (!pa_pool_trylock())
		return pages;
	for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
		pages += pa_arena_empty_pages(pool) +
			 pa_cache_bytes(pool) / PAGE_SIZE;
	pa_pool_unlock();
	return pages ?: SHRINK_EMPTY;
}
EXPORT_SYMBOL_IF_KUNIT(pa_reclaim_count);

/**
 * pa_reclaim_scan() - the shrinker's scan: give pages back
 * @shrinker: ours
 * @sc: the request; @sc->nr_to_scan pages
 *
 * Stashed pages and empty arenas go first, with no interrupt to any CPU;
 * while fewer than @sc->nr_to_scan pages came back, the caches of one pool
 * after another are drained (see the top of this file for when they are
 * not).
 *
 * Context: reclaim.
 * Return: the pages given back, or SHRINK_STOP.
 */
VISIBLE_IF_KUNIT unsigned long pa_reclaim_scan(struct shrinker *shrinker,
					       struct shrink_control *sc)
{
	unsigned long freed = pa_large_stash_drain(-1), before;
	struct pa_pool *pool;
	bool drained = false;

	/* Pool creation allocates under the lock: reclaim must not wait. */
	if (!pa_pool_trylock())
		return freed ?: SHRINK_STOP;
	for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
		freed += shrink_pool(pool, false);
	if (pa_shrink_idle && time_before(jiffies, pa_shrink_idle_until))
		goto out;
	pa_shrink_idle = false;
	before = freed;
	for (pool = pa_pool_next(NULL); pool && freed < sc->nr_to_scan;
	     pool = pa_pool_next(pool)) {
		drained |= pa_cache_bytes(pool) != 0;
		freed += shrink_pool(pool, true);
	}
	/*
	 * Busy CPUs refill at once: do not interrupt them again for now.
	 * What the stashes and the empty arenas gave before the drains does
	 * not count (a busy CPU refills its stash as fast).
	 */
	if (drained && freed == before) {
		pa_shrink_idle = true;
		pa_shrink_idle_until = jiffies + PA_REAP_INTERVAL;
	}
out:
	pa_pool_unlock();
	return freed ?: SHRINK_STOP;
}
EXPORT_SYMBOL_IF_KUNIT(pa_reclaim_scan);

#if IS_ENABLED(CONFIG_KUNIT)
/**
 * pa_reclaim_reap_now() - run a CPU's reaper pass now
 * @cpu: an online CPU
 * @contend: hold the list of pools meanwhile, as pool creation may
 *
 * Context: process context; takes the CPU hotplug lock and, with
 * @contend, pa_pools_lock.
 * Return: the delay, in jiffies, to the next pass that the pass queued.
 */
unsigned long pa_reclaim_reap_now(unsigned int cpu, bool contend)
{
	struct pa_reaper *reaper = per_cpu_ptr(&pa_reapers, cpu);
	unsigned long delay;

	cpus_read_lock();
	if (contend)
		pa_pool_lock();
	mod_delayed_work_on(cpu, system_wq, &reaper->work, 0);
	flush_delayed_work(&reaper->work);
	delay = READ_ONCE(reaper->delay);
	if (contend)
		pa_pool_unlock();
	cpus_read_unlock();
	return delay;
}
EXPORT_SYMBOL_IF_KUNIT(pa_reclaim_reap_now);

/**
 * pa_reclaim_first_delay() - when a CPU's reaper makes its first pass
 * @cpu: a possible CPU
 *
 * Return: the delay, in jiffies, from the CPU coming online.
 */
unsigned long pa_reclaim_first_delay(unsigned int cpu)
{
	return reap_first_delay(cpu);
}
EXPORT_SYMBOL_IF_KUNIT(pa_reclaim_first_delay);
#endif

/*
 * The shrinker API changed in 6.7: shrinker_alloc() and shrinker_register()
 * replaced a caller-owned struct and register_shrinker().  Kbuild looks for
 * shrinker_alloc in the kernel's headers.
 */
#ifdef PA_HAVE_SHRINKER_ALLOC
static struct shrinker *pa_shrinker;

static int shrinker_start(void)
{
	pa_shrinker = shrinker_alloc(0, KBUILD_MODNAME);
	if (!pa_shrinker)
		return -ENOMEM;
	pa_shrinker->count_objects = pa_reclaim_count;
	pa_shrinker->scan_objects = pa_reclaim_scan;
	pa_shrinker->seeks = DEFAULT_SEEKS;
	shrinker_register(pa_shrinker);
	return 0;
}

static void shrinker_stop(void)
{
	shrinker_free(pa_shrinker);
}
#else
static struct shrinker pa_shrinker = {
	.count_objects = pa_reclaim_count,
	.scan_objects = pa_reclaim_scan,
	.seeks = DEFAULT_SEEKS,
};

static int shrinker_start(void)
{
	return register_shrinker(&pa_shrinker, KBUILD_MODNAME);
}

static void shrinker_stop(void)
{
	unregister_shrinker(&pa_shrinker);
}
#endif

/* ---- Interface --------------------------------------------------------- */

/**
 * pa_reclaim_init() - start the reapers, the hotplug callbacks and the
 * shrinker
 *
 * Context: module load.
 * Return: 0 or a negative errno.
 */
int pa_reclaim_init(void)
{
	int err;

	pa_dead_state = cpuhp_setup_state_nocalls(CPUHP_BP_PREPARE_DYN,
						  "pool_alloc:dead", NULL,
						  pa_cpu_dead);
	if (pa_dead_state < 0)
		return pa_dead_state;
	pa_online_state = cpuhp_setup_state(CPUHP_AP_ONLINE_DYN,
					    "pool_alloc:online", pa_cpu_online,
					    pa_cpu_offline);
	if (pa_online_state < 0) {
		err = pa_online_state;
		goto err_remove_dead;
	}
	err = shrinker_start();
	if (err)
		goto err_remove_online;
	return 0;

err_remove_online:
	cpuhp_remove_state(pa_online_state);
err_remove_dead:
	cpuhp_remove_state_nocalls(pa_dead_state);
	return err;
}

/**
 * pa_reclaim_exit() - stop what pa_reclaim_init() started
 *
 * Context: module unload, before the pools are destroyed.
 */
void pa_reclaim_exit(void)
{
	shrinker_stop();
	cpuhp_remove_state(pa_online_state);
	cpuhp_remove_state_nocalls(pa_dead_state);
}
