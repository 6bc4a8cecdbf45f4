#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Check that scripts/igt_runner.py reports every kind of result correctly,
# using the igt_selftest binary (igt-tests/selftest/igt_selftest.c), whose
# subtests pass, fail, skip, warn in dmesg, hang and crash on purpose.
#
# Usage: scripts/igt_runner_selftest.sh BUILD_IGT_DIR
#   BUILD_IGT_DIR is the OUT directory of igt-tests/Makefile.
#
# Prints "runner-selftest: N passed, N failed" and exits non-zero on any
# mismatch.

set -u

if [ $# -ne 1 ] || [ ! -x "$1/igt_selftest" ]; then
	echo "usage: $0 BUILD_IGT_DIR (holding igt_selftest)" >&2
	exit 2
fi
BINDIR=$(cd "$1" && pwd)
SRC=$(cd "$(dirname "$0")/.." && pwd)
RUNNER="$SRC/scripts/igt_runner.py"
TESTLIST="$SRC/igt-tests/selftest/selftest.testlist"
TIMEOUT=3	# seconds; the "hang" subtest would otherwise sleep for 10 min

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

passed=0
failed=0

# check WHAT EXPECTED ACTUAL
check() {
	if [ "$2" = "$3" ]; then
		passed=$((passed + 1))
	else
		echo "runner-selftest: MISMATCH: $1: expected '$2', got '$3'"
		failed=$((failed + 1))
	fi
}

# field RUN TEST KEY - one string field of a test in RUN's results.json
field() {
	cat "$TMP/$1.fields/igt@$2/$3" 2>/dev/null || echo "<missing>"
}

# contains RUN TEST KEY TEXT - "yes" if the field contains TEXT
contains() {
	case "$(field "$1" "$2" "$3")" in
	*"$4"*) echo yes ;;
	*) echo no ;;
	esac
}

# run NAME TESTLIST - run the runner, keep its log, exit status and summary
run() {
	python3 "$RUNNER" --results "$TMP/$1" --testlist "$2" \
		--timeout "$TIMEOUT" "$BINDIR" > "$TMP/$1.log" 2>&1
	echo $? > "$TMP/$1.rc"
	# Unpack results.json into RUN.fields/TEST/KEY, one python start for
	# all the checks below.
	python3 -c 'import json, os, sys
tests = json.load(open(sys.argv[1] + "/results.json"))["tests"]
for name, entry in tests.items():
	os.makedirs(sys.argv[1] + ".fields/" + name)
	for key in ("result", "out", "err", "dmesg"):
		with open(sys.argv[1] + ".fields/" + name + "/" + key, "w") as f:
			f.write(entry[key])' "$TMP/$1"
}

# The dmesg-warn subtest can only be seen if we may write and read the log.
if python3 -c 'import os
os.close(os.open("/dev/kmsg", os.O_WRONLY))
os.close(os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK))' 2>/dev/null; then
	warn_result=dmesg-warn
	summary="igt: 4 passed, 5 failed, 1 skipped"
else
	echo "runner-selftest: /dev/kmsg not usable, expecting dmesg-warn to pass"
	warn_result=pass
	summary="igt: 5 passed, 4 failed, 1 skipped"
fi

# 1. The complete, honest list: each subtest's own outcome.
run full "$TESTLIST"
S=igt_selftest
check "pass" pass "$(field full $S@pass result)"
check "pass-fork" pass "$(field full $S@pass-fork result)"
check "pass-formatted-1" pass "$(field full $S@pass-formatted-1 result)"
check "pass-formatted-2" pass "$(field full $S@pass-formatted-2 result)"
check "fail-assert" fail "$(field full $S@fail-assert result)"
check "fail-assert stderr" yes \
	"$(contains full $S@fail-assert err 'Failed assertion')"
check "fail-fork" fail "$(field full $S@fail-fork result)"
check "skip-require" skip "$(field full $S@skip-require result)"
check "dmesg-warn" "$warn_result" "$(field full $S@dmesg-warn result)"
if [ "$warn_result" = dmesg-warn ]; then
	check "dmesg-warn record" yes \
		"$(contains full $S@dmesg-warn dmesg 'vsvm-selftest: intentional')"
fi
check "hang" timeout "$(field full $S@hang result)"
check "crash" crash "$(field full $S@crash result)"
check "full summary" "$summary" "$(tail -n 1 "$TMP/full.log")"
check "full exit status" 1 "$(cat "$TMP/full.rc")"

# 2. A dishonest list: missing subtest and binary, and unlisted subtests.
cat > "$TMP/partial.testlist" <<EOF
# one real subtest, two that do not exist
igt@$S@pass
igt@$S@no-such-subtest
igt@no_such_binary@pass
EOF
run partial "$TMP/partial.testlist"
check "listed pass" pass "$(field partial $S@pass result)"
check "missing subtest" notrun "$(field partial $S@no-such-subtest result)"
check "missing binary" notrun "$(field partial no_such_binary@pass result)"
check "unlisted subtest" fail "$(field partial $S@skip-require result)"
check "unlisted subtest not run" "" "$(field partial $S@hang out)"
check "partial summary" "igt: 1 passed, 11 failed, 0 skipped" \
	"$(tail -n 1 "$TMP/partial.log")"
check "partial exit status" 1 "$(cat "$TMP/partial.rc")"

# 3. Nothing to run is not a success.
echo "# empty" > "$TMP/empty.testlist"
run empty "$TMP/empty.testlist"
check "empty summary" "igt: 0 passed, 0 failed, 0 skipped" \
	"$(tail -n 1 "$TMP/empty.log")"
check "empty exit status" 1 "$(cat "$TMP/empty.rc")"

if [ "$failed" -ne 0 ]; then
	for log in full partial; do
		echo "---- runner output ($log) ----"
		cat "$TMP/$log.log"
	done
fi
echo "runner-selftest: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
