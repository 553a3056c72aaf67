"""Scoring every model's predictive samples on every window, with Monte Carlo errors, and the
comparison of the agent model with each baseline (window by window and in total)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.validation.heldout import Window
from sim.validation.scores import bootstrap, score_samples
from sim.validation.settings import SETTINGS, ValidationSettings

#: Name of the agent model in the tables.
MODEL = "agent model"

#: Samples: per model name, per window name, the predictive counts (None: not applicable).
Samples = Mapping[str, Mapping[str, np.ndarray | None]]


@dataclass
class Evaluation:
    """The tables of a validation."""

    scores: pd.DataFrame  # one row per window and model
    comparison: pd.DataFrame  # one row per window (and total) and baseline
    totals: pd.DataFrame  # one row per quantity group and model


def _verdict(diff: float, se: float, floored: bool = False) -> str:
    if not np.isfinite(diff):
        return "n/a"
    if floored:
        return "both below MC resolution"
    if abs(diff) <= 2 * se:
        return "within MC error"
    return "model better" if diff > 0 else "baseline better"


def evaluate(
    wins: Sequence[Window], samples: Samples, settings: ValidationSettings = SETTINGS,
    seed: int | None = None,
) -> Evaluation:  # fmt: skip
    """Score ``samples`` (the agent model under :data:`MODEL`, and the baselines) on ``wins``.

    Monte Carlo errors are bootstrap standard deviations over resamples of the runs (the same
    resample indices for every model of a window are not needed: the models' samples are
    independent). A difference is "within MC error" if it is at most twice its error.
    """
    seed = settings.seed if seed is None else seed
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(3,)))
    rows, reps = [], {}
    for w in wins:
        for name, by_window in samples.items():
            x = by_window.get(w.name)
            if x is None:
                continue
            s = score_samples(x, w.low, w.high, settings.levels, settings.floor_share)
            b = bootstrap(x, w.low, w.high, settings.bootstrap, rng, settings.floor_share)
            reps[(w.name, name)] = b
            rows.append({"window": w.name, "label": w.spec.label, "quantity": w.spec.quantity,
                         "scope": w.spec.scope, "primary": w.spec.primary, "start": w.start,
                         "end": w.end, "days": w.days, "documented": w.documented,
                         "model": name, "runs": len(x), **s,
                         "log_score_se": float(b["log_score"].std()),
                         "crps_se": float(b["crps"].std())})  # fmt: skip
    scores = pd.DataFrame(rows)
    baselines = [m for m in samples if m != MODEL]
    comp = []
    groups = {w.name: [w] for w in wins}
    for q in sorted({w.spec.quantity for w in wins}):
        groups[f"total: {q} (primary windows)"] = [
            w for w in wins if w.spec.primary and w.spec.quantity == q
        ]
    for gname, ws in groups.items():
        for bname in baselines:
            keys = [(w.name, MODEL) in reps and (w.name, bname) in reps for w in ws]
            if not ws or not all(keys):
                continue
            d_log = sum(reps[(w.name, MODEL)]["log_score"] - reps[(w.name, bname)]["log_score"]
                        for w in ws)  # fmt: skip
            d_crps = sum(reps[(w.name, bname)]["crps"] - reps[(w.name, MODEL)]["crps"] for w in ws)
            sel = scores[scores["window"].isin([w.name for w in ws])]
            point = sel.groupby("model")[["log_score", "crps"]].sum()
            dl = float(point.loc[MODEL, "log_score"] - point.loc[bname, "log_score"])
            dc = float(point.loc[bname, "crps"] - point.loc[MODEL, "crps"])
            both = bool(sel.groupby("model")["floored"].all()[[MODEL, bname]].all())
            comp.append({"window": gname, "baseline": bname, "windows": len(ws),
                         "log_score_gain": dl, "log_score_gain_se": float(np.std(d_log)),
                         "log_verdict": _verdict(dl, float(np.std(d_log)), both),
                         "crps_gain": dc, "crps_gain_se": float(np.std(d_crps)),
                         "crps_verdict": _verdict(dc, float(np.std(d_crps)))})  # fmt: skip
    totals = []
    for q in sorted({w.spec.quantity for w in wins}):
        ws = [w.name for w in wins if w.spec.primary and w.spec.quantity == q]
        sel = scores[scores["window"].isin(ws)]
        for name, g in sel.groupby("model", sort=False):
            if len(g) < len(ws):
                continue
            ls = sum(reps[(w, name)]["log_score"] for w in ws)
            cr = sum(reps[(w, name)]["crps"] for w in ws)
            totals.append({"quantity": q, "windows": len(ws), "model": name,
                           "cover50": g["cover50"].mean(), "cover90": g["cover90"].mean(),
                           "log_score": g["log_score"].sum(), "log_score_se": float(np.std(ls)),
                           "crps": g["crps"].sum(), "crps_se": float(np.std(cr)),
                           "floored": int(g["floored"].sum())})  # fmt: skip
    return Evaluation(scores, pd.DataFrame(comp), pd.DataFrame(totals))
