"""The pre-registered protocol of the rolling-origin forecast evaluation.

Everything the scores of ``escalation validate`` depend on is fixed here. The file was committed
before any rolling-origin score was computed, and nothing in it may be tuned to those scores:
a change of protocol is a new commit with its reason in the CHANGELOG, and every score computed
under the old protocol stays reported.

The design follows the practice of the conflict-forecasting field (the ViEWS system and its
2023/24 prediction challenge, Hegre et al.; https://arxiv.org/html/2407.11045v1):

* **Origins.** The first day of each quarter from 2020-04-01 to 2024-07-01 (18 origins). At an
  origin every model is fitted only on the record rows known before it (:data:`VISIBILITY`) and
  forecasts the monthly counts of the next :data:`HORIZONS` calendar months (horizon 1 is the
  origin's own month). Months after the record's end (31 August 2024) are not scored: that period
  is reserved as an independent test outside the project.
* **Series.** Militia attacks on US and coalition forces in Iraq (base attacks and convoy bombs
  together) and in Syria, Iran's direct strikes on US forces, and Americans killed by hostile
  action. The observed value of a series-month is the record's monthly table
  (``sim.inputs.monthly``, its default basis of counters, computed from the whole record): a
  best estimate and the interval ``[low, high]`` the record supports.
* **Modes.** ``given_us_actions``: the documented US actions in the forecast window are given to
  every model (the agent model forces them; the baselines take the monthly US strike counts as
  covariates). ``unconditional``: the agent model follows :data:`UNCONDITIONAL_POLICY` and the
  baselines see no US actions in the window.
* **Forecasts** are :data:`SAMPLES` draws per series-month.
* **Scores** (all "higher is worse" except the log score): the CRPS of the samples against the
  best estimate; the log score of the documented interval, ``log P(low <= Y <= high)``, and
  the ignorance score, ``-log2 P(bin)`` of the best estimate's bin among :data:`VIEWS_BINS`,
  both under the forecast's *smoothed* distribution: the samples' empirical distribution mixed
  with weight :data:`TAIL_WEIGHT` ``= 1 / (samples + 1)`` (one pseudo-sample) with a negative
  binomial fitted to the samples by moments, its mean at least :data:`TAIL_MIN_MEAN` and its
  variance at least its mean (Poisson when equal). The mixture is a probability distribution, so
  both scores are proper, and no forecast gets probability zero (never a floor); the interval
  score at 90% (Gneiting & Raftery 2007, eq. 43, alpha = 0.1) and the coverage of the central
  50% and 90% intervals, both from the samples' empirical quantiles (``inverted_cdf``) against
  the best estimate; the CRPS of the samples' empirical distribution; randomised PIT values
  (Czado, Gneiting & Held 2009) with :data:`PIT_SEED`. The documented interval of a month is
  ``[ceil(low), floor(high)]`` (counts are whole numbers); where that holds no whole number, the
  whole number nearest to the best estimate.
  Totals sum over series, horizons and origins; the paired difference of each model against each
  baseline is averaged over origins with its standard error over origins (a Diebold–Mariano-style
  comparison; quarterly origins with 1-3 month horizons do not overlap, so no autocorrelation
  correction).
* **Models.** The baselines of :data:`BASELINES`, the agent model calibrated at each origin on
  the record before it, and the agent model fitted on the five articles only (the shipped
  posterior, ``sim/data/posterior.csv``), so that the value of the data is measured as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


def _quarter_starts(first: dt.date, last: dt.date) -> tuple[dt.date, ...]:
    out, y, m = [], first.year, first.month
    while dt.date(y, m, 1) <= last:
        out.append(dt.date(y, m, 1))
        y, m = (y + 1, m - 9) if m > 9 else (y, m + 3)
    return tuple(out)


#: Forecast origins: the first day of each quarter, 2020-04-01 to 2024-07-01.
ORIGINS: tuple[dt.date, ...] = _quarter_starts(dt.date(2020, 4, 1), dt.date(2024, 7, 1))

#: Months ahead forecast at each origin (1 = the origin's own month).
HORIZONS: tuple[int, ...] = (1, 2, 3)

#: Last day of the record; months after it are never scored (the reserved period).
RECORD_END = dt.date(2024, 8, 31)

#: The scored series: name -> the (theatre, kind) pairs of the record's monthly table that it
#: sums ("*": every theatre). Americans killed count hostile deaths only (a row's
#: ``us_killed`` less its ``us_killed_non_hostile``).
SERIES: dict[str, tuple[tuple[str, str], ...]] = {
    "iraq_attacks": (("iraq", "base_attacks"), ("iraq", "convoy_bombs")),
    "syria_attacks": (("syria", "attacks"),),
    "iran_direct_strikes": (("*", "iran_direct_strikes"),),
    "us_killed": (("*", "us_killed"),),
}

#: A row of the record is visible at origin ``o`` when what it reports ended before ``o``
#: (an event's date, a count statement's end) and it was published before ``o`` (a
#: publication known only to the month counts as published on that month's last day). Only
#: visible rows enter a fit or the state at ``o``.
VISIBILITY = "date < origin and published < origin"

MODES: tuple[str, ...] = ("given_us_actions", "unconditional")

#: The policy the agent model follows in the unconditional mode: the US response rule that the
#: record's own US actions are closest to (strikes after attacks that injure or kill Americans:
#: 29 Dec 2019, 12 Mar 2020, 3 Dec 2023, 2 Feb 2024, 30 Jul 2024).
UNCONDITIONAL_POLICY = "strike_iraq"

#: Forecast samples per series-month (the ViEWS challenge's 1,000).
SAMPLES = 1000

#: Seed of every model's forecasts at every origin (models and origins take spawned children).
SEED = 20261206

#: The ViEWS 2023/24 challenge's bins of the ignorance score (left-closed, last one open).
VIEWS_BINS: tuple[float, ...] = (0, 0.5, 2.5, 5.5, 10.5, 25.5, 50.5, 100.5, 250.5, 500.5, 1000.5)

#: Weight of the smooth tail in the smoothed forecast distribution of the log and ignorance
#: scores: one pseudo-sample among :data:`SAMPLES`.
TAIL_WEIGHT = 1.0 / (SAMPLES + 1)
#: Smallest mean of that tail (events per month), so that a forecast whose samples are all zero
#: still gives a documented count above zero a small, distance-dependent probability.
TAIL_MIN_MEAN = 0.5

#: Level of the interval score, and the central intervals whose coverage is reported.
INTERVAL_SCORE_ALPHA = 0.1
COVERAGE_LEVELS: tuple[float, ...] = (0.5, 0.9)

#: Seed of the uniform draws of the randomised PIT, and the histogram's bins.
PIT_SEED = 20261207
PIT_BINS = 10

#: The baselines, each refitted at every origin on the visible record:
#: ``zero`` (no events); ``last_poisson`` and ``last_negbin`` (the last visible month's count
#: carried forward, Poisson, or negative binomial with the dispersion fitted on the window);
#: ``conflictology`` (a bootstrap of the last 12 visible months, the ViEWS challenge's
#: benchmark); ``negbin`` (a negative binomial regression on the growing window; in the
#: ``given_us_actions`` mode with the month's US strikes as covariate); ``hawkes`` (a discrete-
#: time self-exciting count model with an exponential kernel and the US strikes as exogenous
#: excitation, its likelihood in closed form, fitted by maximum likelihood).
BASELINES: tuple[str, ...] = (
    "zero",
    "last_poisson",
    "last_negbin",
    "conflictology",
    "negbin",
    "hawkes",
)

#: Months of history a baseline is fitted on: every visible month from this one.
FIT_START = dt.date(2019, 10, 1)


@dataclass(frozen=True)
class Protocol:
    """The protocol as one value (for the report and the manifest)."""

    origins: tuple[dt.date, ...] = ORIGINS
    horizons: tuple[int, ...] = HORIZONS
    series: tuple[str, ...] = tuple(SERIES)
    modes: tuple[str, ...] = MODES
    samples: int = SAMPLES
    seed: int = SEED
    baselines: tuple[str, ...] = BASELINES


PROTOCOL = Protocol()
