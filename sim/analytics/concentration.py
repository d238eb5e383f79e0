"""How concentrated is revenue or profit across customers? Lorenz curve, Gini, top share.

The "80/20 rule" of CRM says a small fraction of customers brings most of the value.
The Lorenz curve shows the whole picture (the share of value held by the poorest x% of
customers), the Gini coefficient condenses it into one number and the top share answers
the 80/20 question directly.

Definitions used throughout, for ``n`` non-negative values ``x`` with mean ``mu``:

* Lorenz curve: points ``(i / n, sum of the i smallest values / total)`` for
  ``i = 0..n``, joined by straight lines.
* Gini coefficient: ``G = sum_i sum_j |x_i - x_j| / (2 n^2 mu)``, the mean absolute
  difference between two customers relative to twice the mean. It equals one minus
  twice the area under the Lorenz curve: 0 when every customer is worth the same and
  ``(n - 1) / n`` when one customer holds everything. No small-sample correction
  ``n / (n - 1)`` is applied.
* Top share: the share of the total held by the top fraction ``t`` of customers,
  ``1 - L(1 - t)`` read off the Lorenz curve, so a fractional customer counts in
  proportion when ``t * n`` is not a whole number.

Negative values (loss-making customers) break these definitions: the Lorenz curve
dips below zero and the Gini can exceed 1. By default they raise a DataError;
``negative="clip"`` sets them to 0, which measures how concentrated the *positive*
contributions are. To study losses themselves use
:class:`sim.analytics.pyramid.CustomerPyramid`.

References:
    Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
    *Publications of the American Statistical Association*, 9(70), 209-219.
    Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Tipografia di Paolo Cuppini.
"""

from collections.abc import Iterable
from typing import Literal

import numpy as np
import pandas as pd

from sim.analytics.validation import require_columns, require_fitted, require_frame, require_numeric
from sim.errors import DataError

Negative = Literal["raise", "clip"]


def _prepare(values: Iterable[float], negative: Negative, name: str) -> np.ndarray:
    """Return ``values`` as a sorted float array with a positive total, or raise."""
    if negative not in ("raise", "clip"):
        raise ValueError(f"negative must be 'raise' or 'clip', got {negative!r}")
    try:
        array = np.asarray(list(values), dtype=float)
    except (TypeError, ValueError) as exc:
        raise DataError(f"{name}: values must be numbers ({exc})") from None
    if array.size == 0:
        raise DataError(f"{name}: no values; at least one is needed")
    if np.isnan(array).any():
        raise DataError(f"{name}: {int(np.isnan(array).sum())} missing value(s)")
    if (array < 0).any():
        if negative == "raise":
            raise DataError(
                f"{name}: {int((array < 0).sum())} negative value(s) (first: "
                f"{array[array < 0][0]}); concentration needs values >= 0, or pass "
                "negative='clip' to count them as 0"
            )
        array = np.clip(array, 0, None)
    if array.sum() <= 0:
        raise DataError(f"{name}: the values sum to 0, so their shares are undefined")
    return np.sort(array)


def lorenz_curve(values: Iterable[float], negative: Negative = "raise") -> pd.DataFrame:
    """Lorenz curve of per-customer values.

    Args:
        values: One value per customer (e.g. revenue or profit).
        negative: ``"raise"`` (default) or ``"clip"`` negative values to 0.

    Returns:
        DataFrame with ``n + 1`` rows and columns customer_share (0 to 1) and
        value_share (share of the total held by the lowest customer_share of
        customers, 0 to 1).

    Raises:
        DataError: If there are no values, missing or (with ``"raise"``) negative
            values, or the total is 0.

    References:
        Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
        *Publications of the American Statistical Association*, 9(70), 209-219.
    """
    array = _prepare(values, negative, "values")
    n = array.size
    cumulative = np.concatenate([[0.0], np.cumsum(array)])
    return pd.DataFrame(
        {"customer_share": np.arange(n + 1) / n, "value_share": cumulative / cumulative[-1]}
    )


def gini(values: Iterable[float], negative: Negative = "raise") -> float:
    """Gini coefficient of per-customer values (0 = equal, near 1 = concentrated).

    Computed as ``2 * sum_i i * x_(i) / (n * sum x) - (n + 1) / n`` over the values
    sorted ascending (``i = 1..n``), which equals the mean-absolute-difference
    definition in the module docstring.

    Args:
        values: One value per customer.
        negative: ``"raise"`` (default) or ``"clip"`` negative values to 0.

    Returns:
        The Gini coefficient in ``[0, (n - 1) / n]``.

    Raises:
        DataError: As for :func:`lorenz_curve`.

    References:
        Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Tipografia di Paolo
        Cuppini.
    """
    array = _prepare(values, negative, "values")
    n = array.size
    ranks = np.arange(1, n + 1)
    return float(2 * np.sum(ranks * array) / (n * array.sum()) - (n + 1) / n)


def top_share(values: Iterable[float], top: float = 0.2, negative: Negative = "raise") -> float:
    """Share of the total held by the top ``top`` fraction of customers (the 80/20 rule).

    Args:
        values: One value per customer.
        top: Fraction of customers at the top, in [0, 1].
        negative: ``"raise"`` (default) or ``"clip"`` negative values to 0.

    Returns:
        ``1 - L(1 - top)`` with ``L`` the Lorenz curve interpolated linearly.

    Raises:
        DataError: As for :func:`lorenz_curve`.
        ValueError: If ``top`` is outside [0, 1].
    """
    if not 0 <= top <= 1:
        raise ValueError(f"top must be a fraction in [0, 1], got {top!r}")
    curve = lorenz_curve(values, negative)
    return float(1 - np.interp(1 - top, curve["customer_share"], curve["value_share"]))


class Concentration:
    """Concentration of a value (revenue, profit...) over customers.

    Sums the value per customer, then reports the Lorenz curve, the Gini coefficient and
    the share of the top 20% of customers, as defined in the module docstring.

    Args:
        negative: What to do with customers whose total is negative: ``"raise"``
            (default) or ``"clip"`` them to 0.

    Attributes:
        totals_: Total value per customer (index = customer id, sorted).
        lorenz_: Lorenz curve DataFrame (customer_share, value_share).
        gini_: Gini coefficient of ``totals_``.
        top_20_share_: Share of the total held by the top 20% of customers.

    References:
        Lorenz, M. O. (1905). Methods of measuring the concentration of wealth.
        *Publications of the American Statistical Association*, 9(70), 209-219.
        Gini, C. (1912). *Variabilità e mutabilità*. Bologna: Tipografia di Paolo
        Cuppini.
    """

    def __init__(self, negative: Negative = "raise"):
        self.negative = negative

    def fit(
        self, data: pd.DataFrame, customer_id: str = "customer_id", value: str = "amount"
    ) -> "Concentration":
        """Sum ``value`` per customer and measure its concentration.

        Args:
            data: Per-customer or per-row table (e.g. transactions, customer_months).
            customer_id: Name of the customer id column.
            value: Name of the value column.

        Returns:
            self

        Raises:
            DataError: If the table is empty, a column is missing, the value is not
                numeric or has missing values, customer ids are missing, a customer
                total is negative (with ``negative="raise"``) or the total is 0.
        """
        frame = require_frame(data, "data")
        require_columns(frame, [customer_id, value], "data")
        require_numeric(frame, value, "data")
        if frame[customer_id].isna().any():
            raise DataError(f"data: column '{customer_id}' has missing customer ids")
        totals = frame.groupby(customer_id, sort=True)[value].sum()
        prepared = _prepare(totals, self.negative, f"data: customer totals of column '{value}'")
        self.totals_ = totals
        self.lorenz_ = lorenz_curve(prepared)
        self.gini_ = gini(prepared)
        self.top_20_share_ = top_share(prepared, 0.2)
        return self

    def top_share(self, top: float = 0.2) -> float:
        """Share of the total held by the top ``top`` fraction of fitted customers."""
        require_fitted(self, "totals_", "top_share")
        return top_share(self.totals_, top, self.negative)

    def summary(self) -> pd.Series:
        """Customers, total, Gini and top-20% share in one Series."""
        require_fitted(self, "totals_", "summary")
        return pd.Series(
            {
                "customers": float(len(self.totals_)),
                "total": float(self.totals_.sum()),
                "gini": self.gini_,
                "top_20_share": self.top_20_share_,
            },
            name="concentration",
        )
