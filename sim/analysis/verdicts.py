"""Two separate questions about each paired difference of ``compare``, answered in words.

(a) **Beyond simulation noise?** The 95% percentile bootstrap interval of the paired difference
excludes 0 (:func:`sim.analysis.outcomes.summarise_outcomes`): more runs would not make the
difference vanish *in this model with these parameter values*.

(b) **Does it hold whatever the record cannot tell?** Its sign is the same in at least
:data:`ROBUST_SHARE` (90%) of the worlds of an exploration, which spreads
the parameters the documented record does not inform over their ranges (``escalation explore``,
then ``compare --robustness DIR``: the columns ``sign_share``, ``sign_reversed`` and
``decided_by`` of :func:`sim.explore.robustness.add_robustness`). Without an exploration the
question is open, and the answer names the judgement parameters the policy's effect rests on
(:func:`sim.core.policies.judgement_parameters`).

A difference can pass (a) and fail (b): then the parameters, not the record, decide it. The
report never says (a) without saying where (b) stands.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.core.policies import judgement_parameters
from sim.core.policies import label as policy_label

#: Share of explored worlds in which the sign of a difference must hold for it to count as
#: holding whatever the record cannot tell (:mod:`sim.explore.robustness` measures the share).
ROBUST_SHARE = 0.9
#: Phrases of the two answers (tests and docs quote them).
NOISE_BEYOND = "beyond simulation noise"
NOISE_WITHIN = "within simulation noise"
HOLDS = "holds whatever the record cannot tell"
NOT_TESTED = "not yet tested across the parameters the record does not inform"


def noise_verdict(diff: float, lo: float, hi: float) -> str:
    """``"beyond"`` when the interval excludes 0 (a constant non-zero difference included),
    ``"none"`` when the difference is 0 in every resample, else ``"within"`` (NaN: ``""``)."""
    if not np.isfinite(diff):
        return ""
    if diff == 0 and lo == 0 and hi == 0:
        return "none"
    if (np.isfinite(lo) and lo > 0) or (np.isfinite(hi) and hi < 0):
        return "beyond"
    return "within"


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _params(names: Sequence[str]) -> str:
    return _names([f"`{n}`" for n in names])


def _running(label: str) -> str:
    """An outcome's label inside a sentence: 'Militia attacks' → 'militia attacks' (names of
    people and probabilities keep their capital)."""
    first = label.split(" ", 1)[0]
    if label.startswith("P(") or first in ("Americans", "Iraqis", "US"):
        return label
    return label[:1].lower() + label[1:]


def policy_verdict(rows: pd.DataFrame, policy: str, labels: Mapping[str, str], share: float) -> str:
    """One policy's line: (a) its outcomes whose difference is beyond simulation noise and
    those within it, then (b) for each outcome that changes, whether the difference holds
    whatever the record cannot tell (from ``sign_share``, ``sign_reversed``, ``decided_by``
    when an exploration was read), or that this is not yet tested and which judgement
    parameters the policy's effect rests on. ``rows``: the summary rows of ``policy`` with a
    difference. Outcomes that change in no run get no verdict."""
    beyond, within, changed = [], [], []
    for _, r in rows.iterrows():
        v = noise_verdict(r["diff"], r["diff_lo"], r["diff_hi"])
        name = _running(labels.get(r["outcome"], r["outcome"]))
        if v == "beyond":
            beyond.append(name)
        elif v == "within":
            within.append(name)
        if v in ("beyond", "within"):
            changed.append((name, r))
    if not changed:
        return f"- **{policy_label(policy)}**: no outcome changes in any run."
    a = []
    if beyond:
        a.append(f"{NOISE_BEYOND[:1].upper()}{NOISE_BEYOND[1:]}: {_names(beyond)}")
    if within:
        a.append(f"{'within it' if beyond else NOISE_WITHIN[:1].upper() + NOISE_WITHIN[1:]}: "
                 f"{_names(within)}")  # fmt: skip
    b = _robustness_sentences(changed, share, judgement_parameters(policy))
    return f"- **{policy_label(policy)}.** (a) {'; '.join(a)}. (b) {' '.join(b)}"


def _robustness_sentences(
    changed: list[tuple[str, pd.Series]], share: float, judged: Sequence[str]
) -> list[str]:
    rests = (
        f"the policy's effect rests on the judgement parameters {_params(judged)}"
        if judged
        else "the policy names no judgement parameters of its own (the shared priors apply)"
    )
    shares = [float(r.get("sign_share", np.nan)) for _, r in changed]
    if not np.isfinite(shares).any():
        return [f"{NOT_TESTED[:1].upper()}{NOT_TESTED[1:]}; {rests}."]
    holds, fails, untested = [], [], []
    for (name, r), s in zip(changed, shares, strict=True):
        if not np.isfinite(s):
            untested.append(name)
        elif s >= share:
            holds.append(f"{name} ({s:.0%} of the worlds)")
        else:
            rev = float(r.get("sign_reversed", np.nan))
            by = r.get("decided_by", "")
            extra = (f", reversed in {rev:.0%}" if np.isfinite(rev) else "") + (
                f"; decided by `{by}`" if isinstance(by, str) and by else "")  # fmt: skip
            fails.append(f"{name} (same sign in only {s:.0%}{extra})")
    out = []
    if holds:
        out.append(f"{HOLDS[:1].upper()}{HOLDS[1:]}: {_names(holds)}.")
    if fails:
        out.append(
            f"Does not hold whatever the record cannot tell: {_names(fails)}; there the "
            f"parameters the record does not inform decide the sign, and {rests}."
        )
    if untested:
        out.append(f"Not in the exploration, so {NOT_TESTED}: {_names(untested)}.")
    return out


def verdicts_markdown(
    summary: pd.DataFrame, outcomes: Sequence[str], labels: Mapping[str, str]
) -> str:
    """The section of ``summary.md`` that answers (a) and (b) for every policy's differences
    from the reference (``summary.attrs["baseline"]``) on ``outcomes``."""
    reference = summary.attrs.get("baseline", "do_nothing")
    policies = [p for p in pd.unique(summary["policy"]) if p != reference]
    explored = "sign_share" in summary and summary["sign_share"].notna().any()
    out = [
        "## Beyond simulation noise, and whatever the record cannot tell",
        "",
        f"Two separate questions for each difference from “{policy_label(reference)}” in the "
        f"table above: (a) is it **{NOISE_BEYOND}**? Its 95% bootstrap interval excludes 0, "
        "so more runs would not make it vanish — in this model, with these parameter values. "
        f"(b) Does it **hold whatever the record cannot tell**? Its sign stays the same in at "
        f"least {ROBUST_SHARE:.0%} of the worlds of an exploration, which spreads the "
        "parameters the documented record does not inform over their ranges. (a) does not "
        "imply (b): a difference beyond simulation noise may still be decided by judgement "
        "values."
        + (
            ""
            if explored
            else " This comparison read no exploration, so (b) is open for every difference: "
            "run `escalation explore SCENARIO --out DIR`, then this command again with "
            "`--robustness DIR`."
        ),
        "",
    ]
    for p in policies:
        sub = summary[(summary["policy"] == p) & summary["outcome"].isin(outcomes)]
        sub = sub[np.isfinite(sub["diff"].to_numpy(dtype=float))]
        order = {o: k for k, o in enumerate(outcomes)}
        sub = sub.iloc[np.argsort([order[o] for o in sub["outcome"]], kind="stable")]
        if len(sub):
            out.append(policy_verdict(sub, p, labels, ROBUST_SHARE))
    out.append("")
    return "\n".join(out)


__all__ = [
    "HOLDS",
    "NOISE_BEYOND",
    "NOISE_WITHIN",
    "NOT_TESTED",
    "noise_verdict",
    "policy_verdict",
    "verdicts_markdown",
]
