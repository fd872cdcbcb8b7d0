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
#     backend=kmalloc in the fourth, both in the fifth, with the tracepoints'
#     records checked; then pool_alloc with the example
#     modprobe.d/pool_alloc.conf, and pastat (static, in the initramfs)
#     against the live files;
#   - docs pass: make docs (Sphinx and kernel-doc, no warning, every exported
#     function documented), and the overview's client, cut out of
#     Documentation/pool_alloc.rst, built against stock 6.12 (docs.sh);
#   - dkms pass, on the host: dkms build, install and remove for stock 6.1
#     and 6.12 in a scratch DKMS tree, make install and make uninstall into
#     a scratch directory, the modprobe.d example against modinfo and
#     modprobe (dkms_pass below);
#   - pastat pass: tools/pastat's tests against its fixtures, once as built
#     and once under ASan+UBSan (no VM).
# The KUnit pass runs every suite twice: as pool_alloc loads by default, and
# with backend=kmalloc (suites named SUITE@kmalloc).
# The last line is "N passed, N failed" for the KUnit, native and pastat cases; the other
# passes are one line each of the summary above it.  The exit status is
# non-zero if any pass failed.  Logs: build/logs/.
#
# Tunables (environment): PA_KUNIT_TIMEOUT, PA_SMOKE_TIMEOUT,
# PA_LIFECYCLE_TIMEOUT, PA_STRESS_SECS, PA_FUZZ_SECS (seconds); PA_PASSES, the
# passes to run (default "native kunit stress lifecycle smoke docs dkms
# pastat").
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
make -s -C "$top/tools/pastat" static ||
	die "pastat.static did not build (tools/pastat)"

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

# pastat_pass: tools/pastat's tests against its fixtures, as built and
# under ASan+UBSan; each run ends with its runner's "N passed, N failed",
# which count in the totals.
pastat_pass() {
	say "== pastat pass: the viewer against its fixtures (log build/logs/pastat.log)"
	t0=$(date +%s)
	rc=0
	{
		make -s -C "$top/tools/pastat" test &&
			make -s -C "$top/tools/pastat" test-asan
	} >"$logs/pastat.log" 2>&1 || rc=$?
	secs=$(($(date +%s) - t0))
	read -r ppass pfailed pruns <<-EOF
	$(sed -n 's/^\([0-9][0-9]*\) passed, \([0-9][0-9]*\) failed$/\1 \2/p' \
		"$logs/pastat.log" |
		awk '{ p += $1; f += $2; n++ } END { print p + 0, f + 0, n + 0 }')
	EOF
	if [ "$rc" = 0 ] && [ "$pfailed" = 0 ] && [ "$pruns" = 2 ]; then
		note "  pastat: ok, $ppass cases against the fixtures, as built and under ASan+UBSan (${secs}s)"
		return 0
	fi
	note "  pastat: FAILED ($ppass passed, $pfailed failed in $pruns of 2 runs; ${secs}s, build/logs/pastat.log)"
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
	# The viewer, for guest/init-smoke's pastat block: static, as the
	# guest has no libc.
	cp "$top/tools/pastat/pastat.static" "$root/bin/pastat"
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
		note "  smoke  $kver: ok, 5 load/read/unload rounds (debug=1, backend=kmalloc, both) with the tracepoints, the modprobe.d example, pastat live (${secs}s)"
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

# dkms_pass: the packaging, on the host; no kernel is loaded and nothing
# outside build/dkms/ is written.  The tree as `dkms add .` copies it from a
# fresh clone goes to a scratch DKMS tree (dkms's --dkmstree, --sourcetree and
# --installtree, and its signing key, all under build/dkms/), and for the
# stock 6.1 and 6.12 headers in turn:
#   - dkms build must build pool_alloc.ko and samples/pool_alloc_sample.ko,
#     nothing else, each with that kernel's vermagic;
#   - dkms install must put both in updates/dkms, where depmod -b finds the
#     sample depending on pool_alloc.  It runs with --no-depmod: dkms would
#     run depmod on /lib/modules/<release>, whatever --installtree says.
# Then dkms remove --all must take both out and leave no pool_alloc in the
# DKMS tree.  make install with INSTALL_MOD_PATH (6.1 headers) must install
# the two modules and the dependency, and make uninstall leave the tree as it
# was before.  The modprobe.d example must name every parameter modinfo lists,
# and with its lines enabled, modprobe (kmod, --dry-run) must give each value
# to its module.  (guest/init-smoke loads pool_alloc with it.)  Last,
# /var/lib/dkms, /usr/src and /lib/modules must look as they did before.
dkms_pass() {
	say "== dkms pass: dkms build for Debian $kver61 and $kver612, make install (log build/logs/dkms.log)"
	t0=$(date +%s)
	dk_log="$logs/dkms.log"
	: >"$dk_log"
	dk_ok=0 dk_bad=0
	if [ "$(id -u)" != 0 ]; then
		note "  dkms: skipped (dkms add and dkms install need root)"
		return 0
	fi
	if ! command -v dkms >/dev/null 2>&1; then
		note "  dkms: FAILED (no dkms command; make deps installs it)"
		return 1
	fi
	dk_ver=$(sed -n 's/^PACKAGE_VERSION="\(.*\)"$/\1/p' "$top/dkms.conf")
	dk=$build/dkms
	dk_arch=$(uname -m)
	dk_host=$(dkms_host_state)
	rm -rf "$dk"
	mkdir -p "$dk/stage" "$dk/tree" "$dk/src"
	# `dkms add DIR` copies DIR/*; build/ holds this scratch tree.
	(cd "$top" && tar --exclude=./build --exclude=./.git -cf - .) |
		tar -C "$dk/stage" -xf -
	# dkms makes its key in /var/lib/dkms unless these name one.
	export mok_signing_key="$dk/mok.key" mok_certificate="$dk/mok.pub"

	dk_check "dkms.conf has a PACKAGE_VERSION" [ -n "$dk_ver" ]
	# The commands README.md gives, on the scratch trees.
	dk_check "dkms add ." dk_add
	for k in "$kver61" "$kver612"; do
		dkms_kernel "$k"
	done
	dk_check "dkms remove --all" dk_dkms remove --no-depmod \
		"pool_alloc/$dk_ver" --all
	dk_check "dkms remove: no pool_alloc left in the DKMS tree" \
		[ ! -e "$dk/tree/pool_alloc" ]
	for k in "$kver61" "$kver612"; do
		dk_check "$k: dkms remove: no module left in the install tree" \
			dk_none "$dk/lib/modules/$k"
	done

	dkms_make_install "$kver61"
	dk_check "/var/lib/dkms, /usr/src and /lib/modules as before" \
		[ "$(dkms_host_state)" = "$dk_host" ]
	unset mok_signing_key mok_certificate

	secs=$(($(date +%s) - t0))
	if [ "$dk_bad" = 0 ]; then
		rm -rf "$dk"
		note "  dkms: ok, $dk_ok checks: dkms $dk_ver build, install and remove for $kver61 and $kver612; make install and uninstall; the modprobe.d example (${secs}s)"
		return 0
	fi
	note "  dkms: FAILED, $dk_bad of $((dk_ok + dk_bad)) checks (${secs}s, build/logs/dkms.log, scratch build/dkms/)"
	return 1
}

# dk_check WHAT CMD...: one check of the dkms pass: CMD, its output in the
# log, must succeed.
dk_check() {
	dk_what=$1
	shift
	printf '\n### %s\n' "$dk_what" >>"$dk_log"
	if "$@" >>"$dk_log" 2>&1; then
		dk_ok=$((dk_ok + 1))
	else
		say "  dkms: $dk_what: FAILED"
		echo "### FAILED" >>"$dk_log"
		dk_bad=$((dk_bad + 1))
	fi
}

# dk_dkms ACTION ARGS...: dkms on the scratch trees, two jobs at most.
# shellcheck disable=SC2317 # run by dk_check
dk_dkms() {
	dkms "$@" --dkmstree "$dk/tree" --sourcetree "$dk/src" \
		--installtree "$dk/lib/modules" -j 2
}

# dk_add: dkms add . in the copy of the tree.
# shellcheck disable=SC2317 # run by dk_check
dk_add() {
	(cd "$dk/stage" && dk_dkms add .)
}

# dk_modules DIR KVER: DIR holds pool_alloc and pool_alloc_sample (.ko,
# compressed or not, as the kernel's own modules are), built for KVER.
# shellcheck disable=SC2317 # run by dk_check
dk_modules() {
	for m in pool_alloc pool_alloc_sample; do
		f=$(find "$1" -maxdepth 1 -name "$m.ko*" | head -n 1)
		[ -n "$f" ] || { echo "no $m.ko in $1"; return 1; }
		v=$(modinfo -F vermagic "$f")
		echo "$f: vermagic $v"
		[ "${v%% *}" = "$2" ] || return 1
	done
}

# dk_none DIR: no module under DIR.
# shellcheck disable=SC2317 # run by dk_check
dk_none() {
	[ -z "$(find "$1" -name '*.ko*' 2>/dev/null)" ]
}

# dk_dep ROOT KVER SUBDIR: depmod -b ROOT KVER recorded that
# SUBDIR/pool_alloc_sample needs SUBDIR/pool_alloc.
# shellcheck disable=SC2317 # run by dk_check
dk_dep() {
	depmod -b "$1" "$2" &&
		grep "^$3/pool_alloc_sample\.ko[.a-z]*: $3/pool_alloc\.ko" \
			"$1/lib/modules/$2/modules.dep"
}

# dk_params KO M: the parameters modinfo lists for KO are those the example
# shows for module M.
# shellcheck disable=SC2317 # run by dk_check
dk_params() {
	dk_a=$(modinfo -F parm "$1" | cut -d: -f1 | sort)
	dk_b=$(sed -n "s/^#options $2 \([a-z_]*\)=.*/\1/p" "$ex" | sort)
	echo "modinfo: $dk_a"
	echo "example: $dk_b"
	[ -n "$dk_a" ] && [ "$dk_a" = "$dk_b" ]
}

# dk_values M: modprobe's dry run (build/dkms/modprobe.out) loads module M
# with the values of the example's lines for M, in their order.
# shellcheck disable=SC2317 # run by dk_check
dk_values() {
	dk_a=$(sed -n "s|^insmod .*/$1\.ko[.a-z]* *||p" "$dk/modprobe.out" |
		sed 's/ *$//')
	dk_b=$(sed -n "s/^#options $1 //p" "$ex" | tr '\n' ' ' | sed 's/ *$//')
	cat "$dk/modprobe.out"
	echo "expected: insmod .../$1.ko $dk_b"
	[ -n "$dk_a" ] && [ "$dk_a" = "$dk_b" ]
}

# dk_tree ROOT KVER: the files of ROOT and its modules.dep for KVER.
dk_tree() {
	(cd "$1" && find . | sort)
	cat "$1/lib/modules/$2/modules.dep"
}

# dkms_kernel KVER: dkms build and install for KVER (dkms_pass).
dkms_kernel() {
	k=$1
	mkdir -p "$dk/lib/modules/$k"
	dk_check "$k: dkms build" dk_dkms build "pool_alloc/$dk_ver" \
		-k "$k" --kernelsourcedir "/usr/src/linux-headers-$k"
	kb="$dk/tree/pool_alloc/$dk_ver/$k/$dk_arch"
	# The modules kbuild linked in dkms's build directory, from its log.
	kd="$dk/tree/pool_alloc/$dk_ver/build/"
	dk_linked=$(sed -n "s|^ *LD \[M\] *$kd\(.*\.ko\)$|\1|p" \
		"$kb/log/make.log" 2>/dev/null | sort | tr '\n' ' ')
	dk_check "$k: dkms build linked only the two modules (${dk_linked:-nothing})" \
		[ "$dk_linked" = "pool_alloc.ko samples/pool_alloc_sample.ko " ]
	dk_check "$k: dkms build: both modules, $k's vermagic" \
		dk_modules "$kb/module" "$k"
	dk_check "$k: dkms install" dk_dkms install --no-depmod \
		"pool_alloc/$dk_ver" -k "$k" \
		--kernelsourcedir "/usr/src/linux-headers-$k"
	dk_check "$k: dkms install: both in updates/dkms" \
		dk_modules "$dk/lib/modules/$k/updates/dkms" "$k"
	dk_check "$k: depmod: pool_alloc_sample needs pool_alloc" \
		dk_dep "$dk" "$k" updates/dkms
	dk_check "$k: dkms status: installed" dk_status "$k"
}

# dk_status KVER: dkms status says pool_alloc is installed for KVER.
# shellcheck disable=SC2317 # run by dk_check
dk_status() {
	dk_st=$(dk_dkms status "pool_alloc/$dk_ver" -k "$1")
	printf '%s\n' "$dk_st"
	printf '%s\n' "$dk_st" | grep -q ": installed$"
}

# dkms_make_install KVER: make install and make uninstall into
# build/dkms/root/ for KVER, and the modprobe.d example (dkms_pass).
dkms_make_install() {
	k=$1
	r="$dk/root"
	mr="$r/lib/modules/$k"
	ex="$top/modprobe.d/pool_alloc.conf"
	mkdir -p "$mr"
	# A /lib/modules/<release> as the kernel's package leaves it, without
	# the kernel's modules.
	: >"$mr/modules.order"
	for f in modules.builtin modules.builtin.modinfo; do
		cp "/lib/modules/$k/$f" "$mr/" 2>/dev/null || : >"$mr/$f"
	done
	depmod -b "$r" "$k"
	dk_tree "$r" "$k" >"$dk/before"

	dk_check "make install" make -j2 -C "$dk/stage" install \
		KDIR="/usr/src/linux-headers-$k" INSTALL_MOD_PATH="$r"
	dk_installed=$(cd "$mr" && find . -name '*.ko*' | sort | tr '\n' ' ')
	dk_check "make install: the two modules in extra/ (${dk_installed:-none})" \
		[ "$dk_installed" = "./extra/pool_alloc.ko ./extra/pool_alloc_sample.ko " ]
	dk_check "make install: $k's vermagic" dk_modules "$mr/extra" "$k"
	dk_check "make install: depmod: pool_alloc_sample needs pool_alloc" \
		dk_dep "$r" "$k" extra

	# The example names every parameter, and nothing else; enabled,
	# modprobe accepts it and hands each value to its module.
	sed 's/^#options /options /' "$ex" >"$dk/modprobe.conf"
	modprobe -d "$r" -S "$k" -C "$dk/modprobe.conf" --dry-run --verbose \
		pool_alloc_sample >"$dk/modprobe.out" 2>&1 || true
	for m in pool_alloc pool_alloc_sample; do
		dk_check "modprobe.d example: every parameter of $m" \
			dk_params "$mr/extra/$m.ko" "$m"
		dk_check "modprobe.d example: modprobe gives $m its values" \
			dk_values "$m"
	done

	dk_check "make uninstall" make -C "$dk/stage" uninstall \
		KDIR="/usr/src/linux-headers-$k" INSTALL_MOD_PATH="$r"
	dk_tree "$r" "$k" >"$dk/after"
	dk_check "make uninstall: the tree as before make install" \
		diff -u "$dk/before" "$dk/after"
}

# dkms_host_state: what the dkms pass must not change on the host.
dkms_host_state() {
	ls -d /var/lib/dkms/* /usr/src/pool_alloc-* \
		/lib/modules/*/updates/dkms/pool_alloc* 2>/dev/null
	for k in "$kver61" "$kver612"; do
		stat -c '%n %Y' "/lib/modules/$k/modules.dep" 2>/dev/null
	done
	true
}

# wants PASS: PASS is one of the passes PA_PASSES names (all by default), so
# one pass can be run alone while working on it.
passes=${PA_PASSES:-native kunit stress lifecycle smoke docs dkms pastat}
wants() {
	case " $passes " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

kpass=0 kfailed=0 kskip=0 npass=0 nfailed=0 ppass=0 pfailed=0
if wants native; then native_pass || status=1; fi
if wants kunit; then kunit_pass || status=1; fi
if wants stress; then stress_pass || status=1; fi
if wants lifecycle; then lifecycle_pass "$kver612" "$mods612" || status=1; fi
if wants smoke; then
	smoke_pass "$kver61" "$mods61" || status=1
	smoke_pass "$kver612" "$mods612" || status=1
fi
if wants docs; then docs_pass "$kver612" "$mods612" || status=1; fi
if wants dkms; then dkms_pass || status=1; fi
if wants pastat; then pastat_pass || status=1; fi

echo "summary:"
printf '%s' "$summary"
# The native and pastat cases count with the KUnit ones.
kpass=$((kpass + npass + ppass))
kfailed=$((kfailed + nfailed + pfailed))
if [ "$kskip" != 0 ]; then
	echo "$kpass passed, $kfailed failed, $kskip skipped"
else
	echo "$kpass passed, $kfailed failed"
fi
exit $status
