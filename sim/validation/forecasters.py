"""The baseline forecasters of the rolling-origin evaluation
(:data:`sim.validation.protocol.BASELINES`).

Each baseline has one interface: ``Forecaster.fit(history, mode) -> Fitted`` and
``Fitted.sample(horizon_months, covariates, rng, n) -> (samples, months)``. A :class:`History`
is one series' monthly best estimates over the visible months (from
:data:`sim.validation.protocol.FIT_START` to the month before the origin) with the monthly US
strike counts of the same months; the first forecast month (horizon 1) is the month after the
history, the origin's own month. ``samples`` has shape ``(horizon_months, n)`` (one row per
forecast month, the layout of :mod:`sim.validation.forecast_scores`) and ``months`` are the
first days of the forecast months.

The two modes of the protocol:

* ``given_us_actions``: ``covariates`` are the US strike counts of the forecast months. The
  ``negbin`` regression uses them as its covariate; ``hawkes`` as its exogenous excitation.
* ``unconditional``: ``covariates`` must be ``None``: no US action of the forecast window is
  seen. ``negbin`` is then fitted without the covariate (the protocol gives it the covariate in
  the other mode only), i.e. a negative binomial with a constant mean on the growing window.
  ``hawkes`` keeps the visible strikes' excitation in its state and draws each future month's
  strikes, path by path, from the visible months' strike counts (an i.i.d. bootstrap of the
  fitted window): its forecast is then the mixture over the covariate that an unconditional
  forecast is, rather than a forecast for one plug-in value of it. (Setting the strikes to their
  fitted mean would give the same forecast mean, since the intensity is linear in them, but too
  narrow a distribution: it would leave out the months of many strikes that the window shows.)

The baselines (ViEWS 2023/24 challenge benchmarks and views-platform baselines; Hegre et al.,
https://arxiv.org/html/2407.11045v1):

* ``zero``: no events.
* ``last_poisson``: Poisson at the last visible month's count, every horizon.
* ``last_negbin``: negative binomial with the last visible month's count as mean, every horizon;
  its size (dispersion) is the maximum-likelihood estimate on the window's one-month
  transitions ``y_t ~ NB(mean = y_{t-1}, size)`` (the model it forecasts with).
* ``conflictology``: each sample of each month drawn from the last 12 visible months (fewer if
  fewer are visible).
* ``negbin``: negative binomial regression (NB2: variance ``m + m**2 / size``; Cameron &
  Trivedi 2013, ch. 3) on the growing window by maximum likelihood, ``log m_t = b0`` in the
  unconditional mode and ``log m_t = b0 + b1 log(1 + u_t)`` in the given mode, ``u_t`` the
  month's US strikes. The covariate enters as ``log(1 + u)`` so that the months of tens of
  strikes do not multiply the mean by ``exp(b1 u)``.
* ``hawkes``: a discrete-time self-exciting count model with an exponential kernel and the US
  strikes as exogenous excitation (:func:`hawkes_intensity`), negative binomial observations,
  fitted by maximum likelihood (:func:`fit_hawkes`).

Every sampler is deterministic given its generator; every fit is deterministic (fixed starts,
no random numbers).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
from scipy import optimize, signal, special
from threadpoolctl import ThreadpoolController

from sim.validation.protocol import BASELINES, MODES, SAMPLES

#: Bounds of a negative binomial's size (dispersion) in every fit: below ``SIZE_MIN`` the
#: variance would exceed a thousand times the squared mean; at ``SIZE_MAX`` the variance
#: exceeds a Poisson's by ``mean**2 / 1e6`` (a ten-thousandth of it at a mean of 100), and a fit
#: there is reported as a Poisson (``size = inf``).
SIZE_MIN = 1e-3
SIZE_MAX = 1e6

#: Bound on the ``negbin`` regression's coefficient of ``log(1 + strikes)`` (either sign): a
#: safeguard against a window where strikes separate the counts (the mean may change by at
#: most ``(1 + u) ** 4``).
BETA_MAX = 4.0

#: Bounds of the Hawkes model: background rate at least ``MU_MIN`` events a month; branching
#: ratio ``a`` at most ``A_MAX`` (stationary); monthly decay ``kappa`` in ``[KAPPA_MIN,
#: KAPPA_MAX]`` (a mean kernel lag of 1.01 to 20 months).
MU_MIN = 1e-3
A_MAX = 0.95
KAPPA_MIN, KAPPA_MAX = 0.01, 0.95

#: Fixed starts of the Hawkes fit: branching ratios x monthly decays.
HAWKES_STARTS: tuple[tuple[float, float], ...] = tuple(
    (a, k) for a in (0.1, 0.4, 0.7) for k in (0.2, 0.6)
)

#: Options of L-BFGS-B in the Hawkes fit.
HAWKES_OPTIONS = {"ftol": 1e-12, "gtol": 1e-8, "maxiter": 1000}

#: The window of the ``conflictology`` bootstrap, in months.
CONFLICTOLOGY_MONTHS = 12


_THREADPOOLS: list[ThreadpoolController] = []


def _one_blas_thread():
    """A context with BLAS on one thread: L-BFGS-B's small linear algebra is several times
    slower with OpenBLAS's threads on a busy 2-core machine (measured: 0.39 s against 0.07 s
    per Hawkes fit). The controller (which finds the loaded libraries) is made once."""
    if not _THREADPOOLS:
        _THREADPOOLS.append(ThreadpoolController())
    return _THREADPOOLS[0].limit(limits=1, user_api="blas")


def add_months(d: dt.date, k: int) -> dt.date:
    """The first day of the month ``k`` months after ``d``'s month."""
    m = d.year * 12 + d.month - 1 + k
    return dt.date(m // 12, m % 12 + 1, 1)


@dataclass(frozen=True)
class History:
    """One series' visible monthly history.

    Attributes
    ----------
    start : first day of the first month
    counts : the monthly best estimates (events a month, >= 0; may be fractional)
    strikes : the monthly US strike counts of the same months (>= 0)
    """

    start: dt.date
    counts: np.ndarray
    strikes: np.ndarray

    def __post_init__(self) -> None:
        y = np.asarray(self.counts, dtype=float).copy()
        u = np.asarray(self.strikes, dtype=float).copy()
        if y.ndim != 1 or y.size == 0:
            raise ValueError("a history needs at least one month of counts")
        if u.shape != y.shape:
            raise ValueError(f"{u.size} months of strikes for {y.size} months of counts")
        for name, v in (("counts", y), ("strikes", u)):
            if not np.all(np.isfinite(v)) or np.any(v < 0):
                raise ValueError(f"the history's {name} must be finite and >= 0")
        if self.start.day != 1:
            raise ValueError(f"a history starts on a month's first day, not {self.start}")
        y.flags.writeable = u.flags.writeable = False
        object.__setattr__(self, "counts", y)
        object.__setattr__(self, "strikes", u)

    @property
    def next_month(self) -> dt.date:
        """The first forecast month (horizon 1)."""
        return add_months(self.start, self.counts.size)


def _check_mode(mode: str) -> str:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r} (expected one of {', '.join(MODES)})")
    return mode


class Fitted:
    """A forecaster fitted to one history; :meth:`sample` draws its forecasts."""

    def __init__(self, history: History, mode: str) -> None:
        self.mode = _check_mode(mode)
        self.first_month = history.next_month

    def sample(
        self,
        horizon_months: int,
        covariates: np.ndarray | None,
        rng: np.random.Generator,
        n: int = SAMPLES,
    ) -> tuple[np.ndarray, tuple[dt.date, ...]]:
        """``n`` samples of each of the next ``horizon_months`` months' counts.

        Parameters
        ----------
        horizon_months : months ahead (the first is the month after the history)
        covariates : the US strikes of those months (``given_us_actions`` mode), or ``None``
            (``unconditional`` mode; anything else is refused)
        rng : the generator of the draws (the only source of randomness)
        n : samples per month

        Returns
        -------
        (samples of shape (horizon_months, n), the first days of the forecast months)
        """
        h = int(horizon_months)
        if h < 1 or n < 1:
            raise ValueError("horizon_months and n must be >= 1")
        if self.mode == "unconditional":
            if covariates is not None:
                raise ValueError("the unconditional mode takes no covariates")
            cov = None
        else:
            if covariates is None:
                raise ValueError("the given_us_actions mode needs the forecast months' strikes")
            cov = np.asarray(covariates, dtype=float)
            if cov.ndim != 1 or cov.size < h:
                raise ValueError(f"{h} months of covariates needed, got shape {cov.shape}")
            cov = cov[:h]
            if not np.all(np.isfinite(cov)) or np.any(cov < 0):
                raise ValueError("covariates must be finite and >= 0")
        x = self._draw(h, cov, rng, int(n))
        return x, tuple(add_months(self.first_month, i) for i in range(h))

    def _draw(self, h: int, cov: np.ndarray | None, rng: np.random.Generator, n: int) -> np.ndarray:
        raise NotImplementedError


class Forecaster:
    """A baseline: :meth:`fit` gives a :class:`Fitted`."""

    name = ""

    def fit(self, history: History, mode: str) -> Fitted:
        raise NotImplementedError


# ---------------------------------------------------------------------------------------------
# negative binomial helpers


def nb_logpmf(y: np.ndarray, mean: np.ndarray, size: float | np.ndarray) -> np.ndarray:
    """Log pmf of the negative binomial with ``mean`` and ``size`` (variance
    ``mean + mean**2 / size``; Cameron & Trivedi 2013, ch. 3), a Poisson where ``size`` is
    infinite. Written with ``gammaln`` so that it also takes fractional ``y`` (the continuous
    extension used for fractional best estimates)."""
    y = np.asarray(y, dtype=float)
    m = np.asarray(mean, dtype=float)
    r = np.asarray(size, dtype=float)
    y, m, r = np.broadcast_arrays(y, m, r)
    out = np.empty(y.shape)
    pois = ~np.isfinite(r)
    with np.errstate(divide="ignore", invalid="ignore"):
        yp, mp = y[pois], m[pois]
        out[pois] = special.xlogy(yp, mp) - mp - special.gammaln(yp + 1)
        yn, mn, rn = y[~pois], m[~pois], r[~pois]
        out[~pois] = (
            special.gammaln(yn + rn) - special.gammaln(rn) - special.gammaln(yn + 1)
            - rn * np.log1p(mn / rn) + special.xlogy(yn, mn / (rn + mn))
        )  # fmt: skip
    return out


def nb_draw(
    mean: np.ndarray, size: float, rng: np.random.Generator, shape: tuple[int, ...]
) -> np.ndarray:
    """Draws of the negative binomial with ``mean`` (broadcast to ``shape``) and ``size``
    (Poisson where infinite), as numpy's ``negative_binomial(size, size / (size + mean))``."""
    m = np.broadcast_to(np.asarray(mean, dtype=float), shape)
    if not math.isfinite(size):
        return rng.poisson(m).astype(np.int64)
    return rng.negative_binomial(size, size / (size + m)).astype(np.int64)


def fit_nb_size(y: np.ndarray, mean: np.ndarray) -> float:
    """Maximum-likelihood size of a negative binomial with known means.

    Maximises ``sum_t nb_logpmf(y_t, mean_t, size)`` over ``log size`` in
    ``[log SIZE_MIN, log SIZE_MAX]`` (bounded Brent); rows with a zero mean do not depend on
    the size and are left out. Returns ``inf`` (a Poisson) when no row is informative or the
    Poisson's likelihood is at least the best negative binomial's (the variance about the means
    does not exceed them).
    """
    y = np.asarray(y, dtype=float)
    m = np.asarray(mean, dtype=float)
    keep = m > 0
    y, m = y[keep], m[keep]
    if y.size == 0:
        return math.inf

    def nll(logr: float) -> float:
        return -float(nb_logpmf(y, m, math.exp(logr)).sum())

    res = optimize.minimize_scalar(
        nll, bounds=(math.log(SIZE_MIN), math.log(SIZE_MAX)), method="bounded",
        options={"xatol": 1e-9},
    )  # fmt: skip
    pois = -float(nb_logpmf(y, m, math.inf).sum())
    if pois <= res.fun or res.x >= math.log(SIZE_MAX) - 1e-6:
        return math.inf
    return float(math.exp(res.x))


def _nb_regression_nll(theta: np.ndarray, y: np.ndarray, x: np.ndarray) -> tuple[float, np.ndarray]:
    """Negative log-likelihood of the NB2 regression ``log m = x @ beta`` and its gradient in
    ``(beta, log size)`` (Cameron & Trivedi 2013, ch. 3; the gradient differentiates it)."""
    beta, r = theta[:-1], math.exp(theta[-1])
    m = np.exp(x @ beta)
    ll = nb_logpmf(y, m, r).sum()
    w = (y - m) * r / (r + m)
    g_beta = x.T @ w
    g_logr = r * np.sum(
        special.digamma(y + r) - special.digamma(r) - np.log1p(m / r) + (m - y) / (r + m)
    )
    return -float(ll), -np.append(g_beta, g_logr)


@dataclass(frozen=True)
class NegbinFit:
    """A negative binomial regression's estimates: ``log m = b0 + b1 log(1 + u)``."""

    b0: float
    b1: float
    size: float
    covariate: bool
    loglik: float

    def mean(self, strikes: np.ndarray | None) -> np.ndarray | float:
        if strikes is None or not self.covariate:
            return math.exp(self.b0)
        return np.exp(self.b0 + self.b1 * np.log1p(np.asarray(strikes, dtype=float)))


def fit_negbin(y: np.ndarray, strikes: np.ndarray | None) -> NegbinFit:
    """Maximum-likelihood negative binomial regression on ``y`` (Cameron & Trivedi 2013, ch. 3).

    Without ``strikes`` (or with strikes constant over the window, when their coefficient is
    not identified): a constant mean, whose maximum-likelihood estimate is the sample mean
    (the score equation ``sum (y - m) r / (r + m) = 0``), and the size by
    :func:`fit_nb_size`. With strikes: ``log m_t = b0 + b1 log(1 + u_t)`` and ``log size``
    jointly by L-BFGS-B with the analytic gradient, ``|b1| <= BETA_MAX``, starting from the
    constant-mean fit. All-zero counts give a zero mean (a point mass at zero).
    """
    y = np.asarray(y, dtype=float)
    ybar = float(y.mean())
    if ybar == 0.0:
        return NegbinFit(-math.inf, 0.0, math.inf, False, 0.0)
    size0 = fit_nb_size(y, np.full_like(y, ybar))
    ll0 = float(nb_logpmf(y, ybar, size0).sum())
    use = strikes is not None and np.ptp(np.log1p(np.asarray(strikes, dtype=float))) > 0
    if not use:
        return NegbinFit(math.log(ybar), 0.0, size0, False, ll0)
    x = np.column_stack([np.ones_like(y), np.log1p(np.asarray(strikes, dtype=float))])
    lr_lo, lr_hi = math.log(SIZE_MIN), math.log(SIZE_MAX)
    theta0 = np.array([math.log(ybar), 0.0, min(max(math.log(size0), lr_lo), lr_hi)])
    bounds = [(math.log(ybar) - 50.0, math.log(ybar) + 50.0), (-BETA_MAX, BETA_MAX),
              (lr_lo, lr_hi)]  # fmt: skip
    with _one_blas_thread():
        res = optimize.minimize(_nb_regression_nll, theta0, args=(y, x), jac=True,
                                method="L-BFGS-B", bounds=bounds,
                                options={"ftol": 1e-13, "gtol": 1e-9, "maxiter": 2000})  # fmt: skip
    b0, b1, logr = (float(v) for v in res.x)
    size = math.inf if logr >= lr_hi - 1e-6 else math.exp(logr)
    ll = float(nb_logpmf(y, np.exp(x @ res.x[:2]), size).sum())
    return NegbinFit(b0, b1, size, True, ll)


# ---------------------------------------------------------------------------------------------
# the Hawkes model


class HawkesParams(NamedTuple):
    """Parameters of the discrete-time Hawkes model (:func:`hawkes_intensity`).

    mu : background events a month; a : branching ratio (the expected events a month's event
    triggers in later months); b : events triggered in the same month per US strike; kappa :
    monthly decay of both kernels; size : negative binomial size of the observations
    (``inf``: Poisson).
    """

    mu: float
    a: float
    b: float
    kappa: float
    size: float = math.inf


def _decay_filter(x: np.ndarray, kappa: float) -> np.ndarray:
    """``F_t = kappa F_{t-1} + x_t`` along the last axis (a linear filter, ``O(T)``)."""
    return signal.lfilter([1.0], [1.0, -kappa], x, axis=-1)


def _lag(x: np.ndarray) -> np.ndarray:
    """``x`` one month later along the last axis (zero in the first month)."""
    out = np.zeros_like(x)
    out[..., 1:] = x[..., :-1]
    return out


def _kernel_sums(y: np.ndarray, u: np.ndarray, kappa: float) -> tuple[np.ndarray, np.ndarray]:
    """``S_t = sum_{s<t} kappa**(t-1-s) y_s`` and ``V_t = sum_{s<=t} kappa**(t-s) u_s`` by
    their recursions ``S_t = kappa S_{t-1} + y_{t-1}``, ``V_t = kappa V_{t-1} + u_t``."""
    f = _decay_filter(np.stack([y, u]), kappa)
    return _lag(f[0]), f[1]


def hawkes_intensity(params: HawkesParams, y: np.ndarray, u: np.ndarray) -> np.ndarray:
    """Monthly intensity of the discrete-time Hawkes model with exogenous excitation.

    ``lambda_t = mu + a (1 - kappa) sum_{s<t} kappa**(t-1-s) y_s + b sum_{s<=t} kappa**(t-s) u_s``

    for months ``t = 0 .. T-1`` of the counts ``y`` and US strikes ``u``, the history before
    month 0 taken as empty (the likelihood is conditional on it). The self-excitation kernel
    ``(1 - kappa) kappa**(j-1)`` at lag ``j >= 1`` months sums to 1, so ``a`` is the branching
    ratio; it is the monthly discretisation of the exponential kernel of Hawkes (1971) as
    Lewis et al. (2012) fit it to daily violence in Iraq, ``theta omega exp(-omega t)``: with a
    mean kernel duration ``1 / omega`` of 2-6 weeks (their estimate of how long
    self-excitation lasts), the share of excitation still carried from one month to the next
    is ``kappa = exp(-30.4 omega)``, i.e. 0.11 (two weeks) to 0.48 (six weeks). Excitation
    within a month (their kernel's bulk) is not resolved at monthly steps: it shows as
    overdispersion of the month's count.
    """
    s, v = _kernel_sums(np.asarray(y, float), np.asarray(u, float), params.kappa)
    return params.mu + params.a * (1 - params.kappa) * s + params.b * v


def hawkes_loglik(params: HawkesParams, y: np.ndarray, u: np.ndarray) -> float:
    """Log-likelihood of the counts ``y`` given the strikes ``u``, in closed form:
    ``sum_t log NB(y_t; mean lambda_t, size)`` (Poisson where the size is infinite), the
    intensity conditional on the past (:func:`hawkes_intensity`)."""
    lam = hawkes_intensity(params, y, u)
    return float(nb_logpmf(np.asarray(y, float), lam, params.size).sum())


def _hawkes_nll(
    theta: np.ndarray, y: np.ndarray, u: np.ndarray, poisson: bool
) -> tuple[float, np.ndarray]:
    """Negative log-likelihood (less the constant ``sum log y_t!``) and its gradient in
    ``(mu, a, b, kappa[, log size])``.

    ``d lambda / d kappa = -a S + a (1 - kappa) S' + b V'`` with ``S'_t = kappa S'_{t-1} +
    S_{t-1}`` and ``V'_t = kappa V'_{t-1} + V_{t-1}`` (differentiating the recursions)."""
    mu, a, b, kappa = theta[:4]
    s, v = _kernel_sums(y, u, kappa)
    d = _lag(_decay_filter(np.stack([s, v]), kappa))
    lam = mu + a * (1 - kappa) * s + b * v
    if poisson:
        ll = float(np.dot(y, np.log(lam)) - lam.sum())
        g = y / lam - 1.0
        extra: list[float] = []
    else:
        r = math.exp(theta[4])
        log_rl = np.log(r + lam)
        ll = float(
            np.sum(special.gammaln(y + r)) - y.size * special.gammaln(r)
            + np.sum(r * (math.log(r) - log_rl) + y * (np.log(lam) - log_rl))
        )  # fmt: skip
        g = y / lam - (y + r) / (r + lam)
        g_logr = r * (
            np.sum(special.digamma(y + r)) - y.size * special.digamma(r)
            + np.sum(math.log(r) - log_rl + (lam - y) / (r + lam))
        )  # fmt: skip
        extra = [float(g_logr)]
    grad = [
        g.sum(),
        (1 - kappa) * np.dot(g, s),
        np.dot(g, v),
        np.dot(g, -a * s + a * (1 - kappa) * d[0] + b * d[1]),
        *extra,
    ]
    return -ll, -np.asarray(grad, dtype=float)


@dataclass(frozen=True)
class HawkesFit:
    """A Hawkes fit: its parameters, log-likelihood and whether a start converged to it."""

    params: HawkesParams
    loglik: float
    converged: bool


def fit_hawkes(y: np.ndarray, u: np.ndarray, family: str = "negbin") -> HawkesFit:
    """Maximum-likelihood fit of the Hawkes model (:func:`hawkes_loglik`).

    L-BFGS-B with the analytic gradient from each of the fixed starts
    :data:`HAWKES_STARTS` (branching ratio, decay; the background at the mean's share
    ``(1 - a) * mean``, no strike effect, the size of the counts' moments), within the bounds
    ``mu in [MU_MIN, max y + 1]``, ``a in [0, A_MAX]``, ``b in [0, max y + 1]``,
    ``kappa in [KAPPA_MIN, KAPPA_MAX]``, ``size in [SIZE_MIN, SIZE_MAX]``; the best of the
    local optima is kept. No random numbers: the fit of a history is always the same. With a
    few months of history (6 at the first origin) the five parameters are barely identified and
    the estimate sits on its bounds (e.g. no self-excitation, a Poisson): it is what the
    maximum-likelihood baseline gives there.

    Parameters
    ----------
    y, u : monthly counts and US strikes
    family : "negbin" (the size fitted) or "poisson"
    """
    if family not in ("negbin", "poisson"):
        raise ValueError(f"unknown family {family!r}")
    y = np.asarray(y, dtype=float)
    u = np.asarray(u, dtype=float)
    poisson = family == "poisson"
    top = float(y.max()) + 1.0
    mean, var = float(y.mean()), float(y.var())
    lr_lo, lr_hi = math.log(SIZE_MIN), math.log(SIZE_MAX)
    size0 = mean**2 / (var - mean) if var > mean else 100.0
    logr0 = min(max(math.log(max(size0, 1e-3)), lr_lo), lr_hi)
    bounds = [(MU_MIN, top), (0.0, A_MAX), (0.0, top), (KAPPA_MIN, KAPPA_MAX)]
    if not poisson:
        bounds.append((lr_lo, lr_hi))
    results = []
    with _one_blas_thread():
        for a0, k0 in HAWKES_STARTS:
            theta0 = [max(mean * (1 - a0), 10 * MU_MIN), a0, 0.0, k0]
            if not poisson:
                theta0.append(logr0)
            res = optimize.minimize(
                _hawkes_nll, np.array(theta0), args=(y, u, poisson), jac=True,
                method="L-BFGS-B", bounds=bounds, options=HAWKES_OPTIONS,
            )  # fmt: skip
            results.append(res)
    best = min(results, key=lambda r: r.fun)  # the first of equal optima
    # L-BFGS-B's line search may end "abnormally" at a bound where the likelihood is flat
    # (the size at its upper bound): the fit converged if some start met its tolerance there
    tol = 1e-6 * max(1.0, abs(best.fun))
    converged = any(r.success and r.fun <= best.fun + tol for r in results)
    mu, a, b, kappa = (float(v) for v in best.x[:4])
    if poisson:
        size = math.inf
    else:
        size = math.inf if best.x[4] >= lr_hi - 1e-6 else math.exp(float(best.x[4]))
    params = HawkesParams(mu, a, b, kappa, size)
    return HawkesFit(params, hawkes_loglik(params, y, u), converged)


def hawkes_forward(
    params: HawkesParams,
    y: np.ndarray,
    u: np.ndarray,
    future_u: np.ndarray,
    rng: np.random.Generator,
) -> np.ndarray:
    """Counts of the months after the history ``(y, u)``, simulated month by month.

    Each month ``t``: ``S_t = kappa S_{t-1} + y_{t-1}``, ``V_t = kappa V_{t-1} + u_t``, the
    intensity of :func:`hawkes_intensity`, one negative binomial (or Poisson) draw per path;
    the draw enters the next month's ``S``. ``future_u`` has shape ``(h, n)`` (each path's
    strikes; the same value in every column in the given mode). Returns shape ``(h, n)``.
    """
    fu = np.asarray(future_u, dtype=float)
    h, n = fu.shape
    kappa = params.kappa
    if np.asarray(y).size:
        s_hist, v_hist = _kernel_sums(np.asarray(y, float), np.asarray(u, float), kappa)
        s = np.full(n, kappa * s_hist[-1] + float(np.asarray(y)[-1]))
        v = np.full(n, v_hist[-1])
    else:
        s, v = np.zeros(n), np.zeros(n)
    out = np.empty((h, n), dtype=np.int64)
    for i in range(h):
        v = kappa * v + fu[i]
        lam = params.mu + params.a * (1 - kappa) * s + params.b * v
        out[i] = nb_draw(lam, params.size, rng, (n,))
        s = kappa * s + out[i]
    return out


def simulate_hawkes(
    params: HawkesParams, strikes: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One path of the Hawkes model over the months of ``strikes`` from an empty past (the
    data-generating process of the synthetic checks)."""
    u = np.asarray(strikes, dtype=float)
    return hawkes_forward(params, np.empty(0), np.empty(0), u[:, None], rng)[:, 0]


# ---------------------------------------------------------------------------------------------
# the baselines


class _Constant(Fitted):
    """Independent negative binomial (or Poisson) draws at one mean, every month."""

    def __init__(self, history: History, mode: str, mean: float, size: float) -> None:
        super().__init__(history, mode)
        self.mean, self.size = float(mean), float(size)

    def _draw(self, h, cov, rng, n):
        return nb_draw(self.mean, self.size, rng, (h, n))


class Zero(Forecaster):
    """No events, every month."""

    name = "zero"

    def fit(self, history: History, mode: str) -> Fitted:
        return _Constant(history, mode, 0.0, math.inf)


class LastPoisson(Forecaster):
    """Poisson at the last visible month's count, every month."""

    name = "last_poisson"

    def fit(self, history: History, mode: str) -> Fitted:
        return _Constant(history, mode, history.counts[-1], math.inf)


class LastNegbin(Forecaster):
    """Negative binomial at the last visible month's count; size by maximum likelihood on the
    window's transitions ``y_t ~ NB(y_{t-1}, size)`` (:func:`fit_nb_size`; a Poisson where no
    transition starts from a positive month or the transitions are not overdispersed)."""

    name = "last_negbin"

    def fit(self, history: History, mode: str) -> Fitted:
        y = history.counts
        size = fit_nb_size(y[1:], y[:-1]) if y.size > 1 else math.inf
        return _Constant(history, mode, y[-1], size)


class _Bootstrap(Fitted):
    def __init__(self, history: History, mode: str, pool: np.ndarray) -> None:
        super().__init__(history, mode)
        self.pool = np.array(pool, dtype=float)

    def _draw(self, h, cov, rng, n):
        return rng.choice(self.pool, size=(h, n), replace=True)


class Conflictology(Forecaster):
    """Each sample drawn from the last :data:`CONFLICTOLOGY_MONTHS` visible months (the ViEWS
    2023/24 challenge's benchmark), independently for every month and sample."""

    name = "conflictology"

    def fit(self, history: History, mode: str) -> Fitted:
        return _Bootstrap(history, mode, history.counts[-CONFLICTOLOGY_MONTHS:])


class _Regression(Fitted):
    def __init__(self, history: History, mode: str, fit: NegbinFit) -> None:
        super().__init__(history, mode)
        self.fit = fit

    def _draw(self, h, cov, rng, n):
        m = self.fit.mean(cov)
        m = np.broadcast_to(np.asarray(m, dtype=float).reshape(-1, 1), (h, 1))
        return nb_draw(m, self.fit.size, rng, (h, n))


class NegbinRegression(Forecaster):
    """Negative binomial regression on the growing window (:func:`fit_negbin`); with the
    month's US strikes as covariate in the ``given_us_actions`` mode."""

    name = "negbin"

    def fit(self, history: History, mode: str) -> Fitted:
        _check_mode(mode)
        u = history.strikes if mode == "given_us_actions" else None
        return _Regression(history, mode, fit_negbin(history.counts, u))


class _HawkesFitted(Fitted):
    def __init__(self, history: History, mode: str, params: HawkesParams) -> None:
        super().__init__(history, mode)
        self.params = params
        self.y, self.u = history.counts, history.strikes

    def _draw(self, h, cov, rng, n):
        if cov is None:
            # unconditional: each path's future strikes drawn from the visible months'
            future = rng.choice(self.u, size=(h, n), replace=True)
        else:
            future = np.broadcast_to(cov[:, None], (h, n))
        return hawkes_forward(self.params, self.y, self.u, future, rng)


class Hawkes(Forecaster):
    """The discrete-time Hawkes model fitted by maximum likelihood (:func:`fit_hawkes`).

    The fit does not depend on the mode: the last history's fit is kept, so that the two
    modes of an origin fit once."""

    name = "hawkes"

    def __init__(self, family: str = "negbin") -> None:
        self.family = family
        self._last: tuple[tuple, HawkesFit] | None = None

    def fit(self, history: History, mode: str) -> Fitted:
        key = (history.start, history.counts.tobytes(), history.strikes.tobytes())
        if self._last is None or self._last[0] != key:
            self._last = (key, fit_hawkes(history.counts, history.strikes, self.family))
        return _HawkesFitted(history, mode, self._last[1].params)


class KnownHawkes(Forecaster):
    """The Hawkes model with given parameters (no fit: the history only sets its state); the
    true model of a synthetic series simulated by :func:`simulate_hawkes`."""

    name = "hawkes_known"

    def __init__(self, params: HawkesParams) -> None:
        self.params = params

    def fit(self, history: History, mode: str) -> Fitted:
        return _HawkesFitted(history, mode, self.params)


#: The protocol's baselines by name.
BASELINE_FORECASTERS: dict[str, Callable[[], Forecaster]] = {
    "zero": Zero,
    "last_poisson": LastPoisson,
    "last_negbin": LastNegbin,
    "conflictology": Conflictology,
    "negbin": NegbinRegression,
    "hawkes": Hawkes,
}
assert tuple(BASELINE_FORECASTERS) == BASELINES


def baselines() -> dict[str, Forecaster]:
    """One instance of each baseline of the protocol, by name."""
    return {name: make() for name, make in BASELINE_FORECASTERS.items()}
