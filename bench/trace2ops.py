#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn kmalloc/kfree events into a replayable trace.

Input (stdin): lines "a <ptr> <bytes_req>" and "f <ptr>", in event order, as
tools/testing/vm/guest/init-trace writes them from tracefs; other lines are
ignored.
Output (stdout): the trace format of pool_alloc_bench ("a <id> <size>",
"f <id>", '#' comments), each pointer's lifetime becoming a new id, so ids
are 0, 1, 2, ... in allocation order.

What the events do not tell is fixed up, and counted in the header:
  - a free of NULL or ZERO_SIZE_PTR (kfree() traces those too) is dropped;
  - a free of a pointer that is not live (allocated before tracing began)
    is dropped;
  - an allocation of a pointer that is still live means its free was not
    traced (kfree_rcu() frees in bulk, without kfree events): the old id is
    freed just before the new allocation;
  - a failed allocation (ptr 0) is dropped.
With --max-ops N the trace stops after N operations; objects still live at
the end are left live (the replay frees them after its timing).
"""
import argparse
import sys

# include/linux/slab.h: what kmalloc(0) returns; kfree() ignores it and NULL.
ZERO_SIZE_PTR = 16


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--max-ops", type=int, default=0,
                    help="stop after this many operations (0: all)")
    ap.add_argument("--source", default="",
                    help="where the events come from, for the header")
    args = ap.parse_args()

    live = {}           # ptr -> id
    ops = []
    next_id = 0
    dropped_frees = null_frees = implicit_frees = failed = events = 0
    sizes = {}
    for line in sys.stdin:
        f = line.split()
        if len(f) < 2 or f[0] not in ("a", "f"):
            continue
        if args.max_ops and len(ops) >= args.max_ops:
            break
        events += 1
        ptr = int(f[1], 16)
        if f[0] == "a":
            if len(f) < 3:
                continue
            if ptr == 0:
                failed += 1
                continue
            if ptr in live:
                ops.append(f"f {live.pop(ptr)}")
                implicit_frees += 1
            size = int(f[2])
            live[ptr] = next_id
            ops.append(f"a {next_id} {size}")
            sizes[size] = sizes.get(size, 0) + 1
            next_id += 1
        else:
            if ptr <= ZERO_SIZE_PTR:
                null_frees += 1
                continue
            if ptr not in live:
                dropped_frees += 1
                continue
            ops.append(f"f {live.pop(ptr)}")
    if args.max_ops:
        ops = ops[:args.max_ops]
    allocs = sum(1 for o in ops if o[0] == "a")
    frees = len(ops) - allocs
    total = sum(k * v for k, v in sizes.items())
    out = sys.stdout
    out.write("# pool_alloc_bench allocation trace: 'a <id> <size>' "
              "allocates, 'f <id>' frees\n")
    if args.source:
        out.write(f"# source: {args.source}\n")
    out.write(f"# made by bench/trace2ops.py from {events} kmem events\n")
    out.write(f"# {len(ops)} operations: {allocs} allocations, {frees} "
              f"frees, {allocs - frees} left live at the end\n")
    out.write(f"# dropped: {null_frees} frees of NULL, {dropped_frees} "
              f"frees of pointers allocated before tracing, {failed} failed "
              f"allocations; added: {implicit_frees} untraced frees\n")
    if allocs:
        big = sum(v for k, v in sizes.items() if k > 4096)
        out.write(f"# mean request {total / max(1, sum(sizes.values())):.0f}"
                  f" bytes; {big} requests above 4096 bytes\n")
    out.write("\n".join(ops) + "\n")


if __name__ == "__main__":
    main()
