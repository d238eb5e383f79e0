"""The Pareto/NBD model of repeat buying in a non-contractual setting.

The original "counting your customers" model. Like the BG/NBD model it explains each
customer's frequency ``x``, recency ``t_x`` and age ``T``, but drop-out can happen at any
moment rather than only just after a purchase:

* while active, a customer buys as a Poisson process with rate ``lambda``, and
  ``lambda ~ Gamma(r, alpha)`` across customers;
* each customer's unobserved lifetime is exponential with rate ``mu``, and
  ``mu ~ Gamma(s, beta)`` across customers (so lifetimes follow a Pareto distribution of the
  second kind).

The likelihood needs the Gaussian hypergeometric function; it is evaluated in logarithms with
the two branches ``alpha >= beta`` and ``alpha < beta`` of Fader & Hardie's note, so that the
series argument stays in [0, 1).

References:
    Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who are
    they and what will they do next? Management Science, 33(1), 1-24.

    Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
    related expressions. http://brucehardie.com/notes/009/
"""

from typing import Self

import numpy as np
import pandas as pd
from scipy.special import expit, exprel, gammaln, hyp2f1

from sim.analytics.clv._base import (
    FittedModel,
    check_horizon,
    check_times,
    compress,
    like_input,
    maximize_likelihood,
    validate_rfm,
)
from sim.errors import DataError

_STARTS = ((1.0, 1.0, 1.0, 1.0), (0.5, 10.0, 0.5, 10.0))


def _log_terms(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Log of the two terms of the likelihood, without the common factor.

    The likelihood is ``Gamma(r+x) alpha^r beta^s / Gamma(r) * (alive + dropped)`` with
    ``alive = (alpha+T)^-(r+x) (beta+T)^-s`` (active throughout (0, T]) and
    ``dropped = s/(r+s+x) * A0`` (dropped out between t_x and T). With ``m = max(alpha,
    beta)``, ``|alpha-beta|`` and ``c = s+1`` if ``alpha >= beta`` else ``r+x``:
    ``A0 = 2F1(r+s+x, c; r+s+x+1; |alpha-beta|/(m+t_x)) / (m+t_x)^(r+s+x)
    - 2F1(r+s+x, c; r+s+x+1; |alpha-beta|/(m+T)) / (m+T)^(r+s+x)``
    (Fader & Hardie 2005, note 009). The difference is taken in logs:
    ``log A0 = log u + log(1 - v/u)``.
    """
    r, alpha, s, beta = params
    rsx = r + s + x
    if alpha >= beta:
        largest, second = alpha, s + 1
    else:
        largest, second = beta, r + x
    gap = abs(alpha - beta)
    log_u = np.log(hyp2f1(rsx, second, rsx + 1, gap / (largest + t_x))) - rsx * np.log(
        largest + t_x
    )
    log_v = np.log(hyp2f1(rsx, second, rsx + 1, gap / (largest + big_t))) - rsx * np.log(
        largest + big_t
    )
    with np.errstate(divide="ignore"):
        log_a0 = log_u + np.log(-np.expm1(log_v - log_u))
    alive = -(r + x) * np.log(alpha + big_t) - s * np.log(beta + big_t)
    dropped = np.log(s) - np.log(rsx) + log_a0
    return alive, dropped


def _log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> np.ndarray:
    r, alpha, s, beta = params
    alive, dropped = _log_terms(params, x, t_x, big_t)
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta)
    return common + np.logaddexp(alive, dropped)


class ParetoNBD(FittedModel):
    """Pareto/NBD model (Schmittlein, Morrison & Colombo 1987) on a frequency/recency/T table.

    Time is in whatever unit the summary uses (weeks for the CDNOW data).

    Attributes:
        params_: ``{"r", "alpha", "s", "beta"}``: gamma shape and rate of the purchase rates
            and of the drop-out rates.
        std_errors_: Standard errors of ``params_`` (numerical Hessian).
        log_likelihood_: Maximised log-likelihood.
        converged_: Whether the optimiser reported convergence.
        rfm_: The frequency/recency/T table used for fitting (default for predictions).

    References:
        Schmittlein, D. C., Morrison, D. G. & Colombo, R. (1987). Counting your customers: who
        are they and what will they do next? Management Science, 33(1), 1-24.

        Fader, P. S. & Hardie, B. G. S. (2005). A note on deriving the Pareto/NBD model and
        related expressions. http://brucehardie.com/notes/009/
    """

    _param_names = ("r", "alpha", "s", "beta")

    def fit(self, summary: pd.DataFrame) -> Self:
        """Estimate r, alpha, s, beta by maximum likelihood.

        Args:
            summary: One row per customer with ``frequency`` (repeat purchases x),
                ``recency`` (time of the last repeat purchase t_x, 0 if none) and ``T`` (time
                since the first purchase). Other columns are ignored.

        Returns:
            The fitted model.

        Raises:
            DataError: If a column is missing or holds invalid values.
        """
        self.rfm_ = validate_rfm(summary, "summary")
        values, weights = compress(self.rfm_, ["frequency", "recency", "T"])
        x, t_x, big_t = values.T

        def negative_log_likelihood(params: np.ndarray) -> float:
            return -float(np.sum(weights * _log_likelihood(params, x, t_x, big_t)))

        self._store_fit(maximize_likelihood(negative_log_likelihood, _STARTS, "ParetoNBD"))
        return self

    def _rfm(self, summary: pd.DataFrame | None, method: str) -> pd.DataFrame:
        self._require_fitted(method)
        return self.rfm_ if summary is None else validate_rfm(summary, "summary")

    def _alive(self, rfm: pd.DataFrame) -> np.ndarray:
        params = np.array([self.params_[k] for k in self._param_names])
        x, t_x, big_t = (rfm[c].to_numpy() for c in ("frequency", "recency", "T"))
        alive, dropped = _log_terms(params, x, t_x, big_t)
        return expit(alive - dropped)

    def probability_alive(self, summary: pd.DataFrame | None = None) -> pd.Series:
        """Probability that each customer is still active at the end of observation.

        ``P(alive) = alive / (alive + dropped)`` with the two likelihood terms above: the
        share of the likelihood that comes from "never dropped out" (Fader & Hardie 2005,
        note 009). Unlike the BG/NBD model, customers without repeat purchases can be dead.

        Args:
            summary: Customers to score (frequency, recency, T); defaults to the fitted data.

        Returns:
            Series ``probability_alive`` aligned with the summary's index.
        """
        rfm = self._rfm(summary, "probability_alive")
        return pd.Series(self._alive(rfm), index=rfm.index, name="probability_alive")

    def expected_purchases(self, t: float, summary: pd.DataFrame | None = None) -> pd.Series:
        """Expected number of purchases in the next ``t`` periods, given each customer's past.

        ``E[Y(t) | x, t_x, T] = (r+x)(beta+T) / ((alpha+T)(s-1))
        * [1 - ((beta+T)/(beta+T+t))^(s-1)] * P(alive)`` (Schmittlein, Morrison & Colombo
        1987; Fader & Hardie 2005, note 009); the bracket over ``s-1`` is evaluated so that
        it stays finite as ``s -> 1``.

        Args:
            t: Length of the future period (>= 0), in the summary's time unit.
            summary: Customers to score (frequency, recency, T); defaults to the fitted data.

        Returns:
            Series ``expected_purchases`` aligned with the summary's index.
        """
        rfm = self._rfm(summary, "expected_purchases")
        t = check_horizon(t)
        r, alpha, s, beta = (self.params_[k] for k in self._param_names)
        x, big_t = rfm["frequency"].to_numpy(), rfm["T"].to_numpy()
        horizon = _lifetime_integral(s, np.log1p(t / (beta + big_t)))
        expected = (r + x) * (beta + big_t) / (alpha + big_t) * horizon * self._alive(rfm)
        return pd.Series(expected, index=rfm.index, name="expected_purchases")

    def expected_purchases_new(self, t: float | np.ndarray) -> float | np.ndarray:
        """Expected purchases of a newly acquired customer in ``(0, t]``, ``E[X(t)]``.

        ``r beta / (alpha (s-1)) * [1 - (beta/(beta+t))^(s-1)]`` (Schmittlein, Morrison &
        Colombo 1987). Used to check the fit against cumulative sales.

        Args:
            t: Time(s) since acquisition, >= 0.
        """
        self._require_fitted("expected_purchases_new")
        t = check_times(t, "t", minimum=0.0)
        r, alpha, s, beta = (self.params_[k] for k in self._param_names)
        return like_input(r * beta / alpha * _lifetime_integral(s, np.log1p(t / beta)))


def _lifetime_integral(s: float, log_growth: np.ndarray) -> np.ndarray:
    """``[1 - exp(-(s-1) g)] / (s-1)``, computed as ``g * exprel(-(s-1) g)``.

    ``exprel(u) = (exp(u) - 1) / u`` is exact near ``u = 0``, so the value tends smoothly to
    its limit ``g`` as ``s -> 1`` instead of becoming 0/0.
    """
    return log_growth * exprel(-(s - 1) * log_growth)


def simulate_pareto_nbd(
    r: float,
    alpha: float,
    s: float,
    beta: float,
    T: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Simulate customers' frequency/recency under the Pareto/NBD model.

    Each customer draws ``lambda ~ Gamma(r, rate=alpha)``, ``mu ~ Gamma(s, rate=beta)`` and a
    lifetime ``tau ~ Exponential(mu)``. Over the active window ``w = min(tau, T)`` the number
    of purchases is ``x ~ Poisson(lambda w)``, and, the purchase times being uniform on
    ``(0, w]``, the last one is ``t_x = w * Beta(x, 1)``.

    Args:
        r: Gamma shape of purchase rates (> 0).
        alpha: Gamma rate of purchase rates (> 0).
        s: Gamma shape of drop-out rates (> 0).
        beta: Gamma rate of drop-out rates (> 0).
        T: Age of each customer at the end of observation (one entry per customer, > 0).
        rng: The random generator, e.g. ``np.random.default_rng(seed)``.

    Returns:
        DataFrame with ``frequency``, ``recency`` and ``T``, ready for :meth:`ParetoNBD.fit`.
    """
    for name, value in (("r", r), ("alpha", alpha), ("s", s), ("beta", beta)):
        if not value > 0:
            raise DataError(f"{name}: got {value}; it must be > 0")
    big_t = check_times(T, "T", minimum=0.0).ravel()
    n = big_t.size
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    mu = rng.gamma(s, 1.0 / beta, size=n)
    window = np.minimum(rng.exponential(1.0 / np.maximum(mu, np.finfo(float).tiny)), big_t)
    x = rng.poisson(lam * window)
    recency = np.zeros(n)
    has_repeat = x > 0
    recency[has_repeat] = window[has_repeat] * rng.beta(x[has_repeat], 1.0)
    return pd.DataFrame({"frequency": x, "recency": recency, "T": big_t})
