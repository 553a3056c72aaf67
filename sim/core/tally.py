"""The counts of the day and the tally of the outcomes: phases 4 and 13 of the day.

Every count of the model comes from here: the day's attacks by class and its US casualties
(``count_day``), and the per-run outcomes and daily series (``end_day``), which the
ensemble's result, the replay's daily trace (:class:`sim.core.state.DayEvents`) and the Mesa
DataCollector all read. They only count: the draws of the day's casualties are made where the
attacks are (:mod:`sim.core.day`, phases ``militia_act`` and ``attack_losses``).
"""

from __future__ import annotations

from sim.core.jit import njit
from sim.core.ladder import (
    IS_DECAPITATION,
    IS_KINETIC,
    US_PRESS_BAGHDAD,
    US_STRIKE_IRAN,
    US_STRIKE_IRAQ,
    US_STRIKE_SYRIA,
)
from sim.core.layout import DC, LC, OC, PC, SC, G
from sim.core.rules import escalation


@njit(inline="always")
def count_day(i, R):
    """Phase 4: the day's attacks by class and its US killed and wounded (militias and Iran);
    the coalition members and contractors hurt are drawn after, in ``attack_losses``, on the
    count of attacks that hurt Americans made here."""
    n, hurt, lethal = escalation.count_attacks(R[i, DC.severity : DC.severity + G])
    R[i, DC.attacks], R[i, DC.injuring], R[i, DC.lethal] = n, hurt, lethal
    R[i, DC.lethal_today] = lethal > 0
    killed, wounded = R[i, DC.iran_killed], R[i, DC.iran_wounded]
    for g in range(G):
        killed += R[i, DC.killed + g]
        wounded += R[i, DC.wounded + g]
    R[i, DC.killed_total], R[i, DC.wounded_total] = killed, wounded


@njit(inline="always")
def first_day(R, i, column, happened, t):
    """Set outcome ``column`` to day ``t`` if the event ``happened`` today for the first time
    (the column is NaN until then: the days-to-event outcomes)."""
    if happened and R[i, column] != R[i, column]:  # NaN: not yet
        R[i, column] = t


@njit(inline="always")
def lull_update(lull_open: bool, lulls: float, days: float, attacked: bool, struck: bool):
    """The running sums of ``lull_after_response`` after a day: a day with a militia attack
    closes the open lull (the attacks come before the US acts in the day), a US strike opens
    one if none is open, and an open lull counts the day. So a lull opened by a strike on day
    ``s`` and closed by an attack on day ``a`` lasts ``a - s`` days; one still open when the
    run ends lasts until then. Returns ``(open, lulls, days)``."""
    if attacked:
        lull_open = False
    if struck and not lull_open:
        lull_open, lulls = True, lulls + 1.0
    if lull_open:
        days += 1.0
    return lull_open, lulls, days


@njit(inline="always")
def end_day(i, t, R, L):
    """Phase 13: the rung of the day, then the tally of outcomes and daily series (``L`` of
    shape ``(4, days, N)``, or ``(4, 0, N)`` when the daily series are not kept)."""
    action = int(R[i, DC.action])
    struck = R[i, DC.iran_struck] != 0
    sev_max = 0
    for g in range(G):
        sev_max = max(sev_max, int(R[i, DC.severity + g]))
    rung = escalation.rung_today(
        sev_max, R[i, DC.protested] != 0, action, struck, R[i, SC.war] != 0
    )
    R[i, DC.rung] = rung
    R[i, OC.attacks_total] += R[i, DC.attacks]
    R[i, OC.attacks_injury] += R[i, DC.injuring] - R[i, DC.lethal]
    R[i, OC.attacks_lethal] += R[i, DC.lethal]
    R[i, OC.attacks_harassment] += R[i, DC.attacks] - R[i, DC.injuring]
    R[i, OC.us_killed] += R[i, DC.killed_total]
    R[i, OC.us_wounded] += R[i, DC.wounded_total]
    R[i, OC.coalition_killed] += R[i, DC.coalition_killed]
    R[i, OC.coalition_wounded] += R[i, DC.coalition_wounded]
    R[i, OC.militia_killed] += R[i, DC.militia_killed]
    kinetic = IS_KINETIC[action]
    R[i, OC.strikes_syria] += action == US_STRIKE_SYRIA
    R[i, OC.strikes_iraq] += action == US_STRIKE_IRAQ
    R[i, OC.decapitations] += IS_DECAPITATION[action]
    R[i, OC.strikes_iran] += action == US_STRIKE_IRAN
    R[i, OC.us_strikes] += kinetic
    R[i, OC.misdirected_strikes] += R[i, DC.misdirected]
    R[i, OC.press_baghdad] += action == US_PRESS_BAGHDAD
    R[i, OC.prosecutions] += R[i, DC.prosecuted]
    R[i, OC.iran_strikes] += struck
    R[i, OC.protests] += R[i, DC.protested]
    R[i, OC.iraqi_harmed] += R[i, DC.iraqi_harmed]
    R[i, OC.max_rung] = max(R[i, OC.max_rung], rung)
    first_day(R, i, OC.first_death_day, R[i, DC.killed_total] > 0, t)
    first_day(R, i, OC.days_to_iran_strike, struck, t)
    first_day(R, i, OC.days_to_war, R[i, SC.war] != 0, t)
    first_day(R, i, OC.days_to_withdrawal, R[i, SC.withdrawn] != 0, t)
    if struck or action == US_STRIKE_IRAN:
        R[i, OC.direct_exchange] = 1.0
    R[i, OC.expulsion_vote] = R[i, SC.voted]
    R[i, OC.withdrawal] = R[i, SC.withdrawn]
    R[i, OC.withdrawal_negotiated] = R[i, SC.negotiated]
    truce_today = False
    for g in range(G):
        truce_today = truce_today or R[i, SC.truce + g] != 0
    R[i, OC.truce_days] += truce_today
    R[i, OC.war] = R[i, SC.war]
    if R[i, SC.deal_progress] >= R[i, PC.deal_reached_level]:
        R[i, OC.deal_reached] = 1.0
    lull_open, lulls, days = lull_update(
        R[i, OC.lull_open] != 0, R[i, OC.lulls], R[i, OC.lull_days], R[i, DC.attacks] > 0, kinetic
    )
    R[i, OC.lull_open], R[i, OC.lulls], R[i, OC.lull_days] = lull_open, lulls, days
    if lulls > 0:
        R[i, OC.lull_after_response] = days / lulls
    if L.shape[1] > 0:
        L[LC.attacks, t, i] = R[i, DC.attacks]
        L[LC.us_casualties, t, i] = R[i, DC.killed_total] + R[i, DC.wounded_total]
        L[LC.rung, t, i] = rung
        L[LC.us_strikes, t, i] = kinetic
