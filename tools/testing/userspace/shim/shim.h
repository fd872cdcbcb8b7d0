/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: what the shim's files call in each other, and what the
 * harness (pa_user.c) drives.  Not seen by the core.
 */
#ifndef _SHIM_SHIM_H
#define _SHIM_SHIM_H

void shim_thread_init(int cpu);
void shim_run_as_cpu(int cpu, void (*fn)(void *arg), void *arg);
void shim_run_on_cpu(int cpu, void (*fn)(void *arg), void *arg);
void shim_cpu_quiesce(void);
void shim_percpu_init(void);
void shim_hotplug_begin(void);
void shim_hotplug_end(void);
int shim_cpu_down(unsigned int cpu);
int shim_cpu_up(unsigned int cpu);

void shim_mm_init(void);
unsigned long shim_pages_live(void);

/* Defined by module_init() and module_exit() in the core. */
int shim_module_init(void);
void shim_module_exit(void);

/* The linker's bounds of the shim's sections. */
extern char __start_pa_percpu[], __stop_pa_percpu[];
extern const struct kernel_param __start_pa_params[], __stop_pa_params[];

void shim_work_run(void);
void shim_irq_work_run(void);

unsigned long shim_shrink(void);
const struct kernel_param *shim_param_find(const char *name);
ssize_t shim_debugfs_read(const char *path, char *buf, size_t len);

extern bool shim_quiet, shim_abort_on_warn;
extern unsigned long shim_warnings, shim_log_lines;
extern void (*shim_log_hook)(const char *line);

#endif /* _SHIM_SHIM_H */
