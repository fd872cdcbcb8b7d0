#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Build (once) the KASAN/lockdep/KUnit test kernel from Debian's linux-source-6.12
# and print the path of its build tree.  The tree is cached outside the checkout,
# keyed by the source package version and the config fragment, so later runs
# reuse it.  Progress goes to stderr; stdout carries only the path.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
fragment="$here/kernel.config"
tarball=$(ls /usr/src/linux-source-6.12.tar.* 2>/dev/null | head -n 1)
[ -n "$tarball" ] || { echo "build-kernel: linux-source-6.12 is not installed" >&2; exit 1; }

srcver=$(dpkg-query -W -f='${Version}' linux-source-6.12)
key=$(printf '%s\n' "$srcver" | cat - "$fragment" | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/pool-alloc
tree="$cache/kernel-6.12-$key"

if [ -f "$tree/.pa-built" ]; then
	echo "$tree"
	exit 0
fi

# One build at a time: a second caller waits, then finds the tree built.
mkdir -p "$cache"
exec 9>"$cache/.build-lock"
flock 9
if [ -f "$tree/.pa-built" ]; then
	echo "$tree"
	exit 0
fi

echo "build-kernel: building test kernel ($srcver, key $key) in $tree" >&2
rm -rf "$tree" "$tree.tmp"
mkdir -p "$tree.tmp"
tar -xf "$tarball" -C "$tree.tmp" --strip-components=1
{
	cd "$tree.tmp"
	make -s ARCH=x86_64 tinyconfig
	./scripts/kconfig/merge_config.sh -m .config "$fragment"
	make -s ARCH=x86_64 olddefconfig
	# merge_config.sh warns about options it could not set; a missing one
	# would silently weaken the tests, so check every =y and =m line made it.
	missing=0
	for opt in $(grep -Eo '^CONFIG_[A-Z0-9_]*=[ym]' "$fragment"); do
		grep -qx "$opt" .config || { echo "build-kernel: $opt did not stick" >&2; missing=1; }
	done
	[ "$missing" = 0 ] || exit 1
	make -s ARCH=x86_64 -j"$(nproc)" bzImage modules
} >&2
mv "$tree.tmp" "$tree"
touch "$tree/.pa-built"
echo "$tree"
