"""The result of a rolling-origin evaluation in memory: its tables, figures, report and
manifest, and :meth:`Evaluation.save`, which writes them all into a folder at once.

Outputs (``docs/validation.md`` explains each):

* ``summary.md``: what was compared and who wins, in words first, then the tables;
* ``scores.csv``: every forecast's scores (one row per model, origin, horizon, series, mode);
* ``totals.csv``, ``totals_by_series.csv``, ``totals_by_horizon.csv``, ``scores_by_origin.csv``:
  sums of the scores;
* ``differences.csv``, ``differences_by_series.csv``: each agent model against each baseline,
  per origin, with the mean, its standard error over origins and ``z``;
* ``pit.csv``: PIT histograms; ``quantiles.csv``: the forecasts' means and quantiles beside the
  observed values; ``observed.csv``: the documented monthly series;
* ``calibration.csv``: the agent model's calibration at each origin; ``timings.csv``;
* ``scores_by_origin.png`` and ``fans_given_us_actions.png``, ``fans_unconditional.png`` (with
  PDFs); ``manifest.json``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from matplotlib.figure import Figure

from sim.experiments.outdir import staged_out_dir
from sim.experiments.provenance import base_manifest, manifest_json
from sim.figures.forecasts import fans_figure, scores_by_origin_figure
from sim.figures.style import _save
from sim.validation import forecast_scores as fs
from sim.validation.agent import MODEL_FIELDS
from sim.validation.protocol import (
    BASELINES,
    MODES,
    PROTOCOL,
    RECORD_END,
    SERIES,
)
from sim.validation.settings import EvaluationSettings
from sim.validation.summary import summary_markdown

#: The series every model forecasts (the agent model's three): the totals that rank the models.
COMMON_SERIES: tuple[str, ...] = tuple(MODEL_FIELDS)
#: The series in words.
SERIES_LABELS: dict[str, str] = {
    "iraq_attacks": "Attacks in Iraq",
    "syria_attacks": "Attacks in Syria",
    "iran_direct_strikes": "Iran's direct strikes",
    "us_killed": "Americans killed",
}
assert tuple(SERIES_LABELS) == tuple(SERIES)
#: The models in words.
MODEL_LABELS: dict[str, str] = {
    "agent": "agent model, calibrated at each origin",
    "agent_articles": "agent model, five articles' posterior",
    "zero": "zero",
    "last_poisson": "last month, Poisson",
    "last_negbin": "last month, negative binomial",
    "conflictology": "conflictology (last 12 months)",
    "negbin": "negative binomial regression",
    "hawkes": "Hawkes",
}
#: The score that ranks the models and picks the best baseline.
RANK_SCORE = "log_score"


@dataclass
class Evaluation:
    """A rolling-origin evaluation: the scores of every forecast and what was measured."""

    settings: EvaluationSettings
    scores: pd.DataFrame
    observed: pd.DataFrame
    calibration: pd.DataFrame
    timings: pd.DataFrame
    agents: tuple[str, ...]
    seconds: float
    record: dict[str, str]
    seeds: dict[str, object] = field(default_factory=dict)
    command: str = ""
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    # --- tables -------------------------------------------------------------------------------

    @property
    def baselines(self) -> tuple[str, ...]:
        present = set(self.scores["model"])
        return tuple(b for b in BASELINES if b in present)

    @property
    def models(self) -> tuple[str, ...]:
        return (*self.agents, *(m for m in self.scores["model"].unique()
                                if m not in self.agents))  # fmt: skip

    def common(self) -> pd.DataFrame:
        """The rows of the series every model forecasts."""
        return self.scores[self.scores["series"].isin(COMMON_SERIES)]

    def totals(self, by: tuple[str, ...] = ("model", "mode")) -> pd.DataFrame:
        """Sums of the scores over the common series (:data:`COMMON_SERIES`), horizons and
        origins, per ``by`` (:func:`sim.validation.forecast_scores.totals`)."""
        return fs.totals(self.common(), by)

    def totals_by_series(self) -> pd.DataFrame:
        """Sums per model, mode and series (every series, Syria included for the baselines)."""
        return fs.totals(self.scores, ("model", "mode", "series"))

    def differences(self, by: tuple[str, ...] = ("mode",)) -> pd.DataFrame:
        """Each agent model against each baseline (and the first agent model against the others),
        averaged over origins with standard errors
        (:func:`sim.validation.forecast_scores.paired_differences`), over the targets both
        scored (Syria is left out of the agent models' comparisons). Computed once per ``by``."""
        key = ("differences", *by)
        if key not in self._cache:
            parts = []
            for b in (*self.baselines, *self.agents[1:]):
                # every agent model against a baseline; the first agent model against the
                # others (the value of the data: calibrated at each origin or on the articles)
                mine = self.agents if b in self.baselines else self.agents[:1]
                pair = self.scores[self.scores["model"].isin((*mine, b))]
                d = fs.paired_differences(pair, [b], by)
                parts.append(d[d["model"].isin(mine)])
            self._cache[key] = pd.concat(parts, ignore_index=True)
        return self._cache[key].copy()

    def pit(self) -> pd.DataFrame:
        """PIT histograms per model and mode, over the common series."""
        return fs.pit_histogram(self.common())

    def quantiles(self) -> pd.DataFrame:
        """The forecasts' means and quantiles beside the observed values."""
        cols = ["model", "origin", "horizon", "series", "mode", "month", "best", "low", "high",
                "mean", "q05", "q25", "q50", "q75", "q95"]  # fmt: skip
        return self.scores[cols].copy()

    def best_baseline(self) -> dict[str, str]:
        """Per mode, the baseline with the highest total log score over the common series."""
        t = self.totals()
        out = {}
        for mode in MODES:
            b = t[(t["mode"] == mode) & t["model"].isin(self.baselines)]
            if len(b):
                out[mode] = str(b.sort_values(RANK_SCORE, ascending=False)["model"].iloc[0])
        return out

    def ranking(self, mode: str, score: str = RANK_SCORE) -> list[str]:
        """The models of ``mode``, best total first (common series)."""
        t = self.totals()
        t = t[t["mode"] == mode]
        higher = fs.SCORES[score] == "higher"
        return list(t.sort_values(score, ascending=not higher)["model"])

    def origin_gains(self) -> pd.DataFrame:
        """At each origin, each agent model's score minus the best baseline's (log score) or
        the best baseline's minus the model's (CRPS): positive, the model did better."""
        best = self.best_baseline()
        c = self.common()
        per = c.groupby(["model", "mode", "origin"], sort=True)[["log_score", "crps"]].sum()
        per = per.reset_index()
        rows = []
        for mode, b in best.items():
            ref = per[(per["model"] == b) & (per["mode"] == mode)].set_index("origin")
            for m in self.agents:
                mine = per[(per["model"] == m) & (per["mode"] == mode)].set_index("origin")
                for o in mine.index.intersection(ref.index):
                    for s, sign in (("log_score", 1.0), ("crps", -1.0)):
                        gain = sign * (mine.loc[o, s] - ref.loc[o, s])
                        rows.append((m, mode, o, s, b, float(gain)))
        return pd.DataFrame(rows, columns=["model", "mode", "origin", "score", "baseline", "gain"])

    # --- figures ------------------------------------------------------------------------------

    def _foot(self) -> list[str]:
        s = self.settings
        return [
            f"{len(s.origins)} origins ({s.origins[0]:%b %Y} to {s.origins[-1]:%b %Y}), "
            f"{s.samples:,} samples a series-month, seed {s.seed}; 2019-2024 is the development "
            f"set (an independent test, reporting after {RECORD_END:%-d %b %Y}, is kept outside "
            "the project).",
        ]

    def figures(self) -> dict[str, Figure]:
        """The figures by file stem: scores by origin, and the fans of each mode."""
        best = self.best_baseline()
        foot = self._foot()
        gains_note = ("Gains: sums over horizons 1-3 and the agent models' three series; best "
                      "baseline: the highest total log score.")  # fmt: skip
        out = {
            "scores_by_origin": scores_by_origin_figure(
                self.origin_gains(), best, MODEL_LABELS, [*foot, gains_note]
            )
        }
        fans_note = ("Grey: the record's interval (dotted: lower bound only) and best estimate "
                     "(line); shades: central 50% and 90% of each forecast, line: median; axis "
                     "cut at 1.6 × the largest best estimate.")  # fmt: skip
        q = self.quantiles()
        for mode in MODES:
            if mode not in best:
                continue
            models = [*self.agents, best[mode]]
            out[f"fans_{mode}"] = fans_figure(
                q, self.observed, models, mode, SERIES_LABELS, MODEL_LABELS, [*foot, fans_note]
            )
        return out

    # --- report -------------------------------------------------------------------------------

    def summary_markdown(self) -> str:
        """The report (``summary.md``, :func:`sim.validation.summary.summary_markdown`)."""
        return summary_markdown(self)

    def manifest(self) -> dict[str, object]:
        """What the run was: the protocol, the commit, the settings, seeds and timings."""
        s = self.settings
        base = base_manifest(
            "validate", command=self.command or None, seed=s.seed, runs=s.samples,
            scenario_name="history setting as known at each origin",
            start=s.origins[0], end=RECORD_END,
        )  # fmt: skip
        return base | {
            "protocol": dataclasses.asdict(PROTOCOL),
            "settings": dataclasses.asdict(s),
            "protocol_run": s.is_protocol,
            "models": list(self.models),
            "record": self.record,
            "seeds": self.seeds,
            "seconds": round(self.seconds, 1),
            "timings": self.timings.to_dict(orient="records"),
        }

    def save(self, out: str | Path, overwrite: bool = False) -> Path:
        """Write every output into ``out`` at once (assembled beside it, nothing
        half-written: :func:`sim.experiments.outdir.staged_out_dir`)."""
        figures = self.figures()
        with staged_out_dir(out, overwrite) as tmp:
            self.scores.to_csv(tmp / "scores.csv", index=False)
            self.totals().to_csv(tmp / "totals.csv", index=False)
            self.totals_by_series().to_csv(tmp / "totals_by_series.csv", index=False)
            fs.totals(self.common(), ("model", "mode", "horizon")).to_csv(
                tmp / "totals_by_horizon.csv", index=False)  # fmt: skip
            fs.totals(self.common(), ("model", "mode", "origin")).to_csv(
                tmp / "scores_by_origin.csv", index=False)  # fmt: skip
            self.differences().to_csv(tmp / "differences.csv", index=False)
            self.differences(("mode", "series")).to_csv(tmp / "differences_by_series.csv",
                                                         index=False)  # fmt: skip
            self.pit().to_csv(tmp / "pit.csv", index=False)
            self.quantiles().to_csv(tmp / "quantiles.csv", index=False)
            self.observed.to_csv(tmp / "observed.csv", index=False)
            self.calibration.to_csv(tmp / "calibration.csv", index=False)
            self.timings.to_csv(tmp / "timings.csv", index=False)
            for stem, fig in figures.items():
                _save(fig, tmp / f"{stem}.png")
            (tmp / "summary.md").write_text(self.summary_markdown(), encoding="utf-8")
            (tmp / "manifest.json").write_text(manifest_json(self.manifest()), encoding="utf-8")
        return Path(out)
