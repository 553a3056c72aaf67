"""The readable report of an experiment: ``summary.md`` (and the summary's Parquet and CSV).

Outcome names say what they measure (:data:`OUTCOME_LABELS`); the days to the first US death,
Iranian strike, war and withdrawal come from the survival analysis over all runs (restricted
mean, Kaplan–Meier median); under the table of paired differences each policy's line says
separately whether its differences are beyond simulation noise and whether they hold whatever
the record cannot tell, naming the judgement parameters (the record does not inform them) that
the policy's effect rests on (:mod:`sim.analysis.verdicts`,
:func:`sim.core.policies.judgement_parameters`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.headline import glossary_markdown, headline_markdown
from sim.analysis.tables import markdown_table
from sim.analysis.verdicts import verdicts_markdown
from sim.core import outcomes
from sim.core.policies import describe
from sim.core.policies import label as policy_label

#: Readable names of the outcomes, saying what they measure (:mod:`sim.core.outcomes`).
OUTCOME_LABELS: dict[str, str] = {o.name: o.label for o in outcomes.DECLARED}

#: Columns of the Markdown table of outcomes by policy (tag ``summary``).
MD_OUTCOMES: tuple[str, ...] = tuple(o.name for o in outcomes.tagged("summary"))

#: Columns of the second Markdown table of outcomes by policy (other people's losses, the days
#: to the big events, the deal, the quiet after US strikes; tag ``summary_more``).
MD_MORE: tuple[str, ...] = tuple(o.name for o in outcomes.tagged("summary_more"))

#: Columns of the Markdown table of paired differences (tag ``differences``).
MD_DIFFS: tuple[str, ...] = tuple(o.name for o in outcomes.tagged("differences"))

#: What the outcome names mean, printed under the tables.
NOTES = (
    "P(war: reciprocal direct US–Iran strikes): a sustained war begins once an exchange "
    "reaches `war_exchanges` direct strikes (3 by default, a judgement value), with an Iranian "
    "strike on US forces and a US strike on Iran both within `war_window` days (30 by "
    "default); strikes in Syria and decapitations do not count. P(any Iranian direct strike "
    "on US forces): Iran struck at least once. P(any direct US–Iran strike, either way): at "
    "least one Iranian strike on US forces or US strike on Iranian forces.",
    "Day of first US death: restricted mean of min(day, period) over all runs, a run without "
    "a death counting as the end of the period (survival analysis; Royston & Parmar 2013), "
    "then in parentheses the Kaplan–Meier median, or, when fewer than half the runs have a "
    "death (no median within the period), the share of runs that have one. Days are counted "
    "from the first simulated day (day 0).",
)

#: What the outcomes of the second table mean, printed under it.
MORE_NOTES = (
    "Coalition members and contractors: non-US personnel killed or wounded by the attacks that "
    "hurt Americans (`coalition_killed_mean`, `coalition_wounded_mean`: 2 killed and 2 "
    "wounded in the record's 5 such attacks). Militia members killed: by US strikes in Syria "
    "or Iraq (`militia_killed_per_intensity` per unit of strike intensity: 25 KH members on 29 "
    "Dec 2019, four on 30 Jul 2024) and decapitations (`militia_killed_decapitation`). These "
    "counts change no other outcome: no rule of the model reads them.",
    "Days of the first Iranian direct strike, of the start of a war and of a US withdrawal: as "
    "for the first US death, restricted mean over all runs (Kaplan–Meier median); a run "
    "without the event counts as the end of the period (“never”: in no run). P(regional deal "
    "reached): the deal's progress reached `deal_reached_level` (a complete deal by default). "
    "Days of quiet after "
    "a US strike: per run, the mean over its lulls of the days from a US strike to the next "
    "day with a militia attack (a strike while a lull is open starts none; a lull still open "
    "at the end counts up to the end of the period, a lower bound), then mean [5th–95th "
    "percentile] over the runs in which the US struck (their share in parentheses).",
)


def fmt_number(x: float) -> str:
    """A number rounded for tables: integers as such, else about three significant figures.

    NaN gives an en dash; negative numbers use a true minus sign.
    """
    if x is None or not np.isfinite(x):
        return "–"
    ax = abs(x)
    if x == round(x) or ax >= 100:
        s = f"{x:,.0f}"
    elif ax >= 10:
        s = f"{x:.1f}"
    elif ax >= 0.01:
        s = f"{x:.2f}"
    else:
        s = f"{x:.1g}"
    return s.replace("-", "−")


def _fmt_cell(r: pd.Series) -> str:
    if r["kind"] == "probability":
        return _fmt_pct(r["prob"], r["prob_lo"], r["prob_hi"])
    if r["kind"] == "average":
        if not np.isfinite(r["mean"]):
            return "– (0% of runs)"
        spread = f"{fmt_number(r['p05'])}–{fmt_number(r['p95'])}"
        return f"{fmt_number(r['mean'])} [{spread}] ({100 * r['prob']:.0f}% of runs)"
    if r["kind"] == "day":
        if r["prob"] == 0:
            return "never"
        # the restricted mean, then the Kaplan–Meier median, or the share of runs with the
        # event when under half have it (their median lies after the period)
        if np.isfinite(r["median"]):
            return f"{fmt_number(r['mean'])} (median {fmt_number(r['median'])})"
        return f"{fmt_number(r['mean'])} (in {100 * r['prob']:.0f}% of runs; no median)"
    return f"{fmt_number(r['mean'])} [{fmt_number(r['p05'])}–{fmt_number(r['p95'])}]"


def _fmt_pct(p: float, lo: float, hi: float) -> str:
    if not np.isfinite(p):
        return "–"
    return f"{100 * p:.1f}% [{100 * lo:.1f}–{100 * hi:.1f}]"


def _fmt_diff(r: pd.Series) -> str:
    """'+d [lo, hi]' with one number of decimals for all three (percentage points for
    probabilities, always one decimal)."""
    prob = r["kind"] == "probability"
    scale = 100.0 if prob else 1.0
    d, lo, hi = (scale * r[c] for c in ("diff", "diff_lo", "diff_hi"))
    if not np.isfinite(d):
        return "–"
    if prob:
        dec = 1
    else:
        big = max(abs(v) for v in (d, lo, hi) if np.isfinite(v))
        dec = 0 if big == 0 else int(min(3, max(0, 2 - np.floor(np.log10(big)))))

    def f(v: float, sign: bool = False) -> str:
        if not np.isfinite(v):
            return "–"
        s = f"{v:+,.{dec}f}" if sign and v != 0 else f"{v:,.{dec}f}"
        return s.replace("-", "−")

    return f"{f(d, sign=True)} [{f(lo)}, {f(hi)}]"


def policy_definitions_markdown(policies: list[str]) -> str:
    """The definitions of the policies of a report, as each declares them
    (:mod:`sim.core.policies`; a user's policy by import path shows what its class declares)."""
    rows = []
    for p in policies:
        d = describe(p)
        if d is None:
            rows.append([policy_label(p), f"`{p}`", "", "", ""])
        else:
            rows.append([policy_label(p), f"`{p}`", d.trigger or "(user policy)", d.action,
                         d.source])  # fmt: skip
    return markdown_table(["Policy", "Id (command line)", "Trigger", "What the US does",
                           "Source"], rows)  # fmt: skip


def summary_markdown(
    summary: pd.DataFrame,
    title: str = "Outcomes by US policy",
    context: Mapping[str, Any] | None = None,
    sections: Sequence[str] = (),
) -> str:
    """The Markdown report of :func:`write_summary` as a string.

    ``context`` (scenario, start, end, seed, runs) gives the header of
    :func:`sim.experiments.provenance.summary_header`; without it the header says the runs only.
    ``sections``: more Markdown sections, placed after the differences (for example
    ``compare --robustness``'s, :func:`sim.explore.robustness.robustness_section`).
    """
    from sim.experiments.provenance import summary_header

    reference = summary.attrs.get("baseline", "do_nothing")
    policies = list(pd.unique(summary["policy"]))
    by = summary.set_index(["policy", "outcome"])
    ns = sorted({int(v) for v in summary["n"]})
    if context:
        out = [summary_header(title, policies=policies, **context)]
    else:
        n_text = f"{ns[0]:,}" if len(ns) == 1 else ", ".join(f"{v:,}" for v in ns)
        out = [f"# {title}", "", f"Runs per policy: {n_text}.", ""]
    out.append(headline_markdown(summary, dict(context or {})))
    out.append(
        "Counts: mean [5th–95th percentile over runs]. Probabilities: share of runs [95% Wilson "
        "interval]. Runs share random draws across policies (common random numbers). This is a "
        "model experiment, not a forecast."
    )
    out.append("")
    cols = [c for c in MD_OUTCOMES if (policies[0], c) in by.index]
    rows = [[policy_label(p)] + [_fmt_cell(by.loc[(p, c)]) for c in cols] for p in policies]
    out.append(markdown_table(["Policy"] + [OUTCOME_LABELS[c] for c in cols], rows))
    out.append("")
    out += [*NOTES[:1], "", *NOTES[1:], ""]
    more = [c for c in MD_MORE if (policies[0], c) in by.index]
    if more:
        rows = [[policy_label(p)] + [_fmt_cell(by.loc[(p, c)]) for c in more] for p in policies]
        out.append("## Other people's losses, the days to the big events, the deal, the quiet")
        out.append("")
        out.append(markdown_table(["Policy"] + [OUTCOME_LABELS[c] for c in more], rows))
        out.append("")
        out += [*MORE_NOTES[:1], "", *MORE_NOTES[1:], ""]
    others = [p for p in policies if p != reference]
    if reference in policies and others and summary["diff"].notna().any():
        nb = summary.attrs.get("n_boot")
        ref = policy_label(reference)
        out.append(f"## Differences from “{ref}”, run by run")
        out.append("")
        out.append(
            f"Mean of (policy − {ref}) over the same runs [95% percentile bootstrap interval"
            + (f", {nb:,} resamples of runs" if nb else "")
            + "]. Probabilities in percentage points. An interval that excludes 0 says the"
            " policy changes the outcome in the model beyond simulation noise, with these "
            "parameter values; it does not cover doubt about the parameters, which the next "
            "section takes up, naming the judgement parameters (values the documented record "
            "does not inform; `escalation params` lists them) each policy's effect rests on."
        )
        out.append("")
        dcols = [c for c in MD_DIFFS if (others[0], c) in by.index]
        rows = [[policy_label(p)] + [_fmt_diff(by.loc[(p, c)]) for c in dcols] for p in others]
        head = [OUTCOME_LABELS[c] + (", points" if outcomes.OUTCOMES[c].kind == outcomes.SHARE
                else "") for c in dcols]  # fmt: skip
        out.append(markdown_table(["Policy", *head], rows))
        out.append("")
        out.append(verdicts_markdown(summary, dcols, OUTCOME_LABELS))
    for section in sections:
        out += [section.rstrip("\n"), ""]
    out.append("## The policies")
    out.append("")
    out.append(policy_definitions_markdown(policies))
    out.append("")
    body = "\n".join(out)
    glossary = glossary_markdown(body)
    return body + ("\n" + glossary if glossary else "")


def write_summary(
    summary: pd.DataFrame,
    outdir: Path,
    context: Mapping[str, Any] | None = None,
    sections: Sequence[str] = (),
) -> list[Path]:
    """Write ``summary.parquet``, ``summary.csv`` and ``summary.md`` into ``outdir``.

    The Parquet and CSV files hold the full table of
    :func:`sim.analysis.outcomes.summarise_outcomes`; the Markdown file the readable report of
    :func:`summary_markdown` (``context``: scenario, start, end, seed, runs; ``sections``:
    more Markdown sections).
    """
    outdir = Path(outdir)
    outdir.mkdir(parents=True, exist_ok=True)
    paths = [outdir / "summary.parquet", outdir / "summary.csv", outdir / "summary.md"]
    plain = pd.DataFrame(summary)
    plain.attrs = {}
    plain.to_parquet(paths[0], index=False)
    plain.to_csv(paths[1], index=False)
    md = summary_markdown(summary, context=context, sections=sections)
    paths[2].write_text(md + "\n", encoding="utf-8")
    return paths


__all__ = [
    "MD_DIFFS",
    "MD_MORE",
    "MD_OUTCOMES",
    "OUTCOME_LABELS",
    "fmt_number",
    "policy_label",
    "summary_markdown",
    "write_summary",
]
