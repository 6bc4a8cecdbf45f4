#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# guest-tests.sh BUILD_DIR: the in-guest part of "make check", run by
# vm-run.sh with vsvm loaded.  Runs the KUnit suites and the IGT tests and
# leaves their raw results in $VSVM_RESULTS; check.sh judges them on the host.
# Then the kernel's own hmm-tests selftest runs against test_hmm, which
# vm-run.sh loaded beside vsvm.
#
#   $VSVM_RESULTS/kunit.log      the kernel log while vsvm_test ran (KTAP)
#   $VSVM_RESULTS/igt/           scripts/igt_runner.py's results.json and logs
#   $VSVM_RESULTS/hmm-tests.tap  hmm-tests' KTAP output

set -uo pipefail

BUILD=${1:?usage: guest-tests.sh BUILD_DIR}
REPO=$(cd "$(dirname "$0")/.." && pwd)
# shellcheck source=scripts/guest-lib.sh
. "$REPO/scripts/guest-lib.sh"

# KUnit suites run when their module loads, and print KTAP to the kernel log.
run_kunit()
{
	local marker="vsvm-kunit-start-$$"

	echo "$marker" > /dev/kmsg
	modprobe vsvm_test || echo "guest-tests: modprobe vsvm_test failed"
	dmesg --notime | sed -n "/$marker/,\$p" | tail -n +2 > "$VSVM_RESULTS/kunit.log"
	# Not modprobe -r: it would also remove vsvm, which IGT needs.
	rmmod vsvm_test
}

# The IGT tests skip without a device; here a missing device is a failure.
require_device()
{
	local node

	for node in /sys/bus/platform/drivers/vsvm/vsvm.0/drm/renderD*; do
		[ -e "$node" ] && return 0
	done
	echo "guest-tests: no vsvm device before IGT"
	return 1
}

run_igt()
{
	python3 "$REPO/scripts/igt_runner.py" \
		--results "$VSVM_RESULTS/igt" \
		--testlist "$REPO/igt-tests/vsvm.testlist" \
		--timeout 300 "$BUILD/igt"
}

# The core-mm regression suite for device-private memory, from the same
# kernel tree (built by check.sh).  Its own harness gives each test a limit
# (300 s, see check.sh) and reports a test that takes longer as failed.
#
# benchmark_thp_migration is left out.  It is a timing run: buffers of
# 512 KiB to 256 MiB, with and without THP, migrate to test_hmm and back six
# times each, and all of it must end within 120 s.  Whether it does says
# how fast the machine is (a 2-core TCG guest of the debug kernel has
# missed it), not whether migration is right: the other hmm-tests migrate
# the same ways, THP included, and check the data.  Timing belongs in
# "make bench", which runs it on the release kernel (guest-bench.sh).
HMM_TESTS_NOT_RUN="benchmark_thp_migration"

run_hmm_tests()
{
	local args=() test

	if ! vsvm_hmm_nodes 0 1 2 3; then
		echo "guest-tests: test_hmm is not loaded"
		return 1
	fi
	for test in $HMM_TESTS_NOT_RUN; do
		args+=(-T "$test")
	done
	"$BUILD/hmm-tests/hmm-tests" "${args[@]}" \
		> "$VSVM_RESULTS/hmm-tests.tap" 2>&1
	echo "guest-tests: hmm-tests exited with $?"
}

main()
{
	local igt_rc

	run_kunit
	require_device || return 1
	run_igt
	igt_rc=$?
	run_hmm_tests
	# Pass/fail of the parts is decided on the host from the results; this
	# script fails only if something kept a part from producing them.
	[ -s "$VSVM_RESULTS/kunit.log" ] || return 1
	[ -f "$VSVM_RESULTS/igt/results.json" ] || return 1
	[ -s "$VSVM_RESULTS/hmm-tests.tap" ] || return 1
	return $(( igt_rc > 1 ? igt_rc : 0 ))
}

main "$@"
