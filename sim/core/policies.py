"""US response policies: a registry of small classes.

A policy looks at the US memory of unanswered attacks (:class:`Observation`) and says what the
United States wants to do today (:class:`Decision`), for all runs at once. It holds no state of
its own, so the same instance serves one Mesa run or a million ensemble runs. The delay between
wanting and doing is the rulebook's (:func:`sim.core.rules.us.acts_today`), the same for every
policy. The built-in policies decide by compiled rules (:mod:`sim.core.policy_rules`), so the
engines run them inside the compiled day.

To write your own, subclass :class:`Policy`, set ``name`` and implement ``decide``; a scenario can
then name it by import path (``policy: mypackage.mymodule:MyPolicy``).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import ClassVar

import numpy as np

from sim.core.ladder import US_NONE
from sim.core.layout import new_rows
from sim.core.params import Params
from sim.core.policy_catalogue import definition
from sim.core.policy_rules import CODES, decide_many
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
    """What the US wants to do today: an action code (:mod:`sim.core.ladder` ``US_*``), its
    intensity,
    and whether it would rather let the matter go (forgive) if the moment to act comes."""

    action: Array
    intensity: Array
    forgive: Array


class Policy:
    """Base class of US response policies."""

    name: ClassVar[str] = ""
    label: ClassVar[str] = ""
    #: where the idea comes from
    source: ClassVar[str] = ""
    #: short tags in the manner of the Axelrod library: kinetic, inside_iraq, targets_iran,
    #: stochastic
    classifier: ClassVar[dict[str, bool]] = {}
    #: code of a built-in policy's compiled decision (:mod:`sim.core.policy_rules`); -1 for a
    #: policy that decides in Python (a user's ``decide``)
    code: ClassVar[int] = -1

    def decide(self, obs: Observation, params: Params, u: Array) -> Decision:
        """Return today's wanted action for every run.

        Built-in policies decide by their compiled rule (:func:`sim.core.policy_rules.decide`);
        a user's policy overrides this method with vectorised numpy code.

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

    # helpers -------------------------------------------------------------------------------
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
    """Class decorator: add a policy to the registry under its ``name``; a built-in policy takes
    its ``label`` and ``source`` from its definition in :mod:`sim.core.policy_catalogue` (the
    one place where what each policy does is written)."""
    if not cls.name or cls.name in REGISTRY:
        raise ValueError(f"policy {cls.__name__} needs a unique name, got {cls.name!r}")
    d = definition(cls.name)
    if d is not None:
        cls.label, cls.source = d.label, d.source
    REGISTRY[cls.name] = cls
    return cls


class PolicyError(UserError):
    """An unknown policy name or an import path that does not give a Policy."""


def get_policy(name: str) -> Policy:
    """Return a policy instance by registered name or by import path ``module:Class``."""
    if name in REGISTRY:
        return REGISTRY[name]()
    if ":" in name or "." in name:
        mod_name, _, cls_name = name.rpartition(":") if ":" in name else name.rpartition(".")
        try:
            cls = getattr(importlib.import_module(mod_name), cls_name)
        except (ImportError, AttributeError) as exc:
            raise PolicyError(f"cannot import policy '{name}': {exc}") from None
        if not (isinstance(cls, type) and issubclass(cls, Policy)):
            raise PolicyError(f"'{name}' is not a subclass of sim.core.policies.Policy")
        return cls()
    known = ", ".join(sorted(REGISTRY))
    raise PolicyError(f"unknown policy '{name}' (known: {known}; or give module:Class)")


# --------------------------------------------------------------------------------------------
@register
class DoNothing(Policy):
    """Never respond.

    "To do nothing means letting pro-Iranian groups determine the pace and escalation of the
    conflict" (Daily Beast 2021); the course of administrations before Trump.
    """

    name = "do_nothing"
    code = CODES["do_nothing"]
    classifier = {"kinetic": False}


@register
class StrikeSyria(Policy):
    """Strike the responsible group's facilities in Syria after an attack that injures or kills.

    The Biden administration's answer of 25 February 2021 to the Erbil attack: "react without
    escalating", sparing Iraqi sovereignty (Vox 2021; Daily Beast 2021).
    """

    name = "strike_syria"
    code = CODES["strike_syria"]
    classifier = {"kinetic": True}


@register
class EscalateSyria(Policy):
    """Escalated strikes in Syria after every attack, harassment included.

    "Escalate US air strikes in Syria to punish Iran-affiliated groups" (Daily Beast 2021).
    """

    name = "escalate_syria"
    code = CODES["escalate_syria"]
    classifier = {"kinetic": True}


@register
class StrikeIraq(Policy):
    """ "Precision defensive strikes" inside Iraq after an attack that injures or kills.

    The strikes of 29 December 2019 and 12 March 2020 on Kata'ib Hezbollah (Foreign Policy).
    """

    name = "strike_iraq"
    code = CODES["strike_iraq"]
    classifier = {"kinetic": True, "inside_iraq": True}


@register
class CasualtyThreshold(Policy):
    """Strike inside Iraq only when Americans are killed.

    "A blueprint of the last administration seeking retaliation every time American personnel
    were killed" (Daily Beast 2021).
    """

    name = "casualty_threshold"
    code = CODES["casualty_threshold"]
    classifier = {"kinetic": True, "inside_iraq": True}


@register
class AnswerAttributed(Policy):
    """Strike inside Iraq after an attack that injures or kills, only when the group is named
    with a confidence of at least ``attribution_threshold``; let the other attacks go.

    "If you don't name the perpetrator, you don't have to react" (Daily Beast 2021); Esper
    before the 12 March 2020 strikes: "we are focused on the groups that we believe perpetrated
    this in Iraq" (Foreign Policy). No strike is misdirected on a group that did not attack.
    """

    name = "answer_attributed"
    code = CODES["answer_attributed"]
    classifier = {"kinetic": True, "inside_iraq": True}


@register
class HoldIranAccountable(Policy):
    """Strike Iranian forces directly after attacks that injure or kill, and after any direct
    Iranian strike.

    "It can hold Iran directly accountable, but that could lead to military escalation" (Daily
    Beast 2021).
    """

    name = "hold_iran_accountable"
    code = CODES["hold_iran_accountable"]
    classifier = {"kinetic": True, "targets_iran": True}


@register
class IraqiAccountability(Policy):
    """Demand that Baghdad prosecute the attackers, after every attack.

    "Demand that these groups be held accountable by the Iraqi authorities, but the track record
    of these investigations is grim" (Daily Beast 2021).
    """

    name = "iraqi_accountability"
    code = CODES["iraqi_accountability"]
    classifier = {"kinetic": False}


@register
class RegionalDeal(Policy):
    """Seek a regional deal with Iran every day, with no strikes.

    "Use the attacks as a lever to raise a new regional Iran deal"; "a regional approach that
    addresses tensions from Yemen to Syria" (Daily Beast 2021).
    """

    name = "regional_deal"
    code = CODES["regional_deal"]
    classifier = {"kinetic": False}


@register
class Decapitation(Policy):
    """Kill the responsible group's leadership after a lethal attack.

    The killing of Soleimani and al-Muhandis on 3 January 2020 (Foreign Policy; defence news).
    """

    name = "decapitation"
    code = CODES["decapitation"]
    classifier = {"kinetic": True, "inside_iraq": True, "targets_iran": True}


@register
class TitForTat(Policy):
    """Proportional tit-for-tat: answer every attack, in kind.

    A reference strategy from the iterated prisoner's dilemma (Axelrod 1984).
    """

    name = "tit_for_tat"
    code = CODES["tit_for_tat"]
    classifier = {"kinetic": True, "inside_iraq": True, "targets_iran": True}


@register
class GenerousTitForTat(Policy):
    """Tit-for-tat that lets an attack go with probability ``forgiveness`` (1/3 by default).

    Nowak & Sigmund 1992, Nature 355:250: generous tit-for-tat forgives with probability 1/3
    under the standard payoffs.
    """

    name = "generous_tit_for_tat"
    code = CODES["generous_tit_for_tat"]
    classifier = {"kinetic": True, "inside_iraq": True, "targets_iran": True, "stochastic": True}


def all_policies() -> list[str]:
    """Names of the built-in policies, in registry order (do_nothing first)."""
    return list(REGISTRY)
