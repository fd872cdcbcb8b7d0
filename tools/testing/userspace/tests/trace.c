// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints of src/trace.h, recorded by the shim (shim/trace.c):
 * which calls emit which event, with which fields.  The VM's smoke pass
 * checks the kernel's own records (guest/init-smoke, "# Tracepoints").
 */
#include <stdint.h>
#include <string.h>
#include <linux/tracepoint.h>
#include "pa_tests.h"

/* The case that makes the calls, in a section of its own (see hook.c). */
extern char __start_pa_t_traced[], __stop_pa_t_traced[];

static bool traced_here(unsigned long call_site)
{
	return call_site > (uintptr_t)__start_pa_t_traced &&
	       call_site < (uintptr_t)__stop_pa_t_traced;
}

static const struct shim_trace_event *event(unsigned int i)
{
	PA_CHECK(i < shim_trace_count);
	return &shim_trace_events[i];
}

static void check_alloc(unsigned int i, const void *p, size_t req,
			const char *pool)
{
	const struct shim_trace_event *e = event(i);

	PA_CHECK(e->is_alloc);
	PA_CHECK(traced_here(e->call_site));
	PA_CHECK(e->ptr == p);
	PA_CHECK_EQ(e->bytes_req, req);
	PA_CHECK_EQ(e->bytes_alloc, pa_usable_size(p));
	PA_CHECK(e->bytes_alloc >= req);
	PA_CHECK(!strcmp(e->pool, pool));
}

static void check_free(unsigned int i, const void *p, const char *pool)
{
	const struct shim_trace_event *e = event(i);

	PA_CHECK(!e->is_alloc);
	PA_CHECK(traced_here(e->call_site));
	PA_CHECK(e->ptr == p);
	PA_CHECK(!strcmp(e->pool, pool));
}

/*
 * Every allocation entry point emits pa_alloc, every free of a live block
 * pa_free, small and large, with the client's call site; nothing is
 * emitted once the tracer is gone.
 */
static noinline __section("pa_t_traced") void test_trace_entry_points(void)
{
	struct pa_pool *pool = pa_pool_create("traced", 0);
	void *p, *q, *r, *s, *big;

	PA_CHECK(!IS_ERR_OR_NULL(pool));
	shim_trace_start();
	p = pa_alloc(100, GFP_KERNEL);
	q = pa_zalloc(40, GFP_KERNEL);
	r = pa_calloc(3, 24, GFP_KERNEL);
	s = pa_pool_zalloc(pool, 300, GFP_KERNEL);
	big = pa_pool_alloc(pool, 3 * PAGE_SIZE, GFP_KERNEL);
	PA_CHECK(p && q && r && s && big);
	PA_CHECK_EQ(shim_trace_count, 5);
	check_alloc(0, p, 100, "default");
	PA_CHECK_EQ(event(0)->gfp_flags, GFP_KERNEL);
	check_alloc(1, q, 40, "default");
	PA_CHECK_EQ(event(1)->gfp_flags, GFP_KERNEL | __GFP_ZERO);
	check_alloc(2, r, 72, "default");
	check_alloc(3, s, 300, "traced");
	check_alloc(4, big, 3 * PAGE_SIZE, "traced");
	pa_free(p);
	pa_free(q);
	pa_free(r);
	pa_pool_free(pool, s);
	pa_pool_free(pool, big);
	PA_CHECK_EQ(shim_trace_count, 10);
	check_free(5, p, "default");
	check_free(6, q, "default");
	check_free(7, r, "default");
	check_free(8, s, "traced");
	check_free(9, big, "traced");
	shim_trace_stop();
	pa_free(pa_alloc(100, GFP_KERNEL));
	PA_CHECK_EQ(shim_trace_count, 10);
	PA_CHECK_EQ(shim_trace_lost, 0);
	pa_pool_destroy(pool);
}

/*
 * A free that frees nothing emits nothing: NULL, ZERO_SIZE_PTR, another
 * pool's block (refused), a block freed already.  A request of 0 bytes
 * and a failed one are emitted, ptr ZERO_SIZE_PTR and NULL, as kmalloc's.
 */
static noinline __section("pa_t_traced") void test_trace_refusals_and_failures(void)
{
	struct pa_pool *a = pa_pool_create("a", 0), *b = pa_pool_create("b", 0);
	void *p;

	PA_CHECK(!IS_ERR_OR_NULL(a) && !IS_ERR_OR_NULL(b));
	p = pa_pool_alloc(a, 64, GFP_KERNEL);
	PA_CHECK(p);
	shim_trace_start();
	pa_free(NULL);
	pa_free(ZERO_SIZE_PTR);
	pa_pool_free(b, p);
	PA_CHECK_EQ(shim_trace_count, 0);
	pa_pool_free(a, p);
	PA_CHECK_EQ(shim_trace_count, 1);
	check_free(0, p, "a");
	pa_user_quiet(true);
	pa_free(p);
	pa_user_quiet(false);
	PA_CHECK_EQ(shim_trace_count, 1);

	PA_CHECK(pa_alloc(0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK_EQ(shim_trace_count, 2);
	PA_CHECK(event(1)->ptr == ZERO_SIZE_PTR);
	PA_CHECK_EQ(event(1)->bytes_alloc, 0);
	/* No page for an arena (hook.c): the request fails. */
	pa_user_fail(5, 0, 0);
	PA_CHECK(!pa_pool_alloc(b, 64, GFP_KERNEL));
	pa_user_fail(0, 0, 0);
	PA_CHECK_EQ(shim_trace_count, 3);
	PA_CHECK(event(2)->is_alloc && !event(2)->ptr);
	PA_CHECK_EQ(event(2)->bytes_req, 64);
	PA_CHECK_EQ(event(2)->bytes_alloc, 0);
	PA_CHECK(!strcmp(event(2)->pool, "b"));
	shim_trace_stop();
	pa_pool_destroy(a);
	pa_pool_destroy(b);
}

/*
 * pa_realloc() emits what it does: a move is a pa_alloc of the new block
 * then a pa_free of the old one, a resize in place nothing, a size of 0 a
 * pa_free, a NULL block a pa_alloc.
 */
static noinline __section("pa_t_traced") void test_trace_realloc(void)
{
	void *p, *q;

	shim_trace_start();
	p = pa_realloc(NULL, 20, GFP_KERNEL);
	PA_CHECK(p);
	check_alloc(0, p, 20, "default");
	PA_CHECK(pa_realloc(p, 30, GFP_KERNEL) == p);
	PA_CHECK_EQ(shim_trace_count, 1);
	q = pa_realloc(p, 1000, GFP_KERNEL);
	PA_CHECK(q && q != p);
	PA_CHECK_EQ(shim_trace_count, 3);
	check_alloc(1, q, 1000, "default");
	check_free(2, p, "default");
	PA_CHECK(pa_realloc(q, 0, GFP_KERNEL) == ZERO_SIZE_PTR);
	PA_CHECK_EQ(shim_trace_count, 4);
	check_free(3, q, "default");
	shim_trace_stop();
}

const struct pa_case pa_trace_cases[] = {
	PA_CASE(test_trace_entry_points, ""),
	PA_CASE(test_trace_entry_points, "debug=1"),
	PA_CASE(test_trace_entry_points, "backend=kmalloc"),
	PA_CASE(test_trace_refusals_and_failures, ""),
	PA_CASE(test_trace_realloc, ""),
	{ }
};
