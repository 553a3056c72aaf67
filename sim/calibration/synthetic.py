"""A record simulated from known parameters, in the packaged format (the fixture of the
recovery test: a calibration on it goes through the same loader and code path)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.settings import SEGMENTS
from sim.core.params import Params
from sim.history.replay import forcing_from_record, simulate, window
from sim.inputs.record import EVENT_COLUMNS, PERIOD_COLUMNS, load_events, load_period_counts


def synthetic_record(
    truth: dict[str, float], seed: int, until: dt.date, directory: Path
) -> tuple[Path, Path]:
    """Simulate one run of the first documented window from known parameters, with the
    documented US actions forced, and write it as a record (``events.csv``,
    ``period_counts.csv``) in the packaged format, so that a calibration on it goes through the
    same loader and code path. The record is complete: every simulated attack, Iranian strike
    and the vote are written, and the period counts are exact for the packaged count windows.
    """
    real = load_events()
    real_periods = load_period_counts()
    seg = SEGMENTS[0]
    end = min(seg.end, until)
    setting = window(seg.setting(), seg.start, end)
    p = Params.build(1, truth)
    rng = np.random.default_rng(seed)
    tr = simulate(setting, p, rng, forcing=forcing_from_record(real, seg.start, setting.days))
    dates = tr.dates
    src = "synthetic"
    rows = []
    rec_us = real[(real["actor"] == "us") & (real["day"] <= pd.Timestamp(end))
                  & (real["day"] >= pd.Timestamp(seg.start))
                  & real["date_precision"].isin(("day", "week"))]  # fmt: skip
    us_days = {r["day"]: r for _, r in rec_us.iterrows()}
    decap_id = ""
    for t, day in enumerate(dates):
        s = {k: int(v[t, 0]) for k, v in tr.series.items()}
        d = f"{day:%Y-%m-%d}"
        n_att, n_inj, n_let = s["attacks"], s["injuring"], s["lethal"]
        for i in range(n_att):
            action = ("lethal_attack" if i < n_let else "injury_attack" if i < n_inj
                      else "harassment_attack")  # fmt: skip
            # the day's casualties go on its first (most severe) attack
            first = i == 0 and not s["iran_struck"]
            killed = s["killed"] if first else (0 if action == "harassment_attack" else "")
            wounded = s["wounded"] if first else (0 if action == "harassment_attack" else "")
            rows.append(
                [
                    f"syn-{d}-attack-{i}",
                    d,
                    "day",
                    "militia",
                    "us_forces",
                    "Iraq",
                    "Iraq",
                    action,
                    "rocket",
                    killed,
                    wounded,
                    "",
                    "",
                    "",
                    "",
                    src,
                    "",
                ]
            )
        if s["iran_struck"]:
            rows.append([f"syn-{d}-iran", d, "day", "iran", "us_forces", "Iraq", "Iraq",
                         "iran_state_strike", "ballistic_missile", "", "", "", "", "", "", src,
                         ""])  # fmt: skip
        if day in us_days:
            r = us_days[day]
            if r["action"] in ("us_strike_syria", "us_strike_iraq", "decapitation"):
                rid = f"syn-{d}-us"
                decap_id = rid if r["action"] == "decapitation" else decap_id
                rows.append([rid, d, "day", "us", r["target"], "x", r["country"], r["action"],
                             "airstrike", "", "", "", "", "", "", src, ""])  # fmt: skip
        if s["voted"] and (t == 0 or not tr.series["voted"][t - 1, 0]):
            rows.append([f"syn-{d}-vote", d, "day", "iraq_gov", "us_forces", "Baghdad", "Iraq",
                         "expulsion_vote", "none", "", "", "", "", "", decap_id if decap_id
                         else "", src, ""])  # fmt: skip

    directory.mkdir(parents=True, exist_ok=True)
    ev_path = directory / "events.csv"
    pd.DataFrame(rows, columns=list(EVENT_COLUMNS)).to_csv(ev_path, index=False)
    prow = []
    for _, r in real_periods.iterrows():
        if r["unit"] != "attacks" or r["end"].date() > end or r["start"].date() < seg.start:
            continue
        n = int(
            tr.series["attacks"][
                (r["start"] - pd.Timestamp(seg.start)).days : (
                    r["end"] - pd.Timestamp(seg.start)
                ).days
                + 1,
                0,
            ].sum()
        )
        prow.append([r["id"], f"{r['start']:%Y-%m-%d}", f"{r['end']:%Y-%m-%d}", "militia",
                     "any_attack", n, n, "attacks", "synthetic count", src, ""])  # fmt: skip
    per_path = directory / "period_counts.csv"
    pd.DataFrame(prow, columns=list(PERIOD_COLUMNS)).to_csv(per_path, index=False)
    return ev_path, per_path
