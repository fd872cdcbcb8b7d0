// SPDX-License-Identifier: GPL-2.0
/*
 * Every debugfs file of pool_alloc, all read-only:
 *
 *   /sys/kernel/debug/pool_alloc/stats           totals over all pools
 *   /sys/kernel/debug/pool_alloc/classes         per-class table, all pools
 *   /sys/kernel/debug/pool_alloc/arenas          one line per arena
 *   /sys/kernel/debug/pool_alloc/callers         live bytes by call site
 *   /sys/kernel/debug/pool_alloc/pools/<name>/stats, classes, callers and
 *                                                validate
 *
 * Documentation/pool_alloc.rst explains every field and column.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "internal.h"

static struct dentry *pa_debugfs_root;
static struct dentry *pa_debugfs_pools;

/* ---- stats ------------------------------------------------------------- */

#define STAT(field) { #field, offsetof(struct pa_stats, field) }
static const struct {
	const char *name;
	size_t offset;
} stat_fields[] = {
	STAT(allocs), STAT(frees), STAT(failures), STAT(live_blocks),
	STAT(live_bytes_requested), STAT(live_bytes_allocated),
	STAT(large_live), STAT(large_bytes),
	STAT(arenas_current), STAT(arenas_highwater),
	STAT(arenas_allocated), STAT(arenas_reclaimed),
	STAT(runs_in_use), STAT(pages_held), STAT(invalid_frees),
	STAT(err_overflow_before), STAT(err_overflow_after),
	STAT(err_use_after_free), STAT(err_double_free), STAT(err_wrong_pool),
	STAT(err_freelist),
};

#undef STAT
/* Every counter of struct pa_stats is printed, and nothing else. */
static_assert(ARRAY_SIZE(stat_fields) * sizeof(u64) == sizeof(struct pa_stats));

static void stats_print(struct seq_file *m, const struct pa_stats *st)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(stat_fields); i++)
		seq_printf(m, "%s: %llu\n", stat_fields[i].name,
			   *(const u64 *)((const char *)st + stat_fields[i].offset));
}

/* The counters of every pool, added up. */
static void total_sum(struct pa_stats *st)
{
	struct pa_pool *pool;

	pa_pool_lock();
	for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
		pa_pool_sum(pool, st);
	pa_pool_unlock();
}

static int total_stats_show(struct seq_file *m, void *v)
{
	struct pa_stats st = { };

	total_sum(&st);
	stats_print(m, &st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(total_stats);

static int pool_stats_show(struct seq_file *m, void *v)
{
	struct pa_stats st = { };

	pa_pool_sum(m->private, &st);
	stats_print(m, &st);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pool_stats);

/* Reading it checks every block of a debug pool (pa_pool_validate()). */
static int pool_validate_show(struct seq_file *m, void *v)
{
	seq_printf(m, "%d\n", pa_debug_validate(m->private));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pool_validate);

/* ---- classes ----------------------------------------------------------- */

struct class_row {
	unsigned long runs, blocks, used, cached;
	unsigned long in_group[PA_RUN_FULL + 1];
	u64 allocs, frees;
	s64 requested;
};

static void class_row_add(struct pa_pool *pool, unsigned int i,
			  struct class_row *row)
{
	struct pa_class *cls = &pool->classes[i];
	unsigned long flags, cached;
	u64 allocs, frees;
	s64 requested;
	unsigned int g;

	pa_cache_sum(cls, &allocs, &frees, &requested, &cached);
	row->used += allocs - frees;
	row->cached += cached;
	row->allocs += allocs;
	row->frees += frees;
	row->requested += requested;
	spin_lock_irqsave(&cls->lock, flags);
	row->runs += cls->nr_runs;
	row->blocks += cls->nr_blocks;
	for (g = 0; g <= PA_RUN_FULL; g++)
		row->in_group[g] += cls->nr_in_group[g];
	spin_unlock_irqrestore(&cls->lock, flags);
}

static void class_row_print(struct seq_file *m, unsigned int i,
			    const struct class_row *row)
{
	seq_printf(m, "%5u %5u %6lu %11lu %11lu %6lu %6lu %6lu %6lu %6lu %12llu %12llu %15lld %6lu\n",
		   i, pa_class_size[i], row->runs, row->used,
		   row->blocks - row->used, row->in_group[PA_RUN_FULL],
		   row->in_group[3], row->in_group[2], row->in_group[1],
		   row->in_group[0], row->allocs, row->frees, row->requested,
		   row->cached);
}

/* The histogram columns name the quarters of PA_FULLNESS_GROUPS. */
static_assert(PA_FULLNESS_GROUPS == 4);

static void classes_header(struct seq_file *m)
{
	seq_printf(m, "%5s %5s %6s %11s %11s %6s %6s %6s %6s %6s %12s %12s %15s %6s\n",
		   "class", "size", "runs", "blocks_used", "blocks_free",
		   "full", "ge75", "ge50", "ge25", "lt25", "allocs", "frees",
		   "bytes_requested", "cached");
}

static int total_classes_show(struct seq_file *m, void *v)
{
	struct pa_pool *pool;
	unsigned int i;

	classes_header(m);
	pa_pool_lock();
	for (i = 0; i < pa_nr_classes; i++) {
		struct class_row row = { };

		for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
			class_row_add(pool, i, &row);
		class_row_print(m, i, &row);
	}
	pa_pool_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(total_classes);

static int pool_classes_show(struct seq_file *m, void *v)
{
	unsigned int i;

	classes_header(m);
	for (i = 0; i < pa_nr_classes; i++) {
		struct class_row row = { };

		class_row_add(m->private, i, &row);
		class_row_print(m, i, &row);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(pool_classes);

/* ---- arenas ------------------------------------------------------------ */

/* One character per run: '.' free, '1'-'9' tenths used, '#' full. */
static char run_fill_char(const struct pa_run *run)
{
	unsigned int used, blocks, tenths;

	/* A picture, not an invariant: a racy read of the class is fine. */
	if (data_race(run->class) == PA_CLASS_NONE)
		return '.';
	/* The run may fill or drain meanwhile; the map shows one moment. */
	used = data_race(run->nr_used);
	/* Set before the run was given its class. */
	blocks = data_race(run->nr_blocks);
	if (!blocks)
		return '.';
	if (used >= blocks)
		return '#';
	tenths = clamp(used * 10 / blocks, 1U, 9U);
	return '0' + tenths;
}

static void pool_arenas_print(struct seq_file *m, struct pa_pool *pool)
{
	char map[PA_RUNS_PER_ARENA + 1];
	struct pa_arena *arena;
	unsigned long flags;
	unsigned int n, i;

	spin_lock_irqsave(&pool->arena_lock, flags);
	for (n = 0; n <= PA_RUNS_PER_ARENA; n++) {
		list_for_each_entry(arena, &pool->arenas[n], node) {
			for (i = 0; i < arena->nr_runs; i++)
				map[i] = run_fill_char(&arena->runs[i]);
			map[i] = '\0';
			seq_printf(m, "%-*s %5u %5u %5u %s\n",
				   PA_POOL_NAME_MAX - 1, pool->name,
				   arena->order, arena->nr_runs - arena->nr_free,
				   arena->nr_runs, map);
		}
	}
	spin_unlock_irqrestore(&pool->arena_lock, flags);
}

static int arenas_show(struct seq_file *m, void *v)
{
	struct pa_pool *pool;

	seq_printf(m, "%-*s %5s %5s %5s %s\n", PA_POOL_NAME_MAX - 1, "pool",
		   "order", "used", "total", "map");
	pa_pool_lock();
	for (pool = pa_pool_next(NULL); pool; pool = pa_pool_next(pool))
		pool_arenas_print(m, pool);
	pa_pool_unlock();
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(arenas);

/* ---- callers ----------------------------------------------------------- */

/*
 * The profiler's call sites, most live bytes first, then the blocks no
 * site holds (allocated while profiling was off, or left without a trace):
 * what the pools' counters hold beyond the sites, so the lines add up to
 * the pools' live_blocks and live_bytes_requested exactly when nothing
 * moves meanwhile.
 */
static int callers_print(struct seq_file *m, struct pa_pool *pool,
			 const struct pa_stats *st)
{
	u64 bytes = 0, blocks = 0, allocs = 0;
	struct pa_profile_row *rows;
	int i, n;

	n = pa_profile_rows(pool, &rows);
	if (n < 0)
		return n;
	seq_printf(m, "%14s %10s %12s %s\n", "bytes", "blocks", "allocs",
		   "site");
	for (i = 0; i < n; i++) {
		seq_printf(m, "%14llu %10llu %12llu %pS\n", rows[i].bytes,
			   rows[i].blocks, rows[i].allocs,
			   (void *)rows[i].caller);
		bytes += rows[i].bytes;
		blocks += rows[i].blocks;
		allocs += rows[i].allocs;
	}
	kvfree(rows);
	/* Counters read at other moments may cross: never below zero. */
	seq_printf(m, "%14llu %10llu %12llu %s\n",
		   st->live_bytes_requested - min(bytes, st->live_bytes_requested),
		   st->live_blocks - min(blocks, st->live_blocks),
		   st->allocs - min(allocs, st->allocs), "(not profiled)");
	return 0;
}

static int total_callers_show(struct seq_file *m, void *v)
{
	struct pa_stats st = { };

	total_sum(&st);
	return callers_print(m, NULL, &st);
}
DEFINE_SHOW_ATTRIBUTE(total_callers);

static int pool_callers_show(struct seq_file *m, void *v)
{
	struct pa_stats st = { };

	pa_pool_sum(m->private, &st);
	return callers_print(m, m->private, &st);
}
DEFINE_SHOW_ATTRIBUTE(pool_callers);

/* ---- Interface --------------------------------------------------------- */

/**
 * pa_debugfs_init() - create /sys/kernel/debug/pool_alloc
 *
 * debugfs failures are not fatal: the allocator works without its files.
 */
void pa_debugfs_init(void)
{
	pa_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	debugfs_create_file("stats", 0444, pa_debugfs_root, NULL,
			    &total_stats_fops);
	debugfs_create_file("classes", 0444, pa_debugfs_root, NULL,
			    &total_classes_fops);
	debugfs_create_file("arenas", 0444, pa_debugfs_root, NULL,
			    &arenas_fops);
	debugfs_create_file("callers", 0444, pa_debugfs_root, NULL,
			    &total_callers_fops);
	pa_debugfs_pools = debugfs_create_dir("pools", pa_debugfs_root);
	pa_fault_debugfs_init(pa_debugfs_root);
}

/**
 * pa_debugfs_exit() - remove every pool_alloc debugfs file
 */
void pa_debugfs_exit(void)
{
	debugfs_remove_recursive(pa_debugfs_root);
}

/**
 * pa_debugfs_add_pool() - create pools/<name>/ for a new pool
 * @pool: the pool
 *
 * Context: process context; pa_pool_lock() held, so that no other pool of
 * that name can be created meanwhile.
 */
void pa_debugfs_add_pool(struct pa_pool *pool)
{
	pool->debugfs = debugfs_create_dir(pool->name, pa_debugfs_pools);
	debugfs_create_file("stats", 0444, pool->debugfs, pool,
			    &pool_stats_fops);
	debugfs_create_file("classes", 0444, pool->debugfs, pool,
			    &pool_classes_fops);
	debugfs_create_file("callers", 0444, pool->debugfs, pool,
			    &pool_callers_fops);
	debugfs_create_file("validate", 0444, pool->debugfs, pool,
			    &pool_validate_fops);
}

/**
 * pa_debugfs_remove_pool() - remove pools/<name>/
 * @pool: the pool; waits until no reader of its files is left
 *
 * Context: process context.
 */
void pa_debugfs_remove_pool(struct pa_pool *pool)
{
	debugfs_remove_recursive(pool->debugfs);
	pool->debugfs = NULL;
}
