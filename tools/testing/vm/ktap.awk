# SPDX-License-Identifier: GPL-2.0
#
# Count the KTAP results of the pool_alloc* KUnit suites in a console log.
#
# KUnit nests: a module prints "KTAP version 1" and "1..<suites>" at level 0,
# each suite opens with "# Subtest: <suite>" and "1..<cases>" one level in
# (4 spaces) and closes with "ok N <suite>" at level 0; a parameterised case
# does the same one level deeper, with one result per parameter.  Only leaf
# results are counted, so a suite or parameterised case line is never counted
# on top of its children.  A planned result that never shows up (crash, hang)
# counts as failed.
#
# Prints the pool_alloc KTAP lines, then "failed: ..." for each problem, and
# last "counts <pass> <fail> <skip> <suites> <problems>".

function problem(msg) {
	nproblems++
	problems[nproblems] = msg
}

# Close the innermost open test; plan checks only for ours.
function pop(    f) {
	f = sp--
	if ((fpool[f] || fours[f]) && fplan[f] >= 0 && fkids[f] != fplan[f]) {
		problem(sprintf("%s: planned %d results, got %d", fname[f], fplan[f], fkids[f]))
		if (fplan[f] > fkids[f])
			nfail += fplan[f] - fkids[f]
	}
	return f
}

function push(level, name, pool) {
	sp++
	flvl[sp] = level
	fname[sp] = name
	fplan[sp] = -1
	fkids[sp] = 0
	ffails[sp] = 0
	fpool[sp] = pool
	fours[sp] = 0	# a module document that holds one of our suites
}

# Close every open test at or below LEVEL; one of ours still open there never
# printed its result.
function unwind(level) {
	while (sp > 0 && flvl[sp] >= level) {
		if (fpool[sp] && flvl[sp] > 0)
			problem(fname[sp] ": no result (crashed or hung?)")
		pop()
	}
}

BEGIN { sp = 0; npass = nfail = nskip = nsuites = nproblems = 0 }

{
	line = $0
	gsub(/\r/, "", line)
	# printk time stamp, e.g. "[    3.141592] "
	sub(/^\[ *[0-9]+\.[0-9]+\] /, "", line)
	match(line, /^ */)
	indent = RLENGTH
	body = substr(line, indent + 1)
	level = int(indent / 4)
}

# A new top-level KTAP document (one per loaded module).
level == 0 && body ~ /^KTAP version [0-9]+$/ {
	unwind(0)
	push(0, "(module)", 0)
	next
}

body ~ /^# Subtest: / {
	name = substr(body, 12)
	unwind(level)
	pool = (sp > 0 && fpool[sp]) || name ~ /^pool_alloc/
	push(level, name, pool)
	if (pool) print line
	next
}

body ~ /^[0-9]+\.\.[0-9]+$/ {
	if (sp > 0 && flvl[sp] == level && fplan[sp] < 0) {
		split(body, p, /\.\./)
		fplan[sp] = p[2] + 0
		if (fpool[sp]) print line
	}
	next
}

body ~ /^(not )?ok [0-9]+ / {
	notok = body ~ /^not /
	rest = body
	sub(/^(not )?ok [0-9]+ /, "", rest)
	skip = rest ~ / # SKIP/
	name = rest
	sub(/ # .*/, "", name)

	unwind(level + 2)
	if (sp > 0 && flvl[sp] == level + 1) {
		# This line closes a suite or a parameterised case.
		kids = fkids[sp]
		kfails = ffails[sp]
		pool = fpool[sp]
		pop()
		leaf = (kids == 0)
		if (pool && !leaf && notok && kfails == 0)
			problem(name ": reported not ok without a failed case")
	} else {
		# A suite that failed before printing its header (suite_init)
		# has only this line: treat it as one result.
		leaf = 1
		pool = (sp > 0 && fpool[sp]) || (level == 0 && name ~ /^pool_alloc/)
	}
	if (sp > 0 && flvl[sp] == level) {
		fkids[sp]++
		if (notok) ffails[sp]++
	}
	if (!pool) next
	print line
	if (level == 0) {
		nsuites++
		if (sp > 0 && flvl[sp] == 0) fours[sp] = 1
	}
	if (!leaf) next
	if (notok) {
		nfail++
		problem((sp > 0 && flvl[sp] > 0 ? fname[sp] "." : "") name ": not ok")
		# The failure propagates to the enclosing tests' accounting.
		for (i = sp; i > 0; i--) ffails[i]++
	} else if (skip) {
		nskip++
	} else {
		npass++
	}
	next
}

# Diagnostics of our tests: "# case: EXPECTATION FAILED at ..." and the
# indented lines that explain it.
sp > 0 && fpool[sp] && (body ~ /^# / || (indent >= 4 && indent % 4 == 0)) { print line }

END {
	unwind(0)
	if (nsuites == 0)
		problem("no pool_alloc KUnit suite reported a result")
	for (i = 1; i <= nproblems; i++)
		print "failed: " problems[i]
	printf "counts %d %d %d %d %d\n", npass, nfail, nskip, nsuites, nproblems
}
