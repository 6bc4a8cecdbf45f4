#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# PID 1 of a vsvm test guest (see vm-run.sh).  The guest's root is the host's
# root, shared read-only over 9p; this script makes the writable places, loads
# the modules named in the job, runs the job's command, unloads the modules,
# collects the kernel log, kmemleak report and taint into the results share
# and powers off.  Everything the host needs to judge the run is in the
# results directory; this script never decides pass or fail itself.

export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp TERM=${TERM:-linux}
RES=/mnt/results

# Every program started here costs a noticeable fraction of a second under
# emulation, so checks use bash builtins where they can.

# mounted DIR: whether something is mounted on DIR.
mounted()
{
	local dir

	while read -r _ dir _; do
		[ "$dir" = "$1" ] && return 0
	done < /proc/mounts
	return 1
}

# mount_once TYPE DIR: mount a TYPE filesystem on DIR unless one is there.
mount_once()
{
	mounted "$2" || mount -t "$1" "$1" "$2"
}

mount_filesystems()
{
	# Always mount: through the 9p root, /proc shows the host's proc.
	mount -t proc proc /proc
	mount_once sysfs /sys
	mount_once devtmpfs /dev
	mkdir -p /dev/pts /dev/shm
	# What udev would add: bash process substitution needs /dev/fd.
	ln -sfn /proc/self/fd /dev/fd
	mount_once devpts /dev/pts
	mount_once tmpfs /dev/shm
	mount_once tmpfs /tmp
	mount_once tmpfs /run
	mount_once debugfs /sys/kernel/debug
	mount_once tracefs /sys/kernel/tracing
	mount_once tmpfs /mnt
	mkdir -p "$RES"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "$RES"
}

# The host's modules are of no use to this kernel: use ours.  The mount point
# exists on every host: setup.sh creates it if needed.
mount_modules()
{
	mount --bind "$VSVM_MODROOT/lib/modules" /lib/modules
}

kmemleak_ctl()
{
	[ -w /sys/kernel/debug/kmemleak ] && echo "$1" > /sys/kernel/debug/kmemleak
}

load_modules()
{
	local spec

	while read -r spec; do
		[ -n "$spec" ] || continue
		echo "vsvm-guest: modprobe $spec" > /dev/kmsg
		# shellcheck disable=SC2086
		modprobe $spec || return 1
	done < "$RES/modules"
}

module_loaded()
{
	grep -q "^${1//-/_} " /proc/modules
}

# Unload in reverse order; fails if a module is still there afterwards.
unload_modules()
{
	local spec mod ret=0

	while read -r spec; do
		mod=${spec%% *}
		[ -n "$mod" ] || continue
		module_loaded "$mod" && modprobe -r "$mod"
		if module_loaded "$mod"; then
			echo "vsvm-guest: module $mod did not unload" > /dev/console
			ret=1
		fi
	done < <(tac "$RES/modules")
	return $ret
}

run_job()
{
	cd "$VSVM_REPO" || return 1
	if [ "$VSVM_INTERACTIVE" = 1 ]; then
		echo "vsvm guest shell: the driver is loaded; exit the shell to power off."
		setsid -c bash -l < /dev/ttyS0 > /dev/ttyS0 2>&1
		return 0
	fi
	bash "$RES/command"
}

# kmemleak reports an object only when it is older than the minimum age (5 s)
# and unchanged since the previous scan: a scan records the checksum of each
# new object and keeps it grey.  So wait after the last module activity (the
# unload), then scan twice; with one scan, no leak is ever reported.
collect_kmemleak()
{
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	sleep 6
	kmemleak_ctl scan
	kmemleak_ctl scan
	cat /sys/kernel/debug/kmemleak > "$RES/kmemleak"
}

# The power-off is asynchronous.  Wait for it with a bash builtin: programs
# may no longer start from the root being torn down.  Should it never come,
# init exits, the kernel panics and the host reports the panic.
power_off()
{
	mkfifo /run/poweroff.wait
	echo o > /proc/sysrq-trigger
	read -r -t 30 <> /run/poweroff.wait
}

main()
{
	mount_filesystems
	# shellcheck disable=SC1091
	. "$RES/job.env"
	mount_modules
	echo 1 > /proc/sys/kernel/sysrq
	kmemleak_ctl clear

	if load_modules; then
		echo "vsvm-guest: running the command" > /dev/kmsg
		run_job > /dev/console 2>&1 < /dev/null
		echo $? > "$RES/status"
		unload_modules
		echo $? > "$RES/unload_status"
	else
		echo "vsvm-guest: loading modules failed" > /dev/console
		echo 125 > "$RES/status"
	fi

	echo "vsvm-guest: collecting results" > /dev/kmsg
	collect_kmemleak
	echo "vsvm-guest: done" > /dev/kmsg
	dmesg > "$RES/dmesg"
	cat /proc/sys/kernel/tainted > "$RES/tainted"
	sync
	umount "$RES"
	power_off
}

main
