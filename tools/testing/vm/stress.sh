#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make stress [DURATION=SECS]`: the soak.  Builds the modules against the
# KASAN/lockdep/kmemleak test kernel and boots it once: pa_stress runs for
# DURATION seconds (default 300) under pool_alloc's fault injection while
# every debugfs file is read; then pool_alloc must be back to its
# hysteresis, unload clean and leave kmemleak nothing (guest/init-stress).
# Prints the figures: operations, failures injected and survived, kernel
# reports, duration.  Exits non-zero if the run failed.  Logs:
# build/logs/stress.*.  make test runs the same pass for 30 s.
set -eu
. "$(dirname "$0")/lib.sh"

duration=${DURATION:-300}
case $duration in
'' | *[!0-9]* | 0) die "DURATION=$duration: a number of seconds, at least 1" ;;
esac

tree=$("$vm_dir/build-kernel.sh")
kver=$(cat "$tree/include/config/kernel.release")
mods=$(build_modules "$tree" "$kver" ARCH=x86_64)

say "== stress, ${duration}s on the test kernel ($kver; log build/logs/stress.log)"
if stress_vm stress "$tree" "$mods" "$duration"; then
	echo "stress: ok: $stress_figures"
	exit 0
fi
echo "stress: FAILED: $stress_figures"
exit 1
