"""The BG/NBD model of repeat buying in a non-contractual setting.

In non-contractual settings (retail, e-commerce) we never see a customer leave: a long silence
may mean "gone for good" or just "buys rarely". The BG/NBD model separates the two from each
customer's frequency ``x`` (repeat purchases), recency ``t_x`` (time of the last one) and
age ``T``:

* while active, a customer buys as a Poisson process with rate ``lambda``, and
  ``lambda ~ Gamma(r, alpha)`` across customers;
* after each repeat purchase the customer becomes inactive with probability ``p``, and
  ``p ~ Beta(a, b)`` across customers.

Only these three numbers per customer are needed ("sufficient statistics"), and the model
answers the CRM questions of who is still alive and how much each will buy.

References:
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
"""

from typing import Self

import numpy as np
import pandas as pd
from scipy.special import betaln, expit, gammaln, hyp2f1, logsumexp

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

_STARTS = ((1.0, 1.0, 1.0, 1.0), (0.5, 5.0, 0.5, 2.0))


def _log_likelihood(
    params: np.ndarray, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray
) -> np.ndarray:
    """Per-customer log-likelihood (Fader, Hardie & Lee 2005) in log-sum-exp form.

    ``L = B(a, b+x)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+T)^(r+x))
    + [x > 0] B(a+1, b+x-1)/B(a, b) * Gamma(r+x) alpha^r / (Gamma(r) (alpha+t_x)^(r+x))``.
    Computing each term's logarithm first avoids the overflow of ``Gamma(r+x)`` and the
    underflow of ``(alpha+T)^-(r+x)`` for frequent buyers.
    """
    r, alpha, a, b = params
    common = gammaln(r + x) - gammaln(r) + r * np.log(alpha) - betaln(a, b)
    still_active = betaln(a, b + x) - (r + x) * np.log(alpha + big_t)
    dropped = np.where(
        x > 0,
        betaln(a + 1, np.maximum(b + x - 1, 1e-300)) - (r + x) * np.log(alpha + t_x),
        -np.inf,
    )
    return common + logsumexp(np.stack([still_active, dropped]), axis=0)


class BetaGeoNBD(FittedModel):
    """BG/NBD model (Fader, Hardie & Lee 2005) fitted to a frequency/recency/T summary.

    Time is in whatever unit the summary uses (weeks for the CDNOW data); ``t`` arguments are
    in the same unit.

    Attributes:
        params_: ``{"r", "alpha", "a", "b"}``: gamma shape and rate of the purchase rates,
            and beta parameters of the drop-out probabilities.
        std_errors_: Standard errors of ``params_`` (numerical Hessian).
        log_likelihood_: Maximised log-likelihood.
        converged_: Whether the optimiser reported convergence.
        rfm_: The frequency/recency/T table used for fitting (default for predictions).

    References:
        Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
        way: an alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
    """

    _param_names = ("r", "alpha", "a", "b")

    def fit(self, summary: pd.DataFrame) -> Self:
        """Estimate r, alpha, a, b by maximum likelihood.

        Args:
            summary: One row per customer with ``frequency`` (number of repeat purchases x),
                ``recency`` (time of the last repeat purchase t_x, 0 if none) and ``T`` (time
                since the first purchase), e.g. from :func:`sim.analytics.summary_tables.
                rfm_summary`. Other columns are ignored.

        Returns:
            The fitted model.

        Raises:
            DataError: If a column is missing or holds invalid values (see
                ``validate_rfm``).
        """
        self.rfm_ = validate_rfm(summary, "summary")
        values, weights = compress(self.rfm_, ["frequency", "recency", "T"])
        x, t_x, big_t = values.T

        def negative_log_likelihood(params: np.ndarray) -> float:
            return -float(np.sum(weights * _log_likelihood(params, x, t_x, big_t)))

        self._store_fit(maximize_likelihood(negative_log_likelihood, _STARTS, "BetaGeoNBD"))
        return self

    def _rfm(self, summary: pd.DataFrame | None, method: str) -> pd.DataFrame:
        self._require_fitted(method)
        return self.rfm_ if summary is None else validate_rfm(summary, "summary")

    def expected_purchases(self, t: float, summary: pd.DataFrame | None = None) -> pd.Series:
        """Expected number of purchases in the next ``t`` periods, given each customer's past.

        Eq. (10) of Fader, Hardie & Lee (2005):
        ``E[Y(t) | x, t_x, T] = (a+b+x-1)/(a-1) * [1 - ((alpha+T)/(alpha+T+t))^(r+x)
        * 2F1(r+x, b+x; a+b+x-1; t/(alpha+T+t))] / (1 + [x>0] a/(b+x-1)
        * ((alpha+T)/(alpha+t_x))^(r+x))``, with the Gaussian hypergeometric function 2F1.

        Args:
            t: Length of the future period (>= 0), in the summary's time unit.
            summary: Customers to score (frequency, recency, T); defaults to the fitted data.

        Returns:
            Series ``expected_purchases`` aligned with the summary's index.
        """
        rfm = self._rfm(summary, "expected_purchases")
        t = check_horizon(t)
        r, alpha, a, b = (self.params_[k] for k in self._param_names)
        x, t_x, big_t = (rfm[c].to_numpy() for c in ("frequency", "recency", "T"))
        z = t / (alpha + big_t + t)
        log_ratio = (r + x) * (np.log(alpha + big_t) - np.log(alpha + big_t + t))
        numerator = 1 - np.exp(log_ratio) * hyp2f1(r + x, b + x, a + b + x - 1, z)
        expected = (a + b + x - 1) / (a - 1) * numerator * self._alive(x, t_x, big_t)
        return pd.Series(expected, index=rfm.index, name="expected_purchases")

    def expected_purchases_new(self, t: float | np.ndarray) -> float | np.ndarray:
        """Expected purchases of a newly acquired customer in ``(0, t]``, ``E[X(t)]``.

        Fader, Hardie & Lee (2005): ``(a+b-1)/(a-1) * [1 - (alpha/(alpha+t))^r
        * 2F1(r, b; a+b-1; t/(alpha+t))]``. Used to check the fit against cumulative sales.

        Args:
            t: Time(s) since acquisition, >= 0.
        """
        self._require_fitted("expected_purchases_new")
        t = check_times(t, "t", minimum=0.0)
        r, alpha, a, b = (self.params_[k] for k in self._param_names)
        ratio = (alpha / (alpha + t)) ** r
        value = (a + b - 1) / (a - 1) * (1 - ratio * hyp2f1(r, b, a + b - 1, t / (alpha + t)))
        return like_input(value)

    def probability_alive(self, summary: pd.DataFrame | None = None) -> pd.Series:
        """Probability that each customer is still active at the end of the observation period.

        ``P(alive | x, t_x, T) = 1 / (1 + [x>0] a/(b+x-1) * ((alpha+T)/(alpha+t_x))^(r+x))``
        (Fader, Hardie & Lee 2005). Customers without repeat purchases are alive with
        probability 1 in this model: dropping out is only possible after a repeat purchase.

        Args:
            summary: Customers to score (frequency, recency, T); defaults to the fitted data.

        Returns:
            Series ``probability_alive`` aligned with the summary's index.
        """
        rfm = self._rfm(summary, "probability_alive")
        x, t_x, big_t = (rfm[c].to_numpy() for c in ("frequency", "recency", "T"))
        return pd.Series(self._alive(x, t_x, big_t), index=rfm.index, name="probability_alive")

    def _alive(self, x: np.ndarray, t_x: np.ndarray, big_t: np.ndarray) -> np.ndarray:
        r, alpha, a, b = (self.params_[k] for k in self._param_names)
        with np.errstate(divide="ignore", invalid="ignore"):
            log_odds_dead = (
                np.log(a)
                - np.log(b + x - 1)
                + (r + x) * (np.log(alpha + big_t) - np.log(alpha + t_x))
            )
        return np.where(x > 0, expit(-log_odds_dead), 1.0)


def simulate_bg_nbd(
    r: float,
    alpha: float,
    a: float,
    b: float,
    T: np.ndarray,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Simulate customers' frequency/recency under the BG/NBD model.

    Each customer draws ``lambda ~ Gamma(r, rate=alpha)`` and ``p ~ Beta(a, b)``; the number
    of repeat purchases before dropping out is ``J ~ Geometric(p)``. Given ``N(T) ~
    Poisson(lambda T)`` purchases in ``(0, T]`` (if never dropping out), the observed
    frequency is ``x = min(N, J)``, and since the N purchase times are uniform order
    statistics, the time of the x-th one is ``T * Beta(x, N - x + 1)``.

    Args:
        r: Gamma shape (> 0).
        alpha: Gamma rate (> 0).
        a: Beta parameter (> 0).
        b: Beta parameter (> 0).
        T: Age of each customer at the end of observation (one entry per customer, > 0).
        rng: The random generator, e.g. ``np.random.default_rng(seed)``.

    Returns:
        DataFrame with ``frequency``, ``recency`` and ``T``, ready for
        :meth:`BetaGeoNBD.fit`.
    """
    for name, value in (("r", r), ("alpha", alpha), ("a", a), ("b", b)):
        if not value > 0:
            raise DataError(f"{name}: got {value}; it must be > 0")
    big_t = check_times(T, "T", minimum=0.0).ravel()
    n = big_t.size
    lam = rng.gamma(r, 1.0 / alpha, size=n)
    p = np.clip(rng.beta(a, b, size=n), np.finfo(float).tiny, 1.0)
    purchases = rng.poisson(lam * big_t)
    x = np.minimum(purchases, rng.geometric(p))
    has_repeat = x > 0
    recency = np.zeros(n)
    recency[has_repeat] = big_t[has_repeat] * rng.beta(
        x[has_repeat], purchases[has_repeat] - x[has_repeat] + 1
    )
    return pd.DataFrame({"frequency": x, "recency": recency, "T": big_t})
