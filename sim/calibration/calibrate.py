"""Calibration of the rule parameters to the documented record.

Method (``docs/calibration.md`` has the full account):

* **Replay.** Every simulation replays a documented window with the US actions of the record
  forced (:mod:`sim.history.replay`); the militias, Iran and the Iraqi parliament follow the
  rulebook.
  Two windows are documented by the five articles: October 2019 to December 2021 (the late-2019
  setting with every dated shock) and mid-2024 (``scenarios/mid_2024.yaml``).
* **Summary statistics** come from the record only (:func:`build_statistics`): the period counts
  ("about three dozen" attacks, "weekly incidents by July 2020", "3 attacks in 3 days" ...) as
  targets, each documented individual event as a timing target (Iran's missiles five days after
  the decapitation; the vote two days after it) or an upper bound on the time from a US strike
  to the next attack, and the documented attacks, lethal attacks and US deaths as lower bounds
  (the articles mention a handful of attacks; they are not a complete tally).
* **ABC-SMC** (:mod:`sim.calibration.abc`) fits the dynamic parameters the record can inform; one
  simulation per particle, batches of thousands of particles per engine call.
* **Exact likelihoods** for three parameters whose rules have closed-form probabilities: the US
  response delay (geometric, :func:`sim.core.rules.us.acts_today`) from the documented delays
  between an attack and the US strike that answered it, and the mean US killed per lethal attack
  and wounded per injuring attack (geometric counts,
  :func:`sim.core.rules.common.geometric_count`) from the
  documented casualties. They are sampled on a grid and enter the ABC simulations as draws, so
  the joint posterior is the product of the two blocks (a modular posterior).
* Every other parameter keeps its table default (a point prior); the report lists them.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.abc import ABCResult, BetaPrior, abc_smc, weighted_quantile
from sim.calibration.settings import SETTINGS
from sim.core.params import GROUPS, TABLE, Params
from sim.errors import UserError
from sim.experiments.sampling import build_params, chunk_rngs
from sim.history.replay import (
    PALETTE,
    Trace,
    forcing_from_record,
    history_setting,
    packaged_scenario,
    simulate,
    window,
)
from sim.inputs.record import load_events, load_period_counts, monthly_attack_counts
from sim.inputs.scenario import Scenario

# --- the documented windows -------------------------------------------------------------------


@dataclass(frozen=True)
class Segment:
    """A window of history the articles document, with its setting."""

    name: str
    start: dt.date
    end: dt.date
    scenario: (
        str | None
    )  # a shipped scenario, or None for :func:`sim.history.replay.history_setting`

    def setting(self) -> Scenario:
        return history_setting() if self.scenario is None else packaged_scenario(self.scenario)


SEGMENTS: tuple[Segment, ...] = (
    Segment("2019-2021", dt.date(2019, 10, 1), dt.date(2021, 12, 31), None),
    Segment("2024", dt.date(2024, 6, 1), dt.date(2024, 11, 30), "mid_2024"),
)

#: Cap (days) of the timing statistics: "not within 60 days".
TIMING_CAP = 60
#: A period count is used in a window if at least this share of its period lies in it.
MIN_OVERLAP = 0.5

# --- priors -----------------------------------------------------------------------------------


#: Concentration of the weak priors: a Beta(a, b) with a + b = 4 and its mode at the default.
WEAK = 4.0


def _prior(name: str, kappa: float, source: str) -> BetaPrior:
    p = TABLE[name]
    return BetaPrior(name, p.low, p.high, p.default, kappa, source)


WEAK_SOURCE = "weak (Beta, a + b = 4), mode at the table default"

#: Pseudo-parameter: a common multiplier of the four groups' background rates (the record
#: counts attacks, rarely by group, so it can inform the total but not the split).
BASE_RATE_SCALE = "base_rate_scale"

#: Priors of the parameters fitted by ABC-SMC (scaled Beta, mode at the table default).
ABC_PRIORS: tuple[BetaPrior, ...] = (
    BetaPrior(BASE_RATE_SCALE, 0.1, 4.0, 1.0, WEAK,
              "weak, mode 1 (the table's background rates, sum 0.067 attacks/day)"),
    _prior("self_excitation", 14.0,
           "informative: Lewis et al. 2012 (Security Journal), self-excitation explains 37-50% of "
           "violent events in Iraq 2003-07, i.e. a branching ratio of about 0.4"),
    _prior("excitation_days", 6.0,
           "informative: Lewis et al. 2012, excitation lasts 2-6 weeks (mode 21 days)"),
    _prior("revenge_attacks", WEAK, WEAK_SOURCE),
    _prior("deterrence_strength", WEAK, WEAK_SOURCE),
    _prior("deterrence_days", WEAK, WEAK_SOURCE),
    _prior("iran_direction", WEAK, WEAK_SOURCE),
    _prior("iran_strike_rate", WEAK, WEAK_SOURCE),
    _prior("p_injury", WEAK, WEAK_SOURCE),
    _prior("p_lethal", WEAK, WEAK_SOURCE),
    _prior("sovereignty_cost_decapitation", WEAK, WEAK_SOURCE),
    _prior("vote_threshold", WEAK, WEAK_SOURCE),
)  # fmt: skip

#: Priors of the parameters with an exact likelihood.
EXACT_PRIORS: tuple[BetaPrior, ...] = (
    _prior("response_delay", WEAK, WEAK_SOURCE),
    _prior("killed_mean", WEAK, WEAK_SOURCE),
    _prior("wounded_mean", WEAK, WEAK_SOURCE),
)


def fitted_names() -> list[str]:
    """Table names that the posterior file carries (the base-rate scale as four columns)."""
    names = []
    for p in (*ABC_PRIORS, *EXACT_PRIORS):
        if p.name == BASE_RATE_SCALE:
            names += [f"base_rate.{g}" for g in GROUPS]
        else:
            names.append(p.name)
    return names


# --- statistics -------------------------------------------------------------------------------


#: How far the articles may undercount US deaths: the simulated deaths (and lethal attacks) in a
#: window must lie between the documented number and this multiple of it. Unlike attacks, US
#: deaths are what the articles are written about: each one they mention is reported by name of
#: base and date, and the Daily Beast (2021) notes that the recent attacks "so far have not
#: proven fatal". A judgement; docs/calibration.md explains it.
DEATHS_UNDERCOUNT = 2.0


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


def _day(events: pd.DataFrame) -> pd.DataFrame:
    return events[events["date_precision"].isin(("day", "week"))]


def build_statistics(
    events: pd.DataFrame,
    periods: pd.DataFrame,
    until: dt.date,
    segments: Sequence[Segment] = SEGMENTS,
) -> tuple[list[Statistic], dict[str, dt.date]]:
    """The documented statistics of each window, from the record up to ``until``.

    Returns the statistics and, per window, the last day a simulation must cover.
    """
    stats: list[Statistic] = []
    ends: dict[str, dt.date] = {}
    ts_until = pd.Timestamp(until)
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
        for _, r in periods.iterrows():
            if r["unit"] != "attacks" or r["action"] != "any_attack" or r["end"] > s1:
                continue
            lo, hi = max(r["start"], s0), r["end"]
            span = (r["end"] - r["start"]).days + 1
            if hi < lo or ((hi - lo).days + 1) / span < MIN_OVERLAP:
                continue
            high = float("inf") if pd.isna(r["count_high"]) else float(r["count_high"])
            seg_stats.append(Statistic(
                f"attacks {lo.date()} to {hi.date()}", seg.name, "period count",
                float(r["count_low"]), high, _window_sum("attacks", t(lo), t(hi)),
                f"{r['id']}: {r['statement']}"))  # fmt: skip
            last = max(last, hi)
        dev = _day(ev)
        attacks_d = dev[dev["is_attack"] & dev["in_iraq"]]
        # US strikes: days to the next attack is at most the documented gap
        us = dev[(dev["actor"] == "us") & dev["action"].isin(
            ("us_strike_syria", "us_strike_iraq", "decapitation", "us_strike_iran"))]  # fmt: skip
        for _, r in us.iterrows():
            nxt = attacks_d[attacks_d["day"] > r["day"]]
            if nxt.empty:
                continue
            gap = (nxt["day"].iloc[0] - r["day"]).days
            if gap > TIMING_CAP:
                continue
            seg_stats.append(
                Statistic(
                    f"days from {r['action']} {r['day'].date()} to the next attack",
                    seg.name,
                    "upper bound",
                    0.0,
                    float(gap),
                    _first_after("attacks", t(r["day"]), TIMING_CAP, strict=True),
                    f"{r['id']} -> {nxt['id'].iloc[0]} (the record may miss earlier attacks)",
                )
            )
            last = max(last, r["day"] + pd.Timedelta(days=TIMING_CAP))
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
            gap = TIMING_CAP if after.empty else (after["day"].iloc[0] - r["day"]).days
            seg_stats.append(Statistic(
                f"days from the decapitation {r['day'].date()} to Iran's direct strike",
                seg.name, "timing", float(min(gap, TIMING_CAP)), float(min(gap, TIMING_CAP)),
                _first_after("iran_struck", t(r["day"]), TIMING_CAP, strict=False),
                f"{r['id']} -> {after['id'].iloc[0] if len(after) else 'none'}"))  # fmt: skip
            last = max(last, r["day"] + pd.Timedelta(days=TIMING_CAP))
        # the expulsion vote
        votes = _day(ev[(ev["actor"] == "iraq_gov") & (ev["action"] == "expulsion_vote")])
        if len(votes) and not seg.setting().initial.expulsion_voted:
            v = votes.iloc[0]
            ref_ids = events.set_index("id")["day"]
            ref = ref_ids.get(v["responds_to"], s0) if v["responds_to"] else s0
            ref = max(ref, s0)
            gap = (v["day"] - ref).days
            seg_stats.append(Statistic(
                f"days from {ref.date()} to the expulsion vote", seg.name, "timing",
                float(gap), float(gap), _vote_day(t(ref), TIMING_CAP),
                f"{v['id']} (responds to {v['responds_to'] or 'nothing'}); "
                "negative = a vote before it"))  # fmt: skip
            last = max(last, ref + pd.Timedelta(days=TIMING_CAP))
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
                        DEATHS_UNDERCOUNT * n if deaths else float("inf"),
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


# --- exact likelihoods ------------------------------------------------------------------------


def geometric_pmf(k: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """P(count = k), k >= 1, of :func:`sim.core.rules.common.geometric_count` with the given mean:
    ``(1 - r) r**(k - 1)`` with ``r = 1 - 1/mean`` (it inverts this CDF)."""
    r = 1.0 - 1.0 / np.maximum(mean, 1.0)
    return np.where(k >= 1, (1.0 - r) * r ** (np.asarray(k) - 1.0), 0.0)


def delay_pmf(k: np.ndarray, mean_delay: np.ndarray) -> np.ndarray:
    """P(the US acts k days after the attack), k >= 0, under :func:`sim.core.rules.us.acts_today`:
    each day the wanted response goes ahead with probability ``1 / (1 + response_delay)``, so
    the mean delay is ``response_delay`` days."""
    q = 1.0 / (1.0 + np.asarray(mean_delay))
    return q * (1.0 - q) ** np.asarray(k, dtype=float)


def exact_data(events: pd.DataFrame, until: dt.date) -> dict[str, list[int]]:
    """Documented observations of the exact-likelihood parameters, up to ``until``.

    ``response_delay``: days from an attack to the US strike whose ``responds_to`` names it;
    ``killed_mean``: US killed in each lethal attack with a documented number >= 1;
    ``wounded_mean``: US wounded in each injuring (not lethal) attack with a number >= 1.
    """
    ev = _day(events[events["day"] <= pd.Timestamp(until)])
    by_id = ev.set_index("id")
    delays = []
    us = ev[(ev["actor"] == "us") & ev["action"].isin(
        ("us_strike_syria", "us_strike_iraq", "decapitation", "us_strike_iran"))]  # fmt: skip
    for _, r in us.iterrows():
        ref = r["responds_to"]
        if ref in by_id.index and bool(by_id.loc[ref, "is_attack"]):
            delays.append(int((r["day"] - by_id.loc[ref, "day"]).days))
    att = ev[ev["is_attack"] & ev["in_iraq"]]
    killed = att.loc[att["action"] == "lethal_attack", "us_killed"].dropna()
    wounded = att.loc[att["action"] == "injury_attack", "us_wounded"].dropna()
    return {
        "response_delay": delays,
        "killed_mean": [int(k) for k in killed if k >= 1],
        "wounded_mean": [int(k) for k in wounded if k >= 1],
    }


@dataclass
class GridPosterior:
    """A one-dimensional posterior on a grid."""

    prior: BetaPrior
    data: list[int]
    grid: np.ndarray
    density: np.ndarray

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        cdf = np.cumsum(self.density)
        cdf /= cdf[-1]
        x = np.interp(rng.random(n), cdf, self.grid)
        return np.clip(x, self.prior.low, self.prior.high)


def exact_posteriors(data: dict[str, list[int]]) -> dict[str, GridPosterior]:
    """Grid posteriors of the exact-likelihood parameters (prior x likelihood)."""
    out = {}
    for p in EXACT_PRIORS:
        grid = np.linspace(p.low, p.high, 4001)[1:-1]
        logd = p.dist.logpdf(grid)
        pmf = delay_pmf if p.name == "response_delay" else geometric_pmf
        for k in data[p.name]:
            logd = logd + np.log(np.maximum(pmf(np.asarray(k), grid), 1e-300))
        d = np.exp(logd - logd.max())
        out[p.name] = GridPosterior(p, data[p.name], grid, d / d.sum())
    return out


# --- simulation of the documented windows -----------------------------------------------------


@dataclass
class Design:
    """What a calibration simulates: windows, their settings and forcing, the statistics."""

    stats: list[Statistic]
    ends: dict[str, dt.date]
    settings: dict[str, Scenario] = field(default_factory=dict)
    forcings: dict = field(default_factory=dict)

    @classmethod
    def from_record(cls, events: pd.DataFrame, periods: pd.DataFrame, until: dt.date) -> Design:
        stats, ends = build_statistics(events, periods, until)
        if not stats:
            raise UserError(f"the record has no usable statistics up to {until}")
        d = cls(stats, ends)
        for seg in SEGMENTS:
            if seg.name in ends:
                setting = window(seg.setting(), seg.start, ends[seg.name])
                d.settings[seg.name] = setting
                d.forcings[seg.name] = forcing_from_record(events, seg.start, setting.days)
        return d

    def simulate(
        self, values: dict[str, np.ndarray], n: int, rng: np.random.Generator
    ) -> dict[str, Trace]:
        """One run per parameter vector in every window (the setting's own parameters, such as
        the 2024 drone share, apply unless ``values`` sets them)."""
        out = {}
        for name, setting in self.settings.items():
            p = build_params(setting, n, rng, overrides=values, posterior=False)
            out[name] = simulate(setting, p, rng, forcing=self.forcings[name], tally=False)
        return out

    def statistics(self, traces: dict[str, Trace]) -> np.ndarray:
        """Simulated statistics, shape (N, S)."""
        return np.column_stack([s.fn(traces[s.segment]) for s in self.stats])


def _values(theta: np.ndarray, exact: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Table-named parameter arrays from ABC particles and exact-posterior draws."""
    vals: dict[str, np.ndarray] = dict(exact)
    for j, p in enumerate(ABC_PRIORS):
        if p.name == BASE_RATE_SCALE:
            for g in GROUPS:
                vals[f"base_rate.{g}"] = theta[:, j] * TABLE[f"base_rate.{g}"].default
        else:
            vals[p.name] = theta[:, j]
    return vals


# --- the fit ----------------------------------------------------------------------------------


@dataclass
class Fit:
    """A calibration: the ABC run, the exact posteriors, the statistics and their scales."""

    until: dt.date
    seed: int
    design: Design
    abc: ABCResult
    exact: dict[str, GridPosterior]
    scales: np.ndarray
    seconds: float
    posterior: pd.DataFrame  # equally weighted draws, table names

    def summary(self) -> pd.DataFrame:
        """Prior and posterior median and 90 % interval of every fitted parameter."""
        rows = []
        last = self.abc.last
        for j, p in enumerate(ABC_PRIORS):
            q = weighted_quantile(last.particles[:, j], last.weights, [0.05, 0.5, 0.95])
            rows.append(_row(p, q, "ABC-SMC"))
        for gp in self.exact.values():
            cdf = np.cumsum(gp.density)
            q = np.interp([0.05, 0.5, 0.95], cdf / cdf[-1], gp.grid)
            rows.append(_row(gp.prior, q, f"exact likelihood (n = {len(gp.data)})"))
        return pd.DataFrame(rows)


def _row(p: BetaPrior, q: np.ndarray, method: str) -> dict:
    pq = p.dist.ppf([0.05, 0.5, 0.95])
    width = pq[2] - pq[0]
    return {
        "parameter": p.name,
        "method": method,
        "range": f"[{p.low:g}, {p.high:g}]",
        "default": p.mode,
        "prior_median": pq[1],
        "prior_p05": pq[0],
        "prior_p95": pq[2],
        "post_median": q[1],
        "post_p05": q[0],
        "post_p95": q[2],
        "width_ratio": (q[2] - q[0]) / width if width > 0 else np.nan,
        "informed": (q[2] - q[0]) / width < SETTINGS.informed_width_ratio if width > 0 else False,
        "prior_source": p.source,
    }


def calibrate(
    events: pd.DataFrame | None = None,
    periods: pd.DataFrame | None = None,
    until: dt.date | None = None,
    seed: int = 1,
    particles: int = SETTINGS.particles,
    generations: int = SETTINGS.generations,
    rows: int = SETTINGS.rows,
    min_acceptance: float = SETTINGS.min_acceptance,
    batch: int = SETTINGS.batch,
    progress: Callable[[str], None] | None = None,
) -> Fit:
    """Fit the parameters to the record (see the module docstring).

    Parameters
    ----------
    events, periods : the record (default: the packaged one)
    until : only events and period counts up to this day enter (default: the last event)
    seed : the calibration seed; every draw comes from ``SeedSequence(seed)`` streams
    particles : ABC population size
    generations : ABC generations after the prior one (at most)
    rows : equally weighted posterior draws to return (for ``sim/data/posterior.csv``)
    """
    t0 = time.perf_counter()
    events = load_events() if events is None else events
    periods = load_period_counts() if periods is None else periods
    until = until or events["day"].max().date()
    design = Design.from_record(events, periods, until)
    exact = exact_posteriors(exact_data(events, until))
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
    say = progress or (lambda s: None)

    def exact_draws(n: int) -> dict[str, np.ndarray]:
        return {k: gp.sample(n, rng) for k, gp in exact.items()}

    scales = np.array([s.scale for s in design.stats])
    say(f"{len(design.stats)} statistics")

    def distances(th: np.ndarray, r: np.random.Generator) -> np.ndarray:
        n = len(th)
        x = design.statistics(design.simulate(_values(th, exact_draws(n)), n, r))
        dev = np.column_stack([s.deviation(x[:, i]) for i, s in enumerate(design.stats)])
        return np.sqrt(np.mean((dev / scales) ** 2, axis=1))

    def counting(th, r):
        out = distances(th, r)
        say(f"  simulated {len(th)} particles")
        return out

    res = abc_smc(
        ABC_PRIORS, counting, rng, particles=particles, generations=generations,
        min_acceptance=min_acceptance, batch=batch,
    )  # fmt: skip
    draws = res.resample(rows, rng)
    post = pd.DataFrame(_values(draws, exact_draws(rows)))[fitted_names()]
    post = post.apply(lambda c: c.map(lambda v: float(f"{v:.4g}")))
    for c in post.columns:
        post[c] = post[c].clip(TABLE[c].low, TABLE[c].high)
    return Fit(until, seed, design, res, exact, scales, time.perf_counter() - t0, post)


# --- predictive checks ------------------------------------------------------------------------


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


def wilson(k: int, n: int, z: float = 1.6449) -> tuple[float, float]:
    """Wilson score interval of a binomial proportion (90 % by default)."""
    p = k / n
    c = (p + z * z / (2 * n)) / (1 + z * z / n)
    h = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return c - h, c + h


HELDOUT_STRIKE = dt.date(2024, 7, 30)


def heldout(
    posterior: pd.DataFrame | None,
    events: pd.DataFrame,
    periods: pd.DataFrame,
    runs: int = 2000,
    seed: int = 1,
    draws: int = 200,
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
    end = HELDOUT_STRIKE + dt.timedelta(days=20)
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
    wk = slice(t1, t1 + 7)
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
        lo, hi = wilson(int(hit.sum()), n)
        rows.append({"outcome": name, "record": "yes", "probability": hit.mean(),
                     "mc_90_low": lo, "mc_90_high": hi,
                     "draws_p05": np.percentile(per_draw, 5),
                     "draws_p95": np.percentile(per_draw, 95),
                     "without_strike": base.mean()})  # fmt: skip
    out["table"] = pd.DataFrame(rows)
    out["attacks_week"] = tr.series["attacks"][wk].sum(axis=0)
    out["attacks_week_no_strike"] = tr0.series["attacks"][wk].sum(axis=0)
    return out


# --- figures ----------------------------------------------------------------------------------


def _plt():
    # no matplotlib.use(): pyplot falls back to Agg without a display, and forcing it would
    # switch off inline figures in a notebook
    import matplotlib.pyplot as plt

    plt.rcParams.update({"font.size": 9})
    return plt


def plot_marginals(fit: Fit, path: Path) -> None:
    """Posterior marginals (histograms) against the priors (lines)."""
    plt = _plt()
    names = [p.name for p in ABC_PRIORS] + list(fit.exact)
    ncol = 4
    nrow = math.ceil(len(names) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(11, 2.3 * nrow), constrained_layout=True)
    last = fit.abc.last
    for ax, name in zip(axes.flat, names, strict=False):
        if name in fit.exact:
            gp = fit.exact[name]
            prior = gp.prior
            x = gp.grid
            dens = gp.density / np.gradient(x)
            ax.fill_between(x, dens, color=PALETTE[0], alpha=0.4, label="posterior")
            title = f"{name}\n(exact likelihood, n = {len(gp.data)})"
        else:
            j = [p.name for p in ABC_PRIORS].index(name)
            prior = ABC_PRIORS[j]
            ax.hist(last.particles[:, j], bins=30, weights=last.weights, density=True,
                    color=PALETTE[0], alpha=0.6, label="posterior")  # fmt: skip
            title = f"{name}\n(ABC-SMC)"
        x = np.linspace(prior.low, prior.high, 400)[1:-1]
        ax.plot(x, prior.dist.pdf(x), color=PALETTE[1], lw=1.5, label="prior")
        ax.axvline(prior.mode, color="k", ls=":", lw=1, label="table default")
        ax.set_title(title, fontsize=9)
        ax.set_yticks([])
        unit = "× default rates" if name == BASE_RATE_SCALE else TABLE[name].unit
        ax.set_xlabel(unit if len(unit) < 40 else unit[:37] + "...", fontsize=8)
    for ax in list(axes.flat)[len(names) :]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7, frameon=False)
    fig.suptitle(
        f"Posterior (bars/shade) vs prior (line) of the fitted parameters; record up to "
        f"{fit.until}, seed {fit.seed}", fontsize=10,
    )  # fmt: skip
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_diagnostics(fit: Fit, path: Path) -> None:
    """Tolerance, acceptance rate and ESS per generation."""
    plt = _plt()
    gens = fit.abc.generations[1:]
    g = np.arange(1, len(gens) + 1)
    fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), constrained_layout=True)
    axes[0].plot(g, [x.epsilon for x in gens], "o-", color=PALETTE[0])
    axes[0].set_ylabel("tolerance ε (scaled distance)")
    axes[1].plot(g, [100 * x.acceptance for x in gens], "o-", color=PALETTE[1])
    axes[1].set_ylabel("acceptance rate (%)")
    axes[2].plot(g, [x.ess for x in gens], "o-", color=PALETTE[2])
    axes[2].set_ylabel("effective sample size")
    axes[2].set_ylim(0, None)
    from matplotlib.ticker import MaxNLocator

    for ax in axes:
        ax.set_xlabel("generation")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.suptitle(f"ABC-SMC diagnostics ({len(fit.abc.last.weights)} particles)", fontsize=10)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_predictive(
    design: Design,
    traces: dict[str, Trace],
    events: pd.DataFrame,
    path: Path,
    title: str,
) -> None:
    """Monthly attack counts: simulated 90 % band and median, the documented monthly counts
    (a lower bound), the documented period counts and the key events."""
    plt = _plt()
    import matplotlib.dates as mdates

    segs = list(traces)
    fig, axes = plt.subplots(
        1, len(segs), figsize=(11 if len(segs) > 1 else 9, 5), layout="constrained",
        gridspec_kw={"width_ratios": [traces[s].days for s in segs]}, squeeze=False,
    )  # fmt: skip
    doc = monthly_attack_counts(events)
    notes: list[str] = []
    for ax, name in zip(axes[0], segs, strict=True):
        tr = traces[name]
        month = tr.dates.to_period("M")
        att = pd.DataFrame(tr.series["attacks"]).groupby(month).sum()
        full = att.index[[(month == m).sum() >= 28 for m in att.index]]
        att = att.loc[full]
        x = att.index.to_timestamp() + pd.Timedelta(days=14)
        q = np.percentile(att.to_numpy(float), [5, 50, 95], axis=1)
        ax.fill_between(x, q[0], q[2], color=PALETTE[0], alpha=0.25, label="simulated 90% band")
        ax.plot(x, q[1], color=PALETTE[0], lw=1.5, label="simulated median")
        d = doc.reindex(att.index, fill_value=0)
        ax.plot(x, d.to_numpy(), "D", color=PALETTE[1], ms=5,
                label="documented attacks (lower bound)")  # fmt: skip
        for s in design.stats:
            if s.segment != name or s.kind != "period count" or not s.name.startswith("attacks"):
                continue
            a, b = s.name.split(" ")[1], s.name.split(" ")[3]
            a, b = pd.Timestamp(a), pd.Timestamp(b)
            days = (b - a).days + 1
            if days < 25:
                continue
            per_month = [s.low * 30.4 / days, (s.high if np.isfinite(s.high) else s.low) * 30.4
                         / days]  # fmt: skip
            ax.hlines(per_month, a, b, color=PALETTE[2], lw=1.2,
                      linestyles="--" if np.isfinite(s.high) else ":")  # fmt: skip
        ev = _day(events[(events["day"] >= tr.dates[0]) & (events["day"] <= tr.dates[-1])])
        key = ev[ev["action"].isin(("us_strike_syria", "us_strike_iraq", "decapitation",
                                    "iran_state_strike", "expulsion_vote"))
                 & ev["actor"].isin(("us", "iran", "iraq_gov"))]  # fmt: skip
        for _, r in key.iterrows():
            k = len(notes) + 1
            ax.axvline(r["day"], color=PALETTE[7], ls=":", lw=0.8)
            y = 0.98 - 0.06 * (k % 2)
            ax.annotate(
                str(k),
                (r["day"], y),
                xycoords=("data", "axes fraction"),
                ha="center",
                va="top",
                fontsize=7,
                bbox={"fc": "white", "ec": "none", "pad": 0.5},
            )
            notes.append(f"{k} {r['action'].replace('_', ' ')} {r['day']:%d %b %Y}")
        loc = mdates.MonthLocator() if tr.days < 400 else mdates.AutoDateLocator(maxticks=8)
        ax.xaxis.set_major_locator(loc)
        ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc))
        ax.set_title(f"window {name}", fontsize=9)
        ax.set_ylabel("attacks per month")
        ax.grid(alpha=0.3)
    axes[0][0].plot([], [], "--", color=PALETTE[2], label="documented period count, per month")
    axes[0][0].plot([], [], ":", color=PALETTE[2], label="documented lower bound, per month")
    axes[0][0].legend(loc="upper center", bbox_to_anchor=(0.6, 0.93), fontsize=7, framealpha=0.9)
    lines, cur = [], ""
    for note in notes:
        if len(cur) + len(note) > 150:
            lines.append(cur)
            cur = ""
        cur += ("; " if cur else "") + note
    lines.append(cur)
    fig.supxlabel("Dotted lines, documented events: " + "\n".join(lines), fontsize=7)
    fig.suptitle(title, fontsize=10)
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_heldout(ho: dict, path: Path) -> None:
    """Predicted attacks in the week after the 30 July 2024 strike, with and without it."""
    plt = _plt()
    fig, ax = plt.subplots(figsize=(6, 3.2), constrained_layout=True)
    a, b = ho["attacks_week"], ho["attacks_week_no_strike"]
    bins = np.arange(0, max(a.max(), b.max()) + 2) - 0.5
    ax.hist(b, bins=bins, density=True, color=PALETTE[5], alpha=0.6,
            label="without the strike (counterfactual)")  # fmt: skip
    ax.hist(a, bins=bins, density=True, histtype="step", lw=2, color=PALETTE[0],
            label="with the documented strike")  # fmt: skip
    ax.axvline(1, color=PALETTE[1], lw=2, ls="--", label="documented: 1 attack (lower bound)")
    ax.set_xlabel("militia attacks, 31 Jul - 6 Aug 2024 (documented: al-Asad, 5 Aug)")
    ax.set_ylabel("share of runs")
    ax.legend(fontsize=7, frameon=False)
    ax.set_title("Held-out 2024: predictive distribution from the posterior fitted to 2019-2021",
                 fontsize=9)  # fmt: skip
    fig.savefig(path, dpi=150)
    plt.close(fig)


# --- report -----------------------------------------------------------------------------------


def _md(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    cols = list(df.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for _, r in df.iterrows():
        cells = []
        for c in cols:
            v = r[c]
            if isinstance(v, float | np.floating):
                cells.append(format(v, floatfmt))
            else:
                cells.append(str(v).replace("|", "/"))
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def stability(fit: Fit) -> pd.DataFrame:
    """Change of each ABC parameter's posterior median between the last two generations,
    relative to the width of its 90 % interval."""
    gens = fit.abc.generations
    if len(gens) < 3:
        return pd.DataFrame()
    a, b = gens[-2], gens[-1]
    rows = []
    for j, p in enumerate(ABC_PRIORS):
        qa = weighted_quantile(a.particles[:, j], a.weights, [0.05, 0.5, 0.95])
        qb = weighted_quantile(b.particles[:, j], b.weights, [0.05, 0.5, 0.95])
        rows.append(
            {
                "parameter": p.name,
                "median_previous": qa[1],
                "median_last": qb[1],
                "shift / 90% width": abs(qb[1] - qa[1]) / max(qb[2] - qb[0], 1e-12),
            }
        )
    return pd.DataFrame(rows)


def write_report(
    fit: Fit,
    out: Path,
    events: pd.DataFrame,
    periods: pd.DataFrame,
    ppc_runs: int = SETTINGS.ppc_runs,
    command: str = "",
) -> dict[str, object]:
    """Write the calibration report (``report.md``), its figures and tables into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summ = fit.summary()
    summ.to_csv(out / "parameters.csv", index=False)
    fit.posterior.to_csv(out / "posterior.csv", index=False)
    diag = pd.DataFrame([{"generation": i, "epsilon": g.epsilon, "simulations": g.simulations,
                          "acceptance": g.acceptance, "ess": g.ess}
                         for i, g in enumerate(fit.abc.generations)])  # fmt: skip
    diag.to_csv(out / "diagnostics.csv", index=False)
    stab = stability(fit)
    plot_marginals(fit, out / "posterior_marginals.png")
    plot_diagnostics(fit, out / "diagnostics.png")
    traces, x = predictive(fit.design, fit.posterior, ppc_runs, fit.seed)
    _, x0 = predictive(fit.design, None, ppc_runs, fit.seed)
    table = check_table(fit.design, x)
    table0 = check_table(fit.design, x0)
    table["inside_band (defaults)"] = table0["inside_band"]
    table.to_csv(out / "predictive_check.csv", index=False)
    plot_predictive(
        fit.design, traces, events, out / "predictive_check.png",
        f"Posterior predictive check: monthly militia attacks ({ppc_runs} runs, US actions "
        f"forced to the record; fit up to {fit.until})",
    )  # fmt: skip
    ho = None
    if fit.until < HELDOUT_STRIKE:
        ho = heldout(fit.posterior, events, periods, seed=fit.seed)
        ho0 = heldout(None, events, periods, seed=fit.seed)
        ho["table"]["probability (table defaults)"] = ho0["table"]["probability"]
        ho["table"].to_csv(out / "heldout.csv", index=False)
        plot_heldout(ho, out / "heldout.png")
    not_fitted = [n for n in TABLE if n not in fitted_names()]
    flagged_weak = summ.loc[~summ["informed"], "parameter"].tolist()
    lines = [
        f"# Calibration report (record up to {fit.until}, seed {fit.seed})",
        "",
        f"Command: `{command}`" if command else "",
        "",
        f"Run time {fit.seconds:.0f} s; {sum(g.simulations for g in fit.abc.generations)} "
        f"simulations; {len(fit.abc.last.weights)} particles; stop: {fit.abc.stop_reason}.",
        "Method: ABC-SMC on the documented statistics of replays with the US actions forced to "
        "the record, and exact likelihoods for the response delay and the casualty means "
        "(docs/calibration.md).",
        "",
        "## Parameters",
        "",
        "Prior: scaled Beta on the table's range with its mode at the table default. "
        "`width_ratio` = posterior 90% width / prior 90% width; `informed` = below "
        f"{SETTINGS.informed_width_ratio:g}.",
        "",
        _md(summ.drop(columns=["prior_source"])),
        "",
        "Prior sources:",
        "",
        *[f"- `{r.parameter}`: {r.prior_source}" for r in summ.itertuples()],
        "",
        f"Parameters the fit leaves at (or near) their prior: {', '.join(flagged_weak) or 'none'}.",
        "",
        f"Not fitted (kept at the table default, a point prior): {', '.join(not_fitted)}.",
        "",
        "![posterior marginals](posterior_marginals.png)",
        "",
        "## Convergence diagnostics",
        "",
        _md(diag),
        "",
        "Stability between the last two generations:",
        "",
        _md(stab) if len(stab) else "(fewer than two generations)",
        "",
        "![diagnostics](diagnostics.png)",
        "",
        "## Posterior predictive check",
        "",
        f"{ppc_runs} runs with posterior draws; `inside_band`: the documented interval meets "
        "the simulated 5-95% band. The last column repeats the check with the table defaults.",
        "",
        _md(table.drop(columns=["source"])),
        "",
        f"Inside the band: {int(table['inside_band'].sum())} of {len(table)} (posterior), "
        f"{int(table['inside_band (defaults)'].sum())} of {len(table)} (table defaults).",
        "",
        "![predictive check](predictive_check.png)",
        "",
        "Sources of the statistics:",
        "",
        *[f"- {r.statistic}: {r.source}" for r in table.itertuples()],
        "",
    ]
    if ho is not None:
        lines += [
            "## Held-out check: 2024",
            "",
            f"Fit up to {fit.until}; replay of 1 June - 19 August 2024 (scenarios/mid_2024.yaml)"
            f" with the US strike of 30 July 2024 forced; {ho['runs']} runs ({ho['draws']} "
            "posterior draws). `mc_90_*`: Wilson interval; `draws_*`: spread of the probability "
            "across parameter draws; `without_strike`: same runs without the strike.",
            "",
            _md(ho["table"]),
            "",
            "![held-out](heldout.png)",
            "",
        ]
    (out / "report.md").write_text("\n".join(lines))
    return {"table": table, "heldout": ho, "summary": summ, "diagnostics": diag}


# --- synthetic record (recovery test) ---------------------------------------------------------


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
    from sim.inputs.record import EVENT_COLUMNS, PERIOD_COLUMNS

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
