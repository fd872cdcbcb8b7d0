#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# `make bench-trace`: record bench/traces/boot-busybox.trace.gz, the real
# kernel workload that Metric A replays.  Boots stock Debian 6.1 (one vCPU)
# with kmem:kmalloc, kmem:kmalloc_node and kmem:kfree traced from early
# boot, runs a busybox workload (bench/guest/init-trace), and converts the
# events with bench/trace2ops.py (pointers become ids, at most
# PAB_TRACE_OPS operations, default 150000).  Console:
# build/logs/bench-trace.log.
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

kver=$(bench_kernel 6.1)
[ -n "$kver" ] || die "no Debian 6.1 kernel with headers in /boot (run make deps)"
root="$build/bench/initramfs-trace"
initrd="$build/bench/initramfs-trace.cpio.gz"
stage_busybox "$root"
cp "$bench_dir/guest/init-trace" "$root/init"
chmod 755 "$root/init"
pack_initramfs "$root" "$initrd"

mkdir -p "$logs"
log="$logs/bench-trace.log"
rm -f "$log"
say "== recording a kmalloc/kfree trace on $kver (log build/logs/bench-trace.log)"
# no_hash_pointers: trace output prints real addresses.  32 MiB of ring
# buffer holds about 500k events, more than boot and workload make.
timeout --foreground -k 10 "${PAB_TIMEOUT_TRACE:-600}" qemu-system-x86_64 \
	-accel tcg -cpu max -smp 1 -m 1024 -nodefaults -display none \
	-monitor none -no-reboot -serial "file:$log" \
	-kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
	-append "console=ttyS0 quiet loglevel=3 panic=-1 no_hash_pointers trace_buf_size=32M trace_event=kmem:kmalloc,kmem:kmalloc_node,kmem:kfree" \
	</dev/null >&2
guest_finished "$log" || die "the VM did not finish (see build/logs/bench-trace.log)"
! grep -qa '@@pa: FAIL' "$log" || { guest_failures "$log"; die "the guest failed"; }

out="$bench_dir/traces/boot-busybox.trace"
tr -d '\r' <"$log" | sed -n '/@@pa: trace begin/,/@@pa: trace end/p' |
	python3 "$bench_dir/trace2ops.py" --max-ops "${PAB_TRACE_OPS:-150000}" \
		--source "stock Debian $kver: boot and bench/guest/init-trace" >"$out"
gzip -9nf "$out"
say "wrote ${out#"$top"/}.gz: $(grep -c . "$out" 2>/dev/null || gzip -dc "$out.gz" | grep -vc '^#') operations"
