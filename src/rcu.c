// SPDX-License-Identifier: GPL-2.0
/*
 * Freeing after an RCU grace period: pa_free_rcu(), with kfree_rcu()'s
 * contract.
 *
 * A block to free goes on this CPU's list through the struct rcu_head inside
 * it: its first word links the list, its second holds the block's address.
 * Each CPU has at most one call_rcu() in flight, for a whole batch: when its
 * grace period has passed, the callback frees the batch through the free
 * path main.c gave pa_rcu_init() (the entry points' own, so debug mode and
 * the statistics see an ordinary free), and starts one more
 * grace period for the blocks queued meanwhile, if any.  A free of N blocks
 * in a burst thus costs one or two grace periods, not N callbacks.
 *
 * Until then the block is live: counted in live_blocks, readable by the
 * readers that may still hold it.
 */
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <kunit/visibility.h>
#include "internal.h"

/* What a queued block's rcu_head holds: the list, and the block. */
struct rcu_node {
	struct rcu_node *next;
	const void *block;
};

static_assert(sizeof(struct rcu_node) <= sizeof(struct rcu_head));

struct rcu_batch {
	spinlock_t lock;		/* a leaf lock, taken with irqs off */
	struct rcu_head rcu;		/* the batch's one grace period */
	struct rcu_node *waiting;	/* queued before that grace period */
	struct rcu_node *queued;	/* queued since it started */
	bool busy;			/* a grace period is in flight */
};

static DEFINE_PER_CPU(struct rcu_batch, rcu_batches);

/* The entry points' free path: this layer does not call up into main.c. */
static void (*rcu_free)(const void *block);

/* ---- Internals --------------------------------------------------------- */

/*
 * Make what was queued the batch of the next grace period; the caller
 * starts it with call_rcu() once the lock is dropped (the lock is a leaf).
 * Busy until the callback has run, so that no one else starts one.
 */
static void batch_close(struct rcu_batch *b)
{
	lockdep_assert_held(&b->lock);
	b->waiting = b->queued;
	b->queued = NULL;
	b->busy = true;
}

static void batch_done(struct rcu_head *rcu)
{
	struct rcu_batch *b = container_of(rcu, struct rcu_batch, rcu);
	struct rcu_node *node, *next;
	unsigned long flags;
	bool more;

	spin_lock_irqsave(&b->lock, flags);
	node = b->waiting;
	b->waiting = NULL;
	more = b->queued;
	if (more)
		batch_close(b);
	else
		b->busy = false;
	spin_unlock_irqrestore(&b->lock, flags);
	if (more)
		call_rcu(&b->rcu, batch_done);

	for (; node; node = next) {
		next = node->next;
		rcu_free(node->block);
	}
}

/* ---- Interface to the entry points ------------------------------------- */

/**
 * pa_rcu_queue() - free a block after a grace period
 * @block: a live block
 * @head: a struct rcu_head inside it, which this may write from now on
 *
 * Context: any context but NMI.
 */
void pa_rcu_queue(const void *block, struct rcu_head *head)
{
	struct rcu_node *node = (struct rcu_node *)head;
	struct rcu_batch *b;
	unsigned long flags;
	bool start;

	local_irq_save(flags);
	b = this_cpu_ptr(&rcu_batches);
	spin_lock(&b->lock);
	node->block = block;
	node->next = b->queued;
	b->queued = node;
	start = !b->busy;
	if (start)
		batch_close(b);
	spin_unlock_irqrestore(&b->lock, flags);
	if (start)
		call_rcu(&b->rcu, batch_done);
}

/**
 * pa_rcu_pending() - whether any CPU has blocks waiting to be freed
 *
 * Context: any context.  Racy unless nothing is being queued.
 * Return: true while some grace period of a batch is in flight.
 */
bool pa_rcu_pending(void)
{
	unsigned int cpu;

	for_each_possible_cpu(cpu)
		if (READ_ONCE(per_cpu_ptr(&rcu_batches, cpu)->busy))
			return true;
	return false;
}
EXPORT_SYMBOL_IF_KUNIT(pa_rcu_pending);

/**
 * pa_rcu_barrier() - wait until every block queued so far is freed
 *
 * A batch's callback may start another grace period for blocks queued
 * meanwhile, which one rcu_barrier() does not wait for: wait until no
 * batch is in flight.
 *
 * Context: process context; sleeps.
 */
void pa_rcu_barrier(void)
{
	do {
		rcu_barrier();
	} while (pa_rcu_pending());
}
EXPORT_SYMBOL_IF_KUNIT(pa_rcu_barrier);

/**
 * pa_rcu_init() - set up every CPU's batch
 * @free: how a block is freed once its grace period has passed
 */
void pa_rcu_init(void (*free)(const void *block))
{
	unsigned int cpu;

	rcu_free = free;
	for_each_possible_cpu(cpu)
		spin_lock_init(&per_cpu_ptr(&rcu_batches, cpu)->lock);
}
