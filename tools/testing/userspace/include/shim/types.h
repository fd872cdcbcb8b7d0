/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the kernel's integer types, errors, and the arithmetic
 * helpers of kernel.h, math.h, log2.h, bitops.h and overflow.h.
 */
#ifndef _SHIM_TYPES_H
#define _SHIM_TYPES_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <limits.h>
#include <errno.h>
#include <sys/types.h>
#include "compiler.h"

typedef uint8_t u8;
typedef uint16_t u16;
typedef uint32_t u32;
typedef unsigned long long u64;
typedef int8_t s8;
typedef int16_t s16;
typedef int32_t s32;
typedef long long s64;
typedef u8 __u8;
typedef u16 __u16;
typedef u32 __u32;
typedef u64 __u64;
typedef unsigned int gfp_t;
typedef u64 phys_addr_t;
typedef unsigned short umode_t;

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)
#define S64_MAX		((s64)(U64_MAX >> 1))
#define SIZE_MAX_SHIM	(~(size_t)0)

#define SZ_1K		0x400
#define SZ_2K		0x800
#define SZ_4K		0x1000
#define SZ_8K		0x2000
#define SZ_16K		0x4000
#define SZ_32K		0x8000
#define SZ_64K		0x10000
#define SZ_1M		0x100000
#define SZ_2M		0x200000

#define BITS_PER_LONG	64
#define BITS_PER_BYTE	8
#define BIT(nr)		(1UL << (nr))
#define BIT_ULL(nr)	(1ULL << (nr))
#define BITS_TO_LONGS(n) (((n) + BITS_PER_LONG - 1) / BITS_PER_LONG)
#define GENMASK(h, l)	(((~0UL) << (l)) & (~0UL >> (BITS_PER_LONG - 1 - (h))))

#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define typeof_member(T, m)	__typeof__(((T *)0)->m)
#define sizeof_field(T, m)	sizeof(((T *)0)->m)

#define min(a, b)	((a) < (b) ? (a) : (b))
#define max(a, b)	((a) > (b) ? (a) : (b))
#define min_t(t, a, b)	((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)	((t)(a) > (t)(b) ? (t)(a) : (t)(b))
#define clamp(v, lo, hi) min(max(v, lo), hi)
#define clamp_t(t, v, lo, hi) min_t(t, max_t(t, v, lo), hi)
#define clamp_val(v, lo, hi) clamp_t(__typeof__(v), v, lo, hi)
#define swap(a, b) \
	do { __typeof__(a) __tmp = (a); (a) = (b); (b) = __tmp; } while (0)

#define __round_mask(x, y)	((__typeof__(x))((y) - 1))
#define round_up(x, y)		((((x) - 1) | __round_mask(x, y)) + 1)
#define round_down(x, y)	((x) & ~__round_mask(x, y))
#define ALIGN(x, a)		(((x) + ((__typeof__(x))(a) - 1)) & ~((__typeof__(x))(a) - 1))
#define ALIGN_DOWN(x, a)	round_down(x, a)
#define IS_ALIGNED(x, a)	(((x) & ((__typeof__(x))(a) - 1)) == 0)
#define PTR_ALIGN(p, a)		((__typeof__(p))ALIGN((unsigned long)(p), (a)))
#define DIV_ROUND_UP(n, d)	(((n) + (d) - 1) / (d))
#define DIV_ROUND_UP_ULL(n, d)	DIV_ROUND_UP((unsigned long long)(n), (d))
#define roundup(x, y)		((((x) + ((y) - 1)) / (y)) * (y))

static inline int fls(unsigned int x)
{
	return x ? 32 - __builtin_clz(x) : 0;
}

static inline int fls64(u64 x)
{
	return x ? 64 - __builtin_clzll(x) : 0;
}

static inline int fls_long(unsigned long x)
{
	return fls64(x);
}

static inline unsigned long __ffs(unsigned long x)
{
	return __builtin_ctzl(x);
}

static inline unsigned long __fls(unsigned long x)
{
	return 63 - __builtin_clzl(x);
}

static inline int ffs_shim(int x)
{
	return __builtin_ffs(x);
}

/* log2.h: constant-folded for static_assert, a bit scan otherwise. */
#define __shim_const_ilog2(n) (			\
	(n) & (1ULL << 63) ? 63 : (n) & (1ULL << 62) ? 62 :		\
	(n) & (1ULL << 61) ? 61 : (n) & (1ULL << 60) ? 60 :		\
	(n) & (1ULL << 59) ? 59 : (n) & (1ULL << 58) ? 58 :		\
	(n) & (1ULL << 57) ? 57 : (n) & (1ULL << 56) ? 56 :		\
	(n) & (1ULL << 55) ? 55 : (n) & (1ULL << 54) ? 54 :		\
	(n) & (1ULL << 53) ? 53 : (n) & (1ULL << 52) ? 52 :		\
	(n) & (1ULL << 51) ? 51 : (n) & (1ULL << 50) ? 50 :		\
	(n) & (1ULL << 49) ? 49 : (n) & (1ULL << 48) ? 48 :		\
	(n) & (1ULL << 47) ? 47 : (n) & (1ULL << 46) ? 46 :		\
	(n) & (1ULL << 45) ? 45 : (n) & (1ULL << 44) ? 44 :		\
	(n) & (1ULL << 43) ? 43 : (n) & (1ULL << 42) ? 42 :		\
	(n) & (1ULL << 41) ? 41 : (n) & (1ULL << 40) ? 40 :		\
	(n) & (1ULL << 39) ? 39 : (n) & (1ULL << 38) ? 38 :		\
	(n) & (1ULL << 37) ? 37 : (n) & (1ULL << 36) ? 36 :		\
	(n) & (1ULL << 35) ? 35 : (n) & (1ULL << 34) ? 34 :		\
	(n) & (1ULL << 33) ? 33 : (n) & (1ULL << 32) ? 32 :		\
	(n) & (1ULL << 31) ? 31 : (n) & (1ULL << 30) ? 30 :		\
	(n) & (1ULL << 29) ? 29 : (n) & (1ULL << 28) ? 28 :		\
	(n) & (1ULL << 27) ? 27 : (n) & (1ULL << 26) ? 26 :		\
	(n) & (1ULL << 25) ? 25 : (n) & (1ULL << 24) ? 24 :		\
	(n) & (1ULL << 23) ? 23 : (n) & (1ULL << 22) ? 22 :		\
	(n) & (1ULL << 21) ? 21 : (n) & (1ULL << 20) ? 20 :		\
	(n) & (1ULL << 19) ? 19 : (n) & (1ULL << 18) ? 18 :		\
	(n) & (1ULL << 17) ? 17 : (n) & (1ULL << 16) ? 16 :		\
	(n) & (1ULL << 15) ? 15 : (n) & (1ULL << 14) ? 14 :		\
	(n) & (1ULL << 13) ? 13 : (n) & (1ULL << 12) ? 12 :		\
	(n) & (1ULL << 11) ? 11 : (n) & (1ULL << 10) ? 10 :		\
	(n) & (1ULL << 9) ? 9 : (n) & (1ULL << 8) ? 8 :			\
	(n) & (1ULL << 7) ? 7 : (n) & (1ULL << 6) ? 6 :			\
	(n) & (1ULL << 5) ? 5 : (n) & (1ULL << 4) ? 4 :			\
	(n) & (1ULL << 3) ? 3 : (n) & (1ULL << 2) ? 2 :			\
	(n) & (1ULL << 1) ? 1 : 0)
#define ilog2(n) (__builtin_constant_p(n) ? __shim_const_ilog2((u64)(n)) : \
		  (fls64((u64)(n)) - 1))
#define is_power_of_2(n)	((n) != 0 && (((n) & ((n) - 1)) == 0))
#define roundup_pow_of_two(n)	((n) <= 1 ? 1UL : 1UL << fls_long((n) - 1))
#define rounddown_pow_of_two(n)	(1UL << (fls_long(n) - 1))
#define order_base_2(n)		((n) > 1 ? ilog2((n) - 1) + 1 : 0)

/* overflow.h */
#define check_add_overflow(a, b, d)	__builtin_add_overflow(a, b, d)
#define check_sub_overflow(a, b, d)	__builtin_sub_overflow(a, b, d)
#define check_mul_overflow(a, b, d)	__builtin_mul_overflow(a, b, d)
static inline size_t size_mul(size_t a, size_t b)
{
	size_t r;

	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static inline size_t size_add(size_t a, size_t b)
{
	size_t r;

	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

#define array_size(a, b)	size_mul(a, b)
#define struct_size(p, member, count) \
	size_add(sizeof(*(p)), size_mul(sizeof(*(p)->member), count))
#define struct_size_t(type, member, count) \
	size_add(sizeof(type), size_mul(sizeof(((type *)0)->member[0]), count))
#define flex_array_size(p, member, count) \
	size_mul(sizeof(*(p)->member), count)

/* err.h */
#define MAX_ERRNO	4095
#define IS_ERR_VALUE(x)	unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)
static inline void *ERR_PTR(long error)
{
	return (void *)error;
}

static inline long PTR_ERR(const void *ptr)
{
	return (long)ptr;
}

static inline bool IS_ERR(const void *ptr)
{
	return IS_ERR_VALUE((unsigned long)ptr);
}

static inline bool IS_ERR_OR_NULL(const void *ptr)
{
	return !ptr || IS_ERR_VALUE((unsigned long)ptr);
}

/* Kernel-only error numbers. */
#define ENOTSUPP	524

#endif /* _SHIM_TYPES_H */
