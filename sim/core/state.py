"""The state of N runs and the events of one day, as the engines and their callers see them.

The compiled day (:mod:`sim.core.day`) works on one matrix row per run
(:mod:`sim.core.layout`); :class:`State` and :class:`DayEvents` are its typed views for the
callers: a branch from a reconstructed history, the replay's daily trace, the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

import numpy as np

from sim.core.jit import njit
from sim.core.layout import BOOL_OUTCOMES, DC, FLOAT_OUTCOMES, OC, OUTCOMES, PC, SC, G, new_rows
from sim.core.params import Params
from sim.core.rules.escalation import NEVER
from sim.core.rules.militia import grievance_from_intensity

_INT = (
    "pending_severity",
    "pending_group",
    "pending_killed",
    "pending_age",
    "case_class",
    "case_age",
    "cum_killed",
    "exchanges",
    "since_iran_strike",
    "since_us_strike_iran",
)
_BOOL = ("pending_iran", "withdrawn", "negotiated", "voted", "war")
_GROUP = ("excitation", "grievance", "fear", "truce")


@dataclass
class State:
    """The state of N runs (shape ``(N,)``; militia arrays ``(N, G)``)."""

    excitation: np.ndarray
    grievance: np.ndarray
    fear: np.ndarray
    truce: np.ndarray
    answer_lethal: np.ndarray
    answer_other: np.ndarray
    case_class: np.ndarray
    case_age: np.ndarray
    iran_grievance: np.ndarray
    iran_grievance_third_party: np.ndarray
    iran_fear: np.ndarray
    deal_progress: np.ndarray
    timetable: np.ndarray
    campaign: np.ndarray  # the militias' campaign to expel US forces (log-hazard units)
    air_defence: np.ndarray
    exposure: np.ndarray
    pending_severity: np.ndarray
    pending_group: np.ndarray  # the true perpetrator of the worst pending attack, -1 if none
    pending_confidence: np.ndarray  # the confidence with which the US names it (0: not named)
    pending_killed: np.ndarray
    pending_age: np.ndarray
    pending_iran: np.ndarray
    cum_killed: np.ndarray
    withdrawn: np.ndarray
    negotiated: np.ndarray
    iraq_pressure: np.ndarray
    baghdad_pressure: np.ndarray
    voted: np.ndarray
    exchanges: np.ndarray
    since_iran_strike: np.ndarray
    since_us_strike_iran: np.ndarray
    war: np.ndarray

    @classmethod
    def initial(cls, n: int, params: Params, init) -> State:
        """The state on day 0 of ``n`` runs, from a scenario's initial conditions
        (:class:`sim.inputs.scenario.InitialState`); the militias' initial grievance is given in
        strike-intensity units and converted by the grievance rule
        (:func:`sim.core.rules.militia.grievance_from_intensity`)."""
        if params.n != n:  # one parameter set for every run
            params = params.take(np.zeros(n, dtype=np.int64))
        rows = new_rows(params)
        initial_rows(rows, init)
        return cls.from_rows(rows)

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> State:
        """The typed state of a row matrix (copies)."""
        out = {}
        for f in fields(cls):
            c = getattr(SC, f.name)
            if f.name in _GROUP:
                out[f.name] = rows[:, c : c + G].copy()
            elif f.name in _INT:
                out[f.name] = rows[:, c].astype(np.int64)
            elif f.name in _BOOL:
                out[f.name] = rows[:, c] != 0
            else:
                out[f.name] = rows[:, c].copy()
        return cls(**out)

    def to_rows(self, rows: np.ndarray) -> None:
        """Write this state into the state block of ``rows``."""
        for f in fields(self):
            c = getattr(SC, f.name)
            v = np.asarray(getattr(self, f.name), dtype=float)
            if f.name in _GROUP:
                rows[:, c : c + G] = v
            else:
                rows[:, c] = v

    def update_from(self, rows: np.ndarray) -> None:
        """Copy the state block of ``rows`` into this state's arrays, in place."""
        new = State.from_rows(rows)
        for f in fields(self):
            getattr(self, f.name)[...] = getattr(new, f.name)


def initial_rows(rows: np.ndarray, init) -> None:
    """Fill the state block of ``rows`` (parameters already in) from a scenario's initial
    conditions."""
    ad = np.nan if init.air_defence is None else float(init.air_defence)
    ex = np.nan if init.exposure is None else float(init.exposure)
    _initial(
        rows,
        float(init.militia_grievance),
        float(init.militia_fear),
        float(init.iran_grievance),
        float(init.iran_fear),
        float(init.iraq_pressure),
        bool(init.expulsion_voted),
        ad,
        ex,
        float(init.red_line),
    )


@njit
def _initial(
    R,
    militia_grievance,
    militia_fear,
    iran_grievance,
    iran_fear,
    iraq_pressure,
    voted,
    air_defence,
    exposure,
    red_line,
):
    for i in range(R.shape[0]):
        r = R[i]
        for g in range(G):
            r[SC.excitation + g] = 0.0
            r[SC.grievance + g] = grievance_from_intensity(
                militia_grievance, r[PC.revenge_attacks], r[PC.revenge_days]
            )
            r[SC.fear + g] = militia_fear
            r[SC.truce + g] = 0.0
        r[SC.answer_lethal] = red_line  # the line read from earlier years' answers
        r[SC.answer_other] = 0.0
        r[SC.case_class] = 0.0
        r[SC.case_age] = 0.0
        r[SC.iran_grievance] = iran_grievance
        r[SC.iran_grievance_third_party] = 0.0
        r[SC.iran_fear] = iran_fear
        r[SC.deal_progress] = 0.0
        r[SC.timetable] = 0.0
        # a vote before the period: its campaign is at full strength (every shipped setting that
        # starts voted starts a year or more after the vote of 2020-01-05)
        r[SC.campaign] = r[PC.expulsion_campaign] if voted else 0.0
        r[SC.air_defence] = r[PC.air_defence_initial] if np.isnan(air_defence) else air_defence
        r[SC.exposure] = r[PC.exposure_initial] if np.isnan(exposure) else exposure
        r[SC.pending_severity] = 0.0
        r[SC.pending_group] = -1.0
        r[SC.pending_confidence] = 0.0
        r[SC.pending_killed] = 0.0
        r[SC.pending_age] = 0.0
        r[SC.pending_iran] = 0.0
        r[SC.cum_killed] = 0.0
        r[SC.withdrawn] = 0.0
        r[SC.negotiated] = 0.0
        r[SC.iraq_pressure] = iraq_pressure
        r[SC.baghdad_pressure] = 0.0
        r[SC.voted] = 1.0 if voted else 0.0
        r[SC.exchanges] = 0.0
        r[SC.since_iran_strike] = NEVER
        r[SC.since_us_strike_iran] = NEVER
        r[SC.war] = 0.0


@dataclass
class DayEvents:
    """What happened on one day in each of N runs (the ``observe`` callback's view)."""

    severity: np.ndarray  # (N, G) severity class of each group's attack
    killed: np.ndarray  # (N,) Americans killed
    wounded: np.ndarray  # (N,)
    iran_struck: np.ndarray  # (N,) bool
    us_action: np.ndarray  # (N,) action code carried out
    prosecuted: np.ndarray  # (N,) bool
    protested: np.ndarray  # (N,) bool
    rung: np.ndarray  # (N,)
    #: the day's counts (:func:`sim.core.rules.escalation.count_attacks`): attacks, attacks
    #: that injured or killed, lethal attacks
    attacks: np.ndarray | None = None
    injuring: np.ndarray | None = None
    lethal: np.ndarray | None = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> DayEvents:
        """The day's events of a row matrix (copies)."""

        def col(c, dtype=np.int64):
            return rows[:, c].astype(dtype)

        return cls(
            severity=rows[:, DC.severity : DC.severity + G].astype(np.int64),
            killed=col(DC.killed_total),
            wounded=col(DC.wounded_total),
            iran_struck=col(DC.iran_struck, bool),
            us_action=col(DC.action),
            prosecuted=col(DC.prosecuted, bool),
            protested=col(DC.protested, bool),
            rung=col(DC.rung),
            attacks=col(DC.attacks),
            injuring=col(DC.injuring),
            lethal=col(DC.lethal),
        )


def outcomes_from_rows(rows: np.ndarray) -> dict[str, np.ndarray]:
    """The per-run outcome columns of a row matrix, typed (counts int64, flags bool, days and
    means float64 with NaN where undefined)."""
    out = {}
    for k in OUTCOMES:
        v = rows[:, getattr(OC, k)]
        if k in FLOAT_OUTCOMES:
            out[k] = v.copy()
        elif k in BOOL_OUTCOMES:
            out[k] = v != 0
        else:
            out[k] = v.astype(np.int64)
    return out
