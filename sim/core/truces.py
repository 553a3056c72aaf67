"""What holds the militias back: their truces and Baghdad's pressure on them, in the day's
phases (:mod:`sim.core.day`).

A group may declare a truce (mediated by Baghdad's pressure, offered while a withdrawal
timetable advances) and end it; the record forces the documented ones in a replay. Its attacks
harm Iraqis, and Baghdad's pressure on the militias after that harm deters them. Each helper
reads and writes one run's row ``R[i]`` (:mod:`sim.core.layout`) and calls the scalar rules of
:mod:`sim.core.rules.truce`; the phases of :mod:`sim.core.day` call them, so both engines run
them:

* ``militia_act``: the record's truce when forced (:func:`force_truce`), the factor a truce,
  Baghdad's pressure, a timetable and the campaign after a vote put on the attack hazard
  (:func:`attack_factor`), the Iraqis an attack harms (:func:`harm_iraqis`);
* ``iraq_react``: Baghdad's pressure on the militias after today's harm (:func:`baghdad_update`);
* ``militia_update``: a truce declared or ended (:func:`truce_after_day`).
"""

from __future__ import annotations

from sim.core import draws
from sim.core.jit import njit
from sim.core.layout import DC, PC, SC
from sim.core.rules import truce


@njit(inline="always")
def force_truce(i, g, R, f):
    """The record's truce of group ``g`` today: ``f`` is the day's bitmask of the groups in truce
    (-1: not forced, the state stays)."""
    if f >= 0:
        R[i, SC.truce + g] = float((f >> g) & 1)


@njit(inline="always")
def attack_factor(i, g, R) -> float:
    """The multiplier of group ``g``'s attack hazard today
    (:func:`sim.core.rules.truce.attack_factor`).

    Its inputs other than the group's truce are the same for every group all day, so the factor
    of the groups not in truce is computed once a day, by the first of them to need it, and kept
    in ``DC.attack_factor`` (0 until then; :func:`sim.core.day.begin_day` clears it), so the
    order in which the groups act does not matter."""
    in_truce = R[i, SC.truce + g] != 0
    if not in_truce and R[i, DC.attack_factor] != 0.0:
        return R[i, DC.attack_factor]
    f = truce.attack_factor(
        in_truce,
        R[i, PC.truce_leak],
        R[i, SC.baghdad_pressure],
        R[i, PC.baghdad_deterrence],
        R[i, SC.timetable],
        R[i, PC.withdrawal_chase],
        R[i, SC.campaign],
    )
    if not in_truce:
        R[i, DC.attack_factor] = f
    return f


@njit(inline="always")
def harm_iraqis(i, t, g, R, rk):
    """The Iraqis hurt by group ``g``'s attack today, added to the day's Iraqi harm (the column
    the US strikes' harm is added to as well) and to the harm Baghdad blames on the militias."""
    n = truce.iraqi_harm(
        draws.uniform(rk, t, draws.ATTACK_HARM + g), R[i, PC.p_iraqi_harm], R[i, PC.iraqi_harm_mean]
    )
    R[i, DC.iraqi_harmed] += n
    R[i, DC.militia_harmed] += n


@njit(inline="always")
def baghdad_update(i, R):
    """Baghdad's pressure on the militias after the day's harm to Iraqis by militia attacks."""
    R[i, SC.baghdad_pressure] = truce.baghdad_pressure_update(
        R[i, SC.baghdad_pressure], R[i, DC.militia_harmed], R[i, PC.keep_baghdad_pressure_days]
    )


@njit(inline="always")
def truce_after_day(i, t, g, R, rk, f, hit: float):
    """Group ``g`` declares or ends a truce after the day (``hit``: the US strike intensity it
    suffered today; a group Iran restrains today may declare a suspension); nothing moves on a
    day the record forces the truces (``f`` >= 0), and a truce against US forces that have left
    is moot (none is kept or declared)."""
    if f >= 0:
        return
    if R[i, SC.withdrawn] != 0:
        R[i, SC.truce + g] = 0.0
        return
    on = truce.truce_onset_hazard(
        R[i, PC.truce_rate],
        R[i, PC.truce_mediation],
        R[i, SC.baghdad_pressure],
        R[i, PC.truce_offer],
        R[i, SC.timetable],
    ) + truce.suspension_hazard(R[i, PC.closeness + g], R[i, DC.restraint], R[i, PC.patron_truce])
    end = truce.truce_end_hazard(
        truce.progressed(int(R[i, DC.action])), R[i, PC.truce_break_rate], R[i, PC.truce_stall_rate]
    )
    R[i, SC.truce + g] = truce.truce_update(
        R[i, SC.truce + g] != 0, hit, on, end, rk, t, draws.TRUCE + g
    )
