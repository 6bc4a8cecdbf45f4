#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-demo.sh BUILD_DIR: what "make demo" shows inside the guest.

set -euo pipefail

BUILD=${1:?usage: guest-demo.sh BUILD_DIR}

banner()
{
	printf '\n=== %s ===\n' "$*"
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
