/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: work items, delayed work, irq_work and time.
 *
 * Nothing runs behind the caller's back: queued work waits until the
 * harness's tick (pa_user_run_work()), flush_work() or cancel_work_sync().
 * jiffies advance only when the harness says (pa_user_tick()), so delayed
 * work such as the per-CPU reaper fires exactly when a test wants it.  An
 * irq_work runs at the tick as the CPU that queued it, in hard interrupt
 * context (in_hardirq(), preemption disabled).
 */
#ifndef _SHIM_WORK_H
#define _SHIM_WORK_H

#include "list.h"
#include "cpu.h"

extern unsigned long jiffies;
#define time_after(a, b)	((long)((b) - (a)) < 0)
#define time_before(a, b)	time_after(b, a)
#define time_after_eq(a, b)	((long)((a) - (b)) >= 0)
#define time_before_eq(a, b)	time_after_eq(b, a)
#define msecs_to_jiffies(m)	((unsigned long)(m) * HZ / 1000)
#define jiffies_to_msecs(j)	((unsigned int)((j) * 1000 / HZ))
u64 ktime_get_ns(void);

struct work_struct;
typedef void (*work_func_t)(struct work_struct *work);

struct work_struct {
	struct list_head entry;
	work_func_t func;
	bool pending;
	bool is_delayed;	/* part of a struct delayed_work */
	int cpu;		/* the CPU it runs as, -1 for any */
};

struct delayed_work {
	struct work_struct work;
	unsigned long expires;
	bool timer_pending;
};

struct workqueue_struct {
	int unused;
};

extern struct workqueue_struct *system_wq;
extern struct workqueue_struct *system_unbound_wq;
#define WORK_CPU_UNBOUND	(-1)

#define __WORK_INITIALIZER(n, f) \
	{ .entry = LIST_HEAD_INIT((n).entry), .func = (f), .cpu = -1 }
#define DECLARE_WORK(n, f)	struct work_struct n = __WORK_INITIALIZER(n, f)
#define INIT_WORK(w, f)							\
	do {								\
		INIT_LIST_HEAD(&(w)->entry);				\
		(w)->func = (f);					\
		(w)->pending = false;					\
		(w)->is_delayed = false;				\
		(w)->cpu = -1;						\
	} while (0)
#define INIT_DELAYED_WORK(dw, f)					\
	do {								\
		INIT_WORK(&(dw)->work, f);				\
		(dw)->timer_pending = false;				\
	} while (0)
#define INIT_DEFERRABLE_WORK(dw, f)	INIT_DELAYED_WORK(dw, f)
#define to_delayed_work(w)	container_of(w, struct delayed_work, work)

bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *w);
#define queue_work(wq, w)	queue_work_on(WORK_CPU_UNBOUND, wq, w)
#define schedule_work(w)	queue_work(system_wq, w)
bool flush_work(struct work_struct *w);
bool cancel_work_sync(struct work_struct *w);
bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq,
			   struct delayed_work *dw, unsigned long delay);
bool mod_delayed_work_on(int cpu, struct workqueue_struct *wq,
			 struct delayed_work *dw, unsigned long delay);
#define queue_delayed_work(wq, dw, d) \
	queue_delayed_work_on(WORK_CPU_UNBOUND, wq, dw, d)
#define schedule_delayed_work(dw, d)	queue_delayed_work(system_wq, dw, d)
bool cancel_delayed_work_sync(struct delayed_work *dw);
#define cancel_delayed_work(dw)		cancel_delayed_work_sync(dw)
bool flush_delayed_work(struct delayed_work *dw);
void flush_scheduled_work(void);

struct irq_work {
	struct llist_node node;
	void (*func)(struct irq_work *work);
	int pending;		/* atomic: queued and not yet run */
	int cpu;
};

#define IRQ_WORK_INIT(f)	((struct irq_work){ .func = (f) })
#define IRQ_WORK_INIT_HARD(f)	IRQ_WORK_INIT(f)
#define IRQ_WORK_INIT_LAZY(f)	IRQ_WORK_INIT(f)
#define init_irq_work(w, f)						\
	do {								\
		(w)->func = (f);					\
		(w)->pending = 0;					\
	} while (0)
bool irq_work_queue(struct irq_work *work);
void irq_work_sync(struct irq_work *work);

#endif /* _SHIM_WORK_H */
