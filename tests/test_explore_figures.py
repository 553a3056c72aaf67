"""The exploration's figures read as the other figures do: names, not column names, in their
titles; a handful of rank colours; a PRIM box with no significant restriction not shown as a
finding; every text inside the canvas."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from sim.core.policies import all_policies
from sim.explore.decisions import ranking
from sim.explore.discovery import Discovery
from sim.explore.figures import prim_figure, rank_bins, ranking_figure, regret_figure
from sim.figures.style import texts_outside_canvas

POLICIES = all_policies()


@pytest.fixture(scope="module")
def explored() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    rows = [
        {"world": w, "policy": p, "us_killed": rng.poisson(2 + k % 4) + 0.0,
         "attacks_total": rng.poisson(20 + k) + 0.0}
        for w in range(60)
        for k, p in enumerate(POLICIES)
    ]  # fmt: skip
    return pd.DataFrame(rows)


def titles(fig) -> list[str]:
    return [ax.get_title(loc="left") for ax in fig.axes] + [fig._suptitle.get_text()]


def test_regret_and_ranking_figures_name_outcomes_and_keep_text_inside(explored):
    import matplotlib.pyplot as plt

    fig = regret_figure(explored, POLICIES, ["us_killed", "attacks_total"])
    assert not any("us_killed" in t or "attacks_total" in t for t in titles(fig))
    assert "Americans killed" in " ".join(titles(fig))
    assert texts_outside_canvas(fig) == []
    plt.close(fig)
    rank = ranking(explored, "us_killed")
    fig = ranking_figure(rank, "us_killed")
    ax = fig.axes[0]
    colours = {tuple(p.get_facecolor()) for p in ax.patches}
    assert len(colours) <= 5  # 1st, 2nd, 3rd, then two greys, not 13 shades
    title = fig._suptitle.get_text().replace("\n", " ")
    assert "us_killed" not in title and "Americans killed" in title
    assert texts_outside_canvas(fig) == []
    # the bars still add up to every world
    widths = np.zeros(len(rank))
    for patch in ax.patches:
        widths[round(len(rank) - 1 - patch.get_y() - patch.get_height() / 2)] += patch.get_width()
    np.testing.assert_allclose(widths, 1.0)
    plt.close(fig)


def test_rank_bins_cover_every_rank_once():
    for k in (1, 3, 4, 13):
        ranks = [r for _, rs in rank_bins(k) for r in rs]
        assert ranks == list(range(1, k + 1))
    assert [n for n, _ in rank_bins(13)] == ["1st (best)", "2nd", "3rd", "4th–8th", "9th–13th"]


def _discovery(qp: float) -> Discovery:
    trajectory = pd.DataFrame(
        {"coverage": [1.0, 0.8, 0.6], "density": [0.3, 0.4, 0.5], "res_dim": [0, 1, 2]}
    )
    limits = pd.DataFrame(
        {"parameter": ["revenge_attacks", "iran_direction"], "min": [0.2, 0.1],
         "max": [1.0, 0.9], "explored_low": [0.0, 0.0], "explored_high": [1.0, 1.0],
         "qp_lower": [qp, 0.5], "qp_upper": [np.nan, np.nan]}
    )  # fmt: skip
    return Discovery(question="When does a policy fail?", n_worlds=100, n_interest=30,
                     trajectory=trajectory, chosen=2, limits=limits, cart=pd.DataFrame(),
                     scores=pd.Series(dtype=float))  # fmt: skip


def test_prim_box_without_a_significant_restriction_is_not_shown_as_chosen():
    import matplotlib.pyplot as plt

    fig = prim_figure(_discovery(0.01))
    assert "The chosen box's limits" in fig.axes[1].get_title(loc="left")
    plt.close(fig)
    fig = prim_figure(_discovery(0.4))
    assert fig.axes[1].get_title(loc="left") == "No box: no restriction has quasi-p ≤ 0.05"
    legend = " ".join(t.get_text() for t in fig.axes[0].get_legend().get_texts())
    assert "no box chosen" in legend and "chosen box (" not in legend
    assert texts_outside_canvas(fig) == []
    plt.close(fig)
