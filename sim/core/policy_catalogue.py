"""What each US response policy is: the one place where the policies are defined in words.

Every registered policy (:data:`sim.core.policies.REGISTRY`) has an entry here, keyed by its
name: what triggers it, what it does, where the idea comes from, and the parameters of the
table (:mod:`sim.core.params`) that its action uses. The README, docs/ODD.md, summary.md,
``escalation policies`` and the dashboard all read these entries (a test checks that no
registered policy lacks one); the code of the rule is in :mod:`sim.core.policies`.

Severities are those of the ladder (:mod:`sim.core.ladder`): harassment (no casualties),
injury, lethal. Every policy acts only after the US response delay (``response_delay``) and
only on an attack not yet answered; what an action does to each actor is the rulebook's
(:mod:`sim.core.rules`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PolicyDefinition:
    """One policy in words."""

    name: str
    label: str
    #: what makes the US act (the unanswered event)
    trigger: str
    #: what the US then does
    action: str
    #: where the idea comes from (the five articles, or a published study)
    source: str
    #: parameters of the table that the action's effect uses (besides the delay every policy
    #: shares); a difference between policies rests on them. A per-group parameter is named by
    #: its prefix (``deniability`` for ``deniability.<group>``). The coefficients the rules apply
    #: to the action are listed; the time scales of the states they move (``deterrence_days``,
    #: ``revenge_days``, ``pressure_days``, ...) and the rules every policy goes through
    #: downstream (the expulsion vote, the campaign after it, withdrawal) are not
    parameters: tuple[str, ...] = ()


#: The shared parameters every US action goes through.
SHARED_PARAMETERS: tuple[str, ...] = ("response_delay",)

#: what a strike on a militia group does: the struck group's fear (``deterrence_strength``, which
#: also makes it aim to miss by ``lethality_fear``, :func:`sim.core.rules.militia.aim`) and the
#: grievance of the struck group (less the share its own answer satisfies,
#: ``revenge_satisfaction``) and, by ``revenge_spillover``, of the others
#: (:func:`sim.core.rules.militia.fear_update`, :func:`~sim.core.rules.militia.grievance_update`)
_STRIKE_EFFECT = (
    "deterrence_strength",
    "lethality_fear",
    "revenge_attacks",
    "revenge_satisfaction",
    "revenge_spillover",
)
#: what a strike on militia fighters in Syria or Iraq adds: Iran's grievance per unit intensity
#: (:func:`sim.core.rules.iran.grievance_update`) and the members it kills
#: (:func:`sim.core.rules.losses.militia_killed`)
_FIGHTERS = ("iran_fighters_grievance", "militia_killed_per_intensity")
#: whom the action hits: the group named for the attack, which its deniability may hide, or
#: else the blamed one (:func:`sim.core.rules.us.strike_target`,
#: :func:`sim.core.rules.militia.attributed`); per-group parameters by their prefix
_TARGETING = ("unattributed_blame", "deniability")
#: what a strike inside Iraq costs, more when it hits a blamed group that did not attack
#: (:func:`sim.core.rules.us.strike_harm`, :func:`sim.core.rules.iraq.misdirection_cost`)
_MISDIRECTION = (*_TARGETING, "misdirected_cost", "collateral_harm", "misdirected_harm")
#: the militias' reading of a red line (:func:`sim.core.rules.militia.red_line_update`,
#: :func:`~sim.core.rules.militia.aim`), which a policy draws when it answers deaths (and
#: injuries) but lets harassment go
_RED_LINE = ("red_line_restraint", "red_line_weight", "red_line_wait")
#: a US strike on Iranian forces: its intensity, Iran's grievance and fear, the exchange that
#: makes a war and what war multiplies (:mod:`sim.core.rules.iran`,
#: :mod:`sim.core.rules.escalation`)
_STRIKE_IRAN = (
    "intensity_iran",
    "iran_struck_grievance",
    "iran_fear_strength",
    "war_exchanges",
    "war_window",
    "war_iran_strike_factor",
    "war_militia_factor",
    "war_casualty_factor",
)
#: tit-for-tat's answers in kind (:func:`sim.core.policy_rules.proportional`): a strike in Syria,
#: one inside Iraq, one on Iran
_PROPORTIONAL = (
    "intensity_syria",
    "sovereignty_cost_syria",
    "intensity_iraq",
    "sovereignty_cost_iraq",
    *_MISDIRECTION,
    *_FIGHTERS,
    *_STRIKE_EFFECT,
    *_STRIKE_IRAN,
)

CATALOGUE: dict[str, PolicyDefinition] = {
    d.name: d
    for d in (
        PolicyDefinition(
            "do_nothing",
            "Do nothing",
            "never",
            "no response: the militias set the pace (the course of the administrations "
            "before 2019)",
            "Daily Beast 2021, option 'do nothing at all'",
        ),
        PolicyDefinition(
            "strike_syria",
            "Strike militias in Syria",
            "an attack that injures or kills Americans",
            "strikes the responsible group's facilities in Syria (sparing Iraqi sovereignty)",
            "strike on nine facilities in Syria, 25 Feb 2021 (Vox 2021)",
            (
                "intensity_syria",
                "sovereignty_cost_syria",
                *_TARGETING,
                *_FIGHTERS,
                *_STRIKE_EFFECT,
                *_RED_LINE,
            ),
        ),
        PolicyDefinition(
            "escalate_syria",
            "Escalate strikes in Syria",
            "any attack, harassment included",
            "escalated strikes on the responsible group's facilities in Syria",
            "Daily Beast 2021, option 'escalate US air strikes in Syria'",
            (
                "intensity_escalated",
                "sovereignty_cost_syria",
                *_TARGETING,
                *_FIGHTERS,
                *_STRIKE_EFFECT,
            ),
        ),
        PolicyDefinition(
            "strike_iraq",
            "Strike inside Iraq",
            "an attack that injures or kills Americans",
            "'precision defensive strikes' inside Iraq on the named group, or on the blamed one "
            "when nobody is named (raises Iraqi pressure against the US presence)",
            "strikes on Kata'ib Hezbollah in Iraq, 29 Dec 2019 and 12 Mar 2020 (Foreign Policy)",
            (
                "intensity_iraq",
                "sovereignty_cost_iraq",
                *_MISDIRECTION,
                *_FIGHTERS,
                *_STRIKE_EFFECT,
                *_RED_LINE,
            ),
        ),
        PolicyDefinition(
            "casualty_threshold",
            "Respond only to US deaths",
            "an attack that kills Americans",
            "a strike inside Iraq on the named group, or on the blamed one when nobody is named",
            "Daily Beast 2021 on the Trump administration's rule",
            (
                "intensity_iraq",
                "sovereignty_cost_iraq",
                *_MISDIRECTION,
                *_FIGHTERS,
                *_STRIKE_EFFECT,
                *_RED_LINE,
            ),
        ),
        PolicyDefinition(
            "answer_attributed",
            "Answer only attributed attacks",
            "an attack that injures or kills Americans, when its group is named with "
            "confidence of at least 'attribution_threshold' (0.5)",
            "a strike inside Iraq on the named group; attacks it cannot attribute are let go, "
            "so no strike is misdirected on a group that did not attack",
            "Daily Beast 2021: 'If you don't name the perpetrator, you don't have to react'",
            (
                "attribution_threshold",
                "deniability",
                "intensity_iraq",
                "sovereignty_cost_iraq",
                "collateral_harm",
                *_FIGHTERS,
                *_STRIKE_EFFECT,
                *_RED_LINE,
            ),
        ),
        PolicyDefinition(
            "hold_iran_accountable",
            "Hold Iran accountable",
            "an attack that injures or kills Americans, or any direct Iranian strike",
            "a strike on Iranian forces (a direct US–Iran exchange)",
            "Daily Beast 2021, option 'hold Iran directly accountable'",
            (*_STRIKE_IRAN, "closeness", *_RED_LINE),
        ),
        PolicyDefinition(
            "iraqi_accountability",
            "Press Baghdad to prosecute",
            "any attack, harassment included",
            "demands that Baghdad prosecute the attackers (no strike)",
            "Daily Beast 2021, option 'held accountable by the Iraqi authorities'",
            (
                "intensity_press",
                "prosecution_rate",
                "prosecution_fear",
                "lethality_fear",
                "press_cost",
                *_TARGETING,
            ),
        ),
        PolicyDefinition(
            "regional_deal",
            "Seek a regional deal",
            "every day, whatever happens",
            "diplomacy with Iran towards a regional deal, with no strikes",
            "Daily Beast 2021, option 'a new regional Iran deal'",
            ("deal_rate", "deal_restraint", "closeness", "deal_setback", "deal_reached_level"),
        ),
        PolicyDefinition(
            "negotiate_withdrawal",
            "Negotiate a withdrawal timetable",
            "every day, whatever happens",
            "talks with Baghdad on a timetable for the withdrawal of US forces, with no "
            "strikes: the militias may hold a truce while it advances, and US forces leave "
            "once it is complete (a negotiated withdrawal)",
            "Kata'ib Hezbollah's ceasefire of Oct 2020, conditional on a US withdrawal "
            "timetable (defence news, Dec 2020)",
            (
                "timetable_rate",
                "timetable_setback",
                "truce_offer",
                "truce_break_rate",
                "truce_leak",
                "withdrawal_chase",
            ),
        ),
        PolicyDefinition(
            "decapitation",
            "Decapitation",
            "an attack that kills Americans",
            "kills the responsible militia group's commanders (Iran's grievance rises a little)",
            "killing of Soleimani and al-Muhandis, 3 Jan 2020 (Foreign Policy)",
            (
                "intensity_decapitation",
                "sovereignty_cost_decapitation",
                *_TARGETING,
                "misdirected_cost",
                "iran_commander_grievance",
                "militia_killed_decapitation",
                *_STRIKE_EFFECT,
                *_RED_LINE,
            ),
        ),
        PolicyDefinition(
            "tit_for_tat",
            "Tit-for-tat",
            "every attack, and any direct Iranian strike",
            "answers in kind: a strike in Syria for harassment or injuries, a strike inside "
            "Iraq for deaths, a strike on Iran for an Iranian strike",
            "Axelrod 1984, The Evolution of Cooperation",
            _PROPORTIONAL,
        ),
        PolicyDefinition(
            "generous_tit_for_tat",
            "Generous tit-for-tat",
            "as tit-for-tat",
            "as tit-for-tat, but lets each attack go with probability 'forgiveness' (1/3)",
            "Nowak & Sigmund 1992, Nature 355:250",
            ("forgiveness", *_PROPORTIONAL),
        ),
    )
}


def definition(name: str) -> PolicyDefinition | None:
    """The definition of a policy by its registered name (None for a user's policy)."""
    return CATALOGUE.get(name)


def label(name: str) -> str:
    """The readable label of a policy, or its name for a user policy."""
    d = CATALOGUE.get(name)
    return d.label if d is not None else name


def judgement_parameters(name: str) -> tuple[str, ...]:
    """Parameters the policy's action uses that the record does not inform (``informed`` is
    false in :data:`sim.core.params.TABLE`), in table order; per-group parameters by name."""
    from sim.core.params import TABLE

    d = CATALOGUE.get(name)
    if d is None:
        return ()
    wanted = (*d.parameters, *SHARED_PARAMETERS) if d.parameters else ()
    out = []
    for p in wanted:
        rows = [r for n, r in TABLE.items() if n == p or n.startswith(p + ".")]
        if rows and not all(r.informed for r in rows):
            out.append(p)
    return tuple(dict.fromkeys(out))


def markdown_table() -> str:
    """The catalogue as a Markdown table (name, trigger, action, source), for the docs."""
    from sim.analysis.tables import markdown_table as md

    rows = [[f"`{d.name}`", d.label, d.trigger, d.action, d.source] for d in CATALOGUE.values()]
    return md(["name", "policy", "trigger", "what the US does", "source"], rows)


__all__ = [
    "CATALOGUE",
    "SHARED_PARAMETERS",
    "PolicyDefinition",
    "definition",
    "judgement_parameters",
    "label",
    "markdown_table",
]
