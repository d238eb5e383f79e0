import numpy as np
import pandas as pd
import pytest
from sklearn.tree import DecisionTreeClassifier

from sim.analytics.churn import (
    ChurnModel,
    auc,
    churn_dataset,
    churn_features,
    churn_labels,
    credit_approval_data,
    lift_table,
    time_split,
    tree_rules,
)
from sim.datasets import load_simulated
from sim.errors import DataError, NotFittedError
from sim.scenario import Scenario

METHODS = ["tree", "logistic", "network"]


@pytest.fixture
def tiny() -> dict[str, pd.DataFrame]:
    """Four customers whose features and labels as of month 6 are worked out by hand.

    c1 buys in months 1, 2, 5, 6 (10, 20, 30, 40) and 9 (5); exploration from month 1,
        formation from month 4; a failure in month 2 and an unresolved complaint in month
        5; churns in month 8.
    c2 buys once (month 1) and churns in month 3: not at risk on month 6.
    c3 first buys in month 7: not yet a customer on month 6.
    c4 is a month-0 customer in stability who never buys; a resolved complaint in
        month 6; churns in month 10 (after the 3-month horizon).
    """
    transactions = pd.DataFrame(
        [
            (1, 1, 10.0),
            (1, 2, 20.0),
            (1, 5, 30.0),
            (1, 6, 40.0),
            (1, 9, 5.0),
            (2, 1, 50.0),
            (3, 7, 100.0),
        ],
        columns=["customer_id", "month", "amount"],
    )
    lifecycle = pd.DataFrame(
        [
            (4, 0, "stability"),
            (1, 1, "exploration"),
            (2, 1, "exploration"),
            (2, 3, "churned"),
            (1, 4, "formation"),
            (3, 7, "exploration"),
            (1, 8, "churned"),
            (4, 10, "churned"),
        ],
        columns=["customer_id", "month", "to_stage"],
    )
    service = pd.DataFrame(
        [(1, 2, False, False), (1, 5, True, False), (4, 6, True, True)],
        columns=["customer_id", "month", "complained", "recovered"],
    )
    churns = pd.DataFrame([(2, 3), (1, 8), (4, 10)], columns=["customer_id", "month"])
    return {
        "transactions": transactions,
        "lifecycle_events": lifecycle,
        "service_events": service,
        "churn_events": churns,
    }


def test_features_match_hand_computation(tiny):
    features = churn_features(tiny, 6, window=3)
    assert list(features.index) == [1, 4]
    expected = {
        "recency": [0, 6],
        "frequency": [4, 0],
        "monetary": [25, 0],
        "purchases_recent": [2, 0],
        "spend_recent": [70, 0],
        "purchases_before": [2, 0],
        "spend_before": [30, 0],
        "purchase_trend": [0, 0],
        "spend_trend": [40, 0],
        "tenure": [6, 0],
        "failures": [2, 1],
        "failures_recent": [1, 1],
        "complaints": [1, 1],
        "unresolved_complaints": [1, 0],
        "past_churns": [0, 0],
        "stage_exploration": [0, 0],
        "stage_formation": [1, 0],
        "stage_stability": [0, 1],
        "stage_decline": [0, 0],
    }
    assert set(features.columns) == set(expected)
    for column, values in expected.items():
        assert features[column].tolist() == values, column


def test_customer_months_give_tenure_with_the_firm_and_satisfaction(tiny):
    # c1 joined the firm before its first logged purchase; c4 has been a customer for years.
    tiny["customer_months"] = pd.DataFrame(
        [(1, 2, 1, 4.0), (1, 5, 4, 3.0), (1, 7, 6, 1.0), (4, 6, 30, 4.5)],
        columns=["customer_id", "month", "tenure_months", "satisfaction"],
    )
    features = churn_features(tiny, 6, window=3)
    # Tenure: months with the firm at the latest row, plus the months since that row.
    assert features["tenure"].tolist() == [5, 30]
    assert features["satisfaction"].tolist() == [3.0, 4.5]
    # Trend against the latest value 3 months earlier (month 3: c1's month-2 survey; c4
    # has none, so no trend).
    assert features["satisfaction_trend"].tolist() == [-1.0, 0.0]


def test_labels_from_churn_events_and_from_missing_purchases(tiny):
    assert churn_labels(tiny, 6, 3).to_dict() == {1: 1, 4: 0}
    # c1 buys in month 9, so only c4 counts as a churner by the purchase definition.
    assert churn_labels(tiny, 6, 3, target="no_purchase").to_dict() == {1: 0, 4: 1}
    dataset = churn_dataset(tiny, 6, 3)
    assert dataset["churned"].tolist() == [1, 0]


def test_customers_at_risk_without_lifecycle_are_everyone_who_has_bought(tiny):
    log = {"transactions": tiny["transactions"]}
    assert list(churn_features(log, 6).index) == [1, 2]
    assert churn_labels(log, 6, 3).to_dict() == {1: 0, 2: 1}


def test_features_ignore_every_row_after_the_as_of_month(tiny):
    truncated = {name: table[table["month"] <= 6] for name, table in tiny.items()}
    pd.testing.assert_frame_equal(churn_features(tiny, 6), churn_features(truncated, 6))


def test_a_date_counts_the_months_completed_by_then():
    log = pd.DataFrame(
        {
            "customer_id": [1, 1, 2, 2],
            "date": pd.to_datetime(["1997-01-03", "1997-03-10", "1997-02-20", "1997-04-02"]),
            "amount": [10.0, 20.0, 30.0, 40.0],
        }
    )
    tables = {"transactions": log}
    by_month = churn_features(tables, 3)
    pd.testing.assert_frame_equal(churn_features(tables, "1997-03-31"), by_month)
    pd.testing.assert_frame_equal(churn_features(tables, "1997-04-15"), by_month)
    assert churn_features(tables, "1997-03-30")["frequency"].to_dict() == {1: 1.0, 2: 1.0}


# ---------------------------------------------------------------------- simulated data
@pytest.fixture(scope="module")
def simulated() -> dict[str, pd.DataFrame]:
    return load_simulated("baseline", customers=400, months=18, seed=11)


def test_simulated_features_are_unchanged_when_later_months_are_dropped(simulated):
    as_of = 10
    truncated = {
        name: table[table["month"] <= as_of] if "month" in table.columns else table
        for name, table in simulated.items()
    }
    for firm in (None, "Focal"):
        full = churn_features(simulated, as_of, firm=firm)
        assert len(full) > 100
        pd.testing.assert_frame_equal(full, churn_features(truncated, as_of, firm=firm))


def test_planted_events_after_the_as_of_month_change_no_feature(simulated):
    as_of = 10
    before = churn_features(simulated, as_of)
    customer = int(before.index[0])
    later = as_of + 1

    def plant(name: str, row: dict) -> pd.DataFrame:
        table = simulated[name]
        extra = (table.iloc[0].to_dict() if len(table) else {}) | row
        return pd.concat([table, pd.DataFrame([extra])], ignore_index=True)

    ids = {"customer_id": customer, "month": later}
    planted = dict(simulated)
    planted["transactions"] = plant("transactions", ids | {"amount": 1e6})
    planted["service_events"] = plant("service_events", ids | {"complained": True})
    planted["churn_events"] = plant("churn_events", ids)
    planted["lifecycle_events"] = plant("lifecycle_events", ids | {"to_stage": "churned"})
    planted["customer_months"] = plant("customer_months", ids | {"tenure_months": 999})
    planted["offers"] = plant("offers", ids | {"accepted": True})
    planted["referrals"] = plant("referrals", {"referrer_id": customer, "month": later})
    pd.testing.assert_frame_equal(churn_features(planted, as_of), before)
    # The same rows dated on the as-of month are seen: the check above is not vacuous.
    planted["service_events"] = plant("service_events", ids | {"month": as_of})
    changed = churn_features(planted, as_of)
    assert changed.loc[customer, "failures"] == before.loc[customer, "failures"] + 1


def test_firm_view_counts_only_that_firms_purchases(simulated):
    features = churn_features(simulated, 12, firm="Focal")
    sales = simulated["transactions"]
    focal = sales[(sales["firm"] == "Focal") & (sales["month"] <= 12)]
    counts = focal.groupby("customer_id").size().reindex(features.index, fill_value=0)
    assert (features["frequency"] == counts).all()
    lifecycle = simulated["lifecycle_events"]
    latest = lifecycle[(lifecycle["firm"] == "Focal") & (lifecycle["month"] <= 12)]
    latest = latest.drop_duplicates("customer_id", keep="last").set_index("customer_id")
    assert (latest.loc[features.index, "to_stage"] != "churned").all()


@pytest.fixture(scope="module")
def baseline_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    tables = load_simulated("baseline", customers=1500, months=30, seed=1)
    return time_split(tables, list(range(6, 19, 2)), 24, 6)


@pytest.mark.parametrize("method", METHODS)
def test_models_rank_churners_above_chance_on_later_months(baseline_split, method):
    # Measured over seeds 1-6 (1,500 customers, 6-month horizon, ~310 churners in the test
    # month): AUC 0.60-0.66, mean 0.62, for every method. Its sampling standard error is
    # about 0.02 (Hanley & McNeil), so 0.57 is 3.5 errors above chance and 2.5 below the
    # mean. The baseline's churn is hard to predict by design: each month's defection draw
    # depends on a satisfaction that moves after every purchase.
    train, test = baseline_split
    model = ChurnModel(method).fit(train)
    assert model.score(test) > 0.57
    gains = lift_table(test["churned"], model.predict_proba(test))
    assert gains.loc[1, "lift"] > 1.3


@pytest.fixture(scope="module")
def propensity_split() -> tuple[pd.DataFrame, pd.DataFrame]:
    scenario = Scenario.load("baseline").with_overrides({"defection.model": "fixed"})
    tables = load_simulated(scenario, customers=1000, months=24, seed=2)
    return time_split(tables, list(range(6, 19, 2)), 21, 3)


@pytest.mark.parametrize("method", METHODS)
def test_models_find_customers_with_a_high_churn_propensity(propensity_split, method):
    # With defection.model = "fixed" every customer has their own churn probability
    # (Beta(0.704, 1.182)), so there is much more to learn. Measured over seeds 1-6:
    # AUC 0.69-0.79 (mean: tree 0.73, logistic 0.76, network 0.75); ~160 churners give a
    # standard error of about 0.025.
    train, test = propensity_split
    assert ChurnModel(method).fit(train).score(test) > 0.67


def test_stacked_training_snapshots_are_indexed_by_as_of(baseline_split):
    train, test = baseline_split
    assert train.index.names == ["as_of", "customer_id"]
    assert sorted(train.index.get_level_values("as_of").unique()) == list(range(6, 19, 2))
    assert test.index.name == "customer_id"


def test_training_labels_may_not_reach_into_the_test_period(simulated):
    with pytest.raises(DataError, match=r"train_as_of: month 8 \+ horizon 3 is after"):
        time_split(simulated, [4, 8], 10, 3)


def test_labels_need_the_whole_horizon_in_the_data(simulated):
    with pytest.raises(DataError, match="data ends in month 18"):
        churn_labels(simulated, 16, 3)


# ---------------------------------------------------------------------- models
@pytest.fixture
def separable() -> pd.DataFrame:
    """Churn driven by ``complaints`` alone; ``noise`` carries no information."""
    rng = np.random.default_rng(5)
    complaints = rng.integers(0, 4, 400).astype(float)
    churned = (rng.random(400) < 0.05 + 0.25 * complaints).astype(int)
    return pd.DataFrame(
        {"complaints": complaints, "noise": rng.normal(size=400), "churned": churned},
        index=pd.RangeIndex(400, name="customer_id"),
    )


def test_early_warning_lists_the_riskiest_customers_with_their_drivers(separable):
    model = ChurnModel("logistic").fit(separable)
    warning = model.early_warning(separable, top=10, drivers=1)
    proba = model.predict_proba(separable)
    assert list(warning["rank"]) == list(range(1, 11))
    assert warning["churn_probability"].tolist() == sorted(
        proba.nlargest(10).tolist(), reverse=True
    )
    assert warning["drivers"].str.startswith("complaints=3 (+").all()


def test_logistic_summary_shows_the_driver_with_a_positive_coefficient(separable):
    summary = ChurnModel("logistic").fit(separable).summary()
    assert summary.index[0] == "complaints"
    assert summary.loc["complaints", "coefficient"] > 1.0
    assert summary.loc["complaints", "odds_ratio"] == pytest.approx(
        np.exp(summary.loc["complaints", "coefficient"])
    )
    assert abs(summary.loc["noise", "importance"]) < 0.02


def test_predict_flags_customers_at_the_threshold(separable):
    model = ChurnModel("tree", max_depth=2).fit(separable)
    proba = model.predict_proba(separable)
    assert proba.name == "churn_probability"
    assert (model.predict(separable, threshold=0.5) == (proba >= 0.5)).all()
    assert model.predict(separable, threshold=0.0).sum() == len(separable)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.drop(columns="churned"), r"missing column\(s\) \['churned'\]"),
        (lambda d: d.assign(noise="x"), "column 'noise' must be numeric"),
        (lambda d: d.assign(complaints=np.nan), "column 'complaints' has 400 missing"),
        (lambda d: d.assign(churned=2), "column 'churned' must hold 0/1"),
        (lambda d: d.assign(churned=0), "column 'churned' needs both"),
    ],
)
def test_bad_training_data_raises_data_error_naming_the_column(separable, change, message):
    with pytest.raises(DataError, match=message):
        ChurnModel().fit(change(separable))


def test_scoring_data_without_a_trained_feature_names_it(separable):
    model = ChurnModel().fit(separable)
    with pytest.raises(DataError, match=r"missing column\(s\) \['noise'\]"):
        model.predict_proba(separable.drop(columns="noise"))


@pytest.mark.parametrize(
    ("tables", "message"),
    [
        ({"churn_events": pd.DataFrame()}, "no 'transactions' table"),
        (
            {"transactions": pd.DataFrame({"customer_id": [1], "month": [1]})},
            r"missing column\(s\) \['amount'\]",
        ),
        (
            {"transactions": pd.DataFrame({"customer_id": [1], "month": [1], "amount": [-5.0]})},
            "column 'amount' has 1 negative",
        ),
        (
            {"transactions": pd.DataFrame({"customer_id": [1], "amount": [5.0]})},
            "needs a 'month' or a 'date' column",
        ),
        (
            {
                "transactions": pd.DataFrame({"customer_id": [1], "month": [1], "amount": [5.0]}),
                "service_events": pd.DataFrame({"customer_id": [1], "month": [1]}),
            },
            r"tables\['service_events'\]: missing column\(s\) \['complained', 'recovered'\]",
        ),
    ],
)
def test_bad_tables_raise_data_error_naming_table_and_column(tables, message):
    with pytest.raises(DataError, match=message):
        churn_features(tables, 1)


def test_a_date_as_of_needs_dates_in_the_transactions(tiny):
    with pytest.raises(DataError, match="as_of: got '2024-01-31'; a date needs a 'date'"):
        churn_features(tiny, "2024-01-31")


def test_unknown_method_is_rejected(separable):
    with pytest.raises(ValueError, match="method: got 'forest'"):
        ChurnModel("forest").fit(separable)


# ---------------------------------------------------------------------- evaluation
def test_auc_is_the_share_of_churner_stayer_pairs_ranked_right():
    # Pairs (churner, stayer): (0.35, 0.1) yes, (0.35, 0.4) no, (0.8, *) yes: 3 of 4.
    assert auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)
    assert auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    with pytest.raises(DataError, match="both churners and stayers"):
        auc([1, 1], [0.2, 0.3])


def test_lift_table_matches_hand_computation():
    # Ten customers, 3 churners, scores falling; five groups of two.
    y = [1, 1, 0, 1, 0, 0, 0, 0, 0, 0]
    score = np.linspace(1.0, 0.1, 10)
    table = lift_table(y, score, bins=5)
    assert table["customers"].tolist() == [2] * 5
    assert table["churners"].tolist() == [2, 1, 0, 0, 0]
    assert table["churn_rate"].tolist() == pytest.approx([1.0, 0.5, 0, 0, 0])
    assert table["lift"].tolist() == pytest.approx([1 / 0.3, 0.5 / 0.3, 0, 0, 0])
    assert table["cumulative_customers"].tolist() == pytest.approx([0.2, 0.4, 0.6, 0.8, 1.0])
    assert table["cumulative_churners"].tolist() == pytest.approx([2 / 3, 1, 1, 1, 1])
    assert table["cumulative_lift"].tolist() == pytest.approx([10 / 3, 2.5, 5 / 3, 1.25, 1.0])


def test_lift_table_ranks_by_score_not_by_row_order():
    y = np.array([0, 0, 0, 1, 1])
    score = np.array([0.1, 0.2, 0.3, 0.9, 0.8])
    table = lift_table(y, score, bins=5)
    assert table["churners"].tolist() == [1, 1, 0, 0, 0]


def test_equal_scores_share_their_churners_across_groups():
    # One score for all: no ranking, so every group has the overall churn rate.
    table = lift_table([1, 0, 0, 0, 1, 0, 0, 0, 0, 0], np.zeros(10), bins=5)
    assert table["churners"].tolist() == pytest.approx([0.4] * 5)
    assert table["lift"].tolist() == pytest.approx([1.0] * 5)


def test_lift_table_rejects_bad_inputs():
    with pytest.raises(DataError, match="got 3 labels and 2 scores"):
        lift_table([0, 1, 0], [0.1, 0.2])
    with pytest.raises(DataError, match="no churners"):
        lift_table([0, 0], [0.1, 0.2], bins=2)
    with pytest.raises(DataError, match="bins: got 5"):
        lift_table([0, 1], [0.1, 0.2], bins=5)
    with pytest.raises(DataError, match="labels must be 0 or 1"):
        lift_table([0, 2], [0.1, 0.2], bins=2)


# ---------------------------------------------------------------------- decision trees
def test_a_tree_recovers_the_credit_officers_rules():
    data = credit_approval_data()
    x, y = data.drop(columns="approved"), data["approved"]
    tree = DecisionTreeClassifier(random_state=0).fit(x, y)
    assert (tree.predict(x) == y).all()
    assert tree.get_depth() == 3
    rules = tree_rules(tree)
    for split in ("prior_default <= 0.50", "years_employed <= 4.50", "income <= 49.50"):
        assert split in rules
    applicants = pd.DataFrame(
        {
            "income": [200, 60, 30, 30],
            "years_employed": [20, 1, 6, 1],
            "prior_default": [1, 0, 0, 0],
        }
    )
    assert tree.predict(applicants).tolist() == [0, 1, 1, 0]


def test_tree_rules_of_a_churn_tree_use_its_feature_names(separable):
    model = ChurnModel("tree", max_depth=2).fit(separable)
    assert "complaints <=" in tree_rules(model)
    with pytest.raises(ValueError, match="'logistic', not a 'tree'"):
        tree_rules(ChurnModel("logistic").fit(separable))
    with pytest.raises(NotFittedError, match="tree_rules"):
        tree_rules(ChurnModel("tree"))
