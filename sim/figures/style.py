"""The one style of every figure: palette, typography, layout, footnote and saving.

Conventions shared by all figures (run, compare, replay, branch, sensitivity, the dashboard):

* each policy keeps one colour in every figure (:func:`policy_colors`; Okabe & Ito 2008
  colour-blind-safe hues extended with Tol's muted scheme), and policies are also named in
  text, so colour is never the only cue;
* escalation rungs use :data:`RUNG_COLORS`: lightness rises with the rung inside each kind of
  event and the kinds differ in hue (greys: quiet and protests; yellow to red: militia attacks;
  blues: US strikes; pink and black: direct US–Iran), so neighbouring rungs stay apart for
  deuteranopes and protanopes (CIELAB ΔE ≥ 18 between neighbours after Machado et al. 2009's
  simulation; the test suite checks it);
* one typography (:data:`RC`, used as a ``matplotlib.rc_context``), 200 dpi PNG plus a vector
  PDF, fixed sizes;
* a footnote names the scenario, the period, the number of runs and the seed, and that the
  figure is a model experiment, not a forecast.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Sequence
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.ticker as mticker
import numpy as np
import pandas as pd
from matplotlib.figure import Figure, SubFigure

from sim.core.policies import REGISTRY, describe, label
from sim.experiments.store import write_bytes_atomic

DPI = 200

#: Widths of a journal's single column and full page (inches; e.g. 89 mm and 183 mm): every
#: figure is drawn at one of them so its 7–10 pt text prints at that size.
COLUMN_IN = 3.5
PAGE_IN = 7.2

#: The caption line that says which uncertainty a figure's intervals or bands show, by kind.
#: Runs draw their parameters from the calibrated posterior (:mod:`sim.experiments.sampling`),
#: so the spread of runs holds chance and the posterior's parameter uncertainty; an interval of a
#: mean or a share holds only the Monte Carlo error of that estimate; what the record cannot
#: tell at all is explored by ``escalation explore`` (``compare --robustness``).
UNCERTAINTY: dict[str, str] = {
    "noise": (
        "Intervals show simulation noise only (the Monte Carlo error of each estimate), "
        "not parameter uncertainty nor what the record cannot tell."
    ),
    "spread": (
        "Bands show the spread of runs: chance and the calibrated parameters' uncertainty "
        "together (both)."
    ),
    "parameters": "Intervals show parameter uncertainty (the posterior's draws).",
    "both": (
        "Intervals show both simulation noise and parameter uncertainty (the posterior's draws)."
    ),
    "worlds": (
        "Spread across sampled worlds: parameter uncertainty over the ranges the record does not "
        "inform, with each world's simulation noise."
    ),
    "none": "Shares of runs; no interval is drawn.",
}

#: The Okabe & Ito (2008) colour-blind-safe palette, by name.
OKABE_ITO: dict[str, str] = {
    "blue": "#0072B2",
    "vermillion": "#D55E00",
    "green": "#009E73",
    "purple": "#CC79A7",
    "orange": "#E69F00",
    "sky": "#56B4E9",
    "yellow": "#F0E442",
    "black": "#000000",
    "grey": "#777777",
}
#: The eight Okabe & Ito colours in their usual order (blue first, black last).
PALETTE: tuple[str, ...] = tuple(
    OKABE_ITO[k]
    for k in ("blue", "vermillion", "green", "purple", "orange", "sky", "yellow", "black")
)
#: Colours in the order given to series that have no fixed colour.
SERIES_COLORS: tuple[str, ...] = tuple(
    OKABE_ITO[k] for k in ("blue", "vermillion", "green", "purple", "orange", "sky", "black")
)

#: Colours of the built-in policies, as each declares it (:attr:`sim.core.policies.Policy.colour`:
#: Okabe & Ito 2008; Tol 2021 "muted" for the extra hues).
POLICY_COLORS: dict[str, str] = {name: cls.colour for name, cls in REGISTRY.items()}
#: Colours given, in order, to policies without a colour of their own (user policies): Tol's
#: muted and light hues that no built-in policy uses.
EXTRA_COLORS: tuple[str, ...] = tuple(
    c
    for c in ("#44AA99", "#DDCC77", "#88CCEE", "#661100", "#EE8866", "#BBCC33", "#AAAA00")
    if c.upper() not in {v.upper() for v in POLICY_COLORS.values()}
)

#: Colours of the rungs 0–9 of the ladder (see the module docstring).
RUNG_COLORS: tuple[str, ...] = (
    "#F0F0F0",  # 0 quiet
    "#BDBDBD",  # 1 threats/protests
    "#FEE391",  # 2 harassment attack
    "#FB9A29",  # 3 attack with injuries
    "#B2182B",  # 4 lethal attack
    "#A6CEE3",  # 5 US strike outside Iraq
    "#1F78B4",  # 6 US strike inside Iraq
    "#08306B",  # 7 decapitation
    "#DE77AE",  # 8 direct US–Iran strike
    "#000000",  # 9 US–Iran war
)

#: Text of the footnote's caveat.
CAVEAT = "Runs share random draws across policies (common random numbers). Not a forecast."

#: Typography of every figure.
RC = {
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.labelsize": 9,
    "xtick.labelsize": 8,
    "ytick.labelsize": 8.5,
    "legend.fontsize": 8.5,
    "figure.titlesize": 13,
    "figure.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": False,
    "axes.axisbelow": True,
    "pdf.fonttype": 42,  # embed TrueType: editable text in the PDF
    "svg.fonttype": "none",
}
_RC = RC
GRID = {"color": "#e8e8e8", "lw": 0.6}


def policy_colors(policies: Sequence[str]) -> dict[str, str]:
    """Colour of each policy: its declared colour (a built-in's, or a user's class that sets
    ``colour``), else the extra colours in turn (none of them a built-in's)."""
    out, k = {}, 0
    for p in policies:
        cls = describe(p)
        if cls is not None and cls.colour:
            out[p] = cls.colour
        else:
            out[p] = EXTRA_COLORS[k % len(EXTRA_COLORS)]
            k += 1
    return out


def rung_colors() -> list[str]:
    """The colours of rungs 0–9 (:data:`RUNG_COLORS`)."""
    return list(RUNG_COLORS)


def _text_color(rgba) -> str:
    from matplotlib.colors import to_rgb

    r, g, b = to_rgb(rgba)
    return "black" if 0.299 * r + 0.587 * g + 0.114 * b > 0.55 else "white"


def _dates(scenario) -> np.ndarray:
    return np.asarray(scenario.dates())


def _since(scenario) -> str:
    return pd.Timestamp(_dates(scenario)[0]).strftime("%-d %b %Y")


def _period(scenario) -> str:
    d = _dates(scenario)
    start = pd.Timestamp(d[0]).strftime("%-d %b %Y")
    end = pd.Timestamp(d[-1]).strftime("%-d %b %Y")
    return f"{start} – {end}"


def _footnote(
    foot: SubFigure,
    scenario,
    runs: int | str | None,
    seed: int | None = None,
    extra: str = "",
    per: str = " per policy",
) -> None:
    """The footnote: scenario, period, runs, seed, ``extra``, and the caveat (wrapped)."""
    parts = [f"Scenario “{scenario.name}”, {_period(scenario)}."]
    if runs is not None:
        parts.append(f"{runs:,} runs{per}." if isinstance(runs, int) else f"{runs}.")
    if seed is not None:
        parts.append(f"Seed {seed}.")
    if extra:
        parts.append(extra)
    parts.append(CAVEAT if per else "A model experiment, not a forecast.")
    footnote_text(foot, parts)


#: Height of the footnote strip, inches.
_FOOT_IN = 0.42


def _new_figure(
    figsize: tuple[float, float], foot_in: float = _FOOT_IN
) -> tuple[Figure, SubFigure, SubFigure]:
    """A figure (no pyplot: no global state, any backend) split into a body with constrained
    layout and a footnote strip of fixed height (``foot_in`` inches) at the bottom."""
    fig = Figure(figsize=figsize, dpi=DPI, layout="constrained")
    fig.get_layout_engine().set(h_pad=0.05, w_pad=0.05, hspace=0.0)
    h = figsize[1]
    body, foot = fig.subfigures(2, 1, height_ratios=[h - foot_in, foot_in])
    return fig, body, foot


def _save(fig: Figure, path: Path) -> list[Path]:
    """Write ``path`` (its format from the suffix, PNG if none) and a PDF beside a PNG.

    Each figure is drawn in memory and its bytes written atomically
    (:func:`sim.experiments.store.write_bytes_atomic`): a write that fails (a full disk) raises
    the plain OSError of that write and leaves no partial file (matplotlib writing to the file
    itself can end a failed write with an unrelated error of its own).
    """
    path = Path(path)
    if path.suffix.lower() not in (".png", ".pdf", ".svg"):
        path = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    out = [path]
    if path.suffix.lower() == ".png":
        out.append(path.with_suffix(".pdf"))
    done: list[Path] = []
    try:
        for p in out:
            buf = io.BytesIO()
            extra = {"dpi": DPI} if p is path else {}  # the PDF beside a PNG at the figure's dpi
            fig.savefig(buf, format=p.suffix.lower()[1:], **extra)
            write_bytes_atomic(p, buf.getvalue())
            done.append(p)
    except BaseException:
        for p in done:  # not a PNG without its PDF
            p.unlink(missing_ok=True)
        raise
    return out


def texts_outside_canvas(fig: Figure, tol_px: float = 1.0) -> list[str]:
    """The visible, non-empty texts of ``fig`` (titles, labels, tick labels, legends,
    annotations) whose drawn extent leaves the figure's canvas, after a draw.

    Used by the tests of every figure: a clipped title or a label cut at the edge shows up here.
    """
    from matplotlib.axis import Tick
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.text import Text

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    renderer = canvas.get_renderer()
    fig.draw(renderer)
    box = fig.bbox

    def outside(e) -> bool:
        return (
            e.x0 < box.x0 - tol_px
            or e.y0 < box.y0 - tol_px
            or e.x1 > box.x1 + tol_px
            or e.y1 > box.y1 + tol_px
        )

    out = []
    for ax in fig.get_axes():
        if not ax.get_visible():
            continue
        own = [ax.title, ax._left_title, ax._right_title, *ax.texts]
        if ax.axison:
            own += [ax.xaxis.label, ax.yaxis.label]
            for axis in (ax.xaxis, ax.yaxis):
                own += [t.label1 for t in axis._update_ticks() if t.label1.get_visible()]
        leg = ax.get_legend()
        if leg is not None and leg.get_visible():
            own += [*leg.get_texts(), leg.get_title()]
        for t in own:
            if t.get_visible() and t.get_text().strip():
                if outside(t.get_window_extent(renderer)):
                    out.append(t.get_text())
    ticks = {id(x) for k in fig.findobj(match=Tick) for x in (k.label1, k.label2)}
    for t in fig.findobj(match=Text):  # figure-level texts: titles, legends, footnotes
        if id(t) in ticks or t.axes is not None or not t.get_visible() or not t.get_text().strip():
            continue
        e = t.get_window_extent(renderer)
        if (e.width or e.height) and outside(e):
            out.append(t.get_text())
    return list(dict.fromkeys(out))


def nice_ticks(ax, axis: str = "x", n: int = 5) -> None:
    """Ticks at steps of 1, 2, 2.5 or 5 times a power of ten (never 1.5 or 3)."""
    loc = mticker.MaxNLocator(n, steps=[1, 2, 2.5, 5, 10])
    (ax.xaxis if axis == "x" else ax.yaxis).set_major_locator(loc)


def _date_axis(ax, maxticks: int = 8) -> None:
    loc = mdates.AutoDateLocator(minticks=min(4, maxticks), maxticks=maxticks)
    ax.xaxis.set_major_locator(loc)
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(loc, show_offset=False))


def _pct(s: float) -> str:
    if s == 0:
        return "0%"
    if s < 0.001:
        return "<0.1%"
    return f"{100 * s:.1f}%" if s < 0.1 else f"{100 * s:.0f}%"


def footnote_text(foot: SubFigure, parts: Sequence[str]) -> None:
    """Write the sentences ``parts`` as the footnote strip's wrapped text."""
    fig = foot.get_figure(root=True)
    width_in = fig.get_figwidth()
    text = textwrap.fill(" ".join(parts), width=int(width_in * 17))
    _fit_foot(foot, text.count("\n") + 1)
    foot.text(0.008, 1.0, text, fontsize=7, color="#444444", ha="left", va="top",
              linespacing=1.3, transform=foot.transSubfigure)  # fmt: skip


#: Height of one footnote line (7 pt at 1.3 line spacing), inches.
_LINE_IN = 7 * 1.3 / 72


def _fit_foot(foot: SubFigure, lines: int) -> None:
    """Make the footnote strip (the figure's second subfigure row) tall enough for ``lines``
    lines, growing the figure by the difference: a long footnote never runs off the bottom."""
    fig = foot.get_figure(root=True)
    spec = getattr(foot, "_subplotspec", None)
    if spec is None:
        return
    gs = spec.get_gridspec()
    ratios = list(gs.get_height_ratios() or [1] * gs.nrows)
    if len(ratios) != 2:
        return
    h = fig.get_figheight()
    foot_in = h * ratios[1] / sum(ratios)
    need = 0.06 + lines * _LINE_IN
    if need <= foot_in:
        return
    body_in = h - foot_in
    need = np.ceil((body_in + need) * DPI) / DPI - body_in  # a whole number of pixels
    fig.set_figheight(body_in + need)
    gs.set_height_ratios([body_in, need])


def _policy_axis(ax, order: Sequence[str], baseline: str | None = None) -> None:
    """Policies top to bottom on the y-axis, the baseline's label in bold above a thin rule."""
    y = np.arange(len(order))
    ax.set_yticks(y, [label(p) for p in order])
    ax.set_ylim(len(order) - 0.5, -0.5)
    ax.tick_params(axis="y", length=0)
    if baseline is not None and order and order[0] == baseline:
        ax.get_yticklabels()[0].set_fontweight("bold")


def _baseline_rule(ax, order: Sequence[str], baseline: str) -> None:
    if len(order) > 1 and order[0] == baseline:
        ax.axhline(0.5, color="#bbbbbb", lw=0.7, zorder=0)


__all__ = [
    "CAVEAT",
    "COLUMN_IN",
    "DPI",
    "GRID",
    "OKABE_ITO",
    "PAGE_IN",
    "PALETTE",
    "POLICY_COLORS",
    "RC",
    "RUNG_COLORS",
    "SERIES_COLORS",
    "UNCERTAINTY",
    "footnote_text",
    "nice_ticks",
    "policy_colors",
    "rung_colors",
    "texts_outside_canvas",
]
