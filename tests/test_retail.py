"""The retail preset plants a 'beer and diapers' pair that basket analysis must find."""

import pytest

from sim.analytics.basket import MarketBasket
from sim.errors import ScenarioError
from sim.model import Market
from sim.scenario import Scenario

MONTHS = 12


def top_rules(scenario: Scenario):
    market = Market(scenario, rng=3).run_for(MONTHS)
    basket = MarketBasket(min_support=0.01, min_confidence=0.05, max_len=2)
    rules = basket.fit(market.table("line_items")).rules_
    return rules.sort_values("lift", ascending=False).reset_index(drop=True)


def test_planted_pair_has_the_highest_lift_among_its_items():
    rules = top_rules(Scenario.load("retail"))
    best = {rules.loc[0, "antecedents"], rules.loc[0, "consequents"]}
    assert best == {"beer", "diapers"}
    involving = rules[
        rules["antecedents"].isin(["beer", "diapers"])
        | rules["consequents"].isin(["beer", "diapers"])
    ]
    planted = involving[
        involving["antecedents"].isin(["beer", "diapers"])
        & involving["consequents"].isin(["beer", "diapers"])
    ]
    others = involving.drop(planted.index)
    assert planted["lift"].min() > 1.5
    assert planted["lift"].min() > others["lift"].max() + 0.5


def test_without_the_plant_beer_and_diapers_are_not_associated():
    scenario = Scenario.load("retail").with_overrides({"products.beer.complement_rate": 0.0})
    rules = top_rules(scenario)
    pair = rules[(rules["antecedents"] == "beer") & (rules["consequents"] == "diapers")]
    assert len(pair) == 1
    assert pair["lift"].iloc[0] < 1.2


def test_a_complement_must_name_another_product():
    with pytest.raises(ScenarioError, match=r"products\.6\.complement.*'nappies'.*allowed"):
        Scenario.load("retail").with_overrides({"products.beer.complement": "nappies"})
