# SPDX-License-Identifier: GPL-2.0
#
# Helpers shared by run-tests.sh and demo.sh (sourced, not executed).
# Everything here is POSIX sh: the scripts run under dash from make.
# shellcheck shell=sh disable=SC2034 # the variables are for the includers

# A script outside tools/testing/vm sets pa_top (the repository root) before
# sourcing this; by default the root is three levels above the script.  A
# wrong root would make copy_sources copy the whole filesystem: refuse it.
top=${pa_top:-$(cd "$(dirname "$0")/../../.." && pwd)}
vm_dir="$top/tools/testing/vm"
[ -f "$top/Kbuild" ] && [ -f "$vm_dir/lib.sh" ] ||
	{ echo "lib.sh: $top is not the pool_alloc tree" >&2; exit 1; }
build="$top/build"
logs="$build/logs"

say() { printf '%s\n' "$*" >&2; }
die() { say "$(basename "$0"): $*"; exit 1; }

# Print the release of the newest stock Debian kernel of a series that has both
# an image in /boot and matching headers, so a Debian point release that
# installs a newer ABI is picked up without editing anything.  $1 is an ERE
# for the release (e.g. '6\.1\.[0-9]+-[0-9]+-amd64'); flavours such as -rt or
# -cloud do not match it and are skipped on purpose.
stock_kernel() {
	for img in /boot/vmlinuz-*; do
		rel=${img#/boot/vmlinuz-}
		printf '%s\n' "$rel" | grep -Eqx "$1" || continue
		[ -f "/usr/src/linux-headers-$rel/Makefile" ] || continue
		printf '%s\n' "$rel"
	done | sort -V | tail -n 1
}

# Copy the module sources to $2, leaving behind objects from in-tree builds,
# the top-level Makefile (Kbuild is what kbuild reads) and directories that are
# not module sources.  Each kernel gets its own copy so builds against
# different kernels never share .o/.cmd files.  Works from a fresh clone: it
# does not ask git which files are tracked.
copy_sources() {
	rm -rf "$2"
	mkdir -p "$2"
	(cd "$1" && find . \( -path ./build -o -path ./.git -o -path ./.ci \
			-o -path ./tools -o -path ./Documentation \) -prune \
		-o -type f \( -name Kbuild -o -name Makefile -o -name '*.c' \
			-o -name '*.h' -o -name '*.S' \) \
		! -name '*.mod.c' ! -path ./Makefile -print |
		cpio -pdm --quiet "$2")
}

# build_modules KDIR KVER [make args...]: build the project's modules against
# the kernel tree KDIR into build/KVER/ and print that directory.
build_modules() {
	kdir=$1 kver=$2
	shift 2
	out="$build/$kver"
	copy_sources "$top" "$out"
	say "== building modules for $kver (in build/$kver)"
	# -s keeps the terminal to warnings and errors.
	make -s -C "$kdir" M="$out" "$@" modules >&2 ||
		die "module build against $kver failed"
	[ -f "$out/pool_alloc.ko" ] || die "no pool_alloc.ko built for $kver"
	printf '%s\n' "$out"
}

# stage_busybox ROOT: the skeleton every initramfs starts from.  Applet links
# are made at boot (busybox --install -s) so the host's busybox layout does not
# matter; /dev/console comes from the kernel's built-in default initramfs.
stage_busybox() {
	rm -rf "$1"
	mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/usr/sbin" "$1/dev" \
		"$1/proc" "$1/sys" "$1/tmp" "$1/etc"
	cp /bin/busybox "$1/bin/busybox"
	cp "$vm_dir/guest/common.sh" "$1/etc/pa-common.sh"
}

# pack_initramfs ROOT OUT: gzip'd newc cpio (every kernel we boot has RD_GZIP).
# --owner keeps the archive root-owned when the host user is not root.
pack_initramfs() {
	(cd "$1" && find . | sort | cpio -o -H newc --quiet --owner=0:0) |
		gzip -9 >"$2"
}

# run_vm TIMEOUT KERNEL INITRD APPEND LOG: boot a VM whose serial console goes
# to LOG.  qemu never reads the terminal (CI has no stdin) and always ends:
# the guest reboots (-no-reboot turns that into an exit) or timeout kills it.
# --foreground keeps qemu in make's process group, so ^C stops it too.
# Returns qemu's status; 124 means the VM timed out.  The guest gets
# pa_limit, how long one of its steps may take, so that a hung step is reported
# by the guest well before the host gives up on the VM.
run_vm() {
	rm -f "$5"
	limit=$(($1 - 120))
	[ "$limit" -ge 20 ] || limit=20
	set +e
	timeout --foreground -k 10 "$1" qemu-system-x86_64 -accel tcg -cpu max -smp 2 \
		-m 1536 -nodefaults -display none -monitor none -no-reboot \
		-serial "file:$5" -kernel "$2" -initrd "$3" -append "$4 pa_limit=$limit" \
		</dev/null >&2
	rc=$?
	set -e
	return $rc
}

# Console lines that are kernel error reports.  Each pattern matches the
# report, not a boot banner: "kmemleak: Kernel memory leak detector
# initialized", "kasan: KernelAddressSanitizer initialized", "rcu: RCU lockdep
# checking is enabled" and lockdep's "... MAX_LOCKDEP_KEYS" lines pass.
# Lockdep's reports open with "WARNING: possible circular locking ...",
# "WARNING: inconsistent lock state", "INFO: trying to register non-static
# key" and so on, or say that lockdep turned itself off.
splat_re='Oops|BUG:|WARNING:|KASAN|INFO: possible|inconsistent lock state|INFO: trying to register|lockdep is turned off|turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|unreferenced object|suspected memory leak|sleeping function called from invalid context|Call Trace:|general protection fault|Kernel panic|UBSAN:|cut here|detected stall|blocked for more than|Unable to handle|list_(add|del) corruption|refcount_t:'

# check_console LOG: print the kernel error reports found in LOG; fails when
# there is any.  Loading our unsigned modules on a Debian kernel logs "module
# verification failed" and taints: that is expected and is not matched.
check_console() {
	grep -Eqa "$splat_re" "$1" || return 0
	grep -Ean "$splat_re" "$1" | head -n 40 | tr -d '\r' | sed 's/^/    /' >&2
	say "  kernel error reports in ${1#"$top"/} (first 40 shown above)"
	return 1
}

# Guest scripts mark progress with "@@pa: ..." lines; a run is complete only
# when the guest reached its last marker.  Markers are not anchored: kernel
# messages can land in the middle of a line the guest writes.
guest_finished() {
	grep -qa '@@pa: end' "$1"
}

guest_failures() {
	grep -a '@@pa: FAIL' "$1" | tr -d '\r' | sed 's/.*@@pa: /    /' >&2
}

# stage_stock_modules ROOT KVER MODDIR: a depmod'ed /lib/modules/KVER holding
# only our modules, as a stock Debian kernel would find them installed.
# modprobe must then resolve the sample's dependency on pool_alloc from the
# symbols the sample imports.
stage_stock_modules() {
	mkdir -p "$1/lib/modules/$2/extra"
	cp "$3/pool_alloc.ko" "$3/samples/pool_alloc_sample.ko" \
		"$1/lib/modules/$2/extra/"
	# depmod wants these beside the modules: the kernel's own lists of
	# built-in modules where the host has them, else empty ones.
	printf 'extra/pool_alloc.ko\nextra/pool_alloc_sample.ko\n' \
		>"$1/lib/modules/$2/modules.order"
	for f in modules.builtin modules.builtin.modinfo; do
		if [ -f "/lib/modules/$2/$f" ]; then
			cp "/lib/modules/$2/$f" "$1/lib/modules/$2/"
		else
			: >"$1/lib/modules/$2/$f"
		fi
	done
	depmod -b "$1" "$2"
	grep -q '^extra/pool_alloc_sample.ko:.*extra/pool_alloc.ko' \
		"$1/lib/modules/$2/modules.dep" ||
		{ say "depmod did not record pool_alloc_sample -> pool_alloc"; return 1; }
}
