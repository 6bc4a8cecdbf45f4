#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# static-checks.sh RESULTS_FILE: the kernel's own style, doc and build
# checks on the driver and its uAPI, using the tools of the debug kernel tree
# (built or brought up to date first), and shellcheck on the scripts.
# Appends "PASS|FAIL name" lines to RESULTS_FILE and prints the findings of
# every failed check.

set -uo pipefail
. "$(dirname "$0")/lib.sh"

RESULTS=${1:?usage: static-checks.sh RESULTS_FILE}
KDIR=$("$VSVM_REPO/scripts/build-kernel.sh" debug) ||
	vsvm_die "static checks: building the debug kernel failed"
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
	local file log

	log=$(mktemp)

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
	local file log

	log=$(mktemp)

	for file in $(source_files); do
		"$TREE/scripts/kernel-doc" -none -Wall "$VSVM_REPO/$file" \
			>> "$log" 2>&1
	done
	record "kernel-doc -Wall" "$log"
	rm -f "$log"
}

# The project's shell scripts, with shellcheck at warning level.
check_shellcheck()
{
	local log

	log=$(mktemp)
	(cd "$VSVM_REPO" && shellcheck -x -S warning scripts/*.sh .ci/run) \
		> "$log" 2>&1
	record "shellcheck scripts" "$log"
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
	local log out

	log=$(mktemp)
	out=$(mktemp)

	find "$TREE/drivers/gpu/drm/vsvm" -name '*.o' -delete
	# shellcheck disable=SC2086
	if ! make -C "$TREE" -j"$VSVM_JOBS" W=1 C=2 \
		$VSVM_MODULE_TARGETS > "$out" 2>&1; then
		echo "the W=1 + sparse build failed:" > "$log"
		tail -n 30 "$out" >> "$log"
	fi
	grep -E 'warning|error|\bnote:' "$out" >> "$log"
	record "W=1 + sparse build" "$log"
	rm -f "$log" "$out"
}

main()
{
	local doclog

	doclog=$(mktemp)

	[ "$(source_files | wc -l)" -gt 0 ] ||
		vsvm_die "static checks: no driver source found in $VSVM_REPO"

	check_checkpatch
	check_kernel_doc
	check_doc_directives "$doclog"
	record "documentation directives" "$doclog"
	rm -f "$doclog"
	check_build_warnings
	check_shellcheck
}

main
