"""The actors as Mesa agents: thin views over one run's row, each playing its own phases.

The state of the run lives in one row of the matrix of :mod:`sim.core.layout` (the model's
``rows``, shape ``(1, width)``). Each agent reads its state from that row (``iran.grievance``,
``militia.fear``: arrays of length 1, views where they are numbers): one read-only property per
field of the layout's tables that belongs to its actor (:data:`sim.core.layout.STATE`,
:data:`sim.core.layout.DAY`, :func:`views`), so a new state variable shows on its agent without
a line here. Each of its phases calls the compiled phase of the day (:mod:`sim.core.day`) that
the ensemble engine runs for N runs, so the two engines cannot drift
(:meth:`sim.engines.mesa.model.EscalationModel.step` calls them in the day's order).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core import day, draws
from sim.core.kernels import uniforms
from sim.core.layout import DAY, DC, SC, STATE, Field
from sim.core.policies import Policy, compiled_code, python_decide, run_day_name

if TYPE_CHECKING:
    from sim.engines.mesa.model import EscalationModel


def _column(f: Field, c: int) -> property:
    """A read-only view of field ``f`` (column ``c``; a per-group field: the agent's group's)."""
    per_group = f.width > 1

    def get(self) -> np.ndarray:
        v = self.model.rows[:, c + self.index if per_group else c]
        if f.dtype is bool:
            return v != 0
        if f.dtype is int:
            return v.astype(np.int64)
        return v

    return property(get, doc=f.source)


def views(*actors: str):
    """Class decorator: a property for every field of the state and of the day's events that
    belongs to one of ``actors`` (:attr:`sim.core.layout.Field.actor`), named by its
    :attr:`~sim.core.layout.Field.view`."""

    def add(cls):
        for block, table in ((SC, STATE), (DC, DAY)):
            for f in table:
                if f.actor in actors:
                    setattr(cls, f.view or f.name, _column(f, getattr(block, f.name)))
        return cls

    return add


class _View(mesa.Agent):
    """An agent whose state is columns of the model's row."""

    model: EscalationModel


@views("iran")
class Iran(_View):
    """Iran: directs or restrains its partners, and strikes US forces directly when its own are
    hit (Soleimani, 3 January 2020 → missiles on al-Asad, 8 January).

    Its state (``grievance``, ``fear``, ...) and today's ``push``: the layout's ``iran`` fields
    (:func:`views`).
    """

    def iran_act(self) -> None:
        """Today's push on the partners and a direct strike (:func:`sim.core.day.iran_act`)."""
        m = self.model
        day.iran_act(0, m.t, m.rows, m.X, m.F, m.rk)

    def iran_update(self) -> None:
        """Grievance, fear and deal progress after the day (:func:`sim.core.day.iran_update`)."""
        m = self.model
        day.iran_update(0, m.t, m.rows, m.X)


@views("militia", "militias")
class Militia(_View):
    """An Iran-backed militia group (Kata'ib Hezbollah, Harakat al-Nujaba, Asa'ib Ahl al-Haq, or
    the deniable front groups), with its own closeness to Iran, base rate and deniability.

    Its state (``excitation``, ``grievance``, ``fear``, ``truce``): the layout's ``militia``
    fields, its group's columns; the groups' shared reading of the US red line and campaign: the
    ``militias`` fields (:func:`views`).
    """

    def __init__(self, model: EscalationModel, index: int, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.group = name
        p = model.p
        self.base_rate = p.base_rate[:, index]
        self.closeness = p.closeness[:, index]
        self.deniability = p.deniability[:, index]

    def militia_act(self) -> None:
        """Whether to attack today, and the attack's severity, casualties and attribution."""
        m = self.model
        day.militia_act(0, m.t, self.index, m.rows, m.F, m.rk)

    def militia_update(self) -> None:
        """Self-excitation, revenge and deterrence after the day."""
        m = self.model
        day.militia_update(0, m.t, self.index, m.rows, m.X, m.F, m.rk)


@views("us")
class UnitedStates(_View):
    """The United States: a response policy, a memory of unanswered attacks, and a force posture
    (air defence, exposed sites) that adapts to casualties.

    Its state (``pending_*``, ``air_defence``, ``withdrawn``, ``war``, ...): the layout's ``us``
    fields (:func:`views`).
    """

    def __init__(self, model: EscalationModel, policy: Policy) -> None:
        super().__init__(model)
        self.policy = policy
        self.code = compiled_code(policy)

    def us_observe(self) -> None:
        """Remember today's attacks (:func:`sim.core.day.us_observe`)."""
        day.us_observe(0, self.model.rows)

    def us_decide(self) -> None:
        """Ask the policy: compiled for a built-in one, in Python for a user's."""
        m = self.model
        if self.code >= 0:
            day.us_decide(0, m.t, self.code, m.rows, m.rk)
        else:
            u = uniforms(np.array([m.rk], dtype=np.uint64), m.t, draws.US_POLICY)
            python_decide(self.policy, m.rows, m.p, u, run_day_name(m.config.start, m.t))

    def us_act(self) -> None:
        """Act after the response delay, or as the record says (:func:`sim.core.day.us_act`)."""
        m = self.model
        day.us_act(0, m.t, m.rows, m.F, m.rk)

    def us_update(self) -> None:
        """Posture, casualties, withdrawal and the count of direct exchanges."""
        m = self.model
        day.us_update(0, m.t, m.rows, m.F, m.rk)


@views("iraq")
class IraqiGovernment(_View):
    """The Iraqi government: sovereignty pressure after US strikes on its soil, protests, the
    expulsion vote (5 January 2020), and prosecutions when pressed (none in the record).
    """

    def iraq_react(self) -> None:
        """Prosecute if pressed; protest and perhaps vote on the morning's pressure; then weigh
        today's US action (:func:`sim.core.day.iraq_react`)."""
        m = self.model
        day.iraq_react(0, m.t, m.rows, m.F, m.rk)
