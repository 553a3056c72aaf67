"""Does the replayed 2023-24 campaign go quiet after 2 February 2024? Iran's restraint on and off.

Replays 1 October 2023 - 30 April 2024 with the full record's US actions and the militias'
declared truces forced (as ``escalation replay --record full`` does), the shipped posterior and
the table's defaults for the parameters it does not carry, once as the model is and once with
Iran's restraint of its partners switched off (``patron_restraint`` and ``patron_truce`` at 0),
on common random numbers. Prints the simulated attacks in Iraq by window (mean, 90% interval,
share of runs with none) and writes a weekly figure. The record has no attack in Iraq or Syria
from about 5 February to 20 April 2024.

Run::

    .venv/bin/python scripts/measure_patron_lull.py [--runs 2000] [--seed 1]
        [--figure docs/figures/patron_lull_2024.png] [--restraint 1.0]
"""

from __future__ import annotations

import argparse
import datetime as dt

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sim.experiments.sampling import build_params, chunk_rngs
from sim.history.replay import history_setting, replay, window
from sim.inputs.record import load_record

START, END = dt.date(2023, 10, 1), dt.date(2024, 4, 30)
WINDOWS = (
    ("1 Jan - 4 Feb 2024", "2024-01-01", "2024-02-04"),
    ("5 Feb - 20 Apr 2024 (the lull)", "2024-02-05", "2024-04-20"),
    ("February 2024", "2024-02-01", "2024-02-29"),
    ("March 2024", "2024-03-01", "2024-03-31"),
    ("1 - 20 April 2024", "2024-04-01", "2024-04-20"),
)
MARKS = (
    ("2024-01-28", "Tower 22"),
    ("2024-02-02", "US strikes"),
    ("2024-02-07", "KH commander killed"),
    ("2024-04-21", "attacks resume"),
)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--restraint", type=float, default=None,
                    help="patron_restraint of the 'on' runs (default: the table's)")  # fmt: skip
    ap.add_argument("--figure", default="docs/figures/patron_lull_2024.png")
    a = ap.parse_args()
    events = load_record("full").events
    setting = window(history_setting(), START, END)
    on = {} if a.restraint is None else {"patron_restraint": a.restraint}
    traces = {}
    for name, over in (("on", on), ("off", {"patron_restraint": 0.0, "patron_truce": 0.0})):
        _, prng = chunk_rngs(a.seed, 0)
        p = build_params(setting, a.runs, prng, overrides=over)
        traces[name] = replay(events, START, END, a.runs, a.seed, params=p).trace
    dates = pd.date_range(START, END)
    rows = []
    for label, first, last in WINDOWS:
        days = (dates >= pd.Timestamp(first)) & (dates <= pd.Timestamp(last))
        for name, trace in traces.items():
            x = trace.series["attacks"][days].sum(axis=0)
            rows.append({"window": label, "restraint": name, "mean": round(x.mean(), 2),
                         "q05": np.quantile(x, 0.05), "q95": np.quantile(x, 0.95),
                         "P(none)": round((x == 0).mean(), 3)})  # fmt: skip
    print(pd.DataFrame(rows).to_string(index=False))
    weeks = pd.Series(np.arange(len(dates)), index=dates).resample("W-SUN").apply(list)
    fig, ax = plt.subplots(figsize=(9, 4))
    for name, colour in (("on", "C0"), ("off", "C3")):
        a_ = traces[name].series["attacks"]
        weekly = np.array([a_[idx].sum(axis=0) for idx in weeks])
        ax.plot(weeks.index, weekly.mean(axis=1), color=colour, label=f"restraint {name}: mean")
        ax.fill_between(weeks.index, np.quantile(weekly, 0.05, axis=1),
                        np.quantile(weekly, 0.95, axis=1), color=colour, alpha=0.2,
                        label=f"restraint {name}: 90%")  # fmt: skip
    top = ax.get_ylim()[1]
    for day, text in MARKS:
        ax.axvline(pd.Timestamp(day), color="grey", lw=0.8, ls="--")
        ax.text(pd.Timestamp(day), top * 0.97, text, rotation=90, fontsize=7, va="top")
    ax.set_ylabel("simulated attacks in Iraq per week")
    ax.set_title("Replay of Oct 2023 - Apr 2024 (full record's US actions and truces forced)")
    ax.legend(fontsize=7, loc="upper left")
    fig.tight_layout()
    fig.savefig(a.figure, dpi=110)
    print(f"figure: {a.figure}")


if __name__ == "__main__":
    main()
