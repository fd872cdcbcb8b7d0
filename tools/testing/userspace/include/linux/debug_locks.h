/* SPDX-License-Identifier: GPL-2.0 */
/* Userspace shim: see shim/kernel.h. */
#include "../shim/kernel.h"
