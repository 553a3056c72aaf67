"""Measure: on a record simulated from the agent model at known parameters, how the rolling-origin
evaluation ranks the model at the true parameters, wrong ones and the protocol's baselines.

The record is :func:`sim.validation.synthetic.synthetic_record` (the shipped posterior's medians,
the record's US actions forced, no truce, no dated shock); the agent models are given fixed
parameters (no calibration): the truth, the background attack rates times 0.5, 0.2 and 5. Every
origin of the protocol, its samples unless ``--samples``. Prints the totals over the agent
model's three series and the ranking in each mode. Run with

    MPLBACKEND=Agg .venv/bin/python scripts/measure_synthetic_ranking.py [--seed 1] [--samples N]

``tests/test_validate.py`` keeps a fast version (four origins, the agent models only).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from sim.inputs.record import load_record
from sim.validation import synthetic as S
from sim.validation.evaluation import AgentModel, evaluate
from sim.validation.protocol import MODES, SAMPLES
from sim.validation.settings import EvaluationSettings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seed", type=int, default=1, help="seed of the synthetic record")
    ap.add_argument("--samples", type=int, default=SAMPLES)
    args = ap.parse_args()
    truth = S.true_values()
    agents = (
        AgentModel("truth", pd.DataFrame([truth])),
        AgentModel("rates_x0.5", pd.DataFrame([S.scaled_base_rates(truth, 0.5)])),
        AgentModel("rates_x0.2", pd.DataFrame([S.scaled_base_rates(truth, 0.2)])),
        AgentModel("rates_x5", pd.DataFrame([S.scaled_base_rates(truth, 5.0)])),
    )
    t = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        record = load_record(S.synthetic_record(truth, args.seed, Path(tmp) / "synthetic"))
        settings = EvaluationSettings("synthetic", samples=args.samples)
        ev = evaluate(record, settings, agents=agents, setting=S.synthetic_setting())
    print(f"synthetic record, seed {args.seed}, {len(settings.origins)} origins, "
          f"{args.samples} samples: {time.perf_counter() - t:.0f} s")  # fmt: skip
    tot = ev.totals()
    cols = ["model", "log_score", "crps", "ignorance", "cover50", "cover90"]
    for mode in MODES:
        t = tot[tot["mode"] == mode].sort_values("log_score", ascending=False)
        print(f"\n{mode}")
        print(t[cols].round(2).to_string(index=False))
        print("ranking by log score:", ", ".join(ev.ranking(mode)))
        print("ranking by CRPS:     ", ", ".join(ev.ranking(mode, "crps")))


if __name__ == "__main__":
    main()
