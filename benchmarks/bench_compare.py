"""Wall time of the standard policy comparison, figures included.

Runs what a user runs: ``escalation compare scenarios/baseline.yaml --policies all --runs 10000
--workers 2`` (11 built-in policies × 10,000 runs × 365 days = 1.1 M simulated runs), through
:func:`sim.cli.main` into a temporary directory, and prints the wall time, split into the
simulation (chunks on the workers) and the assembly (summary with paired bootstrap intervals,
figures, files). Target: under 60 s on a 2-core machine.

Run::

    .venv/bin/python benchmarks/bench_compare.py [--runs 10000] [--workers 2] [--profile]

``--profile`` runs the same comparison in one process (``--workers 1``) under cProfile and
prints the functions with the most cumulative and own time, to see where the time goes.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

from sim.cli.main import main as cli_main
from sim.experiments import experiment

ROOT = Path(__file__).resolve().parent.parent


def timed_compare(runs: int, workers: int, out: Path) -> dict[str, float]:
    """Run the comparison; return the wall time of each phase."""
    phases: dict[str, float] = {}
    real = experiment.run_experiment

    def wrapped(*a, finalise=None, **kw):
        def fin(result, d):
            t = time.perf_counter()
            phases["simulation"] = t - phases["start"]
            files = finalise(result, d)
            phases["summary+figures"] = time.perf_counter() - t
            return files

        return real(*a, finalise=fin, **kw)

    experiment.run_experiment = wrapped
    try:
        phases["start"] = time.perf_counter()
        status = cli_main(
            [
                "compare",
                str(ROOT / "scenarios" / "baseline.yaml"),
                "--policies",
                "all",
                "--runs",
                str(runs),
                "--seed",
                "1",
                "--workers",
                str(workers),
                "--out",
                str(out),
                "--quiet",
            ]
        )
        phases["total"] = time.perf_counter() - phases.pop("start")
    finally:
        experiment.run_experiment = real
    if status != 0:
        raise SystemExit(f"escalation compare failed with status {status}")
    return phases


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=10_000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "cmp"
        if args.profile:
            prof = cProfile.Profile()
            prof.enable()
            ph = timed_compare(args.runs, 1, out)
            prof.disable()
            st = pstats.Stats(prof)
            st.sort_stats("cumulative").print_stats(30)
            st.sort_stats("tottime").print_stats(20)
        else:
            ph = timed_compare(args.runs, args.workers, out)
        n_files = len(list(out.iterdir()))
    total_runs = 11 * args.runs
    print(
        f"compare baseline.yaml: 11 policies × {args.runs:,} runs = {total_runs:,} runs, "
        f"workers={1 if args.profile else args.workers}"
    )
    sim_s = ph.get("simulation", float("nan"))
    print(f"  simulation       {sim_s:7.1f} s  ({total_runs / sim_s:,.0f} runs/s)")
    print(f"  summary+figures  {ph.get('summary+figures', float('nan')):7.1f} s")
    print(
        f"  total wall time  {ph['total']:7.1f} s  ({n_files} files)  target < 60 s: "
        f"{'met' if ph['total'] < 60 else 'NOT met'}"
    )


if __name__ == "__main__":
    main()
