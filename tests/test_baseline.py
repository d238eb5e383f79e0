"""Baseline sanity: the default market behaves like a market (REFERENCES.md, DESIGN §3).

The preset runs at full size (2,000 customers, 60 months) in a few seconds, so nothing
is scaled down.
"""

import pytest

from sim.analytics.concentration import Concentration
from sim.model import Market
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS
from sim.scenario import Scenario

KEAVENEY = {r.value for r in REASONS}


@pytest.fixture(scope="module")
def baseline() -> Market:
    scenario = Scenario.load("baseline")
    assert (scenario.market.customers, scenario.market.months) == (2000, 60)
    return Market(scenario).run()


def test_every_churn_has_one_of_keaveneys_reasons(baseline):
    churn = baseline.table("churn_events")
    assert len(churn) > 100
    assert churn["reason"].notna().all()
    assert (churn["reason"].str.len() > 0).all()
    assert set(churn["reason"]) <= KEAVENEY
    # all eight of Keaveney's categories occur in five years of a 2,000-customer market
    assert set(churn["reason"]) == KEAVENEY
    # and every defection in the KPIs is a churn event with its reason
    kpis = baseline.firm_kpis()
    assert kpis["defections"].sum() == len(churn)
    for reason, count in churn["reason"].value_counts().items():
        assert kpis[f"churn_{reason}"].sum() == count


def test_each_churn_is_a_lifecycle_exit_with_the_same_reason(baseline):
    churn = baseline.table("churn_events")
    events = baseline.table("lifecycle_events")
    exits = events[events["to_stage"] == Stage.CHURNED.label]
    key = ["customer_id", "firm", "month"]
    matched = churn.merge(exits, on=key, how="outer", validate="one_to_one", indicator=True)
    assert (matched["_merge"] == "both").all()
    assert (matched["reason"] == matched["cause"]).all()


def test_every_lifecycle_stage_is_visited(baseline):
    events = baseline.table("lifecycle_events")
    during_run = events[events["month"] > 0]
    # every customer starts as a prospect; every other stage is entered during the run
    assert set(events["from_stage"]) | set(events["to_stage"]) == {s.label for s in Stage}
    entered = set(during_run["to_stage"])
    assert {s.label for s in Stage if s is not Stage.PROSPECT} <= entered
    left = set(during_run["from_stage"])
    assert {s.label for s in Stage} <= left  # and every stage is left again
    # the model has win-back: churned customers return to the firm they left
    won_back = events[events["cause"] == "won_back"]
    assert len(won_back) > 0
    assert set(won_back["from_stage"]) == {Stage.CHURNED.label}
    # the KPIs see every stage populated at some point
    stages = baseline.kpis()[[s.label for s in Stage]]
    assert (stages.max() > 0).all()
    assert baseline.firm_kpis()["win_backs"].sum() == len(won_back)


@pytest.mark.parametrize("firm", [None, "Focal"], ids=["market", "focal_firm"])
def test_top_fifth_of_customers_bring_55_to_80_percent_of_revenue(baseline, firm):
    transactions = baseline.table("transactions")
    if firm is not None:
        transactions = transactions[transactions["firm"] == firm]
    concentration = Concentration().fit(transactions, value="amount")
    # over the customers who bought (a prospect who never bought is nobody's customer)
    assert len(concentration.totals_) >= 0.5 * baseline.settings.market.customers
    share = concentration.top_20_share_
    assert 0.55 <= share <= 0.80, f"top-20% revenue share {share:.3f}"
