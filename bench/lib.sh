# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the bench scripts (POSIX sh).  Reuses tools/testing/vm/lib.sh,
# telling it where the repository root is (pa_top), since the bench scripts
# do not live in tools/testing/vm.
# shellcheck shell=sh disable=SC2034 # the variables are for the includers

bench_dir=$(cd "$(dirname "$0")" && pwd)
pa_top=$(cd "$bench_dir/.." && pwd)
# shellcheck source=tools/testing/vm/lib.sh
. "$pa_top/tools/testing/vm/lib.sh"

# bench_kernel SERIES: the newest stock Debian kernel of SERIES (6.1 or
# 6.12) that has headers, as stock_kernel finds it.
bench_kernel() {
	case $1 in
	6.1) stock_kernel '6\.1\.[0-9]+-[0-9]+-amd64' ;;
	6.12) stock_kernel '6\.12\.[0-9]+\+deb12-amd64' ;;
	*) die "KERNEL=$1: only 6.1 and 6.12 are supported" ;;
	esac
}

# build_bench KVER: build the project's modules, pool_alloc_bench among
# them, with W=1, in build/bench/KVER/ (not in build/KVER/, which make test
# and make demo wipe and rebuild whenever they run); prints that directory,
# which holds pool_alloc.ko and bench/pool_alloc_bench.ko.
build_bench() {
	kdir="/usr/src/linux-headers-$1"
	out="$build/bench/$1"
	copy_sources "$top" "$out"
	say "== building pool_alloc and pool_alloc_bench for $1 (in build/bench/$1, W=1)"
	make -s -C "$kdir" M="$out" W=1 modules >&2 ||
		die "module build against $1 failed"
	for ko in pool_alloc.ko bench/pool_alloc_bench.ko; do
		[ -f "$out/$ko" ] || die "no $ko built for $1"
	done
	printf '%s\n' "$out"
}
