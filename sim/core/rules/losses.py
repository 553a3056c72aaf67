"""Losses the outcomes count beside the Americans': militia fighters killed by US strikes, and
non-US coalition members and contractors killed or wounded by militia attacks.

They are counted, not acted on: no rule of any actor reads them (a struck group's grievance and
fear follow the strike's intensity, :mod:`sim.core.rules.militia`), so they change no other
outcome. Their draws have slots of their own (:mod:`sim.core.draws`), so the other draws are
the same with or without them. The counts are overdispersed, as the record's are (25 KH
members killed on 2019-12-29, four on 2024-07-30), drawn by inverting a geometric CDF.
"""

from __future__ import annotations

import math

from sim.core.jit import njit
from sim.core.ladder import IS_DECAPITATION, US_STRIKE_IRAQ, US_STRIKE_SYRIA
from sim.core.rules.common import geometric_count


@njit
def count_from_zero(mean: float, u: float) -> int:
    """A count of at least 0 with the given mean, by inverting a geometric CDF at ``u``:
    ``P(K >= k) = q**k`` with ``q = mean / (1 + mean)``; 0 for a mean of 0 or less."""
    if mean <= 0.0:
        return 0
    q = mean / (1.0 + mean)
    return math.floor(math.log1p(-u) / math.log(q))


@njit
def militia_killed(
    action: int, intensity: float, u: float, per_intensity: float, per_decapitation: float
) -> int:
    """Militia members killed by today's US action.

    A strike in Syria or Iraq kills a geometric number from 0 with mean ``per_intensity *
    intensity`` (the 2019-12-29 strikes in Iraq killed 25 KH members, Foreign Policy; the
    2024-07-30 strike "killed four", Vox 2024; the 2020-03-12 strikes on five depots killed, Iraq
    said, Iraqi soldiers and civilians instead, Foreign Policy). A decapitation of either kind
    kills a geometric number from 1 with mean ``per_decapitation``: the commander and those with
    him (al-Muhandis died beside Soleimani on 2020-01-03; the Iranian official is not counted).
    Other actions (a strike on Iranian forces, demands, diplomacy) kill no militia members.
    """
    if IS_DECAPITATION[action]:
        return geometric_count(per_decapitation, u)
    if action == US_STRIKE_SYRIA or action == US_STRIKE_IRAQ:
        return count_from_zero(per_intensity * intensity, u)
    return 0


@njit
def coalition_casualties(
    hurting: float, u_killed: float, u_wounded: float, killed_mean: float, wounded_mean: float
) -> tuple[int, int]:
    """Non-US coalition members and contractors killed and wounded by the day's ``hurting``
    attacks (those that injured or killed Americans), each a geometric number from 0 with mean
    ``hurting`` times the mean per attack. ``hurting`` carries the war's casualty factor.

    The record: a British servicewoman killed at Taji on 2020-03-11 (Foreign Policy), a
    Filipino contractor at Erbil on 2021-02-15 (Vox 2021), two contractors of unstated
    nationality wounded at al-Asad on 2024-08-05 (Vox 2024).
    """
    if hurting <= 0.0:
        return 0, 0
    return (
        count_from_zero(hurting * killed_mean, u_killed),
        count_from_zero(hurting * wounded_mean, u_wounded),
    )
