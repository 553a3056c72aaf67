"""The rulebook: every decision and state-update rule of the model, written once.

Each rule is a pure function of numpy arrays (state, parameters, uniform random draws) with no
hidden state and no random generator of its own. Arrays broadcast: a leading axis of 1 is one
Mesa agent, a leading axis of N is N runs of the ensemble engine (or N parameter draws of the
calibration), and militia rules accept ``(N, G)`` arrays for G groups at once. Callers shape the
parameters to match (for example ``params.p_lethal[:, None]`` against ``(N, G)`` attacks).

Randomness enters only as uniform draws in [0, 1) laid out in fixed slots (:data:`SLOTS`), one
block per run per day. Because the slots do not depend on what a policy does, run k sees the same
draws under every policy: common random numbers by construction.

Sources of each rule are named in its docstring; the numbers live in :mod:`sim.core.params`.
"""

from __future__ import annotations

import numpy as np

from sim.core import ladder
from sim.core.ladder import (
    SEV_HARASSMENT,
    SEV_INJURY,
    SEV_LETHAL,
    SEV_NONE,
    US_DECAPITATION,
    US_DIPLOMACY,
    US_PRESS_BAGHDAD,
    US_STRIKE_IRAN,
    US_STRIKE_IRAQ,
    US_STRIKE_SYRIA,
    Rung,
)

Array = np.ndarray


# --------------------------------------------------------------------------------------------
# Random-draw layout
# --------------------------------------------------------------------------------------------
def slot_layout(n_groups: int) -> dict[str, slice]:
    """Return the fixed layout of one day's uniform draws for ``n_groups`` militia groups.

    Per-group slots take ``n_groups`` columns each; the others take one column.
    """
    per_group = ["attack", "severity", "weapon", "target", "attribution", "killed", "wounded"]
    single = [
        "iran_strike",
        "iran_lethal",
        "iran_killed",
        "iran_wounded",
        "us_delay",
        "us_policy",
        "prosecution",
        "protest",
        "vote",
        "withdraw",
    ]
    out: dict[str, slice] = {}
    k = 0
    for name in per_group:
        out[name] = slice(k, k + n_groups)
        k += n_groups
    for name in single:
        out[name] = slice(k, k + 1)
        k += 1
    return out


def n_slots(n_groups: int) -> int:
    """Number of uniform draws per run per day."""
    return max(s.stop for s in slot_layout(n_groups).values())


# --------------------------------------------------------------------------------------------
# Generic pieces
# --------------------------------------------------------------------------------------------
def decay(x: Array, days: Array) -> Array:
    """One day of exponential decay with e-folding time ``days``.

    Deterrence and revenge "then decay" (issue text); the Hawkes-model literature finds
    excitation that lasts weeks (Lewis et al. 2012).
    """
    return x * np.exp(-1.0 / days)


def occurs(hazard: Array, u: Array) -> Array:
    """Bernoulli event for a daily hazard: true with probability ``1 - exp(-hazard)``."""
    return u < -np.expm1(-np.maximum(hazard, 0.0))


def geometric_count(mean: Array, u: Array) -> Array:
    """A count of at least 1 with the given mean, by inverting a geometric CDF at ``u``.

    Casualty counts are overdispersed: most lethal attacks kill one person, a few kill several
    (K-1 2019: one; Camp Taji 2020-03-11: two Americans and a Briton).
    """
    mean = np.maximum(mean, 1.0)
    q = 1.0 - 1.0 / mean  # probability of one more
    with np.errstate(divide="ignore", invalid="ignore"):
        extra = np.where(q > 0.0, np.floor(np.log1p(-u) / np.log(np.where(q > 0, q, 0.5))), 0.0)
    return 1 + extra.astype(np.int64)


# --------------------------------------------------------------------------------------------
# Iran
# --------------------------------------------------------------------------------------------
def iran_push(
    grievance: Array,
    fear: Array,
    deal_progress: Array,
    direction: Array,
    deal_restraint: Array,
    shock: Array | float,
) -> Array:
    """How hard Iran pushes (positive) or restrains (negative) its partners, in log-hazard units.

    Iran directs its partners more after its own are struck (attacks "after the US's assassination
    of Qasem Soleimani", Vox 2024), restrains them when it fears US retaliation or when a deal is
    in reach (nuclear-deal talks, Vox 2021), and regional shocks move it (the Gaza war, Vox 2024).
    Each group feels the push in proportion to its closeness (:func:`attack_hazard`).
    """
    return direction * grievance - fear - deal_restraint * deal_progress + shock


def iran_direct_strike(
    grievance: Array, fear: Array, rate: Array, present: Array, u: Array
) -> Array:
    """Whether Iran strikes US forces directly today.

    The hazard grows with Iran's grievance: Soleimani was killed on 3 January 2020 and Iran fired
    ballistic missiles at al-Asad on 8 January (Foreign Policy; Daily Beast). Fear of the US
    (log-hazard units) holds it back, as it holds back its partners. No strike once US forces
    have left Iraq (``present`` false).
    """
    return occurs(rate * grievance * np.exp(-fear), u) & present


def iran_grievance_update(
    grievance: Array,
    us_action: Array,
    iran_struck_us: Array,
    decap_grievance: Array,
    struck_grievance: Array,
    satisfaction: Array,
    days: Array,
    pulse: Array | float,
) -> Array:
    """Iran's grievance after today's events.

    Rises when the US kills an Iranian leader (decapitation, 3 January 2020) or strikes Iranian
    forces; falls by ``satisfaction`` once Iran has struck back itself (it stood down after
    8 January 2020); decays otherwise; exogenous pulses (Haniyeh's killing in Tehran, 31 July 2024)
    add to it.
    """
    g = decay(grievance, days)
    g = g + decap_grievance * (us_action == US_DECAPITATION)
    g = g + struck_grievance * (us_action == US_STRIKE_IRAN)
    g = g * np.where(iran_struck_us, 1.0 - satisfaction, 1.0)
    return g + pulse


def iran_fear_update(fear: Array, us_action: Array, strength: Array, days: Array) -> Array:
    """Iran's fear of the US: rises when the US strikes Iran itself, then decays.

    The idea of "holding Iran directly accountable" (Daily Beast 2021).
    """
    return decay(fear, days) + strength * (us_action == US_STRIKE_IRAN)


def deal_progress_update(
    progress: Array,
    us_action: Array,
    lethal_today: Array,
    rate: Array,
    setback: Array,
) -> Array:
    """Progress (0..1) toward a regional deal that binds Iran to restrain its partners.

    Grows with each day of US diplomacy (the "regional approach", Daily Beast 2021); a lethal
    attack or a US strike sets it back ("even harder when both sides are attacking each other",
    Vox 2021).
    """
    kinetic = ladder.IS_KINETIC[us_action]
    p = progress + rate * (us_action == US_DIPLOMACY)
    p = p * np.where(lethal_today | kinetic, 1.0 - setback, 1.0)
    return np.clip(p, 0.0, 1.0)


# --------------------------------------------------------------------------------------------
# Militias
# --------------------------------------------------------------------------------------------
def attack_hazard(
    base_rate: Array,
    excitation: Array,
    grievance: Array,
    fear: Array,
    closeness: Array,
    push: Array,
    exposure: Array,
    present: Array,
) -> Array:
    """Daily attack hazard of a militia group.

    ``(base + self-excitation + revenge) * exp(closeness * Iranian push - fear) * exposure``.
    The additive part is a Hawkes intensity (Lewis et al. 2012); fear after costly US retaliation
    divides it (deterrence); Iran's direction reaches each group in proportion to its closeness
    ("Iran's allies sometimes act without explicit instruction", Vox 2024); consolidation onto
    fewer bases leaves fewer targets (Daily Beast 2021). Zero once US forces have left.
    """
    level = base_rate + excitation + grievance
    return level * np.exp(closeness * push - fear) * exposure * present


def _masked(mask: Array, *arrays: Array) -> list[Array]:
    """The elements of each array (broadcast to ``mask``'s shape) where ``mask`` is true.

    Attacks are rare, so the severity and casualty rules work on the attacked entries only."""
    idx = np.nonzero(mask)
    return [np.broadcast_to(a, mask.shape)[idx] for a in arrays]


def attack_severity(
    attacked: Array,
    u_severity: Array,
    u_weapon: Array,
    u_target: Array,
    air_defence: Array,
    p_injury: Array,
    p_lethal: Array,
    drone_share: Array,
    drone_multiplier: Array,
    embassy_share: Array,
    embassy_multiplier: Array,
) -> Array:
    """Severity class of each attack: none, harassment, injuries, or deaths.

    The casualty chances of an undefended rocket attack on a base are scaled by the weapon
    (drones are guided), the target (the embassy compound is hardened and has C-RAM, defence
    news 2020-12-20) and the share of fire that air defence stops (Patriots by July 2020).
    """
    sev = np.zeros(attacked.shape, dtype=np.int64)
    if not attacked.any():
        return sev
    us, uw, ut, ad, pinj, pleth, ds, dm, es, em = _masked(
        attacked, u_severity, u_weapon, u_target, air_defence, p_injury, p_lethal,
        drone_share, drone_multiplier, embassy_share, embassy_multiplier,
    )  # fmt: skip
    mult = np.where(uw < ds, dm, 1.0) * np.where(ut < es, em, 1.0) * (1.0 - ad)
    pl = np.clip(pleth * mult, 0.0, 1.0)
    pi = np.clip(pinj * mult, 0.0, 1.0 - pl)
    sev[attacked] = np.where(
        us < pl, SEV_LETHAL, np.where(us < pl + pi, SEV_INJURY, SEV_HARASSMENT)
    )
    return sev


def casualties(
    severity: Array, u_killed: Array, u_wounded: Array, killed_mean: Array, wounded_mean: Array
) -> tuple[Array, Array]:
    """US killed and wounded by each attack, given its severity class.

    A lethal attack kills at least one and may wound others (Taji 2020-03-11); an injuring
    attack wounds at least one (Taji 2020-03-14: three Americans).
    """
    killed = np.zeros(severity.shape, dtype=np.int64)
    wounded = np.zeros(severity.shape, dtype=np.int64)
    hurt = severity >= SEV_INJURY
    if hurt.any():
        sev, uk, uw, km, wm = _masked(
            hurt, severity, u_killed, u_wounded, killed_mean, wounded_mean
        )
        lethal = sev == SEV_LETHAL
        killed[hurt] = np.where(lethal, geometric_count(km, uk), 0)
        wounded[hurt] = geometric_count(wm, uw) - lethal
    return killed, wounded


def iran_strike_casualties(
    struck: Array,
    u_lethal: Array,
    u_killed: Array,
    u_wounded: Array,
    p_lethal: Array,
    killed_mean: Array,
    wounded_mean: Array,
) -> tuple[Array, Array]:
    """US killed and wounded by a direct Iranian strike.

    The 8 January 2020 ballistic-missile strike killed nobody and wounded "more than 100"
    (Foreign Policy) or "dozens" (Vox 2021); the mean wounded sits between the two.
    """
    killed = np.zeros(struck.shape, dtype=np.int64)
    wounded = np.zeros(struck.shape, dtype=np.int64)
    if struck.any():
        ul, uk, uw, pl, km, wm = _masked(
            struck, u_lethal, u_killed, u_wounded, p_lethal, killed_mean, wounded_mean
        )
        killed[struck] = np.where(ul < pl, geometric_count(km, uk), 0)
        wounded[struck] = geometric_count(wm, uw)
    return killed, wounded


def attributed(attacked: Array, u_attribution: Array, deniability: Array) -> Array:
    """Whether the US can name the group behind each attack.

    Most attacks go unclaimed, and front groups give deniability ("outlaw group", defence news
    2020-12-20); "if you don't name the perpetrator, you don't have to react" (Daily Beast 2021).
    """
    return attacked & (u_attribution >= deniability)


def excitation_update(excitation: Array, attacked: Array, ratio: Array, days: Array) -> Array:
    """Self-excitation after today's attacks (Hawkes kernel, Lewis et al. 2012).

    Each attack adds ``ratio / days`` to the hazard, decaying with e-folding time ``days``, so
    it brings ``ratio`` follow-on attacks in expectation (the branching ratio).
    """
    return decay(excitation, days) + attacked * (ratio / days)


def grievance_update(
    grievance: Array,
    struck: Array,
    struck_total: Array,
    revenge_attacks: Array,
    days: Array,
    spillover: Array,
    pulse: Array | float,
) -> Array:
    """Revenge: grievance after being struck, then decay.

    ``struck`` is the strike intensity the group suffered today, ``struck_total`` the sum over
    all groups (other groups feel ``spillover`` of it). A unit of intensity adds
    ``revenge_attacks / days`` to the hazard, about ``revenge_attacks`` extra attacks over its
    life (after the 2020-03-12 strikes Taji was hit again on 03-14, Foreign Policy).
    Exogenous pulses (the Soleimani anniversary, defence news), in strike-intensity units, are
    felt by every group as if it had been struck.
    """
    felt = struck + spillover * (struck_total - struck) + pulse
    return decay(grievance, days) + felt * (revenge_attacks / days)


def fear_update(
    fear: Array,
    struck: Array,
    prosecuted: Array,
    strength: Array,
    prosecution_fear: Array,
    days: Array,
) -> Array:
    """Deterrence: attack propensity drops after costly retaliation, then decays.

    Fear (a log-hazard reduction) jumps by ``strength`` per unit of strike intensity and by
    ``prosecution_fear`` when members are charged. Weak in the record: the 2021-02-25 strike was
    followed six days later by the al-Asad attack (Vox 2021).
    """
    return decay(fear, days) + strength * struck + prosecution_fear * prosecuted


# --------------------------------------------------------------------------------------------
# United States
# --------------------------------------------------------------------------------------------
def pending_update(
    pending_severity: Array,
    pending_group: Array,
    pending_killed: Array,
    pending_age: Array,
    pending_iran: Array,
    severity: Array,
    is_attributed: Array,
    killed: Array,
    iran_struck_us: Array,
    iran_killed: Array,
    window: Array,
) -> tuple[Array, Array, Array, Array, Array]:
    """The US memory of unanswered attacks, which the policies respond to.

    Keeps the most severe unanswered attack (and the group it is attributed to, -1 if nobody is
    named), the Americans killed since the last response, and whether Iran struck directly. The
    memory lapses ``window`` days after the last attack ("weeks of rocket launches" preceded the
    2021-02-25 response, Vox 2021).
    """
    sev_today = severity.max(axis=-1)
    worst = severity.argmax(axis=-1)
    named = np.take_along_axis(is_attributed, worst[..., None], axis=-1)[..., 0]
    group_today = np.where(named, worst, -1)
    new = (sev_today > SEV_NONE) | iran_struck_us
    age = np.where(new, 0, pending_age + 1)
    stale = age > window
    take = sev_today >= np.maximum(pending_severity, SEV_HARASSMENT)
    sev = np.where(take, sev_today, pending_severity)
    grp = np.where(take, group_today, pending_group)
    kil = pending_killed + killed.sum(axis=-1) + iran_killed
    ir = pending_iran | iran_struck_us
    return (
        np.where(stale, SEV_NONE, sev),
        np.where(stale, -1, grp),
        np.where(stale, 0, kil),
        age,
        np.where(stale, False, ir),
    )


def us_acts_today(wants: Array, u_delay: Array, response_delay: Array) -> Array:
    """Whether a wanted response is carried out today (a geometric delay of mean
    ``response_delay`` days; K-1 to the strikes: 2 days, Taji: 1, Erbil to Syria: 10).

    Diplomacy is continuous and not delayed.
    """
    reactive = (wants != ladder.US_NONE) & (wants != US_DIPLOMACY)
    go = u_delay < 1.0 / response_delay
    return np.where(reactive & ~go, ladder.US_NONE, wants)


def us_response(
    wants: Array,
    intensity: Array,
    forgive: Array,
    u_delay: Array,
    response_delay: Array,
    present: Array,
) -> tuple[Array, Array, Array]:
    """Turn a policy's wish into today's action: ``(action, intensity, answered)``.

    The response comes after a delay (:func:`us_acts_today`); a policy that forgives lets the
    matter go when the moment to act comes, which also counts as an answer (the memory of the
    attack is cleared). No response once US forces have left Iraq.
    """
    acted = us_acts_today(wants, u_delay, response_delay) * present
    answered = answers(acted)
    action = np.where(forgive & answered, ladder.US_NONE, acted)
    return action, np.where(action != ladder.US_NONE, intensity, 0.0), answered


def answers(action: Array) -> Array:
    """Whether an action answers the pending attacks (all but none and diplomacy)."""
    return (action != ladder.US_NONE) & (action != US_DIPLOMACY)


def forced_intensity(action: Array, params) -> Array:
    """Intensity of a US action taken from the record (replay): the parameter of its kind."""
    return np.select(
        [
            action == US_STRIKE_SYRIA,
            action == US_STRIKE_IRAQ,
            action == US_DECAPITATION,
            action != ladder.US_NONE,
        ],
        [params.intensity_syria, params.intensity_iraq, params.intensity_decapitation, 1.0],
        default=0.0,
    )


def clear_pending(
    answered: Array,
    pending_severity: Array,
    pending_group: Array,
    pending_killed: Array,
    pending_iran: Array,
) -> tuple[Array, Array, Array, Array]:
    """Forget the attacks the US has just answered (diplomacy answers nothing)."""
    return (
        np.where(answered, 0, pending_severity),
        np.where(answered, -1, pending_group),
        np.where(answered, 0, pending_killed),
        np.where(answered, False, pending_iran),
    )


def strike_target(pending_group: Array) -> Array:
    """The group the US strikes: the one it named, or else the presumed parent, Kata'ib Hezbollah
    (index 0), blamed for unclaimed attacks (K-1 2019: "The Trump administration blamed Kata'ib
    Hezbollah, but the Iraqi government has since cast doubt", Foreign Policy)."""
    return np.where(pending_group >= 0, pending_group, 0)


def strike_matrix(action: Array, intensity: Array, target: Array, n_groups: int) -> Array:
    """Strike intensity suffered by each militia group, shape ``(..., G)``.

    Strikes in Syria, in Iraq and decapitations hit the target group; strikes on Iran and
    non-kinetic actions hit no militia.
    """
    hits = ladder.HITS_MILITIA[action]
    onehot = np.arange(n_groups) == target[..., None]
    return onehot * (intensity * hits)[..., None]


def air_defence_update(air_defence: Array, hit_hard: Array, build: Array, ceiling: Array) -> Array:
    """Air defence grows after deaths or an Iranian strike (Patriots sent by July 2020)."""
    return np.where(hit_hard, np.minimum(air_defence + build, ceiling), air_defence)


def exposure_update(exposure: Array, lethal_today: Array, step: Array, floor: Array) -> Array:
    """Consolidation onto fewer bases after deaths (K-1, Q-West, Taji left in 2020)."""
    return np.where(lethal_today, np.maximum(exposure - step, floor), exposure)


def withdrawal(
    withdrawn: Array,
    voted: Array,
    cum_killed: Array,
    pressure: Array,
    u: Array,
    rate: Array,
    pressure_gain: Array,
    tolerance: Array,
) -> Array:
    """US withdrawal from Iraq: after an expulsion vote, with a daily hazard that grows with
    Iraqi political pressure, or at once past the casualty tolerance.

    Nothing in the record withdrew: about 2,500 troops remained in August 2024 after the 2020
    vote and Sudani's January 2024 announcement (Vox 2024). Strikes that violate Iraqi
    sovereignty "led to requests for the US to leave" (Daily Beast 2021), hence the pressure
    term.
    """
    hazard = rate * (1.0 + pressure_gain * pressure)
    return withdrawn | (voted & occurs(hazard, u)) | (cum_killed >= tolerance)


# --------------------------------------------------------------------------------------------
# Iraqi government
# --------------------------------------------------------------------------------------------
def iraq_pressure_update(
    pressure: Array,
    us_action: Array,
    intensity: Array,
    cost_iraq: Array,
    cost_syria: Array,
    cost_decapitation: Array,
    press_cost: Array,
    days: Array,
) -> Array:
    """Iraqi political pressure on the US presence after US actions.

    US strikes inside Iraq violate sovereignty (Iraq accused the US of killing its soldiers on
    2020-03-12); strikes in Syria barely do ("did not violate Iraqi sovereignty", Daily Beast
    2021); a decapitation on Iraqi soil costs the most (the expulsion vote of 2020-01-05); US
    demands to prosecute militias carry a political cost too.
    """
    p = decay(pressure, days)
    p = p + cost_iraq * intensity * (us_action == US_STRIKE_IRAQ)
    p = p + cost_syria * intensity * (us_action == US_STRIKE_SYRIA)
    p = p + cost_decapitation * (us_action == US_DECAPITATION)
    return p + press_cost * (us_action == US_PRESS_BAGHDAD)


def expulsion_vote(voted: Array, pressure: Array, threshold: Array, rate: Array, u: Array) -> Array:
    """Parliament's vote to expel US forces, once pressure exceeds a threshold (2020-01-05).

    Both engines pass the pressure as it stood at the start of the day, so parliament answers a
    US action the next day at the earliest (the vote came two days after the decapitation).
    """
    return voted | occurs(rate * np.maximum(pressure - threshold, 0.0), u)


def protest(pressure: Array, rate: Array, u: Array) -> Array:
    """Threats and protests (rung 1), such as the storming of the embassy on 2019-12-31, two
    days after the US strikes (both engines pass the pressure of the start of the day)."""
    return occurs(rate * pressure, u)


def prosecution(us_action: Array, u: Array, rate: Array) -> Array:
    """Whether Baghdad charges the group the US pressed it about ("No militias have ever been
    charged", Daily Beast 2021, hence a small rate)."""
    return (us_action == US_PRESS_BAGHDAD) & (u < rate)


# --------------------------------------------------------------------------------------------
# The ladder
# --------------------------------------------------------------------------------------------
_SEV_RUNG = np.array([Rung.QUIET, Rung.HARASSMENT, Rung.INJURY, Rung.LETHAL])
_US_RUNG = np.array([int(ladder.US_ACTION_RUNG[k]) for k in sorted(ladder.US_ACTION_RUNG)])


def rung_today(
    severity: Array, protested: Array, us_action: Array, iran_struck_us: Array, war: Array
) -> Array:
    """The highest rung of the escalation ladder reached today (:class:`sim.core.ladder.Rung`)."""
    r = _SEV_RUNG[severity.max(axis=-1)]
    r = np.maximum(r, np.where(protested, Rung.THREAT, Rung.QUIET))
    r = np.maximum(r, _US_RUNG[us_action])
    r = np.maximum(r, np.where(iran_struck_us, Rung.DIRECT, Rung.QUIET))
    return np.maximum(r, np.where(war, Rung.WAR, Rung.QUIET))


def war_update(
    exchanges: Array, war: Array, iran_struck_us: Array, us_action: Array, threshold: Array
) -> tuple[Array, Array]:
    """Count direct US–Iran strikes; a sustained war begins at ``threshold`` of them."""
    ex = exchanges + iran_struck_us + (us_action == US_STRIKE_IRAN)
    return ex, war | (ex >= threshold)
