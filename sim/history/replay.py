"""Replay of documented history and counterfactual branches.

* :func:`forcing_from_record` turns an event table (``Record.events`` of
  :func:`sim.inputs.record.load_record`: the packaged record or a user's own) into day-by-day
  forced actions: the US actions (``us_strike_syria`` ->
  ``US_STRIKE_SYRIA``, ``us_strike_iraq`` -> ``US_STRIKE_IRAQ``, ``decapitation`` by the US ->
  ``US_DECAPITATION``, or ``US_DECAPITATION_IRAN`` when its target is Iranian, ``us_strike_iran``
  -> ``US_STRIKE_IRAN``), Iran's direct strikes (``iran_state_strike``) and the Iraqi
  parliament's expulsion vote (``expulsion_vote``) and, as ``militia_truce``, the militias'
  declared truces (``ceasefire`` rows of a group, until the row that ``responds_to`` it).
* :func:`simulate` advances N runs with the ensemble engine
(:func:`sim.engines.ensemble.run_ensemble`,
  the same rules as every engine) and keeps a daily trace of what the calibration and the figures
  need.
* :func:`replay` simulates a historical window with the forced actors fixed to the record and the
  others simulated; :func:`branch` conditions on the history up to a date and continues under
  each policy with common random numbers.

Only events dated to the day (``date_precision`` ``day`` or ``week``) can be forced; events known
only to the month or year are not placed on a day and are left out of the forcing, except the
truces placed on days by :data:`TRUCE_DAYS`.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.core import ladder
from sim.core.params import GROUPS, Params
from sim.core.policies import Policy, get_policy
from sim.engines.ensemble import OUTCOMES, DayEvents, State, run_ensemble
from sim.errors import UserError
from sim.experiments.sampling import build_params, chunk_rngs
from sim.inputs.dates import last_day_problem, parse_day
from sim.inputs.packaged import file_sha256, history_setting_path, scenario_names, scenario_path
from sim.inputs.record import load_record
from sim.inputs.scenario import Scenario, load_scenario, scenario_file

#: Record action codes of the US and their engine action codes.
US_ACTION_CODES: dict[str, int] = {
    "us_strike_syria": ladder.US_STRIKE_SYRIA,
    "us_strike_iraq": ladder.US_STRIKE_IRAQ,
    "decapitation": ladder.US_DECAPITATION,
    "us_strike_iran": ladder.US_STRIKE_IRAN,
}


def us_action_code(action: str, target: str) -> int:
    """The engine code of a documented US action: a decapitation whose target is Iranian
    (``iran_quds_force``, Soleimani on 3 January 2020) is the killing of an Iranian official
    (``US_DECAPITATION_IRAN``), any other that of a militia group's commanders."""
    if action == "decapitation" and str(target).startswith("iran"):
        return ladder.US_DECAPITATION_IRAN
    return US_ACTION_CODES[action]


#: Actors whose documented actions can be forced: ``militia_truce`` fixes the militias'
#: declared truces to the record (their attacks stay simulated).
FORCEABLE: tuple[str, ...] = ("us", "iran", "iraq_gov", "militia_truce")
#: What a replay forces by default: the US actions and the militias' declared truces.
REPLAY_FORCE: tuple[str, ...] = ("us", "militia_truce")
#: The days of truces whose record rows are dated to the month only: first and last day in
#: truce. Kata'ib Hezbollah's "conditional" ceasefire: "In October ... But in November it
#: attacked again" (defence news, 21 Dec 2020; rows 2020-10-kh-conditional-ceasefire and
#: 2020-11-kh-attacks-resume). Outside reporting only places the days: the announcement of
#: 10-11 Oct 2020 and the rocket attack on the Green Zone of 17 Nov 2020 that Reuters called "a
#: clear sign" attacks had resumed; the truce is taken to hold from 11 Oct to 16 Nov 2020.
TRUCE_DAYS: dict[str, tuple[str, str]] = {
    "2020-10-kh-conditional-ceasefire": ("2020-10-11", "2020-11-16"),
}
#: Name of the pseudo-policy of :func:`branch` that keeps the documented US actions.
RECORD_POLICY = "record"
#: Precisions that place an event on a day.
DAY_PRECISIONS = ("day", "week")


# --- dates, settings --------------------------------------------------------------------------


def parse_date(text: str | dt.date, what: str) -> dt.date:
    """A ``YYYY-MM-DD`` date from the command line inside the years the model accepts
    (:func:`sim.inputs.dates.parse_day`), or a :class:`UserError` naming ``what``."""
    try:
        return parse_day(text, what)
    except ValueError as exc:
        raise UserError(str(exc)) from None


def check_span(start: dt.date, days: int, what: str) -> None:
    """Refuse a simulated span of ``days`` days from ``start`` longer than
    :data:`sim.inputs.dates.MAX_DAYS` or ending after :data:`sim.inputs.dates.LAST_DAY`
    (:class:`UserError` naming ``what``, the options that set it)."""
    problem = last_day_problem(start, days)
    if problem is not None:
        raise UserError(f"{what}: {problem}")


def packaged_scenario(name: str) -> Scenario:
    """A scenario shipped in the package by name (``late_2019``, ``mid_2024`` ...)."""
    path = scenario_path(name)
    if path is None:
        raise UserError(
            f"scenario '{name}' is not shipped (shipped: {', '.join(scenario_names()) or 'none'})"
        )
    return load_scenario(path)


def history_setting() -> Scenario:
    """The setting of replay, branch and calibration: the packaged file
    ``sim/data/history_setting.yaml`` (:func:`sim.inputs.packaged.history_setting_path`).

    One explicit timeline from October 2019 to the end of 2024: the quiet start of
    ``late_2019`` and the dated shocks (the Soleimani anniversary, the nuclear-deal talks until
    they stalled in 2022, the Gaza war, Haniyeh's killing). Each shock acts on its own dates, so
    one setting serves any window in that span; adding a scenario file changes nothing here.
    """
    return load_scenario(history_setting_path())


def setting_info(scenario_arg: str | None) -> dict[str, object]:
    """What a manifest records about the setting: the file and its SHA-256."""
    path = history_setting_path() if scenario_arg is None else scenario_file(scenario_arg)
    return {"setting_file": str(path), "setting_sha256": file_sha256(path)}


def window(setting: Scenario, start: dt.date, end: dt.date, source: str | None = None) -> Scenario:
    """The setting over ``[start, end]`` (its initial state, parameters and dated shocks).

    ``source``: a user's scenario (named in the message); then a shock that does not touch the
    window is refused rather than left out. The packaged history setting is a timeline, and a
    window of it leaves out the shocks of other dates.
    """
    if end < start:
        raise UserError(f"end {end} is before start {start}")
    if source is not None:
        for i, s in enumerate(setting.shocks):
            if s.start > end or s.last_day(end) < start:
                raise UserError(
                    f"{source}, field 'shocks.{i}': {s.kind} from {s.start} lies outside the "
                    f"simulated window {start} to {end}; remove it or widen the window"
                )
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
    truce: np.ndarray | None = None  # (days,) bitmask of the groups in truce (bit g: group g)


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
        for t, a, tg in zip(sel["t"], sel["action"], sel["target"], strict=True):
            us[t] = max(us[t], us_action_code(a, tg))
        out.us = us
    if "iran" in actors:
        out.iran = np.zeros(days, dtype=bool)
        sel = ev[(ev["actor"] == "iran") & (ev["action"] == "iran_state_strike")]
        out.iran[sel["t"].to_numpy()] = True
    if "iraq_gov" in actors:
        out.vote = np.zeros(days, dtype=bool)
        sel = ev[(ev["actor"] == "iraq_gov") & (ev["action"] == "expulsion_vote")]
        out.vote[sel["t"].to_numpy()] = True
    if "militia_truce" in actors:
        out.truce = truce_forcing(events, start, days)
    return out


def _truce_span(row, events: pd.DataFrame) -> tuple[pd.Timestamp, pd.Timestamp] | None:
    """First and last day of a documented truce: its day (or :data:`TRUCE_DAYS`) to the day
    before the dated row that ``responds_to`` it (or :data:`TRUCE_DAYS`); open-ended if
    neither."""
    placed = TRUCE_DAYS.get(row["id"])
    if row["date_precision"] in DAY_PRECISIONS:
        first = pd.Timestamp(row["day"])
    elif placed is not None:
        first = pd.Timestamp(placed[0])
    else:
        return None  # a truce known only to the month, not placed on a day
    ends = events[(events["responds_to"] == row["id"])
                  & events["date_precision"].isin(DAY_PRECISIONS)]  # fmt: skip
    if placed is not None:
        last = pd.Timestamp(placed[1])
    elif len(ends):
        last = ends["day"].min() - pd.Timedelta(days=1)
    else:
        last = pd.Timestamp.max.normalize()
    return first, last


def truce_forcing(events: pd.DataFrame, start: dt.date, days: int) -> np.ndarray:
    """Each day's bitmask of the militia groups in a documented truce (``ceasefire`` rows whose
    actor is a group of :data:`sim.core.params.GROUPS`), 0 on the other days: a forced truce
    holds on its days whatever happens, and no other truce is declared."""
    out = np.zeros(days, dtype=np.int64)
    dates = pd.date_range(start, periods=days, freq="D")
    rows = events[(events["action"] == "ceasefire") & events["actor"].isin(GROUPS)]
    for _, row in rows.iterrows():
        span = _truce_span(row, events)
        if span is None:
            continue
        on = (dates >= span[0]) & (dates <= span[1])
        out[on] |= 1 << GROUPS.index(row["actor"])
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
        tr["killed"][t] = ev.killed_total
        tr["wounded"][t] = ev.wounded_total
        tr["iran_struck"][t] = ev.iran_struck
        tr["voted"][t] = st.voted
        tr["protested"][t] = ev.protested
        tr["us_action"][t] = ev.action

    f = forcing
    res = run_ensemble(
        setting, policy or get_policy("do_nothing"), params, rng, keep_daily=False,
        forced_us=None if f is None else f.us, state=s,
        forced_iran=None if f is None else f.iran, forced_vote=None if f is None else f.vote,
        forced_truce=None if f is None else f.truce, observe=record, tally=tally,
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


def _stated_total(figures: pd.Series) -> float:
    """The sum of the figures the record states, NaN when it states none of them (0 when
    there is no row): a lower bound, since a row without a figure may hide some."""
    if not len(figures):
        return 0.0
    if figures.isna().all():
        return float("nan")
    return float(figures.sum())


def record_totals(events: pd.DataFrame, start: dt.date, days: int) -> dict[str, float]:
    """Documented totals of the window beside the replay's outcomes
    (:data:`sim.engines.ensemble.OUTCOMES`), each a lower bound.

    ``attacks_total`` and ``us_casualties`` as :func:`record_daily` (an unstated US casualty
    count is 0). ``militia_killed``: ``others_killed`` of the US actions whose engine code hits
    militias (:func:`us_action_code`, :data:`sim.core.ladder.HITS_MILITIA`), less the Iranian
    official of a decapitation whose target is Iranian, whom the simulation does not count either
    (:func:`sim.core.rules.losses.militia_killed`): 25 Kata'ib Hezbollah members on
    2019-12-29 (Foreign Policy), al-Muhandis beside Soleimani on 2020-01-03 (the row counts the
    two named men), four on 2024-07-30 (Vox 2024). ``coalition_killed``: ``others_killed`` of
    the attacks in Iraq (a British servicewoman at Taji on 2020-03-11, Foreign Policy; a
    Filipino contractor at Erbil on 2021-02-15, Vox 2021); the record does not separate Iraqis
    killed in an attack from coalition members, and none of its attacks states Iraqi deaths.
    Each is NaN when the window has such rows but none states a figure (the 2020-03-12 strikes
    give none), 0 when it has none. ``us_killed`` and ``us_wounded``: the stated US casualties
    of every row (attacks and Iran's strikes; the non-hostile death of 2021-03-03 only if the
    record was loaded with it, :func:`sim.inputs.record.load_record`). ``us_strikes`` and
    ``iran_strikes``: the days on which a forced replay has the US strike, or Iran strike US
    forces (:func:`forcing_from_record`), so a forced actor's count equals the simulated one.
    Only events dated to the day count (:func:`_day_index`).
    """
    ev = _day_index(events, start, days)
    rec = record_daily(events, start, days)
    forced = forcing_from_record(events, start, days, ("us", "iran"))
    us_rows = ev[(ev["actor"] == "us") & ev["action"].isin(US_ACTION_CODES)]
    codes = np.array(
        [us_action_code(a, tg) for a, tg in zip(us_rows["action"], us_rows["target"], strict=True)],
        dtype=np.int64,
    )
    hits = ladder.HITS_MILITIA[codes] if len(codes) else np.zeros(0, dtype=bool)
    strikes, official = us_rows[hits], codes[hits] == ladder.US_DECAPITATION_IRAN
    militia = (strikes["others_killed"] - official.astype(float)).clip(lower=0.0)
    attacks = ev[ev["is_attack"] & ev["in_iraq"]]
    return {
        "attacks_total": float(rec["attacks"].sum()),
        "us_casualties": float(rec["us_casualties"].sum()),
        "us_killed": float(ev["us_killed"].fillna(0).sum()),
        "us_wounded": float(ev["us_wounded"].fillna(0).sum()),
        "us_strikes": float(np.count_nonzero(forced.us)),
        "iran_strikes": float(np.count_nonzero(forced.iran)),
        "militia_killed": _stated_total(militia),
        "coalition_killed": _stated_total(attacks["others_killed"]),
    }


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


def _window(scenario: Scenario | None, start: dt.date, end: dt.date) -> Scenario:
    """A window of the history setting, or of a user's scenario (whose shocks must touch it)."""
    if scenario is None:
        return window(history_setting(), start, end)
    return window(scenario, start, end, source=f"scenario '{scenario.name}'")


def replay(
    events: pd.DataFrame,
    start: dt.date,
    end: dt.date,
    runs: int,
    seed: int,
    scenario: Scenario | None = None,
    force: Sequence[str] = REPLAY_FORCE,
    posterior: pd.DataFrame | bool = True,
    params: Params | None = None,
) -> ReplayResult:
    """Simulate ``[start, end]`` with the actions of ``force`` fixed to the record.

    Parameters
    ----------
    events : an event table (``Record.events`` of :func:`sim.inputs.record.load_record`)
    scenario : the period's setting (initial state, shocks, parameters, and the policy the US
        follows when it is not forced); default :func:`history_setting`
    posterior : as :func:`sim.experiments.sampling.build_params` (True: the shipped posterior)
    params : parameters of the runs (overrides ``posterior``; ``params.n`` must equal ``runs``)

    Returns
    -------
    ReplayResult
        ``runs``: one row per run with the window totals (:data:`sim.engines.ensemble.OUTCOMES`).
    """
    if end < start:
        raise UserError(f"--end {end} is before --start {start}")
    check_span(start, (end - start).days + 1, f"--start {start} --end {end}")
    setting = _window(scenario, start, end)
    draws, prng = chunk_rngs(seed, 0)
    p = params if params is not None else _params(setting, runs, prng, posterior)
    forcing = forcing_from_record(events, start, setting.days, force)
    trace = simulate(setting, p, draws, policy=get_policy(setting.policy), forcing=forcing)
    table = pd.DataFrame({"run": np.arange(runs), **{k: trace.outcomes[k] for k in OUTCOMES}})
    return ReplayResult(trace, forcing, setting, weekly_table(trace, events), table)


# --- branch -----------------------------------------------------------------------------------


@dataclass
class BranchResult:
    """History up to ``at`` and one continuation per policy (common random numbers).

    ``kept``: the runs of the history that were continued (all of them unless ``branch`` was
    given a ``select``)."""

    at: dt.date
    history: Trace | None
    futures: dict[str, Trace] = field(default_factory=dict)
    kept: np.ndarray | None = None


def take_state(state: State, idx: np.ndarray) -> State:
    """The state of the runs ``idx`` (copies)."""
    return type(state)(**{f.name: np.array(getattr(state, f.name)[idx])
                          for f in dataclasses.fields(state)})  # fmt: skip


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
    select: Callable[[Trace], np.ndarray] | None = None,
) -> BranchResult:
    """Condition on the record up to the day before ``at``, then simulate ``horizon`` days from
    ``at`` under each policy.

    The history forces the documented actions of ``force`` (by default the US, Iran's direct
    strikes and the expulsion vote); the militias are simulated. Every continuation starts from
    the same per-run states with the same parameters and the same draws (common random numbers),
    so the runs differ between policies only through what the policies do. The pseudo-policy
    ``record`` keeps the documented US actions after ``at`` (Iran and parliament simulated).

    ``select``: given the history's trace, the indices of the runs to continue (for instance
    the runs whose simulated history is closest to what was documented); the continuations then
    have that many runs, each with its run's state and parameters. Without it every run goes on.
    """
    setting = scenario or history_setting()
    start = start or setting.start
    if at < start:
        raise UserError(f"--at {at} is before the start of the history {start}")
    check_span(start, (at - start).days + 1, f"the history from {start} to --at {at}")
    check_span(at, horizon, f"--horizon {horizon} from --at {at}")
    names = list(policies)
    pols = {n: None if n == RECORD_POLICY else get_policy(n) for n in names}
    draws, prng = chunk_rngs(seed, 0)
    end = at + dt.timedelta(days=horizon - 1)
    full = _window(scenario, start, end)
    p = _params(full, runs, prng, posterior)
    result = BranchResult(at, None)
    state = None
    hist_days = (at - start).days
    if hist_days > 0:
        hist = window(setting, start, at - dt.timedelta(days=1))
        forcing = forcing_from_record(events, start, hist_days, force)
        us_policy = get_policy(setting.policy)  # what the US does in the history if not forced
        result.history = simulate(hist, p, draws, policy=us_policy, forcing=forcing)
        state = result.history.state
        if select is not None:
            idx = np.asarray(select(result.history), dtype=np.int64)
            state, p = take_state(state, idx), p.take(idx)
            result.kept = idx
    future = window(setting, at, end)
    rec = forcing_from_record(events, at, horizon, ("us",))
    for name, pol in pols.items():
        rng = chunk_rngs(seed, 1)[0]  # the same draws under every policy
        f = rec if pol is None else None
        result.futures[name] = simulate(future, p, rng, policy=pol, forcing=f, state=state)
    return result


# --- outputs -----------------------------------------------------------------------------------
# The figures of replay and branch are in sim.figures.history, the manifest writer in
# sim.experiments.provenance.


#: The record whose US actions and truces replay and branch force by default: the five articles'
#: rows, the record the shipped posterior was fitted to (the calibration forces the US actions of
#: the record it fits, so a replay with that posterior forces the same ones).
DEFAULT_FORCING_RECORD = "seeds"


def record_events(which: str = DEFAULT_FORCING_RECORD) -> pd.DataFrame:
    """The event table of a record (``seeds``, ``full`` or a folder), validated
    (:func:`sim.inputs.record.load_record`)."""
    return load_record(which).events
