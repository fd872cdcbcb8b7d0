/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: what makes the core a module, and the kernel interfaces
 * it registers with: module init/exit and parameters, the module notifier,
 * CPU hotplug states, the shrinker, debugfs and seq_file.
 *
 * module_init() and module_exit() define the two functions pa_user_load()
 * and pa_user_unload() call.  module_param_cb() records the parameter in
 * the "pa_params" section, where pa_user_load() finds it by name.  debugfs
 * files are recorded with their path, so a test reads one as a file in
 * /sys/kernel/debug would be read (pa_user_debugfs_read()).  Hotplug
 * callbacks run at setup and when the harness takes a CPU down or up; the
 * shrinker runs when the harness asks.
 */
#ifndef _SHIM_MODULE_H
#define _SHIM_MODULE_H

#include "work.h"

struct module {
	const char *name;
};

extern struct module __this_module;
#define THIS_MODULE	(&__this_module)
#define within_module(addr, mod)	((void)(addr), (void)(mod), false)
#define try_module_get(mod)	true
#define module_put(mod)		do { } while (0)

#define module_init(fn)	int shim_module_init(void) { return fn(); }
#define module_exit(fn)	void shim_module_exit(void) { fn(); }
#define MODULE_LICENSE(x)
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_PARM_DESC(p, d)
#define MODULE_IMPORT_NS(ns)
#define EXPORT_SYMBOL(sym)
#define EXPORT_SYMBOL_GPL(sym)
#define EXPORT_SYMBOL_NS_GPL(sym, ns)

enum module_state {
	MODULE_STATE_LIVE,
	MODULE_STATE_COMING,
	MODULE_STATE_GOING,
	MODULE_STATE_UNFORMED,
};

struct notifier_block {
	int (*notifier_call)(struct notifier_block *nb, unsigned long action,
			     void *data);
	struct notifier_block *next;
	int priority;
};

#define NOTIFY_DONE	0x0000
#define NOTIFY_OK	0x0001
int register_module_notifier(struct notifier_block *nb);
int unregister_module_notifier(struct notifier_block *nb);

/* moduleparam.h */
struct kernel_param;
struct kernel_param_ops {
	unsigned int flags;
	int (*set)(const char *val, const struct kernel_param *kp);
	int (*get)(char *buffer, const struct kernel_param *kp);
	void (*free)(void *arg);
};

struct kernel_param {
	const char *name;
	const struct kernel_param_ops *ops;
	void *arg;
};

#define module_param_cb(name, ops, arg, perm)				\
	static const struct kernel_param __param_##name			\
	__attribute__((__used__, __section__("pa_params"),		\
		       __aligned__(sizeof(void *)))) =			\
		{ #name, ops, arg }
extern const struct kernel_param_ops param_ops_uint, param_ops_bool,
	param_ops_int, param_ops_ulong;
#define module_param_named(name, value, type, perm) \
	module_param_cb(name, &param_ops_##type, &(value), perm)
#define module_param(name, type, perm) module_param_named(name, name, type, perm)
int param_set_bool(const char *val, const struct kernel_param *kp);
int param_get_bool(char *buffer, const struct kernel_param *kp);
int param_set_uint(const char *val, const struct kernel_param *kp);
int param_get_uint(char *buffer, const struct kernel_param *kp);
int param_set_int(const char *val, const struct kernel_param *kp);
int param_get_int(char *buffer, const struct kernel_param *kp);

/* cpuhotplug.h */
enum cpuhp_state {
	CPUHP_INVALID = -1,
	CPUHP_OFFLINE = 0,
	CPUHP_BP_PREPARE_DYN = 100,
	CPUHP_AP_ONLINE_DYN = 200,
};
int cpuhp_setup_state(enum cpuhp_state state, const char *name,
		      int (*startup)(unsigned int cpu),
		      int (*teardown)(unsigned int cpu));
int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu));
void cpuhp_remove_state(enum cpuhp_state state);
void cpuhp_remove_state_nocalls(enum cpuhp_state state);

/* shrinker.h, the 6.7+ interface (PA_HAVE_SHRINKER_ALLOC) */
struct shrink_control {
	gfp_t gfp_mask;
	int nid;
	unsigned long nr_to_scan;
	unsigned long nr_scanned;
};

struct shrinker {
	unsigned long (*count_objects)(struct shrinker *s,
				       struct shrink_control *sc);
	unsigned long (*scan_objects)(struct shrinker *s,
				      struct shrink_control *sc);
	long batch;
	int seeks;
	unsigned int flags;
	void *private_data;
	struct list_head list;
};

#define DEFAULT_SEEKS	2
#define SHRINK_STOP	(~0UL)
#define SHRINK_EMPTY	(~0UL - 1)
__printf(2, 3) struct shrinker *shrinker_alloc(unsigned int flags,
					       const char *fmt, ...);
void shrinker_register(struct shrinker *shrinker);
void shrinker_free(struct shrinker *shrinker);

/* fs.h, debugfs.h, seq_file.h */
struct seq_file;
struct inode {
	void *i_private;
};

struct file {
	void *private_data;
};


struct file_operations {
	struct module *owner;
	int (*open)(struct inode *inode, struct file *file);
	ssize_t (*read)(struct file *file, char __user *buf, size_t len,
			loff_t *pos);
	ssize_t (*write)(struct file *file, const char __user *buf, size_t len,
			 loff_t *pos);
	loff_t (*llseek)(struct file *file, loff_t off, int whence);
	int (*release)(struct inode *inode, struct file *file);
};

struct dentry;
struct dentry *debugfs_create_dir(const char *name, struct dentry *parent);
struct dentry *debugfs_create_file(const char *name, umode_t mode,
				   struct dentry *parent, void *data,
				   const struct file_operations *fops);
void debugfs_remove(struct dentry *dentry);
#define debugfs_remove_recursive(d)	debugfs_remove(d)

struct seq_file {
	char *buf;
	size_t size, count;
	void *private;
	int (*show)(struct seq_file *m, void *v);
};

__printf(2, 3) void seq_printf(struct seq_file *m, const char *fmt, ...);
void seq_puts(struct seq_file *m, const char *s);
void seq_putc(struct seq_file *m, char c);
int single_open(struct file *file, int (*show)(struct seq_file *m, void *v),
		void *data);
int single_release(struct inode *inode, struct file *file);
ssize_t seq_read(struct file *file, char __user *buf, size_t len, loff_t *pos);
loff_t seq_lseek(struct file *file, loff_t off, int whence);
#define simple_open	NULL

#define DEFINE_SHOW_ATTRIBUTE(__name)					\
static int __name ## _open(struct inode *inode, struct file *file)	\
{									\
	return single_open(file, __name ## _show, inode->i_private);	\
}									\
									\
static const struct file_operations __name ## _fops = {		\
	.owner		= THIS_MODULE,					\
	.open		= __name ## _open,				\
	.read		= seq_read,					\
	.llseek		= seq_lseek,					\
	.release	= single_release,				\
}

#endif /* _SHIM_MODULE_H */
