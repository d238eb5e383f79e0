"""Closed-form customer lifetime value: the retention formula and the NPV worksheet.

These are the back-of-the-envelope CLV tools of a CRM course, before any probability model:
a constant margin, a constant retention rate and a discount rate. They show why small gains
in retention are worth so much, and they are the baseline the probability models refine.

References:
    Gupta, S. & Lehmann, D. R. (2003). Customers as assets. Journal of Interactive
    Marketing, 17(1), 9-24. (The ``m r / (1 + d - r)`` margin multiple.)

    Reichheld, F. F. (1996). The Loyalty Effect. Harvard Business School Press. (The
    year-by-year worksheet of acquisition, yearly profit, referrals and retention.)
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim import economics
from sim.errors import DataError

_DEFAULT_YEARS = 5


def _as_array(value: object, name: str) -> np.ndarray:
    try:
        array = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise DataError(f"{name}: expected a number, got {value!r}") from None
    if not np.all(np.isfinite(array)):
        raise DataError(f"{name}: got {value!r}; it must be finite")
    return array


def _check_range(array: np.ndarray, name: str, low: float, high: float) -> None:
    bad = (array < low) | (array > high)
    if np.any(bad):
        raise DataError(f"{name}: got {array[bad].flat[0]}; allowed range is [{low}, {high}]")


def _check_whole(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise DataError(f"{name}: got {value!r}; it must be a whole number >= {minimum}")
    return int(value)


def retention_clv(
    margin: float | Sequence[float] | np.ndarray,
    retention: float | Sequence[float] | np.ndarray,
    discount_rate: float | Sequence[float] | np.ndarray,
    periods: int | None = None,
) -> float | np.ndarray:
    """CLV of a customer with constant margin and retention: ``sum_t m r^t / (1+d)^t``.

    This is :func:`sim.economics.retention_clv` (which the simulation uses for customer
    equity) with its inputs checked and an optional finite horizon; the infinite-horizon
    value is computed by that function, so the model and the analytics cannot drift apart.
    The margin ``m`` of period t is earned at its end, if the customer is still there (with
    probability ``r^t``), and discounted by ``(1+d)^t``. Over an infinite horizon the sum is
    ``m r / (1 + d - r)``; the acquisition period itself is not included. Arguments broadcast,
    so a whole grid of retention rates can be evaluated at once.

    Args:
        margin: Margin per period (any finite value).
        retention: Probability of staying each period, in [0, 1].
        discount_rate: Discount rate per period, >= 0.
        periods: Number of future periods (>= 1), or None for an infinite horizon.

    Returns:
        A float for scalar arguments, else an array.

    Raises:
        DataError: If an argument is out of range, or for an infinite horizon with
            retention 1 and discount rate 0 (the sum diverges).

    References:
        Gupta, S. & Lehmann, D. R. (2003). Customers as assets. Journal of Interactive
        Marketing, 17(1), 9-24.
    """
    m = _as_array(margin, "margin")
    r = _as_array(retention, "retention")
    d = _as_array(discount_rate, "discount_rate")
    _check_range(r, "retention", 0.0, 1.0)
    _check_range(d, "discount_rate", 0.0, np.inf)
    ratio = r / (1 + d)
    if periods is None:
        if np.any(ratio >= 1):
            raise DataError(
                "retention and discount_rate: retention 1 with discount_rate 0 gives an "
                "infinite CLV; pass a finite number of periods or a positive discount_rate"
            )
        value = economics.retention_clv(m, r, d)
    else:
        n = _check_whole(periods, "periods", 1)
        t = np.arange(1, n + 1).reshape((-1,) + (1,) * ratio.ndim)
        value = m * np.sum(ratio**t, axis=0)
    value = np.broadcast_to(value, np.broadcast_shapes(m.shape, r.shape, d.shape))
    return float(value) if value.ndim == 0 else np.array(value)


def npv_worksheet(
    acquisition_revenue: float,
    acquisition_cost: float,
    yearly_revenue: float | Sequence[float],
    yearly_cost: float | Sequence[float],
    retention: float,
    discount_rate: float,
    referral_value: float | Sequence[float] = 0.0,
    years: int | None = None,
) -> pd.DataFrame:
    """Year-by-year CLV worksheet for one acquired customer (Reichheld-style).

    Year 0 is the acquisition: its revenue and cost are certain and not discounted. In year
    t >= 1 the customer is still there with probability ``retention^t``, so the expected
    revenue, cost and referral value are the per-customer amounts times ``retention^t``, and
    the margin is discounted by ``(1 + discount_rate)^-t``. Per-customer amounts can change
    with tenure (Reichheld's point: loyal customers spend more, cost less to serve and refer
    others), so yearly revenue, cost and referral value may be given per year.

    With constant amounts, the last cumulative NPV equals
    ``acquisition_revenue - acquisition_cost + retention_clv(yearly margin, retention,
    discount_rate, years)``.

    Args:
        acquisition_revenue: Revenue in the acquisition year.
        acquisition_cost: Cost of acquiring and serving the customer in that year.
        yearly_revenue: Revenue per retained customer in years 1..years (one number, or one
            per year).
        yearly_cost: Cost per retained customer in years 1..years (one number, or one per
            year).
        retention: Probability of staying each year, in [0, 1].
        discount_rate: Yearly discount rate, >= 0.
        referral_value: Profit from referrals per retained customer (one number, or one per
            year).
        years: Number of years after acquisition (>= 1). Defaults to the length of the
            per-year sequences, or 5 if all amounts are single numbers.

    Returns:
        DataFrame with one row per year 0..years: ``year``, ``customers_remaining`` (expected
        share of the acquired customer still there), ``revenue``, ``cost``,
        ``referral_value``, ``margin``, ``discount_factor``, ``discounted_margin`` and
        ``cumulative_npv`` (all per acquired customer).

    Raises:
        DataError: If an argument is out of range, not finite, or a per-year sequence does
            not have ``years`` values.

    References:
        Reichheld, F. F. (1996). The Loyalty Effect. Harvard Business School Press.
    """
    scalars = {
        "acquisition_revenue": acquisition_revenue,
        "acquisition_cost": acquisition_cost,
        "retention": retention,
        "discount_rate": discount_rate,
    }
    for name, value in scalars.items():
        if _as_array(value, name).ndim != 0:
            raise DataError(f"{name}: got {value!r}; it must be a single number")
    _check_range(np.asarray(float(retention)), "retention", 0.0, 1.0)
    _check_range(np.asarray(float(discount_rate)), "discount_rate", 0.0, np.inf)
    per_year = {
        "yearly_revenue": _as_array(yearly_revenue, "yearly_revenue"),
        "yearly_cost": _as_array(yearly_cost, "yearly_cost"),
        "referral_value": _as_array(referral_value, "referral_value"),
    }
    lengths = {name: a.size for name, a in per_year.items() if a.ndim > 0}
    if years is None:
        years = next(iter(lengths.values()), _DEFAULT_YEARS)
    n = _check_whole(years, "years", 1)
    for name, size in lengths.items():
        if per_year[name].ndim > 1 or size != n:
            raise DataError(
                f"{name}: got {size} per-year values; give one number or exactly {n} "
                "(years 1..years)"
            )
    year = np.arange(n + 1)
    remaining = float(retention) ** year
    revenue = np.concatenate(
        [[acquisition_revenue], np.broadcast_to(per_year["yearly_revenue"], n)]
    )
    cost = np.concatenate([[acquisition_cost], np.broadcast_to(per_year["yearly_cost"], n)])
    referral = np.concatenate([[0.0], np.broadcast_to(per_year["referral_value"], n)])
    revenue, cost, referral = (remaining * v for v in (revenue, cost, referral))
    margin = revenue - cost + referral
    discount = (1 + float(discount_rate)) ** -year
    return pd.DataFrame(
        {
            "year": year,
            "customers_remaining": remaining,
            "revenue": revenue,
            "cost": cost,
            "referral_value": referral,
            "margin": margin,
            "discount_factor": discount,
            "discounted_margin": margin * discount,
            "cumulative_npv": np.cumsum(margin * discount),
        }
    )
