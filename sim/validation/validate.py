"""The out-of-sample validation: predictions of the agent model and the baselines for every
held-out window, scored (``escalation validate``; ``docs/validation.md``)."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.inputs.record import legacy_tables, load_record
from sim.validation.baselines import fit_baselines
from sim.validation.evaluate import MODEL, Evaluation, evaluate
from sim.validation.heldout import Window, combined_events, load_heldout, windows
from sim.validation.predict import model_samples
from sim.validation.settings import SETTINGS, WINDOWS, ValidationSettings, WindowSpec


@dataclass
class Validation:
    """A validation's windows, samples, scores and the fitted baselines."""

    windows: list[Window]
    samples: dict[str, dict[str, np.ndarray | None]]
    evaluation: Evaluation
    baselines: dict[str, str]  # name -> description of the fit
    runs: int
    seed: int
    seconds: float = 0.0
    info: dict[str, object] = field(default_factory=dict)


def validate(
    runs: int = SETTINGS.runs,
    seed: int = SETTINGS.seed,
    training: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    heldout: tuple[pd.DataFrame, pd.DataFrame] | None = None,
    specs: Sequence[WindowSpec] = WINDOWS,
    posterior: pd.DataFrame | bool = True,
    settings: ValidationSettings = SETTINGS,
    extra_models: dict[str, pd.DataFrame] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Validation:
    """Predict and score every window.

    Parameters
    ----------
    training : (events, period counts) the baselines are fitted to and whose US actions are
        forced (default: the packaged training record)
    heldout : (events, period counts) holding the windows (default: the packaged held-out
        record)
    posterior : the agent model's parameter draws (True: the shipped posterior)
    extra_models : further agent-model variants to score, by name, each a table of parameter
        draws (the synthetic check's deliberately wrong model)
    """
    t0 = time.perf_counter()
    say = progress or (lambda s: None)
    tr_events, tr_periods = training or legacy_tables(load_record("seeds"))
    ho_events, ho_periods = heldout or load_heldout()
    wins = windows(ho_periods, specs)
    events = combined_events(tr_events, ho_events)
    say(f"{len(wins)} windows; fitting the baselines to the training record")
    fitted = fit_baselines(tr_events, tr_periods, settings, seed)
    say(f"simulating the agent model ({runs} runs per window)")
    samples: dict[str, dict[str, np.ndarray | None]] = {
        MODEL: model_samples(events, wins, runs, seed, posterior, settings, say)
    }
    for name, draws in (extra_models or {}).items():
        samples[name] = model_samples(events, wins, runs, seed, draws, settings, say)
    for i, (name, b) in enumerate(fitted.items()):
        samples[name] = {}
        for j, w in enumerate(wins):
            rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(4, i, j)))
            samples[name][w.name] = b.sample(w.spec.quantity, w.start, w.days, runs, rng)
    say("scoring")
    ev = evaluate(wins, samples, settings, seed)
    return Validation(wins, samples, ev, {k: b.describe() for k, b in fitted.items()}, runs,
                      seed, time.perf_counter() - t0)  # fmt: skip
