"""Chapter 06, loyalty: four questions.

The sBG model of retention, profit by tenure year, and reading an experiment with
confidence intervals.
"""

from functools import cache

import pandas as pd

from sim.analytics.clv.shifted_beta_geometric import ShiftedBetaGeometric
from sim.analytics.cohorts import profit_by_tenure_year
from sim.compare import compare, comparison_row
from sim.economics import PROFIT_SOURCES
from sim.exercises import Mistake, Question, close, equal
from sim.model import Market
from sim.scenario import Scenario

#: Fader & Hardie (2007), segment "Regular": customers still active, years 0..12.
REGULAR = (1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173)
CALIBRATION_YEARS = 7
#: The credit-card market of question 3, small enough for a notebook.
CARDS = Scenario.load("credit_card").with_overrides({"market.customers": 1000, "market.months": 60})
#: The experiment of question 4: a loyalty programme against none, over replications.
LOYALTY_VARIANTS = {
    "none": {},
    "loyalty": {"firms.Focal.strategies.loyalty_programme": {"bond": 0.5, "enrolment": 0.8}},
}
EXPERIMENT = Scenario.load("baseline").with_overrides(
    {"market.customers": 400, "market.months": 24}
)


def sbg_params(years: int = CALIBRATION_YEARS) -> tuple[float, float]:
    """Alpha and beta fitted on years 0..``years``."""
    params = ShiftedBetaGeometric().fit(REGULAR[: years + 1]).params_
    return params["alpha"], params["beta"]


FIT = Question(
    "q1",
    "the sBG fit on years 1-7: alpha = 0.704, beta = 1.182 (Fader & Hardie 2007)",
    expected=sbg_params,
    matches=close(rel=1e-3),
    mistakes=(
        Mistake(
            lambda: sbg_params(len(REGULAR) - 1),
            "that fit uses all 12 years; calibrate on years 0-7 only, then project",
        ),
    ),
)


def projection() -> list[float]:
    """Expected survivors in years 8..12 from the years 1-7 fit."""
    model = ShiftedBetaGeometric().fit(REGULAR[: CALIBRATION_YEARS + 1])
    return list(model.project(range(8, 13), REGULAR[0]).to_numpy())


def constant_retention() -> list[float]:
    """The slip: project with last year's retention rate as if it never changed."""
    rate = REGULAR[CALIBRATION_YEARS] / REGULAR[CALIBRATION_YEARS - 1]
    return [REGULAR[CALIBRATION_YEARS] * rate**t for t in range(1, 6)]


PROJECTION = Question(
    "q2",
    "the sBG projection of years 8-12 (220.1, 204.4, 191.2, 179.9, 170.1)",
    expected=projection,
    matches=close(rel=2e-3),
    mistakes=(
        Mistake(
            constant_retention,
            "a constant retention rate under-predicts: retention rises with tenure because "
            "the customers who stay are the loyal ones; use the sBG model",
        ),
    ),
)


@cache
def card_profit() -> pd.DataFrame:
    """Profit per customer-year by tenure year, split by source (credit-card market)."""
    market = Market(CARDS, rng=2).run()
    months = market.sql("SELECT * FROM customer_months WHERE firm = 'Focal'")
    return profit_by_tenure_year(months, annualise=True)


def largest_growth_source(year: int = 5) -> str:
    """The source of profit growth largest in a tenure year (base profit excluded)."""
    growth = [s for s in PROFIT_SOURCES if s != "base_profit"]
    return str(card_profit().loc[year, growth].idxmax())


SOURCES = Question(
    "q3",
    "by year 5 increased purchases are the largest source of profit growth "
    "(Reichheld & Sasser 1990)",
    expected=largest_growth_source,
    matches=equal,
    mistakes=(
        Mistake(
            lambda: str(card_profit().loc[5, list(PROFIT_SOURCES)].idxmax()),
            "base profit is there from year 1; the question asks which source of growth is largest",
        ),
    ),
)


@cache
def loyalty_experiment() -> pd.DataFrame:
    """The programme against none over 8 replications with common random numbers."""
    return compare(EXPERIMENT, LOYALTY_VARIANTS, replications=8, rng=5)


def churn_difference_is_real() -> bool:
    """Whether the 95% interval of the paired churn difference excludes zero."""
    table = loyalty_experiment()
    row = comparison_row(table, "loyalty", "churn_rate")
    return bool(row["diff_ci_high"] < 0 or row["diff_ci_low"] > 0)


REAL = Question(
    "q4",
    "the programme's effect on churn is real: the paired 95% interval excludes 0",
    expected=churn_difference_is_real,
    matches=equal,
    mistakes=(
        Mistake(
            lambda: not churn_difference_is_real(),
            "read the interval of the paired difference (diff_ci_low, diff_ci_high) of "
            "churn_rate: does it contain 0?",
        ),
    ),
)

QUESTIONS = (FIT, PROJECTION, SOURCES, REAL)
