"""Ensemble engine vs Mesa engine: runs per second on the same scenario, policy and draws.

Prints, on separate lines: the compilation (or cache load) of the compiled day on the first
call; the ensemble engine's one-year runs per second per core (one thread, CPU time) under the
baseline policy and under ``--policy``; the same with a user's Python policy (the slower path
that calls ``decide`` between compiled phases); the Mesa engine's runs per second; and the CPU
time of one simulated day of the Mesa model with its DataCollector on (what the dashboard's
Play steps). Targets: ensemble >= 10,000 runs/s per core (stretch 30,000), Mesa >= 50
runs/s, a Play day <= 50 ms of CPU.

Run::

    .venv/bin/python benchmarks/bench_engines.py [--ensemble-runs 20000] [--mesa-runs 20]
        [--policy tit_for_tat]

The machine should be otherwise idle; CPU time is reported so that other load matters less.
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

os.environ.setdefault("ESCALATION_THREADS", "1")  # per-core figures

import numpy as np

from sim.core.params import Params
from sim.core.policies import Decision, Policy, get_policy
from sim.engines.ensemble import run_ensemble
from sim.engines.mesa.model import EscalationModel, run_mesa
from sim.experiments.sampling import build_params, chunk_rngs
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


class PythonTitForTat(Policy):
    """Tit-for-tat written as a user would, in numpy (it cannot be compiled)."""

    name = "python_tit_for_tat"

    def decide(self, obs, params, u):
        sev = obs.pending_severity
        action = np.select([obs.pending_iran, sev >= 3, sev >= 1], [4, 2, 1], 0).astype(np.int64)
        intensity = np.select(
            [action == 2, action == 1, action == 4],
            [params.intensity_iraq, params.intensity_syria, params.intensity_iran],
            0.0,
        )
        return Decision(action, intensity, np.zeros(len(sev), dtype=bool))


def rate(engine, scenario, policy, n: int, seed: int = 1) -> tuple[float, float]:
    """(runs per CPU second, CPU seconds) of one engine call on ``n`` runs."""
    draws, prng = chunk_rngs(seed, 0)
    params = build_params(scenario, n, prng)
    t0 = time.process_time()
    engine(scenario, policy, params, draws, keep_daily=True)
    dt = time.process_time() - t0
    return n / dt, dt


def play_day_ms(scenario, policy: str, days: int = 365) -> float:
    """CPU milliseconds per day of the Mesa model with its DataCollector on."""
    m = EscalationModel(scenario, policy, Params.build(1), rng=1, collect=True)
    t0 = time.process_time()
    for _ in range(days):
        m.step()
    return (time.process_time() - t0) / days * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default=str(ROOT / "scenarios" / "baseline.yaml"))
    ap.add_argument("--policy", default="tit_for_tat")
    ap.add_argument("--ensemble-runs", type=int, default=20000)
    ap.add_argument("--mesa-runs", type=int, default=20)
    args = ap.parse_args()
    sc = load_scenario(args.scenario)
    pol = get_policy(args.policy)
    t0 = time.perf_counter()
    for p in (pol, get_policy(sc.policy), PythonTitForTat()):  # compile or load every kernel
        run_ensemble(sc, p, Params.build(2), np.random.default_rng(0))
        run_mesa(sc, p, Params.build(1), np.random.default_rng(0))
    compile_s = time.perf_counter() - t0
    print(f"scenario {sc.name} ({sc.days} days); one thread; figures in CPU time")
    print(f"compile or cache load of the compiled day (first calls): {compile_s:.1f} s")
    n = args.ensemble_runs
    for label, p in ((sc.policy, get_policy(sc.policy)), (args.policy, pol)):
        r, s = rate(run_ensemble, sc, p, n)
        verdict = "met" if r >= 10_000 else "NOT met"
        print(f"ensemble {label:>22}: {n:>7,} runs in {s:6.2f} s = {r:9,.0f} runs/s "
              f"(target >= 10,000: {verdict})")  # fmt: skip
    r, s = rate(run_ensemble, sc, PythonTitForTat(), n // 4)
    print(
        f"ensemble {'python tit-for-tat':>22}: {n // 4:>7,} runs in {s:6.2f} s = {r:9,.0f} runs/s"
    )
    r, s = rate(run_mesa, sc, pol, args.mesa_runs)
    verdict = "met" if r >= 50 else "NOT met"
    print(f"mesa     {args.policy:>22}: {args.mesa_runs:>7,} runs in {s:6.2f} s = {r:9,.1f} runs/s "
          f"(target >= 50: {verdict})")  # fmt: skip
    ms = play_day_ms(sc, args.policy)
    verdict = "met" if ms <= 50 else "NOT met"
    print(
        f"mesa day with DataCollector (dashboard Play): {ms:.2f} ms CPU (target <= 50: {verdict})"
    )


if __name__ == "__main__":
    main()
