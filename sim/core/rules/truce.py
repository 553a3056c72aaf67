"""Truces and their end, Baghdad's pressure on the militias after harm to Iraqis, and a
withdrawal timetable negotiated by the US.

Kata'ib Hezbollah announced in October 2020 a "conditional" ceasefire against US-linked
interests in Iraq, the condition being a US timetable for withdrawal; "in November it attacked
again" (defence news, Dec 2020; record rows ``2020-10-kh-conditional-ceasefire`` and
``2020-11-kh-attacks-resume``). Militia rockets hurt Iraqis (three Iraqi soldiers at Taji on
2020-03-14; an Iraqi soldier or civilian at the embassy on 2020-12-20) and Baghdad answered
("targeting the Green Zone is a terrorist act", President Salih's office).
"""

from __future__ import annotations

import math

from sim.core import ladder
from sim.core.jit import njit
from sim.core.ladder import US_NEGOTIATE
from sim.core.rules.common import decay, event, geometric_count

_KINETIC = ladder.IS_KINETIC


@njit
def iraqi_harm(u: float, p_harm: float, harm_mean: float) -> int:
    """Iraqi soldiers and civilians killed or wounded by one militia attack.

    With probability ``p_harm`` the attack hurts Iraqis, then a geometric count of mean
    ``harm_mean`` (Taji 2020-03-14: three Iraqi soldiers; embassy 2020-12-20: one). One draw
    serves both: given ``u < p_harm``, ``u / p_harm`` is uniform on [0, 1).
    """
    if u >= p_harm:
        return 0
    return geometric_count(harm_mean, u / p_harm)


@njit
def baghdad_pressure_update(pressure: float, harmed: float, keep: float) -> float:
    """Baghdad's pressure on the militias after today's harm to Iraqis by militia attacks, in
    Iraqis harmed (decaying with ``baghdad_pressure_days``): after the embassy rockets of
    2020-12-20 President Salih's office called the attack "a terrorist act"."""
    return decay(pressure, keep) + harmed


@njit
def attack_factor(
    in_truce: bool,
    leak: float,
    baghdad_pressure: float,
    deterrence: float,
    timetable: float,
    chase: float,
    campaign: float,
) -> float:
    """Multiplier of a group's attack hazard from truces, Baghdad and a withdrawal timetable.

    A group in truce keeps only ``leak`` of its hazard (members "often act on their own
    volition", defence news 2020); Baghdad's pressure after harm to Iraqis deters every group by
    ``exp(-deterrence * pressure)``; a group not in truce attacks more as a withdrawal timetable
    nears, ``exp(chase * timetable)``, "to give the impression that Iran and the PMUs have
    successfully chased the United States from the country" (defence news, Dec 2020); after an
    expulsion vote every group attacks more by ``exp(campaign)`` (:func:`campaign_update`).
    Exactly 1 when all four are absent.
    """
    e = campaign - deterrence * baghdad_pressure
    if not in_truce:
        e += chase * timetable
    f = 1.0 if e == 0.0 else math.exp(e)
    return f * leak if in_truce else f


@njit
def campaign_update(
    campaign: float, voted: bool, present: bool, ceiling: float, ramp: float
) -> float:
    """The militias' campaign to expel US forces after parliament's vote, in log-hazard units.

    After the vote of 5 January 2020 the US stayed, and "by July 2020, attacks on weekly
    incidents increased": the groups seemed to seek "some sort of maximum pressure campaign
    against the US" (Daily Beast 2021), to give the impression that they "successfully chased
    the United States from the country" (defence news, Dec 2020). From the vote, while US forces
    stay, the campaign grows by ``ceiling / ramp`` a day up to ``ceiling``; it is zero before a
    vote and once US forces have left.
    """
    if not present:
        return 0.0
    if not voted:
        return campaign
    if campaign >= ceiling:  # the ceiling, as below, without the division
        return ceiling
    return min(campaign + ceiling / ramp, ceiling)


@njit
def truce_onset_hazard(
    rate: float, mediation: float, baghdad_pressure: float, offer: float, timetable: float
) -> float:
    """Daily hazard that a group declares a truce: a background ``rate``, Baghdad's mediation
    after harm to Iraqis (``mediation`` per Iraqi harmed, decaying) and the militias' offer of a
    truce conditional on a US withdrawal timetable, in proportion to its progress (Kata'ib
    Hezbollah, October 2020)."""
    return rate + mediation * baghdad_pressure + offer * timetable


@njit
def truce_end_hazard(progressed: bool, break_rate: float, stall_rate: float) -> float:
    """Daily hazard that a truce ends: ``break_rate``, plus ``stall_rate`` on each day its
    condition (a US withdrawal timetable) makes no progress: Kata'ib Hezbollah's ceasefire of
    October 2020 saw no timetable and "in November it attacked again" (defence news)."""
    return break_rate + (0.0 if progressed else stall_rate)


@njit
def truce_update(
    in_truce: bool, struck: float, onset_hazard: float, end_hazard: float, rk, day: int, slot: int
) -> bool:
    """Whether the group observes a truce tomorrow: a truce ends at once when the US strikes
    the group (``struck`` > 0), else with ``end_hazard``; a group not in truce declares one with
    ``onset_hazard`` (the group's truce draw of the day, ``slot``, drawn only if needed)."""
    if in_truce:
        if struck > 0.0:
            return False
        return not event(end_hazard, rk, day, slot)
    return event(onset_hazard, rk, day, slot)


@njit
def progressed(us_action: int) -> bool:
    """Whether the truce's condition advances today: the US negotiates a withdrawal timetable."""
    return us_action == US_NEGOTIATE


@njit
def timetable_update(
    progress: float, us_action: int, lethal_today: bool, rate: float, setback: float
) -> float:
    """Progress (0..1) toward a timetable for the withdrawal of US forces.

    Grows by ``rate`` on each day of talks (the condition of Kata'ib Hezbollah's ceasefire,
    October 2020); a lethal attack or a US strike sets it back by ``setback`` of its progress
    (talks are "even harder when both sides are attacking each other", Vox 2021). Capped at 1.
    """
    p = progress + (rate if us_action == US_NEGOTIATE else 0.0)
    if lethal_today or _KINETIC[us_action]:
        p *= 1.0 - setback
    return min(p, 1.0)


@njit
def timetable_complete(progress: float) -> bool:
    """A complete timetable: US forces leave on it (a negotiated withdrawal, not one forced by
    the expulsion vote or by casualties)."""
    return progress >= 1.0


@njit
def suspension_hazard(closeness: float, restraint: float, rate: float) -> float:
    """Daily hazard that a group declares a suspension of its attacks at Iran's behest:
    ``rate * closeness * restraint``, the restraint a group feels
    (:func:`sim.core.rules.iran.patron_restraint`, scaled by its closeness to Iran) times
    ``rate``. Kata'ib Hezbollah, the closest group, suspended its attacks on 30 January 2024,
    two days after Tower 22 (record row ``2024-01-30-kh-suspension``); Nujaba vowed to go on
    (``2024-02-02-nujaba-vows-to-continue``). Added to :func:`truce_onset_hazard`; the
    suspension is a truce like any other (it leaks, ends by :func:`truce_end_hazard`, and at
    once when the US strikes the group)."""
    if restraint <= 0.0:
        return 0.0
    return rate * closeness * restraint
