"""The customer pyramid: tiers of customers by the profit they bring, not their revenue.

Zeithaml, Rust & Lemon (2001) argue that firms should serve customers differently
according to profitability: a few platinum customers earn most of the profit, gold
customers are profitable but less so, iron customers give the volume that fills
capacity, and lead customers cost more to serve than they bring in. Ranking by revenue
hides the lead tier, because heavy buyers can be the costliest to serve; the tiers here
are therefore cut on profit.

References:
    Zeithaml, V. A., Rust, R. T., & Lemon, K. N. (2001). The customer pyramid: Creating
    and serving profitable customers. *California Management Review*, 43(4), 118-142.
    Kaplan, R. S., & Cooper, R. (1998). *Cost & Effect: Using Integrated Cost Systems to
    Drive Profitability and Performance*. Boston: Harvard Business School Press.
"""

import math

import numpy as np
import pandas as pd

from sim.analytics.validation import require_columns, require_fitted, require_frame, require_numeric
from sim.errors import DataError

#: Tiers from the top of the pyramid down.
TIERS: tuple[str, ...] = ("platinum", "gold", "iron", "lead")


def _top_count(share: float, n: int) -> int:
    """Number of customers in the top ``share`` of ``n``, rounded half up."""
    return min(n, math.floor(share * n + 0.5 + 1e-9))


class CustomerPyramid:
    """Assign customers to platinum / gold / iron / lead tiers by profit.

    Customers are ranked by total profit, highest first (ties broken by customer id).
    With ``n`` customers and ``shares = (p, g)``:

    * lead: every customer with profit < 0, whatever the rank (they cost the firm
      money);
    * platinum: the first ``round(p * n)`` customers of the ranking, if profit > 0;
    * gold: the next customers up to ``round((p + g) * n)`` in total, if profit > 0;
    * iron: everyone else with profit >= 0 (profitable or break-even).

    Counts are rounded half up, so 5% of 10 customers gives one platinum customer.
    Profit shares in :meth:`summary` are shares of the firm's *net* profit; when lead
    customers lose money, the top tiers can earn more than 100% of it (the "whale
    curve" of Kaplan & Cooper 1998).

    The pyramid describes one firm; filter a multi-firm table to one firm first.

    Args:
        shares: Fractions of customers (platinum, gold), each in [0, 1] and summing to
            at most 1.

    Attributes:
        profit_: Total profit per customer (index = customer id, sorted).
        tiers_: Tier per customer, an ordered Categorical (lead < iron < gold <
            platinum) indexed like ``profit_``.

    References:
        Zeithaml, V. A., Rust, R. T., & Lemon, K. N. (2001). The customer pyramid:
        Creating and serving profitable customers. *California Management Review*,
        43(4), 118-142.
        Kaplan, R. S., & Cooper, R. (1998). *Cost & Effect*. Boston: Harvard Business
        School Press.
    """

    def __init__(self, shares: tuple[float, float] = (0.05, 0.15)):
        self.shares = shares

    def fit(
        self, data: pd.DataFrame, customer_id: str = "customer_id", profit: str = "profit"
    ) -> "CustomerPyramid":
        """Sum profit per customer and assign tiers.

        Args:
            data: Per-customer or per-row table (e.g. customer_months); rows of the
                same customer are summed.
            customer_id: Name of the customer id column.
            profit: Name of the profit column (may be negative).

        Returns:
            self

        Raises:
            DataError: If the table is empty, a column is missing, profit is not
                numeric or has missing values, or customer ids are missing.
            ValueError: If ``shares`` are not two fractions summing to at most 1.
        """
        if len(self.shares) != 2 or not all(0 <= s <= 1 for s in self.shares):
            raise ValueError(f"shares must be two fractions in [0, 1], got {self.shares!r}")
        if sum(self.shares) > 1:
            raise ValueError(f"shares must sum to at most 1, got {self.shares!r}")
        frame = require_frame(data, "data")
        require_columns(frame, [customer_id, profit], "data")
        require_numeric(frame, profit, "data")
        if frame[customer_id].isna().any():
            raise DataError(f"data: column '{customer_id}' has missing customer ids")

        totals = frame.groupby(customer_id, sort=True)[profit].sum().rename("profit")
        n = len(totals)
        n_platinum = _top_count(self.shares[0], n)
        n_top = _top_count(self.shares[0] + self.shares[1], n)
        order = np.argsort(-totals.to_numpy(), kind="stable")
        position = np.empty(n, dtype=np.int64)
        position[order] = np.arange(n)
        value = totals.to_numpy()
        labels = np.select(
            [value < 0, (position < n_platinum) & (value > 0), (position < n_top) & (value > 0)],
            ["lead", "platinum", "gold"],
            default="iron",
        )
        self.profit_ = totals
        self.tiers_ = pd.Series(
            pd.Categorical(labels, categories=TIERS[::-1], ordered=True),
            index=totals.index,
            name="tier",
        )
        return self

    def summary(self) -> pd.DataFrame:
        """Size and profit of each tier, top of the pyramid first.

        Returns:
            DataFrame indexed by tier (platinum, gold, iron, lead) with columns
            customers, share_customers, total_profit, share_profit (of net total
            profit; NaN if that is zero) and mean_profit (NaN for an empty tier).
        """
        require_fitted(self, "tiers_", "summary")
        grouped = self.profit_.groupby(self.tiers_, observed=False)
        table = pd.DataFrame(
            {
                "customers": grouped.size(),
                "share_customers": grouped.size() / len(self.profit_),
                "total_profit": grouped.sum(),
                "mean_profit": grouped.mean(),
            }
        ).reindex(list(TIERS))
        total = self.profit_.sum()
        table["share_profit"] = table["total_profit"] / total if total != 0 else np.nan
        table.index = pd.Index(TIERS, name="tier")
        return table[
            ["customers", "share_customers", "total_profit", "share_profit", "mean_profit"]
        ]
