"""The day: the order of play, the draws, forcing, the state updates and the tally, written once.

One simulated day of one run is the sequence of phases of :func:`run_day` (their names, in
order: :data:`PHASES`), each a compiled function of the run's row ``R[i]`` (state, today's
events, outcomes, parameters: :mod:`sim.core.layout`), the day ``t`` and the run's draw key
``rk`` (:mod:`sim.core.draws`):

1. ``begin_day``: today's events are cleared;
2. ``iran_act``: Iran's push on its partners (with the day's shocks, less its restraint of
   them when its perceived risk of direct war is above a threshold) and its direct strike on the
   grievance above a threshold (or the record's, when forced); at war, more likely and deadlier;
3. ``militia_act`` (each group): the day's step of the groups' shared latent log-rate (the
   political climate, once a day: :func:`rate_factor_today`); attack, severity (aimed below
   the red line and lower with fear: :mod:`sim.core.red_line`), casualties, attribution; held
   back by a truce and by Baghdad's pressure (:mod:`sim.core.truces`); at war, more and
   deadlier;
4. ``count_day``: the day's attacks and US casualties (every count of the model comes from
   here; it only counts);
5. ``attack_losses``: the coalition members and contractors hurt by the day's attacks that hurt
   Americans (one draw for the day, on the count of those attacks);
6. ``us_observe``: the US memory of unanswered attacks;
7. ``us_decide``: the policy's wish (compiled built-in policies; a Python policy instead
   writes ``want_*`` between phases 6 and 8);
8. ``us_act``: the response after the delay, or the record's action when forced; the target
   (the named group, or the blamed one: a misdirected strike) and the Iraqis it harms
   (:mod:`sim.core.strikes`);
9. ``iraq_react``: prosecution, protests and the vote on the morning's pressure (or the
   record's vote), then the pressure after today's US action (more if misdirected);
10. ``red_line_update``: the militias' shared reading of the US red line after today's attacks
    and answer (:mod:`sim.core.red_line`);
11. ``militia_update`` (each group): self-excitation, revenge, deterrence, truces (a group
    Iran restrains may declare a suspension);
12. ``iran_update``: Iran's grievance (at the US, and at third parties), fear, the deal and its
    perceived risk of direct war;
13. ``us_update``: posture, cumulative deaths, the withdrawal timetable
    (:mod:`sim.core.timetable`), withdrawal (negotiated or forced; frozen while the US is
    forced) and the direct exchanges: war begins after reciprocal direct strikes
    (:func:`sim.core.rules.escalation.war_update`);
14. ``end_day``: the rung of the day and the tally of the outcomes and daily series.

Phases 4 and 14, the counts and the tally, are in :mod:`sim.core.tally`. The ensemble engine
runs :func:`run_day` over N runs (:mod:`sim.core.kernels`); the Mesa model's ``step`` calls the
same phases in the same order, each through the actor that plays it
(:mod:`sim.engines.mesa.agents`), so the two engines cannot drift.

The militia groups act in any order: within ``militia_act`` and ``militia_update`` a group
reads and writes only its own columns, its own draws (slot ``+ g``), and the day's sums of
Iraqis harmed, which add whole numbers; the factor on the attack hazard that the groups out of
truce share is the same whichever computes it (:func:`sim.core.truces.attack_factor`). So the
Mesa model, which shuffles the groups each day as Mesa's examples do, gives the ensemble's
numbers exactly, for any order.
"""

from __future__ import annotations

from sim.core import draws, truces
from sim.core.jit import njit
from sim.core.ladder import (
    US_NONE,
    US_PRESS_BAGHDAD,
)
from sim.core.layout import DC, FC, FORCED_INTENSITY, PC, SC, XC, G
from sim.core.policies import decide
from sim.core.red_line import aim_of, red_line_day
from sim.core.rules import common, escalation, iran, iraq, losses, militia, us
from sim.core.strikes import aim_and_harm
from sim.core.tally import count_day, end_day
from sim.core.timetable import timetable_after_day


@njit(inline="always")
def forced(F, row: int, t: int, i: int) -> int:
    """The record's value for ``row`` (US action, Iran's strike, the vote) on day ``t`` of run
    ``i``, or -1 where the record does not force it."""
    if F.shape[1] == 0:
        return -1
    return int(F[row, t, i if F.shape[2] > 1 else 0])


@njit(inline="always")
def begin_day(i, R):
    """Phase 1: clear today's events."""
    for c in range(DC.push, DC.end):
        R[i, c] = 0.0
    R[i, DC.action] = US_NONE


@njit(inline="always")
def iran_act(i, t, R, X, F, rk):
    """Phase 2: Iran's push on its partners and its direct strike on US forces."""
    present = R[i, SC.withdrawn] == 0
    shock = iran.shock_push(X[t, XC.iran_direction], X[t, XC.iran_restraint])
    R[i, DC.push] = iran.iran_push(
        R[i, SC.iran_grievance] + R[i, SC.iran_grievance_third_party],
        R[i, SC.iran_fear],
        R[i, SC.deal_progress],
        R[i, PC.iran_direction],
        R[i, PC.deal_restraint],
        shock,
    )
    # above the threshold of perceived war risk Iran reins its partners in (0 below it)
    R[i, DC.restraint] = iran.patron_restraint(
        R[i, SC.iran_war_risk], R[i, PC.war_risk_threshold], R[i, PC.patron_restraint]
    )
    R[i, DC.push] -= R[i, DC.restraint]
    f = forced(F, FC.iran, t, i)
    if f >= 0:
        struck = f == 1 and present
    else:
        h = iran.strike_hazard(
            R[i, SC.iran_grievance],
            R[i, SC.iran_fear],
            R[i, PC.iran_strike_rate],
            present,
            R[i, PC.iran_strike_threshold],
        ) * escalation.at_war(R[i, SC.war] != 0, R[i, PC.war_iran_strike_factor])
        struck = common.event(h, rk, t, draws.IRAN_STRIKE)
    if struck:
        war_casualties = escalation.at_war(R[i, SC.war] != 0, R[i, PC.war_casualty_factor])
        k, w = iran.strike_casualties(
            draws.uniform(rk, t, draws.IRAN_LETHAL),
            draws.uniform(rk, t, draws.IRAN_KILLED),
            draws.uniform(rk, t, draws.IRAN_WOUNDED),
            R[i, PC.iran_strike_p_lethal],
            R[i, PC.killed_mean] * war_casualties,
            R[i, PC.iran_strike_wounded_mean] * war_casualties,
        )
        R[i, DC.iran_struck], R[i, DC.iran_killed], R[i, DC.iran_wounded] = 1.0, k, w


@njit(inline="always")
def rate_factor_today(i, t, R, rk) -> float:
    """The factor of the militias' shared latent log-rate on every group's attack hazard today
    (:func:`sim.core.rules.militia.rate_factor`), after the day's step of the log-rate
    (:func:`sim.core.rules.militia.rate_level_update`).

    The process is the groups' common climate, so it moves once a day, by the first group to
    act, and its factor is kept in ``DC.rate_factor`` (positive; 0 until then, as
    :func:`begin_day` leaves it), so the order in which the groups act does not matter. With a
    zero spread (``rate_noise_sd``, the default) it draws nothing and the factor is 1."""
    f = R[i, DC.rate_factor]
    if f != 0.0:
        return f
    sd = R[i, PC.rate_noise_sd]
    if sd != 0.0:
        eps = militia.standard_normal(
            draws.uniform(rk, t, draws.RATE_NOISE), draws.uniform(rk, t, draws.RATE_NOISE_ANGLE)
        )
        R[i, SC.rate_level] = militia.rate_level_update(
            R[i, SC.rate_level],
            R[i, SC.rate_started] != 0,
            sd,
            R[i, PC.keep_rate_noise_days],
            eps,
        )
        R[i, SC.rate_started] = 1.0
    f = militia.rate_factor(R[i, SC.rate_level], sd)
    R[i, DC.rate_factor] = f
    return f


@njit(inline="always")
def militia_act(i, t, g, R, F, rk):
    """Phase 3, group ``g``: the record's truce if forced; whether it attacks (suppressed in
    truce, deterred by Baghdad: :mod:`sim.core.truces`; raised or lowered by the groups' common
    climate: :func:`rate_factor_today`); its attack's severity, casualties, attribution and the
    Iraqis it harms."""
    truces.force_truce(i, g, R, forced(F, FC.truce, t, i))
    # the common climate, off (a factor of exactly 1, nothing drawn) at a zero spread
    climate = rate_factor_today(i, t, R, rk) if R[i, PC.rate_noise_sd] != 0.0 else 1.0
    h = militia.attack_hazard(
        R[i, PC.base_rate + g],
        R[i, SC.excitation + g],
        R[i, SC.grievance + g],
        R[i, SC.fear + g],
        R[i, PC.closeness + g],
        R[i, DC.push],
        R[i, SC.exposure],
        R[i, SC.withdrawn] == 0,
    ) * escalation.at_war(R[i, SC.war] != 0, R[i, PC.war_militia_factor])
    if h > 0.0:  # a zero hazard stays zero whatever the factor
        h *= truces.attack_factor(i, g, R)
        if climate != 1.0:
            h *= climate
    if common.event(h, rk, t, draws.ATTACK + g):
        aim = aim_of(i, g, R)  # the group chooses how lethal to be (strategic severity)
        sev = militia.attack_severity(
            draws.uniform(rk, t, draws.SEVERITY + g),
            draws.uniform(rk, t, draws.WEAPON + g),
            draws.uniform(rk, t, draws.TARGET + g),
            R[i, SC.air_defence],
            R[i, PC.p_injury] * aim,
            R[i, PC.p_lethal] * aim,
            R[i, PC.drone_share],
            R[i, PC.drone_multiplier],
            R[i, PC.embassy_share],
            R[i, PC.embassy_multiplier],
        )
        war_casualties = escalation.at_war(R[i, SC.war] != 0, R[i, PC.war_casualty_factor])
        k, w = militia.casualties(
            sev,
            draws.uniform(rk, t, draws.KILLED + g),
            draws.uniform(rk, t, draws.WOUNDED + g),
            R[i, PC.killed_mean] * war_casualties,
            R[i, PC.wounded_mean] * war_casualties,
            R[i, PC.lethal_wounded_offset],
        )
        conf = militia.attributed(
            draws.uniform(rk, t, draws.ATTRIBUTION + g), R[i, PC.deniability + g]
        )
        R[i, DC.attacked + g], R[i, DC.severity + g] = 1.0, sev
        R[i, DC.killed + g], R[i, DC.wounded + g], R[i, DC.confidence + g] = k, w, conf
        truces.harm_iraqis(i, t, g, R, rk)


@njit(inline="always")
def attack_losses(i, t, R, rk):
    """Phase 5: the non-US coalition members and contractors killed and wounded by the day's
    attacks that hurt Americans, as ``count_day`` counted them
    (:func:`sim.core.rules.losses.coalition_casualties`; at war, deadlier): one draw each for the
    day."""
    hurt = R[i, DC.injuring]
    if hurt > 0:
        war = escalation.at_war(R[i, SC.war] != 0, R[i, PC.war_casualty_factor])
        R[i, DC.coalition_killed], R[i, DC.coalition_wounded] = losses.coalition_casualties(
            hurt * war,
            draws.uniform(rk, t, draws.COALITION_KILLED),
            draws.uniform(rk, t, draws.COALITION_WOUNDED),
            R[i, PC.coalition_killed_mean],
            R[i, PC.coalition_wounded_mean],
        )


@njit(inline="always")
def us_observe(i, R):
    """Phase 6: the US memory of unanswered attacks after today's."""
    sev, grp, conf = us.worst_attack(
        R[i, DC.severity : DC.severity + G], R[i, DC.confidence : DC.confidence + G]
    )
    (
        R[i, SC.pending_severity],
        R[i, SC.pending_group],
        R[i, SC.pending_confidence],
        R[i, SC.pending_killed],
        R[i, SC.pending_age],
        R[i, SC.pending_iran],
    ) = us.pending_update(
        int(R[i, SC.pending_severity]),
        int(R[i, SC.pending_group]),
        R[i, SC.pending_confidence],
        int(R[i, SC.pending_killed]),
        int(R[i, SC.pending_age]),
        R[i, SC.pending_iran] != 0,
        sev,
        grp,
        conf,
        int(R[i, DC.killed_total]),
        R[i, DC.iran_struck] != 0,
        R[i, PC.response_window],
    )


@njit(inline="always")
def us_decide(i, t, code, R, rk):
    """Phase 7: the wish of built-in policy ``code`` (:func:`sim.core.policies.decide`)."""
    a, x, fg = decide(
        code,
        int(R[i, SC.pending_severity]),
        us.named_group(int(R[i, SC.pending_group]), R[i, SC.pending_confidence]),
        R[i, SC.pending_confidence],
        int(R[i, SC.pending_killed]),
        R[i, SC.pending_iran] != 0,
        R[i],
        draws.uniform(rk, t, draws.US_POLICY),
    )
    R[i, DC.want_action], R[i, DC.want_intensity], R[i, DC.forgive] = a, x, fg


@njit(inline="always")
def us_act(i, t, R, F, rk):
    """Phase 8: today's US action (the policy's wish after the delay, or the record's), its
    target, and the memory cleared of what it answers."""
    present = R[i, SC.withdrawn] == 0
    f = forced(F, FC.us, t, i)
    if f >= 0:
        action = f if present else US_NONE
        c = FORCED_INTENSITY[action]  # the intensity parameter of the record's action
        x = R[i, c] if c >= 0 else 0.0
        answered = us.answers(action)
    else:
        action, x, answered = us.response(
            int(R[i, DC.want_action]),
            R[i, DC.want_intensity],
            R[i, DC.forgive] != 0,
            draws.uniform(rk, t, draws.US_DELAY),
            R[i, PC.response_delay],
            present,
        )
    R[i, DC.action], R[i, DC.intensity], R[i, DC.answered] = action, x, answered
    aim_and_harm(i, t, R, rk)
    if answered:
        R[i, SC.pending_severity], R[i, SC.pending_group] = 0.0, -1.0
        R[i, SC.pending_confidence], R[i, SC.pending_killed], R[i, SC.pending_iran] = 0.0, 0.0, 0.0


@njit(inline="always")
def iraq_react(i, t, R, F, rk):
    """Phase 9: prosecution if pressed; protests and the vote on the morning's pressure; then
    the pressure after today's US action."""
    action = int(R[i, DC.action])
    pros = False
    if action == US_PRESS_BAGHDAD:
        pros = iraq.prosecution(
            action, draws.uniform(rk, t, draws.PROSECUTION), R[i, PC.prosecution_rate]
        )
    R[i, DC.prosecuted] = pros
    pressure = R[i, SC.iraq_pressure]
    R[i, DC.protested] = common.event(
        iraq.protest_hazard(pressure, R[i, PC.protest_rate], R[i, SC.withdrawn] == 0),
        rk,
        t,
        draws.PROTEST,
    )
    f = forced(F, FC.vote, t, i)
    if f >= 0:
        vote = f == 1
    else:
        vote = common.event(
            iraq.vote_hazard(pressure, R[i, PC.vote_threshold], R[i, PC.vote_rate]),
            rk,
            t,
            draws.VOTE,
        )
    if vote:
        R[i, SC.voted] = 1.0
    R[i, SC.iraq_pressure] = iraq.pressure_update(
        pressure,
        action,
        R[i, DC.intensity],
        R[i, PC.sovereignty_cost_iraq],
        R[i, PC.sovereignty_cost_syria],
        R[i, PC.sovereignty_cost_decapitation],
        R[i, PC.press_cost],
        R[i, PC.keep_pressure_days],
    ) + iraq.misdirection_cost(
        action, R[i, DC.intensity], R[i, DC.misdirected] != 0, R[i, PC.misdirected_cost]
    )
    truces.baghdad_update(i, R)


@njit(inline="always")
def red_line_update(i, R):
    """Phase 10: the militias' shared reading of the US red line after today's attacks and
    today's answer (:func:`sim.core.red_line.red_line_day`)."""
    red_line_day(i, R)


@njit(inline="always")
def militia_update(i, t, g, R, X, F, rk):
    """Phase 11, group ``g``: self-excitation, revenge, deterrence, and a truce declared or
    ended (at once if the US struck the group) after the day."""
    action, x, target = int(R[i, DC.action]), R[i, DC.intensity], int(R[i, DC.target])
    hit = us.struck(g, action, x, target)
    R[i, SC.excitation + g] = militia.excitation_update(
        R[i, SC.excitation + g],
        R[i, DC.attacked + g] != 0,
        R[i, PC.excitation_jump],
        R[i, PC.keep_excitation_days],
    )
    R[i, SC.grievance + g] = militia.grievance_update(
        R[i, SC.grievance + g],
        hit,
        us.struck_total(action, x),
        R[i, PC.revenge_attacks],
        R[i, PC.revenge_days],
        R[i, PC.keep_revenge_days],
        R[i, PC.revenge_spillover],
        X[t, XC.militia_grievance],
        R[i, DC.attacked + g] != 0,
        R[i, PC.revenge_satisfaction],
    )
    R[i, SC.fear + g] = militia.fear_update(
        R[i, SC.fear + g],
        hit,
        iraq.prosecuted_group(g, target, R[i, DC.prosecuted] != 0),
        R[i, PC.deterrence_strength],
        R[i, PC.prosecution_fear],
        R[i, PC.keep_deterrence_days],
    )
    truces.truce_after_day(i, t, g, R, rk, forced(F, FC.truce, t, i), hit)


@njit(inline="always")
def iran_update(i, t, R, X):
    """Phase 12: Iran's grievance, fear, the deal's progress and its perceived risk of direct war
    after the day (the deal's progress already today's)."""
    action, x, struck = int(R[i, DC.action]), R[i, DC.intensity], R[i, DC.iran_struck] != 0
    R[i, SC.iran_grievance] = iran.grievance_update(
        R[i, SC.iran_grievance],
        action,
        x,
        struck,
        R[i, PC.iran_decap_grievance],
        R[i, PC.iran_commander_grievance],
        R[i, PC.iran_fighters_grievance],
        R[i, PC.iran_struck_grievance],
        R[i, PC.iran_satisfaction],
        R[i, PC.keep_iran_grievance_days],
        X[t, XC.iran_grievance],
    )
    R[i, SC.iran_grievance_third_party] = iran.third_party_grievance_update(
        R[i, SC.iran_grievance_third_party],
        R[i, PC.keep_iran_grievance_days],
        X[t, XC.iran_grievance_third_party],
    )
    R[i, SC.iran_fear] = iran.fear_update(
        R[i, SC.iran_fear], action, x, R[i, PC.iran_fear_strength], R[i, PC.keep_iran_fear_days]
    )
    R[i, SC.deal_progress] = iran.deal_progress_update(
        R[i, SC.deal_progress],
        action,
        R[i, DC.lethal_today] != 0,
        R[i, PC.deal_rate],
        R[i, PC.deal_setback],
    )
    R[i, SC.iran_war_risk] = iran.war_risk_update(
        R[i, SC.iran_war_risk],
        R[i, DC.killed_total] - R[i, DC.iran_killed],
        action,
        x,
        R[i, SC.deal_progress],
        R[i, PC.war_risk_killed],
        R[i, PC.war_risk_strike],
        R[i, PC.war_risk_deal],
        R[i, PC.keep_war_risk_days],
    )


@njit(inline="always")
def us_update(i, t, R, F, rk):
    """Phase 13: posture, cumulative deaths, withdrawal, and the count of direct exchanges.

    A replay that forces the US action fixes the US presence to the record's too (withdrawal is
    a US decision), so withdrawal does not move on a forced day."""
    lethal, struck = R[i, DC.lethal_today] != 0, R[i, DC.iran_struck] != 0
    R[i, SC.air_defence] = us.air_defence_update(
        R[i, SC.air_defence], lethal or struck, R[i, PC.air_defence_build], R[i, PC.air_defence_max]
    )
    R[i, SC.exposure] = us.exposure_update(
        R[i, SC.exposure], lethal, R[i, PC.consolidation_step], R[i, PC.exposure_min]
    )
    R[i, SC.cum_killed] += R[i, DC.killed_total]
    free = forced(F, FC.us, t, i) < 0
    timetable_after_day(i, R, free and R[i, SC.withdrawn] == 0)
    if free and R[i, SC.withdrawn] == 0:
        h = us.withdrawal_hazard(
            R[i, SC.voted] != 0,
            R[i, SC.iraq_pressure],
            R[i, PC.withdraw_rate],
            R[i, PC.withdraw_pressure],
        )
        if us.withdraws_at_once(R[i, SC.cum_killed], R[i, PC.casualty_tolerance]) or common.event(
            h, rk, t, draws.WITHDRAW
        ):
            R[i, SC.withdrawn] = 1.0
    (
        R[i, SC.exchanges],
        R[i, SC.since_iran_strike],
        R[i, SC.since_us_strike_iran],
        R[i, SC.war],
    ) = escalation.war_update(
        int(R[i, SC.exchanges]),
        int(R[i, SC.since_iran_strike]),
        int(R[i, SC.since_us_strike_iran]),
        R[i, SC.war] != 0,
        struck,
        int(R[i, DC.action]),
        R[i, PC.war_exchanges],
        R[i, PC.war_window],
    )


#: The phases of :func:`run_day`, in its order (both engines call them so: a test records it).
PHASES: tuple[str, ...] = (
    "begin_day",
    "iran_act",
    "militia_act",
    "count_day",
    "attack_losses",
    "us_observe",
    "us_decide",
    "us_act",
    "iraq_react",
    "red_line_update",
    "militia_update",
    "iran_update",
    "us_update",
    "end_day",
)
#: How much of the day :func:`run_day` plays: all of it, the phases before the US decision, or
#: those after it (a Python policy decides in between, :mod:`sim.core.kernels`).
WHOLE_DAY, BEFORE_DECISION, AFTER_DECISION = 0, 1, 2


@njit(inline="always")
def run_day(i, t, code, R, X, F, L, rk, part=WHOLE_DAY):
    """One day of run ``i`` under built-in policy ``code``: the phases in order (``part``: all
    of them, or the part before or after the US decision)."""
    if part != AFTER_DECISION:
        begin_day(i, R)
        iran_act(i, t, R, X, F, rk)
        for g in range(G):
            militia_act(i, t, g, R, F, rk)
        count_day(i, R)
        attack_losses(i, t, R, rk)
        us_observe(i, R)
    if part == WHOLE_DAY:
        us_decide(i, t, code, R, rk)
    if part != BEFORE_DECISION:
        us_act(i, t, R, F, rk)
        iraq_react(i, t, R, F, rk)
        red_line_update(i, R)
        for g in range(G):
            militia_update(i, t, g, R, X, F, rk)
        iran_update(i, t, R, X)
        us_update(i, t, R, F, rk)
        end_day(i, t, R, L)
