"""Predictive checks of a calibration: the posterior predictive check of the documented
statistics, and the in-record 2024 check (how a posterior fitted without 2024 predicts the week
after the US strike of 30 July 2024). The rolling-origin forecast evaluation is
:mod:`sim.validation` (``escalation validate``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from sim.analysis.metrics import wilson_interval
from sim.calibration.design import Design
from sim.calibration.settings import SEGMENTS, SETTINGS
from sim.experiments.sampling import build_params, chunk_rngs
from sim.history.replay import Trace, forcing_from_record, simulate, window


def predictive(
    design: Design, posterior: pd.DataFrame | None, runs: int, seed: int
) -> tuple[dict[str, Trace], np.ndarray]:
    """Simulate every window of ``design`` with ``runs`` posterior draws (the table defaults if
    ``posterior`` is None); return the traces and the statistics (runs, S)."""
    draws_rng, prng = chunk_rngs(seed, 0)
    values = {}
    if posterior is not None:
        idx = prng.integers(0, len(posterior), size=runs)
        values = {c: posterior[c].to_numpy(float)[idx] for c in posterior.columns}
    traces = design.simulate(values, runs, draws_rng)
    return traces, design.statistics(traces)


def check_table(design: Design, x: np.ndarray) -> pd.DataFrame:
    """Each documented statistic next to its simulated 90 % band, and whether it falls inside
    (the documented interval meets the band)."""
    rows = []
    for i, s in enumerate(design.stats):
        q = np.percentile(x[:, i], [5, 50, 95])
        inside = s.low <= q[2] and s.high >= q[0]
        p_in = float(np.mean(s.deviation(x[:, i]) == 0))
        rows.append({"window": s.segment, "statistic": s.name, "kind": s.kind,
                     "documented": s.interval, "sim_p05": q[0], "sim_median": q[1],
                     "sim_p95": q[2], "P(sim in documented)": p_in, "inside_band": inside,
                     "source": s.source})  # fmt: skip
    return pd.DataFrame(rows)


#: Standard normal quantile of a central 90% interval.
Z90 = 1.6449

HELDOUT_STRIKE: dt.date = SETTINGS.heldout_strike


def heldout(
    posterior: pd.DataFrame | None,
    events: pd.DataFrame,
    periods: pd.DataFrame,
    runs: int = SETTINGS.heldout_runs,
    seed: int = 1,
    draws: int = SETTINGS.heldout_draws,
) -> dict[str, object]:
    """How a posterior fitted without 2024 predicts the 2024 window of the record.

    Replays 1 June - 19 August 2024 (``scenarios/mid_2024.yaml``) with the documented US strike of
    30 July 2024 forced, and returns the predictive probabilities of the documented outcomes in
    the week after it (31 July - 6 August): at least one attack, at least one attack with
    injuries or deaths (the record: al-Asad, 5 August, 5 US servicemembers and 2 contractors
    wounded), at least five US wounded in militia attacks, and no direct Iranian strike on US
    forces (none is documented). Each comes with its 90 % Monte Carlo (Wilson) interval and the
    5-95 % range of the probability across parameter draws (``draws`` draws, ``runs // draws``
    runs each). The same runs without the strike (common random numbers) give its effect.
    """
    seg = SEGMENTS[1]
    end = HELDOUT_STRIKE + dt.timedelta(days=SETTINGS.heldout_days_after)
    setting = window(seg.setting(), seg.start, end)
    forced = forcing_from_record(events, seg.start, setting.days)
    none = forcing_from_record(events.iloc[:0], seg.start, setting.days)
    draws_rng, prng = chunk_rngs(seed, 0)
    per = max(runs // draws, 1)
    n = per * draws
    values = {}
    if posterior is not None:
        idx = np.repeat(prng.integers(0, len(posterior), size=draws), per)
        values = {c: posterior[c].to_numpy(float)[idx] for c in posterior.columns}
    p = build_params(setting, n, prng, overrides=values, posterior=False)
    tr = simulate(setting, p, draws_rng, forcing=forced)
    tr0 = simulate(setting, p, chunk_rngs(seed, 0)[0], forcing=none)  # the same draws
    t1 = (HELDOUT_STRIKE - seg.start).days + 1
    wk = slice(t1, t1 + SETTINGS.heldout_week)
    out: dict[str, object] = {"runs": n, "draws": draws, "week": "2024-07-31 to 2024-08-06"}
    outcomes = {
        "P(>=1 attack in the week)": lambda s: s["attacks"][wk].sum(axis=0) >= 1,
        "P(>=1 attack with injuries or deaths in the week)":
            lambda s: s["injuring"][wk].sum(axis=0) >= 1,
        "P(>=5 US wounded in militia attacks in the week)":
            lambda s: (s["wounded"][wk] * ~s["iran_struck"][wk]).sum(axis=0) >= 5,
        "P(no Iranian direct strike, 31 Jul - 19 Aug)":
            lambda s: s["iran_struck"][t1:].sum(axis=0) == 0,
    }  # fmt: skip
    rows = []
    for name, f in outcomes.items():
        hit = f(tr.series)
        base = f(tr0.series)
        per_draw = hit.reshape(draws, per).mean(axis=1)
        lo, hi = (float(v) for v in wilson_interval(int(hit.sum()), n, z=Z90))
        rows.append({"outcome": name, "record": "yes", "probability": hit.mean(),
                     "mc_90_low": lo, "mc_90_high": hi,
                     "draws_p05": np.percentile(per_draw, 5),
                     "draws_p95": np.percentile(per_draw, 95),
                     "without_strike": base.mean()})  # fmt: skip
    out["table"] = pd.DataFrame(rows)
    out["attacks_week"] = tr.series["attacks"][wk].sum(axis=0)
    out["attacks_week_no_strike"] = tr0.series["attacks"][wk].sum(axis=0)
    return out
