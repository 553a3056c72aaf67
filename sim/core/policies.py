"""US response policies: each one declaration, in one registry.

A policy looks at the US memory of unanswered attacks (:class:`Observation`) and says what the
United States wants to do today (:class:`Decision`), for all runs at once. It holds no state of
its own, so the same instance serves one Mesa run or a million ensemble runs. The delay between
wanting and doing is the rulebook's (:func:`sim.core.rules.us.acts_today`), the same for every
policy.

A built-in policy is one class: its name, label, trigger, action and source in words, the
parameters its action uses, its colour in every figure, its classifier and its compiled
decision (``rule``, numba). The README, docs/ODD.md, summary.md, the figures, the dashboard and
``escalation policies`` read these classes; the engines run the rules inside the compiled day
through one dispatcher generated from the registry (:func:`decide`: built-in policy ``code`` is
the ``code``-th registered), so nothing is numbered by hand. Severities are those of the ladder
(:mod:`sim.core.ladder`): harassment (no casualties), injury, lethal. Every policy acts only
after the US response delay (``response_delay``) and only on an attack not yet answered; what an
action does to each actor is the rulebook's (:mod:`sim.core.rules`).

To write your own, subclass :class:`Policy`, set ``name`` (and, for the reports and figures,
``label``, ``trigger``, ``action``, ``source``, ``colour``) and implement ``decide`` in numpy; a
scenario or the command line can then name it by import path (``mypackage.mymodule:MyPolicy``),
and every report and figure shows its label and source.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.core.jit import njit
from sim.core.ladder import (
    SEV_HARASSMENT,
    SEV_INJURY,
    SEV_LETHAL,
    US_ACTIONS,
    US_DECAPITATION,
    US_DIPLOMACY,
    US_NEGOTIATE,
    US_NONE,
    US_PRESS_BAGHDAD,
    US_STRIKE_IRAN,
    US_STRIKE_IRAQ,
    US_STRIKE_SYRIA,
)
from sim.core.layout import DC, PC, SC, new_rows
from sim.core.params import TABLE, Params
from sim.errors import UserError

Array = np.ndarray


@dataclass
class Observation:
    """What the US knows today, one value per run (see :func:`sim.core.rules.us.pending_update`).

    Attributes
    ----------
    pending_severity : severity class of the worst unanswered attack (0 none .. 3 lethal)
    pending_group : index of the group it is attributed to, -1 if nobody is named
    pending_killed : Americans killed since the last response
    pending_iran : whether Iran has struck US forces directly since the last response
    pending_confidence : confidence in [0, 1] with which that group is named, 0 if nobody is
        named (:func:`sim.core.rules.militia.attributed`); None: 1 where a group is named
    """

    pending_severity: Array
    pending_group: Array
    pending_killed: Array
    pending_iran: Array
    pending_confidence: Array | None = None

    def __post_init__(self) -> None:
        if self.pending_confidence is None:  # a named group is named with full confidence
            self.pending_confidence = (np.asarray(self.pending_group) >= 0).astype(float)


@dataclass
class Decision:
    """What the US wants to do today: an action code (:data:`sim.core.ladder.US_ACTIONS`), its
    intensity, and whether it would rather let the matter go (forgive) if the moment to act
    comes."""

    action: Array
    intensity: Array
    forgive: Array


#: The shared parameters every US action goes through.
SHARED_PARAMETERS: tuple[str, ...] = ("response_delay",)


class Policy:
    """Base class of US response policies: the declaration every policy fills in."""

    name: ClassVar[str] = ""
    #: readable name in reports and figures
    label: ClassVar[str] = ""
    #: what makes the US act (the unanswered event)
    trigger: ClassVar[str] = ""
    #: what the US then does
    action: ClassVar[str] = ""
    #: where the idea comes from (the five articles, or a published study)
    source: ClassVar[str] = ""
    #: parameters of the table that the action's effect uses (besides the delay every policy
    #: shares, :data:`SHARED_PARAMETERS`); a difference between policies rests on them. A
    #: per-group parameter is named by its prefix (``deniability`` for
    #: ``deniability.<group>``). The coefficients the rules apply to the action are listed; the
    #: time scales of the states they move (``deterrence_days``, ``revenge_days``,
    #: ``pressure_days``, ...) and the rules every policy goes through downstream (the
    #: expulsion vote, the campaign after it, withdrawal) are not
    parameters: ClassVar[tuple[str, ...]] = ()
    #: its colour in every figure ("" : one of the extra colours,
    #: :func:`sim.figures.style.policy_colors`)
    colour: ClassVar[str] = ""
    #: short tags in the manner of the Axelrod library: kinetic, inside_iraq, targets_iran,
    #: stochastic
    classifier: ClassVar[dict[str, bool]] = {}
    #: the compiled decision of a built-in policy: ``rule(severity, group, confidence, killed,
    #: iran, p, u) -> (action, intensity, forgive)`` on what the US knows today (the pending
    #: memory, :func:`sim.core.rules.us.pending_update`; ``group`` is the group named for the
    #: pending attack, -1 if nobody is named, ``confidence`` that naming's confidence), the
    #: run's parameter row ``p`` (:data:`sim.core.layout.PC`) and one uniform draw ``u``.
    #: None for a policy that decides in Python (a user's ``decide``)
    rule: ClassVar[Callable | None] = None
    #: code of a built-in policy in the compiled dispatcher (:func:`decide`), set when it is
    #: registered; -1 for a policy that decides in Python
    code: ClassVar[int] = -1

    def decide(self, obs: Observation, params: Params, u: Array) -> Decision:
        """Return today's wanted action for every run.

        Built-in policies decide by their compiled rule; a user's policy overrides this method
        with vectorised numpy code.

        Parameters
        ----------
        obs : the US memory of unanswered attacks
        params : parameters of the runs (arrays of shape ``(N,)``)
        u : one uniform draw per run, for stochastic policies
        """
        if self.code < 0:
            raise NotImplementedError(f"{type(self).__name__} must implement decide()")
        n = len(obs.pending_severity)
        if params.n != n:  # one parameter set for all runs
            params = params.take(np.zeros(n, dtype=np.int64))
        rows = params.__dict__.get("_decide_rows")  # packed once per Params (read only)
        if rows is None:
            rows = params.__dict__["_decide_rows"] = new_rows(params)
        action, intensity, forgive = decide_many(
            self.code,
            np.asarray(obs.pending_severity, dtype=np.int64),
            np.asarray(obs.pending_group, dtype=np.int64),
            np.broadcast_to(np.asarray(obs.pending_confidence, dtype=float), (n,)).copy(),
            np.asarray(obs.pending_killed, dtype=np.int64),
            np.asarray(obs.pending_iran, dtype=bool),
            rows,
            np.broadcast_to(np.asarray(u, dtype=float), (n,)).copy(),
        )
        return Decision(action, intensity, forgive)

    # helpers for a user's numpy ``decide`` ---------------------------------------------------
    @staticmethod
    def _when(cond: Array, action: int, intensity: Array) -> Decision:
        return Decision(
            action=np.where(cond, action, US_NONE).astype(np.int64),
            intensity=np.where(cond, intensity, 0.0),
            forgive=np.zeros(cond.shape, dtype=bool),
        )

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def compiled_code(policy: Policy) -> int:
    """The compiled decision's code of ``policy``, or -1 if it decides in Python (a user's
    class, or a subclass of a built-in that overrides ``decide``)."""
    return policy.code if type(policy).decide is Policy.decide else -1


REGISTRY: dict[str, type[Policy]] = {}


def register(cls: type[Policy]) -> type[Policy]:
    """Class decorator: add a built-in policy to the registry under its ``name``, its code the
    next in the compiled dispatcher. Its declaration must be complete: a label, a trigger, an
    action, a source, a colour and a compiled ``rule``."""
    if not cls.name or cls.name in REGISTRY:
        raise ValueError(f"policy {cls.__name__} needs a unique name, got {cls.name!r}")
    missing = [k for k in ("label", "trigger", "action", "source", "colour") if not getattr(cls, k)]
    if missing or cls.rule is None:
        raise ValueError(f"policy {cls.name} lacks {', '.join(missing) or 'a compiled rule'}")
    unknown = [p for p in cls.parameters if not any(n == p or n.startswith(p + ".") for n in TABLE)]
    if unknown:
        raise ValueError(f"policy {cls.name} names unknown parameters {unknown}")
    cls.code = len(REGISTRY)
    REGISTRY[cls.name] = cls
    return cls


class PolicyError(UserError):
    """An unknown policy name, an import path that does not give a Policy, or a user's policy
    that fails: on import, when it is made, or in its ``decide``."""


def _failure(exc: BaseException) -> str:
    """An exception as one line: its type and message."""
    text = " ".join(str(exc).split())
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def policy_class(name: str) -> type[Policy]:
    """The class of a policy by registered name or by import path ``module:Class``.

    A name without ``:`` is looked up in the registry only: nothing is imported for it. An
    import path's module is imported, and whatever its import raises (a syntax error, an
    exception at its top level) is reported as the policy's error.
    """
    if name in REGISTRY:
        return REGISTRY[name]
    if ":" not in name:
        known = ", ".join(sorted(REGISTRY))
        raise PolicyError(
            f"unknown policy '{name}' (known: {known}; or a policy of your own as module:Class)"
        )
    mod_name, _, cls_name = name.partition(":")
    if not mod_name or not cls_name:
        raise PolicyError(f"policy '{name}': an import path is module:Class, both parts named")
    try:
        module = importlib.import_module(mod_name)
    except Exception as exc:  # the user's module: whatever its import raises is its error
        raise PolicyError(
            f"policy '{name}': importing {mod_name} failed: {_failure(exc)}"
        ) from None
    cls = getattr(module, cls_name, None)
    if cls is None:
        raise PolicyError(f"policy '{name}': module {mod_name} has no {cls_name}")
    if not (isinstance(cls, type) and issubclass(cls, Policy)):
        raise PolicyError(
            f"policy '{name}': {cls_name} is not a subclass of sim.core.policies.Policy"
        )
    return cls


#: Runs of the trial decision a user's policy is given when it is made: every severity, a
#: named group, nobody named, a death, Iran's strike.
_TRIAL = (
    np.array([0, SEV_HARASSMENT, SEV_INJURY, SEV_LETHAL, SEV_LETHAL, 0], dtype=np.int64),
    np.array([-1, 0, 1, 0, -1, -1], dtype=np.int64),
    np.array([0, 0, 0, 1, 3, 0], dtype=np.int64),
    np.array([False, False, False, False, False, True]),
    np.array([0.0, 1.0, 0.6, 1.0, 0.0, 0.0]),
)


def get_policy(name: str) -> Policy:
    """Return a policy instance by registered name or by import path ``module:Class``.

    A user's policy (one that decides in Python) is made and given one trial decision on a few
    typical days (:data:`_TRIAL`) before any run starts, so that a constructor that raises or a
    ``decide`` that fails or returns what the engines cannot use is one message naming the
    policy, not a traceback from a worker.
    """
    cls = policy_class(name)
    try:
        policy = cls()
    except Exception as exc:  # the user's constructor
        raise PolicyError(
            f"policy '{name}': making {cls.__name__}() failed: {_failure(exc)}"
        ) from None
    if compiled_code(policy) < 0:
        obs = Observation(*(a.copy() for a in _TRIAL))
        n = len(obs.pending_severity)
        u = np.linspace(0.05, 0.95, n)
        checked_decision(policy, obs, Params.build(n), u, "a trial day", name)
    return policy


def checked_decision(
    policy: Policy, obs: Observation, params: Params, u: Array, when: str, name: str = ""
) -> Decision:
    """A Python policy's ``decide``, checked: arrays of the runs' length (or scalars), known
    action codes, finite non-negative intensities. Anything else, and any exception ``decide``
    raises, is a :class:`PolicyError` naming the policy (``name``, as the user gave it, or its
    declared name) and ``when`` (the day)."""
    name = name or policy.name or type(policy).__name__
    n = len(obs.pending_severity)
    try:
        d = policy.decide(obs, params, u)
    except Exception as exc:  # the user's decide
        raise PolicyError(f"policy '{name}' failed on {when}: {_failure(exc)}") from None
    parts = {}
    for field in ("action", "intensity", "forgive"):
        if not hasattr(d, field):
            raise PolicyError(
                f"policy '{name}' on {when}: decide() must return a Decision(action, intensity, "
                f"forgive), got {type(d).__name__}"
            )
        try:
            value = np.broadcast_to(np.asarray(getattr(d, field)), (n,))
        except ValueError:
            shape = np.shape(getattr(d, field))
            raise PolicyError(
                f"policy '{name}' on {when}: Decision.{field} has shape {shape}, not one value or "
                f"{n} values (one per run)"
            ) from None
        parts[field] = value
    action, intensity = parts["action"], parts["intensity"]
    valid = np.issubdtype(action.dtype, np.integer) and bool(
        ((action >= 0) & (action < len(US_ACTIONS))).all()
    )
    if not valid:
        bad = action[0] if action.size else action
        raise PolicyError(
            f"policy '{name}' on {when}: Decision.action must hold codes of "
            f"sim.core.ladder.US_ACTIONS (0..{len(US_ACTIONS) - 1}), got {bad!r}"
        )
    if (
        not np.issubdtype(intensity.dtype, np.number)
        or not np.isfinite(intensity).all()
        or (intensity < 0).any()
    ):
        raise PolicyError(
            f"policy '{name}' on {when}: Decision.intensity must be finite and at least 0"
        )
    return Decision(action, intensity.astype(float), parts["forgive"].astype(bool))


def describe(name: str) -> type[Policy] | None:
    """The declaration of a policy named in a report (a registered name or an import path), or
    None for a name that is neither (the pseudo-policy ``record`` of a branch)."""
    try:
        return policy_class(name)
    except PolicyError:
        return None


def label(name: str) -> str:
    """The readable label of a policy: its declared label (a user's class too), else its
    name."""
    cls = describe(name)
    return (cls.label or name) if cls is not None else name


def judgement_parameters(name: str) -> tuple[str, ...]:
    """Parameters the policy's action uses that the record does not inform (``informed`` is
    false in :data:`sim.core.params.TABLE`), in the order declared; per-group parameters by
    name."""
    cls = describe(name)
    if cls is None or not cls.parameters:
        return ()
    out = []
    for p in (*cls.parameters, *SHARED_PARAMETERS):
        rows = [r for n, r in TABLE.items() if n == p or n.startswith(p + ".")]
        if rows and not all(r.informed for r in rows):
            out.append(p)
    return tuple(dict.fromkeys(out))


def all_policies() -> list[str]:
    """Names of the built-in policies, in registry order (do_nothing first)."""
    return list(REGISTRY)


# --- the decisions, shared ------------------------------------------------------------------
@njit
def when(cond: bool, action: int, intensity: float) -> tuple[int, float, bool]:
    """``action`` at ``intensity`` if ``cond``, else nothing (no forgiveness)."""
    return (action, intensity, False) if cond else (US_NONE, 0.0, False)


@njit
def proportional(severity: int, iran: bool, p) -> tuple[int, float, bool]:
    """Answer in kind: a strike on Iran for an Iranian strike, a strike in Iraq for deaths, a
    Syria strike for harassment or injuries (tit-for-tat, Axelrod 1984)."""
    if iran:
        return US_STRIKE_IRAN, p[PC.intensity_iran], False
    if severity >= SEV_LETHAL:
        return US_STRIKE_IRAQ, p[PC.intensity_iraq], False
    if severity >= SEV_HARASSMENT:
        return US_STRIKE_SYRIA, p[PC.intensity_syria], False
    return US_NONE, 0.0, False


# --- the parameters the actions use, by effect (a policy's ``parameters``) -------------------
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
#: tit-for-tat's answers in kind (:func:`proportional`): a strike in Syria, one inside Iraq, one
#: on Iran
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


# --- the built-in policies, in registry order (colours: Okabe & Ito 2008, Tol 2021 "muted";
# related policies share a hue family: Syria strikes orange/vermillion, inside Iraq wine and
# pinks, tit-for-tat blues) -------------------------------------------------------------------
@register
class DoNothing(Policy):
    """Never respond.

    "To do nothing means letting pro-Iranian groups determine the pace and escalation of the
    conflict" (Daily Beast 2021); the course of administrations before Trump.
    """

    name = "do_nothing"
    label = "Do nothing"
    trigger = "never"
    action = (
        "no response: the militias set the pace (the course of the administrations before 2019)"
    )
    source = "Daily Beast 2021, option 'do nothing at all'"
    colour = "#555555"
    classifier = {"kinetic": False}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return US_NONE, 0.0, False


@register
class StrikeSyria(Policy):
    """Strike the responsible group's facilities in Syria after an attack that injures or kills.

    The Biden administration's answer of 25 February 2021 to the Erbil attack: "react without
    escalating", sparing Iraqi sovereignty (Vox 2021; Daily Beast 2021).
    """

    name = "strike_syria"
    label = "Strike militias in Syria"
    trigger = "an attack that injures or kills Americans"
    action = "strikes the responsible group's facilities in Syria (sparing Iraqi sovereignty)"
    source = "strike on nine facilities in Syria, 25 Feb 2021 (Vox 2021)"
    parameters = (
        "intensity_syria",
        "sovereignty_cost_syria",
        *_TARGETING,
        *_FIGHTERS,
        *_STRIKE_EFFECT,
        *_RED_LINE,
    )
    colour = "#E69F00"
    classifier = {"kinetic": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return when(severity >= SEV_INJURY, US_STRIKE_SYRIA, p[PC.intensity_syria])


@register
class EscalateSyria(Policy):
    """Escalated strikes in Syria after every attack, harassment included.

    "Escalate US air strikes in Syria to punish Iran-affiliated groups" (Daily Beast 2021).
    """

    name = "escalate_syria"
    label = "Escalate strikes in Syria"
    trigger = "any attack, harassment included"
    action = "escalated strikes on the responsible group's facilities in Syria"
    source = "Daily Beast 2021, option 'escalate US air strikes in Syria'"
    parameters = (
        "intensity_escalated",
        "sovereignty_cost_syria",
        *_TARGETING,
        *_FIGHTERS,
        *_STRIKE_EFFECT,
    )
    colour = "#D55E00"
    classifier = {"kinetic": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return when(severity >= SEV_HARASSMENT, US_STRIKE_SYRIA, p[PC.intensity_escalated])


@register
class StrikeIraq(Policy):
    """ "Precision defensive strikes" inside Iraq after an attack that injures or kills.

    The strikes of 29 December 2019 and 12 March 2020 on Kata'ib Hezbollah (Foreign Policy).
    """

    name = "strike_iraq"
    label = "Strike inside Iraq"
    trigger = "an attack that injures or kills Americans"
    action = (
        "'precision defensive strikes' inside Iraq on the named group, or on the blamed one "
        "when nobody is named (raises Iraqi pressure against the US presence)"
    )
    source = "strikes on Kata'ib Hezbollah in Iraq, 29 Dec 2019 and 12 Mar 2020 (Foreign Policy)"
    parameters = (
        "intensity_iraq",
        "sovereignty_cost_iraq",
        *_MISDIRECTION,
        *_FIGHTERS,
        *_STRIKE_EFFECT,
        *_RED_LINE,
    )
    colour = "#882255"
    classifier = {"kinetic": True, "inside_iraq": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return when(severity >= SEV_INJURY, US_STRIKE_IRAQ, p[PC.intensity_iraq])


@register
class CasualtyThreshold(Policy):
    """Strike inside Iraq only when Americans are killed.

    "A blueprint of the last administration seeking retaliation every time American personnel
    were killed" (Daily Beast 2021).
    """

    name = "casualty_threshold"
    label = "Respond only to US deaths"
    trigger = "an attack that kills Americans"
    action = "a strike inside Iraq on the named group, or on the blamed one when nobody is named"
    source = "Daily Beast 2021 on the Trump administration's rule"
    parameters = (
        "intensity_iraq",
        "sovereignty_cost_iraq",
        *_MISDIRECTION,
        *_FIGHTERS,
        *_STRIKE_EFFECT,
        *_RED_LINE,
    )
    colour = "#CC79A7"
    classifier = {"kinetic": True, "inside_iraq": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return when(killed > 0, US_STRIKE_IRAQ, p[PC.intensity_iraq])


@register
class AnswerAttributed(Policy):
    """Strike inside Iraq after an attack that injures or kills, only when the group is named
    with a confidence of at least ``attribution_threshold``; let the other attacks go.

    "If you don't name the perpetrator, you don't have to react" (Daily Beast 2021); Esper
    before the 12 March 2020 strikes: "we are focused on the groups that we believe perpetrated
    this in Iraq" (Foreign Policy). No strike is misdirected on a group that did not attack.
    """

    name = "answer_attributed"
    label = "Answer only attributed attacks"
    trigger = (
        "an attack that injures or kills Americans, when its group is named with confidence of "
        "at least 'attribution_threshold' (0.5)"
    )
    action = (
        "a strike inside Iraq on the named group; attacks it cannot attribute are let go, so no "
        "strike is misdirected on a group that did not attack"
    )
    source = "Daily Beast 2021: 'If you don't name the perpetrator, you don't have to react'"
    parameters = (
        "attribution_threshold",
        "deniability",
        "intensity_iraq",
        "sovereignty_cost_iraq",
        "collateral_harm",
        *_FIGHTERS,
        *_STRIKE_EFFECT,
        *_RED_LINE,
    )
    colour = "#AA4499"
    classifier = {"kinetic": True, "inside_iraq": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        a, x, _ = when(severity >= SEV_INJURY, US_STRIKE_IRAQ, p[PC.intensity_iraq])
        return a, x, a != US_NONE and confidence < p[PC.attribution_threshold]


@register
class HoldIranAccountable(Policy):
    """Strike Iranian forces directly after attacks that injure or kill, and after any direct
    Iranian strike.

    "It can hold Iran directly accountable, but that could lead to military escalation" (Daily
    Beast 2021).
    """

    name = "hold_iran_accountable"
    label = "Hold Iran accountable"
    trigger = "an attack that injures or kills Americans, or any direct Iranian strike"
    action = "a strike on Iranian forces (a direct US–Iran exchange)"
    source = "Daily Beast 2021, option 'hold Iran directly accountable'"
    parameters = (*_STRIKE_IRAN, "closeness", *_RED_LINE)
    colour = "#332288"
    classifier = {"kinetic": True, "targets_iran": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return when(severity >= SEV_INJURY or iran, US_STRIKE_IRAN, p[PC.intensity_iran])


@register
class IraqiAccountability(Policy):
    """Demand that Baghdad prosecute the attackers, after every attack.

    "Demand that these groups be held accountable by the Iraqi authorities, but the track record
    of these investigations is grim" (Daily Beast 2021).
    """

    name = "iraqi_accountability"
    label = "Press Baghdad to prosecute"
    trigger = "any attack, harassment included"
    action = "demands that Baghdad prosecute the attackers (no strike)"
    source = "Daily Beast 2021, option 'held accountable by the Iraqi authorities'"
    parameters = (
        "intensity_press",
        "prosecution_rate",
        "prosecution_fear",
        "lethality_fear",
        "press_cost",
        *_TARGETING,
    )
    colour = "#999933"
    classifier = {"kinetic": False}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return when(severity >= SEV_HARASSMENT, US_PRESS_BAGHDAD, p[PC.intensity_press])


@register
class RegionalDeal(Policy):
    """Seek a regional deal with Iran every day, with no strikes.

    "Use the attacks as a lever to raise a new regional Iran deal"; "a regional approach that
    addresses tensions from Yemen to Syria" (Daily Beast 2021).
    """

    name = "regional_deal"
    label = "Seek a regional deal"
    trigger = "every day, whatever happens"
    action = "diplomacy with Iran towards a regional deal, with no strikes"
    source = "Daily Beast 2021, option 'a new regional Iran deal'"
    parameters = ("deal_rate", "deal_restraint", "closeness", "deal_setback", "deal_reached_level")
    colour = "#009E73"
    classifier = {"kinetic": False}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return US_DIPLOMACY, 0.0, False


@register
class Decapitation(Policy):
    """Kill the responsible group's leadership after a lethal attack.

    The killing of Soleimani and al-Muhandis on 3 January 2020 (Foreign Policy; defence news).
    """

    name = "decapitation"
    label = "Decapitation"
    trigger = "an attack that kills Americans"
    action = "kills the responsible militia group's commanders (Iran's grievance rises a little)"
    source = "killing of Soleimani and al-Muhandis, 3 Jan 2020 (Foreign Policy)"
    parameters = (
        "intensity_decapitation",
        "sovereignty_cost_decapitation",
        *_TARGETING,
        "misdirected_cost",
        "iran_commander_grievance",
        "militia_killed_decapitation",
        *_STRIKE_EFFECT,
        *_RED_LINE,
    )
    colour = "#000000"
    classifier = {"kinetic": True, "inside_iraq": True, "targets_iran": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return when(severity >= SEV_LETHAL, US_DECAPITATION, p[PC.intensity_decapitation])


@register
class TitForTat(Policy):
    """Proportional tit-for-tat: answer every attack, in kind.

    A reference strategy from the iterated prisoner's dilemma (Axelrod 1984).
    """

    name = "tit_for_tat"
    label = "Tit-for-tat"
    trigger = "every attack, and any direct Iranian strike"
    action = (
        "answers in kind: a strike in Syria for harassment or injuries, a strike inside Iraq for "
        "deaths, a strike on Iran for an Iranian strike"
    )
    source = "Axelrod 1984, The Evolution of Cooperation"
    parameters = _PROPORTIONAL
    colour = "#0072B2"
    classifier = {"kinetic": True, "inside_iraq": True, "targets_iran": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return proportional(severity, iran, p)


@register
class GenerousTitForTat(Policy):
    """Tit-for-tat that lets an attack go with probability ``forgiveness`` (1/3 by default).

    Nowak & Sigmund 1992, Nature 355:250: generous tit-for-tat forgives with probability 1/3
    under the standard payoffs.
    """

    name = "generous_tit_for_tat"
    label = "Generous tit-for-tat"
    trigger = "as tit-for-tat"
    action = "as tit-for-tat, but lets each attack go with probability 'forgiveness' (1/3)"
    source = "Nowak & Sigmund 1992, Nature 355:250"
    parameters = ("forgiveness", *_PROPORTIONAL)
    colour = "#56B4E9"
    classifier = {"kinetic": True, "inside_iraq": True, "targets_iran": True, "stochastic": True}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        a, x, _ = proportional(severity, iran, p)
        return a, x, a != US_NONE and u < p[PC.forgiveness]


@register
class NegotiateWithdrawal(Policy):
    """Negotiate a timetable for the withdrawal of US forces every day, with no strikes.

    The condition of Kata'ib Hezbollah's "conditional" ceasefire of October 2020: "that the
    U.S. present a timetable for the withdrawal of American troops" (defence news, Dec 2020).
    A complete timetable ends in a negotiated withdrawal.
    """

    name = "negotiate_withdrawal"
    label = "Negotiate a withdrawal timetable"
    trigger = "every day, whatever happens"
    action = (
        "talks with Baghdad on a timetable for the withdrawal of US forces, with no strikes: the "
        "militias may hold a truce while it advances, and US forces leave once it is complete "
        "(a negotiated withdrawal)"
    )
    source = (
        "Kata'ib Hezbollah's ceasefire of Oct 2020, conditional on a US withdrawal timetable "
        "(defence news, Dec 2020)"
    )
    parameters = (
        "timetable_rate",
        "timetable_setback",
        "truce_offer",
        "truce_break_rate",
        "truce_leak",
        "withdrawal_chase",
    )
    colour = "#117733"
    classifier = {"kinetic": False}

    @staticmethod
    @njit
    def rule(severity, group, confidence, killed, iran, p, u):
        return US_NEGOTIATE, 0.0, False


# --- the compiled dispatcher, generated from the registry ----------------------------------
_ARGS = "severity, group, confidence, killed, iran, p, u"


def _generate(rules: list[Callable]) -> tuple[Callable, Callable]:
    """``decide(code, ...)``, calling built-in policy ``code``'s rule, and ``decide_many``, the
    same over arrays of runs: one ``if code == k`` per registered rule, written from the
    registry here and compiled like the rest of the day (cached with this file's kernels)."""
    lines = [f"def decide(code, {_ARGS}):"]
    for k in range(len(rules)):
        lines += [f"    if code == {k}:", f"        return _rule_{k}({_ARGS})"]
    lines += [
        "    return US_NONE, 0.0, False",
        "",
        "",
        "def decide_many(code, severity, group, confidence, killed, iran, P, u):",
        "    n = len(severity)",
        "    action = np.zeros(n, dtype=np.int64)",
        "    intensity = np.zeros(n)",
        "    forgive = np.zeros(n, dtype=np.bool_)",
        "    for i in range(n):",
        "        action[i], intensity[i], forgive[i] = decide(",
        "            code, severity[i], group[i], confidence[i], killed[i], iran[i], P[i], u[i]",
        "        )",
        "    return action, intensity, forgive",
    ]
    ns: dict = {f"_rule_{k}": r for k, r in enumerate(rules)}
    ns |= {"US_NONE": US_NONE, "np": np, "__name__": __name__}
    # compiled under this file's name, so that numba caches them with its other kernels (the
    # cache folder is named by the hash of the sources, this file's declarations included)
    exec(compile("\n".join(lines), __file__, "exec"), ns)
    ns["decide"] = njit(ns["decide"])
    return ns["decide"], njit(ns["decide_many"])


decide, decide_many = _generate([cls.rule for cls in REGISTRY.values()])
decide.__doc__ = """The decision of built-in policy ``code`` (its rule; ``(US_NONE, 0, False)``
for any other code): ``decide(code, severity, group, confidence, killed, iran, p, u) -> (action,
intensity, forgive)`` (:attr:`Policy.rule`)."""
decide_many.__doc__ = """:func:`decide` for arrays of runs (the Python ``decide`` of the
built-in policies)."""


# --- a Python policy's decision, written into the rows ---------------------------------------
def observation(rows: np.ndarray) -> Observation:
    """What the US knows after phase ``us_observe`` (the input of a policy's ``decide``)."""
    confidence = rows[:, SC.pending_confidence].copy()
    return Observation(
        rows[:, SC.pending_severity].astype(np.int64),
        np.where(confidence > 0, rows[:, SC.pending_group], -1).astype(np.int64),  # us.named_group
        rows[:, SC.pending_killed].astype(np.int64),
        rows[:, SC.pending_iran] != 0,
        confidence,
    )


def run_day_name(start: dt.date, t: int) -> str:
    """Day ``t`` (from 0) of a run that starts on ``start``, as a message names it."""
    return f"day {t} of the run ({(start + dt.timedelta(days=t)).isoformat()})"


def python_decide(
    policy: Policy, rows: np.ndarray, params: Params, u: np.ndarray, when: str = "a day of the run"
) -> None:
    """Phase ``us_decide`` for a Python policy: its decision, checked
    (:func:`checked_decision`), written into the rows. ``when`` names the day if the policy
    fails (:func:`run_day_name`)."""
    d = checked_decision(policy, observation(rows), params, u, when)
    rows[:, DC.want_action] = d.action
    rows[:, DC.want_intensity] = d.intensity
    rows[:, DC.forgive] = d.forgive
