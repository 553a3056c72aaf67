"""Per-policy summaries of per-run outcomes, with paired differences against a reference policy.

:func:`summarise_outcomes` turns per-run outcomes (one row per policy × run, the output of
:func:`sim.engines.ensemble.run_ensemble`) into a long table: means, medians and 5–95% ranges
for counts; probabilities with Wilson score intervals (Wilson 1927; Newcombe 1998) for yes/no
outcomes; the days to a first event (US death, Iranian strike, war, withdrawal) from the
survival analysis over all runs (restricted mean and Kaplan–Meier median,
:mod:`sim.analysis.stats`); the mean lull after US strikes over the runs with a strike; and,
under common random numbers,
the *paired* difference of each policy against a reference policy (do nothing, unless told)
with a nonparametric percentile bootstrap interval (Efron & Tibshirani 1993, ch. 13) that
resamples run indices jointly. :func:`key_table` is the short table of a few key outcomes that
``run`` and ``compare`` print at the end.
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from threadpoolctl import threadpool_limits

from sim.analysis.stats import km_quantile, restricted_days, wilson_interval
from sim.core import outcomes as declared
from sim.engines.ensemble import OUTCOMES

#: Outcomes derived from the engine's columns that the summary adds (:mod:`sim.core.outcomes`:
#: the yes/no outcomes derived from a count), with what they measure.
DERIVED: dict[str, str] = {
    name: declared.OUTCOMES[name].description
    for name in declared.DERIVED
    if declared.OUTCOMES[name].kind == declared.SHARE
}

#: Columns of the table returned by :func:`summarise_outcomes`.
SUMMARY_COLUMNS: tuple[str, ...] = (
    "policy",
    "outcome",
    "description",
    "kind",
    "n",
    "mean",
    "median",
    "p05",
    "p95",
    "prob",
    "prob_lo",
    "prob_hi",
    "diff",
    "diff_lo",
    "diff_hi",
)


#: The summary's word for each kind of outcome (its ``kind`` column).
SUMMARY_KIND: dict[str, str] = {
    declared.COUNT: "count",
    declared.SHARE: "probability",
    declared.TIME_TO_EVENT: "day",
    declared.AVERAGE: "average",
}


def _kind(outcome: str) -> str:
    return SUMMARY_KIND[declared.OUTCOMES[outcome].kind]


class _Columns:
    """The columns of a table at positions ``pos``, read one at a time (what a derived
    outcome's ``derive`` reads)."""

    def __init__(self, df: pd.DataFrame, pos: np.ndarray) -> None:
        self.df, self.pos = df, pos

    def __getitem__(self, name: str) -> np.ndarray:
        return self.df[name].to_numpy()[self.pos]


class _Runs:
    """Per-policy access to the outcome columns of a long table, each policy ordered by run.

    Columns are read one at a time (no copy of the table), so memory stays a few columns.
    """

    def __init__(self, outcomes: pd.DataFrame, horizon: int) -> None:
        self.df = outcomes
        self.horizon = horizon
        runs = outcomes["run"].to_numpy()
        self.pos: dict[str, np.ndarray] = {}
        for p, idx in outcomes.groupby("policy", sort=False, observed=True).indices.items():
            self.pos[p] = idx[np.argsort(runs[idx], kind="stable")]
        self.policies = list(pd.unique(outcomes["policy"]))
        self._runs = runs

    def runs(self, p: str) -> np.ndarray:
        return self._runs[self.pos[p]]

    def value(self, p: str, name: str, sel: np.ndarray | None = None) -> np.ndarray:
        """Per-run values of outcome ``name`` (engine column or :data:`DERIVED`) of policy p."""
        pos = self.pos[p] if sel is None else self.pos[p][sel]
        o = declared.OUTCOMES[name]
        if o.derive is not None:
            return o.derive(_Columns(self.df, pos), self.horizon)
        return self.df[name].to_numpy()[pos]

    def paired_value(self, p: str, name: str, sel: np.ndarray) -> np.ndarray:
        """Per-run values whose mean difference is wanted, as int64: the outcome itself, or
        for a day of a first event min(T, τ) (:func:`sim.analysis.stats.restricted_days`)."""
        v = self.value(p, name, sel)
        if name in declared.of_kind(declared.TIME_TO_EVENT):
            return restricted_days(v, self.horizon).astype(np.int64)
        return v.astype(np.int64)


def _describe(v: np.ndarray, kind: str, horizon: int) -> dict[str, float]:
    """Point statistics of one outcome of one policy (see :func:`summarise_outcomes`)."""
    n = len(v)
    qs = (0.5, 0.05, 0.95)
    row = dict.fromkeys(("mean", "median", "p05", "p95", "prob", "prob_lo", "prob_hi"), np.nan)
    if kind == "count":
        if n:
            row["mean"] = float(v.sum(dtype=np.float64) / n)
            row["median"], row["p05"], row["p95"] = (
                float(x) for x in np.quantile(v, qs, method="inverted_cdf")
            )
    elif kind == "average":  # defined in some runs only (NaN elsewhere): over those runs
        defined = v[~np.isnan(v)]
        k = len(defined)
        row["prob"] = k / n if n else np.nan
        lo, hi = wilson_interval(k, n)
        row["prob_lo"], row["prob_hi"] = float(lo), float(hi)
        if k:
            row["mean"] = float(defined.mean())
            row["median"], row["p05"], row["p95"] = (
                float(x) for x in np.quantile(defined, qs, method="inverted_cdf")
            )
    elif kind == "probability":
        k = int(np.count_nonzero(v))
        row["mean"] = row["prob"] = k / n if n else np.nan
        lo, hi = wilson_interval(k, n)
        row["prob_lo"], row["prob_hi"] = float(lo), float(hi)
    else:  # day of a first event: survival analysis over all runs, censored at the horizon
        died = ~np.isnan(v)
        k = int(died.sum())
        row["prob"] = k / n if n else np.nan
        lo, hi = wilson_interval(k, n)
        row["prob_lo"], row["prob_hi"] = float(lo), float(hi)
        if n:
            row["mean"] = float(restricted_days(v, horizon).mean())
            row["median"], row["p05"], row["p95"] = (km_quantile(v, horizon, q) for q in qs)
    return row


#: Bootstrap resamples drawn per batch are capped so a batch's weights stay near this many cells.
_BATCH_CELLS = 2_000_000


def bootstrap_weights(n: int, n_boot: int, rng: np.random.Generator):
    """Yield batches of bootstrap weights: ``w[b, k]`` = times run k is drawn in resample b.

    Each resample draws ``n`` run indices uniformly with replacement (the ordinary
    nonparametric bootstrap, Efron & Tibshirani 1993, ch. 6), so every row sums to exactly n.
    Batches hold about :data:`_BATCH_CELLS` cells (float64), which bounds memory for any n;
    the batch size depends only on n, so the draws depend only on (seed, n, n_boot).
    """
    per = max(1, _BATCH_CELLS // max(n, 1))
    done = 0
    while done < n_boot:
        nb = min(per, n_boot - done)
        idx = rng.integers(0, n, size=(nb, n))
        idx += (np.arange(nb, dtype=np.int64) * n)[:, None]
        w = np.bincount(idx.ravel(), minlength=nb * n).reshape(nb, n).astype(np.float64)
        del idx
        yield w
        done += nb


def _paired_bootstrap(mats: np.ndarray, n_boot: int, seed: int) -> np.ndarray:
    """Bootstrap distributions of paired mean differences over the same resamples of runs.

    Parameters
    ----------
    mats : ``(n, a)`` float64 holding integer values: per-run differences (policy minus
        reference) whose mean is wanted

    Returns
    -------
    ``(n_boot, a)``: the resampled means. All inputs are integer-valued, so the weighted sums
    (float64 matrix products of integers below 2**53) are exact whatever the summation order or
    thread count; only the final division rounds.
    """
    n = mats.shape[0]
    rng = np.random.default_rng(np.random.SeedSequence(int(seed)))
    sums = np.empty((n_boot, mats.shape[1]))
    row = 0
    # One BLAS thread: multi-threaded OpenBLAS stalls badly on these shapes when the cores are
    # busy (measured 10-50x slower), and the integer-valued sums are exact either way.
    with threadpool_limits(limits=1, user_api="blas"):
        for w in bootstrap_weights(n, n_boot, rng):
            sums[row : row + w.shape[0]] = w @ mats
            row += w.shape[0]
    return sums / n


def _interval(boot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """2.5% and 97.5% percentiles (linear interpolation) of each column, ignoring NaNs."""
    if boot.shape[1] == 0:
        return np.empty(0), np.empty(0)
    ok = ~np.isnan(boot).all(axis=0)
    lo = np.full(boot.shape[1], np.nan)
    hi = np.full(boot.shape[1], np.nan)
    if ok.any():
        q = np.nanquantile(boot[:, ok], [0.025, 0.975], axis=0)
        lo[ok], hi[ok] = q[0], q[1]
    return lo, hi


def infer_horizon(outcomes: pd.DataFrame) -> int:
    """The number of simulated days, from ``outcomes.attrs["days"]`` when set, else one more
    than the latest day of a first event (a lower bound)."""
    if "days" in outcomes.attrs:
        return int(outcomes.attrs["days"])
    cols = [c for c in declared.of_kind(declared.TIME_TO_EVENT) if c in outcomes.columns]
    fd = outcomes[cols].to_numpy(dtype=float)
    return int(np.nanmax(fd)) + 1 if np.isfinite(fd).any() else 1


def summarise_outcomes(
    outcomes: pd.DataFrame,
    baseline: str = "do_nothing",
    n_boot: int = 2000,
    seed: int = 0,
    horizon: int | None = None,
) -> pd.DataFrame:
    """Per-policy summaries of per-run outcomes, with paired differences against a reference.

    Parameters
    ----------
    outcomes : one row per policy × run: columns ``policy``, ``run`` and every key of
        :data:`sim.engines.ensemble.OUTCOMES`. Run k of every policy used the same random draws
        (common random numbers), so differences between policies are paired by ``run``.
    baseline : the reference policy the others are compared with (no differences if absent)
    n_boot : bootstrap resamples of the runs
    seed : seed of the bootstrap resampling; the result is a deterministic function of
        (outcomes, baseline, n_boot, seed, horizon)
    horizon : number of simulated days, τ, at which runs without a US death are censored
        (default :func:`infer_horizon`)

    Returns
    -------
    A long table, one row per policy × outcome, columns :data:`SUMMARY_COLUMNS`:

    * ``kind == "count"`` (attacks, casualties, strikes, max_rung, ...): ``mean``; ``median``,
      ``p05``, ``p95`` are order statistics (inverted empirical CDF, as ``np.quantile(...,
      method="inverted_cdf")``, so they are values that occurred).
    * ``kind == "probability"`` (the engine's yes/no outcomes, plus ``any_us_death`` =
      us_killed > 0, ``any_us_strike`` = us_strikes > 0 and ``any_iran_strike`` =
      iran_strikes > 0): ``prob`` (= ``mean``) with a 95% Wilson score interval ``prob_lo``,
      ``prob_hi`` (Wilson 1927; Newcombe 1998, method 3).
    * ``kind == "day"`` (the days to a first event, :data:`sim.core.layout.DAY_OUTCOMES`: the first
      US death, Iranian strike, war, withdrawal), over *all* runs, a run without the event censored
      at the horizon τ: ``mean`` is the restricted mean day of the event, mean of min(T, τ) (Royston
      & Parmar 2013); ``median``, ``p05``, ``p95`` the Kaplan–Meier quantiles (NaN when not reached
      within the period); ``prob`` with its Wilson interval the share of runs with the event. ``n``
      is always the number of runs.
    * ``kind == "average"`` (``lull_after_response``, defined only in runs where the US
      struck): ``mean``, ``median``, ``p05``, ``p95`` over the runs where it is defined,
      ``prob`` with its Wilson interval the share of those runs; no paired difference (the
      reference policy, doing nothing, never strikes, and a difference over the runs where
      both policies struck would compare different runs).
    * ``diff``, ``diff_lo``, ``diff_hi`` (other policies, when the reference is present): the
      paired difference of means, policy minus reference, over the runs both have (for
      probabilities a difference of proportions; for the days to an event of restricted
      means),
      with a 95% percentile bootstrap interval: ``n_boot`` resamples of the common run indices
      drawn with replacement, the same resample applied to both policies (paired), the 2.5% and
      97.5% percentiles (linear interpolation) of the resampled differences (Efron & Tibshirani
      1993, ch. 13). Every policy is compared over the same resamples, so adding or removing a
      policy changes no other row.
    """
    need = ["policy", "run", *OUTCOMES]
    missing = [c for c in need if c not in outcomes.columns]
    if missing:
        raise ValueError(f"outcomes lack columns {missing}")
    if n_boot < 1:
        raise ValueError(f"n_boot must be >= 1, got {n_boot}")
    dup = outcomes.duplicated(["policy", "run"])
    if dup.any():
        first = outcomes.loc[dup, ["policy", "run"]].iloc[0]
        raise ValueError(f"duplicate run {first['run']} for policy {first['policy']}")
    horizon = infer_horizon(outcomes) if horizon is None else int(horizon)

    data = _Runs(outcomes, horizon)
    names = [*OUTCOMES, *DERIVED]
    diffs: dict[tuple[str, str], tuple[float, float, float]] = {}
    if baseline in data.pos:
        diffs = _paired_differences(data, baseline, names, n_boot, seed)

    rows = []
    for p in data.policies:
        n = len(data.pos[p])
        for name in names:
            d = diffs.get((p, name), (np.nan, np.nan, np.nan))
            rows.append(
                {
                    "policy": p,
                    "outcome": name,
                    "description": declared.OUTCOMES[name].description,
                    "kind": _kind(name),
                    "n": n,
                    **_describe(data.value(p, name), _kind(name), horizon),
                    "diff": d[0],
                    "diff_lo": d[1],
                    "diff_hi": d[2],
                }
            )
    table = pd.DataFrame(rows, columns=list(SUMMARY_COLUMNS))
    table["n"] = table["n"].astype(np.int64)
    table.attrs.update(baseline=baseline, n_boot=int(n_boot), seed=int(seed), days=horizon)
    return table


def _paired_differences(
    data: _Runs,
    baseline: str,
    names: list[str],
    n_boot: int,
    seed: int,
) -> dict[tuple[str, str], tuple[float, float, float]]:
    """``(policy, outcome) -> (diff, lo, hi)`` for every policy but the reference."""
    base_runs = data.runs(baseline)
    # Policies that share the same set of runs with the reference share one set of resamples.
    groups: dict[bytes, list[str]] = {}
    sels: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for p in data.policies:
        if p == baseline:
            continue
        runs = data.runs(p)
        common = np.intersect1d(runs, base_runs)
        if len(common) == 0:
            continue
        sels[p] = (np.isin(runs, common), np.isin(base_runs, common))
        groups.setdefault(common.tobytes(), []).append(p)

    out: dict[tuple[str, str], tuple[float, float, float]] = {}
    names = [name for name in names if _kind(name) != "average"]
    for members in groups.values():
        b_sel = sels[members[0]][1]
        n = int(b_sel.sum())
        base = {name: data.paired_value(baseline, name, b_sel) for name in names}
        # point estimates; constant differences need no resampling
        varying: list[tuple[str, str]] = []
        columns: list[np.ndarray] = []
        for p in members:
            for name in names:
                d = data.paired_value(p, name, sels[p][0]) - base[name]
                point = float(d.sum() / n)
                if (d == d[0]).all():  # every resample gives exactly this value
                    out[(p, name)] = (point, point, point)
                else:
                    out[(p, name)] = (point, np.nan, np.nan)
                    varying.append((p, name))
                    columns.append(d)
        if not varying:
            continue
        mats = np.column_stack(columns).astype(np.float64)
        lo, hi = _interval(_paired_bootstrap(mats, n_boot, seed))
        for j, key in enumerate(varying):
            out[key] = (out[key][0], float(lo[j]), float(hi[j]))
    return out


#: The outcomes of the short table ``run`` and ``compare`` print at the end (tag ``key_table`` of
#: :mod:`sim.core.outcomes`).
KEY_OUTCOMES: tuple[declared.Outcome, ...] = declared.tagged("key_table")


def key_table(runs: pd.DataFrame, horizon: int = 0) -> pd.DataFrame:
    """A short readable table: policy × a few key outcomes (means per run, shares of runs).

    Its index has two levels, the policy's id (``id``: what the command line takes) and its
    name (``policy``: what reports and figures print), so a printed table shows both."""
    policy = runs["policy"]
    cols = {}
    for o in KEY_OUTCOMES:
        v = pd.Series(np.asarray(o.values(runs, horizon), dtype=float), index=runs.index)
        cols[o.short_label] = (
            v.groupby(policy, observed=True, sort=False)
            .mean()
            .round(3 if o.kind == declared.SHARE else 2)
        )
    table = pd.DataFrame(cols)
    from sim.core.policies import label

    table.index = pd.MultiIndex.from_arrays(
        [list(table.index), [label(p) for p in table.index]], names=["id", "policy"]
    )
    return table


#: The lines printed under :func:`key_table`.
KEY_NOTE = textwrap.fill(
    ", ".join(o.short_label for o in KEY_OUTCOMES if o.kind != declared.SHARE)
    + ": mean per run over the period; "
    + "; ".join(f"{o.short_label}: share of runs in which {o.description}" for o in KEY_OUTCOMES
                if o.kind == declared.SHARE)
    + ". Policies: `escalation policies`.",
    92,
)  # fmt: skip


__all__ = ["DERIVED", "KEY_NOTE", "KEY_OUTCOMES", "SUMMARY_COLUMNS", "bootstrap_weights",
           "infer_horizon", "key_table", "summarise_outcomes"]  # fmt: skip
