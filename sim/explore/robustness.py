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
from sim.core.policies import label as policy_label
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


#: Fewest replications per world for the sign of a world's difference to be read as that
#: world's: below it the report warns that Monte Carlo noise may flip signs.
MIN_REPLICATIONS = 50
#: Largest share of the between-world variance of a difference that Monte Carlo noise may take
#: before the report warns that flips may be noise (see :func:`noise_share`).
MAX_NOISE_SHARE = 0.25
#: A parameter is named as deciding a sign only when its extra-trees feature score is at least
#: this many times the score every parameter would get if none mattered (1/k of k parameters),
#: and at least :data:`MIN_SCORE`; with few parameters, a score of :data:`MAX_THRESHOLD` is
#: always enough.
SCORE_RATIO = 3.0
MIN_SCORE = 0.1
MAX_THRESHOLD = 0.5


def score_threshold(k: int) -> float:
    """The feature score a deciding parameter needs among ``k`` parameters."""
    return min(MAX_THRESHOLD, max(MIN_SCORE, SCORE_RATIO / max(k, 1)))


def outcome_only_parameters() -> frozenset[str]:
    """Parameters that only scale a count and that no rule reads (their table entry says
    "Outcome only"): they cannot decide any other outcome."""
    from sim.core.params import TABLE

    return frozenset(
        n for n, p in TABLE.items() if "outcome only" in f"{p.source} {p.description}".lower()
    )


def policy_parameters() -> dict[str, frozenset[str]]:
    """Each built-in policy's declared parameters (per-group ones by prefix), plus the shared
    ones every US action goes through (:data:`sim.core.policies.SHARED_PARAMETERS`)."""
    from sim.core.policies import REGISTRY, SHARED_PARAMETERS

    return {n: frozenset((*c.parameters, *SHARED_PARAMETERS)) for n, c in REGISTRY.items()}


def _declared(param: str, names: frozenset[str]) -> bool:
    return any(param == n or param.startswith(n + ".") for n in names)


def can_decide(param: str, policy: str, baseline: str, outcome: str) -> bool:
    """Whether a rule reads ``param`` on the way from the two policies to ``outcome``.

    A parameter some policy declares (an action's intensity, its targeting...) acts only
    through the policies that declare it, so it can decide a difference between ``policy``
    and ``baseline`` only if one of them declares it; a parameter no policy declares is the
    model's own and can. An outcome-only parameter (:func:`outcome_only_parameters`) decides
    only the count it scales (``militia_killed_decapitation`` the militia members killed).
    """
    if param in outcome_only_parameters():
        return param.startswith(outcome)
    declared = policy_parameters()
    anyone = frozenset().union(*declared.values())
    if not _declared(param, anyone):
        return True
    mine = declared.get(policy, frozenset()) | declared.get(baseline, frozenset())
    if policy not in declared:  # a user's policy: its declaration, if any
        from sim.core.policies import describe

        cls = describe(policy)
        mine |= frozenset(getattr(cls, "parameters", ()) or ())
    return _declared(param, mine)


def deciding_parameter(
    scores: pd.Series, policy: str, baseline: str, outcome: str
) -> tuple[str, float]:
    """The parameter named as deciding a sign, and its score: the best-scoring parameter a
    rule reads on the way to the outcome (:func:`can_decide`), if its score passes the stated
    threshold (:func:`score_threshold`); else ``("", score)``."""
    threshold = score_threshold(len(scores))
    for name, score in scores.items():
        if can_decide(str(name), policy, baseline, outcome):
            return (str(name), float(score)) if score >= threshold else ("", float(score))
    return "", float("nan")


def _noise_var(a: np.ndarray, b: np.ndarray, outcome: str, replications: int, tau: float):
    """Monte Carlo variance of each world's difference of two means over ``replications`` runs,
    by the outcome's kind: binomial for a share, Poisson for a count (a lower bound when counts
    are overdispersed), the bound τ²/4 for a restricted mean (an upper bound); the positive
    correlation common random numbers give the two is ignored (an upper bound)."""
    from sim.core import outcomes as declared

    r = max(int(replications), 1)
    name = RESTRICTED_MEANS.get(outcome, outcome)
    o = declared.OUTCOMES.get(name) if name in declared.OUTCOMES else None
    if outcome in RESTRICTED_MEANS or name in RESTRICTED_MEANS.values():
        return np.full(len(a), 2 * tau * tau / 4 / r)
    if o is not None and o.kind == declared.SHARE:
        return (a * (1 - a) + b * (1 - b)) / r
    return (np.abs(a) + np.abs(b)) / r


def noise_share(w: np.ndarray, noise_var: np.ndarray) -> float:
    """The share of the variance of the worlds' differences ``w`` that Monte Carlo noise
    within a world accounts for: mean noise variance over the variance between worlds (at most
    1; NaN when the worlds do not vary)."""
    total = float(np.var(w, ddof=1)) if len(w) > 1 else 0.0
    if total <= 0:
        return float("nan")
    return float(min(1.0, np.mean(noise_var) / total))


#: ``compare``'s outcome → the explored column of the same statistic: the paired difference of
#: the days to a first event is one of restricted means, what explore keeps under that name.
_COLUMN: dict[str, str] = {day: name for name, day in RESTRICTED_MEANS.items()}


def sign_shares(
    outcomes: pd.DataFrame,
    summary: pd.DataFrame,
    baseline: str = "do_nothing",
    replications: int = 0,
    horizon: float = 365.0,
) -> pd.DataFrame:
    """Per policy and outcome of ``summary`` with a paired difference: the share of explored
    worlds in which ``policy − baseline`` has the sign of the summary's ``diff`` (a zero
    difference holds only where the world's difference is zero too), and that indicator per
    world (column ``holds``, a boolean array).

    A row where both policies give the same constant in every world and in ``compare`` (0
    militia killed against 0) says nothing about robustness and is left out (NaN, ``note``
    "the same in every world"). ``noise_share`` is the share of the between-world variance of
    the difference that Monte Carlo noise within a world accounts for (:func:`noise_share`,
    from ``replications`` runs per world; NaN when not given)."""
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
                    "noise_share": np.nan,
                    "note": "not explored",
                    "holds": None,
                }
            )
            continue
        d = outcomes[outcomes["policy"].astype(str) == p].set_index("world").sort_index()
        a, b = d[col].to_numpy(dtype=float), base[col].to_numpy(dtype=float)
        w = a - b
        if diff == 0 and np.all(w == 0):  # the same in every world: no sign to test
            rows.append({"policy": p, "outcome": o, "sign_share": np.nan,
                         "sign_reversed": np.nan, "noise_share": np.nan,
                         "note": "the same in every world", "holds": None})  # fmt: skip
            continue
        holds = np.sign(w) == np.sign(diff)
        rev = float((np.sign(w) == -np.sign(diff)).mean()) if diff != 0 else np.nan
        noise = (
            noise_share(w, _noise_var(a, b, col, replications, horizon)) if replications else np.nan
        )
        rows.append(
            {
                "policy": p,
                "outcome": o,
                "sign_share": float(holds.mean()),
                "sign_reversed": rev,
                "noise_share": noise,
                "note": "",
                "holds": holds,
            }
        )
    cols = ["policy", "outcome", "sign_share", "sign_reversed", "noise_share", "note", "holds"]
    return pd.DataFrame(rows, columns=cols)


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
    worlds, outcomes, manifest = load_exploration(explore_dir)
    reps = int(manifest.get("replications") or 0)
    horizon = float(summary.attrs.get("horizon") or manifest.get("days") or 365)
    shares = sign_shares(outcomes, summary, baseline, reps, horizon)
    x = worlds.sort_values("world").reset_index(drop=True)[varying_columns(worlds)]
    robust: list[bool | None] = []
    decided: list[str] = []
    scores: list[float] = []
    for r in shares.itertuples():
        if not np.isfinite(r.sign_share):
            robust.append(None)
            decided.append("")
            scores.append(np.nan)
            continue
        ok = bool(r.sign_share >= share)
        robust.append(ok)
        mixed = r.holds is not None and 0 < r.holds.sum() < len(r.holds)
        if ok or not mixed or x.empty:
            decided.append("")
            scores.append(np.nan)
        else:
            fs = feature_scores(x, r.holds.astype(int), seed)
            name, score = deciding_parameter(fs, str(r.policy), baseline, str(r.outcome))
            decided.append(name)
            scores.append(score)
    out = shares.drop(columns="holds")
    out["sign_robust"] = pd.array(robust, dtype="boolean")
    out["decided_by"] = decided
    out["decided_score"] = scores
    out.attrs["replications"] = reps
    return out


def robustness_markdown(summary: pd.DataFrame, rob: pd.DataFrame, explore_dir: str) -> str:
    """A table of each paired difference beside whether its sign is robust."""
    s = summary.merge(rob, on=["policy", "outcome"], how="inner")
    lines = [
        "# Robustness of the paired differences",
        "",
        f"Explored worlds: `{explore_dir}`. A difference is robust when its sign holds in at "
        f"least {ROBUST_SHARE:.0%} of the explored worlds. Otherwise the parameter that best "
        "tells the worlds apart (extra-trees feature score) is named only if its score is at "
        f"least {SCORE_RATIO:g} times the score of a parameter that did not matter (1/k of k "
        f"parameters) and at least {MIN_SCORE:g} (a score of {MAX_THRESHOLD:g} always "
        "suffices), and a rule reads it on the way from the two "
        "policies to the outcome (a parameter of an action only for a policy that takes that "
        "action; an outcome-only parameter only for its count). Worlds where the sign neither "
        "holds nor is reversed show no difference. Rows where both policies give the same "
        "constant in every world are left out. Monte Carlo noise: the share of the "
        "between-world variance of a difference that the noise within a world (its "
        "replications) accounts for; where it is large, sign flips may be noise, not "
        "parameters.",
        "",
        *_warnings(rob),
        "| policy | outcome | difference [95% CI] | sign holds in | reversed in | noise share "
        "| robust | decided by |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in s[s["note"] != "the same in every world"].itertuples():
        share = "–" if not np.isfinite(r.sign_share) else f"{r.sign_share:.0%}"
        rev = "–" if not np.isfinite(r.sign_reversed) else f"{r.sign_reversed:.0%}"
        rob_ = "–" if pd.isna(r.sign_robust) else ("yes" if r.sign_robust else "no")
        by = f"`{r.decided_by}` ({r.decided_score:.2f})" if r.decided_by else (
            "no parameter passes" if rob_ == "no" else "")  # fmt: skip
        noise = "–" if not np.isfinite(r.noise_share) else f"{r.noise_share:.0%}"
        lines.append(
            f"| {policy_label(r.policy)} (`{r.policy}`) | {r.outcome} | {r.diff:.3g} "
            f"[{r.diff_lo:.3g}, {r.diff_hi:.3g}] | {share} | {rev} | {noise} | {rob_} | {by} |"
        )
    same = int((s["note"] == "the same in every world").sum())
    if same:
        lines += ["", f"Left out: {same} rows where both policies give the same constant in "
                  "every world and in the comparison."]  # fmt: skip
    return "\n".join(lines) + "\n"


def _warnings(rob: pd.DataFrame) -> list[str]:
    """Warnings when the exploration is too small to separate noise from parameters."""
    out = []
    reps = int(rob.attrs.get("replications") or 0)
    if reps and reps < MIN_REPLICATIONS:
        out.append(
            f"**Warning**: {reps} replications per world, fewer than {MIN_REPLICATIONS}: a "
            "world's difference is noisy, and some sign flips may be Monte Carlo noise."
        )
    noisy = rob["noise_share"] > MAX_NOISE_SHARE if "noise_share" in rob else []
    if len(rob) and np.any(noisy):
        out.append(
            f"**Warning**: for {int(np.sum(noisy))} differences, Monte Carlo noise accounts "
            f"for more than {MAX_NOISE_SHARE:.0%} of the variation between worlds; rerun "
            "`escalation explore` with more `--replications` before reading their flips as "
            "effects of the parameters."
        )
    return [*out, ""] if out else []


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
    same = int((summary["note"] == "the same in every world").sum()) if "note" in summary else 0
    weak = rows[~rows["sign_robust"].astype(bool)] if len(rows) else rows
    where = summary.attrs.get("robustness_dir", "the exploration")
    lines = [
        "## Robustness across the explored worlds",
        "",
        f"Worlds explored in `{where}`: {len(rows) - len(weak)} of the {len(rows)} paired "
        f"differences keep their sign in at least {ROBUST_SHARE:.0%} of the worlds "
        "(robust to what the record cannot tell). Every difference: `robustness.md`; the "
        "columns `sign_share`, `sign_reversed`, `sign_robust` and `decided_by` of "
        "`summary.csv`."
        + (
            f" Left out: {same} differences where both policies give the same constant in "
            "every world."
            if same
            else ""
        ),
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
            by = f"`{r.decided_by}`" if r.decided_by else "no parameter passes the threshold"
            lines.append(f"| {policy_label(r.policy)} (`{r.policy}`) | {r.outcome} | "
                         f"{r.sign_share:.0%} | {rev} | {by} |")  # fmt: skip
        lines.append("")
    return "\n".join(lines)
