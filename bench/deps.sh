#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# What `make bench` needs on top of `make deps`: python3 for the report
# (gnuplot-nox, qemu and the kernels come with make deps).  Cheap when it is
# there; installs it non-interactively as root, else says how.
set -eu

missing=""
for p in python3 gnuplot-nox; do
	[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] ||
		missing="$missing $p"
done
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
	echo "bench deps: missing packages; as root run:" >&2
	echo "  apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing" >&2
	exit 1
fi
echo "bench deps: installing:$missing" >&2
apt-get update
# The package list is meant to be split into words.
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing </dev/null
