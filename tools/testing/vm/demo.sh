#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make demo`: boot the stock Debian 6.1 kernel, run the sample client's
# workload (modprobe pool_alloc_sample rounds=1000) and print pool_alloc's
# debugfs files.  Only the guest's demo output reaches the terminal; the
# whole console is kept in build/logs/demo.log.
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/sbin:/usr/sbin

kver=$(stock_kernel '6\.1\.[0-9]+-[0-9]+-amd64')
[ -n "$kver" ] || die "no Debian 6.1 kernel with headers (run make deps)"
mods=$(build_modules "/usr/src/linux-headers-$kver" "$kver")

root="$build/$kver/initramfs-demo"
stage_busybox "$root"
stage_stock_modules "$root" "$kver" "$mods"
cp "$vm_dir/guest/init-demo" "$root/init"
pack_initramfs "$root" "$build/$kver/initramfs-demo.cpio.gz"

mkdir -p "$logs"
log="$logs/demo.log"
say "== booting Debian $kver under qemu (TCG, takes a minute; log build/logs/demo.log)"
rc=0
# quiet loglevel=3 keeps kernel chatter from landing inside the output.
run_vm "${PA_DEMO_TIMEOUT:-300}" "/boot/vmlinuz-$kver" \
	"$build/$kver/initramfs-demo.cpio.gz" \
	"console=ttyS0 quiet loglevel=3 panic=-1" "$log" || rc=$?

tr -d '\r' <"$log" | sed -n '/@@pa: demo output begin/,/@@pa: demo output end/p' |
	grep -v '@@pa: '

bad=0
[ $rc = 0 ] || { say "demo: qemu exited with status $rc (124: timed out)"; bad=1; }
if grep -qa '@@pa: FAIL' "$log"; then
	say "demo: the guest reported:"
	guest_failures "$log"
	bad=1
fi
guest_finished "$log" || { say "demo: the guest did not finish (see build/logs/demo.log)"; bad=1; }
check_console "$log" || bad=1
exit $bad
