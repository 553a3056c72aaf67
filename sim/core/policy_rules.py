"""The decisions of the built-in US policies, compiled: one function per policy, by code.

Each takes what the US knows today (the pending memory, :func:`sim.core.rules.us.pending_update`),
the run's parameter row and one uniform draw, and returns ``(action, intensity, forgive)``. The
classes of :mod:`sim.core.policies` carry each policy's name, source and code; their ``decide``
calls :func:`decide_many`, so the Python and the compiled decision are the same code.
"""

from __future__ import annotations

import numpy as np

from sim.core.jit import njit
from sim.core.ladder import (
    SEV_HARASSMENT,
    SEV_INJURY,
    SEV_LETHAL,
    US_DECAPITATION,
    US_DIPLOMACY,
    US_NEGOTIATE,
    US_NONE,
    US_PRESS_BAGHDAD,
    US_STRIKE_IRAN,
    US_STRIKE_IRAQ,
    US_STRIKE_SYRIA,
)
from sim.core.layout import PC

#: policy codes of the built-in policies (a user's Python policy has code -1)
CODES: dict[str, int] = {
    "do_nothing": 0,
    "strike_syria": 1,
    "escalate_syria": 2,
    "strike_iraq": 3,
    "casualty_threshold": 4,
    "hold_iran_accountable": 5,
    "iraqi_accountability": 6,
    "regional_deal": 7,
    "decapitation": 8,
    "tit_for_tat": 9,
    "generous_tit_for_tat": 10,
    "answer_attributed": 11,
    "negotiate_withdrawal": 12,
}


@njit
def _when(cond: bool, action: int, intensity: float) -> tuple[int, float, bool]:
    return (action, intensity, False) if cond else (US_NONE, 0.0, False)


@njit
def proportional(severity: int, iran: bool, p) -> tuple[int, float, bool]:
    """Answer in kind: a strike on Iran for an Iranian strike, a strike in Iraq for deaths, a
    Syria strike for harassment or injuries (tit-for-tat, Axelrod 1984)."""
    if iran:
        return US_STRIKE_IRAN, p[PC.intensity_iran], False
    if severity >= SEV_LETHAL:
        return US_STRIKE_IRAQ, p[PC.intensity_iraq], False
    if severity >= SEV_HARASSMENT:
        return US_STRIKE_SYRIA, p[PC.intensity_syria], False
    return US_NONE, 0.0, False


@njit
def decide(
    code: int, severity: int, group: int, confidence: float, killed: int, iran: bool, p, u: float
) -> tuple[int, float, bool]:
    """The decision of built-in policy ``code`` (see each class in :mod:`sim.core.policies`).

    ``group`` is the group named for the pending attack (-1 if nobody is named) and
    ``confidence`` the confidence of that naming (0 if nobody is named)."""
    if code == 1:  # strike_syria
        return _when(severity >= SEV_INJURY, US_STRIKE_SYRIA, p[PC.intensity_syria])
    if code == 2:  # escalate_syria
        return _when(severity >= SEV_HARASSMENT, US_STRIKE_SYRIA, p[PC.intensity_escalated])
    if code == 3:  # strike_iraq
        return _when(severity >= SEV_INJURY, US_STRIKE_IRAQ, p[PC.intensity_iraq])
    if code == 4:  # casualty_threshold
        return _when(killed > 0, US_STRIKE_IRAQ, p[PC.intensity_iraq])
    if code == 5:  # hold_iran_accountable
        return _when(severity >= SEV_INJURY or iran, US_STRIKE_IRAN, p[PC.intensity_iran])
    if code == 6:  # iraqi_accountability
        return _when(severity >= SEV_HARASSMENT, US_PRESS_BAGHDAD, p[PC.intensity_press])
    if code == 7:  # regional_deal
        return US_DIPLOMACY, 0.0, False
    if code == 8:  # decapitation
        return _when(severity >= SEV_LETHAL, US_DECAPITATION, p[PC.intensity_decapitation])
    if code == 9:  # tit_for_tat
        return proportional(severity, iran, p)
    if code == 10:  # generous_tit_for_tat (Nowak & Sigmund 1992)
        a, x, _ = proportional(severity, iran, p)
        return a, x, a != US_NONE and u < p[PC.forgiveness]
    if code == 11:  # answer_attributed: lets go what it cannot attribute with confidence
        a, x, _ = _when(severity >= SEV_INJURY, US_STRIKE_IRAQ, p[PC.intensity_iraq])
        return a, x, a != US_NONE and confidence < p[PC.attribution_threshold]
    if code == 12:  # negotiate_withdrawal
        return US_NEGOTIATE, 0.0, False
    return US_NONE, 0.0, False  # do_nothing


@njit
def decide_many(code, severity, group, confidence, killed, iran, P, u):
    """:func:`decide` for arrays of runs (the Python ``decide`` of the built-in policies)."""
    n = len(severity)
    action = np.zeros(n, dtype=np.int64)
    intensity = np.zeros(n)
    forgive = np.zeros(n, dtype=np.bool_)
    for i in range(n):
        action[i], intensity[i], forgive[i] = decide(
            code, severity[i], group[i], confidence[i], killed[i], iran[i], P[i], u[i]
        )
    return action, intensity, forgive
