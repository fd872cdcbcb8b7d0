/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: nothing to define a second time; linux/tracepoint.h made
 * each event a call into shim/trace.c already.
 */
