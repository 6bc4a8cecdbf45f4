#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# demo.sh: from a fresh Debian 12 machine, install what is missing, build the
# kernel and userspace, boot a guest with two vsvm devices, show them and
# have one draw a picture (build/demo/out/vsvm-draw.png).

set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

FLAVOUR=${FLAVOUR:-debug}
# The guest run's results; the guest writes the picture to its out/.
RESULTS="$VSVM_REPO/build/demo"
PICTURE="$RESULTS/out/vsvm-draw.png"

vsvm_phase "setup" "$VSVM_REPO/scripts/setup.sh"
vsvm_phase "$FLAVOUR kernel" "$VSVM_REPO/scripts/build-kernel.sh" "$FLAVOUR" > /dev/null
vsvm_phase "userspace" make -s -C "$VSVM_REPO/userspace" OUT="$VSVM_REPO/build/userspace"
"$VSVM_REPO/scripts/vm-run.sh" --flavour "$FLAVOUR" --timeout 600 \
	--results "$RESULTS" \
	--modprobe "vsvm num_devices=2 vram_size_mb=512" \
	-- scripts/guest-demo.sh "$VSVM_REPO/build"
if [ -f "$PICTURE" ]; then
	vsvm_log "the picture the GPU drew: $PICTURE"
else
	vsvm_die "the guest wrote no picture ($PICTURE)"
fi
