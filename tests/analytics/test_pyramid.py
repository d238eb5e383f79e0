import pandas as pd
import pytest

from sim.analytics.pyramid import CustomerPyramid
from sim.errors import DataError, NotFittedError


@pytest.fixture
def customer_rows() -> pd.DataFrame:
    """Ten customers, some over several rows; profit totals worked out by hand.

    Totals: c01 500, c02 300, c03 250, c04 100, c05 50, c06 0, c07 20, c08 -40,
    c09 -10, c10 80; total 1250. Ranking: c01, c02, c03, c04, c10, c05, c07, c06,
    c09, c08.
    """
    rows = [
        ("c01", 300.0, 900.0),
        ("c01", 200.0, 600.0),
        ("c02", 300.0, 700.0),
        ("c03", 250.0, 500.0),
        ("c04", 100.0, 300.0),
        ("c05", 50.0, 200.0),
        ("c06", 0.0, 100.0),
        ("c07", 20.0, 80.0),
        ("c08", -40.0, 2000.0),  # the biggest buyer loses money: lead, not platinum
        ("c09", 10.0, 50.0),
        ("c09", -20.0, 50.0),
        ("c10", 80.0, 250.0),
    ]
    return pd.DataFrame(rows, columns=["customer_id", "profit", "revenue"])


def test_tiers_match_hand_computation(customer_rows):
    # 10 customers, shares (0.1, 0.2): 1 platinum, then 2 gold.
    tiers = CustomerPyramid(shares=(0.1, 0.2)).fit(customer_rows).tiers_
    assert tiers.astype(str).to_dict() == {
        "c01": "platinum",
        "c02": "gold",
        "c03": "gold",
        "c04": "iron",
        "c05": "iron",
        "c06": "iron",
        "c07": "iron",
        "c08": "lead",
        "c09": "lead",
        "c10": "iron",
    }


def test_summary_matches_hand_computation(customer_rows):
    summary = CustomerPyramid(shares=(0.1, 0.2)).fit(customer_rows).summary()
    assert summary.index.tolist() == ["platinum", "gold", "iron", "lead"]
    assert summary["customers"].tolist() == [1, 2, 5, 2]
    assert summary["share_customers"].tolist() == pytest.approx([0.1, 0.2, 0.5, 0.2])
    assert summary["total_profit"].tolist() == pytest.approx([500, 550, 250, -50])
    assert summary["share_profit"].tolist() == pytest.approx([0.4, 0.44, 0.2, -0.04])
    assert summary["mean_profit"].tolist() == pytest.approx([500, 275, 50, -25])


def test_per_row_profit_is_summed_per_customer(customer_rows):
    model = CustomerPyramid().fit(customer_rows)
    assert model.profit_["c01"] == 500
    assert model.profit_["c09"] == -10


def test_default_shares_take_top_five_and_next_fifteen_percent():
    data = pd.DataFrame({"customer_id": range(40), "profit": range(40, 0, -1)})
    summary = CustomerPyramid().fit(data).summary()
    assert summary["customers"].tolist() == [2, 6, 32, 0]


def test_loss_makers_are_lead_and_break_even_is_iron_even_inside_top_shares():
    data = pd.DataFrame({"customer_id": ["a", "b", "c"], "profit": [2.0, 0.0, -1.0]})
    tiers = CustomerPyramid(shares=(0.5, 0.5)).fit(data).tiers_
    assert tiers.astype(str).tolist() == ["platinum", "iron", "lead"]


def test_tiers_are_ordered_from_lead_to_platinum(customer_rows):
    tiers = CustomerPyramid(shares=(0.1, 0.2)).fit(customer_rows).tiers_
    assert tiers.cat.ordered
    assert set(tiers[tiers > "iron"].index) == {"c01", "c02", "c03"}
    assert set(tiers[tiers < "iron"].index) == {"c08", "c09"}
    assert tiers.sort_values(ascending=False).index[0] == "c01"


def test_other_column_names_work(customer_rows):
    renamed = customer_rows.rename(columns={"customer_id": "client", "profit": "margin"})
    model = CustomerPyramid(shares=(0.1, 0.2)).fit(renamed, customer_id="client", profit="margin")
    assert model.tiers_["c01"] == "platinum"


@pytest.mark.parametrize("column", ["customer_id", "profit"])
def test_missing_column_is_named(customer_rows, column):
    with pytest.raises(DataError, match=column):
        CustomerPyramid().fit(customer_rows.drop(columns=column))


def test_non_numeric_profit_is_rejected(customer_rows):
    with pytest.raises(DataError, match="'profit'"):
        CustomerPyramid().fit(customer_rows.astype({"profit": str}))


def test_missing_profit_is_rejected(customer_rows):
    customer_rows.loc[3, "profit"] = float("nan")
    with pytest.raises(DataError, match="'profit'"):
        CustomerPyramid().fit(customer_rows)


def test_empty_table_is_rejected(customer_rows):
    with pytest.raises(DataError, match="empty"):
        CustomerPyramid().fit(customer_rows.iloc[0:0])


@pytest.mark.parametrize("shares", [(0.6, 0.6), (-0.1, 0.2), (0.1,)])
def test_invalid_shares_are_rejected(customer_rows, shares):
    with pytest.raises(ValueError, match="shares"):
        CustomerPyramid(shares=shares).fit(customer_rows)


def test_summary_needs_fit_first():
    with pytest.raises(NotFittedError, match="fit"):
        CustomerPyramid().summary()
