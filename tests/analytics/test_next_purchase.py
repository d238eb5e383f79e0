import pandas as pd
import pytest

from sim.analytics.next_purchase import NextPurchase
from sim.errors import DataError, NotFittedError


@pytest.fixture
def transactions() -> pd.DataFrame:
    """Three rice households, worked out by hand.

    h1 buys every 10 days (two purchases on 11 January count as one trip).
    h2: gaps 2, 2, 20 days -> mean 8, median 2.
    h3 bought once: gets the pooled median of [10, 10, 2, 2, 20] = 10 days.
    """
    rows = [
        ("h1", "2024-01-01 09:00"),
        ("h1", "2024-01-11 09:00"),
        ("h1", "2024-01-11 17:30"),
        ("h1", "2024-01-21 10:00"),
        ("h2", "2024-01-01 12:00"),
        ("h2", "2024-01-03 12:00"),
        ("h2", "2024-01-05 12:00"),
        ("h2", "2024-01-25 12:00"),
        ("h3", "2024-01-20 08:00"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_intervals_and_predictions_match_hand_computation(transactions):
    model = NextPurchase().fit(transactions)
    customers = model.customers_
    assert customers["purchases"].to_dict() == {"h1": 3, "h2": 4, "h3": 1}
    assert customers["mean_interval"]["h2"] == pytest.approx(8)
    assert customers["median_interval"]["h2"] == pytest.approx(2)
    assert pd.isna(customers["mean_interval"]["h3"])
    assert model.population_interval_ == pytest.approx(10)
    assert customers["interval_source"].to_dict() == {
        "h1": "own",
        "h2": "own",
        "h3": "population",
    }
    assert customers["predicted_next"].to_dict() == {
        "h1": pd.Timestamp("2024-01-31"),
        "h2": pd.Timestamp("2024-02-02"),
        "h3": pd.Timestamp("2024-01-30"),
    }


def test_median_statistic_resists_one_long_gap(transactions):
    customers = NextPurchase(statistic="median").fit(transactions).customers_
    assert customers.loc["h2", "predicted_next"] == pd.Timestamp("2024-01-27")


def test_predict_sorts_by_predicted_date_and_counts_days_overdue(transactions):
    table = NextPurchase().fit(transactions).predict(as_of="2024-01-31")
    assert table.index.tolist() == ["h3", "h1", "h2"]
    assert table["days_overdue"].tolist() == pytest.approx([1, 0, -2])


def test_predict_defaults_to_latest_purchase_date(transactions):
    table = NextPurchase().fit(transactions).predict()
    # Latest purchase day is 25 January; h3 is due on the 30th.
    assert table.loc["h3", "days_overdue"] == pytest.approx(-5)


def test_due_lists_overdue_and_soon_due_customers(transactions):
    model = NextPurchase().fit(transactions)
    assert model.due(as_of="2024-01-31", within_days=0).index.tolist() == ["h3", "h1"]
    assert model.due(as_of="2024-01-31", within_days=2).index.tolist() == ["h3", "h1", "h2"]
    assert model.due(as_of="2024-01-25", within_days=3).empty
    assert model.due(as_of="2024-01-25", within_days=5).index.tolist() == ["h3"]


def test_other_column_names_work(transactions):
    renamed = transactions.rename(columns={"customer_id": "household", "date": "bought"})
    model = NextPurchase().fit(renamed, customer_id="household", date="bought")
    assert model.customers_.index.name == "household"
    assert model.customers_.loc["h1", "interval_days"] == pytest.approx(10)


def test_no_repeat_purchases_is_rejected():
    data = pd.DataFrame(
        {"customer_id": ["a", "b", "b"], "date": ["2024-01-01", "2024-01-02", "2024-01-02"]}
    )
    with pytest.raises(DataError, match="'date'"):
        NextPurchase().fit(data)


@pytest.mark.parametrize("column", ["customer_id", "date"])
def test_missing_column_is_named(transactions, column):
    with pytest.raises(DataError, match=column):
        NextPurchase().fit(transactions.drop(columns=column))


def test_unparseable_date_is_rejected(transactions):
    bad = transactions.astype({"date": str})
    bad.loc[3, "date"] = "yesterday-ish"
    with pytest.raises(DataError, match="'date'"):
        NextPurchase().fit(bad)


def test_empty_table_is_rejected(transactions):
    with pytest.raises(DataError, match="empty"):
        NextPurchase().fit(transactions.iloc[0:0])


def test_invalid_arguments_are_rejected(transactions):
    with pytest.raises(ValueError, match="statistic"):
        NextPurchase(statistic="mode").fit(transactions)
    with pytest.raises(ValueError, match="within_days"):
        NextPurchase().fit(transactions).due(within_days=-1)


@pytest.mark.parametrize("method", ["predict", "due"])
def test_methods_need_fit_first(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(NextPurchase(), method)()
