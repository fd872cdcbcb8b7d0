#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# pastat's tests against its fixtures (tools/pastat/fixtures/README):
#   sh tests/run.sh PASTAT
# PASTAT is the binary to test; PASTAT_WRAP, if set, is put in front of
# every run (valgrind).  Each test prints "ok NAME" or "not ok NAME" and
# why; the last line is "N passed, N failed", which run-tests.sh sums.
# The figures pastat prints are checked against the fixture files read
# here by their header names (awk), or against the JSON (python3).
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
fx="$here/fixtures"
bin=${1:?usage: run.sh PASTAT}
case $bin in
/*) ;;
*) bin="$(pwd)/$bin" ;;
esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0
real="empty sample debug callers kmalloc large"

# pastat ARGS...: run the binary under test; stdout in $tmp/out, stderr in
# $tmp/err, status in $rc.
pastat() {
	# PASTAT_WRAP is a command line: split into words on purpose.
	# shellcheck disable=SC2086
	${PASTAT_WRAP:-} "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
}

# check NAME CMD...: one test; CMD prints why it failed.
check() {
	name=$1
	shift
	if "$@" >"$tmp/why" 2>&1; then
		echo "ok $name"
		passed=$((passed + 1))
	else
		echo "not ok $name"
		sed 's/^/    /' "$tmp/why"
		failed=$((failed + 1))
	fi
}

# col_sum FILE COLUMN: the sum of a column of a header-and-rows file, found
# by its name in the header.
col_sum() {
	awk -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == c) k = i; next }
		{ s += $k } END { print s + 0 }' "$1"
}

# stat_of FILE KEY: a value of a stats file.
stat_of() {
	sed -n "s/^$2: //p" "$1"
}

# holding FILE: the rows of a classes file with runs, used or free blocks.
holding() {
	awk 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$c["runs"] + $c["blocks_used"] + $c["blocks_free"] > 0 { n++ }
		END { print n + 0 }' "$1"
}

# class_table: the class rows of the tables in $tmp/out (5 numbers, then
# figures, then the bar).
class_table() {
	awk '/^CLASS / { on = 1; next } on && /^ *[0-9]+ +[0-9]+ / { print; next }
		on { on = 0 }' "$tmp/out"
}

# pool_row NAME: the row of pool NAME in the pool table of $tmp/out.
pool_row() {
	awk -v p="$1" '/^POOL +USED/ { on = 1; next } on && $1 == p { print; exit }
		on && /^$/ { exit }' "$tmp/out"
}

expect_eq() {
	[ "$1" = "$2" ] && return 0
	echo "$3: pastat says '$1', the files say '$2'"
	return 1
}

# ---- every real fixture --------------------------------------------------

test_tables_print() {
	pastat --root "$fx/$1" --once || { cat "$tmp/err"; return 1; }
	if ! grep -q '^Live blocks: ' "$tmp/out" ||
		! grep -q '^CLASS ' "$tmp/out"; then
		echo "no summary or class table"
		return 1
	fi
	[ ! -s "$tmp/err" ] || { cat "$tmp/err"; return 1; }
}

test_json_parses() {
	pastat --root "$fx/$1" --json || { cat "$tmp/err"; return 1; }
	python3 -m json.tool "$tmp/out" >/dev/null
}

# Every key of every stats file is in the JSON with its value, every class
# row that holds something with every column, none that does not; and the
# arenas and callers lines are all there.
test_json_matches_files() {
	pastat --root "$fx/$1" --json || { cat "$tmp/err"; return 1; }
	python3 - "$tmp/out" "$fx/$1" <<-'EOF'
	import json, os, sys
	doc = json.load(open(sys.argv[1]))
	root = sys.argv[2]
	bad = []
	def stats(path):
	    return {k: int(v) for k, v in
	            (l.split(": ") for l in open(path).read().splitlines())}
	def classes(path):
	    lines = open(path).read().splitlines()
	    head = lines[0].split()
	    rows = [dict(zip(head, map(int, l.split()))) for l in lines[1:]]
	    return [r for r in rows
	            if r["runs"] or r["blocks_used"] or r["blocks_free"]]
	def same_classes(got, want, where):
	    if len(got) != len(want):
	        bad.append("%s: %d class rows, the file holds %d"
	                   % (where, len(got), len(want)))
	        return
	    for g, w in zip(got, want):
	        for k, v in w.items():
	            if g[k] != v:
	                bad.append("%s: class %d %s %d, the file says %d"
	                           % (where, w["class"], k, g[k], v))
	        held = (w["blocks_used"] + w["blocks_free"]) * w["size"]
	        if g["bytes_held"] != held:
	            bad.append("%s: class %d bytes_held %d" % (where, w["class"],
	                                                       g["bytes_held"]))
	if doc["totals"] != stats(os.path.join(root, "stats")):
	    bad.append("totals differ from stats")
	same_classes(doc["classes"], classes(os.path.join(root, "classes")),
	             "classes")
	names = sorted(os.listdir(os.path.join(root, "pools")))
	if [p["name"] for p in doc["pools"]] != names:
	    bad.append("pools %s, the tree has %s"
	               % ([p["name"] for p in doc["pools"]], names))
	for p in doc["pools"]:
	    d = os.path.join(root, "pools", p["name"])
	    if p["stats"] != stats(os.path.join(d, "stats")):
	        bad.append("pool %s: stats differ" % p["name"])
	    same_classes(p["classes"], classes(os.path.join(d, "classes")),
	                 "pool " + p["name"])
	    n = len(open(os.path.join(d, "callers")).read().splitlines()) - 1
	    if len(p["callers"]) != n:
	        bad.append("pool %s: %d callers, the file has %d"
	                   % (p["name"], len(p["callers"]), n))
	arenas = open(os.path.join(root, "arenas")).read().splitlines()[1:]
	want = [(l.split()[0], l.split()[-1]) for l in arenas]
	got = [(a["pool"], a["map"]) for a in doc["arenas"]]
	if got != want:
	    bad.append("arenas %s, the file has %s" % (got, want))
	print("\n".join(bad))
	sys.exit(1 if bad else 0)
	EOF
}

# The class table has exactly the rows that hold something, and its USED
# and FREE columns add up to the file's.
test_class_table_sums() {
	pastat --root "$fx/$1" --once -s size || { cat "$tmp/err"; return 1; }
	rows=$(class_table | wc -l)
	used=$(class_table | awk '{ s += $3 } END { print s + 0 }')
	free=$(class_table | awk '{ s += $4 } END { print s + 0 }')
	expect_eq "$rows" "$(holding "$fx/$1/classes")" "class rows" &&
	expect_eq "$used" "$(col_sum "$fx/$1/classes" blocks_used)" "USED" &&
	expect_eq "$free" "$(col_sum "$fx/$1/classes" blocks_free)" "FREE"
}

# Each pool's row: USED is its live_blocks, FREE the sum of its classes'
# free blocks; a pool that holds nothing has no row.
test_pool_rows() {
	pastat --root "$fx/$1" --once || { cat "$tmp/err"; return 1; }
	for d in "$fx/$1"/pools/*; do
		p=$(basename "$d")
		row=$(pool_row "$p")
		live=$(stat_of "$d/stats" live_blocks)
		if [ "$live" = 0 ] && [ "$(stat_of "$d/stats" pages_held)" = 0 ]; then
			[ -z "$row" ] || { echo "empty pool $p has a row: $row"; return 1; }
			continue
		fi
		# The row's columns, as words.
		# shellcheck disable=SC2086
		set -- $row
		expect_eq "${2:-}" "$live" "pool $p USED" || return 1
		expect_eq "${3:-}" "$(col_sum "$d/classes" blocks_free)" \
			"pool $p FREE" || return 1
	done
}

# The arena map: one line per arena of the file, maps unchanged.
test_arena_map() {
	pastat --root "$fx/$1" --once || { cat "$tmp/err"; return 1; }
	got=$(awk '/ARENA MAP/ { on = 1; next } on { print $NF }' "$tmp/out")
	want=$(awk 'NR > 1 { print $NF }' "$fx/$1/arenas")
	expect_eq "$got" "$want" "arena maps"
}

for f in $real; do
	check "tables_print_$f" test_tables_print "$f"
	check "json_parses_$f" test_json_parses "$f"
	check "json_matches_files_$f" test_json_matches_files "$f"
	check "class_table_has_the_rows_that_hold_something_$f" \
		test_class_table_sums "$f"
	check "pool_rows_match_stats_$f" test_pool_rows "$f"
	check "arena_map_is_the_file_s_$f" test_arena_map "$f"
done

# ---- one pool ------------------------------------------------------------

test_one_pool() {
	pastat --root "$fx/sample" -p sample --once -s size ||
		{ cat "$tmp/err"; return 1; }
	d="$fx/sample/pools/sample"
	grep -q '^pool_alloc .* pool sample$' "$tmp/out" ||
		{ echo "no 'pool sample' title"; return 1; }
	expect_eq "$(class_table | awk '{ s += $3 } END { print s + 0 }')" \
		"$(col_sum "$d/classes" blocks_used)" "USED of pool sample" &&
	expect_eq "$(sed -n 's/^Live blocks: \([0-9]*\) .*/\1/p' "$tmp/out")" \
		"$(stat_of "$d/stats" live_blocks)" "live blocks of sample" &&
	expect_eq "$(awk '/ARENA MAP/ { on = 1; next } on { print $1 }' "$tmp/out" | sort -u)" \
		sample "arena owners"
}
check one_pool_shows_its_classes_and_arenas test_one_pool

test_unknown_pool() {
	pastat --root "$fx/sample" -p nosuch --once
	if [ "$rc" != 1 ] || ! grep -q 'no pool "nosuch"' "$tmp/err"; then
		echo "status $rc: $(cat "$tmp/err")"
		return 1
	fi
}
check unknown_pool_is_an_error test_unknown_pool

test_callers_shown() {
	pastat --root "$fx/callers" -p default --once ||
		{ cat "$tmp/err"; return 1; }
	got=$(awk '/CALL SITE/ { on = 1; next } on && /^$/ { exit }
		on { print $NF }' "$tmp/out")
	want=$(awk 'NR > 1 { print $NF }' "$fx/callers/pools/default/callers")
	expect_eq "$got" "$want" "call sites"
}
check callers_are_listed_in_the_file_s_order test_callers_shown

test_no_callers_without_sites() {
	pastat --root "$fx/sample" --once || { cat "$tmp/err"; return 1; }
	! grep -q 'CALL SITE' "$tmp/out" ||
		{ echo "a call-site table without the profiler"; return 1; }
}
check no_call_site_table_without_sites test_no_callers_without_sites

test_callers_add_up() {
	pastat --root "$fx/callers" --json || { cat "$tmp/err"; return 1; }
	python3 - "$tmp/out" <<-'EOF'
	import json, sys
	doc = json.load(open(sys.argv[1]))
	b = sum(c["bytes"] for c in doc["callers"])
	n = sum(c["blocks"] for c in doc["callers"])
	t = doc["totals"]
	if (b, n) != (t["live_bytes_requested"], t["live_blocks"]):
	    print("callers %d bytes %d blocks, totals %d %d"
	          % (b, n, t["live_bytes_requested"], t["live_blocks"]))
	    sys.exit(1)
	EOF
}
check json_callers_add_up_to_the_totals test_callers_add_up

test_validate() {
	pastat --root "$fx/debug" --once -V || { cat "$tmp/err"; return 1; }
	[ "$(pool_row sample | awk '{ print $NF }')" = 0 ] ||
		{ echo "no VALIDATE 0 for sample: $(pool_row sample)"; return 1; }
	pastat --root "$fx/debug" --json -V || { cat "$tmp/err"; return 1; }
	grep -q '"validate": 0' "$tmp/out" || { echo "no validate in JSON"; return 1; }
	pastat --root "$fx/debug" --json
	grep -q '"validate": null' "$tmp/out" ||
		{ echo "validate read without -V"; return 1; }
}
check validate_is_read_with_V_only test_validate

test_empty() {
	pastat --root "$fx/empty" --once || { cat "$tmp/err"; return 1; }
	if ! grep -q '(no pool holds anything)' "$tmp/out" ||
		! grep -q '(no class holds anything)' "$tmp/out" ||
		grep -q 'ARENA MAP' "$tmp/out"; then
		cat "$tmp/out"
		return 1
	fi
}
check empty_tree_prints_no_rows test_empty

test_kmalloc() {
	pastat --root "$fx/kmalloc" --once || { cat "$tmp/err"; return 1; }
	grep -q '(no class holds anything)' "$tmp/out" ||
		{ echo "class rows with the kmalloc backend"; return 1; }
	# The row's columns, as words.
	# shellcheck disable=SC2046
	set -- $(pool_row sample)
	expect_eq "${6:-}" "$(stat_of "$fx/kmalloc/pools/sample/stats" large_live)" \
		"LARGE of sample"
}
check kmalloc_backend_has_pools_but_no_classes test_kmalloc

test_pool_name_space() {
	pastat --root "$fx/pool-name-space" -p "my pool" --json ||
		{ cat "$tmp/err"; return 1; }
	python3 - "$tmp/out" <<-'EOF'
	import json, sys
	doc = json.load(open(sys.argv[1]))
	owners = {a["pool"] for a in doc["arenas"]}
	if [p["name"] for p in doc["pools"]] != ["my pool"] or owners != {"my pool"}:
	    print("pools", [p["name"] for p in doc["pools"]], "arenas", owners)
	    sys.exit(1)
	EOF
}
check pool_name_with_a_space test_pool_name_space

# A pool destroyed between readdir() and the reading of its files: its
# directory is gone (here, a dangling link), which a live view skips; with
# -p, that pool is an error.
test_pool_gone() {
	cp -r "$fx/sample" "$tmp/gone"
	ln -s "$tmp/nowhere" "$tmp/gone/pools/zzz"
	pastat --root "$tmp/gone" --once || { cat "$tmp/err"; return 1; }
	[ -n "$(pool_row sample)" ] || { echo "no row for sample"; return 1; }
	pastat --root "$tmp/gone" -p zzz --once
	[ "$rc" = 1 ] || { echo "-p zzz: status $rc"; return 1; }
}
check pool_gone_while_reading_is_skipped test_pool_gone

# ---- columns by name -----------------------------------------------------

test_columns_moved() {
	pastat --root "$fx/sample" --once || { cat "$tmp/err"; return 1; }
	tail -n +2 "$tmp/out" >"$tmp/want"
	pastat --root "$fx/columns-moved" --once || { cat "$tmp/err"; return 1; }
	tail -n +2 "$tmp/out" | diff "$tmp/want" - >&2
}
check moved_and_added_columns_change_nothing test_columns_moved

# ---- sorting -------------------------------------------------------------

# sorted_by KEY COLUMN ORDER: the class table by -s KEY has COLUMN in ORDER
# (-n for up, -rn for down).
sorted_by() {
	pastat --root "$fx/large" --once -s "$1" || { cat "$tmp/err"; return 1; }
	class_table | awk -v c="$2" '{ print $c }' >"$tmp/col"
	[ -s "$tmp/col" ] || { echo "no class rows"; return 1; }
	sort "$3" "$tmp/col" | cmp -s - "$tmp/col" ||
		{ echo "-s $1: column $2 not in $3 order"; return 1; }
}
check sort_by_size_goes_up sorted_by size 2 -n
check sort_by_used_goes_down sorted_by used 3 -rn
check sort_by_free_goes_down sorted_by free 4 -rn
check sort_by_runs_goes_down sorted_by runs 5 -rn

test_sort_pools_by_name() {
	pastat --root "$fx/sample" --once -s name || { cat "$tmp/err"; return 1; }
	expect_eq "$(awk '/^POOL +USED/ { on = 1; next } on && /^$/ { exit }
		on { printf "%s ", $1 }' "$tmp/out")" "default sample " "pool order"
}
check sort_pools_by_name test_sort_pools_by_name

test_bad_sort_key() {
	pastat --root "$fx/sample" --once -s colour
	if [ "$rc" != 2 ] || ! grep -q 'not a sort key' "$tmp/err"; then
		echo "status $rc: $(cat "$tmp/err")"
		return 1
	fi
}
check unknown_sort_key_is_a_usage_error test_bad_sort_key

# ---- refresh -------------------------------------------------------------

test_refresh_count() {
	t0=$(date +%s)
	pastat --root "$fx/sample" -d 1 -n 2 || { cat "$tmp/err"; return 1; }
	t1=$(date +%s)
	expect_eq "$(grep -c '^CLASS ' "$tmp/out")" 2 "tables" || return 1
	# Not a terminal: plain tables, no escape sequences.
	! grep -q "$(printf '\033')" "$tmp/out" ||
		{ echo "escape sequences on a pipe"; return 1; }
	[ $((t1 - t0)) -ge 1 ] || { echo "no wait between the tables"; return 1; }
}
check refresh_d1_n2_prints_two_plain_tables test_refresh_count

# A live view ends cleanly on SIGTERM (SIGINT too, where the shell has
# not told background jobs to ignore it, as a non-interactive sh does).
test_refresh_signal() {
	${PASTAT_WRAP:-} "$bin" --root "$fx/sample" -d 30 >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	sleep 2
	kill -TERM "$pid"
	wait "$pid"
	rc=$?
	[ "$rc" = 0 ] || { echo "status $rc after SIGTERM: $(cat "$tmp/err")"; return 1; }
	expect_eq "$(grep -c '^CLASS ' "$tmp/out")" 1 "tables"
}
check live_view_ends_cleanly_on_sigterm test_refresh_signal

test_once_and_delay() {
	pastat --root "$fx/sample" --once -d 1
	[ "$rc" = 2 ] || { echo "status $rc"; return 1; }
	pastat --root "$fx/sample" --json -n 2
	[ "$rc" = 2 ] || { echo "status $rc"; return 1; }
	pastat --root "$fx/sample" -d 0
	[ "$rc" = 2 ] || { echo "status $rc for -d 0"; return 1; }
}
check once_or_json_with_refresh_is_a_usage_error test_once_and_delay

# ---- errors --------------------------------------------------------------

# bad_input FIXTURE PATTERN: pastat fails on FIXTURE with status 1 and a
# message matching PATTERN, for the tables and for --json.
bad_input() {
	for mode in --once --json; do
		pastat --root "$fx/$1" "$mode"
		[ "$rc" = 1 ] || { echo "$mode: status $rc"; return 1; }
		grep -Eq "^pastat: .*$2" "$tmp/err" ||
			{ echo "$mode: message: $(cat "$tmp/err")"; return 1; }
		[ ! -s "$tmp/out" ] || { echo "$mode: printed a table anyway"; return 1; }
	done
}
check bad_stats_value bad_input bad-stats-value '/stats:4: live_blocks: not a number: 25x'
check bad_stats_line bad_input bad-stats-line '/pools/sample/stats:2: not "key: value"'
check bad_classes_short_row bad_input bad-classes-row '/classes:65: 13 columns, the header has 14'
check bad_classes_missing_column bad_input bad-classes-column '/pools/default/classes:1: no column "blocks_used"'
check bad_classes_empty_file bad_input bad-classes-empty '/classes: empty'
check bad_arenas_map_length bad_input bad-arenas-map '/arenas:2: used 1 of 16 runs with a map of 17'
check bad_callers_number bad_input bad-callers-number '/pools/sample/callers:2: bytes: not a number'
check missing_pool_stats bad_input bad-pool-stats '/pools/sample/stats: No such file'
check not_a_pool_alloc_tree bad_input not-pool-alloc "not pool_alloc's debugfs directory"
check missing_root bad_input /nonexistent-pastat-root 'nonexistent-pastat-root: No such file or directory'

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
