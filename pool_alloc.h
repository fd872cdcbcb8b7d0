/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _POOL_ALLOC_H
#define _POOL_ALLOC_H
#include <linux/types.h>
void *pa_alloc(size_t size, gfp_t gfp);
void pa_free(const void *p);
#endif
