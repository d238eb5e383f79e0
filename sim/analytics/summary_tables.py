"""Turn a transaction log into the per-customer tables that customer-base models use.

The BG/NBD, Pareto/NBD and Gamma-Gamma models do not need every transaction: frequency,
recency, age and average spend per customer are sufficient statistics. This module computes
them with the conventions of the literature (and of the ``lifetimes`` package):

* time is counted in whole units (days, weeks or months) since each customer's *first*
  purchase, and all purchases by a customer within one time unit count as one;
* ``frequency`` counts *repeat* purchases only (time units with a purchase, minus the first);
* ``recency`` is the age at the last purchase (0 without repeat purchases) and ``T`` the age
  at the end of observation;
* ``monetary_value`` is the mean amount of the repeat purchases (0 without any), since the
  first purchase is often atypical (promotions, sign-up bundles).

References:
    Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
    way: an alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
"""

import pandas as pd

from sim.analytics.validation import (
    require_columns,
    require_dates,
    require_frame,
    require_non_negative,
)
from sim.errors import DataError

_UNITS = {"D": "days", "W": "weeks", "M": "months"}


def _timestamp(value: object, name: str) -> pd.Timestamp:
    try:
        stamp = pd.Timestamp(value)
    except (TypeError, ValueError):
        raise DataError(f"{name}: cannot read {value!r} as a date") from None
    if pd.isna(stamp):
        raise DataError(f"{name}: got {value!r}; a date is needed")
    return stamp


def _period_number(dates: pd.Series, freq: str) -> pd.Series:
    """Whole time units since an arbitrary origin; differences give ages in that unit."""
    return pd.Series(dates.dt.to_period(freq).array.asi8, index=dates.index)


def _per_period(log: pd.DataFrame) -> pd.DataFrame:
    """One row per customer and time unit with a purchase; amounts of that unit summed."""
    return log.groupby(["customer", "period"], sort=True, as_index=False)["amount"].sum()


def _calibration_stats(periods: pd.DataFrame, end_period: int) -> pd.DataFrame:
    grouped = periods.groupby("customer", sort=True)
    first = grouped["period"].min()
    repeat = periods[periods["period"] > periods["customer"].map(first)]
    by_customer = repeat.groupby("customer")
    frequency = by_customer.size().reindex(first.index, fill_value=0)
    recency = (grouped["period"].max() - first).astype(float)
    monetary = by_customer["amount"].mean().reindex(first.index, fill_value=0.0)
    return pd.DataFrame(
        {
            "frequency": frequency.astype(int),
            "recency": recency,
            "T": (end_period - first).astype(float),
            "monetary_value": monetary.astype(float),
        }
    )


def rfm_summary(
    transactions: pd.DataFrame,
    customer_id: str = "customer_id",
    date: str = "date",
    amount: str | None = "amount",
    observation_end: object = None,
    freq: str = "W",
    calibration_end: object = None,
) -> pd.DataFrame:
    """Per-customer frequency, recency, T and monetary value from a transaction log.

    Args:
        transactions: One row per transaction.
        customer_id: Column identifying the customer.
        date: Column with the transaction date (anything ``pandas.to_datetime`` reads).
        amount: Column with the transaction amount (>= 0), or None if there is none (then no
            ``monetary_value`` column is returned).
        observation_end: End of observation; defaults to the last transaction date. It must
            not be before the last transaction.
        freq: Time unit: ``"D"`` (days), ``"W"`` (weeks) or ``"M"`` (months).
        calibration_end: If given, split the log: the summary describes purchases up to and
            including this date (``T`` is measured to it; customers whose first purchase is
            later are left out), and holdout columns describe what those customers did after
            it, up to ``observation_end``: ``frequency_holdout`` (time units with a purchase),
            ``monetary_value_holdout`` (mean amount per such unit, 0 if none) and
            ``duration_holdout`` (length of the holdout period). This is how a model is
            validated: fit on the calibration columns, compare predictions to the holdout.

    Returns:
        DataFrame indexed by customer id with ``frequency`` (int), ``recency``, ``T`` and
        ``monetary_value`` in units of ``freq``, plus the holdout columns if
        ``calibration_end`` is given.

    Raises:
        DataError: On an empty log, missing columns, missing customer ids, missing or
            unreadable dates, negative or missing amounts, an unknown ``freq``, an
            ``observation_end`` before the last transaction, or a ``calibration_end`` outside
            the log's time span.

    References:
        Fader, P. S., Hardie, B. G. S. & Lee, K. L. (2005). "Counting your customers" the easy
        way: an alternative to the Pareto/NBD model. Marketing Science, 24(2), 275-284.
    """
    name = "transactions"
    data = require_frame(transactions, name)
    if freq not in _UNITS:
        raise DataError(f"freq: got {freq!r}; allowed are {list(_UNITS)} ({_UNITS})")
    columns = [customer_id, date] + ([amount] if amount is not None else [])
    require_columns(data, columns, name)
    if data[customer_id].isna().any():
        n = int(data[customer_id].isna().sum())
        raise DataError(f"{name}: column '{customer_id}' has {n} missing value(s)")
    dates = require_dates(data, date, name)
    if amount is not None:
        require_non_negative(data, amount, name)
    log = pd.DataFrame(
        {
            "customer": data[customer_id].to_numpy(),
            "date": dates.to_numpy(),
            "amount": data[amount].to_numpy(dtype=float) if amount is not None else 0.0,
        }
    )
    last = log["date"].max()
    end = last if observation_end is None else _timestamp(observation_end, "observation_end")
    if end < last:
        raise DataError(
            f"observation_end: {end.date()} is before the last transaction ({last.date()}); "
            "it must be on or after it"
        )
    log["period"] = _period_number(log["date"], freq)
    end_period = int(_period_number(pd.Series([end]), freq).iloc[0])

    if calibration_end is None:
        summary = _calibration_stats(_per_period(log), end_period)
    else:
        cut = _timestamp(calibration_end, "calibration_end")
        first = log["date"].min()
        if not first <= cut < end:
            raise DataError(
                f"calibration_end: {cut.date()} must be on or after the first transaction "
                f"({first.date()}) and before observation_end ({end.date()})"
            )
        cut_period = int(_period_number(pd.Series([cut]), freq).iloc[0])
        in_calibration = log["date"] <= cut
        summary = _calibration_stats(_per_period(log[in_calibration]), cut_period)
        later = log[~in_calibration & log["customer"].isin(summary.index)]
        holdout = _per_period(later).groupby("customer")["amount"].agg(["size", "mean"])
        holdout = holdout.reindex(summary.index)
        summary["frequency_holdout"] = holdout["size"].fillna(0).astype(int)
        summary["monetary_value_holdout"] = holdout["mean"].fillna(0.0)
        summary["duration_holdout"] = float(end_period - cut_period)

    summary.index.name = customer_id
    if amount is None:
        summary = summary.drop(columns=[c for c in summary if c.startswith("monetary_value")])
    return summary
