#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: from a fresh Debian 12 machine, install what is missing, build the
# kernel and userspace, boot a guest with two vsvm devices and show them.

set -euo pipefail
. "$(dirname "$0")/lib.sh"

FLAVOUR=${FLAVOUR:-debug}

vsvm_phase "setup" "$VSVM_REPO/scripts/setup.sh"
vsvm_phase "$FLAVOUR kernel" "$VSVM_REPO/scripts/build-kernel.sh" "$FLAVOUR" > /dev/null
vsvm_phase "userspace" make -s -C "$VSVM_REPO/userspace" OUT="$VSVM_REPO/build/userspace"
"$VSVM_REPO/scripts/vm-run.sh" --flavour "$FLAVOUR" --timeout 600 \
	--modprobe "vsvm num_devices=2 vram_size_mb=512" \
	-- scripts/guest-demo.sh "$VSVM_REPO/build"
