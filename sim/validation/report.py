"""Outputs of ``escalation validate``: tables, ``summary.md``, the figure and the manifest,
written atomically (a temporary directory beside ``out``, renamed when complete)."""

from __future__ import annotations

import math
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd

from sim.calibration.report import markdown_table
from sim.experiments.outdir import check_out_dir, staged_out_dir
from sim.experiments.provenance import base_manifest, manifest_json, summary_header
from sim.figures.style import PALETTE
from sim.validation.validate import Validation


def check_out(out: Path, overwrite: bool) -> None:
    """Refuse an output place before any work (:func:`sim.experiments.outdir.check_out_dir`:
    a non-empty directory without ``overwrite``, a file, a place that cannot be written)."""
    check_out_dir(out, overwrite)


def samples_table(res: Validation) -> pd.DataFrame:
    """Every predictive sample in long form: model, window, run, count."""
    frames = []
    for model, by_window in res.samples.items():
        for w, x in by_window.items():
            if x is not None:
                frames.append(pd.DataFrame({"model": model, "window": w,
                                            "run": np.arange(len(x)), "count": x}))  # fmt: skip
    return pd.concat(frames, ignore_index=True)


def plot_intervals(res: Validation, path: Path) -> None:
    """Per window: each model's 50% and 90% predictive intervals and median against the
    documented range (grey; an arrow where it is open above)."""
    import matplotlib.pyplot as plt

    sc = res.evaluation.scores
    models = list(res.samples)
    ncol = 4
    nrow = math.ceil(len(res.windows) / ncol)
    fig, axes = plt.subplots(nrow, ncol, figsize=(12, 2.1 * nrow + 0.6), layout="constrained",
                             squeeze=False)  # fmt: skip
    for ax, w in zip(axes.flat, res.windows, strict=False):
        g = sc[sc["window"] == w.name].set_index("model")
        top = max(float(g["q95"].max()), w.low if w.high is None else w.high, 1.0)
        hi = w.high if w.high is not None else top * 1.15 + 1
        ax.axvspan(w.low - 0.5, hi + 0.5, color="0.85", zorder=0)
        if w.high is None:
            ax.annotate("", (hi + 0.5, -0.8), (w.low, -0.8),
                        arrowprops={"arrowstyle": "->", "color": "0.4"})  # fmt: skip
        for i, m in enumerate(models):
            if m not in g.index:
                ax.text(0, len(models) - 1 - i, " n/a", va="center", fontsize=7, color="0.4")
                continue
            r = g.loc[m]
            y = len(models) - 1 - i
            col = PALETTE[i % len(PALETTE)]
            ax.hlines(y, r["q05"], r["q95"], color=col, lw=1.5)
            ax.hlines(y, r["q25"], r["q75"], color=col, lw=5)
            ax.plot(r["median"], y, "o", color="white", mec=col, ms=4, zorder=3)
        ax.set_yticks(range(len(models)), labels=models[::-1], fontsize=7)
        ax.set_ylim(-1.2, len(models) - 0.4)
        ax.set_xlim(-0.8, max(top, hi) * 1.2 + 1)
        star = "" if w.spec.primary else " (secondary)"
        label = textwrap.shorten(w.spec.label + star, width=48, placeholder="...")
        ax.set_title(f"{label}\n{w.start} - {w.end}: {w.documented}", fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
        ax.grid(axis="x", alpha=0.3)
    for ax in list(axes.flat)[len(res.windows) :]:
        ax.axis("off")
    fig.supxlabel("count in the window (attacks on US forces; Iran's direct strikes). Grey: "
                  "documented range. Bars: 50% (thick) and 90% (thin) predictive intervals, "
                  "circle: median", fontsize=8)  # fmt: skip
    fig.suptitle(f"Held-out windows: predictive intervals of the agent model and the baselines "
                 f"({res.runs} runs, seed {res.seed})", fontsize=10)  # fmt: skip
    fig.savefig(path, dpi=150)
    plt.close(fig)


def summary_markdown(res: Validation, command: str = "") -> str:
    """The report: windows, per-window scores, the comparison with each baseline, totals."""
    ev = res.evaluation
    sc = ev.scores.copy()
    sc["log_score"] = [
        f"{v:.2f} ± {e:.2f}{' (floor)' if f else ''}"
        for v, e, f in zip(sc["log_score"], sc["log_score_se"], sc["floored"], strict=True)
    ]
    sc["crps"] = [f"{v:.2f} ± {e:.2f}" for v, e in zip(sc["crps"], sc["crps_se"], strict=True)]
    sc["90% interval"] = [f"{a:g}..{b:g}" for a, b in zip(sc["q05"], sc["q95"], strict=True)]
    cols = ["window", "documented", "model", "median", "90% interval", "p_documented",
            "cover50", "cover90", "log_score", "crps"]  # fmt: skip
    comp = ev.comparison.copy()
    for k in ("log_score_gain", "crps_gain"):
        comp[k] = [f"{v:+.2f} ± {e:.2f}" for v, e in zip(comp[k], comp[f"{k}_se"], strict=True)]
    tot = ev.totals.copy()
    lines = [
        summary_header(
            f"Out-of-sample validation ({res.runs} runs per window, seed {res.seed})",
            scenario="the held-out record (sim/data/heldout_*.csv), each window from its "
            "shipped scenario",
            start=min(w.start for w in res.windows),
            end=max(w.end for w in res.windows),
            seed=res.seed,
            runs=res.runs,
            extra=["Counts are per window (see the table), not per year."],
        ),
        f"Command: `{command}`" if command else "",
        "",
        f"Run time {res.seconds:.0f} s. Settings: `sim/validation/settings.py` (pre-registered; "
        "docs/validation.md). Log score: larger is better; CRPS: smaller is better; ± is the "
        "Monte Carlo error (bootstrap over runs). `(floor)`: no run reached the documented "
        "range; the log score is that of the floor probability 0.5 / runs.",
        "",
        "## Baselines (fitted to the training record only)",
        "",
        *[f"- **{k}**: {v}" for k, v in res.baselines.items()],
        "",
        "## Windows",
        "",
        markdown_table(
            pd.DataFrame(
                [
                    {
                        "window": w.name,
                        "what": w.spec.label,
                        "quantity": w.spec.quantity,
                        "scope": w.spec.scope,
                        "dates": f"{w.start} - {w.end}",
                        "documented": w.documented,
                        "primary": w.spec.primary,
                    }
                    for w in res.windows
                ]
            )
        ),
        "",
        "## Scores per window",
        "",
        markdown_table(sc[cols]),
        "",
        "## The agent model against each baseline",
        "",
        "Gain = the agent model's score minus the baseline's (log score) or the baseline's minus "
        "the model's (CRPS): positive means the model is better. Verdict: 'within MC error' if "
        "the gain is at most twice its Monte Carlo error.",
        "",
        markdown_table(
            comp[
                ["window", "baseline", "log_score_gain", "log_verdict", "crps_gain", "crps_verdict"]
            ]
        ),
        "",
        "## Totals over the primary windows",
        "",
        markdown_table(tot),
        "",
        "![predictive intervals](intervals.png)",
        "",
    ]
    return "\n".join(lines)


def write_outputs(res: Validation, out: Path, overwrite: bool, command: str = "") -> Path:
    """Write every output into ``out`` at once (nothing half-written on failure)."""

    with staged_out_dir(out, overwrite) as tmp:
        ev = res.evaluation
        ev.scores.to_csv(tmp / "scores.csv", index=False)
        ev.scores.to_parquet(tmp / "scores.parquet", index=False)
        ev.comparison.to_csv(tmp / "comparison.csv", index=False)
        ev.totals.to_csv(tmp / "totals.csv", index=False)
        samples_table(res).to_parquet(tmp / "samples.parquet", index=False)
        plot_intervals(res, tmp / "intervals.png")
        (tmp / "summary.md").write_text(summary_markdown(res, command), encoding="utf-8")
        manifest = base_manifest(
            "validate", command=command, seed=res.seed, runs=res.runs,
            scenario_name="held-out record (sim/data/heldout_*.csv)",
            start=min(w.start for w in res.windows), end=max(w.end for w in res.windows),
        ) | {"seconds": round(res.seconds, 1), "windows": [w.name for w in res.windows],
             "models": list(res.samples), "baselines": res.baselines, **res.info}  # fmt: skip
        (tmp / "manifest.json").write_text(manifest_json(manifest), encoding="utf-8")
    return out
