"""Ensemble engine vs Mesa engine: runs per second on the same scenario and policy.

Measures how many simulated runs per second each engine produces for ``scenarios/baseline.yaml``
(365 days) under one policy, side by side in one process, with the same parameter draws
(:func:`sim.experiments.sampling.build_params`), and prints the ratio (target: the ensemble at
least 100×
faster). The Mesa engine runs one model at a time, so a handful of runs is enough to time it.

Run::

    .venv/bin/python benchmarks/bench_engines.py [--ensemble-runs 2000] [--mesa-runs 5]
        [--policy tit_for_tat]

The machine should be otherwise idle; the figures are single-core.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from sim.core.policies import get_policy
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import run_mesa
from sim.experiments.sampling import build_params, chunk_rngs
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def rate(engine, scenario, policy, n: int, seed: int = 1) -> tuple[float, float]:
    """(runs per second, seconds) of one engine call on ``n`` runs."""
    draws, prng = chunk_rngs(seed, 0)
    params = build_params(scenario, n, prng)
    t0 = time.perf_counter()
    engine(scenario, policy, params, draws, keep_daily=True)
    dt = time.perf_counter() - t0
    return n / dt, dt


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--policy", default="tit_for_tat")
    ap.add_argument("--ensemble-runs", type=int, default=2000)
    ap.add_argument("--mesa-runs", type=int, default=5)
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    pol = get_policy(args.policy)
    rate(run_ensemble, sc, pol, 50)  # warm-up (imports, caches)
    ens, ens_s = rate(run_ensemble, sc, pol, args.ensemble_runs)
    mesa, mesa_s = rate(run_mesa, sc, pol, args.mesa_runs)
    print(f"scenario {sc.name} ({sc.days} days), policy {args.policy}")
    print(f"ensemble: {args.ensemble_runs:>6,} runs in {ens_s:7.2f} s = {ens:9.1f} runs/s")
    print(f"mesa:     {args.mesa_runs:>6,} runs in {mesa_s:7.2f} s = {mesa:9.2f} runs/s")
    ratio = ens / mesa
    verdict = "met" if ratio >= 100 else "NOT met"
    print(f"ratio ensemble/mesa: {ratio:,.0f}x (target >= 100x: {verdict})")


if __name__ == "__main__":
    main()
