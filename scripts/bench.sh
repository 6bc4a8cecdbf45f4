#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [VSVM-BENCH OPTIONS...]: "make bench".  Boots the release kernel
# once with vsvm (1536 MiB of VRAM) and test_hmm loaded, runs vsvm-bench
# (userspace/bench/vsvm-bench.c) there, and leaves in build/bench/:
#
#   bench.txt    the tables, with ratios
#   bench.json   every result, with the driver's counters
#   bench.png    the plot (scripts/bench-plot.py)
#   hmm-benchmark.txt  hmm-tests' benchmark_thp_migration (test_hmm alone)
#   guest/       the guest run (console and kernel log; see vm-run.sh)
#
# Options are passed to vsvm-bench, e.g. --reps 3 --sizes 4K,2M,128M.  Needs
# the release kernel and libvsvm ("make bench" builds both first).
#
# Environment: VSVM_BENCH_MEM guest memory (default 8G: the 1 GiB migration
# needs four times its size besides the VRAM), VSVM_BENCH_VRAM_MB (1536),
# VSVM_BENCH_TIMEOUT seconds (5400).

set -euo pipefail
# shellcheck source=lib.sh source-path=SCRIPTDIR disable=SC1091
. "$(dirname "$0")/lib.sh"

OUT="$VSVM_REPO/build/bench"
# vm-run.sh empties its results directory: give it one of its own.
RESULTS="$OUT/guest"
MEM=${VSVM_BENCH_MEM:-8G}
VRAM_MB=${VSVM_BENCH_VRAM_MB:-1536}
TIMEOUT=${VSVM_BENCH_TIMEOUT:-5400}

KDIR=$(vsvm_kernel_dir release)
[ -f "$KDIR/built" ] ||
	vsvm_die "no release kernel: run make kernel-release (make bench does)"
[ -f "$VSVM_REPO/build/userspace/libvsvm.so.1" ] ||
	vsvm_die "no libvsvm: run make userspace (make bench does)"

# vsvm-bench takes test_hmm's ioctls from the release kernel's own tree.
vsvm_phase "vsvm-bench" make -s -C "$VSVM_REPO/userspace" \
	OUT="$VSVM_REPO/build/userspace" KERNEL_TREE="$KDIR/linux" bench

# hmm-tests' own THP migration benchmark, which make check leaves out, from
# the same tree (see guest-bench.sh); it sets its own limit, so the others'
# stays the harness's 30 s.
build_hmm_tests()
{
	vsvm_build_hmm_tests "$KDIR/linux" "$OUT/hmm-tests" 30
}
mkdir -p "$OUT"
vsvm_phase "hmm-tests" build_hmm_tests > "$OUT/hmm-tests-build.txt" 2>&1 ||
	vsvm_die "hmm-tests did not build: see $OUT/hmm-tests-build.txt"

rm -f "$OUT/bench.json" "$OUT/bench.txt" "$OUT/bench.png" \
	"$OUT/hmm-benchmark.txt"
rc=0
"$VSVM_REPO/scripts/vm-run.sh" --flavour release --mem "$MEM" \
	--timeout "$TIMEOUT" --results "$RESULTS" \
	--modprobe "vsvm vram_size_mb=$VRAM_MB job_timeout_ms=600000" \
	--modprobe test_hmm \
	-- scripts/guest-bench.sh "$VSVM_REPO/build" "$@" || rc=$?

for file in bench.json bench.txt hmm-benchmark.txt; do
	[ ! -f "$RESULTS/out/$file" ] || cp "$RESULTS/out/$file" "$OUT/"
done
[ -f "$OUT/bench.json" ] || vsvm_die "the guest wrote no results (see $RESULTS)"
# Debian's matplotlib lives with Debian's python, whatever python3 is first
# in PATH.
vsvm_phase "plot" /usr/bin/python3 "$VSVM_REPO/scripts/bench-plot.py" \
	"$OUT/bench.json" "$OUT/bench.png" || rc=1
vsvm_log "results: $OUT/bench.txt, $OUT/bench.json, $OUT/bench.png"
[ $rc = 0 ] || vsvm_log "the benchmark run failed (status $rc): see $RESULTS"
exit $rc
