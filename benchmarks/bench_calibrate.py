"""Benchmark: calibration, replay and branch wall-clock times.

Targets: the calibration (default settings) under 10 minutes on a 2-core machine;
replay and branch of 1,000 runs under 30 s each. Prints the figures; run with

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_calibrate.py [--quick]

``--quick`` times a reduced calibration (300 particles, 4 generations) instead of the default.
Numbers measured on a shared machine are upper bounds.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

from sim.calibration.calibrate import calibrate
from sim.history.replay import branch, replay
from sim.inputs.record import load_record


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    seeds = load_record("seeds")
    events, periods = seeds.events, seeds.counts
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")

    t = time.perf_counter()
    res = replay(events, dt.date(2019, 10, 1), dt.date(2021, 5, 31), 1000, 1,
                 force=("us", "iran", "iraq_gov"))  # fmt: skip
    print(f"replay 2019-10-01..2021-05-31, 1000 runs: {time.perf_counter() - t:.1f} s "
          f"(target < 30 s); median attacks {res.runs['attacks_total'].median():.0f}")  # fmt: skip

    t = time.perf_counter()
    branch(events, dt.date(2020, 1, 3), ["record", "do_nothing", "strike_syria"], 180, 1000, 1)
    print(f"branch at 2020-01-03, 3 policies x 180 days, 1000 runs: "
          f"{time.perf_counter() - t:.1f} s (target < 30 s)")  # fmt: skip

    kw = {"particles": 300, "generations": 4} if args.quick else {}
    t = time.perf_counter()
    fit = calibrate(events, periods, seed=1, **kw)
    sims = sum(g.simulations for g in fit.abc.generations)
    print(f"calibration {kw or '(default settings)'}: {time.perf_counter() - t:.0f} s "
          f"(target < 600 s), {sims} simulations, stop: {fit.abc.stop_reason}")  # fmt: skip


if __name__ == "__main__":
    main()
