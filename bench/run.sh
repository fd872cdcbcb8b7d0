#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# shellcheck source-path=SCRIPTDIR
#
# `make bench [KERNEL=6.1|6.12]`: build pool_alloc and pool_alloc_bench for a
# stock Debian kernel, boot it three times under qemu and write the results
# to bench/results/<series>/ (results.csv, results.md, PNG plots, raw result
# lines), printing results.md.  bench/README.md describes the method.
#
#   ioa1, ioa0  Metric A: -icount shift=0,align=off, one vCPU, so guest
#               nanoseconds are guest instructions; init_on_alloc=1 then 0.
#               The two run side by side (one host core each).
#   smp         Metrics B and C: -accel tcg,thread=multi -smp 2, alone.
#
# Consoles: build/logs/bench-<kernel release>-<boot>.log.  Every VM is bounded
# by timeout(1) and ends by itself (reboot -f, which -no-reboot turns into an
# exit).  Tunables (environment): PAB_TIMEOUT_A, PAB_TIMEOUT_B (seconds),
# PAB_QUICK=1 (a fraction of the cases, for trying the harness out; results
# in bench/results/<series>-quick/).
set -eu
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/sbin:/usr/sbin

series=${KERNEL:-6.1}
kver=$(bench_kernel "$series")
[ -n "$kver" ] || die "no Debian $series kernel with headers in /boot (run make deps)"
# Normal runs take 1.5 and 1 minutes: a hung VM costs at most 20 minutes.
timeout_a=${PAB_TIMEOUT_A:-600}
timeout_b=${PAB_TIMEOUT_B:-600}
t_start=$(date +%s)

mods=$(build_bench "$kver")

root="$mods/initramfs"
initrd="$mods/initramfs.cpio.gz"
stage_busybox "$root"
mkdir -p "$root/modules" "$root/bench"
cp "$mods/pool_alloc.ko" "$mods/bench/pool_alloc_bench.ko" "$root/modules/"
cp "$bench_dir/guest/init" "$root/init"
chmod 755 "$root/init"
for t in "$bench_dir"/traces/*.trace.gz; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .gz)
	gzip -dc "$t" >"$root/bench/$name"
done
pack_initramfs "$root" "$initrd"
mkdir -p "$logs"

# bench_vm NAME TIMEOUT MEM "QEMU OPTIONS" "KERNEL ARGS": one boot; its
# console goes to build/logs/bench-KVER-NAME.log.  Returns qemu's status
# (124: timed out).
bench_vm() {
	log="$logs/bench-$kver-$1.log"
	rm -f "$log"
	# The options are a list of words.
	# shellcheck disable=SC2086
	timeout --foreground -k 10 "$2" qemu-system-x86_64 $4 -cpu max -m "$3" \
		-nodefaults -display none -monitor none -no-reboot \
		-serial "file:$log" -kernel "/boot/vmlinuz-$kver" -initrd "$initrd" \
		-append "console=ttyS0 quiet loglevel=3 panic=-1 kfence.sample_interval=0 pab_quick=${PAB_QUICK:-0} $5" \
		</dev/null >&2
}

# vm_ok NAME RC: whether boot NAME ran its script to the end, cleanly.
vm_ok() {
	log="$logs/bench-$kver-$1.log"
	ok=0
	case $2 in
	0) ;;
	124) say "bench: the $1 VM timed out"; ok=1 ;;
	*) say "bench: the $1 VM: qemu exited with status $2"; ok=1 ;;
	esac
	if grep -qa '@@pa: FAIL' "$log"; then
		say "bench: the $1 VM reported:"
		guest_failures "$log"
		ok=1
	fi
	guest_finished "$log" || { say "bench: the $1 VM did not finish its script"; ok=1; }
	check_console "$log" || ok=1
	return $ok
}

icount="-accel tcg -icount shift=0,align=off -smp 1"
say "== Metric A on $kver: two icount VMs side by side (init_on_alloc=1 and 0; logs build/logs/bench-$kver-ioa*.log)"
rc1=0 rc0=0
bench_vm ioa1 "$timeout_a" 1024 "$icount" "init_on_alloc=1 pab_mode=icount" &
pid1=$!
bench_vm ioa0 "$timeout_a" 1024 "$icount" "init_on_alloc=0 pab_mode=icount" &
pid0=$!
wait "$pid1" || rc1=$?
wait "$pid0" || rc0=$?
t_a=$(date +%s)
say "   done in $((t_a - t_start)) s"

say "== Metrics B and C on $kver: 2 vCPUs, multi-threaded TCG (log build/logs/bench-$kver-smp.log)"
rcs=0
bench_vm smp "$timeout_b" 2048 "-accel tcg,thread=multi -smp 2" "pab_mode=smp" || rcs=$?
say "   done in $(($(date +%s) - t_a)) s"

bad=0
vm_ok ioa1 "$rc1" || bad=1
vm_ok ioa0 "$rc0" || bad=1
vm_ok smp "$rcs" || bad=1

# A quick run must not overwrite the results of a full one.
out="$bench_dir/results/$series"
[ "${PAB_QUICK:-0}" = 0 ] || out="$out-quick"
# Which allocator was measured: the results are committed, the code moves.
# Results of an earlier run, not yet committed, do not make the tree dirty.
PAB_REV=$(git -C "$top" describe --always 2>/dev/null || echo "not a git tree")
if ! git -C "$top" diff --quiet HEAD -- . ':!bench/results' 2>/dev/null; then
	PAB_REV="$PAB_REV-dirty"
fi
export PAB_REV
python3 "$bench_dir/report.py" "$out" "$kver" \
	"ioa1=$logs/bench-$kver-ioa1.log" "ioa0=$logs/bench-$kver-ioa0.log" \
	"smp=$logs/bench-$kver-smp.log" || bad=1
say "make bench: $(($(date +%s) - t_start)) s in all"
exit $bad
