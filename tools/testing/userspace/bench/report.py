#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the output of run.sh (raw.txt) into the native benchmark's results.

Usage: report.py RAW OUTDIR

Writes OUTDIR/results.txt (printed too: the machine and versions, the
tables side by side, the issue's targets with a verdict), results.csv (one
row per case and allocator, every figure) and results.png (gnuplot).  The
targets are reported, never asserted: the exit status says only whether
the report could be made.
"""
import csv
import os
import re
import subprocess
import sys

ALLOCS = ["pool_alloc", "pymalloc", "glibc", "jemalloc", "mimalloc",
          "tcmalloc"]
PA, PY = "pool_alloc", "pymalloc"
# The targets: within this factor of the fastest allocator.
FASTEST_FACTOR = 1.2
FIELDS = ["case", "size", "n", "threads", "alloc", "ops", "runs", "rounds",
          "ns", "ns_min", "ns_max", "ns_rounds", "clock", "wall", "cycles",
          "instr",
          "base_kib", "peak_kib", "after_kib", "idle_kib"]
KV = re.compile(r'(\w+)=("[^"]*"|\S+)')


def fields(line):
    return {k: v.strip('"') for k, v in KV.findall(line)}


def parse(path):
    """Result rows (dicts), the header lines, the versions, and notes."""
    rows, header, versions, notes = [], [], {}, []
    with open(path) as f:
        for line in f:
            line = line.rstrip("\n")
            if line.startswith("case="):
                rows.append(fields(line))
            elif line.startswith("# alloc="):
                kv = fields(line)
                extra = f" (malloc from {kv['malloc']})" if "malloc" in kv else ""
                versions[kv["alloc"]] = kv["version"] + extra
            elif line.startswith(("# perf:", "# missing", "# failed",
                                  "# note:")):
                if line[2:] not in notes:
                    notes.append(line[2:])
            elif line.startswith("# ") and not line.startswith("# trace "):
                header.append(line[2:])
    return rows, header, versions, notes


def median(v):
    v = sorted(v)
    n = len(v)
    return v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2


def combine(rs):
    """One row from the rounds' rows of a case and allocator.

    Each round's process reports the median of its runs.  The machine's
    other work only ever slows a round down, sometimes for minutes (under
    two fuzzers, every allocator's pair loop ran 1.75 times slower in two
    rounds of three), so of the time figures the lowest of the rounds'
    medians is kept; of the RSS figures, which the load does not move,
    the median.  -1 (not measured) only when no round measured it.  Also
    the extremes of all runs, and every round's median ns."""
    out = dict(rs[0])
    for f in ("ns", "wall", "cycles", "instr", "base_kib", "peak_kib",
              "after_kib", "idle_kib"):
        vals = [float(r[f]) for r in rs if f in r and float(r[f]) >= 0]
        if f not in out:
            continue
        if not vals:
            out[f] = "-1"
        elif f.endswith("_kib"):
            out[f] = str(int(median(vals)))
        else:
            out[f] = f"{min(vals):.2f}"
    out["ns_min"] = str(min(float(r["ns_min"]) for r in rs))
    out["ns_max"] = str(max(float(r["ns_max"]) for r in rs))
    out["rounds"] = str(len(rs))
    out["ns_rounds"] = ";".join(r["ns"] for r in rs)
    return out


def label(r):
    if r["case"] == "pair":
        return f"pair {r['size']}"
    if r["case"] == "random":
        return f"random {r['n']}"
    return r["case"]


def single_threaded(r):
    return r["threads"] == "1"


def num(s):
    v = float(s)
    return None if v < 0 else v


def table(title, lab, allocs, cells, extra=None):
    """A text table: rows of labels, a column per allocator (+ extras)."""
    extra = extra or []
    heads = ["case"] + allocs + [e[0] for e in extra]
    body = []
    for lb in lab:
        line = [lb] + [cells.get((lb, a), "-") for a in allocs]
        line += [e[1](lb) for e in extra]
        body.append(line)
    widths = [max(len(x[i]) for x in [heads] + body)
              for i in range(len(heads))]
    out = [title, ""]
    fmt = lambda x: "  ".join(  # noqa: E731
        c.ljust(w) if i == 0 else c.rjust(w)
        for i, (c, w) in enumerate(zip(x, widths)))
    out.append(fmt(heads))
    out.append(fmt(["-" * w for w in widths]))
    out += [fmt(x) for x in body]
    return out + [""]


def main(argv):
    if len(argv) != 3:
        sys.exit(__doc__)
    raw, outdir = argv[1], argv[2]
    rows, header, versions, notes = parse(raw)
    if not rows:
        sys.exit(f"report.py: no results in {raw}")
    allocs = [a for a in ALLOCS if any(r["alloc"] == a for r in rows)]
    lab = []
    rounds = {}
    for r in rows:
        lb = label(r)
        if lb not in lab:
            lab.append(lb)
        rounds.setdefault((lb, r["alloc"]), []).append(r)
    by = {k: combine(v) for k, v in rounds.items()}
    ns = {k: float(r["ns"]) for k, r in by.items()}
    runs = rows[0]["runs"]
    nr_rounds = max(len(v) for v in rounds.values())

    def fastest(lb):
        c = [(ns[(lb, a)], a) for a in allocs if (lb, a) in ns]
        return min(c) if c else (None, None)

    def ratio(lb, ref):
        if (lb, PA) not in ns or (lb, ref) not in ns:
            return None
        return ns[(lb, PA)] / ns[(lb, ref)]

    def r_py(lb):
        r = ratio(lb, PY)
        return "-" if r is None else f"{r:.2f}"

    def r_best(lb):
        best, who = fastest(lb)
        if (lb, PA) not in ns:
            return "-"
        return f"{ns[(lb, PA)] / best:.2f} {who}"

    out = ["pool_alloc native benchmark (make bench-native)", ""]
    out += header
    for a in allocs:
        out.append(f"version {a}: {versions.get(a, '?')}")
    out += notes + [""]
    out += table(f"ns per operation (an allocation or a free): the "
                 f"thread's CPU time, wall time for spsc and percore; "
                 f"each of {nr_rounds} processes takes the median of "
                 f"{runs} runs, the lowest of the {nr_rounds} is shown; "
                 f"pa/pymalloc and pa/fastest: their ratios",
                 lab, allocs,
                 {k: f"{v:.1f}" for k, v in ns.items()},
                 [("pa/pymalloc", r_py), ("pa/fastest", r_best)])
    if any(num(r["cycles"]) is not None for r in rows):
        for f, what in (("cycles", "user-space cycles"),
                        ("instr", "user-space instructions")):
            out += table(f"{what} per operation, as ns above",
                         lab, allocs,
                         {k: ("-" if num(r[f]) is None else
                              f"{float(r[f]):.1f}")
                          for k, r in by.items()})
    else:
        out += ["cycles and instructions per operation: not measured "
                "(perf_event_open refused, see above)", ""]
    rss_lab = [lb for lb in lab if "base_kib" in by[next(
        k for k in by if k[0] == lb)]]

    def growth(f):
        return {k: f"{int(r[f]) - int(r['base_kib'])}"
                for k, r in by.items()
                if "base_kib" in r and int(r.get(f, -1)) >= 0}
    out += table("peak RSS growth, KiB: ru_maxrss minus the RSS before "
                 "the case (harness arrays and allocator set up)",
                 rss_lab, allocs, growth("peak_kib"))
    idle = growth("idle_kib")

    def pa_idle(lb):
        return idle.get((lb, PA), "-")
    out += table("RSS growth after freeing everything, KiB "
                 "(/proc/self/statm minus the same baseline); pool_alloc "
                 "idle: the same after 5 s of the shim's time (its reaper "
                 "drains idle caches)",
                 rss_lab, allocs, growth("after_kib"),
                 [("pool_alloc idle", pa_idle)])

    # The targets, reported with a verdict, never asserted.
    out.append("Targets (issue 11):")
    if PA not in allocs:
        out.append("  no pool_alloc results: no verdicts")
    else:
        st = [lb for lb in lab
              if (lb, PA) in by and single_threaded(by[(lb, PA)])]
        slow = sorted(((ratio(lb, PY), lb) for lb in st
                       if ratio(lb, PY) is not None and ratio(lb, PY) > 1),
                      reverse=True)
        worst = ", ".join(f"{lb} {r:.2f}x" for r, lb in slow[:5])
        out.append(f"  at least as fast as pymalloc on every single-threaded"
                   f" case: {'MISSED' if slow else 'MET'}"
                   + (f" (met on {len(st) - len(slow)} of {len(st)}; worst: "
                      f"{worst})" if slow else f" ({len(st)} cases)"))
        far = []
        for lb in lab:
            best, who = fastest(lb)
            if (lb, PA) in ns and ns[(lb, PA)] > FASTEST_FACTOR * best:
                far.append((ns[(lb, PA)] / best, lb, who))
        # The table has every ratio: name the worst few here.
        far.sort(key=lambda x: -x[0])
        worst = ", ".join(f"{lb} {r:.2f}x {who}" for r, lb, who in far[:5])
        out.append(f"  within {FASTEST_FACTOR}x of the fastest on each case: "
                   f"{'MISSED' if far else 'MET'}"
                   + (f" (met on {len(lab) - len(far)} of {len(lab)}; "
                      f"worst: {worst})" if far else f" ({len(lab)} cases)"))
        g = {a: int(by[("trace", a)]["peak_kib"]) -
             int(by[("trace", a)]["base_kib"])
             for a in allocs if ("trace", a) in by}
        if PA in g and "glibc" in g and "jemalloc" in g:
            ok = g[PA] < g["glibc"] and g[PA] < g["jemalloc"]
            out.append(f"  lower peak RSS than glibc and jemalloc on the "
                       f"trace replay: {'MET' if ok else 'MISSED'} "
                       f"(growth {g[PA]} KiB against {g['glibc']} and "
                       f"{g['jemalloc']} KiB)")
        else:
            out.append("  lower peak RSS than glibc and jemalloc on the "
                       "trace replay: no figures")
    out.append("")

    with open(os.path.join(outdir, "results.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(FIELDS)
        for lb in lab:
            for a in allocs:
                if (lb, a) in by:
                    w.writerow([by[(lb, a)].get(k, "") for k in FIELDS])
    machine = next((h for h in header if h.startswith("machine ")), "")
    made = plot(lab, allocs, ns, by, outdir, machine)
    out.append("Files: results.txt results.csv raw.txt " + " ".join(made))
    text = "\n".join(out) + "\n"
    with open(os.path.join(outdir, "results.txt"), "w") as f:
        f.write(text)
    sys.stdout.write(text)
    print(f"in {outdir}/")


def plot(lab, allocs, ns, by, outdir, machine):
    """results.png: the pair sweep, the other cases, the trace's RSS."""
    pair = [lb for lb in lab if lb.startswith("pair ")]
    other = [lb for lb in lab if not lb.startswith("pair ")]
    d1 = os.path.join(outdir, ".pair.dat")
    d2 = os.path.join(outdir, ".cases.dat")
    d3 = os.path.join(outdir, ".rss.dat")
    cell = lambda k: f"{ns[k]:.2f}" if k in ns else "NaN"  # noqa: E731
    with open(d1, "w") as f:
        for lb in pair:
            f.write(lb.split()[1] + " " +
                    " ".join(cell((lb, a)) for a in allocs) + "\n")
    with open(d2, "w") as f:
        for lb in other:
            f.write(f'"{lb}" ' + " ".join(cell((lb, a)) for a in allocs)
                    + "\n")
    with open(d3, "w") as f:
        for lb in other:
            vals = []
            for a in allocs:
                r = by.get((lb, a))
                vals.append(f"{(int(r['peak_kib']) - int(r['base_kib'])) / 1024:.2f}"
                            if r and "base_kib" in r else "NaN")
            f.write(f'"{lb}" ' + " ".join(vals) + "\n")
    lines = ", ".join(f"'{d1}' using 1:{i + 2} with linespoints pt 7 ps 0.5 "
                      f"title '{a}'" for i, a in enumerate(allocs))
    bars = lambda d: ", ".join(  # noqa: E731
        f"'{d}' using {i + 2}:xtic(1) title '{a}'"
        for i, a in enumerate(allocs))
    png = os.path.join(outdir, "results.png")
    script = f"""
set terminal pngcairo size 1200,1350 font ',10' noenhanced
set output '{png}'
set multiplot layout 3,1 title "pool_alloc native benchmark: ns per operation (lower is better)\\n{machine.replace('"', '')}"
set grid ytics
set key top left
set title 'alloc+free pair loop, by request size'
set xlabel 'request size (bytes)'
set ylabel 'ns per operation'
set logscale x 2
set yrange [0:*]
plot {lines}
unset logscale x
unset xlabel
set style data histograms
set style histogram clustered gap 1
set style fill solid 0.8 border -1
set boxwidth 0.9
set title 'random order, trace replay, producer/consumer, one thread per core (log scale)'
set logscale y
set yrange [*:*]
plot {bars(d2)}
unset logscale y
set yrange [0:*]
set title 'peak RSS growth over the baseline'
set ylabel 'MiB'
plot {bars(d3)}
unset multiplot
"""
    try:
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"report.py: no plot: {e}", file=sys.stderr)
        return []
    finally:
        for d in (d1, d2, d3):
            os.unlink(d)
    return ["results.png"]


if __name__ == "__main__":
    main(sys.argv)
