"""A record simulated from known parameters (the fixture of the recovery test: a calibration on
it goes through the record's loader and the same code path as the documented record)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.settings import SEGMENTS
from sim.core.params import Params
from sim.history.replay import forcing_from_record, simulate, window
from sim.inputs.record import (
    COUNTS_FILE,
    EVENTS_FILE,
    load_record,
    model_attack_statements,
    write_record,
)

#: The source columns of every synthetic row (the format asks for an outlet and an address).
_SOURCE = {
    "outlet": "synthetic",
    "published": "2024-08-31",
    "headline": "simulated from known parameters",
    "url": "https://example.org/synthetic",
}


def synthetic_record(
    truth: dict[str, float], seed: int, until: dt.date, directory: Path
) -> tuple[Path, Path]:
    """Simulate one run of the first documented window from known parameters, with the
    documented US actions of the five articles forced, and write it as a record.

    The record is complete: every simulated attack, Iranian strike and the vote are written as
    events, and the count statements are exact for the five articles' attack statements of the
    window (:func:`sim.inputs.record.model_attack_statements`).

    The record is a folder ``directory`` (:func:`sim.inputs.record.write_record`; it must not
    exist or be empty), read back with :func:`sim.inputs.record.load_record`; returns the
    paths of its ``events.csv`` and ``counts.csv``.
    """
    seeds = load_record("seeds")
    real, real_counts = seeds.events, seeds.counts
    seg = SEGMENTS[0]
    end = min(seg.end, until)
    setting = window(seg.setting(), seg.start, end)
    p = Params.build(1, truth)
    rng = np.random.default_rng(seed)
    tr = simulate(setting, p, rng, forcing=forcing_from_record(real, seg.start, setting.days))
    rec_us = real[(real["actor"] == "us") & (real["day"] <= pd.Timestamp(end))
                  & (real["day"] >= pd.Timestamp(seg.start))
                  & real["date_precision"].isin(("day", "week"))]  # fmt: skip
    us_days = {r["day"]: r for _, r in rec_us.iterrows()}
    rows: list[dict[str, object]] = []

    def event(rid, d, actor, target, theatre, action, weapon, **more) -> None:
        rows.append({"id": rid, "date": d, "date_precision": "day", "actor": actor,
                     "target": target, "theatre": theatre, "location": "x", "action": action,
                     "weapon": weapon, **_SOURCE, **more})  # fmt: skip

    decap_id = ""
    for t, day in enumerate(tr.dates):
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
            event(f"syn-{d}-attack-{i}", d, "militia", "us_forces", "iraq", action, "rocket",
                  us_killed=killed, us_wounded=wounded)  # fmt: skip
        if s["iran_struck"]:
            event(f"syn-{d}-iran", d, "iran", "us_forces", "iraq", "iran_state_strike",
                  "ballistic_missile")  # fmt: skip
        if day in us_days:
            r = us_days[day]
            if r["action"] in ("us_strike_syria", "us_strike_iraq", "decapitation"):
                rid = f"syn-{d}-us"
                decap_id = rid if r["action"] == "decapitation" else decap_id
                event(rid, d, "us", r["target"], r["theatre"], r["action"], "airstrike")
        if s["voted"] and (t == 0 or not tr.series["voted"][t - 1, 0]):
            event(f"syn-{d}-vote", d, "iraq_gov", "us_forces", "iraq", "expulsion_vote", "none",
                  responds_to=decap_id)  # fmt: skip

    counts = []
    for _, r in real_counts[model_attack_statements(real_counts)].iterrows():
        if r["end"].date() > end or r["start"].date() < seg.start:
            continue
        lo, hi = ((r[k] - pd.Timestamp(seg.start)).days for k in ("start", "end"))
        n = int(tr.series["attacks"][lo : hi + 1, 0].sum())
        counts.append({"id": r["id"], "start": f"{r['start']:%Y-%m-%d}",
                       "end": f"{r['end']:%Y-%m-%d}", "theatre": "iraq", "kind": r["kind"],
                       "actor": "militia", "counter": "press", "counted_by": "synthetic",
                       "count_low": n, "count_high": n, "statement": "synthetic count",
                       **_SOURCE})  # fmt: skip
    folder = write_record(Path(directory), rows, counts)
    return folder / EVENTS_FILE, folder / COUNTS_FILE
