"""A synthetic training and held-out record simulated from known parameters, to show that the
validation can tell a true model from the baselines and from a wrong one.

One run of the first documented window is simulated from ``truth`` with the documented US
actions forced (:func:`sim.calibration.synthetic.synthetic_record`: every attack, Iranian strike
and the vote written as events). Its monthly attack counts are exact period counts: the months
up to ``train_until`` form the training record (events and counts), the later months the
held-out windows (their counts from the same history, or, with ``draws=True``, one independent
draw each of the true model's prediction). Everything goes through the packaged format and the
validating loaders.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from sim.calibration.synthetic import synthetic_record
from sim.inputs.record import PERIOD_COLUMNS, load_events, load_period_counts
from sim.validation.heldout import combined_events, windows
from sim.validation.predict import model_samples
from sim.validation.settings import WindowSpec


def _months(start: dt.date, end: dt.date) -> list[tuple[dt.date, dt.date]]:
    out = []
    for p in pd.period_range(start, end, freq="M"):
        a, b = p.start_time.date(), p.end_time.date()
        if a >= start and b <= end:
            out.append((a, b))
    return out


def synthetic_validation_record(
    truth: dict[str, float],
    seed: int,
    directory: Path,
    train_until: dt.date,
    until: dt.date,
    draws: bool = False,
) -> tuple[tuple[pd.DataFrame, pd.DataFrame], tuple[pd.DataFrame, pd.DataFrame], list[WindowSpec]]:
    """Training record, held-out record and monthly scoring windows of one simulated history.

    ``draws=False``: the held-out counts are the later months of the same history. Then the
    true model's prediction of a window (conditioned, like every prediction of
    ``escalation validate``, on the forced actions only, not on the attacks) is not the
    distribution the count was drawn from given everything before it, and a baseline fitted
    to the same history's training months can know more about its latent state.
    ``draws=True``: each held-out window's count is instead one independent draw of the true
    model's own prediction of that window (the same branch from the replayed history, another
    seed for each window), so the true model is the data-generating distribution of every
    scored count, as a proper score needs for the truth to win in expectation.

    Returns ``((train_events, train_periods), (heldout_events, heldout_periods), specs)``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    ev_path, _ = synthetic_record(truth, seed, until, directory / "full", legacy=True)
    events = load_events(ev_path)
    attacks = events[events["is_attack"]]
    first = events["day"].min().date().replace(day=1)
    rows, specs = [], []
    for a, b in _months(first, until):
        n = int(((attacks["day"] >= pd.Timestamp(a)) & (attacks["day"] <= pd.Timestamp(b))).sum())
        rid = f"syn-{a:%Y-%m}"
        rows.append([rid, f"{a}", f"{b}", "militia", "any_attack", n, n, "attacks",
                     f"{n} attacks", "synthetic", ""])  # fmt: skip
        if a > train_until:
            specs.append(WindowSpec(rid, "attacks", "Iraq", True, f"{a:%b %Y}"))
    periods = pd.DataFrame(rows, columns=list(PERIOD_COLUMNS))
    train_mask = pd.to_datetime(periods["end"]) <= pd.Timestamp(train_until)
    out = []
    for name, mask_ev, mask_pc in (
        ("training", events["day"] <= pd.Timestamp(train_until), train_mask),
        ("heldout", events["day"] > pd.Timestamp(train_until), ~train_mask),
    ):
        ev_file, pc_file = directory / f"{name}_events.csv", directory / f"{name}_periods.csv"
        raw = pd.read_csv(ev_path, dtype=str, keep_default_na=False)
        raw[mask_ev.to_numpy()].to_csv(ev_file, index=False)
        periods[mask_pc.to_numpy()].to_csv(pc_file, index=False)
        out.append((load_events(ev_file), load_period_counts(pc_file)))
    if draws:
        train, held = out
        wins = windows(held[1], specs)
        post = pd.DataFrame([truth]) if truth else False
        both = combined_events(train[0], held[0])
        # one run per window, each with its own seed, so that the draws are independent
        obs = [int(model_samples(both, [w], 1, seed + 1 + j, post)[w.name][0])
               for j, w in enumerate(wins)]  # fmt: skip
        pc = periods[(~train_mask).to_numpy()].copy()
        pc["count_low"] = pc["count_high"] = obs
        pc["statement"] = "one draw of the true model's prediction"
        pc_file = directory / "heldout_draws_periods.csv"
        pc.to_csv(pc_file, index=False)
        out[1] = (held[0], load_period_counts(pc_file))
    return out[0], out[1], specs
