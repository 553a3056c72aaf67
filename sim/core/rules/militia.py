"""The militias: attack hazard, severity, casualties and attribution; excitation, revenge, fear."""

from __future__ import annotations

import math

from sim.core.jit import njit
from sim.core.ladder import SEV_HARASSMENT, SEV_INJURY, SEV_LETHAL
from sim.core.rules.common import decay, geometric_count


@njit
def attack_hazard(
    base_rate: float,
    excitation: float,
    grievance: float,
    fear: float,
    closeness: float,
    push: float,
    exposure: float,
    present: bool,
) -> float:
    """Daily attack hazard of a militia group.

    ``(base + self-excitation + revenge) * exp(closeness * Iranian push - fear) * exposure``.
    The additive part is a Hawkes intensity (Lewis et al. 2012); fear after costly US retaliation
    divides it (deterrence); Iran's direction reaches each group in proportion to its closeness
    ("Iran's allies sometimes act without explicit instruction", Vox 2024); consolidation onto
    fewer bases leaves fewer targets (Daily Beast 2021). Zero once US forces have left.
    """
    if not present:
        return 0.0
    level = base_rate + excitation + grievance
    e = closeness * push - fear
    return level * (1.0 if e == 0.0 else math.exp(e)) * exposure  # exp(0) = 1 exactly


@njit
def attack_severity(
    u_severity: float,
    u_weapon: float,
    u_target: float,
    air_defence: float,
    p_injury: float,
    p_lethal: float,
    drone_share: float,
    drone_multiplier: float,
    embassy_share: float,
    embassy_multiplier: float,
) -> int:
    """Severity class of an attack: harassment, injuries, or deaths.

    The casualty chances of an undefended rocket attack on a base are scaled by the weapon
    (drones are guided), the target (the embassy compound is hardened and has C-RAM, defence
    news 2020-12-20) and the share of fire that air defence stops (Patriots by July 2020).
    """
    mult = 1.0 - air_defence
    if u_weapon < drone_share:
        mult *= drone_multiplier
    if u_target < embassy_share:
        mult *= embassy_multiplier
    pl = min(max(p_lethal * mult, 0.0), 1.0)
    pi = min(max(p_injury * mult, 0.0), 1.0 - pl)
    if u_severity < pl:
        return SEV_LETHAL
    if u_severity < pl + pi:
        return SEV_INJURY
    return SEV_HARASSMENT


@njit
def casualties(
    severity: int,
    u_killed: float,
    u_wounded: float,
    killed_mean: float,
    wounded_mean: float,
    lethal_wounded_offset: float,
) -> tuple[int, int]:
    """US killed and wounded by an attack of the given severity class.

    A lethal attack kills at least one and may wound others (Taji 2020-03-11: its geometric
    wounded count less ``lethal_wounded_offset``); an injuring attack wounds at least one (Taji
    2020-03-14: three Americans).
    """
    if severity < SEV_INJURY:
        return 0, 0
    wounded = geometric_count(wounded_mean, u_wounded)
    if severity == SEV_LETHAL:
        off = int(lethal_wounded_offset)
        return geometric_count(killed_mean, u_killed), max(wounded - off, 0)
    return 0, wounded


@njit
def attributed(u_attribution: float, deniability: float) -> float:
    """The confidence, in [0, 1], with which the US names the group behind an attack.

    Most attacks go unclaimed, and front groups exist to give deniability (Iraqi officials pin
    attacks on an "outlaw group", Kata'ib Hezbollah calls one "uncontrolled", which "gives it
    immediate and plausible deniability", defence news 2020-12-20). With probability
    ``deniability`` the attack is not attributed (confidence 0: nobody is named); otherwise the
    group is named with a confidence uniform on (0, 1), ``(u - d) / (1 - d)``, which falls with
    the group's deniability for the same draw. A policy can then decline to answer what it
    cannot attribute: "If you don't name the perpetrator, you don't have to react" (Daily Beast
    2021).
    """
    if u_attribution <= deniability:
        return 0.0
    return (u_attribution - deniability) / (1.0 - deniability)


@njit
def excitation_jump(ratio: float, days: float) -> float:
    """What one attack adds to its group's hazard, ``ratio / days`` (precomputed per run,
    :data:`sim.core.layout.PC` ``excitation_jump``; numbers or arrays)."""
    return ratio / days


@njit
def excitation_update(excitation: float, attacked: bool, jump: float, keep: float) -> float:
    """Self-excitation after today's attack (Hawkes kernel, Lewis et al. 2012).

    Each attack adds ``jump = ratio / days`` to the hazard (:func:`excitation_jump`), decaying
    with e-folding time ``days`` (``keep = exp(-1 / days)``), so it brings ``ratio`` follow-on
    attacks in expectation (the branching ratio).
    """
    return decay(excitation, keep) + (jump if attacked else 0.0)


@njit
def grievance_from_intensity(intensity: float, revenge_attacks: float, days: float) -> float:
    """Grievance (attacks/day) from strike intensity: a unit adds ``revenge_attacks / days`` to
    the hazard, about ``revenge_attacks`` extra attacks over its life (used by
    :func:`grievance_update` and for a scenario's initial grievance)."""
    return intensity * revenge_attacks / days


@njit
def grievance_update(
    grievance: float,
    struck: float,
    struck_total: float,
    revenge_attacks: float,
    days: float,
    keep: float,
    spillover: float,
    pulse: float,
    attacked: bool,
    satisfaction: float,
) -> float:
    """Revenge: grievance after being struck, then decay.

    ``struck`` is the strike intensity the group suffered today, ``struck_total`` the sum over
    all groups (other groups feel ``spillover`` of it). After the 2020-03-12 strikes Taji was hit
    again on 03-14 (Foreign Policy). Exogenous pulses (the Soleimani anniversary, defence news),
    in strike-intensity units, are felt by every group as if it had been struck.
    """
    felt = struck + spillover * (struck_total - struck) + pulse
    g = decay(grievance, keep)
    if attacked:
        g *= 1.0 - satisfaction
    if felt == 0.0:  # nothing felt adds +0.0: the same number without the division
        return g + 0.0
    return g + grievance_from_intensity(felt, revenge_attacks, days)


@njit
def fear_update(
    fear: float,
    struck: float,
    prosecuted: bool,
    strength: float,
    prosecution_fear: float,
    keep: float,
) -> float:
    """Deterrence: attack propensity drops after costly retaliation, then decays.

    Fear (a log-hazard reduction) jumps by ``strength`` per unit of strike intensity and by
    ``prosecution_fear`` when members are charged. Weak in the record: the 2021-02-25 strike was
    followed six days later by the al-Asad attack (Vox 2021).
    """
    return decay(fear, keep) + strength * struck + (prosecution_fear if prosecuted else 0.0)


@njit
def red_line(answer_lethal: float, answer_other: float) -> float:
    """The US red line as the militias read it (0..1): how much more surely the US answers an
    attack that kills Americans than one that does not.

    A US that answers "every time American personnel were killed" and lets the rest go (the
    Trump administration, Daily Beast 2021) reveals a full line; one that answers everything,
    or nothing, reveals none: no safe zone below a line.
    """
    return max(answer_lethal - answer_other, 0.0)


@njit
def aim(fear: float, red_line_now: float, lethality_fear: float, restraint: float) -> float:
    """The factor (0..1] by which a group scales its attacks' casualty chances.

    ``exp(-lethality_fear * fear - restraint * red_line)``: a frightened group, and every group
    under a revealed red line, aims to harass rather than to kill ("trickle attacks" below the
    line, Daily Beast 2021); deterrence lowers lethality as well as frequency.
    """
    e = -lethality_fear * fear - restraint * red_line_now
    return 1.0 if e == 0.0 else math.exp(e)  # exp(0) = 1 exactly


#: the open case of :func:`red_line_update`: none, a non-lethal attack, a lethal attack
CASE_NONE, CASE_OTHER, CASE_LETHAL = 0, 1, 2


@njit
def red_line_update(
    answer_lethal: float,
    answer_other: float,
    case: int,
    age: float,
    severity: int,
    responded: bool,
    weight: float,
    wait: float,
) -> tuple[float, float, int, float]:
    """The militias' belief in how surely the US answers a lethal and a non-lethal attack.

    Today's worst attack (``severity``) opens a case, or turns an open non-lethal case into a
    lethal one; an open case is answered when the US takes an answering action
    (:func:`sim.core.rules.us.answers`: the belief of its class moves by ``weight`` toward 1),
    or let go once ``wait`` days pass without one (toward 0). An exponentially weighted
    frequency of answers, by class. Returns ``(answer_lethal, answer_other, case, age)``.
    """
    if severity >= SEV_HARASSMENT:
        cls = CASE_LETHAL if severity >= SEV_LETHAL else CASE_OTHER
        if cls > case:
            case, age = cls, 0.0
        else:
            age += 1.0
    elif case != CASE_NONE:
        age += 1.0
    if case == CASE_NONE:
        return answer_lethal, answer_other, case, age
    if responded:
        target = 1.0
    elif age >= wait:
        target = 0.0
    else:
        return answer_lethal, answer_other, case, age
    if case == CASE_LETHAL:
        answer_lethal += weight * (target - answer_lethal)
    else:
        answer_other += weight * (target - answer_other)
    return answer_lethal, answer_other, CASE_NONE, 0.0


@njit
def standard_normal(u1: float, u2: float) -> float:
    """A standard normal draw from two uniforms on [0, 1) (Box & Muller 1958, *Ann. Math.
    Statist.* 29:610; ``1 - u1`` keeps the logarithm finite)."""
    return math.sqrt(-2.0 * math.log(1.0 - u1)) * math.cos(2.0 * math.pi * u2)


@njit
def rate_level_update(level: float, started: bool, sd: float, keep: float, eps: float) -> float:
    """The militias' shared latent log-rate (the common political climate) after one day.

    A stationary Gaussian AR(1) process, the daily Ornstein-Uhlenbeck step
    ``z' = keep * z + sd * sqrt(1 - keep**2) * eps`` (``keep = exp(-1 / days)``, ``days`` its
    persistence; ``sd`` its stationary standard deviation), started on its first day from the
    stationary law, ``z = sd * eps``: a state-space log-rate for overdispersed event counts, as
    the negative binomial integrated model (Behaviormetrika 2019,
    doi:10.1007/s41237-019-00093-5) with mean reversion, so that the climate of a run neither
    wanders off nor stays fixed.
    """
    if not started:
        return sd * eps
    return keep * level + sd * math.sqrt(1.0 - keep * keep) * eps


@njit
def rate_factor(level: float, sd: float) -> float:
    """The factor ``exp(z - sd**2 / 2)`` by which the latent log-rate ``z`` multiplies every
    group's attack hazard: its mean is one under the stationary law (the log-normal mean,
    ``E exp(z) = exp(sd**2 / 2)``), so the table's base rates keep their meaning; 1 exactly when
    ``sd`` is 0."""
    if sd == 0.0:
        return 1.0
    return math.exp(level - 0.5 * sd * sd)
