#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the result files of the bench VMs into bench/results/<series>/.

Usage: report.py OUTDIR KVER BOOT=RESULT [BOOT=RESULT...]

RESULT is what a bench VM's guest wrote to its result port (the second
serial port, build/logs/bench-KVER-BOOT.result): "@@pab " result lines and
"@@pa: " markers.

BOOT names one VM run: "ioa1" and "ioa0" are the Metric A boots (icount, one
vCPU, init_on_alloc=1 and 0), "smp" the Metric C and B boot, "smp2",
"smp3"... the further Metric B boots.  Writes results.csv, results.md,
pair-cost.png, medium-cost.png and large-cost.png (gnuplot) and the raw
result lines of each boot (raw-BOOT.txt), and prints results.md.

Every case ran RUNS times per allocator, interleaved; the first WARMUP runs
are dropped and the median of the others is kept.  Metric A figures are
guest instructions (icount shift=0: 1 ns of guest time per instruction)
after subtracting the median of allocator "none", the same loop without
allocation.  Metric B ratios are taken in each smp boot, then the median
across the boots is judged, their range shown next to it.

KVER picks the fast-path limit of the series (issue 13: 0.45 on 6.12, 0.35
on 6.1).
"""
import csv
import glob
import os
import re
import statistics
import subprocess
import sys

WARMUP = 2
# Pages in a pool_alloc arena: PA_ARENA_ORDER is 6.
ARENA_PAGES = 64

BOOTS = {
    "ioa1": "Metric A, init_on_alloc=1 (Debian default)",
    "ioa0": "Metric A, init_on_alloc=0",
    "smp": "Metrics B and C, 2 vCPUs, multi-threaded TCG",
}

# Issue 13's limits.  The fast path's depends on the kernel: 6.12's SLUB
# fast path is about 30% cheaper than 6.1's.
FASTPATH_LIMIT = {"6.12": 0.45, "6.1": 0.35}
MEDIUM_LIMIT = 1.2          # pa/kmalloc, every medium size up to...
MEDIUM_MAX = 32768          # ...PAGE_ALLOC_COSTLY_ORDER's 32 KiB
REPLAY_LIMIT = 0.55
BULK_LIMIT = 0.5
BULK_NS = (16, 128)
SMP_LIMIT = 1.0
# small_max when a result file does not say (files older than issue 13).
SMALL_MAX_DEFAULT = 4096


def is_smp(boot):
    """The Metric B boots: smp, smp2, smp3..."""
    return re.fullmatch(r"smp[0-9]*", boot) is not None


def series_of(kver):
    """"6.12" or "6.1" for a Debian release string, else None."""
    m = re.match(r"(6\.12|6\.1)\.", kver)
    return m.group(1) if m else None


def parse_fields(text):
    out = {}
    for tok in text.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


def read_log(path):
    """The result lines of a result file: (kind, fields) pairs."""
    rows = []
    with open(path, "rb") as f:
        for raw in f:
            line = raw.decode("utf-8", "replace").replace("\r", "")
            i = line.find("@@pab ")
            j = line.find("@@pa: ")
            if i < 0 and j >= 0 and ("bench mode" in line or
                                     "settled" in line):
                rows.append(("#", {}, "# " + line[j + len("@@pa: "):].strip()))
                continue
            if i < 0:
                continue
            text = line[i + len("@@pab "):].strip()
            if not text or text[0] not in "RCEI":
                continue
            rows.append((text[0], parse_fields(text[1:]), text))
    return rows


def median_kept(values):
    kept = values[WARMUP:] if len(values) > WARMUP else values
    return statistics.median(kept)


def size_key(s):
    return int(s) if s.isdigit() else 1 << 62


class Results:
    def __init__(self):
        self.timed = {}     # (boot, metric, case, n, size, alloc) -> dict
        self.mem = {}       # (wl, alloc, phase) -> fields
        self.info = {}      # boot -> fields of its "I" lines
        self.errors = []

    def add(self, boot, kind, f, text):
        if kind == "I":
            self.info.setdefault(boot, {}).update(f)
            return
        if kind == "E":
            self.errors.append(f"{boot}: {text}")
            return
        if kind == "C":
            key = (f.get("wl"), f.get("alloc"), f.get("phase"))
            self.mem.setdefault(key, {}).update(f)
            return
        ns = [int(x) for x in f["ns"].split(",") if x]
        key = (boot, f["metric"], f["case"], int(f["n"]), f["size"],
               f["alloc"])
        self.timed[key] = {"ops": int(f["ops"]), "ns": ns,
                           "median": median_kept(ns)}

    def finish(self):
        """Per-operation figures: baseline subtracted for Metric A."""
        for key, r in self.timed.items():
            boot, metric, case, n, size, alloc = key
            base = 0.0
            if metric == "A":
                b = self.timed.get((boot, metric, case, n, size, "none"))
                base = b["median"] if b else 0.0
            r["base"] = base
            r["per_op"] = (r["median"] - base) / r["ops"]

    def spread(self, boot, metric, case, n, size, alloc):
        """Half the range of the kept runs, relative to their median."""
        r = self.timed.get((boot, metric, case, n, size, alloc))
        if r is None or not r["median"]:
            return None
        kept = r["ns"][WARMUP:] if len(r["ns"]) > WARMUP else r["ns"]
        return (max(kept) - min(kept)) / 2 / r["median"]

    def per_op(self, boot, metric, case, n, size, alloc):
        r = self.timed.get((boot, metric, case, n, size, alloc))
        return None if r is None else r["per_op"]

    def small_max(self):
        """pool_alloc's small_max in the Metric A boots, or None."""
        for boot in ("ioa0", "ioa1"):
            v = self.info.get(boot, {}).get("small_max", "")
            if v.isdigit():
                return int(v)
        return None

    def smp_boots(self):
        """The Metric B boots that have results, in order."""
        boots = {k[0] for k in self.timed if is_smp(k[0])}
        return sorted(boots, key=lambda b: int(b[3:] or 1))

    def smp_keys(self, case):
        """The (n, size) of a Metric B case over all its boots."""
        return sorted({(k[3], k[4]) for k in self.timed
                       if is_smp(k[0]) and k[2] == case},
                      key=lambda x: (x[0], size_key(x[1])))

    def smp_ratios(self, case, n, size, alloc="pa", ref="kmalloc"):
        """alloc/ref wall time in each smp boot that ran the case."""
        out = []
        for b in self.smp_boots():
            r = ratio(self.per_op(b, "B", case, n, size, alloc),
                      self.per_op(b, "B", case, n, size, ref))
            if r is not None:
                out.append(r)
        return out

    def smp_median(self, case, n, size, alloc):
        """Median across the smp boots of an allocator's ns per object."""
        vals = [self.per_op(b, "B", case, n, size, alloc)
                for b in self.smp_boots()]
        vals = [v for v in vals if v is not None]
        return statistics.median(vals) if vals else None

    def keys(self, boot, metric, case):
        """The (n, size) of a case in a boot, in order."""
        seen = sorted({(k[3], k[4]) for k in self.timed
                       if k[0] == boot and k[1] == metric and k[2] == case},
                      key=lambda x: (x[0], size_key(x[1])))
        return seen


def ratio(a, b):
    if a is None or b is None or b <= 0:
        return None
    return a / b


def fmt(v, digits=1):
    if v is None:
        return "-"
    return f"{v:.{digits}f}"


def fmt_ratio(v):
    return "-" if v is None else f"{v:.2f}"


def verdict(v, limit):
    if limit is None:
        return "reported" if v is not None else "NOT RUN"
    if v is None:
        return "NOT RUN"
    return "MET" if v <= limit else "MISSED"


def fmt_limit(limit):
    return "-" if limit is None else f"<= {limit:g}"


def worst_ratio(res, boot, case, alloc, ref, keep=lambda n, size: True):
    """The largest alloc/ref over the (n, size) of a case: (ratio, n, size)."""
    worst = (None, None, None)
    for n, size in res.keys(boot, "A", case):
        if not keep(n, size):
            continue
        r = ratio(res.per_op(boot, "A", case, n, size, alloc),
                  res.per_op(boot, "A", case, n, size, ref))
        if r is not None and (worst[0] is None or r > worst[0]):
            worst = (r, n, size)
    return worst


def smp_target(res, case):
    """Worst size of a Metric B case, judged on its median across boots:
    (text shown, median ratio)."""
    worst, wsize, wrange = None, None, None
    for n, size in res.smp_keys(case):
        rs = res.smp_ratios(case, n, size)
        if not rs:
            continue
        med = statistics.median(rs)
        if worst is None or med > worst:
            worst, wsize, wrange = med, size, (min(rs), max(rs), len(rs))
    if worst is None:
        return "-", None
    lo, hi, nb = wrange
    return (f"worst {fmt_ratio(worst)} (at {wsize} B; median of {nb} "
            f"boot{'s' if nb > 1 else ''}, range {fmt_ratio(lo)}.."
            f"{fmt_ratio(hi)})"), worst


def table(header, rows):
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return out


def targets(res, kver=""):
    """(group, description, measured text, ratio, limit) of every target;
    a limit of None is a figure reported without a target."""
    out = []
    old = "Earlier targets"
    # Pair loop, every size up to 512 B.
    worst, _, worst_size = worst_ratio(
        res, "ioa0", "pair", "pa", "kmalloc",
        lambda n, size: size_key(size) <= 512)
    out.append((old, "A, init_on_alloc=0: pair loop, every size <= 512 B, "
                "pa/kmalloc instructions",
                f"worst {fmt_ratio(worst)} (at {worst_size} B)"
                if worst is not None else "-", worst, 0.5))
    r = ratio(res.per_op("ioa0", "A", "nn-random", 1000, "64", "pa"),
              res.per_op("ioa0", "A", "nn-random", 1000, "64", "kmalloc"))
    out.append((old, "A, init_on_alloc=0: 1000 allocs then 1000 frees in "
                "random order, pa/kmalloc", fmt_ratio(r), r, 0.6))
    replays = res.keys("ioa0", "A", "replay") or [(0, "mixed")]
    for n, size in replays:
        r = ratio(res.per_op("ioa0", "A", "replay", n, size, "pa"),
                  res.per_op("ioa0", "A", "replay", n, size, "kmalloc"))
        out.append((old, "A, init_on_alloc=0: real-trace replay, pa/kmalloc",
                    fmt_ratio(r), r, 0.7))
    worst, _, worst_size = worst_ratio(res, "ioa0", "large", "pa", "vmalloc")
    out.append((old, "A, init_on_alloc=0: large 8 KiB..4 MiB, pa/vmalloc "
                "(every size)",
                f"worst {fmt_ratio(worst)} (at {worst_size} B)"
                if worst is not None else "-", worst, 1.05))
    shown, worst = smp_target(res, "pc")
    out.append((old, "B: producer/consumer across 2 CPUs, pa/kmalloc wall "
                "time (every size)", shown, worst, 1.0))
    pa = res.mem.get(("u512", "pa", "held"), {})
    km = res.mem.get(("u512", "kmalloc", "held"), {})
    r = None
    if "pa_pages" in pa and "slab_delta" in km:
        r = ratio(float(pa["pa_pages"]), float(km["slab_delta"]))
    out.append((old, "C: uniform 1..512 B, 100000 live, pages held "
                "pa/kmalloc", fmt_ratio(r), r, 0.85))
    busy = res.mem.get(("u512", "pa", "busy"), {})
    pages = float(busy["pa_pages"]) if "pa_pages" in busy else None
    out.append((old, "C: uniform 1..512 B, all freed, after ~6 s busy: pa "
                f"pages held (limit one arena, {ARENA_PAGES} pages)",
                fmt(pages, 0), pages, float(ARENA_PAGES)))

    new = "Issue 13"
    # 1. Medium sizes.
    worst, _, worst_size = worst_ratio(
        res, "ioa0", "medium", "pa", "kmalloc",
        lambda n, size: size_key(size) <= MEDIUM_MAX)
    out.append((new, "1. A, init_on_alloc=0: medium sizes 4 KiB.."
                f"{MEDIUM_MAX // 1024} KiB, pa/kmalloc instructions "
                "(every size)",
                f"worst {fmt_ratio(worst)} (at {worst_size} B)"
                if worst is not None else "-", worst, MEDIUM_LIMIT))
    above = [(size, ratio(res.per_op("ioa0", "A", "medium", n, size, "pa"),
                          res.per_op("ioa0", "A", "medium", n, size,
                                     "kvmalloc")))
             for n, size in res.keys("ioa0", "A", "medium")
             if size_key(size) > MEDIUM_MAX]
    above = [(size, r) for size, r in above if r is not None]
    out.append((new, f"1. A, init_on_alloc=0: medium sizes above "
                f"{MEDIUM_MAX // 1024} KiB, pa/kvmalloc (no target)",
                ", ".join(f"{fmt_ratio(r)} at {size} B" for size, r in above)
                or "-", max((r for _, r in above), default=None), None))
    # 2. The fast path, every size up to small_max, and the replay.
    sm = res.small_max()
    sm_note = "" if sm is not None else f", small_max {SMALL_MAX_DEFAULT} assumed"
    sm = sm or SMALL_MAX_DEFAULT
    series = series_of(kver)
    limit = FASTPATH_LIMIT.get(series)
    worst, _, worst_size = worst_ratio(
        res, "ioa0", "pair", "pa", "kmalloc",
        lambda n, size: size_key(size) <= sm)
    out.append((new, f"2. A, init_on_alloc=0: pair loop, every size <= "
                f"small_max ({sm} B{sm_note}), pa/kmalloc instructions"
                + ("" if limit is not None else
                   f" (no limit for kernel {kver}: 6.1 or 6.12 only)"),
                f"worst {fmt_ratio(worst)} (at {worst_size} B)"
                if worst is not None else "-", worst, limit))
    for n, size in replays:
        r = ratio(res.per_op("ioa0", "A", "replay", n, size, "pa"),
                  res.per_op("ioa0", "A", "replay", n, size, "kmalloc"))
        out.append((new, f"2. A, init_on_alloc=0: real-trace replay ({size}), "
                    "pa/kmalloc", fmt_ratio(r), r, REPLAY_LIMIT))
    # 3. Bulk calls, per N.
    for bn in BULK_NS:
        worst, _, worst_size = worst_ratio(
            res, "ioa0", "bulk", "pa", "kmem_cache",
            lambda n, size, bn=bn: n == bn)
        out.append((new, f"3. A, init_on_alloc=0: bulk alloc+free of {bn} "
                    "objects, pa/kmem_cache instructions per object "
                    "(every size)",
                    f"worst {fmt_ratio(worst)} (at {worst_size} B)"
                    if worst is not None else "-", worst, BULK_LIMIT))
    # 4. Several CPUs.
    for case, what in (("pc", "producer/consumer across 2 CPUs"),
                       ("allcpu", "all CPUs at once")):
        shown, worst = smp_target(res, case)
        out.append((new, f"4. B: {what}, pa/kmalloc wall time (every "
                    "size, median across boots)", shown, worst, SMP_LIMIT))
    return out


def md_timed(res, lines, case, title, boots, allocs, ref, unit,
             n_label="N", show_n=False):
    """A Metric A table; @ref is the reference allocator, or a list of
    them (one ratio column each)."""
    refs = [ref] if isinstance(ref, str) else ref
    keys = []
    for b in boots:
        for k in res.keys(b, "A", case):
            if k not in keys:
                keys.append(k)
    if not keys:
        return
    lines += ["", f"### {title}", ""]
    header = ([n_label] if show_n else []) + ["size"]
    for b in boots:
        tag = {"ioa1": "ioa=1", "ioa0": "ioa=0"}[b]
        header += [f"{a} ({tag})" for a in allocs]
        header += [f"pa/{r} ({tag})" for r in refs]
    rows = []
    for n, size in keys:
        row = ([str(n)] if show_n else []) + [size]
        for b in boots:
            vals = [res.per_op(b, "A", case, n, size, a) for a in allocs]
            row += [fmt(v) for v in vals]
            row += [fmt_ratio(ratio(res.per_op(b, "A", case, n, size, "pa"),
                                    res.per_op(b, "A", case, n, size, r)))
                    for r in refs]
        rows.append(row)
    lines += table(header, rows)
    lines += ["", f"Unit: {unit}."]


def md_smp(res, lines, case, title, allocs, n_label):
    """A Metric B table: medians across the smp boots, and the pa/kmalloc
    ratio of every boot."""
    keys = res.smp_keys(case)
    boots = res.smp_boots()
    if not keys:
        return
    lines += ["", f"### {title}", ""]
    header = [n_label, "size"] + [f"{a} (median)" for a in allocs]
    header += ["pa/kmalloc (median of boots)", "range"]
    header += [f"pa/kmalloc ({b})" for b in boots]
    rows = []
    for n, size in keys:
        row = [str(n), size]
        row += [fmt(res.smp_median(case, n, size, a)) for a in allocs]
        rs = res.smp_ratios(case, n, size)
        row.append(fmt_ratio(statistics.median(rs)) if rs else "-")
        row.append(f"{fmt_ratio(min(rs))}..{fmt_ratio(max(rs))}"
                   if rs else "-")
        row += [fmt_ratio(ratio(res.per_op(b, "B", case, n, size, "pa"),
                                res.per_op(b, "B", case, n, size,
                                           "kmalloc")))
                for b in boots]
        rows.append(row)
    lines += table(header, rows)
    lines += ["", "Unit: wall-clock ns per object under TCG, the median "
              "across boots of each boot's median run: only the ratios mean "
              "anything.  Each boot's ratio is its pa median over its "
              "kmalloc median; the verdict is on the median of those."]


def write_markdown(res, kver, path):
    nb = len(res.smp_boots())
    lines = [f"# pool_alloc benchmark: Debian {kver}", ""]
    rev = os.environ.get("PAB_REV")
    if rev:
        lines += [f"Source tree measured: `{rev}` (git describe; -dirty: "
                  "changes outside bench/results).",
                  ""]
    lines += ["Generated by `make bench` (tools/testing/vm/bench.sh, "
              "bench/report.py); "
              "bench/README.md describes the method.  Metric A: guest "
              "instructions per operation under `-icount shift=0`, one "
              "vCPU, median of the runs after dropping two warm-up runs, "
              "minus the same loop without allocation.  Metric B: wall time "
              f"under multi-threaded TCG, 2 vCPUs, {nb} boot"
              f"{'s' if nb != 1 else ''}, quoted as ratios only.  "
              "Metric C: pages held.", ""]
    lines += ["## Targets"]
    groups = {}
    for group, desc, shown, value, limit in targets(res, kver):
        groups.setdefault(group, []).append(
            [desc, shown, fmt_limit(limit), verdict(value, limit)])
    for group, rows in groups.items():
        lines += ["", f"### {group}", ""]
        lines += table(["target", "measured", "limit", "verdict"], rows)
    a_boots = [b for b in ("ioa0", "ioa1")
               if any(k[0] == b for k in res.timed)]
    md_timed(res, lines, "pair", "Metric A: alloc+free pair loop",
             a_boots, ["pa", "kmalloc", "kmem_cache"], "kmalloc",
             "guest instructions per alloc+free pair")
    for order in ("lifo", "fifo", "random"):
        md_timed(res, lines, f"nn-{order}",
                 f"Metric A: N allocs then N frees, {order.upper()} order",
                 a_boots, ["pa", "kmalloc", "kmem_cache"], "kmalloc",
                 "guest instructions per object (one alloc and one free)",
                 show_n=True)
    md_timed(res, lines, "replay", "Metric A: trace replay", a_boots,
             ["pa", "kmalloc"], "kmalloc",
             "guest instructions per trace line (an alloc or a free); "
             "objects the trace never frees are freed after the timing")
    md_timed(res, lines, "medium", "Metric A: medium requests", a_boots,
             ["pa", "kmalloc", "kvmalloc"], ["kmalloc", "kvmalloc"],
             "guest instructions per alloc+free pair; kmalloc takes whole "
             "pages above its largest cache, kvmalloc tries contiguous "
             "pages first and falls back to vmalloc")
    md_timed(res, lines, "bulk", "Metric A: bulk calls", a_boots,
             ["pa", "kmem_cache"], "kmem_cache",
             "guest instructions per object (its share of one bulk alloc "
             "and one bulk free of N objects); pa: pa_alloc_bulk() of the "
             "default pool and pa_free_bulk(), kmem_cache: "
             "kmem_cache_alloc_bulk() and kmem_cache_free_bulk() of a "
             "cache of that size", show_n=True, n_label="N per call")
    md_timed(res, lines, "large", "Metric A: large requests", a_boots,
             ["pa", "vmalloc"], "vmalloc",
             "guest instructions per alloc+free pair")
    md_smp(res, lines, "pc", "Metric B: producer on CPU 0, consumer on CPU 1",
           ["pa", "kmalloc", "kmem_cache"], "batch")
    # pa_cpu: a pool per CPU, no run or class lock shared between the CPUs.
    md_smp(res, lines, "allcpu", "Metric B: all CPUs at once",
           ["pa", "pa_cpu", "kmalloc", "kmem_cache"], "batch")
    write_memory(res, lines)
    for b in a_boots:
        r = res.timed.get((b, "A", "pair", 1, "64", "none"))
        if r:
            lines += ["", f"Loop overhead ({b}): {r['median'] / r['ops']:.1f}"
                      " instructions per pair-loop iteration (allocator "
                      "none, clock reads included), subtracted from every "
                      "Metric A figure above."]
    if res.errors:
        lines += ["", "## Errors", ""] + [f"- `{e}`" for e in res.errors]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return lines


def write_memory(res, lines):
    wls = sorted({k[0] for k in res.mem}, key=lambda w: size_key(w[1:]))
    if not wls:
        return
    lines += ["", "### Metric C: pages held against bytes requested", ""]
    rows = []
    for wl in wls:
        for alloc in ("pa", "kmalloc"):
            held = res.mem.get((wl, alloc, "held"), {})
            req = int(held.get("requested", 0))
            row = [f"uniform 1..{wl[1:]}", alloc, held.get("live", "-"),
                   str(req)]
            for phase in ("held", "freed", "busy", "dropped"):
                f = res.mem.get((wl, alloc, phase), {})
                key = "pa_pages" if alloc == "pa" else "slab_delta"
                row.append(f.get(key, "-"))
            pages = float(held.get("pa_pages" if alloc == "pa"
                                   else "slab_delta", 0) or 0)
            row.append(fmt(pages * 4096 / req, 3) if req else "-")
            meta = held.get("slab_delta") if alloc == "pa" else None
            row.append(meta if meta is not None else "")
            rows.append(row)
    lines += table(["workload", "allocator", "objects", "bytes requested",
                    "pages at peak", "pages just after freeing all",
                    "after ~6 s busy", "after drop_caches",
                    "bytes held / requested at peak",
                    "kmalloc slab pages during pa run (its metadata)"],
                   rows)
    lines += ["", "pool_alloc: `pa_pool_stats().pages_held` of a pool the "
              "bench creates.  kmalloc: change in the pages of the "
              "kmalloc-* slab caches in /proc/slabinfo (num_slabs x "
              "pagesperslab) since before the workload.  The after-freeing "
              "target is judged on the \"after ~6 s busy\" column: idle "
              "per-CPU caches are flushed by the deferrable reaper only "
              "while their CPU is busy."]


def write_csv(res, kver, path):
    with open(path, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["kernel", "boot", "metric", "case", "n", "size", "alloc",
                    "ops", "median_ns", "baseline_ns", "per_op", "unit",
                    "ratio_vs_ref", "runs_ns"])
        for key in sorted(res.timed, key=lambda k: (k[0], k[1], k[2], k[3],
                                                    size_key(k[4]), k[5])):
            boot, metric, case, n, size, alloc = key
            r = res.timed[key]
            ref = {"large": "vmalloc",
                   "bulk": "kmem_cache"}.get(case, "kmalloc")
            rv = ratio(r["per_op"], res.per_op(boot, metric, case, n, size,
                                               ref)) if alloc == "pa" else None
            unit = "insn" if metric == "A" else "ns"
            w.writerow([kver, boot, metric, case, n, size, alloc, r["ops"],
                        r["median"], r["base"], f"{r['per_op']:.2f}", unit,
                        fmt_ratio(rv) if rv else "",
                        " ".join(str(x) for x in r["ns"])])
        for (wl, alloc, phase), fields in sorted(res.mem.items()):
            w.writerow([kver, "smp", "C", wl, fields.get("live", ""), "mixed",
                        alloc, "", "", "", fields.get(
                            "pa_pages" if alloc == "pa" else "slab_delta",
                            ""), "pages", "", phase])


def plot(res, outdir, kver):
    """pair-cost.png, medium-cost.png and large-cost.png, with gnuplot."""
    made = []
    pair_max = res.small_max() or SMALL_MAX_DEFAULT
    for case, png, allocs, ref, target, title in (
            ("pair", "pair-cost.png", ["pa", "kmalloc", "kmem_cache"],
             "kmalloc", FASTPATH_LIMIT.get(series_of(kver), 0.5),
             "alloc+free pair loop"),
            ("medium", "medium-cost.png", ["pa", "kmalloc", "kvmalloc"],
             "kmalloc", MEDIUM_LIMIT, "medium alloc+free pairs"),
            ("large", "large-cost.png", ["pa", "vmalloc"], "vmalloc", 1.05,
             "large alloc+free pairs")):
        boots = [b for b in ("ioa0", "ioa1") if res.keys(b, "A", case)]
        if not boots:
            continue
        dat = os.path.join(outdir, f".{case}.dat")
        with open(dat, "w") as f:
            for b in boots:
                f.write(f"# {b}: size " + " ".join(allocs) + " ratio\n")
                for n, size in res.keys(b, "A", case):
                    if not size.isdigit():
                        continue
                    vals = [res.per_op(b, "A", case, n, size, a)
                            for a in allocs]
                    r = ratio(res.per_op(b, "A", case, n, size, "pa"),
                              res.per_op(b, "A", case, n, size, ref))
                    f.write(size + " " + " ".join(
                        "NaN" if v is None else f"{v:.2f}"
                        for v in vals + [r]) + "\n")
                f.write("\n\n")
        label = {"ioa0": "init_on_alloc=0", "ioa1": "init_on_alloc=1"}
        cost_panels, rplots = [], []
        for i, b in enumerate(boots):
            dash = 1 if b == "ioa0" else 2
            curves = [f"'{dat}' index {i} using 1:{j + 2} with linespoints "
                      f"dt {dash} lc {j + 1} pt 7 ps 0.6 "
                      f"title '{a} ({label[b]})'"
                      for j, a in enumerate(allocs)]
            cost_panels.append(curves)
            rplots.append(f"'{dat}' index {i} using 1:{len(allocs) + 2} "
                          f"with linespoints dt {dash} lc {i + 1} pt 7 "
                          f"ps 0.6 title 'pa/{ref} ({label[b]})'")
        if case == "pair":
            # One panel per boot: the init_on_alloc=1 costs grow with the
            # size and would flatten the init_on_alloc=0 ones.
            xset = (f"set xrange [0:{pair_max + pair_max // 32}]\n"
                    f"set xtics {256 * (pair_max // 4096 or 1)}\n")
            costs = "set yrange [0:*]\nset key bottom right\n" + "\n".join(
                f"set title 'cost, {label[b]}'\nplot " + ", ".join(c)
                for b, c in zip(boots, cost_panels)) + "\nset key top left"
            layout = f"{len(boots) + 1},1"
        else:
            xset = "set logscale x 2\nset format x '%.0b %BB'\n"
            costs = ("set logscale y\nset title 'cost'\nplot " +
                     ", ".join(c for p in cost_panels for c in p) +
                     "\nunset logscale y")
            layout = "2,1"
        height = 450 * (len(boots) + 1 if case == "pair" else 2)
        script = f"""
set terminal pngcairo size 1100,{height} font ',10' noenhanced
set output '{os.path.join(outdir, png)}'
set multiplot layout {layout} title 'pool_alloc benchmark, Metric A (guest instructions, icount): {title}'
set grid
set key top left
{xset}
set xlabel 'request size (bytes)'
set ylabel 'guest instructions per alloc+free'
{costs}
set key bottom right opaque
set title 'pa / {ref} (lower is better for pool_alloc)'
set ylabel 'pa / {ref}'
set yrange [0:*]
plot {', '.join(rplots)}, {target} with lines lc rgb 'red' dt 3 lw 2 title 'target {target}'
unset multiplot
"""
        subprocess.run(["gnuplot"], input=script, text=True, check=True)
        os.unlink(dat)
        made.append(png)
    return made


def main(argv):
    if len(argv) < 4:
        sys.exit(__doc__)
    outdir, kver = argv[1], argv[2]
    os.makedirs(outdir, exist_ok=True)
    res = Results()
    for arg in argv[3:]:
        boot, path = arg.split("=", 1)
        rows = read_log(path)
        with open(os.path.join(outdir, f"raw-{boot}.txt"), "w") as f:
            for _, _, text in rows:
                f.write(text + "\n")
        for kind, fields, text in rows:
            if kind != "#":
                res.add(boot, kind, fields, text)
    # Raw files of boots not given now (an earlier run with more boots).
    given = {arg.split("=", 1)[0] for arg in argv[3:]}
    for old in glob.glob(os.path.join(outdir, "raw-*.txt")):
        if os.path.basename(old)[4:-4] not in given:
            os.unlink(old)
    res.finish()
    write_csv(res, kver, os.path.join(outdir, "results.csv"))
    lines = write_markdown(res, kver, os.path.join(outdir, "results.md"))
    plot(res, outdir, kver)
    print("\n".join(lines))
    verdicts = [verdict(t[3], t[4]) for t in targets(res, kver)]
    print(f"\ntargets: {verdicts.count('MET')} met, "
          f"{verdicts.count('MISSED')} missed, "
          f"{verdicts.count('NOT RUN')} not run; files in {outdir}/")


if __name__ == "__main__":
    main(sys.argv)
