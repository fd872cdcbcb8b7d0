/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the library functions of lib/ the core calls (strings,
 * sort, hashing, randomness, parsing), stack traces and the stack depot,
 * fault injection, and the KASAN and kmemleak hooks.
 *
 * KASAN maps onto valgrind's memcheck when the build defines
 * CONFIG_KASAN_GENERIC (the valgrind build): kasan_poison() makes bytes
 * inaccessible or accessible, and kasan_disable_current() turns memcheck's
 * reports off for the thread, as it turns KASAN's off for the task.  ASan
 * has no per-thread switch for its reports, so the ASan build leaves KASAN
 * out, as a stock kernel does.  kmemleak is left out everywhere.
 */
#ifndef _SHIM_LIB_H
#define _SHIM_LIB_H

#include <string.h>
#include <stdarg.h>
#include "mm.h"

/* string.h, beyond the C library's */
ssize_t strscpy(char *dst, const char *src, size_t count);
void *memchr_inv(const void *start, int c, size_t bytes);
static inline void *memset64(u64 *s, u64 v, size_t count)
{
	u64 *p = s;

	while (count--)
		*p++ = v;
	return s;
}

__printf(3, 4) int scnprintf(char *buf, size_t size, const char *fmt, ...);
int vscnprintf(char *buf, size_t size, const char *fmt, va_list args);
int __sysfs_match_string(const char * const *array, size_t n, const char *s);
#define sysfs_match_string(a, s)	__sysfs_match_string(a, ARRAY_SIZE(a), s)
int kstrtouint(const char *s, unsigned int base, unsigned int *res);
int kstrtoint(const char *s, unsigned int base, int *res);
int kstrtoul(const char *s, unsigned int base, unsigned long *res);
int kstrtobool(const char *s, bool *res);

void sort(void *base, size_t num, size_t size,
	  int (*cmp)(const void *, const void *),
	  void (*swap_func)(void *, void *, int size));

/* swab.h */
#define swab16(x)	__builtin_bswap16(x)
#define swab32(x)	__builtin_bswap32(x)
#define swab64(x)	__builtin_bswap64(x)
#define swab(x)		__builtin_bswap64(x)

/* hash.h: multiplicative hashing by the golden ratio. */
#define GOLDEN_RATIO_32	0x61C88647U
#define GOLDEN_RATIO_64	0x61C8864680B583EBULL
static inline u32 hash_32(u32 val, unsigned int bits)
{
	return (val * GOLDEN_RATIO_32) >> (32 - bits);
}

static inline u32 hash_64(u64 val, unsigned int bits)
{
	return (u32)((val * GOLDEN_RATIO_64) >> (64 - bits));
}

#define hash_long(val, bits)	hash_64(val, bits)
#define hash_ptr(ptr, bits)	hash_64((unsigned long)(ptr), bits)

/*
 * random.h: one xorshift generator for the whole process, seeded by the
 * harness, so that a fuzzer input replays the same shuffles.
 */
u64 shim_random(void);
void shim_random_seed(u64 seed);
#define get_random_u64()	shim_random()
#define get_random_u32()	((u32)shim_random())
#define get_random_long()	((unsigned long)shim_random())
#define get_random_u32_below(n)	((u32)(((shim_random() >> 32) * (u64)(n)) >> 32))

/* bitops.h */
static inline void set_bit(long nr, unsigned long *addr)
{
	__atomic_fetch_or(&addr[nr / BITS_PER_LONG], 1UL << (nr % BITS_PER_LONG),
			  __ATOMIC_RELAXED);
}

static inline void clear_bit(long nr, unsigned long *addr)
{
	__atomic_fetch_and(&addr[nr / BITS_PER_LONG],
			   ~(1UL << (nr % BITS_PER_LONG)), __ATOMIC_RELAXED);
}

static inline bool test_bit(long nr, const unsigned long *addr)
{
	return (READ_ONCE(addr[nr / BITS_PER_LONG]) >> (nr % BITS_PER_LONG)) & 1;
}

static inline bool test_and_clear_bit(long nr, unsigned long *addr)
{
	unsigned long mask = 1UL << (nr % BITS_PER_LONG);

	return __atomic_fetch_and(&addr[nr / BITS_PER_LONG], ~mask,
				  __ATOMIC_SEQ_CST) & mask;
}

static inline bool test_and_set_bit(long nr, unsigned long *addr)
{
	unsigned long mask = 1UL << (nr % BITS_PER_LONG);

	return __atomic_fetch_or(&addr[nr / BITS_PER_LONG], mask,
				 __ATOMIC_SEQ_CST) & mask;
}

#define __set_bit(nr, addr)	set_bit(nr, addr)
#define __clear_bit(nr, addr)	clear_bit(nr, addr)
#define hweight_long(w)		__builtin_popcountl(w)

/* stacktrace.h and stackdepot.h */
typedef u32 depot_stack_handle_t;
unsigned int stack_trace_save(unsigned long *store, unsigned int size,
			      unsigned int skipnr);
depot_stack_handle_t stack_depot_save(unsigned long *entries,
				      unsigned int nr_entries, gfp_t gfp);
void stack_depot_print(depot_stack_handle_t handle);
int stack_depot_init(void);

/* fault-inject.h: should_fail() as the kernel's, without the debugfs knobs. */
struct fault_attr {
	unsigned long probability;	/* percent */
	unsigned long interval;
	long times;
	long space;
	unsigned long count;
};

#define FAULT_ATTR_INITIALIZER	{ .interval = 1, .times = 1 }
#define DECLARE_FAULT_ATTR(name) struct fault_attr name = FAULT_ATTR_INITIALIZER
bool should_fail(struct fault_attr *attr, ssize_t size);
struct dentry *fault_create_debugfs_attr(const char *name,
					 struct dentry *parent,
					 struct fault_attr *attr);

/* kasan.h */
#define KASAN_SHADOW_SCALE_SHIFT	3
#ifdef CONFIG_KASAN_GENERIC
void kasan_poison(const void *addr, size_t size, u8 value, bool init);
void kasan_disable_current(void);
void kasan_enable_current(void);
#else
static inline void kasan_disable_current(void)
{
}

static inline void kasan_enable_current(void)
{
}
#endif

/* kmemleak.h */
#define kmemleak_alloc(p, size, min_count, gfp)	do { } while (0)
#define kmemleak_free(p)			do { } while (0)
#define kmemleak_no_scan(p)			do { } while (0)
#define kmemleak_not_leak(p)			do { } while (0)
#define kmemleak_ignore(p)			do { } while (0)

#endif /* _SHIM_LIB_H */
