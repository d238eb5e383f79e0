"""Chapter 02, buying behaviour: four questions.

The choice among firms (a logit with a no-purchase option), the information sources that
make customers aware, and organizational buying situations (straight and modified
rebuys, new tasks).
"""

from functools import cache

import pandas as pd

from sim.exercises import Mistake, Question, close, equal
from sim.model import Market
from sim.rules.choice import choice_probabilities
from sim.scenario import Scenario

#: Perceived values of two firms for one customer, buying nothing, and the choice scale.
VALUES, NO_PURCHASE, SCALE = (0.3, 0.1), -0.4, 6.0
#: The consumer market of question 2 and the business market of questions 3-4.
CONSUMERS = Scenario.load("baseline").with_overrides({"market.customers": 500, "market.months": 24})
BUSINESS = Scenario.load("b2b")


CHOICE = Question(
    "q1",
    "the logit share of firm 1 counts the option of buying nothing",
    expected=lambda: choice_probabilities(VALUES, NO_PURCHASE, SCALE)[0],
    matches=close(),
    mistakes=(
        Mistake(
            lambda: choice_probabilities(VALUES[:1], VALUES[1], SCALE)[0],
            "the customer may also buy nothing: include the no-purchase option",
        ),
        Mistake(
            lambda: choice_probabilities(VALUES, NO_PURCHASE, 1.0)[0],
            "use the choice scale 6: values are multiplied by it before exponentiating",
        ),
    ),
)


@cache
def consumer_market() -> Market:
    """The baseline market, 500 customers, 24 months, seed 2."""
    return Market(CONSUMERS, rng=2).run()


def top_channel(channels: tuple[str, ...] = ("advertising", "word_of_mouth", "referral")) -> str:
    """The channel through which most customers first heard of the focal firm."""
    contacts = consumer_market().sql(
        "SELECT channel, count(*) AS n FROM contacts WHERE firm = 'Focal' GROUP BY channel"
    )
    counts = contacts[contacts["channel"].isin(channels)].set_index("channel")["n"]
    return str(counts.idxmax())


SOURCES = Question(
    "q2",
    "word of mouth, not advertising, makes most customers aware once a firm has customers",
    expected=top_channel,
    matches=equal,
    mistakes=(
        Mistake(
            lambda: "advertising",
            "advertising reaches a few per cent of prospects a month; count the contacts "
            "table's channels for the focal firm and see what reaches more",
        ),
    ),
)


@cache
def business_market(rebuys: bool = True) -> Market:
    """The b2b market, seed 1, with or without straight rebuys."""
    scenario = BUSINESS if rebuys else BUSINESS.with_overrides({"behaviour.rebuy_threshold": None})
    return Market(scenario, rng=1).run()


def straight_share(firm: str | None = "Focal", repeat_only: bool = True) -> float:
    """Share of a firm's orders that are straight rebuys."""
    orders = business_market().table("transactions").dropna(subset=["buy_class"])
    if firm is not None:
        orders = orders[orders["firm"] == firm]
    if repeat_only:
        orders = orders[orders["buy_class"] != "new_task"]
    return float((orders["buy_class"] == "straight_rebuy").mean())


REBUYS = Question(
    "q3",
    "most of the focal supplier's repeat orders are straight rebuys",
    expected=straight_share,
    matches=close(rel=1e-3),
    mistakes=(
        Mistake(
            lambda: straight_share(firm=None),
            "those are both suppliers' orders: keep the focal firm's (firm = 'Focal')",
        ),
        Mistake(
            lambda: straight_share(repeat_only=False),
            "a new task is a first purchase, not a repeat order: leave new tasks out",
        ),
    ),
)


def switches(rebuys: bool) -> int:
    """Accounts that left one supplier for the other during the run."""
    churn = business_market(rebuys).table("churn_events")
    return int(pd.notna(churn["switched_to"]).sum())


SWITCHING = Question(
    "q4",
    "routine reorders protect a supplier: fewer accounts switch with straight rebuys",
    expected=lambda: switches(True) < switches(False),
    matches=equal,
    mistakes=(
        Mistake(
            lambda: switches(True) >= switches(False),
            "compare the switches (churn_events with a switched_to) of the two markets",
        ),
    ),
)

QUESTIONS = (CHOICE, SOURCES, REBUYS, SWITCHING)
