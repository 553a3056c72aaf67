"""The throughput and memory figures behind the run-size check (:mod:`sim.experiments.budget`).

Measures on this machine, in this process (one core):

* the CPU seconds per simulated run-day of an experiment's chunk (:func:`sim.experiments.chunks.
  run_chunk`: parameter draws, the ensemble engine, the daily histograms, the outcome table) on
  the baseline scenario, the slowest of a few policies; and the Mesa engine's;
* the bytes per run of the gathered outcome table (``DataFrame.memory_usage(deep=True)``) and
  the peak memory (tracemalloc: numpy's arrays included) of gathering and writing it, per run;
* the peak memory of computing one chunk, per run-day of the chunk (the difference between two
  chunk sizes, so that the fixed part drops out), and per run-day of replay's daily trace;

and prints each beside the constant the check uses, which must not be below it.

Run::

    .venv/bin/python benchmarks/bench_budget.py [--runs 2000] [--mesa-runs 10]

(about a minute; the machine should be otherwise idle.)
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import tracemalloc
from pathlib import Path

os.environ.setdefault("ESCALATION_THREADS", "1")  # per-core figures

import pandas as pd

from sim.experiments import budget
from sim.experiments.chunks import Aggregate, ChunkTask, run_chunk
from sim.experiments.spec import Experiment
from sim.experiments.store import write_parquet_atomic
from sim.history.replay import TRACE_FIELDS, record_events, replay
from sim.inputs.scenario import load_scenario

POLICIES = ("do_nothing", "strike_iraq", "tit_for_tat")


def chunk_task(scenario, policy: str, n: int, engine: str = "ensemble") -> ChunkTask:
    return ChunkTask(scenario=scenario, policy=policy, chunk=0, start=0, n=n, seed=1,
                     engine=engine, keep_daily=False)  # fmt: skip


def cpu_per_run_day(scenario, policy: str, n: int, engine: str = "ensemble") -> float:
    run_chunk(chunk_task(scenario, policy, min(n, 50), engine))  # compile or load the kernels
    t0 = time.process_time()
    run_chunk(chunk_task(scenario, policy, n, engine))
    return (time.process_time() - t0) / (n * scenario.days)


def peak_bytes(fn) -> int:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--mesa-runs", type=int, default=10)
    args = ap.parse_args()
    sc = load_scenario("baseline")
    n = args.runs

    def show(label: str, measured: float, constant: float, unit: str) -> None:
        ok = "ok" if constant >= measured else "BELOW THE MEASURED FIGURE"
        print(f"{label}: measured {measured:.3g} {unit}; budget.py {constant:.3g} ({ok})")

    worst = max(cpu_per_run_day(sc, p, n) for p in POLICIES)
    show("ensemble chunk, CPU s per run-day", worst, budget.ENSEMBLE_SECONDS_PER_RUN_DAY, "s")
    mesa = cpu_per_run_day(sc.model_copy(update={"days": 60}), "strike_iraq", args.mesa_runs,
                           "mesa")  # fmt: skip
    show("mesa chunk, CPU s per run-day", mesa, budget.MESA_SECONDS_PER_RUN_DAY, "s")

    small = peak_bytes(lambda: run_chunk(chunk_task(sc, "strike_iraq", n)))
    large = peak_bytes(lambda: run_chunk(chunk_task(sc, "strike_iraq", 2 * n)))
    show("chunk peak memory per run-day", (large - small) / n / sc.days,
         budget.CHUNK_BYTES_PER_RUN_DAY, "B")  # fmt: skip

    exp = Experiment(sc, POLICIES, runs=2 * n, seed=1, chunk_size=n)
    chunks = [(p, c, run_chunk(ChunkTask(sc, p, c, c * n, n, 1, "ensemble", False)))
              for p in POLICIES for c in range(2)]  # fmt: skip
    runs = len(POLICIES) * 2 * n

    def gather() -> None:
        agg = Aggregate(exp)
        for p, c, r in chunks:
            agg.add(p, c, r.outcomes, r.hist)
        table = agg.outcomes()
        with tempfile.TemporaryDirectory() as d:
            write_parquet_atomic(table, Path(d) / "outcomes.parquet")

    agg = Aggregate(exp)
    for p, c, r in chunks:
        agg.add(p, c, r.outcomes, r.hist)
    table: pd.DataFrame = agg.outcomes()
    per_row = table.memory_usage(deep=True).sum() / runs
    print(f"outcome table: {per_row:.0f} B per run in memory")
    show("gathering and writing the outcome table, peak per run", peak_bytes(gather) / runs,
         budget.OUTCOME_BYTES_PER_RUN, "B")  # fmt: skip

    events = record_events()
    days = 120
    start, end = pd.Timestamp("2019-12-01").date(), pd.Timestamp("2020-03-29").date()
    r_small = peak_bytes(lambda: replay(events, start, end, n // 2, 1))
    r_large = peak_bytes(lambda: replay(events, start, end, n, 1))
    trace = sum(1 if f in ("iran_struck", "voted", "protested", "us_action") else 2
                for f in TRACE_FIELDS)  # fmt: skip
    print(f"replay trace: {trace} B per run-day of daily series")
    show("replay peak memory per run-day", (r_large - r_small) / (n // 2) / days,
         budget.TRACE_BYTES_PER_RUN_DAY, "B")  # fmt: skip


if __name__ == "__main__":
    main()
