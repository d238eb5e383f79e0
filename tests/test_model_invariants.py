"""Invariants that must hold every month, over random valid scenarios (hypothesis)."""

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.economics import PROFIT_SOURCES
from sim.model import Market
from sim.rules.relationship import Stage
from sim.rules.switching import REASONS
from sim.scenario import Scenario

BASE = Scenario.load("baseline")
STRATEGY_CHOICES = {
    "loyalty_programme": {},
    "contract": {"term": 6, "exit_fee": 30.0},
    "win_back": {},
    "early_warning": {"start_month": 2, "budget": 100.0},
    "introductory_discount": {},
    "service_recovery": {},
    "referral_reward": {},
}


@st.composite
def scenarios(draw) -> Scenario:
    strategies = draw(st.lists(st.sampled_from(sorted(STRATEGY_CHOICES)), max_size=3, unique=True))
    pyramid = draw(st.booleans())
    overrides = {
        "market.customers": draw(st.integers(30, 200)),
        "market.months": draw(st.integers(3, 12)),
        "market.seed": draw(st.integers(0, 2**31 - 1)),
        "network.kind": draw(
            st.sampled_from(["small_world", "scale_free", "random", "complete", "none"])
        ),
        "population.initial_customer_share": draw(st.floats(0.0, 1.0)),
        "population.need_rate": draw(st.floats(0.0, 1.0)),
        "population.referral_propensity": draw(st.floats(0.0, 0.5)),
        "defection.enabled": draw(st.booleans()),
        "defection.model": draw(st.sampled_from(["satisfaction", "fixed"])),
        "firms.Focal.price": draw(st.floats(5.0, 40.0)),
        "firms.Rival.price": draw(st.floats(5.0, 40.0)),
        "firms.Focal.service_failure_rate": draw(st.floats(0.0, 1.0)),
        "firms.Rival.product": draw(st.floats(0.0, 1.0)),
        "behaviour.switching_cost": draw(st.floats(0.0, 0.5)),
        **{f"firms.Focal.strategies.{name}": STRATEGY_CHOICES[name] for name in strategies},
    }
    if pyramid:
        overrides["firms.Focal.strategies.segmentation"] = {}
        overrides["firms.Focal.strategies.pruning_fee"] = {}
    return BASE.with_overrides(overrides)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_every_month_balances(scenario):
    market = Market(scenario)
    n = scenario.market.customers
    for _ in range(scenario.market.months):
        market.step()
        # each customer is in exactly one stage, and a supplier means an active stage
        for customer in market.customers:
            active = customer.stage not in (Stage.PROSPECT, Stage.CHURNED)
            assert active == (customer.supplier is not None)
    kpis = market.kpis()
    firm_kpis = market.firm_kpis()
    stages = [s.label for s in Stage]
    assert (kpis[stages].sum(axis=1) == n).all()
    active = firm_kpis.groupby("month")["customers"].sum()
    np.testing.assert_array_equal(kpis[stages[1:-1]].sum(axis=1).to_numpy(), active.to_numpy())

    # revenue is the sum of transactions, and transactions the sum of their line items
    transactions = market.table("transactions")
    lines = market.table("line_items").groupby("transaction_id")["amount"].sum()
    np.testing.assert_allclose(
        transactions.set_index("transaction_id")["amount"].sort_index(), lines.sort_index()
    )
    sold = transactions.groupby(["month", "firm"])["amount"].sum()
    booked = firm_kpis.set_index(["month", "firm"])["revenue"]
    np.testing.assert_allclose(sold.reindex(booked.index, fill_value=0.0), booked, atol=1e-6)

    # the profit identity, and Reichheld & Sasser's sources adding up customer by customer
    identity = (
        firm_kpis["revenue"]
        - firm_kpis["cogs"]
        - firm_kpis["cost_to_serve"]
        - firm_kpis["acquisition_spend"]
        - firm_kpis["retention_spend"]
        + firm_kpis["referral_value"]
    )
    np.testing.assert_allclose(identity, firm_kpis["profit"], atol=1e-6)
    months = market.table("customer_months")
    sources = months[list(PROFIT_SOURCES)].sum(axis=1)
    sources -= months["acquisition_cost"] + months["retention_cost"]
    np.testing.assert_allclose(sources, months["profit"], atol=1e-9)

    # no negative stocks or flows; shares are shares
    counts = ["customers", "aware", "acquisitions", "defections", "transactions"]
    money = ["revenue", "cogs", "cost_to_serve", "acquisition_spend", "retention_spend"]
    assert (firm_kpis[counts + money] >= -1e-9).all().all()
    for share in ["market_share", "customer_share", "retention_rate"]:
        values = firm_kpis[share].dropna()
        assert ((values >= 0) & (values <= 1)).all()

    # defections match the churn events, acquisitions the lifecycle events
    churn = market.table("churn_events")
    churned = churn.groupby(["month", "firm"]).size().reindex(booked.index, fill_value=0)
    np.testing.assert_array_equal(churned.to_numpy(), firm_kpis["defections"].to_numpy())
    reasons = [f"churn_{r.value}" for r in REASONS]
    np.testing.assert_array_equal(firm_kpis[reasons].sum(axis=1), firm_kpis["defections"])
    events = market.table("lifecycle_events")
    joins = events[events["cause"].isin(["first_purchase", "acquired", "won_back"])]
    joined = joins.groupby(["month", "firm"]).size().reindex(booked.index, fill_value=0)
    np.testing.assert_array_equal(joined.to_numpy(), firm_kpis["acquisitions"].to_numpy())
    assert isinstance(kpis, pd.DataFrame)
