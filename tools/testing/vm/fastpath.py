#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the fast path's instructions go: record and explain one pa_alloc()
and the pa_free() of its block, instruction by instruction.

Two halves, run by tools/testing/vm/fastpath.sh (`make fastpath`):

  gdb -batch -x fastpath.py      (record) inside gdb, attached to the qemu
                                 gdbstub of a stock kernel running the bench
                                 module's pa pair loop: single-steps one
                                 pa_alloc() of each size and the pa_free() of
                                 the block it returned, into whatever they
                                 call, and writes every executed instruction.
  fastpath.py report ...         names each instruction's step from the
                                 module's debug information (the chain of
                                 inlined functions, innermost first, and the
                                 source line) or the guest's kallsyms, and
                                 prints the per-step table.

Single steps run with interrupts and timers masked (qemu's default for its
gdbstub), so the trace is the path itself: the same instructions that the
icount bench counts for one pair, less the bench loop.
"""
import collections
import os
import re
import subprocess
import sys

# ---- record (inside gdb) -------------------------------------------------

# A breakpoint is hit this many times before the traced call: the warm-up
# calls fill the per-CPU cache, so the traced one is a steady-state pair.
WARMUP_HITS = 50
# Pairs traced per size; the report keeps the shortest trace of each call.
# A call may meet a reschedule that the tick left pending (the traced ones
# often do: guest time passes while gdb tests its breakpoint's condition).
# The preempt_enable() that ends its section then takes its branch to the
# scheduler, a no-op under preempt=voluntary: two instructions that are
# not the path, shown apart and left out of the total (pending_resched()).
REPEATS = 3
# No fast path comes near this; a runaway step loop ends here.
MAX_STEPS = 3000


def record(gdb, env):
    """Trace the calls named by the environment; write them to PA_FP_OUT."""
    text = int(env["PA_FP_TEXT"], 16)
    alloc = text + int(env["PA_FP_ALLOC"], 16)
    free = text + int(env["PA_FP_FREE"], 16)
    sizes = [int(s) for s in env["PA_FP_SIZES"].split(",")]
    gdb.execute("set pagination off")
    gdb.execute("set confirm off")
    gdb.execute("set architecture i386:x86-64")
    gdb.execute("target remote 127.0.0.1:%s" % env["PA_FP_PORT"])

    def reg(name):
        return int(gdb.parse_and_eval("$" + name)) & (2**64 - 1)

    def run_to(addr, cond):
        bp = gdb.Breakpoint("*0x%x" % addr, internal=True)
        bp.condition = cond
        bp.ignore_count = WARMUP_HITS
        gdb.execute("continue")
        bp.delete()
        if reg("pc") != addr:
            raise RuntimeError("stopped at 0x%x, not 0x%x" % (reg("pc"), addr))

    def step_call(out, what, size):
        """Single-step the call just entered until it returns."""
        sp, last = reg("rsp"), None
        ret = int(gdb.parse_and_eval("*(unsigned long *)$rsp")) & (2**64 - 1)
        for _ in range(MAX_STEPS):
            pc = reg("pc")
            if pc == ret and reg("rsp") > sp:
                return
            insn = gdb.execute("x/i $pc", to_string=True)
            insn = insn.split(":", 1)[1].strip() if ":" in insn else insn
            insn = insn.strip()
            # A step that did not move (qemu sometimes reports one) is
            # no instruction, but for a rep-prefixed one's iterations.
            if pc != last or insn.startswith("rep"):
                out.write("%s %d 0x%x %s\n" % (what, size, pc, insn))
            last = pc
            gdb.execute("stepi", to_string=True)
        raise RuntimeError("%s of %d: no return in %d steps" %
                           (what, size, MAX_STEPS))

    with open(env["PA_FP_OUT"], "w") as out:
        for size in sizes:
            for rep in range(REPEATS):
                run_to(alloc, "$rdi == %d" % size)
                step_call(out, "alloc%d" % rep, size)
                block = reg("rax")
                run_to(free, "$rdi == 0x%x" % block)
                step_call(out, "free%d" % rep, size)
    gdb.execute("kill")


# ---- report --------------------------------------------------------------

# Steps, in the order the table lists them.  A module instruction belongs to
# the first rule that matches, tried from the innermost inlined function
# outwards: (function, regex on its source line or None, step).
STEPS = [
    "might_alloc()",
    "bound check (size, hooks)",
    "class lookup",
    "preemption off/on",
    "per-CPU cache pointer",
    "busy mark",
    "cache stack push/pop",
    "state entry write (alloc)",
    "counters",
    "zeroing/init_on_alloc/free",
    "sanitizer and debug glue",
    "lookup on free (run map)",
    "state entry (free)",
    "claim (xchg)",
    "static branches",
    "call, prologue, epilogue, ret",
]

RULES = [
    ("might_alloc", None, "might_alloc()"),
    ("might_resched", None, "might_alloc()"),
    ("might_sleep", None, "might_alloc()"),
    ("fs_reclaim_acquire", None, "might_alloc()"),
    ("alloc_default", r"might_alloc", "might_alloc()"),
    ("alloc_pool_block", r"might_alloc", "might_alloc()"),
    ("alloc_default", r"pa_entry_bound|size - 1", "bound check (size, hooks)"),
    ("alloc_pool_block", r"small_max", "bound check (size, hooks)"),
    ("pa_class_for", None, "class lookup"),
    ("__preempt_count_add", None, "preemption off/on"),
    ("__preempt_count_sub", None, "preemption off/on"),
    ("__preempt_count_dec_and_test", None, "preemption off/on"),
    ("preempt_count_add", None, "preemption off/on"),
    ("preempt_count_sub", None, "preemption off/on"),
    (None, r"preempt_(disable|enable)", "preemption off/on"),
    (None, r"this_cpu_ptr|raw_cpu_ptr", "per-CPU cache pointer"),
    ("pa_cache_claim", None, "busy mark"),
    ("pa_cache_release", None, "busy mark"),
    ("pa_run_entry_store", None, "state entry write (alloc)"),
    ("pa_cache_pop", r"requested|frees", "counters"),
    ("pa_cache_push", r"requested|frees", "counters"),
    ("pa_cache_pop", None, "cache stack push/pop"),
    ("pa_cache_push", None, "cache stack push/pop"),
    ("pa_cache_put", r"PA_CACHE_SIZE|count", "cache stack push/pop"),
    ("pa_cache_alloc", r"count", "cache stack push/pop"),
    ("pa_cache_zero", None, "zeroing/init_on_alloc/free"),
    ("want_init_on_alloc", None, "zeroing/init_on_alloc/free"),
    ("want_init_on_free", None, "zeroing/init_on_alloc/free"),
    ("pa_cache_hand_out", r"init_on|zero", "zeroing/init_on_alloc/free"),
    ("pa_cache_take_back", r"init_on|zero", "zeroing/init_on_alloc/free"),
    ("pa_cache_hand_out", None, "sanitizer and debug glue"),
    ("pa_cache_take_back", None, "sanitizer and debug glue"),
    (None, r"pa_sanitize|kasan|kmemleak", "sanitizer and debug glue"),
    ("pa_cache_nmi_defers", None, "sanitizer and debug glue"),
    ("pa_map_index", None, "lookup on free (run map)"),
    ("pa_map_covers", None, "lookup on free (run map)"),
    ("pa_map_run", None, "lookup on free (run map)"),
    ("pa_map_lookup", None, "lookup on free (run map)"),
    ("pa_cache_do_free", r"pa_map|!run|runp", "lookup on free (run map)"),
    ("pa_run_block_index", None, "state entry (free)"),
    ("pa_run_entry", None, "state entry (free)"),
    ("pa_cache_do_free", r"!state|pa_run_entry\(", "state entry (free)"),
    ("pa_run_entry_claim", None, "claim (xchg)"),
    ("pa_cache_do_free", r"requested", "claim (xchg)"),
    (None, r"static_branch|static_key|_enabled\(\)", "static branches"),
    ("arch_static_branch", None, "static branches"),
    ("arch_static_branch_jump", None, "static branches"),
]

# Kernel functions a path calls, by symbol (kallsyms): what they are for.
KERNEL = [
    (r"^(__cond_resched|__SCT__might_resched|dynamic_might_resched|"
     r"__might_resched|__might_sleep|might_resched)", "might_alloc()"),
    (r"preempt_schedule", "preemption off/on"),
    (r"return_thunk|retbleed|srso|untrain_ret|call_depth|__x86_indirect",
     "call, prologue, epilogue, ret"),
    (r"^__fentry__|^ftrace", "call, prologue, epilogue, ret"),
]


def addr2line(ko, offsets):
    """Inline chains of .text offsets: [[(function, file, line), ...], ...]."""
    if not offsets:
        return []
    p = subprocess.run(["addr2line", "-j", ".text", "-f", "-i", "-a", "-e", ko]
                       + ["0x%x" % o for o in offsets],
                       capture_output=True, text=True, check=True)
    chains, chain, fn = [], None, None
    for line in p.stdout.splitlines():
        if re.match(r"^0x[0-9a-f]+$", line):
            chain = []
            chains.append(chain)
        elif fn is None:
            fn = line
        else:
            path, _, num = line.rpartition(":")
            num = re.sub(r"\D.*", "", num)
            chain.append((fn, path, int(num) if num else 0))
            fn = None
    return chains


_sources = {}


def source_line(path, num):
    if path not in _sources:
        try:
            with open(path, errors="replace") as f:
                _sources[path] = f.read().splitlines()
        except OSError:
            _sources[path] = []
    lines = _sources[path]
    return lines[num - 1] if 0 < num <= len(lines) else ""


def classify_module(chain):
    for fn, path, num in chain:
        text = source_line(path, num)
        for rfn, rline, step in RULES:
            if rfn is not None and rfn != fn:
                continue
            if rline is not None and not re.search(rline, text):
                continue
            return step
    return "call, prologue, epilogue, ret"


def load_kallsyms(path):
    """The guest's text symbols, "ADDRESS NAME" a line, sorted."""
    syms = []
    with open(path) as f:
        for line in f:
            addr, name = line.split()[:2]
            syms.append((int(addr, 16), name))
    syms.sort()
    return syms


def kernel_symbol(syms, pc):
    lo, hi = 0, len(syms)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if syms[mid][0] <= pc:
            lo = mid
        else:
            hi = mid
    return syms[lo][1] if syms and syms[lo][0] <= pc else "?"


def classify_kernel(name):
    for rx, step in KERNEL:
        if re.search(rx, name):
            return step
    return "kernel: " + name


def text_size(ko):
    """The size of the module's .text section."""
    out = subprocess.run(["readelf", "-SW", ko], capture_output=True,
                         text=True, check=True).stdout
    m = re.search(r"\]\s+\.text\s+\S+\s+\S+\s+\S+\s+([0-9a-f]+)", out)
    return int(m.group(1), 16)


# Not the path: see REPEATS.  Shown, but left out of the total.
RESCHED = "pending reschedule (not in total)"


def pending_resched(rows):
    """Indexes of the rows that a pending reschedule added: after the
    conditional jump that ends preempt_enable()'s decrement, taken, until
    the path comes back to the instruction after that jump (it is at most
    six bytes long)."""
    out = set()
    i = 0
    while i < len(rows) - 1:
        what, size, pc, insn = rows[i]
        m = re.match(r"j\w+\s+0x([0-9a-f]+)", insn)
        prev = rows[i - 1][3] if i else ""
        if (m and prev.startswith("decl") and "%gs:" in prev and
                rows[i + 1][2] == int(m.group(1), 16) and
                rows[i + 1][0] == what):
            j = i + 1
            while (j < len(rows) and rows[j][0] == what and
                   not pc < rows[j][2] <= pc + 6):
                out.add(j)
                j += 1
            i = j
        else:
            i += 1
    return out


def report(args):
    """report KVER TRACE KO TEXT_HEX KALLSYMS [--detail] [--rst]"""
    kver, trace, ko, text, kallsyms = args[:5]
    detail = "--detail" in args
    text = int(text, 16)
    ko_size = text_size(ko)
    runs = collections.OrderedDict()
    with open(trace) as f:
        for line in f:
            what, size, pc, insn = line.rstrip("\n").split(" ", 3)
            runs.setdefault((what, int(size)), []).append((int(pc, 16), insn))
    # The shortest of the repeated traces of each call (see REPEATS).
    best = {}
    for (what, size), run in runs.items():
        key = (what.rstrip("0123456789"), size)
        if key not in best or len(run) < len(best[key]):
            best[key] = run
    rows = [(what, size, pc, insn)
            for (what, size), run in best.items() for pc, insn in run]
    resched = pending_resched(rows)
    offsets = sorted({pc - text for _, _, pc, _ in rows
                      if 0 <= pc - text < ko_size})
    chains = dict(zip(offsets, addr2line(ko, offsets)))
    syms = load_kallsyms(kallsyms)

    counts = collections.OrderedDict()
    sizes = []
    for i, (what, size, pc, insn) in enumerate(rows):
        if size not in sizes:
            sizes.append(size)
        off = pc - text
        if i in resched:
            step, where = RESCHED, "scheduler branch of preempt_enable()"
        elif off in chains:
            chain = chains[off]
            step = classify_module(chain)
            where = " < ".join("%s:%d" % (fn, num) for fn, _, num in chain)
        else:
            where = kernel_symbol(syms, pc)
            step = classify_kernel(where)
        if step not in STEPS:
            STEPS.append(step)
        key = (size, step, what)
        counts[key] = counts.get(key, 0) + 1
        if detail:
            print("%-5s %5d %-30s %-40s %s" % (what, size, step, insn, where))

    table = [["step"] + ["%d B" % s for s in sizes]]
    for step in STEPS:
        cells = []
        for s in sizes:
            a = counts.get((s, step, "alloc"), 0)
            b = counts.get((s, step, "free"), 0)
            cells.append("%d + %d" % (a, b) if a or b else "")
        if any(cells):
            table.append([step] + cells)
    tot = []
    for s in sizes:
        a = sum(v for (sz, st, w), v in counts.items()
                if sz == s and w == "alloc" and st != RESCHED)
        b = sum(v for (sz, st, w), v in counts.items()
                if sz == s and w == "free" and st != RESCHED)
        tot.append("**%d** (%d + %d)" % (a + b, a, b))
    table.append(["total"] + tot)

    title = ("Fast path of pool_alloc on %s: instructions of one pa_alloc() "
             "and the pa_free() of its block, per step (alloc + free)" % kver)
    if "--rst" in args:
        print(".. list-table:: %s" % title)
        print("   :header-rows: 1")
        print()
        for row in table:
            print("   * - %s" % row[0])
            for cell in row[1:]:
                print("     - %s" % cell if cell else "     -")
    else:
        print(title + ".")
        print()
        print("| " + " | ".join(table[0]) + " |")
        print("|---|" + "---|" * len(sizes))
        for row in table[1:]:
            print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    try:
        import gdb  # noqa: F401 (present only inside gdb)
    except ImportError:
        gdb = None
    if gdb is not None:
        try:
            record(gdb, os.environ)
        except Exception as e:  # gdb -batch would go on after a Python error
            sys.stderr.write("fastpath.py: %s\n" % e)
            gdb.execute("kill")
            sys.exit(1)
    elif len(sys.argv) >= 7 and sys.argv[1] == "report":
        report(sys.argv[2:])
    else:
        sys.exit(__doc__)
