"""The opening paragraph of ``summary.md`` in plain language, and the glossary at its end.

The paragraph says what was compared, the answer on the outcomes a reader asks about first
(Americans killed, then militia attacks), and how sure it is: whether each change is beyond
simulation noise (:func:`sim.analysis.verdicts.noise_verdict`) and whether it holds across what
the record cannot tell (``sign_share`` of ``compare --robustness``), or a sentence saying that
this was not run. The glossary explains, one line each, the statistical terms the report uses.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analysis.verdicts import ROBUST_SHARE, noise_verdict
from sim.core import outcomes as declared
from sim.core.policies import label as policy_label

#: Outcomes the opening paragraph answers on, in order (those present in the summary).
HEADLINE_OUTCOMES: tuple[str, ...] = ("us_killed", "attacks_total")

#: The glossary: (term, text that shows the report uses it, one-line explanation).
GLOSSARY: tuple[tuple[str, str, str], ...] = (
    (
        "Run",
        "run",
        "one simulated course of the period, with its own random events and its own "
        "parameter values drawn from the calibrated posterior.",
    ),
    (
        "Common random numbers",
        "common random numbers",
        "every policy is run on the same random "
        "draws, run by run, so that differences between policies come from the policies, not from "
        "luck.",
    ),
    (
        "Paired difference",
        "policy −",
        "the difference between a policy and the reference "
        "computed run by run on the same draws, then averaged; far less noisy than comparing two "
        "separate averages.",
    ),
    (
        "Simulation noise",
        "simulation noise",
        "the uncertainty of an estimate that comes from "
        "running a finite number of runs; more runs shrink it.",
    ),
    (
        "Bootstrap interval",
        "bootstrap",
        "the range of the estimate over many resamples of the "
        "runs (with replacement); the 95% interval holds the middle 95% of the resampled values.",
    ),
    (
        "Wilson interval",
        "Wilson",
        "a 95% interval for a share of runs that stays sensible near 0% and 100% (Wilson 1927).",
    ),
    (
        "5th–95th percentile",
        "5th–95th",
        "the range that holds the middle 90% of runs: how much "
        "single runs vary, not how uncertain the mean is.",
    ),
    (
        "Percentage points",
        "points",
        "the difference between two percentages (40% to 50% is +10 points).",
    ),
    (
        "Kaplan–Meier",
        "Kaplan–Meier",
        "the share of runs in which an event has not yet happened, "
        "day by day; its median is the day by which half the runs have had the event.",
    ),
    (
        "Restricted mean",
        "restricted mean",
        "the mean day of an event when a run without it "
        "counts as the last day of the period; it can be computed even when most runs never see "
        "the event.",
    ),
    (
        "Posterior",
        "posterior",
        "the parameter values that fit the documented record, as a set "
        "of draws; runs take their parameters from it.",
    ),
    (
        "Judgement parameter",
        "judgement parameter",
        "a parameter the documented record does not "
        "inform; its range is a stated judgement (`escalation params`).",
    ),
    (
        "Exploration (worlds)",
        "worlds",
        "runs of every policy in many sampled worlds, each a set "
        "of judgement-parameter values over their ranges (`escalation explore`); a difference "
        "that keeps its sign in most worlds does not depend on what the record cannot tell.",
    ),
)


def _fmt(x: float, share: bool) -> str:
    if share:
        s = f"{100 * x:+.1f} points"
    else:
        a = abs(x)
        s = f"{x:+.0f}" if a >= 10 else f"{x:+.1f}" if a >= 1 else f"{x:+.2f}"
    return s.replace("-", "−")


def _names(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 2:
        return " and ".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _outcome_sentence(summary: pd.DataFrame, outcome: str, reference: str) -> tuple[str, str]:
    """The answer on one outcome, and the sentence on its robustness ('' without one)."""
    rows = summary[(summary["outcome"] == outcome) & (summary["policy"] != reference)]
    rows = rows[np.isfinite(rows["diff"].to_numpy(dtype=float))]
    o = declared.OUTCOMES[outcome]
    share = o.kind == declared.SHARE
    name = o.label[:1].lower() + o.label[1:] if not o.label.startswith(("Americans", "P(")) \
        else o.label  # fmt: skip
    down, up, within = [], [], []
    for _, r in rows.iterrows():
        v = noise_verdict(r["diff"], r["diff_lo"], r["diff_hi"])
        if v == "beyond":
            (down if r["diff"] < 0 else up).append(r)
        elif v in ("within", "none"):
            within.append(r)
    parts = []

    def pol(k: int, verb: str) -> str:
        return f"{k} policy {verb}s" if k == 1 else f"{k} policies {verb}"

    if down:
        best = min(down, key=lambda r: r["diff"])
        parts.append(
            f"{pol(len(down), 'lower')} it beyond simulation noise, "
            + ("" if len(down) == 1 else "most of all ")
            + f"“{policy_label(best['policy'])}” ({_fmt(best['diff'], share)} per run, 95% "
            f"interval {_fmt(best['diff_lo'], share)} to {_fmt(best['diff_hi'], share)})"
        )
    if up:
        worst = max(up, key=lambda r: r["diff"])
        parts.append(
            f"{pol(len(up), 'raise')} it"
            + (" beyond simulation noise" if not down else "")
            + (", " if len(up) == 1 else ", most of all ")
            + f"“{policy_label(worst['policy'])}” ({_fmt(worst['diff'], share)})"
        )
    if within:
        parts.append(f"{pol(len(within), 'leave')} it within simulation noise")
    answer = (
        f"{name[:1].upper()}{name[1:]}: "
        + (_names(parts) if parts else "no policy changes it")
        + "."
    )
    robust = ""
    if "sign_share" in rows and rows["sign_share"].notna().any():
        changed = [r for r in down + up if np.isfinite(float(r.get("sign_share", np.nan)))]
        holds = [policy_label(r["policy"]) for r in changed if r["sign_share"] >= ROBUST_SHARE]
        flips = [policy_label(r["policy"]) for r in changed if r["sign_share"] < ROBUST_SHARE]
        if changed:
            robust = (
                f"Across the explored worlds (what the record cannot tell), the direction of the "
                f"change in {name} "
                + (f"holds for {_names(holds)}" if holds else "holds for no policy")
                + (
                    f" but is not robust for {_names(flips)} (same sign in under "
                    f"{ROBUST_SHARE:.0%} of the worlds)"
                    if flips
                    else ""
                )
                + "."
            )
    return answer, robust


def headline_markdown(summary: pd.DataFrame, context: dict | None = None) -> str:
    """The plain-language paragraph that opens ``summary.md``.

    Parameters
    ----------
    summary : the table of :func:`sim.analysis.outcomes.summarise_outcomes` (``attrs
        ["baseline"]`` the reference policy; the columns ``sign_share`` when an exploration
        was read with ``--robustness``)
    context : scenario, start, end, runs (optional), as for the report's header

    Returns
    -------
    A ``## In short`` section: what was compared, the answer and how sure it is.
    """
    reference = summary.attrs.get("baseline", "do_nothing")
    policies = list(pd.unique(summary["policy"]))
    others = [p for p in policies if p != reference]
    ctx = dict(context or {})
    runs = sorted({int(v) for v in summary["n"]}) if "n" in summary else []
    when = ""
    if ctx.get("start") and ctx.get("end"):
        from sim.experiments.provenance import period_text

        when = f" over {period_text(ctx['start'], ctx['end'])}"
    n = f"{runs[0]:,} runs each" if len(runs) == 1 else "runs"
    out = ["## In short", ""]
    if reference not in policies or not others or not summary["diff"].notna().any():
        out.append(
            f"This report shows {len(policies)} US {'policy' if len(policies) == 1 else 'policies'}"
            f"{when} ({n}); with no reference policy there are no paired differences. "
            "It is a model experiment, not a forecast."
        )
        return "\n".join(out) + "\n"
    text = [
        f"This compared {len(others)} US {'policy' if len(others) == 1 else 'policies'} with "
        f"“{policy_label(reference)}”{when}, {n} on the same random draws."
    ]
    robust = []
    for o in HEADLINE_OUTCOMES:
        if (summary["outcome"] == o).any():
            a, r = _outcome_sentence(summary, o, reference)
            text.append(a)
            if r:
                robust.append(r)
    text.append(
        "How sure: “beyond simulation noise” means more runs would not make the change vanish, "
        "in this model with its calibrated parameters."
    )
    if robust:
        text += robust
    if any("not robust" in r for r in robust):
        text.append(
            "Where a direction is not robust, the judgement parameters, not the record, decide it "
            "(details below)."
        )
    if not robust:
        text.append(
            "Whether these changes hold across what the record cannot tell (the judgement "
            "parameters) was not tested: run `escalation explore`, then `compare --robustness "
            "DIR`. Until then, read every direction as resting on judgement values."
        )
    text.append("It is a model experiment, not a forecast.")
    out.append(" ".join(text))
    return "\n".join(out) + "\n"


def glossary_markdown(body: str) -> str:
    """A ``## Glossary`` section with one line for each term of :data:`GLOSSARY` that ``body``
    uses (case-insensitive)."""
    low = body.lower()
    lines = [f"- **{term}**: {text}" for term, key, text in GLOSSARY if key.lower() in low]
    if not lines:
        return ""
    return "\n".join(["## Glossary", "", *lines, ""])


__all__ = ["GLOSSARY", "HEADLINE_OUTCOMES", "glossary_markdown", "headline_markdown"]
