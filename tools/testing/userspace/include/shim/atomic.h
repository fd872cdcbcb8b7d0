/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: atomics and barriers on the compiler's __atomic builtins,
 * with the kernel's ordering (value-returning RMW operations are fully
 * ordered, the others relaxed).  x86-64 only, as the module is.
 */
#ifndef _SHIM_ATOMIC_H
#define _SHIM_ATOMIC_H

#include "types.h"

typedef struct { int counter; } atomic_t;
typedef struct { s64 counter; } atomic64_t;
typedef struct { long counter; } atomic_long_t;
#define ATOMIC_INIT(i)		{ (i) }
#define ATOMIC64_INIT(i)	{ (i) }
#define ATOMIC_LONG_INIT(i)	{ (i) }

#define smp_mb()		__atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_rmb()		__atomic_thread_fence(__ATOMIC_ACQUIRE)
#define smp_wmb()		__atomic_thread_fence(__ATOMIC_RELEASE)
#define mb()			smp_mb()
#define rmb()			smp_rmb()
#define wmb()			smp_wmb()
#define smp_mb__before_atomic()	barrier()
#define smp_mb__after_atomic()	barrier()
#define smp_store_release(p, v)	__atomic_store_n(p, v, __ATOMIC_RELEASE)
#define smp_load_acquire(p)	__atomic_load_n(p, __ATOMIC_ACQUIRE)
#define smp_store_mb(v, val)	__atomic_store_n(&(v), val, __ATOMIC_SEQ_CST)

#define xchg(p, v)		__atomic_exchange_n(p, v, __ATOMIC_SEQ_CST)
#define cmpxchg(p, o, n) ({						\
	__typeof__(*(p)) __old = (o);					\
	__atomic_compare_exchange_n(p, &__old, n, false,		\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); \
	__old;								\
})
#define try_cmpxchg(p, po, n)						\
	__atomic_compare_exchange_n(p, po, n, false,			\
				    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)

#define __SHIM_ATOMIC_OPS(pfx, T, V)					\
static inline V pfx##_read(const T *v)					\
{									\
	return __atomic_load_n(&v->counter, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_set(T *v, V i)					\
{									\
	__atomic_store_n(&v->counter, i, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_add(V i, T *v)					\
{									\
	__atomic_fetch_add(&v->counter, i, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_sub(V i, T *v)					\
{									\
	__atomic_fetch_sub(&v->counter, i, __ATOMIC_RELAXED);		\
}									\
static inline void pfx##_inc(T *v)					\
{									\
	pfx##_add(1, v);						\
}									\
static inline void pfx##_dec(T *v)					\
{									\
	pfx##_sub(1, v);						\
}									\
static inline V pfx##_add_return(V i, T *v)				\
{									\
	return __atomic_add_fetch(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline V pfx##_sub_return(V i, T *v)				\
{									\
	return __atomic_sub_fetch(&v->counter, i, __ATOMIC_SEQ_CST);	\
}									\
static inline V pfx##_inc_return(T *v)					\
{									\
	return pfx##_add_return(1, v);					\
}									\
static inline V pfx##_dec_return(T *v)					\
{									\
	return pfx##_sub_return(1, v);					\
}									\
static inline bool pfx##_dec_and_test(T *v)				\
{									\
	return pfx##_sub_return(1, v) == 0;				\
}									\
static inline bool pfx##_inc_and_test(T *v)				\
{									\
	return pfx##_add_return(1, v) == 0;				\
}									\
static inline V pfx##_xchg(T *v, V n)					\
{									\
	return xchg(&v->counter, n);					\
}									\
static inline V pfx##_cmpxchg(T *v, V o, V n)				\
{									\
	return cmpxchg(&v->counter, o, n);				\
}									\
static inline bool pfx##_try_cmpxchg(T *v, V *o, V n)			\
{									\
	return try_cmpxchg(&v->counter, o, n);				\
}

__SHIM_ATOMIC_OPS(atomic, atomic_t, int)
__SHIM_ATOMIC_OPS(atomic64, atomic64_t, s64)
__SHIM_ATOMIC_OPS(atomic_long, atomic_long_t, long)

#endif /* _SHIM_ATOMIC_H */
