#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench [KERNEL=6.1|6.12]`: build pool_alloc and pool_alloc_bench for a
# stock Debian kernel, boot it 2 + PAB_BOOTS times under qemu and write the
# results to bench/results/<series>/ (results.csv, results.md, PNG plots, raw
# result lines), printing results.md.  bench/README.md describes the method.
#
#   ioa1, ioa0  Metric A: icount, one vCPU, so guest nanoseconds are guest
#               instructions; init_on_alloc=1 then 0.  The two run side by
#               side (one host core each).
#   smp         Metrics C and B: multi-threaded TCG, 2 vCPUs, alone.
#   smp2..smpN  Metric B again, one boot after the other, alone: the targets
#               of Metric B are judged on the median across the smp boots.
#
# Logs: build/logs/bench-<kernel release>-<boot>.{log,result}.  Tunables
# (environment): PAB_TIMEOUT_A, PAB_TIMEOUT_B (seconds, per VM), PAB_BOOTS
# (smp boots, default 5, 1 with PAB_QUICK=1), PAB_QUICK=1 (a fraction of the
# cases, for trying the harness out; results in
# bench/results/<series>-quick/), PAB_PA_PARAMS="backend=kmalloc profile=1"
# (pool_alloc's module parameters; results in bench/results/<series>-<params>/).
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/sbin:/usr/sbin

series=${KERNEL:-6.1}
kver=$(stock_series "$series")
[ -n "$kver" ] || die "no Debian $series kernel with headers in /boot (run make deps)"
# Normal runs take a few minutes each: a hung VM costs at most 10 minutes.
timeout_a=${PAB_TIMEOUT_A:-600}
timeout_b=${PAB_TIMEOUT_B:-600}
# Metric B's wall times move from boot to boot (the host's load, where the
# guest's memory lands): five boots give a median and a spread.
if [ "${PAB_QUICK:-0}" = 1 ]; then boots=${PAB_BOOTS:-1}; else boots=${PAB_BOOTS:-5}; fi
case $boots in
'' | *[!0-9]* | 0) die "PAB_BOOTS=$boots: a number of boots, at least 1" ;;
esac
t_start=$(date +%s)

# The verdict logic first: a report that cannot say MISSED is worth nothing.
python3 "$top/bench/report_test.py" >&2 ||
	die "bench/report_test.py failed: the report's verdicts are wrong"

# In build/bench/KVER/, not build/KVER/, which make test and make demo wipe
# and rebuild whenever they run.
mods=$(build_modules "/usr/src/linux-headers-$kver" "bench/$kver" W=1)
[ -f "$mods/bench/pool_alloc_bench.ko" ] || die "no pool_alloc_bench.ko built for $kver"

root="$mods/initramfs"
stage_busybox "$root" init-bench
mkdir -p "$root/modules" "$root/bench"
cp "$mods/pool_alloc.ko" "$mods/bench/pool_alloc_bench.ko" "$root/modules/"
for t in "$top"/bench/traces/*.trace.gz; do
	[ -f "$t" ] || continue
	name=$(basename "$t" .gz)
	gzip -dc "$t" >"$root/bench/$name"
done
# Packed once here: the two Metric A VMs boot it at the same time.
pack_initramfs "$root" "$root.cpio.gz"

# The guest's init gets pab_* as variables: parameters go comma-separated.
pa_params=$(echo "${PAB_PA_PARAMS:-}" | tr -s ' ' ',')
args="quiet loglevel=3 kfence.sample_interval=0 pab_quick=${PAB_QUICK:-0}"
[ -z "$pa_params" ] || args="$args pab_pa_params=$pa_params"
say "== Metric A on $kver: two icount VMs side by side (init_on_alloc=1 and 0; logs build/logs/bench-$kver-ioa*.log)"
rc1=0 rc0=0
vm_run -i -c 1 -m 1024 -t "$timeout_a" -a "$args init_on_alloc=1 pab_mode=icount" \
	"bench-$kver-ioa1" "/boot/vmlinuz-$kver" "$root.cpio.gz" &
pid1=$!
vm_run -i -c 1 -m 1024 -t "$timeout_a" -a "$args init_on_alloc=0 pab_mode=icount" \
	"bench-$kver-ioa0" "/boot/vmlinuz-$kver" "$root.cpio.gz" &
pid0=$!
wait "$pid1" || rc1=$?
wait "$pid0" || rc0=$?
t_a=$(date +%s)
say "   done in $((t_a - t_start)) s"

bad=0
vm_verdict "bench-$kver-ioa1" "$rc1" || bad=1
vm_verdict "bench-$kver-ioa0" "$rc0" || bad=1

# The smp boots' BOOT=RESULT arguments of report.py, in order.
set --
i=1
while [ "$i" -le "$boots" ]; do
	t_b=$(date +%s)
	if [ "$i" = 1 ]; then
		boot=smp mode=smp what="Metrics C and B"
	else
		boot=smp$i mode=smpb what="Metric B"
	fi
	say "== $what on $kver, smp boot $i of $boots: 2 vCPUs, multi-threaded TCG (log build/logs/bench-$kver-$boot.log)"
	rcs=0
	vm_run -M -c 2 -m 2048 -t "$timeout_b" -a "$args pab_mode=$mode" \
		"bench-$kver-$boot" "/boot/vmlinuz-$kver" "$root.cpio.gz" || rcs=$?
	say "   done in $(($(date +%s) - t_b)) s"
	vm_verdict "bench-$kver-$boot" "$rcs" || bad=1
	set -- "$@" "$boot=$logs/bench-$kver-$boot.result"
	i=$((i + 1))
done

# A quick run must not overwrite the results of a full one.
out="$top/bench/results/$series"
[ "${PAB_QUICK:-0}" = 0 ] || out="$out-quick"
# Nor a run with other parameters than the default ones.
[ -z "$pa_params" ] || out="$out-$(echo "$pa_params" | tr ',=' '-')"
# Which allocator was measured: the results are committed, the code moves.
# Results of an earlier run, not yet committed, do not make the tree dirty.
PAB_REV=$(git -C "$top" describe --always 2>/dev/null || echo "not a git tree")
if ! git -C "$top" diff --quiet HEAD -- . ':!bench/results' 2>/dev/null; then
	PAB_REV="$PAB_REV-dirty"
fi
export PAB_REV
python3 "$top/bench/report.py" "$out" "$kver" \
	"ioa1=$logs/bench-$kver-ioa1.result" "ioa0=$logs/bench-$kver-ioa0.result" \
	"$@" || bad=1
say "make bench: $(($(date +%s) - t_start)) s in all"
exit $bad
