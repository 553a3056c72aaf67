"""Tests of sim.figures.plots: files written, figure sizes, panels and labels (no pixel
snapshots)."""

from __future__ import annotations

from pathlib import Path

import matplotlib.image as mpimg
import numpy as np
import pandas as pd
import pytest
import yaml

from sim.analysis.ladders import ACTION_LEVELS, ATTACK_LEVELS, strongest_action, worst_attack
from sim.analysis.metrics import DailyHistogram, summarise_outcomes
from sim.core.params import Params
from sim.core.policies import REGISTRY, get_policy
from sim.engines.ensemble import run_ensemble
from sim.figures import plots
from sim.figures.style import texts_outside_canvas
from sim.inputs.scenario import scenario_from_dict

SCENARIOS = Path(__file__).resolve().parent.parent / "scenarios"
POLICIES = ("do_nothing", "strike_iraq", "hold_iran_accountable")
N = 60


@pytest.fixture(scope="module")
def experiment():
    """A short scenario run under three policies with common random numbers, plus a copy of
    one policy under a user policy's name (labels must fall back to the name)."""
    data = yaml.safe_load((SCENARIOS / "baseline.yaml").read_text(encoding="utf-8"))
    data.update(days=90, name="short")
    data["shocks"] = [s for s in data["shocks"] if s["start"].month <= 3]  # inside the 90 days
    sc = scenario_from_dict(data)
    frames, qs = [], {}
    for p in POLICIES:
        res = run_ensemble(sc, get_policy(p), Params.build(N), np.random.default_rng(3))
        df = pd.DataFrame(res.outcomes)
        df.insert(0, "run", np.arange(N))
        df.insert(0, "policy", p)
        frames.append(df)
        h = DailyHistogram(sc.days)
        h.add(res.daily)
        qs[p] = h.quantiles()
    frames.append(frames[1].assign(policy="my_policy"))
    qs["my_policy"] = qs["strike_iraq"]
    outcomes = pd.concat(frames, ignore_index=True)
    summary = summarise_outcomes(outcomes, n_boot=200)
    return sc, outcomes, qs, summary


def png_shape(path):
    img = mpimg.imread(path)
    return img.shape[:2]


def texts(fig) -> str:
    """Every text of a figure (titles, labels, tick labels, legends, footnotes), joined."""
    found = [t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text"))]
    return "\n".join(t for t in found if t)


def label(p: str) -> str:
    return REGISTRY[p].label if p in REGISTRY else p


def test_figure_run_writes_png_and_pdf(experiment, tmp_path):
    sc, outcomes, qs, _ = experiment
    one = outcomes[outcomes.policy == "strike_iraq"]
    path = plots.figure_run(
        qs["strike_iraq"], one, sc, tmp_path / "run.png", runs=N, seed=3, policy="strike_iraq"
    )
    assert path == tmp_path / "run.png"
    fig = plots.run_figure(qs["strike_iraq"], one, sc, runs=N, seed=3, policy="strike_iraq")
    w, h = fig.get_size_inches() * plots.DPI
    assert png_shape(path) == (round(h), round(w))
    pdf = path.with_suffix(".pdf")
    assert pdf.read_bytes()[:4] == b"%PDF" and pdf.stat().st_size > 5_000


def test_run_figure_panels_and_labels(experiment):
    sc, outcomes, qs, _ = experiment
    one = outcomes[outcomes.policy == "hold_iran_accountable"]
    fig = plots.run_figure(qs["hold_iran_accountable"], one, sc, seed=3)
    ax_a, ax_b, ax_c = fig.axes
    assert "Militia attacks" in ax_a.get_ylabel() and ax_a.get_xlabel() == "Date"
    # the fan: two bands and a median line spanning every day of the scenario
    assert len(ax_a.collections) >= 2
    assert len(ax_a.lines[0].get_xdata()) == sc.days
    # (b) the worst militia attack and (c) the strongest US action, apart: bar lengths are the
    # shares of runs at each level
    for ax, levels, of in ((ax_b, ATTACK_LEVELS, worst_attack),
                           (ax_c, ACTION_LEVELS, strongest_action)):  # fmt: skip
        assert [t.get_text() for t in ax.get_yticklabels()] == [lab for _, lab, _ in levels]
        widths = [p.get_width() for p in ax.patches]
        want = 100 * np.bincount(of(one), minlength=len(levels)) / len(one)
        np.testing.assert_allclose(widths, want)
    # a policy that strikes still shows its lethal attacks
    assert widths[0] < 100 and ax_b.patches[4].get_width() == pytest.approx(
        100 * (one.attacks_lethal > 0).mean()
    )
    all_text = texts(fig).replace("\n", " ")
    assert "Hold Iran accountable" in all_text  # policy inferred from the table
    assert "“short”" in all_text and f"{N} runs" in all_text and "Seed 3" in all_text
    assert "not a forecast" in all_text.lower()


def test_figures_compare_writes_every_figure(experiment, tmp_path):
    sc, outcomes, qs, summary = experiment
    paths = plots.figures_compare(qs, outcomes, summary, sc, tmp_path / "figs", seed=3)
    names = [
        "outcomes_by_policy",
        "fan_by_policy",
        "worst_attack_by_policy",
        "strongest_action_by_policy",
        "survival_first_death",
        "time_to_events",
        "paired_differences",
    ]
    assert [p.name for p in paths] == [f"{n}.{ext}" for n in names for ext in ("png", "pdf")]
    figs = plots.compare_figures(qs, outcomes, summary, sc, seed=3)
    for n in names:
        png = tmp_path / "figs" / f"{n}.png"
        w, h = figs[n].get_size_inches() * plots.DPI
        assert png_shape(png) == (round(h), round(w)), n
        assert (tmp_path / "figs" / f"{n}.pdf").stat().st_size > 5_000


def test_compare_figures_panels_labels_and_colours(experiment):
    sc, outcomes, qs, summary = experiment
    figs = plots.compare_figures(qs, outcomes, summary, sc, seed=3)
    pols = [*POLICIES, "my_policy"]
    labels = {label(p) for p in pols}

    fig = figs["outcomes_by_policy"]
    assert len(fig.axes) == len(plots.COMPARE_OUTCOMES)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert set(ticks) == labels and ticks[0] == "Do nothing"  # baseline on top
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        t for t, _ in plots.COMPARE_OUTCOMES.values()
    ]
    assert all("per run" in ax.get_xlabel() for ax in fig.axes)

    fig = figs["fan_by_policy"]
    titled = [ax for ax in fig.axes if ax.get_title(loc="left")]
    assert {ax.get_title(loc="left") for ax in titled} == labels
    tops = {p: ax.get_ylim()[1] for p, ax in zip(qs, titled, strict=True)}
    assert tops["hold_iran_accountable"] != tops["do_nothing"]  # each panel on its own scale

    for name, levels in (("worst_attack_by_policy", ATTACK_LEVELS),
                         ("strongest_action_by_policy", ACTION_LEVELS)):  # fmt: skip
        fig = figs[name]
        assert len(fig.axes) == 1
        assert all(lab in texts(fig) for _, lab, _ in levels)

    fig = figs["survival_first_death"]
    ax, ax_end = fig.axes
    assert "no American killed" in ax.get_ylabel()
    colours = {ln.get_label(): ln.get_color() for ln in ax.lines}
    assert colours["Do nothing"] == plots.POLICY_COLORS["do_nothing"]
    assert colours["Strike inside Iraq"] == plots.POLICY_COLORS["strike_iraq"]
    assert colours["my_policy"] not in plots.POLICY_COLORS.values()
    assert {t.get_text() for t in ax_end.get_yticklabels()} == labels

    fig = figs["paired_differences"]
    assert len(fig.axes) == len(plots.DIFF_OUTCOMES)
    ticks = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "Do nothing" not in ticks and set(ticks) == labels - {"Do nothing"}
    for f in figs.values():
        t = texts(f)
        assert "“short”" in t and f"{N} runs per policy" in t and "common random numbers" in t


def test_paired_differences_plot_the_summary(experiment):
    sc, outcomes, qs, summary = experiment
    fig = plots.compare_figures(qs, outcomes, summary, sc)["paired_differences"]
    ax = fig.axes[0]  # militia attacks
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    dots = [ln for ln in ax.lines if ln.get_marker() == "o"]
    for y, name in enumerate(ticks):
        p = next(k for k in [*POLICIES, "my_policy"] if label(k) == name)
        want = summary[(summary.policy == p) & (summary.outcome == "attacks_total")]["diff"]
        got = [ln.get_xdata()[0] for ln in dots if ln.get_ydata()[0] == y]
        assert got == pytest.approx([float(want.iloc[0])])


def test_compare_without_baseline_skips_differences(experiment, tmp_path):
    sc, outcomes, qs, _ = experiment
    sub = outcomes[outcomes.policy != "do_nothing"]
    summary = summarise_outcomes(sub, n_boot=50)
    paths = plots.figures_compare(qs, sub, summary, sc, tmp_path)
    assert not any(p.name.startswith("paired_differences") for p in paths)
    assert (tmp_path / "survival_first_death.png").exists()


def test_survival_curve_known_values():
    s, n = plots.survival_curve(np.array([0.0, 2.0, np.nan, np.nan]), days=4)
    assert n == 4
    np.testing.assert_allclose(s, [0.75, 0.75, 0.5, 0.5])
    s, _ = plots.survival_curve(np.full(5, np.nan), days=3)
    np.testing.assert_allclose(s, 1.0)


def test_policy_colours_are_fixed_and_distinct():
    c = plots.policy_colors(["tit_for_tat", "mine", "do_nothing", "yours"])
    assert c["tit_for_tat"] == plots.POLICY_COLORS["tit_for_tat"]
    assert c["do_nothing"] == plots.POLICY_COLORS["do_nothing"]
    assert c["mine"] != c["yours"]
    assert len(set(plots.POLICY_COLORS.values())) == len(plots.POLICY_COLORS)


# Colour-vision deficiency (Machado, Oliveira & Fernandes 2009, severity 1), on linear RGB.
CVD = {
    "normal": np.eye(3),
    "deuteranopia": np.array(
        [[0.367322, 0.860646, -0.227968], [0.280085, 0.672501, 0.047413],
         [-0.011820, 0.042940, 0.968881]]
    ),
    "protanopia": np.array(
        [[0.152286, 1.052583, -0.204868], [0.114503, 0.786281, 0.099216],
         [-0.003882, -0.048116, 1.051998]]
    ),
}  # fmt: skip


def _lab(hex_colour: str, m: np.ndarray) -> np.ndarray:
    """CIELAB (D65) of a colour as seen with the deficiency ``m``."""
    from matplotlib.colors import to_rgb

    c = np.array(to_rgb(hex_colour))
    lin = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    lin = np.clip(m @ lin, 0, 1)
    srgb_to_xyz = np.array(
        [[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]
    )
    xyz = srgb_to_xyz @ lin / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > 0.008856, np.cbrt(xyz), 7.787 * xyz + 16 / 116)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


@pytest.mark.parametrize("vision", list(CVD))
def test_neighbouring_rungs_stay_apart_for_colour_blind_readers(vision):
    ramp = plots.rung_colors()
    assert len(ramp) == 10
    lab = [_lab(c, CVD[vision]) for c in ramp]
    gaps = [float(np.linalg.norm(lab[k + 1] - lab[k])) for k in range(9)]
    assert min(gaps) >= 15, gaps  # ΔE*ab: about 2.3 is a just-noticeable difference
    # rungs 4-6 (lethal attack, US strike outside Iraq, inside Iraq) were three close reds
    assert min(gaps[3:6]) >= 25, gaps[3:6]
    assert lab[0][0] > 90 and lab[9][0] < 5  # quiet pale, war black


def test_worst_attack_and_strongest_action_known_values():
    o = pd.DataFrame(
        {
            "protests": [0, 2, 0, 1, 0],
            "attacks_harassment": [0, 0, 1, 3, 0],
            "attacks_injury": [0, 0, 0, 1, 0],
            "attacks_lethal": [0, 0, 0, 1, 1],
            "strikes_syria": [0, 1, 0, 1, 0],
            "strikes_iraq": [0, 0, 0, 2, 0],
            "decapitations": [0, 0, 0, 0, 0],
            "strikes_iran": [0, 0, 0, 1, 0],
            "war": [False, False, False, True, False],
        }
    )
    assert worst_attack(o).tolist() == [0, 1, 2, 4, 4]
    assert strongest_action(o).tolist() == [0, 1, 0, 5, 0]
    # a run's highest rung (US strikes above attacks) would have hidden the lethal attack of
    # run 3; read apart, it shows
    assert worst_attack(o.drop(columns="protests")).tolist() == [0, 0, 2, 4, 4]


def test_every_figure_keeps_its_text_inside_the_canvas(experiment):
    """Titles, labels, tick labels, legends and footnotes are drawn inside the figure (no
    clipped title, no label cut at an edge), and each figure states what its intervals show."""
    sc, outcomes, qs, summary = experiment
    figs = plots.compare_figures(qs, outcomes, summary, sc, seed=3)
    one = outcomes[outcomes.policy == "strike_iraq"]
    figs["run"] = plots.run_figure(qs["strike_iraq"], one, sc, seed=3, policy="strike_iraq")
    for name, fig in figs.items():
        assert texts_outside_canvas(fig) == [], name
        w, _ = fig.get_size_inches()
        assert w <= 7.5 or name in ("outcomes_by_policy", "paired_differences"), name
    for name in ("fan_by_policy", "survival_first_death", "paired_differences", "run"):
        t = texts(figs[name]).replace("\n", " ")
        assert "noise" in t or "spread of runs" in t, name


def test_the_canvas_check_finds_a_clipped_title():
    from matplotlib.figure import Figure

    fig = Figure(figsize=(3, 2), layout="constrained")
    ax = fig.subplots()
    ax.set_title("a title far too long to fit inside a figure three inches wide", loc="left")
    assert texts_outside_canvas(fig) == [
        "a title far too long to fit inside a figure three inches wide"
    ]
