"""The United States: memory of unanswered attacks, response, targeting, posture, withdrawal."""

from __future__ import annotations

import math

from sim.core import ladder
from sim.core.jit import njit
from sim.core.ladder import (
    SEV_HARASSMENT,
    SEV_NONE,
    US_NONE,
    US_STRIKE_IRAQ,
)

_HITS = ladder.HITS_MILITIA
_ANSWERS = ladder.ANSWERS


@njit
def worst_attack(severity, confidence) -> tuple[int, int, float]:
    """Today's most severe attack (the first group's on a tie): its severity, the group that
    made it and the confidence with which the US names that group (0: nobody is named,
    :func:`sim.core.rules.militia.attributed`); one entry per group."""
    worst = 0
    for g in range(1, len(severity)):
        if severity[g] > severity[worst]:
            worst = g
    return int(severity[worst]), worst, float(confidence[worst])


@njit
def pending_update(
    pending_severity: int,
    pending_group: int,
    pending_confidence: float,
    pending_killed: int,
    pending_age: int,
    pending_iran: bool,
    severity: int,
    group: int,
    confidence: float,
    killed: int,
    iran_struck_us: bool,
    window: float,
):
    """The US memory of unanswered attacks, which the policies respond to.

    Keeps the most severe unanswered attack: the group that made it (the true perpetrator, -1
    if none is pending) and the confidence with which the US names it (:func:`worst_attack`;
    what a policy sees is :func:`named_group`), the Americans killed since the last response
    (``killed``: today's, by militias and Iran), and whether Iran struck directly. The memory
    lapses ``window`` days after the last attack ("weeks of rocket launches" preceded the
    2021-02-25 response, Vox 2021). Returns ``(severity, group, confidence, killed, age,
    iran)``.
    """
    new = severity > SEV_NONE or iran_struck_us
    age = 0 if new else pending_age + 1
    if age > window:
        return SEV_NONE, -1, 0.0, 0, age, False
    if severity >= max(pending_severity, SEV_HARASSMENT):
        pending_severity, pending_group, pending_confidence = severity, group, confidence
    return (
        pending_severity,
        pending_group,
        pending_confidence,
        pending_killed + killed,
        age,
        (pending_iran or iran_struck_us),
    )


@njit
def named_group(pending_group: int, confidence: float) -> int:
    """The group the US names for the pending attack, -1 if it is not attributed (what a policy
    sees of the memory: :class:`sim.core.policies.Observation`)."""
    return pending_group if confidence > 0.0 else -1


@njit
def answers(action: int) -> bool:
    """Whether an action answers the pending attacks (:attr:`sim.core.ladder.USAction.answers`:
    all but none, diplomacy and talks on a withdrawal timetable)."""
    return _ANSWERS[action]


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
def strike_target(pending_group: int, confidence: float, blamed: float) -> int:
    """The group the US strikes or names to Baghdad: the one it named (:func:`named_group`), or
    else the group it blames for unclaimed attacks (``unattributed_blame``: Kata'ib Hezbollah,
    K-1 2019: "The Trump administration blamed Kata'ib Hezbollah, but the Iraqi government has
    since cast doubt", Foreign Policy). A forced action of a replay takes its target here too."""
    named = named_group(pending_group, confidence)
    return named if named >= 0 else int(blamed)


@njit
def misdirected(action: int, target: int, perpetrator: int) -> bool:
    """Whether today's strike hits a group other than the one that made the attack it answers
    (an unattributed attack pinned on the blamed group): the real perpetrator is not deterred
    and the struck group is aggrieved (:func:`struck`). "Iraq accused the U.S. military of
    killing Iraqi soldiers and civilians instead of Kata'ib Hezbollah members"
    (2020-03-13-iraq-condemns-strikes, Foreign Policy). No strike on militias, or no pending
    attack, is not misdirected."""
    return bool(_HITS[action]) and perpetrator >= 0 and target != perpetrator


@njit
def aim(action: int, perpetrator: int, confidence: float, blamed: float) -> tuple[int, bool]:
    """Today's target (:func:`strike_target`) and whether the strike is misdirected
    (:func:`misdirected`)."""
    target = strike_target(perpetrator, confidence, blamed)
    return target, misdirected(action, target, perpetrator)


@njit
def strike_harm(
    action: int,
    intensity: float,
    misdirected_strike: bool,
    u: float,
    collateral: float,
    misdirected_harm: float,
) -> int:
    """Iraqi civilians and security forces killed or wounded by today's US strike inside Iraq.

    An overdispersed count (geometric on 0, 1, ...) of mean ``intensity * (collateral +
    misdirected_harm)`` for a misdirected strike, ``intensity * collateral`` otherwise: Iraq
    accused the US of "killing Iraqi soldiers and civilians instead of Kata'ib Hezbollah
    members" (2020-03-12 strikes, Foreign Policy; no figures). Strikes in Syria, on Iran and
    decapitations (militia or Iranian leaders, not bystanders) harm no Iraqis here.
    """
    if action != US_STRIKE_IRAQ:
        return 0
    mean = intensity * (collateral + (misdirected_harm if misdirected_strike else 0.0))
    if mean <= 0.0:
        return 0
    q = mean / (1.0 + mean)  # P(one more) of a geometric count on 0, 1, ... with this mean
    return math.floor(math.log1p(-u) / math.log(q))


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
