"""The Gamma-Gamma model of spend per transaction, and CLV from it.

The BG/NBD and Pareto/NBD models predict *how many* purchases a customer will make; CLV also
needs *how much* each is worth. A customer's observed average spend is a noisy measure of
their true mean spend, the more so the fewer transactions it rests on. The Gamma-Gamma model
shrinks it towards the population mean accordingly:

* a customer's transaction values are ``Gamma(p, nu)``, so their mean spend is ``p / nu``;
* ``nu ~ Gamma(q, gamma)`` across customers.

The model assumes spend is independent of purchase frequency; check that the correlation
between ``frequency`` and ``monetary_value`` is small before relying on it.

References:
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value curves
    for customer base analysis. Journal of Marketing Research, 42(4), 415-430.

    Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
    (Technical note, brucehardie.com.)
"""

from typing import Protocol, Self

import numpy as np
import pandas as pd
from scipy.special import gammaln

from sim.analytics.clv._base import FittedModel, maximize_likelihood, validate_rfm
from sim.analytics.validation import require_columns, require_frame, require_non_negative
from sim.errors import DataError

_STARTS = ((1.0, 1.0, 1.0), (5.0, 3.0, 10.0))


class TransactionModel(Protocol):
    """A fitted purchase-count model, such as BetaGeoNBD or ParetoNBD."""

    def expected_purchases(self, t: float, summary: pd.DataFrame | None = None) -> pd.Series:
        """Conditional expected purchases in the next ``t`` periods, per customer."""
        ...


def _spend_table(summary: object, name: str) -> pd.DataFrame:
    """Validate ``frequency`` and ``monetary_value`` and return them as floats."""
    data = require_frame(summary, name)
    require_columns(data, ["frequency", "monetary_value"], name)
    for column in ("frequency", "monetary_value"):
        require_non_negative(data, column, name)
    table = data[["frequency", "monetary_value"]].astype(float)
    no_spend = (table["frequency"] > 0) & (table["monetary_value"] <= 0)
    if no_spend.any():
        first = data.index[no_spend.to_numpy()][0]
        raise DataError(
            f"{name}: column 'monetary_value' must be > 0 for customers with frequency > 0; "
            f"{int(no_spend.sum())} row(s) are 0 (first at index {first!r})"
        )
    return table


class GammaGamma(FittedModel):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005).

    Only customers with at least one repeat purchase (``frequency > 0``) are used for fitting:
    ``monetary_value`` is the mean spend over *repeat* transactions, so it is undefined (0 by
    convention) for the others. They still get a prediction: the population mean spend.

    Attributes:
        params_: ``{"p", "q", "gamma"}``: shape of transaction values, and shape and rate of
            their scale across customers. The population mean spend is
            ``p * gamma / (q - 1)`` (finite if q > 1).
        std_errors_: Standard errors of ``params_`` (numerical Hessian).
        log_likelihood_: Maximised log-likelihood.
        converged_: Whether the optimiser reported convergence.
        n_customers_: Number of customers used (those with frequency > 0).

    References:
        Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). RFM and CLV: using iso-value
        curves for customer base analysis. Journal of Marketing Research, 42(4), 415-430.

        Fader, P. S. & Hardie, B. G. S. (2013). The Gamma-Gamma model of monetary value.
        (Technical note, brucehardie.com.)
    """

    _param_names = ("p", "q", "gamma")

    def fit(self, summary: pd.DataFrame) -> Self:
        """Estimate p, q, gamma by maximum likelihood on customers with repeat purchases.

        The density of a customer's mean spend ``m`` over ``x`` transactions is
        ``Gamma(px+q) / (Gamma(px) Gamma(q)) * gamma^q m^(px-1) x^(px) / (gamma + x m)^(px+q)``.

        Args:
            summary: One row per customer with ``frequency`` (repeat purchases) and
                ``monetary_value`` (mean spend per repeat purchase). Rows with frequency 0
                are excluded from the fit.

        Returns:
            The fitted model.

        Raises:
            DataError: On missing columns, negative values, a zero ``monetary_value`` with
                ``frequency > 0``, or fewer than two customers with repeat purchases.
        """
        table = _spend_table(summary, "summary")
        buyers = table[table["frequency"] > 0]
        if len(buyers) < 2:
            raise DataError(
                f"summary: column 'frequency' is > 0 for {len(buyers)} customer(s); at least "
                "two customers with repeat purchases are needed"
            )
        x = buyers["frequency"].to_numpy()
        m = buyers["monetary_value"].to_numpy()

        def negative_log_likelihood(params: np.ndarray) -> float:
            p, q, gamma = params
            px = p * x
            ll = (
                gammaln(px + q)
                - gammaln(px)
                - gammaln(q)
                + q * np.log(gamma)
                + (px - 1) * np.log(m)
                + px * np.log(x)
                - (px + q) * np.log(gamma + x * m)
            )
            return -float(ll.sum())

        self._store_fit(maximize_likelihood(negative_log_likelihood, _STARTS, "GammaGamma"))
        self.n_customers_ = len(buyers)
        return self

    def expected_spend(self, summary: pd.DataFrame) -> pd.Series:
        """Expected mean spend per transaction of each customer, given what they spent so far.

        ``E[M | p, q, gamma, m, x] = p (gamma + x m) / (p x + q - 1)``: a weighted average of
        the population mean ``p gamma / (q - 1)`` and the customer's own mean ``m``, with
        weight ``p x / (p x + q - 1)`` on the latter. Customers with frequency 0 get the
        population mean.

        Args:
            summary: One row per customer with ``frequency`` and ``monetary_value``.

        Returns:
            Series ``expected_spend`` aligned with the summary's index.

        Raises:
            NotFittedError: If the model is not fitted.
            DataError: On invalid input.
        """
        self._require_fitted("expected_spend")
        table = _spend_table(summary, "summary")
        p, q, gamma = (self.params_[k] for k in self._param_names)
        x, m = table["frequency"].to_numpy(), table["monetary_value"].to_numpy()
        spend = p * (gamma + x * m) / (p * x + q - 1)
        return pd.Series(spend, index=table.index, name="expected_spend")

    def clv(
        self,
        transaction_model: TransactionModel,
        summary: pd.DataFrame,
        periods: int,
        discount_rate: float,
        margin: float,
        period_length: float = 1.0,
    ) -> pd.Series:
        """Discounted expected profit of each customer over the next ``periods`` periods.

        ``CLV = margin * E[spend] * sum_{k=1..periods} (E[Y(k L)] - E[Y((k-1) L)])
        / (1 + discount_rate)^k`` where ``E[Y(t)]`` is the transaction model's conditional
        expected number of purchases in the next t time units and ``L = period_length``: the
        purchases expected in each period are discounted at the end of that period
        (the iso-value paper discounts continuously; this per-period form matches the CLV
        worksheets of a course).

        Args:
            transaction_model: A fitted BetaGeoNBD or ParetoNBD model.
            summary: One row per customer with ``frequency``, ``recency``, ``T`` and
                ``monetary_value``.
            periods: Number of discounting periods (>= 1).
            discount_rate: Discount rate per period (>= 0), e.g. 0.01 per month.
            margin: Share of spend that is profit, in (0, 1].
            period_length: Length of one discounting period in the transaction model's time
                unit, e.g. 52/12 to discount monthly with a model fitted in weeks.

        Returns:
            Series ``clv`` aligned with the summary's index.

        Raises:
            NotFittedError: If this model or ``transaction_model`` is not fitted.
            DataError: If an argument is out of range or the summary is invalid.
        """
        self._require_fitted("clv")
        if isinstance(periods, bool) or not isinstance(periods, int | np.integer) or periods < 1:
            raise DataError(f"periods: got {periods!r}; it must be a whole number >= 1")
        if not np.isfinite(discount_rate) or discount_rate < 0:
            raise DataError(f"discount_rate: got {discount_rate}; it must be >= 0")
        if not np.isfinite(margin) or not 0 < margin <= 1:
            raise DataError(f"margin: got {margin}; it must be in (0, 1]")
        if not np.isfinite(period_length) or period_length <= 0:
            raise DataError(f"period_length: got {period_length}; it must be > 0")
        rfm = validate_rfm(summary, "summary")
        spend = self.expected_spend(summary)
        cumulative = np.column_stack(
            [
                transaction_model.expected_purchases(k * period_length, rfm).to_numpy()
                for k in range(periods + 1)
            ]
        )
        discount = (1 + discount_rate) ** -np.arange(1, periods + 1)
        value = margin * spend.to_numpy() * (np.diff(cumulative, axis=1) @ discount)
        return pd.Series(value, index=rfm.index, name="clv")


def simulate_gamma_gamma(
    p: float, q: float, gamma: float, frequency: np.ndarray, rng: np.random.Generator
) -> pd.DataFrame:
    """Simulate each customer's mean spend under the Gamma-Gamma model.

    Each customer draws ``nu ~ Gamma(q, rate=gamma)``; the mean of ``x`` transaction values
    ``z ~ Gamma(p, rate=nu)`` is ``Gamma(p x, rate=x nu)``.

    Args:
        p: Shape of transaction values (> 0).
        q: Shape of ``nu`` across customers (> 0).
        gamma: Rate of ``nu`` across customers (> 0).
        frequency: Number of repeat transactions per customer (each >= 1).
        rng: The random generator, e.g. ``np.random.default_rng(seed)``.

    Returns:
        DataFrame with ``frequency`` and ``monetary_value``, ready for
        :meth:`GammaGamma.fit`.
    """
    for name, value in (("p", p), ("q", q), ("gamma", gamma)):
        if not value > 0:
            raise DataError(f"{name}: got {value}; it must be > 0")
    x = np.asarray(frequency, dtype=float).ravel()
    if x.size == 0 or np.any(~np.isfinite(x) | (x < 1)):
        raise DataError("frequency: every customer needs at least one transaction (>= 1)")
    nu = rng.gamma(q, 1.0 / gamma, size=x.size)
    spend = rng.gamma(p * x, 1.0 / (x * nu))
    return pd.DataFrame({"frequency": x, "monetary_value": spend})
