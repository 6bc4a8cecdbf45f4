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

mount_filesystems()
{
	mount -t proc proc /proc
	mount -t sysfs sys /sys
	mount -t devtmpfs dev /dev
	mkdir -p /dev/pts /dev/shm
	mount -t devpts devpts /dev/pts
	mount -t tmpfs shm /dev/shm
	mount -t tmpfs tmp /tmp
	mount -t tmpfs run /run
	mount -t debugfs debugfs /sys/kernel/debug
	mount -t tmpfs mnt /mnt
	mkdir -p "$RES"
	mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results "$RES"
	# The host's modules are of no use to this kernel: use ours.
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

unload_modules()
{
	local spec mod ret=0

	while read -r spec; do
		mod=${spec%% *}
		[ -n "$mod" ] || continue
		if grep -q "^${mod//-/_} " /proc/modules; then
			modprobe -r "$mod" || ret=1
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

# Leaks are reported only for objects older than kmemleak's minimum age (5 s):
# wait that long after the last module activity before the final scan.
collect_kmemleak()
{
	[ -e /sys/kernel/debug/kmemleak ] || return 0
	sleep 6
	kmemleak_ctl scan
	kmemleak_ctl scan
	cat /sys/kernel/debug/kmemleak > "$RES/kmemleak"
}

main()
{
	mount_filesystems
	# shellcheck disable=SC1091
	. "$RES/job.env"
	echo 1 > /proc/sys/kernel/sysrq
	kmemleak_ctl clear

	if load_modules; then
		run_job > /dev/console 2>&1 < /dev/null
		echo $? > "$RES/status"
		unload_modules
		echo $? > "$RES/unload_status"
	else
		echo "vsvm-guest: loading modules failed" > /dev/console
		echo 125 > "$RES/status"
	fi

	collect_kmemleak
	dmesg > "$RES/dmesg"
	cat /proc/sys/kernel/tainted > "$RES/tainted"
	sync
	umount "$RES"
	echo o > /proc/sysrq-trigger
	sleep 10
}

main
