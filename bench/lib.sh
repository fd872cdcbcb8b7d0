# SPDX-License-Identifier: GPL-2.0
#
# Sourced by the bench scripts (POSIX sh).  Reuses tools/testing/vm/lib.sh,
# whose paths are derived from $0: they are set again here for a script that
# lives in bench/.
# shellcheck shell=sh disable=SC2034 # the variables are for the includers

bench_dir=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tools/testing/vm/lib.sh
. "$bench_dir/../tools/testing/vm/lib.sh"
top=$(cd "$bench_dir/.." && pwd)
vm_dir="$top/tools/testing/vm"
build="$top/build"
logs="$build/logs"

# bench_kernel SERIES: the newest stock Debian kernel of SERIES (6.1 or
# 6.12) that has headers, as stock_kernel finds it.
bench_kernel() {
	case $1 in
	6.1) stock_kernel '6\.1\.[0-9]+-[0-9]+-amd64' ;;
	6.12) stock_kernel '6\.12\.[0-9]+\+deb12-amd64' ;;
	*) die "KERNEL=$1: only 6.1 and 6.12 are supported" ;;
	esac
}

# build_bench KVER: build pool_alloc (build_modules) and then the bench
# module against its Module.symvers; prints the directory holding
# pool_alloc.ko, with bench/pool_alloc_bench.ko below it.
build_bench() {
	kdir="/usr/src/linux-headers-$1"
	mods=$(build_modules "$kdir" "$1")
	say "== building pool_alloc_bench for $1 (W=1)"
	make -s -C "$kdir" M="$mods/bench" \
		KBUILD_EXTRA_SYMBOLS="$mods/Module.symvers" W=1 modules >&2 ||
		die "bench module build against $1 failed"
	[ -f "$mods/bench/pool_alloc_bench.ko" ] || die "no pool_alloc_bench.ko for $1"
	printf '%s\n' "$mods"
}
