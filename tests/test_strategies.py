import numpy as np
import pytest

from sim.compare import compare
from sim.errors import ScenarioError
from sim.model import Market
from sim.scenario import Scenario

SMALL = Scenario.load("baseline").with_overrides({"market.customers": 400, "market.months": 24})
STRATEGY = "firms.Focal.strategies."
LOYALTY = STRATEGY + "loyalty_programme"
PRICE_CHANGE = STRATEGY + "price_change"


def focal_row(table, variant, metric):
    return table[(table["variant"] == variant) & (table["metric"] == metric)].iloc[0]


def test_loyalty_programme_lowers_churn_and_costs_money():
    table = compare(
        SMALL,
        {"none": {}, "loyalty": {LOYALTY: {"bond": 0.6, "enrolment": 0.8}}},
        replications=8,
        rng=2,
    )
    churn = focal_row(table, "loyalty", "churn_rate")
    spend = focal_row(table, "loyalty", "marketing_spend")
    assert churn["diff_ci_high"] < 0 and churn["p_value"] < 0.05
    assert spend["diff_ci_low"] > 0 and spend["p_value"] < 0.05


def test_price_increase_raises_price_reason_churn():
    table = compare(
        SMALL,
        {"none": {}, "dearer": {PRICE_CHANGE: {"month": 6, "change": 0.15}}},
        replications=8,
        rng=3,
    )
    pricing = focal_row(table, "dearer", "churn_pricing")
    assert pricing["diff_ci_low"] > 0 and pricing["p_value"] < 0.05


def test_price_change_applies_from_its_month_on():
    scenario = SMALL.with_overrides(
        {"market.months": 8, PRICE_CHANGE: {"month": 5, "change": 0.10}}
    )
    market = Market(scenario, rng=1).run_for(8)
    prices = market.sql(
        "SELECT t.month, min(l.unit_price) AS low, max(l.unit_price) AS high "
        "FROM line_items l JOIN transactions t USING (transaction_id) "
        "WHERE t.firm = 'Focal' AND l.product = 'core' GROUP BY t.month ORDER BY t.month"
    ).set_index("month")
    premium_cap = 1.0 + scenario.economics.price_premium_cap
    assert (prices.loc[:4, "high"] <= 20.0 * premium_cap + 1e-9).all()
    assert (prices.loc[5:, "low"] >= 22.0 - 1e-9).all()
    assert market.firms[0].price == pytest.approx(22.0)
    assert market.firms[1].price == pytest.approx(18.0)


def test_loyalty_invites_each_buyer_once_and_books_its_costs():
    settings = {"enrolment": 0.4, "launch_month": 3, "reward_rate": 0.05}
    scenario = SMALL.with_overrides({"market.months": 12, LOYALTY: settings})
    market = Market(scenario, rng=5).run_for(12)
    offers = market.table("offers")
    assert offers["month"].min() >= 3
    assert offers["customer_id"].is_unique
    assert set(offers["programme"]) == {"loyalty_programme"}
    n = len(offers)
    share = offers["accepted"].mean()
    assert abs(share - 0.4) < 3 * np.sqrt(0.4 * 0.6 / n)
    members = offers.loc[offers["accepted"], ["customer_id", "month"]]
    spend = market.sql(
        "SELECT customer_id, month, amount FROM transactions WHERE firm = 'Focal'"
    ).merge(members, on="customer_id", suffixes=("", "_joined"))
    rewards = spend.loc[spend["month"] >= spend["month_joined"], "amount"].sum() * 0.05 * 0.6
    served = market.sql(
        "SELECT customer_id, month FROM customer_months "
        "WHERE firm = 'Focal' AND (revenue > 0 OR cost_to_serve > 0)"
    ).merge(members, on="customer_id", suffixes=("", "_joined"))
    # a member's fee is booked in every month the firm serves them, from the joining month
    admin = (served["month"] >= served["month_joined"]).sum() * 0.5
    booked = market.sql(
        "SELECT sum(retention_cost) AS c FROM customer_months WHERE firm = 'Focal'"
    )["c"].iloc[0]
    assert booked == pytest.approx(rewards + admin, rel=1e-9)
    rival = market.sql("SELECT sum(retention_cost) AS c FROM customer_months WHERE firm = 'Rival'")
    assert rival["c"].iloc[0] == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"firms.Focal.strategies.loyalty": {}}, "firms.0.strategies.loyalty"),
        ({LOYALTY: {"points": 3}}, "loyalty_programme.points"),
        ({LOYALTY: {"enrolment": 1.5}}, "loyalty_programme.enrolment"),
        ({LOYALTY: {"reward_rate": 0.9}}, "loyalty_programme.reward_rate"),
        ({LOYALTY: {"bond": -0.1}}, "loyalty_programme.bond"),
        ({LOYALTY: {"launch_month": 0}}, "loyalty_programme.launch_month"),
        ({LOYALTY: {"cost_per_member": -1.0}}, "loyalty_programme.cost_per_member"),
        ({LOYALTY: {"redemption_rate": "most"}}, "loyalty_programme.redemption_rate"),
        ({PRICE_CHANGE: {"change": 0.1}}, "price_change.month"),
        ({PRICE_CHANGE: {"month": 3, "change": -1.0}}, "price_change.change"),
        ({PRICE_CHANGE: {"month": 700, "change": 0.1}}, "price_change.month"),
        ({PRICE_CHANGE: {"month": 3, "change": True}}, "price_change.change"),
        ({PRICE_CHANGE: 0.1}, "price_change"),
        ({STRATEGY + "contract": {"term": 0}}, "contract.term"),
        ({STRATEGY + "contract": {"exit_fee": -5.0}}, "contract.exit_fee"),
        ({STRATEGY + "win_back": {"reach": 2.0}}, "win_back.reach"),
        ({STRATEGY + "win_back": {"discount": 1.0}}, "win_back.discount"),
        ({STRATEGY + "introductory_discount": {"discount": 0.0}}, "introductory_discount.discount"),
        ({STRATEGY + "introductory_discount": {"months": 0}}, "introductory_discount.months"),
        (
            {STRATEGY + "advertising_campaign": {"start_month": 6, "end_month": 3}},
            "advertising_campaign.end_month",
        ),
        ({STRATEGY + "advertising_campaign": {"extra_reach": 0.0}}, "advertising_campaign.extra"),
    ],
)
def test_bad_strategy_settings_name_the_field(overrides, field):
    with pytest.raises(ScenarioError, match=field.replace(".", r"\.")):
        SMALL.with_overrides(overrides)


def test_acquisition_and_retention_strategies_move_the_kpis_they_target():
    table = compare(
        SMALL,
        {
            "none": {},
            "intro": {STRATEGY + "introductory_discount": {}},
            "ads": {STRATEGY + "advertising_campaign": {"start_month": 2, "end_month": 12}},
            "contract": {STRATEGY + "contract": {}},
            "win_back": {STRATEGY + "win_back": {}},
        },
        replications=8,
        rng=2,
    )

    def significant(variant, metric, sign):
        row = focal_row(table, variant, metric)
        bound = row["diff_ci_low"] if sign > 0 else -row["diff_ci_high"]
        return bound > 0 and row["p_value"] < 0.05

    assert significant("intro", "acquisitions", +1)
    assert significant("ads", "acquisitions", +1)
    assert significant("ads", "marketing_spend", +1)
    assert significant("win_back", "acquisitions", +1)
    # exit fees lower churn but lower satisfaction (held hostage)
    assert significant("contract", "churn_rate", -1)
    assert significant("contract", "satisfaction", -1)


def test_contract_fees_and_win_back_offers_are_events_and_the_books_still_balance():
    scenario = SMALL.with_overrides(
        {
            "market.months": 18,
            STRATEGY + "contract": {"term": 12, "exit_fee": 50.0},
            STRATEGY + "win_back": {"reach": 1.0},
        }
    )
    market = Market(scenario, rng=8).run_for(18)
    offers = market.table("offers")
    fees = offers[offers["offer"] == "exit_fee"]
    assert len(fees) > 0 and (fees["cost"] == -50.0).all()
    fee_lines = market.sql("SELECT * FROM line_items WHERE product = 'exit_fee'")
    assert len(fee_lines) == len(fees)
    churn = market.table("churn_events")
    early = churn[(churn["firm"] == "Focal") & (churn["tenure_months"] < 12)]
    assert len(early) == len(fees)
    contacts = offers[offers["offer"] == "contact"]
    returned = offers[offers["offer"] == "returned"]
    assert len(contacts) > len(returned) > 0
    assert set(returned["customer_id"]) <= set(contacts["customer_id"])
    kpis = market.kpis()
    revenue = market.sql(
        "SELECT month, sum(amount) AS revenue FROM transactions WHERE firm = 'Focal' GROUP BY month"
    ).set_index("month")["revenue"]
    np.testing.assert_allclose(kpis.set_index("month")["revenue"], revenue.sort_index())
    win_back_spend = contacts.groupby("month")["cost"].sum()
    spend = kpis.set_index("month")["retention_spend"]
    assert (spend.reindex(win_back_spend.index) >= win_back_spend - 1e-9).all()
