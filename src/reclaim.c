// SPDX-License-Identifier: GPL-2.0
/*
 * Giving memory back: the per-CPU caches never hide it for long.
 *
 *  - CPU hotplug: when a CPU is dead, its caches are flushed to the runs.
 *  - A reaper per CPU (deferrable, so it does not wake an idle CPU) flushes
 *    the caches that were not used for PA_REAP_INTERVAL.
 *  - A shrinker flushes every cache and frees every empty arena, the
 *    hysteresis ones included, under memory pressure.
 *
 * Runs that become empty go back to their arena, and arenas that become
 * empty to the page allocator, through the usual paths.
 */
#include <linux/atomic.h>
#include <linux/cpuhotplug.h>
#include <linux/shrinker.h>
#include <linux/smp.h>
#include <linux/workqueue.h>
#include "internal.h"

/* ---- Data -------------------------------------------------------------- */

struct pa_reaper {
	struct delayed_work work;
	unsigned int cpu;
};

static DEFINE_PER_CPU(struct pa_reaper, pa_reapers);
static int pa_online_state;
static int pa_dead_state;

/* ---- Internals --------------------------------------------------------- */

static void reap_fn(struct work_struct *work)
{
	struct pa_reaper *reaper = container_of(to_delayed_work(work),
						struct pa_reaper, work);
	struct pa_pool *pool;

	/* Pool creation holds the lock across allocations: never wait on it. */
	if (pa_pool_trylock()) {
		for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
			pa_cache_drain_local(pool, true);
		pa_pool_unlock();
	}
	queue_delayed_work_on(reaper->cpu, system_wq, &reaper->work,
			      PA_REAP_INTERVAL);
}

static int pa_cpu_online(unsigned int cpu)
{
	struct pa_reaper *reaper = per_cpu_ptr(&pa_reapers, cpu);

	reaper->cpu = cpu;
	INIT_DEFERRABLE_WORK(&reaper->work, reap_fn);
	queue_delayed_work_on(cpu, system_wq, &reaper->work, PA_REAP_INTERVAL);
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
	return 0;
}

/* Objects: blocks in the caches and pages of empty arenas, both freeable. */
static unsigned long pa_shrink_count(struct shrinker *shrinker,
				     struct shrink_control *sc)
{
	unsigned long objects = 0;
	struct pa_pool *pool;

	if (!pa_pool_trylock())
		return 0;
	for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
		objects += pa_cache_count(pool) + pa_arena_empty_pages(pool);
	pa_pool_unlock();
	return objects ?: SHRINK_EMPTY;
}

/*
 * One pass gives back everything there is, whatever sc->nr_to_scan asks; the
 * calls that follow in the same round find nothing and stop at once, so the
 * drain's IPIs go out once per pool that has something cached.
 */
static unsigned long pa_shrink_scan(struct shrinker *shrinker,
				    struct shrink_control *sc)
{
	unsigned long freed = 0, cached;
	struct pa_pool *pool;

	/* Pool creation allocates under the lock: reclaim must not wait. */
	if (!pa_pool_trylock())
		return SHRINK_STOP;
	for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool)) {
		cached = pa_cache_count(pool);
		if (cached)
			pa_cache_drain_all(pool);
		freed += cached + pa_arena_release_empty(pool);
	}
	pa_pool_unlock();
	return freed ?: SHRINK_STOP;
}

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
	pa_shrinker->count_objects = pa_shrink_count;
	pa_shrinker->scan_objects = pa_shrink_scan;
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
	.count_objects = pa_shrink_count,
	.scan_objects = pa_shrink_scan,
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
