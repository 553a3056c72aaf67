"""Decision measures across explored worlds: regret, satisficing, minimax, rank stability.

The vocabulary is that of decision making under deep uncertainty (Lempert, Popper & Bankes
2003, *Shaping the Next One Hundred Years*, RAND MR-1626; Kwakkel, Eker & Pruyt 2016, in
*Robustness Analysis in Decision Aiding*, Springer): with ``v[w, p]`` the mean outcome of
policy ``p`` in world ``w``,

* **regret** (Savage 1951, JASA 46:55) ``r[w, p] = |v[w, p] − best_w v[w, ·]|``, the loss
  against the best policy *in that world*; for outcomes where less is better (all but
  :data:`HIGHER_IS_BETTER`) best is the minimum;
* **minimax regret**: the policy whose largest regret across worlds is smallest; regret
  percentiles across worlds (p50, p90) say how bad it usually is;
* **satisficing** (Simon 1955; Starr's domain criterion, Starr 1963): the share of worlds in
  which a policy meets every threshold the user states (``us_killed<=1,war==0``);
* **rank stability**: each policy's rank in each world, the share of worlds in which it is
  best, and how often the ranking by minimax regret holds between neighbours.

All of it is computed from the per-world outcome table (:func:`sim.explore.runner.run_exploration`)
by plain arithmetic, and the tests check it on hand-computed tables.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.core import outcomes as declared
from sim.errors import UserError

#: Outcomes where more is better (for regret and ranks); every other outcome: less is better
#: (:attr:`sim.core.outcomes.Outcome.higher_is_better`, which says why).
HIGHER_IS_BETTER: frozenset[str] = frozenset(
    o.name for o in (*declared.DECLARED, *declared.RESTRICTED_MEANS.values()) if o.higher_is_better
)

_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "<=": operator.le,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    ">": operator.gt,
}
_COND = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(<=|>=|==|!=|<|>)\s*([-+0-9.eE]+)\s*$")
PERCENTILES: tuple[int, ...] = (50, 90)


@dataclass(frozen=True)
class Condition:
    """One threshold ``outcome OP value`` on a per-world mean."""

    outcome: str
    op: str
    value: float

    def __call__(self, v: np.ndarray) -> np.ndarray:
        return _OPS[self.op](np.asarray(v, dtype=float), self.value)

    def __str__(self) -> str:
        return f"{self.outcome}{self.op}{self.value:g}"


def parse_conditions(
    text: str, outcomes: Sequence[str], option: str = "--satisfy"
) -> list[Condition]:
    """Parse ``"us_killed<=1,war==0"`` into conditions on known outcomes.

    Raises
    ------
    UserError
        for a malformed item or an unknown outcome (listing the known ones).
    """
    items = [s for s in text.split(",")]
    if not text.strip() or any(not s.strip() for s in items):
        raise UserError(f"{option}: empty condition in '{text}'")
    out = []
    for item in items:
        m = _COND.match(item)
        if not m:
            raise UserError(
                f"{option}: '{item.strip()}' is not of the form OUTCOME<=NUMBER "
                "(operators <=, >=, <, >, ==, !=)"
            )
        name, op, num = m.groups()
        if name not in outcomes:
            raise UserError(f"{option}: unknown outcome '{name}' (known: {', '.join(outcomes)})")
        try:
            value = float(num)
        except ValueError:
            raise UserError(f"{option}: '{num}' in '{item.strip()}' is not a number") from None
        out.append(Condition(name, op, value))
    return out


def _wide(outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """World × policy table of one outcome (policies in their order of appearance)."""
    policies = [str(p) for p in pd.unique(outcomes["policy"].astype(str))]
    w = outcomes.pivot(index="world", columns="policy", values=outcome)
    w.columns = w.columns.astype(str)
    return w[policies]


def _comparable(outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """:func:`_wide`, refused for an outcome that is undefined (NaN) for a policy in some
    world: regret and ranks compare every policy in every world (``lull_after_response`` is
    NaN where the US never struck, always under ``do_nothing``)."""
    w = _wide(outcomes, outcome)
    bad = [str(p) for p in w.columns if w[p].isna().any()]
    if bad:
        raise UserError(
            f"outcome '{outcome}' is undefined (NaN) in some worlds for {', '.join(bad)}; "
            "regret and ranks need a value for every policy in every world"
        )
    return w


def regret_table(outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """World × policy regret of one outcome: distance to the best policy of the world."""
    w = _comparable(outcomes, outcome)
    best = w.max(axis=1) if outcome in HIGHER_IS_BETTER else w.min(axis=1)
    return (w.sub(best, axis=0)).abs()


def regret_summary(outcomes: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Per outcome and policy: mean value, mean, p50, p90 and maximum regret across worlds,
    and whether the policy is the minimax-regret choice for that outcome."""
    rows = []
    for o in names:
        r = regret_table(outcomes, o)
        v = _wide(outcomes, o)
        mx = r.max(axis=0)
        for p in r.columns:
            row = {
                "outcome": o,
                "policy": p,
                "mean_value": float(v[p].mean()),
                "mean_regret": float(r[p].mean()),
            }
            for q in PERCENTILES:
                row[f"p{q}_regret"] = float(np.percentile(r[p], q))
            row["max_regret"] = float(mx[p])
            row["minimax"] = bool(np.isclose(mx[p], mx.min()))
            rows.append(row)
    return pd.DataFrame(rows)


def satisficing(outcomes: pd.DataFrame, conditions: Sequence[Condition]) -> pd.DataFrame:
    """World × policy: whether the policy meets every condition in that world."""
    ok = None
    for c in conditions:
        met = _wide(outcomes, c.outcome).apply(c)
        ok = met if ok is None else ok & met
    assert ok is not None
    return ok.astype(bool)


def rank_table(outcomes: pd.DataFrame, outcome: str) -> pd.DataFrame:
    """World × policy rank of one outcome (1 = best; ties share the best rank)."""
    w = _comparable(outcomes, outcome)
    return w.rank(axis=1, method="min", ascending=outcome not in HIGHER_IS_BETTER).astype(int)


def ranking(
    outcomes: pd.DataFrame, outcome: str, conditions: Sequence[Condition] = ()
) -> pd.DataFrame:
    """The policies ranked by minimax regret on ``outcome`` (ties by mean regret), with how
    often the ranking holds.

    Columns: ``rank``, ``policy``, ``max_regret``, ``p90_regret``, ``mean_regret``,
    ``share_best`` (worlds where the policy is best or tied best), ``mean_rank``,
    ``share_beats_next`` (worlds where it does at least as well as the policy ranked below
    it), ``share_satisficing`` (worlds meeting every condition; NaN without conditions) and
    ``rank_1`` … ``rank_P`` (share of worlds at each rank).
    """
    r = regret_table(outcomes, outcome)
    ranks = rank_table(outcomes, outcome)
    w = _wide(outcomes, outcome)
    sat = satisficing(outcomes, conditions) if conditions else None
    order = sorted(r.columns, key=lambda p: (r[p].max(), r[p].mean(), list(r.columns).index(p)))
    rows = []
    for i, p in enumerate(order):
        nxt = order[i + 1] if i + 1 < len(order) else None
        if nxt is None:
            beats = np.nan
        elif outcome in HIGHER_IS_BETTER:
            beats = float((w[p] >= w[nxt]).mean())
        else:
            beats = float((w[p] <= w[nxt]).mean())
        row = {
            "rank": i + 1,
            "policy": p,
            "max_regret": float(r[p].max()),
            "p90_regret": float(np.percentile(r[p], 90)),
            "mean_regret": float(r[p].mean()),
            "share_best": float((ranks[p] == 1).mean()),
            "mean_rank": float(ranks[p].mean()),
            "share_beats_next": beats,
            "share_satisficing": float(sat[p].mean()) if sat is not None else np.nan,
        }
        for k in range(1, len(order) + 1):
            row[f"rank_{k}"] = float((ranks[p] == k).mean())
        rows.append(row)
    return pd.DataFrame(rows)


def decisions_markdown(
    rank: pd.DataFrame, outcome: str, conditions: Sequence[Condition], n_worlds: int
) -> str:
    """A readable ranking table with its reading."""
    cond = ", ".join(str(c) for c in conditions) or "none"
    lines = [
        f"# Robust decisions: `{outcome}` across {n_worlds:,} explored worlds",
        "",
        f"Regret = distance to the best policy of the same world (lower is better). "
        f"Thresholds (satisficing): {cond}.",
        "",
        "| rank | policy | max regret | p90 regret | mean regret | best in | beats next in "
        "| meets thresholds in |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in rank.itertuples():
        beats = "–" if np.isnan(r.share_beats_next) else f"{r.share_beats_next:.0%}"
        sat = "–" if np.isnan(r.share_satisficing) else f"{r.share_satisficing:.0%}"
        lines.append(
            f"| {r.rank} | `{r.policy}` | {r.max_regret:.3g} | {r.p90_regret:.3g} | "
            f"{r.mean_regret:.3g} | {r.share_best:.0%} | {beats} | {sat} |"
        )
    lines += [
        "",
        "Ranked by minimax regret (the smallest worst-case regret first). 'best in': share of "
        "worlds where the policy is best or tied best; 'beats next in': share of worlds where "
        "it does at least as well as the policy ranked below it. Model output over sampled "
        "assumptions, not a forecast.",
    ]
    return "\n".join(lines)
