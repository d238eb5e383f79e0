import numpy as np
import pandas as pd
import pytest

from sim.analytics.summary_tables import rfm_summary
from sim.datasets import load_cdnow
from sim.errors import DataError


@pytest.fixture
def log() -> pd.DataFrame:
    # 2024-01-01 is a Monday, so pandas weeks (Monday..Sunday) start on it.
    return pd.DataFrame(
        {
            "customer_id": ["A", "A", "A", "A", "B", "C"],
            "date": [
                "2024-01-01",
                "2024-01-01",
                "2024-01-03",
                "2024-01-10",
                "2024-01-05",
                "2024-01-12",
            ],
            "amount": [10.0, 5.0, 20.0, 30.0, 7.0, 8.0],
        }
    )


def test_daily_summary_counts_repeat_days_and_averages_repeat_amounts(log):
    summary = rfm_summary(log, freq="D", observation_end="2024-01-15")
    assert summary.index.name == "customer_id"
    assert summary.loc["A"].to_dict() == {
        "frequency": 2,
        "recency": 9.0,
        "T": 14.0,
        "monetary_value": 25.0,
    }
    assert summary.loc["B"].to_dict() == {
        "frequency": 0,
        "recency": 0.0,
        "T": 10.0,
        "monetary_value": 0.0,
    }
    assert summary["frequency"].dtype == np.int64


def test_purchases_in_the_same_week_collapse_into_one_with_summed_amount(log):
    summary = rfm_summary(log, freq="W", observation_end="2024-01-15")
    # A bought in week 1 (3 transactions) and week 2; the 15th starts week 3.
    assert summary.loc["A"].to_dict() == {
        "frequency": 1,
        "recency": 1.0,
        "T": 2.0,
        "monetary_value": 30.0,
    }


def test_monthly_summary_sees_one_purchase_month(log):
    summary = rfm_summary(log, freq="M")
    assert (summary["frequency"] == 0).all()
    assert (summary["T"] == 0).all()


def test_observation_end_defaults_to_the_last_transaction(log):
    summary = rfm_summary(log, freq="D")
    assert summary.loc["A", "T"] == 11.0
    assert summary.loc["C", "T"] == 0.0


def test_calibration_split_adds_holdout_columns_and_drops_later_customers(log):
    summary = rfm_summary(log, freq="D", calibration_end="2024-01-05", observation_end="2024-01-15")
    assert list(summary.index) == ["A", "B"]
    assert summary.loc["A"].to_dict() == {
        "frequency": 1,
        "recency": 2.0,
        "T": 4.0,
        "monetary_value": 20.0,
        "frequency_holdout": 1,
        "monetary_value_holdout": 30.0,
        "duration_holdout": 10.0,
    }
    assert summary.loc["B", "frequency_holdout"] == 0
    assert summary.loc["B", "monetary_value_holdout"] == 0.0


def test_without_amount_column_no_monetary_value_is_returned(log):
    summary = rfm_summary(log.drop(columns="amount"), amount=None, freq="D")
    assert list(summary.columns) == ["frequency", "recency", "T"]


def test_custom_column_names_are_used(log):
    renamed = log.rename(columns={"customer_id": "client", "date": "day", "amount": "eur"})
    summary = rfm_summary(renamed, customer_id="client", date="day", amount="eur", freq="D")
    assert summary.index.name == "client"
    assert summary.loc["A", "frequency"] == 2


def test_reproduces_the_published_cdnow_summary_from_the_transaction_log():
    # Fader, Hardie & Lee's summary is in weeks computed from days (2 decimals): daily
    # periods divided by 7 must agree to rounding (0.005).
    cdnow = load_cdnow()
    summary = rfm_summary(
        cdnow.transactions,
        freq="D",
        calibration_end="1997-09-30",
        observation_end="1998-06-30",
    )
    published = cdnow.summary
    assert summary.index.equals(published.index)
    assert (summary["frequency"] == published["frequency"]).all()
    assert np.abs(summary["recency"] / 7 - published["recency"]).max() < 0.0051
    assert np.abs(summary["T"] / 7 - published["T"]).max() < 0.0051
    assert np.abs(summary["monetary_value"] - published["monetary_value"]).max() < 0.0051
    assert summary["duration_holdout"].iloc[0] / 7 == 39.0


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda df: df.drop(columns="amount"), r"missing column\(s\) \['amount'\]"),
        (lambda df: df.assign(amount=-df["amount"]), "'amount' has 6 negative"),
        (lambda df: df.assign(date="not a date"), "'date' must hold dates"),
        (lambda df: df.assign(date=[None, *df["date"][1:]]), "'date' has 1 missing"),
        (lambda df: df.assign(customer_id=[None, *df["customer_id"][1:]]), "'customer_id'"),
        (lambda df: df.iloc[0:0], "empty"),
    ],
)
@pytest.mark.filterwarnings("ignore:Could not infer format")
def test_bad_transaction_logs_raise_data_error_naming_the_column(log, change, message):
    with pytest.raises(DataError, match=message):
        rfm_summary(change(log))


def test_observation_end_before_last_transaction_raises_data_error(log):
    with pytest.raises(DataError, match="observation_end: 2024-01-10 is before"):
        rfm_summary(log, observation_end="2024-01-10")


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"freq": "Y"}, "freq: got 'Y'"),
        ({"calibration_end": "2023-12-01"}, "calibration_end"),
        ({"calibration_end": "2024-02-01"}, "calibration_end"),
        ({"observation_end": "soon"}, "observation_end: cannot read"),
    ],
)
def test_bad_arguments_raise_data_error_naming_them(log, arguments, message):
    with pytest.raises(DataError, match=message):
        rfm_summary(log, **arguments)


def test_a_list_instead_of_a_dataframe_raises_data_error():
    with pytest.raises(DataError, match="transactions: expected a pandas DataFrame"):
        rfm_summary([("A", "2024-01-01", 1.0)])
