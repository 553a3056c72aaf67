"""Whom today's US action hits, and whom else: part of the phase ``us_act`` of the day.

The target is the group the US names for the pending attack, or the group it blames when nobody
is named (:func:`sim.core.rules.us.aim`); a strike on a group other than the true perpetrator
is misdirected; a strike inside Iraq harms Iraqi bystanders, more when misdirected
(:func:`sim.core.rules.us.strike_harm`); a strike on militias kills some of their members
(:func:`sim.core.rules.losses.militia_killed`). A forced action of a replay goes through the
same rules.
"""

from __future__ import annotations

from sim.core import draws
from sim.core.jit import njit
from sim.core.ladder import HITS_MILITIA
from sim.core.layout import DC, PC, SC
from sim.core.rules import losses, us


@njit(inline="always")
def aim_and_harm(i, t, R, rk):
    """Today's target and misdirection (``DC.target``, ``DC.misdirected``) of run ``i``'s
    action, the Iraqis its strike harms, added to ``DC.iraqi_harmed``, and the militia members
    it kills (``DC.militia_killed``, :func:`sim.core.rules.losses.militia_killed`)."""
    action = int(R[i, DC.action])
    R[i, DC.target], R[i, DC.misdirected] = us.aim(
        action,
        int(R[i, SC.pending_group]),
        R[i, SC.pending_confidence],
        R[i, PC.unattributed_blame],
    )
    R[i, DC.iraqi_harmed] += us.strike_harm(
        action,
        R[i, DC.intensity],
        R[i, DC.misdirected] != 0,
        draws.uniform(rk, t, draws.IRAQI_HARM),
        R[i, PC.collateral_harm],
        R[i, PC.misdirected_harm],
    )
    if HITS_MILITIA[action]:
        R[i, DC.militia_killed] = losses.militia_killed(
            action,
            R[i, DC.intensity],
            draws.uniform(rk, t, draws.MILITIA_KILLED),
            R[i, PC.militia_killed_per_intensity],
            R[i, PC.militia_killed_decapitation],
        )
