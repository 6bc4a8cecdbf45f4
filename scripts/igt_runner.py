#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Run IGT test binaries the way upstream igt_runner does.

Usage: igt_runner.py --results DIR --testlist FILE [--timeout SECONDS] BINDIR

The testlist names the expected subtests, one "igt@<binary>@<subtest>" per
line ('#' starts a comment).  Every binary it names is asked for its subtests
with --list-subtests, and the two lists must agree: an expected subtest the
binary does not offer is "notrun", a subtest it offers that the list lacks is
"fail" without being run.  Either way a typo cannot make a test vanish.

Each subtest then runs alone ("BIN --run-subtest NAME") in its own process
group, killed as a whole after the timeout.  The kernel log is watched while
it runs: a record at KERN_WARNING or worse turns the result into dmesg-warn
or dmesg-fail, and a newly set serious taint bit fails it.

Results go to DIR/results.json (piglit-like, rewritten after every test so a
killed run still leaves them).  The last line printed is
"igt: N passed, N failed, N skipped"; the exit status is 0 only if nothing
failed and at least one subtest ran.

Python 3 standard library only: it runs inside minimal test guests.
"""

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import time

# Exit codes of lib/igt_core.h; anything else, or a signal, is a crash.
EXIT_RESULTS = {0: "pass", 77: "skip", 98: "fail", 112: "abort"}

# Every result, in the order totals are reported.  Only pass and skip are
# not failures.
RESULTS = ("pass", "skip", "fail", "dmesg-warn", "dmesg-fail", "timeout",
           "crash", "abort", "notrun")
NOT_FAILED = ("pass", "skip")

KERN_WARNING = 4

# Warnings about the machine or the checkers, not the kernel under test, as
# upstream igt_runner's ignore list has them:
# - under an emulated CPU (QEMU TCG) the hrtimer interrupt is sometimes
#   slow, and the clocksource watchdog finds the TSC skewed and switches to
#   another clocksource; the kernel says so once per boot;
# - kmemleak, failing to allocate its own bookkeeping (under failslab or a
#   memory cgroup limit), says once that it scans the whole object instead.
IGNORED_KMSG = re.compile(
    r"(\[ *[0-9.]+\] )?("
    r"hrtimer: interrupt took \d+ ns"
    r"|clocksource: .*"
    r"|tsc: Marking TSC unstable due to clocksource watchdog"
    r"|TSC found unstable after boot, .*"
    r"|sched_clock: Marking unstable .*"
    r"|kmemleak: Cannot allocate a scan area, scanning the full object"
    r")")

# Taint bits (Documentation/admin-guide/tainted-kernels.rst) that mean the
# kernel itself went wrong; once set they stay set until reboot.
BAD_TAINTS = {4: "MACHINE_CHECK", 5: "BAD_PAGE", 7: "DIE", 9: "WARN"}

TAIL_LINES = 20
KILL_GRACE = 10  # seconds to collect output after killing a process group


class Kmsg:
    """Reader of the kernel log records written since the last mark()."""

    def __init__(self):
        try:
            self.fd = os.open("/dev/kmsg", os.O_RDONLY | os.O_NONBLOCK)
        except OSError as e:
            print(f"igt_runner: cannot read /dev/kmsg ({e.strerror}), "
                  "kernel log not checked", flush=True)
            self.fd = None

    def mark(self):
        """Forget everything logged so far."""
        if self.fd is not None:
            os.lseek(self.fd, 0, os.SEEK_END)

    def read(self):
        """Return the new records as a list of (level, text)."""
        records = []
        while self.fd is not None:
            try:
                raw = os.read(self.fd, 8192)
            except BlockingIOError:
                break
            except BrokenPipeError:
                # Records were overwritten before we read them; the
                # next read returns the oldest surviving one.
                continue
            if not raw:
                break
            records.append(parse_kmsg_record(raw.decode(errors="replace")))
        return records


def parse_kmsg_record(record):
    """Split "prio,seq,usec,flags;message\\n KEY=val..." into (level, text)."""
    header, _, body = record.partition(";")
    fields = header.split(",")
    try:
        level = int(fields[0]) & 7
        stamp = f"[{int(fields[2]) / 1e6:12.6f}] "
    except (ValueError, IndexError):
        level, stamp = KERN_WARNING, ""  # unparsable: be suspicious
    lines = body.rstrip("\n").split("\n")
    # Continuation lines (" SUBSYSTEM=...") belong to the same record.
    text = "\n".join([stamp + lines[0]] + [" " * len(stamp) + line.strip()
                                           for line in lines[1:]])
    return level, text


def read_taint():
    """The kernel taint mask, or None where it cannot be read."""
    try:
        with open("/proc/sys/kernel/tainted") as f:
            return int(f.read())
    except (OSError, ValueError):
        return None


def new_bad_taints(before, after):
    """Names of the serious taint bits set between two read_taint()s."""
    if before is None or after is None:
        return []
    new = after & ~before
    return [name for bit, name in BAD_TAINTS.items() if new & (1 << bit)]


def parse_testlist(path):
    """Return {binary: [subtests]} in file order, duplicates dropped."""
    wanted = {}
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split("@")
            if len(parts) != 3 or parts[0] != "igt" or not all(parts[1:]):
                sys.exit(f"{path}:{lineno}: expected igt@<binary>@<subtest>, "
                         f"got '{line}'")
            subtests = wanted.setdefault(parts[1], [])
            if parts[2] not in subtests:
                subtests.append(parts[2])
    return wanted


def list_subtests(binary, timeout):
    """Return (subtests, None) from BIN --list-subtests, or (None, why)."""
    if not os.access(binary, os.X_OK):
        return None, f"binary {binary} not found"
    try:
        proc = subprocess.run([binary, "--list-subtests"], timeout=timeout,
                              stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, errors="replace")
    except subprocess.TimeoutExpired:
        return None, f"{binary} --list-subtests timed out"
    if proc.returncode != 0:
        return None, (f"{binary} --list-subtests exited with "
                      f"{proc.returncode}\n{proc.stderr}")
    return proc.stdout.split(), None


def plan(bindir, wanted, timeout):
    """Turn the testlist into [(name, binary, subtest, why_not_run)].

    why_not_run is None for a subtest to run, else (result, reason).
    """
    tests = []
    for binary, subtests in wanted.items():
        path = os.path.join(bindir, binary)
        offered, why = list_subtests(path, timeout)
        for sub in subtests:
            if offered is not None and sub in offered:
                skip = None
            else:
                skip = ("notrun", why or
                        f"{binary} does not offer subtest '{sub}'")
            tests.append((f"igt@{binary}@{sub}", path, sub, skip))
        for sub in offered or []:
            if sub not in subtests:
                tests.append((f"igt@{binary}@{sub}", path, sub,
                              ("fail", f"subtest '{sub}' is offered by "
                               f"{binary} but missing from the testlist")))
    return tests


def kill_group(pgid):
    try:
        os.killpg(pgid, signal.SIGKILL)
    except ProcessLookupError:
        pass


def note(err, message):
    """Append the runner's own explanation to a test's stderr."""
    if err and not err.endswith("\n"):
        err += "\n"
    return err + f"igt_runner: {message}\n"


def signal_name(signum):
    try:
        return signal.Signals(signum).name
    except ValueError:
        return f"signal {signum}"


def execute(binary, subtest, timeout):
    """Run one subtest; return (result, stdout, stderr)."""
    proc = subprocess.Popen([binary, "--run-subtest", subtest],
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True)
    timed_out = False
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        timed_out = True
        kill_group(proc.pid)
        try:
            out, err = proc.communicate(timeout=KILL_GRACE)
        except subprocess.TimeoutExpired:
            # Something escaped the group and holds the pipes open.
            proc.kill()
            proc.wait()
            out, err = b"", b""
    finally:
        kill_group(proc.pid)  # leftover children of the test
    out = out.decode(errors="replace")
    err = err.decode(errors="replace")

    if timed_out:
        err = note(err, f"killed after {timeout:g}s timeout")
        return "timeout", out, err
    if proc.returncode < 0:
        err = note(err, f"killed by {signal_name(-proc.returncode)}")
        return "crash", out, err
    result = EXIT_RESULTS.get(proc.returncode, "crash")
    if result == "crash":
        err = note(err, f"unexpected exit status {proc.returncode}")
    return result, out, err


def judge_kernel(result, records, taints):
    """Apply what the kernel logged, and its taint, to a test's result."""
    if any(level <= KERN_WARNING and not IGNORED_KMSG.fullmatch(text)
           for level, text in records):
        result = {"pass": "dmesg-warn", "skip": "dmesg-warn",
                  "fail": "dmesg-fail"}.get(result, result)
    if taints and result in NOT_FAILED + ("dmesg-warn",):
        result = "dmesg-fail"
    return result


def run_one(kmsg, binary, subtest, timeout):
    """Run one subtest under kernel watch; return its results.json entry."""
    kmsg.mark()
    taint_before = read_taint()
    start = time.time()
    result, out, err = execute(binary, subtest, timeout)
    end = time.time()
    records = kmsg.read()
    taints = new_bad_taints(taint_before, read_taint())
    if taints:
        err = note(err, f"kernel tainted: {', '.join(taints)}")
    return {
        "result": judge_kernel(result, records, taints),
        "out": out,
        "err": err,
        "dmesg": "\n".join(text for _, text in records),
        "time": {"start": start, "end": end},
    }


def tail(text, lines=TAIL_LINES):
    return "\n".join(text.rstrip("\n").split("\n")[-lines:])


def report(index, count, name, entry):
    """Print the one-line verdict, and the evidence for a failure."""
    elapsed = entry["time"]["end"] - entry["time"]["start"]
    print(f"[{index}/{count}] {name}: {entry['result']} ({elapsed:.2f}s)")
    if entry["result"] not in NOT_FAILED:
        if entry["err"].strip():
            print("  stderr (tail):")
            print("    " + tail(entry["err"]).replace("\n", "\n    "))
        if entry["dmesg"].strip():
            print("  dmesg:")
            print("    " + tail(entry["dmesg"], 50).replace("\n", "\n    "))
    sys.stdout.flush()


def save(results_dir, tests):
    """Write results.json atomically."""
    totals = dict.fromkeys(RESULTS, 0)
    for entry in tests.values():
        totals[entry["result"]] = totals.get(entry["result"], 0) + 1
    path = os.path.join(results_dir, "results.json")
    with open(path + ".tmp", "w") as f:
        json.dump({"tests": tests, "totals": totals}, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)
    return totals


def main():
    parser = argparse.ArgumentParser(
        description="Run IGT subtests one by one, checking the kernel log.")
    parser.add_argument("--results", required=True, metavar="DIR",
                        help="directory for results.json")
    parser.add_argument("--testlist", required=True, metavar="FILE",
                        help="expected tests, one igt@<binary>@<subtest> "
                             "per line")
    parser.add_argument("--timeout", type=float, default=120,
                        metavar="SECONDS", help="per subtest (default 120)")
    parser.add_argument("bindir", help="directory holding the test binaries")
    args = parser.parse_args()

    os.makedirs(args.results, exist_ok=True)
    tests = plan(args.bindir, parse_testlist(args.testlist), args.timeout)
    kmsg = Kmsg()
    results = {}
    ran = 0
    totals = save(args.results, results)

    for index, (name, binary, subtest, skip) in enumerate(tests, 1):
        if skip:
            now = time.time()
            entry = {"result": skip[0], "out": "", "err": skip[1] + "\n",
                     "dmesg": "", "time": {"start": now, "end": now}}
        else:
            entry = run_one(kmsg, binary, subtest, args.timeout)
            ran += 1
        results[name] = entry
        report(index, len(tests), name, entry)
        totals = save(args.results, results)

    passed, skipped = totals["pass"], totals["skip"]
    failed = len(results) - passed - skipped
    print(f"igt: {passed} passed, {failed} failed, {skipped} skipped")
    return 0 if failed == 0 and ran > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
