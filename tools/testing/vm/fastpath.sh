#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# `make fastpath [KERNEL=6.1|6.12]`: where the instructions of pa_alloc() and
# pa_free() go on a stock Debian kernel, step by step.  Builds pool_alloc and
# its bench module against the kernel's headers, boots the kernel under qemu
# with a gdbstub, and lets gdb single-step one steady-state pa_alloc() of
# each size and the pa_free() of its block (fastpath.py records), then names
# each instruction's step from the module's debug information and prints
# the table (fastpath.py report) that Documentation/pool_alloc.rst, "Where
# the fast path's instructions go", shows.  Every executed instruction is
# counted, the kernel's included (might_resched(), the return thunk): the
# total is one pair of Metric A (bench/README.md) less the loop.
#
# Output: build/logs/fastpath-<kernel release>.{md,rst,trace,detail}: the
# table (Markdown, and reStructuredText for the Documentation), the raw
# trace, and every instruction with its step and inline chain.
# Knobs: FASTPATH_SIZES (comma-separated, default 64,512,4096).
set -eu
. "$(dirname "$0")/lib.sh"
PATH=$PATH:/sbin:/usr/sbin

command -v gdb >/dev/null || die "gdb is needed (apt-get install gdb)"
series=${KERNEL:-6.1}
kver=$(stock_series "$series")
[ -n "$kver" ] || die "no Debian $series kernel with headers in /boot (run make deps)"
sizes=${FASTPATH_SIZES:-64,512,4096}

mods=$(build_modules "/usr/src/linux-headers-$kver" "fastpath/$kver" W=1)
root="$mods/initramfs"
stage_busybox "$root" init-fastpath
mkdir -p "$root/modules"
cp "$mods/pool_alloc.ko" "$mods/bench/pool_alloc_bench.ko" "$root/modules/"
pack_initramfs "$root" "$root.cpio.gz"

name=fastpath-$kver
# A port of our own: several of these may run on one machine.
port=$((20000 + $$ % 20000))
# init_on_alloc=0, as the bench's targets are judged.  icount, as Metric A:
# without it, guest time ran on while gdb stepped and every traced
# preempt_enable() found a reschedule pending (fastpath.py shows what
# still does apart).
say "== booting $kver with a gdbstub on port $port (log build/logs/$name.log)"
# vm_run removes them too, but in the background: not a stale "ready".
mkdir -p "$logs"
rm -f "$logs/$name.log" "$logs/$name.result" "$logs/$name.trace"
vm_run -i -c 1 -m 1024 -t 900 -g "$port" \
	-a "quiet loglevel=3 init_on_alloc=0 pab_sizes=$sizes" \
	"$name" "/boot/vmlinuz-$kver" "$root.cpio.gz" 2>"$logs/$name.qemu" &
vm=$!

text=""
i=0
while [ $i -lt 600 ]; do
	if vm_result "$name" | grep -q '^@@pa: ready'; then
		text=$(vm_result "$name" | sed -n 's/^@@pa: text //p')
		break
	fi
	vm_result "$name" | grep -q '^@@pa: FAIL' && break
	kill -0 "$vm" 2>/dev/null || break
	sleep 1
	i=$((i + 1))
done
# stop_vm: end the VM (vm_run's timeout passes the signal on to qemu).
stop_vm() { pkill -TERM -P "$vm" 2>/dev/null || true; }
if [ -z "$text" ]; then
	stop_vm
	wait "$vm" || true
	cat "$logs/$name.qemu" >&2
	die "the guest did not get ready (build/logs/$name.log)"
fi

# The exported functions' offsets in .text of the module.
sym() { nm "$mods/pool_alloc.ko" | awk -v s="$1" '$3 == s && $2 ~ /[Tt]/ { print $1 }'; }
say "== stepping through pa_alloc() and pa_free() of $sizes B"
rc=0
PA_FP_PORT=$port PA_FP_TEXT=$text PA_FP_ALLOC=$(sym pa_alloc) \
	PA_FP_FREE=$(sym pa_free) PA_FP_SIZES=$sizes \
	PA_FP_OUT="$logs/$name.trace" \
	gdb -batch -nx -x "$vm_dir/fastpath.py" >"$logs/$name.gdb" 2>&1 || rc=$?
# gdb kills the VM when it is done; a VM gdb could not reach ends by timeout.
[ $rc = 0 ] || stop_vm
wait "$vm" || true
if [ $rc != 0 ] || [ ! -s "$logs/$name.trace" ]; then
	die "gdb failed (build/logs/$name.gdb)"
fi

vm_section "$name" kallsyms >"$logs/$name.kallsyms"
report() {
	python3 "$vm_dir/fastpath.py" report "$kver" "$logs/$name.trace" \
		"$mods/pool_alloc.ko" "$text" "$logs/$name.kallsyms" "$@"
}
report --detail >"$logs/$name.detail"
report --rst >"$logs/$name.rst"
report | tee "$logs/$name.md"
say "   per instruction: build/logs/$name.detail"
