// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim: RCU grace periods and callbacks (include/shim/rcu.h).
 */
#include <stdlib.h>
#include "../include/shim/kernel.h"
#include "shim.h"

static pthread_mutex_t rcu_lock = PTHREAD_MUTEX_INITIALIZER;
static struct rcu_head *rcu_queue, **rcu_tail = &rcu_queue;
static unsigned long rcu_queued;
/* Past this many, a preemptible call_rcu() processes the queue itself. */
#define RCU_QUEUE_HIGH	1024

static void rcu_enqueue(struct rcu_head *head)
{
	head->next = NULL;
	pthread_mutex_lock(&rcu_lock);
	*rcu_tail = head;
	rcu_tail = &head->next;
	rcu_queued++;
	pthread_mutex_unlock(&rcu_lock);
	if (rcu_queued > RCU_QUEUE_HIGH && preemptible())
		shim_rcu_process();
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	head->func = func;
	head->obj = NULL;
	rcu_enqueue(head);
}

void shim_kvfree_rcu(struct rcu_head *head, void *obj)
{
	head->func = NULL;
	head->obj = obj;
	rcu_enqueue(head);
}

void synchronize_rcu(void)
{
	might_sleep();
	shim_cpu_quiesce();
}

/*
 * Take what is queued, wait for a grace period, run it: as a softirq would,
 * with preemption disabled.  A callback may queue more; they wait for the
 * next round.
 */
void shim_rcu_process(void)
{
	struct rcu_head *head, *next;

	if (!preemptible())
		return;
	pthread_mutex_lock(&rcu_lock);
	head = rcu_queue;
	rcu_queue = NULL;
	rcu_tail = &rcu_queue;
	rcu_queued = 0;
	pthread_mutex_unlock(&rcu_lock);
	if (!head)
		return;
	synchronize_rcu();
	local_bh_disable();
	shim_ctx.softirq++;
	for (; head; head = next) {
		next = head->next;
		if (head->func)
			head->func(head);
		else
			kvfree(head->obj);
	}
	shim_ctx.softirq--;
	local_bh_enable();
}

void rcu_barrier(void)
{
	might_sleep();
	while (READ_ONCE(rcu_queue))
		shim_rcu_process();
}
