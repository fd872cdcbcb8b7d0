#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make bench-native`: run every case of bench.c against every allocator,
# each (case, allocator) in a fresh process, BENCH_ROUNDS times.  The
# allocators take turns within each case, each round starting with the next
# one, so that a change in the machine's load (other builds share its CPUs)
# touches them all alike; report.py takes the median of the rounds' medians
# and writes the table, CSV and plot.
#
# Usage: run.sh BINDIR OUTDIR TRACE ALLOC...
# Environment: BENCH_RUNS (timed runs per process, default 5), BENCH_ROUNDS
# (processes per case and allocator, default 3), BENCH_QUICK=1 (1/16 of the
# work per run).
set -eu

[ $# -ge 4 ] || { echo "usage: run.sh BINDIR OUTDIR TRACE ALLOC..." >&2; exit 2; }
bindir=$1 out=$2 trace=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
runs=${BENCH_RUNS:-5}
rounds=${BENCH_ROUNDS:-3}
quick=
[ "${BENCH_QUICK:-0}" = 0 ] || quick=-q

mkdir -p "$out"
raw=$out/raw.txt
log=$out/stderr.log
: >"$log"

# What was measured, and on what: the report prints these lines.
pkgver() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "?"
}
model=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
virt=bare-metal
grep -qw hypervisor /proc/cpuinfo && virt=virtual-machine
{
	echo "# date $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "# machine cpu=\"$model\" cpus=$(nproc) kernel=$(uname -r) $virt"
	echo "# build cc=\"$(${BENCH_CC:-gcc} --version | head -n 1)\" tree=$(git -C "$here" describe --always --dirty 2>/dev/null || echo ?)"
	py=libpython$(pkg-config --modversion python3-embed 2>/dev/null || echo 3)
	echo "# packages libc6=$(pkgver libc6) $py=$(pkgver "$py") libjemalloc2=$(pkgver libjemalloc2) libmimalloc2.0=$(pkgver libmimalloc2.0) libtcmalloc-minimal4=$(pkgver libtcmalloc-minimal4)"
	echo "# perf_event_paranoid $(cat /proc/sys/kernel/perf_event_paranoid 2>/dev/null || echo ?)"
	echo "# runs $runs rounds $rounds${quick:+ quick}"
} >"$raw"

# bench.c reads plain text.
plain=$out/$(basename "$trace" .gz)
gzip -dc "$trace" >"$plain"

# rotate LIST N: the words of LIST, the first N moved to the end.
rotate() {
	n=$2
	# The list is meant to be split into words.
	# shellcheck disable=SC2086
	set -- $1
	while [ "$n" -gt 0 ]; do
		first=$1
		shift
		set -- "$@" "$first"
		n=$((n - 1))
	done
	echo "$@"
}

t0=$(date +%s)
load0=$(cut -d' ' -f1-3 /proc/loadavg)
failed=0
round=1
while [ "$round" -le "$rounds" ]; do
	order=$(rotate "$*" $(((round - 1) % $#)))
	for c in pair "random 1000" "random 100000" "trace $plain" spsc percore; do
		echo "bench-native: round $round/$rounds: ${c%% /*} ..." >&2
		for a in $order; do
			bin=$bindir/bench-$a
			if [ ! -x "$bin" ]; then
				echo "# missing alloc=$a: no $bin" >>"$raw"
				continue
			fi
			# The case's words are meant to be split.
			# shellcheck disable=SC2086
			if ! "$bin" -r "$runs" $quick $c >>"$raw" 2>>"$log"; then
				echo "# failed alloc=$a case=$c (see $log)" >>"$raw"
				failed=$((failed + 1))
			fi
		done
	done
	round=$((round + 1))
done
echo "# seconds $(($(date +%s) - t0))" >>"$raw"
echo "# load average before $load0, after $(cut -d' ' -f1-3 /proc/loadavg)" >>"$raw"

python3 "$here/report.py" "$raw" "$out"
[ "$failed" = 0 ] || { echo "bench-native: $failed runs failed, see $log" >&2; exit 1; }
