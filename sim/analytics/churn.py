"""Churn prediction: score today's customers on how likely they are to leave soon.

A firm that knows who is about to leave can try to keep them before they go (an
early-warning system). The recipe is the same whatever the model: describe every active
customer with what the CRM database knew on an as-of date (recency, frequency and spend,
their trend, service failures and complaints, tenure, relationship stage, bonds), label
them with what happened in the following months (churned or not), fit a classifier on an
earlier as-of date and judge it on a later one, by AUC, lift and cumulative gains.

Every feature uses only rows dated on or before the as-of month, so a model is judged
exactly as it would have been used. The tables are plain DataFrames: the simulated CRM
database (``sim.datasets.load_simulated``), where churn is observed in ``churn_events``,
or a real transaction log alone (``{"transactions": df}``), where a churner is a customer
who buys nothing in the following months.

References:
    Neslin, S. A., Gupta, S., Kamakura, W., Lu, J. & Mason, C. H. (2006). Defection
    detection: measuring and understanding the predictive accuracy of customer churn
    models. Journal of Marketing Research, 43(2), 204-211.
    Verbeke, W., Dejaeger, K., Martens, D., Hur, J. & Baesens, B. (2012). New insights
    into churn prediction in the telecommunication sector: a profit driven data mining
    approach. European Journal of Operational Research, 218(1), 211-229.
"""

from collections.abc import Mapping, Sequence
from typing import Literal

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier, export_text

from sim.analytics.validation import (
    require_columns,
    require_dates,
    require_fitted,
    require_frame,
    require_non_negative,
    require_numeric,
)
from sim.errors import DataError

#: Name of the label column: 1 if the customer churned within the horizon, else 0.
LABEL = "churned"

#: Lifecycle stages of an active relationship (Dwyer, Schurr & Oh), one indicator each.
ACTIVE_STAGES: tuple[str, ...] = ("exploration", "formation", "stability", "decline")

Tables = Mapping[str, pd.DataFrame]
Target = Literal["churn_event", "no_purchase"]
Method = Literal["tree", "logistic", "network"]
AsOf = int | str | pd.Timestamp

_DEFAULTS: dict[str, dict] = {
    "tree": {"max_depth": 4, "min_samples_leaf": 25},
    "logistic": {"max_iter": 1000},
    "network": {"hidden_layer_sizes": (8,), "alpha": 1.0, "max_iter": 2000},
}


# ---------------------------------------------------------------------- reading the tables
def _frame(tables: Tables, name: str) -> pd.DataFrame | None:
    if not isinstance(tables, Mapping):
        raise DataError(
            f"tables: expected a mapping of table name to DataFrame (as load_simulated "
            f"returns), got {type(tables).__name__}"
        )
    if name not in tables:
        return None
    data = tables[name]
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"tables['{name}']: expected a DataFrame, got {type(data).__name__}")
    return data


def _events(
    tables: Tables, name: str, columns: list[str], firm: str | None, month: int
) -> pd.DataFrame | None:
    """Rows of an event table dated on or before ``month`` (None if the table is absent).

    Every event table is read through here, so no feature can see a later row.
    """
    data = _frame(tables, name)
    if data is None:
        return None
    label = f"tables['{name}']"
    require_columns(data, ["customer_id", "month", *columns], label)
    require_numeric(data, "month", label)
    if firm is not None:
        require_columns(data, ["firm"], label)
        data = data[data["firm"] == firm]
    return data[data["month"] <= month]


def _transactions(tables: Tables, firm: str | None) -> tuple[pd.DataFrame, int | None]:
    """Transactions as (customer_id, month, amount), and the calendar month before month 1.

    Without a ``month`` column, months are counted from the first transaction's calendar
    month (= month 1). The origin (``year * 12 + month`` of month 0) lets dates be used as
    as-of values; it is None when the table has no dates.
    """
    data = _frame(tables, "transactions")
    if data is None:
        raise DataError(f"tables: no 'transactions' table; the tables given are {list(tables)}")
    name = "tables['transactions']"
    require_frame(data, name)
    require_columns(data, ["customer_id", "amount"], name)
    require_non_negative(data, "amount", name)
    if "month" not in data.columns and "date" not in data.columns:
        raise DataError(f"{name}: needs a 'month' or a 'date' column; it has {list(data.columns)}")
    origin = None
    if "date" in data.columns:
        dates = require_dates(data, "date", name)
        calendar = dates.dt.year * 12 + dates.dt.month
        if "month" in data.columns:
            origin = int(calendar.iloc[0] - data["month"].iloc[0])
        else:
            origin = int(calendar.min()) - 1
            data = data.assign(month=calendar - origin)
    require_numeric(data, "month", name)
    if firm is not None:
        require_columns(data, ["firm"], name)
        data = data[data["firm"] == firm]
    return data[["customer_id", "month", "amount"]], origin


def _as_month(as_of: AsOf, origin: int | None) -> int:
    """The last complete month observed on ``as_of`` (a month number or a date)."""
    if isinstance(as_of, int | np.integer) and not isinstance(as_of, bool):
        return int(as_of)
    if origin is None:
        raise DataError(
            f"as_of: got {as_of!r}; a date needs a 'date' column in transactions, "
            "else give a month number"
        )
    try:
        stamp = pd.Timestamp(as_of)
    except (TypeError, ValueError):
        raise DataError(f"as_of: got {as_of!r}; expected a month number or a date") from None
    month = stamp.year * 12 + stamp.month - origin
    return month if stamp.is_month_end else month - 1  # only complete months are observed


def _last_month(tables: Tables) -> int:
    """The last month the database covers (its latest dated row)."""
    purchases, _ = _transactions(tables, None)
    months = [purchases["month"].max()]
    for name in ("churn_events", "customer_months", "lifecycle_events"):
        data = _frame(tables, name)
        if data is not None and "month" in data.columns and not data.empty:
            months.append(data["month"].max())
    return int(max(months))


def _check_whole(value: object, name: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise DataError(f"{name}: got {value!r}; it must be a whole number >= {minimum}")
    return int(value)


# ---------------------------------------------------------------------- features and labels
def _stages(tables: Tables, firm: str | None, month: int) -> pd.Series | None:
    """Each customer's lifecycle stage at the end of ``month`` (their latest transition)."""
    events = _events(tables, "lifecycle_events", ["to_stage"], firm, month)
    if events is None:
        return None
    latest = events.sort_values("month", kind="stable").drop_duplicates("customer_id", keep="last")
    return latest.set_index("customer_id")["to_stage"].sort_index()


def _universe(purchases: pd.DataFrame, stages: pd.Series | None) -> pd.Index:
    """Customers at risk: active in their lifecycle, else anyone who has bought."""
    if stages is not None:
        ids = stages.index[stages.isin(ACTIVE_STAGES)]
    else:
        ids = pd.Index(purchases["customer_id"].unique())
    return pd.Index(ids, name="customer_id").sort_values()


def churn_features(
    tables: Tables, as_of: AsOf, *, firm: str | None = None, window: int = 3
) -> pd.DataFrame:
    """Describe every customer at risk on ``as_of`` with what the database knew then.

    The customers at risk are those in an active lifecycle stage at the end of the as-of
    month if the tables include ``lifecycle_events``, else every customer who has bought.
    Only rows of months up to ``as_of`` are read, so the features are those the firm could
    have computed that day. Features come from the tables present:

    * transactions: ``recency`` (months since the last purchase; months since month 0 for
      a customer who has not bought yet), ``frequency``, ``monetary`` (mean spend),
      ``purchases_recent`` / ``purchases_before`` (in the last ``window`` months and the
      ``window`` before), ``purchase_trend`` (recent minus before) and the same three for
      ``spend``; ``tenure`` (months since the first purchase);
    * customer_months: ``tenure`` is the months with the current firm instead, and, if
      the table has a ``satisfaction`` column, ``satisfaction`` and its change over the
      window, ``satisfaction_trend``;
    * service_events: ``failures``, ``failures_recent``, ``complaints`` and
      ``unresolved_complaints`` (complaints not put right);
    * churn_events: ``past_churns`` (relationships the customer has ended before);
    * lifecycle_events: ``stage_exploration`` ... ``stage_decline`` (0/1);
    * referrals: ``referrals_made``; offers: ``offers_accepted`` (bonds to the firm).

    Args:
        tables: Table name -> DataFrame, as :func:`sim.datasets.load_simulated` returns.
            Only ``transactions`` (``customer_id``, ``amount`` and ``month`` or ``date``)
            is required.
        as_of: Month number (as in the ``month`` columns) or a date; a date counts the
            months completed by then (``"1997-09-30"`` includes September,
            ``"1997-09-15"`` stops at August).
        firm: Keep only this firm's rows (its view of its own customers); None pools all
            firms (the market's view).
        window: Months of the "recent" period the trends compare with the one before.

    Returns:
        One row per customer at risk, indexed by ``customer_id`` (sorted), all numeric.

    Raises:
        DataError: If a table lacks a column or holds bad values (naming both), or an
            argument is out of range.
    """
    window = _check_whole(window, "window", 1)
    purchases, origin = _transactions(tables, firm)
    month = _as_month(as_of, origin)
    purchases = purchases[purchases["month"] <= month]
    stages = _stages(tables, firm, month)
    ids = _universe(purchases, stages)
    features = pd.DataFrame(index=ids)

    def per_customer(values: pd.Series, fill: float = 0.0) -> pd.Series:
        return values.reindex(ids, fill_value=fill).astype(float)

    by_customer = purchases.groupby("customer_id")
    recent = purchases["month"] > month - window
    before = (purchases["month"] > month - 2 * window) & ~recent
    features["recency"] = month - per_customer(by_customer["month"].max(), 0)
    features["frequency"] = per_customer(by_customer.size())
    features["monetary"] = per_customer(by_customer["amount"].mean())
    for period, rows in (("recent", recent), ("before", before)):
        grouped = purchases[rows].groupby("customer_id")
        features[f"purchases_{period}"] = per_customer(grouped.size())
        features[f"spend_{period}"] = per_customer(grouped["amount"].sum())
    features["purchase_trend"] = features["purchases_recent"] - features["purchases_before"]
    features["spend_trend"] = features["spend_recent"] - features["spend_before"]
    features["tenure"] = month - per_customer(by_customer["month"].min() - 1, month)

    served = _events(tables, "customer_months", ["tenure_months"], firm, month)
    if served is not None:
        latest = served.sort_values("month", kind="stable").drop_duplicates(
            "customer_id", keep="last"
        )
        latest = latest.set_index("customer_id")
        tenure = latest["tenure_months"] + month - latest["month"]
        features["tenure"] = per_customer(tenure).where(ids.isin(latest.index), features["tenure"])
        if "satisfaction" in served.columns:
            require_numeric(served, "satisfaction", "tables['customer_months']")
            earlier = served[served["month"] <= month - window]
            earlier = earlier.sort_values("month", kind="stable")
            earlier = earlier.drop_duplicates("customer_id", keep="last").set_index("customer_id")
            now = per_customer(latest["satisfaction"], np.nan)
            then = per_customer(earlier["satisfaction"], np.nan)
            features["satisfaction"] = now.fillna(now.median())
            features["satisfaction_trend"] = (now - then).fillna(0.0)

    service = _events(tables, "service_events", ["complained", "recovered"], firm, month)
    if service is not None:
        complained = service["complained"].astype(bool)
        unresolved = complained & ~service["recovered"].astype(bool)
        features["failures"] = per_customer(service.groupby("customer_id").size())
        features["failures_recent"] = per_customer(
            service[service["month"] > month - window].groupby("customer_id").size()
        )
        features["complaints"] = per_customer(service[complained].groupby("customer_id").size())
        features["unresolved_complaints"] = per_customer(
            service[unresolved].groupby("customer_id").size()
        )

    churns = _events(tables, "churn_events", [], firm, month)
    if churns is not None:
        features["past_churns"] = per_customer(churns.groupby("customer_id").size())

    if stages is not None:
        current = stages.reindex(ids)
        for stage in ACTIVE_STAGES:
            features[f"stage_{stage}"] = (current == stage).astype(float)

    referrals = _frame(tables, "referrals")
    if referrals is not None:
        require_columns(referrals, ["referrer_id", "month", "event"], "tables['referrals']")
        made = referrals[(referrals["month"] <= month) & (referrals["event"] == "referred")]
        if firm is not None:
            require_columns(referrals, ["firm"], "tables['referrals']")
            made = made[made["firm"] == firm]
        features["referrals_made"] = per_customer(made.groupby("referrer_id").size())

    offers = _events(tables, "offers", ["accepted"], firm, month)
    if offers is not None:
        taken = offers[offers["accepted"].astype(bool)]
        features["offers_accepted"] = per_customer(taken.groupby("customer_id").size())
    return features


def churn_labels(
    tables: Tables,
    as_of: AsOf,
    horizon: int,
    *,
    firm: str | None = None,
    target: Target | None = None,
) -> pd.Series:
    """Whether each customer at risk on ``as_of`` churned in the following ``horizon`` months.

    Args:
        tables: Table name -> DataFrame (see :func:`churn_features`).
        as_of: Month number or date (see :func:`churn_features`).
        horizon: Months after ``as_of`` that count (1 = the next month only).
        firm: Only churn from (or purchases with) this firm; None for any firm.
        target: ``"churn_event"``: a row in ``churn_events`` in the horizon (the
            simulation records every defection); ``"no_purchase"``: no transaction in the
            horizon (what real, non-contractual data allows). Defaults to
            ``"churn_event"`` if the tables include ``churn_events``.

    Returns:
        Series ``churned`` (0/1) indexed like :func:`churn_features`.

    Raises:
        DataError: If the data ends before ``as_of + horizon`` (the label would be
            incomplete), a needed table or column is missing, or an argument is invalid.
    """
    horizon = _check_whole(horizon, "horizon", 1)
    if target is None:
        target = "churn_event" if "churn_events" in tables else "no_purchase"
    if target not in ("churn_event", "no_purchase"):
        raise DataError(f"target: got {target!r}; allowed: 'churn_event' or 'no_purchase'")
    purchases, origin = _transactions(tables, firm)
    month = _as_month(as_of, origin)
    end = month + horizon
    if end > _last_month(tables):
        raise DataError(
            f"as_of + horizon: month {month} + {horizon} = {end}, but the data ends in month "
            f"{_last_month(tables)}; labels need the whole horizon"
        )
    ids = _universe(purchases[purchases["month"] <= month], _stages(tables, firm, month))
    if target == "churn_event":
        churns = _events(tables, "churn_events", [], firm, end)
        if churns is None:
            raise DataError(
                "target 'churn_event': needs a 'churn_events' table; use target='no_purchase' "
                "for a transaction log"
            )
        left = churns.loc[churns["month"] > month, "customer_id"]
        label = ids.isin(left)
    else:
        window = purchases[(purchases["month"] > month) & (purchases["month"] <= end)]
        label = ~ids.isin(window["customer_id"])
    return pd.Series(label.astype(int), index=ids, name=LABEL)


def churn_dataset(
    tables: Tables,
    as_of: AsOf | Sequence[AsOf],
    horizon: int,
    *,
    firm: str | None = None,
    window: int = 3,
    target: Target | None = None,
) -> pd.DataFrame:
    """Features on ``as_of`` and the ``churned`` label of the following ``horizon`` months.

    Several as-of dates stack their snapshots into one training set: a few hundred
    customers churn in any one horizon, too few for a classifier to learn much from.

    Args:
        tables: Table name -> DataFrame (see :func:`churn_features`).
        as_of: One month number or date, or a sequence of them to stack.
        horizon: See :func:`churn_labels`.
        firm: See :func:`churn_features`.
        window: See :func:`churn_features`.
        target: See :func:`churn_labels`.

    Returns:
        :func:`churn_features` with the :func:`churn_labels` column ``churned`` added;
        for a sequence, the snapshots stacked with an index of (``as_of``, ``customer_id``).

    Raises:
        DataError: As :func:`churn_features` and :func:`churn_labels`.
    """
    if isinstance(as_of, Sequence) and not isinstance(as_of, str):
        if not as_of:
            raise DataError("as_of: got an empty sequence; give at least one as-of date")
        options = {"firm": firm, "window": window, "target": target}
        snapshots = {a: churn_dataset(tables, a, horizon, **options) for a in as_of}
        return pd.concat(snapshots, names=["as_of"])
    features = churn_features(tables, as_of, firm=firm, window=window)
    labels = churn_labels(tables, as_of, horizon, firm=firm, target=target)
    return features.join(labels)


def time_split(
    tables: Tables,
    train_as_of: AsOf | Sequence[AsOf],
    test_as_of: AsOf,
    horizon: int,
    *,
    firm: str | None = None,
    window: int = 3,
    target: Target | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A training set on an earlier as-of date and a test set on a later one.

    A random split of one snapshot flatters a churn model: it learns from the same months
    it is tested on. Here the model is fitted on ``train_as_of`` and tested on
    ``test_as_of``, as it would be used: the training labels must be known by the test
    date, so ``train_as_of + horizon <= test_as_of`` (for every training date).

    Args:
        tables: Table name -> DataFrame (see :func:`churn_features`).
        train_as_of: As-of month (or date) of the training set, or several to stack.
        test_as_of: As-of month (or date) of the test set.
        horizon: Months after each as-of date in which a churn counts.
        firm: See :func:`churn_features`.
        window: See :func:`churn_features`.
        target: See :func:`churn_labels`.

    Returns:
        ``(train, test)``, each as :func:`churn_dataset` returns it.

    Raises:
        DataError: If the training labels reach past the test date, or as in
            :func:`churn_dataset`.
    """
    _, origin = _transactions(tables, firm)
    several = isinstance(train_as_of, Sequence) and not isinstance(train_as_of, str)
    train_months = [_as_month(a, origin) for a in (train_as_of if several else [train_as_of])]
    test_month = _as_month(test_as_of, origin)
    horizon = _check_whole(horizon, "horizon", 1)
    if train_months and max(train_months) + horizon > test_month:
        raise DataError(
            f"train_as_of: month {max(train_months)} + horizon {horizon} is after test_as_of "
            f"(month {test_month}); the training labels would use months the test "
            "period has not seen yet"
        )
    options = {"firm": firm, "window": window, "target": target}
    return (
        churn_dataset(tables, train_months if several else train_months[0], horizon, **options),
        churn_dataset(tables, test_month, horizon, **options),
    )


# ---------------------------------------------------------------------- evaluation
def _labels_and_scores(y_true: object, score: object) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true, dtype=float).ravel()
    s = np.asarray(score, dtype=float).ravel()
    if y.size != s.size:
        raise DataError(f"y_true and score: got {y.size} labels and {s.size} scores")
    if y.size == 0:
        raise DataError("y_true: no customers to evaluate")
    if not np.isin(y, (0.0, 1.0)).all():
        raise DataError(f"y_true: labels must be 0 or 1, got {sorted(set(y) - {0.0, 1.0})[:3]}")
    if not np.isfinite(s).all():
        raise DataError("score: every score must be a finite number")
    return y, s


def auc(y_true: object, score: object) -> float:
    """Area under the ROC curve: the chance a churner scores above a stayer.

    0.5 is a random ranking, 1.0 a perfect one; ties count one half.

    Args:
        y_true: 0/1 labels (1 = churned).
        score: Scores, higher = more likely to churn.

    Returns:
        The AUC.

    Raises:
        DataError: If the lengths differ, labels are not 0/1, or only one class occurs.
    """
    y, s = _labels_and_scores(y_true, score)
    if y.min() == y.max():
        raise DataError("y_true: both churners and stayers are needed to compute an AUC")
    return float(roc_auc_score(y, s))


def lift_table(y_true: object, score: object, bins: int = 10) -> pd.DataFrame:
    """Lift and cumulative gains by score group (deciles by default), riskiest first.

    Customers are sorted by score, highest first, and cut into ``bins`` groups of equal size
    (the first groups get one more customer when the count does not divide). Customers with
    equal scores share their churners evenly, whatever group each falls in, so the table of
    a decision tree (whose leaves give many equal scores) does not depend on row order.

    Args:
        y_true: 0/1 labels (1 = churned).
        score: Scores, higher = more likely to churn.
        bins: Number of groups (10 = deciles).

    Returns:
        One row per group (index ``group``, 1 = highest scores): ``customers``,
        ``churners``, ``churn_rate``, ``lift`` (churn rate / overall churn rate),
        ``cumulative_customers`` and ``cumulative_churners`` (shares of all customers
        and churners in groups 1..g: the cumulative gains curve) and ``cumulative_lift``.

    Raises:
        DataError: If the inputs are invalid, there is no churner, or ``bins`` is not
            between 1 and the number of customers.
    """
    y, s = _labels_and_scores(y_true, score)
    bins = _check_whole(bins, "bins", 1)
    if bins > y.size:
        raise DataError(f"bins: got {bins}; at most one group per customer ({y.size})")
    if y.sum() == 0:
        raise DataError("y_true: no churners, so lift is undefined")
    shared = pd.Series(y).groupby(s).transform("mean").to_numpy()
    order = np.argsort(-s, kind="stable")
    groups = np.array_split(shared[order], bins)
    customers = np.array([len(g) for g in groups], dtype=float)
    churners = np.array([g.sum() for g in groups])
    overall = y.mean()
    table = pd.DataFrame(
        {
            "customers": customers.astype(int),
            "churners": churners,
            "churn_rate": churners / customers,
            "lift": churners / customers / overall,
            "cumulative_customers": np.cumsum(customers) / y.size,
            "cumulative_churners": np.cumsum(churners) / y.sum(),
        },
        index=pd.RangeIndex(1, bins + 1, name="group"),
    )
    table["cumulative_lift"] = table["cumulative_churners"] / table["cumulative_customers"]
    return table


# ---------------------------------------------------------------------- models
class ChurnModel:
    """A churn classifier with a scikit-learn-like API on pandas tables.

    ``fit`` takes a table of numeric features plus the ``churned`` label (as
    :func:`churn_dataset` builds it); the other methods take the same features.

    Args:
        method: ``"tree"`` (a decision tree: readable rules, see :func:`tree_rules`),
            ``"logistic"`` (logistic regression on standardised features: each
            coefficient is the change in log-odds per standard deviation) or
            ``"network"`` (a small neural network, scikit-learn's MLPClassifier, on
            standardised features).
        random_state: Seed of the tree's tie-breaks, the network's initial weights and the
            permutation importances.
        **params: Passed to the scikit-learn estimator, overriding the defaults (tree:
            ``max_depth=4, min_samples_leaf=25``; logistic: ``max_iter=1000``; network:
            one hidden layer of 8 units, ``alpha=1.0``, ``max_iter=2000``; the strong
            penalty keeps it from memorising a few hundred customers).

    Attributes:
        estimator_: The fitted scikit-learn estimator (a pipeline with the scaler for the
            logistic regression and the network).
        features_: Feature columns, in the order the model uses them.
        base_rate_: Share of churners in the training data.
        reference_: Median of each feature in the training data (the "typical customer"
            the early-warning drivers compare against).
        importances_: Permutation importance of each feature on the training data: the
            mean drop in AUC when its values are shuffled.
    """

    def __init__(self, method: Method = "logistic", *, random_state: int = 0, **params: object):
        self.method = method
        self.random_state = random_state
        self.params = params

    def _estimator(self):
        if self.method not in _DEFAULTS:
            raise ValueError(f"method: got {self.method!r}; allowed: {list(_DEFAULTS)}")
        params = _DEFAULTS[self.method] | self.params
        if self.method == "tree":
            return DecisionTreeClassifier(random_state=self.random_state, **params)
        if self.method == "logistic":
            return make_pipeline(StandardScaler(), LogisticRegression(**params))
        return make_pipeline(
            StandardScaler(), MLPClassifier(random_state=self.random_state, **params)
        )

    def _features(self, data: object, method: str) -> pd.DataFrame:
        require_fitted(self, "estimator_", method)
        frame = require_frame(data, "data")
        require_columns(frame, self.features_, "data")
        for column in self.features_:
            require_numeric(frame, column, "data")
        return frame[self.features_].astype(float)

    def fit(self, data: pd.DataFrame, label: str = LABEL) -> "ChurnModel":
        """Fit the classifier on features and a 0/1 label.

        Args:
            data: One row per customer: numeric feature columns and ``label``.
            label: Name of the 0/1 label column.

        Returns:
            self

        Raises:
            DataError: If the table is empty, the label is missing, not 0/1 or has a single
                class, or a feature is not numeric or has missing values (naming it).
            ValueError: If ``method`` is unknown.
        """
        estimator = self._estimator()
        frame = require_frame(data, "data")
        require_columns(frame, [label], "data")
        features = [c for c in frame.columns if c != label]
        if not features:
            raise DataError(f"data: no feature columns besides the label '{label}'")
        for column in [*features, label]:
            require_numeric(frame, column, "data")
        y = frame[label].to_numpy(dtype=float)
        if not np.isin(y, (0.0, 1.0)).all():
            raise DataError(f"data: column '{label}' must hold 0/1 labels")
        if y.min() == y.max():
            raise DataError(f"data: column '{label}' needs both churners (1) and stayers (0)")
        x = frame[features].astype(float)
        estimator.fit(x, y)
        self.estimator_ = estimator
        self.features_ = features
        self.base_rate_ = float(y.mean())
        self.reference_ = x.median()
        importance = permutation_importance(
            estimator, x, y, scoring="roc_auc", n_repeats=5, random_state=self.random_state
        )
        self.importances_ = pd.Series(
            importance.importances_mean, index=features, name="importance"
        )
        return self

    def predict_proba(self, data: pd.DataFrame) -> pd.Series:
        """Probability of churning within the horizon, per customer.

        Returns:
            Series ``churn_probability`` indexed like ``data``.
        """
        x = self._features(data, "predict_proba")
        proba = self.estimator_.predict_proba(x)[:, 1]
        return pd.Series(proba, index=x.index, name="churn_probability")

    def predict(self, data: pd.DataFrame, threshold: float = 0.5) -> pd.Series:
        """Predicted churners: probability at or above ``threshold``.

        With few churners, 0.5 flags few customers; a campaign usually targets the top
        of the ranking instead (:meth:`early_warning`, :func:`lift_table`).

        Returns:
            Series ``churn`` (0/1) indexed like ``data``.
        """
        proba = self.predict_proba(data)
        return (proba >= threshold).astype(int).rename("churn")

    def score(self, data: pd.DataFrame, label: str = LABEL) -> float:
        """AUC of the model on labelled data (the scikit-learn ``score`` convention)."""
        frame = require_frame(data, "data")
        require_columns(frame, [label], "data")
        return auc(frame[label], self.predict_proba(frame))

    def summary(self) -> pd.DataFrame:
        """What the model relies on, most important feature first.

        Returns:
            DataFrame indexed by ``feature`` with ``importance`` (permutation importance,
            see ``importances_``); the logistic regression adds ``coefficient`` (log-odds
            per standard deviation of the feature) and ``odds_ratio``.
        """
        require_fitted(self, "estimator_", "summary")
        table = self.importances_.to_frame()
        if self.method == "logistic":
            table["coefficient"] = self.estimator_[-1].coef_[0]
            table["odds_ratio"] = np.exp(table["coefficient"])
        table.index.name = "feature"
        return table.sort_values("importance", ascending=False)

    def early_warning(self, data: pd.DataFrame, top: int = 20, drivers: int = 3) -> pd.DataFrame:
        """The ``top`` customers most at risk, with what drives each score.

        A driver is a feature whose value raises this customer's score: setting it to the
        training median (a typical customer) would lower the predicted probability. The
        largest such drops are listed, e.g. ``recency=7 (+0.21)``.

        Args:
            data: Features of the customers to rank (as :func:`churn_features` returns).
            top: Number of customers to list.
            drivers: Number of drivers per customer.

        Returns:
            DataFrame indexed like ``data`` (riskiest first) with ``rank``,
            ``churn_probability`` and ``drivers`` (a "feature=value (+effect)" list,
            empty if no feature stands out).
        """
        top = _check_whole(top, "top", 1)
        drivers = _check_whole(drivers, "drivers", 1)
        proba = self.predict_proba(data)
        ranked = proba.sort_values(ascending=False, kind="stable").head(top)
        x = data.loc[ranked.index, self.features_].astype(float)
        typical = np.repeat(x.to_numpy(), len(self.features_), axis=0)
        column = np.tile(np.arange(len(self.features_)), len(x))
        typical[np.arange(len(typical)), column] = self.reference_.to_numpy()[column]
        typical = pd.DataFrame(typical, columns=self.features_)
        lowered = self.estimator_.predict_proba(typical)[:, 1].reshape(len(x), -1)
        effects = ranked.to_numpy()[:, None] - lowered
        lists = []
        for row, effect in zip(x.to_numpy(), effects, strict=True):
            best = [j for j in np.argsort(-effect, kind="stable")[:drivers] if effect[j] > 0]
            lists.append(
                "; ".join(f"{self.features_[j]}={row[j]:g} (+{effect[j]:.2f})" for j in best)
            )
        return pd.DataFrame(
            {
                "rank": np.arange(1, len(ranked) + 1),
                "churn_probability": ranked.to_numpy(),
                "drivers": lists,
            },
            index=ranked.index,
        )


# ---------------------------------------------------------------------- decision trees
def tree_rules(
    model: ChurnModel | DecisionTreeClassifier,
    feature_names: Sequence[str] | None = None,
    decimals: int = 2,
) -> str:
    """The if-then rules of a fitted decision tree, as indented text.

    Args:
        model: A fitted ``ChurnModel("tree")`` or scikit-learn DecisionTreeClassifier.
        feature_names: Names of the tree's features; taken from the model if None.
        decimals: Decimals of the thresholds and class shares.

    Returns:
        The text of ``sklearn.tree.export_text``, one line per split and leaf.

    Raises:
        NotFittedError: If the model is not fitted.
        ValueError: If the model is not a decision tree.
    """
    if isinstance(model, ChurnModel):
        require_fitted(model, "estimator_", "tree_rules")
        if model.method != "tree":
            raise ValueError(f"tree_rules: the model is a '{model.method}', not a 'tree'")
        feature_names = model.features_ if feature_names is None else feature_names
        model = model.estimator_
    if not isinstance(model, DecisionTreeClassifier):
        raise ValueError(f"tree_rules: expected a decision tree, got {type(model).__name__}")
    require_fitted(model, "tree_", "tree_rules")
    if feature_names is None and hasattr(model, "feature_names_in_"):
        feature_names = list(model.feature_names_in_)
    names = None if feature_names is None else list(feature_names)
    return export_text(model, feature_names=names, decimals=decimals, show_weights=True)


def credit_approval_data() -> pd.DataFrame:
    """Twenty loan applicants and the bank's decisions: the classic first decision tree.

    The decisions follow three rules a credit officer could state: decline anyone who has
    defaulted before; approve the others if they earn at least 50 (thousand a year), or
    if they have held their job for at least 5 years; decline the rest. A decision tree
    fitted to the table finds exactly these rules (see :func:`tree_rules`), which is the
    point of the example: the tree turns past decisions back into readable rules. The
    numbers are made up for teaching.

    Returns:
        DataFrame indexed by ``applicant`` with ``income`` (thousands a year),
        ``years_employed``, ``prior_default`` (0/1) and ``approved`` (0/1).
    """
    rows = [
        (72, 10, 1, 0),
        (35, 2, 1, 0),
        (58, 1, 1, 0),
        (41, 8, 1, 0),
        (95, 4, 1, 0),
        (88, 12, 0, 1),
        (64, 1, 0, 1),
        (51, 3, 0, 1),
        (120, 6, 0, 1),
        (55, 0, 0, 1),
        (45, 7, 0, 1),
        (30, 15, 0, 1),
        (38, 5, 0, 1),
        (28, 9, 0, 1),
        (44, 2, 0, 0),
        (25, 1, 0, 0),
        (33, 4, 0, 0),
        (48, 3, 0, 0),
        (39, 0, 0, 0),
        (22, 2, 0, 0),
    ]
    table = pd.DataFrame(rows, columns=["income", "years_employed", "prior_default", "approved"])
    table.index = pd.RangeIndex(1, len(rows) + 1, name="applicant")
    return table
