"""Acquisition cohorts and the profit of a customer over the years of the relationship.

Customers acquired in the same period form a cohort; following each cohort over time
separates how many customers stay (retention) from what the survivors spend, which
totals over the whole base mix together. Reichheld & Sasser (1990) used the same
longitudinal view to argue that a customer's annual profit grows with tenure --
through more purchases, lower operating cost, referrals and a price premium -- after an
acquisition cost in year 0. :func:`profit_by_tenure_year` redraws their figure from a
customer_months table.

Use one firm's data for the cohort tables: a customer's first purchase in the market
is not their first purchase at each firm.

References:
    Reichheld, F. F., & Sasser, W. E., Jr. (1990). Zero defections: Quality comes to
    services. *Harvard Business Review*, 68(5), 105-111.
    Fader, P. S., & Hardie, B. G. S. (2007). How to project customer retention.
    *Journal of Interactive Marketing*, 21(1), 76-90.
"""

from collections.abc import Sequence

import numpy as np
import pandas as pd

from sim.analytics.validation import (
    require_columns,
    require_dates,
    require_frame,
    require_non_negative,
    require_numeric,
)
from sim.errors import DataError

#: Profit sources of Reichheld & Sasser's figure, in its stacking order.
PROFIT_SOURCES: tuple[str, ...] = (
    "base_profit",
    "increased_purchases",
    "reduced_operating_costs",
    "referrals",
    "price_premium",
)

#: Cost columns subtracted from profit; shown as negative contributions.
PROFIT_COSTS: tuple[str, ...] = ("acquisition_cost", "retention_cost")


def _cohort_frame(
    transactions: pd.DataFrame,
    period: str,
    customer_id: str,
    date: str,
    amount: str | None,
) -> pd.DataFrame:
    """Validate transactions and add cohort and age (periods since acquisition)."""
    data = require_frame(transactions, "transactions")
    columns = [customer_id, date] + ([amount] if amount is not None else [])
    require_columns(data, columns, "transactions")
    if amount is not None:
        require_non_negative(data, amount, "transactions")
    if data[customer_id].isna().any():
        raise DataError(f"transactions: column '{customer_id}' has missing customer ids")
    dates = require_dates(data, date, "transactions")
    try:
        periods = dates.dt.to_period(period)
    except ValueError as exc:
        raise ValueError(f"period must be a pandas period alias such as 'M' ({exc})") from None
    ordinal = pd.Series(periods.array.asi8, index=data.index)
    first = ordinal.groupby(data[customer_id]).transform("min")
    frame = pd.DataFrame(
        {
            "customer_id": data[customer_id],
            "cohort": first,
            "age": ordinal - first,
            "last": ordinal.max(),
        }
    )
    if amount is not None:
        frame["amount"] = data[amount]
    return frame


def _to_table(values: pd.DataFrame, frame: pd.DataFrame, period: str) -> pd.DataFrame:
    """Pivot (cohort, age) values; cells not yet observable become NaN, unseen ones 0."""
    table = values.unstack("age")
    last = int(frame["last"].iloc[0])
    ages = np.arange(last - int(frame["cohort"].min()) + 1)
    cohorts = np.sort(frame["cohort"].unique())
    table = table.reindex(index=cohorts, columns=ages).fillna(0.0)
    observable = ages[None, :] <= (last - cohorts)[:, None]
    table = table.where(observable)
    table.index = pd.PeriodIndex.from_ordinals(cohorts, freq=period).rename("cohort")
    table.columns = pd.Index(ages, name="periods_since_acquisition")
    return table


def cohort_retention(
    transactions: pd.DataFrame,
    period: str = "M",
    *,
    customer_id: str = "customer_id",
    date: str = "date",
) -> pd.DataFrame:
    """Share of each acquisition cohort that purchases in each later period.

    A customer's cohort is the period of their first purchase in the data; "active" in
    a period means at least one purchase in it. Periods after the end of the data are
    NaN (not observed yet), which keeps young cohorts from looking like they churned.

    Args:
        transactions: One row per transaction.
        period: pandas period alias: "M" (month), "Q", "Y", "W"...
        customer_id: Name of the customer id column.
        date: Name of the transaction date column.

    Returns:
        DataFrame with one row per cohort (PeriodIndex), columns 0, 1, 2... periods
        since acquisition, values in [0, 1]; column 0 is always 1.

    Raises:
        DataError: If the table is empty, a column is missing, customer ids are
            missing or dates cannot be parsed.

    References:
        Fader, P. S., & Hardie, B. G. S. (2007). How to project customer retention.
        *Journal of Interactive Marketing*, 21(1), 76-90.
    """
    frame = _cohort_frame(transactions, period, customer_id, date, None)
    sizes = frame.groupby("cohort")["customer_id"].nunique()
    active = frame.groupby(["cohort", "age"])["customer_id"].nunique()
    share = active.div(sizes, level="cohort")
    return _to_table(share, frame, period)


def cohort_revenue(
    transactions: pd.DataFrame,
    period: str = "M",
    per_customer: bool = False,
    *,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str = "amount",
) -> pd.DataFrame:
    """Revenue of each acquisition cohort in each period since acquisition.

    Args:
        transactions: One row per transaction.
        period: pandas period alias: "M" (month), "Q", "Y", "W"...
        per_customer: If True, divide by the cohort's original size, so that cohorts
            of different sizes compare (revenue per acquired customer, which mixes
            retention and spend of the survivors).
        customer_id: Name of the customer id column.
        date: Name of the transaction date column.
        amount: Name of the revenue column (must be >= 0).

    Returns:
        DataFrame shaped like :func:`cohort_retention`, holding revenue; periods after
        the end of the data are NaN.

    Raises:
        DataError: As for :func:`cohort_retention`, or if amounts are negative or
            missing.
    """
    frame = _cohort_frame(transactions, period, customer_id, date, amount)
    revenue = frame.groupby(["cohort", "age"])["amount"].sum()
    if per_customer:
        sizes = frame.groupby("cohort")["customer_id"].nunique()
        revenue = revenue.div(sizes, level="cohort")
    return _to_table(revenue, frame, period)


def profit_by_tenure_year(
    customer_months: pd.DataFrame,
    *,
    customer_id: str = "customer_id",
    tenure: str = "tenure_months",
    profit: str = "profit",
    sources: Sequence[str] = PROFIT_SOURCES,
    costs: Sequence[str] = PROFIT_COSTS,
    acquisition: str = "acquisition_cost",
    firm: str | None = "firm",
    annualise: bool = False,
) -> pd.DataFrame:
    """Mean annual profit per customer by year of tenure, split by source.

    Reichheld & Sasser's (1990) figure: tenure year ``tenure_months // 12 + 1``; the
    acquisition cost is moved to year 0, whatever month it was booked in. Each source
    column present in the data is summed per year and divided by the number of
    customers active that year (customers with at least one row in it; for year 0, the
    customers with an acquisition cost or a row at tenure 0). Cost columns enter
    negative. The profit column is reallocated the same way (acquisition cost moved to
    year 0), so the signed sources add up to the profit column year by year. If the
    sources present do not explain profit -- e.g. real data with only some of them --
    the unexplained remainder is reported in an ``other`` column rather than dropped.

    A customer relationship is (firm, customer_id) when the ``firm`` column exists, as
    tenure counts from the start of the relationship with that firm.

    Dividing by customers active in a year understates the years that many customers
    spend only part of in the data (they left, or the data ends): with censored data,
    use ``annualise=True``, which divides each tenure year's totals by the customer-years
    observed in it (rows / 12) instead, so every customer counts for the months observed.
    Year 0 (acquisition) stays per acquired customer.

    Args:
        customer_months: One row per active customer and month.
        customer_id: Name of the customer id column.
        tenure: Name of the months-since-acquisition column (0 in the first month).
        profit: Name of the total profit column.
        sources: Profit source columns to show where present (added).
        costs: Cost columns to show where present (subtracted).
        acquisition: Which of ``costs`` belongs to year 0.
        firm: Name of the firm column, used when present; None to ignore.
        annualise: Divide by customer-years observed (rows / 12) rather than by
            customers active in the year; for data that does not cover whole years.

    Returns:
        DataFrame indexed by tenure_year (0 only if acquisition costs are present) with
        columns customers, the signed sources and costs present, ``other`` if needed,
        and ``profit`` (mean profit per customer that year).

    Raises:
        DataError: If the table is empty, a required column is missing, a used column
            is not numeric or has missing values, or tenure is negative.

    References:
        Reichheld, F. F., & Sasser, W. E., Jr. (1990). Zero defections: Quality comes
        to services. *Harvard Business Review*, 68(5), 105-111.
    """
    name = "customer_months"
    data = require_frame(customer_months, name)
    require_columns(data, [customer_id, tenure, profit], name)
    require_non_negative(data, tenure, name)
    require_numeric(data, profit, name)
    if data[customer_id].isna().any():
        raise DataError(f"{name}: column '{customer_id}' has missing customer ids")
    present = [c for c in sources if c in data.columns]
    present_costs = [c for c in costs if c in data.columns]
    for column in present + present_costs:
        require_numeric(data, column, name)

    keys = [data[customer_id]]
    if firm is not None and firm in data.columns:
        keys.insert(0, data[firm])
    relationship = pd.Series(
        pd.MultiIndex.from_arrays(keys).factorize()[0], index=data.index, name="relationship"
    )
    year = (data[tenure] // 12 + 1).astype(np.int64).rename("tenure_year")

    signed = pd.DataFrame({**{c: data[c] for c in present}, **{c: -data[c] for c in present_costs}})
    signed["profit"] = data[profit]
    acquired = pd.Series(False, index=data.index)
    has_acquisition = acquisition in present_costs
    if has_acquisition:
        signed["profit"] = signed["profit"] - signed[acquisition]
        signed[acquisition] = 0.0
        acquired = (data[tenure] == 0) | (data[acquisition] != 0)
    totals = signed.groupby(year).sum()
    customers = relationship.groupby(year).nunique()
    exposure = year.groupby(year).size() / 12.0 if annualise else customers.astype(float)

    if has_acquisition:
        year0 = pd.DataFrame(0.0, index=pd.Index([0], name="tenure_year"), columns=signed.columns)
        year0[acquisition] = -data[acquisition].sum()
        year0["profit"] = year0[acquisition]
        totals = pd.concat([year0, totals])
        customers = pd.concat([pd.Series([relationship[acquired].nunique()], index=[0]), customers])
        exposure = pd.concat([pd.Series([float(customers.loc[0])], index=[0]), exposure])

    components = [*present, *present_costs]
    residual = totals["profit"] - totals[components].sum(axis=1)
    scale = max(1.0, float(totals["profit"].abs().max()))
    if not np.allclose(residual, 0.0, atol=1e-9 * scale):
        totals.insert(len(components), "other", residual)

    mean = totals.div(exposure.replace(0, np.nan), axis=0)
    mean.insert(0, "customers", customers.astype(np.int64))
    mean.index = pd.Index(mean.index.astype(np.int64), name="tenure_year")
    return mean


def retention_by_tenure_year(
    customer_months: pd.DataFrame,
    churn_events: pd.DataFrame,
    *,
    tenure: str = "tenure_months",
    firm: str | None = None,
) -> pd.DataFrame:
    """Monthly churn hazard and annual retention rate by year of tenure.

    The hazard of tenure year ``y`` (``tenure // 12 + 1``) is the number of defections at
    that tenure divided by the customer-months served at it, so relationships cut short
    by the end of the data count for the months they were observed (no censoring bias).
    The annual retention rate is ``(1 - hazard) ** 12``. In a heterogeneous customer base
    it rises with tenure even if no customer's own churn probability changes: the
    customers most likely to leave go first (Fader & Hardie 2007).

    Args:
        customer_months: One row per customer and month served, with ``tenure`` (months
            with the firm before the month) and, if ``firm`` is given, a ``firm`` column.
        churn_events: One row per defection, with ``tenure`` at the time of leaving.
        tenure: Name of the tenure column (whole months) in both tables.
        firm: Keep only this firm's rows (both tables need a ``firm`` column); None
            uses every row.

    Returns:
        DataFrame indexed by tenure_year with columns customer_months, defections,
        monthly_churn and annual_retention; one row per tenure year served.

    Raises:
        DataError: If a table is not a DataFrame, a column is missing or tenure is
            negative, or no customer-month is left.
    """
    tables = {"customer_months": customer_months, "churn_events": churn_events}
    for name, table in tables.items():
        require_frame(table, name)
        require_columns(table, [tenure] + (["firm"] if firm is not None else []), name)
        require_non_negative(table, tenure, name)
    if firm is not None:
        tables = {name: table[table["firm"] == firm] for name, table in tables.items()}
    if tables["customer_months"].empty:
        raise DataError(f"customer_months: no rows{'' if firm is None else f' for {firm!r}'}")
    served = (tables["customer_months"][tenure] // 12 + 1).value_counts()
    lost = (tables["churn_events"][tenure] // 12 + 1).value_counts()
    table = pd.DataFrame({"customer_months": served, "defections": lost}).fillna(0)
    table = table[table["customer_months"] > 0].astype(np.int64).sort_index()
    table.index = pd.Index(table.index.astype(np.int64), name="tenure_year")
    table["monthly_churn"] = table["defections"] / table["customer_months"]
    table["annual_retention"] = (1.0 - table["monthly_churn"]) ** 12
    return table
