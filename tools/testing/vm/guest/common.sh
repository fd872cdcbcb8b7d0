# SPDX-License-Identifier: GPL-2.0
# shellcheck shell=sh
#
# Sourced by every guest /init (busybox sh, PID 1).  The host reads the
# guest's "@@pa: ..." markers and its results from the second serial port,
# $pa_result (build/logs/NAME.result), where the kernel never prints, so
# console interleaving cannot break a line; the console (ttyS0) keeps the
# kernel's messages and a copy of the markers for whoever reads it.
# "@@pa: end" is written only when the script ran to completion, so a crash
# or hang is never mistaken for success.  No set -e: PID 1 must outlive a
# failing step to report it.

# Applet links are made here rather than at pack time so the initramfs needs
# nothing from the host but /bin/busybox.
/bin/busybox --install -s
export PATH=/sbin:/bin:/usr/sbin:/usr/bin

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t debugfs debugfs /sys/kernel/debug

# Write results with >"$pa_result", one redirection per command: the last
# close of a tty waits until its output is sent, so nothing is still queued
# when finish resets the machine.
pa_result=/dev/ttyS1
mark() {
	echo "@@pa: $*" >/dev/console
	echo "@@pa: $*" >"$pa_result"
}
fail() { mark "FAIL $*"; pa_failed=1; }
pa_failed=0

# at_finish: what a script must still report when it ends early (a hung
# step); an init script redefines it.
at_finish() { :; }

# PID 1 must not exit (the kernel would panic and the log would read as a
# crash): end every run the same way.  reboot -f resets the machine, which
# -no-reboot turns into a qemu exit; tinyconfig has no ACPI for poweroff.
finish() {
	at_finish
	if [ "$pa_failed" = 0 ]; then mark "result pass"; else mark "result fail"; fi
	mark end
	sync
	reboot -f
	sleep 60
}

# is_loaded NAME: whether /proc/modules lists the module.
is_loaded() { grep -q "^$1 " /proc/modules; }

# watched CMD...: run CMD and return its status, but give up on it after
# $pa_limit seconds (passed on the kernel command line; unknown parameters
# reach init's environment) so a hung test still ends in a readable report
# instead of the host's timeout.  While it runs, a line goes to /dev/kmsg every
# 30 s: besides showing progress, a new printk record finalizes KUnit's result
# lines, which lack a newline and would otherwise sit unprinted in the buffer.
watched() {
	"$@" &
	w_pid=$!
	w_secs=0
	while kill -0 "$w_pid" 2>/dev/null; do
		if [ "$w_secs" -ge "${pa_limit:-300}" ]; then
			echo "pool_alloc-vm: '$*' still running after ${w_secs}s" >/dev/kmsg
			fail "'$*' hung for ${w_secs}s"
			finish
		fi
		sleep 1
		w_secs=$((w_secs + 1))
		[ $((w_secs % 30)) != 0 ] ||
			echo "pool_alloc-vm: '$*' running for ${w_secs}s" >/dev/kmsg
	done
	wait "$w_pid"
}
