// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim: printk and WARN, library functions, stack traces and the
 * stack depot, fault injection, KASAN on memcheck (include/shim/lib.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include <ctype.h>
#include <execinfo.h>
#include "../include/shim/kernel.h"
#include "shim.h"

bool shim_quiet, shim_abort_on_warn;
unsigned long shim_warnings, shim_log_lines;
void (*shim_log_hook)(const char *line);

/*
 * The kernel's %p extensions (%pS, %ps, %pK...) become a plain %p: copy
 * @fmt into @out without the letters after %p.
 */
static const char *plain_format(const char *fmt, char *out, size_t len)
{
	size_t o = 0;

	while (*fmt && o + 2 < len) {
		out[o++] = *fmt;
		if (fmt[0] == '%' && fmt[1] == '%') {
			out[o++] = '%';
			fmt += 2;
			continue;
		}
		if (fmt[0] == '%') {
			fmt++;
			while (*fmt && strchr("-+ #0123456789.*", *fmt) && o + 2 < len)
				out[o++] = *fmt++;
			if (*fmt == 'p') {
				out[o++] = *fmt++;
				while (isalnum((unsigned char)*fmt))
					fmt++;
			}
			continue;
		}
		fmt++;
	}
	out[o] = '\0';
	return out;
}

int vscnprintf(char *buf, size_t size, const char *fmt, va_list args)
{
	char plain[1024];
	int n;

	if (!size)
		return 0;
	n = vsnprintf(buf, size, plain_format(fmt, plain, sizeof(plain)), args);
	if (n < 0)
		return 0;
	return (size_t)n >= size ? (int)size - 1 : n;
}

int scnprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int shim_log(const char *fmt, ...)
{
	char line[2048];
	const char *text = line;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vscnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	/* The level, KERN_SOH and a digit or 'c', is not printed. */
	if (line[0] == KERN_SOH[0] && line[1])
		text += 2;
	__atomic_fetch_add(&shim_log_lines, 1, __ATOMIC_RELAXED);
	if (shim_log_hook)
		shim_log_hook(text);
	if (!shim_quiet)
		fputs(text, stderr);
	return n;
}

void shim_warn(const char *file, int line, const char *cond)
{
	__atomic_fetch_add(&shim_warnings, 1, __ATOMIC_RELAXED);
	fprintf(stderr, "WARNING: %s:%d: %s\n", file, line, cond);
	if (shim_abort_on_warn)
		abort();
}

void print_hex_dump(const char *level, const char *prefix, int type,
		    int rowsize, int groupsize, const void *buf, size_t len,
		    bool ascii)
{
	const unsigned char *p = buf;
	char row[256];
	size_t i, o;

	while (len) {
		size_t n = min_t(size_t, len, rowsize);

		o = 0;
		for (i = 0; i < n; i++)
			o += scnprintf(row + o, sizeof(row) - o, "%s%02x",
				       i ? " " : "", p[i]);
		shim_log("%s%s%s\n", level, prefix, row);
		p += n;
		len -= n;
	}
}

ssize_t strscpy(char *dst, const char *src, size_t count)
{
	size_t n;

	if (!count)
		return -E2BIG;
	n = strnlen(src, count);
	if (n == count) {
		memcpy(dst, src, count - 1);
		dst[count - 1] = '\0';
		return -E2BIG;
	}
	memcpy(dst, src, n + 1);
	return n;
}

void *memchr_inv(const void *start, int c, size_t bytes)
{
	const unsigned char *p = start;

	for (; bytes; bytes--, p++)
		if (*p != (unsigned char)c)
			return (void *)p;
	return NULL;
}

int __sysfs_match_string(const char * const *array, size_t n, const char *s)
{
	size_t i, len;

	for (i = 0; i < n; i++) {
		if (!array[i])
			continue;
		len = strlen(array[i]);
		/* sysfs values end in a newline when written with echo. */
		if (!strncmp(array[i], s, len) &&
		    (s[len] == '\0' || (s[len] == '\n' && s[len + 1] == '\0')))
			return i;
	}
	return -EINVAL;
}

/* kstrto*(): the whole string, an optional trailing newline, no sign. */
static int parse_ull(const char *s, unsigned int base, unsigned long long *res)
{
	char *end;

	if (!s || !*s || *s == '-' || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	*res = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s || (*end && !(end[0] == '\n' && end[1] == '\0')))
		return -EINVAL;
	return 0;
}

int kstrtoul(const char *s, unsigned int base, unsigned long *res)
{
	unsigned long long v;
	int err = parse_ull(s, base, &v);

	if (!err)
		*res = v;
	return err;
}

int kstrtouint(const char *s, unsigned int base, unsigned int *res)
{
	unsigned long long v;
	int err = parse_ull(s, base, &v);

	if (err)
		return err;
	if (v > UINT_MAX)
		return -ERANGE;
	*res = v;
	return 0;
}

int kstrtoint(const char *s, unsigned int base, int *res)
{
	unsigned long long v;
	bool neg = s && *s == '-';
	int err = parse_ull(neg ? s + 1 : s, base, &v);

	if (err)
		return err;
	if (v > (unsigned long long)INT_MAX + neg)
		return -ERANGE;
	*res = neg ? -(long long)v : (int)v;
	return 0;
}

int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		if (s[1] == 'n' || s[1] == 'N') {
			*res = true;
			return 0;
		}
		if (s[1] == 'f' || s[1] == 'F') {
			*res = false;
			return 0;
		}
	}
	return -EINVAL;
}

static void swap_bytes(void *a, void *b, int size)
{
	char *x = a, *y = b, t;

	while (size--) {
		t = *x;
		*x++ = *y;
		*y++ = t;
	}
}

/* lib/sort.c's contract (not stable, in place), by insertion sort. */
void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *, const void *),
	  void (*swap_func)(void *, void *, int size))
{
	char *b = base;
	size_t i, j;

	if (!swap_func)
		swap_func = swap_bytes;
	for (i = 1; i < num; i++)
		for (j = i; j > 0 && cmp(b + (j - 1) * size, b + j * size) > 0; j--)
			swap_func(b + (j - 1) * size, b + j * size, size);
}

static u64 random_state = 0x9e3779b97f4a7c15ULL;

void shim_random_seed(u64 seed)
{
	random_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

/* xorshift64*: the generator state is shared, updated atomically. */
u64 shim_random(void)
{
	u64 x = __atomic_load_n(&random_state, __ATOMIC_RELAXED), n;

	do {
		n = x;
		n ^= n >> 12;
		n ^= n << 25;
		n ^= n >> 27;
	} while (!__atomic_compare_exchange_n(&random_state, &x, n, false,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return n * 0x2545F4914F6CDD1DULL;
}

/* ---- Stack traces -------------------------------------------------------- */

unsigned int stack_trace_save(unsigned long *store, unsigned int size,
			      unsigned int skipnr)
{
	void *frames[64];
	int n = backtrace(frames, ARRAY_SIZE(frames)), i, o = 0;

	/* This function's own frame, then what the caller skips. */
	for (i = 1 + skipnr; i < n && o < (int)size; i++)
		store[o++] = (unsigned long)frames[i];
	return o;
}

struct depot_record {
	struct depot_record *next;
	unsigned int nr;
	unsigned long entries[];
};

#define DEPOT_MAX	65536
static struct depot_record *depot[DEPOT_MAX];
static unsigned int depot_next = 1;
static pthread_mutex_t depot_lock = PTHREAD_MUTEX_INITIALIZER;

int stack_depot_init(void)
{
	return 0;
}

/* A handle is an index into the records, which are kept forever. */
depot_stack_handle_t stack_depot_save(unsigned long *entries,
				      unsigned int nr_entries, gfp_t gfp)
{
	struct depot_record *r;
	depot_stack_handle_t h;
	unsigned int i;

	pthread_mutex_lock(&depot_lock);
	for (i = 1; i < depot_next; i++)
		if (depot[i]->nr == nr_entries &&
		    !memcmp(depot[i]->entries, entries,
			    nr_entries * sizeof(*entries))) {
			pthread_mutex_unlock(&depot_lock);
			return i;
		}
	h = 0;
	if (depot_next < DEPOT_MAX) {
		r = malloc(sizeof(*r) + nr_entries * sizeof(*entries));
		if (r) {
			r->nr = nr_entries;
			memcpy(r->entries, entries, nr_entries * sizeof(*entries));
			h = depot_next++;
			depot[h] = r;
		}
	}
	pthread_mutex_unlock(&depot_lock);
	return h;
}

void stack_depot_print(depot_stack_handle_t handle)
{
	struct depot_record *r;
	unsigned int i;

	if (!handle || handle >= depot_next)
		return;
	r = depot[handle];
	for (i = 0; i < r->nr; i++)
		shim_log(" %p\n", (void *)r->entries[i]);
}

/* ---- Fault injection ------------------------------------------------------ */

bool should_fail(struct fault_attr *attr, ssize_t size)
{
	if (!READ_ONCE(attr->probability) || !READ_ONCE(attr->times))
		return false;
	if (attr->space > size) {
		attr->space -= size;
		return false;
	}
	if (attr->interval > 1 && ++attr->count % attr->interval)
		return false;
	if (attr->probability < 100 &&
	    get_random_u32_below(100) >= attr->probability)
		return false;
	if (attr->times > 0)
		attr->times--;
	return true;
}

struct dentry *fault_create_debugfs_attr(const char *name,
					 struct dentry *parent,
					 struct fault_attr *attr)
{
	return debugfs_create_dir(name, parent);
}

/* ---- KASAN on memcheck ----------------------------------------------------- */

#ifdef CONFIG_KASAN_GENERIC
#include <valgrind/memcheck.h>

/*
 * KASAN's shadow values: 0 accessible, 1-7 the granule's first N bytes
 * accessible, anything else (redzone, freed) inaccessible.
 */
void kasan_poison(const void *addr, size_t size, u8 value, bool init)
{
	if (value == 0) {
		VALGRIND_MAKE_MEM_DEFINED(addr, size);
	} else if (value < (1 << KASAN_SHADOW_SCALE_SHIFT)) {
		VALGRIND_MAKE_MEM_DEFINED(addr, value);
		VALGRIND_MAKE_MEM_NOACCESS((const char *)addr + value,
					   size - value);
	} else {
		VALGRIND_MAKE_MEM_NOACCESS(addr, size);
	}
}

void kasan_disable_current(void)
{
	VALGRIND_DISABLE_ERROR_REPORTING;
}

void kasan_enable_current(void)
{
	VALGRIND_ENABLE_ERROR_REPORTING;
}
#endif
