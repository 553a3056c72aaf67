"""The report of a rolling-origin evaluation (``summary.md``): a plain-language paragraph on
what was compared and who wins, then the tables behind it.

Every function takes the evaluation (:class:`sim.validation.results.Evaluation`) as an object
with its tables and settings; the words of the verdicts follow from the numbers by fixed rules
(:func:`verdict`), never by hand.
"""

from __future__ import annotations

import math

import pandas as pd

from sim.calibration.report import markdown_table
from sim.experiments.provenance import summary_header
from sim.validation.forecast_scores import SCORES, totals
from sim.validation.protocol import (
    HORIZONS,
    MODES,
    RECORD_END,
    SAMPLES,
    UNCONDITIONAL_POLICY,
)

#: ``|z|`` from which a paired difference over origins is read as a clear one.
Z_CLEAR = 2.0
#: The models in words.
LABELS: dict[str, str] = {
    "agent": "the agent model calibrated at each origin",
    "agent_articles": "the agent model with the five articles' posterior",
    "zero": "zero",
    "last_poisson": "the last month carried forward (Poisson)",
    "last_negbin": "the last month carried forward (negative binomial)",
    "conflictology": "conflictology (a bootstrap of the last 12 months)",
    "negbin": "a negative binomial regression on the growing window",
    "hawkes": "a Hawkes process with the US strikes as excitation",
}
#: The agent models' short names in the opening paragraph.
SHORT: dict[str, str] = {
    "agent": "the calibrated agent model",
    "agent_articles": "the five-article agent model",
}
MODE_WORDS: dict[str, str] = {
    "given_us_actions": "given the US actions",
    "unconditional": "unconditional",
}


def label(model: str) -> str:
    """A model in words (its name if unknown)."""
    return LABELS.get(model, model)


def verdict(mean: float, se: float, score: str) -> str:
    """The reading of a paired difference (model minus baseline) of ``score``: better or worse
    by at least :data:`Z_CLEAR` standard errors over origins, or not distinguishable."""
    if not (math.isfinite(mean) and math.isfinite(se)) or se == 0:
        return "no spread over origins" if math.isfinite(mean) else "n/a"
    z = mean / se
    better = z > 0 if SCORES[score] == "higher" else z < 0
    if abs(z) < Z_CLEAR:
        return "not distinguishable"
    return "model better" if better else "baseline better"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _pm(mean: float, se: float) -> str:
    if not math.isfinite(mean):
        return "n/a"
    return f"{mean:+.2f} ± {se:.2f}" if math.isfinite(se) else f"{mean:+.2f}"


def _against(ev, mode: str, score: str, baseline: str) -> str:
    """How each agent model fares against ``baseline`` on ``score`` in ``mode``, in words."""
    d = ev.differences()
    bits = []
    for m in ev.agents:
        r = d[(d["model"] == m) & (d["baseline"] == baseline) & (d["mode"] == mode)
              & (d["score"] == score)]  # fmt: skip
        if r.empty:
            continue
        mean, se = float(r["mean"].iloc[0]), float(r["se"].iloc[0])
        words = {"model better": "better", "baseline better": "worse"}
        v = verdict(mean, se, score)
        unit = "nats" if score == "log_score" else "in CRPS"
        bits.append(f"{SHORT.get(m, m)}: {mean:+.2f} {unit} per origin (± {se:.2f}, "
                    f"{words.get(v, v)})")  # fmt: skip
    return "; ".join(bits)


def _lead(ev) -> list[str]:
    """The opening paragraph, in plain words: what was compared, who wins on the log score
    (the documented interval) and on the CRPS (the best estimate), and how sure."""
    s = ev.settings
    tot = ev.totals()
    parts = [
        f"At each of {len(s.origins)} forecast origins ({s.origins[0]:%B %Y} to "
        f"{s.origins[-1]:%B %Y}), every model was fitted only on the record visible then and "
        f"forecast the monthly counts of the next {len(HORIZONS)} months; "
        f"{len(ev.agents)} versions of the agent model were compared with "
        f"{len(ev.baselines)} statistical baselines on the three series the agent model "
        "forecasts (attacks on US forces in Iraq, Iran's direct strikes, Americans killed)."
    ]
    for mode in MODES:
        t = tot[tot["mode"] == mode]
        base = t[t["model"].isin(ev.baselines)]
        if t.empty or base.empty:
            continue
        words = _capital(MODE_WORDS[mode])
        for score, what in (("log_score", "log score of the documented interval"),
                            ("crps", "CRPS against the best estimate")):  # fmt: skip
            higher = SCORES[score] == "higher"
            winner = str(t.sort_values(score, ascending=not higher)["model"].iloc[0])
            best = str(base.sort_values(score, ascending=not higher)["model"].iloc[0])
            lead = f"{words}, on the {what}" if score == "log_score" else f"On the {what}"
            first = (f"the best model is {SHORT.get(winner, label(winner))}" if winner != best
                     else f"the best model is a baseline, {label(best)}")  # fmt: skip
            against = _against(ev, mode, score, best)
            best_words = "it" if winner == best else f"the best baseline, {label(best)}"
            parts.append(f"{lead}, {first}; against {best_words}, {against}.")
    parts.append(
        f"'Better' or 'worse' means by at least {Z_CLEAR:g} standard errors of the paired "
        f"difference over the {len(s.origins)} origins."
    )
    if not s.is_protocol:
        parts.append(
            f"This is the '{s.name}' run ({len(s.origins)} origins, {s.samples} samples, a "
            "token calibration), a check of the machinery: its scores are not the protocol's."
        )
    return [" ".join(parts), ""]


def _totals_table(ev) -> str:
    t = ev.totals()
    t["model"] = pd.Categorical(t["model"], ev.models, ordered=True)
    t = t.sort_values(["mode", "log_score"], ascending=[True, False])
    cols = ["mode", "model", "log_score", "crps", "ignorance", "interval_score", "cover50",
            "cover90", "forecasts", "log_score_tails"]  # fmt: skip
    out = t[cols].copy()
    out["model"] = out["model"].astype(str)
    return markdown_table(out.round(3), floatfmt=".4g")


def _differences_table(ev, by: tuple[str, ...] = ("mode",)) -> str:
    d = ev.differences(by)
    d = d[d["score"].isin(("log_score", "crps"))].copy()
    d = d.sort_values([*by, "score", "model", "baseline"], kind="stable")
    d["mean ± se"] = [_pm(m, s) for m, s in zip(d["mean"], d["se"], strict=True)]
    d["verdict"] = [verdict(m, s, sc) for m, s, sc in zip(d["mean"], d["se"], d["score"],
                                                         strict=True)]  # fmt: skip
    d["z"] = d["z"].round(2)
    cols = ["model", "baseline", *by, "score", "origins", "mean ± se", "z", "verdict"]
    return markdown_table(d[cols])


def _series_table(ev) -> str:
    t = ev.totals_by_series()
    t = t[t["model"].isin(ev.models)]
    wide = t.pivot_table(index=["mode", "model"], columns="series", values="log_score")
    wide = wide.reindex(columns=[c for c in ev.observed["series"].unique() if c in wide.columns])
    wide = wide.reset_index()
    wide["model"] = pd.Categorical(wide["model"], ev.models, ordered=True)
    wide = wide.sort_values(["mode", "model"])
    wide["model"] = wide["model"].astype(str)
    for c in wide.columns[2:]:
        wide[c] = [("not forecast" if pd.isna(v) else f"{v + 0.0:.2f}") for v in wide[c]]
    return markdown_table(wide)


def _horizon_table(ev) -> str:
    t = totals(ev.common(), ("model", "mode", "horizon"))
    wide = t.pivot_table(index=["mode", "model"], columns="horizon", values="log_score")
    wide.columns = [f"log score, {h} month{'s' if h > 1 else ''} ahead" for h in wide.columns]
    wide = wide.reset_index()
    wide["model"] = pd.Categorical(wide["model"], ev.models, ordered=True)
    wide = wide.sort_values(["mode", "model"])
    wide["model"] = wide["model"].astype(str)
    return markdown_table(wide.round(2), floatfmt=".4g")


def _pit_table(ev) -> str:
    p = ev.pit()
    rows = []
    for (m, mode), g in p.groupby(["model", "mode"], sort=False):
        counts = g.sort_values("bin")["count"].to_numpy()
        n = counts.sum()
        share = counts / n if n else counts
        rows.append({"model": m, "mode": mode, "forecasts": int(n),
                     "PIT deciles (share of forecasts, 0.10 each if calibrated)":
                     " ".join(f"{v:.2f}" for v in share),
                     "below 0.1": round(float(share[0]), 3),
                     "above 0.9": round(float(share[-1]), 3)})  # fmt: skip
    out = pd.DataFrame(rows)
    out["model"] = pd.Categorical(out["model"], ev.models, ordered=True)
    out = out.sort_values(["mode", "model"])
    out["model"] = out["model"].astype(str)
    return markdown_table(out)


def _calibration_table(ev) -> str:
    c = ev.calibration
    if c.empty:
        return "No agent model was calibrated in this run."
    keep = ["base_rate_scale", "self_excitation", "revenge_attacks", "expulsion_campaign",
            "iran_strike_threshold", "p_lethal"]  # fmt: skip
    wide = c[c["parameter"].isin(keep)].pivot_table(index="origin", columns="parameter",
                                                     values="post_median")  # fmt: skip
    wide = wide.reindex(columns=[k for k in keep if k in wide.columns])
    meta = c.groupby("origin")[["targets", "simulations", "seconds", "final_distance"]].first()
    out = meta.join(wide).reset_index()
    return markdown_table(out, floatfmt=".3g")


def summary_markdown(ev) -> str:
    """The report of an evaluation (module docstring)."""
    s = ev.settings
    best = ev.best_baseline()
    header = summary_header(
        "Rolling-origin forecast evaluation",
        scenario="the history setting as known at each origin (sim/data/history_setting.yaml "
        "without the shocks dated on or after it)",
        start=s.origins[0], end=RECORD_END, seed=s.seed, runs=s.samples,
        units="counts are per calendar month (each forecast is one month's count; the runs are "
        "its samples); the scores are sums over forecasts",
    ).splitlines()  # fmt: skip
    lines = [header[0], "", *_lead(ev), *header[2:]]
    lines += [
        f"- Record: {ev.record.get('name', '')} (digest {ev.record.get('key', '')[:12]}). "
        "**2019-2024 is a development set**: the record the model was built and calibrated "
        "on, judged here by forecasts made as they would have been at each origin. An "
        f"independent test, reporting published after {RECORD_END:%-d %B %Y}, is kept outside "
        "the project.",
        f"- Run: '{s.name}' ({'the protocol' if s.is_protocol else 'not the protocol'}); "
        f"origins {', '.join(f'{o:%Y-%m}' for o in s.origins)}; {s.samples:,} samples a "
        f"series-month (protocol: {SAMPLES:,}); seed {s.seed}; horizons "
        f"{', '.join(str(h) for h in HORIZONS)} months (1: the origin's own month).",
        f"- Command: `{ev.command}`" if ev.command else "- Command: (from Python)",
        f"- Time: {ev.seconds:.0f} s ({ev.timings['calibration_s'].sum():.0f} s of calibration).",
        "",
        "## What was compared",
        "",
        *[f"- **{m}**: {label(m)}" for m in ev.models],
        "",
        "Modes: **given_us_actions** (the documented US actions of the forecast months are "
        "forced in the agent models and given to the baselines as monthly strike counts) and "
        f"**unconditional** (the agent models' US follows `{UNCONDITIONAL_POLICY}`; the "
        "baselines see no US action of the window). The agent models have no Syria theatre and "
        "are not scored on attacks in Syria; every total and comparison below is over the three "
        "series they forecast unless it says otherwise. The five articles' posterior was fitted "
        "to rows that reach into 2024, so at the early origins the five-article model is not "
        "out of sample.",
        "",
        "Scores (the protocol's): log score of the documented interval (natural log, higher is "
        "better), CRPS against the best estimate, ignorance on the ViEWS bins (bits), the 90% "
        "interval score (lower is better for these three), coverage of the central 50% and 90% "
        "intervals. Totals are sums over series, horizons and origins; `log_score_tails`: "
        "forecasts whose samples all missed the documented interval (scored by the smooth "
        "tail).",
        "",
        "## Totals",
        "",
        _totals_table(ev),
        "",
        "## Each agent model against each baseline",
        "",
        "Mean over origins of the per-origin sum of (model − baseline), its standard error over "
        f"origins and z. Log score: above 0 favours the model; CRPS: below 0. Verdict: |z| ≥ "
        f"{Z_CLEAR:g}, else 'not distinguishable'.",
        "",
        _differences_table(ev),
        "",
        "## Log score by series",
        "",
        "Every series; the baselines are scored on attacks in Syria too.",
        "",
        _series_table(ev),
        "",
        "## Log score by horizon",
        "",
        _horizon_table(ev),
        "",
        "## Calibration of the forecasts (PIT)",
        "",
        _pit_table(ev),
        "",
        "## The agent model's calibration at each origin",
        "",
        "Targets: visible series-months with an informative interval; the posterior medians of "
        "some fitted parameters (`calibration.csv` has all, with 90% intervals).",
        "",
        _calibration_table(ev),
        "",
        "## Figures",
        "",
        "![scores by origin](scores_by_origin.png)",
        "",
        *[f"![fans, {m}](fans_{m}.png)\n" for m in MODES if m in best],
        "## Timings",
        "",
        markdown_table(ev.timings.round(2), floatfmt=".3g"),
        "",
    ]
    return "\n".join(lines)
