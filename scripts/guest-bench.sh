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

# hmm-tests' benchmark_thp_migration: test_hmm's migration of 512 KiB to
# 256 MiB, with and without THP, within the harness's 120 s.  make check
# leaves it out, as a timing run; here it runs on the release kernel, and a
# miss of its limit shows as "not ok" in hmm-benchmark.txt and in the log.
run_hmm_benchmark()
{
	local bin="${BUILD}/bench/hmm-tests/hmm-tests"

	banner "hmm-tests benchmark_thp_migration"
	if [ ! -x "$bin" ]; then
		echo "guest-bench: no $bin"
		return
	fi
	"$bin" -r hmm.hmm_device_private.benchmark_thp_migration 2>&1 |
		tee "$OUT/hmm-benchmark.txt"
	echo "guest-bench: hmm-tests exited with ${PIPESTATUS[0]}"
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
	run_hmm_benchmark
	return "$rc"
}

main "$@"
