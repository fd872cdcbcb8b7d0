// SPDX-License-Identifier: GPL-2.0
/*
 * Helpers shared by the pool_alloc KUnit suites: the class table as the
 * specification gives it, pools that are destroyed when a test ends, and
 * reading the debugfs files from inside the kernel.
 */
#include <linux/module.h>
#include <linux/fs.h>
#include <linux/uio.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/err.h>
#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/sched.h>
#include <linux/irq_work.h>
#include <linux/jiffies.h>
#include <linux/vmalloc.h>
#include <linux/fault-inject.h>
#include <linux/umh.h>
#include <linux/kasan.h>
#include <linux/kallsyms.h>
#include "pa_test.h"

/**
 * pa_test_expected_classes() - the class sizes the specification asks for
 * @small_max: the largest class
 * @sizes: filled with the sizes, ascending
 * @max: room in @sizes
 *
 * Multiples of 16 up to 512, then eight classes per doubling in steps of at
 * most 128 bytes.  Written independently of src/class.c on purpose.
 *
 * Return: how many classes.
 */
unsigned int pa_test_expected_classes(unsigned int small_max,
				      unsigned int *sizes, unsigned int max)
{
	unsigned int n = 0, size, step;

	for (size = 16; size <= 512 && n < max; size += 16)
		sizes[n++] = size;
	for (size = 512; n < max;) {
		step = 1U << (ilog2(size) - 3);
		if (step > 128)
			step = 128;
		size += step;
		if (size > small_max)
			break;
		sizes[n++] = size;
	}
	return n;
}

static void destroy_pool_action(void *pool)
{
	pa_pool_destroy(pool);
}

/**
 * pa_test_pool_flags() - a fresh pool with pa_pool_create() flags
 * @test: the test
 * @name: a prefix for its name
 * @flags: the flags
 *
 * Return: the pool, destroyed when the test ends; the test is aborted if it
 * cannot be created.
 */
struct pa_pool *pa_test_pool_flags(struct kunit *test, const char *name,
				   unsigned int flags)
{
	static atomic_t serial = ATOMIC_INIT(0);
	char full[PA_POOL_NAME_MAX];
	struct pa_pool *pool;

	snprintf(full, sizeof(full), "%s-%d", name, atomic_inc_return(&serial));
	pool = pa_pool_create(full, flags);
	KUNIT_ASSERT_FALSE_MSG(test, IS_ERR(pool), "pa_pool_create(%s): %ld",
			       full, PTR_ERR(pool));
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, destroy_pool_action,
						  pool));
	return pool;
}

/**
 * pa_test_fill() - write bytes that KASAN guards
 * @p: where
 * @value: the byte
 * @n: how many
 *
 * For the memory a test looks at on the allocator's behalf, beyond what a
 * client may touch: a block's slack past its request (a redzone), a free
 * block, the uncarved end of a run.  No KASAN report for these accesses.
 */
void pa_test_fill(void *p, int value, size_t n)
{
	kasan_disable_current();
	memset(p, value, n);
	kasan_enable_current();
}

/**
 * pa_test_bytes_are() - compare bytes that KASAN guards
 * @p: where
 * @value: the byte expected
 * @n: how many
 *
 * Return: true when all @n bytes at @p are @value; no KASAN report.
 */
bool pa_test_bytes_are(const void *p, u8 value, size_t n)
{
	bool same;

	kasan_disable_current();
	same = !memchr_inv(p, value, n);
	kasan_enable_current();
	return same;
}

/**
 * pa_test_pool() - a fresh pool, destroyed when the test ends
 * @test: the test
 * @name: a prefix for its name
 *
 * Return: the pool; the test is aborted if it cannot be created.
 */
struct pa_pool *pa_test_pool(struct kunit *test, const char *name)
{
	return pa_test_pool_flags(test, name, 0);
}

/**
 * pa_test_pin() - keep the test on the CPU it runs on, until it ends
 * @test: the test
 *
 * Tests that look at which block or run a CPU's cache hands out next must
 * not migrate half-way (the test kernel is preemptible).  The test's thread
 * exits when the test ends, so the pinning goes with it.
 */
void pa_test_pin(struct kunit *test)
{
	const struct cpumask *here = cpumask_of(raw_smp_processor_id());

	KUNIT_ASSERT_EQ(test, set_cpus_allowed_ptr(current, here), 0);
}

/**
 * pa_test_stash_block() - a medium block of a test on the large path's stash
 * @test: the test; skipped with backend=kmalloc, which has no stash
 * @pool: the pool
 * @size: more than small_max, at most 32 KiB
 *
 * Pins the test to its CPU and empties every stash first, so that what the
 * test frees next is what this CPU's stash holds.
 *
 * Context: process context; the test stays on its CPU until it ends.
 * Return: the block, contiguous pages; the test fails if there is none,
 * and is skipped if the page allocator gave none (a fragmented VM).
 */
void *pa_test_stash_block(struct kunit *test, struct pa_pool *pool,
			  size_t size)
{
	void *p;

	pa_test_need_pool_backend(test, "large-block stash");
	pa_test_pin(test);
	pa_large_stash_drain(-1);
	p = pa_pool_alloc(pool, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, p);
	if (is_vmalloc_addr(p)) {
		pa_free(p);
		kunit_skip(test, "no contiguous pages of %zu bytes", size);
	}
	return p;
}

/**
 * pa_test_irq_on_busy_cache() - an interrupt while this CPU's cache is busy
 * @cls: the class whose cache on this CPU is marked busy, as the fast paths
 *	mark it while they change it
 * @work: initialised irq_work, whose function sets *@done when it has run
 * @done: 0 before
 *
 * Queues @work with the cache marked busy and waits (interrupts on, for at
 * most a second) for it to run there, then unmarks the cache and waits for
 * @work to finish.  The caller checks *@done and what the work did
 * afterwards: a failed expectation may allocate.
 *
 * Context: process context, the test pinned to its CPU (pa_test_pin()).
 * Return: how many blocks the cache gained meanwhile (negative: lost).
 */
int pa_test_irq_on_busy_cache(struct pa_class *cls, struct irq_work *work,
			      atomic_t *done)
{
	unsigned long deadline;
	struct pa_cpu_cache *c;
	int moved;

	preempt_disable();
	c = this_cpu_ptr(cls->cache);
	moved = -(int)c->count;
	WRITE_ONCE(c->busy, 1);
	irq_work_queue(work);
	/* Interrupts are on: the work runs at once, or at the next tick. */
	deadline = jiffies + HZ;
	while (!atomic_read(done) && time_before(jiffies, deadline))
		cpu_relax();
	moved += c->count;
	WRITE_ONCE(c->busy, 0);
	preempt_enable();
	irq_work_sync(work);
	return moved;
}

/* One read of @file at *@pos into @buf, through read_iter or seq_file. */
static ssize_t read_some(struct file *file, char *buf, size_t len, loff_t *pos)
{
	struct kvec kvec = { .iov_base = buf, .iov_len = len };
	struct iov_iter iter;
	struct kiocb kiocb;
	ssize_t n;

	if (file->f_op->read_iter)
		return kernel_read(file, buf, len, pos);
	/*
	 * debugfs wraps its files in proxy operations that have no read_iter,
	 * which kernel_read() needs; ours are all seq_files, so read the
	 * seq_file directly.
	 */
	init_sync_kiocb(&kiocb, file);
	kiocb.ki_pos = *pos;
	iov_iter_kvec(&iter, ITER_DEST, &kvec, 1, len);
	n = seq_read_iter(&kiocb, &iter);
	*pos = kiocb.ki_pos;
	return n;
}

/**
 * pa_test_read_file() - read a whole sysfs or debugfs file into @buf
 * @path: absolute path
 * @buf: the buffer, NUL-terminated on success
 * @size: its size
 *
 * Return: bytes read, or a negative errno (-EFBIG if it does not fit).
 */
int pa_test_read_file(const char *path, char *buf, size_t size)
{
	struct file *file;
	loff_t pos = 0;
	ssize_t n, total = 0;

	file = filp_open(path, O_RDONLY, 0);
	if (IS_ERR(file))
		return PTR_ERR(file);
	while ((n = read_some(file, buf + total, size - 1 - total, &pos)) > 0) {
		total += n;
		if (total == size - 1)
			break;
	}
	filp_close(file, NULL);
	if (n < 0)
		return n;
	if (total == size - 1)
		return -EFBIG;
	buf[total] = '\0';
	return total;
}

/**
 * pa_test_need_cpus() - skip the test unless @n CPUs are online
 * @test: the test
 * @n: how many it needs
 */
void pa_test_need_cpus(struct kunit *test, unsigned int n)
{
	if (num_online_cpus() < n)
		kunit_skip(test, "needs %u online CPUs, has %u", n,
			   num_online_cpus());
}

/**
 * pa_test_init_pool_backend() - a suite's init that skips every case of a
 *	suite about the pool backend's machinery under backend=kmalloc
 * @test: the test
 *
 * Return: 0; the case is skipped (and never runs) under backend=kmalloc.
 */
int pa_test_init_pool_backend(struct kunit *test)
{
	pa_test_need_pool_backend(test, "size classes, runs, arenas and caches");
	return 0;
}

/**
 * pa_test_need_pool_backend() - skip the test under backend=kmalloc
 * @test: the test
 * @what: what it tests that only the pool backend has
 */
void pa_test_need_pool_backend(struct kunit *test, const char *what)
{
	if (pa_large_kmalloc)
		kunit_skip(test, "tests the pool backend's %s; loaded with backend=kmalloc",
			   what);
}

/*
 * fail_page_alloc's settings are debugfs attributes, which the kernel cannot
 * read or write through the VFS (they have no read_iter or write_iter), so
 * a test arms them as an administrator would, with a shell.  The filters go
 * first and the probability last, since probability 100 with the defaults
 * would fail every allocation of the machine; the saved values go back in
 * the reverse order.
 */
#define FAIL_DIR	"/sys/kernel/debug/fail_page_alloc"
#define FAIL_SAVED	"/tmp/pa_test_fail_page_alloc"
#define FAIL_ATTRS	"task-filter min-order ignore-gfp-wait ignore-gfp-highmem verbose times"
#define FAIL_SMRETTA	"times verbose ignore-gfp-highmem ignore-gfp-wait min-order task-filter"
#define FAIL_SAVE \
	"cd %s && for f in %s probability; do cat $f >%s.$f || exit 1; done"
/* The values of FAIL_ATTRS, in order, then probability's. */
#define FAIL_ARM \
	"cd %s && set -- Y %u N N 0 -1 100 && for f in %s probability; do echo $1 >$f && shift || exit 1; done"
#define FAIL_RESTORE \
	"cd %s && for f in probability %s; do cat %s.$f >$f; done"

/**
 * pa_test_shell() - run a shell command as a user-mode helper
 * @fmt: the command, a printf format
 *
 * For what the kernel cannot do through the VFS: debugfs attributes and
 * control files have no read_iter or write_iter.
 *
 * Return: the command's exit status, or a negative errno.
 */
int pa_test_shell(const char *fmt, ...)
{
	char cmd[320], *argv[4], *envp[2];
	va_list args;

	va_start(args, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, args);
	va_end(args);
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = cmd;
	argv[3] = NULL;
	envp[0] = "PATH=/sbin:/bin:/usr/sbin:/usr/bin";
	envp[1] = NULL;
	return call_usermodehelper(argv[0], argv, envp, UMH_WAIT_PROC);
}

static void fail_pages_restore(void *unused)
{
	pa_test_shell(FAIL_RESTORE, FAIL_DIR, FAIL_SMRETTA, FAIL_SAVED);
}

/**
 * pa_test_fail_pages() - make the page allocator fail for this task
 * @test: the test
 * @min_order: the smallest order that fails
 *
 * Arms fail_page_alloc for the tasks that set make_it_fail (the test sets it
 * on itself around the calls that must fail), so the rest of the system is
 * unaffected, and puts the previous settings back when the test ends.  Skips
 * the test where the kernel has no fail_page_alloc in debugfs, or no shell.
 */
void pa_test_fail_pages(struct kunit *test, unsigned int min_order)
{
	int err;

	err = pa_test_shell(FAIL_SAVE, FAIL_DIR, FAIL_ATTRS, FAIL_SAVED);
	if (err)
		kunit_skip(test, "cannot save %s with /bin/sh", FAIL_DIR);
	KUNIT_ASSERT_EQ(test, 0,
			kunit_add_action_or_reset(test, fail_pages_restore,
						  NULL));
	err = pa_test_shell(FAIL_ARM, FAIL_DIR, min_order, FAIL_ATTRS);
	KUNIT_ASSERT_EQ_MSG(test, err, 0, "arming fail_page_alloc");
}

#ifdef CONFIG_FAULT_INJECTION
static struct fault_attr fault_saved;

/**
 * pa_test_fault_arm() - fail this thread's @nth request from now, only that
 * @nth: which of the requests pool_alloc makes of the kernel's allocators
 *
 * Saves pool_alloc's fault attribute for pa_test_fault_disarm() to put back.
 */
void pa_test_fault_arm(unsigned int nth)
{
	fault_saved = pa_fault_attr;
	pa_fault_attr.verbose = 0;
	/* This thread's requests only: not a worker's, nor another client's. */
	pa_fault_attr.task_filter = true;
	current->make_it_fail = true;
	atomic_set(&pa_fault_attr.space, 0);
	pa_fault_attr.interval = nth;
	pa_fault_attr.count = 0;
	atomic_set(&pa_fault_attr.times, 1);
	/* Last: should_fail() reads it first. */
	WRITE_ONCE(pa_fault_attr.probability, 100);
}

/**
 * pa_test_fault_disarm() - undo pa_test_fault_arm()
 *
 * Return: whether the armed request was reached and failed.
 */
bool pa_test_fault_disarm(void)
{
	bool failed = atomic_read(&pa_fault_attr.times) == 0;

	WRITE_ONCE(pa_fault_attr.probability, 0);
	current->make_it_fail = false;
	pa_fault_attr.verbose = fault_saved.verbose;
	pa_fault_attr.task_filter = fault_saved.task_filter;
	pa_fault_attr.count = fault_saved.count;
	pa_fault_attr.interval = fault_saved.interval;
	atomic_set(&pa_fault_attr.times, atomic_read(&fault_saved.times));
	atomic_set(&pa_fault_attr.space, atomic_read(&fault_saved.space));
	return failed;
}
#endif

/*
 * The field names the stats files must print, listed here independently of
 * src/debugfs.c so that a field missing or misplaced there fails the test.
 */
#define FIELD(f) { #f, offsetof(struct pa_stats, f) }
static const struct {
	const char *name;
	size_t offset;
} fields[] = {
	FIELD(allocs), FIELD(frees), FIELD(failures), FIELD(live_blocks),
	FIELD(live_bytes_requested), FIELD(live_bytes_allocated),
	FIELD(large_live), FIELD(large_bytes), FIELD(arenas_current),
	FIELD(arenas_highwater), FIELD(arenas_allocated),
	FIELD(arenas_reclaimed), FIELD(runs_in_use), FIELD(pages_held),
	FIELD(invalid_frees), FIELD(err_overflow_before),
	FIELD(err_overflow_after), FIELD(err_use_after_free),
	FIELD(err_double_free), FIELD(err_wrong_pool), FIELD(err_freelist),
};

#undef FIELD

/**
 * pa_test_parse_stats() - parse a stats file
 * @text: "key: value" lines
 * @st: filled in
 *
 * Return: 0 when every line is a known key and every key appears once,
 * else -EINVAL.
 */
int pa_test_parse_stats(const char *text, struct pa_stats *st)
{
	bool seen[ARRAY_SIZE(fields)] = { };
	char key[32];
	unsigned long long value;
	unsigned int i;
	int len;

	memset(st, 0, sizeof(*st));
	while (*text) {
		if (sscanf(text, "%31[^:]: %llu%n", key, &value, &len) != 2)
			return -EINVAL;
		for (i = 0; i < ARRAY_SIZE(fields); i++)
			if (!strcmp(key, fields[i].name))
				break;
		if (i == ARRAY_SIZE(fields) || seen[i])
			return -EINVAL;
		seen[i] = true;
		*(u64 *)((char *)st + fields[i].offset) = value;
		text += len;
		if (*text++ != '\n')
			return -EINVAL;
	}
	for (i = 0; i < ARRAY_SIZE(fields); i++)
		if (!seen[i])
			return -EINVAL;
	return 0;
}

/**
 * pa_test_read_stats() - read and parse a stats file
 * @path: its path
 * @st: filled in
 *
 * Return: 0 or a negative errno.
 */
int pa_test_read_stats(const char *path, struct pa_stats *st)
{
	char *buf = kmalloc(PAGE_SIZE, GFP_KERNEL);
	int ret;

	if (!buf)
		return -ENOMEM;
	ret = pa_test_read_file(path, buf, PAGE_SIZE);
	if (ret >= 0)
		ret = pa_test_parse_stats(buf, st);
	kfree(buf);
	return ret;
}

/**
 * pa_test_caller_is() - whether an address lies in the function named
 * @caller: a return address, as the allocator records it
 * @func: a function's name
 *
 * "%ps" prints the function's name, then " [module]" for a module's.
 *
 * Return: true when @caller is inside @func.
 */
bool pa_test_caller_is(unsigned long caller, const char *func)
{
	char name[KSYM_SYMBOL_LEN];
	size_t len = strlen(func);

	snprintf(name, sizeof(name), "%ps", (void *)caller);
	return !strncmp(name, func, len) &&
	       (name[len] == '\0' || name[len] == ' ');
}

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit suites of pool_alloc");
