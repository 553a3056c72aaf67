"""The agent model as a forecaster of the rolling-origin evaluation.

At an origin the agent model is given a posterior (a table of parameter draws: calibrated on
the visible record at that origin, :func:`calibration_targets` and
:func:`sim.calibration.monthly_fit.calibrate_monthly`, or the shipped five-article posterior) and
forecasts the monthly counts of its series (:data:`MODEL_FIELDS`) by
:func:`sim.history.replay.branch`:

* **The history** from 1 October 2019 to the day before the origin is conditioned on what is
  known at the origin: the US actions, Iran's direct strikes, the expulsion vote and the
  militias' declared truces and suspensions of the rows visible there are forced
  (:data:`HISTORY_FORCE`); the militias are simulated, so each run reaches its own state at the
  origin. A truce still open at the origin (no visible row ends it) is in force on the
  history's last day and goes on in the forecast until the truce rules end it.
* **The setting** is the history setting as known at the origin (:func:`known_setting`): a
  dated shock that starts on or after the origin (the war in Gaza for the origin of
  1 October 2023, Haniyeh's killing for that of 1 July 2024, the nuclear talks for that of
  1 April 2021) is left out, and a lasting shock under way at the origin goes on through the
  forecast (its end is not known yet).
* **The forecast** continues the same runs (common random numbers) from the origin in the two
  modes of the protocol: ``given_us_actions`` forces the documented US actions of the forecast
  window (from the whole record: :func:`forcing_events`), and ``unconditional`` lets the US
  follow :data:`sim.validation.protocol.UNCONDITIONAL_POLICY`. Iran's direct strikes, the vote
  and the truces of the window are simulated in both.

* **The state is conditioned on the recent counts as well** (:func:`nearest_runs`): the history
  is simulated ``filter_factor`` times over, and the runs whose monthly counts of the last
  ``filter_months`` visible months lie nearest the documented intervals (the scaled distance of
  the calibration, :func:`sim.calibration.monthly_fit.run_distances`) are the ones continued.
  A forced history fixes the actions of the US, Iran and parliament, but the militias' own
  state (their excitation, grievance, fear, campaign) is simulated, and without this step a
  run at the origin would know nothing of how many attacks the last months saw, which every
  baseline is told (an approximate, nearest-neighbour conditioning: Biau, Cérou & Guyader
  2015, *Ann. Inst. H. Poincaré Probab. Statist.* 51:376, on ABC as a nearest-neighbour
  estimate).

Each continued run has its own draw from the posterior, so the samples of a series-month are
runs × parameter draws. The model has no Syria theatre: it forecasts attacks in Iraq, Iran's direct
strikes and Americans killed, and is not scored on attacks in Syria.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.calibration.monthly_fit import MonthlyTargets, run_distances
from sim.history.replay import (
    FORCEABLE,
    RECORD_POLICY,
    US_ACTION_CODES,
    Trace,
    branch,
    history_setting,
)
from sim.inputs.scenario import PULSE_KINDS, Scenario
from sim.validation.forecast_scores import key_code
from sim.validation.forecasters import add_months
from sim.validation.protocol import MODES, RECORD_END, UNCONDITIONAL_POLICY
from sim.validation.rolling import Forecast, MonthlyTable

#: The protocol's series the agent model forecasts, with the trace field that counts them
#: (:data:`sim.history.replay.TRACE_FIELDS`): its attacks on US forces in Iraq, Iran's direct
#: strikes on US forces, Americans killed (in the militias' attacks and Iran's strikes).
MODEL_FIELDS: dict[str, str] = {
    "iraq_attacks": "attacks",
    "iran_direct_strikes": "iran_struck",
    "us_killed": "killed",
}
#: What the history before an origin forces to the visible record.
HISTORY_FORCE: tuple[str, ...] = FORCEABLE
#: The pseudo-policy of :func:`sim.history.replay.branch` of each mode.
MODE_POLICY: dict[str, str] = {
    "given_us_actions": RECORD_POLICY,
    "unconditional": UNCONDITIONAL_POLICY,
}
assert tuple(MODE_POLICY) == MODES


def known_setting(origin: dt.date, setting: Scenario | None = None) -> Scenario:
    """The history setting as known at ``origin``: shocks that start on or after it left out,
    and lasting shocks under way at it made open-ended (their end lies ahead)."""
    base = setting or history_setting()
    shocks = []
    for s in base.shocks:
        if s.start >= origin:
            continue
        if s.kind not in PULSE_KINDS and s.end is not None and s.end >= origin:
            s = s.model_copy(update={"end": None})
        shocks.append(s)
    return base.model_copy(update={"shocks": shocks})


def forcing_events(visible: pd.DataFrame, record: pd.DataFrame, origin: dt.date) -> pd.DataFrame:
    """The events a branch at ``origin`` forces: the visible rows (the history) and the whole
    record's US actions dated on or after the origin (the given actions of the forecast)."""
    later = record[(record["actor"] == "us") & record["action"].isin(US_ACTION_CODES)
                   & (record["day"] >= pd.Timestamp(origin))]  # fmt: skip
    both = pd.concat([visible, later], ignore_index=True)
    return both.sort_values("day", kind="stable", ignore_index=True)


def calibration_targets(table: MonthlyTable) -> MonthlyTargets:
    """The monthly targets of a calibration at an origin: every month of a visible table for
    each series the model produces, its documented interval."""
    low = np.vstack([np.asarray(table.series[s].low, float) for s in MODEL_FIELDS])
    high = np.vstack([np.asarray(table.series[s].high, float) for s in MODEL_FIELDS])
    return MonthlyTargets(table.start, tuple(MODEL_FIELDS.values()), low, high)


def agent_seed(seed: int, model: str, origin: dt.date, stream: str) -> int:
    """The integer seed of one model's branch (``stream`` "forecast") or calibration
    (``stream`` "calibration") at one origin: drawn from ``SeedSequence(seed)`` with the keys
    of the model, the origin and the stream, so that it does not depend on what else is run."""
    key = tuple(key_code(k) for k in (model, origin, stream))
    return int(np.random.SeedSequence(seed, spawn_key=key).generate_state(1)[0])


def forecast_months(origin: dt.date, horizons: Sequence[int]) -> tuple[dt.date, ...]:
    """The first days of the forecast months of ``horizons`` that end by the record's end."""
    months = [add_months(origin, h - 1) for h in horizons]
    return tuple(m for m in months if m <= RECORD_END)


def nearest_runs(trace: Trace, targets: MonthlyTargets, keep: int) -> np.ndarray:
    """The ``keep`` runs of a history ``trace`` whose monthly counts lie nearest ``targets``
    (months within the trace's window; :func:`sim.calibration.monthly_fit.run_distances`),
    nearest first (ties in run order)."""
    first = (targets.start - trace.start).days
    if first < 0 or first >= trace.days:
        raise ValueError(f"the targets' months from {targets.start} are not in the history")
    starts = np.array([(add_months(targets.start, m) - trace.start).days
                       for m in range(targets.months)], dtype=np.int64)  # fmt: skip
    counts = np.stack([np.add.reduceat(trace.series[f].astype(np.int64), starts, axis=0)
                       for f in targets.fields])  # fmt: skip
    d = run_distances(targets, counts)
    return np.argsort(d, kind="stable")[:keep]


def recent_targets(table: MonthlyTable, months: int) -> MonthlyTargets:
    """The last ``months`` months of a visible table as targets of :func:`nearest_runs`."""
    full = calibration_targets(table)
    k = min(months, full.months)
    return MonthlyTargets(add_months(full.start, full.months - k), full.fields,
                          full.low[:, -k:], full.high[:, -k:])  # fmt: skip


def agent_forecasts(
    model: str,
    posterior: pd.DataFrame,
    events: pd.DataFrame,
    visible: MonthlyTable,
    origin: dt.date,
    horizons: Sequence[int],
    samples: int,
    seed: int,
    filter_months: int,
    filter_factor: int,
    setting: Scenario | None = None,
) -> list[Forecast]:
    """The agent model's samples of its series at one origin, in both modes.

    Parameters
    ----------
    model : the name in the score table
    posterior : the parameter draws (table names); each run takes one at random
    events : the forced events (:func:`forcing_events`)
    visible : the visible monthly table (the months before the origin)
    horizons : months ahead (1 = the origin's month); months after the record's end are left out
    samples : runs continued from the origin (samples of each series-month)
    seed : the branch's seed (:func:`agent_seed`)
    filter_months, filter_factor : the history is simulated ``filter_factor * samples`` times
        and the ``samples`` runs nearest the last ``filter_months`` visible months go on
        (:func:`nearest_runs`; a factor of 1 continues every run)
    setting : the history setting (default: the packaged one), cut to what is known at the
        origin (:func:`known_setting`)
    """
    months = forecast_months(origin, horizons)
    if not months:
        return []
    if filter_factor < 1 or filter_months < 1:
        raise ValueError("filter_factor and filter_months must be at least 1")
    end = min(add_months(months[-1], 1) - dt.timedelta(days=1), RECORD_END)
    days = (end - origin).days + 1
    recent = recent_targets(visible, filter_months)
    res = branch(events, origin, list(MODE_POLICY.values()), days, samples * filter_factor,
                 seed, scenario=known_setting(origin, setting), force=HISTORY_FORCE,
                 posterior=posterior,
                 select=lambda tr: nearest_runs(tr, recent, samples))  # fmt: skip
    starts = np.array([(m - origin).days for m in months], dtype=np.int64)
    hs = tuple(int(h) for h in horizons[: len(months)])
    out = []
    for mode, policy in MODE_POLICY.items():
        tr = res.futures[policy]
        for series, field in MODEL_FIELDS.items():
            daily = tr.series[field].astype(np.int64)
            x = np.add.reduceat(daily, starts, axis=0)
            out.append(Forecast(model, origin, series, mode, hs, months, x))
    return out
