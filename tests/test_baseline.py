"""Baseline sanity: the default market behaves like a market (REFERENCES.md, DESIGN §3)."""

import pytest

from sim.analytics.concentration import top_share
from sim.model import Market
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS


@pytest.fixture(scope="module")
def baseline() -> Market:
    return Market("baseline").run()


def test_every_churn_has_one_of_keaveneys_reasons(baseline):
    churn = baseline.table("churn_events")
    assert len(churn) > 100
    assert set(churn["reason"]) <= {r.value for r in REASONS}
    # all eight reasons occur in five years of a 2,000-customer market
    assert churn["reason"].nunique() == len(REASONS)


def test_every_lifecycle_stage_is_visited(baseline):
    events = baseline.table("lifecycle_events")
    reached = set(events["to_stage"])
    assert {s.label for s in Stage if s is not Stage.PROSPECT} <= reached
    assert "won_back" in set(events["cause"])
    stages = baseline.kpis()[[s.label for s in Stage]]
    assert (stages.max() > 0).all()


def test_top_fifth_of_customers_bring_55_to_80_percent_of_revenue(baseline):
    revenue = baseline.sql(
        "SELECT customer_id, sum(amount) AS revenue FROM transactions GROUP BY customer_id"
    )
    share = top_share(revenue["revenue"], 0.2)
    assert 0.55 <= share <= 0.80, share
