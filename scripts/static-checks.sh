#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static-checks.sh KERNEL_DIR RESULTS_FILE: the kernel's own style, doc and
# build checks on the driver and its uAPI, using the tools of the cached
# kernel tree.  Appends "PASS|FAIL name" lines to RESULTS_FILE and prints the
# findings of every failed check.

set -uo pipefail
. "$(dirname "$0")/lib.sh"

KDIR=${1:?usage: static-checks.sh KERNEL_DIR RESULTS_FILE}
RESULTS=${2:?usage: static-checks.sh KERNEL_DIR RESULTS_FILE}
TREE="$KDIR/linux"

record()
{
	local name=$1 log=$2

	if [ -s "$log" ]; then
		echo "FAIL $name" >> "$RESULTS"
		vsvm_log "FAIL: $name"
		sed 's/^/    /' "$log" >&2
	else
		echo "PASS $name" >> "$RESULTS"
	fi
}

# Driver and uAPI sources, relative to the repository.  Listed with find,
# not git: a copy of the tree (harness-selftest.sh) is no git checkout.
driver_files()
{
	(cd "$VSVM_REPO" && find drivers/gpu/drm/vsvm include/uapi/drm/vsvm_drm.h \
		-type f \( -name '*.[ch]' -o -name Kconfig -o -name Makefile \) |
		sort)
}

source_files()
{
	driver_files | grep -E '\.[ch]$'
}

check_checkpatch()
{
	local file log=$(mktemp)

	for file in $(driver_files); do
		(cd "$VSVM_REPO" && "$TREE/scripts/checkpatch.pl" --strict \
			--no-tree --show-types --quiet --no-summary -f "$file") \
			>> "$log" 2>&1
	done
	record "checkpatch --strict" "$log"
	rm -f "$log"
}

check_kernel_doc()
{
	local file log=$(mktemp)

	for file in $(source_files); do
		"$TREE/scripts/kernel-doc" -none -Wall "$VSVM_REPO/$file" \
			>> "$log" 2>&1
	done
	record "kernel-doc -Wall" "$log"
	rm -f "$log"
}

# Every "kernel-doc::" directive of the documentation must produce text.
check_doc_directives()
{
	"$VSVM_REPO/scripts/check-docs.sh" "$TREE" > "$1" 2>&1 || true
}

# A clean rebuild of the modules with W=1 and sparse on every file; any
# warning fails.  Compiler and sparse output both go to the log.
check_build_warnings()
{
	local log=$(mktemp) out=$(mktemp)

	"$VSVM_REPO/scripts/build-kernel.sh" debug > /dev/null 2>&1
	find "$TREE/drivers/gpu/drm/vsvm" -name '*.o' -delete
	# shellcheck disable=SC2086
	make -C "$TREE" -j"$VSVM_JOBS" W=1 C=2 \
		$VSVM_MODULE_TARGETS > "$out" 2>&1
	grep -E 'warning|error|\bnote:' "$out" > "$log"
	record "W=1 + sparse build" "$log"
	rm -f "$log" "$out"
}

main()
{
	local doclog=$(mktemp)

	[ "$(source_files | wc -l)" -gt 0 ] ||
		vsvm_die "static checks: no driver source found in $VSVM_REPO"

	check_checkpatch
	check_kernel_doc
	check_doc_directives "$doclog"
	record "documentation directives" "$doclog"
	rm -f "$doclog"
	check_build_warnings
}

main
