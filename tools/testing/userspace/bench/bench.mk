# SPDX-License-Identifier: GPL-2.0
#
# Native benchmark, included by tools/testing/userspace/Makefile.
#
#   make bench          build the benchmark once per allocator, run every case,
#                       print the table; results in
#                       build/userspace/bench-results/ (the top-level
#                       make bench-native calls it)
#   make bench-build    only build the binaries
#
# Knobs (make variables or environment): BENCH_RUNS (timed runs per
# process, default 5), BENCH_ROUNDS (processes per case and allocator,
# default 3), BENCH_QUICK=1 (1/16 of the work, to try the harness out),
# BENCH_ALLOCS (the allocators to run, default all six).  README next to
# this file describes the cases and the columns.
#
# The pool_alloc binary links build/userspace/bench/libpa.a, which the
# includer's $(BENCH_LIBPA_TARGET) (lib-bench) builds; the others need only
# the Debian packages libpython3-dev, libjemalloc-dev, libmimalloc-dev and
# libgoogle-perftools-dev.  Flags come from pkg-config where
# the package ships a .pc file (libmimalloc-dev ships none).

bench_saved_goal := $(.DEFAULT_GOAL)
BENCH_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))
BENCH_TOP := $(abspath $(BENCH_DIR)/../../../..)
BENCH_BIN := $(BENCH_TOP)/build/userspace/bench-native
BENCH_RESULTS := $(BENCH_TOP)/build/userspace/bench-results
BENCH_LIBPA := $(BENCH_TOP)/build/userspace/bench/libpa.a
BENCH_LIBPA_TARGET ?= lib-bench
BENCH_TRACE := $(BENCH_TOP)/bench/traces/boot-busybox.trace.gz

BENCH_ALL_ALLOCS := pool_alloc pymalloc glibc jemalloc mimalloc tcmalloc
BENCH_ALLOCS ?= $(BENCH_ALL_ALLOCS)

# -fno-builtin-*: GCC may otherwise drop a malloc() that is freed unused,
# which is the whole of the pair loop.  -O2 as libpa.a's lib-bench build.
BENCH_CC ?= gcc
BENCH_CFLAGS := -O2 -g -Wall -Wextra -Wno-unused-parameter -pthread \
	-fno-builtin-malloc -fno-builtin-free -fno-builtin-calloc

# Recursively expanded: pkg-config and git run only when a binary is built.
bench_cflags_pool_alloc = -DBENCH_ALLOC_PA \
	-I$(BENCH_TOP)/tools/testing/userspace/include \
	-I$(BENCH_TOP)/tools/testing/userspace -I$(BENCH_TOP) \
	-DBENCH_PA_VERSION='"$(shell git -C $(BENCH_TOP) describe --always --dirty 2>/dev/null)"'
bench_libs_pool_alloc = $(BENCH_LIBPA)
# The version is python3-embed's, not written here; bench.h declares the
# two functions it calls, so only the library is needed.
bench_cflags_pymalloc = -DBENCH_ALLOC_PYMALLOC
bench_libs_pymalloc = $(shell pkg-config --libs python3-embed)
bench_cflags_glibc = -DBENCH_ALLOC_GLIBC
bench_libs_glibc =
bench_cflags_jemalloc = -DBENCH_ALLOC_JEMALLOC $(shell pkg-config --cflags jemalloc)
bench_libs_jemalloc = $(shell pkg-config --libs jemalloc)
bench_cflags_mimalloc = -DBENCH_ALLOC_MIMALLOC
bench_libs_mimalloc = -lmimalloc
# The minimal library: tcmalloc without the heap profiler's hooks.
bench_cflags_tcmalloc = -DBENCH_ALLOC_TCMALLOC $(shell pkg-config --cflags libtcmalloc_minimal)
bench_libs_tcmalloc = $(shell pkg-config --libs libtcmalloc_minimal)

BENCH_BINS := $(addprefix $(BENCH_BIN)/bench-,$(BENCH_ALLOCS))
# The cases and main(), the allocator's set-up, the measurement.
BENCH_SRCS := $(addprefix $(BENCH_DIR)/,bench.c alloc.c measure.c)

# The allocator's library comes before libc's, so that its malloc() wins.
$(BENCH_BIN)/bench-%: $(BENCH_SRCS) $(BENCH_DIR)/bench.h $(BENCH_DIR)/bench.mk
	@mkdir -p $(BENCH_BIN)
	$(BENCH_CC) $(BENCH_CFLAGS) $(bench_cflags_$*) -o $@ $(BENCH_SRCS) \
		$(bench_libs_$*)

# libpa.a is rebuilt (or found up to date) by its own target first.
$(BENCH_BIN)/bench-pool_alloc: $(BENCH_LIBPA_TARGET)

bench-build: $(BENCH_BINS)

bench: bench-build
	@BENCH_RUNS='$(BENCH_RUNS)' BENCH_ROUNDS='$(BENCH_ROUNDS)' \
		BENCH_QUICK='$(BENCH_QUICK)' \
		sh $(BENCH_DIR)/run.sh $(BENCH_BIN) $(BENCH_RESULTS) \
		$(BENCH_TRACE) $(BENCH_ALLOCS)

.PHONY: bench bench-build
.DEFAULT_GOAL := $(bench_saved_goal)
