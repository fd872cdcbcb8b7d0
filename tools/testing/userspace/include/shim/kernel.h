/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Userspace shim: every kernel header the core includes is this one (see
 * include/linux/), which brings in the seams in layer order.
 */
#ifndef _SHIM_KERNEL_H
#define _SHIM_KERNEL_H

#include "compiler.h"
#include "types.h"
#include "printk.h"
#include "atomic.h"
#include "list.h"
#include "cpu.h"
#include "rcu.h"
#include "mm.h"
#include "work.h"
#include "module.h"
#include "lib.h"

/* jump_label.h: a static key is a plain flag here. */
struct static_key {
	atomic_t enabled;
};

struct static_key_true {
	struct static_key key;
};

struct static_key_false {
	struct static_key key;
};

#define DEFINE_STATIC_KEY_TRUE(name) \
	struct static_key_true name = { { ATOMIC_INIT(1) } }
#define DEFINE_STATIC_KEY_FALSE(name) \
	struct static_key_false name = { { ATOMIC_INIT(0) } }
#define DEFINE_STATIC_KEY_FALSE_RO(name)	DEFINE_STATIC_KEY_FALSE(name)
#define DECLARE_STATIC_KEY_TRUE(name)	extern struct static_key_true name
#define DECLARE_STATIC_KEY_FALSE(name)	extern struct static_key_false name
#define static_key_count(k)	atomic_read(&(k)->enabled)
#define static_key_enabled(k)	(static_key_count((struct static_key *)(k)) > 0)
#define static_branch_likely(x)	likely(static_key_enabled(&(x)->key))
#define static_branch_unlikely(x) unlikely(static_key_enabled(&(x)->key))
void static_key_slow_inc(struct static_key *key);
void static_key_slow_dec(struct static_key *key);
void static_key_enable(struct static_key *key);
void static_key_disable(struct static_key *key);
#define static_branch_inc(x)	static_key_slow_inc(&(x)->key)
#define static_branch_dec(x)	static_key_slow_dec(&(x)->key)
#define static_branch_enable(x)	static_key_enable(&(x)->key)
#define static_branch_disable(x) static_key_disable(&(x)->key)

#endif /* _SHIM_KERNEL_H */
