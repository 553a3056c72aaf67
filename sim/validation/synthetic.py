"""A record simulated from the agent model at known parameters, month by month: the fixture on
which the rolling-origin evaluation must rank the agent model with the true parameters first
and a clearly wrong one last (``tests/test_validate.py``).

One run of the agent model from October 2019 to August 2024 with the documented US actions of
the record forced, no truce, and everything else simulated, written as a record folder that the
evaluation reads as it reads the packaged one. The setting is the history setting without its
dated shocks (:func:`synthetic_setting`; the evaluation of the synthetic record is given the
same setting), so that the model with the true parameters is the process that made the record
(a shock after an origin would be unknown to it). The truces are forced to none because the
record holds no truce for the evaluation to force in its histories.

The folder:

* events: every simulated attack in Iraq (on US forces; the day's Americans killed and wounded
  on its first attack), Iran's direct strikes, the expulsion vote, and the record's US actions
  dated to the day, each published on its day;
* count statements: the exact monthly counts of attacks in Iraq, Iran's direct strikes and
  Americans killed (a statement for each month, published on the month's last day), so that
  the monthly table's interval of each month is the simulated count itself.
"""

from __future__ import annotations

import calendar
import datetime as dt
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core.params import GROUPS, TABLE, Params
from sim.history.replay import (
    US_ACTION_CODES,
    forcing_from_record,
    history_setting,
    simulate,
    window,
)
from sim.inputs.posterior import posterior_draws
from sim.inputs.record import Record, load_record, write_record
from sim.inputs.record_schema import RECORD_END, RECORD_START
from sim.inputs.scenario import Scenario

_SOURCE = {
    "outlet": "synthetic",
    "headline": "simulated from known parameters",
    "url": "https://example.org/synthetic",
}


def true_values() -> dict[str, float]:
    """The true parameters of the synthetic record: the medians of the shipped posterior (the
    table's defaults for the rest), with no suspension declared at Iran's behest
    (``patron_truce`` 0). The record is made with every truce forced to none, and the
    evaluation simulates the truces of its forecasts: with the default ``patron_truce``, the
    model at these parameters would forecast suspensions after the deaths Iran's restraint
    answers, which the process that made the record never declared. Iran's restraint itself
    (``patron_restraint``) acts in both."""
    post = posterior_draws()
    return {c: float(np.median(post[c].to_numpy(float))) for c in post.columns} | {
        "patron_truce": 0.0
    }


def scaled_base_rates(values: dict[str, float], factor: float) -> dict[str, float]:
    """``values`` with every group's background attack rate multiplied by ``factor``."""
    out = dict(values)
    for g in GROUPS:
        key = f"base_rate.{g}"
        out[key] = out.get(key, TABLE[key].default) * factor
    return out


def synthetic_setting() -> Scenario:
    """The history setting without its dated shocks."""
    return history_setting().model_copy(update={"shocks": []})


def _month_end(d: dt.date) -> dt.date:
    return dt.date(d.year, d.month, calendar.monthrange(d.year, d.month)[1])


def synthetic_record(
    truth: dict[str, float], seed: int, directory: Path, record: Record | None = None
) -> Path:
    """Simulate the agent model at ``truth`` in :func:`synthetic_setting` with the US actions
    of ``record`` (default: the packaged one) forced and no truce, and write the result as a
    record folder ``directory`` (the module docstring). Returns the folder."""
    real = (record if record is not None else load_record("full")).events
    setting = window(synthetic_setting(), RECORD_START, RECORD_END)
    us = real[(real["actor"] == "us") & real["action"].isin(US_ACTION_CODES)
              & real["date_precision"].isin(("day", "week"))]  # fmt: skip
    forcing = forcing_from_record(us, RECORD_START, setting.days, ("us", "militia_truce"))
    tr = simulate(setting, Params.build(1, truth), np.random.default_rng(seed), forcing=forcing)
    rows: list[dict[str, object]] = []

    def event(rid: str, d: str, **cols: object) -> None:
        rows.append({"id": rid, "date": d, "date_precision": "day", "location": "x",
                     "published": d, **_SOURCE, **cols})  # fmt: skip

    us_rows = {f"{r['day']:%Y-%m-%d}": r for _, r in us.iterrows()}
    voted = tr.series["voted"][:, 0]
    for t, day in enumerate(tr.dates):
        d = f"{day:%Y-%m-%d}"
        s = {k: int(v[t, 0]) for k, v in tr.series.items()}
        casualties = {"us_killed": s["killed"], "us_wounded": s["wounded"]}
        for i in range(s["attacks"]):
            action = ("lethal_attack" if i < s["lethal"] else "injury_attack"
                      if i < s["injuring"] else "harassment_attack")  # fmt: skip
            hurt = casualties if i == 0 else {}
            event(f"syn-{d}-attack-{i}", d, actor="militia", target="us_forces", theatre="iraq",
                  action=action, weapon="rocket", **hurt)  # fmt: skip
            casualties = {}
        if s["iran_struck"]:
            event(f"syn-{d}-iran", d, actor="iran", target="us_forces", theatre="iraq",
                  action="iran_state_strike", weapon="ballistic_missile", **casualties)  # fmt: skip
        if voted[t] and (t == 0 or not voted[t - 1]):
            event(f"syn-{d}-vote", d, actor="iraq_gov", target="us_forces", theatre="iraq",
                  action="expulsion_vote", weapon="none")  # fmt: skip
        if d in us_rows:
            r = us_rows[d]
            event(f"syn-{d}-us", d, actor="us", target=r["target"], theatre=r["theatre"],
                  action=r["action"], weapon="airstrike")  # fmt: skip
    counts = []
    months = pd.period_range(RECORD_START, RECORD_END, freq="M")
    starts = np.array([(p.start_time.date() - RECORD_START).days for p in months])
    for field, kind, actor in (("attacks", "attacks", "militia"),
                               ("iran_struck", "iran_direct_strikes", "iran"),
                               ("killed", "us_killed", "militia")):  # fmt: skip
        per = np.add.reduceat(tr.series[field][:, 0].astype(np.int64), starts)
        for p, n in zip(months, per, strict=True):
            a, z = p.start_time.date(), _month_end(p.start_time.date())
            counts.append({"id": f"syn-{kind}-{p}", "start": f"{a}", "end": f"{z}",
                           "theatre": "iraq", "kind": kind, "actor": actor, "counter": "press",
                           "counted_by": "synthetic", "count_low": int(n), "count_high": int(n),
                           "statement": "synthetic count", "published": f"{z}",
                           **_SOURCE})  # fmt: skip
    return write_record(Path(directory), rows, counts)
