/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: CPUs, preemption, interrupts, per-CPU data and locks.
 *
 * A thread acts as one of SHIM_NR_CPUS CPUs (shim_ctx.cpu): the harness
 * gives each thread a CPU, or one thread switches between them to replay
 * an interleaving.  Preemption, interrupts and NMI are counters in the
 * thread (shim_ctx), so in_nmi(), preemptible() and the lockdep assertions
 * say what they say in the kernel.  Once a second thread has entered,
 * "preemption disabled" also holds the CPU's mutex (shim/cpu.c), so no two
 * threads ever run the same CPU's preempt-disabled code at once: what a CPU
 * does with preemption disabled is not interleaved with another task on the
 * same CPU, exactly the guarantee per-CPU data relies on.  A cross-CPU call
 * (on_each_cpu) takes the target CPU's mutex and runs as that CPU.
 *
 * Per-CPU variables live in the "pa_percpu" section, a template copied for
 * every CPU at start; a per-CPU pointer is an address in the template and
 * shim_percpu_offset[cpu] moves it to a CPU's copy, as __per_cpu_offset does.
 */
#ifndef _SHIM_CPU_H
#define _SHIM_CPU_H

#include <pthread.h>
#include "printk.h"
#include "atomic.h"

#define SHIM_NR_CPUS	8
#define NR_CPUS		SHIM_NR_CPUS
#define HZ		250

struct shim_ctx {
	int cpu;		/* the CPU this thread acts as */
	int preempt;		/* preempt_disable() depth */
	int irqs_off;		/* local_irq_save() depth */
	int hardirq, softirq, nmi;
	int tid;		/* lock owner id, never 0 */
	pthread_mutex_t *held;	/* the CPU mutex held while preempt > 0 */
};

extern __thread struct shim_ctx shim_ctx;
extern bool shim_cpu_locking;
extern unsigned long shim_percpu_offset[SHIM_NR_CPUS];
extern unsigned int nr_cpu_ids;

void shim_cpu_lock(void);
void shim_cpu_unlock(void);
void shim_lockdep_fail(const char *file, int line, const char *what);

/* ---- Preemption and interrupts -------------------------------------- */

static __always_inline void preempt_disable(void)
{
	if (shim_ctx.preempt++ == 0 && shim_cpu_locking)
		shim_cpu_lock();
	barrier();
}

static __always_inline void preempt_enable(void)
{
	barrier();
	if (--shim_ctx.preempt == 0 && shim_ctx.held)
		shim_cpu_unlock();
}

#define preempt_enable_no_resched()	preempt_enable()
#define preempt_count()		(shim_ctx.preempt)
#define in_nmi()		(shim_ctx.nmi)
#define in_hardirq()		(shim_ctx.hardirq)
#define in_irq()		in_hardirq()
#define in_softirq()		(shim_ctx.softirq)
#define in_serving_softirq()	in_softirq()
#define in_interrupt()		(in_nmi() || in_hardirq() || in_softirq())
#define in_task()		(!in_interrupt())
#define irqs_disabled()		(shim_ctx.irqs_off > 0)
#define preemptible()		(shim_ctx.preempt == 0 && !irqs_disabled())
#define in_atomic()		(shim_ctx.preempt != 0)

#define local_irq_save(flags)						\
	do {								\
		(flags) = 0;						\
		shim_ctx.irqs_off++;					\
		preempt_disable();					\
	} while (0)
#define local_irq_restore(flags)					\
	do {								\
		(void)(flags);						\
		preempt_enable();					\
		shim_ctx.irqs_off--;					\
	} while (0)
#define local_irq_disable()	do { shim_ctx.irqs_off++; preempt_disable(); } while (0)
#define local_irq_enable()	do { preempt_enable(); shim_ctx.irqs_off--; } while (0)
#define local_bh_disable()	preempt_disable()
#define local_bh_enable()	preempt_enable()

/*
 * The bench build is a stock kernel's: no lockdep, no atomic-sleep
 * debugging, so their checks cost nothing there.
 */
#ifdef SHIM_NO_DEBUG
#define shim_lockdep_check(cond, what)	do { } while (0)
#else
#define shim_lockdep_check(cond, what)					\
	do {								\
		if (unlikely(!(cond)))					\
			shim_lockdep_fail(__FILE__, __LINE__, what);	\
	} while (0)
#endif
#define might_sleep()							\
	shim_lockdep_check(preemptible(), "sleeping function called from invalid context")
#define might_sleep_if(cond)	do { if (cond) might_sleep(); } while (0)
#define cond_resched()		({ might_sleep(); 0; })
#define lockdep_assert_preemption_disabled() \
	shim_lockdep_check(!preemptible(), "preemption enabled")
#define lockdep_assert_irqs_disabled() \
	shim_lockdep_check(irqs_disabled(), "interrupts enabled")
#define lockdep_assert_irqs_enabled() \
	shim_lockdep_check(!irqs_disabled(), "interrupts disabled")
#define lockdep_assert_in_softirq()	do { } while (0)

/* ---- CPUs ------------------------------------------------------------ */

struct cpumask {
	unsigned long bits[BITS_TO_LONGS(SHIM_NR_CPUS)];
};

extern struct cpumask shim_cpu_online_mask;
#define cpu_online_mask		((const struct cpumask *)&shim_cpu_online_mask)
#define cpu_possible_mask	((const struct cpumask *)&shim_cpu_online_mask)
#define cpumask_test_cpu(cpu, m) (((m)->bits[0] >> (cpu)) & 1)
#define cpu_online(cpu)		cpumask_test_cpu(cpu, cpu_online_mask)
#define cpu_possible(cpu)	((unsigned int)(cpu) < nr_cpu_ids)
#define smp_processor_id()	(shim_ctx.cpu)
#define raw_smp_processor_id()	(shim_ctx.cpu)
#define get_cpu()		({ preempt_disable(); smp_processor_id(); })
#define put_cpu()		preempt_enable()
#define for_each_possible_cpu(cpu) \
	for ((cpu) = 0; (cpu) < (int)nr_cpu_ids; (cpu)++)
int shim_next_online(int cpu);
#define for_each_online_cpu(cpu)					\
	for ((cpu) = shim_next_online(-1); (cpu) < (int)nr_cpu_ids;	\
	     (cpu) = shim_next_online(cpu))
#define for_each_present_cpu(cpu)	for_each_possible_cpu(cpu)
#define num_possible_cpus()	((int)nr_cpu_ids)
unsigned int num_online_cpus(void);

typedef void (*smp_call_func_t)(void *info);
typedef bool (*smp_cond_func_t)(int cpu, void *info);
void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func,
			   void *info, bool wait, const struct cpumask *mask);
#define on_each_cpu_cond(cond, func, info, wait) \
	on_each_cpu_cond_mask(cond, func, info, wait, cpu_online_mask)
#define on_each_cpu(func, info, wait) \
	on_each_cpu_cond_mask(NULL, func, info, wait, cpu_online_mask)
int smp_call_function_single(int cpu, smp_call_func_t func, void *info,
			     int wait);
void cpus_read_lock(void);
void cpus_read_unlock(void);

/* ---- Per-CPU data ---------------------------------------------------- */

#define DEFINE_PER_CPU(type, name) \
	__attribute__((__section__("pa_percpu"))) __typeof__(type) name
#define DEFINE_PER_CPU_ALIGNED(type, name) \
	DEFINE_PER_CPU(type, name) ____cacheline_aligned
#define DECLARE_PER_CPU(type, name)	extern __typeof__(type) name
#define per_cpu_ptr(ptr, cpu) \
	((__typeof__(ptr))((unsigned long)(ptr) + shim_percpu_offset[cpu]))
#define this_cpu_ptr(ptr)	per_cpu_ptr(ptr, smp_processor_id())
#define raw_cpu_ptr(ptr)	this_cpu_ptr(ptr)
#define get_cpu_ptr(ptr)	({ preempt_disable(); this_cpu_ptr(ptr); })
#define put_cpu_ptr(ptr)	do { (void)(ptr); preempt_enable(); } while (0)
#define per_cpu(var, cpu)	(*per_cpu_ptr(&(var), cpu))
#define this_cpu_read(var)	(*this_cpu_ptr(&(var)))
#define this_cpu_write(var, v)	(*this_cpu_ptr(&(var)) = (v))
#define this_cpu_add(var, v)	(*this_cpu_ptr(&(var)) += (v))
#define this_cpu_inc(var)	this_cpu_add(var, 1)
#define this_cpu_dec(var)	this_cpu_add(var, -1)
#define __this_cpu_read(var)	this_cpu_read(var)
#define __this_cpu_write(var, v) this_cpu_write(var, v)
#define __this_cpu_inc(var)	this_cpu_inc(var)

void __percpu *__alloc_percpu(size_t size, size_t align);
#define __alloc_percpu_gfp(size, align, gfp)	__alloc_percpu(size, align)
#define alloc_percpu(type) \
	((__typeof__(type) __percpu *)__alloc_percpu(sizeof(type), __alignof__(type)))
#define alloc_percpu_gfp(type, gfp)	alloc_percpu(type)
void free_percpu(void __percpu *p);

/* ---- Locks ----------------------------------------------------------- */

typedef struct spinlock {
	pthread_mutex_t m;
	int owner;
} spinlock_t;
typedef spinlock_t raw_spinlock_t;

struct mutex {
	pthread_mutex_t m;
	int owner;
};

#define __SPIN_LOCK_UNLOCKED(name)	{ PTHREAD_MUTEX_INITIALIZER, 0 }
#define DEFINE_SPINLOCK(name)	spinlock_t name = __SPIN_LOCK_UNLOCKED(name)
#define DEFINE_RAW_SPINLOCK(name) DEFINE_SPINLOCK(name)
#define DEFINE_MUTEX(name)	struct mutex name = { PTHREAD_MUTEX_INITIALIZER, 0 }

static inline void shim_lock_init(pthread_mutex_t *m, int *owner)
{
	pthread_mutex_init(m, NULL);
	*owner = 0;
}

#define spin_lock_init(l)	shim_lock_init(&(l)->m, &(l)->owner)
#define raw_spin_lock_init(l)	spin_lock_init(l)
#define mutex_init(l)		shim_lock_init(&(l)->m, &(l)->owner)
#define mutex_destroy(l)	pthread_mutex_destroy(&(l)->m)

static inline void shim_acquire(pthread_mutex_t *m, int *owner)
{
	pthread_mutex_lock(m);
	*owner = shim_ctx.tid;
}

static inline bool shim_try_acquire(pthread_mutex_t *m, int *owner)
{
	if (pthread_mutex_trylock(m))
		return false;
	*owner = shim_ctx.tid;
	return true;
}

static inline void shim_release(pthread_mutex_t *m, int *owner)
{
	*owner = 0;
	pthread_mutex_unlock(m);
}

static inline void spin_lock(spinlock_t *l)
{
	preempt_disable();
	shim_acquire(&l->m, &l->owner);
}

static inline void spin_unlock(spinlock_t *l)
{
	shim_release(&l->m, &l->owner);
	preempt_enable();
}

static inline int spin_trylock(spinlock_t *l)
{
	preempt_disable();
	if (shim_try_acquire(&l->m, &l->owner))
		return 1;
	preempt_enable();
	return 0;
}

/*
 * As the kernel's: the lock disables preemption on top of what turning
 * interrupts off counts, so that any pairing balances, as in
 * local_irq_save(); spin_lock(); ... spin_unlock_irqrestore().
 */
#define spin_lock_irqsave(l, flags)					\
	do {								\
		local_irq_save(flags);					\
		spin_lock(l);						\
	} while (0)
#define spin_unlock_irqrestore(l, flags)				\
	do {								\
		spin_unlock(l);						\
		local_irq_restore(flags);				\
	} while (0)
#define spin_lock_irq(l)	do { local_irq_disable(); spin_lock(l); } while (0)
#define spin_unlock_irq(l)	do { spin_unlock(l); local_irq_enable(); } while (0)
#define spin_lock_bh(l)		spin_lock(l)
#define spin_unlock_bh(l)	spin_unlock(l)
#define raw_spin_lock(l)	spin_lock(l)
#define raw_spin_unlock(l)	spin_unlock(l)
#define raw_spin_lock_irqsave(l, f)	spin_lock_irqsave(l, f)
#define raw_spin_unlock_irqrestore(l, f) spin_unlock_irqrestore(l, f)

static inline void mutex_lock(struct mutex *l)
{
	might_sleep();
	shim_acquire(&l->m, &l->owner);
}

static inline int mutex_trylock(struct mutex *l)
{
	return shim_try_acquire(&l->m, &l->owner);
}

static inline void mutex_unlock(struct mutex *l)
{
	shim_lockdep_check(l->owner == shim_ctx.tid, "mutex unlocked by another task");
	shim_release(&l->m, &l->owner);
}

#define mutex_is_locked(l)	(READ_ONCE((l)->owner) != 0)
#define lockdep_is_held(l)	(READ_ONCE((l)->owner) == shim_ctx.tid)
#define lockdep_assert_held(l)	shim_lockdep_check(lockdep_is_held(l), "lock not held: " #l)
#define lockdep_assert_not_held(l) shim_lockdep_check(!lockdep_is_held(l), "lock held: " #l)
#define assert_spin_locked(l)	lockdep_assert_held(l)

#endif /* _SHIM_CPU_H */
