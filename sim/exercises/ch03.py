"""Chapter 03, CRM systems and data: four questions.

SQL on the CRM database, RFM segments, a cohort retention table and a market-basket
rule.
"""

from functools import cache

import pandas as pd

from sim.analytics.basket import MarketBasket
from sim.analytics.cohorts import cohort_retention
from sim.analytics.rfm import RFM
from sim.exercises import Mistake, Question, close, same_table
from sim.model import Market
from sim.scenario import Scenario

#: The database the questions ask about (the notebook builds the same one).
DATABASE = Scenario.load("baseline").with_overrides({"market.customers": 500, "market.months": 24})
#: The retail market of the beer-and-diapers question.
SHOP = Scenario.load("retail").with_overrides({"market.customers": 500, "market.months": 12})


@cache
def crm_market() -> Market:
    """The chapter's CRM database: the baseline market, 500 customers, 24 months, seed 3."""
    return Market(DATABASE, rng=3).run()


@cache
def shop_market() -> Market:
    """The retail market: 500 customers, 12 months, seed 3."""
    return Market(SHOP, rng=3).run()


def focal_transactions() -> pd.DataFrame:
    """The focal firm's transactions (its own customer database)."""
    return crm_market().sql("SELECT * FROM transactions WHERE firm = 'Focal'")


def revenue_last_year(months: int = 12) -> pd.DataFrame:
    """Revenue by firm over the last ``months`` months."""
    return crm_market().sql(
        f"SELECT firm, sum(amount) AS revenue FROM transactions WHERE month > 24 - {months} "
        "GROUP BY firm ORDER BY firm"
    )


SQL = Question(
    "q1",
    "revenue by firm over the last 12 months, one row per firm (columns firm, revenue)",
    expected=revenue_last_year,
    matches=same_table(),
    mistakes=(
        Mistake(lambda: revenue_last_year(24), "that is the whole run: keep months 13 to 24 only"),
    ),
    hint="not yet: group the transactions of months 13-24 by firm, ordered by firm",
)


def champions(monetary: str = "total", bins: int = 5) -> int:
    """How many of the focal firm's customers are Champions."""
    segments = RFM(bins=bins, monetary=monetary).fit(focal_transactions()).segments()
    return int((segments == "Champions").sum())


CHAMPIONS = Question(
    "q2",
    "the focal firm's Champions: recent and frequent buyers",
    expected=champions,
    matches=close(rel=0, abs_tol=0.5),
    mistakes=(
        Mistake(
            lambda: int(
                (RFM().fit(crm_market().table("transactions")).segments() == "Champions").sum()
            ),
            "those are both firms' customers: a firm sees only its own transactions",
        ),
        Mistake(
            lambda: champions(bins=4),
            "score in quintiles (5 bins), as the chapter does",
        ),
    ),
)


def retention_table() -> pd.DataFrame:
    """Quarterly cohort retention of the focal firm's customers."""
    return cohort_retention(focal_transactions(), period="Q")


def cohort_counts() -> pd.DataFrame:
    """The plausible slip: active customers per cohort and quarter, not shares."""
    data = focal_transactions()
    period = pd.to_datetime(data["date"]).dt.to_period("Q")
    first = period.groupby(data["customer_id"]).transform("min")
    age = (period - first).apply(lambda offset: offset.n)
    counts = data.assign(cohort=first, age=age).groupby(["cohort", "age"])["customer_id"]
    table = counts.nunique().unstack()
    return table.where(~retention_table().isna())


COHORTS = Question(
    "q3",
    "quarterly cohort retention: the share of each cohort buying in each later quarter",
    expected=retention_table,
    matches=same_table(rel=1e-6),
    mistakes=(
        Mistake(cohort_counts, "those are numbers of customers: divide by each cohort's size"),
    ),
)


def beer_rule(measure: str = "lift") -> float:
    """Lift (or another measure) of the rule beer -> diapers in the retail market."""
    baskets = shop_market().table("line_items")
    rules = MarketBasket(min_support=0.01).fit(baskets).rules_
    rule = rules[(rules["antecedents"] == "beer") & (rules["consequents"] == "diapers")]
    return float(rule[measure].iloc[0])


BASKET = Question(
    "q4",
    "lift of beer -> diapers: how much more often diapers are bought with beer",
    expected=beer_rule,
    matches=close(rel=1e-3),
    mistakes=(
        Mistake(
            lambda: beer_rule("confidence"),
            "that is the confidence; lift divides it by how often diapers are bought at all",
        ),
        Mistake(
            lambda: beer_rule("support"), "that is the support; the question asks for the lift"
        ),
    ),
)

QUESTIONS = (SQL, CHAMPIONS, COHORTS, BASKET)
