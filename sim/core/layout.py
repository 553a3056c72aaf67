"""Column layout of the matrix the compiled day works on: one row ``R[i]`` per run.

A run's row holds four blocks, each a named tuple of column indices (compile-time constants of
the kernels), so ``r[SC.iran_grievance]`` or ``r[PC.base_rate + g]`` reads like a field:

* ``SC`` state: the fields of :class:`sim.core.state.State`;
* ``DC`` the day's events, rewritten each day (what the actors did today), and the number of
  times each phase of the day has run;
* ``OC`` the per-run outcome counts (:data:`OUTCOMES`), then the tally's running sums
  (:data:`TALLY_SUMS`);
* ``PC`` parameters: the table's columns in table order (a per-group parameter takes ``G``
  adjacent columns), then derived columns ``keep_<x>_days = exp(-1 / x_days)``, the share of a
  decaying quantity that one day keeps, and the other derived parameters (:data:`DERIVED`).

Beside it: ``X`` the exogenous shock series (one row per day, columns ``XC``), ``F`` the forcing
of a replay (rows ``FC``, -1 where not forced) and ``L`` the daily series (``LC``).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from sim.core.params import GROUPS, TABLE, Params
from sim.core.rules import militia

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

SC = _columns(
    "StateColumns",
    [
        ("excitation", G),
        ("grievance", G),
        ("fear", G),
        ("truce", G),
        ("answer_lethal", 1),
        ("answer_other", 1),
        ("case_class", 1),
        ("case_age", 1),
        ("iran_grievance", 1),
        ("iran_grievance_third_party", 1),
        ("iran_fear", 1),
        ("deal_progress", 1),
        ("timetable", 1),
        ("campaign", 1),
        ("air_defence", 1),
        ("exposure", 1),
        ("pending_severity", 1),
        ("pending_group", 1),
        ("pending_confidence", 1),
        ("pending_killed", 1),
        ("pending_age", 1),
        ("pending_iran", 1),
        ("cum_killed", 1),
        ("withdrawn", 1),
        ("negotiated", 1),
        ("iraq_pressure", 1),
        ("baghdad_pressure", 1),
        ("voted", 1),
        ("exchanges", 1),
        ("since_iran_strike", 1),
        ("since_us_strike_iran", 1),
        ("war", 1),
    ],
)

#: the phases of the day, in the order of play (:mod:`sim.core.day`)
PHASES: tuple[str, ...] = (
    "begin_day",
    "iran_act",
    "militia_act",
    "count_day",
    "attack_losses",
    "us_observe",
    "us_decide",
    "us_act",
    "iraq_react",
    "militia_update",
    "iran_update",
    "us_update",
    "end_day",
)
PH = namedtuple("Phases", PHASES)(*range(len(PHASES)))

DC = _columns(
    "DayColumns",
    [
        ("push", 1),
        ("iran_struck", 1),
        ("iran_killed", 1),
        ("iran_wounded", 1),
        ("attacked", G),
        ("severity", G),
        ("confidence", G),
        ("killed", G),
        ("wounded", G),
        ("killed_total", 1),
        ("wounded_total", 1),
        ("coalition_killed", 1),
        ("coalition_wounded", 1),
        ("lethal_today", 1),
        ("attacks", 1),
        ("injuring", 1),
        ("lethal", 1),
        ("attack_factor", 1),  # the groups' factor out of truce, once a day (day_truce)
        ("want_action", 1),
        ("want_intensity", 1),
        ("forgive", 1),
        ("action", 1),
        ("intensity", 1),
        ("answered", 1),
        ("target", 1),
        ("misdirected", 1),
        ("prosecuted", 1),
        ("protested", 1),
        ("iraqi_harmed", 1),
        ("militia_harmed", 1),
        ("militia_killed", 1),
        ("rung", 1),
        ("visits", len(PHASES)),
    ],
    SC.end,
)

#: Per-run outcome columns, with their meaning (also the Parquet schema).
OUTCOMES: dict[str, str] = {
    "attacks_total": "militia attacks on US forces in Iraq",
    "attacks_harassment": "attacks without casualties",
    "attacks_injury": "attacks that injured",
    "attacks_lethal": "attacks that killed Americans",
    "us_killed": "Americans killed (militia attacks and Iranian strikes)",
    "us_wounded": "Americans wounded",
    "coalition_killed": "non-US coalition members and contractors killed by militia attacks",
    "coalition_wounded": "non-US coalition members and contractors wounded by militia attacks",
    "militia_killed": "militia fighters and commanders killed by US strikes",
    "strikes_syria": "US strikes in Syria",
    "strikes_iraq": "US strikes inside Iraq",
    "decapitations": "US decapitation strikes",
    "strikes_iran": "US strikes on Iranian forces",
    "us_strikes": "all US strikes",
    "misdirected_strikes": "US strikes on a militia group other than the attacker (an "
    "unattributed attack pinned on the blamed group)",
    "press_baghdad": "US demands to Baghdad",
    "prosecutions": "militia members charged by Baghdad",
    "iran_strikes": "direct Iranian strikes on US forces",
    "protests": "days of protests or threats (rung 1)",
    "iraqi_harmed": "Iraqi civilians and security forces killed or wounded",
    "max_rung": "highest rung of the escalation ladder reached",
    "first_death_day": "day of the first US death (NaN if none)",
    "days_to_iran_strike": "day of the first direct Iranian strike on US forces (NaN if none)",
    "days_to_war": "day on which the US–Iran war began (NaN if it did not)",
    "days_to_withdrawal": "day on which US forces withdrew from Iraq (NaN if they did not)",
    "lull_after_response": (
        "mean days from a US strike to the next militia attack (NaN if the US never struck): a "
        "strike opens a lull unless one is already open, the next day with an attack closes "
        "it, and a lull still open at the end counts up to the end of the period"
    ),
    "deal_reached": "the regional deal's progress reached deal_reached_level",
    "direct_exchange": "a direct US–Iran strike happened (either direction)",
    "expulsion_vote": "the Iraqi parliament voted to expel US forces",
    "withdrawal": "US forces withdrew from Iraq (negotiated or forced)",
    "withdrawal_negotiated": "US forces withdrew on a negotiated timetable",
    "truce_days": "days ending with at least one militia group in truce (US forces present)",
    "war": "a sustained US–Iran war began",
}
BOOL_OUTCOMES = (
    "direct_exchange",
    "expulsion_vote",
    "withdrawal",
    "withdrawal_negotiated",
    "war",
    "deal_reached",
)
#: Outcomes that are days from the start of the run (day 0) to a first event, NaN if it never
#: happened: time-to-event outcomes, summarised by survival analysis (:mod:`sim.analysis.stats`)
DAY_OUTCOMES = ("first_death_day", "days_to_iran_strike", "days_to_war", "days_to_withdrawal")
#: Outcomes that are real numbers and may be NaN (the rest are counts or flags)
FLOAT_OUTCOMES = (*DAY_OUTCOMES, "lull_after_response")
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
    """The ``(days, 5)`` shock matrix of :meth:`Scenario.shock_arrays`."""
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
