# SPDX-License-Identifier: GPL-2.0
#
# pool_alloc: out-of-tree build of the modules, plus the project's targets.
#
#   make [KDIR=...]      build every module against KDIR (default: running kernel)
#   make install         install pool_alloc.ko and the sample, run depmod
#   make uninstall       remove them again
#   make check           checkpatch --strict, sparse, kernel-doc -Wall
#   make test            KUnit, a short stress in a KASAN/lockdep kernel; load/
#                        unload cycles, smoke on stock kernels
#   make stress          the stress soak (DURATION=seconds, default 300)
#   make demo            the sample workload on stock Debian 6.1, with stats
#   make bench           pool_alloc against kmalloc/kmem_cache/vmalloc in qemu
#   make fuzz            the core in userspace under libFuzzer, ASan and UBSan
#                        (FUZZ_SECONDS=, default 60)
#   make bench-native    the core in userspace against pymalloc, glibc,
#                        jemalloc, mimalloc and tcmalloc
#   make docs            Documentation/ to HTML in build/docs/html (Sphinx
#                        and the kernel's kernel-doc; no warning allowed)
#
# The module sources and what they contain are listed in Kbuild.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# What a machine runs: the allocator and its sample client, not the
# benchmark or the tests.  INSTALL_MOD_PATH works as for modules_install.
# The release the modules are built for, as their vermagic says it (Debian's
# 6.1 headers answer `make kernelrelease` with the upstream version).
KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	 $(KDIR)/include/generated/utsrelease.h)
MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/extra
INSTALLED = pool_alloc.ko samples/pool_alloc_sample.ko

install: modules
	install -d $(MODDIR)
	install -m 644 $(INSTALLED) $(MODDIR)/
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

uninstall:
	rm -f $(addprefix $(MODDIR)/,$(notdir $(INSTALLED)))
	depmod -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	rm -rf build

check: deps
	@sh tools/testing/vm/check.sh

# The core in userspace: tools/testing/userspace/Makefile.
fuzz: deps
	@$(MAKE) -s -C tools/testing/userspace fuzz

bench-native: deps
	@$(MAKE) -s -C tools/testing/userspace bench

# Documentation/pool_alloc.rst, "Building this documentation".
docs: deps
	@sh tools/testing/vm/docs.sh

.PHONY: all modules install uninstall clean check fuzz bench-native docs

include tools/testing/vm/vm.mk
