"""The state of N runs, the events of one day and their outcomes, as the engines' callers see them.

The compiled day (:mod:`sim.core.day`) works on one matrix row per run
(:mod:`sim.core.layout`); :class:`State` and :class:`DayEvents` are its typed views, generated
from the layout's tables (:data:`sim.core.layout.STATE`, :data:`sim.core.layout.DAY`: a field's
name, width, type, initial value and source are written there once): a branch from a
reconstructed history, the replay's daily trace, the figures. :class:`Result` and
:class:`Tally` are the runs' outcomes, as every engine returns them.
"""

from __future__ import annotations

from dataclasses import dataclass, make_dataclass

import numpy as np

from sim.core.layout import (
    BOOL_OUTCOMES,
    DAILY,
    DAY,
    DC,
    FLOAT_OUTCOMES,
    OC,
    OUTCOMES,
    PC,
    SC,
    STATE,
    Field,
    new_rows,
)
from sim.core.params import Params


def _typed(rows: np.ndarray, f: Field, c: int) -> np.ndarray:
    """The columns of field ``f`` (starting at ``c``) as its type (a copy)."""
    v = rows[:, c : c + f.width] if f.width > 1 else rows[:, c]
    if f.dtype is bool:
        return v != 0
    if f.dtype is int:
        return v.astype(np.int64)
    return v.copy()


class _StateRows:
    """The methods of :class:`State` (its fields are :data:`sim.core.layout.STATE`)."""

    @classmethod
    def initial(cls, n: int, params: Params, init) -> State:
        """The state on day 0 of ``n`` runs, from a scenario's initial conditions
        (:class:`sim.inputs.scenario.InitialState`) and each field's initial value
        (``initial``, :class:`sim.core.layout.Field`)."""
        if params.n != n:  # one parameter set for every run
            params = params.take(np.zeros(n, dtype=np.int64))
        rows = new_rows(params)
        initial_rows(rows, init)
        return cls.from_rows(rows)

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> State:
        """The typed state of a row matrix (copies)."""
        return cls(**{f.name: _typed(rows, f, getattr(SC, f.name)) for f in STATE})

    def to_rows(self, rows: np.ndarray) -> None:
        """Write this state into the state block of ``rows``."""
        for f in STATE:
            c = getattr(SC, f.name)
            v = np.asarray(getattr(self, f.name), dtype=float)
            if f.width > 1:
                rows[:, c : c + f.width] = v
            else:
                rows[:, c] = v

    def update_from(self, rows: np.ndarray) -> None:
        """Copy the state block of ``rows`` into this state's arrays, in place."""
        for f in STATE:
            getattr(self, f.name)[...] = _typed(rows, f, getattr(SC, f.name))


#: The state of N runs: one array per field of :data:`sim.core.layout.STATE` (shape ``(N,)``,
#: ``(N, G)`` for the militia groups' fields), typed as the table says.
State = make_dataclass(
    "State",
    [(f.name, np.ndarray) for f in STATE],
    bases=(_StateRows,),
    namespace={"__module__": __name__},
)
State.__doc__ = (
    "The state of N runs (shape ``(N,)``; militia arrays ``(N, G)``), one field per row of "
    ":data:`sim.core.layout.STATE`: " + ", ".join(f.name for f in STATE) + "."
)


class _ParamColumns:
    """The parameter block of a row matrix by name (one value per run)."""

    def __init__(self, rows: np.ndarray) -> None:
        self.rows = rows

    def __getitem__(self, name: str) -> np.ndarray:
        return self.rows[:, getattr(PC, name)]


def initial_rows(rows: np.ndarray, init) -> None:
    """Fill the state block of ``rows`` (parameters already in) from a scenario's initial
    conditions: each field's ``initial`` (:class:`sim.core.layout.Field`), run by run."""
    p = _ParamColumns(rows)
    for f in STATE:
        c = getattr(SC, f.name)
        v = f.initial(init, p) if callable(f.initial) else f.initial
        v = np.asarray(v, dtype=float)
        if f.width > 1:
            rows[:, c : c + f.width] = v[:, None] if v.ndim == 1 else v
        else:
            rows[:, c] = v


class _DayRows:
    """The methods of :class:`DayEvents` (its fields are :data:`sim.core.layout.DAY`)."""

    @classmethod
    def from_rows(cls, rows: np.ndarray) -> DayEvents:
        """The day's events of a row matrix (copies)."""
        return cls(**{f.name: _typed(rows, f, getattr(DC, f.name)) for f in DAY})


#: What happened on one day in each of N runs (the ``observe`` callback's view, the Mesa
#: model's ``today``): one array per field of :data:`sim.core.layout.DAY`.
DayEvents = make_dataclass(
    "DayEvents",
    [(f.name, np.ndarray) for f in DAY],
    bases=(_DayRows,),
    namespace={"__module__": __name__},
)
DayEvents.__doc__ = (
    "What happened on one day in each of N runs, one field per row of "
    ":data:`sim.core.layout.DAY`: " + ", ".join(f.name for f in DAY) + "."
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


@dataclass
class Result:
    """Outcomes of N runs: per-run columns and, if kept, daily series of shape (days, N)."""

    outcomes: dict[str, np.ndarray]
    daily: dict[str, np.ndarray] | None


class Tally:
    """The outcome counts of N runs as the day's ``end_day`` phase keeps them (a typed view of
    the rows' outcome block and of the daily series ``L``)."""

    def __init__(self, rows: np.ndarray, daily: np.ndarray | None) -> None:
        self.rows, self.L = rows, daily

    @property
    def out(self) -> dict[str, np.ndarray]:
        return outcomes_from_rows(self.rows)

    @property
    def daily(self) -> dict[str, np.ndarray] | None:
        if self.L is None or self.L.shape[1] == 0:
            return None
        return {k: self.L[j] for j, k in enumerate(DAILY)}


__all__ = ["DayEvents", "Result", "State", "Tally", "initial_rows", "outcomes_from_rows"]
