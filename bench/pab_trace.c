// SPDX-License-Identifier: GPL-2.0
/*
 * Metric A: replay of an allocation trace, against kmalloc.
 *
 * A trace is text, one operation a line: "a <id> <size>" allocates an object
 * known as <id> from then on, "f <id>" frees it; '#' starts a comment line.
 * Ids are below 2^32 and may be reused once freed.  bench/trace2ops.py makes
 * traces from the kernel's kmem events.  The file is read from the guest's
 * file system (the initramfs) and checked once; replaying it then only
 * indexes arrays.
 */
#include <linux/kernel.h>
#include <linux/ktime.h>
#include <linux/bitmap.h>
#include <linux/ctype.h>
#include <linux/fs.h>
#include <linux/kernel_read_file.h>
#include <linux/string.h>
#include "pab.h"

/* Largest trace file read; a trace of 200k operations is about 2.5 MiB. */
#define PAB_TRACE_BYTES_MAX	(64 << 20)
/* The op's size field of a free. */
#define PAB_OP_FREE		U32_MAX
/* A trace's name: its file name without directories and ".trace". */
#define PAB_TRACE_NAME		48

struct pab_op {
	u32 id;
	u32 size;			/* bytes, or PAB_OP_FREE */
};

static struct pab_trace {
	struct pab_op *ops;
	size_t nr_ops;
	u32 nr_ids;			/* ids are below this */
	void **objs;			/* by id: the live object, or NULL */
	char name[PAB_TRACE_NAME];
} pab_trace;

void pab_trace_free(void)
{
	vfree(pab_trace.ops);
	vfree(pab_trace.objs);
	memset(&pab_trace, 0, sizeof(pab_trace));
}

/* Read an unsigned decimal at *pos, skipping blanks before it. */
static int pab_parse_u32(const char *buf, size_t len, size_t *pos, u32 *out)
{
	u64 v = 0;
	size_t i = *pos;

	while (i < len && (buf[i] == ' ' || buf[i] == '\t'))
		i++;
	if (i == len || !isdigit(buf[i]))
		return -EINVAL;
	for (; i < len && isdigit(buf[i]); i++) {
		v = v * 10 + (buf[i] - '0');
		if (v > U32_MAX)
			return -ERANGE;
	}
	*pos = i;
	*out = v;
	return 0;
}

/*
 * Parse @buf into @ops (NULL: only count them) and return the number of
 * operations, or a negative errno at the first malformed line.  *@max_id is
 * the largest id seen.
 */
static ssize_t pab_parse(const char *buf, size_t len, struct pab_op *ops,
			 u32 *max_id)
{
	size_t pos = 0, n = 0, line = 0;
	u32 id, size;
	char kind;
	int err;

	*max_id = 0;
	while (pos < len) {
		line++;
		kind = buf[pos++];
		if (kind == 'a' || kind == 'f') {
			err = pab_parse_u32(buf, len, &pos, &id);
			if (!err && kind == 'a')
				err = pab_parse_u32(buf, len, &pos, &size);
			if (err) {
				pab_printf("E trace line %zu: malformed\n", line);
				return err;
			}
			if (ops) {
				ops[n].id = id;
				ops[n].size = kind == 'a' ? size : PAB_OP_FREE;
			}
			*max_id = max(*max_id, id);
			n++;
		} else if (kind != '#' && kind != '\n') {
			pab_printf("E trace line %zu: unknown op\n", line);
			return -EINVAL;
		}
		while (pos < len && buf[pos - 1] != '\n')
			pos++;
	}
	return n;
}

/* Every free must be of a live id, every allocation of a free one. */
static int pab_check(void)
{
	unsigned long *live;
	size_t i;
	int err = 0;

	live = vzalloc(BITS_TO_LONGS(pab_trace.nr_ids) * sizeof(long));
	if (!live)
		return -ENOMEM;
	for (i = 0; i < pab_trace.nr_ops && !err; i++) {
		const struct pab_op *op = &pab_trace.ops[i];
		bool was_live = __test_and_change_bit(op->id, live);
		bool is_free = op->size == PAB_OP_FREE;

		if (was_live != is_free) {
			pab_printf("E trace op %zu: %s of id %u, which is %s\n",
				   i + 1, was_live ? "alloc" : "free", op->id,
				   was_live ? "live" : "not live");
			err = -EINVAL;
		}
	}
	vfree(live);
	return err;
}

/* trace PATH: load the trace at PATH (a file in the guest) for replay. */
int pab_cmd_trace(char *args)
{
	const char *base = strrchr(args, '/') ? strrchr(args, '/') + 1 : args;
	void *buf = NULL;
	ssize_t len, n;
	u32 max_id;
	int err;

	pab_trace_free();
	len = kernel_read_file_from_path(args, 0, &buf, PAB_TRACE_BYTES_MAX,
					 NULL, READING_UNKNOWN);
	if (len < 0) {
		pab_printf("E trace %s: cannot read it (%zd)\n", args, len);
		return len;
	}
	n = pab_parse(buf, len, NULL, &max_id);
	err = n < 0 ? n : -ENOMEM;
	if (n <= 0)
		goto out;
	pab_trace.ops = vmalloc_array(n, sizeof(*pab_trace.ops));
	pab_trace.objs = vcalloc((size_t)max_id + 1, sizeof(void *));
	if (!pab_trace.ops || !pab_trace.objs)
		goto out;
	pab_trace.nr_ops = pab_parse(buf, len, pab_trace.ops, &max_id);
	pab_trace.nr_ids = max_id + 1;
	err = pab_check();
	if (err)
		goto out;
	strscpy(pab_trace.name, base, sizeof(pab_trace.name));
	if (strstr(pab_trace.name, ".trace"))
		*strstr(pab_trace.name, ".trace") = '\0';
	pab_printf("T trace=%s ops=%zu ids=%u\n", pab_trace.name,
		   pab_trace.nr_ops, pab_trace.nr_ids);
out:
	vfree(buf);
	if (err)
		pab_trace_free();
	return err;
}

/* Free what a replay left allocated: the trace's leftovers, or all on error. */
static void pab_replay_cleanup(const struct pab_alloc *a)
{
	u32 id;

	for (id = 0; id < pab_trace.nr_ids; id++) {
		if (pab_trace.objs[id]) {
			pab_free(a, pab_trace.objs[id]);
			pab_trace.objs[id] = NULL;
		}
	}
}

static int pab_replay_run(const struct pab_case *c, const struct pab_alloc *a,
			  u64 *ns)
{
	const struct pab_op *op, *end = pab_trace.ops + pab_trace.nr_ops;
	void **objs = pab_trace.objs;
	u64 t0;
	void *p;

	t0 = ktime_get_ns();
	for (op = pab_trace.ops; op < end; op++) {
		if (op->size != PAB_OP_FREE) {
			p = pab_alloc(a, op->size);
			if (unlikely(!p))
				break;
			objs[op->id] = p;
		} else {
			pab_free(a, objs[op->id]);
			objs[op->id] = NULL;
		}
	}
	*ns = ktime_get_ns() - t0;
	pab_replay_cleanup(a);
	return op == end ? 0 : -ENOMEM;
}

/* replay: replay the loaded trace with pa_alloc() and kmalloc(). */
int pab_cmd_replay(char *args)
{
	static const struct pab_alloc allocs[] = {
		{ .kind = PAB_NONE, .name = "none" },
		{ .kind = PAB_PA, .name = "pa" },
		{ .kind = PAB_KMALLOC, .name = "kmalloc" },
	};
	struct pab_case c = { .metric = "A", .name = "replay", .param = 1,
			      .run = pab_replay_run };

	if (!pab_trace.nr_ops)
		return -ENODATA;
	c.size = pab_trace.name;
	c.ops = pab_trace.nr_ops;
	return pab_measure(&c, allocs, ARRAY_SIZE(allocs));
}
