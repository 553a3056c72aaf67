"""Replay of documented history and counterfactual branches.

* :func:`forcing_from_record` turns an event table (``sim/data/events.csv`` or a user's own record
  in the same format) into day-by-day forced actions: the US actions (``us_strike_syria`` ->
  ``US_STRIKE_SYRIA``, ``us_strike_iraq`` -> ``US_STRIKE_IRAQ``, ``decapitation`` by the US ->
  ``US_DECAPITATION``, ``us_strike_iran`` -> ``US_STRIKE_IRAN``), Iran's direct strikes
  (``iran_state_strike``) and the Iraqi parliament's expulsion vote (``expulsion_vote``).
* :func:`simulate` advances N runs with the ensemble engine
(:func:`sim.engines.ensemble.run_ensemble`,
  the same rules as every engine) and keeps a daily trace of what the calibration and the figures
  need.
* :func:`replay` simulates a historical window with the forced actors fixed to the record and the
  others simulated; :func:`branch` conditions on the history up to a date and continues under
  each policy with common random numbers.

Only events dated to the day (``date_precision`` ``day`` or ``week``) can be forced; events known
only to the month or year are not placed on a day and are left out of the forcing.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.core import ladder
from sim.core.params import Params
from sim.core.policies import Policy, get_policy
from sim.engines.ensemble import OUTCOMES, DayEvents, State, run_ensemble
from sim.errors import UserError
from sim.experiments.sampling import build_params, chunk_rngs
from sim.inputs.record import load_events
from sim.inputs.scenario import Scenario, load_scenario, scenario_from_dict

#: Record action codes of the US and their engine action codes.
US_ACTION_CODES: dict[str, int] = {
    "us_strike_syria": ladder.US_STRIKE_SYRIA,
    "us_strike_iraq": ladder.US_STRIKE_IRAQ,
    "decapitation": ladder.US_DECAPITATION,
    "us_strike_iran": ladder.US_STRIKE_IRAN,
}
#: Actors whose documented actions can be forced.
FORCEABLE: tuple[str, ...] = ("us", "iran", "iraq_gov")
#: Name of the pseudo-policy of :func:`branch` that keeps the documented US actions.
RECORD_POLICY = "record"
#: Precisions that place an event on a day.
DAY_PRECISIONS = ("day", "week")

SCENARIO_DIR = Path(__file__).resolve().parents[2] / "scenarios"


# --- dates, settings --------------------------------------------------------------------------


def parse_date(text: str | dt.date, what: str) -> dt.date:
    """A ``YYYY-MM-DD`` date from the command line, or a :class:`UserError` naming ``what``."""
    if isinstance(text, dt.date):
        return text
    try:
        return dt.date.fromisoformat(str(text))
    except ValueError:
        raise UserError(f"{what}: {text!r} is not a valid date (expected YYYY-MM-DD)") from None


def packaged_scenario(name: str) -> Scenario:
    """A scenario shipped in ``scenarios/`` by name (``late_2019``, ``mid_2024`` ...)."""
    path = SCENARIO_DIR / f"{name}.yaml"
    if not path.is_file():
        raise UserError(f"scenario '{name}' not found in {SCENARIO_DIR}")
    return load_scenario(path)


def history_setting() -> Scenario:
    """The default setting of a replay: the quiet start of ``late_2019`` and the dated shocks of
    every shipped scenario (the Soleimani anniversary, nuclear talks, Gaza, Haniyeh), each once.

    Each shock acts on its own date, so one setting serves any window from October 2019 on.
    """
    base = packaged_scenario("late_2019")
    shocks, seen = [], set()
    for path in sorted(SCENARIO_DIR.glob("*.yaml")):
        for s in load_scenario(path).shocks:
            key = (s.kind, s.start, s.end, s.magnitude)
            if key not in seen:
                seen.add(key)
                shocks.append(s.model_dump())
    data = base.model_dump()
    data.update(name="history", shocks=sorted(shocks, key=lambda s: s["start"]), params={})
    data["description"] = "documented history: quiet start of October 2019, all dated shocks"
    return scenario_from_dict(data)


def window(setting: Scenario, start: dt.date, end: dt.date) -> Scenario:
    """The setting over ``[start, end]`` (its initial state, parameters and dated shocks)."""
    if end < start:
        raise UserError(f"end {end} is before start {start}")
    return setting.model_copy(update={"start": start, "days": (end - start).days + 1})


# --- forcing from the record ------------------------------------------------------------------


@dataclass
class Forcing:
    """Day-by-day forced actions over a window (None: that actor is simulated)."""

    start: dt.date
    days: int
    us: np.ndarray | None = None  # (days,) US action codes
    iran: np.ndarray | None = None  # (days,) bool, Iran strikes US forces directly
    vote: np.ndarray | None = None  # (days,) bool, parliament votes to expel

    def cut(self, lo: int, hi: int) -> Forcing:
        """The forcing of days ``lo .. hi-1``."""
        f = lambda a: None if a is None else a[lo:hi]  # noqa: E731
        return Forcing(self.start + dt.timedelta(days=lo), hi - lo, f(self.us), f(self.iran),
                       f(self.vote))  # fmt: skip


def _day_index(events: pd.DataFrame, start: dt.date, days: int) -> pd.DataFrame:
    ev = events[events["date_precision"].isin(DAY_PRECISIONS)].copy()
    ev["t"] = (ev["day"] - pd.Timestamp(start)).dt.days
    return ev[(ev["t"] >= 0) & (ev["t"] < days)]


def forcing_from_record(
    events: pd.DataFrame, start: dt.date, days: int, actors: Sequence[str] = ("us",)
) -> Forcing:
    """Forced actions of ``actors`` over ``days`` days from ``start``, from an event table.

    A forced actor does exactly what the record says in the window and nothing else: the US
    takes the documented kinetic actions (the highest-coded one if several fall on one day) and
    no others; Iran strikes US forces directly on the documented days only; parliament votes on
    the documented day.
    """
    for a in actors:
        if a not in FORCEABLE:
            raise UserError(f"--force: unknown actor '{a}' (known: {', '.join(FORCEABLE)})")
    ev = _day_index(events, start, days)
    out = Forcing(start, days)
    if "us" in actors:
        us = np.zeros(days, dtype=np.int64)
        sel = ev[(ev["actor"] == "us") & ev["action"].isin(US_ACTION_CODES)]
        for t, a in zip(sel["t"], sel["action"], strict=True):
            us[t] = max(us[t], US_ACTION_CODES[a])
        out.us = us
    if "iran" in actors:
        out.iran = np.zeros(days, dtype=bool)
        sel = ev[(ev["actor"] == "iran") & (ev["action"] == "iran_state_strike")]
        out.iran[sel["t"].to_numpy()] = True
    if "iraq_gov" in actors:
        out.vote = np.zeros(days, dtype=bool)
        sel = ev[(ev["actor"] == "iraq_gov") & (ev["action"] == "expulsion_vote")]
        out.vote[sel["t"].to_numpy()] = True
    return out


# --- simulation with a daily trace ------------------------------------------------------------

#: Daily series of a :class:`Trace`, shape (days, N).
TRACE_FIELDS: dict[str, str] = {
    "attacks": "militia attacks on US forces",
    "injuring": "attacks that injured or killed Americans",
    "lethal": "attacks that killed Americans",
    "killed": "Americans killed",
    "wounded": "Americans wounded",
    "iran_struck": "Iran struck US forces directly",
    "voted": "the expulsion vote has passed (cumulative)",
    "protested": "protests or threats (rung 1)",
    "us_action": "US action carried out (sim.core.ladder code)",
}


@dataclass
class Trace:
    """N simulated runs over a window: daily series, per-run outcomes and the final state."""

    start: dt.date
    series: dict[str, np.ndarray]
    outcomes: dict[str, np.ndarray]
    state: State
    params: Params

    @property
    def days(self) -> int:
        return self.series["attacks"].shape[0]

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, periods=self.days, freq="D")

    def t(self, day: dt.date | pd.Timestamp) -> int:
        """Index of a calendar day in the window."""
        return (pd.Timestamp(day) - pd.Timestamp(self.start)).days


def simulate(
    setting: Scenario,
    params: Params,
    rng: np.random.Generator,
    policy: Policy | None = None,
    forcing: Forcing | None = None,
    state: State | None = None,
    tally: bool = True,
) -> Trace:
    """Simulate ``params.n`` runs of ``setting`` with :func:`sim.engines.ensemble.run_ensemble`,
    keeping
    a daily trace through its ``observe`` callback.

    ``state`` is copied, never changed. Without a policy the US does nothing unless forced.
    ``tally=False`` skips the per-run outcomes (faster; the calibration needs only the trace).
    """
    n, days = params.n, setting.days
    s = copy.deepcopy(state) if state is not None else State.initial(n, params, setting.initial)
    small = {"iran_struck": bool, "voted": bool, "protested": bool, "us_action": np.int8}
    tr = {f: np.zeros((days, n), dtype=small.get(f, np.int16)) for f in TRACE_FIELDS}

    def record(t: int, ev: DayEvents, st: State) -> None:
        tr["attacks"][t] = ev.attacks  # the counts of the day's count_day phase
        tr["injuring"][t] = ev.injuring
        tr["lethal"][t] = ev.lethal
        tr["killed"][t] = ev.killed
        tr["wounded"][t] = ev.wounded
        tr["iran_struck"][t] = ev.iran_struck
        tr["voted"][t] = st.voted
        tr["protested"][t] = ev.protested
        tr["us_action"][t] = ev.us_action

    f = forcing
    res = run_ensemble(
        setting, policy or get_policy("do_nothing"), params, rng, keep_daily=False,
        forced_us=None if f is None else f.us, state=s,
        forced_iran=None if f is None else f.iran, forced_vote=None if f is None else f.vote,
        observe=record, tally=tally,
    )  # fmt: skip
    return Trace(setting.start, tr, res.outcomes, s, params)


# --- the record, by week ----------------------------------------------------------------------


def record_daily(events: pd.DataFrame, start: dt.date, days: int) -> pd.DataFrame:
    """Documented attacks in Iraq and US casualties (killed + wounded, unknown = 0) per day."""
    ev = _day_index(events, start, days)
    out = pd.DataFrame(
        {"attacks": 0, "us_casualties": 0},
        index=pd.date_range(start, periods=days, freq="D"),
    )
    att = ev[ev["is_attack"] & ev["in_iraq"]]
    for t in att["t"]:
        out.iloc[t, 0] += 1
    cas = ev["us_killed"].fillna(0).astype(int) + ev["us_wounded"].fillna(0).astype(int)
    for t, c in zip(ev["t"], cas, strict=True):
        out.iloc[t, 1] += int(c)
    return out


def weekly_table(trace: Trace, events: pd.DataFrame) -> pd.DataFrame:
    """Weekly predicted distribution (mean, 5/50/95 %) of attacks and US casualties, next to
    the record (weeks run from the window's first day; a short last week is dropped)."""
    weeks = trace.days // 7
    rec = record_daily(events, trace.start, trace.days)
    rows = []
    sim = {
        "attacks": trace.series["attacks"].astype(np.int64),
        "us_casualties": (trace.series["killed"] + trace.series["wounded"]).astype(np.int64),
    }
    for w in range(weeks):
        sl = slice(7 * w, 7 * w + 7)
        row: dict[str, object] = {"week_start": trace.dates[7 * w].date()}
        for name, arr in sim.items():
            tot = arr[sl].sum(axis=0)
            q = np.percentile(tot, [5, 50, 95])
            row |= {
                f"{name}_mean": tot.mean(),
                f"{name}_p05": q[0],
                f"{name}_p50": q[1],
                f"{name}_p95": q[2],
                f"{name}_record": int(rec[name].iloc[sl].sum()),
            }
        rows.append(row)
    return pd.DataFrame(rows)


# --- replay -----------------------------------------------------------------------------------


@dataclass
class ReplayResult:
    """A replayed window: the trace, the forcing, the setting and the weekly table."""

    trace: Trace
    forcing: Forcing
    setting: Scenario
    weekly: pd.DataFrame
    runs: pd.DataFrame


def _params(setting: Scenario, n: int, rng: np.random.Generator, posterior) -> Params:
    return build_params(setting, n, rng, posterior=posterior)


def replay(
    events: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    runs: int,
    seed: int,
    scenario: Scenario | None = None,
    force: Sequence[str] = ("us",),
    posterior: pd.DataFrame | bool = True,
    params: Params | None = None,
) -> ReplayResult:
    """Simulate ``[start, end]`` with the actions of ``force`` fixed to the record.

    Parameters
    ----------
    events : an event table from :func:`sim.inputs.record.load_events`
    scenario : the period's setting (initial state, shocks, parameters); default
        :func:`history_setting`
    posterior : as :func:`sim.experiments.sampling.build_params` (True: the shipped posterior)
    params : parameters of the runs (overrides ``posterior``; ``params.n`` must equal ``runs``)

    Returns
    -------
    ReplayResult
        ``runs``: one row per run with the window totals (:data:`sim.engines.ensemble.OUTCOMES`).
    """
    setting = window(scenario or history_setting(), start, end)
    draws, prng = chunk_rngs(seed, 0)
    p = params if params is not None else _params(setting, runs, prng, posterior)
    forcing = forcing_from_record(events, start, setting.days, force)
    trace = simulate(setting, p, draws, forcing=forcing)
    table = pd.DataFrame({"run": np.arange(runs), **{k: trace.outcomes[k] for k in OUTCOMES}})
    return ReplayResult(trace, forcing, setting, weekly_table(trace, events), table)


# --- branch -----------------------------------------------------------------------------------


@dataclass
class BranchResult:
    """History up to ``at`` and one continuation per policy (common random numbers)."""

    at: dt.date
    history: Trace | None
    futures: dict[str, Trace] = field(default_factory=dict)


def branch(
    events: pd.DataFrame,
    at: dt.date,
    policies: Sequence[str],
    horizon: int,
    runs: int,
    seed: int,
    start: dt.date | None = None,
    scenario: Scenario | None = None,
    force: Sequence[str] = FORCEABLE,
    posterior: pd.DataFrame | bool = True,
) -> BranchResult:
    """Condition on the record up to the day before ``at``, then simulate ``horizon`` days from
    ``at`` under each policy.

    The history forces the documented actions of ``force`` (by default the US, Iran's direct
    strikes and the expulsion vote); the militias are simulated. Every continuation starts from
    the same per-run states with the same parameters and the same draws (common random numbers),
    so the runs differ between policies only through what the policies do. The pseudo-policy
    ``record`` keeps the documented US actions after ``at`` (Iran and parliament simulated).
    """
    setting = scenario or history_setting()
    start = start or setting.start
    if at < start:
        raise UserError(f"--at {at} is before the start of the history {start}")
    names = list(policies)
    pols = {n: None if n == RECORD_POLICY else get_policy(n) for n in names}
    draws, prng = chunk_rngs(seed, 0)
    end = at + dt.timedelta(days=horizon - 1)
    full = window(setting, start, end)
    p = _params(full, runs, prng, posterior)
    result = BranchResult(at, None)
    state = None
    hist_days = (at - start).days
    if hist_days > 0:
        hist = window(setting, start, at - dt.timedelta(days=1))
        forcing = forcing_from_record(events, start, hist_days, force)
        result.history = simulate(hist, p, draws, forcing=forcing)
        state = result.history.state
    future = window(setting, at, end)
    rec = forcing_from_record(events, at, horizon, ("us",))
    for name, pol in pols.items():
        rng = chunk_rngs(seed, 1)[0]  # the same draws under every policy
        f = rec if pol is None else None
        result.futures[name] = simulate(future, p, rng, policy=pol, forcing=f, state=state)
    return result


# --- figures and outputs ----------------------------------------------------------------------

#: Colour-blind-safe palette (Okabe & Ito 2008).
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442", "#000000")


def _weekly(arr: np.ndarray) -> np.ndarray:
    w = arr.shape[0] // 7
    return arr[: 7 * w].reshape(w, 7, -1).sum(axis=1)


def plot_replay(res: ReplayResult, path: Path, label: str) -> None:
    """Weekly predicted attacks and US casualties (median, 90 % band) with the record."""
    import matplotlib.pyplot as plt

    wk = res.weekly
    x = pd.to_datetime(wk["week_start"])
    fig, axes = plt.subplots(2, 1, figsize=(9, 6), sharex=True, constrained_layout=True)
    for ax, name, ylabel in (
        (axes[0], "attacks", "attacks per week"),
        (axes[1], "us_casualties", "US killed + wounded per week"),
    ):
        ax.fill_between(x, wk[f"{name}_p05"], wk[f"{name}_p95"], step="post", color=PALETTE[0],
                        alpha=0.25, label="simulated 90% band")  # fmt: skip
        ax.step(x, wk[f"{name}_p50"], where="post", color=PALETTE[0], label="simulated median")
        doc = wk[f"{name}_record"] > 0
        ax.plot(x[doc] + pd.Timedelta(days=3.5), wk.loc[doc, f"{name}_record"], "D",
                color=PALETTE[1], ms=6, label="documented (lower bound)")  # fmt: skip
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    notes = []
    us = res.forcing.us
    if us is not None:
        for t in np.nonzero(us)[0]:
            day = pd.Timestamp(res.setting.start) + pd.Timedelta(days=int(t))
            for ax in axes:
                ax.axvline(day, color=PALETTE[7], ls=":", lw=1)
            k = len(notes) + 1
            axes[0].annotate(str(k), (day, 0.98 - 0.07 * (k % 2)),
                             xycoords=("data", "axes fraction"), ha="center", va="top",
                             fontsize=8, bbox={"fc": "white", "ec": "none"})  # fmt: skip
            what = ladder.US_ACTION_NAMES[int(us[t])].replace("_", " ")
            notes.append(f"{k} {what} {day:%d %b %Y}")
    axes[0].legend(loc="upper center", bbox_to_anchor=(0.6, 0.98), fontsize=8, framealpha=0.9)
    n = res.trace.params.n
    axes[0].set_title(
        f"Replay {res.setting.start} to {res.setting.end}: weekly attacks and US casualties\n"
        f"{n} runs; actions fixed to the record: {label}",
        fontsize=10,
    )
    if notes:
        fig.supxlabel("Dotted lines, US actions of the record: " + "; ".join(notes), fontsize=8)
    axes[1].set_xlabel("week starting")
    fig.savefig(path, dpi=150)
    plt.close(fig)


def plot_branch(res: BranchResult, events: pd.DataFrame, path: Path) -> None:
    """History up to the branch date (grey) and weekly attacks / cumulative US casualties under
    each policy (median and 90 % band)."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(2, 1, figsize=(10, 6.5), sharex=True, constrained_layout=True)
    h = res.history
    base = {"attacks": 0, "cas": 0}

    def cum(tr: Trace) -> dict[str, np.ndarray]:
        return {
            "attacks": np.cumsum(tr.series["attacks"], axis=0).astype(float),
            "cas": np.cumsum(tr.series["killed"] + tr.series["wounded"], axis=0).astype(float),
        }

    if h is not None:
        c = cum(h)
        for ax, key in zip(axes, ("attacks", "cas"), strict=True):
            q = np.percentile(c[key], [5, 50, 95], axis=1)
            ax.fill_between(h.dates, q[0], q[2], color="0.6", alpha=0.4,
                            label="history (replay, 90% band)")  # fmt: skip
            ax.plot(h.dates, q[1], color="0.3")
            base[key] = c[key][-1]
        rec = record_daily(events, h.start, h.days)
        doc = rec["attacks"].cumsum()
        axes[0].step(rec.index, doc, where="post", color="k", lw=1.2,
                     label="documented attacks, cumulative (lower bound)")  # fmt: skip
    for i, (name, tr) in enumerate(res.futures.items()):
        col = PALETTE[i % len(PALETTE)]
        c = cum(tr)
        for ax, key in zip(axes, ("attacks", "cas"), strict=True):
            q = np.percentile(base[key] + c[key], [5, 50, 95], axis=1)
            ax.fill_between(tr.dates, q[0], q[2], color=col, alpha=0.15)
            ax.plot(tr.dates, q[1], color=col, lw=2, label=f"policy: {name}")
    for ax in axes:
        ax.axvline(pd.Timestamp(res.at), color="k", lw=1)
        ax.grid(alpha=0.3)
    axes[0].annotate(f"branch: {res.at}", (pd.Timestamp(res.at), 1.0),
                     xycoords=("data", "axes fraction"), va="top", ha="right", rotation=90,
                     fontsize=8)  # fmt: skip
    axes[0].set_ylabel("cumulative militia attacks")
    axes[1].set_ylabel("cumulative US killed + wounded")
    axes[1].set_xlabel("date ('record' keeps the documented US actions after the branch date)")
    axes[0].legend(loc="upper left", fontsize=8, frameon=False)
    n = next(iter(res.futures.values())).params.n
    axes[0].set_title(
        f"History to {res.at} and futures under each US policy (median, 90% band; {n} runs, "
        "common random numbers)",
        fontsize=10,
    )
    fig.savefig(path, dpi=150)
    plt.close(fig)


def write_manifest(out: Path, **info: object) -> None:
    """Write ``manifest.json`` (package version, command inputs) next to the results."""
    from sim import __version__

    info = {"package_version": __version__, **info}
    (out / "manifest.json").write_text(json.dumps(info, indent=2, default=str) + "\n")


def load_record(path: str | None) -> pd.DataFrame:
    """The event table (the packaged record when ``path`` is None), validated."""
    return load_events(path)
