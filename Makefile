# SPDX-License-Identifier: GPL-2.0
#
# pool_alloc: out-of-tree build of the modules, plus the project's targets.
#
#   make [KDIR=...]      build every module against KDIR (default: running kernel)
#   make install         install them (modules_install) and run depmod
#   make check           checkpatch --strict, sparse, kernel-doc -Wall
#   make test            KUnit in a KASAN/lockdep kernel + stock kernel smoke
#   make demo            the sample workload on stock Debian 6.1, with stats
#   make bench           pool_alloc against kmalloc/kmem_cache/vmalloc in qemu
#
# The module sources and what they contain are listed in Kbuild.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

install: modules
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	depmod -a $(shell $(MAKE) -s -C $(KDIR) kernelrelease 2>/dev/null || uname -r)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build

check: deps
	@sh tools/testing/vm/check.sh

.PHONY: all modules install clean check

include tools/testing/vm/vm.mk
include bench/bench.mk
