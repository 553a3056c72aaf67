"""Measure whether the log score prefers the true distribution to a lumpy copy of it.

Two rules for the probability a forecast's samples give a documented interval: the protocol's
(:func:`sim.validation.forecast_scores.log_score`: the empirical distribution mixed with one
pseudo-sample of a moment negative binomial, a proper distribution) and the rule first
considered (the samples' share where any sample falls in the interval, the negative binomial
alone where none does). A forecast whose samples take few distinct values (the
``conflictology`` bootstrap of 12 months) gets a large share when the observation is one of its
values and a smooth tail when it is not; under the unsmoothed rule the two together can exceed
the probability any single distribution gives. The script compares, on counts drawn from a
negative binomial (size 8), the true distribution's 1,000 samples with 1,000 samples
bootstrapped from 12 draws of it (a worse forecast), for exact observations and for documented
intervals ``[0.8 y, 1.25 y]``, on both log scores, the ignorance score and the CRPS. Run with

    .venv/bin/python scripts/measure_log_score_propriety.py

A positive difference of a log score (or a negative one of the ignorance score or the CRPS)
means that the score prefers the lumpy forecast to the truth.
"""

from __future__ import annotations

import numpy as np

from sim.validation import forecast_scores as fs

FORECASTS, SAMPLES, SIZE, POOL = 4000, 1000, 8.0, 12


def _unsmoothed(x: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """The rule first considered: the share where positive, the moment negative binomial
    (no smoothing of its mean) where the share is zero."""
    share = ((x >= lo[:, None]) & (x <= hi[:, None])).mean(axis=1)
    m, r = fs.moment_negbin(x)
    with np.errstate(divide="ignore"):
        return np.where(share > 0, np.log(share), fs.log_count_range(m, r, lo, hi))


def main() -> None:
    rng = np.random.default_rng(0)
    print(f"{FORECASTS} forecasts per mean; differences are bootstrap - truth, with their "
          "standard errors")  # fmt: skip
    for mean in (3.0, 15.0, 60.0):
        p = SIZE / (SIZE + mean)
        y = rng.negative_binomial(SIZE, p, FORECASTS).astype(float)
        truth = rng.negative_binomial(SIZE, p, (FORECASTS, SAMPLES)).astype(float)
        pool = rng.negative_binomial(SIZE, p, (FORECASTS, POOL)).astype(float)
        lumpy = np.take_along_axis(pool, rng.integers(0, POOL, (FORECASTS, SAMPLES)), axis=1)
        rows = []
        ranges = [("log score, exact y", y, y),
                  ("log score, [0.8y, 1.25y]", np.floor(0.8 * y), np.ceil(1.25 * y))]  # fmt: skip
        for label, lo, hi in ranges:
            a, _ = fs.log_score(truth, lo, hi)
            b, tail = fs.log_score(lumpy, lo, hi)
            rows.append((label, a, b, f"(missed {tail.mean():.0%})"))
            a, b = _unsmoothed(truth, lo, hi), _unsmoothed(lumpy, lo, hi)
            rows.append((label.replace("log score", "unsmoothed"), a, b, ""))
        rows.append(("ignorance (bits)", fs.ignorance_score(truth, y)[0],
                     fs.ignorance_score(lumpy, y)[0], ""))  # fmt: skip
        rows.append(("CRPS", fs.crps_samples(truth, y), fs.crps_samples(lumpy, y), ""))
        for label, a, b, note in rows:
            d = b - a
            se = d.std(ddof=1) / np.sqrt(FORECASTS)
            print(f"mean {mean:>4g}  {label:<26} truth {a.mean():8.3f}  bootstrap {b.mean():8.3f}"
                  f"  difference {d.mean():+.3f} ± {se:.3f} {note}")  # fmt: skip


if __name__ == "__main__":
    main()
