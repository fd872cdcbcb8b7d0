/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: RCU and SRCU.
 *
 * The model is non-preemptible RCU: a read-side section is a section with
 * preemption disabled (rcu_read_lock() is preempt_disable()), so a grace
 * period has passed once every CPU has been seen outside one.  With one
 * thread that is any moment the thread itself is preemptible; with several,
 * synchronize_rcu() takes and drops every CPU's mutex (shim/cpu.c).
 * Callbacks (call_rcu, kfree_rcu) wait on a queue until the next
 * shim_rcu_process(): from synchronize_rcu(), rcu_barrier(), the harness's
 * work tick, or a call_rcu() made while preemptible once the queue is long.
 * So a callback never runs before a grace period that began after it was
 * queued, and ASan sees every use of an object freed through RCU too early.
 *
 * SRCU readers may sleep: srcu_read_lock() takes a read-write lock for
 * reading, synchronize_srcu() takes it for writing.
 */
#ifndef _SHIM_RCU_H
#define _SHIM_RCU_H

#include "cpu.h"

struct callback_head {
	struct callback_head *next;
	void (*func)(struct callback_head *head);
	void *obj;		/* kvfree_rcu's object, NULL for call_rcu */
};
#define rcu_head callback_head
typedef void (*rcu_callback_t)(struct rcu_head *head);

#define rcu_read_lock()			preempt_disable()
#define rcu_read_unlock()		preempt_enable()
#define rcu_read_lock_sched()		preempt_disable()
#define rcu_read_unlock_sched()		preempt_enable()
#define rcu_read_lock_bh()		preempt_disable()
#define rcu_read_unlock_bh()		preempt_enable()
#define rcu_preempt_depth()		0
#define rcu_read_lock_held()		(!preemptible())

#define rcu_dereference(p)		__atomic_load_n(&(p), __ATOMIC_CONSUME)
#define rcu_dereference_sched(p)	rcu_dereference(p)
#define rcu_dereference_bh(p)		rcu_dereference(p)
#define rcu_dereference_check(p, c)	rcu_dereference(p)
#define rcu_dereference_raw(p)		rcu_dereference(p)
#define rcu_dereference_protected(p, c)	(p)
#define rcu_access_pointer(p)		READ_ONCE(p)
#define rcu_assign_pointer(p, v)	smp_store_release(&(p), v)
#define RCU_INITIALIZER(v)		(v)
#define RCU_INIT_POINTER(p, v)		WRITE_ONCE(p, v)
#define rcu_replace_pointer(rcu_ptr, ptr, c) ({				\
	__typeof__(ptr) __tmp = rcu_dereference_protected(rcu_ptr, c);	\
	rcu_assign_pointer(rcu_ptr, ptr);				\
	__tmp;								\
})

void call_rcu(struct rcu_head *head, rcu_callback_t func);
void synchronize_rcu(void);
void rcu_barrier(void);
void shim_kvfree_rcu(struct rcu_head *head, void *obj);
void shim_rcu_process(void);
#define kfree_rcu(ptr, rhf)	shim_kvfree_rcu(&(ptr)->rhf, (ptr))
#define kvfree_rcu(ptr, rhf)	kfree_rcu(ptr, rhf)
#define kvfree_rcu_mightsleep(ptr)	do { synchronize_rcu(); kvfree(ptr); } while (0)
#define kfree_rcu_mightsleep(ptr)	kvfree_rcu_mightsleep(ptr)
#define synchronize_rcu_expedited()	synchronize_rcu()

struct srcu_struct {
	pthread_rwlock_t lock;
};

#define DEFINE_STATIC_SRCU(name) \
	static struct srcu_struct name = { PTHREAD_RWLOCK_INITIALIZER }
#define DEFINE_SRCU(name) \
	struct srcu_struct name = { PTHREAD_RWLOCK_INITIALIZER }

static inline int srcu_read_lock(struct srcu_struct *ssp)
{
	pthread_rwlock_rdlock(&ssp->lock);
	return 0;
}

static inline void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	(void)idx;
	pthread_rwlock_unlock(&ssp->lock);
}

static inline void synchronize_srcu(struct srcu_struct *ssp)
{
	might_sleep();
	pthread_rwlock_wrlock(&ssp->lock);
	pthread_rwlock_unlock(&ssp->lock);
}

#define srcu_dereference(p, ssp)	rcu_dereference(p)
#define srcu_dereference_check(p, ssp, c) rcu_dereference(p)

#endif /* _SHIM_RCU_H */
