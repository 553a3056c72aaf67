"""Column layout of the matrix the compiled day works on: one row ``R[i]`` per run.

A run's row holds four blocks, each a named tuple of column indices (compile-time constants of
the kernels), so ``r[SC.iran_grievance]`` or ``r[PC.base_rate + g]`` reads like a field:

* ``SC`` state: the fields of :data:`STATE` (:class:`sim.core.state.State`);
* ``DC`` the day's events, rewritten each day (what the actors did today): the fields of
  :data:`DAY`;
* ``OC`` the per-run outcomes the engine counts (:data:`OUTCOMES`, declared in
  :mod:`sim.core.outcomes`), then the tally's running sums
  (:data:`TALLY_SUMS`);
* ``PC`` parameters: the table's columns in table order (a per-group parameter takes ``G``
  adjacent columns), then derived columns ``keep_<x>_days = exp(-1 / x_days)``, the share of a
  decaying quantity that one day keeps, and the other derived parameters (:data:`DERIVED`).

Beside it: ``X`` the exogenous shock series (one row per day, columns ``XC``), ``F`` the forcing
of a replay (rows ``FC``, -1 where not forced) and ``L`` the daily series (``LC``).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sim.core import outcomes
from sim.core.ladder import US_ACTIONS
from sim.core.params import GROUPS, TABLE, Params
from sim.core.rules import militia
from sim.core.rules.escalation import NEVER

G = len(GROUPS)


def _columns(name: str, spec: list[tuple[str, int]], k: int = 0):
    fields, start = [], []
    for f, width in spec:
        fields.append(f)
        start.append(k)
        k += width
    return namedtuple(name, [*fields, "end"])(*start, k)


def _param_spec() -> list[tuple[str, int]]:
    spec: list[tuple[str, int]] = []
    for name in TABLE:
        attr, dot, _ = name.partition(".")
        if not dot:
            spec.append((name, 1))
        elif not spec or spec[-1][0] != attr:
            spec.append((attr, G))
    return spec


#: the parameters with an e-folding time, whose daily retention is precomputed
DECAYING: tuple[str, ...] = tuple(n for n in TABLE if n.endswith("_days"))


@dataclass(frozen=True)
class Field:
    """One field of a run's state or of its day's events: a column (``G`` adjacent columns for a
    per-group field) of the row matrix, its type in the typed views (:class:`sim.core.state.State`,
    :class:`sim.core.state.DayEvents`, the Mesa agents), its value on day 0 and whose it is."""

    name: str
    #: 1, or ``G`` for a per-group field (one column per militia group)
    width: int
    #: the type of its typed views: ``float``, ``int`` or ``bool`` (the row holds floats)
    dtype: type
    #: its value on day 0: a number, or a function ``(initial, p)`` of the scenario's initial
    #: conditions (:class:`sim.inputs.scenario.InitialState`) and the runs' parameters (``p[name]``
    #: one value per run) giving a value per run
    initial: float | Callable
    #: what it is and which rule moves it
    source: str
    #: the actor it belongs to, as a Mesa agent shows it: ``iran``, ``militia`` (per group),
    #: ``militias`` (shared by the groups), ``us``, ``iraq`` ("" : the day's own)
    actor: str = ""
    #: its name on the Mesa agent ("" : ``name``)
    view: str = ""


def _over_runs(rule: Callable) -> Callable:
    """A scalar rule of arithmetic only, applied to arrays of runs (its Python function: the same
    operations in the same order, so the same numbers as compiled)."""
    return getattr(rule, "py_func", rule)


def _scenario(name: str) -> Callable:
    """The initial value a scenario gives (:class:`sim.inputs.scenario.InitialState` field)."""
    return lambda init, p: float(getattr(init, name))


def _scenario_or(name: str, param: str) -> Callable:
    """The scenario's initial value, or where it gives none the parameter's, run by run."""
    return lambda init, p: p[param] if getattr(init, name) is None else float(getattr(init, name))


# fmt: off
#: The state of a run, in column order: the one table from which the state block ``SC``, the
#: typed :class:`sim.core.state.State`, its initial values and the Mesa agents' views are made.
STATE: tuple[Field, ...] = (
    Field("excitation", G, float, 0.0, "self-excitation, attacks/day (militia.excitation_update)",
          "militia"),
    Field("grievance", G, float,
          lambda init, p: _over_runs(militia.grievance_from_intensity)(
              init.militia_grievance, p["revenge_attacks"], p["revenge_days"]),
          "revenge, attacks/day (militia.grievance_update); initially the scenario's "
          "militia_grievance in strike-intensity units", "militia"),
    Field("fear", G, float, _scenario("militia_fear"),
          "deterrence, log-hazard units (militia.fear_update)", "militia"),
    Field("truce", G, bool, 0.0, "in truce (truce.truce_update, or forced by the record)",
          "militia"),
    Field("answer_lethal", 1, float, _scenario("red_line"),
          "how surely the militias expect a lethal attack to be answered: the red line read "
          "from earlier years' answers (militia.red_line_update)", "militias"),
    Field("answer_other", 1, float, 0.0,
          "how surely they expect any other attack to be answered (militia.red_line_update)",
          "militias"),
    Field("case_class", 1, int, 0.0, "the open case of the red-line reading: severity of the "
          "attack awaiting its answer (militia.red_line_update)", "militias"),
    Field("case_age", 1, int, 0.0, "days the open case has waited", "militias"),
    Field("iran_grievance", 1, float, _scenario("iran_grievance"),
          "Iran's grievance at the US, Soleimani's killing = 1 (iran.grievance_update)", "iran",
          "grievance"),
    Field("iran_grievance_third_party", 1, float, 0.0,
          "Iran's grievance at third parties, from shocks (iran.third_party_grievance_update)",
          "iran", "grievance_third_party"),
    Field("iran_fear", 1, float, _scenario("iran_fear"),
          "Iran's fear of the US, log-hazard units (iran.fear_update)", "iran", "fear"),
    Field("deal_progress", 1, float, 0.0,
          "progress toward a regional deal, 0-1 (iran.deal_progress_update)", "iran"),
    Field("timetable", 1, float, 0.0,
          "progress toward a withdrawal timetable, 0-1 (truce.timetable_update)", "us"),
    Field("campaign", 1, float,
          lambda init, p: p["expulsion_campaign"] if init.expulsion_voted else 0.0,
          "the militias' campaign to expel US forces after a vote, log-hazard units "
          "(truce.campaign_update); at full strength for a vote before the period (every "
          "shipped setting that starts voted starts a year or more after the vote of "
          "2020-01-05)", "militias"),
    Field("air_defence", 1, float, _scenario_or("air_defence", "air_defence_initial"),
          "share of fire that air defence stops (us.air_defence_update)", "us"),
    Field("exposure", 1, float, _scenario_or("exposure", "exposure_initial"),
          "relative number of exposed sites (us.exposure_update)", "us"),
    Field("pending_severity", 1, int, 0.0,
          "US memory: severity of the worst unanswered attack (us.pending_update)", "us"),
    Field("pending_group", 1, int, -1.0,
          "US memory: its true perpetrator, -1 if none (us.pending_update)", "us"),
    Field("pending_confidence", 1, float, 0.0,
          "US memory: the confidence with which the US names it, 0 not named", "us"),
    Field("pending_killed", 1, int, 0.0, "US memory: Americans killed since the last answer",
          "us"),
    Field("pending_age", 1, int, 0.0, "US memory: days since the worst unanswered attack",
          "us"),
    Field("pending_iran", 1, bool, 0.0,
          "US memory: Iran struck US forces since the last answer", "us"),
    Field("cum_killed", 1, int, 0.0, "Americans killed so far (us_update)", "us"),
    Field("withdrawn", 1, bool, 0.0, "US forces have left Iraq (us.withdrawal_hazard, "
          "truce.timetable_complete)", "us"),
    Field("negotiated", 1, bool, 0.0, "they left on a negotiated timetable", "us"),
    Field("iraq_pressure", 1, float, _scenario("iraq_pressure"),
          "Iraqi sovereignty pressure against the US presence (iraq.pressure_update)", "iraq",
          "pressure"),
    Field("baghdad_pressure", 1, float, 0.0, "Baghdad's pressure on the militias after harm to "
          "Iraqis (truce.baghdad_pressure_update)", "iraq", "militia_pressure"),
    Field("voted", 1, bool, lambda init, p: 1.0 if init.expulsion_voted else 0.0,
          "the parliament has voted to expel US forces (iraq.vote_hazard, or the record)",
          "iraq"),
    Field("exchanges", 1, int, 0.0,
          "direct strikes of the current US–Iran exchange (escalation.war_update)", "us"),
    Field("since_iran_strike", 1, int, float(NEVER),
          "days since Iran's last direct strike (escalation.war_update)", "us"),
    Field("since_us_strike_iran", 1, int, float(NEVER),
          "days since the US's last strike on Iran (escalation.war_update)", "us"),
    Field("war", 1, bool, 0.0, "a sustained US–Iran war (escalation.war_update)", "us"),
    Field("iran_war_risk", 1, float, 0.0,
          "Iran's perceived risk of direct war with the US, war-risk units: one American killed "
          "in a partner's attack = 1 (iran.war_risk_update)", "iran", "war_risk"),
    Field("rate_level", 1, float, 0.0,
          "the militias' shared latent log-rate, the political climate that multiplies every "
          "group's attack hazard (militia.rate_level_update)", "militias"),
    Field("rate_started", 1, bool, 0.0,
          "the latent log-rate has drawn its first, stationary value (militia.rate_level_update)",
          "militias"),
)
# fmt: on
SC = _columns("StateColumns", [(f.name, f.width) for f in STATE])


# fmt: off
#: The events of a run's day, rewritten each day (what the actors did today), in column order: the
#: one table from which the block ``DC`` and the typed :class:`sim.core.state.DayEvents` are made.
DAY: tuple[Field, ...] = (
    Field("push", 1, float, 0.0, "Iran's push on its partners today (iran_act)", "iran"),
    Field("iran_struck", 1, bool, 0.0, "Iran struck US forces directly (iran_act)"),
    Field("iran_killed", 1, int, 0.0, "Americans its strike killed"),
    Field("iran_wounded", 1, int, 0.0, "Americans its strike wounded"),
    Field("attacked", G, bool, 0.0, "each group attacked (militia_act)"),
    Field("severity", G, int, 0.0, "the class of each group's attack (0 none .. 3 lethal)"),
    Field("confidence", G, float, 0.0, "the confidence with which the US names its group"),
    Field("killed", G, int, 0.0, "Americans each group's attack killed"),
    Field("wounded", G, int, 0.0, "Americans each group's attack wounded"),
    Field("killed_total", 1, int, 0.0, "Americans killed today (count_day)"),
    Field("wounded_total", 1, int, 0.0, "Americans wounded today (count_day)"),
    Field("coalition_killed", 1, int, 0.0, "coalition members killed today (attack_losses)"),
    Field("coalition_wounded", 1, int, 0.0, "coalition members wounded today (attack_losses)"),
    Field("lethal_today", 1, bool, 0.0, "an attack killed Americans today (count_day)"),
    Field("attacks", 1, int, 0.0, "today's attacks (count_day)"),
    Field("injuring", 1, int, 0.0, "today's attacks that injured or killed (count_day)"),
    Field("lethal", 1, int, 0.0, "today's lethal attacks (count_day)"),
    Field("attack_factor", 1, float, 0.0,
          "the groups' factor out of truce, computed once a day (truces.attack_factor)"),
    Field("want_action", 1, int, 0.0, "the policy's wish (us_decide)"),
    Field("want_intensity", 1, float, 0.0, "its intensity"),
    Field("forgive", 1, bool, 0.0, "whether it would let the matter go"),
    Field("action", 1, int, 0.0, "the US action carried out today (us_act)"),
    Field("intensity", 1, float, 0.0, "its intensity"),
    Field("answered", 1, bool, 0.0, "it answered the pending attacks"),
    Field("target", 1, int, 0.0, "the group it targets (us_act)"),
    Field("misdirected", 1, bool, 0.0, "it hit a group other than the attacker"),
    Field("prosecuted", 1, bool, 0.0, "Baghdad charged militia members (iraq_react)"),
    Field("protested", 1, bool, 0.0, "protests or threats against the US presence"),
    Field("iraqi_harmed", 1, int, 0.0, "Iraqis killed or wounded today (attacks and strikes)"),
    Field("militia_harmed", 1, int, 0.0, "the Iraqis harmed by militia attacks"),
    Field("militia_killed", 1, int, 0.0, "militia members killed by today's US strike"),
    Field("rung", 1, int, 0.0, "the day's rung of the ladder (end_day)"),
    Field("restraint", 1, float, 0.0,
          "Iran's restraint of its partners today, log-hazard units (iran.patron_restraint)",
          "iran"),
    Field("rate_factor", 1, float, 0.0,
          "the factor of the latent log-rate on every group's attack hazard, computed once a "
          "day (day.rate_factor_today)"),
)
# fmt: on
DC = _columns("DayColumns", [(f.name, f.width) for f in DAY], SC.end)

#: The per-run outcome columns the engine counts (:data:`sim.core.outcomes.ENGINE`, also the
#: Parquet schema): yes/no outcomes (:data:`BOOL_OUTCOMES`), the days to a first event, NaN if
#: it never happened (:data:`DAY_OUTCOMES`, summarised by survival analysis,
#: :mod:`sim.analysis.stats`), real numbers that may be NaN (:data:`FLOAT_OUTCOMES`), counts
OUTCOMES: tuple[str, ...] = outcomes.ENGINE
BOOL_OUTCOMES: tuple[str, ...] = outcomes.of_kind(outcomes.SHARE)
DAY_OUTCOMES: tuple[str, ...] = outcomes.of_kind(outcomes.TIME_TO_EVENT)
FLOAT_OUTCOMES: tuple[str, ...] = outcomes.of_kind(outcomes.TIME_TO_EVENT, outcomes.AVERAGE)
#: Running sums of the tally behind an averaged outcome (``lull_after_response``), kept after
#: the outcomes in the outcome block so they start afresh with them: whether a lull is open,
#: the number of lulls and their days so far
TALLY_SUMS = ("lull_open", "lulls", "lull_days")
OC = _columns("OutcomeColumns", [(k, 1) for k in (*OUTCOMES, *TALLY_SUMS)], DC.end)
#: parameters derived once per run after the retentions (not recomputed every day): what one
#: attack adds to its group's self-excitation (:func:`sim.core.rules.militia.excitation_jump`)
DERIVED: tuple[str, ...] = ("excitation_jump",)
PC = _columns(
    "ParamColumns",
    _param_spec() + [(f"keep_{n}", 1) for n in DECAYING] + [(n, 1) for n in DERIVED],
    OC.end,
)
#: width of a run's row
WIDTH = PC.end
#: the parameter column of each US action's intensity when the record forces it, by action code
#: (-1: none; :attr:`sim.core.ladder.USAction.intensity`)
FORCED_INTENSITY = np.array(
    [getattr(PC, a.intensity) if a.intensity else -1 for a in US_ACTIONS], dtype=np.int64
)

#: Daily series kept per run (shape (days, N)) for fan charts and streaming quantiles.
DAILY: tuple[str, ...] = ("attacks", "us_casualties", "rung", "us_strikes")
LC = namedtuple("DailyColumns", DAILY)(*range(len(DAILY)))

#: shock series (columns of ``X``), in the order of :data:`sim.inputs.scenario.SHOCK_KINDS`
XC = namedtuple(
    "ShockColumns",
    [
        "militia_grievance",
        "iran_grievance",
        "iran_direction",
        "iran_restraint",
        "iran_grievance_third_party",
    ],
)(0, 1, 2, 3, 4)
#: forcing rows of ``F`` (-1: not forced that day); ``truce`` holds a bitmask of the groups in
#: truce (bit ``g`` for group ``g``)
FC = namedtuple("ForcingRows", ["us", "iran", "vote", "truce"])(0, 1, 2, 3)


def new_rows(params: Params) -> np.ndarray:
    """A ``(n, WIDTH)`` matrix with the parameter block of ``params`` filled in (table order,
    then the retentions and the derived parameters), the outcome block zeroed (NaN for
    :data:`FLOAT_OUTCOMES`: no first event yet) and the rest zero."""
    out = np.zeros((params.n, WIDTH))
    for k, name in enumerate(TABLE):
        out[:, OC.end + k] = params.flat[name]
    for name in DECAYING:
        out[:, getattr(PC, f"keep_{name}")] = np.exp(-1.0 / params.flat[name])
    out[:, PC.excitation_jump] = militia.excitation_jump(
        params.flat["self_excitation"], params.flat["excitation_days"]
    )
    for name in FLOAT_OUTCOMES:
        out[:, getattr(OC, name)] = np.nan
    return out


def shock_matrix(shocks: dict[str, np.ndarray], days: int) -> np.ndarray:
    """The ``(days, 5)`` shock matrix of :meth:`sim.inputs.scenario.Scenario.shock_arrays`."""
    out = np.zeros((days, len(XC)))
    for name, col in XC._asdict().items():
        out[:, col] = shocks[name]
    return out


def forcing_matrix(days: int, n: int, us=None, iran=None, vote=None, truce=None) -> np.ndarray:
    """The ``(4, days, m)`` int8 forcing array (``m`` 1 or ``n``; ``(4, 0, 1)`` if none);
    ``truce`` gives each day's bitmask of the groups in truce."""
    given = [x for x in (us, iran, vote, truce) if x is not None]
    if not given:
        return np.full((len(FC), 0, 1), -1, dtype=np.int8)
    m = n if any(np.ndim(x) == 2 for x in given) else 1
    out = np.full((len(FC), days, m), -1, dtype=np.int8)
    for row, x in ((FC.us, us), (FC.iran, iran), (FC.vote, vote), (FC.truce, truce)):
        if x is not None:
            a = np.asarray(x).astype(np.int8)
            out[row] = a[:days, None] if a.ndim == 1 else a[:days]
    return out
