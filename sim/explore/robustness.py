"""Is a paired difference of ``compare`` robust to what the record cannot tell?

``compare`` estimates, under one set of assumptions (the calibrated posterior and the table's
defaults), the paired difference of each policy against doing nothing, with a bootstrap
interval for simulation noise. An exploration (:mod:`sim.explore.runner`) runs the same
policies in many worlds. For each policy and outcome this module says in what share of the
explored worlds the within-world difference, policy minus baseline, has the sign ``compare``
found (the days to a first event against the explored restricted means, ``days_to_war``
against ``days_to_war_restricted_mean``); the difference is called *robust* when that share is
at least :data:`sim.analysis.verdicts.ROBUST_SHARE` (90%). When it is not, the EMA Workbench's
extra-trees feature scoring (:func:`sim.explore.discovery.feature_scores`) names the parameter
that best separates the worlds where the sign holds from those where it flips: the unknown
that decides it.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.verdicts import ROBUST_SHARE
from sim.errors import UserError
from sim.explore.discovery import INSTALL_HINT, feature_scores, varying_columns
from sim.explore.replicates import RESTRICTED_MEANS
from sim.explore.runner import load_exploration
from sim.inputs.scenario import Scenario


def check_explore_dir(explore_dir: str | Path, scenario: Scenario | None = None) -> None:
    """Refuse, before any simulation, a directory that is not an exploration, an exploration
    of another scenario than ``scenario`` (its manifest's ``scenario_sha256``, the digest of
    the fields that change results, :meth:`sim.inputs.scenario.Scenario.digest`), or a machine
    without the EMA Workbench (which names the deciding parameters)."""
    _, _, manifest = load_exploration(explore_dir)
    if scenario is not None and manifest.get("scenario_sha256") != scenario.digest():
        made = manifest.get("scenario_name") or "(unnamed)"
        where = manifest.get("scenario_file") or "an unknown file"
        raise UserError(
            f"--robustness {explore_dir}: explored scenario '{made}' ({where}), which differs "
            f"from '{scenario.name}' in fields that change results; explore this scenario "
            "first (escalation explore SCENARIO --out DIR)"
        )
    if importlib.util.find_spec("ema_workbench") is None:
        raise UserError(INSTALL_HINT)


#: ``compare``'s outcome → the explored column of the same statistic: the paired difference of
#: the days to a first event is one of restricted means, what explore keeps under that name.
_COLUMN: dict[str, str] = {day: name for name, day in RESTRICTED_MEANS.items()}


def sign_shares(
    outcomes: pd.DataFrame, summary: pd.DataFrame, baseline: str = "do_nothing"
) -> pd.DataFrame:
    """Per policy and outcome of ``summary`` with a paired difference: the share of explored
    worlds in which ``policy − baseline`` has the sign of the summary's ``diff`` (a zero
    difference holds only where the world's difference is zero too), and that indicator per
    world (column ``holds``, a boolean array)."""
    rows = []
    have = set(outcomes.columns)
    explored = set(outcomes["policy"].astype(str))
    base = outcomes[outcomes["policy"].astype(str) == baseline].set_index("world").sort_index()
    for r in summary.itertuples():
        diff = getattr(r, "diff", np.nan)
        p, o = str(r.policy), str(r.outcome)
        if p == baseline or not np.isfinite(diff):
            continue
        col = _COLUMN.get(o, o)
        if col not in have or p not in explored or base.empty:
            rows.append(
                {
                    "policy": p,
                    "outcome": o,
                    "sign_share": np.nan,
                    "sign_reversed": np.nan,
                    "holds": None,
                }
            )
            continue
        d = outcomes[outcomes["policy"].astype(str) == p].set_index("world").sort_index()
        w = (d[col] - base[col]).to_numpy(dtype=float)
        holds = np.sign(w) == np.sign(diff)
        rev = float((np.sign(w) == -np.sign(diff)).mean()) if diff != 0 else np.nan
        rows.append(
            {
                "policy": p,
                "outcome": o,
                "sign_share": float(holds.mean()),
                "sign_reversed": rev,
                "holds": holds,
            }
        )
    return pd.DataFrame(rows, columns=["policy", "outcome", "sign_share", "sign_reversed", "holds"])


def robustness_columns(
    explore_dir: str | Path,
    summary: pd.DataFrame,
    baseline: str = "do_nothing",
    share: float = ROBUST_SHARE,
    seed: int = 0,
) -> pd.DataFrame:
    """The robustness of each paired difference of a ``compare`` summary.

    Parameters
    ----------
    explore_dir : the result directory of ``escalation explore`` (same policies and scenario:
        ``compare --robustness`` checks the scenario with :func:`check_explore_dir`)
    summary : :func:`sim.analysis.metrics.summarise_outcomes` (columns ``policy``,
        ``outcome``, ``diff``)

    Returns
    -------
    One row per policy × outcome with a difference: ``policy``, ``outcome``, ``sign_share``
    (share of explored worlds where the sign holds; NaN when the exploration lacks the policy
    or outcome), ``sign_robust`` (``sign_share >= share``; None when unknown) and
    ``decided_by`` (for a difference that is not robust, the parameter with the highest
    feature score for "the sign holds"; empty otherwise).
    """
    worlds, outcomes, _ = load_exploration(explore_dir)
    shares = sign_shares(outcomes, summary, baseline)
    x = worlds.sort_values("world").reset_index(drop=True)[varying_columns(worlds)]
    robust: list[bool | None] = []
    decided: list[str] = []
    for r in shares.itertuples():
        if not np.isfinite(r.sign_share):
            robust.append(None)
            decided.append("")
            continue
        ok = bool(r.sign_share >= share)
        robust.append(ok)
        mixed = r.holds is not None and 0 < r.holds.sum() < len(r.holds)
        if ok or not mixed or x.empty:
            decided.append("")
        else:
            decided.append(str(feature_scores(x, r.holds.astype(int), seed).index[0]))
    out = shares.drop(columns="holds")
    out["sign_robust"] = pd.array(robust, dtype="boolean")
    out["decided_by"] = decided
    return out


def robustness_markdown(summary: pd.DataFrame, rob: pd.DataFrame, explore_dir: str) -> str:
    """A table of each paired difference beside whether its sign is robust."""
    s = summary.merge(rob, on=["policy", "outcome"], how="inner")
    lines = [
        "# Robustness of the paired differences",
        "",
        f"Explored worlds: `{explore_dir}`. A difference is robust when its sign holds in at "
        f"least {ROBUST_SHARE:.0%} of the explored worlds; otherwise the parameter that best "
        "tells the worlds apart (extra-trees feature score) is named. Worlds where the sign "
        "neither holds nor is reversed show no difference.",
        "",
        "| policy | outcome | difference [95% CI] | sign holds in | reversed in | robust "
        "| decided by |",
        "|---|---|---|---|---|---|---|",
    ]
    for r in s.itertuples():
        share = "–" if not np.isfinite(r.sign_share) else f"{r.sign_share:.0%}"
        rev = "–" if not np.isfinite(r.sign_reversed) else f"{r.sign_reversed:.0%}"
        rob_ = "–" if pd.isna(r.sign_robust) else ("yes" if r.sign_robust else "no")
        by = f"`{r.decided_by}`" if r.decided_by else ""
        lines.append(
            f"| `{r.policy}` | {r.outcome} | {r.diff:.3g} [{r.diff_lo:.3g}, {r.diff_hi:.3g}] | "
            f"{share} | {rev} | {rob_} | {by} |"
        )
    return "\n".join(lines) + "\n"


def add_robustness(
    summary: pd.DataFrame, explore_dir: str | Path, outdir: Path, baseline: str = "do_nothing"
) -> pd.DataFrame:
    """``summary`` with the columns of :func:`robustness_columns` beside its paired differences
    (empty where a row has none), and ``robustness.md`` written into ``outdir`` (what
    ``compare --robustness`` does)."""
    rob = robustness_columns(explore_dir, summary, baseline)
    out = summary.merge(rob, on=["policy", "outcome"], how="left")
    out.attrs = {**summary.attrs, "robustness_dir": str(explore_dir)}
    (Path(outdir) / "robustness.md").write_text(
        robustness_markdown(summary, rob, str(explore_dir)), encoding="utf-8"
    )
    return out


def robustness_section(summary: pd.DataFrame) -> str:
    """The short section ``summary.md`` gets from ``compare --robustness``: how many paired
    differences keep their sign in at least :data:`ROBUST_SHARE` of the explored worlds, and
    the ones that do not, with the parameter that decides them (the full table is
    ``robustness.md``). ``summary``: the output of :func:`add_robustness`."""
    rows = summary[summary["sign_share"].notna()] if "sign_share" in summary else summary[:0]
    weak = rows[~rows["sign_robust"].astype(bool)] if len(rows) else rows
    where = summary.attrs.get("robustness_dir", "the exploration")
    lines = [
        "## Robustness across the explored worlds",
        "",
        f"Worlds explored in `{where}`: {len(rows) - len(weak)} of the {len(rows)} paired "
        f"differences keep their sign in at least {ROBUST_SHARE:.0%} of the worlds "
        "(robust to what the record cannot tell). Every difference: `robustness.md`; the "
        "columns `sign_share`, `sign_reversed`, `sign_robust` and `decided_by` of "
        "`summary.csv`.",
        "",
    ]
    if len(weak):
        lines += [
            "Not robust:",
            "",
            "| policy | outcome | sign holds in | reversed in | decided by |",
            "|---|---|---|---|---|",
        ]
        for r in weak.itertuples():
            rev = "–" if not np.isfinite(r.sign_reversed) else f"{r.sign_reversed:.0%}"
            by = f"`{r.decided_by}`" if r.decided_by else "–"
            lines.append(f"| `{r.policy}` | {r.outcome} | {r.sign_share:.0%} | {rev} | {by} |")
        lines.append("")
    return "\n".join(lines)
