import numpy as np
import pandas as pd
import pytest

from sim.model import Market
from sim.scenario import Scenario
from sim.warehouse import QUERIES, query_sql, run_query

STAGES = ["prospect", "exploration", "formation", "stability", "decline", "churned"]


def _scenario() -> Scenario:
    return Scenario.load("baseline").with_overrides({"market.customers": 300, "market.months": 14})


@pytest.fixture(scope="module")
def market() -> Market:
    return Market(_scenario(), rng=3).run()


@pytest.fixture(scope="module")
def transactions(market) -> pd.DataFrame:
    return market.table("transactions").merge(market.table("customers"), on="customer_id")


@pytest.mark.parametrize("name", list(QUERIES))
def test_every_query_runs_and_says_what_it_returns(market, name):
    assert QUERIES[name].lstrip().startswith("-- ")
    assert not run_query(market, name).empty
    assert not run_query(market, name, firm="Focal").empty


@pytest.mark.parametrize(
    ("name", "keys"),
    [
        ("revenue_by_segment_by_month", ["month", "segment"]),
        ("revenue_by_region_by_year", ["year", "region"]),
        ("revenue_by_firm_by_month", ["month", "firm"]),
    ],
)
@pytest.mark.parametrize("firm", [None, "Rival"])
def test_revenue_cubes_match_the_raw_transactions(market, transactions, name, keys, firm):
    raw = transactions if firm is None else transactions[transactions["firm"] == firm]
    raw = raw.assign(year=(raw["month"] - 1) // 12 + 1)
    expected = raw.groupby(keys).agg(
        revenue=("amount", "sum"),
        transactions=("amount", "size"),
        buyers=("customer_id", "nunique"),
    )
    cube = run_query(market, name, firm=firm).set_index(keys)
    assert cube.index.is_unique
    pd.testing.assert_frame_equal(
        cube[expected.columns], expected, check_dtype=False, check_index_type=False
    )
    assert cube["revenue"].sum() == pytest.approx(raw["amount"].sum())


def test_product_revenue_adds_up_to_the_transactions(market, transactions):
    products = run_query(market, "revenue_by_product_by_month")
    by_month = products.groupby("month")["revenue"].sum()
    np.testing.assert_allclose(by_month, transactions.groupby("month")["amount"].sum())


def test_rollup_subtotals_add_up_to_the_grand_total(market, transactions):
    rollup = run_query(market, "revenue_rollup_region_segment").set_index(["region", "segment"])
    total = rollup.loc[("all", "all"), "revenue"]
    assert total == pytest.approx(transactions["amount"].sum())
    cells = rollup.drop(index="all", level="segment")
    subtotals = rollup.xs("all", level="segment").drop(index="all")["revenue"]
    np.testing.assert_allclose(cells.groupby(level="region")["revenue"].sum(), subtotals)
    assert subtotals.sum() == pytest.approx(total)
    by_region = transactions.groupby(transactions["region"].astype(str))["amount"].sum()
    np.testing.assert_allclose(subtotals.sort_index(), by_region.sort_index())


def test_stage_counts_match_the_markets_kpis(market):
    stages = run_query(market, "customers_by_stage_by_month")
    wide = stages.pivot(index="month", columns="stage", values="customers")[STAGES]
    assert (wide.sum(axis="columns") == 300).all()
    kpis = market.kpis().set_index("month")[STAGES]
    pd.testing.assert_frame_equal(wide.loc[kpis.index], kpis, check_dtype=False, check_names=False)


def test_a_firms_stage_counts_match_its_kpis(market):
    stages = run_query(market, "customers_by_stage_by_month", firm="Focal")
    assert set(stages["stage"]) == set(STAGES[1:-1])
    wide = stages.pivot(index="month", columns="stage", values="customers")[STAGES[1:-1]]
    kpis = market.firm_kpis()
    kpis = kpis[kpis["firm"] == "Focal"].set_index("month")
    pd.testing.assert_frame_equal(
        wide.loc[kpis.index], kpis[STAGES[1:-1]], check_dtype=False, check_names=False
    )
    assert (wide.loc[kpis.index].sum(axis="columns") == kpis["customers"]).all()


def test_churn_by_reason_counts_every_defection_once(market):
    churn = market.table("churn_events")
    table = run_query(market, "churn_by_reason_by_firm")
    assert table["churns"].sum() == len(churn)
    expected = churn.groupby(["firm", "reason"]).size()
    assert table.set_index(["firm", "reason"])["churns"].sort_index().equals(expected)
    np.testing.assert_allclose(table.groupby("firm")["share"].sum(), 1.0)
    assert table["switched_to_rival"].sum() == churn["switched_to"].notna().sum()
    assert set(run_query(market, "churn_by_reason_by_firm", firm="Rival")["firm"]) == {"Rival"}


def test_profit_by_tenure_year_covers_every_customer_month(market):
    months = market.table("customer_months")
    table = run_query(market, "profit_by_tenure_year")
    assert table["customer_months"].sum() == len(months)
    weighted = (table["profit"] / 12 * table["customer_months"]).sum()
    assert weighted == pytest.approx(months["profit"].sum())


def test_queries_give_the_same_answer_on_parquet_files(market, tmp_path):
    on_files = Market(_scenario(), rng=3, database=tmp_path / "crm", backend="parquet").run()
    for name in ("customers_by_stage_by_month", "revenue_rollup_region_segment"):
        pd.testing.assert_frame_equal(run_query(on_files, name), run_query(market, name))


def test_a_duckdb_connection_can_be_queried_directly(market):
    direct = run_query(market.warehouse.connection, "churn_by_reason_by_firm")
    pd.testing.assert_frame_equal(direct, run_query(market, "churn_by_reason_by_firm"))


def test_a_firm_name_is_quoted_not_executed(market):
    assert "'O''Brien; DROP TABLE transactions'" in query_sql(
        "revenue_by_firm_by_month", firm="O'Brien; DROP TABLE transactions"
    )
    assert run_query(market, "revenue_by_firm_by_month", firm="O'Brien").empty
    assert not market.table("transactions").empty


def test_unknown_query_and_bad_parameters_are_rejected():
    with pytest.raises(KeyError, match=r"unknown query 'revenue'; queries: .*revenue_by_firm"):
        query_sql("revenue")
    with pytest.raises(ValueError, match=r"firm: got \['Focal'\]"):
        query_sql("revenue_by_firm_by_month", firm=["Focal"])
