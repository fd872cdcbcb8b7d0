#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make trace-demo`: run the tracing one-liners of Documentation/
# pool_alloc.rst ("Tracepoints") for real.  Boots stock Debian 6.1 with the
# host's bpftrace and perf, and every library they load, in its initramfs,
# traces a load of the sample client with each one-liner and with the
# tracefs hist triggers that do the same without either tool, and prints
# what they printed.  Not part of make test: the initramfs carries some
# 250 MB of libraries (LLVM and clang for bpftrace), and LLVM compiling a
# probe under TCG takes a while.  Console in build/logs/trace-demo.log.
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/sbin:/usr/sbin

kver=$(stock_series 6.1)
[ -n "$kver" ] || die "no Debian 6.1 kernel with headers (run make deps)"
tools=""
for t in bpftrace perf; do
	p=$(command -v $t) || die "no $t (run make deps)"
	tools="$tools $p"
done
mods=$(build_modules "/usr/src/linux-headers-$kver" "$kver")

root="$build/$kver/initramfs-trace"
stage_busybox "$root" init-trace-demo
stage_stock_modules "$root" "$kver" "$mods"
# The tools and every library they load, at the paths the loader reads.
# Split into words on purpose: the tools' paths have no spaces.
# shellcheck disable=SC2086
for f in $tools $(for t in $tools; do ldd "$t"; done |
		awk '$2 == "=>" && $3 ~ /^\// { print $3 } $1 ~ /^\// { print $1 }' |
		sort -u); do
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
done

say "== booting Debian $kver with bpftrace and perf (takes minutes; log build/logs/trace-demo.log)"
rc=0
vm_run -m 2048 -t "${PA_TRACE_DEMO_TIMEOUT:-1200}" -a "loglevel=3" \
	trace-demo "/boot/vmlinuz-$kver" "$root" || rc=$?
vm_section trace-demo "trace demo" | grep -v '^@@pa: ' || true
vm_verdict trace-demo $rc
