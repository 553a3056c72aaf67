"""The militias' reading of the US red line: which attacks the US answers, and how lethal they
therefore aim to be (strategic severity).

The groups share one reading, learnt from the US's answers (:func:`red_line_day`, the phase
``red_line_update`` of :mod:`sim.core.day`), and each aims its attacks below the line and lower
with its fear (:func:`aim_of`, in ``militia_act``). The rules themselves are in
:mod:`sim.core.rules.militia` (:func:`~sim.core.rules.militia.red_line`,
:func:`~sim.core.rules.militia.aim`, :func:`~sim.core.rules.militia.red_line_update`).
"""

from __future__ import annotations

from sim.core.jit import njit
from sim.core.layout import DC, PC, SC, G
from sim.core.rules import militia, us


@njit(inline="always")
def aim_of(i, g, R) -> float:
    """The factor (0..1] on group ``g``'s casualty chances today: its fear and the red line
    the militias have read from the US's answers (:func:`sim.core.rules.militia.aim`)."""
    return militia.aim(
        R[i, SC.fear + g],
        militia.red_line(R[i, SC.answer_lethal], R[i, SC.answer_other]),
        R[i, PC.lethality_fear],
        R[i, PC.red_line_restraint],
    )


@njit(inline="always")
def red_line_day(i, R) -> None:
    """The militias' shared belief after today's attacks and today's US action
    (:func:`sim.core.rules.militia.red_line_update`)."""
    worst = 0
    for g in range(G):
        worst = max(worst, int(R[i, DC.severity + g]))
    (
        R[i, SC.answer_lethal],
        R[i, SC.answer_other],
        R[i, SC.case_class],
        R[i, SC.case_age],
    ) = militia.red_line_update(
        R[i, SC.answer_lethal],
        R[i, SC.answer_other],
        int(R[i, SC.case_class]),
        R[i, SC.case_age],
        worst,
        us.answers(int(R[i, DC.action])),
        R[i, PC.red_line_weight],
        R[i, PC.red_line_wait],
    )
