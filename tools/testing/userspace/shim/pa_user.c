// SPDX-License-Identifier: GPL-2.0
/*
 * The harness (pa_user.h) over the shim.
 */
#include <stdio.h>
#include <stdlib.h>
#include "../include/shim/kernel.h"
#include "../pa_user.h"
#include "shim.h"

static bool cpu_taken[SHIM_NR_CPUS];
static pthread_mutex_t cpu_taken_lock = PTHREAD_MUTEX_INITIALIZER;
static int threads_in;
static bool loaded;

static int take_cpu(void)
{
	int cpu;

	pthread_mutex_lock(&cpu_taken_lock);
	for (cpu = 0; cpu < SHIM_NR_CPUS && cpu_taken[cpu]; cpu++)
		;
	if (cpu < SHIM_NR_CPUS)
		cpu_taken[cpu] = true;
	pthread_mutex_unlock(&cpu_taken_lock);
	return cpu < SHIM_NR_CPUS ? cpu : -EBUSY;
}

/* Apply "name=value name2=value2" through each parameter's setter. */
static int set_params(const char *params)
{
	char *copy, *tok, *save;
	int err = 0;

	if (!params || !*params)
		return 0;
	copy = strdup(params);
	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, " ", &save); tok && !err;
	     tok = strtok_r(NULL, " ", &save)) {
		char *val = strchr(tok, '=');
		const struct kernel_param *kp;

		if (val)
			*val++ = '\0';
		kp = shim_param_find(tok);
		if (!kp) {
			fprintf(stderr, "pa_user: unknown parameter '%s'\n", tok);
			err = -ENOENT;
			break;
		}
		err = kp->ops->set(val, kp);
	}
	free(copy);
	return err;
}

int pa_user_load(const char *params)
{
	int err, cpu;

	if (loaded)
		return -EBUSY;
	shim_mm_init();
	shim_percpu_init();
	cpu = take_cpu();
	shim_thread_init(cpu);
	threads_in = 1;
	err = set_params(params);
	if (!err)
		err = shim_module_init();
	loaded = !err;
	return err;
}

void pa_user_unload(void)
{
	if (!loaded)
		return;
	shim_module_exit();
	pa_user_run_work();
	loaded = false;
}

int pa_user_thread_enter(void)
{
	int cpu = take_cpu();

	if (cpu < 0)
		return cpu;
	shim_thread_init(cpu);
	pthread_mutex_lock(&cpu_taken_lock);
	/* From now on preempt-disabled sections exclude each other per CPU. */
	if (++threads_in > 1)
		shim_cpu_locking = true;
	pthread_mutex_unlock(&cpu_taken_lock);
	return 0;
}

void pa_user_thread_exit(void)
{
	pthread_mutex_lock(&cpu_taken_lock);
	cpu_taken[shim_ctx.cpu] = false;
	threads_in--;
	pthread_mutex_unlock(&cpu_taken_lock);
}

void pa_user_set_cpu(int cpu)
{
	if (cpu < 0 || cpu >= (int)nr_cpu_ids || !preemptible()) {
		shim_warn(__FILE__, __LINE__, "no such CPU, or called in a section");
		return;
	}
	shim_ctx.cpu = cpu;
}

int pa_user_cpu(void)
{
	return shim_ctx.cpu;
}

int pa_user_nr_cpus(void)
{
	return nr_cpu_ids;
}

void pa_user_run_work(void)
{
	shim_irq_work_run();
	shim_work_run();
	shim_rcu_process();
	shim_irq_work_run();
}

void pa_user_tick(unsigned long ticks)
{
	jiffies += ticks;
	pa_user_run_work();
}

unsigned long pa_user_shrink(void)
{
	return shim_shrink();
}

int pa_user_cpu_down(int cpu)
{
	return shim_cpu_down(cpu);
}

int pa_user_cpu_up(int cpu)
{
	return shim_cpu_up(cpu);
}

void pa_user_fail(unsigned long pages, unsigned long kmalloc_n,
		  unsigned long vmalloc_n)
{
	shim_fail_pages = pages;
	shim_fail_kmalloc = kmalloc_n;
	shim_fail_vmalloc = vmalloc_n;
}

void pa_user_nmi_enter(void)
{
	shim_ctx.nmi++;
	preempt_disable();
}

void pa_user_nmi_exit(void)
{
	preempt_enable();
	shim_ctx.nmi--;
}

unsigned long pa_user_pages(void)
{
	return shim_pages_live();
}

void pa_user_init_on(bool alloc, bool free_)
{
	shim_init_on_alloc = alloc;
	shim_init_on_free = free_;
}

void pa_user_seed(unsigned long long seed)
{
	shim_random_seed(seed);
}

long pa_user_debugfs_read(const char *path, char *buf, size_t len)
{
	return shim_debugfs_read(path, buf, len);
}

int pa_user_param_get(const char *name, char *buf, size_t len)
{
	const struct kernel_param *kp = shim_param_find(name);
	char tmp[4096];
	int n;

	if (!kp)
		return -ENOENT;
	if (!kp->ops->get)
		return -EPERM;
	n = kp->ops->get(tmp, kp);
	if (n < 0)
		return n;
	strscpy(buf, tmp, len);
	return n;
}

void pa_user_quiet(bool quiet)
{
	shim_quiet = quiet;
}

void pa_user_abort_on_warn(bool abort_on_warn)
{
	shim_abort_on_warn = abort_on_warn;
}

unsigned long pa_user_warnings(void)
{
	return shim_warnings;
}

unsigned long pa_user_log_lines(void)
{
	return shim_log_lines;
}

void pa_user_log_hook(void (*hook)(const char *line))
{
	shim_log_hook = hook;
}
