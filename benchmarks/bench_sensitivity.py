"""Sensitivity analysis: model evaluations per second, by batch size, and the analysis's cost.

Prints, for ``scenarios/baseline.yaml`` (365 days) under one policy:

* the plain ensemble engine on the same number of runs with its own generator (reference);
* the sensitivity's model function (per-run parameter arrays, ``reps`` replicates with common
  random numbers) on a Sobol' design of all table parameters, for several ``batch`` sizes
  (design rows per ensemble call), in runs per second;
* the time SALib's Sobol' analysis takes on that design (5 outcomes, 100 bootstrap resamples).

Run::

    .venv/bin/python benchmarks/bench_sensitivity.py [--n 32] [--reps 4] [--policy strike_iraq]
        [--batches 500,2000,5000]

The full study (``escalation sensitivity scenarios/baseline.yaml --n 256``) evaluates
256 × 68 rows × 4 replicates = 69,632 runs; multiply by the rate printed here to size it. The
machine should be otherwise idle; the figures are single-core.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from sim.core.params import Params
from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.explore.sensitivity import analyse_outputs, build_problem, model_function, sample
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--policy", default="strike_iraq")
    ap.add_argument("--n", type=int, default=32, help="Sobol' base sample (rows = n × (D + 2))")
    ap.add_argument("--reps", type=int, default=4)
    ap.add_argument("--batches", default="500,2000,5000")
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    problem, _ = build_problem(sc)
    x = sample(problem, "sobol", args.n, 0)
    rows, runs = len(x), len(x) * args.reps
    print(f"scenario {sc.name} ({sc.days} days), policy {args.policy}, "
          f"{problem['num_vars']} parameters, N = {args.n}: {rows:,} rows × {args.reps} reps "
          f"= {runs:,} runs")  # fmt: skip

    n_ref = min(runs, 10_000)
    t0 = time.perf_counter()
    run_ensemble(sc, get_policy(args.policy), Params.build(n_ref), np.random.default_rng(0),
                 keep_daily=False)  # fmt: skip
    dt = time.perf_counter() - t0
    print(f"plain run_ensemble, {n_ref:,} runs at the defaults: {dt:6.2f} s = "
          f"{n_ref / dt:7.0f} runs/s")  # fmt: skip

    outputs = None
    for batch in (int(b) for b in args.batches.split(",")):
        func = model_function(sc, args.policy, problem["names"], 0, args.reps, batch)
        t0 = time.perf_counter()
        out = func(x)
        dt = time.perf_counter() - t0
        calls = -(-rows // batch)
        per_call = min(batch, rows) * args.reps
        print(f"model function, batch {batch:>5,} rows ({calls:>3} calls of ≤ {per_call:,} "
              f"runs): {dt:6.2f} s = {runs / dt:7.0f} runs/s")  # fmt: skip
        if outputs is not None:
            same = all(np.array_equal(outputs[k], out[k]) for k in out)
            print(f"    identical to the first batch size: {same}")
        outputs = out

    t0 = time.perf_counter()
    analyse_outputs(problem, "sobol", x, outputs, 0)
    print(f"SALib Sobol' analysis of 5 outcomes: {time.perf_counter() - t0:6.2f} s")


if __name__ == "__main__":
    main()
