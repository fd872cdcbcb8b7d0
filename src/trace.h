/* SPDX-License-Identifier: GPL-2.0 */
/*
 * pool_alloc's tracepoints, pool_alloc:pa_alloc and pool_alloc:pa_free:
 * kmem:kmalloc's and kmem:kfree's fields under the same names, plus the
 * pool by name, so that a perf or bpftrace one-liner written for kmem works
 * here once the probe is renamed.  src/trace.c defines them.
 *
 * The entry points emit them only past their slow-path gate (pa_entry_key
 * and pa_entry_bound, entry.c): the first probe attached to either event
 * holds that gate (pa_trace_reg()), the last one detached releases it, so
 * that the fast paths carry no tracepoint at all while nobody traces.
 * Documentation/pool_alloc.rst, "Tracepoints", says what each entry point
 * emits.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM pool_alloc

#if !defined(_PA_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _PA_TRACE_H

#include <linux/tracepoint.h>
#include <trace/events/mmflags.h>

int pa_trace_reg(void);
void pa_trace_unreg(void);

/*
 * @pool is copied with memcpy() rather than __assign_str(), whose arguments
 * changed in 6.10: __string() sized the field for it, nul included, on
 * every kernel we build for.
 */
TRACE_EVENT_FN(pa_alloc,
	       TP_PROTO(unsigned long call_site, const void *ptr,
			size_t bytes_req, size_t bytes_alloc, gfp_t gfp_flags,
			const char *pool),
	       TP_ARGS(call_site, ptr, bytes_req, bytes_alloc, gfp_flags,
		       pool),
	       TP_STRUCT__entry(__field(unsigned long, call_site)
				__field(const void *, ptr)
				__field(size_t, bytes_req)
				__field(size_t, bytes_alloc)
				__field(unsigned long, gfp_flags)
				__string(pool, pool)),
	       TP_fast_assign(__entry->call_site = call_site;
			      __entry->ptr = ptr;
			      __entry->bytes_req = bytes_req;
			      __entry->bytes_alloc = bytes_alloc;
			      __entry->gfp_flags =
					(__force unsigned long)gfp_flags;
			      memcpy(__get_str(pool), pool,
				     __get_dynamic_array_len(pool));),
	       TP_printk("call_site=%pS ptr=%p bytes_req=%zu bytes_alloc=%zu gfp_flags=%s pool=%s",
			 (void *)__entry->call_site, __entry->ptr,
			 __entry->bytes_req, __entry->bytes_alloc,
			 show_gfp_flags(__entry->gfp_flags), __get_str(pool)),
	       pa_trace_reg, pa_trace_unreg);

TRACE_EVENT_FN(pa_free,
	       TP_PROTO(unsigned long call_site, const void *ptr,
			const char *pool),
	       TP_ARGS(call_site, ptr, pool),
	       TP_STRUCT__entry(__field(unsigned long, call_site)
				__field(const void *, ptr)
				__string(pool, pool)),
	       TP_fast_assign(__entry->call_site = call_site;
			      __entry->ptr = ptr;
			      memcpy(__get_str(pool), pool,
				     __get_dynamic_array_len(pool));),
	       TP_printk("call_site=%pS ptr=%p pool=%s",
			 (void *)__entry->call_site, __entry->ptr,
			 __get_str(pool)),
	       pa_trace_reg, pa_trace_unreg);

#endif /* _PA_TRACE_H */

/* Out of the kernel's include/trace/events/: found as out-of-tree modules do. */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE trace

#include <trace/define_trace.h>
