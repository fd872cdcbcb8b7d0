/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the C library's <errno.h> includes this header, so it must
 * stay the system's: the error numbers are the same in the kernel.
 */
#include_next <linux/errno.h>
