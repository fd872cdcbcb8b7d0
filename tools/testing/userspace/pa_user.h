/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The harness of the userspace build: load the module's core into a
 * process, give threads CPUs, and drive what the kernel would drive behind
 * the allocator's back (work items, RCU callbacks, the shrinker, CPU
 * hotplug, time).  Include after pool_alloc.h, with include/ on the path.
 *
 * One load per process: the core's static data starts as a module's does
 * only once, so a test that needs other parameters runs in a process of its
 * own (the native tests fork one per case).
 */
#ifndef _PA_USER_H
#define _PA_USER_H

#include <stdbool.h>
#include <stddef.h>

/* Run module_init with "name=value ..." parameters: 0 or -errno. */
int pa_user_load(const char *params);
/* Run module_exit (after every thread but the caller has left). */
void pa_user_unload(void);

/* The calling thread acts as a free CPU: 0, or -EBUSY when none is. */
int pa_user_thread_enter(void);
void pa_user_thread_exit(void);
/* One thread replaying an interleaving: act as @cpu (not in a section). */
void pa_user_set_cpu(int cpu);
int pa_user_cpu(void);
int pa_user_nr_cpus(void);

/* Run irq_work, due work items and RCU callbacks: a kworker's tick. */
void pa_user_run_work(void);
/* Advance time by @ticks jiffies, then run what became due. */
void pa_user_tick(unsigned long ticks);
/* Ask the shrinkers for everything, as memory pressure would: pages freed. */
unsigned long pa_user_shrink(void);
/* Take a CPU down or bring it back, running the hotplug callbacks. */
int pa_user_cpu_down(int cpu);
int pa_user_cpu_up(int cpu);
/* Make the next @n page, kmalloc or vmalloc allocations fail. */
void pa_user_fail(unsigned long pages, unsigned long kmalloc,
		  unsigned long vmalloc);
/* Enter or leave NMI context on this thread (in_nmi() is true inside). */
void pa_user_nmi_enter(void);
void pa_user_nmi_exit(void);
/* Pages the core holds from the page allocator now. */
unsigned long pa_user_pages(void);
/* The boot options init_on_alloc and init_on_free. */
void pa_user_init_on(bool alloc, bool free);
/* Seed the kernel's random numbers (shuffles), for replayable runs. */
void pa_user_seed(unsigned long long seed);

/* Read a debugfs file ("pool_alloc/stats") into @buf: length or -errno. */
long pa_user_debugfs_read(const char *path, char *buf, size_t len);
/* Read a module parameter as /sys/module/pool_alloc/parameters would. */
int pa_user_param_get(const char *name, char *buf, size_t len);

/* Messages: silence them, count them, see each line; WARNs abort or not. */
void pa_user_quiet(bool quiet);
void pa_user_abort_on_warn(bool abort_on_warn);
unsigned long pa_user_warnings(void);
unsigned long pa_user_log_lines(void);
void pa_user_log_hook(void (*hook)(const char *line));

#endif /* _PA_USER_H */
