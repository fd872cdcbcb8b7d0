// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers of the native suite: stats, fill patterns, the log and debugfs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <valgrind/memcheck.h>
#include "pa_tests.h"

struct pa_stats pa_t_stats(struct pa_pool *pool)
{
	struct pa_stats st;

	pa_pool_stats(pool, &st);
	return st;
}

static unsigned char pattern(size_t i, unsigned int seed)
{
	/* Never 0, so that a zeroed byte is never taken for the pattern. */
	return (unsigned char)((i * 31 + seed * 7) % 251 + 1);
}

void pa_t_fill(void *p, size_t n, unsigned int seed)
{
	unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		b[i] = pattern(i, seed);
}

bool pa_t_filled(const void *p, size_t n, unsigned int seed)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != pattern(i, seed))
			return false;
	return true;
}

bool pa_t_all(const void *p, size_t n, unsigned char byte)
{
	const unsigned char *b = p;
	size_t i;

	for (i = 0; i < n; i++)
		if (b[i] != byte)
			return false;
	return true;
}

static const char *log_needle;
static unsigned long log_matches;

static void log_hook(const char *line)
{
	if (log_needle && strstr(line, log_needle))
		log_matches++;
}

void pa_t_log_count(const char *needle)
{
	log_needle = needle;
	log_matches = 0;
	pa_user_log_hook(log_hook);
}

unsigned long pa_t_log_matches(void)
{
	return log_matches;
}

long long pa_t_debugfs_value(const char *path, const char *key)
{
	/* The stats files are ~25 short lines. */
	static char buf[8192];
	size_t klen = strlen(key);
	const char *line;
	long n;

	n = pa_user_debugfs_read(path, buf, sizeof(buf) - 1);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	for (line = buf; line && *line; line = strchr(line, '\n')) {
		if (*line == '\n')
			line++;
		if (!strncmp(line, key, klen) && line[klen] == ':')
			return strtoll(line + klen + 1, NULL, 10);
	}
	return -1;
}

void pa_t_plant(void *p, unsigned char byte)
{
	VALGRIND_DISABLE_ERROR_REPORTING;
	WRITE_ONCE(*(unsigned char *)p, byte);
	VALGRIND_ENABLE_ERROR_REPORTING;
}

bool pa_t_peek_all(const void *p, size_t n, unsigned char byte)
{
	bool same;

	VALGRIND_DISABLE_ERROR_REPORTING;
	same = pa_t_all(p, n, byte);
	VALGRIND_ENABLE_ERROR_REPORTING;
	return same;
}
