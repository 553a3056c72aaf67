"""Speed-up of the Dask executor from 1 to 2 workers.

Starts a real local Dask cluster (``dask scheduler`` and ``dask worker --nthreads 1``
processes on 127.0.0.1, as in the tests), runs 200,000 runs of ``scenarios/baseline.yaml``
under one policy with 1 worker and then with 2 workers (``--dask-scheduler``), checks the two
results are identical, and prints the wall times and the speed-up (target >= 1.6× on a machine
with at least 2 free cores).

Run::

    .venv/bin/python benchmarks/bench_dask.py [--runs 200000] [--policy tit_for_tat]
"""

from __future__ import annotations

import argparse
import importlib.util
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.experiments.experiment import Experiment, run_experiment
from sim.inputs.scenario import load_scenario

ROOT = Path(__file__).resolve().parent.parent


def _cluster_helper():
    """The tests' local cluster (tests/conftest.py: local_dask_cluster)."""
    spec = importlib.util.spec_from_file_location("_conftest", ROOT / "tests" / "conftest.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.local_dask_cluster


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200_000)
    ap.add_argument("--policy", default="tit_for_tat")
    args = ap.parse_args()
    cluster = _cluster_helper()
    sc = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    exp = Experiment(sc, (args.policy,), args.runs, seed=1)
    times, outcomes = {}, {}
    with tempfile.TemporaryDirectory() as tmp:
        for n in (1, 2):
            with cluster(n, Path(tmp) / f"cluster{n}") as address:
                t0 = time.perf_counter()
                res = run_experiment(
                    exp, Path(tmp) / f"out{n}", dask_scheduler=address, progress=False
                )
                times[n] = time.perf_counter() - t0
                outcomes[n] = res.outcomes
    pd.testing.assert_frame_equal(outcomes[1], outcomes[2])
    print(f"Dask, {args.runs:,} runs of {args.policy} on {sc.name} ({exp.n_chunks} chunks)")
    for n in (1, 2):
        label = f"{n} worker" + ("s" if n > 1 else " ")
        print(f"  {label}: {times[n]:7.1f} s ({args.runs / times[n]:,.0f} runs/s)")
    sp = times[1] / times[2]
    print(
        f"  speed-up: {sp:.2f}x (target >= 1.6x: {'met' if sp >= 1.6 else 'NOT met'}); "
        "results identical"
    )


if __name__ == "__main__":
    main()
