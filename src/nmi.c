// SPDX-License-Identifier: GPL-2.0
/*
 * Frees made in NMI that cannot end there, finished from irq_work.
 *
 * In NMI nothing may take a lock or wait, and nothing may be lost.  An
 * allocation there is served by this CPU's cache or fails (cache.c); a free
 * that this CPU's cache cannot take is handed here, and this CPU's irq_work
 * finishes it as soon as interrupts are enabled again:
 *
 *  - a small block whose state entry the free claimed (so it is known to be
 *    a live block, and now belongs to the free) is put on a per-CPU
 *    lock-free list through its own memory: its first 16 bytes, the
 *    smallest class, hold the list node and the request size.  The irq_work
 *    finishes the free through the cache layer's path (pa_nmi_init()).
 *    Nothing bounds this list, and nothing is lost.
 *  - any other pointer (a large block, a debug block, a pointer to refuse)
 *    could not be checked without a lock, so its memory must not be
 *    written: it goes on a per-CPU ring that only NMI writes and only its
 *    own CPU's irq_work (or a drain IPI, which is the same context) reads,
 *    and the irq_work frees it through the entry points' path, or refuses
 *    it.  The ring holds PA_NMI_RING entries; were an NMI handler ever to
 *    leave more than that before its CPU enabled interrupts again, the ones
 *    past the end would be dropped, counted, and said in one error line by
 *    the irq_work: their blocks stay allocated (a pool's destroy reports
 *    them as leaks) and nothing is corrupted.
 *
 * Producer (NMI) and consumer (irq_work, drain IPI) of a CPU's ring run on
 * that CPU, and NMIs do not nest, so compiler barriers order them.
 * pa_nmi_drain_all() empties every CPU's lists, for pool destroy and
 * unload: no deferred free outlives its pool or the module.
 */
#include <linux/irq_work.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/smp.h>
#include <kunit/visibility.h>
#include "internal.h"
#include "sanitize.h"

/* What a deferred small block holds, in its first bytes. */
struct nmi_node {
	struct llist_node node;
	u32 requested;
	bool taken_back;	/* pa_cache_take_back() was done */
};

static_assert(sizeof(struct nmi_node) <= PA_ALIGN);

/* A pointer that NMI could not check, to free or refuse later. */
struct nmi_entry {
	const void *p;
	struct pa_pool *pool;	/* pa_pool_free()'s, or the one to refuse in */
	const char *what;
	unsigned long caller;
	bool refuse;
};

/*
 * A handler that frees a few pointers per NMI never comes near this; 64
 * would take one NMI freeing 64 large or foreign pointers, or NMIs
 * arriving back to back with interrupts off for as long, and cost 2.5 KiB
 * per CPU.
 */
#define PA_NMI_RING		64
/* head and tail wrap around at UINT_MAX: a power of two keeps % exact. */
static_assert((PA_NMI_RING & (PA_NMI_RING - 1)) == 0);

struct nmi_cpu {
	struct irq_work work;
	struct llist_head blocks;	/* struct nmi_node, any number */
	unsigned int head;		/* written in NMI only */
	unsigned int tail;		/* written by the drain only */
	unsigned int lost;		/* entries the ring had no room for */
	struct nmi_entry ring[PA_NMI_RING];
};

static DEFINE_PER_CPU(struct nmi_cpu, nmi_cpus);

/* The cache layer's end of a claimed free, and the entry points' free. */
static void (*nmi_finish)(void *block, unsigned long requested,
			  bool taken_back);
static void (*nmi_free)(const void *p, struct pa_pool *pool,
			const char *what, unsigned long caller);

/* ---- Internals --------------------------------------------------------- */

/* Finish what this CPU's NMIs left.  Interrupts disabled, on that CPU. */
static void nmi_drain_local(void)
{
	struct nmi_cpu *n = this_cpu_ptr(&nmi_cpus);
	struct llist_node *list, *next;
	struct nmi_entry e;
	unsigned int lost;

	lockdep_assert_irqs_disabled();
	while (n->tail != READ_ONCE(n->head)) {
		/* The entry was written before head moved past it. */
		barrier();
		e = n->ring[n->tail % PA_NMI_RING];
		/* Copied before the slot is given back to NMI. */
		barrier();
		WRITE_ONCE(n->tail, n->tail + 1);
		if (e.refuse)
			pa_report_invalid(e.pool, e.what, e.p, e.caller);
		else
			nmi_free(e.p, e.pool, e.what, e.caller);
	}
	lost = xchg(&n->lost, 0);
	if (lost)
		pr_err("%u frees made in NMI on CPU %d were dropped: its ring of %u was full; their blocks stay allocated\n",
		       lost, smp_processor_id(), PA_NMI_RING);

	list = llist_del_all(&n->blocks);
	for (; list; list = next) {
		struct nmi_node *node = (struct nmi_node *)list;
		unsigned long requested;
		bool taken_back;

		/* The node is the allocator's, in a block KASAN may poison. */
		pa_sanitize_own_begin();
		next = list->next;
		requested = node->requested;
		taken_back = node->taken_back;
		pa_sanitize_own_end();
		nmi_finish(node, requested, taken_back);
	}
}

static void nmi_work_fn(struct irq_work *work)
{
	nmi_drain_local();
}

static void nmi_drain_ipi(void *unused)
{
	nmi_drain_local();
}

/* ---- Interface to the cache layer and the entry points ---------------- */

/**
 * pa_nmi_defer_block() - finish the free of a small block after the NMI
 * @block: a small block whose state entry the caller claimed
 * @requested: the request size the entry held
 * @taken_back: whether pa_cache_take_back() was done for it
 *
 * Writes the list node into @block's first bytes.
 *
 * Context: NMI.
 */
void pa_nmi_defer_block(void *block, unsigned long requested, bool taken_back)
{
	struct nmi_cpu *n = this_cpu_ptr(&nmi_cpus);
	struct nmi_node *node = block;

	pa_sanitize_own_begin();
	node->requested = requested;
	node->taken_back = taken_back;
	llist_add(&node->node, &n->blocks);
	pa_sanitize_own_end();
	irq_work_queue(&n->work);
}

/* Put @e on this CPU's ring, or count it lost. */
static void nmi_defer(const struct nmi_entry *e)
{
	struct nmi_cpu *n = this_cpu_ptr(&nmi_cpus);
	unsigned int head = n->head;

	if (head - READ_ONCE(n->tail) >= PA_NMI_RING) {
		n->lost++;
	} else {
		n->ring[head % PA_NMI_RING] = *e;
		/* The entry is whole before the drain can see it. */
		barrier();
		WRITE_ONCE(n->head, head + 1);
	}
	irq_work_queue(&n->work);
}

/**
 * pa_nmi_defer_free() - free a pointer after the NMI, unchecked till then
 * @p: any pointer but NULL and ZERO_SIZE_PTR; not written to
 * @pool: for pa_pool_free(), the pool @p must belong to; else NULL
 * @what: the entry point the client called, for a report
 * @caller: where it was called from
 *
 * The irq_work frees @p as pa_free() would, or as pa_pool_free() would
 * with @pool: a pointer that is not a live block is refused then.
 *
 * Context: NMI.
 */
void pa_nmi_defer_free(const void *p, struct pa_pool *pool, const char *what,
		       unsigned long caller)
{
	struct nmi_entry e = {
		.p = p, .pool = pool, .what = what, .caller = caller,
	};

	nmi_defer(&e);
}

/**
 * pa_nmi_defer_refuse() - refuse a pointer after the NMI
 * @p: a pointer into an arena of @pool that is no live block's start
 * @pool: its pool, which must live until the next pa_nmi_drain_all()
 * @what: the entry point the client called
 * @caller: where it was called from
 *
 * Counted and reported then, as pa_free() refuses it outside NMI.
 *
 * Context: NMI.
 */
void pa_nmi_defer_refuse(const void *p, struct pa_pool *pool,
			 const char *what, unsigned long caller)
{
	struct nmi_entry e = {
		.p = p, .pool = pool, .what = what, .caller = caller,
		.refuse = true,
	};

	nmi_defer(&e);
}

/**
 * pa_nmi_drain_all() - finish every free that NMI left, on every CPU
 *
 * Each online CPU drains its own lists in an IPI; then no irq_work of ours
 * is pending or running.  A CPU going offline runs its irq_work first.
 *
 * Context: process context with interrupts enabled.
 */
void pa_nmi_drain_all(void)
{
	unsigned int cpu;

	on_each_cpu(nmi_drain_ipi, NULL, true);
	for_each_possible_cpu(cpu)
		irq_work_sync(&per_cpu_ptr(&nmi_cpus, cpu)->work);
}
EXPORT_SYMBOL_IF_KUNIT(pa_nmi_drain_all);

/**
 * pa_nmi_init() - set up every CPU's lists
 * @finish: ends the free of a small block whose entry was claimed
 * @free: frees (or, with a pool, pool-frees) a pointer not yet checked
 */
void pa_nmi_init(void (*finish)(void *block, unsigned long requested,
				bool taken_back),
		 void (*free)(const void *p, struct pa_pool *pool,
			      const char *what, unsigned long caller))
{
	unsigned int cpu;

	nmi_finish = finish;
	nmi_free = free;
	for_each_possible_cpu(cpu) {
		struct nmi_cpu *n = per_cpu_ptr(&nmi_cpus, cpu);

		n->work = IRQ_WORK_INIT_HARD(nmi_work_fn);
		init_llist_head(&n->blocks);
	}
}
