// SPDX-License-Identifier: GPL-2.0
/*
 * The tracepoints of trace.h, defined here, and what their first probe
 * does: it holds the entry points' slow paths, where main.c emits them.
 */
#include "internal.h"

#define CREATE_TRACE_POINTS
#include "trace.h"

/**
 * pa_trace_reg() - the first probe of a pool_alloc event was attached
 *
 * Each event calls it for its own first probe, and pa_trace_unreg() for
 * its last, so the entry points' slow paths stay held while either event
 * has one.
 *
 * Context: process context, under the tracepoints' mutex; sleeps.
 * Return: 0.
 */
int pa_trace_reg(void)
{
	pa_entry_hold();
	return 0;
}

/**
 * pa_trace_unreg() - the last probe of a pool_alloc event was detached
 *
 * Context: process context, under the tracepoints' mutex; sleeps.
 */
void pa_trace_unreg(void)
{
	pa_entry_release();
}
