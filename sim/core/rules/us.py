"""The United States: memory of unanswered attacks, response, targeting, posture, withdrawal."""

from __future__ import annotations

from sim.core import ladder
from sim.core.jit import njit
from sim.core.ladder import (
    SEV_HARASSMENT,
    SEV_NONE,
    US_DECAPITATION,
    US_DECAPITATION_IRAN,
    US_DIPLOMACY,
    US_NEGOTIATE,
    US_NONE,
    US_PRESS_BAGHDAD,
    US_STRIKE_IRAN,
    US_STRIKE_IRAQ,
    US_STRIKE_SYRIA,
)

_HITS = ladder.HITS_MILITIA


@njit
def worst_attack(severity, named) -> tuple[int, int]:
    """Today's most severe attack (the first group's on a tie) and the group it is attributed
    to (-1 if nobody is named); ``severity`` and ``named`` hold one entry per group."""
    worst = 0
    for g in range(1, len(severity)):
        if severity[g] > severity[worst]:
            worst = g
    return int(severity[worst]), (worst if named[worst] else -1)


@njit
def pending_update(
    pending_severity: int,
    pending_group: int,
    pending_killed: int,
    pending_age: int,
    pending_iran: bool,
    severity: int,
    group: int,
    killed: int,
    iran_struck_us: bool,
    window: float,
):
    """The US memory of unanswered attacks, which the policies respond to.

    Keeps the most severe unanswered attack (and the group it is attributed to, -1 if nobody is
    named: :func:`worst_attack`), the Americans killed since the last response (``killed``:
    today's, by militias and Iran), and whether Iran struck directly. The memory lapses
    ``window`` days after the last attack ("weeks of rocket launches" preceded the 2021-02-25
    response, Vox 2021). Returns ``(severity, group, killed, age, iran)``.
    """
    new = severity > SEV_NONE or iran_struck_us
    age = 0 if new else pending_age + 1
    if age > window:
        return SEV_NONE, -1, 0, age, False
    if severity >= max(pending_severity, SEV_HARASSMENT):
        pending_severity, pending_group = severity, group
    return (
        pending_severity,
        pending_group,
        pending_killed + killed,
        age,
        (pending_iran or iran_struck_us),
    )


@njit
def answers(action: int) -> bool:
    """Whether an action answers the pending attacks (all but none, diplomacy and talks on a
    withdrawal timetable)."""
    return action != US_NONE and action != US_DIPLOMACY and action != US_NEGOTIATE


@njit
def acts_today(wants: int, u_delay: float, response_delay: float) -> int:
    """The wanted response if it is carried out today, else none: each day it goes ahead with
    probability ``1 / (1 + response_delay)``, a geometric delay of mean ``response_delay`` days
    (K-1 to the strikes: 2 days, Taji: 1, Erbil to Syria: 10). Diplomacy is not delayed."""
    if not answers(wants) or u_delay * (1.0 + response_delay) < 1.0:
        return wants
    return US_NONE


@njit
def response(
    wants: int,
    intensity: float,
    forgive: bool,
    u_delay: float,
    response_delay: float,
    present: bool,
) -> tuple[int, float, bool]:
    """Turn a policy's wish into today's action: ``(action, intensity, answered)``.

    The response comes after a delay (:func:`acts_today`); a policy that forgives lets the
    matter go when the moment to act comes, which also counts as an answer (the memory of the
    attack is cleared). No response once US forces have left Iraq.
    """
    acted = acts_today(wants, u_delay, response_delay) if present else US_NONE
    answered = answers(acted)
    action = US_NONE if (forgive and answered) else acted
    return action, (intensity if action != US_NONE else 0.0), answered


@njit
def forced_intensity(
    action: int, syria: float, iraq: float, decapitation: float, iran: float, press: float
) -> float:
    """Intensity of a US action taken from the record (replay): the parameter of its kind."""
    if action == US_STRIKE_SYRIA:
        return syria
    if action == US_STRIKE_IRAQ:
        return iraq
    if action == US_DECAPITATION or action == US_DECAPITATION_IRAN:
        return decapitation
    if action == US_STRIKE_IRAN:
        return iran
    if action == US_PRESS_BAGHDAD:
        return press
    return 0.0


@njit
def strike_target(pending_group: int, blamed: float) -> int:
    """The group the US strikes or names to Baghdad: the one it named, or else the group it
    blames for unclaimed attacks (``unattributed_blame``: Kata'ib Hezbollah, K-1 2019: "The Trump
    administration blamed Kata'ib Hezbollah, but the Iraqi government has since cast doubt",
    Foreign Policy)."""
    return pending_group if pending_group >= 0 else int(blamed)


@njit
def struck_total(action: int, intensity: float) -> float:
    """Strike intensity suffered by the militias today: strikes in Syria, in Iraq and
    decapitations hit the target group; strikes on Iran and non-kinetic actions hit none."""
    return intensity if _HITS[action] else 0.0


@njit
def struck(group: int, action: int, intensity: float, target: int) -> float:
    """Strike intensity suffered by ``group`` today (:func:`struck_total` on the target)."""
    return struck_total(action, intensity) if group == target else 0.0


@njit
def air_defence_update(air_defence: float, hit_hard: bool, build: float, ceiling: float) -> float:
    """Air defence grows after deaths or an Iranian strike (Patriots sent by July 2020)."""
    return min(air_defence + build, ceiling) if hit_hard else air_defence


@njit
def exposure_update(exposure: float, lethal_today: bool, step: float, floor: float) -> float:
    """Consolidation onto fewer bases after deaths (K-1, Q-West, Taji left in 2020)."""
    return max(exposure - step, floor) if lethal_today else exposure


@njit
def withdrawal_hazard(voted: bool, pressure: float, rate: float, pressure_gain: float) -> float:
    """Daily hazard of US withdrawal from Iraq: only after an expulsion vote, growing with Iraqi
    political pressure.

    Nothing in the record withdrew: about 2,500 troops remained in August 2024 after the 2020
    vote and Sudani's January 2024 announcement (Vox 2024). Strikes that violate Iraqi
    sovereignty "led to requests for the US to leave" (Daily Beast 2021), hence the pressure
    term.
    """
    return rate * (1.0 + pressure_gain * pressure) if voted else 0.0


@njit
def withdraws_at_once(cum_killed: float, tolerance: float) -> bool:
    """The US leaves at once past its casualty tolerance (cumulative US deaths)."""
    return cum_killed >= tolerance
