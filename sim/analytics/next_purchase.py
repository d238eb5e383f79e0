"""When will each customer buy next? The rice merchant's rule of thumb.

The story is told of a young rice merchant (often of Wang Yung-ching, who began with a
rice shop in Chiayi, Taiwan) who noted how much rice each household bought and how long
it lasted, then delivered a new bag just before they would run out -- and kept the
customers his competitors waited for. Knowing each customer's usual time between
purchases turns a transaction log into a contact list: who is due now, who is late.

The model here is deliberately that simple: a customer's next purchase is expected one
typical inter-purchase interval after the last one. Purchase-timing models such as
Allenby, Leone & Jen (1999) refine the idea with heterogeneity and changing rates.

References:
    Allenby, G. M., Leone, R. P., & Jen, L. (1999). A dynamic model of purchase timing
    with application to direct marketing. *Journal of the American Statistical
    Association*, 94(446), 365-374.
"""

from typing import Literal

import pandas as pd

from sim.analytics.validation import require_columns, require_dates, require_fitted, require_frame
from sim.errors import DataError


class NextPurchase:
    """Predict each customer's next purchase date from their inter-purchase times.

    Purchases on the same calendar day count as one shopping trip. For a customer with
    at least two purchase days, the interval is the mean (or median, see
    ``statistic``) number of days between consecutive purchase days. A customer with a
    single purchase day has no interval of their own and gets the population's median
    interval: the median of all intervals observed across repeat customers, pooled.
    The predicted next purchase is ``last purchase + interval``.

    Args:
        statistic: ``"mean"`` or ``"median"`` of a customer's own intervals is used
            for the prediction (the median resists one unusually long gap).

    Attributes:
        customers_: One row per customer (index = customer id, sorted): purchases
            (distinct purchase days), first_purchase, last_purchase, mean_interval and
            median_interval (NaN for single-purchase customers), interval_days (the
            interval used), interval_source ("own" or "population") and
            predicted_next.
        population_interval_: Median of all pooled intervals, in days.
        last_date_: Latest purchase date in the data (the default ``as_of``).

    References:
        Allenby, G. M., Leone, R. P., & Jen, L. (1999). A dynamic model of purchase
        timing with application to direct marketing. *Journal of the American
        Statistical Association*, 94(446), 365-374.
    """

    def __init__(self, statistic: Literal["mean", "median"] = "mean"):
        self.statistic = statistic

    def fit(
        self,
        transactions: pd.DataFrame,
        *,
        customer_id: str = "customer_id",
        date: str = "date",
    ) -> "NextPurchase":
        """Learn each customer's purchase interval and predicted next purchase.

        Args:
            transactions: One row per transaction.
            customer_id: Name of the customer id column.
            date: Name of the transaction date column.

        Returns:
            self

        Raises:
            DataError: If the table is empty, a column is missing, customer ids or
                dates are missing, dates cannot be parsed, or no customer has two
                purchase days (so no interval can be learned).
            ValueError: If ``statistic`` is not "mean" or "median".
        """
        if self.statistic not in ("mean", "median"):
            raise ValueError(f"statistic must be 'mean' or 'median', got {self.statistic!r}")
        data = require_frame(transactions, "transactions")
        require_columns(data, [customer_id, date], "transactions")
        if data[customer_id].isna().any():
            raise DataError(f"transactions: column '{customer_id}' has missing customer ids")
        dates = require_dates(data, date, "transactions")
        days = (
            pd.DataFrame({"customer_id": data[customer_id], "day": dates.dt.normalize()})
            .drop_duplicates()
            .sort_values(["customer_id", "day"])
        )
        gaps = days.groupby("customer_id")["day"].diff().dt.total_seconds() / 86400.0
        if gaps.notna().sum() == 0:
            raise DataError(
                f"transactions: no customer has purchases on two different days in column "
                f"'{date}', so no inter-purchase interval can be learned"
            )
        intervals = gaps.dropna().groupby(days["customer_id"])
        population = float(gaps.median())

        grouped = days.groupby("customer_id")["day"]
        customers = pd.DataFrame(
            {
                "purchases": grouped.size(),
                "first_purchase": grouped.min(),
                "last_purchase": grouped.max(),
                "mean_interval": intervals.mean(),
                "median_interval": intervals.median(),
            }
        )
        own = customers[f"{self.statistic}_interval"]
        customers["interval_days"] = own.fillna(population)
        customers["interval_source"] = own.notna().map({True: "own", False: "population"})
        customers["predicted_next"] = customers["last_purchase"] + pd.to_timedelta(
            customers["interval_days"], unit="D"
        )
        customers.index.name = customer_id
        self.customers_ = customers
        self.population_interval_ = population
        self.last_date_ = customers["last_purchase"].max()
        return self

    def predict(self, as_of: str | pd.Timestamp | None = None) -> pd.DataFrame:
        """Predicted next purchase per customer and how overdue it is on ``as_of``.

        Args:
            as_of: Reference date; default the latest purchase date in the data.

        Returns:
            DataFrame indexed by customer id, sorted by predicted_next (earliest
            first), with columns last_purchase, purchases, interval_days,
            interval_source, predicted_next and days_overdue (``as_of`` minus
            predicted_next in days: positive = late, negative = not yet due).
        """
        require_fitted(self, "customers_", "predict")
        reference = self.last_date_ if as_of is None else pd.Timestamp(as_of)
        table = self.customers_[
            ["last_purchase", "purchases", "interval_days", "interval_source", "predicted_next"]
        ].copy()
        table["days_overdue"] = (reference - table["predicted_next"]).dt.total_seconds() / 86400.0
        return table.sort_values("predicted_next", kind="stable")

    def due(self, as_of: str | pd.Timestamp | None = None, within_days: float = 7) -> pd.DataFrame:
        """Customers to contact now: overdue or due within ``within_days`` of ``as_of``.

        Args:
            as_of: Reference date; default the latest purchase date in the data.
            within_days: Look-ahead window in days (>= 0).

        Returns:
            The rows of :meth:`predict` with predicted_next on or before
            ``as_of + within_days``, most overdue first.

        Raises:
            ValueError: If ``within_days`` is negative.
        """
        if within_days < 0:
            raise ValueError(f"within_days must be >= 0, got {within_days!r}")
        table = self.predict(as_of)
        return table[table["days_overdue"] >= -within_days]
