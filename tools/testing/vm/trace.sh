#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-trace`: record bench/traces/boot-busybox.trace.gz, the real
# kernel workload that Metric A replays.  Boots stock Debian 6.1 (one vCPU)
# with kmem:kmalloc, kmem:kmalloc_node and kmem:kfree traced from early
# boot, runs a busybox workload (guest/init-trace), and converts the events
# with bench/trace2ops.py (pointers become ids, at most PAB_TRACE_OPS
# operations, default 150000).  Logs: build/logs/bench-trace.{log,result}.
set -eu
. "$(dirname "$0")/lib.sh"

kver=$(stock_series 6.1)
[ -n "$kver" ] || die "no Debian 6.1 kernel with headers in /boot (run make deps)"
root="$build/bench/initramfs-trace"
stage_busybox "$root" init-trace

say "== recording a kmalloc/kfree trace on $kver (log build/logs/bench-trace.log)"
# no_hash_pointers: trace output prints real addresses.  32 MiB of ring
# buffer holds about 500k events, more than boot and workload make.
events=kmem:kmalloc,kmem:kmalloc_node,kmem:kfree
args="quiet loglevel=3 no_hash_pointers trace_buf_size=32M trace_event=$events"
rc=0
vm_run -c 1 -m 1024 -t "${PAB_TIMEOUT_TRACE:-600}" -a "$args" \
	bench-trace "/boot/vmlinuz-$kver" "$root" || rc=$?
vm_verdict bench-trace $rc || die "the trace VM failed"

out="$top/bench/traces/boot-busybox.trace"
vm_section bench-trace trace |
	python3 "$top/bench/trace2ops.py" --max-ops "${PAB_TRACE_OPS:-150000}" \
		--source "stock Debian $kver: boot and tools/testing/vm/guest/init-trace" >"$out"
gzip -9nf "$out"
say "wrote ${out#"$top"/}.gz: $(gzip -dc "$out.gz" | grep -vc '^#') operations"
