#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-bench.sh BUILD_DIR [VSVM-BENCH OPTIONS...]: the in-guest part of
# "make bench", run by vm-run.sh with vsvm and test_hmm loaded.  Writes
# vsvm-bench's tables to $VSVM_RESULTS/bench.txt and its results to
# $VSVM_RESULTS/bench.json (the guest's root is the host's, read-only, and
# its /tmp dies with it; the results directory is what the host keeps).

set -uo pipefail

BUILD=${1:?usage: guest-bench.sh BUILD_DIR [VSVM-BENCH OPTIONS...]}
shift
OUT=${VSVM_RESULTS:-/tmp}
# shellcheck source=scripts/guest-lib.sh
. "$(dirname "$0")/guest-lib.sh"

banner()
{
	printf '\n=== %s ===\n' "$*"
}

hmm_nodes()
{
	vsvm_hmm_nodes 0 1 ||
		echo "guest-bench: test_hmm is not loaded: no test_hmm columns"
}

print_debugfs()
{
	local file

	for file in /sys/kernel/debug/dri/vsvm.*/vsvm_counters \
		    /sys/kernel/debug/dri/vsvm.*/vsvm_vram; do
		[ -r "$file" ] && grep -H . "$file"
	done
}

main()
{
	local rc

	banner "kernel"
	uname -r
	grep -H . /sys/module/vsvm/parameters/* \
		/sys/kernel/mm/transparent_hugepage/enabled
	grep -E 'MemTotal|MemAvailable' /proc/meminfo
	banner "vsvm-info"
	"$BUILD/userspace/vsvm-info"
	hmm_nodes
	ls -l /dev/hmm_dmirror* 2>/dev/null
	# Room for the huge pages the THP measurements ask for.
	[ ! -w /proc/sys/vm/compact_memory ] || echo 1 > /proc/sys/vm/compact_memory

	banner "vsvm-bench"
	"$BUILD/userspace/vsvm-bench" --json "$OUT/bench.json" "$@" |
		tee "$OUT/bench.txt"
	rc=${PIPESTATUS[0]}

	banner "debugfs after the benchmark"
	print_debugfs
	return "$rc"
}

main "$@"
