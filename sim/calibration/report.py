"""The calibration report (``report.md``), its tables and figures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis import tables
from sim.calibration.abc import weighted_quantile
from sim.calibration.calibrate import Fit
from sim.calibration.figures import plot_diagnostics, plot_heldout, plot_marginals, plot_predictive
from sim.calibration.predictive import HELDOUT_STRIKE, check_table, heldout, predictive
from sim.calibration.priors import ABC_PRIORS, fitted_names
from sim.calibration.settings import SETTINGS
from sim.core.params import TABLE


def markdown_table(df: pd.DataFrame, floatfmt: str = ".3g") -> str:
    """A Markdown table of ``df``: floats with ``floatfmt``, then
    :func:`sim.analysis.tables.markdown_table` (which escapes ``|`` in text)."""

    def cell(v: object) -> str:
        return format(v, floatfmt) if isinstance(v, float | np.floating) else str(v)

    rows = [[cell(v) for v in r] for r in df.itertuples(index=False, name=None)]
    return tables.markdown_table([str(c) for c in df.columns], rows)


def stability(fit: Fit) -> pd.DataFrame:
    """Change of each ABC parameter's posterior median between the last two generations,
    relative to the width of its 90 % interval."""
    gens = fit.abc.generations
    if len(gens) < 3:
        return pd.DataFrame()
    a, b = gens[-2], gens[-1]
    rows = []
    for j, p in enumerate(ABC_PRIORS):
        qa = weighted_quantile(a.particles[:, j], a.weights, [0.05, 0.5, 0.95])
        qb = weighted_quantile(b.particles[:, j], b.weights, [0.05, 0.5, 0.95])
        rows.append(
            {
                "parameter": p.name,
                "median_previous": qa[1],
                "median_last": qb[1],
                "shift / 90% width": abs(qb[1] - qa[1]) / max(qb[2] - qb[0], 1e-12),
            }
        )
    return pd.DataFrame(rows)


def write_report(
    fit: Fit,
    out: Path,
    events: pd.DataFrame,
    periods: pd.DataFrame,
    ppc_runs: int = SETTINGS.ppc_runs,
    command: str = "",
) -> dict[str, object]:
    """Write the calibration report (``report.md``), its figures and tables into ``out``."""
    out.mkdir(parents=True, exist_ok=True)
    summ = fit.summary()
    summ.to_csv(out / "parameters.csv", index=False)
    fit.posterior.to_csv(out / "posterior.csv", index=False)
    diag = pd.DataFrame([{"generation": i, "epsilon": g.epsilon, "simulations": g.simulations,
                          "acceptance": g.acceptance, "ess": g.ess}
                         for i, g in enumerate(fit.abc.generations)])  # fmt: skip
    diag.to_csv(out / "diagnostics.csv", index=False)
    stab = stability(fit)
    plot_marginals(fit, out / "posterior_marginals.png")
    plot_diagnostics(fit, out / "diagnostics.png")
    traces, x = predictive(fit.design, fit.posterior, ppc_runs, fit.seed)
    _, x0 = predictive(fit.design, None, ppc_runs, fit.seed)
    table = check_table(fit.design, x)
    table0 = check_table(fit.design, x0)
    table["inside_band (defaults)"] = table0["inside_band"]
    table.to_csv(out / "predictive_check.csv", index=False)
    plot_predictive(
        fit.design, traces, events, out / "predictive_check.png",
        f"Posterior predictive check: monthly militia attacks ({ppc_runs} runs, US actions "
        f"forced to the record; fit up to {fit.until})",
    )  # fmt: skip
    ho = None
    if fit.until < HELDOUT_STRIKE:
        ho = heldout(fit.posterior, events, periods, seed=fit.seed)
        ho0 = heldout(None, events, periods, seed=fit.seed)
        ho["table"]["probability (table defaults)"] = ho0["table"]["probability"]
        ho["table"].to_csv(out / "heldout.csv", index=False)
        plot_heldout(ho, out / "heldout.png")
    not_fitted = [n for n in TABLE if n not in fitted_names()]
    flagged_weak = summ.loc[~summ["informed"], "parameter"].tolist()
    lines = [
        f"# Calibration report (record up to {fit.until}, seed {fit.seed})",
        "",
        f"Command: `{command}`" if command else "",
        "",
        f"Run time {fit.seconds:.0f} s; {sum(g.simulations for g in fit.abc.generations)} "
        f"simulations; {len(fit.abc.last.weights)} particles; stop: {fit.abc.stop_reason}.",
        "Method: ABC-SMC on the documented statistics of replays with the US actions forced to "
        "the record, and exact likelihoods for the response delay and the casualty means "
        "(docs/calibration.md).",
        "",
        "## Parameters",
        "",
        "Prior: scaled Beta on the table's range with its mode at the table default. "
        "`width_ratio` = posterior 90% width / prior 90% width; `informed` = below "
        f"{SETTINGS.informed_ratio:g}.",
        "",
        markdown_table(summ.drop(columns=["prior_source"])),
        "",
        "Prior sources:",
        "",
        *[f"- `{r.parameter}`: {r.prior_source}" for r in summ.itertuples()],
        "",
        f"Parameters the fit leaves at (or near) their prior: {', '.join(flagged_weak) or 'none'}.",
        "",
        f"Not fitted (kept at the table default, a point prior): {', '.join(not_fitted)}.",
        "",
        "![posterior marginals](posterior_marginals.png)",
        "",
        "## Convergence diagnostics",
        "",
        markdown_table(diag),
        "",
        "Stability between the last two generations:",
        "",
        markdown_table(stab) if len(stab) else "(fewer than two generations)",
        "",
        "![diagnostics](diagnostics.png)",
        "",
        "## Posterior predictive check",
        "",
        f"{ppc_runs} runs with posterior draws; `inside_band`: the documented interval meets "
        "the simulated 5-95% band. The last column repeats the check with the table defaults.",
        "",
        markdown_table(table.drop(columns=["source"])),
        "",
        f"Inside the band: {int(table['inside_band'].sum())} of {len(table)} (posterior), "
        f"{int(table['inside_band (defaults)'].sum())} of {len(table)} (table defaults).",
        "",
        "![predictive check](predictive_check.png)",
        "",
        "Sources of the statistics:",
        "",
        *[f"- {r.statistic}: {r.source}" for r in table.itertuples()],
        "",
    ]
    if ho is not None:
        lines += [
            "## Held-out check: 2024",
            "",
            f"Fit up to {fit.until}; replay of 1 June - 19 August 2024 (scenarios/mid_2024.yaml)"
            f" with the US strike of 30 July 2024 forced; {ho['runs']} runs ({ho['draws']} "
            "posterior draws). `mc_90_*`: Wilson interval; `draws_*`: spread of the probability "
            "across parameter draws; `without_strike`: same runs without the strike.",
            "",
            markdown_table(ho["table"]),
            "",
            "![held-out](heldout.png)",
            "",
        ]
    (out / "report.md").write_text("\n".join(lines))
    return {"table": table, "heldout": ho, "summary": summ, "diagnostics": diag}
