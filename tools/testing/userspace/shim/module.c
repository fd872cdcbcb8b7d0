// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim: module plumbing, parameters, hotplug states, shrinkers,
 * debugfs and seq_file, static keys (include/shim/module.h, kernel.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <stdarg.h>
#include "../include/shim/kernel.h"
#include "shim.h"

struct module __this_module = { .name = KBUILD_MODNAME };

int register_module_notifier(struct notifier_block *nb)
{
	return 0;
}

int unregister_module_notifier(struct notifier_block *nb)
{
	return 0;
}

/* ---- Parameters ---------------------------------------------------------- */

const struct kernel_param *shim_param_find(const char *name)
{
	const struct kernel_param *kp;

	for (kp = __start_pa_params; kp < __stop_pa_params; kp++)
		if (!strcmp(kp->name, name))
			return kp;
	return NULL;
}

int param_set_bool(const char *val, const struct kernel_param *kp)
{
	return kstrtobool(val ? val : "1", kp->arg);
}

int param_get_bool(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%c\n", *(bool *)kp->arg ? 'Y' : 'N');
}

int param_set_uint(const char *val, const struct kernel_param *kp)
{
	return kstrtouint(val, 0, kp->arg);
}

int param_get_uint(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%u\n", *(unsigned int *)kp->arg);
}

int param_set_int(const char *val, const struct kernel_param *kp)
{
	return kstrtoint(val, 0, kp->arg);
}

int param_get_int(char *buffer, const struct kernel_param *kp)
{
	return sprintf(buffer, "%d\n", *(int *)kp->arg);
}

const struct kernel_param_ops param_ops_uint = {
	.set = param_set_uint, .get = param_get_uint,
};

const struct kernel_param_ops param_ops_bool = {
	.set = param_set_bool, .get = param_get_bool,
};

const struct kernel_param_ops param_ops_int = {
	.set = param_set_int, .get = param_get_int,
};

/* ---- CPU hotplug states -------------------------------------------------- */

struct hp_state {
	int (*startup)(unsigned int cpu);
	int (*teardown)(unsigned int cpu);
	bool used, ap;		/* ap: runs on the CPU, else on another */
};

#define HP_STATES	8
static struct hp_state hp_states[HP_STATES];

struct hp_call {
	int (*fn)(unsigned int cpu);
	unsigned int cpu;
	int ret;
};

static void hp_call_fn(void *arg)
{
	struct hp_call *c = arg;

	c->ret = c->fn(c->cpu);
}

/* An AP state's callback runs on the CPU itself; a BP one elsewhere. */
static int hp_call(struct hp_state *s, int (*fn)(unsigned int cpu),
		   unsigned int cpu)
{
	struct hp_call c = { fn, cpu, 0 };

	if (!fn)
		return 0;
	if (s->ap)
		shim_run_on_cpu(cpu, hp_call_fn, &c);
	else
		hp_call_fn(&c);
	return c.ret;
}

static int hp_setup(enum cpuhp_state state, int (*startup)(unsigned int cpu),
		    int (*teardown)(unsigned int cpu), bool calls)
{
	unsigned int i, cpu;
	struct hp_state *s;

	for (i = 0; i < HP_STATES && hp_states[i].used; i++)
		;
	if (i == HP_STATES)
		return -ENOSPC;
	s = &hp_states[i];
	s->startup = startup;
	s->teardown = teardown;
	s->ap = state == CPUHP_AP_ONLINE_DYN;
	s->used = true;
	if (calls)
		for_each_online_cpu(cpu) {
			int err = hp_call(s, startup, cpu);

			if (err) {
				s->used = false;
				return err;
			}
		}
	/* Dynamic states are numbered from 1 here; 0 means none. */
	return i + 1;
}

int cpuhp_setup_state(enum cpuhp_state state, const char *name,
		      int (*startup)(unsigned int cpu),
		      int (*teardown)(unsigned int cpu))
{
	int ret;

	shim_hotplug_begin();
	ret = hp_setup(state, startup, teardown, true);
	shim_hotplug_end();
	return ret;
}

int cpuhp_setup_state_nocalls(enum cpuhp_state state, const char *name,
			      int (*startup)(unsigned int cpu),
			      int (*teardown)(unsigned int cpu))
{
	return hp_setup(state, startup, teardown, false);
}

static void hp_remove(int state, bool calls)
{
	struct hp_state *s;
	unsigned int cpu;

	if (state < 1 || state > HP_STATES || !hp_states[state - 1].used)
		return;
	s = &hp_states[state - 1];
	if (calls)
		for_each_online_cpu(cpu)
			hp_call(s, s->teardown, cpu);
	s->used = false;
}

void cpuhp_remove_state(enum cpuhp_state state)
{
	shim_hotplug_begin();
	hp_remove(state, true);
	shim_hotplug_end();
}

void cpuhp_remove_state_nocalls(enum cpuhp_state state)
{
	hp_remove(state, false);
}

/*
 * Take a CPU down: its AP states' teardowns run on it, then, with it gone
 * from the online mask, the BP states' teardowns run elsewhere (the DEAD
 * states).  The last online CPU stays.
 */
int shim_cpu_down(unsigned int cpu)
{
	int i;

	if (cpu >= nr_cpu_ids || !cpu_online(cpu) || num_online_cpus() == 1)
		return -EINVAL;
	shim_hotplug_begin();
	for (i = HP_STATES - 1; i >= 0; i--)
		if (hp_states[i].used && hp_states[i].ap)
			hp_call(&hp_states[i], hp_states[i].teardown, cpu);
	__atomic_fetch_and(&shim_cpu_online_mask.bits[0], ~(1UL << cpu),
			   __ATOMIC_SEQ_CST);
	for (i = HP_STATES - 1; i >= 0; i--)
		if (hp_states[i].used && !hp_states[i].ap)
			hp_call(&hp_states[i], hp_states[i].teardown, cpu);
	shim_hotplug_end();
	return 0;
}

int shim_cpu_up(unsigned int cpu)
{
	int i, err = 0;

	if (cpu >= nr_cpu_ids || cpu_online(cpu))
		return -EINVAL;
	shim_hotplug_begin();
	for (i = 0; i < HP_STATES && !err; i++)
		if (hp_states[i].used && !hp_states[i].ap)
			err = hp_call(&hp_states[i], hp_states[i].startup, cpu);
	__atomic_fetch_or(&shim_cpu_online_mask.bits[0], 1UL << cpu,
			  __ATOMIC_SEQ_CST);
	for (i = 0; i < HP_STATES && !err; i++)
		if (hp_states[i].used && hp_states[i].ap)
			err = hp_call(&hp_states[i], hp_states[i].startup, cpu);
	shim_hotplug_end();
	return err;
}

/* ---- Shrinkers ------------------------------------------------------------ */

static LIST_HEAD(shrinkers);
static pthread_mutex_t shrinker_lock = PTHREAD_MUTEX_INITIALIZER;

struct shrinker *shrinker_alloc(unsigned int flags, const char *fmt, ...)
{
	struct shrinker *s = calloc(1, sizeof(*s));

	if (s)
		INIT_LIST_HEAD(&s->list);
	return s;
}

void shrinker_register(struct shrinker *s)
{
	pthread_mutex_lock(&shrinker_lock);
	list_add_tail(&s->list, &shrinkers);
	pthread_mutex_unlock(&shrinker_lock);
}

void shrinker_free(struct shrinker *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&shrinker_lock);
	if (!list_empty(&s->list))
		list_del(&s->list);
	pthread_mutex_unlock(&shrinker_lock);
	free(s);
}

/* Ask every shrinker for all it counts, as memory pressure would. */
unsigned long shim_shrink(void)
{
	struct shrink_control sc = { .gfp_mask = GFP_KERNEL };
	unsigned long freed = 0, n;
	struct shrinker *s;

	pthread_mutex_lock(&shrinker_lock);
	list_for_each_entry(s, &shrinkers, list) {
		n = s->count_objects(s, &sc);
		if (!n || n == SHRINK_EMPTY)
			continue;
		sc.nr_to_scan = n;
		sc.nr_scanned = n;
		n = s->scan_objects(s, &sc);
		if (n != SHRINK_STOP)
			freed += n;
	}
	pthread_mutex_unlock(&shrinker_lock);
	return freed;
}

/* ---- debugfs and seq_file -------------------------------------------------- */

struct dentry {
	struct dentry *parent, *next;
	char name[64];
	void *data;
	const struct file_operations *fops;
	bool removed;
};

static struct dentry *dentries;
static pthread_mutex_t dentry_lock = PTHREAD_MUTEX_INITIALIZER;

static struct dentry *dentry_new(const char *name, struct dentry *parent,
				 void *data, const struct file_operations *fops)
{
	struct dentry *d = calloc(1, sizeof(*d));

	if (!d)
		return ERR_PTR(-ENOMEM);
	strscpy(d->name, name, sizeof(d->name));
	d->parent = parent;
	d->data = data;
	d->fops = fops;
	pthread_mutex_lock(&dentry_lock);
	d->next = dentries;
	dentries = d;
	pthread_mutex_unlock(&dentry_lock);
	return d;
}

struct dentry *debugfs_create_dir(const char *name, struct dentry *parent)
{
	return dentry_new(name, parent, NULL, NULL);
}

struct dentry *debugfs_create_file(const char *name, umode_t mode,
				   struct dentry *parent, void *data,
				   const struct file_operations *fops)
{
	return dentry_new(name, parent, data, fops);
}

static bool dentry_gone(const struct dentry *d)
{
	for (; d; d = d->parent)
		if (d->removed)
			return true;
	return false;
}

/*
 * Free @dentry and everything below it, as debugfs_remove_recursive():
 * every entry is marked first, while the parents the marking walks are
 * still there, then the marked ones are unlinked and freed.  A process
 * that creates and destroys pools for hours keeps a constant list.
 */
void debugfs_remove(struct dentry *dentry)
{
	struct dentry *d, **pd;

	if (IS_ERR_OR_NULL(dentry))
		return;
	pthread_mutex_lock(&dentry_lock);
	dentry->removed = true;
	for (d = dentries; d; d = d->next)
		if (dentry_gone(d))
			d->removed = true;
	for (pd = &dentries; (d = *pd); ) {
		if (d->removed) {
			*pd = d->next;
			free(d);
		} else {
			pd = &d->next;
		}
	}
	pthread_mutex_unlock(&dentry_lock);
}

static bool dentry_is(const struct dentry *d, const char *path, size_t len)
{
	size_t n;

	if (!d)
		return len == 0;
	n = strlen(d->name);
	if (n > len || memcmp(path + len - n, d->name, n))
		return false;
	if (!d->parent)
		return n == len;
	return len > n && path[len - n - 1] == '/' &&
	       dentry_is(d->parent, path, len - n - 1);
}

/*
 * Read the debugfs file at @path ("pool_alloc/stats"), as cat would: into
 * @buf, NUL-terminated.  Return: its length, or -ENOENT.
 */
ssize_t shim_debugfs_read(const char *path, char *buf, size_t len)
{
	const struct file_operations *fops = NULL;
	struct inode inode = { 0 };
	struct file file = { 0 };
	struct dentry *d;
	ssize_t n, total = 0;
	loff_t pos = 0;
	int err;

	pthread_mutex_lock(&dentry_lock);
	for (d = dentries; d; d = d->next)
		if (d->fops && dentry_is(d, path, strlen(path)))
			break;
	/* The entry may be removed and freed once the lock is dropped. */
	if (d) {
		fops = d->fops;
		inode.i_private = d->data;
	}
	pthread_mutex_unlock(&dentry_lock);
	if (!d)
		return -ENOENT;
	err = fops->open ? fops->open(&inode, &file) : 0;
	if (err)
		return err;
	while (len > 1 && (n = fops->read(&file, buf + total, len - 1, &pos)) > 0) {
		total += n;
		len -= n;
	}
	buf[total] = '\0';
	if (fops->release)
		fops->release(&inode, &file);
	return total;
}

void seq_printf(struct seq_file *m, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vscnprintf(m->buf + m->count, m->size - m->count, fmt, ap);
		va_end(ap);
		if (m->count + n + 1 < m->size)
			break;
		m->size = m->size ? 2 * m->size : 4096;
		m->buf = realloc(m->buf, m->size);
		if (!m->buf)
			abort();
	}
	m->count += n;
}

void seq_puts(struct seq_file *m, const char *s)
{
	seq_printf(m, "%s", s);
}

void seq_putc(struct seq_file *m, char c)
{
	seq_printf(m, "%c", c);
}

int single_open(struct file *file, int (*show)(struct seq_file *m, void *v),
		void *data)
{
	struct seq_file *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->show = show;
	m->private = data;
	file->private_data = m;
	return 0;
}

int single_release(struct inode *inode, struct file *file)
{
	struct seq_file *m = file->private_data;

	free(m->buf);
	free(m);
	return 0;
}

ssize_t seq_read(struct file *file, char __user *buf, size_t len, loff_t *pos)
{
	struct seq_file *m = file->private_data;
	size_t n;

	if (*pos == 0 && !m->buf) {
		int err;

		m->size = 4096;
		m->buf = calloc(1, m->size);
		if (!m->buf)
			return -ENOMEM;
		err = m->show(m, NULL);
		if (err)
			return err;
	}
	if ((size_t)*pos >= m->count)
		return 0;
	n = min(len, m->count - (size_t)*pos);
	memcpy(buf, m->buf + *pos, n);
	*pos += n;
	return n;
}

loff_t seq_lseek(struct file *file, loff_t off, int whence)
{
	return off;
}

/* ---- Static keys ------------------------------------------------------------ */

void static_key_slow_inc(struct static_key *key)
{
	/* The kernel patches code under the hotplug lock: it sleeps. */
	might_sleep();
	atomic_inc(&key->enabled);
}

void static_key_slow_dec(struct static_key *key)
{
	/* The kernel patches code under the hotplug lock: it sleeps. */
	might_sleep();
	atomic_dec(&key->enabled);
}

void static_key_enable(struct static_key *key)
{
	/* The kernel patches code under the hotplug lock: it sleeps. */
	might_sleep();
	atomic_set(&key->enabled, 1);
}

void static_key_disable(struct static_key *key)
{
	/* The kernel patches code under the hotplug lock: it sleeps. */
	might_sleep();
	atomic_set(&key->enabled, 0);
}
