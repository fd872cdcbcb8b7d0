// SPDX-License-Identifier: GPL-2.0
/*
 * Printing a snap: the tables (a summary, the pools, the classes, the call
 * sites and the arena map) or one JSON document.  Only rows that hold
 * something are printed.  Documentation/pool_alloc.rst, "pastat", explains
 * every column and every JSON key.
 *
 * Held bytes, for a class: its blocks, live and free, times its size (the
 * memory its runs have for blocks); for a pool: its live blocks' usable
 * bytes (live_bytes_allocated, large blocks included) plus its free blocks'
 * bytes.  Waste is held less requested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "pastat.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

const char * const sort_key_names[SORT_COUNT] = {
	[SORT_HELD] = "held",
	[SORT_NAME] = "name",
	[SORT_SIZE] = "size",
	[SORT_USED] = "used",
	[SORT_FREE] = "free",
	[SORT_RUNS] = "runs",
	[SORT_REQUESTED] = "requested",
	[SORT_WASTE] = "waste",
	[SORT_USE] = "use",
};

/* The width of the fragmentation bar, one character per tenth of runs. */
#define BAR_WIDTH	10

/* Room for a long long in decimal, a sign, a point and a unit. */
#define NUM_BUF		24

/* Call sites listed in the tables; --json has them all. */
#define TOP_SITES	10

/* What one table row shows, for a pool or for a class. */
struct row {
	const char *name;	/* pool name; NULL for a class */
	const struct class_row *cls;
	long long used, free, runs, requested, held;
	long long size;		/* class size; 0 for a pool */
	long long index;	/* class index; pool order for a pool */
};

static long long row_waste(const struct row *r)
{
	return r->held - r->requested;
}

/* Permille of the blocks that are live; -1 when there are none. */
static long long row_use(const struct row *r)
{
	long long all = r->used + r->free;

	return all > 0 ? r->used * 1000 / all : -1;
}

static long long row_key(const struct row *r, enum sort_key key)
{
	switch (key) {
	case SORT_USED:
		return r->used;
	case SORT_FREE:
		return r->free;
	case SORT_RUNS:
		return r->runs;
	case SORT_REQUESTED:
		return r->requested;
	case SORT_WASTE:
		return row_waste(r);
	case SORT_USE:
		return row_use(r);
	case SORT_SIZE:
		return r->size;
	default:
		return r->held;
	}
}

static enum sort_key sort_by;

/*
 * Biggest first, except by name and size, which go up (classes by index
 * and size go the same way); ties go by pool name or class index, so that
 * the order never depends on qsort().
 */
static int row_cmp(const void *pa, const void *pb)
{
	const struct row *a = pa, *b = pb;
	long long ka, kb;

	if (sort_by == SORT_NAME && a->name)
		return strcmp(a->name, b->name);
	if ((sort_by == SORT_NAME || sort_by == SORT_SIZE) && !a->name)
		return a->index < b->index ? -1 : a->index > b->index;
	/* A pool has no size: by size, pools go by held bytes. */
	ka = row_key(a, sort_by == SORT_SIZE ? SORT_HELD : sort_by);
	kb = row_key(b, sort_by == SORT_SIZE ? SORT_HELD : sort_by);
	if (ka != kb)
		return ka < kb ? 1 : -1;
	if (a->name)
		return strcmp(a->name, b->name);
	return a->index < b->index ? -1 : a->index > b->index;
}

static void sort_rows(struct row *rows, size_t n, enum sort_key key)
{
	sort_by = key;
	qsort(rows, n, sizeof(*rows), row_cmp);
}

static bool class_holds(const struct class_row *c)
{
	return c->v[COL_RUNS] || c->v[COL_USED] || c->v[COL_FREE];
}

static void class_to_row(const struct class_row *c, struct row *r)
{
	memset(r, 0, sizeof(*r));
	r->cls = c;
	r->index = c->v[COL_CLASS];
	r->size = c->v[COL_SIZE];
	r->used = c->v[COL_USED];
	r->free = c->v[COL_FREE];
	r->runs = c->v[COL_RUNS];
	r->requested = c->v[COL_REQUESTED];
	r->held = (r->used + r->free) * r->size;
}

static long long stat_ll(const struct statset *st, const char *key)
{
	unsigned long long v;

	stat_get(st, key, &v);
	return (long long)v;
}

static void pool_to_row(const struct pool *p, struct row *r)
{
	long long free_bytes = 0;
	size_t i;

	memset(r, 0, sizeof(*r));
	r->name = p->name;
	for (i = 0; i < p->classes.n; i++) {
		const struct class_row *c = &p->classes.rows[i];

		r->free += c->v[COL_FREE];
		free_bytes += c->v[COL_FREE] * c->v[COL_SIZE];
	}
	r->used = stat_ll(&p->stats, "live_blocks");
	r->runs = stat_ll(&p->stats, "runs_in_use");
	r->requested = stat_ll(&p->stats, "live_bytes_requested");
	r->held = stat_ll(&p->stats, "live_bytes_allocated") + free_bytes;
}

static bool pool_holds(const struct pool *p)
{
	static const char * const keys[] = {
		"live_blocks", "runs_in_use", "arenas_current", "pages_held",
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(keys); i++)
		if (stat_ll(&p->stats, keys[i]))
			return true;
	return false;
}

/* A byte count in at most six characters: 1023, 9999, 12.3K, 4.0M... */
static const char *human(char *buf, size_t len, long long v)
{
	static const char units[] = "KMGTPE";
	double d = v < 0 ? -(double)v : (double)v;
	unsigned int u = 0;

	if (d < 10000) {
		snprintf(buf, len, "%lld", v);
		return buf;
	}
	d /= 1024;
	while (d >= 1000 && u < sizeof(units) - 2) {
		d /= 1024;
		u++;
	}
	snprintf(buf, len, "%s%.*f%c", v < 0 ? "-" : "", d < 100 ? 1 : 0, d,
		 units[u]);
	return buf;
}

/* Permille as a percentage with one decimal, or "-" for none. */
static const char *percent(char *buf, size_t len, long long permille)
{
	if (permille < 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "%lld.%lld", permille / 10, permille % 10);
	return buf;
}

/*
 * The runs of a class by fullness, fullest first, BAR_WIDTH characters:
 * '#' full, '+' at least 75% used, '=' 50-75%, '-' 25-50%, '.' under 25%.
 * Each group gets its share of the width, rounded so that the characters
 * add up to BAR_WIDTH and a group with any run shows at least once.
 */
static void frag_bar(const struct class_row *c, char *bar)
{
	static const char marks[] = "#+=-.";
	static const enum class_col groups[] = {
		COL_FULL, COL_GE75, COL_GE50, COL_GE25, COL_LT25,
	};
	long long total = 0, done = 0, want, have = 0;
	size_t g;
	int i, n;

	for (g = 0; g < ARRAY_SIZE(groups); g++)
		total += c->v[groups[g]];
	if (!total) {
		memset(bar, ' ', BAR_WIDTH);
		bar[BAR_WIDTH] = '\0';
		return;
	}
	for (g = 0; g < ARRAY_SIZE(groups); g++) {
		if (!c->v[groups[g]])
			continue;
		done += c->v[groups[g]];
		want = (done * BAR_WIDTH + total / 2) / total;
		n = want - have;
		if (n < 1 && have < BAR_WIDTH)
			n = 1;
		for (i = 0; i < n && have < BAR_WIDTH; i++)
			bar[have++] = marks[g];
	}
	while (have < BAR_WIDTH)
		bar[have++] = marks[ARRAY_SIZE(groups) - 1];
	bar[BAR_WIDTH] = '\0';
}

static void show_summary(const struct statset *st, const char *root,
			 const char *pool)
{
	char a[NUM_BUF], b[NUM_BUF], c[NUM_BUF], d[NUM_BUF];
	long long req = stat_ll(st, "live_bytes_requested");
	long long alloc = stat_ll(st, "live_bytes_allocated");
	long long errs = 0;
	size_t i;

	for (i = 0; i < st->n; i++)
		if (!strncmp(st->kv[i].key, "err_", 4))
			errs += st->kv[i].val;
	printf("pool_alloc %s%s%s\n", root, pool ? "  pool " : "",
	       pool ? pool : "");
	percent(c, sizeof(c), alloc > 0 ? (alloc - req) * 1000 / alloc : -1);
	printf("Live blocks: %lld (large %lld, %s)  Requested: %s  Usable: %s  Rounding: %s%s\n",
	       stat_ll(st, "live_blocks"), stat_ll(st, "large_live"),
	       human(d, sizeof(d), stat_ll(st, "large_bytes")),
	       human(a, sizeof(a), req), human(b, sizeof(b), alloc), c,
	       alloc > 0 ? "%" : "");
	printf("Arenas: %lld (high %lld, %lld taken, %lld given back)",
	       stat_ll(st, "arenas_current"), stat_ll(st, "arenas_highwater"),
	       stat_ll(st, "arenas_allocated"),
	       stat_ll(st, "arenas_reclaimed"));
	printf("  Runs: %lld  Pages held: %lld\n", stat_ll(st, "runs_in_use"),
	       stat_ll(st, "pages_held"));
	printf("Allocs: %lld  Frees: %lld  Failures: %lld",
	       stat_ll(st, "allocs"), stat_ll(st, "frees"),
	       stat_ll(st, "failures"));
	printf("  Invalid frees: %lld  Debug reports: %lld\n",
	       stat_ll(st, "invalid_frees"), errs);
}

static int show_pools(const struct snap *snap, const struct show_opts *opts)
{
	char a[NUM_BUF], b[NUM_BUF], c[NUM_BUF], d[NUM_BUF];
	struct row *rows;
	size_t i, n = 0;
	int w = 4;

	rows = calloc(snap->npools ? snap->npools : 1, sizeof(*rows));
	if (!rows) {
		set_err("out of memory");
		return -1;
	}
	for (i = 0; i < snap->npools; i++) {
		const struct pool *p = &snap->pools[i];

		if (!pool_holds(p))
			continue;
		pool_to_row(p, &rows[n]);
		rows[n].index = i;
		if ((int)strlen(p->name) > w)
			w = strlen(p->name);
		n++;
	}
	sort_rows(rows, n, opts->sort);
	printf("\n%-*s %9s %9s %6s %6s %6s %9s %9s %6s %6s%s\n", w, "POOL",
	       "USED", "FREE", "RUNS", "ARENAS", "LARGE", "REQUESTED", "HELD",
	       "WASTE", "USE%", opts->validate ? " VALIDATE" : "");
	for (i = 0; i < n; i++) {
		const struct pool *p = &snap->pools[rows[i].index];

		printf("%-*s %9lld %9lld %6lld %6lld %6lld %9s %9s %6s %6s",
		       w, p->name, rows[i].used, rows[i].free, rows[i].runs,
		       stat_ll(&p->stats, "arenas_current"),
		       stat_ll(&p->stats, "large_live"),
		       human(a, sizeof(a), rows[i].requested),
		       human(b, sizeof(b), rows[i].held),
		       human(c, sizeof(c), row_waste(&rows[i])),
		       percent(d, sizeof(d), row_use(&rows[i])));
		if (p->has_validate)
			printf(" %8lld", p->validate);
		printf("\n");
	}
	if (!n)
		printf("(no pool holds anything)\n");
	free(rows);
	return 0;
}

static int show_classes(const struct classes *cls, enum sort_key sort)
{
	char a[NUM_BUF], b[NUM_BUF], c[NUM_BUF], d[NUM_BUF], bar[BAR_WIDTH + 1];
	struct row *rows;
	size_t i, n = 0;

	rows = calloc(cls->n ? cls->n : 1, sizeof(*rows));
	if (!rows) {
		set_err("out of memory");
		return -1;
	}
	for (i = 0; i < cls->n; i++)
		if (class_holds(&cls->rows[i]))
			class_to_row(&cls->rows[i], &rows[n++]);
	sort_rows(rows, n, sort);
	printf("\n%5s %5s %9s %9s %6s %9s %9s %6s %6s %-*s\n", "CLASS", "SIZE",
	       "USED", "FREE", "RUNS", "REQUESTED", "HELD", "WASTE", "USE%",
	       BAR_WIDTH + 2, "RUNS BY FULLNESS");
	for (i = 0; i < n; i++) {
		frag_bar(rows[i].cls, bar);
		printf("%5lld %5lld %9lld %9lld %6lld %9s %9s %6s %6s [%s]\n",
		       rows[i].index, rows[i].size, rows[i].used, rows[i].free,
		       rows[i].runs, human(a, sizeof(a), rows[i].requested),
		       human(b, sizeof(b), rows[i].held),
		       human(c, sizeof(c), row_waste(&rows[i])),
		       percent(d, sizeof(d), row_use(&rows[i])), bar);
	}
	if (n)
		printf("runs: # full, + 75%%+ used, = 50-75%%, - 25-50%%, . under 25%%\n");
	else
		printf("(no class holds anything)\n");
	free(rows);
	return 0;
}

static bool callers_any(const struct callers *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		if (strcmp(cs->rows[i].site, "(not profiled)"))
			return true;
	return false;
}

/* The file's order: most live bytes first, "(not profiled)" last. */
static void show_callers(const struct callers *cs)
{
	char a[NUM_BUF];
	size_t i, shown = 0;

	if (!callers_any(cs))
		return;
	printf("\n%9s %9s %9s %s\n", "BYTES", "BLOCKS", "ALLOCS", "CALL SITE");
	for (i = 0; i < cs->n; i++) {
		const struct caller *c = &cs->rows[i];
		bool last = !strcmp(c->site, "(not profiled)");

		if (!last && shown++ == TOP_SITES)
			printf("%9s %9s %9s (%zu more sites, --json lists them)\n",
			       "", "", "", cs->n - 1 - TOP_SITES);
		if (!last && shown > TOP_SITES)
			continue;
		printf("%9s %9llu %9llu %s\n",
		       human(a, sizeof(a), (long long)c->bytes), c->blocks,
		       c->allocs, c->site);
	}
}

static void show_arenas(const struct snap *snap, const char *only)
{
	size_t i, n = 0;
	int w = 4;

	for (i = 0; i < snap->narenas; i++) {
		const struct arena *a = &snap->arenas[i];

		if (only && strcmp(a->pool, only))
			continue;
		if ((int)strlen(a->pool) > w)
			w = strlen(a->pool);
		n++;
	}
	if (!n)
		return;
	printf("\n%-*s %5s %5s %5s %s\n", w, "POOL", "ORDER", "USED", "TOTAL",
	       "ARENA MAP (a run each: . free, 1-9 tenths used, # full)");
	for (i = 0; i < snap->narenas; i++) {
		const struct arena *a = &snap->arenas[i];

		if (only && strcmp(a->pool, only))
			continue;
		printf("%-*s %5lld %5lld %5lld %s\n", w, a->pool, a->order,
		       a->used, a->total, a->map);
	}
}

int show_tables(const struct snap *snap, const struct show_opts *opts)
{
	const struct pool *p = snap->npools ? &snap->pools[0] : NULL;

	if (opts->only_pool) {
		show_summary(&p->stats, opts->root, p->name);
		if (show_pools(snap, opts) ||
		    show_classes(&p->classes, opts->sort))
			return -1;
		show_callers(&p->callers);
		show_arenas(snap, p->name);
	} else {
		show_summary(&snap->stats, opts->root, NULL);
		if (show_pools(snap, opts) ||
		    show_classes(&snap->classes, opts->sort))
			return -1;
		show_callers(&snap->callers);
		show_arenas(snap, NULL);
	}
	return ferror(stdout) ? -1 : 0;
}

/* ---- JSON -------------------------------------------------------------- */

static void json_str(const char *s)
{
	putchar('"');
	for (; *s; s++) {
		unsigned char ch = *s;

		if (ch == '"' || ch == '\\')
			printf("\\%c", ch);
		else if (ch < 0x20)
			printf("\\u%04x", ch);
		else
			putchar(ch);
	}
	putchar('"');
}

static void json_stats(const struct statset *st)
{
	size_t i;

	printf("{");
	for (i = 0; i < st->n; i++) {
		printf("%s", i ? ", " : "");
		json_str(st->kv[i].key);
		printf(": %llu", st->kv[i].val);
	}
	printf("}");
}

static void json_classes(const struct classes *cls, const char *indent)
{
	bool first = true;
	struct row r;
	size_t i;
	int c;

	printf("[");
	for (i = 0; i < cls->n; i++) {
		if (!class_holds(&cls->rows[i]))
			continue;
		class_to_row(&cls->rows[i], &r);
		printf("%s\n%s{", first ? "" : ",", indent);
		first = false;
		for (c = 0; c < COL_COUNT; c++)
			printf("\"%s\": %lld, ", class_col_names[c],
			       cls->rows[i].v[c]);
		printf("\"bytes_held\": %lld, \"bytes_wasted\": %lld}", r.held,
		       row_waste(&r));
	}
	printf("]");
}

static void json_callers(const struct callers *cs, const char *indent)
{
	size_t i;

	if (!cs->present) {
		printf("null");
		return;
	}
	printf("[");
	for (i = 0; i < cs->n; i++) {
		printf("%s\n%s{\"bytes\": %llu, \"blocks\": %llu, \"allocs\": %llu, \"site\": ",
		       i ? "," : "", indent, cs->rows[i].bytes,
		       cs->rows[i].blocks, cs->rows[i].allocs);
		json_str(cs->rows[i].site);
		printf("}");
	}
	printf("]");
}

/*
 * One document; its keys are stable and documented.  With -p, "pools" has
 * that pool only and "arenas" its arenas, and "totals", "classes" and
 * "callers" are still those of every pool.
 */
int show_json(const struct snap *snap, const struct show_opts *opts)
{
	bool first = true;
	struct row r;
	size_t i;

	printf("{\n  \"version\": 1,\n  \"root\": ");
	json_str(opts->root);
	printf(",\n  \"totals\": ");
	json_stats(&snap->stats);
	printf(",\n  \"pools\": [");
	for (i = 0; i < snap->npools; i++) {
		const struct pool *p = &snap->pools[i];

		pool_to_row(p, &r);
		printf("%s\n    {\"name\": ", i ? "," : "");
		json_str(p->name);
		printf(",\n     \"blocks_free\": %lld, \"bytes_held\": %lld,",
		       r.free, r.held);
		printf(" \"bytes_wasted\": %lld,\n     \"validate\": ",
		       row_waste(&r));
		if (p->has_validate)
			printf("%lld", p->validate);
		else
			printf("null");
		printf(",\n     \"stats\": ");
		json_stats(&p->stats);
		printf(",\n     \"classes\": ");
		json_classes(&p->classes, "       ");
		printf(",\n     \"callers\": ");
		json_callers(&p->callers, "       ");
		printf("}");
	}
	printf("],\n  \"classes\": ");
	json_classes(&snap->classes, "    ");
	printf(",\n  \"callers\": ");
	json_callers(&snap->callers, "    ");
	printf(",\n  \"arenas\": [");
	for (i = 0; i < snap->narenas; i++) {
		const struct arena *a = &snap->arenas[i];

		if (opts->only_pool && strcmp(a->pool, opts->only_pool))
			continue;
		printf("%s\n    {\"pool\": ", first ? "" : ",");
		first = false;
		json_str(a->pool);
		printf(", \"order\": %lld, \"used\": %lld, \"total\": %lld, \"map\": ",
		       a->order, a->used, a->total);
		json_str(a->map);
		printf("}");
	}
	printf("]\n}\n");
	return ferror(stdout) ? -1 : 0;
}
