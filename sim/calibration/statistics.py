"""The documented statistics of each window, taken from the record only.

The period counts ("about three dozen" attacks, "weekly incidents by July 2020", "3 attacks in
3 days" ...) are targets; each documented individual event is a timing target (Iran's missiles
five days after the decapitation; the vote two days after it) or an upper bound on the time from
a US strike to the next attack; the documented attacks are lower bounds (the articles mention a
handful of attacks; they are not a complete tally) and the documented lethal attacks and US
deaths bounded counts (``SETTINGS.deaths_undercount``). ``docs/calibration.md`` lists them.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.calibration.settings import SEGMENTS, SETTINGS, Segment
from sim.history.replay import Trace
from sim.inputs.record import model_attack_statements


@dataclass
class Statistic:
    """A documented statistic: its interval in the record and how to read it from a trace."""

    name: str
    segment: str
    kind: str  # "period count", "timing", "upper bound", "lower bound", "bounded count"
    low: float
    high: float
    fn: Callable[[Trace], np.ndarray]
    source: str = ""

    def deviation(self, x: np.ndarray) -> np.ndarray:
        """Distance of simulated values from the documented interval (0 inside)."""
        return np.maximum(self.low - x, 0.0) + np.maximum(x - self.high, 0.0)

    @property
    def scale(self) -> float:
        """Unit of the deviation, at least 1. Counts: the Poisson standard deviation of the
        documented value (square root of the finite interval's midpoint, or of its lower
        bound). Waiting times ("timing", "upper bound"): the documented time itself, since a
        waiting time with a constant hazard has a standard deviation about equal to its mean."""
        centre = self.low if math.isinf(self.high) else 0.5 * (self.low + self.high)
        if self.kind in ("timing", "upper bound"):
            return max(1.0, self.high)
        return max(1.0, math.sqrt(abs(centre)))

    @property
    def interval(self) -> str:
        if self.low == self.high:
            return f"{self.low:g}"
        return f"[{self.low:g}, {'∞' if math.isinf(self.high) else f'{self.high:g}'}]"


def _window_sum(field_: str, lo: int, hi: int) -> Callable[[Trace], np.ndarray]:
    return lambda tr: tr.series[field_][lo : hi + 1].sum(axis=0).astype(float)


def _first_after(field_: str, t0: int, cap: int, strict: bool) -> Callable[[Trace], np.ndarray]:
    """Days from day ``t0`` to the first day with ``field_`` > 0 (after ``t0`` if strict)."""

    def fn(tr: Trace) -> np.ndarray:
        a = tr.series[field_][t0 + int(strict) : t0 + cap + 1] > 0
        hit = a.any(axis=0)
        return np.where(hit, a.argmax(axis=0) + int(strict), cap).astype(float)

    return fn


def _vote_day(ref: int, cap: int) -> Callable[[Trace], np.ndarray]:
    """Days from ``ref`` to the vote (negative if before, ``cap`` if not within ``cap``)."""

    def fn(tr: Trace) -> np.ndarray:
        v = tr.series["voted"][: ref + cap + 1]
        hit = v.any(axis=0)
        return np.where(hit, v.argmax(axis=0) - ref, cap).astype(float)

    return fn


def dated(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["date_precision"].isin(("day", "week"))]


def build_statistics(
    events: pd.DataFrame,
    periods: pd.DataFrame,
    until: dt.date,
    segments: Sequence[Segment] = SEGMENTS,
) -> tuple[list[Statistic], dict[str, dt.date]]:
    """The documented statistics of each window, from the record up to ``until``.

    ``events`` and ``periods`` are a record's tables (``Record.events``, ``Record.counts`` of
    :func:`sim.inputs.record.load_record`; or the first format's, as the five articles' original
    files are written): the period counts are the statements of
    :func:`sim.inputs.record.model_attack_statements`. Returns the statistics and, per window,
    the last day a simulation must cover.
    """
    stats: list[Statistic] = []
    ends: dict[str, dt.date] = {}
    ts_until = pd.Timestamp(until)
    cap = SETTINGS.timing_cap
    for seg in segments:
        s0, s1 = pd.Timestamp(seg.start), min(pd.Timestamp(seg.end), ts_until)
        if s1 < s0:
            continue

        def t(day, s0=s0) -> int:
            return (pd.Timestamp(day) - s0).days

        seg_stats: list[Statistic] = []
        last = s0
        ev = events[(events["day"] >= s0) & (events["day"] <= s1)]
        ev = ev[ev["date_precision"] != "year"]
        # period counts of attacks
        for _, r in periods[model_attack_statements(periods)].iterrows():
            if r["end"] > s1:
                continue
            lo, hi = max(r["start"], s0), r["end"]
            span = (r["end"] - r["start"]).days + 1
            if hi < lo or ((hi - lo).days + 1) / span < SETTINGS.min_overlap:
                continue
            high = float("inf") if pd.isna(r["count_high"]) else float(r["count_high"])
            seg_stats.append(Statistic(
                f"attacks {lo.date()} to {hi.date()}", seg.name, "period count",
                float(r["count_low"]), high, _window_sum("attacks", t(lo), t(hi)),
                f"{r['id']}: {r['statement']}"))  # fmt: skip
            last = max(last, hi)
        dev = dated(ev)
        attacks_d = dev[dev["is_attack"] & dev["in_iraq"]]
        # US strikes: days to the next attack is at most the documented gap
        us = dev[(dev["actor"] == "us") & dev["action"].isin(
            ("us_strike_syria", "us_strike_iraq", "decapitation", "us_strike_iran"))]  # fmt: skip
        for _, r in us.iterrows():
            nxt = attacks_d[attacks_d["day"] > r["day"]]
            if nxt.empty:
                continue
            gap = (nxt["day"].iloc[0] - r["day"]).days
            if gap > cap:
                continue
            seg_stats.append(
                Statistic(
                    f"days from {r['action']} {r['day'].date()} to the next attack",
                    seg.name,
                    "upper bound",
                    0.0,
                    float(gap),
                    _first_after("attacks", t(r["day"]), cap, strict=True),
                    f"{r['id']} -> {nxt['id'].iloc[0]} (the record may miss earlier attacks)",
                )
            )
            last = max(last, r["day"] + pd.Timedelta(days=cap))
        # Iran's direct strikes: their number, and the delay after each decapitation
        iran = ev[(ev["actor"] == "iran") & (ev["action"] == "iran_state_strike")]
        covered = ev["day"].max() if len(ev) else s1  # the last day the record speaks of
        t_cov = t(covered)
        seg_stats.append(Statistic(
            f"Iranian direct strikes {s0.date()} to {covered.date()}", seg.name, "period count",
            float(len(iran)), float(len(iran)),
            lambda tr, hi=t_cov: tr.series["iran_struck"][: hi + 1].sum(axis=0) * 1.0,
            "a direct Iranian strike on US forces would be in every article"))  # fmt: skip
        last = max(last, covered)
        for _, r in us[us["action"] == "decapitation"].iterrows():
            after = iran[iran["day"] >= r["day"]]
            gap = cap if after.empty else (after["day"].iloc[0] - r["day"]).days
            seg_stats.append(Statistic(
                f"days from the decapitation {r['day'].date()} to Iran's direct strike",
                seg.name, "timing", float(min(gap, cap)), float(min(gap, cap)),
                _first_after("iran_struck", t(r["day"]), cap, strict=False),
                f"{r['id']} -> {after['id'].iloc[0] if len(after) else 'none'}"))  # fmt: skip
            last = max(last, r["day"] + pd.Timedelta(days=cap))
        # the expulsion vote
        votes = dated(ev[(ev["actor"] == "iraq_gov") & (ev["action"] == "expulsion_vote")])
        if len(votes) and not seg.setting().initial.expulsion_voted:
            v = votes.iloc[0]
            ref_ids = events.set_index("id")["day"]
            ref = ref_ids.get(v["responds_to"], s0) if v["responds_to"] else s0
            ref = max(ref, s0)
            gap = (v["day"] - ref).days
            seg_stats.append(Statistic(
                f"days from {ref.date()} to the expulsion vote", seg.name, "timing",
                float(gap), float(gap), _vote_day(t(ref), cap),
                f"{v['id']} (responds to {v['responds_to'] or 'nothing'}); "
                "negative = a vote before it"))  # fmt: skip
            last = max(last, ref + pd.Timedelta(days=cap))
        # lower bounds: documented attacks, lethal attacks, US killed
        if len(attacks_d) or len(ev[ev["is_attack"]]):
            att = ev[ev["is_attack"] & ev["in_iraq"]]
            hi_day = att["day"].max()
            lethal = att[(att["action"] == "lethal_attack") & (att["us_killed"].fillna(0) > 0)]
            hurt = att[att["action"].isin(("injury_attack", "lethal_attack"))]
            killed = float(att["us_killed"].fillna(0).sum())
            for name, field_, n, deaths in (
                ("attacks", "attacks", len(att), False),
                ("attacks with injuries or deaths", "injuring", len(hurt), False),
                ("lethal attacks", "lethal", len(lethal), True),
                ("US killed in attacks", "killed", killed, True),
            ):
                if n == 0:
                    continue
                seg_stats.append(
                    Statistic(
                        f"{name} {s0.date()} to {hi_day.date()}",
                        seg.name,
                        "bounded count" if deaths else "lower bound",
                        float(n),
                        SETTINGS.deaths_undercount * n if deaths else float("inf"),
                        _window_sum(field_, 0, t(hi_day)),
                        "documented US deaths (the articles may miss some, not most)"
                        if deaths
                        else "documented events (a lower bound: the articles are not a tally)",
                    )
                )
            last = max(last, hi_day)
        if seg_stats:
            stats += seg_stats
            ends[seg.name] = min(last, s1).date()
    return stats, ends
