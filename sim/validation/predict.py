"""The agent model's predictive distribution of each window's count.

For each window start, :func:`sim.history.replay.branch` conditions on the documented history
from ``history_start`` to the day before (the US actions, Iran's direct strikes and the
expulsion vote forced to the record; the militias simulated, so the state at the window's start
is the state the model has reached), then continues under the pseudo-policy ``record``: the
documented US actions forced in the window, Iran and parliament simulated. The dated shocks of
the shipped scenarios act on their dates (:func:`sim.history.replay.history_setting`).
Windows that start on the same day share one branch (their counts are sums over its first
days). Only the replay API is used, so the engine underneath may change.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from sim.history.replay import RECORD_POLICY, branch
from sim.validation.heldout import Window
from sim.validation.settings import SETTINGS, TRACE_FIELD, ValidationSettings


def model_samples(
    events: pd.DataFrame,
    wins: Sequence[Window],
    runs: int,
    seed: int,
    posterior: pd.DataFrame | bool = True,
    settings: ValidationSettings = SETTINGS,
    progress: Callable[[str], None] | None = None,
) -> dict[str, np.ndarray]:
    """Per window name: the simulated counts of its quantity, one per run (shape ``(runs,)``).

    Parameters
    ----------
    events : the event table whose US actions (and, in the history, Iranian strikes and votes)
        are forced: training and held-out events (:func:`sim.validation.heldout.combined_events`)
    posterior : parameter draws, as :func:`sim.history.replay.branch` (True: the shipped
        posterior; a table of draws, e.g. one row of known values for the synthetic check)
    """
    start = dt.date.fromisoformat(settings.history_start)
    by_start: dict[dt.date, list[Window]] = {}
    for w in wins:
        by_start.setdefault(w.start, []).append(w)
    out: dict[str, np.ndarray] = {}
    for at, group in sorted(by_start.items()):
        horizon = max(w.days for w in group)
        if progress:
            progress(f"  branch at {at}: {horizon} days, {runs} runs")
        res = branch(events, at, [RECORD_POLICY], horizon, runs, seed, start=start,
                     force=settings.history_force, posterior=posterior)  # fmt: skip
        tr = res.futures[RECORD_POLICY]
        for w in group:
            series = tr.series[TRACE_FIELD[w.spec.quantity]][: w.days]
            out[w.name] = series.sum(axis=0).astype(np.int64)
    return out
