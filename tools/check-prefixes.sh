#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make check` step: a function's prefix names its file.  In src/, every
# non-static function of FILE.c and every inline function of FILE.h is
# called pa_FILE_*, so that a name says where to look.  Prints each one that
# is not, and fails if there is any.  Deliberate exceptions:
#
#  - the API of pool_alloc.h (pa_alloc, pa_pool_create, ...), defined in
#    src/main.c: the public face carries the module's prefix alone;
#  - internal.h's inline helpers name the file of their concern
#    (pa_class_for() is class.c's), except pa_meta_gfp() and pa_meta_wait(),
#    the gfp policy for the allocator's own memory (and its __GFP_NOFAIL
#    retries) that every layer below main.c uses.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

api=$(sed -n 's/^[a-z].*[ *]\(pa_[a-z0-9_]*\)(.*/\1/p' pool_alloc.h | sort -u)
bases=$(for f in src/*.c src/*.h; do basename "$f" | sed 's/\.[ch]$//'; done | sort -u)

# defined FILE: "NAME" for each function FILE defines that must follow the
# rule: non-static ones in a .c file, inline ones in a header.  Kernel style
# puts a definition's name at the start of a line or after its return type,
# and its opening brace alone on a line after the parameters.
defined() {
	awk -v hdr="$(case $1 in *.h) echo 1 ;; *) echo 0 ;; esac)" '
	function flush() { if (name != "" && body) print name; name = ""; body = 0 }
	# A candidate: a line at column 0 that starts a declaration.
	!want && /^[a-z_]/ && !/^(return|typedef|extern|struct [a-z_0-9]+ \{|enum [a-z_0-9]+ \{|union)/ {
		inl = /^static (inline|__always_inline)/
		if ((hdr && !inl) || (!hdr && /^static/))
			next
		text = $0; want = 1
	}
	want {
		if (text != $0)
			text = text " " $0
		if (name == "" && match(text, /[a-z_0-9]+\(/))
			name = substr(text, RSTART, RLENGTH - 1)
		# A prototype or a variable, not a definition.
		if ($0 ~ /;[ \t]*$/) {
			want = 0; name = ""; next
		}
		if ($0 == "{") { body = 1; flush(); want = 0 }
	}' "$1"
}

bad=0 count=0
for f in src/*.c src/*.h; do
	base=$(basename "$f" | sed 's/\.[ch]$//')
	for name in $(defined "$f"); do
		count=$((count + 1))
		case $name in pa_"$base"_*) continue ;; esac
		if [ "$base" = main ] && printf '%s\n' "$api" | grep -qx "$name"; then
			continue
		fi
		if [ "$base" = internal ]; then
			case $name in pa_meta_gfp | pa_meta_wait) continue ;; esac
			ok=0
			for b in $bases; do
				case $name in pa_"$b"_*) ok=1 ;; esac
			done
			[ $ok = 0 ] || continue
		fi
		echo "$f: $name() does not begin with pa_${base}_" >&2
		bad=1
	done
done
[ "$bad" = 0 ] || { echo "prefixes: not clean" >&2; exit 1; }
echo "prefixes: clean ($count functions in src/)" >&2
