#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make docs`: render Documentation/ to HTML in build/docs/html with Debian's
# Sphinx (python3-sphinx) and the kernel's own kernel-doc script and Sphinx
# extension, then check that every function src/ exports has its kernel-doc
# in the result.  Zero warnings: sphinx-build runs with -W --keep-going -n,
# and anything on its stderr (Sphinx's warnings, kernel-doc's complaints)
# fails the run.  Logs: build/logs/docs.log (progress), docs.warnings.
#
#   docs.sh                       render and check
#   docs.sh example KDIR SYMVERS  build the client of the overview, taken
#                                 from the text itself, against the kernel
#                                 tree KDIR and pool_alloc's Module.symvers
#
# The kernel's tools are not in the repository: scripts/kernel-doc and
# Documentation/sphinx/ are extracted once from Debian's linux-source-6.12
# tarball into build/docs/kernel-<package version>/ (about 40 s: xz has to
# read the whole tarball), or taken from PA_KERNEL_DOCTOOLS when that names
# a kernel tree.
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

out="$build/docs"
mkdir -p "$out" "$logs"

# doctools: print a directory with scripts/kernel-doc and
# Documentation/sphinx/ of the kernel the project is checked against.
doctools() {
	if [ -n "${PA_KERNEL_DOCTOOLS:-}" ]; then
		[ -f "$PA_KERNEL_DOCTOOLS/scripts/kernel-doc" ] ||
			die "PA_KERNEL_DOCTOOLS=$PA_KERNEL_DOCTOOLS has no scripts/kernel-doc"
		printf '%s\n' "$PA_KERNEL_DOCTOOLS"
		return
	fi
	# The series is the one build-kernel.sh builds; the package's version
	# is found, not written down.
	tarball=""
	for t in /usr/src/linux-source-6.12.tar.*; do
		[ -f "$t" ] && tarball=$t && break
	done
	[ -n "$tarball" ] || die "linux-source-6.12 is not installed (make deps)"
	srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
	dir="$out/kernel-$srcver"
	if [ ! -f "$dir/.pa-extracted" ]; then
		say "== extracting kernel-doc and Documentation/sphinx from $tarball"
		rm -rf "$dir" "$dir.tmp"
		mkdir -p "$dir.tmp"
		# The tarball's one top directory is its name without .tar.*.
		top_dir=$(basename "$tarball" | sed 's/\.tar\..*$//')
		tar -xf "$tarball" -C "$dir.tmp" --strip-components=1 \
			"$top_dir/scripts/kernel-doc" "$top_dir/Documentation/sphinx"
		mv "$dir.tmp" "$dir"
		touch "$dir/.pa-extracted"
	fi
	printf '%s\n' "$dir"
}

# render: sphinx-build from scratch (-E: an incremental build would not
# repeat the warnings of files it does not read again).
render() {
	tools=$(doctools)
	command -v sphinx-build >/dev/null 2>&1 ||
		die "no sphinx-build (python3-sphinx; make deps)"
	say "== sphinx-build $(sphinx-build --version | sed 's/^sphinx-build //') into build/docs/html"
	rm -rf "$out/html" "$out/doctrees"
	rc=0
	PA_KERNEL_DOCTOOLS=$tools sphinx-build -b html -E -W --keep-going -n \
		-d "$out/doctrees" "$top/Documentation" "$out/html" \
		>"$logs/docs.log" 2>"$logs/docs.warnings" || rc=$?
	if [ "$rc" != 0 ] || [ -s "$logs/docs.warnings" ]; then
		cat "$logs/docs.warnings" >&2
		say "docs: sphinx-build: status $rc, $(wc -l <"$logs/docs.warnings") lines of warnings (build/logs/docs.warnings)"
		return 1
	fi
}

# exports: every function the module exports (EXPORT_SYMBOL*, not
# EXPORT_SYMBOL_IF_KUNIT, which is no API) is a C declaration of the
# rendered API, so it was pulled in by a kernel-doc directive.  Prints how
# many there are.
exports() {
	html="$out/html/pool_alloc.html"
	[ -f "$html" ] || { say "docs: no $html"; return 1; }
	syms=$(sed -n 's/^EXPORT_SYMBOL\(_GPL\)\{0,1\}(\(pa_[a-z0-9_]*\));.*/\2/p' \
		"$top"/src/*.c | sort -u)
	[ -n "$syms" ] || { say "docs: no exported pa_* function found in src/"; return 1; }
	missing=""
	n=0
	for s in $syms; do
		n=$((n + 1))
		grep -q "id=\"c\.$s\"" "$html" || missing="$missing $s"
	done
	if [ -n "$missing" ]; then
		say "docs: exported without kernel-doc in the rendered API:$missing"
		return 1
	fi
	printf '%s\n' "$n"
}

# example KDIR SYMVERS: the overview's client, pa_hello.c and its Kbuild cut
# out of Documentation/pool_alloc.rst, built as the text says to build it.
# codeblock NAME: the lines of the code block captioned NAME, whose lines
# are indented by a tab so that the C in it keeps its own tabs.
codeblock() {
	awk -v cap="$1" '
	$0 == "\t:caption: " cap { on = 1; skip = 1; next }
	on && skip && /^$/ { skip = 0; next }
	on && /^[^ \t]/ { exit }
	on { sub(/^\t/, ""); print }
	' "$top/Documentation/pool_alloc.rst" |
		sed -e :a -e '/^\n*$/{$d;N;ba' -e '}'
}

example() {
	kdir=$1 symvers=$2
	dir="$out/example"
	rm -rf "$dir"
	mkdir -p "$dir"
	codeblock pa_hello.c >"$dir/pa_hello.c"
	codeblock Kbuild >"$dir/Kbuild"
	if [ ! -s "$dir/pa_hello.c" ] || [ ! -s "$dir/Kbuild" ]; then
		say "docs: no pa_hello.c or Kbuild block in pool_alloc.rst"
		return 1
	fi
	make -s -C "$kdir" M="$dir" POOL_ALLOC="$top" \
		KBUILD_EXTRA_SYMBOLS="$symvers" modules \
		>"$logs/docs-example.log" 2>&1 || {
		cat "$logs/docs-example.log" >&2
		say "docs: the overview's client does not build (build/logs/docs-example.log)"
		return 1
	}
	# Any warning of the compiler or modpost counts: -Werror is not
	# the kernel's default for modules.
	if grep -q -i 'warning' "$logs/docs-example.log"; then
		cat "$logs/docs-example.log" >&2
		say "docs: the overview's client builds with warnings"
		return 1
	fi
	[ -f "$dir/pa_hello.ko" ] || { say "docs: no pa_hello.ko"; return 1; }
	wc -l <"$dir/pa_hello.c"
}

case ${1:-} in
"")
	render
	n=$(exports)
	say "docs: build/docs/html/index.html, no warning; all $n exported functions documented"
	;;
example)
	[ $# = 3 ] || die "usage: docs.sh example KDIR SYMVERS"
	lines=$(example "$2" "$3")
	say "docs: the overview's client ($lines lines) builds against $2"
	;;
*)
	die "usage: docs.sh [example KDIR SYMVERS]"
	;;
esac
