"""Chapter 01, why customers matter: four questions.

CLV with discounting, acquisition against retention, Reichheld's five points, and a
satisfaction-loyalty curve of your own.
"""

from collections.abc import Callable
from functools import cache

import numpy as np

from sim.economics import retention_clv, retention_effect
from sim.exercises import Mistake, Question, close
from sim.model import Market
from sim.rules.loyalty import defection_probability
from sim.scenario import Scenario

#: The customer of questions 1-3: margin a year, retention a year, discount rate.
MARGIN, RETENTION, RATE = 120.0, 0.75, 0.10
ACQUISITION_COST, RETENTION_COST = 300.0, 50.0

CLV = Question(
    "q1",
    "CLV = m r / (1 + d - r), the first margin a year from now",
    expected=lambda: retention_clv(MARGIN, RETENTION, RATE),
    matches=close(),
    mistakes=(
        Mistake(
            lambda: MARGIN * RETENTION / (1 - RETENTION),
            "not discounted: next year's money is worth less today; divide by (1 + d - r)",
        ),
        Mistake(
            lambda: retention_clv(MARGIN, RETENTION, RATE) + MARGIN,
            "this year's margin is already earned: the CLV here starts next year",
        ),
        Mistake(
            lambda: MARGIN / (1 - RETENTION),
            "margin x expected lifetime forgets both discounting and the chance of leaving "
            "before the first margin",
        ),
    ),
)

NET_VALUE = Question(
    "q2",
    "a new customer is worth the CLV of the margin after retention cost, less what "
    "acquiring them cost",
    expected=lambda: retention_clv(MARGIN - RETENTION_COST, RETENTION, RATE) - ACQUISITION_COST,
    matches=close(),
    mistakes=(
        Mistake(
            lambda: retention_clv(MARGIN, RETENTION, RATE) - ACQUISITION_COST,
            "keeping the customer costs money every year: take the retention cost off the "
            "margin before computing the CLV",
        ),
        Mistake(
            lambda: retention_clv(MARGIN - RETENTION_COST, RETENTION, RATE),
            "the acquisition cost is paid once, up front: subtract it",
        ),
    ),
)

FIVE_POINTS = Question(
    "q3",
    "five more points of retention raise the CLV by more than five per cent",
    expected=lambda: retention_effect(MARGIN, RETENTION, RATE).increase,
    matches=close(rel=1e-2),
    mistakes=(
        Mistake(
            lambda: 0.05 / RETENTION,
            "that is how much retention rose; compute the CLV at 0.80 and at 0.75 and compare",
        ),
        Mistake(
            lambda: (
                retention_effect(MARGIN, RETENTION, RATE).clv_after
                - retention_effect(MARGIN, RETENTION, RATE).clv_before
            ),
            "that is the gain in money; the question asks for the relative gain (0.1 = +10%)",
        ),
    ),
)

#: A market small enough to run a custom curve in a couple of seconds.
CURVE_MARKET = Scenario.load("baseline").with_overrides(
    {"market.customers": 500, "market.months": 24}
)


@cache
def churn_rate(rule: Callable[..., float]) -> float:
    """Defections per customer-month of the small market under a defection rule."""
    kpis = Market(CURVE_MARKET, rng=1, defection_rule=rule).run().kpis()
    return float(kpis["defections"].iloc[1:].sum() / kpis["customers"].iloc[:-1].sum())


def judge_curve(rule: object) -> str:
    """A satisfaction-loyalty curve must be a probability, fall, and fall steeply at the top."""
    if not callable(rule):
        return "hand in the function itself (its name, without calling it)"
    base = dict(bonds=0.0, commitment=0.5, base_rate=0.02, commitment_protection=0.5)
    try:
        hazards = [float(rule(s, **base)) for s in np.linspace(1.0, 5.0, 17)]
    except TypeError as exc:
        return f"the function must take the arguments of defection_probability ({exc})"
    if not all(0.0 <= h <= 1.0 for h in hazards):
        return "a hazard is a monthly probability: every value must lie between 0 and 1"
    rises = [i for i in range(16) if hazards[i + 1] > hazards[i] + 1e-12]
    if rises:
        at = 1.0 + 0.25 * rises[0]
        return f"the hazard rises with satisfaction after {at:g}: happier customers should stay"
    at_four, at_five = hazards[12], hazards[16]
    if at_four <= 0 or at_five > at_four / 3:
        return (
            "the curve is too flat at the top: Jones & Sasser found totally satisfied "
            "customers (5) far more loyal than satisfied ones (4); make the hazard at 5 at "
            "most a third of the hazard at 4"
        )
    if churn_rate(rule) >= churn_rate(defection_probability) * 3:
        return "customers leave far faster than under the model's curve: check the levels"
    return ""


OWN_CURVE = Question(
    "q4",
    "a satisfaction-loyalty curve of your own, strongly non-linear at the top",
    judge=judge_curve,
)

QUESTIONS = (CLV, NET_VALUE, FIVE_POINTS, OWN_CURVE)
