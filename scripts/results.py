#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Turn test results into "PASS|FAIL|SKIP name" lines, and count them.

  results.py kunit KUNIT_JSON   one line per KUnit test case (kunit.py --json)
  results.py igt RESULTS_JSON   one line per IGT subtest (igt_runner.py)
  results.py hmm-tests TAP      one line per test of the kernel's hmm-tests
                                (kselftest harness TAP)
  results.py summary FILE       list the failures in FILE, each with its
                                evidence, print the counts of each suite
                                and then "N passed, N failed, N skipped";
                                exit 1 if anything failed or nothing ran

A failed IGT subtest is followed by "NOTE name: line" lines: IGT's
CRITICAL and WARNING lines from its stderr, or its last lines if it wrote
none, so that the last lines of a run (all a CI log may keep) say why it
failed.
"""

import json
import re
import sys

KUNIT_STATUS = {"PASS": "PASS", "SKIP": "SKIP"}
IGT_STATUS = {"pass": "PASS", "skip": "SKIP"}
NOTE_LINES = 10


def kunit_cases(group, prefix=""):
    """Yield (name, status) for every test case below a kunit.py group."""
    name = f"{prefix}{group.get('name', '')}"
    for case in group.get("test_cases", []):
        yield f"{name}.{case['name']}", case["status"]
    for sub in group.get("sub_groups", []):
        yield from kunit_cases(sub, f"{name}." if name else "")


def print_kunit(path):
    with open(path) as f:
        root = json.load(f)
    count = 0
    # The root is kunit.py's unnamed container ("KUnit Test Group").
    cases = [case for group in root.get("sub_groups", [])
             for case in kunit_cases(group)]
    for name, status in cases:
        print(f"{KUNIT_STATUS.get(status, 'FAIL')} kunit {name}")
        count += 1
    if not count:
        print("FAIL kunit: no test case in the KTAP output")


def print_igt(path):
    with open(path) as f:
        tests = json.load(f).get("tests", {})
    for name, test in sorted(tests.items()):
        print(f"{IGT_STATUS.get(test['result'], 'FAIL')} {name}"
              f"{'' if test['result'] in IGT_STATUS else ' (' + test['result'] + ')'}")
        if test["result"] not in IGT_STATUS:
            print_notes(name, test.get("err", ""))
    if not tests:
        print("FAIL igt: no test ran")


def print_notes(name, text):
    """IGT's verdicts in @text (its CRITICAL and WARNING lines: failed
    assertions and igt_warn()), or else its last lines, as NOTE lines."""
    lines = [line for line in text.splitlines() if line.strip()]
    verdicts = [line for line in lines
                if " CRITICAL: " in line or " WARNING: " in line]
    for line in (verdicts or lines)[-NOTE_LINES:]:
        print(f"NOTE {name}: {line}")


TAP_PLAN = re.compile(r"^1\.\.(\d+)$")
TAP_RESULT = re.compile(r"^(not )?ok \d+ (\S+)(?: # (\w+)(.*))?$")


def print_hmm_tests(path):
    """A timeout is reported by the harness as "not ok": it stays a FAIL."""
    planned = None
    seen = 0
    with open(path, errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            plan = TAP_PLAN.match(line)
            if plan:
                planned = int(plan.group(1))
                continue
            result = TAP_RESULT.match(line)
            if not result:
                continue
            seen += 1
            failed, name, directive, reason = result.groups()
            if failed:
                print(f"FAIL hmm-tests {name}")
            elif directive == "SKIP":
                print(f"SKIP hmm-tests {name} ({reason.strip()})")
            else:
                print(f"PASS hmm-tests {name}")
    if planned is None or seen != planned:
        print(f"FAIL hmm-tests: {seen} results of {planned} planned tests")


def suite_of(name):
    """KUnit and hmm-tests lines name their suite; IGT subtests are
    binary@subtest; the rest are the build and static checks."""
    first = name.split(" ", 1)[0]
    if first in ("kunit", "hmm-tests"):
        return first
    if "@" in first:
        return "igt"
    return "checks"


def format_counts(counts):
    return (f"{counts['PASS']} passed, {counts['FAIL']} failed, "
            f"{counts['SKIP']} skipped")


def summary(path):
    statuses = ("PASS", "FAIL", "SKIP")
    counts = dict.fromkeys(statuses, 0)
    suites = {}
    failures = []
    notes = {}
    with open(path) as f:
        for line in f:
            status, _, name = line.strip().partition(" ")
            if status == "NOTE":
                test, _, text = name.partition(": ")
                notes.setdefault(test, []).append(text)
                continue
            if status not in counts:
                continue
            counts[status] += 1
            suite = suites.setdefault(suite_of(name),
                                      dict.fromkeys(statuses, 0))
            suite[status] += 1
            if status == "FAIL":
                failures.append(name)
    for name in failures:
        print(f"FAILED: {name}")
        for text in notes.get(name.split(" ", 1)[0], []):
            print(f"  | {text}")
    for suite in ("checks", "kunit", "igt", "hmm-tests"):
        if suite in suites:
            print(f"  {suite}: {format_counts(suites[suite])}")
    total = sum(counts.values())
    print(format_counts(counts))
    return 1 if counts["FAIL"] or not total else 0


def main(argv):
    if len(argv) != 3 or argv[1] not in ("kunit", "igt", "hmm-tests",
                                         "summary"):
        sys.exit(__doc__)
    if argv[1] == "kunit":
        print_kunit(argv[2])
    elif argv[1] == "igt":
        print_igt(argv[2])
    elif argv[1] == "hmm-tests":
        print_hmm_tests(argv[2])
    else:
        return summary(argv[2])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
