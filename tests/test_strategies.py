import numpy as np
import pytest
from scipy import stats
from support import focal_row, lowers_at_a_cost

from sim.compare import compare
from sim.errors import ScenarioError
from sim.model import Market
from sim.scenario import Scenario

SMALL = Scenario.load("baseline").with_overrides({"market.customers": 400, "market.months": 24})
STRATEGY = "firms.Focal.strategies."
LOYALTY = STRATEGY + "loyalty_programme"
PRICE_CHANGE = STRATEGY + "price_change"


def test_loyalty_programme_lowers_churn_and_costs_money():
    table = compare(
        SMALL,
        {"none": {}, "loyalty": {LOYALTY: {"bond": 0.6, "enrolment": 0.8}}},
        replications=8,
        rng=2,
    )
    assert lowers_at_a_cost(table, "loyalty"), table.to_string()


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
        ({STRATEGY + "early_warning": {"holdout": 0.0}}, "early_warning.holdout"),
        ({STRATEGY + "early_warning": {"budget": -1.0}}, "early_warning.budget"),
        ({STRATEGY + "early_warning": {"offer_cost": 0.0}}, "early_warning.offer_cost"),
        ({STRATEGY + "service_recovery": {"quality": 2.0}}, "service_recovery.quality"),
        ({STRATEGY + "referral_reward": {"boost": 0.5}}, "referral_reward.boost"),
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


# ---------------------------------------------------------------- segmentation and tiers
TIERED = Scenario.load("baseline").with_overrides(
    {"market.customers": 600, "market.months": 24, STRATEGY + "segmentation": {}}
)


def paired_runs(variant_overrides, measure, scenario=TIERED, seeds=range(8)):
    """measure(market) for a scenario and for a variant of it, over the same seeds."""
    base, variant = [], []
    changed = scenario.with_overrides(variant_overrides)
    for seed in seeds:
        base.append(measure(Market(scenario, rng=seed).run_for(scenario.market.months)))
        variant.append(measure(Market(changed, rng=seed).run_for(scenario.market.months)))
    return np.array(base), np.array(variant)


def paired_p(a, b):
    return stats.ttest_rel(b, a).pvalue


def test_pyramid_segmentation_labels_customers_like_the_analytics_pyramid():
    market = Market(TIERED, rng=0).run_for(12)
    labels = market.firms[0].strategies[0].labels
    customers = [c for c in market.customers if c.supplier is market.firms[0]]
    assert set(labels) == {c.customer_id for c in customers}
    profit = {c.customer_id: c.mean_margin for c in customers}
    assert all(profit[i] < 0 for i, tier in labels.items() if tier == "lead")
    assert all(profit[i] >= 0 for i, tier in labels.items() if tier != "lead")
    platinum = [profit[i] for i, tier in labels.items() if tier == "platinum"]
    iron = [profit[i] for i, tier in labels.items() if tier == "iron"]
    assert min(platinum) >= max(iron)
    assert len(platinum) == round(0.05 * len(customers))


@pytest.mark.slow
def test_relationship_managers_raise_retention_of_platinum_customers():
    def platinum_churn(market):
        offers = market.table("offers")
        platinum = offers[(offers["programme"] == "segmentation") & (offers["offer"] == "platinum")]
        first = platinum.groupby("customer_id")["month"].min()
        churn = market.sql("SELECT customer_id, month FROM churn_events WHERE firm = 'Focal'")
        churn = churn[churn["customer_id"].isin(first.index)]
        left = churn[churn["month"] > churn["customer_id"].map(first)]["customer_id"].nunique()
        return left / len(first)

    strong = {"bond": 0.5, "switching_cost": 0.3}
    base, managed = paired_runs(
        {STRATEGY + "relationship_managers": strong}, platinum_churn, seeds=range(12)
    )
    assert managed.mean() < base.mean()
    assert paired_p(base, managed) < 0.05


@pytest.mark.slow
def test_pruning_fees_raise_profit_per_customer_and_shrink_the_lead_tier():
    # A market where serving costs enough that a sizeable lead tier exists (the bank's
    # small depositors); 16 paired replications of 1,000 customers.
    costly = TIERED.with_overrides({"market.customers": 1000, "economics.cost_to_serve_new": 12.0})

    def outcome(market):
        kpis = market.kpis()
        labels = market.firms[0].strategies[0].labels.values()
        lead = sum(1 for tier in labels if tier == "lead")
        return kpis["profit"].sum() / kpis["customers"].mean(), lead

    base, pruned = paired_runs(
        {STRATEGY + "pruning_fee": {"monthly_fee": 10.0}}, outcome, costly, seeds=range(16)
    )
    assert pruned[:, 0].mean() > base[:, 0].mean()
    assert paired_p(base[:, 0], pruned[:, 0]) < 0.05
    assert pruned[:, 1].mean() < base[:, 1].mean()
    assert paired_p(base[:, 1], pruned[:, 1]) < 0.05


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({STRATEGY + "segmentation": {"kind": "clusters"}}, "segmentation.kind"),
        ({STRATEGY + "segmentation": {"platinum_share": 0.6, "gold_share": 0.6}}, "gold_share"),
        ({STRATEGY + "relationship_managers": {"tiers": ["diamond"]}}, "tiers"),
        ({STRATEGY + "relationship_managers": {"tiers": []}}, "tiers"),
        ({STRATEGY + "pruning_fee": {"monthly_fee": 0.0}}, "pruning_fee.monthly_fee"),
    ],
)
def test_bad_segmentation_settings_name_the_field(overrides, field):
    with pytest.raises(ScenarioError, match=field.replace(".", r"\.")):
        TIERED.with_overrides(overrides)


@pytest.mark.parametrize("strategy", ["relationship_managers", "pruning_fee"])
def test_tier_strategies_need_a_pyramid(strategy):
    with pytest.raises(ScenarioError, match=f"{strategy}.*segmentation"):
        SMALL.with_overrides({STRATEGY + strategy: {}})
    with pytest.raises(ScenarioError, match=f"{strategy}.*pyramid"):
        TIERED.with_overrides({STRATEGY + "segmentation.kind": "needs", STRATEGY + strategy: {}})


# ---------------------------------------------------------------- early warning, recovery
def test_early_warning_offers_lower_churn_against_the_holdout():
    scenario = Scenario.load("baseline").with_overrides(
        {
            "market.customers": 1000,
            "market.months": 24,
            STRATEGY + "early_warning": {"holdout": 0.3},
        }
    )
    churned = {"retention_offer": [0, 0], "holdout": [0, 0]}
    for seed in range(6):
        market = Market(scenario, rng=seed).run_for(24)
        offers = market.table("offers")
        selected = offers[offers["programme"] == "early_warning"]
        churn = market.sql("SELECT customer_id, month FROM churn_events WHERE firm = 'Focal'")
        within = selected.merge(churn, on="customer_id", suffixes=("", "_churn"))
        within = within[
            (within["month_churn"] > within["month"])
            & (within["month_churn"] <= within["month"] + 6)
        ]
        lost = within.drop_duplicates(["customer_id", "month"]).groupby("offer").size()
        for group in churned:
            churned[group][0] += int(lost.get(group, 0))
            churned[group][1] += int((selected["offer"] == group).sum())
    (lost_t, n_t), (lost_h, n_h) = churned["retention_offer"], churned["holdout"]
    pooled = (lost_t + lost_h) / (n_t + n_h)
    z = (lost_h / n_h - lost_t / n_t) / np.sqrt(pooled * (1 - pooled) * (1 / n_t + 1 / n_h))
    assert n_h > 300 and n_t > 3 * n_h * 0.5
    assert z > stats.norm.ppf(0.95), (lost_t / n_t, lost_h / n_h, z)


def test_early_warning_spends_within_budget_and_splits_a_holdout():
    settings = {"budget": 200.0, "offer_cost": 20.0, "holdout": 0.25, "start_month": 4}
    scenario = SMALL.with_overrides({"market.months": 12, STRATEGY + "early_warning": settings})
    market = Market(scenario, rng=4).run_for(12)
    offers = market.table("offers")
    selected = offers[offers["programme"] == "early_warning"]
    per_month = selected.groupby("month").size()
    assert per_month.index.min() == 3 and (per_month <= 10).all()
    made = selected[selected["offer"] == "retention_offer"]
    assert made.groupby("month")["cost"].sum().max() <= 200.0
    assert 0.05 < (selected["offer"] == "holdout").mean() < 0.5
    kpis = market.kpis().set_index("month")
    spend = made.groupby("month")["cost"].sum()
    assert (kpis.loc[spend.index, "retention_spend"] >= spend - 1e-9).all()


def test_service_recovery_puts_most_complaints_right_and_books_their_cost():
    scenario = SMALL.with_overrides(
        {
            "market.months": 12,
            "firms.Focal.service_failure_rate": 0.3,
            STRATEGY + "service_recovery": {"quality": 0.9, "cost_per_complaint": 7.0},
        }
    )
    market = Market(scenario, rng=6).run_for(12)
    events = market.table("service_events")
    focal = events[(events["firm"] == "Focal") & events["complained"]]
    rival = events[(events["firm"] == "Rival") & events["complained"]]
    n = len(focal)
    assert abs(focal["recovered"].mean() - 0.9) < 3 * np.sqrt(0.09 / n)
    assert rival["recovered"].mean() < 0.7
    booked = market.sql(
        "SELECT sum(retention_cost) AS c FROM customer_months WHERE firm = 'Focal'"
    )["c"].iloc[0]
    assert booked == pytest.approx(7.0 * n)


def test_referral_rewards_are_paid_per_converted_referral():
    scenario = SMALL.with_overrides(
        {
            "market.months": 24,
            "population.referral_propensity": 0.3,
            "firms.Focal.service_failure_rate": 0.0,
            STRATEGY + "referral_reward": {"boost": 3.0, "reward": 25.0},
        }
    )
    market = Market(scenario, rng=2).run_for(24)
    referrals = market.table("referrals")
    converted = referrals[(referrals["event"] == "converted") & (referrals["firm"] == "Focal")]
    offers = market.table("offers")
    rewards = offers[offers["programme"] == "referral_reward"]
    assert len(converted) > 0
    assert len(rewards) == len(converted)
    assert (rewards["cost"] == 25.0).all()


def test_tiered_and_loyalty_prices_are_what_customers_pay():
    scenario = TIERED.with_overrides(
        {
            "market.months": 18,
            STRATEGY + "tiered_pricing": {"platinum": 0.8, "gold": 0.9, "iron": 1.0, "lead": 1.2},
            STRATEGY + "loyalty_discount": {"after_months": 6, "discount": 0.1},
        }
    )
    market = Market(scenario, rng=3).run_for(18)
    focal = market.firms[0]
    for customer in market.customers:
        if customer.supplier is not focal:
            assert focal.price_for(customer) == pytest.approx(20.0)
            continue
        tier = focal.segment_of(customer)
        expected = {"platinum": 0.8, "gold": 0.9, "iron": 1.0, "lead": 1.2, "": 1.0}[tier]
        if customer.tenure >= 6:
            expected *= 0.9
        assert focal.price_for(customer) == pytest.approx(20.0 * expected)
    tiers = {focal.segment_of(c) for c in market.customers if c.supplier is focal}
    assert {"platinum", "iron"} <= tiers


@pytest.mark.parametrize("engine", ["agents", "vectorized"])
def test_introductory_discount_logs_each_new_customers_first_purchase(engine):
    """A new customer's first purchase is one "discount" offer, its cost the price foregone.

    Every acquisition comes with a purchase; so does a first purchase of a customer who
    was seeded at month 0 with no tenure yet. Nothing else is logged.
    """
    discount = 0.2
    scenario = SMALL.with_overrides(
        {"market.months": 6, STRATEGY + "introductory_discount": {"discount": discount}}
    )
    market = Market(scenario, rng=4, engine=engine).run()
    offers = market.table("offers")
    offers = offers[offers["programme"] == "introductory_discount"]
    key = ["customer_id", "month"]
    logged = offers.set_index(key).index
    assert not logged.duplicated().any()
    joins = market.table("lifecycle_events")
    joins = joins[joins["cause"].isin(["first_purchase", "acquired", "won_back"])]
    joined = joins[joins["firm"] == "Focal"].set_index(key).index
    assert len(joined) > 50 and joined.isin(logged).all()
    months = market.table("customer_months").set_index([*key, "firm"])
    first = months.xs("Focal", level="firm").reindex(logged)
    assert (first["tenure_months"] == 0).all() and (first["revenue"] > 0).all()
    np.testing.assert_allclose(offers["cost"], first["revenue"] * discount / (1 - discount))
