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

# record NAME CHECK: run the function CHECK, which prints its findings; the
# check passes if it printed nothing.
record()
{
	local name=$1 log

	log=$(mktemp)
	"$2" > "$log" 2>&1
	if [ -s "$log" ]; then
		echo "FAIL $name" >> "$RESULTS"
		vsvm_log "FAIL: $name"
		sed 's/^/    /' "$log" >&2
	else
		echo "PASS $name" >> "$RESULTS"
	fi
	rm -f "$log"
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
	local file

	for file in $(driver_files); do
		(cd "$VSVM_REPO" && "$TREE/scripts/checkpatch.pl" --strict \
			--no-tree --show-types --quiet --no-summary -f "$file")
	done
}

check_kernel_doc()
{
	local file

	for file in $(source_files); do
		"$TREE/scripts/kernel-doc" -none -Wall "$VSVM_REPO/$file"
	done
}

# Every "kernel-doc::" directive of the documentation must produce text.
check_doc_directives()
{
	"$VSVM_REPO/scripts/check-docs.sh" "$TREE"
}

# A clean rebuild of the modules with W=1 and sparse on every file; any
# warning fails.  Compiler and sparse output both count.
check_build_warnings()
{
	local out

	out=$(mktemp)
	find "$TREE/drivers/gpu/drm/vsvm" -name '*.o' -delete
	# shellcheck disable=SC2086
	if ! make -C "$TREE" -j"$VSVM_JOBS" W=1 C=2 \
		$VSVM_MODULE_TARGETS > "$out" 2>&1; then
		echo "the W=1 + sparse build failed:"
		tail -n 30 "$out"
	fi
	grep -E 'warning|error|\bnote:' "$out"
	rm -f "$out"
}

# The project's shell scripts, with shellcheck at warning level.
check_shellcheck()
{
	(cd "$VSVM_REPO" && shellcheck -x -S warning scripts/*.sh .ci/run)
}

main()
{
	[ "$(source_files | wc -l)" -gt 0 ] ||
		vsvm_die "static checks: no driver source found in $VSVM_REPO"

	record "checkpatch --strict" check_checkpatch
	record "kernel-doc -Wall" check_kernel_doc
	record "documentation directives" check_doc_directives
	record "W=1 + sparse build" check_build_warnings
	record "shellcheck scripts" check_shellcheck
}

main
