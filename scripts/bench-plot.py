#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Draw the results of vsvm-bench (bench.json) as one PNG.

  bench-plot.py BENCH_JSON PNG

One panel per measurement, buffer size on the x axis: bandwidths in MiB/s,
fault latencies in microseconds per fault, munmap() times in microseconds,
all on log scales.  Skipped and failed measurements are left out.  Uses
Debian's python3-matplotlib (scripts/packages.txt): run it with
/usr/bin/python3.
"""

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (after the backend choice)

# test: (title, y label, bandwidth?), in the order of the panels.
PANELS = {
    "migrate_to_vram": ("(a) migration to device memory", "MiB/s", True),
    "migrate_to_sys": ("(a) migration to system memory", "MiB/s", True),
    "first_touch": ("(b) first touch of fresh memory", "MiB/s", True),
    "cpu_fault": ("(c) CPU fault latency", "µs per fault", False),
    "gpu_copy": ("(d) copy on resident memory", "MiB/s", True),
    "munmap": ("(e) munmap()", "µs", False),
}

# Series drawn dashed: the baselines vsvm is compared with.
BASELINES = {"test_hmm", "memcpy", "cpu_4k", "cpu_thp", "thp_2m", "anon_4k",
             "pagecache_4k", "unmirrored"}


def size_label(size):
    for shift, unit in ((30, "G"), (20, "M"), (10, "K")):
        if size >= 1 << shift and size % (1 << shift) == 0:
            return f"{size >> shift}{unit}"
    return str(size)


def value(result, bandwidth):
    if bandwidth:
        return result.get("mib_s")
    return result["median_ns"] / 1000.0


def series(results, test, bandwidth):
    """{kind: [(size, value)]} of the measured results of one test."""
    out = {}
    for r in results:
        if r["test"] != test or r["skipped"] or r["failed"] or "runs" not in r:
            continue
        v = value(r, bandwidth)
        if v is None or v <= 0:
            continue
        out.setdefault(r["kind"], []).append((r["size"], v))
    return {kind: sorted(points) for kind, points in out.items()}


def draw(bench, png):
    meta = bench.get("meta", {})
    results = bench.get("results", [])
    sizes = meta.get("sizes") or sorted({r["size"] for r in results})
    fig, axes = plt.subplots(2, 3, figsize=(18, 10))
    for ax, (test, (title, ylabel, bandwidth)) in zip(axes.flat,
                                                      PANELS.items()):
        lines = series(results, test, bandwidth)
        for kind, points in lines.items():
            xs = [p[0] for p in points]
            ys = [p[1] for p in points]
            ax.plot(xs, ys, "--" if kind in BASELINES else "-",
                    marker="o", label=kind)
        ax.set_title(title)
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xticks(sizes)
        ax.set_xticklabels([size_label(s) for s in sizes])
        ax.set_xlabel("buffer size")
        ax.set_ylabel(ylabel)
        ax.grid(True, which="both", alpha=0.3)
        if lines:
            ax.legend(fontsize="small")
        else:
            ax.text(0.5, 0.5, "not measured", ha="center",
                    transform=ax.transAxes)
    goals = [g for g in bench.get("goals", []) if g.get("value")]
    goal_text = "; ".join(f"{g['name']} {g['value']:.2f}x "
                          f"({'met' if g['met'] else 'not met'})"
                          for g in goals)
    fig.suptitle(f"vsvm-bench: kernel {meta.get('kernel', '?')}, "
                 f"{meta.get('vram_size', 0) >> 20} MiB VRAM, "
                 f"test_hmm {meta.get('test_hmm') or 'absent'}, "
                 f"median of {meta.get('reps', '?')}"
                 + (f"\ngoal at 2M: {goal_text}" if goal_text else ""))
    fig.tight_layout()
    fig.savefig(png, dpi=100)


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    with open(sys.argv[1]) as f:
        bench = json.load(f)
    draw(bench, sys.argv[2])


if __name__ == "__main__":
    main()
