"""Reporting a sensitivity study: top parameters, Markdown, the figure, the result directory."""

from __future__ import annotations

import datetime as dt
import textwrap
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.core.policies import label as policy_label
from sim.experiments.outdir import check_out_dir, staged_out_dir
from sim.experiments.provenance import base_manifest, manifest_json, summary_header
from sim.explore.sensitivity_problem import MORRIS_LEVELS, OUTCOMES
from sim.inputs.scenario import scenario_hash


def top_parameters(df: pd.DataFrame, outcome: str, k: int = 12) -> pd.DataFrame:
    """The ``k`` most influential parameters for an outcome (by ST, or by mu_star)."""
    score = "ST" if "ST" in df.columns else "mu_star"
    d = df[df["outcome"] == outcome].dropna(subset=[score])
    return d.sort_values(score, ascending=False).head(k)


def footnote(meta: Mapping[str, Any]) -> str:
    """One line describing a study: method, N, rows, reps, scenario, policy, seed."""
    m = meta["method"]
    how = (
        "Sobol' indices (Saltelli design, SALib), bars = 95% bootstrap intervals"
        if m == "sobol"
        else f"Morris elementary effects ({MORRIS_LEVELS} levels, SALib), bars = 95% bootstrap"
        " intervals of μ*"
    )
    return (
        f"{how}. N = {meta['n']}, {meta['rows']:,} parameter sets × {meta['reps']} runs "
        f"(common random numbers), {len(meta['varied'])} parameters varied over their ranges. "
        f"Scenario '{meta['scenario']}' ({meta['days']} days), policy '{meta['policy']}', "
        f"seed {meta['seed']}. Model output, not a forecast."
    )


def interval(value: float, conf: float) -> str:
    """An index with its 95% interval, ``0.40 [0.03, 0.77]``; an index is never negative, so
    the interval's lower end is cut at 0 (Morris μ*, Sobol' ST; SALib's ``±`` can cross it)."""
    if not np.isfinite(conf):
        return f"{value:.3g}"
    return f"{value:.3g} [{max(0.0, value - conf):.3g}, {value + conf:.3g}]"


def index_columns(method: str) -> tuple[str, str]:
    """The index ranked and its interval half-width's column, by method."""
    return ("ST", "ST_conf") if method == "sobol" else ("mu_star", "mu_star_conf")


def imprecise_indices(df: pd.DataFrame, k: int = 5) -> pd.DataFrame:
    """Among the top ``k`` parameters of each outcome, the indices whose 95% interval's
    half-width exceeds the index itself (its interval reaches 0): the run was too small to
    tell them from nothing."""
    col, conf = index_columns(df.attrs.get("method", "sobol"))
    rows = []
    for outcome in dict.fromkeys(df["outcome"]):
        if outcome in df.attrs.get("constant", []):
            continue
        top = top_parameters(df, outcome, k)
        rows.append(top[top[conf] > top[col]])
    return pd.concat(rows) if rows else df.iloc[:0]


def sensitivity_warnings(df: pd.DataFrame, k: int = 5) -> list[str]:
    """Warnings for a study too small for what it reports (in the terminal and indices.md)."""
    bad = imprecise_indices(df, k)
    if not len(bad):
        return []
    col, conf = index_columns(df.attrs.get("method", "sobol"))
    ex = bad.iloc[0]
    return [
        f"warning: {len(bad)} of the top indices have a 95% interval wider than the index "
        f"itself (for example `{ex['parameter']}` on {ex['outcome']}: "
        f"{interval(float(ex[col]), float(ex[conf]))}); they cannot be told from zero at this "
        "size: rerun with a larger --n before ranking them."
    ]


def indices_markdown(df: pd.DataFrame, k: int = 5) -> str:
    """A readable summary: the top ``k`` parameters per outcome, exclusions, caveats."""
    meta = df.attrs
    method = meta["method"]
    lines = [
        f"# Sensitivity: scenario '{meta['scenario']}', policy '{meta['policy']}'",
        "",
        footnote(meta),
        "",
    ]
    for w in sensitivity_warnings(df, k):  # "warning: ..." as "**Warning**: ..."
        lines += ["**Warning**: " + w.removeprefix("warning: "), ""]
    if method == "sobol":
        lines += [
            "ST (total index): share of the outcome's variance that would vanish if the "
            "parameter were known, interactions included. S1: the parameter alone. "
            "Brackets: the 95% bootstrap interval (cut at 0 for ST).",
            "",
        ]
    else:
        lines += [
            "μ* (mean absolute elementary effect): change of the outcome across the "
            "parameter's full range, averaged over the other parameters; σ large against μ* "
            "means non-linear effects or interactions. Brackets: the 95% bootstrap interval, "
            "cut at 0 (μ* cannot be negative).",
            "",
        ]
    for outcome in dict.fromkeys(df["outcome"]):
        _, unit, question = OUTCOMES.get(outcome, (outcome, "", outcome))
        lines.append(f"## {question}")
        lines.append("")
        mean = meta.get("outcome_means", {}).get(outcome)
        if mean is not None:
            lines.append(f"Mean over the design: {mean:.4g} ({unit}).")
            lines.append("")
        if outcome in meta.get("constant", []):
            lines.append(
                f"The outcome is the same ({mean:g}) in every run of the design: no parameter "
                "can move it in this scenario under this policy, so it has no indices."
            )
            lines.append("")
            continue
        top = top_parameters(df, outcome, k)
        if method == "sobol":
            lines += ["| parameter | ST | S1 |", "|---|---|---|"]
            for r in top.itertuples():
                s1 = f"{r.S1:.3g} [{r.S1 - r.S1_conf:.3g}, {r.S1 + r.S1_conf:.3g}]"
                lines.append(f"| `{r.parameter}` | {interval(r.ST, r.ST_conf)} | {s1} |")
            d = df[df["outcome"] == outcome]
            lines += [
                "",
                f"Sum of S1 = {d['S1'].sum():.2f} (1 would mean no interactions; a "
                "negative S1 is estimation noise).",
                "",
            ]
        else:
            lines += [f"| parameter | μ* ({unit}) | σ |", "|---|---|---|"]
            for r in top.itertuples():
                lines.append(
                    f"| `{r.parameter}` | {interval(r.mu_star, r.mu_star_conf)} | {r.sigma:.3g} |"
                )
            lines.append("")
    if meta.get("fixed"):
        fixed = ", ".join(f"`{k}` = {v:g}" for k, v in meta["fixed"].items())
        lines += [f"Held at the scenario's value and not varied: {fixed}.", ""]
    lines += [
        "Parameters not varied are held at the scenario's value, else at the median of its "
        "posterior (if it draws from one), else at the table's default. A parameter that an "
        "outcome does not depend on in this scenario (for example one the scenario's initial "
        "state overrides) gets an index of zero.",
        "",
    ]
    return "\n".join(lines)


def sensitivity_summary(df: pd.DataFrame) -> str:
    """Summary of a sensitivity study: the header, then :func:`indices_markdown`'s tables."""
    meta = df.attrs
    start = dt.date.fromisoformat(meta["start"])
    end = start + dt.timedelta(days=int(meta["days"]) - 1)
    header = summary_header(
        f"Sensitivity of the outcomes under “{policy_label(meta['policy'])}”",
        scenario=meta["scenario"], start=start, end=end, seed=meta["seed"], runs=meta["runs"],
        extra=[f"Design: {meta['method']}, {meta['rows']:,} parameter sets × {meta['reps']} "
               "runs each."],
    )  # fmt: skip
    body = indices_markdown(df).split("\n", 1)[1]  # drop its title
    return header + body.lstrip("\n") + "\n"


def plot_indices(df: pd.DataFrame, k: int = 12):
    """Figure: per outcome, horizontal bars of ST and S1 (or μ*) with intervals, top ``k``.

    Outcomes that are constant over the design get no panel; a line under the title names them.
    """
    import matplotlib.pyplot as plt  # no matplotlib.use(): it would break inline notebook figures

    meta = df.attrs
    method = meta["method"]
    constant = [o for o in dict.fromkeys(df["outcome"]) if o in meta.get("constant", [])]
    outcomes = [o for o in dict.fromkeys(df["outcome"]) if o not in constant]
    from sim.figures.style import OKABE_ITO  # the one palette

    blue, orange, grey = OKABE_ITO["blue"], OKABE_ITO["orange"], "#555555"
    err = {"elinewidth": 0.8, "capsize": 2, "ecolor": "#222222"}
    # two columns, three once there are more than six panels (``--outcomes all``)
    ncol = 1 if len(outcomes) <= 1 else 2 if len(outcomes) <= 6 else 3
    nrow = max(1, int(np.ceil(len(outcomes) / ncol)))
    fig, axes = plt.subplots(
        nrow, ncol, figsize=(6.6 * ncol, 4.3 * nrow + 1.1), squeeze=False, layout="constrained"
    )
    for ax, outcome in zip(axes.flat, outcomes, strict=False):
        label, unit, question = OUTCOMES.get(outcome, (outcome, "", outcome))
        ax.set_title(textwrap.fill(question, 60), fontsize=10.5, loc="left")
        top = top_parameters(df, outcome, k).iloc[::-1]
        y = np.arange(len(top))
        if method == "sobol":
            h = 0.38
            ax.barh(y + h / 2, top["ST"], h, xerr=top["ST_conf"], color=blue,
                    label="total (ST)", error_kw=err)  # fmt: skip
            ax.barh(y - h / 2, top["S1"], h, xerr=top["S1_conf"], color=orange,
                    label="first order (S1)", error_kw=err)  # fmt: skip
            ax.set_xlabel(f"share of the variance of {label}")
            ax.set_xlim(min(0.0, float((top["S1"] - top["S1_conf"]).min()) - 0.02), None)
        else:
            ax.barh(y, top["mu_star"], 0.6, xerr=top["mu_star_conf"], color=blue,
                    label="μ* (mean |effect|)", error_kw=err)  # fmt: skip
            ax.plot(top["sigma"], y, "D", color=orange, ms=4, label="σ (spread of effects)")
            ax.set_xlabel(f"{label}: change across the parameter's range ({unit})")
        ax.axvline(0, color=grey, lw=0.6)
        ax.set_yticks(y, top["parameter"], fontsize=8.5)
        ax.tick_params(axis="x", labelsize=8.5)
        ax.grid(axis="x", color="#dddddd", lw=0.6)
        ax.set_axisbelow(True)
        ax.legend(fontsize=8, loc="lower right", frameon=False)
    for ax in list(axes.flat)[len(outcomes) :]:
        ax.set_axis_off()
    what = "Sobol' indices" if method == "sobol" else "Morris screening"
    title = f"Which assumptions matter? Global sensitivity ({what}), top {k} parameters"
    if constant:
        means = meta.get("outcome_means", {})
        gone = "; ".join(f"{OUTCOMES.get(o, (o,))[0]} = {means.get(o, np.nan):g}" for o in constant)
        gone = f"Not shown, the same in every run (no parameter moves it here): {gone}"
        title += "\n" + textwrap.fill(gone, 75 * ncol)
    fig.suptitle(title, fontsize=12, fontweight="bold")
    note = footnote(meta)
    if method == "sobol":
        note += " A negative S1 is estimation noise (true indices are ≥ 0)."
    width = 115 * ncol if ncol > 1 else 105
    fig.text(0.01, 0.005, textwrap.fill(note, width), fontsize=7.5, color=grey, va="bottom")
    fig.get_layout_engine().set(rect=(0, 0.045, 1, 0.955))
    return fig


def check_output_dir(out: str | Path, overwrite: bool) -> Path:
    """Refuse an output place before any work (:func:`sim.experiments.outdir.check_out_dir`:
    a non-empty directory without ``overwrite``, a file, a place that cannot be written)."""
    return check_out_dir(out, overwrite)


def write_results(
    df: pd.DataFrame,
    out: str | Path,
    overwrite: bool = False,
    scenario_path: str | Path | None = None,
    command: Sequence[str] | None = None,
) -> Path:
    """Write the study's files to ``out`` atomically (a temporary directory beside it, renamed).

    Files: ``indices.parquet``, ``indices.csv``, ``indices.md``, ``sensitivity.png``,
    ``sensitivity.pdf`` and ``manifest.json``.
    """
    import matplotlib.pyplot as plt

    with staged_out_dir(out, overwrite) as tmp:
        table = df.copy()
        table.attrs = {}
        table.to_parquet(tmp / "indices.parquet", index=False)
        table.to_csv(tmp / "indices.csv", index=False)
        (tmp / "indices.md").write_text(indices_markdown(df), encoding="utf-8")
        fig = plot_indices(df)
        fig.savefig(tmp / "sensitivity.png", dpi=150)
        fig.savefig(tmp / "sensitivity.pdf")
        plt.close(fig)
        meta = dict(df.attrs)
        begin = dt.date.fromisoformat(meta["start"])
        manifest = base_manifest(
            "sensitivity",
            command=command,
            seed=meta["seed"],
            runs=meta["runs"],
            scenario_name=meta["scenario"],
            scenario_file=scenario_path,
            start=begin,
            end=begin + dt.timedelta(days=meta["days"] - 1),
            policies=[meta["policy"]],
        ) | {
            "scenario_sha256": None if scenario_path is None else scenario_hash(scenario_path),
            "analysis": "SALib sobol (calc_second_order=False)"
            if meta["method"] == "sobol"
            else f"SALib morris (num_levels={MORRIS_LEVELS})",
            **meta,
        }
        (tmp / "summary.md").write_text(sensitivity_summary(df), encoding="utf-8")
        (tmp / "manifest.json").write_text(manifest_json(manifest), encoding="utf-8")
    return Path(out)
