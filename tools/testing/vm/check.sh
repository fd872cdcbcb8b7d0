#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make check`: the kernel's own static checks over every .c and .h of the
# project, with the tools of the 6.12 test kernel tree (built and cached by
# build-kernel.sh, which make test needs anyway):
#   - scripts/checkpatch.pl --strict --no-tree -f: no error, warning or check
#   - sparse (C=2) on every module, KUnit suites included: no warning
#   - scripts/kernel-doc -none -Wall: no warning
#   - tools/check-prefixes.sh: every function of src/ named for its file
set -eu
. "$(cd "$(dirname "$0")" && pwd)/lib.sh"

tree=$(sh "$vm_dir/build-kernel.sh")
cd "$top"
files=$(find . \( -path ./build -o -path ./.git \) -prune -o \
	-type f \( -name '*.c' -o -name '*.h' \) ! -name '*.mod.c' -print | sort)
# The userspace build's stand-ins for the kernel's own headers re-create
# its macros (min(), list_for_each_entry()...) in their shapes, which
# checkpatch asks kernel code not to use; kernel-doc still reads them.
shims=./tools/testing/userspace/include/
# Split into words on purpose.
# shellcheck disable=SC2086
checked=$(printf '%s\n' $files | grep -v "^$shims")
fail=0

say "== checkpatch --strict"
# shellcheck disable=SC2086
if ! perl "$tree/scripts/checkpatch.pl" --strict --no-tree --quiet \
	--show-types -f $checked >&2; then
	say "checkpatch: not clean"
	fail=1
fi

say "== kernel-doc -Wall"
# shellcheck disable=SC2086
out=$(perl "$tree/scripts/kernel-doc" -none -Wall $files 2>&1) || true
if [ -n "$out" ]; then
	printf '%s\n' "$out" >&2
	say "kernel-doc: not clean"
	fail=1
fi

say "== sparse (C=2)"
mkdir -p "$logs"
if ! build_modules "$tree" check C=2 CHECK=sparse >"$logs/sparse.out" \
	2>"$logs/sparse.log"; then
	cat "$logs/sparse.log" >&2
	fail=1
elif grep -E 'warning:|error:' "$logs/sparse.log" >&2; then
	say "sparse: not clean"
	fail=1
fi

say "== function prefixes"
sh "$top/tools/check-prefixes.sh" || fail=1

[ "$fail" = 0 ] || { say "make check: FAILED"; exit 1; }
say "make check: clean (checkpatch, kernel-doc, sparse, prefixes)"
