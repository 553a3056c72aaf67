"""Benchmark: the rolling-origin evaluation (``escalation validate``) and its calibration.

Targets: the agent model's calibration at one origin well below the 132 s of the five-article
calibration (``benchmarks/bench_calibrate.py`` times that one); ``--quick`` within about a
minute; the whole protocol (18 origins, both modes, every model) under 20 minutes on a 2-core
machine. Prints the figures; run with

    MPLBACKEND=Agg .venv/bin/python benchmarks/bench_validate.py [--full]

It times the calibration on the monthly targets at the first, a middle and the last origin
(``sim.calibration.settings.MONTHLY``), then the quick evaluation with its outputs, and with
``--full`` the protocol's run with its outputs (about ten minutes). Numbers measured on a shared
machine are upper bounds.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

from sim.calibration.monthly_fit import calibrate_monthly
from sim.inputs.record import load_record
from sim.validation.agent import calibration_targets
from sim.validation.evaluation import evaluate
from sim.validation.observed import visible_record, visible_table
from sim.validation.protocol import ORIGINS, SEED
from sim.validation.settings import FULL, QUICK


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--full", action="store_true", help="also time the protocol's whole run")
    args = ap.parse_args()
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()[0]:.1f}")
    record = load_record("full")

    for origin in (ORIGINS[0], ORIGINS[len(ORIGINS) // 2], ORIGINS[-1]):
        vis = visible_record(record, origin)
        targets = calibration_targets(visible_table(vis, origin))
        t = time.perf_counter()
        fit = calibrate_monthly(vis.events, targets, SEED)
        print(f"calibration at {origin} ({targets.months} months, {int(targets.used().sum())} "
              f"targets): {time.perf_counter() - t:.1f} s, {fit.simulations} particles x "
              f"{FULL.calibration.replicates} runs, stop: {fit.abc.stop_reason}")  # fmt: skip

    runs = [("quick", QUICK)] + ([("protocol", FULL)] if args.full else [])
    for name, settings in runs:
        with tempfile.TemporaryDirectory() as tmp:
            t = time.perf_counter()
            ev = evaluate(record, settings)
            t_eval = time.perf_counter() - t
            ev.save(Path(tmp) / "out")
            total = time.perf_counter() - t
        cal = ev.timings["calibration_s"].sum()
        agent = ev.timings["agent_forecasts_s"].sum()
        print(f"evaluation '{name}' ({len(settings.origins)} origins, {settings.samples} "
              f"samples): {total:.0f} s ({t_eval:.0f} s to evaluate: calibration {cal:.0f} s, "
              f"agent forecasts {agent:.0f} s; outputs {total - t_eval:.0f} s)")  # fmt: skip


if __name__ == "__main__":
    main()
