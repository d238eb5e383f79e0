"""Input checks shared by the analytics tools: one clear error naming the column."""

from collections.abc import Iterable

import pandas as pd

from sim.errors import DataError, NotFittedError


def require_frame(data: object, name: str = "data") -> pd.DataFrame:
    """Return ``data`` if it is a non-empty DataFrame, else raise a DataError naming it."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{name}: expected a pandas DataFrame, got {type(data).__name__}")
    if data.empty:
        raise DataError(f"{name}: the table is empty; at least one row is needed")
    return data


def require_columns(data: pd.DataFrame, columns: Iterable[str], name: str = "data") -> None:
    """Raise a DataError listing the required columns that ``data`` lacks."""
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise DataError(f"{name}: missing column(s) {missing}; the table has {list(data.columns)}")


def require_numeric(data: pd.DataFrame, column: str, name: str = "data") -> None:
    """Raise a DataError if ``column`` is not numeric or holds missing values."""
    if not pd.api.types.is_numeric_dtype(data[column]):
        raise DataError(f"{name}: column '{column}' must be numeric, got {data[column].dtype}")
    if data[column].isna().any():
        n = int(data[column].isna().sum())
        raise DataError(f"{name}: column '{column}' has {n} missing value(s)")


def require_non_negative(data: pd.DataFrame, column: str, name: str = "data") -> None:
    """Raise a DataError naming the first negative value of a numeric ``column``."""
    require_numeric(data, column, name)
    negative = data[column] < 0
    if negative.any():
        first = data.loc[negative, column].iloc[0]
        raise DataError(
            f"{name}: column '{column}' has {int(negative.sum())} negative value(s) "
            f"(first: {first}); only values >= 0 are allowed"
        )


def require_dates(data: pd.DataFrame, column: str, name: str = "data") -> pd.Series:
    """Return ``column`` parsed as datetimes, or raise a DataError naming the bad value.

    Missing dates (None, NaN, NaT) are rejected too: a purchase without a date would
    silently drop out of every recency and period computation.
    """
    try:
        dates = pd.to_datetime(data[column])
    except (ValueError, TypeError) as exc:
        raise DataError(f"{name}: column '{column}' must hold dates ({exc})") from None
    missing = dates.isna()
    if missing.any():
        raise DataError(
            f"{name}: column '{column}' has {int(missing.sum())} missing date(s) "
            f"(first at row {missing.idxmax()}); every row needs a date"
        )
    return dates


def require_fitted(model: object, attribute: str, method: str) -> None:
    """Raise NotFittedError naming ``method`` if ``model`` lacks its fitted ``attribute``.

    Every analytics model reports use-before-fit the same way, so one ``except`` handles all.
    """
    if not hasattr(model, attribute):
        name = type(model).__name__
        raise NotFittedError(
            f"{name}.{method}: the model is not fitted yet; call {name}.fit(...) first"
        )
