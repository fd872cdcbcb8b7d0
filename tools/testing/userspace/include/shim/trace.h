/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the events of src/trace.h, recorded in emission order
 * while a test traces, with the fields the kernel's events have.
 */
#ifndef _SHIM_TRACE_H
#define _SHIM_TRACE_H

#include "types.h"

/* Events kept; the ones after are counted in shim_trace_lost. */
#define SHIM_TRACE_MAX		4096

struct shim_trace_event {
	bool is_alloc;			/* pa_alloc, else pa_free */
	unsigned long call_site;
	const void *ptr;
	size_t bytes_req, bytes_alloc;	/* pa_alloc only */
	gfp_t gfp_flags;		/* pa_alloc only */
	char pool[32];
};

extern bool shim_tracing;
extern struct shim_trace_event shim_trace_events[SHIM_TRACE_MAX];
extern unsigned int shim_trace_count, shim_trace_lost;

/*
 * Attach a probe to both events, as a tracer does in the kernel (which
 * calls the events' registration functions), or detach it; start clears
 * the record.
 */
void shim_trace_start(void);
void shim_trace_stop(void);

#endif /* _SHIM_TRACE_H */
