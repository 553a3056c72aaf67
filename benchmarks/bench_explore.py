"""Wall time of an exploration: worlds × policies × replications of one year.

The target is ``escalation explore scenarios/baseline.yaml --policies all --worlds
1000 --replications 100`` (11 policies × 1,000 worlds × 100 replications = 1.1 M one-year
runs) in under 3 minutes on 2 cores. This script runs the same thing through
:func:`sim.cli.main` (``--worlds`` and ``--replications`` can be made smaller to measure on a
busy machine) into a temporary directory and prints:

* the wall time of the simulation (chunks on the workers) and of the report (regret, ranking,
  PRIM, CART, feature scoring, figures), and runs per second overall;
* one chunk of worlds under every policy in this process, and the share of its time spent
  inside :func:`run_ensemble` (the rest is what the exploration adds per chunk).

Run::

    .venv/bin/python benchmarks/bench_explore.py [--worlds 1000] [--replications 100]
        [--workers 2] [--policies all]
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

os.environ.setdefault("MPLBACKEND", "Agg")

from sim.cli.main import main as cli_main
from sim.core.policies import all_policies
from sim.explore import report, runner
from sim.explore.worlds import parameter_columns, sample_worlds, world_spec
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "scenarios" / "baseline.yaml"


def overhead(replications: int, policies: list[str], seed: int = 1) -> tuple[float, float]:
    """One default-size chunk of worlds under every policy, in this process: ``(runs/s of the
    whole chunk task, share of its time spent inside run_ensemble)``."""
    sc = load_scenario(SCENARIO)
    m = max(1, runner.TARGET_CHUNK_RUNS // replications)
    worlds = sample_worlds(world_spec(sc), m, seed)
    values = {k: worlds[k].to_numpy() for k in parameter_columns(worlds)}
    inside = [0.0]
    real = runner.run_ensemble

    def timed(*a, **kw):
        t = time.perf_counter()
        out = real(*a, **kw)
        inside[0] += time.perf_counter() - t
        return out

    runner.run_ensemble = timed
    try:
        t = time.perf_counter()
        for p in policies:
            runner.run_world_chunk(runner.WorldTask(sc, p, 0, 0, values, replications, seed))
        total = time.perf_counter() - t
    finally:
        runner.run_ensemble = real
    return m * replications * len(policies) / total, inside[0] / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--worlds", type=int, default=1000)
    ap.add_argument("--replications", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--policies", default="all")
    args = ap.parse_args()
    policies = all_policies() if args.policies == "all" else args.policies.split(",")
    phases: dict[str, float] = {}
    real = report.write_report

    def timed_report(*a, **kw):
        phases["simulation"] = time.perf_counter() - phases["start"]
        t = time.perf_counter()
        out = real(*a, **kw)
        phases["report"] = time.perf_counter() - t
        return out

    report.write_report = timed_report
    with tempfile.TemporaryDirectory() as tmp:
        phases["start"] = time.perf_counter()
        status = cli_main(
            [
                "explore",
                str(SCENARIO),
                "--policies",
                args.policies,
                "--worlds",
                str(args.worlds),
                "--replications",
                str(args.replications),
                "--workers",
                str(args.workers),
                "--out",
                str(Path(tmp) / "explore"),
                "--quiet",
            ]
        )
        total = time.perf_counter() - phases["start"]
    assert status == 0, status
    n_pol = len(policies) + ("do_nothing" not in policies)
    runs = args.worlds * args.replications * n_pol
    sim_rate = runs / phases["simulation"]
    print(
        f"explore: {args.worlds:,} worlds × {n_pol} policies × {args.replications} "
        f"replications = {runs:,} one-year runs, {args.workers} workers"
    )
    print(
        f"  simulation     {phases['simulation']:7.1f} s  ({sim_rate:,.0f} runs/s, "
        f"{sim_rate / args.workers:,.0f} runs/s/worker)"
    )
    print(f"  report+figures {phases['report']:7.1f} s")
    print(f"  total          {total:7.1f} s")
    rate, share = overhead(args.replications, policies)
    print(
        f"  one chunk of every policy in this process: {rate:,.0f} runs/s, "
        f"{share:.1%} of it inside run_ensemble"
    )
    full = 1000 * 100 * 11
    print(f"  at this rate 1.1 M runs take {full / sim_rate:,.0f} s (target < 180 s)")


if __name__ == "__main__":
    main()
