"""Benchmark: fit and 1,000-sample forecast of each baseline, and the baselines' whole
rolling-origin evaluation.

Target: every baseline's fit and 1,000-sample forecast of three months well under a second per
series per origin. The histories are synthetic (a Hawkes path driven by strikes in about one
month in seven, at the level of Iraq's attacks), 6 months long (the first origin, 2020-04-01)
and 57 months long (the last, 2024-07-01). Run with

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_baselines.py [--repeats N]

Prints the median and the slowest of ``N`` repeats, per baseline, mode and history length,
then the time of the protocol-shaped run of the six baselines (18 origins, 3 horizons, the 4
series, 2 modes, 1,000 samples: fits, samples and scores) on a synthetic table. Numbers
measured on a shared machine are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import numpy as np

from sim.validation import forecasters as F
from sim.validation import rolling as R
from sim.validation.protocol import FIT_START, MODES, ORIGINS, SAMPLES, SERIES

TRUTH = F.HawkesParams(mu=4.0, a=0.5, b=3.0, kappa=0.4, size=5.0)


def _path(months: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    u = ((rng.random(months) < 0.15) * (1 + rng.poisson(2, months))).astype(float)
    return F.simulate_hawkes(TRUTH, u, rng).astype(float), u


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=20)
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    y, u = _path(60, 1)
    print(f"{'baseline':<14} {'mode':<17} {'months':>6} {'median ms':>10} {'max ms':>8}")
    worst = 0.0
    for months in (6, 57):
        h = F.History(FIT_START, y[:months], u[:months])
        cov = u[months : months + 3]
        for name, make in F.BASELINE_FORECASTERS.items():
            for mode in MODES:
                times = []
                for r in range(args.repeats):
                    fc = make()  # a new one: the Hawkes model keeps its last fit
                    t = time.perf_counter()
                    fitted = fc.fit(h, mode)
                    fitted.sample(3, cov if mode == "given_us_actions" else None,
                                  np.random.default_rng(r), SAMPLES)  # fmt: skip
                    times.append(time.perf_counter() - t)
                worst = max(worst, max(times))
                print(f"{name:<14} {mode:<17} {months:>6} {1e3 * statistics.median(times):>10.1f} "
                      f"{1e3 * max(times):>8.1f}")  # fmt: skip
    print(f"slowest fit + {SAMPLES}-sample forecast: {1e3 * worst:.0f} ms (target: well under 1 s)")

    rng = np.random.default_rng(2)
    n = 59  # 2019-10 to 2024-08
    strikes = ((rng.random(n) < 0.15) * (1 + rng.poisson(2, n))).astype(float)
    series = {}
    for j, s in enumerate(SERIES):
        p = TRUTH._replace(mu=[4.0, 2.0, 0.2, 0.1][j], b=[3.0, 1.0, 0.1, 0.05][j])
        v = F.simulate_hawkes(p, strikes, rng).astype(float)
        series[s] = R.Observed(v, np.floor(0.8 * v), np.ceil(1.25 * v))
    table = R.MonthlyTable(FIT_START, series, strikes)
    t = time.perf_counter()
    scores = R.rolling_evaluation(table, F.baselines())
    print(f"rolling evaluation of the {len(F.baselines())} baselines: {len(ORIGINS)} origins, "
          f"{len(SERIES)} series, {len(MODES)} modes, {len(scores)} scored forecasts: "
          f"{time.perf_counter() - t:.1f} s")  # fmt: skip


if __name__ == "__main__":
    main()
