"""Chapter 05, telecom one-to-one: three questions.

The odds of selling to existing and new subscribers, who reacts to a price rise (the
elasticity classes), and whether customers mind a neighbour's better deal
(cross-elasticity, read from an experiment).
"""

from functools import cache

import pandas as pd

from sim.compare import compare, comparison_row
from sim.exercises import Mistake, Question, close, equal
from sim.model import Market
from sim.scenario import Scenario

TELECOM = Scenario.load("telecom").with_overrides({"market.customers": 1000, "market.months": 24})
#: Question 2: the baseline market with a 20% price rise from month 6.
DEARER = Scenario.load("baseline").with_overrides(
    {
        "market.customers": 1000,
        "market.months": 24,
        "firms.Focal.strategies.price_change": {"month": 6, "change": 0.2},
    }
)
#: Question 3: tier prices, with customers who mind a better deal and customers who do not.
TIERED = Scenario.load("baseline").with_overrides(
    {
        "market.customers": 400,
        "market.months": 24,
        "population.referral_propensity": 0.0,
        "firms.Focal.strategies.segmentation": {"platinum_share": 0.2, "gold_share": 0.3},
        "firms.Focal.strategies.tiered_pricing": {
            "platinum": 0.6,
            "gold": 0.8,
            "iron": 1.0,
            "lead": 1.1,
        },
    }
)


@cache
def telecom_market() -> Market:
    """The telecom market, 1,000 subscribers, 24 months, seed 6."""
    return Market(TELECOM, rng=6).run()


def acceptance(column: str = "mean") -> tuple[float, float]:
    """Share (or number) of sales calls accepted: existing subscribers, then strangers."""
    offers = telecom_market().table("offers")
    calls = offers[offers["programme"] == "cross_sell"].groupby("offer")["accepted"]
    rates = calls.mean() if column == "mean" else calls.sum().astype(float)
    return float(rates["existing"]), float(rates["new"])


ODDS = Question(
    "q1",
    "about half the calls to subscribers sell, about one in seven calls to strangers",
    expected=acceptance,
    matches=close(rel=1e-3),
    mistakes=(
        Mistake(lambda: acceptance()[::-1], "existing subscribers first, then strangers"),
        Mistake(
            lambda: acceptance("sum"),
            "those are numbers of sales; divide by the number of calls of each kind",
        ),
    ),
)


@cache
def dearer_market() -> Market:
    """The baseline market with the focal firm's price up 20% from month 6, seed 6."""
    return Market(DEARER, rng=6).run()


def pricing_churn_by_class() -> pd.Series:
    """Customers lost to pricing per 100 customers of each elasticity class."""
    market = dearer_market()
    lost = market.sql(
        "SELECT c.elasticity, count(*) AS n FROM churn_events e JOIN customers c "
        "USING (customer_id) WHERE e.firm = 'Focal' AND e.reason = 'pricing' GROUP BY 1"
    ).set_index("elasticity")["n"]
    sizes = market.table("customers")["elasticity"].value_counts()
    return 100 * lost.reindex(sizes.index, fill_value=0) / sizes


def most_price_sensitive(per_customer: bool = True) -> str:
    """The elasticity class that loses most customers to pricing."""
    if per_customer:
        return str(pricing_churn_by_class().idxmax())
    return str(
        dearer_market()
        .sql(
            "SELECT c.elasticity, count(*) AS n FROM churn_events e JOIN customers c "
            "USING (customer_id) WHERE e.firm = 'Focal' AND e.reason = 'pricing' "
            "GROUP BY 1 ORDER BY n DESC"
        )["elasticity"]
        .iloc[0]
    )


ELASTICITY = Question(
    "q2",
    "the high-elasticity class reacts most to a price rise (價格彈性)",
    expected=most_price_sensitive,
    matches=equal,
    mistakes=(
        Mistake(
            lambda: most_price_sensitive(per_customer=False),
            "that counts customers lost, and the low class is simply the largest; divide by "
            "the number of customers in each class",
        ),
        Mistake(
            lambda: "zero",
            "zero-elasticity customers hardly notice the price; look at pricing churn per "
            "customer of each class",
        ),
    ),
)


@cache
def fairness_experiment() -> pd.DataFrame:
    """Customers who mind a better deal (fairness_weight 3) against those who do not."""
    variants = {"indifferent": {}, "minds_deals": {"behaviour.fairness_weight": 3.0}}
    return compare(TIERED, variants, replications=8, rng=7)


def satisfaction_falls() -> bool:
    """Whether mean satisfaction is surely lower when customers mind deals."""
    table = fairness_experiment()
    return bool(comparison_row(table, "minds_deals", "satisfaction")["diff_ci_high"] < 0)


FAIRNESS = Question(
    "q3",
    "tier discounts cost satisfaction among the customers who hear of them and pay more",
    expected=satisfaction_falls,
    matches=equal,
    mistakes=(
        Mistake(
            lambda: not satisfaction_falls(),
            "read the 95% interval of the paired difference of satisfaction: is it all below 0?",
        ),
    ),
)

QUESTIONS = (ODDS, ELASTICITY, FAIRNESS)
