#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: build the modules against the KASAN/lockdep test kernel and the
# stock Debian 6.1 and 6.12 kernels, then
#   - KUnit pass: boot the test kernel, load pool_alloc and the KUnit modules,
#     count the KTAP results and reject any kernel error report;
#   - smoke pass on each stock kernel: modprobe the sample (which must pull in
#     pool_alloc), read debugfs, unload, twice.
# The last line is "N passed, N failed" for the KUnit cases; the exit status
# is non-zero if any pass failed.  Console logs: build/logs/.
#
# Tunables (environment): PA_KUNIT_TIMEOUT, PA_SMOKE_TIMEOUT (seconds).
set -eu
. "$(dirname "$0")/lib.sh"
# depmod lives in /sbin, which a non-root PATH may lack.
PATH=$PATH:/sbin:/usr/sbin

kunit_timeout=${PA_KUNIT_TIMEOUT:-600}
smoke_timeout=${PA_SMOKE_TIMEOUT:-300}
mkdir -p "$logs"
summary=""
status=0

# note LINE: remember a line for the summary printed before the totals.
note() { summary="$summary$*
"; }

tree=$("$vm_dir/build-kernel.sh")
test_kver=$(cat "$tree/include/config/kernel.release")
kver61=$(stock_kernel '6\.1\.[0-9]+-[0-9]+-amd64')
kver612=$(stock_kernel '6\.12\.[0-9]+\+deb12-amd64')
[ -n "$kver61" ] || die "no Debian 6.1 kernel with headers (run make deps)"
[ -n "$kver612" ] || die "no Debian 6.12 kernel with headers (run make deps)"

# Build everything before booting anything: a compile error on any kernel
# should show up in seconds, not after the long VM runs.
test_mods=$(build_modules "$tree" "$test_kver" ARCH=x86_64)
mods61=$(build_modules "/usr/src/linux-headers-$kver61" "$kver61")
mods612=$(build_modules "/usr/src/linux-headers-$kver612" "$kver612")

# vm_verdict NAME LOG RC: the checks common to every pass.  Prints why a run
# failed; returns non-zero if it did.
vm_verdict() {
	bad=0
	case $3 in
	0) ;;
	124) say "  $1: the VM timed out"; bad=1 ;;
	*) say "  $1: qemu exited with status $3"; bad=1 ;;
	esac
	if grep -qa '@@pa: FAIL' "$2"; then
		say "  $1: the guest reported:"
		guest_failures "$2"
		bad=1
	fi
	if ! guest_finished "$2"; then
		say "  $1: the guest never finished its script (crash or hang)"
		bad=1
	fi
	check_console "$2" || bad=1
	return $bad
}

kunit_pass() {
	say "== KUnit pass on the test kernel ($test_kver; log build/logs/kunit.log)"
	root="$build/$test_kver/initramfs"
	stage_busybox "$root"
	mkdir -p "$root/modules/kunit"
	cp "$test_mods/pool_alloc.ko" "$root/modules/"
	# Every KUnit module the Kbuild produces, however many there are.
	find "$test_mods/kunit" -name '*.ko' -exec cp {} "$root/modules/kunit/" \;
	cp "$vm_dir/guest/init-kunit" "$root/init"
	pack_initramfs "$root" "$build/$test_kver/initramfs.cpio.gz"

	log="$logs/kunit.log"
	t0=$(date +%s)
	rc=0
	# kasan_multi_shot: report every bad access, not just the first.
	run_vm "$kunit_timeout" "$tree/arch/x86/boot/bzImage" \
		"$build/$test_kver/initramfs.cpio.gz" \
		"console=ttyS0 loglevel=7 panic=-1 kasan_multi_shot kmemleak=on" \
		"$log" || rc=$?
	secs=$(($(date +%s) - t0))

	kfail=0
	vm_verdict kunit "$log" $rc || kfail=1
	# The KTAP of our suites, then "failed: ..." lines, then the counts.
	awk -f "$vm_dir/ktap.awk" "$log" >"$logs/kunit.ktap"
	grep -v '^counts ' "$logs/kunit.ktap" | sed 's/^/  /'
	read -r _ kpass kfailed kskip _ kproblems <<-EOF
	$(grep '^counts ' "$logs/kunit.ktap")
	EOF
	[ "$kfailed" = 0 ] && [ "$kproblems" = 0 ] || kfail=1
	if [ $kfail = 0 ]; then
		note "  kunit  $test_kver (KASAN, lockdep, kmemleak): ok (${secs}s)"
	else
		note "  kunit  $test_kver (KASAN, lockdep, kmemleak): FAILED (${secs}s, build/logs/kunit.log)"
	fi
	return $kfail
}

# smoke_pass KVER MODDIR
smoke_pass() {
	kver=$1
	log="$logs/smoke-$kver.log"
	say "== smoke pass on Debian $kver (log build/logs/smoke-$kver.log)"
	root="$build/$kver/initramfs"
	stage_busybox "$root"
	if ! stage_stock_modules "$root" "$kver" "$2"; then
		note "  smoke  $kver: FAILED (modules.dep)"
		return 1
	fi
	cp "$vm_dir/guest/init-smoke" "$root/init"
	pack_initramfs "$root" "$build/$kver/initramfs.cpio.gz"

	t0=$(date +%s)
	rc=0
	run_vm "$smoke_timeout" "/boot/vmlinuz-$kver" "$build/$kver/initramfs.cpio.gz" \
		"console=ttyS0 loglevel=7 panic=-1" "$log" || rc=$?
	secs=$(($(date +%s) - t0))
	if vm_verdict "smoke $kver" "$log" $rc; then
		note "  smoke  $kver: ok, 2 load/read/unload rounds (${secs}s)"
		return 0
	fi
	note "  smoke  $kver: FAILED (${secs}s, build/logs/smoke-$kver.log)"
	return 1
}

kpass=0 kfailed=0 kskip=0
kunit_pass || status=1
smoke_pass "$kver61" "$mods61" || status=1
smoke_pass "$kver612" "$mods612" || status=1

echo "summary:"
printf '%s' "$summary"
if [ "$kskip" != 0 ]; then
	echo "$kpass passed, $kfailed failed, $kskip skipped"
else
	echo "$kpass passed, $kfailed failed"
fi
exit $status
