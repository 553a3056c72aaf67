"""The escalation ladder of a day, the count of the day's attacks, and the onset of war."""

from __future__ import annotations

import numpy as np

from sim.core import ladder
from sim.core.jit import njit
from sim.core.ladder import SEV_INJURY, SEV_LETHAL, US_STRIKE_IRAN, Rung

_SEV_RUNG = np.array([Rung.QUIET, Rung.HARASSMENT, Rung.INJURY, Rung.LETHAL], dtype=np.int64)
_THREAT, _DIRECT, _WAR = int(Rung.THREAT), int(Rung.DIRECT), int(Rung.WAR)
#: "days since" of a strike that never happened (a whole number far beyond any horizon)
NEVER = 10**6
_US_RUNG = ladder.ACTION_RUNG


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
def at_war(war: bool, factor: float) -> float:
    """The multiplier a sustained war puts on a hazard or a casualty mean: ``factor`` at war,
    1 otherwise (``war_iran_strike_factor``, ``war_militia_factor``, ``war_casualty_factor``;
    judgements: the record has no war, Vox 2024 "fears of a region-wide war")."""
    return factor if war else 1.0


@njit
def war_update(
    exchanges: int,
    since_iran: int,
    since_us: int,
    war: bool,
    iran_struck_us: bool,
    us_action: int,
    threshold: float,
    window: float,
) -> tuple[int, int, int, bool]:
    """Count direct US–Iran strikes; a sustained war begins only after reciprocal ones.

    Direct strikes are Iran's on US forces and the US's on Iranian territory or forces
    (``US_STRIKE_IRAN``; strikes on Iran-linked militia sites in Syria, ``US_STRIKE_SYRIA``, and
    decapitations are not direct strikes). Strikes no more than ``window`` days apart form one
    exchange; its count restarts after a longer gap. War begins when an exchange reaches
    ``threshold`` strikes and both sides have struck within the last ``window`` days: the US's
    own strikes alone do not make a war (the single Iranian strike of 8 January 2020, answering
    the killing of Soleimani, did not become one; Vox 2024: Iran did not want "to go
    overboard"). ``since_iran`` and ``since_us`` are the days since each side's last direct
    strike (0: today). Returns ``(exchanges, since_iran, since_us, war)``.
    """
    us_struck = us_action == US_STRIKE_IRAN
    gap = min(since_iran, since_us) + 1  # days from the last direct strike to today
    ex = exchanges
    if (iran_struck_us or us_struck) and gap > window:
        ex = 0  # a new exchange
    ex += int(iran_struck_us) + int(us_struck)
    si = 0 if iran_struck_us else min(since_iran + 1, NEVER)
    su = 0 if us_struck else min(since_us + 1, NEVER)
    return ex, si, su, war or (ex >= threshold and si <= window and su <= window)
