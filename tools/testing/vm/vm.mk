# SPDX-License-Identifier: GPL-2.0
#
# VM test targets, included by the top-level Makefile.  The work is done by
# the scripts next to this file so it can also be run without make.
#
#   make deps   install the Debian packages the targets below need
#   make test   KUnit pass on the KASAN/lockdep test kernel, smoke passes on
#               the stock Debian 6.1 and 6.12 kernels; last line
#               "N passed, N failed"; console logs in build/logs/
#   make demo   run the sample workload on stock 6.1 and show debugfs
#
# The test kernel is built once and cached in
# $(XDG_CACHE_HOME or ~/.cache)/pool-alloc/; modules are built per kernel in
# build/<kernel release>/, never in the source tree.  KDIR is not used.

# Including this file must not change the default goal of the includer.
vm_saved_goal := $(.DEFAULT_GOAL)
VM_DIR := $(patsubst %/,%,$(dir $(lastword $(MAKEFILE_LIST))))

deps:
	@sh $(VM_DIR)/deps.sh

test: deps
	@sh $(VM_DIR)/run-tests.sh

demo: deps
	@sh $(VM_DIR)/demo.sh

.PHONY: deps test demo
.DEFAULT_GOAL := $(vm_saved_goal)
