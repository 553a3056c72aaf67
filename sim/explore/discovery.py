"""Scenario discovery: in which worlds does a policy fail, and which unknowns decide it?

The algorithms are the EMA Workbench's own (Kwakkel 2017, Environ. Model. Softw. 96:239;
``ema_workbench.analysis``), nothing re-implemented here:

* **PRIM**, the patient rule induction method (Friedman & Fisher 1999, Stat. Comput. 9:123),
  used for scenario discovery as in Bryant & Lempert 2010 (Technol. Forecast. Soc. Change
  77:34): it peels the parameter space towards a box where the worlds of interest are dense.
  *Coverage* is the share of all worlds of interest that lie in the box, *density* the share of
  the box's worlds that are of interest; the peeling trajectory trades one against the other.
* **CART** (Breiman et al. 1984), the classification tree's leaves as boxes.
* **Feature scoring** with extra trees (Geurts, Ernst & Wehenkel 2006; Jaxa-Rozen & Kwakkel
  2018, Environ. Model. Softw. 107:245): which parameters matter most for the outcome.

The worlds of interest are those where a condition on the per-world mean holds under a policy
(``war>0.05``, ``us_killed>2``, ``expulsion_vote>0.5``), or where the policy misses the user's
thresholds. The chosen box is the densest one on the trajectory whose coverage is at least
``min_coverage`` (default 0.5): a box a reader can state ("when A is above a and B below b …")
that still holds at least half of the failures.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.core.params import TABLE
from sim.errors import UserError
from sim.explore.decisions import Condition

INSTALL_HINT = (
    "scenario discovery needs the EMA Workbench: pip install 'escalation-sim[explore]' "
    "(or pip install 'ema_workbench==3.0.*')"
)
#: Below this many worlds the boxes say little even when discovery can run: the report says so.
FEW_WORLDS = 100


def min_worlds(mass_min: float = 0.05) -> int:
    """The fewest worlds scenario discovery can analyse: a box (PRIM's and CART's leaves) must
    hold at least a share ``mass_min`` of the worlds and at least one world, so at least
    ``1 / mass_min`` worlds (20 at the default 0.05)."""
    return math.ceil(1 / mass_min - 1e-9)


def _analysis() -> Any:
    """``ema_workbench.analysis``, imported on first use (it is slow to import)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # optional back-ends it does not find (ipyparallel)
            from ema_workbench import analysis
    except ImportError:
        raise UserError(INSTALL_HINT) from None
    return analysis


@dataclass
class Discovery:
    """What scenario discovery found for one question.

    Attributes
    ----------
    question : the question in words
    n_worlds, n_interest : worlds analysed, worlds of interest
    trajectory : PRIM's peeling trajectory (coverage, density, mass, res_dim, ...), one row
        per box
    chosen : index of the chosen box on the trajectory
    limits : the chosen box's limits: parameter, min, max, the explored range and PRIM's
        quasi-p-values of each restriction
    cart : CART's leaves (coverage, density, mass, res dim), one row per box
    scores : extra-trees feature scores, parameter → score, descending
    """

    question: str
    n_worlds: int
    n_interest: int
    trajectory: pd.DataFrame
    chosen: int
    limits: pd.DataFrame
    cart: pd.DataFrame
    scores: pd.Series

    @property
    def coverage(self) -> float:
        """Coverage of the chosen box."""
        return float(self.trajectory["coverage"].iloc[self.chosen])

    @property
    def density(self) -> float:
        """Density of the chosen box."""
        return float(self.trajectory["density"].iloc[self.chosen])


def varying_columns(worlds: pd.DataFrame) -> list[str]:
    """Parameter columns that vary across the worlds (what discovery can restrict)."""
    return [c for c in worlds.columns if c in TABLE and worlds[c].nunique() > 1]


def feature_scores(x: pd.DataFrame, y: np.ndarray, seed: int, classify: bool = True) -> pd.Series:
    """Extra-trees feature scores of ``y`` over the columns of ``x`` (EMA Workbench's
    ``get_ex_feature_scores``), descending."""
    an = _analysis()
    mode = an.RuleInductionType.CLASSIFICATION if classify else an.RuleInductionType.REGRESSION
    scores, _ = an.get_ex_feature_scores(x, y, mode=mode, random_state=seed)
    return scores.iloc[:, 0].rename("score").rename_axis("parameter")


def _build_tree(cart: Any, seed: int) -> None:
    """Fit the CART's tree as ``CART.build_tree`` of EMA Workbench 3.0 does (a classification
    tree whose leaves hold at least ``mass_min`` of the worlds), with a fixed ``random_state``.

    ``build_tree`` leaves it unset, and scikit-learn then breaks ties between equally good
    splits at random: the same worlds gave the boxes in another order from one call to the
    next. The tree is fitted on ``cart._x``, the float matrix the class built for it.
    """
    from sklearn.tree import DecisionTreeClassifier

    min_samples = int(cart.mass_min * cart.x.shape[0])
    cart.clf = DecisionTreeClassifier(min_samples_leaf=min_samples, random_state=seed)
    cart.clf.fit(cart._x, cart.y)


def discover(
    x: pd.DataFrame,
    y: np.ndarray,
    question: str,
    seed: int = 0,
    min_coverage: float = 0.5,
    mass_min: float = 0.05,
    peel_alpha: float = 0.05,
) -> Discovery:
    """PRIM, CART and feature scoring of the boolean ``y`` (worlds of interest) over ``x``.

    Raises
    ------
    UserError
        if there are fewer than :func:`min_worlds` worlds (a box of ``mass_min`` would hold
        no world), or no world, or every world, is of interest (there is nothing to discover).
    """
    an = _analysis()
    y = np.asarray(y, dtype=bool)
    need = min_worlds(mass_min)
    if len(y) < need:
        raise UserError(
            f"{question}: skipped, {len(y):,} worlds are too few for scenario discovery (it "
            f"needs at least {need}, and a few hundred for boxes one can trust; explore with "
            f"--worlds {need} or more)"
        )
    k = int(y.sum())
    if k == 0 or k == len(y):
        what = "no world" if k == 0 else "every world"
        raise UserError(f"{question}: {what} of the {len(y):,} is of interest; nothing to discover")
    x = x.reset_index(drop=True).astype(float)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        prim = an.Prim(x, y.astype(int), mass_min=mass_min, peel_alpha=peel_alpha)
        box = prim.find_box()
        traj = box.peeling_trajectory.reset_index(drop=True)
        ok = traj.index[traj["coverage"] >= min_coverage]
        chosen = int(traj.loc[ok, "density"].idxmax()) if len(ok) else 0
        _, lims = box.inspect(chosen, style="data")[0]
        cart = an.CART(x, y.astype(int), mass_min=mass_min)
        _build_tree(cart, seed)
        cart_stats = cart.stats_to_dataframe().reset_index(names="box")
    limits = pd.DataFrame(
        {
            "parameter": list(lims.index),
            "min": lims.iloc[:, 0].to_numpy(dtype=float),
            "max": lims.iloc[:, 1].to_numpy(dtype=float),
            "explored_low": [float(x[c].min()) for c in lims.index],
            "explored_high": [float(x[c].max()) for c in lims.index],
            "qp_lower": lims.iloc[:, 2].to_numpy(dtype=float),
            "qp_upper": lims.iloc[:, 3].to_numpy(dtype=float),
        }
    )
    scores = feature_scores(x, y.astype(int), seed)
    return Discovery(question, len(y), k, traj, chosen, limits, cart_stats, scores)


def interest(
    outcomes: pd.DataFrame, policy: str, conditions: Sequence[Condition], any_of: bool = True
) -> pd.Series:
    """World → whether a policy's per-world outcomes are of interest: any condition holds
    (``any_of``) or all do."""
    d = outcomes[outcomes["policy"].astype(str) == policy].set_index("world").sort_index()
    if d.empty:
        raise UserError(f"policy '{policy}' was not explored")
    met = [pd.Series(c(d[c.outcome].to_numpy()), index=d.index) for c in conditions]
    out = met[0]
    for m in met[1:]:
        out = (out | m) if any_of else (out & m)
    return out


def discovery_markdown(d: Discovery, k: int = 5) -> str:
    """The chosen box, its coverage and density, and the parameters that matter most."""
    lines = [
        f"## {d.question}",
        "",
        f"{d.n_interest:,} of {d.n_worlds:,} worlds ({d.n_interest / d.n_worlds:.0%}). PRIM's "
        f"chosen box (step {d.chosen} of {len(d.trajectory) - 1} on the peeling trajectory): "
        f"coverage {d.coverage:.0%}, density {d.density:.0%}.",
        "",
        *(
            [
                f"Only {d.n_worlds:,} worlds: the box and its quasi-p-values are rough (a few "
                "hundred worlds give boxes one can trust).",
                "",
            ]
            if d.n_worlds < FEW_WORLDS
            else []
        ),
        "| parameter | box | explored range | quasi-p |",
        "|---|---|---|---|",
    ]
    for r in d.limits.itertuples():
        rule = []
        if r.min > r.explored_low:
            rule.append(f"≥ {r.min:.3g}")
        if r.max < r.explored_high:
            rule.append(f"≤ {r.max:.3g}")
        qps = [q for q in (r.qp_lower, r.qp_upper) if np.isfinite(q)]
        qp = f"{min(qps):.2g}" if qps else "–"
        lines.append(
            f"| `{r.parameter}` | {' and '.join(rule) or 'any'} | "
            f"[{r.explored_low:.3g}, {r.explored_high:.3g}] | {qp} |"
        )
    top = ", ".join(f"`{p}` ({s:.2f})" for p, s in d.scores.head(k).items())
    lines += [
        "",
        "A restriction with a quasi-p-value above about 0.05 is not significant: the box "
        "would be about as good without it (Bryant & Lempert 2010).",
        "",
        f"Parameters that matter most (extra-trees feature scores): {top}.",
        "",
    ]
    return "\n".join(lines)
