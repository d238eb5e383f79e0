import numpy as np
import pandas as pd
import pytest

from sim.analytics.clv import ShiftedBetaGeometric, simulate_survivors
from sim.errors import DataError, NotFittedError

# Fader & Hardie (2007), "How to project customer retention", "Regular" segment: customers
# still active at the start of years 0..12 out of 1,000 acquired.
REGULAR = [1000, 631, 468, 382, 326, 289, 262, 241, 223, 207, 194, 183, 173]


@pytest.fixture(scope="module")
def regular() -> ShiftedBetaGeometric:
    return ShiftedBetaGeometric().fit(REGULAR[:8])


def test_fit_on_regular_segment_years_0_to_7_matches_fader_hardie_2007(regular):
    # Published: alpha 0.704, beta 1.182, LL -1680.3 (3 decimals -> tolerance 5e-4).
    assert regular.params_["alpha"] == pytest.approx(0.704, abs=5e-4)
    assert regular.params_["beta"] == pytest.approx(1.182, abs=5e-4)
    assert regular.log_likelihood_ == pytest.approx(-1680.3, abs=0.05)
    assert regular.converged_


def test_projection_of_years_8_to_12_matches_published_to_a_tenth(regular):
    # Published projection 220.1, 204.4, 191.2, 179.9, 170.1; the paper rounds alpha and
    # beta to 3 decimals before projecting, which moves year 12 by 0.06 -> tolerance 0.1.
    projected = regular.project(12, cohort_size=1000)
    assert list(projected.index) == list(range(13))
    assert projected.loc[8:12].to_numpy() == pytest.approx(
        [220.1, 204.4, 191.2, 179.9, 170.1], abs=0.1
    )
    # ... and it stays within 2% of what actually happened in years 8..12.
    assert projected.loc[8:12].to_numpy() == pytest.approx(REGULAR[8:], rel=0.02)


def test_project_accepts_an_explicit_list_of_periods(regular):
    projected = regular.project([0, 5, 10], cohort_size=500)
    assert list(projected.index) == [0, 5, 10]
    assert projected.loc[0] == pytest.approx(500)
    assert projected.name == "expected_survivors"


def test_survival_is_one_at_period_zero_and_decreasing(regular):
    s = regular.survival(np.arange(20))
    assert s[0] == pytest.approx(1.0)
    assert np.all(np.diff(s) < 0)
    assert isinstance(regular.survival(3), float)


def test_retention_rate_rises_with_tenure_and_equals_survival_ratio(regular):
    t = np.arange(1, 15)
    r = regular.retention_rate(t)
    assert np.all(np.diff(r) > 0)
    assert r == pytest.approx(regular.survival(t) / regular.survival(t - 1))


def test_churn_probabilities_and_final_survival_sum_to_one(regular):
    t = np.arange(1, 11)
    total = regular.churn_probability(t).sum() + regular.survival(10)
    assert total == pytest.approx(1.0)
    assert regular.churn_probability(1) == pytest.approx(1 - regular.retention_rate(1))


def test_summary_lists_parameters_with_standard_errors_and_log_likelihood(regular):
    table = regular.summary()
    assert list(table.index) == ["alpha", "beta", "log_likelihood"]
    assert list(table.columns) == ["estimate", "std_error"]
    assert table.loc["alpha", "estimate"] == regular.params_["alpha"]
    assert table.loc[["alpha", "beta"], "std_error"].gt(0).all()
    assert table.loc["log_likelihood", "estimate"] == regular.log_likelihood_


def test_fit_accepts_series_and_one_column_dataframe():
    counts = pd.Series(REGULAR[:8], index=range(1990, 1998), name="active")
    from_series = ShiftedBetaGeometric().fit(counts)
    from_frame = ShiftedBetaGeometric().fit(counts.to_frame())
    assert from_series.params_ == pytest.approx(from_frame.params_)
    assert from_series.params_["alpha"] == pytest.approx(0.704, abs=5e-4)
    assert list(from_series.survivors_.index) == list(range(8))


def test_recovers_parameters_from_a_simulated_cohort():
    # 20,000 customers over 12 periods: SE(alpha) ~ 0.015. Tolerance: 3 standard errors.
    rng = np.random.default_rng(20070101)
    survivors = simulate_survivors(0.7, 1.2, cohort_size=20_000, periods=12, rng=rng)
    model = ShiftedBetaGeometric().fit(survivors)
    table = model.summary()
    for name, true in (("alpha", 0.7), ("beta", 1.2)):
        assert abs(table.loc[name, "estimate"] - true) < 3 * table.loc[name, "std_error"]


@pytest.mark.slow
def test_confidence_intervals_cover_true_parameters_about_95_percent_of_the_time():
    # 300 cohorts of 2,000: the Wald 95% intervals from the Hessian standard errors should
    # cover the truth ~95% of the time; binomial SE of the rate is ~1.3 points.
    rng = np.random.default_rng(7)
    hits = np.zeros(2)
    n = 300
    for _ in range(n):
        survivors = simulate_survivors(0.7, 1.2, cohort_size=2_000, periods=8, rng=rng)
        table = ShiftedBetaGeometric().fit(survivors).summary()
        est = table.loc[["alpha", "beta"], "estimate"].to_numpy()
        se = table.loc[["alpha", "beta"], "std_error"].to_numpy()
        hits += np.abs(est - [0.7, 1.2]) < 1.96 * se
    assert np.all((hits / n > 0.90) & (hits / n < 0.99))


def test_simulated_counts_start_at_cohort_size_and_never_increase():
    rng = np.random.default_rng(1)
    survivors = simulate_survivors(1.0, 2.0, cohort_size=300, periods=6, rng=rng)
    assert survivors.iloc[0] == 300
    assert (survivors.diff().dropna() <= 0).all()


@pytest.mark.parametrize(
    ("survivors", "message"),
    [
        ([], "no counts"),
        ([1000], "single count"),
        ([1000, 600, 650, 500], "must not increase"),
        ([1000, -5], "period 1"),
        ([0, 0, 0], "first count"),
        ([1000, np.nan, 400], "period 1 is missing"),
        ([500, 500, 500], "no churn"),
        (["a", "b"], "numbers"),
        (pd.Series(["a", "b"]), "numeric"),
        (pd.DataFrame({"a": [10, 5], "b": [10, 5]}), "one column"),
    ],
)
def test_bad_survivor_counts_raise_data_error_naming_the_problem(survivors, message):
    with pytest.raises(DataError, match="survivors") as info:
        ShiftedBetaGeometric().fit(survivors)
    assert message in str(info.value)


@pytest.mark.parametrize(
    "call",
    [
        lambda m: m.survival(1),
        lambda m: m.retention_rate(1),
        lambda m: m.churn_probability(1),
        lambda m: m.project(5, 100),
        lambda m: m.summary(),
    ],
)
def test_using_the_model_before_fit_raises_not_fitted_error(call):
    with pytest.raises(NotFittedError, match="not fitted"):
        call(ShiftedBetaGeometric())


def test_out_of_range_arguments_raise_data_error_naming_the_argument(regular):
    with pytest.raises(DataError, match="t: got -1"):
        regular.survival(-1)
    with pytest.raises(DataError, match="t: got 0"):
        regular.retention_rate(0)
    with pytest.raises(DataError, match="cohort_size"):
        regular.project(5, 0)
    with pytest.raises(DataError, match="periods"):
        regular.project([1.5], 100)


def test_data_that_cannot_identify_the_parameters_warn_and_give_nan_standard_errors():
    # Everyone churns in period 1: any beta distribution concentrated at theta = 1 fits.
    with pytest.warns(RuntimeWarning, match="no proper maximum"):
        model = ShiftedBetaGeometric().fit([1000, 0])
    assert np.isnan(model.summary().loc["alpha", "std_error"])
