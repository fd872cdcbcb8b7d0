# SPDX-License-Identifier: GPL-2.0
#
# Benchmark targets, included by the top-level Makefile
# (include bench/bench.mk).  bench/README.md describes the method.
#
#   make bench [KERNEL=6.12]   pool_alloc against kmalloc, kmem_cache and
#                              vmalloc on stock Debian 6.1 (default) or 6.12,
#                              under qemu; results in bench/results/<series>/
#   make bench-trace           record bench/traces/boot-busybox.trace.gz
#                              again from a stock 6.1 boot

# Including this file must not change the default goal of the includer.
bench_saved_goal := $(.DEFAULT_GOAL)
BENCH_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

bench: deps
	@sh $(BENCH_DIR)/deps.sh
	@KERNEL='$(KERNEL)' sh $(BENCH_DIR)/run.sh

bench-trace: deps
	@sh $(BENCH_DIR)/deps.sh
	@sh $(BENCH_DIR)/record-trace.sh

.PHONY: bench bench-trace
.DEFAULT_GOAL := $(bench_saved_goal)
