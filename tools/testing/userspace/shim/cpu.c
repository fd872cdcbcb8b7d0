// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim: CPUs, their mutexes, per-CPU areas and cross-CPU calls.
 * See include/shim/cpu.h for the model.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sys/syscall.h>
#include "../include/shim/kernel.h"
#include "shim.h"

__thread struct shim_ctx shim_ctx;
bool shim_cpu_locking;
unsigned int nr_cpu_ids = SHIM_NR_CPUS;
unsigned long shim_percpu_offset[SHIM_NR_CPUS];
struct cpumask shim_cpu_online_mask = { { (1UL << SHIM_NR_CPUS) - 1 } };

static pthread_mutex_t cpu_mutex[SHIM_NR_CPUS] = {
	[0 ... SHIM_NR_CPUS - 1] = PTHREAD_MUTEX_INITIALIZER
};

void shim_cpu_lock(void)
{
	pthread_mutex_t *m = &cpu_mutex[shim_ctx.cpu];

	pthread_mutex_lock(m);
	shim_ctx.held = m;
}

void shim_cpu_unlock(void)
{
	pthread_mutex_t *m = shim_ctx.held;

	shim_ctx.held = NULL;
	pthread_mutex_unlock(m);
}

void shim_lockdep_fail(const char *file, int line, const char *what)
{
	shim_log(KERN_ERR "BUG: %s at %s:%d (cpu %d, preempt %d, irqs off %d)\n",
		 what, file, line, shim_ctx.cpu, shim_ctx.preempt,
		 shim_ctx.irqs_off);
	shim_warn(file, line, what);
}

static int next_tid = 1;

void shim_thread_init(int cpu)
{
	memset(&shim_ctx, 0, sizeof(shim_ctx));
	shim_ctx.tid = __atomic_fetch_add(&next_tid, 1, __ATOMIC_RELAXED);
	shim_ctx.cpu = cpu;
}

/*
 * Run @fn(@arg) as @cpu, as an IPI or irq_work handler: with the CPU's
 * mutex held when other threads may be running it, so nothing else runs
 * that CPU's preempt-disabled code meanwhile.  The caller must be
 * preemptible, as an IPI's sender waits.
 */
void shim_run_as_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	struct shim_ctx saved = shim_ctx;

	if (shim_cpu_locking)
		pthread_mutex_lock(&cpu_mutex[cpu]);
	/* An IPI's handler: hard interrupt context, interrupts disabled. */
	shim_ctx.cpu = cpu;
	shim_ctx.held = NULL;
	shim_ctx.preempt = 1;
	shim_ctx.irqs_off = 1;
	shim_ctx.hardirq = 1;
	fn(arg);
	if (shim_ctx.preempt != 1 || shim_ctx.irqs_off != 1)
		shim_lockdep_fail(__FILE__, __LINE__,
				  "preemption changed in a cross-CPU call");
	shim_ctx = saved;
	if (shim_cpu_locking)
		pthread_mutex_unlock(&cpu_mutex[cpu]);
}

/* Run as @cpu but preemptible, as a work item bound to it does. */
void shim_run_on_cpu(int cpu, void (*fn)(void *arg), void *arg)
{
	int saved = shim_ctx.cpu;

	shim_ctx.cpu = cpu;
	fn(arg);
	shim_ctx.cpu = saved;
}

/* synchronize_rcu()'s wait: every other CPU seen outside its sections. */
void shim_cpu_quiesce(void)
{
	unsigned int cpu;

	if (!shim_cpu_locking)
		return;
	for (cpu = 0; cpu < nr_cpu_ids; cpu++) {
		pthread_mutex_lock(&cpu_mutex[cpu]);
		pthread_mutex_unlock(&cpu_mutex[cpu]);
	}
}

/* The next online CPU after @cpu, or nr_cpu_ids. */
int shim_next_online(int cpu)
{
	while (++cpu < (int)nr_cpu_ids && !cpu_online(cpu))
		;
	return cpu;
}

unsigned int num_online_cpus(void)
{
	return __builtin_popcountl(shim_cpu_online_mask.bits[0]);
}

struct cond_call {
	smp_cond_func_t cond;
	smp_call_func_t func;
	void *info;
};

static void cond_call_fn(void *arg)
{
	struct cond_call *c = arg;

	if (!c->cond || c->cond(shim_ctx.cpu, c->info))
		c->func(c->info);
}

void on_each_cpu_cond_mask(smp_cond_func_t cond_func, smp_call_func_t func,
			   void *info, bool wait, const struct cpumask *mask)
{
	struct cond_call c = { cond_func, func, info };
	unsigned int cpu;

	might_sleep();
	for (cpu = 0; cpu < nr_cpu_ids; cpu++)
		if (cpumask_test_cpu(cpu, mask) && cpu_online(cpu))
			shim_run_as_cpu(cpu, cond_call_fn, &c);
}

int smp_call_function_single(int cpu, smp_call_func_t func, void *info,
			     int wait)
{
	struct cond_call c = { NULL, func, info };

	if (!cpu_online(cpu))
		return -ENXIO;
	shim_run_as_cpu(cpu, cond_call_fn, &c);
	return 0;
}

static pthread_rwlock_t hotplug_lock = PTHREAD_RWLOCK_INITIALIZER;

void cpus_read_lock(void)
{
	pthread_rwlock_rdlock(&hotplug_lock);
}

void cpus_read_unlock(void)
{
	pthread_rwlock_unlock(&hotplug_lock);
}

void shim_hotplug_begin(void)
{
	pthread_rwlock_wrlock(&hotplug_lock);
}

void shim_hotplug_end(void)
{
	pthread_rwlock_unlock(&hotplug_lock);
}

/* ---- Per-CPU areas ----------------------------------------------------- */

/*
 * Each CPU's area is PERCPU_SPAN bytes of one reservation: the copy of the
 * pa_percpu section first, then what alloc_percpu() hands out, at the same
 * offset in every CPU's area.
 */
#define PERCPU_SPAN	(64UL << 20)

static char *percpu_base;
static size_t percpu_next;
static pthread_mutex_t percpu_lock = PTHREAD_MUTEX_INITIALIZER;

struct percpu_chunk {
	struct percpu_chunk *next;
	size_t off, size;
};

static struct percpu_chunk *percpu_free_chunks, *percpu_used_chunks;

/* The section is copied as bytes; ASan may have put redzones in it. */
__attribute__((no_sanitize("address")))
static void copy_template(char *dst, const char *src, size_t len)
{
	while (len--)
		*dst++ = *src++;
}

void shim_percpu_init(void)
{
	size_t len = __stop_pa_percpu - __start_pa_percpu;
	unsigned int cpu;

	percpu_base = mmap(NULL, PERCPU_SPAN * SHIM_NR_CPUS,
			   PROT_READ | PROT_WRITE,
			   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (percpu_base == MAP_FAILED) {
		perror("shim: per-CPU areas");
		abort();
	}
	for (cpu = 0; cpu < SHIM_NR_CPUS; cpu++) {
		char *area = percpu_base + cpu * PERCPU_SPAN;

		copy_template(area, __start_pa_percpu, len);
		shim_percpu_offset[cpu] = (unsigned long)area -
					  (unsigned long)__start_pa_percpu;
	}
	percpu_next = ALIGN(len, SMP_CACHE_BYTES);
}

void __percpu *__alloc_percpu(size_t size, size_t align)
{
	struct percpu_chunk *c, **pc;
	unsigned int cpu;
	size_t off;

	size = ALIGN(size ? size : 1, SMP_CACHE_BYTES);
	if (align > SMP_CACHE_BYTES)
		return NULL;
	pthread_mutex_lock(&percpu_lock);
	for (pc = &percpu_free_chunks; (c = *pc); pc = &c->next)
		if (c->size == size)
			break;
	if (c) {
		*pc = c->next;
	} else {
		if (percpu_next + size > PERCPU_SPAN) {
			pthread_mutex_unlock(&percpu_lock);
			return NULL;
		}
		c = malloc(sizeof(*c));
		if (!c) {
			pthread_mutex_unlock(&percpu_lock);
			return NULL;
		}
		c->off = percpu_next;
		c->size = size;
		percpu_next += size;
	}
	c->next = percpu_used_chunks;
	percpu_used_chunks = c;
	pthread_mutex_unlock(&percpu_lock);
	off = c->off;
	for (cpu = 0; cpu < SHIM_NR_CPUS; cpu++)
		memset(percpu_base + cpu * PERCPU_SPAN + off, 0, size);
	return (void __percpu *)((unsigned long)__start_pa_percpu + off);
}

void free_percpu(void __percpu *p)
{
	size_t off = (unsigned long)p - (unsigned long)__start_pa_percpu;
	struct percpu_chunk *c, **pc;

	if (!p)
		return;
	pthread_mutex_lock(&percpu_lock);
	for (pc = &percpu_used_chunks; (c = *pc); pc = &c->next)
		if (c->off == off)
			break;
	if (!c) {
		pthread_mutex_unlock(&percpu_lock);
		shim_warn(__FILE__, __LINE__, "freeing an unknown per-CPU pointer");
		return;
	}
	*pc = c->next;
	c->next = percpu_free_chunks;
	percpu_free_chunks = c;
	pthread_mutex_unlock(&percpu_lock);
}
