"""Every setting of a calibration, in one place: the documented windows, the constants of the
statistics and priors, the sampler's budget and the checks' run counts.

``docs/calibration.md`` explains each choice. The rest of :mod:`sim.calibration` reads these
values from :data:`SETTINGS` (and the windows from :data:`SEGMENTS`); nothing there repeats a
number. The command line (``escalation calibrate``) takes its defaults from here as well.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sim.history.replay import history_setting, packaged_scenario
from sim.inputs.scenario import Scenario


@dataclass(frozen=True)
class Segment:
    """A window of history the articles document, with its setting."""

    name: str
    start: dt.date
    end: dt.date
    #: a shipped scenario, or None for :func:`sim.history.replay.history_setting`
    scenario: str | None

    def setting(self) -> Scenario:
        """The scenario the window starts from."""
        return history_setting() if self.scenario is None else packaged_scenario(self.scenario)


#: The two windows the five articles document: October 2019 to December 2021 (the late-2019
#: setting with every dated shock) and mid-2024 (``scenarios/mid_2024.yaml``).
SEGMENTS: tuple[Segment, ...] = (
    Segment("2019-2021", dt.date(2019, 10, 1), dt.date(2021, 12, 31), None),
    Segment("2024", dt.date(2024, 6, 1), dt.date(2024, 11, 30), "mid_2024"),
)


@dataclass(frozen=True)
class CalibrationSettings:
    """The constants and budgets of a calibration (units in the comments)."""

    # --- statistics (sim.calibration.statistics) ---
    #: cap of the timing statistics, days: "not within 60 days"
    timing_cap: int = 60
    #: a period count is used in a window if at least this share of its period lies in it
    min_overlap: float = 0.5
    #: how far the articles may undercount US deaths: the simulated deaths (and lethal
    #: attacks) in a window must lie between the documented number and this multiple of it.
    #: Each US death the articles mention is reported by base and date, and the Daily Beast
    #: (2021) notes the recent attacks "so far have not proven fatal". A judgement.
    deaths_undercount: float = 2.0
    # --- priors (sim.calibration.priors) ---
    #: concentration a + b of the weak scaled-Beta priors (mode at the table default)
    weak_concentration: float = 4.0
    #: concentration of the informative prior of ``self_excitation`` (Lewis et al. 2012)
    self_excitation_concentration: float = 14.0
    #: concentration of the informative prior of ``excitation_days`` (Lewis et al. 2012)
    excitation_days_concentration: float = 6.0
    # --- exact likelihoods (sim.calibration.likelihoods) ---
    #: points of the grid on which the exact-likelihood posteriors are computed
    grid_points: int = 4001
    # --- the fit (sim.calibration.calibrate) ---
    #: ABC population size
    particles: int = 1000
    #: ABC generations after the prior one (at most)
    generations: int = 8
    #: equally weighted posterior draws returned (``sim/data/posterior.csv``)
    rows: int = 2000
    #: the sampler stops when a generation's acceptance rate falls below this
    min_acceptance: float = 0.03
    #: particles simulated per engine call
    batch: int = 4000
    #: runs per particle: a particle's distance is the root mean square over the statistics
    #: of the squared scaled deviations averaged over its runs, so that one lucky or unlucky
    #: run does not decide whether a parameter vector is kept
    replicates: int = 4
    #: a parameter is ``informed`` if its posterior 90% width is below this share of the prior's
    informed_ratio: float = 0.8
    # --- checks (sim.calibration.predictive) ---
    #: runs of the posterior predictive check
    ppc_runs: int = 1000
    #: the documented US strike of the in-record 2024 check
    heldout_strike: dt.date = dt.date(2024, 7, 30)
    #: days replayed after that strike
    heldout_days_after: int = 20
    #: days after the strike whose outcomes are scored ("the week after")
    heldout_week: int = 7
    #: runs and parameter draws of the 2024 check
    heldout_runs: int = 2000
    heldout_draws: int = 200


#: The settings every calibration uses.
SETTINGS = CalibrationSettings()


@dataclass(frozen=True)
class MonthlyCalibrationSettings:
    """The calibration on monthly targets (:mod:`sim.calibration.monthly_fit`): the one the
    rolling-origin evaluation runs at every origin, on the monthly table of the rows visible
    there. Its budget is small so that 18 origins fit in minutes (``docs/validation.md``
    gives the timings); ``docs/calibration.md`` explains each choice."""

    #: the parameters fitted by ABC-SMC (names of :data:`sim.calibration.priors.MONTHLY_PRIORS`):
    #: those the monthly series of attacks, Iran's direct strikes and US killed inform. The
    #: level of attacks (the base-rate scale), their clustering from month to month
    #: (self-excitation and how long it lasts), their answer to US strikes (revenge,
    #: deterrence), their rise after the expulsion vote (the campaign), Iran's strikes (rate and
    #: threshold), the share of attacks that kill, how hard Iran reins in its partners when
    #: its perceived risk of direct war is high (the lull of February - April 2024), and the
    #: spread and persistence of the militias' shared latent log-rate (the months of calm and
    #: of surge). The other parameters of MONTHLY_PRIORS keep their table defaults, as every
    #: parameter outside a calibration does.
    fitted: tuple[str, ...] = (
        "base_rate_scale",
        "self_excitation",
        "excitation_days",
        "revenge_attacks",
        "deterrence_strength",
        "expulsion_campaign",
        "iran_strike_threshold",
        "iran_strike_rate",
        "p_lethal",
        "patron_restraint",
        "rate_noise_sd",
        "rate_noise_days",
    )
    #: ABC population size
    particles: int = 400
    #: ABC generations after the prior one (at most)
    generations: int = 4
    #: runs per particle (as ``CalibrationSettings.replicates``)
    replicates: int = 2
    #: the sampler stops when a generation's acceptance rate falls below this
    min_acceptance: float = 0.05
    #: runs per engine call (a call of more runs is split: the daily trace of a few thousand
    #: runs over five years is what the memory of a shared machine holds without slowing down)
    batch: int = 2000
    #: equally weighted posterior draws returned
    rows: int = 1000
    #: what the simulated history forces to the record: the US actions, the militias' declared
    #: truces and the expulsion vote (Iran's direct strikes are simulated: they are a target)
    force: tuple[str, ...] = ("us", "militia_truce", "iraq_gov")


#: The budget of ``escalation validate``.
MONTHLY = MonthlyCalibrationSettings()
#: The budget of ``escalation validate --quick`` (the CI's run): a smoke test of the machinery,
#: not a calibration to read results from.
MONTHLY_QUICK = MonthlyCalibrationSettings(particles=60, generations=1, replicates=1, rows=200)
