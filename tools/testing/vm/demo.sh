#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot the stock Debian 6.1 kernel, run the sample client's
# workload (modprobe pool_alloc_sample rounds=1000, and the hook sample with
# its call-site profiler) and show what pool_alloc holds with pastat, every
# pool and then the sample's.  Only the guest's demo output reaches the terminal; the
# console is kept in build/logs/demo.log, the guest's output in
# build/logs/demo.result.
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/sbin:/usr/sbin

kver=$(stock_series 6.1)
[ -n "$kver" ] || die "no Debian 6.1 kernel with headers (run make deps)"
mods=$(build_modules "/usr/src/linux-headers-$kver" "$kver")
# The guest has no libc: the viewer goes in static.
make -s -C "$top/tools/pastat" static >&2 || die "pastat.static did not build"

root="$build/$kver/initramfs-demo"
stage_busybox "$root" init-demo
stage_stock_modules "$root" "$kver" "$mods"
cp "$top/tools/pastat/pastat.static" "$root/bin/pastat"

say "== booting Debian $kver under qemu (TCG, takes a minute; log build/logs/demo.log)"
rc=0
vm_run -t "${PA_DEMO_TIMEOUT:-300}" -a "quiet loglevel=3" \
	demo "/boot/vmlinuz-$kver" "$root" || rc=$?

vm_section demo "demo output" | grep -v '^@@pa: ' || true
vm_verdict demo $rc
