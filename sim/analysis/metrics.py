"""Outcome statistics, gathered for the callers that import them from one place.

The code lives in modules of one concern each: :mod:`sim.experiments.histogram` (streaming daily
quantiles), :mod:`sim.analysis.stats` (the Wilson interval, survival summaries),
:mod:`sim.analysis.outcomes` (per-policy summaries with paired differences) and
:mod:`sim.analysis.report` (summary.md).
"""

from __future__ import annotations

from sim.analysis.outcomes import (
    DERIVED,
    SUMMARY_COLUMNS,
    bootstrap_weights,
    infer_horizon,
    summarise_outcomes,
)
from sim.analysis.report import (
    MD_DIFFS,
    MD_OUTCOMES,
    OUTCOME_LABELS,
    fmt_number,
    policy_label,
    summary_markdown,
    write_summary,
)
from sim.analysis.stats import Z95, survival_curve, wilson_interval
from sim.experiments.histogram import (
    DEFAULT_QS,
    FAN_DESCRIPTIONS,
    FAN_METRICS,
    WINDOW_DAYS,
    DailyHistogram,
    daily_metrics,
    inverted_cdf_rank,
)

__all__ = [
    "DEFAULT_QS",
    "DERIVED",
    "FAN_DESCRIPTIONS",
    "FAN_METRICS",
    "MD_DIFFS",
    "MD_OUTCOMES",
    "OUTCOME_LABELS",
    "SUMMARY_COLUMNS",
    "WINDOW_DAYS",
    "Z95",
    "DailyHistogram",
    "bootstrap_weights",
    "daily_metrics",
    "fmt_number",
    "infer_horizon",
    "inverted_cdf_rank",
    "policy_label",
    "summarise_outcomes",
    "summary_markdown",
    "survival_curve",
    "wilson_interval",
    "write_summary",
]
