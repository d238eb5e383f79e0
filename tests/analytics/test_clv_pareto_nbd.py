import numpy as np
import pandas as pd
import pytest

from sim.analytics.clv import ParetoNBD, simulate_pareto_nbd
from sim.datasets import load_cdnow
from sim.errors import DataError, NotFittedError

TRUE = {"r": 0.55, "alpha": 10.5, "s": 0.6, "beta": 11.5}


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    return load_cdnow().summary


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary) -> ParetoNBD:
    return ParetoNBD().fit(cdnow_summary)


def test_fit_on_cdnow_matches_published_estimates(cdnow_model):
    # Published CDNOW estimates r 0.5534, alpha 10.5802, s 0.6061, beta 11.6562 (Fader &
    # Hardie's Pareto/NBD notes; the reference values of the pymc-marketing test suite) and
    # LL -9594.98 (quoted in CLVTools' tests). The likelihood is very flat in beta (SE ~6):
    # the optimum is at beta ~11.668, LL better by 3e-5, so beta is checked to 0.02, r and s
    # to 1e-3, alpha to 5e-3.
    assert cdnow_model.params_["r"] == pytest.approx(0.5534, abs=1e-3)
    assert cdnow_model.params_["alpha"] == pytest.approx(10.5802, abs=5e-3)
    assert cdnow_model.params_["s"] == pytest.approx(0.6061, abs=1e-3)
    assert cdnow_model.params_["beta"] == pytest.approx(11.6562, abs=0.02)
    assert cdnow_model.log_likelihood_ == pytest.approx(-9594.98, abs=0.01)


def test_probability_alive_is_one_only_for_a_purchase_at_the_end(cdnow_model, cdnow_summary):
    alive = cdnow_model.probability_alive()
    assert alive.index.equals(cdnow_summary.index)
    bought_at_end = cdnow_summary["recency"] == cdnow_summary["T"]
    assert (alive[bought_at_end] == 1).all()
    assert ((alive[~bought_at_end] > 0) & (alive[~bought_at_end] < 1)).all()
    # Unlike BG/NBD, a customer without repeat purchases can be dead, more so when older.
    young_and_old = pd.DataFrame({"frequency": [0, 0], "recency": [0.0, 0.0], "T": [5.0, 50.0]})
    alive = cdnow_model.probability_alive(young_and_old)
    assert alive.iloc[0] > alive.iloc[1]


def test_mean_probability_alive_equals_unconditional_survival(cdnow_model):
    # Over customers simulated from the model, the mean P(alive | x, t_x, T) must equal the
    # unconditional P(lifetime > T) = (beta / (beta + T))^s.
    rng = np.random.default_rng(3)
    simulated = simulate_pareto_nbd(**cdnow_model.params_, T=np.full(100_000, 39.0), rng=rng)
    alive = cdnow_model.probability_alive(simulated)
    s, beta = cdnow_model.params_["s"], cdnow_model.params_["beta"]
    se = alive.std() / np.sqrt(len(alive))
    assert alive.mean() == pytest.approx((beta / (beta + 39.0)) ** s, abs=4 * se)


def test_expected_purchases_new_matches_the_mean_of_simulated_customers(cdnow_model):
    rng = np.random.default_rng(8)
    simulated = simulate_pareto_nbd(**cdnow_model.params_, T=np.full(200_000, 39.0), rng=rng)
    se = simulated["frequency"].std() / np.sqrt(len(simulated))
    assert cdnow_model.expected_purchases_new(39) == pytest.approx(
        simulated["frequency"].mean(), abs=4 * se
    )


def test_conditional_expectations_average_to_the_unconditional_increment(cdnow_model):
    rng = np.random.default_rng(13)
    simulated = simulate_pareto_nbd(**cdnow_model.params_, T=np.full(100_000, 39.0), rng=rng)
    conditional = cdnow_model.expected_purchases(39, simulated)
    increment = cdnow_model.expected_purchases_new(78) - cdnow_model.expected_purchases_new(39)
    se = conditional.std() / np.sqrt(len(conditional))
    assert conditional.mean() == pytest.approx(increment, abs=4 * se)


def test_expected_purchases_default_to_fitted_customers_and_grow_with_horizon(cdnow_model):
    short, long = cdnow_model.expected_purchases(10), cdnow_model.expected_purchases(52)
    assert short.name == "expected_purchases"
    assert (long > short).all()
    assert (cdnow_model.expected_purchases(0) == 0).all()


@pytest.mark.slow
def test_recovers_parameters_from_simulated_customers():
    # 20,000 customers (s and beta are weakly identified: with 5,000 the sampling
    # distribution of their estimates is still visibly skewed, so Wald intervals are off);
    # tolerance 3 standard errors from summary() for every parameter.
    rng = np.random.default_rng(1987)
    simulated = simulate_pareto_nbd(**TRUE, T=rng.uniform(26, 39, size=20_000), rng=rng)
    table = ParetoNBD().fit(simulated).summary()
    for name, value in TRUE.items():
        estimate, se = table.loc[name, ["estimate", "std_error"]]
        assert abs(estimate - value) < 3 * se, name


def test_likelihood_branches_alpha_above_and_below_beta_both_recover_parameters():
    # The 2F1 terms are computed differently for alpha >= beta and alpha < beta; simulate a
    # population on each side and check a fit in each case (3 standard errors).
    for true in (
        {"r": 0.5, "alpha": 4.0, "s": 0.8, "beta": 20.0},
        {"r": 0.5, "alpha": 20.0, "s": 0.8, "beta": 4.0},
    ):
        rng = np.random.default_rng(42)
        simulated = simulate_pareto_nbd(**true, T=np.full(3_000, 52.0), rng=rng)
        table = ParetoNBD().fit(simulated).summary()
        for name, value in true.items():
            estimate, se = table.loc[name, ["estimate", "std_error"]]
            assert abs(estimate - value) < 3 * se, (true, name)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame(columns=["frequency", "recency", "T"]), "empty"),
        (pd.DataFrame({"frequency": [1], "T": [5.0]}), r"\['recency'\]"),
        (pd.DataFrame({"frequency": [1], "recency": [1.0], "T": [-5.0]}), "'T'"),
        (pd.DataFrame({"frequency": [2], "recency": [7.0], "T": [5.0]}), "exceed T"),
    ],
)
def test_bad_summaries_raise_data_error_naming_the_column(table, message):
    with pytest.raises(DataError, match=message):
        ParetoNBD().fit(table)


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
    with pytest.raises(NotFittedError, match=r"ParetoNBD.* not fitted"):
        call(ParetoNBD())
