"""Iran: its push on its partners, its direct strikes, its grievance, fear and a regional deal."""

from __future__ import annotations

import math

from sim.core import ladder
from sim.core.jit import njit
from sim.core.ladder import (
    US_DECAPITATION,
    US_DECAPITATION_IRAN,
    US_DIPLOMACY,
    US_STRIKE_IRAN,
)
from sim.core.rules.common import decay, geometric_count

_KINETIC = ladder.IS_KINETIC
_HITS_MILITIA = ladder.HITS_MILITIA


@njit
def shock_push(direction: float, restraint: float) -> float:
    """Today's exogenous push on Iran's partners: the scenario's ``iran_direction`` shocks minus
    its ``iran_restraint`` shocks (log-hazard units; the Gaza war, Vox 2024; deal talks, 2021)."""
    return direction - restraint


@njit
def iran_push(
    grievance: float,
    fear: float,
    deal_progress: float,
    direction: float,
    deal_restraint: float,
    shock: float,
) -> float:
    """How hard Iran pushes (positive) or restrains (negative) its partners, in log-hazard units.

    Iran directs its partners more after its own are struck (attacks "after the US's assassination
    of Qasem Soleimani", Vox 2024), restrains them when it fears US retaliation or when a deal is
    in reach (nuclear-deal talks, Vox 2021), and regional shocks move it (the Gaza war, Vox 2024).
    Each group feels the push in proportion to its closeness
    (:func:`sim.core.rules.militia.attack_hazard`).
    """
    return direction * grievance - fear - deal_restraint * deal_progress + shock


@njit
def strike_hazard(
    grievance: float, fear: float, rate: float, present: bool, threshold: float
) -> float:
    """Daily hazard that Iran strikes US forces directly.

    ``rate * max(grievance - threshold, 0) * exp(-fear)``. Iran weighs a direct strike against
    acting through its partners: it wants a response that "doesn't prove to be completely
    impotent" without going "overboard" (Vox 2024), so only the grievance above ``threshold``
    calls for its own strike (the smaller part is answered through the partners' push,
    :func:`iran_push`). Soleimani was killed on 3 January 2020 and Iran fired ballistic
    missiles at al-Asad on 8 January (Foreign Policy; Daily Beast); the 25 KH fighters killed
    on 29 December 2019 brought no Iranian strike. Fear of the US (log-hazard units) holds it
    back, as it holds back its partners. No strike once US forces have left Iraq (``present``
    false).
    """
    excess = grievance - threshold
    if not present or excess <= 0.0:
        return 0.0
    return rate * excess * math.exp(-fear)


@njit
def strike_casualties(
    u_lethal: float,
    u_killed: float,
    u_wounded: float,
    p_lethal: float,
    killed_mean: float,
    wounded_mean: float,
) -> tuple[int, int]:
    """US killed and wounded by a direct Iranian strike.

    The 8 January 2020 ballistic-missile strike killed nobody and wounded "more than 100"
    (Foreign Policy) or "dozens" (Vox 2021); the mean wounded sits between the two.
    """
    killed = geometric_count(killed_mean, u_killed) if u_lethal < p_lethal else 0
    return killed, geometric_count(wounded_mean, u_wounded)


@njit
def grievance_update(
    grievance: float,
    us_action: int,
    intensity: float,
    iran_struck_us: bool,
    official_grievance: float,
    commander_grievance: float,
    fighters_grievance: float,
    struck_grievance: float,
    satisfaction: float,
    keep: float,
    pulse: float,
) -> float:
    """Iran's grievance after today's events, by who the US struck.

    The killing of an Iranian official adds ``official_grievance`` (one unit: Soleimani, killed on
    3 January 2020, answered by missiles on 8 January); the killing of a militia group's
    commanders adds ``commander_grievance`` (a prior: Iran's partners are not its own, and in the
    training record their commander al-Muhandis died beside Soleimani, so the record cannot
    separate the two); strikes on militia fighters in Syria or Iraq add ``fighters_grievance``
    per unit intensity (no Iranian strike after the 25 KH fighters killed on 29 December 2019 or
    the Syria strike of 25 February 2021); a US strike on Iranian forces adds
    ``struck_grievance`` per unit intensity. Grievance falls by ``satisfaction`` once Iran has
    struck back itself (it stood down after 8 January 2020), decays otherwise, and exogenous
    pulses aimed at the US add to it (a killing by a third party, such as Haniyeh's in Tehran on
    31 July 2024, goes to :func:`third_party_grievance_update` instead).
    """
    g = decay(grievance, keep)
    if us_action == US_DECAPITATION_IRAN:
        g += official_grievance
    elif us_action == US_DECAPITATION:
        g += commander_grievance
    elif us_action == US_STRIKE_IRAN:
        g += struck_grievance * intensity
    elif _HITS_MILITIA[us_action]:
        g += fighters_grievance * intensity
    if iran_struck_us:
        g *= 1.0 - satisfaction
    return g + pulse


@njit
def third_party_grievance_update(grievance: float, keep: float, pulse: float) -> float:
    """Iran's grievance at third parties (Israel): its allies killed by others, then decay.

    Haniyeh was killed in Tehran on 31 July 2024; Iran "blamed Israel" and its answer was
    expected to "rely on Iran's regional partners" (Vox 2024), and it did not strike US
    forces. This grievance joins Iran's push on its partners (:func:`iran_push`) but not its
    direct-strike hazard on US forces (:func:`strike_hazard`), and Iran's own strikes on US
    forces do not discharge it. It decays like Iran's grievance at the US.
    """
    return decay(grievance, keep) + pulse


@njit
def fear_update(
    fear: float, us_action: int, intensity: float, strength: float, keep: float
) -> float:
    """Iran's fear of the US: rises when the US strikes Iran itself (by the strike's intensity),
    then decays. The idea of "holding Iran directly accountable" (Daily Beast 2021)."""
    f = decay(fear, keep)
    if us_action == US_STRIKE_IRAN:
        f += strength * intensity
    return f


@njit
def deal_progress_update(
    progress: float, us_action: int, lethal_today: bool, rate: float, setback: float
) -> float:
    """Progress (0..1) toward a regional deal that binds Iran to restrain its partners.

    Grows with each day of US diplomacy (the "regional approach", Daily Beast 2021); a lethal
    attack or a US strike sets it back ("even harder when both sides are attacking each other",
    Vox 2021).
    """
    p = progress + (rate if us_action == US_DIPLOMACY else 0.0)
    if lethal_today or _KINETIC[us_action]:
        p *= 1.0 - setback
    return min(max(p, 0.0), 1.0)


@njit
def war_risk_update(
    risk: float,
    killed_by_partners: float,
    us_action: int,
    intensity: float,
    deal_progress: float,
    per_killed: float,
    per_intensity: float,
    per_deal_day: float,
    keep: float,
) -> float:
    """Iran's perceived risk of direct war with the US after today's events, in war-risk units.

    It rises by ``per_killed`` for each American killed in a partner's attack (the most: three
    Americans were killed at Tower 22 on 28 January 2024 and Kata'ib Hezbollah suspended its
    attacks two days later, after Iranian pressure: record rows ``2024-01-28-tower-22`` and
    ``2024-01-30-kh-suspension``), by ``per_intensity`` per unit intensity of a US strike on its
    partners (heavy retaliation: the 85 targets of 2 February 2024 and the killing of a
    Kata'ib Hezbollah commander on 7 February, after which attacks in Iraq and Syria stopped
    until 21 April), and by ``per_deal_day`` times the progress of a regional deal on each day
    (its own interests at stake: Iran restrains its partners when a deal is in reach, Vox
    2021); then it decays. A US strike on Iran itself moves Iran's fear instead
    (:func:`fear_update`), and Iran's own strikes are not a partner's: the deaths they cause do
    not count here.
    """
    r = decay(risk, keep) + per_killed * killed_by_partners + per_deal_day * deal_progress
    if _HITS_MILITIA[us_action]:
        r += per_intensity * intensity
    return r


@njit
def patron_restraint(risk: float, threshold: float, strength: float) -> float:
    """How hard Iran reins in its partners today, in log-hazard units (0 or more).

    ``strength * max(risk - threshold, 0)``: below the threshold Iran lets its partners be
    (their push, :func:`iran_push`, is untouched); above it, Iran "also doesn't want to go
    overboard" (Vox 2024) and subtracts this from its push, so each group feels it in
    proportion to its closeness (:func:`sim.core.rules.militia.attack_hazard`) and the closest
    may declare a suspension (:func:`sim.core.rules.truce.suspension_hazard`). It builds on
    the restraint Iran already imposes after being struck itself (its fear) and while a deal
    progresses (``deal_restraint``).
    """
    excess = risk - threshold
    if excess <= 0.0:
        return 0.0
    return strength * excess
