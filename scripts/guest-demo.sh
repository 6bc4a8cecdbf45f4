#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-demo.sh BUILD_DIR: what "make demo" shows inside the guest.
#
# vsvm-draw's picture goes to $VSVM_RESULTS, the results directory that the
# host keeps (see vm-run.sh): the guest's root, build/ included, is the
# host's root shared read-only, and its /tmp is a tmpfs that dies with it.

set -euo pipefail

BUILD=${1:?usage: guest-demo.sh BUILD_DIR}

banner()
{
	printf '\n=== %s ===\n' "$*"
}

# Where the picture can be written: the kept results directory when run by
# vm-run.sh, otherwise the build directory if it is writable, or /tmp.
picture_dir()
{
	if [ -n "${VSVM_RESULTS:-}" ]; then
		echo "$VSVM_RESULTS"
	elif [ -w "$BUILD" ]; then
		echo "$BUILD"
	else
		echo /tmp
	fi
}

# print_counters: every device's vsvm_counters, or why there are none.
print_counters()
{
	local file found=0

	for file in /sys/kernel/debug/dri/vsvm.*/vsvm_counters; do
		[ -r "$file" ] || continue
		grep -H . "$file" || echo "$file: empty"
		found=1
	done
	[ $found = 1 ] || echo "no vsvm_counters file in /sys/kernel/debug/dri/vsvm.*"
}

banner "kernel"
uname -r
banner "vsvm module parameters"
grep -H . /sys/module/vsvm/parameters/*
banner "DRM nodes"
ls -l /dev/dri/
banner "vsvm-info (libvsvm, DRM_IOCTL_VSVM_QUERY)"
"$BUILD/userspace/vsvm-info"
banner "debugfs: /sys/kernel/debug/dri/vsvm.*/vsvm_info"
grep -H . /sys/kernel/debug/dri/vsvm.*/vsvm_info
banner "vsvm-draw (SVM: the GPU draws into malloc()ed memory)"
picture="$(picture_dir)/vsvm-draw.png"
"$BUILD/userspace/vsvm-draw" "$picture"
banner "debugfs: /sys/kernel/debug/dri/vsvm.*/vsvm_counters"
print_counters
