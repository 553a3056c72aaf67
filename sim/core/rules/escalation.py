"""The escalation ladder of a day, the count of the day's attacks, and the war threshold."""

from __future__ import annotations

import numpy as np

from sim.core import ladder
from sim.core.jit import njit
from sim.core.ladder import SEV_INJURY, SEV_LETHAL, US_STRIKE_IRAN, Rung

_SEV_RUNG = np.array([Rung.QUIET, Rung.HARASSMENT, Rung.INJURY, Rung.LETHAL], dtype=np.int64)
_THREAT, _DIRECT, _WAR = int(Rung.THREAT), int(Rung.DIRECT), int(Rung.WAR)
_US_RUNG = np.array(
    [int(ladder.US_ACTION_RUNG[k]) for k in sorted(ladder.US_ACTION_RUNG)], dtype=np.int64
)


@njit
def count_attacks(severity) -> tuple[int, int, int]:
    """Today's attacks, attacks that injured or killed, and lethal attacks (``severity`` holds
    one class per group: every count of the model comes from here)."""
    n = hurt = lethal = 0
    for s in severity:
        n += s > 0
        hurt += s >= SEV_INJURY
        lethal += s == SEV_LETHAL
    return n, hurt, lethal


@njit
def rung_today(
    max_severity: int, protested: bool, us_action: int, iran_struck_us: bool, war: bool
) -> int:
    """The highest rung of the escalation ladder reached today (:class:`sim.core.ladder.Rung`)."""
    r = _SEV_RUNG[max_severity]
    if protested:
        r = max(r, _THREAT)
    r = max(r, _US_RUNG[us_action])
    if iran_struck_us:
        r = max(r, _DIRECT)
    if war:
        r = _WAR
    return r


@njit
def war_update(
    exchanges: int, war: bool, iran_struck_us: bool, us_action: int, threshold: float
) -> tuple[int, bool]:
    """Count direct US–Iran strikes; a sustained war begins at ``threshold`` of them."""
    ex = exchanges + int(iran_struck_us) + int(us_action == US_STRIKE_IRAN)
    return ex, war or ex >= threshold
