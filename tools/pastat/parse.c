// SPDX-License-Identifier: GPL-2.0
/*
 * Reading pool_alloc's debugfs files (Documentation/pool_alloc.rst,
 * "debugfs"; src/debugfs.c prints them):
 *
 *   stats        "key: value" lines, every value an unsigned number
 *   classes      a header naming the columns, then one row of numbers
 *                per size class
 *   arenas       a header, then per arena the pool (padded, and a pool
 *                name may hold spaces), numbers and a one-word map
 *   callers      a header, then numbers and a site that runs to the end
 *                of the line ("func+0x1c/0x40 [module]")
 *   validate     one number
 *
 * Tables are read by the names in their header: a column the module adds
 * later is skipped, and one pastat needs that is missing is an error, as is
 * any line that is not what its header says.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "pastat.h"

char pastat_err[512];

void set_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(pastat_err, sizeof(pastat_err), fmt, ap);
	va_end(ap);
}

const char * const class_col_names[COL_COUNT] = {
	[COL_CLASS] = "class",
	[COL_SIZE] = "size",
	[COL_RUNS] = "runs",
	[COL_USED] = "blocks_used",
	[COL_FREE] = "blocks_free",
	[COL_FULL] = "full",
	[COL_GE75] = "ge75",
	[COL_GE50] = "ge50",
	[COL_GE25] = "ge25",
	[COL_LT25] = "lt25",
	[COL_ALLOCS] = "allocs",
	[COL_FREES] = "frees",
	[COL_REQUESTED] = "bytes_requested",
	[COL_CACHED] = "cached",
};

/*
 * The columns without which a classes file says nothing pastat shows; the
 * others (the histogram, allocs, frees, cached) read as 0 when absent.
 */
static const bool class_col_required[COL_COUNT] = {
	[COL_CLASS] = true,
	[COL_SIZE] = true,
	[COL_RUNS] = true,
	[COL_USED] = true,
	[COL_FREE] = true,
	[COL_REQUESTED] = true,
};

/* The most columns a header may have: the module prints 14 today. */
#define MAX_COLS	64

static void *xrealloc(void *p, size_t n, size_t size)
{
	void *q;

	if (n && size > SIZE_MAX / n) {
		set_err("out of memory");
		return NULL;
	}
	/* realloc(p, 0) may free p: ask for one byte at least. */
	q = realloc(p, n && size ? n * size : 1);
	if (!q)
		set_err("out of memory");
	return q;
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);

	if (!d)
		set_err("out of memory");
	return d;
}

/* Split @line in place into at most @max words; returns how many. */
static int split_words(char *line, char **words, int max)
{
	int n = 0;
	char *tok, *save;

	for (tok = strtok_r(line, " \t\n", &save); tok;
	     tok = strtok_r(NULL, " \t\n", &save)) {
		if (n == max)
			return max + 1;
		words[n++] = tok;
	}
	return n;
}

static int parse_ull(const char *s, unsigned long long *val)
{
	char *end;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	*val = strtoull(s, &end, 10);
	return errno || *end ? -1 : 0;
}

/* bytes_requested is signed: per-CPU counters read apart may cross. */
static int parse_ll(const char *s, long long *val)
{
	char *end;

	if (!*s || (*s != '-' && (*s < '0' || *s > '9')))
		return -1;
	errno = 0;
	*val = strtoll(s, &end, 10);
	return errno || *end ? -1 : 0;
}

static FILE *open_file(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f)
		set_err("%s: %s", path, strerror(errno));
	return f;
}

/* Strip the newline of a getline() result; true for an empty line. */
static bool chomp(char *line)
{
	size_t len = strlen(line);

	if (len && line[len - 1] == '\n')
		line[--len] = '\0';
	return len == 0;
}

int stats_parse(const char *path, struct statset *st)
{
	char *line = NULL, *colon, *key, *val;
	size_t cap = 0;
	int lineno = 0, ret = -1;
	struct stat_kv *kv;
	FILE *f;

	st->kv = NULL;
	st->n = 0;
	f = open_file(path);
	if (!f)
		return -1;
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (chomp(line))
			continue;
		colon = strstr(line, ": ");
		if (!colon || colon == line) {
			set_err("%s:%d: not \"key: value\": %s", path, lineno,
				line);
			goto out;
		}
		*colon = '\0';
		key = line;
		val = colon + 2;
		if (strchr(key, ' ')) {
			set_err("%s:%d: a key with a space: %s", path, lineno,
				key);
			goto out;
		}
		kv = xrealloc(st->kv, st->n + 1, sizeof(*kv));
		if (!kv)
			goto out;
		st->kv = kv;
		kv = &st->kv[st->n];
		if (parse_ull(val, &kv->val)) {
			set_err("%s:%d: %s: not a number: %s", path, lineno,
				key, val);
			goto out;
		}
		kv->key = xstrdup(key);
		if (!kv->key)
			goto out;
		st->n++;
	}
	if (ferror(f)) {
		set_err("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!st->n) {
		set_err("%s: empty", path);
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}

bool stat_get(const struct statset *st, const char *key,
	      unsigned long long *val)
{
	size_t i;

	for (i = 0; i < st->n; i++) {
		if (!strcmp(st->kv[i].key, key)) {
			*val = st->kv[i].val;
			return true;
		}
	}
	*val = 0;
	return false;
}

/*
 * Read a header line into @names (pointing into @line) and return the
 * number of columns, or -1.
 */
static int header_read(FILE *f, const char *path, char **line, size_t *cap,
		       char **names)
{
	int n;

	if (getline(line, cap, f) <= 0) {
		set_err("%s: empty, no header line", path);
		return -1;
	}
	chomp(*line);
	n = split_words(*line, names, MAX_COLS);
	if (n <= 0 || n > MAX_COLS) {
		set_err("%s:1: not a header line", path);
		return -1;
	}
	return n;
}

static int col_index(char **names, int n, const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return i;
	return -1;
}

int classes_parse(const char *path, struct classes *cls)
{
	char *line = NULL, *names[MAX_COLS + 1], *words[MAX_COLS + 1];
	int idx[COL_COUNT], ncols, n, c, lineno = 1, ret = -1;
	char *hdr = NULL;
	size_t cap = 0, hcap = 0;
	struct class_row *row;
	FILE *f;

	cls->rows = NULL;
	cls->n = 0;
	f = open_file(path);
	if (!f)
		return -1;
	ncols = header_read(f, path, &hdr, &hcap, names);
	if (ncols < 0)
		goto out;
	for (c = 0; c < COL_COUNT; c++) {
		idx[c] = col_index(names, ncols, class_col_names[c]);
		if (idx[c] < 0 && class_col_required[c]) {
			set_err("%s:1: no column \"%s\" in the header", path,
				class_col_names[c]);
			goto out;
		}
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (chomp(line))
			continue;
		n = split_words(line, words, MAX_COLS);
		if (n != ncols) {
			set_err("%s:%d: %d columns, the header has %d", path,
				lineno, n > MAX_COLS ? MAX_COLS + 1 : n,
				ncols);
			goto out;
		}
		row = xrealloc(cls->rows, cls->n + 1, sizeof(*row));
		if (!row)
			goto out;
		cls->rows = row;
		row = &cls->rows[cls->n];
		for (c = 0; c < COL_COUNT; c++) {
			row->v[c] = 0;
			if (idx[c] < 0)
				continue;
			if (parse_ll(words[idx[c]], &row->v[c]) ||
			    (c != COL_REQUESTED && row->v[c] < 0)) {
				set_err("%s:%d: %s: not a number: %s", path,
					lineno, class_col_names[c],
					words[idx[c]]);
				goto out;
			}
		}
		cls->n++;
	}
	if (ferror(f)) {
		set_err("%s: %s", path, strerror(errno));
		goto out;
	}
	if (!cls->n) {
		set_err("%s: a header and no class", path);
		goto out;
	}
	ret = 0;
out:
	free(hdr);
	free(line);
	fclose(f);
	return ret;
}

static void arenas_free(struct arena *arenas, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(arenas[i].pool);
		free(arenas[i].map);
	}
	free(arenas);
}

/*
 * The pool comes first and may hold spaces: it is what is left of the line
 * once the other columns, one word each, are taken from its end.
 */
int arenas_parse(const char *path, struct arena **arenas, size_t *narenas)
{
	char *line = NULL, *hdr = NULL, *names[MAX_COLS + 1];
	char *words[MAX_COLS + 1], *copy = NULL, *end;
	int ncols, n, i_order, i_used, i_total, i_map, lineno = 1, ret = -1;
	size_t cap = 0, hcap = 0, n_ar = 0;
	struct arena *ar = NULL, *a;
	long long *num;
	int i, first;
	FILE *f;

	f = open_file(path);
	if (!f)
		return -1;
	ncols = header_read(f, path, &hdr, &hcap, names);
	if (ncols < 0)
		goto out;
	i_order = col_index(names, ncols, "order");
	i_used = col_index(names, ncols, "used");
	i_total = col_index(names, ncols, "total");
	i_map = col_index(names, ncols, "map");
	if (col_index(names, ncols, "pool") != 0 || i_order < 0 ||
	    i_used < 0 || i_total < 0 || i_map < 0) {
		set_err("%s:1: the header is not \"pool ... order used total map\"",
			path);
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (chomp(line))
			continue;
		free(copy);
		copy = xstrdup(line);
		if (!copy)
			goto out;
		n = split_words(copy, words, MAX_COLS);
		/* At least one word of pool name before the other columns. */
		if (n < ncols || n > MAX_COLS) {
			set_err("%s:%d: fewer columns than the header's %d",
				path, lineno, ncols);
			goto out;
		}
		first = n - (ncols - 1);
		a = xrealloc(ar, n_ar + 1, sizeof(*a));
		if (!a)
			goto out;
		ar = a;
		a = &ar[n_ar];
		memset(a, 0, sizeof(*a));
		n_ar++;
		for (i = 1; i < ncols; i++) {
			const char *w = words[first + i - 1];
			unsigned long long v;

			if (i == i_map) {
				a->map = xstrdup(w);
				if (!a->map)
					goto out;
				continue;
			}
			num = i == i_order ? &a->order : i == i_used ?
			      &a->used : i == i_total ? &a->total : NULL;
			if (!num)
				continue;
			if (parse_ull(w, &v) || v > LLONG_MAX) {
				set_err("%s:%d: %s: not a number: %s", path,
					lineno, names[i], w);
				goto out;
			}
			*num = v;
		}
		if (a->used > a->total || strlen(a->map) != (size_t)a->total) {
			set_err("%s:%d: used %lld of %lld runs with a map of %zu",
				path, lineno, a->used, a->total,
				strlen(a->map));
			goto out;
		}
		/* The pool: the line up to the first of the other columns. */
		a->pool = xstrdup(line);
		if (!a->pool)
			goto out;
		end = a->pool + (words[first] - copy);
		while (end > a->pool && end[-1] == ' ')
			end--;
		*end = '\0';
	}
	if (ferror(f)) {
		set_err("%s: %s", path, strerror(errno));
		goto out;
	}
	ret = 0;
out:
	if (ret) {
		arenas_free(ar, n_ar);
		ar = NULL;
		n_ar = 0;
	}
	*arenas = ar;
	*narenas = n_ar;
	free(copy);
	free(hdr);
	free(line);
	fclose(f);
	return ret;
}

static void callers_free(struct callers *cs)
{
	size_t i;

	for (i = 0; i < cs->n; i++)
		free(cs->rows[i].site);
	free(cs->rows);
	cs->rows = NULL;
	cs->n = 0;
}

/* The site is the last column and runs to the end of the line. */
int callers_parse(const char *path, struct callers *cs)
{
	char *line = NULL, *hdr = NULL, *names[MAX_COLS + 1];
	char *words[MAX_COLS + 1], *copy = NULL;
	int ncols, n, i, i_bytes, i_blocks, i_allocs, lineno = 1, ret = -1;
	size_t cap = 0, hcap = 0;
	unsigned long long *num;
	struct caller *c;
	FILE *f;

	cs->rows = NULL;
	cs->n = 0;
	cs->present = false;
	f = open_file(path);
	if (!f)
		return -1;
	ncols = header_read(f, path, &hdr, &hcap, names);
	if (ncols < 0)
		goto out;
	i_bytes = col_index(names, ncols, "bytes");
	i_blocks = col_index(names, ncols, "blocks");
	i_allocs = col_index(names, ncols, "allocs");
	if (col_index(names, ncols, "site") != ncols - 1 || i_bytes < 0 ||
	    i_blocks < 0 || i_allocs < 0) {
		set_err("%s:1: the header is not \"bytes blocks allocs ... site\"",
			path);
		goto out;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		if (chomp(line))
			continue;
		free(copy);
		copy = xstrdup(line);
		if (!copy)
			goto out;
		n = split_words(copy, words, MAX_COLS);
		if (n < ncols || n > MAX_COLS) {
			set_err("%s:%d: fewer columns than the header's %d",
				path, lineno, ncols);
			goto out;
		}
		c = xrealloc(cs->rows, cs->n + 1, sizeof(*c));
		if (!c)
			goto out;
		cs->rows = c;
		c = &cs->rows[cs->n];
		memset(c, 0, sizeof(*c));
		cs->n++;
		for (i = 0; i < ncols - 1; i++) {
			num = i == i_bytes ? &c->bytes : i == i_blocks ?
			      &c->blocks : i == i_allocs ? &c->allocs : NULL;
			if (num && parse_ull(words[i], num)) {
				set_err("%s:%d: %s: not a number: %s", path,
					lineno, names[i], words[i]);
				goto out;
			}
		}
		c->site = xstrdup(line + (words[ncols - 1] - copy));
		if (!c->site)
			goto out;
	}
	if (ferror(f)) {
		set_err("%s: %s", path, strerror(errno));
		goto out;
	}
	cs->present = true;
	ret = 0;
out:
	if (ret)
		callers_free(cs);
	free(copy);
	free(hdr);
	free(line);
	fclose(f);
	return ret;
}

static int validate_parse(const char *path, long long *val)
{
	char buf[64];
	FILE *f;
	int ret = -1;

	f = open_file(path);
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		set_err("%s: empty", path);
		goto out;
	}
	chomp(buf);
	if (parse_ll(buf, val)) {
		set_err("%s: not a number: %s", path, buf);
		goto out;
	}
	ret = 0;
out:
	fclose(f);
	return ret;
}

static void statset_free(struct statset *st)
{
	size_t i;

	for (i = 0; i < st->n; i++)
		free(st->kv[i].key);
	free(st->kv);
	st->kv = NULL;
	st->n = 0;
}

static bool exists(const char *path)
{
	FILE *f = fopen(path, "r");

	if (!f)
		return false;
	fclose(f);
	return true;
}

static char *path_join(const char *a, const char *b, const char *c)
{
	char *p;

	if (asprintf(&p, "%s/%s%s%s", a, b, c ? "/" : "", c ? c : "") < 0) {
		set_err("out of memory");
		return NULL;
	}
	return p;
}

/* Read @file of @dir (and @sub) with @parse into @out. */
#define READ_INTO(parse, dir, sub, file, ...)			\
	({							\
		char *_p = path_join(dir, sub, file);		\
		int _r = _p ? parse(_p, __VA_ARGS__) : -1;	\
								\
		free(_p);					\
		_r;						\
	})

static int pool_read(const char *root, const char *name,
		     const struct read_opts *opts, struct pool *pool)
{
	char *dir = path_join(root, "pools", name);
	char *p;
	int ret = -1;

	if (!dir)
		return -1;
	pool->name = xstrdup(name);
	if (!pool->name)
		goto out;
	if (READ_INTO(stats_parse, dir, "stats", NULL, &pool->stats) ||
	    READ_INTO(classes_parse, dir, "classes", NULL, &pool->classes))
		goto out;
	/* callers came with the profiler: a module without it has none. */
	p = path_join(dir, "callers", NULL);
	if (!p)
		goto out;
	if (exists(p) && callers_parse(p, &pool->callers)) {
		free(p);
		goto out;
	}
	free(p);
	if (opts->validate) {
		if (READ_INTO(validate_parse, dir, "validate", NULL,
			      &pool->validate))
			goto out;
		pool->has_validate = true;
	}
	ret = 0;
out:
	free(dir);
	return ret;
}

static void pool_free(struct pool *pool)
{
	free(pool->name);
	statset_free(&pool->stats);
	free(pool->classes.rows);
	callers_free(&pool->callers);
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char * const *)a, *(char * const *)b);
}

/* The names under pools/, sorted; @only keeps just that one. */
static int pool_names(const char *root, const char *only, char ***namesp,
		      size_t *np)
{
	char *dir = path_join(root, "pools", NULL);
	char **names = NULL, **nn;
	struct dirent *de;
	size_t n = 0, i;
	int ret = -1;
	DIR *d;

	if (!dir)
		return -1;
	d = opendir(dir);
	if (!d) {
		set_err("%s: %s", dir, strerror(errno));
		free(dir);
		return -1;
	}
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.' &&
		    (!de->d_name[1] || !strcmp(de->d_name, "..")))
			continue;
		if (only && strcmp(de->d_name, only))
			continue;
		nn = xrealloc(names, n + 1, sizeof(*names));
		if (!nn)
			goto out;
		names = nn;
		names[n] = xstrdup(de->d_name);
		if (!names[n])
			goto out;
		n++;
	}
	if (only && !n) {
		set_err("no pool \"%s\" (no %s/%s)", only, dir, only);
		goto out;
	}
	qsort(names, n, sizeof(*names), name_cmp);
	ret = 0;
out:
	if (ret) {
		for (i = 0; i < n; i++)
			free(names[i]);
		free(names);
		names = NULL;
		n = 0;
	}
	*namesp = names;
	*np = n;
	closedir(d);
	free(dir);
	return ret;
}

void snap_free(struct snap *snap)
{
	size_t i;

	statset_free(&snap->stats);
	free(snap->classes.rows);
	arenas_free(snap->arenas, snap->narenas);
	callers_free(&snap->callers);
	for (i = 0; i < snap->npools; i++)
		pool_free(&snap->pools[i]);
	free(snap->pools);
	memset(snap, 0, sizeof(*snap));
}

int snap_read(const char *root, const struct read_opts *opts,
	      struct snap *snap)
{
	char **names = NULL, *p;
	size_t n = 0, i;
	int ret = -1;

	memset(snap, 0, sizeof(*snap));
	if (READ_INTO(stats_parse, root, "stats", NULL, &snap->stats) ||
	    READ_INTO(classes_parse, root, "classes", NULL, &snap->classes) ||
	    READ_INTO(arenas_parse, root, "arenas", NULL, &snap->arenas,
		      &snap->narenas))
		goto out;
	p = path_join(root, "callers", NULL);
	if (!p)
		goto out;
	if (exists(p) && callers_parse(p, &snap->callers)) {
		free(p);
		goto out;
	}
	free(p);
	if (pool_names(root, opts->only_pool, &names, &n))
		goto out;
	snap->pools = calloc(n ? n : 1, sizeof(*snap->pools));
	if (!snap->pools) {
		set_err("out of memory");
		goto out;
	}
	for (i = 0; i < n; i++) {
		struct pool *pool = &snap->pools[snap->npools++];
		bool gone;

		if (!pool_read(root, names[i], opts, pool))
			continue;
		/*
		 * A pool destroyed since readdir() took its directory with
		 * it: not an error for a live view of every pool.
		 */
		p = path_join(root, "pools", names[i]);
		gone = p && access(p, F_OK) && errno == ENOENT;
		free(p);
		if (!gone || opts->only_pool)
			goto out;
		pool_free(pool);
		memset(pool, 0, sizeof(*pool));
		snap->npools--;
	}
	ret = 0;
out:
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	if (ret)
		snap_free(snap);
	return ret;
}
