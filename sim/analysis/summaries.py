"""``summary.md`` of the commands that do not run :func:`sim.analysis.outcomes.summarise_outcomes`:
replay, branch and calibrate (sensitivity's is
:func:`sim.explore.sensitivity_report.sensitivity_summary`). Each opens with
:func:`sim.experiments.provenance.summary_header` (scenario, period, seed, runs, units)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from sim.analysis.report import fmt_number
from sim.analysis.tables import markdown_table
from sim.core import outcomes
from sim.core.policies import label
from sim.experiments.provenance import summary_header

#: The per-run totals of replay and branch tables, with their names (tag ``history`` of
#: :mod:`sim.core.outcomes`).
TOTALS: dict[str, str] = {o.name: o.label for o in outcomes.tagged("history")}

CAVEAT = "This is a model experiment, not a forecast."


def _totals(table: pd.DataFrame, days: int) -> dict[str, np.ndarray]:
    """The per-run values of the :data:`TOTALS` the table holds or can derive (a derived
    outcome from the engine's columns it is made of)."""
    out = {}
    for name in TOTALS:
        o = outcomes.OUTCOMES[name]
        if name in table:
            out[name] = table[name].to_numpy()
        elif o.derive is not None:
            try:
                out[name] = np.asarray(o.derive(table, days))
            except KeyError:  # the table lacks a column it is made of
                continue
    return out


def _cell(v: np.ndarray) -> str:
    v = np.asarray(v, dtype=float)
    if not len(v):
        return "–"
    lo, hi = np.quantile(v, [0.05, 0.95], method="inverted_cdf")
    return f"{fmt_number(float(v.mean()))} [{fmt_number(float(lo))}–{fmt_number(float(hi))}]"


def replay_summary(
    runs: pd.DataFrame,
    *,
    scenario: str,
    start: dt.date,
    end: dt.date,
    seed: int,
    forced: Sequence[str],
    record_totals: Mapping[str, float] | None = None,
) -> str:
    """Summary of a replay: the window's totals per run next to the documented counts."""
    names = {
        "us": "the United States",
        "iran": "Iran",
        "iraq_gov": "the Iraqi government",
        "militia_truce": "the militias' declared truces",
    }
    who = ", ".join(names.get(a, a) for a in forced) or "nobody"
    out = [
        summary_header(
            "Replay of the documented history",
            scenario=scenario,
            start=start,
            end=end,
            seed=seed,
            runs=len(runs),
            extra=[f"Actions fixed to the record: {who}; everyone else is simulated."],
        )
    ]
    head = ["Outcome", "Simulated: mean [5th–95th percentile]"]
    rows = []
    for col, values in _totals(runs, (end - start).days + 1).items():
        row = [TOTALS[col], _cell(values)]
        if record_totals is not None:
            rec = record_totals.get(col)
            # None: the record has no such count; NaN: it states none for the window's rows
            row.append("–" if rec is None or np.isnan(rec) else fmt_number(float(rec)))
        rows.append(row)
    if record_totals is not None:
        head.append("Documented (a lower bound)")
    out += [markdown_table(head, rows), "", CAVEAT, ""]
    return "\n".join(out)


def branch_summary(
    table: pd.DataFrame,
    *,
    scenario: str,
    start: dt.date,
    at: dt.date,
    end: dt.date,
    seed: int,
    n_boot: int = 2000,
) -> str:
    """Summary of a branch: totals after the branch date per policy, then the paired
    differences of each branch from the reference with their intervals (common random
    numbers)."""
    policies = list(dict.fromkeys(table["policy"]))
    runs = int(table.groupby("policy").size().iloc[0]) if len(table) else 0
    out = [
        summary_header(
            f"Branches from {at:%-d %B %Y}",
            scenario=scenario,
            start=at,
            end=end,
            seed=seed,
            runs=runs,
            policies=[p for p in policies if p != "record"],
            extra=[
                f"History simulated from {start:%-d %b %Y} to the day before the branch with "
                "the documented actions; 'As documented' keeps the record's US actions after it.",
                "Every policy sees the same random draws (common random numbers).",
            ],
        )
    ]
    cols = list(_totals(table, (end - at).days + 1))
    rows = []
    for p in policies:
        sub = _totals(table[table["policy"] == p], (end - at).days + 1)
        rows.append([branch_name(p), f"`{p}`"] + [_cell(sub[c]) for c in cols])
    out.append(markdown_table(["Policy", "Id"] + [TOTALS[c] for c in cols], rows))
    out += ["", "Totals per run after the branch date: mean [5th–95th percentile].", ""]
    out.append(branch_differences_markdown(table, (end - at).days + 1, n_boot=n_boot))
    out += [CAVEAT, ""]
    return "\n".join(out)


def branch_reference(policies: Sequence[str]) -> str:
    """The branch every other is compared with: the documented actions (``record``) when
    branched, else doing nothing, else the first."""
    for ref in ("record", "do_nothing"):
        if ref in policies:
            return ref
    return policies[0]


def branch_name(policy: str) -> str:
    """A branch's name in reports: 'As documented' for the record's actions, else the
    policy's label."""
    return "As documented" if policy == "record" else label(policy)


def branch_differences_markdown(table: pd.DataFrame, days: int, n_boot: int = 2000) -> str:
    """The paired differences of each branch from the reference (:func:`branch_reference`),
    run by run on the same draws, with 95% percentile bootstrap intervals, as in ``compare``
    (:func:`sim.analysis.outcomes.summarise_outcomes`)."""
    from sim.analysis.outcomes import summarise_outcomes
    from sim.analysis.report import MD_DIFFS, OUTCOME_LABELS, _fmt_diff

    policies = list(dict.fromkeys(table["policy"]))
    if len(policies) < 2:
        return ""
    ref = branch_reference(policies)
    s = summarise_outcomes(table, baseline=ref, n_boot=n_boot, horizon=days)
    by = s.set_index(["policy", "outcome"])
    others = [p for p in policies if p != ref]
    cols = [c for c in MD_DIFFS if (others[0], c) in by.index]
    head = [OUTCOME_LABELS[c] + (", points" if outcomes.OUTCOMES[c].kind == outcomes.SHARE
            else "") for c in cols]  # fmt: skip
    rows = [[branch_name(p), f"`{p}`"] + [_fmt_diff(by.loc[(p, c)]) for c in cols]
            for p in others]  # fmt: skip
    return "\n".join([
        f"## Differences from “{branch_name(ref)}”, run by run",
        "",
        f"Mean of (branch − {branch_name(ref)}) over the same runs [95% percentile bootstrap "
        f"interval, {n_boot:,} resamples of runs]; probabilities in percentage points. An "
        "interval that excludes 0 is beyond simulation noise; it does not cover doubt about the "
        "parameters.",
        "",
        markdown_table(["Branch", "Id", *head], rows),
        "",
    ])  # fmt: skip


def branch_key_table(table: pd.DataFrame, days: int) -> pd.DataFrame:
    """The table ``escalation branch`` prints: id and name of each branch × the key outcomes
    (:func:`sim.analysis.outcomes.key_table`)."""
    from sim.analysis.outcomes import key_table

    k = key_table(table, days)
    ids = list(k.index.get_level_values("id"))
    k.index = pd.MultiIndex.from_arrays([ids, [branch_name(p) for p in ids]],
                                        names=["id", "policy"])  # fmt: skip
    return k


#: Fewest effective particles (Kish's effective sample size of the last generation's weights)
#: for a posterior's intervals and informed/not-informed verdicts to be more than rough.
MIN_ESS = 200
#: Lowest acceptance rate of the last generation before the fit is said to have stopped at a
#: loose tolerance.
MIN_ACCEPTANCE = 0.05


def calibration_warnings(ess: float, acceptance: float, draws: int) -> list[str]:
    """Warnings for a calibration too small for what it reports (terminal and summary.md)."""
    out = []
    if np.isfinite(ess) and ess < MIN_ESS:
        out.append(
            f"warning: effective sample size {ess:.0f} (under {MIN_ESS}): the {draws:,} "
            f"posterior draws resample about {ess:.0f} distinct particles, so the posterior's "
            "intervals and which parameters the record informs are rough; use more --particles"
        )
    if np.isfinite(acceptance) and acceptance < MIN_ACCEPTANCE:
        out.append(
            f"warning: the last generation accepted {acceptance:.1%} of its simulations (under "
            f"{MIN_ACCEPTANCE:.0%}): the fit stopped at a loose tolerance"
        )
    return out


def calibrate_summary(
    *,
    start: dt.date,
    end: dt.date,
    seed: int,
    particles: int,
    draws: int,
    stop_reason: str,
    inside: int,
    statistics: int,
    seconds: float,
    windows: Sequence[tuple[dt.date, dt.date]] = (),
    ess: float = float("nan"),
    acceptance: float = float("nan"),
) -> str:
    """Summary of a calibration: what was fitted, how it ended, warnings when it was too small
    (:func:`calibration_warnings`: ``ess`` and ``acceptance`` of the last generation), where
    the report is."""
    from sim.experiments.provenance import period_text

    spans = [period_text(a, min(b, end)) for a, b in windows if a <= end]
    out = [
        summary_header(
            "Calibration to the documented record",
            scenario="the documented record (sim/data/events.csv) and its period counts",
            start=start,
            end=end,
            seed=seed,
            runs=particles,
            extra=[
                *(["Windows of the record fitted: " + "; ".join(spans)] if spans else []),
                f"Method: ABC-SMC with {particles:,} particles per generation (runs = "
                f"particles); {draws:,} posterior draws written to posterior.csv.",
                f"Stopped: {stop_reason}; {seconds:,.0f} s.",
                f"Posterior predictive check: {inside}/{statistics} documented statistics "
                "inside the simulated 90% band.",
                *(
                    [
                        f"Last generation: effective sample size {ess:.0f}, acceptance "
                        f"{acceptance:.1%}."
                    ]
                    if np.isfinite(ess)
                    else []
                ),
            ],
        )
    ]
    for w in calibration_warnings(ess, acceptance, draws):
        out += ["**Warning**: " + w.removeprefix("warning: ") + ".", ""]
    out += ["The full report, with the parameter table and diagnostics: report.md.", ""]
    return "\n".join(out)


__all__ = ["branch_summary", "calibrate_summary", "calibration_warnings", "replay_summary"]
