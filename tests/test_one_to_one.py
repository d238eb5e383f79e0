"""One-to-one marketing: RFM and IDIC segmentation, customization, sales calls, fairness,
and organizational rebuys (the strategies of seed 003 and the b2b chapter)."""

import numpy as np
import pytest
from scipy import stats
from support import focal_row, lowers_at_a_cost

from sim.analytics.rfm import SEGMENT_RULES
from sim.compare import compare
from sim.errors import ScenarioError
from sim.model import Market
from sim.scenario import Scenario

SMALL = Scenario.load("baseline").with_overrides({"market.customers": 400, "market.months": 24})
STRATEGY = "firms.Focal.strategies."
CALLS = {"product": "premium", "customers_per_month": 40, "prospects_per_month": 40}


def two_proportion_z(hits_a: int, n_a: int, hits_b: int, n_b: int) -> float:
    """z statistic of p_a - p_b under the pooled null."""
    pooled = (hits_a + hits_b) / (n_a + n_b)
    return (hits_a / n_a - hits_b / n_b) / np.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))


# ---------------------------------------------------------------- segmentation kinds
def test_rfm_segments_rank_recent_frequent_buyers_first():
    scenario = SMALL.with_overrides(
        {"market.months": 12, STRATEGY + "segmentation": {"kind": "rfm"}}
    )
    market = Market(scenario, rng=1).run_for(12)
    focal = market.firms[0]
    customers = [c for c in market.customers if c.supplier is focal]
    labels = {focal.segment_of(c) for c in customers}
    assert labels <= {rule[0] for rule in SEGMENT_RULES}
    assert {"Champions", "Lost"} <= labels

    def mean(segment, attribute):
        values = [getattr(c, attribute) for c in customers if focal.segment_of(c) == segment]
        return np.mean(values)

    assert mean("Champions", "months_since_purchase") < mean("Lost", "months_since_purchase")
    assert mean("Champions", "purchases") > mean("Lost", "purchases")
    # RFM is what the firm sees: it gives no pyramid tier
    assert {focal.tier_of(c) for c in customers} == {""}


def test_one_to_one_labels_join_the_value_tier_and_the_needs_segment():
    scenario = SMALL.with_overrides(
        {
            "market.months": 12,
            STRATEGY + "segmentation": {"kind": "one_to_one"},
            STRATEGY + "tiered_pricing": {"platinum": 0.8, "gold": 0.9, "iron": 1.0, "lead": 1.2},
        }
    )
    market = Market(scenario, rng=2).run_for(12)
    focal = market.firms[0]
    customers = [c for c in market.customers if c.supplier is focal and focal.segment_of(c)]
    assert len(customers) > 50
    factors = {"platinum": 0.8, "gold": 0.9, "iron": 1.0, "lead": 1.2}
    for customer in customers:
        tier = focal.tier_of(customer)
        assert focal.segment_of(customer) == f"{tier}/{customer.segment}"
        assert focal.price_for(customer) == pytest.approx(20.0 * factors[tier])
    assert len({focal.segment_of(c) for c in customers}) >= 8  # differentiated, not four


# ---------------------------------------------------------------- customization
def test_customization_lowers_churn_at_a_cost():
    table = compare(
        SMALL,
        {
            "none": {},
            "customized": {
                STRATEGY + "customization": {"bond": 0.6, "value_lift": 0.1, "learning_rate": 0.2}
            },
        },
        replications=8,
        rng=4,
    )
    assert lowers_at_a_cost(table, "customized"), table.to_string()


def test_the_firm_learns_a_customer_month_by_month_and_forgets_those_who_leave():
    settings = {"learning_rate": 0.2, "bond": 0.5, "value_lift": 0.1, "switching_cost": 0.2}
    scenario = SMALL.with_overrides({"market.months": 12, STRATEGY + "customization": settings})
    market = Market(scenario, rng=3).run_for(12)
    focal = market.firms[0]
    (policy,) = focal.strategies
    for customer in market.customers:
        if customer.supplier is not focal:
            assert customer.customer_id not in policy.since
            assert policy.knowledge(focal, customer) == 0.0
            continue
        months = market.month - policy.since[customer.customer_id]
        knowledge = 1.0 - 0.8**months
        assert policy.knowledge(focal, customer) == pytest.approx(knowledge)
        assert focal.bond_for(customer) == pytest.approx(0.5 * knowledge)
        assert focal.exit_cost_for(customer) == pytest.approx(0.2 * knowledge)
        assert focal.value_lift_for(customer) == pytest.approx(0.1 * knowledge)
    offers = market.table("offers")
    starts = offers[offers["programme"] == "customization"]
    latest = starts.groupby("customer_id")["month"].max()
    # each spell with the firm starts once, in the month the learning began
    assert {cid: int(latest[cid]) for cid in policy.since} == policy.since
    joins = market.sql(
        "SELECT customer_id, count(*) AS n FROM lifecycle_events WHERE firm = 'Focal' "
        "GROUP BY customer_id"
    ).set_index("customer_id")["n"]
    spells = starts.groupby("customer_id").size()
    assert (spells <= joins.reindex(spells.index, fill_value=0) + 1).all()
    assert len(policy.since) < len(starts)  # some customised customers left


# ---------------------------------------------------------------- sales calls
def acceptance(market: Market) -> dict[str, tuple[int, int]]:
    offers = market.table("offers")
    calls = offers[offers["programme"] == "cross_sell"]
    return {
        kind: (int(group["accepted"].sum()), len(group)) for kind, group in calls.groupby("offer")
    }


def test_selling_to_existing_customers_succeeds_more_often_than_to_strangers():
    scenario = SMALL.with_overrides({"market.months": 12, STRATEGY + "cross_sell": CALLS})
    market = Market(scenario, rng=5).run_for(12)
    rates = acceptance(market)
    (hits_old, n_old), (hits_new, n_new) = rates["existing"], rates["new"]
    # calls chosen at the end of a month are answered in the next: 11 months of answers
    assert n_old == n_new == 40 * 11
    assert two_proportion_z(hits_old, n_old, hits_new, n_new) > stats.norm.ppf(0.99)


def test_trust_is_part_of_why_existing_customers_say_yes():
    """Without the trust term the same calls to existing customers succeed less often."""
    pooled = {True: [0, 0], False: [0, 0]}
    for seed in range(3):
        for trusting in (True, False):
            scenario = SMALL.with_overrides(
                {
                    "market.months": 12,
                    "behaviour.offer_trust_weight": 2.5 if trusting else 0.0,
                    STRATEGY + "cross_sell": CALLS,
                }
            )
            hits, n = acceptance(Market(scenario, rng=seed).run_for(12))["existing"]
            pooled[trusting][0] += hits
            pooled[trusting][1] += n
    z = two_proportion_z(*pooled[True], *pooled[False])
    assert z > stats.norm.ppf(0.99), pooled


def test_accepted_calls_are_sales_and_new_customers():
    scenario = SMALL.with_overrides(
        {"market.months": 12, STRATEGY + "cross_sell": {**CALLS, "discount": 0.25}}
    )
    market = Market(scenario, rng=6).run_for(12)
    offers = market.table("offers")
    accepted = offers[(offers["programme"] == "cross_sell") & offers["accepted"]]
    sales = market.sql(
        "SELECT t.customer_id, t.month, t.buy_class, l.unit_price FROM transactions t "
        "JOIN line_items l USING (transaction_id) "
        "WHERE t.firm = 'Focal' AND l.product = 'premium' AND t.items = 1"
    )
    matched = accepted.merge(sales, on=["customer_id", "month"], how="left", indicator=True)
    assert (matched.drop_duplicates(["customer_id", "month"])["_merge"] == "both").all()
    # the offer's price: list price x product factor x (1 - discount), before tier prices
    assert (matched["unit_price"] <= 20.0 * 1.6 * 0.75 + 1e-9).any()
    joins = market.sql(
        "SELECT customer_id, month FROM lifecycle_events WHERE firm = 'Focal' "
        "AND cause IN ('first_purchase', 'acquired', 'won_back')"
    )
    new = accepted[accepted["offer"] == "new"]
    joined = new.merge(joins, on=["customer_id", "month"], how="left", indicator=True)
    assert len(new) > 0 and (joined["_merge"] == "both").all()
    # every call was paid for: cost per call by kind
    calls = offers[offers["programme"] == "cross_sell"]
    assert (calls.loc[calls["offer"] == "existing", "cost"] == 2.0).all()
    assert (calls.loc[calls["offer"] == "new", "cost"] == 3.6).all()


# ---------------------------------------------------------------- fairness
def test_customers_who_hear_of_a_better_deal_grow_less_satisfied():
    tiers = {"platinum": 0.6, "gold": 0.8, "iron": 1.0, "lead": 1.1}
    scenario = SMALL.with_overrides(
        {
            "population.referral_propensity": 0.0,  # contacts talk prices, not referrals
            STRATEGY + "segmentation": {"platinum_share": 0.2, "gold_share": 0.3},
            STRATEGY + "tiered_pricing": tiers,
        }
    )
    table = compare(
        scenario,
        {"indifferent": {}, "minds_deals": {"behaviour.fairness_weight": 3.0}},
        replications=8,
        rng=7,
    )
    satisfaction = focal_row(table, "minds_deals", "satisfaction")
    pricing = focal_row(table, "minds_deals", "churn_pricing")
    assert satisfaction["diff_ci_high"] < 0 and satisfaction["p_value"] < 0.05
    assert pricing["diff_ci_low"] > 0 and pricing["p_value"] < 0.05


# ---------------------------------------------------------------- organizational buying
B2B = Scenario.load("b2b")


def switches(scenario: Scenario, seed: int) -> tuple[int, int, set[str]]:
    market = Market(scenario, rng=seed).run()
    churn = market.table("churn_events")
    classes = set(market.table("transactions")["buy_class"].dropna())
    return int(churn["switched_to"].notna().sum()), len(churn), classes


def test_straight_rebuys_keep_buyers_from_switching():
    with_rebuys, without = [], []
    for seed in range(5):
        n, _, classes = switches(B2B, seed)
        with_rebuys.append(n)
        assert classes == {"new_task", "modified_rebuy", "straight_rebuy"}
        n, _, classes = switches(B2B.with_overrides({"behaviour.rebuy_threshold": None}), seed)
        without.append(n)
        assert classes == {"new_task", "modified_rebuy"}
    assert np.mean(with_rebuys) < np.mean(without)
    assert stats.ttest_rel(with_rebuys, without).pvalue < 0.05, (with_rebuys, without)


def test_a_straight_rebuy_is_a_reorder_from_the_current_supplier():
    market = Market(B2B, rng=1).run_for(24)
    orders = market.sql(
        "SELECT customer_id, firm, month, buy_class FROM transactions WHERE buy_class IS NOT NULL"
    )
    joins = market.sql(
        "SELECT customer_id, firm, month, from_stage FROM lifecycle_events "
        "WHERE cause IN ('first_purchase', 'acquired', 'won_back')"
    )
    merged = orders.merge(joins, on=["customer_id", "firm", "month"], how="left")
    straight = merged[merged["buy_class"] == "straight_rebuy"]
    new_task = merged[merged["buy_class"] == "new_task"]
    assert len(straight) > 100
    assert straight["from_stage"].isna().all()  # nobody joins a firm by a straight rebuy
    assert (new_task["from_stage"] == "prospect").all()  # a new task is a first purchase


# ---------------------------------------------------------------- validation
@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({STRATEGY + "cross_sell": {"product": "caviar"}}, "cross_sell.product"),
        ({STRATEGY + "cross_sell": {"segments": ["Champions"]}}, "cross_sell.segments"),
        (
            {
                STRATEGY + "segmentation": {"kind": "rfm"},
                STRATEGY + "cross_sell": {"segments": ["platinum"]},
            },
            "cross_sell.segments",
        ),
        ({STRATEGY + "cross_sell": {"segments": []}}, "cross_sell.segments"),
        ({STRATEGY + "cross_sell": {"customers_per_month": -1}}, "customers_per_month"),
        ({STRATEGY + "cross_sell": {"discount": 1.0}}, "cross_sell.discount"),
        ({STRATEGY + "cross_sell": {"cost_new": -3.0}}, "cross_sell.cost_new"),
        ({STRATEGY + "customization": {"tiers": ["gold"]}}, "customization.tiers"),
        ({STRATEGY + "customization": {"learning_rate": 0.0}}, "customization.learning_rate"),
        ({STRATEGY + "customization": {"value_lift": 0.9}}, "customization.value_lift"),
        ({STRATEGY + "customization": {"bond": 1.5}}, "customization.bond"),
        ({"behaviour.fairness_weight": -0.5}, "behaviour.fairness_weight"),
        ({"behaviour.rebuy_threshold": 0.5}, "behaviour.rebuy_threshold"),
        ({"behaviour.offer_trust_weight": -1.0}, "behaviour.offer_trust_weight"),
        ({STRATEGY + "segmentation": {"kind": "one_to_two"}}, "segmentation.kind"),
    ],
)
def test_bad_one_to_one_settings_name_the_field(overrides, field):
    with pytest.raises(ScenarioError, match=field.replace(".", r"\.")) as error:
        SMALL.with_overrides(overrides)
    assert len(str(error.value).splitlines()) == 1
