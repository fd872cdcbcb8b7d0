#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make pastat-fixtures`: take pastat's fixtures again, copies of real
# debugfs trees of pool_alloc.  Boots the stock Debian 6.12 kernel (6.1 with
# KERNEL=6.1) with guest/init-fixtures, which loads the modules in each state
# that tools/pastat/fixtures/README describes and prints every debugfs file
# on the result port; the files are split back into
# tools/pastat/fixtures/<case>/, mirroring /sys/kernel/debug/pool_alloc/.
# The hand-made malformed fixtures (fixtures/bad-*) are left alone.
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/sbin:/usr/sbin

series=${KERNEL:-6.12}
kver=$(stock_series "$series")
[ -n "$kver" ] || die "no Debian $series kernel with headers (run make deps)"
mods=$(build_modules "/usr/src/linux-headers-$kver" "$kver")

root="$build/$kver/initramfs-fixtures"
stage_busybox "$root" init-fixtures
stage_stock_modules "$root" "$kver" "$mods"

say "== booting Debian $kver under qemu (log build/logs/fixtures.log)"
rc=0
vm_run -t "${PA_FIXTURES_TIMEOUT:-600}" -a "loglevel=7" \
	fixtures "/boot/vmlinuz-$kver" "$root" || rc=$?
vm_verdict fixtures $rc || die "the fixtures were not taken"

out="$top/tools/pastat/fixtures"
cases=$(vm_result fixtures | sed -n 's/^@@pa: case //p')
[ -n "$cases" ] || die "the guest printed no case"
for c in $cases; do
	rm -rf "${out:?}/$c"
done
# Each file between its markers, under out/CASE/PATH.
vm_result fixtures | awk -v out="$out" '
/^@@pa: file [^ ]+ [^ ]+ begin$/ {
	path = out "/" $3 "/" $4
	dir = path
	sub(/\/[^\/]*$/, "", dir)
	system("mkdir -p \"" dir "\"")
	printf "" >path
	on = 1
	next
}
/^@@pa: file [^ ]+ [^ ]+ end$/ { close(path); on = 0; next }
on { print >path }'
printf '%s\n' "$kver" >"$out/KERNEL"
for c in $cases; do
	say "  $c: $(find "$out/$c" -type f | wc -l) files"
done
