/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: the userspace build is a test build, so what the core
 * makes visible to KUnit is visible to the native tests too.
 */
#ifndef _SHIM_KUNIT_VISIBILITY_H
#define _SHIM_KUNIT_VISIBILITY_H
#define VISIBLE_IF_KUNIT
#define EXPORT_SYMBOL_IF_KUNIT(symbol)
#endif
