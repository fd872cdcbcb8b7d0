#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make test`: build the modules against the KASAN/lockdep test kernel and the
# stock Debian 6.1 and 6.12 kernels, then
#   - native pass: the core built in userspace, its tests under ASan+UBSan
#     and valgrind, the fuzzer's inputs replayed, 60 s of fuzzing (no VM);
#   - KUnit pass: boot the test kernel, load pool_alloc and the KUnit modules,
#     judge their KTAP with the kernel's own kunit.py parse and reject any
#     kernel error report;
#   - stress pass on the test kernel: pa_stress for PA_STRESS_SECS seconds
#     (default 30) under fault injection, then drain, unload and kmemleak
#     checks (stress_vm in lib.sh; `make stress` is the long one);
#   - life-cycle pass on stock 6.12: 50 cycles of insmod pool_alloc, load
#     and remove the sample, rmmod; no debugfs directory left behind, free
#     memory back within 64 pages;
#   - smoke pass on each stock kernel: modprobe the sample (which must pull in
#     pool_alloc), read debugfs, unload; five rounds: debug=1 in the third,
#     backend=kmalloc in the fourth, both in the fifth; then pool_alloc
#     with the example modprobe.d/pool_alloc.conf.
#   - docs pass: make docs (Sphinx and kernel-doc, no warning, every exported
#     function documented), and the overview's client, cut out of
#     Documentation/pool_alloc.rst, built against stock 6.12 (docs.sh).
# The KUnit pass runs every suite twice: as pool_alloc loads by default, and
# with backend=kmalloc (suites named SUITE@kmalloc).
# The last line is "N passed, N failed" for the KUnit and native cases; the other
# passes are one line each of the summary above it.  The exit status is
# non-zero if any pass failed.  Logs: build/logs/.
#
# Tunables (environment): PA_KUNIT_TIMEOUT, PA_SMOKE_TIMEOUT,
# PA_LIFECYCLE_TIMEOUT, PA_STRESS_SECS, PA_FUZZ_SECS (seconds); PA_PASSES, the
# passes to run (default "native kunit stress lifecycle smoke docs").
set -eu
. "$(dirname "$0")/lib.sh"
# depmod lives in /sbin, which a non-root PATH may lack.
PATH=$PATH:/sbin:/usr/sbin

kunit_timeout=${PA_KUNIT_TIMEOUT:-900}
smoke_timeout=${PA_SMOKE_TIMEOUT:-300}
lifecycle_timeout=${PA_LIFECYCLE_TIMEOUT:-600}
stress_secs=${PA_STRESS_SECS:-30}
fuzz_secs=${PA_FUZZ_SECS:-60}
mkdir -p "$logs"
summary=""
status=0

# note LINE: remember a line for the summary printed before the totals.
note() { summary="$summary$*
"; }

tree=$("$vm_dir/build-kernel.sh")
test_kver=$(cat "$tree/include/config/kernel.release")
kunit_py="$tree/tools/testing/kunit/kunit.py"
[ -f "$kunit_py" ] || die "no $kunit_py in the test kernel tree"
kver61=$(stock_series 6.1)
kver612=$(stock_series 6.12)
[ -n "$kver61" ] || die "no Debian 6.1 kernel with headers (run make deps)"
[ -n "$kver612" ] || die "no Debian 6.12 kernel with headers (run make deps)"

# Build everything before booting anything: a compile error on any kernel
# should show up in seconds, not after the long VM runs.
test_mods=$(build_modules "$tree" "$test_kver" ARCH=x86_64)
mods61=$(build_modules "/usr/src/linux-headers-$kver61" "$kver61")
mods612=$(build_modules "/usr/src/linux-headers-$kver612" "$kver612")

# kunit_ktap NAME: one KTAP document made of the suites' debugfs copies in
# the result file of run NAME (guest/init-kunit).  Each copy is a document of
# its own ("KTAP version 1", "1..1", the suite, "ok 1 SUITE"): its header is
# dropped and its result renumbered under a common "1..N".  A module that
# began loading and never got to "kunit done" took the kernel down with it:
# it becomes a suite whose one planned case is missing, which kunit.py
# reports as crashed.
kunit_ktap() {
	vm_result "$1" | awk '
	/^@@pa: ktap begin / { on = 1; n++; next }
	/^@@pa: ktap end / { on = 0; next }
	/^@@pa: kunit load / { lost = $4 }
	/^@@pa: kunit done / { lost = "" }
	!on { next }
	/^KTAP version / || /^1\.\.[0-9]+$/ { next }
	/^(not )?ok [0-9]+ / { sub(/ok [0-9]+ /, "ok " n " ") }
	{ body = body $0 "\n" }
	END {
		if (lost != "") {
			n++
			body = body "    KTAP version 1\n    # Subtest: " lost "\n    1..1\n"
			body = body "    # the kernel died while its suites ran\n"
			body = body "not ok " n " " lost "\n"
		}
		printf "KTAP version 1\n1..%d\n%s", n, body
	}'
}

# kunit_counts JSON: "PASSED FAILED SKIPPED" over the leaf results in the
# JSON of kunit.py parse; a crashed or missing case (ERROR) is a failure.
kunit_counts() {
	python3 - "$1" <<-'EOF'
	import json, sys
	def leaves(group):
	    for case in group["test_cases"]:
	        yield case["status"]
	    for sub in group["sub_groups"]:
	        yield from leaves(sub)
	with open(sys.argv[1]) as f:
	    st = list(leaves(json.load(f)))
	ok, skip = st.count("PASS"), st.count("SKIP")
	print(ok, len(st) - ok - skip, skip)
	EOF
}

kunit_pass() {
	say "== KUnit pass on the test kernel ($test_kver; log build/logs/kunit.log)"
	root="$build/$test_kver/initramfs"
	stage_busybox "$root" init-kunit
	mkdir -p "$root/modules/kunit"
	cp "$test_mods/pool_alloc.ko" "$root/modules/"
	# Every KUnit module the Kbuild produces, however many there are.
	find "$test_mods/kunit" -name '*.ko' -exec cp {} "$root/modules/kunit/" \;

	t0=$(date +%s)
	rc=0
	# kasan_multi_shot: report every bad access, not just the first.
	vm_run -t "$kunit_timeout" -a "loglevel=7 kasan_multi_shot kmemleak=on" \
		kunit "$tree/arch/x86/boot/bzImage" "$root" || rc=$?
	secs=$(($(date +%s) - t0))

	kfail=0
	vm_verdict kunit $rc || kfail=1
	kunit_ktap kunit >"$logs/kunit.ktap"
	rm -f "$logs/kunit.json"
	# kunit.py chdirs to its kernel tree: absolute paths only.  Its own
	# status is not used: a run of skips only would count as a failure.
	python3 "$kunit_py" parse --json="$logs/kunit.json" "$logs/kunit.ktap" \
		>"$logs/kunit.parsed" 2>&1 || true
	sed -e '/Test results stored in/d' -e 's/^\[[0-9:]*\] /  /' "$logs/kunit.parsed"
	if [ -f "$logs/kunit.json" ]; then
		read -r kpass kfailed kskip <<-EOF
		$(kunit_counts "$logs/kunit.json")
		EOF
	else
		say "  kunit: kunit.py parse failed (build/logs/kunit.parsed)"
		kfail=1
	fi
	[ "$kfailed" = 0 ] || kfail=1
	if [ $((kpass + kfailed + kskip)) = 0 ]; then
		say "  kunit: no KUnit results (build/logs/kunit.result)"
		kfail=1
	fi
	# kunit.py prints "[ERROR]" where the KTAP breaks its own plan.
	if grep -q '\[ERROR\]' "$logs/kunit.parsed"; then
		say "  kunit: kunit.py found errors in the KTAP (build/logs/kunit.ktap)"
		kfail=1
	fi
	if [ $kfail = 0 ]; then
		note "  kunit  $test_kver (KASAN, lockdep, kmemleak): ok (${secs}s)"
	else
		note "  kunit  $test_kver (KASAN, lockdep, kmemleak): FAILED (${secs}s, build/logs/kunit.*)"
	fi
	return $kfail
}

stress_pass() {
	say "== stress pass on the test kernel ($test_kver, ${stress_secs}s; log build/logs/stress-short.log)"
	if stress_vm stress-short "$tree" "$test_mods" "$stress_secs"; then
		note "  stress $test_kver: ok, $stress_figures"
		return 0
	fi
	note "  stress $test_kver: FAILED, $stress_figures (build/logs/stress-short.*)"
	return 1
}

# lifecycle_pass KVER MODDIR: the life cycles on a stock kernel, where they
# take a minute (ten on the test kernel, whose kmemleak the stress pass
# brings to an unload already).  After the first cycle, which leaves what
# stays for good (slabs, direct-map splits), each cycle gives back what it
# took: free pages, per-CPU lists included, move by 35 at most over 50
# cycles.  A leak of two pages per cycle would lose 98 over the 49 cycles
# after the first; 64 lies between the two.
lifecycle_cycles=50
lifecycle_tolerance=64

lifecycle_pass() {
	kver=$1
	say "== life-cycle pass on Debian $kver (log build/logs/lifecycle.log)"
	root="$2/initramfs-lifecycle"
	modules_initramfs "$root" init-lifecycle "$2" \
		pool_alloc.ko samples/pool_alloc_sample.ko
	t0=$(date +%s)
	rc=0
	vm_run -t "$lifecycle_timeout" \
		-a "loglevel=7 pa_cycles=$lifecycle_cycles pa_tolerance=$lifecycle_tolerance" \
		lifecycle "/boot/vmlinuz-$kver" "$root" || rc=$?
	secs=$(($(date +%s) - t0))
	figures="$(section_figure lifecycle lifecycle cycles) cycles, MemFree $(section_figure lifecycle lifecycle memfree_first_kb) kB after the first, $(section_figure lifecycle lifecycle memfree_last_kb) kB after the last; free pages with the per-CPU lists $(section_figure lifecycle lifecycle free_first) then $(section_figure lifecycle lifecycle free_last) (may fall by $lifecycle_tolerance)"
	say "  lifecycle: $figures"
	if vm_verdict lifecycle $rc; then
		note "  cycles $kver: ok, $figures (${secs}s)"
		return 0
	fi
	note "  cycles $kver: FAILED, $figures (${secs}s, build/logs/lifecycle.*)"
	return 1
}

# native_pass: the core built in userspace (tools/testing/userspace): the
# native tests under ASan+UBSan and under valgrind, the fuzzer's corpus and
# regressions, and PA_FUZZ_SECS seconds of fuzzing.  Each run of the native
# tests ends with its runner's "N passed, N failed"; those cases count in the
# totals with the KUnit ones.
native_pass() {
	say "== native pass: the core in userspace (log build/logs/native.log)"
	t0=$(date +%s)
	rc=0
	make -s -C "$top/tools/testing/userspace" test \
		FUZZ_SECONDS="$fuzz_secs" >"$logs/native.log" 2>&1 || rc=$?
	secs=$(($(date +%s) - t0))
	# The runners' summaries, summed: "PASSED FAILED RUNS".
	read -r npass nfailed nruns <<-EOF
	$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' \
		"$logs/native.log" |
		awk '{ p += $1; f += $2; n++ } END { print p + 0, f + 0, n + 0 }')
	EOF
	fuzz=$(sed -n 's/^fuzz: //p' "$logs/native.log" | tail -n 1)
	if [ "$rc" = 0 ] && [ "$nfailed" = 0 ] && [ "$nruns" = 2 ] &&
		[ -n "$fuzz" ]; then
		note "  native: ok, $npass cases under ASan+UBSan and valgrind; fuzz: $fuzz (${secs}s)"
		return 0
	fi
	note "  native: FAILED ($npass passed, $nfailed failed in $nruns of 2 runs, fuzz: ${fuzz:-none}; ${secs}s, build/logs/native.log)"
	return 1
}

# smoke_pass KVER MODDIR
smoke_pass() {
	kver=$1
	say "== smoke pass on Debian $kver (log build/logs/smoke-$kver.log)"
	root="$build/$kver/initramfs"
	stage_busybox "$root" init-smoke
	# For the guest's "# modprobe.d" block.
	cp "$top/modprobe.d/pool_alloc.conf" "$root/etc/pa-modprobe.conf"
	if ! stage_stock_modules "$root" "$kver" "$2"; then
		note "  smoke  $kver: FAILED (modules.dep)"
		return 1
	fi

	t0=$(date +%s)
	rc=0
	vm_run -t "$smoke_timeout" -a "loglevel=7" \
		"smoke-$kver" "/boot/vmlinuz-$kver" "$root" || rc=$?
	secs=$(($(date +%s) - t0))
	if vm_verdict "smoke-$kver" $rc; then
		note "  smoke  $kver: ok, 5 load/read/unload rounds (debug=1, backend=kmalloc, both), the modprobe.d example (${secs}s)"
		return 0
	fi
	note "  smoke  $kver: FAILED (${secs}s, build/logs/smoke-$kver.*)"
	return 1
}

# docs_pass KVER MODDIR: the documentation renders cleanly and documents
# every export, and its example client builds against KVER's headers and
# the pool_alloc.ko of MODDIR.
docs_pass() {
	say "== docs pass: Sphinx, kernel-doc, the overview's client (log build/logs/docs-pass.log)"
	t0=$(date +%s)
	rc=0
	{
		sh "$vm_dir/docs.sh" &&
			sh "$vm_dir/docs.sh" example "/usr/src/linux-headers-$1" \
				"$2/Module.symvers"
	} >"$logs/docs-pass.log" 2>&1 || rc=$?
	secs=$(($(date +%s) - t0))
	sed -n 's/^docs: /  docs: /p' "$logs/docs-pass.log" >&2
	if [ "$rc" = 0 ]; then
		note "  docs: ok, $(sed -n 's/^docs: build.*no warning; all \([0-9]*\) exported.*/\1/p' "$logs/docs-pass.log") exported functions documented, no Sphinx or kernel-doc warning; the overview's client builds on $1 (${secs}s)"
		return 0
	fi
	note "  docs: FAILED (${secs}s, build/logs/docs-pass.log, docs.warnings)"
	return 1
}

# wants PASS: PASS is one of the passes PA_PASSES names (all by default), so
# one pass can be run alone while working on it.
passes=${PA_PASSES:-native kunit stress lifecycle smoke docs}
wants() {
	case " $passes " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

kpass=0 kfailed=0 kskip=0 npass=0 nfailed=0
if wants native; then native_pass || status=1; fi
if wants kunit; then kunit_pass || status=1; fi
if wants stress; then stress_pass || status=1; fi
if wants lifecycle; then lifecycle_pass "$kver612" "$mods612" || status=1; fi
if wants smoke; then
	smoke_pass "$kver61" "$mods61" || status=1
	smoke_pass "$kver612" "$mods612" || status=1
fi
if wants docs; then docs_pass "$kver612" "$mods612" || status=1; fi

echo "summary:"
printf '%s' "$summary"
# The native cases count with the KUnit ones.
kpass=$((kpass + npass))
kfailed=$((kfailed + nfailed))
if [ "$kskip" != 0 ]; then
	echo "$kpass passed, $kfailed failed, $kskip skipped"
else
	echo "$kpass passed, $kfailed failed"
fi
exit $status
