# SPDX-License-Identifier: GPL-2.0
#
# VM targets, included by the top-level Makefile.  The work is done by the
# scripts next to this file so it can also be run without make; every VM is
# started by vm_run in lib.sh.
#
#   make deps                  install the Debian packages the targets below need
#   make test                  KUnit pass and a 30 s stress pass on the
#                              KASAN/lockdep test kernel, 50 load/unload cycles
#                              on stock 6.12, smoke passes on the stock Debian
#                              6.1 and 6.12 kernels, DKMS builds for both and
#                              make install on the host; last line "N passed,
#                              N failed"; logs in build/logs/
#   make stress [DURATION=S]   the soak: pa_stress under fault injection on the
#                              test kernel for S seconds (default 300), then
#                              drain, unload and kmemleak checks; prints its
#                              figures; logs in build/logs/stress.*
#   make demo                  run the sample workload on stock 6.1, show debugfs
#   make bench [KERNEL=6.12]   pool_alloc against kmalloc, kmem_cache, kvmalloc
#                              and vmalloc on stock Debian 6.1 (default) or
#                              6.12, issue 13's targets included; results in
#                              bench/results/<series>/ (bench/README.md; knobs
#                              PAB_QUICK=1, PAB_BOOTS=N smp boots, default 5)
#   make fastpath [KERNEL=6.12]
#                              the instructions of pa_alloc() and pa_free(),
#                              step by step, single-stepped with gdb on stock
#                              Debian 6.1 (default) or 6.12; table in
#                              build/logs/fastpath-<kernel release>.md
#   make bench-trace           record bench/traces/boot-busybox.trace.gz again
#                              from a stock 6.1 boot
#   make trace-demo            the tracing one-liners of the Documentation
#                              (bpftrace, perf, hist triggers) on stock 6.1
#   make pastat-fixtures [KERNEL=6.1]
#                              take tools/pastat/fixtures/ again from stock
#                              Debian 6.12 (default) or 6.1
#
# The test kernel is built once and cached in
# $(XDG_CACHE_HOME or ~/.cache)/pool-alloc/; modules are built per kernel in
# build/<kernel release>/ (build/bench/<kernel release>/ for bench), never in
# the source tree.  KDIR is not used.

# Including this file must not change the default goal of the includer.
vm_saved_goal := $(.DEFAULT_GOAL)
VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

deps:
	@sh $(VM_DIR)/deps.sh

test: deps
	@sh $(VM_DIR)/run-tests.sh

demo: deps
	@sh $(VM_DIR)/demo.sh

stress: deps
	@DURATION='$(DURATION)' sh $(VM_DIR)/stress.sh

bench: deps
	@KERNEL='$(KERNEL)' sh $(VM_DIR)/bench.sh

fastpath: deps
	@KERNEL='$(KERNEL)' sh $(VM_DIR)/fastpath.sh

bench-trace: deps
	@sh $(VM_DIR)/trace.sh

trace-demo: deps
	@sh $(VM_DIR)/trace-demo.sh

pastat-fixtures: deps
	@KERNEL='$(KERNEL)' sh $(VM_DIR)/fixtures.sh

.PHONY: deps test stress demo bench fastpath bench-trace trace-demo pastat-fixtures
.DEFAULT_GOAL := $(vm_saved_goal)
