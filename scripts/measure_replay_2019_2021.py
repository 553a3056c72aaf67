"""Measure the replay targets on the training window October 2019 – May 2021.

Replays the window with the documented US actions forced (``escalation replay --start
2019-10-01 --end 2021-05-31``: the history setting, the shipped posterior, Iran, the militias and
Iraq left to the model) and prints the targets: the US killed (median and central
90% interval, against the record's 3–4), the share of runs with two or more direct Iranian
strikes (the record has exactly one), and the monthly median of militia attacks from February
2020 to January 2021 (the record: rising through the summer of 2020, falling during Kata'ib
Hezbollah's conditional ceasefire of October 2020). Usage::

    python scripts/measure_replay_2019_2021.py [--runs 1000] [--seed 1] [--force us,militia_truce]
        [--posterior PATH]

``--posterior`` replaces the shipped posterior by another (a file written by ``escalation
calibrate --write-posterior``), for instance a fit to another reading of the record.
"""

from __future__ import annotations

import argparse
import datetime as dt

import numpy as np
import pandas as pd

from sim.history.replay import replay
from sim.inputs.record import load_record

START, END = dt.date(2019, 10, 1), dt.date(2021, 5, 31)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument(
        "--force", default="us,militia_truce", help="actors forced (default: us,militia_truce)"
    )
    ap.add_argument("--posterior", default=None, help="posterior CSV (default: the shipped one)")
    a = ap.parse_args()
    post = True if a.posterior is None else pd.read_csv(a.posterior)
    res = replay(
        load_record("seeds").events,
        START,
        END,
        a.runs,
        a.seed,
        force=a.force.split(","),
        posterior=post,
    )
    killed = np.asarray(res.runs["us_killed"])
    strikes = np.asarray(res.runs["iran_strikes"])
    lo, med, hi = np.percentile(killed, [5, 50, 95])
    print(
        f"replay {START} to {END}, {a.runs} runs, seed {a.seed}, forced: {a.force}, "
        f"posterior: {a.posterior or 'shipped'}"
    )
    print(f"US killed: median {med:g}, 90% interval {lo:g}-{hi:g} (record 3-4)")
    share = float((strikes >= 2).mean())
    print(f"runs with >= 2 direct Iranian strikes: {share:.1%} (record: exactly 1)")
    print(
        f"runs with exactly 1: {float((strikes == 1).mean()):.1%}; with none: "
        f"{float((strikes == 0).mean()):.1%}"
    )
    months = pd.PeriodIndex(res.trace.dates, freq="M")
    attacks = pd.DataFrame(res.trace.series["attacks"]).groupby(months).sum()
    print("month     median attacks (5%-95%)")
    for m in pd.period_range("2020-02", "2021-01", freq="M"):
        row = attacks.loc[m].to_numpy()
        q5, q50, q95 = np.percentile(row, [5, 50, 95])
        print(f"{m}   {q50:4.0f} ({q5:.0f}-{q95:.0f})")


if __name__ == "__main__":
    main()
