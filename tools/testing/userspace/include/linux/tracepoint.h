/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the tracepoints of src/trace.h.  Each event becomes a
 * call to shim_trace_<event>() (shim/trace.c), which records it while a
 * test traces (shim_trace_start(), shim/trace.h); trace_<event>_enabled()
 * says whether one does, as the tracepoint's static key says it in the
 * kernel.  The format and fields of the kernel's events are not modelled.
 */
#ifndef _SHIM_TRACEPOINT_H
#define _SHIM_TRACEPOINT_H

#include "../shim/kernel.h"
#include "../shim/trace.h"

#define TP_PROTO(args...)	args
#define TP_ARGS(args...)	args

#define TRACE_EVENT_FN(name, proto, args, tstruct, assign, print, reg,	\
		       unreg)						\
	void shim_trace_##name(proto);					\
	static inline bool trace_##name##_enabled(void)			\
	{								\
		return shim_tracing;					\
	}								\
	static inline void trace_##name(proto)				\
	{								\
		if (trace_##name##_enabled())				\
			shim_trace_##name(args);			\
	}

#endif /* _SHIM_TRACEPOINT_H */
