import numpy as np
import pandas as pd
import pytest

from sim.analytics.cohorts import (
    PROFIT_COSTS,
    PROFIT_SOURCES,
    cohort_retention,
    cohort_revenue,
    profit_by_tenure_year,
    retention_by_tenure_year,
)
from sim.errors import DataError


@pytest.fixture
def transactions() -> pd.DataFrame:
    """Four customers over January-March 2024.

    Cohorts: January = {c1, c2}, February = {c3}, March = {c4}.
    """
    rows = [
        ("c1", "2024-01-05", 10.0),
        ("c1", "2024-02-10", 20.0),
        ("c1", "2024-03-03", 30.0),
        ("c2", "2024-01-20", 40.0),
        ("c2", "2024-03-15", 50.0),
        ("c3", "2024-02-01", 5.0),
        ("c3", "2024-02-20", 5.0),
        ("c4", "2024-03-30", 100.0),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "date", "amount"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _rows(table: pd.DataFrame) -> list[list[float]]:
    return table.to_numpy().tolist()


def test_retention_table_matches_hand_computation(transactions):
    table = cohort_retention(transactions)
    assert [str(p) for p in table.index] == ["2024-01", "2024-02", "2024-03"]
    assert table.columns.tolist() == [0, 1, 2]
    expected = [[1.0, 0.5, 1.0], [1.0, 0.0, np.nan], [1.0, np.nan, np.nan]]
    np.testing.assert_allclose(table.to_numpy(), expected)


def test_revenue_table_matches_hand_computation(transactions):
    total = cohort_revenue(transactions)
    np.testing.assert_allclose(
        total.to_numpy(), [[50, 20, 80], [10, 0, np.nan], [100, np.nan, np.nan]]
    )
    per_customer = cohort_revenue(transactions, per_customer=True)
    np.testing.assert_allclose(
        per_customer.to_numpy(), [[25, 10, 40], [10, 0, np.nan], [100, np.nan, np.nan]]
    )


def test_quarterly_cohorts_merge_the_months(transactions):
    table = cohort_retention(transactions, period="Q")
    assert [str(p) for p in table.index] == ["2024Q1"]
    assert _rows(table) == [[1.0]]


def test_other_column_names_work(transactions):
    renamed = transactions.rename(columns={"customer_id": "who", "date": "when", "amount": "eur"})
    table = cohort_revenue(renamed, customer_id="who", date="when", amount="eur")
    assert table.iloc[0, 2] == 80


@pytest.mark.parametrize("column", ["customer_id", "date"])
def test_retention_missing_column_is_named(transactions, column):
    with pytest.raises(DataError, match=column):
        cohort_retention(transactions.drop(columns=column))


def test_revenue_negative_amount_is_rejected(transactions):
    transactions.loc[4, "amount"] = -1.0
    with pytest.raises(DataError, match="'amount'"):
        cohort_revenue(transactions)


def test_unparseable_date_is_rejected(transactions):
    bad = transactions.astype({"date": str})
    bad.loc[3, "date"] = "31/31/2024"
    with pytest.raises(DataError, match="'date'"):
        cohort_retention(bad)


def test_empty_transactions_are_rejected(transactions):
    with pytest.raises(DataError, match="empty"):
        cohort_retention(transactions.iloc[0:0])


SOURCES = list(PROFIT_SOURCES)
COSTS = list(PROFIT_COSTS)


@pytest.fixture
def customer_months() -> pd.DataFrame:
    """Two customers, four rows; every number is written out by hand.

    Columns: base, increased purchases, reduced operating costs, referrals, price
    premium, acquisition cost, retention cost, profit (= sources - costs).
    """
    rows = [
        ("A", 0, 10.0, 0.0, 0.0, 0.0, 0.0, 30.0, 0.0, -20.0),
        ("A", 5, 10.0, 2.0, 1.0, 0.0, 0.0, 0.0, 1.0, 12.0),
        ("A", 12, 10.0, 4.0, 2.0, 3.0, 1.0, 0.0, 0.0, 20.0),
        ("B", 0, 6.0, 0.0, 0.0, 0.0, 0.0, 30.0, 0.0, -24.0),
    ]
    columns = ["customer_id", "tenure_months", *SOURCES, *COSTS, "profit"]
    return pd.DataFrame(rows, columns=columns)


def test_profit_by_tenure_year_matches_hand_computation(customer_months):
    table = profit_by_tenure_year(customer_months)
    assert table.index.tolist() == [0, 1, 2]
    assert table["customers"].tolist() == [2, 2, 1]
    # Year 0: acquisition 60 over 2 customers. Year 1: rows A0, A5, B0 over 2 customers,
    # profit with acquisition moved out = (10 + 12 + 6) / 2. Year 2: row A12.
    assert table["acquisition_cost"].tolist() == pytest.approx([-30, 0, 0])
    assert table["base_profit"].tolist() == pytest.approx([0, 13, 10])
    assert table["increased_purchases"].tolist() == pytest.approx([0, 1, 4])
    assert table["reduced_operating_costs"].tolist() == pytest.approx([0, 0.5, 2])
    assert table["referrals"].tolist() == pytest.approx([0, 0, 3])
    assert table["price_premium"].tolist() == pytest.approx([0, 0, 1])
    assert table["retention_cost"].tolist() == pytest.approx([0, -0.5, 0])
    assert table["profit"].tolist() == pytest.approx([-30, 14, 20])
    assert "other" not in table.columns


def _synthetic_customer_months(seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for firm in ("A", "B"):
        for customer in range(30):
            months = int(rng.integers(1, 40))
            frame = pd.DataFrame(
                {
                    "customer_id": customer,
                    "firm": firm,
                    "tenure_months": np.arange(months),
                }
            )
            for column in SOURCES:
                frame[column] = rng.gamma(2.0, 3.0, months)
            frame["acquisition_cost"] = np.where(frame["tenure_months"] == 0, 80.0, 0.0)
            frame["retention_cost"] = rng.uniform(0, 2, months)
            frames.append(frame)
    data = pd.concat(frames, ignore_index=True)
    data["profit"] = data[SOURCES].sum(axis=1) - data[COSTS].sum(axis=1)
    return data


def test_profit_sources_sum_to_total_profit_each_year():
    data = _synthetic_customer_months(seed=5)
    table = profit_by_tenure_year(data)
    components = table[SOURCES + COSTS].sum(axis=1)
    np.testing.assert_allclose(components, table["profit"], rtol=1e-10, atol=1e-9)
    assert "other" not in table.columns
    # Means times customers give back the firm's total profit: nothing lost or doubled.
    recovered = (table["profit"] * table["customers"]).sum()
    assert recovered == pytest.approx(data["profit"].sum())


def test_relationships_with_two_firms_count_as_two_customers():
    data = _synthetic_customer_months(seed=6)
    table = profit_by_tenure_year(data)
    assert table.loc[0, "customers"] == 60
    assert table.loc[1, "customers"] == 60
    single = profit_by_tenure_year(data, firm=None)
    assert single.loc[1, "customers"] == 30


def test_missing_source_leaves_an_other_column_so_the_total_still_adds_up(customer_months):
    table = profit_by_tenure_year(customer_months.drop(columns="referrals"))
    assert table["other"].tolist() == pytest.approx([0, 0, 3])
    components = table.drop(columns=["customers", "profit"]).sum(axis=1)
    np.testing.assert_allclose(components, table["profit"])


def test_without_acquisition_cost_there_is_no_year_zero(customer_months):
    table = profit_by_tenure_year(customer_months.drop(columns="acquisition_cost"))
    assert table.index.tolist() == [1, 2]
    # Profit still carries the acquisition cost in year 1: (-20 + 12 - 24) / 2.
    assert table.loc[1, "profit"] == pytest.approx(-16)
    assert table.loc[1, "other"] == pytest.approx(-30)


@pytest.mark.parametrize("column", ["customer_id", "tenure_months", "profit"])
def test_profit_by_tenure_missing_column_is_named(customer_months, column):
    with pytest.raises(DataError, match=column):
        profit_by_tenure_year(customer_months.drop(columns=column))


def test_negative_tenure_is_rejected(customer_months):
    customer_months.loc[1, "tenure_months"] = -1
    with pytest.raises(DataError, match="'tenure_months'"):
        profit_by_tenure_year(customer_months)


def test_non_numeric_source_is_rejected(customer_months):
    with pytest.raises(DataError, match="'referrals'"):
        profit_by_tenure_year(customer_months.astype({"referrals": str}))


def test_empty_customer_months_are_rejected(customer_months):
    with pytest.raises(DataError, match="empty"):
        profit_by_tenure_year(customer_months.iloc[0:0])


def test_annualised_profit_counts_customers_for_the_months_observed(customer_months):
    full = pd.concat([customer_months.assign(customer_id=customer_months["customer_id"])] * 1)
    table = profit_by_tenure_year(full, annualise=True)
    rows = full.assign(year=full["tenure_months"] // 12 + 1)
    for year, group in rows.groupby("year"):
        profit = group["profit"] + group.get("acquisition_cost", 0.0)
        assert table.loc[year, "profit"] == pytest.approx(12 * profit.sum() / len(group))
    plain = profit_by_tenure_year(full)
    assert table.loc[0, "profit"] == pytest.approx(plain.loc[0, "profit"])
    assert (table["customers"] == plain["customers"]).all()


def test_retention_by_tenure_year_matches_hand_computation():
    # Customer 1 stays 30 months; customer 2 leaves in month 15 (tenure 14); customer 3
    # leaves in month 3 (tenure 2).
    months = pd.DataFrame(
        {
            "customer_id": [1] * 30 + [2] * 15 + [3] * 3,
            "tenure_months": [*range(30), *range(15), *range(3)],
        }
    )
    churn = pd.DataFrame({"customer_id": [2, 3], "tenure_months": [14, 2]})
    table = retention_by_tenure_year(months, churn)
    assert table.index.tolist() == [1, 2, 3]
    assert table["customer_months"].tolist() == [12 + 12 + 3, 12 + 3, 6]
    assert table["defections"].tolist() == [1, 1, 0]
    assert table.loc[1, "monthly_churn"] == pytest.approx(1 / 27)
    assert table.loc[2, "annual_retention"] == pytest.approx((1 - 1 / 15) ** 12)
    assert table.loc[3, "annual_retention"] == 1.0


def test_retention_rises_with_tenure_when_customers_differ():
    # Each customer has a fixed monthly churn probability; the base sorts itself.
    rng = np.random.default_rng(7)
    churn_p = rng.beta(0.7, 1.2, 3000) * 0.2
    lifetimes = np.minimum(rng.geometric(churn_p), 49)  # month of leaving, 49 = still there
    served = [np.arange(min(life, 48)) for life in lifetimes]
    months = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(3000), [len(s) for s in served]),
            "tenure_months": np.concatenate(served),
        }
    )
    churn = pd.DataFrame({"tenure_months": lifetimes[lifetimes <= 48] - 1})
    retention = retention_by_tenure_year(months, churn)["annual_retention"]
    assert retention.is_monotonic_increasing
    assert retention.loc[4] - retention.loc[1] > 0.15


def test_retention_by_tenure_year_keeps_one_firm():
    months = pd.DataFrame({"firm": ["A", "A", "B"], "tenure_months": [0, 1, 0]})
    churn = pd.DataFrame({"firm": ["A", "B"], "tenure_months": [1, 0]})
    table = retention_by_tenure_year(months, churn, firm="A")
    assert table["customer_months"].tolist() == [2]
    assert table["defections"].tolist() == [1]
    with pytest.raises(DataError, match="customer_months: no rows for 'C'"):
        retention_by_tenure_year(months, churn, firm="C")


def test_retention_by_tenure_year_names_a_missing_column():
    months = pd.DataFrame({"tenure_months": [0, 1]})
    with pytest.raises(DataError, match=r"churn_events.*tenure_months"):
        retention_by_tenure_year(months, pd.DataFrame({"tenure": [1]}))
