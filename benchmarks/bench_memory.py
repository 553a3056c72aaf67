"""Peak memory of a large single-policy experiment.

Runs ``escalation run scenarios/baseline.yaml --runs 1000000 --workers 2`` as a subprocess and
samples the memory of its whole process tree (the command, the forkserver and the worker
processes) every 0.1 s with psutil; prints the peak of the summed PSS (shared pages split
between the processes sharing them) and of the summed RSS, and the peak RSS of the largest
single process from ``resource.getrusage(RUSAGE_CHILDREN)``. Target: peak total < 1 GB.

Run::

    .venv/bin/python benchmarks/bench_memory.py [--runs 1000000] [--workers 2]

(1 M runs take several minutes on 2 cores; ``--runs 200000`` gives a quicker indication - the
per-run outcome table is the only part that grows with the number of runs.)
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
ESCALATION = str(Path(sys.executable).parent / "escalation")


def tree_memory(proc: psutil.Process) -> tuple[int, int]:
    """``(rss, pss)`` bytes summed over a process and all its descendants.

    RSS counts the pages that forked workers share with the forkserver once per process, so
    its sum overstates the total; PSS (Linux) splits shared pages between the processes that
    share them, so its sum is the memory the experiment really holds.
    """
    rss = pss = 0
    for p in [proc, *proc.children(recursive=True)]:
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except psutil.Error:
            pass
    return rss, pss


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1_000_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "big"
        cmd = [
            ESCALATION,
            "run",
            str(ROOT / "scenarios" / "baseline.yaml"),
            "--runs",
            str(args.runs),
            "--workers",
            str(args.workers),
            "--out",
            str(out),
            "--quiet",
        ]
        t0 = time.perf_counter()
        popen = subprocess.Popen(cmd, env={**os.environ, "MPLBACKEND": "Agg"})
        proc = psutil.Process(popen.pid)
        peak = peak_pss = 0
        while popen.poll() is None:
            try:
                rss, pss = tree_memory(proc)
                peak, peak_pss = max(peak, rss), max(peak_pss, pss)
            except psutil.Error:
                pass
            time.sleep(0.1)
        wall = time.perf_counter() - t0
        if popen.returncode != 0:
            raise SystemExit(f"escalation run failed with status {popen.returncode}")
        size = (out / "outcomes.parquet").stat().st_size
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024  # KiB on Linux
    print(
        f"escalation run: {args.runs:,} runs, workers={args.workers}, {wall:.0f} s "
        f"({args.runs / wall:,.0f} runs/s); outcomes.parquet {size / 2**20:.1f} MiB"
    )
    print(f"  peak PSS, whole process tree (sampled): {peak_pss / 2**20:8.0f} MiB")
    print(
        f"  peak RSS, whole process tree (sampled): {peak / 2**20:8.0f} MiB (shared counted twice)"
    )
    print(f"  peak RSS, largest single process:       {largest / 2**20:8.0f} MiB")
    print(f"  target < 1 GB (1024 MiB) total (PSS): {'met' if peak_pss < 2**30 else 'NOT met'}")


if __name__ == "__main__":
    main()
