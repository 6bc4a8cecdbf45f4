#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# check.sh: everything "make check" does, from a fresh Debian 12 machine.
#
#  1. install missing packages (setup.sh);
#  2. build the debug kernel, or reuse the cached one, and the vsvm modules;
#  3. static checks: checkpatch --strict, kernel-doc, documentation
#     directives, a W=1 + sparse build without a single warning, shellcheck;
#  4. build libvsvm, the tools and the IGT tests; check the IGT runner;
#     build the kernel's own hmm-tests selftest from the kernel tree;
#  5. boot the debug kernel once and run KUnit, IGT and hmm-tests (against
#     test_hmm) in it (guest-tests.sh); the guest run itself fails on any
#     kernel warning, lockdep/KASAN/kmemleak report or taint;
#  6. count the results and end with "N passed, N failed, N skipped".
#
# Results are kept in build/check/.  Exit status 0 only if nothing failed.

set -uo pipefail
. "$(dirname "$0")/lib.sh"

BUILD="$VSVM_REPO/build"
OUT="$BUILD/check"
RESULTS="$OUT/results.txt"

record()
{
	echo "$1 $2" >> "$RESULTS"
	[ "$1" != FAIL ] || vsvm_log "FAIL: $2"
}

build_userspace()
{
	make -s -C "$VSVM_REPO/userspace" OUT="$BUILD/userspace" &&
	make -s -C "$VSVM_REPO/igt-tests" OUT="$BUILD/igt"
}

# hmm-tests from the same tree as the guest kernel, against its headers,
# with a per-test limit of HMM_TESTS_TIMEOUT s instead of the harness's 30 s
# (scripts/hmm-tests/kselftest_harness.h): migrate_remap_fault takes about
# 60 s in the debug guest of a 2-core machine.
HMM_TESTS_TIMEOUT=300

build_hmm_tests()
{
	vsvm_build_hmm_tests "$KDIR/linux" "$BUILD/hmm-tests" "$HMM_TESTS_TIMEOUT"
}

run_guest_tests()
{
	"$VSVM_REPO/scripts/vm-run.sh" --flavour debug --timeout 4200 \
		--modprobe vsvm --modprobe test_hmm \
		--results "$OUT/vm" -- scripts/guest-tests.sh "$BUILD"
}

# KUnit's KTAP, parsed with the kernel's own kunit.py.
collect_kunit()
{
	local log="$OUT/vm/out/kunit.log"

	if [ ! -s "$log" ]; then
		record FAIL "kunit: no KTAP output"
		return
	fi
	python3 "$KDIR/linux/tools/testing/kunit/kunit.py" parse \
		--json="$OUT/kunit.json" "$log" > "$OUT/kunit.txt" 2>&1
	sed 's/^/    /' "$OUT/kunit.txt" >&2
	python3 "$VSVM_REPO/scripts/results.py" kunit "$OUT/kunit.json" \
		>> "$RESULTS"
}

collect_igt()
{
	local json="$OUT/vm/out/igt/results.json"

	if [ ! -f "$json" ]; then
		record FAIL "igt: no results"
		return
	fi
	python3 "$VSVM_REPO/scripts/results.py" igt "$json" >> "$RESULTS"
}

collect_hmm_tests()
{
	local tap="$OUT/vm/out/hmm-tests.tap"

	if [ ! -s "$tap" ]; then
		record FAIL "hmm-tests: no output"
		return
	fi
	python3 "$VSVM_REPO/scripts/results.py" hmm-tests "$tap" >> "$RESULTS"
}

main()
{
	local rc

	vsvm_phase "setup" "$VSVM_REPO/scripts/setup.sh" || exit 1
	rm -rf "$OUT"
	mkdir -p "$OUT"
	: > "$RESULTS"

	KDIR=$(vsvm_phase "debug kernel" "$VSVM_REPO/scripts/build-kernel.sh" debug) ||
		vsvm_die "building the debug kernel failed"

	vsvm_phase "static checks" "$VSVM_REPO/scripts/static-checks.sh" \
		"$RESULTS"

	if vsvm_phase "build userspace and IGT" build_userspace; then
		record PASS "userspace and IGT build"
	else
		record FAIL "userspace and IGT build"
	fi
	if vsvm_phase "libvsvm batch test" \
		make -s -C "$VSVM_REPO/userspace" OUT="$BUILD/userspace" test \
		> "$OUT/batch-test.txt" 2>&1; then
		record PASS "libvsvm batch builder test"
	else
		record FAIL "libvsvm batch builder test"
		sed 's/^/    /' "$OUT/batch-test.txt" >&2
	fi
	if vsvm_phase "IGT runner self-test" \
		"$VSVM_REPO/scripts/igt_runner_selftest.sh" "$BUILD/igt" \
		> "$OUT/runner-selftest.txt" 2>&1; then
		record PASS "igt runner self-test"
	else
		record FAIL "igt runner self-test"
		sed 's/^/    /' "$OUT/runner-selftest.txt" >&2
	fi
	if vsvm_phase "build hmm-tests" build_hmm_tests \
		> "$OUT/hmm-tests-build.txt" 2>&1; then
		record PASS "build of hmm-tests"
	else
		record FAIL "build of hmm-tests"
		sed 's/^/    /' "$OUT/hmm-tests-build.txt" >&2
	fi

	vsvm_phase "guest: KUnit + IGT" run_guest_tests
	rc=$?
	if [ $rc -eq 0 ]; then
		record PASS "guest run: no kernel warning, leak or taint"
	else
		record FAIL "guest run: see build/check/vm"
	fi
	collect_kunit
	collect_igt
	collect_hmm_tests

	python3 "$VSVM_REPO/scripts/results.py" summary "$RESULTS"
}

main "$@"
