"""Figures for papers and classes, gathered for the callers that import them from one place.

:mod:`sim.figures.style` (palette, typography, footnote, saving), :mod:`sim.figures.run` (one
experiment), :mod:`sim.figures.compare` and :mod:`sim.figures.differences` (a policy
comparison), :mod:`sim.figures.history` (replay and branch). Every figure is written as PNG
(200 dpi) and PDF.
"""

from __future__ import annotations

from sim.analysis.stats import survival_curve
from sim.figures.compare import COMPARE_OUTCOMES, compare_figures, figures_compare
from sim.figures.differences import DIFF_OUTCOMES
from sim.figures.run import figure_run, run_figure
from sim.figures.style import CAVEAT, DPI, POLICY_COLORS, RUNG_COLORS, policy_colors, rung_colors

__all__ = [
    "CAVEAT",
    "COMPARE_OUTCOMES",
    "DIFF_OUTCOMES",
    "DPI",
    "POLICY_COLORS",
    "RUNG_COLORS",
    "compare_figures",
    "figure_run",
    "figures_compare",
    "policy_colors",
    "run_figure",
    "rung_colors",
    "survival_curve",
]
