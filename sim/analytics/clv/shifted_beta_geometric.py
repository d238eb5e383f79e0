"""The shifted-beta-geometric (sBG) model of contractual retention.

In a contractual setting (subscriptions, memberships) we see when customers leave. Aggregate
retention rates nearly always *rise* with tenure. The sBG model explains this by heterogeneity,
not by customers becoming more loyal: each customer has a constant per-period churn
probability ``theta``, ``theta`` varies across customers as ``Beta(alpha, beta)``, and the
high-``theta`` customers leave first, so the survivors are increasingly the loyal ones.

With only a few periods of cohort counts, the two parameters give credible long-range
projections, where curve fitting (linear, exponential...) badly underestimates survival.

References:
    Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of
    Interactive Marketing, 21(1), 76-90.
"""

from collections.abc import Sequence
from typing import Self

import numpy as np
import pandas as pd
from scipy.special import betaln

from sim.analytics.clv._base import (
    FittedModel,
    check_times,
    like_input,
    maximize_likelihood,
)
from sim.errors import DataError

_STARTS = ((1.0, 1.0), (0.5, 3.0), (3.0, 0.5))


def _survivor_counts(survivors: object) -> np.ndarray:
    """Validate survivor counts and return them as a float array (position = period)."""
    name = "survivors"
    if isinstance(survivors, pd.DataFrame):
        if survivors.shape[1] != 1:
            raise DataError(
                f"{name}: expected one column of counts, got a DataFrame with "
                f"{survivors.shape[1]} columns; pass the column, e.g. df['active']"
            )
        survivors = survivors.iloc[:, 0]
    if isinstance(survivors, pd.Series) and not pd.api.types.is_numeric_dtype(survivors):
        raise DataError(f"{name}: counts must be numeric, got dtype {survivors.dtype}")
    try:
        counts = np.asarray(survivors, dtype=float).ravel()
    except (TypeError, ValueError):
        raise DataError(f"{name}: counts must be numbers, got {survivors!r}") from None
    if counts.size == 0:
        raise DataError(f"{name}: no counts given; pass the number still active per period")
    if counts.size < 2:
        raise DataError(
            f"{name}: got a single count; at least two periods (0 and 1) are needed to see churn"
        )
    if not np.all(np.isfinite(counts)):
        period = int(np.flatnonzero(~np.isfinite(counts))[0])
        raise DataError(f"{name}: count for period {period} is missing or not finite")
    if np.any(counts < 0):
        period = int(np.flatnonzero(counts < 0)[0])
        raise DataError(
            f"{name}: count for period {period} is {counts[period]}; counts must be >= 0"
        )
    if counts[0] <= 0:
        raise DataError(f"{name}: the first count (period 0) is {counts[0]}; it must be > 0")
    rises = np.flatnonzero(np.diff(counts) > 0)
    if rises.size:
        t = int(rises[0]) + 1
        raise DataError(
            f"{name}: counts must not increase (customers who left cannot come back); "
            f"period {t} has {counts[t]} after {counts[t - 1]} in period {t - 1}"
        )
    if counts[-1] == counts[0]:
        raise DataError(f"{name}: no churn in the data (all counts equal); nothing to estimate")
    return counts


def _log_churn_pmf(alpha: float, beta: float, t: np.ndarray) -> np.ndarray:
    """Log of P(T = t) = B(alpha+1, beta+t-1) / B(alpha, beta): churn in period t >= 1."""
    return betaln(alpha + 1, beta + t - 1) - betaln(alpha, beta)


def _log_survival(alpha: float, beta: float, t: np.ndarray) -> np.ndarray:
    """Log of S(t) = B(alpha, beta+t) / B(alpha, beta): still active after period t."""
    return betaln(alpha, beta + t) - betaln(alpha, beta)


class ShiftedBetaGeometric(FittedModel):
    """Shifted-beta-geometric model of a cohort's survival (Fader & Hardie 2007).

    Attributes:
        params_: ``{"alpha": ..., "beta": ...}`` of the beta distribution of churn
            probabilities across customers (its mean churn probability is
            ``alpha / (alpha + beta)``).
        std_errors_: Standard errors of ``params_`` (numerical Hessian).
        log_likelihood_: Maximised log-likelihood.
        converged_: Whether the optimiser reported convergence.
        survivors_: The counts used for fitting, indexed by period.

    Example:
        >>> model = ShiftedBetaGeometric().fit([1000, 631, 468, 382, 326, 289, 262, 241])
        >>> round(model.params_["alpha"], 3), round(model.params_["beta"], 3)
        (0.704, 1.182)

    References:
        Fader, P. S. & Hardie, B. G. S. (2007). How to project customer retention. Journal of
        Interactive Marketing, 21(1), 76-90.
    """

    _param_names = ("alpha", "beta")

    def fit(self, survivors: Sequence[float] | pd.Series | pd.DataFrame) -> Self:
        """Estimate alpha and beta by maximum likelihood from one cohort's survivor counts.

        Customers lost between periods t-1 and t contribute ``P(T = t)``; those still active at
        the last period contribute ``S(last)`` (they are right-censored).

        Args:
            survivors: Number still active at periods 0, 1, 2, ... (period 0 is the cohort size
                at acquisition). A sequence, a Series or a one-column DataFrame; positions, not
                index labels, give the periods.

        Returns:
            The fitted model.

        Raises:
            DataError: If the counts are empty, a single value, missing, negative, increasing,
                start at 0, or show no churn at all.
        """
        counts = _survivor_counts(survivors)
        churned = -np.diff(counts)
        periods = np.arange(1, counts.size)
        last = counts.size - 1

        def negative_log_likelihood(params: np.ndarray) -> float:
            alpha, beta = params
            lost = np.sum(churned * _log_churn_pmf(alpha, beta, periods))
            return -(lost + counts[-1] * _log_survival(alpha, beta, np.float64(last)))

        fit = maximize_likelihood(negative_log_likelihood, _STARTS, "ShiftedBetaGeometric")
        self._store_fit(fit)
        self.survivors_ = pd.Series(
            counts, index=pd.RangeIndex(counts.size, name="period"), name="survivors"
        )
        return self

    def survival(self, t: float | Sequence[float]) -> float | np.ndarray:
        """Share of the cohort still active after period t: ``B(alpha, beta+t) / B(alpha, beta)``.

        Args:
            t: Period(s), >= 0 (``survival(0) == 1``).

        Returns:
            A float for a scalar ``t``, else an array.
        """
        self._require_fitted("survival")
        t = check_times(t, "t", minimum=0.0)
        return like_input(np.exp(_log_survival(self.params_["alpha"], self.params_["beta"], t)))

    def retention_rate(self, t: float | Sequence[float]) -> float | np.ndarray:
        """Share of those active at t-1 who are still active at t.

        ``r(t) = (beta + t - 1) / (alpha + beta + t - 1)`` rises with t: the surviving cohort is
        increasingly made of low-churn customers (Fader & Hardie 2007).

        Args:
            t: Period(s), >= 1.
        """
        self._require_fitted("retention_rate")
        t = check_times(t, "t", minimum=1.0)
        alpha, beta = self.params_["alpha"], self.params_["beta"]
        return like_input((beta + t - 1) / (alpha + beta + t - 1))

    def churn_probability(self, t: float | Sequence[float]) -> float | np.ndarray:
        """Probability that a newly acquired customer churns exactly in period t, ``P(T = t)``.

        This is the unconditional probability for a member of the original cohort; the churn
        rate among those still active at t-1 is ``1 - retention_rate(t)``.

        Args:
            t: Period(s), >= 1.
        """
        self._require_fitted("churn_probability")
        t = check_times(t, "t", minimum=1.0)
        return like_input(np.exp(_log_churn_pmf(self.params_["alpha"], self.params_["beta"], t)))

    def project(self, periods: int | Sequence[int], cohort_size: float) -> pd.Series:
        """Expected number still active in each period, ``cohort_size * S(t)``.

        Args:
            periods: The last period to project (an int n gives periods 0..n) or an explicit
                sequence of periods.
            cohort_size: Number of customers acquired in period 0 (> 0).

        Returns:
            Series ``expected_survivors`` indexed by ``period``.
        """
        self._require_fitted("project")
        if not np.isfinite(cohort_size) or cohort_size <= 0:
            raise DataError(f"cohort_size: got {cohort_size}; it must be a number > 0")
        t = check_times(periods, "periods", minimum=0.0)
        if np.any(t != np.round(t)):
            raise DataError(f"periods: got {periods!r}; periods must be whole numbers")
        t = np.arange(int(t) + 1) if t.ndim == 0 else t.astype(int).ravel()
        expected = cohort_size * np.asarray(self.survival(t))
        return pd.Series(expected, index=pd.Index(t, name="period"), name="expected_survivors")


def simulate_survivors(
    alpha: float, beta: float, cohort_size: int, periods: int, rng: np.random.Generator
) -> pd.Series:
    """Simulate one cohort under the sBG model, for teaching and parameter-recovery checks.

    Each customer draws a churn probability ``theta ~ Beta(alpha, beta)`` and then a lifetime
    ``T ~ Geometric(theta)`` (churns in period T = 1, 2, ...); the count at period t is the
    number with ``T > t``.

    Args:
        alpha: Beta parameter (> 0).
        beta: Beta parameter (> 0).
        cohort_size: Number of customers acquired at period 0 (> 0).
        periods: Last period to report (>= 1).
        rng: The random generator, e.g. ``np.random.default_rng(seed)``.

    Returns:
        Series ``survivors`` indexed by ``period`` 0..periods, ready for
        :meth:`ShiftedBetaGeometric.fit`.
    """
    for name, value in (("alpha", alpha), ("beta", beta)):
        if not value > 0:
            raise DataError(f"{name}: got {value}; it must be > 0")
    if cohort_size < 1 or periods < 1:
        raise DataError(
            f"cohort_size and periods: got {cohort_size} and {periods}; both must be >= 1"
        )
    # A beta draw can underflow to 0 when alpha is small; such a customer never churns.
    theta = np.clip(rng.beta(alpha, beta, size=cohort_size), np.finfo(float).tiny, 1.0)
    lifetimes = np.sort(rng.geometric(theta))
    counts = cohort_size - np.searchsorted(lifetimes, np.arange(periods + 1), side="right")
    return pd.Series(counts, index=pd.RangeIndex(periods + 1, name="period"), name="survivors")
