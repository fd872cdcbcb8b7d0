#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make deps`: install the Debian packages that every target needs: building
# the modules and the test kernel, booting the VMs, checking the console,
# kunit.py parse and the bench report (python3, gnuplot-nox), make docs
# (python3-sphinx, and linux-source-6.12 for kernel-doc), the DKMS builds of
# make test (dkms); the userspace
# build's compilers, sanitizers and valgrind, and the allocators that
# make bench-native compares with; bpftrace and perf for make trace-demo.
# Cheap when
# everything is there (dpkg-query only, no apt-get), so every target can
# depend on it; non-interactive because CI has no stdin.
set -eu

# Fixed names.  The 6.12 kernel is not: its package name carries the ABI
# (linux-image-6.12.<n>+deb12-amd64-unsigned), so it is found below.
pkgs="build-essential bc flex bison libelf-dev libssl-dev dwarves cpio kmod
xz-utils sparse python3 python3-sphinx gnuplot-nox qemu-system-x86 busybox-static
dkms
linux-source-6.12 linux-headers-amd64 linux-image-amd64
clang valgrind pkg-config libpython3-dev libjemalloc-dev libmimalloc-dev
libgoogle-perftools-dev bpftrace linux-perf gdb"

# libFuzzer's package carries clang's major version: the installed clang's,
# or the one apt would install.
if command -v clang >/dev/null 2>&1; then
	clang_major=$(clang -dumpversion | cut -d. -f1)
else
	clang_major=$(apt-cache depends clang 2>/dev/null |
		sed -n 's/.*Depends: clang-\([0-9][0-9]*\)$/\1/p' | head -n 1)
fi
[ -z "$clang_major" ] || pkgs="$pkgs libfuzzer-$clang_major-dev"

installed() {
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$1" 2>/dev/null)" = "ii " ]
}

# The 6.12 ABI already installed, newest first; empty when there is none.
abi612=$(dpkg-query -W -f='${db:Status-Abbrev}|${Package}\n' \
		'linux-image-6.12.*+deb12-amd64-unsigned' 2>/dev/null |
	sed -n 's/^ii *|linux-image-\(.*\)-amd64-unsigned$/\1/p' | sort -V | tail -n 1)
[ -z "$abi612" ] || pkgs="$pkgs linux-headers-$abi612-amd64"

missing=""
for p in $pkgs; do
	installed "$p" || missing="$missing $p"
done
if [ -z "$missing" ] && [ -n "$abi612" ]; then
	exit 0
fi

# newest_612: the newest 6.12 ABI that apt knows about.
newest_612() {
	apt-cache pkgnames linux-image-6.12. 2>/dev/null |
		sed -n 's/^linux-image-\(6\.12\..*+deb12\)-amd64-unsigned$/\1/p' |
		sort -V | tail -n 1
}

if [ "$(id -u)" != 0 ]; then
	# Package lists may be stale without root's apt-get update: best effort.
	abi=${abi612:-$(newest_612)}
	[ -n "$abi612" ] || missing="$missing linux-image-${abi:-6.12.N+deb12}-amd64-unsigned linux-headers-${abi:-6.12.N+deb12}-amd64"
	echo "deps: missing packages; as root run:" >&2
	echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi

echo "deps: installing:$missing" >&2
apt-get update
if [ -z "$abi612" ]; then
	abi612=$(newest_612)
	[ -n "$abi612" ] || { echo "deps: apt knows no linux-image-6.12.*+deb12-amd64-unsigned" >&2; exit 1; }
	missing="$missing linux-image-$abi612-amd64-unsigned linux-headers-$abi612-amd64"
fi
# The package list is meant to be split into words.
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing </dev/null
