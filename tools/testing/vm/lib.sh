# SPDX-License-Identifier: GPL-2.0
#
# The VM harness, sourced by every script next to it (run-tests.sh, demo.sh,
# bench.sh, trace.sh, check.sh).  vm_run is the only place that starts qemu,
# vm_verdict the only place that judges a run.  POSIX sh: the scripts run
# under dash from make.
#
# A run NAME leaves two files in build/logs/:
#   NAME.log     the serial console (ttyS0): kernel messages, read for splats
#   NAME.result  the second serial port (ttyS1), which only the guest script
#                writes: "@@pa: ..." markers and the results (KTAP, bench
#                lines, demo output, trace).  The kernel never prints there,
#                so a result line is never broken by a kernel message.
# shellcheck shell=sh disable=SC2034 # the variables are for the includers

# Every script that sources this lives in tools/testing/vm.  A wrong root
# would make copy_sources copy the whole filesystem: refuse it.
vm_dir=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$vm_dir/../../.." && pwd)
if [ ! -f "$top/Kbuild" ] || [ ! -f "$vm_dir/lib.sh" ]; then
	echo "lib.sh: $top is not the pool_alloc tree" >&2
	exit 1
fi
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

# stock_series SERIES: stock_kernel for a series by name (6.1 or 6.12).
stock_series() {
	case $1 in
	6.1) stock_kernel '6\.1\.[0-9]+-[0-9]+-amd64' ;;
	6.12) stock_kernel '6\.12\.[0-9]+\+deb12-amd64' ;;
	*) die "kernel series '$1': only 6.1 and 6.12 are supported" ;;
	esac
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

# build_modules KDIR DIR [make args...]: build the project's modules against
# the kernel tree KDIR into build/DIR/ and print that directory.
build_modules() {
	kdir=$1 dir=$2
	shift 2
	out="$build/$dir"
	copy_sources "$top" "$out"
	say "== building modules in build/$dir"
	# -s keeps the terminal to warnings and errors.
	make -s -C "$kdir" M="$out" "$@" modules >&2 ||
		die "module build in build/$dir failed"
	[ -f "$out/pool_alloc.ko" ] || die "no pool_alloc.ko built in build/$dir"
	printf '%s\n' "$out"
}

# stage_busybox ROOT INIT: the skeleton every initramfs starts from, with
# guest/INIT as its /init (every guest script lives in guest/).  Applet links
# are made at boot (busybox --install -s) so the host's busybox layout does not
# matter; /dev/console comes from the kernel's built-in default initramfs.
stage_busybox() {
	[ -f "$vm_dir/guest/$2" ] || die "no guest script guest/$2"
	rm -rf "$1"
	mkdir -p "$1/bin" "$1/sbin" "$1/usr/bin" "$1/usr/sbin" "$1/dev" \
		"$1/proc" "$1/sys" "$1/tmp" "$1/etc"
	cp /bin/busybox "$1/bin/busybox"
	cp "$vm_dir/guest/common.sh" "$1/etc/pa-common.sh"
	cp "$vm_dir/guest/$2" "$1/init"
	chmod 755 "$1/init"
}

# pack_initramfs ROOT OUT: gzip'd newc cpio (every kernel we boot has RD_GZIP).
# --owner keeps the archive root-owned when the host user is not root.
pack_initramfs() {
	(cd "$1" && find . | sort | cpio -o -H newc --quiet --owner=0:0) |
		gzip -9 >"$2"
}

# vm_run [options] NAME KERNEL INITRAMFS: boot KERNEL under qemu (TCG; this
# machine has no KVM) with INITRAMFS, a .cpio.gz or a directory that is packed
# into DIRECTORY.cpio.gz first.  Console to build/logs/NAME.log, the guest's
# result port to build/logs/NAME.result.
#   -c CPUS   vCPUs (default 2)
#   -m MIB    memory (default 1536)
#   -i        icount: the guest clock advances 1 ns per guest instruction,
#             whatever the host does (-icount shift=0,align=off; one TCG thread)
#   -M        multi-threaded TCG: each vCPU a host thread (-accel tcg,thread=multi)
#   -a ARGS   kernel command line on top of "console=ttyS0 panic=-1"
#   -t SECS   timeout (default 600)
#   -g PORT   a gdbstub on 127.0.0.1:PORT (fastpath.sh single-steps through it)
# qemu never reads the terminal (CI has no stdin) and always ends: the guest
# reboots (-no-reboot turns that into an exit) or timeout kills it.
# --foreground keeps qemu in make's process group, so ^C stops it too.
# Returns qemu's status; 124 means the VM timed out.  The guest gets pa_limit,
# how long one of its steps may take, so that a hung step is reported by the
# guest well before the host gives up on the VM.
vm_run() {
	cpus=2 mem=1536 accel="-accel tcg" args="" secs=600 gdbstub=""
	OPTIND=1
	while getopts c:m:iMa:t:g: opt; do
		case $opt in
		c) cpus=$OPTARG ;;
		m) mem=$OPTARG ;;
		i) accel="-accel tcg -icount shift=0,align=off" ;;
		M) accel="-accel tcg,thread=multi" ;;
		a) args=$OPTARG ;;
		t) secs=$OPTARG ;;
		g) gdbstub="-gdb tcp:127.0.0.1:$OPTARG" ;;
		*) die "vm_run: bad option" ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# = 3 ] || die "vm_run: usage: vm_run [options] NAME KERNEL INITRAMFS"
	initrd=$3
	if [ -d "$initrd" ]; then
		pack_initramfs "$initrd" "$initrd.cpio.gz"
		initrd="$initrd.cpio.gz"
	fi
	mkdir -p "$logs"
	rm -f "$logs/$1.log" "$logs/$1.result"
	limit=$((secs - 120))
	[ "$limit" -ge 20 ] || limit=20
	set +e
	# The accelerator and gdbstub options are lists of words.
	# shellcheck disable=SC2086
	timeout --foreground -k 10 "$secs" qemu-system-x86_64 $accel $gdbstub -cpu max \
		-smp "$cpus" -m "$mem" -nodefaults -display none -monitor none \
		-no-reboot -serial "file:$logs/$1.log" \
		-serial "file:$logs/$1.result" -kernel "$2" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 $args pa_limit=$limit" \
		</dev/null >&2
	rc=$?
	set -e
	return $rc
}

# vm_result NAME: the result port of run NAME, without the tty's CRs.
vm_result() {
	tr -d '\r' 2>/dev/null <"$logs/$1.result"
}

# vm_section NAME WHAT: the lines the guest wrote between its markers
# "@@pa: WHAT begin" and "@@pa: WHAT end" (exclusive).
vm_section() {
	vm_result "$1" | awk -v b="@@pa: $2 begin" -v e="@@pa: $2 end" \
		'$0 == e { on = 0 } on { print } $0 == b { on = 1 }'
}

# Console lines that are kernel error reports, the one list of them.  Each
# pattern matches the report, not a boot banner: "kmemleak: Kernel memory leak
# detector initialized", "kasan: KernelAddressSanitizer initialized", "rcu:
# RCU lockdep checking is enabled" and lockdep's "... MAX_LOCKDEP_KEYS" lines
# pass.  Lockdep's reports open with "WARNING: possible circular locking ...",
# "WARNING: inconsistent lock state", "INFO: trying to register non-static
# key" and so on, or say that lockdep turned itself off.  Loading our unsigned
# modules on a Debian kernel logs "module verification failed" and taints:
# that is expected and is not matched.
splat_re='Oops|BUG:|WARNING:|KASAN|INFO: possible|inconsistent lock state|INFO: trying to register|lockdep is turned off|turning off the locking correctness validator|DEBUG_LOCKS_WARN_ON|unreferenced object|suspected memory leak|sleeping function called from invalid context|Call Trace:|general protection fault|Kernel panic|UBSAN:|cut here|detected stall|blocked for more than|Unable to handle|list_(add|del) corruption|refcount_t:'

# vm_console NAME: the console of run NAME less the reports a test declared,
# the one exception to "any report fails the run".  A KUnit test that plants
# a bug prints "pa_test: expect N KASAN reports" (or "N kmemleak reports")
# before it and "pa_test: end of expected reports" after it; when exactly N
# reports of that kind ("BUG: KASAN: ..." lines, or the leaks kmemleak's
# "N new suspected memory leaks" counts) lie between the two, the lines
# between them are left out.  Any other number leaves them in, to fail the
# run; so does a region that never ends.
vm_console() {
	tr -d '\r' <"$logs/$1.log" | awk '
	function flush() { printf "%s", held; held = ""; on = 0 }
	/pa_test: expect [0-9]+ (KASAN|kmemleak) reports/ {
		if (on) flush()
		match($0, /expect [0-9]+ /)
		want = substr($0, RSTART + 7, RLENGTH - 8) + 0
		kind = ($0 ~ /KASAN reports/) ? "kasan" : "kmemleak"
		on = 1; seen = 0; held = $0 "\n"; next
	}
	on && /pa_test: end of expected reports/ {
		if (seen == want) { held = ""; on = 0; exempt += want }
		else { held = held $0 "\n"; flush() }
		next
	}
	on {
		held = held $0 "\n"
		if (kind == "kasan" && /BUG: KASAN: /) seen++
		if (kind == "kmemleak" && match($0, /[0-9]+ new suspected memory leak/))
			seen += substr($0, RSTART, RLENGTH) + 0
		next
	}
	{ print }
	END { if (on) flush(); if (exempt) print "pa_harness: " exempt " expected reports left out" > "/dev/stderr" }'
}

# vm_verdict NAME RC: judge the finished run NAME, whose qemu returned RC.  It
# passed when qemu exited by itself (the guest rebooted), the guest reported
# no "@@pa: FAIL", reached its last marker "@@pa: end" (written only when its
# script ran to completion, so a crash or hang is never mistaken for success),
# and the console holds no kernel error report.  Prints every reason it
# failed; returns 1 if it did.
vm_verdict() {
	v_bad=0
	case $2 in
	0) ;;
	124) say "  $1: the VM timed out"; v_bad=1 ;;
	*) say "  $1: qemu exited with status $2"; v_bad=1 ;;
	esac
	if vm_result "$1" | grep -q '^@@pa: FAIL'; then
		say "  $1: the guest reported:"
		vm_result "$1" | sed -n 's/^@@pa: \(FAIL.*\)/    \1/p' >&2
		v_bad=1
	fi
	if ! vm_result "$1" | grep -qx '@@pa: end'; then
		say "  $1: the guest never finished its script (crash or hang)"
		v_bad=1
	fi
	if vm_console "$1" 2>/dev/null | grep -Eqa "$splat_re"; then
		vm_console "$1" 2>/dev/null | grep -Ean "$splat_re" | head -n 40 |
			sed 's/^/    /' >&2
		say "  $1: kernel error reports in build/logs/$1.log (first 40 shown above)"
		v_bad=1
	fi
	[ "$v_bad" = 0 ] || say "  $1: console build/logs/$1.log, results build/logs/$1.result"
	return $v_bad
}

# stage_stock_modules ROOT KVER MODDIR: a depmod'ed /lib/modules/KVER holding
# only our modules, as a stock Debian kernel would find them installed.
# modprobe must then resolve the sample's dependency on pool_alloc from the
# symbols the sample imports.
stage_stock_modules() {
	mkdir -p "$1/lib/modules/$2/extra"
	cp "$3/pool_alloc.ko" "$3/samples/pool_alloc_sample.ko" \
		"$3/samples/pool_alloc_hook_sample.ko" "$1/lib/modules/$2/extra/"
	# depmod wants these beside the modules: the kernel's own lists of
	# built-in modules where the host has them, else empty ones.
	printf 'extra/%s.ko\n' pool_alloc pool_alloc_sample \
		pool_alloc_hook_sample >"$1/lib/modules/$2/modules.order"
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

# modules_initramfs ROOT INIT MODDIR MODULE...: stage_busybox ROOT INIT,
# with the named modules of MODDIR in /modules, for insmod.
modules_initramfs() {
	t_root=$1 t_mods=$3
	stage_busybox "$t_root" "$2"
	shift 3
	mkdir -p "$t_root/modules"
	for m in "$@"; do
		cp "$t_mods/$m" "$t_root/modules/"
	done
}

# section_figure NAME WHAT KEY: the value after KEY in the "NAME: key value
# ..." lines of the section WHAT of run NAME (vm_section); empty if none.
section_figure() {
	vm_section "$1" "$2" | awk -v k="$3" \
		'{ for (i = 2; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'
}

# stress_vm NAME TREE MODDIR SECS: the stress pass (guest/init-stress) on
# the test kernel of TREE with the modules of MODDIR: pa_stress for SECS
# seconds on two vCPUs, each a host thread so that they really run at once,
# under fault injection, then the drain, unload and kmemleak checks.  Prints
# the figures, sets stress_figures to them on one line, and returns 1 if the
# run failed.
stress_vm() {
	s_root="$3/initramfs-stress"
	modules_initramfs "$s_root" init-stress "$3" pool_alloc.ko \
		stress/pa_stress.ko
	s_t0=$(date +%s)
	s_rc=0
	# The guest needs about two minutes besides the stress itself.
	vm_run -M -t $(($4 + 360)) \
		-a "loglevel=7 kasan_multi_shot kmemleak=on pa_duration=$4" \
		"$1" "$2/arch/x86/boot/bzImage" "$s_root" || s_rc=$?
	s_secs=$(($(date +%s) - s_t0))
	s_bad=0
	vm_verdict "$1" $s_rc || s_bad=1
	s_reports=$(vm_console "$1" 2>/dev/null | grep -Eca "$splat_re") || true
	stress_figures="ops $(section_figure "$1" stress ops), failures survived $(section_figure "$1" stress failures) (pool_alloc counted $(section_figure "$1" stress pool_failures)), fault injection $(section_figure "$1" stress fault_injection)%, pools $(section_figure "$1" stress pools), reports $s_reports, $(section_figure "$1" stress duration_ms) ms of stress, VM ${s_secs}s"
	say "  $1: $stress_figures"
	vm_section "$1" stress | sed 's/^/    /' >&2
	return $s_bad
}
