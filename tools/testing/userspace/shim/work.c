// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim: work items, delayed work, irq_work, jiffies
 * (include/shim/work.h).  One queue for all work: the harness's tick runs
 * what is due in the order it was queued.
 */
#include <time.h>
#include "../include/shim/kernel.h"
#include "shim.h"

unsigned long jiffies = 1;
static struct workqueue_struct system_wq_storage;
struct workqueue_struct *system_wq = &system_wq_storage;
struct workqueue_struct *system_unbound_wq = &system_wq_storage;

static pthread_mutex_t work_lock = PTHREAD_MUTEX_INITIALIZER;
static LIST_HEAD(work_queue);

u64 ktime_get_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

bool queue_work_on(int cpu, struct workqueue_struct *wq, struct work_struct *w)
{
	bool queued = false;

	pthread_mutex_lock(&work_lock);
	if (!w->pending) {
		w->pending = true;
		w->cpu = cpu;
		list_add_tail(&w->entry, &work_queue);
		queued = true;
	}
	pthread_mutex_unlock(&work_lock);
	return queued;
}

static void work_call(void *arg)
{
	struct work_struct *w = arg;

	w->func(w);
}

static void work_exec(struct work_struct *w)
{
	int cpu = w->cpu;

	if (cpu >= 0 && cpu_online(cpu))
		shim_run_on_cpu(cpu, work_call, w);
	else
		work_call(w);
	if (!preemptible())
		shim_lockdep_fail(__FILE__, __LINE__, "work item returned in atomic context");
}

/* Take @w off the queue if it is there; whether it was. */
static bool work_grab(struct work_struct *w)
{
	bool was;

	pthread_mutex_lock(&work_lock);
	was = w->pending;
	if (was) {
		list_del_init(&w->entry);
		w->pending = false;
	}
	pthread_mutex_unlock(&work_lock);
	return was;
}

bool flush_work(struct work_struct *w)
{
	might_sleep();
	if (!work_grab(w))
		return false;
	work_exec(w);
	return true;
}

bool cancel_work_sync(struct work_struct *w)
{
	return work_grab(w);
}

/* Delayed work waits on the queue too, skipped until it is due. */
bool queue_delayed_work_on(int cpu, struct workqueue_struct *wq,
			   struct delayed_work *dw, unsigned long delay)
{
	dw->expires = jiffies + delay;
	dw->work.is_delayed = true;
	return queue_work_on(cpu, wq, &dw->work);
}

bool mod_delayed_work_on(int cpu, struct workqueue_struct *wq,
			 struct delayed_work *dw, unsigned long delay)
{
	bool was = work_grab(&dw->work);

	queue_delayed_work_on(cpu, wq, dw, delay);
	return was;
}

bool cancel_delayed_work_sync(struct delayed_work *dw)
{
	return work_grab(&dw->work);
}

bool flush_delayed_work(struct delayed_work *dw)
{
	return flush_work(&dw->work);
}

void flush_scheduled_work(void)
{
	shim_work_run();
}

static bool work_due(struct work_struct *w)
{
	struct delayed_work *dw = container_of(w, struct delayed_work, work);

	return !w->is_delayed || time_after_eq(jiffies, dw->expires);
}

/* Run every work item that is due, including those they queue. */
void shim_work_run(void)
{
	struct work_struct *w;
	bool ran;

	do {
		ran = false;
		pthread_mutex_lock(&work_lock);
		list_for_each_entry(w, &work_queue, entry)
			if (work_due(w))
				break;
		if (list_entry_is_head(w, &work_queue, entry)) {
			pthread_mutex_unlock(&work_lock);
			break;
		}
		list_del_init(&w->entry);
		w->pending = false;
		pthread_mutex_unlock(&work_lock);
		work_exec(w);
		ran = true;
	} while (ran);
}

/* ---- irq_work ------------------------------------------------------------ */

static LLIST_HEAD(irq_work_list);

bool irq_work_queue(struct irq_work *work)
{
	if (__atomic_exchange_n(&work->pending, 1, __ATOMIC_SEQ_CST))
		return false;
	work->cpu = smp_processor_id();
	llist_add(&work->node, &irq_work_list);
	return true;
}

static void irq_work_call(void *arg)
{
	struct irq_work *work = arg;

	__atomic_store_n(&work->pending, 0, __ATOMIC_SEQ_CST);
	work->func(work);
}

/* Run each queued irq_work as the CPU that queued it. */
void shim_irq_work_run(void)
{
	struct llist_node *node, *next;

	node = llist_reverse_order(llist_del_all(&irq_work_list));
	llist_for_each_safe(node, next, node) {
		struct irq_work *work = container_of(node, struct irq_work, node);

		shim_run_as_cpu(work->cpu, irq_work_call, work);
	}
}

void irq_work_sync(struct irq_work *work)
{
	might_sleep();
	while (__atomic_load_n(&work->pending, __ATOMIC_SEQ_CST))
		shim_irq_work_run();
}
