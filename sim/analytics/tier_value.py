"""Lifetime value of the current customers, by customer pyramid tier.

The pyramid (Zeithaml, Rust & Lemon 2001) ranks customers by the profit they have
brought; lifetime value looks forward. Putting the two together shows a class why the
top tiers deserve the attention: a platinum customer is worth many lead customers not
only in the past but in the margin still to come. Each current customer's CLV is the
retention formula ``m r / (1 + d - r)`` (Gupta & Lehmann 2003) with ``m`` the customer's
own average monthly margin so far and ``r`` the firm's monthly retention rate, which is
how the simulation values its customer equity; the tier CLVs therefore add up to it.

References:
    Zeithaml, V. A., Rust, R. T., & Lemon, K. N. (2001). The customer pyramid: Creating
    and serving profitable customers. California Management Review, 43(4), 118-142.
    Gupta, S. & Lehmann, D. R. (2003). Customers as assets. Journal of Interactive
    Marketing 17(1), 9-24.
"""

import pandas as pd

from sim.analytics.pyramid import TIERS, CustomerPyramid
from sim.analytics.validation import require_columns, require_frame, require_numeric
from sim.economics import retention_clv
from sim.errors import DataError


def clv_by_tier(
    customer_months: pd.DataFrame,
    churn_events: pd.DataFrame,
    retention: float,
    monthly_discount_rate: float,
    shares: tuple[float, float] = (0.05, 0.15),
) -> pd.DataFrame:
    """CLV of the firm's current customers, summed and averaged by pyramid tier.

    Current customers are those served in the last month of ``customer_months`` who did
    not leave in that month. They are placed in tiers by their profit so far
    (``CustomerPyramid``); a customer's margin is profit before acquisition cost,
    averaged over the months served.

    Args:
        customer_months: one firm's rows of the ``customer_months`` table (customer_id,
            month, profit, acquisition_cost).
        churn_events: the same firm's rows of ``churn_events`` (customer_id, month).
        retention: the firm's monthly retention rate, in [0, 1].
        monthly_discount_rate: discount rate per month, >= 0.
        shares: customer shares of the platinum and gold tiers.

    Returns:
        DataFrame indexed by tier (platinum, gold, iron, lead) with customers,
        total_clv, mean_clv (NaN for an empty tier) and share_clv (of the total).

    Raises:
        DataError: if a table lacks a column, has no rows, or retention or the
            discount rate is out of range.
    """
    months = require_frame(customer_months, "customer_months")
    require_columns(
        months, ["customer_id", "month", "profit", "acquisition_cost"], "customer_months"
    )
    for column in ("profit", "acquisition_cost"):
        require_numeric(months, column, "customer_months")
    require_columns(churn_events, ["customer_id", "month"], "churn_events")
    if not 0.0 <= retention <= 1.0:
        raise DataError(f"retention = {retention!r}: allowed a monthly rate in [0, 1]")
    if not monthly_discount_rate >= 0.0 or (retention == 1.0 and monthly_discount_rate == 0.0):
        raise DataError(
            f"monthly_discount_rate = {monthly_discount_rate!r}: allowed >= 0, and > 0 when "
            "retention is 1 (else every CLV is infinite)"
        )
    last = months["month"].max()
    left = set(churn_events.loc[churn_events["month"] == last, "customer_id"])
    served = set(months.loc[months["month"] == last, "customer_id"])
    current = months[months["customer_id"].isin(served - left)]
    table = pd.DataFrame({"customers": 0, "total_clv": 0.0}, index=list(TIERS))
    if len(current):
        margin = current["profit"] + current["acquisition_cost"]
        clv = retention_clv(
            margin.groupby(current["customer_id"]).mean(), retention, monthly_discount_rate
        )
        tiers = CustomerPyramid(shares).fit(current).tiers_
        grouped = clv.groupby(tiers, observed=False)
        table["customers"] = grouped.size().reindex(list(TIERS)).astype(int)
        table["total_clv"] = grouped.sum().reindex(list(TIERS))
    table["mean_clv"] = table["total_clv"] / table["customers"].where(table["customers"] > 0)
    total = table["total_clv"].sum()
    table["share_clv"] = table["total_clv"] / total if total else float("nan")
    table.index = pd.Index(TIERS, name="tier")
    return table
