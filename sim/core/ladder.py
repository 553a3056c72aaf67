"""The escalation ladder and the action codes of the record, in one place.

Every engine, the event record and the figures use these codes. The ladder follows the draft in
DESIGN.md ("Escalation ladder"), with one change: rung 8 covers a direct state-on-state strike in
either direction (Iran on US forces, as on 8 January 2020, or the US on Iranian forces or
territory), because both are what the outcome "direct US–Iran exchange" counts.
"""

from __future__ import annotations

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

#: US response kinds, the integer codes the policies return (one per run per day).
US_NONE = 0
US_STRIKE_SYRIA = 1
US_STRIKE_IRAQ = 2
US_DECAPITATION = 3
US_STRIKE_IRAN = 4
US_PRESS_BAGHDAD = 5
US_DIPLOMACY = 6
#: the killing of an Iranian official (Soleimani, with the PMF's al-Muhandis, 3 January 2020);
#: ``US_DECAPITATION`` kills the commanders of a militia group only
US_DECAPITATION_IRAN = 7
#: talks with Baghdad on a timetable for the withdrawal of US forces (the condition of Kata'ib
#: Hezbollah's ceasefire of October 2020, defence news); non-kinetic, answers no attack
US_NEGOTIATE = 8

US_ACTION_NAMES: dict[int, str] = {
    US_NONE: "none",
    US_STRIKE_SYRIA: "strike_syria",
    US_STRIKE_IRAQ: "strike_iraq",
    US_DECAPITATION: "decapitation",
    US_STRIKE_IRAN: "strike_iran",
    US_PRESS_BAGHDAD: "press_baghdad",
    US_DIPLOMACY: "diplomacy",
    US_DECAPITATION_IRAN: "decapitation_iran",
    US_NEGOTIATE: "negotiate_withdrawal",
}

#: The rung that each US action reaches (non-kinetic actions reach none).
US_ACTION_RUNG: dict[int, Rung] = {
    US_NONE: Rung.QUIET,
    US_STRIKE_SYRIA: Rung.US_STRIKE_OUTSIDE,
    US_STRIKE_IRAQ: Rung.US_STRIKE_IRAQ,
    US_DECAPITATION: Rung.DECAPITATION,
    US_STRIKE_IRAN: Rung.DIRECT,
    US_PRESS_BAGHDAD: Rung.QUIET,
    US_DIPLOMACY: Rung.QUIET,
    US_DECAPITATION_IRAN: Rung.DECAPITATION,
    US_NEGOTIATE: Rung.QUIET,
}

#: Kinetic US actions (the ones that count as "US strikes").
US_KINETIC: tuple[int, ...] = (
    US_STRIKE_SYRIA,
    US_STRIKE_IRAQ,
    US_DECAPITATION,
    US_STRIKE_IRAN,
    US_DECAPITATION_IRAN,
)
#: Decapitations of either kind (the outcome ``decapitations`` counts both).
US_DECAPITATIONS: tuple[int, ...] = (US_DECAPITATION, US_DECAPITATION_IRAN)
#: The same as lookup tables indexed by action code (faster than np.isin on every day).
IS_KINETIC = np.isin(np.arange(len(US_ACTION_NAMES)), US_KINETIC)
HITS_MILITIA = np.isin(
    np.arange(len(US_ACTION_NAMES)),
    (US_STRIKE_SYRIA, US_STRIKE_IRAQ, US_DECAPITATION, US_DECAPITATION_IRAN),
)
IS_DECAPITATION = np.isin(np.arange(len(US_ACTION_NAMES)), US_DECAPITATIONS)

#: Attack severity classes, the codes the severity rule returns.
SEV_NONE = 0
SEV_HARASSMENT = 1
SEV_INJURY = 2
SEV_LETHAL = 3
