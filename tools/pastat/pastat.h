/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pastat: a slabtop-like viewer of pool_alloc's debugfs files.
 *
 * parse.c reads one moment of /sys/kernel/debug/pool_alloc/ (or a copy of
 * it) into a struct snap; show.c prints a snap as tables or as one JSON
 * document; pastat.c holds the options and the refresh loop.  Every table
 * is parsed by the names in its header line, so a column the module adds
 * later is skipped, not misread.
 */
#ifndef PASTAT_H
#define PASTAT_H

#include <stdbool.h>
#include <stddef.h>

/* The columns of a classes file that pastat uses, by header name. */
enum class_col {
	COL_CLASS,
	COL_SIZE,
	COL_RUNS,
	COL_USED,
	COL_FREE,
	COL_FULL,
	COL_GE75,
	COL_GE50,
	COL_GE25,
	COL_LT25,
	COL_ALLOCS,
	COL_FREES,
	COL_REQUESTED,
	COL_CACHED,
	COL_COUNT
};

extern const char * const class_col_names[COL_COUNT];

/* One "key: value" line of a stats file, in the file's order. */
struct stat_kv {
	char *key;
	unsigned long long val;
};

struct statset {
	struct stat_kv *kv;
	size_t n;
};

/* One row of a classes file; a column its header lacks reads as 0. */
struct class_row {
	long long v[COL_COUNT];
};

struct classes {
	struct class_row *rows;
	size_t n;
};

/* One line of the arenas file. */
struct arena {
	char *pool;
	long long order, used, total;
	char *map;
};

/* One line of a callers file; "(not profiled)" is a site too. */
struct caller {
	unsigned long long bytes, blocks, allocs;
	char *site;
};

struct callers {
	struct caller *rows;
	size_t n;
	bool present;
};

struct pool {
	char *name;
	struct statset stats;
	struct classes classes;
	struct callers callers;
	long long validate;
	bool has_validate;
};

/* One reading of the whole tree. */
struct snap {
	struct statset stats;
	struct classes classes;
	struct arena *arenas;
	size_t narenas;
	struct callers callers;
	struct pool *pools;
	size_t npools;
};

/* What to read besides the files every view needs. */
struct read_opts {
	const char *only_pool;	/* NULL: every pool */
	bool validate;		/* read pools/<name>/validate */
};

/* parse.c: 0 on success, -1 with the reason in pastat_err. */
extern char pastat_err[512];
void set_err(const char *fmt, ...);
int snap_read(const char *root, const struct read_opts *opts,
	      struct snap *snap);
void snap_free(struct snap *snap);
int stats_parse(const char *path, struct statset *st);
int classes_parse(const char *path, struct classes *cls);
int arenas_parse(const char *path, struct arena **arenas, size_t *n);
int callers_parse(const char *path, struct callers *cs);
bool stat_get(const struct statset *st, const char *key,
	      unsigned long long *val);

/* show.c */
enum sort_key {
	SORT_HELD,
	SORT_NAME,
	SORT_SIZE,
	SORT_USED,
	SORT_FREE,
	SORT_RUNS,
	SORT_REQUESTED,
	SORT_WASTE,
	SORT_USE,
	SORT_COUNT
};

extern const char * const sort_key_names[SORT_COUNT];

struct show_opts {
	const char *root;
	const char *only_pool;
	enum sort_key sort;
	bool validate;
};

int show_tables(const struct snap *snap, const struct show_opts *opts);
int show_json(const struct snap *snap, const struct show_opts *opts);

#endif /* PASTAT_H */
