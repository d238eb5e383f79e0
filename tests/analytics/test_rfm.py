import pandas as pd
import pytest

from sim.analytics.rfm import RFM, SEGMENT_RULES, quantile_scores
from sim.errors import DataError, NotFittedError

AS_OF = "2024-01-31"


@pytest.fixture
def transactions() -> pd.DataFrame:
    """Five customers whose RFM values are worked out by hand in the tests below.

    As of 2024-01-31:
        A: recency 1,  frequency 3, total 60,  mean 20
        B: recency 30, frequency 1, total 100, mean 100
        C: recency 5,  frequency 2, total 10,  mean 5
        D: recency 16, frequency 4, total 160, mean 40
        E: recency 91, frequency 1, total 15,  mean 15
    """
    rows = [
        ("A", "2024-01-30", 10.0),
        ("A", "2024-01-20", 20.0),
        ("A", "2024-01-10", 30.0),
        ("B", "2024-01-01", 100.0),
        ("C", "2024-01-25", 5.0),
        ("C", "2024-01-26", 5.0),
        ("D", "2023-12-01", 40.0),
        ("D", "2023-12-15", 40.0),
        ("D", "2024-01-05", 40.0),
        ("D", "2024-01-15", 40.0),
        ("E", "2023-11-01", 15.0),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def test_recency_frequency_monetary_match_hand_computation(transactions):
    scores = RFM().fit(transactions, as_of=AS_OF).scores_
    assert scores["recency"].to_dict() == {"A": 1, "B": 30, "C": 5, "D": 16, "E": 91}
    assert scores["frequency"].to_dict() == {"A": 3, "B": 1, "C": 2, "D": 4, "E": 1}
    assert scores["monetary"].to_dict() == {"A": 60, "B": 100, "C": 10, "D": 160, "E": 15}


def test_scores_match_hand_computation_with_recency_reversed_and_ties_by_customer_order(
    transactions,
):
    # 5 customers, 5 bins: score = rank. Recency: smaller is better (A best, E worst).
    # Frequency: B and E tie at 1; B comes first in customer order, so B ranks lower.
    scores = RFM().fit(transactions, as_of=AS_OF).scores_
    assert scores["r_score"].to_dict() == {"A": 5, "B": 2, "C": 4, "D": 3, "E": 1}
    assert scores["f_score"].to_dict() == {"A": 4, "B": 1, "C": 3, "D": 5, "E": 2}
    assert scores["m_score"].to_dict() == {"A": 3, "B": 4, "C": 1, "D": 5, "E": 2}
    assert scores["rfm_cell"].to_dict() == {
        "A": "543",
        "B": "214",
        "C": "431",
        "D": "355",
        "E": "122",
    }
    assert scores.loc["D", "rfm_score"] == 13


def test_mean_monetary_scores_spend_per_transaction(transactions):
    scores = RFM(monetary="mean").fit(transactions, as_of=AS_OF).scores_
    assert scores["monetary"].to_dict() == {"A": 20, "B": 100, "C": 5, "D": 40, "E": 15}
    assert scores["m_score"].to_dict() == {"A": 3, "B": 5, "C": 1, "D": 4, "E": 2}
    assert scores["revenue"].to_dict() == {"A": 60, "B": 100, "C": 10, "D": 160, "E": 15}


def test_quintiles_put_two_of_ten_customers_in_each_score():
    scores = quantile_scores(pd.Series(range(1, 11)), bins=5)
    assert scores.tolist() == [1, 1, 2, 2, 3, 3, 4, 4, 5, 5]
    reversed_scores = quantile_scores(pd.Series(range(1, 11)), bins=5, ascending=False)
    assert reversed_scores.tolist() == [5, 5, 4, 4, 3, 3, 2, 2, 1, 1]


def test_scores_do_not_depend_on_row_order(transactions):
    shuffled = transactions.sample(frac=1, random_state=3)
    first = RFM().fit(transactions, as_of=AS_OF).scores_
    second = RFM().fit(shuffled, as_of=AS_OF).scores_
    pd.testing.assert_frame_equal(first, second)


def test_transactions_after_as_of_are_ignored(transactions):
    scores = RFM().fit(transactions, as_of="2024-01-20").scores_
    assert scores.loc["A", "recency"] == 0
    assert scores.loc["A", "frequency"] == 2
    assert scores.loc["A", "revenue"] == 50
    assert "C" not in scores.index


def test_default_as_of_is_latest_transaction_date(transactions):
    model = RFM().fit(transactions)
    assert model.as_of_ == pd.Timestamp("2024-01-30")
    assert model.scores_.loc["A", "recency"] == 0


def test_segments_follow_rule_table(transactions):
    segments = RFM().fit(transactions, as_of=AS_OF).segments()
    assert segments.to_dict() == {
        "A": "Champions",  # R5 F4
        "B": "Hibernating",  # R2 F1
        "C": "Loyal",  # R4 F3
        "D": "Loyal",  # R3 F5
        "E": "Lost",  # R1 F2
    }
    assert segments.cat.ordered


def test_segment_rules_name_every_recency_frequency_cell():
    for r in range(1, 6):
        for f in range(1, 6):
            matches = [
                name
                for name, (r_lo, r_hi), (f_lo, f_hi) in SEGMENT_RULES
                if r_lo <= r <= r_hi and f_lo <= f <= f_hi
            ]
            assert matches, f"cell R{r} F{f} has no segment"


def test_summary_counts_customers_and_revenue_per_segment(transactions):
    summary = RFM().fit(transactions, as_of=AS_OF).summary()
    assert summary.loc["Loyal", "customers"] == 2
    assert summary.loc["Loyal", "revenue"] == 170
    assert summary.loc["Loyal", "share_revenue"] == pytest.approx(170 / 345)
    assert summary.loc["New", "customers"] == 0
    assert summary["customers"].sum() == 5


def test_value_matrix_splits_at_mean_frequency_and_mean_purchase(transactions):
    # Mean frequency 2.2 -> A, D high. Mean spend per purchase 36 -> B, D high.
    matrix = RFM().fit(transactions, as_of=AS_OF).value_matrix()
    assert matrix["customers"].to_dict() == {
        "Best": 1,
        "Frequent": 1,
        "Spenders": 1,
        "Uncertain": 2,
    }
    assert matrix["revenue"].to_dict() == {
        "Best": 160,
        "Frequent": 60,
        "Spenders": 100,
        "Uncertain": 25,
    }
    assert matrix.loc["Spenders", ["frequency", "avg_spend"]].tolist() == ["low", "high"]
    assert matrix["share_revenue"].sum() == pytest.approx(1.0)


def test_value_matrix_median_split_counts_the_median_as_low(transactions):
    # Median frequency 2 and median spend 20: C (2 purchases) and A (spend 20) stay low.
    matrix = RFM().fit(transactions, as_of=AS_OF).value_matrix(split="median")
    assert matrix["customers"].tolist() == [1, 1, 1, 2]


def test_other_column_names_work(transactions):
    renamed = transactions.rename(columns={"customer_id": "cust", "date": "day", "amount": "eur"})
    scores = RFM().fit(renamed, as_of=AS_OF, customer_id="cust", date="day", amount="eur").scores_
    assert scores.index.name == "cust"
    assert scores["rfm_cell"].to_dict()["D"] == "355"


@pytest.mark.parametrize("column", ["customer_id", "date", "amount"])
def test_missing_column_is_named(transactions, column):
    with pytest.raises(DataError, match=column):
        RFM().fit(transactions.drop(columns=column))


def test_negative_amount_is_rejected(transactions):
    transactions.loc[0, "amount"] = -5.0
    with pytest.raises(DataError, match="'amount'"):
        RFM().fit(transactions)


def test_unparseable_date_is_rejected(transactions):
    bad = transactions.astype({"date": str})
    bad.loc[2, "date"] = "not a date"
    with pytest.raises(DataError, match="'date'"):
        RFM().fit(bad)


def test_missing_date_is_rejected(transactions):
    transactions.loc[1, "date"] = pd.NaT
    with pytest.raises(DataError, match="'date'"):
        RFM().fit(transactions)


def test_empty_table_is_rejected(transactions):
    with pytest.raises(DataError, match="empty"):
        RFM().fit(transactions.iloc[0:0])


def test_as_of_before_all_transactions_is_rejected(transactions):
    with pytest.raises(DataError, match="as_of"):
        RFM().fit(transactions, as_of="2020-01-01")


def test_invalid_parameters_are_rejected(transactions):
    with pytest.raises(ValueError, match="bins"):
        RFM(bins=1).fit(transactions)
    with pytest.raises(ValueError, match="monetary"):
        RFM(monetary="median").fit(transactions)


@pytest.mark.parametrize("method", ["segments", "summary", "value_matrix"])
def test_methods_need_fit_first(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(RFM(), method)()
