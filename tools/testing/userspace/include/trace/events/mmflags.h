/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: gfp flags are printed by name only in the kernel. */
