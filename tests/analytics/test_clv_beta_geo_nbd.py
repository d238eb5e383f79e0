import numpy as np
import pandas as pd
import pytest

from sim.analytics.clv import BetaGeoNBD, simulate_bg_nbd
from sim.datasets import load_cdnow
from sim.errors import DataError, NotFittedError

TRUE = {"r": 0.25, "alpha": 4.0, "a": 0.8, "b": 2.5}


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    return load_cdnow().summary


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary) -> BetaGeoNBD:
    return BetaGeoNBD().fit(cdnow_summary)


def test_fit_on_cdnow_matches_fader_hardie_lee_2005(cdnow_model):
    # Published (Marketing Science 24(2)): r 0.243, alpha 4.414, a 0.793, b 2.426,
    # LL -9582.4. Tolerance: half a unit of the last published decimal.
    published = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    for name, value in published.items():
        assert cdnow_model.params_[name] == pytest.approx(value, abs=5e-4), name
    assert cdnow_model.log_likelihood_ == pytest.approx(-9582.4, abs=0.05)


def test_summary_lists_four_parameters_with_standard_errors_and_log_likelihood(cdnow_model):
    table = cdnow_model.summary()
    assert list(table.index) == ["r", "alpha", "a", "b", "log_likelihood"]
    assert table.loc[["r", "alpha", "a", "b"], "std_error"].gt(0).all()


def test_probability_alive_is_one_without_repeat_purchases_and_below_one_otherwise(
    cdnow_model, cdnow_summary
):
    alive = cdnow_model.probability_alive()
    assert alive.index.equals(cdnow_summary.index)
    assert (alive[cdnow_summary["frequency"] == 0] == 1.0).all()
    repeaters = alive[cdnow_summary["frequency"] > 0]
    assert ((repeaters > 0) & (repeaters < 1)).all()


def test_long_silence_lowers_probability_alive_and_expected_purchases(cdnow_model):
    customers = pd.DataFrame({"frequency": [5, 5], "recency": [38.0, 10.0], "T": [39.0, 39.0]})
    alive = cdnow_model.probability_alive(customers)
    expected = cdnow_model.expected_purchases(39, customers)
    assert alive.iloc[0] > alive.iloc[1]
    assert expected.iloc[0] > expected.iloc[1]


def test_expected_purchases_new_matches_the_mean_of_simulated_customers(cdnow_model):
    # Checks the closed-form E[X(t)] against the simulator: 200,000 customers, 39 weeks.
    rng = np.random.default_rng(5)
    simulated = simulate_bg_nbd(**cdnow_model.params_, T=np.full(200_000, 39.0), rng=rng)
    se = simulated["frequency"].std() / np.sqrt(len(simulated))
    assert cdnow_model.expected_purchases_new(39) == pytest.approx(
        simulated["frequency"].mean(), abs=4 * se
    )
    assert cdnow_model.expected_purchases_new(0) == 0


def test_conditional_expectations_average_to_the_unconditional_increment(cdnow_model):
    # Law of total expectation: over customers simulated from the model, the mean of
    # E[Y(t) | x, t_x, T] (eq. 10) must equal E[X(T + t)] - E[X(T)] (unconditional).
    rng = np.random.default_rng(11)
    simulated = simulate_bg_nbd(**cdnow_model.params_, T=np.full(100_000, 39.0), rng=rng)
    conditional = cdnow_model.expected_purchases(39, simulated)
    increment = cdnow_model.expected_purchases_new(78) - cdnow_model.expected_purchases_new(39)
    se = conditional.std() / np.sqrt(len(conditional))
    assert conditional.mean() == pytest.approx(increment, abs=4 * se)


def test_expected_purchases_defaults_to_the_fitted_customers(cdnow_model, cdnow_summary):
    default = cdnow_model.expected_purchases(39)
    explicit = cdnow_model.expected_purchases(39, cdnow_summary)
    pd.testing.assert_series_equal(default, explicit)
    assert default.name == "expected_purchases"
    assert (cdnow_model.expected_purchases(0) == 0).all()


def test_recovers_parameters_from_simulated_customers():
    # 5,000 customers; tolerance 3 standard errors from summary() for every parameter.
    rng = np.random.default_rng(2005)
    simulated = simulate_bg_nbd(**TRUE, T=rng.uniform(26, 39, size=5_000), rng=rng)
    table = BetaGeoNBD().fit(simulated).summary()
    for name, value in TRUE.items():
        estimate, se = table.loc[name, ["estimate", "std_error"]]
        assert abs(estimate - value) < 3 * se, name


def test_fit_ignores_extra_columns(cdnow_summary, cdnow_model):
    extra = cdnow_summary.assign(segment="a")
    assert BetaGeoNBD().fit(extra).params_ == pytest.approx(cdnow_model.params_, rel=1e-6)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame(columns=["frequency", "recency", "T"]), "empty"),
        (pd.DataFrame({"frequency": [1], "recency": [1.0]}), r"missing column\(s\) \['T'\]"),
        (pd.DataFrame({"frequency": [-1], "recency": [0.0], "T": [5.0]}), "'frequency'"),
        (pd.DataFrame({"frequency": [1], "recency": [-1.0], "T": [5.0]}), "'recency'"),
        (pd.DataFrame({"frequency": [1.5], "recency": [1.0], "T": [5.0]}), "whole numbers"),
        (pd.DataFrame({"frequency": [1], "recency": [6.0], "T": [5.0]}), "exceed T"),
        (pd.DataFrame({"frequency": [0], "recency": [2.0], "T": [5.0]}), "must be 0"),
        (pd.DataFrame({"frequency": [0], "recency": [0.0], "T": [0.0]}), "'T'"),
        (pd.DataFrame({"frequency": [1], "recency": [np.nan], "T": [5.0]}), "missing value"),
        ([[1, 1.0, 5.0]], "DataFrame"),
    ],
)
def test_bad_summaries_raise_data_error_naming_the_column(table, message):
    with pytest.raises(DataError, match=message):
        BetaGeoNBD().fit(table)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.expected_purchases(10),
        lambda m: m.expected_purchases_new(10),
        lambda m: m.probability_alive(),
        lambda m: m.summary(),
    ],
)
def test_predicting_before_fit_raises_not_fitted_error(call):
    with pytest.raises(NotFittedError, match=r"BetaGeoNBD.* not fitted"):
        call(BetaGeoNBD())


def test_negative_or_several_horizons_raise_data_error_naming_t(cdnow_model):
    with pytest.raises(DataError, match="t: got -1"):
        cdnow_model.expected_purchases(-1)
    with pytest.raises(DataError, match="t: expected a single horizon"):
        cdnow_model.expected_purchases([10, 20])
