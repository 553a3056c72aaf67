"""The pre-registered settings of the out-of-sample validation (``escalation validate``).

Everything the scores depend on is fixed here, and was committed together with the held-out
record (``sim/data/heldout_events.csv``, ``sim/data/heldout_period_counts.csv``) before any
score on it was computed (``docs/validation.md`` gives the commit). Nothing here may be tuned
to the held-out scores.

* **Windows.** Each scoring window is one row of the held-out period counts, named by its id;
  its dates and documented range ``[count_low, count_high]`` are read from the file, never copied
  here. The model is scored on the quantity the row counts: militia attacks on US forces
  (``attacks``, the engine's attacks on US forces in Iraq) or Iran's direct strikes on US forces
  (``iran_struck``). Counts that cover Iraq and Syria together are used only where both are zero
  (the lull); otherwise the Iraq-only figure. *Primary* windows do not overlap for a quantity;
  the totals add them. *Secondary* windows overlap a primary one or the training record's own
  count windows (the 2-8 May 2021 burst contains the training row "3 attacks in 3 days"); they
  are scored and shown, but left out of the totals.
* **Predictions.** The model: :func:`sim.history.replay.branch` at each window's start with the
  pseudo-policy ``record``; the history from 1 October 2019 forces the documented US actions,
  Iran's direct strikes and the expulsion vote of the training and held-out records; in the
  window only the US actions are forced; the dated shocks of the shipped scenarios act on their
  dates (:func:`sim.history.replay.history_setting`); parameters are drawn from the shipped
  posterior (``sim/data/posterior.csv``, fitted to the training record only). The baselines are
  fitted to the training record only (:mod:`sim.validation.baselines`).
* **Scores** (:mod:`sim.validation.scores`): coverage of the central 50% and 90% predictive
  intervals, the log score of the documented interval and the interval CRPS, with Monte Carlo
  errors from a bootstrap over runs.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class WindowSpec:
    """A scoring window: a row of the held-out period counts and how to read it."""

    #: id of the row in ``heldout_period_counts.csv``
    row: str
    #: model quantity scored: ``attacks`` or ``iran_struck`` (a :data:`TRACE_FIELD` key)
    quantity: str
    #: geography of the documented count
    scope: str
    #: primary windows enter the totals; secondary ones are shown only
    primary: bool
    #: what the window tests (for the report)
    label: str


#: Quantities a window may score, with the trace series of :mod:`sim.history.replay`.
TRACE_FIELD: dict[str, str] = {"attacks": "attacks", "iran_struck": "iran_struck"}

WINDOWS: tuple[WindowSpec, ...] = (
    WindowSpec("jpost-32-since-jul23-2020", "attacks", "Iraq", True, "summer 2020 rise"),
    WindowSpec("reuters-ninth-in-a-week-aug2020", "attacks", "Iraq", False, "a week of Aug 2020"),
    WindowSpec("wapo-25-in-sept-2020", "attacks", "Iraq", False, "September 2020"),
    WindowSpec("afp-around-20-since-biden", "attacks", "Iraq", True, "first months of 2021"),
    WindowSpec("afp-fourth-in-a-week-may2021", "attacks", "Iraq", False, "2-8 May 2021 burst"),
    WindowSpec("pentagon-to-nov14-iraq", "attacks", "Iraq", False, "campaign, first 4 weeks"),
    WindowSpec("pentagon-to-dec21-iraq", "attacks", "Iraq", False, "campaign to 21 Dec 2023"),
    WindowSpec("pentagon-to-jan09-iraq", "attacks", "Iraq", False, "campaign to 9 Jan 2024"),
    WindowSpec("usofficial-to-jan30-iraq", "attacks", "Iraq", True, "Oct 2023 - Jan 2024 campaign"),
    WindowSpec("truce-lull-nov24-27", "attacks", "Iraq and Syria (0)", False, "Gaza truce"),
    WindowSpec("lull-feb05-apr20", "attacks", "Iraq and Syria (0)", True, "lull after Feb 2024"),
    WindowSpec("iraq-feb05-jul16-two", "attacks", "Iraq", False, "lull and resumption"),
    WindowSpec(
        "iran-no-direct-strike-on-us-2023-24",
        "iran_struck",
        "any",
        True,
        "no Iranian direct strike on US forces, Oct 2023 - Aug 2024",
    ),
    WindowSpec(
        "iran-no-direct-strike-2020-2022",
        "iran_struck",
        "any",
        False,
        "no Iranian direct strike after Jan 2020 (overlaps the training record)",
    ),
)


@dataclass(frozen=True)
class ValidationSettings:
    """Runs, seeds and the constants of the scores and baselines."""

    #: model runs (and baseline samples) per window
    runs: int = 1000
    #: seed of the model's branches (the baselines use ``seed + 1``, ``seed + 2`` ...)
    seed: int = 20261201
    #: first day of every history (the start of the training record's first window)
    history_start: str = "2019-10-01"
    #: actors forced to the record in the history before a window
    history_force: tuple[str, ...] = ("us", "iran", "iraq_gov")
    #: central predictive intervals whose coverage is scored
    levels: tuple[float, ...] = (0.5, 0.9)
    #: bootstrap resamples of the runs for the Monte Carlo errors
    bootstrap: int = 200
    #: the log score's floor: a documented range no run reaches gets probability
    #: ``floor_share / runs`` (below the Monte Carlo resolution; the table flags it)
    floor_share: float = 0.5
    # --- baselines (sim.validation.baselines) ---
    #: Hawkes kernel's mean duration, days (Lewis et al. 2012: excitation lasts 2-6 weeks)
    hawkes_days: float = 21.0
    #: prior of the Hawkes branching ratio: Beta with this mode and concentration (Lewis et
    #: al. 2012: self-excitation explains 37-50% of violent events in Iraq; the calibration's
    #: prior of ``self_excitation`` has the same shape)
    hawkes_ratio_mode: float = 0.435
    hawkes_ratio_concentration: float = 14.0
    #: grid of the Hawkes fit (background rate per day; branching ratio)
    hawkes_mu_grid: tuple[float, float, int] = (0.005, 0.5, 30)
    hawkes_ratio_grid: tuple[float, float, int] = (0.05, 0.85, 17)
    #: simulated paths per grid point in the Hawkes fit's simulated likelihood
    hawkes_fit_paths: int = 200
    #: burn-in of every Hawkes simulation, in kernel durations
    hawkes_burn_in: float = 6.0


#: The settings ``escalation validate`` uses unless ``--runs`` or ``--seed`` say otherwise.
SETTINGS = ValidationSettings()
