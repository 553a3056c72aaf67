"""The escalation ladder, the action codes of the record and the US actions, in one place.

Every engine, the event record and the figures use these codes; a US action is declared once
(:class:`USAction`, :data:`US_ACTIONS`). The ladder follows the draft in
DESIGN.md ("Escalation ladder"), with one change: rung 8 covers a direct state-on-state strike in
either direction (Iran on US forces, as on 8 January 2020, or the US on Iranian forces or
territory), because both are what the outcome "direct US–Iran exchange" counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

import numpy as np


class Rung(IntEnum):
    """Rungs of the escalation ladder, lowest to highest."""

    QUIET = 0
    THREAT = 1  # threats, protests, the storming of the embassy compound
    HARASSMENT = 2  # attack without casualties
    INJURY = 3  # attack with injuries or material damage
    LETHAL = 4  # attack that kills US or coalition personnel
    US_STRIKE_OUTSIDE = 5  # US strike outside Iraq (Syria)
    US_STRIKE_IRAQ = 6  # US strike inside Iraq ("precision defensive strikes")
    DECAPITATION = 7  # killing of a leader (Soleimani and al-Muhandis, 3 Jan 2020)
    DIRECT = 8  # direct US–Iran state-on-state strike, either direction
    WAR = 9  # sustained direct US–Iran war


RUNG_LABELS: dict[int, str] = {
    0: "quiet",
    1: "threats/protests",
    2: "harassment attack",
    3: "attack with injuries",
    4: "lethal attack",
    5: "US strike outside Iraq",
    6: "US strike inside Iraq",
    7: "decapitation",
    8: "direct US–Iran strike",
    9: "US–Iran war",
}

#: Action codes used in the record (``sim/data/events.csv``, column ``action``) and the rung each
#: one reaches. Non-violent codes (posture changes, votes, ceasefires) sit on rung 0 or 1.
ACTIONS: dict[str, Rung] = {
    "statement": Rung.QUIET,
    "ceasefire": Rung.QUIET,
    "force_posture": Rung.QUIET,  # air defences sent, bases consolidated
    "withdrawal": Rung.QUIET,  # US forces leave a base or the country
    "diplomacy": Rung.QUIET,
    "threat": Rung.THREAT,
    "protest": Rung.THREAT,
    "embassy_storming": Rung.THREAT,
    "expulsion_vote": Rung.THREAT,
    "harassment_attack": Rung.HARASSMENT,
    "injury_attack": Rung.INJURY,
    "lethal_attack": Rung.LETHAL,
    "us_strike_syria": Rung.US_STRIKE_OUTSIDE,
    "us_clash_syria": Rung.US_STRIKE_OUTSIDE,
    "us_strike_iraq": Rung.US_STRIKE_IRAQ,
    "decapitation": Rung.DECAPITATION,
    "iran_state_strike": Rung.DIRECT,
    "us_strike_iran": Rung.DIRECT,
    "war": Rung.WAR,
}

#: Actor codes of the record. Named militia groups are also allowed (see
#: ``sim.core.params.GROUPS``).
ACTORS: tuple[str, ...] = ("us", "iran", "militia", "iraq_gov", "unknown", "other")


@dataclass(frozen=True)
class USAction:
    """One kind of US action: what a policy asks for and the record forces, one per run per
    day (its code is its place in :data:`US_ACTIONS`). What it does to each actor is the
    rulebook's (:mod:`sim.core.rules`); what it is, is here."""

    name: str
    #: in words, as the figures name it
    words: str
    #: the dashboard's diary line, ``{target}`` standing for the group it hits ("" : none, for
    #: an action taken every day under its policy)
    diary: str
    #: the rung of the ladder it reaches (:class:`Rung`; non-kinetic actions reach none)
    rung: Rung
    #: counts as a US strike (the outcome ``us_strikes``)
    kinetic: bool = False
    #: hits the militia group it targets (deterrence, revenge, militia members killed)
    hits_militia: bool = False
    #: a decapitation, of militia commanders or of an Iranian official (``decapitations``)
    decapitation: bool = False
    #: answers the pending attacks (clears the US memory of them) and comes after the
    #: response delay; diplomacy and talks answer nothing and are not delayed
    answers: bool = True
    #: the parameter of its intensity when the record forces it in a replay ("" : none)
    intensity: str = ""


#: The US actions, in code order (a user's Python policy returns these codes).
US_ACTIONS: tuple[USAction, ...] = (
    USAction("none", "no action", "", Rung.QUIET, answers=False),
    USAction("strike_syria", "US strike in Syria", "US strike in Syria on {target}",
             Rung.US_STRIKE_OUTSIDE, kinetic=True, hits_militia=True,
             intensity="intensity_syria"),
    USAction("strike_iraq", "US strike inside Iraq", "US strike inside Iraq on {target}",
             Rung.US_STRIKE_IRAQ, kinetic=True, hits_militia=True, intensity="intensity_iraq"),
    USAction("decapitation", "US decapitation strike",
             "US decapitation strike on the leaders of {target}", Rung.DECAPITATION,
             kinetic=True, hits_militia=True, decapitation=True,
             intensity="intensity_decapitation"),
    USAction("strike_iran", "US strike on Iranian forces", "US strike on Iranian forces",
             Rung.DIRECT, kinetic=True, intensity="intensity_iran"),
    USAction("press_baghdad", "US presses Baghdad",
             "US presses Baghdad to prosecute the attackers", Rung.QUIET,
             intensity="intensity_press"),
    USAction("diplomacy", "US diplomacy towards a regional deal", "", Rung.QUIET,
             answers=False),
    # the killing of an Iranian official (Soleimani, with the PMF's al-Muhandis, 3 January
    # 2020); "decapitation" kills the commanders of a militia group only
    USAction("decapitation_iran", "US killing of an Iranian official",
             "US strike kills an Iranian official and the leaders of {target}",
             Rung.DECAPITATION, kinetic=True, hits_militia=True, decapitation=True,
             intensity="intensity_decapitation"),
    # talks with Baghdad on a timetable for the withdrawal of US forces (the condition of
    # Kata'ib Hezbollah's ceasefire of October 2020, defence news); answers no attack
    USAction("negotiate_withdrawal", "US talks on a withdrawal timetable", "", Rung.QUIET,
             answers=False),
)  # fmt: skip
_CODE = {a.name: k for k, a in enumerate(US_ACTIONS)}
#: The action codes, by name (the rules refer to them).
US_NONE = _CODE["none"]
US_STRIKE_SYRIA = _CODE["strike_syria"]
US_STRIKE_IRAQ = _CODE["strike_iraq"]
US_DECAPITATION = _CODE["decapitation"]
US_STRIKE_IRAN = _CODE["strike_iran"]
US_PRESS_BAGHDAD = _CODE["press_baghdad"]
US_DIPLOMACY = _CODE["diplomacy"]
US_DECAPITATION_IRAN = _CODE["decapitation_iran"]
US_NEGOTIATE = _CODE["negotiate_withdrawal"]

US_ACTION_NAMES: dict[int, str] = {k: a.name for k, a in enumerate(US_ACTIONS)}
#: The rung that each US action reaches (non-kinetic actions reach none).
US_ACTION_RUNG: dict[int, Rung] = {k: a.rung for k, a in enumerate(US_ACTIONS)}
#: Kinetic US actions (the ones that count as "US strikes").
US_KINETIC: tuple[int, ...] = tuple(k for k, a in enumerate(US_ACTIONS) if a.kinetic)
#: Decapitations of either kind (the outcome ``decapitations`` counts both).
US_DECAPITATIONS: tuple[int, ...] = tuple(k for k, a in enumerate(US_ACTIONS) if a.decapitation)
#: The same as lookup tables indexed by action code (faster than np.isin on every day).
IS_KINETIC = np.array([a.kinetic for a in US_ACTIONS])
HITS_MILITIA = np.array([a.hits_militia for a in US_ACTIONS])
IS_DECAPITATION = np.array([a.decapitation for a in US_ACTIONS])
ANSWERS = np.array([a.answers for a in US_ACTIONS])
ACTION_RUNG = np.array([int(a.rung) for a in US_ACTIONS], dtype=np.int64)

#: Attack severity classes, the codes the severity rule returns.
SEV_NONE = 0
SEV_HARASSMENT = 1
SEV_INJURY = 2
SEV_LETHAL = 3
