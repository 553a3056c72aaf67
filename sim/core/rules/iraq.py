"""The Iraqi government: sovereignty pressure, protests, the expulsion vote, prosecutions."""

from __future__ import annotations

from sim.core.jit import njit
from sim.core.ladder import IS_DECAPITATION, US_PRESS_BAGHDAD, US_STRIKE_IRAQ, US_STRIKE_SYRIA
from sim.core.rules.common import decay


@njit
def pressure_update(
    pressure: float,
    us_action: int,
    intensity: float,
    cost_iraq: float,
    cost_syria: float,
    cost_decapitation: float,
    press_cost: float,
    keep: float,
) -> float:
    """Iraqi political pressure on the US presence after today's US action.

    US strikes inside Iraq violate sovereignty (Iraq accused the US of killing its soldiers on
    2020-03-12); strikes in Syria barely do ("did not violate Iraqi sovereignty", Daily Beast
    2021); a decapitation on Iraqi soil, whoever is killed, costs the most (the expulsion vote
    of 2020-01-05); US demands to prosecute militias carry a political cost too (by their
    intensity).
    """
    p = decay(pressure, keep)
    if us_action == US_STRIKE_IRAQ:
        p += cost_iraq * intensity
    elif us_action == US_STRIKE_SYRIA:
        p += cost_syria * intensity
    elif IS_DECAPITATION[us_action]:  # an Iranian official's killing or a militia commander's
        p += cost_decapitation
    elif us_action == US_PRESS_BAGHDAD:
        p += press_cost * intensity
    return p


@njit
def misdirection_cost(us_action: int, intensity: float, misdirected: bool, cost: float) -> float:
    """Extra Iraqi pressure from a US strike on Iraqi soil (inside Iraq, or a decapitation) that
    hit a group other than the attacker (:func:`sim.core.rules.us.misdirected`), added to
    :func:`pressure_update`: Iraq "accused the U.S. military of killing Iraqi soldiers and
    civilians instead of Kata'ib Hezbollah members", "aggravating already strained U.S.-Iraqi
    tensions" (2020-03-13-iraq-condemns-strikes, Foreign Policy). A misdirected strike in Syria
    adds nothing: it does not violate Iraqi sovereignty (Daily Beast 2021)."""
    on_iraqi_soil = us_action == US_STRIKE_IRAQ or IS_DECAPITATION[us_action]
    return cost * intensity if (misdirected and on_iraqi_soil) else 0.0


@njit
def vote_hazard(pressure: float, threshold: float, rate: float) -> float:
    """Daily hazard of parliament's vote to expel US forces, once pressure exceeds a threshold
    (2020-01-05). The day passes the pressure of the morning, so parliament answers a US action
    the next day at the earliest (the vote came two days after the decapitation)."""
    return rate * max(pressure - threshold, 0.0)


@njit
def protest_hazard(pressure: float, rate: float, present: bool) -> float:
    """Daily hazard of threats and protests (rung 1), such as the storming of the embassy on
    2019-12-31, two days after the US strikes (on the morning's pressure); none once US forces
    have left."""
    return rate * pressure if present else 0.0


@njit
def prosecution(us_action: int, u: float, rate: float) -> bool:
    """Whether Baghdad charges the group the US pressed it about ("No militias have ever been
    charged", Daily Beast 2021, hence a small rate)."""
    return us_action == US_PRESS_BAGHDAD and u < rate


@njit
def prosecuted_group(group: int, target: int, prosecuted: bool) -> bool:
    """Whether ``group`` is the one charged today: the group the US named to Baghdad
    (:func:`sim.core.rules.us.strike_target`)."""
    return prosecuted and group == target
