"""RFM analysis: score customers on Recency, Frequency and Monetary value.

RFM is the oldest working tool of database marketing: customers who bought recently,
buy often and spend a lot are the most likely to respond and to be worth keeping.
The scores need nothing but a transaction log, which is why they remain the first
thing a firm computes about its customers (Hughes 1994; Fader, Hardie & Lee 2005).

References:
    Hughes, A. M. (1994). *Strategic Database Marketing*. Chicago: Probus.
    Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using iso-value
    curves for customer base analysis. *Journal of Marketing Research*, 42(4), 415-430.
    Marcus, C. (1998). A practical yet meaningful approach to customer segmentation.
    *Journal of Consumer Marketing*, 15(5), 494-504.
"""

from typing import Literal

import numpy as np
import pandas as pd

from sim.analytics.validation import (
    require_columns,
    require_dates,
    require_fitted,
    require_frame,
    require_non_negative,
)
from sim.errors import DataError

#: Named segments as (name, (R low, R high), (F low, F high)) on the 5-point scale.
#: The first matching rule wins; together the rules cover all 25 (R, F) cells.
SEGMENT_RULES: tuple[tuple[str, tuple[int, int], tuple[int, int]], ...] = (
    ("Champions", (4, 5), (4, 5)),
    ("Loyal", (3, 5), (3, 5)),
    ("New", (4, 5), (1, 1)),
    ("Potential loyalists", (3, 5), (1, 2)),
    ("Can't lose them", (1, 2), (5, 5)),
    ("At risk", (1, 2), (3, 4)),
    ("Hibernating", (2, 2), (1, 2)),
    ("Lost", (1, 1), (1, 2)),
)

#: The four cells of Marcus's (1998) customer value matrix, best first.
VALUE_CELLS: tuple[str, ...] = ("Best", "Frequent", "Spenders", "Uncertain")


def quantile_scores(values: pd.Series, bins: int, ascending: bool = True) -> pd.Series:
    """Score values 1..``bins`` by equal-count quantile groups, higher = better.

    Customers are ranked with ``rank(method="first")`` in the order of ``values``, so
    ties are broken by position and every customer gets one stable score. The score of
    rank ``r`` among ``n`` customers is ``ceil(bins * r / n)``: with 10 customers and 5
    bins, ranks 1-2 score 1, ranks 3-4 score 2 and so on.

    Args:
        values: One value per customer, already in the tie-breaking order.
        bins: Number of score levels (5 gives the usual quintiles).
        ascending: True if larger values are better (frequency, monetary); False if
            smaller values are better (recency).

    Returns:
        Integer scores aligned with ``values``.
    """
    rank = values.rank(method="first", ascending=ascending).astype(np.int64)
    n = len(values)
    return (bins * rank + n - 1) // n


def segment_names(r_score: pd.Series, f_score: pd.Series, bins: int = 5) -> pd.Series:
    """Name the segment of each (R, F) score pair by :data:`SEGMENT_RULES`.

    Scores on a scale of 1..``bins`` are first mapped onto the rules' 5-point scale.

    Returns:
        Series aligned with ``r_score`` holding an ordered Categorical whose categories
        follow :data:`SEGMENT_RULES` (Champions first).
    """
    r5 = (5 * r_score + bins - 1) // bins
    f5 = (5 * f_score + bins - 1) // bins
    names = [rule[0] for rule in SEGMENT_RULES]
    conditions = [
        r5.between(*r_range) & f5.between(*f_range) for _, r_range, f_range in SEGMENT_RULES
    ]
    labels = np.select(conditions, names, default="")
    return pd.Series(
        pd.Categorical(labels, categories=names, ordered=True),
        index=r_score.index,
        name="segment",
    )


class RFM:
    """Recency-Frequency-Monetary scores, named segments and the customer value matrix.

    Recency is the number of whole days from a customer's last purchase to ``as_of``;
    frequency is the number of transactions (rows of the transaction table); monetary
    is the customer's total spend (``monetary="total"``) or mean spend per transaction
    (``monetary="mean"``). Each is scored 1..``bins`` by quantiles with
    :func:`quantile_scores` so that 5 is always best (most recent, most frequent,
    highest spend). Ties are broken by customer id order, which keeps the scores stable
    from run to run at the cost of giving tied customers adjacent scores.

    Segments (:meth:`segments`) follow the rule table :data:`SEGMENT_RULES` on the R and
    F scores (first match wins); M enters through :meth:`value_matrix` and the RFM cell
    code. With ``bins`` other than 5, scores are mapped onto the 5-point scale by
    ``ceil(5 * score / bins)`` before the rules apply.

    ==================== ========= =========
    Segment              R         F
    ==================== ========= =========
    Champions            4-5       4-5
    Loyal                3-5       3-5
    New                  4-5       1
    Potential loyalists  3-5       1-2
    Can't lose them      1-2       5
    At risk              1-2       3-4
    Hibernating          2         1-2
    Lost                 1         1-2
    ==================== ========= =========

    Because quantile scores force equal group sizes, when many customers bought only
    once some of them receive F = 2; read the segments as relative positions in this
    customer base, not as absolute behaviour.

    Args:
        bins: Number of score levels per dimension (at least 2).
        monetary: ``"total"`` spend per customer or ``"mean"`` spend per transaction.

    Attributes:
        scores_: One row per customer (index = customer id, sorted) with columns
            recency, frequency, monetary, revenue (total spend), r_score, f_score,
            m_score, rfm_cell (e.g. ``"545"``) and rfm_score (R + F + M).
        as_of_: The date recency was measured against.

    References:
        Hughes, A. M. (1994). *Strategic Database Marketing*. Chicago: Probus.
        Fader, P. S., Hardie, B. G. S., & Lee, K. L. (2005). RFM and CLV: Using
        iso-value curves for customer base analysis. *Journal of Marketing Research*,
        42(4), 415-430.
        Marcus, C. (1998). A practical yet meaningful approach to customer
        segmentation. *Journal of Consumer Marketing*, 15(5), 494-504.
    """

    def __init__(self, bins: int = 5, monetary: Literal["total", "mean"] = "total"):
        self.bins = bins
        self.monetary = monetary

    def fit(
        self,
        transactions: pd.DataFrame,
        as_of: str | pd.Timestamp | None = None,
        *,
        customer_id: str = "customer_id",
        date: str = "date",
        amount: str = "amount",
    ) -> "RFM":
        """Compute recency, frequency and monetary value and their scores per customer.

        Args:
            transactions: One row per transaction.
            as_of: Date recency is measured against; default the latest transaction
                date. Transactions after ``as_of`` are ignored, so the scores are those
                the firm could have computed on that date.
            customer_id: Name of the customer id column.
            date: Name of the transaction date column.
            amount: Name of the revenue column (must be >= 0).

        Returns:
            self

        Raises:
            DataError: If the table is empty, a column is missing, amounts are
                negative or missing, dates cannot be parsed, or no transaction falls on
                or before ``as_of``.
            ValueError: If ``bins`` or ``monetary`` is invalid.
        """
        if not isinstance(self.bins, int | np.integer) or self.bins < 2:
            raise ValueError(f"bins must be an integer >= 2, got {self.bins!r}")
        if self.monetary not in ("total", "mean"):
            raise ValueError(f"monetary must be 'total' or 'mean', got {self.monetary!r}")
        data = require_frame(transactions, "transactions")
        require_columns(data, [customer_id, date, amount], "transactions")
        require_non_negative(data, amount, "transactions")
        if data[customer_id].isna().any():
            raise DataError(f"transactions: column '{customer_id}' has missing customer ids")
        dates = require_dates(data, date, "transactions")
        as_of_ts = dates.max() if as_of is None else pd.Timestamp(as_of)
        keep = dates <= as_of_ts
        if not keep.any():
            raise DataError(
                f"transactions: no date in column '{date}' falls on or before as_of={as_of_ts}"
            )
        frame = pd.DataFrame(
            {"customer_id": data[customer_id], "date": dates, "amount": data[amount]}
        )[keep]
        grouped = frame.groupby("customer_id", sort=True)
        scores = pd.DataFrame(
            {
                "recency": (as_of_ts - grouped["date"].max()).dt.days,
                "frequency": grouped.size(),
                "revenue": grouped["amount"].sum(),
            }
        )
        scores["monetary"] = (
            scores["revenue"]
            if self.monetary == "total"
            else scores["revenue"] / scores["frequency"]
        )
        scores["r_score"] = quantile_scores(scores["recency"], self.bins, ascending=False)
        scores["f_score"] = quantile_scores(scores["frequency"], self.bins)
        scores["m_score"] = quantile_scores(scores["monetary"], self.bins)
        scores["rfm_cell"] = (
            scores["r_score"].astype(str)
            + scores["f_score"].astype(str)
            + scores["m_score"].astype(str)
        )
        scores["rfm_score"] = scores["r_score"] + scores["f_score"] + scores["m_score"]
        scores.index.name = customer_id
        self.scores_ = scores[
            [
                "recency",
                "frequency",
                "monetary",
                "revenue",
                "r_score",
                "f_score",
                "m_score",
                "rfm_cell",
                "rfm_score",
            ]
        ]
        self.as_of_ = as_of_ts
        return self

    def _require_fit(self, method: str) -> pd.DataFrame:
        require_fitted(self, "scores_", method)
        return self.scores_

    def segments(self) -> pd.Series:
        """Name each customer's segment from the R and F scores.

        Returns:
            Series indexed by customer id holding an ordered Categorical whose
            categories follow :data:`SEGMENT_RULES` (Champions first).
        """
        scores = self._require_fit("segments")
        return segment_names(scores["r_score"], scores["f_score"], self.bins)

    def summary(self) -> pd.DataFrame:
        """Describe each segment: size, mean R/F/M and revenue.

        Returns:
            DataFrame indexed by segment (all segments, empty ones with 0 customers)
            with columns customers, share_customers, recency, frequency, monetary
            (segment means), revenue and share_revenue.
        """
        scores = self._require_fit("summary")
        grouped = scores.groupby(self.segments(), observed=False)
        table = pd.DataFrame(
            {
                "customers": grouped.size(),
                "share_customers": grouped.size() / len(scores),
                "recency": grouped["recency"].mean(),
                "frequency": grouped["frequency"].mean(),
                "monetary": grouped["monetary"].mean(),
                "revenue": grouped["revenue"].sum(),
            }
        )
        total = scores["revenue"].sum()
        table["share_revenue"] = table["revenue"] / total if total > 0 else np.nan
        return table

    def value_matrix(self, split: Literal["mean", "median"] = "mean") -> pd.DataFrame:
        """Marcus's (1998) customer value matrix: frequency x average purchase amount.

        Each customer is "high" on a dimension if strictly above the customer-base
        average (Marcus's cut-off; ``split="median"`` uses the median instead):

        * Best: high frequency, high average purchase -- keep and reward.
        * Frequent: high frequency, low average purchase -- sell up.
        * Spenders: low frequency, high average purchase -- bring back more often.
        * Uncertain: low on both -- serve at low cost or let go.

        Args:
            split: ``"mean"`` or ``"median"`` as the high/low cut-off.

        Returns:
            DataFrame indexed by cell (Best, Frequent, Spenders, Uncertain) with columns
            frequency and avg_spend ("high"/"low"), customers, share_customers, revenue
            and share_revenue.

        Raises:
            ValueError: If ``split`` is not "mean" or "median".
        """
        scores = self._require_fit("value_matrix")
        if split not in ("mean", "median"):
            raise ValueError(f"split must be 'mean' or 'median', got {split!r}")
        avg_spend = scores["revenue"] / scores["frequency"]
        high_f = scores["frequency"] > scores["frequency"].agg(split)
        high_s = avg_spend > avg_spend.agg(split)
        cell = np.select(
            [high_f & high_s, high_f & ~high_s, ~high_f & high_s],
            ["Best", "Frequent", "Spenders"],
            default="Uncertain",
        )
        grouped = scores["revenue"].groupby(
            pd.Categorical(cell, categories=VALUE_CELLS), observed=False
        )
        total = scores["revenue"].sum()
        table = pd.DataFrame(
            {
                "frequency": ["high", "high", "low", "low"],
                "avg_spend": ["high", "low", "high", "low"],
                "customers": grouped.size().to_numpy(),
                "share_customers": grouped.size().to_numpy() / len(scores),
                "revenue": grouped.sum().to_numpy(),
            },
            index=pd.Index(VALUE_CELLS, name="cell"),
        )
        table["share_revenue"] = table["revenue"] / total if total > 0 else np.nan
        return table
