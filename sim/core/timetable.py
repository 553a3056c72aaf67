"""The withdrawal timetable the US may negotiate and the militias' campaign after an expulsion
vote, in the day's phase ``us_update`` (:mod:`sim.core.day`).

Talks with Baghdad advance a timetable for the withdrawal of US forces (the condition of Kata'ib
Hezbollah's ceasefire of October 2020, defence news) and a lethal attack sets it back; once it is
complete US forces leave (a negotiated withdrawal). After a vote to expel US forces the
militias' campaign to chase them out ramps up. The helper reads and writes one run's row
``R[i]`` (:mod:`sim.core.layout`) and calls the scalar rules of :mod:`sim.core.rules.truce`.
"""

from __future__ import annotations

from sim.core.jit import njit
from sim.core.layout import DC, PC, SC
from sim.core.rules import truce


@njit(inline="always")
def timetable_after_day(i, R, may_withdraw: bool):
    """The timetable's progress after the day, and the militias' campaign after an expulsion
    vote (:func:`sim.core.rules.truce.campaign_update`); US forces leave once the timetable is
    complete (a negotiated withdrawal), unless the US is forced or gone already (``may_withdraw``
    false)."""
    R[i, SC.timetable] = truce.timetable_update(
        R[i, SC.timetable],
        int(R[i, DC.action]),
        R[i, DC.lethal_today] != 0,
        R[i, PC.timetable_rate],
        R[i, PC.timetable_setback],
    )
    R[i, SC.campaign] = truce.campaign_update(
        R[i, SC.campaign],
        R[i, SC.voted] != 0,
        R[i, SC.withdrawn] == 0,
        R[i, PC.expulsion_campaign],
        R[i, PC.campaign_ramp],
    )
    if may_withdraw and truce.timetable_complete(R[i, SC.timetable]):
        R[i, SC.withdrawn], R[i, SC.negotiated] = 1.0, 1.0
