"""The two sides of the escalation ladder read apart, per run: the worst militia attack and the
strongest US action.

The ladder of :mod:`sim.core.ladder` puts US strikes (rungs 5–7) above militia attacks (rungs
2–4), so a run's highest rung hides a lethal attack whenever the US also struck. Figures and
tables that show how far each side went read these two levels instead of ``max_rung``. Both come
from the per-run counts of :mod:`sim.core.outcomes`; nothing new is counted.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.core.ladder import RUNG_LABELS, Rung

#: Levels of the worst militia attack in a run: (level, label, rung of the ladder whose colour
#: it takes). Read from ``attacks_lethal``, ``attacks_injury``, ``attacks_harassment`` and
#: ``protests``.
ATTACK_LEVELS: tuple[tuple[int, str, int], ...] = (
    (0, "no attack nor threat", Rung.QUIET),
    (1, RUNG_LABELS[Rung.THREAT], Rung.THREAT),
    (2, RUNG_LABELS[Rung.HARASSMENT], Rung.HARASSMENT),
    (3, RUNG_LABELS[Rung.INJURY], Rung.INJURY),
    (4, RUNG_LABELS[Rung.LETHAL], Rung.LETHAL),
)

#: Levels of the strongest US action in a run: (level, label, rung whose colour it takes). Read
#: from ``strikes_syria``, ``strikes_iraq``, ``decapitations``, ``strikes_iran`` and ``war``.
ACTION_LEVELS: tuple[tuple[int, str, int], ...] = (
    (0, "no US strike", Rung.QUIET),
    (1, RUNG_LABELS[Rung.US_STRIKE_OUTSIDE], Rung.US_STRIKE_OUTSIDE),
    (2, RUNG_LABELS[Rung.US_STRIKE_IRAQ], Rung.US_STRIKE_IRAQ),
    (3, RUNG_LABELS[Rung.DECAPITATION], Rung.DECAPITATION),
    (4, "US strike on Iranian forces", Rung.DIRECT),
    (5, RUNG_LABELS[Rung.WAR], Rung.WAR),
)


def _positive(outcomes: pd.DataFrame, col: str) -> np.ndarray:
    if col not in outcomes:
        return np.zeros(len(outcomes), dtype=bool)
    return np.asarray(outcomes[col], dtype=float) > 0


def worst_attack(outcomes: pd.DataFrame) -> np.ndarray:
    """The level (:data:`ATTACK_LEVELS`) of the worst militia attack in each run.

    Parameters
    ----------
    outcomes : per-run outcomes with ``attacks_lethal``, ``attacks_injury``,
        ``attacks_harassment`` and ``protests`` (a missing column counts as none)

    Returns
    -------
    An integer array, one level per row: 4 if any attack killed US or coalition personnel,
    else 3 if any injured, 2 if any attack at all, 1 if threats or protests only, else 0.
    """
    level = np.zeros(len(outcomes), dtype=np.int64)
    for k, col in ((1, "protests"), (2, "attacks_harassment"), (3, "attacks_injury"),
                   (4, "attacks_lethal")):  # fmt: skip
        level[_positive(outcomes, col)] = k
    return level


def strongest_action(outcomes: pd.DataFrame) -> np.ndarray:
    """The level (:data:`ACTION_LEVELS`) of the strongest US action in each run.

    Parameters
    ----------
    outcomes : per-run outcomes with ``strikes_syria``, ``strikes_iraq``, ``decapitations``,
        ``strikes_iran`` and ``war`` (a missing column counts as none)

    Returns
    -------
    An integer array, one level per row: 5 if a US–Iran war began, else 4 if the US struck
    Iranian forces, 3 if it killed a leader, 2 if it struck inside Iraq, 1 outside Iraq, else 0.
    """
    level = np.zeros(len(outcomes), dtype=np.int64)
    for k, col in ((1, "strikes_syria"), (2, "strikes_iraq"), (3, "decapitations"),
                   (4, "strikes_iran"), (5, "war")):  # fmt: skip
        level[_positive(outcomes, col)] = k
    return level


def level_shares(levels: np.ndarray, n_levels: int) -> np.ndarray:
    """Share of runs at each level ``0 … n_levels - 1`` (zeros when there are no runs)."""
    levels = np.asarray(levels, dtype=np.int64)
    if len(levels) == 0:
        return np.zeros(n_levels)
    return np.bincount(np.clip(levels, 0, n_levels - 1), minlength=n_levels) / len(levels)


__all__ = ["ACTION_LEVELS", "ATTACK_LEVELS", "level_shares", "strongest_action", "worst_attack"]
