import numpy as np
import pandas as pd
import pytest

from sim.analytics.basket import MarketBasket
from sim.errors import DataError, NotFittedError


@pytest.fixture
def four_baskets() -> pd.DataFrame:
    """T1 beer+diapers, T2 beer+diapers+milk, T3 milk, T4 beer.

    Supports: beer 3/4, diapers 1/2, milk 1/2, {beer, diapers} 1/2.
    """
    rows = [
        ("T1", "beer"),
        ("T1", "diapers"),
        ("T2", "beer"),
        ("T2", "diapers"),
        ("T2", "milk"),
        ("T3", "milk"),
        ("T4", "beer"),
        ("T4", "beer"),  # the same product twice in one basket counts once
    ]
    return pd.DataFrame(rows, columns=["transaction_id", "product"])


def test_basket_matrix_is_one_hot_per_transaction(four_baskets):
    basket = MarketBasket(min_support=0.5).fit(four_baskets).basket_
    assert basket.columns.tolist() == ["beer", "diapers", "milk"]
    assert basket.loc["T2"].tolist() == [True, True, True]
    assert basket.loc["T4"].tolist() == [True, False, False]
    assert basket.to_numpy().sum() == 7


def test_rule_metrics_match_hand_computation(four_baskets):
    rules = MarketBasket(min_support=0.5, min_confidence=0.5).fit(four_baskets).rules_
    pairs = list(zip(rules["antecedents"], rules["consequents"], strict=True))
    # diapers -> beer: confidence (1/2) / (1/2) = 1; beer -> diapers: (1/2) / (3/4) = 2/3.
    # Lift of both: (1/2) / (3/4 * 1/2) = 4/3. Equal lift: higher confidence first.
    assert pairs == [("diapers", "beer"), ("beer", "diapers")]
    assert rules["support"].tolist() == pytest.approx([0.5, 0.5])
    assert rules["confidence"].tolist() == pytest.approx([1.0, 2 / 3])
    assert rules["lift"].tolist() == pytest.approx([4 / 3, 4 / 3])


def test_min_confidence_drops_weak_rules(four_baskets):
    rules = MarketBasket(min_support=0.5, min_confidence=0.8).fit(four_baskets).rules_
    assert rules["antecedents"].tolist() == ["diapers"]


def test_min_lift_drops_rules_below_it(four_baskets):
    kept = MarketBasket(min_support=0.5, min_confidence=0.5, min_lift=1.3).fit(four_baskets)
    assert len(kept.rules_) == 2
    dropped = MarketBasket(min_support=0.5, min_confidence=0.5, min_lift=1.4).fit(four_baskets)
    assert dropped.rules_.empty


def test_itemsets_have_readable_names(four_baskets):
    itemsets = MarketBasket(min_support=0.5).fit(four_baskets).itemsets_
    assert itemsets["items"].tolist() == ["beer", "beer, diapers", "diapers", "milk"]
    assert itemsets["support"].tolist() == pytest.approx([0.75, 0.5, 0.5, 0.5])


def test_no_frequent_pairs_gives_empty_rules_with_columns(four_baskets):
    model = MarketBasket(min_support=0.7).fit(four_baskets)
    assert model.rules_.empty
    assert "lift" in model.rules_.columns
    assert model.top_rules(5).empty


def _planted_baskets(seed: int, n: int = 600) -> pd.DataFrame:
    """Random baskets where beer and diapers are planted together in a quarter of them."""
    rng = np.random.default_rng(seed)
    noise = ["apples", "bread", "chips", "eggs", "milk", "soda"]
    rows = []
    for t in range(n):
        items = [item for item in noise if rng.random() < 0.3]
        if rng.random() < 0.25:
            items += ["beer", "diapers"]
        else:
            items += [item for item in ("beer", "diapers") if rng.random() < 0.1]
        rows += [(t, item) for item in items]
    return pd.DataFrame(rows, columns=["transaction_id", "product"])


def test_planted_pair_has_the_highest_lift_among_single_item_rules():
    model = MarketBasket(min_support=0.05, min_confidence=0.1, max_len=3)
    model.fit(_planted_baskets(seed=21))
    rules = model.rules_
    single = rules[
        (rules["antecedent_items"].map(len) == 1) & (rules["consequent_items"].map(len) == 1)
    ]
    top = single.sort_values("lift", ascending=False).head(2)
    assert {frozenset(top.iloc[i][["antecedents", "consequents"]]) for i in range(2)} == {
        frozenset({"beer", "diapers"})
    }
    assert top["lift"].min() > 1.8
    next_best = single.sort_values("lift", ascending=False)["lift"].iloc[2]
    assert next_best < 1.3


def test_rules_for_beer_recommend_diapers_first():
    model = MarketBasket(min_support=0.05, min_confidence=0.1, max_len=2)
    model.fit(_planted_baskets(seed=22))
    from_beer = model.rules_for("beer", side="antecedent")
    assert from_beer.iloc[0]["consequents"] == "diapers"
    assert all("beer" in items for items in from_beer["antecedent_items"])
    to_beer = model.rules_for("beer", side="consequent")
    assert all("beer" in items for items in to_beer["consequent_items"])
    either = model.rules_for("beer")
    assert len(either) == len(from_beer) + len(to_beer)


def test_top_rules_ranks_by_the_chosen_metric():
    model = MarketBasket(min_support=0.05, min_confidence=0.1, max_len=2)
    model.fit(_planted_baskets(seed=23))
    by_support = model.top_rules(3, by="support")
    assert len(by_support) == 3
    assert by_support["support"].is_monotonic_decreasing
    assert by_support["support"].iloc[0] == model.rules_["support"].max()


def test_other_column_names_work(four_baskets):
    renamed = four_baskets.rename(columns={"transaction_id": "order", "product": "sku"})
    model = MarketBasket(min_support=0.5).fit(renamed, transaction_id="order", product="sku")
    assert model.basket_.shape == (4, 3)


@pytest.mark.parametrize("column", ["transaction_id", "product"])
def test_missing_column_is_named(four_baskets, column):
    with pytest.raises(DataError, match=column):
        MarketBasket().fit(four_baskets.drop(columns=column))


def test_missing_product_is_rejected(four_baskets):
    four_baskets.loc[2, "product"] = None
    with pytest.raises(DataError, match="'product'"):
        MarketBasket().fit(four_baskets)


def test_empty_table_is_rejected(four_baskets):
    with pytest.raises(DataError, match="empty"):
        MarketBasket().fit(four_baskets.iloc[0:0])


def test_unknown_product_and_bad_arguments_are_rejected(four_baskets):
    model = MarketBasket(min_support=0.5).fit(four_baskets)
    with pytest.raises(DataError, match="'product'"):
        model.rules_for("wine")
    with pytest.raises(ValueError, match="side"):
        model.rules_for("beer", side="left")
    with pytest.raises(ValueError, match="by"):
        model.top_rules(by="antecedents")
    with pytest.raises(ValueError, match="min_support"):
        MarketBasket(min_support=0).fit(four_baskets)


@pytest.mark.parametrize("method", ["top_rules", "rules_for"])
def test_methods_need_fit_first(method):
    args = ("beer",) if method == "rules_for" else ()
    with pytest.raises(NotFittedError, match="fit"):
        getattr(MarketBasket(), method)(*args)
