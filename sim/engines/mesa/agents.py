"""The actors as Mesa agents: thin views over one run's row, each playing its own phases.

The state of the run lives in one row of the matrix of :mod:`sim.core.layout` (the model's
``rows``, shape ``(1, width)``). Each agent reads its state from that row (``iran.grievance``,
``militia.fear``: arrays of length 1, views where they are numbers) and each of its phases calls
the compiled phase of the day (:mod:`sim.core.day`) that the ensemble engine runs for N runs, so
the two engines cannot drift. The order of the phases is :data:`sim.core.layout.PHASES`
(:meth:`sim.engines.mesa.model.EscalationModel.step`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.core import day, draws
from sim.core.kernels import uniforms
from sim.core.layout import DC, SC
from sim.core.policies import Policy, compiled_code
from sim.engines.ensemble import python_decide

if TYPE_CHECKING:
    from sim.engines.mesa.model import EscalationModel


class _View(mesa.Agent):
    """An agent whose state is columns of the model's row."""

    model: EscalationModel

    def _col(self, c: int) -> np.ndarray:
        return self.model.rows[:, c]

    def _flag(self, c: int) -> np.ndarray:
        return self.model.rows[:, c] != 0

    def _int(self, c: int) -> np.ndarray:
        return self.model.rows[:, c].astype(np.int64)


class Iran(_View):
    """Iran: directs or restrains its partners, and strikes US forces directly when its own are
    hit (Soleimani, 3 January 2020 → missiles on al-Asad, 8 January).

    State: ``grievance`` (Soleimani's killing = 1), ``fear`` of the US (log-hazard units),
    ``deal_progress`` toward a regional deal (0..1); today's ``push`` on its partners.
    """

    grievance = property(lambda self: self._col(SC.iran_grievance))
    fear = property(lambda self: self._col(SC.iran_fear))
    deal_progress = property(lambda self: self._col(SC.deal_progress))
    push = property(lambda self: self._col(DC.push))

    def iran_act(self) -> None:
        """Today's push on the partners and a direct strike (:func:`sim.core.day.iran_act`)."""
        m = self.model
        day.iran_act(0, m.t, m.rows, m.X, m.F, m.rk)

    def iran_update(self) -> None:
        """Grievance, fear and deal progress after the day (:func:`sim.core.day.iran_update`)."""
        m = self.model
        day.iran_update(0, m.t, m.rows, m.X)


class Militia(_View):
    """An Iran-backed militia group (Kata'ib Hezbollah, Harakat al-Nujaba, Asa'ib Ahl al-Haq, or
    the deniable front groups), with its own closeness to Iran, base rate and deniability.

    State: ``excitation`` (self-excitation, attacks/day), ``grievance`` (revenge, attacks/day),
    ``fear`` (deterrence, log-hazard units).
    """

    def __init__(self, model: EscalationModel, index: int, name: str) -> None:
        super().__init__(model)
        self.index = index
        self.group = name
        p = model.p
        self.base_rate = p.base_rate[:, index]
        self.closeness = p.closeness[:, index]
        self.deniability = p.deniability[:, index]

    excitation = property(lambda self: self._col(SC.excitation + self.index))
    grievance = property(lambda self: self._col(SC.grievance + self.index))
    fear = property(lambda self: self._col(SC.fear + self.index))
    truce = property(lambda self: self._flag(SC.truce + self.index))

    def militia_act(self) -> None:
        """Whether to attack today, and the attack's severity, casualties and attribution."""
        m = self.model
        day.militia_act(0, m.t, self.index, m.rows, m.F, m.rk)

    def militia_update(self) -> None:
        """Self-excitation, revenge and deterrence after the day."""
        m = self.model
        day.militia_update(0, m.t, self.index, m.rows, m.X, m.F, m.rk)


class UnitedStates(_View):
    """The United States: a response policy, a memory of unanswered attacks, and a force posture
    (air defence, exposed sites) that adapts to casualties.
    """

    def __init__(self, model: EscalationModel, policy: Policy) -> None:
        super().__init__(model)
        self.policy = policy
        self.code = compiled_code(policy)

    air_defence = property(lambda self: self._col(SC.air_defence))
    exposure = property(lambda self: self._col(SC.exposure))
    pending_severity = property(lambda self: self._int(SC.pending_severity))
    pending_group = property(lambda self: self._int(SC.pending_group))
    pending_killed = property(lambda self: self._int(SC.pending_killed))
    pending_age = property(lambda self: self._int(SC.pending_age))
    pending_iran = property(lambda self: self._flag(SC.pending_iran))
    cum_killed = property(lambda self: self._int(SC.cum_killed))
    withdrawn = property(lambda self: self._flag(SC.withdrawn))
    exchanges = property(lambda self: self._int(SC.exchanges))
    war = property(lambda self: self._flag(SC.war))

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
            python_decide(self.policy, m.rows, m.p, u)

    def us_act(self) -> None:
        """Act after the response delay, or as the record says (:func:`sim.core.day.us_act`)."""
        m = self.model
        day.us_act(0, m.t, m.rows, m.F, m.rk)

    def us_update(self) -> None:
        """Posture, casualties, withdrawal and the count of direct exchanges."""
        m = self.model
        day.us_update(0, m.t, m.rows, m.F, m.rk)


class IraqiGovernment(_View):
    """The Iraqi government: sovereignty pressure after US strikes on its soil, protests, the
    expulsion vote (5 January 2020), and prosecutions when pressed (none in the record).
    """

    pressure = property(lambda self: self._col(SC.iraq_pressure))
    #: Baghdad's pressure on the militias after harm to Iraqis (Iraqis harmed, decaying)
    militia_pressure = property(lambda self: self._col(SC.baghdad_pressure))
    voted = property(lambda self: self._flag(SC.voted))

    def iraq_react(self) -> None:
        """Prosecute if pressed; protest and perhaps vote on the morning's pressure; then weigh
        today's US action (:func:`sim.core.day.iraq_react`)."""
        m = self.model
        day.iraq_react(0, m.t, m.rows, m.F, m.rk)
