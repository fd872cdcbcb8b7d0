#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Checks that bench/report.py's verdicts can go either way.

Feeds report.py made-up result files, one where pool_alloc is cheaper than
every limit and others where it is dearer, at one size or in most boots, and
checks each verdict.  make bench runs it before booting anything; run it
alone with `python3 bench/report_test.py` (exit status 0: all passed).
"""
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import report  # noqa: E402  (after the path is set)

RUNS = 7
OPS = 1000
# What allocator "none" costs per run: subtracted from every Metric A figure.
LOOP = 23 * OPS


def r_line(metric, case, n, size, alloc, per_op, ops=OPS):
    base = LOOP if metric == "A" else 0
    ns = ",".join(str(int(per_op * ops + base)) for _ in range(RUNS))
    return (f"@@pab R metric={metric} case={case} n={n} size={size} "
            f"alloc={alloc} ops={ops} ns={ns}")


def metric_a(pa, small_max=8192, pair_sizes=(64, 512, 4096, 8192),
             pair_at=None):
    """Metric A lines with pa costing @pa times the reference everywhere,
    or pair_at[size] times kmalloc at the sizes it lists."""
    pair_at = pair_at or {}
    out = [f"@@pab I small_max={small_max}"]

    def case(metric_case, n, size, ref_allocs, ref_cost, factor):
        out.append(r_line("A", metric_case, n, size, "none", 0))
        out.append(r_line("A", metric_case, n, size, "pa",
                          factor * ref_cost))
        for a in ref_allocs:
            out.append(r_line("A", metric_case, n, size, a, ref_cost))

    for s in pair_sizes:
        case("pair", 1, s, ["kmalloc", "kmem_cache"], 200,
             pair_at.get(s, pa))
    for s in (4096, 8193, 32768, 65536):
        case("medium", 1, s, ["kmalloc", "kvmalloc"], 1000,
             pa * 4 if pa > 1 else pa)
    for n in (16, 128):
        for s in (64, 256, 1024):
            case("bulk", n, s, ["kmem_cache"], 100, pa)
    case("nn-random", 1000, 64, ["kmalloc", "kmem_cache"], 300, pa)
    case("replay", 1, "boot-busybox", ["kmalloc"], 100, pa)
    case("large", 1, 8192, ["vmalloc"], 5000, pa)
    return out


def metric_b(pa_ratios):
    """Metric B lines of one boot: pa costs @pa_ratios[i] times kmalloc
    at the i-th size."""
    out = []
    for case, n in (("pc", 1), ("allcpu", 100)):
        for s, r in zip((64, 256, 1024), pa_ratios):
            out.append(r_line("B", case, n, s, "pa", 400 * r, 500000))
            out.append(r_line("B", case, n, s, "kmalloc", 400, 500000))
            out.append(r_line("B", case, n, s, "kmem_cache", 400, 500000))
    return out


def metric_c(pa_pages, km_pages, busy_pages):
    return [f"@@pab C wl=u512 phase=held slab_pages=0 slab_delta=80 "
            f"alloc=pa pa_pages={pa_pages} live=100000 requested=1",
            f"@@pab C wl=u512 phase=busy slab_pages=0 slab_delta=80 "
            f"alloc=pa pa_pages={busy_pages}",
            f"@@pab C wl=u512 phase=held slab_pages=0 "
            f"slab_delta={km_pages} alloc=kmalloc live=100000 requested=1"]


def verdicts(tmp, kver, boots):
    """{description: verdict} of report.targets() over @boots, a dict of
    boot name -> result lines."""
    res = report.Results()
    for boot, lines in boots.items():
        path = os.path.join(tmp, boot + ".result")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        for kind, fields, text in report.read_log(path):
            if kind != "#":
                res.add(boot, kind, fields, text)
    res.finish()
    out = {}
    for _, desc, _, value, limit in report.targets(res, kver):
        out[desc] = report.verdict(value, limit)
    return out


FAILED = []


def expect(name, got, want, keys=None):
    """Every verdict (or those whose description holds one of @keys) is
    @want, the reported-only ones aside."""
    for desc, v in got.items():
        if keys and not any(k in desc for k in keys):
            continue
        if v == "reported":
            continue
        if v != want:
            FAILED.append(f"{name}: '{desc}' is {v}, expected {want}")


def main():
    k612, k61 = "6.12.118+deb12-amd64", "6.1.0-57-amd64"
    with tempfile.TemporaryDirectory() as tmp:
        good_b = {"smp": metric_b((0.8, 0.8, 0.8)) +
                  metric_c(600, 800, 64),
                  "smp2": metric_b((0.8, 0.9, 0.9))}
        # pa cheaper than every limit: all met, on both series.
        for kver in (k612, k61):
            a = metric_a(0.3)
            got = verdicts(tmp, kver, {"ioa0": a, "ioa1": a, **good_b})
            expect(f"cheap pa on {kver}", got, "MET")
            if any(v == "NOT RUN" for v in got.values()):
                FAILED.append(f"cheap pa on {kver}: a target was not run")
        # pa dearer than kmalloc everywhere: all missed.
        a = metric_a(2.0)
        got = verdicts(tmp, k612, {
            "ioa0": a, "ioa1": a,
            "smp": metric_b((1.5, 1.5, 1.5)) + metric_c(900, 800, 65)})
        expect("dear pa", got, "MISSED")
        # 0.40x kmalloc: within 6.12's fast-path limit, not within 6.1's.
        a = metric_a(0.3, pair_at={64: 0.4})
        expect("0.40 on 6.12", verdicts(tmp, k612, {"ioa0": a}), "MET",
               ["small_max"])
        expect("0.40 on 6.1", verdicts(tmp, k61, {"ioa0": a}), "MISSED",
               ["small_max"])
        # One bad size above small_max counts only when small_max covers it.
        a = metric_a(0.3, small_max=4096, pair_at={8192: 0.9})
        expect("8192 above small_max", verdicts(tmp, k612, {"ioa0": a}),
               "MET", ["small_max"])
        a = metric_a(0.3, small_max=8192, pair_at={8192: 0.9})
        expect("8192 within small_max", verdicts(tmp, k612, {"ioa0": a}),
               "MISSED", ["small_max"])
        # Metric B: one bad boot of three is outvoted by the median...
        boots = {"smp": metric_b((0.9, 0.9, 0.9)),
                 "smp2": metric_b((0.95, 0.95, 0.95)),
                 "smp3": metric_b((1.4, 1.4, 1.4))}
        expect("one bad boot", verdicts(tmp, k612, boots), "MET",
               ["median across boots"])
        # ...two of three are not, and the worst size decides.
        boots = {"smp": metric_b((0.9, 1.1, 0.9)),
                 "smp2": metric_b((0.9, 1.2, 0.9)),
                 "smp3": metric_b((0.9, 0.8, 0.9))}
        expect("two bad boots at 256 B", verdicts(tmp, k612, boots),
               "MISSED", ["median across boots"])
    for f in FAILED:
        print("FAIL " + f)
    print(f"report_test: {'failed' if FAILED else 'passed'}")
    return 1 if FAILED else 0


if __name__ == "__main__":
    sys.exit(main())
