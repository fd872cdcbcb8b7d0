# SPDX-License-Identifier: GPL-2.0
#
# pool_alloc: out-of-tree build of the modules, plus the project's targets.
#
#   make [KDIR=...]      build every module against KDIR (default: running kernel)
#                        and pastat
#   make pastat          the debugfs viewer tools/pastat/pastat alone (no kernel
#                        headers needed)
#   make install         install pool_alloc.ko and the sample, run depmod
#                        (INSTALL_MOD_PATH=, INSTALL_MOD_DIR=, default extra)
#   make uninstall       remove them again
#   make check           checkpatch --strict, sparse, kernel-doc -Wall
#   make test            KUnit, a short stress in a KASAN/lockdep kernel; load/
#                        unload cycles, smoke on stock kernels; DKMS builds
#                        and make install into scratch directories
#   make stress          the stress soak (DURATION=seconds, default 300)
#   make demo            the sample workload on stock Debian 6.1, with stats
#   make bench           pool_alloc against kmalloc/kmem_cache/vmalloc in qemu
#   make fastpath        pa_alloc() and pa_free() instruction by instruction,
#                        step by step, single-stepped in qemu (KERNEL=6.12)
#   make fuzz            the core in userspace under libFuzzer, ASan and UBSan
#                        (FUZZ_SECONDS=, default 60)
#   make bench-native    the core in userspace against pymalloc, glibc,
#                        jemalloc, mimalloc and tcmalloc
#   make docs            Documentation/ to HTML in build/docs/html (Sphinx
#                        and the kernel's kernel-doc; no warning allowed)
#
# The module sources and what they contain are listed in Kbuild.

KDIR ?= /lib/modules/$(shell uname -r)/build

all: modules pastat

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

# Userspace: tools/pastat/Makefile.
pastat:
	$(MAKE) -C tools/pastat

# make install: what a machine runs, the allocator and its sample client,
# built alone (PA_SHIPPED=y in Kbuild), to
# $(INSTALL_MOD_PATH)/lib/modules/<release>/$(INSTALL_MOD_DIR), then depmod.
# INSTALL_MOD_PATH and INSTALL_MOD_DIR work as for the kernel's
# modules_install.  The release is the one the modules are built for, as
# their vermagic says it (Debian's 6.1 headers answer `make kernelrelease`
# with the upstream version).  The modules are not signed: on a machine
# with Secure Boot, install with DKMS, which signs them.
KVER = $(shell sed -n 's/.*UTS_RELEASE "\(.*\)"/\1/p' \
	 $(KDIR)/include/generated/utsrelease.h 2>/dev/null)
INSTALL_MOD_DIR ?= extra
MODDIR = $(INSTALL_MOD_PATH)/lib/modules/$(KVER)/$(INSTALL_MOD_DIR)
INSTALLED = pool_alloc.ko samples/pool_alloc_sample.ko
DEPMOD ?= depmod
depmod = $(DEPMOD) -a $(if $(INSTALL_MOD_PATH),-b $(INSTALL_MOD_PATH)) $(KVER)

# Without a release the paths would lose a component: refuse instead.
kver-check:
	@test -n "$(KVER)" || { echo "no kernel release in" \
		"$(KDIR)/include/generated/utsrelease.h: set KDIR to the" \
		"kernel's build directory (linux-headers-<release>)" >&2; exit 1; }

install: kver-check
	$(MAKE) -C $(KDIR) M=$(CURDIR) PA_SHIPPED=y modules
	install -d $(MODDIR)
	install -m 644 $(INSTALLED) $(MODDIR)/
	$(depmod)

# Removes what install put there, and the directory if nothing else is
# left in it; DKMS's copies (updates/dkms) are dkms remove's.  KVER=<release>
# names the release when its headers are gone.
uninstall: kver-check
	rm -f $(addprefix $(MODDIR)/,$(notdir $(INSTALLED)))
	@if [ -d $(MODDIR) ]; then rmdir --ignore-fail-on-non-empty $(MODDIR); fi
	$(depmod)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean
	$(MAKE) -C tools/pastat clean
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

.PHONY: all modules pastat kver-check install uninstall clean check fuzz \
	bench-native docs

include tools/testing/vm/vm.mk
