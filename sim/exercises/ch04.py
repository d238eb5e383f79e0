"""Chapter 04, relationship marketing: four questions.

The 80/20 rule on the CRM database, the cost of selling to new and existing customers,
one-to-one differentiation (IDIC), and a retention programme designed under a budget.
"""

import json
from functools import cache

import pandas as pd

from sim.analytics.concentration import Concentration, top_share
from sim.compare import compare, comparison_row
from sim.errors import CRMError
from sim.exercises import Mistake, Question, close
from sim.model import Market
from sim.scenario import Scenario

SHOP = Scenario.load("baseline").with_overrides({"market.customers": 500, "market.months": 24})
TELECOM = Scenario.load("telecom").with_overrides({"market.customers": 1000, "market.months": 24})
#: Question 4: the market, the budget and the gain a design must reach.
DESIGN_MARKET = Scenario.load("baseline").with_overrides(
    {"market.customers": 400, "market.months": 24}
)
RETENTION_BUDGET = 40_000.0
REPLICATIONS = 6


@cache
def shop_market() -> Market:
    """The baseline market, 500 customers, 24 months, seed 4."""
    return Market(SHOP, rng=4).run()


@cache
def telecom_market() -> Market:
    """The telecom market, 1,000 subscribers, 24 months, seed 4."""
    return Market(TELECOM, rng=4).run()


def focal_top_share() -> float:
    """Share of the focal firm's revenue from its top 20% of customers."""
    transactions = shop_market().sql("SELECT * FROM transactions WHERE firm = 'Focal'")
    return float(Concentration().fit(transactions, value="amount").top_20_share_)


PARETO = Question(
    "q1",
    "the top fifth of customers bring most of the revenue (the 80/20 rule, 二八法則)",
    expected=focal_top_share,
    matches=close(rel=1e-3),
    mistakes=(
        Mistake(
            lambda: top_share(
                shop_market().sql("SELECT amount FROM transactions WHERE firm = 'Focal'")["amount"]
            ),
            "that ranks single purchases; sum each customer's purchases first, then rank customers",
        ),
    ),
)


def cost_per_sale_ratio() -> float:
    """Cost of a sale to a stranger over the cost of a sale to an existing customer."""
    offers = telecom_market().table("offers")
    calls = offers[offers["programme"] == "cross_sell"].groupby("offer")
    per_sale = calls["cost"].sum() / calls["accepted"].sum()
    return float(per_sale["new"] / per_sale["existing"])


def cost_per_call_ratio() -> float:
    """The slip: the ratio of what a call costs, not of what a sale costs."""
    offers = telecom_market().table("offers")
    per_call = offers[offers["programme"] == "cross_sell"].groupby("offer")["cost"].mean()
    return float(per_call["new"] / per_call["existing"])


SALES_COST = Question(
    "q2",
    "a sale to a new customer costs several times a sale to an existing one",
    expected=cost_per_sale_ratio,
    matches=close(rel=1e-3),
    mistakes=(
        Mistake(
            cost_per_call_ratio,
            "that compares calls; a sale takes several calls, more to strangers: divide "
            "each kind's cost by its accepted offers",
        ),
    ),
)


def one_to_one_labels() -> int:
    """Distinct value-and-needs labels among the focal firm's customers at the end."""
    market = telecom_market()
    focal = market.firms[0]
    return len({focal.segment_of(c) for c in market.customers if c.supplier is focal} - {""})


IDIC = Question(
    "q3",
    "differentiating by value and by needs gives far more groups than either alone",
    expected=one_to_one_labels,
    matches=close(rel=0, abs_tol=0.5),
    mistakes=(
        Mistake(lambda: 4, "four is the number of pyramid tiers; count tier/needs labels"),
        Mistake(lambda: 16, "not every tier holds customers of every needs segment: count"),
    ),
)


@cache
def design_outcome(design: str) -> pd.DataFrame:
    """The design (as JSON text, so runs are cached) against no strategy, paired."""
    variants = {"none": {}, "design": json.loads(design)}
    return compare(DESIGN_MARKET, variants, replications=REPLICATIONS, rng=11)


def judge_design(design: object) -> str:
    """A design must be valid, stay within the budget and raise customer equity for sure."""
    if not isinstance(design, dict) or not design:
        return "hand in a dict of overrides, e.g. {'firms.Focal.strategies.NAME': {...}}"
    if any(not str(key).startswith("firms.Focal.strategies.") for key in design):
        return "change only the focal firm's strategies (keys firms.Focal.strategies.NAME)"
    try:
        DESIGN_MARKET.with_overrides(design)
        table = design_outcome(json.dumps(design, sort_keys=True))
    except (CRMError, TypeError) as exc:
        return f"the design is not a valid scenario: {exc}"
    spend = comparison_row(table, "design", "marketing_spend")["diff"]
    if spend > RETENTION_BUDGET:
        return (
            f"the design spends {spend:,.0f} more than doing nothing over the two years; "
            f"the budget is {RETENTION_BUDGET:,.0f}"
        )
    equity = comparison_row(table, "design", "customer_equity")
    if not equity["diff_ci_low"] > 0:
        return (
            "customer equity is not surely higher: the 95% interval of the difference is "
            f"{equity['diff_ci_low']:,.0f} to {equity['diff_ci_high']:,.0f}; it must be above 0"
        )
    return ""


DESIGN = Question(
    "q4",
    "a retention design within budget that surely raises customer equity",
    judge=judge_design,
)

QUESTIONS = (PARETO, SALES_COST, IDIC, DESIGN)
