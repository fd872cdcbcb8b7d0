// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace shim: the recorder of src/trace.h's events (include/shim/
 * trace.h), and a tracer's attaching: the core's registration functions,
 * called once per event as the kernel calls them for an event's first
 * probe.  One tracer at a time, from the test's own thread.
 */
#include <stdio.h>
#include <string.h>
#include "src/trace.h"

bool shim_tracing;
struct shim_trace_event shim_trace_events[SHIM_TRACE_MAX];
unsigned int shim_trace_count, shim_trace_lost;

/* The two events of src/trace.h. */
#define SHIM_TRACE_NR_EVENTS	2

static struct shim_trace_event *trace_next(void)
{
	struct shim_trace_event *e;

	if (shim_trace_count == SHIM_TRACE_MAX) {
		shim_trace_lost++;
		return NULL;
	}
	e = &shim_trace_events[shim_trace_count++];
	memset(e, 0, sizeof(*e));
	return e;
}

void shim_trace_pa_alloc(unsigned long call_site, const void *ptr,
			 size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags,
			 const char *pool)
{
	struct shim_trace_event *e = trace_next();

	if (!e)
		return;
	e->is_alloc = true;
	e->call_site = call_site;
	e->ptr = ptr;
	e->bytes_req = bytes_req;
	e->bytes_alloc = bytes_alloc;
	e->gfp_flags = gfp_flags;
	snprintf(e->pool, sizeof(e->pool), "%s", pool);
}

void shim_trace_pa_free(unsigned long call_site, const void *ptr,
			const char *pool)
{
	struct shim_trace_event *e = trace_next();

	if (!e)
		return;
	e->call_site = call_site;
	e->ptr = ptr;
	snprintf(e->pool, sizeof(e->pool), "%s", pool);
}

void shim_trace_start(void)
{
	int i;

	shim_trace_count = 0;
	shim_trace_lost = 0;
	for (i = 0; i < SHIM_TRACE_NR_EVENTS; i++)
		pa_trace_reg();
	shim_tracing = true;
}

void shim_trace_stop(void)
{
	int i;

	shim_tracing = false;
	for (i = 0; i < SHIM_TRACE_NR_EVENTS; i++)
		pa_trace_unreg();
}
