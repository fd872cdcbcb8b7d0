/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: compiler attributes, sparse annotations, config switches.
 * Everything the kernel's compiler*.h and kconfig.h give the core, mapped
 * onto plain GCC/clang C.
 */
#ifndef _SHIM_COMPILER_H
#define _SHIM_COMPILER_H

#undef __always_inline
#define __always_inline		inline __attribute__((__always_inline__))
#define noinline		__attribute__((__noinline__))
#define __cold			__attribute__((__cold__))
#define __maybe_unused		__attribute__((__unused__))
#define __always_unused		__attribute__((__unused__))
#define __used			__attribute__((__used__))
#define __must_check		__attribute__((__warn_unused_result__))
#define __printf(a, b)		__attribute__((__format__(printf, a, b)))
#define __aligned(x)		__attribute__((__aligned__(x)))
#define __packed		__attribute__((__packed__))
#define __noreturn		__attribute__((__noreturn__))
#define __section(s)		__attribute__((__section__(s)))
#define fallthrough		__attribute__((__fallthrough__))

/* Sparse's address spaces and lock annotations: nothing to a compiler. */
#define __rcu
#define __percpu
#define __user
#define __iomem
#define __bitwise
#define __force
#define __acquires(x)
#define __releases(x)
#define __must_hold(x)
#define __cond_acquires(x)

/* Sections of a module's image: one image here, never discarded. */
#define __init
#define __exit
#define __initdata
#define __read_mostly
#define __ro_after_init
#define SMP_CACHE_BYTES		64
#define ____cacheline_aligned	__aligned(SMP_CACHE_BYTES)
#define ____cacheline_aligned_in_smp ____cacheline_aligned
#define __cacheline_aligned	____cacheline_aligned
#define __cacheline_aligned_in_smp ____cacheline_aligned

#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define barrier()		__asm__ __volatile__("" : : : "memory")
#define data_race(expr)		(expr)
#define READ_ONCE(x)		(*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, val)	(*(volatile __typeof__(x) *)&(x) = (val))
#define __is_constexpr(x)	__builtin_constant_p(x)

/* The kernel's static_assert, whose message is optional. */
#undef static_assert
#define static_assert(expr, ...) __shim_static_assert(expr, ##__VA_ARGS__, #expr)
#define __shim_static_assert(expr, msg, ...) _Static_assert(expr, msg)
#define BUILD_BUG_ON(cond)	((void)sizeof(char[1 - 2 * !!(cond)]))
#define BUILD_BUG_ON_ZERO(e)	((int)(sizeof(struct { int:(-!!(e)); })))

/* kconfig.h: IS_ENABLED(CONFIG_X) is 1 when CONFIG_X is defined to 1. */
#define __SHIM_ARG_PLACEHOLDER_1	0,
#define __shim_take_second(ignored, val, ...) val
#define __shim_is_defined(x)		___shim_is_defined(x)
#define ___shim_is_defined(val)		____shim_is_defined(__SHIM_ARG_PLACEHOLDER_##val)
#define ____shim_is_defined(arg)	__shim_take_second(arg 1, 0, 0)
#define IS_ENABLED(option)		__shim_is_defined(option)
#define IS_BUILTIN(option)		__shim_is_defined(option)

#define __stringify_1(x...)	#x
#define __stringify(x...)	__stringify_1(x)

#define _RET_IP_		((unsigned long)__builtin_return_address(0))
#define _THIS_IP_		({ __label__ __here; __here: (unsigned long)&&__here; })

#define KBUILD_MODNAME		"pool_alloc"

#endif /* _SHIM_COMPILER_H */
