import numpy as np
import pandas as pd
import pytest

from sim.analytics.clv import BetaGeoNBD, GammaGamma, ParetoNBD, simulate_gamma_gamma
from sim.datasets import load_cdnow
from sim.errors import DataError, NotFittedError

TRUE = {"p": 6.0, "q": 4.0, "gamma": 15.0}


@pytest.fixture(scope="module")
def cdnow_summary() -> pd.DataFrame:
    return load_cdnow().summary


@pytest.fixture(scope="module")
def cdnow_model(cdnow_summary) -> GammaGamma:
    return GammaGamma().fit(cdnow_summary)


@pytest.fixture(scope="module")
def bg_nbd(cdnow_summary) -> BetaGeoNBD:
    return BetaGeoNBD().fit(cdnow_summary)


def test_fit_on_cdnow_matches_published_estimates(cdnow_model):
    # lifetimes documentation (quickstart), GammaGammaFitter on the 946 CDNOW customers with
    # repeat purchases: p 6.25, q 3.74, v (our gamma) 15.45. Tolerance: 0.01.
    assert cdnow_model.n_customers_ == 946
    assert cdnow_model.params_["p"] == pytest.approx(6.25, abs=0.01)
    assert cdnow_model.params_["q"] == pytest.approx(3.74, abs=0.01)
    assert cdnow_model.params_["gamma"] == pytest.approx(15.45, abs=0.01)


def test_expected_spend_of_first_customers_matches_lifetimes_documentation(
    cdnow_model, cdnow_summary
):
    # lifetimes quickstart: customers 1 and 2 -> 24.658619 and 18.911489 (2 decimals here).
    spend = cdnow_model.expected_spend(cdnow_summary)
    assert spend.loc[[1, 2]].to_numpy() == pytest.approx([24.66, 18.91], abs=0.005)


def test_expected_spend_shrinks_own_average_towards_population_mean(cdnow_model):
    p, q, gamma = (cdnow_model.params_[k] for k in ("p", "q", "gamma"))
    population_mean = p * gamma / (q - 1)
    customers = pd.DataFrame({"frequency": [0, 1, 20], "monetary_value": [0.0, 100.0, 100.0]})
    spend = cdnow_model.expected_spend(customers)
    assert spend.iloc[0] == pytest.approx(population_mean)
    assert population_mean < spend.iloc[1] < spend.iloc[2] < 100.0


def test_customers_without_repeat_purchases_are_excluded_from_the_fit(cdnow_summary):
    repeaters = cdnow_summary[cdnow_summary["frequency"] > 0]
    with_zeros = GammaGamma().fit(cdnow_summary)
    without_zeros = GammaGamma().fit(repeaters)
    assert with_zeros.params_ == pytest.approx(without_zeros.params_, rel=1e-6)


def test_recovers_parameters_from_simulated_spend():
    # 3,000 customers with 1..9 repeat purchases; tolerance 3 standard errors.
    rng = np.random.default_rng(2013)
    simulated = simulate_gamma_gamma(**TRUE, frequency=rng.integers(1, 10, size=3_000), rng=rng)
    table = GammaGamma().fit(simulated).summary()
    assert list(table.index) == ["p", "q", "gamma", "log_likelihood"]
    for name, value in TRUE.items():
        estimate, se = table.loc[name, ["estimate", "std_error"]]
        assert abs(estimate - value) < 3 * se, name


def test_clv_sums_discounted_expected_purchases_times_margin_and_spend(
    cdnow_model, bg_nbd, cdnow_summary
):
    customers = cdnow_summary.iloc[:5]
    clv = cdnow_model.clv(bg_nbd, customers, periods=3, discount_rate=0.1, margin=0.2)
    cumulative = np.column_stack(
        [bg_nbd.expected_purchases(t, customers).to_numpy() for t in (0, 1, 2, 3)]
    )
    by_period = np.diff(cumulative, axis=1) / 1.1 ** np.arange(1, 4)
    spend = cdnow_model.expected_spend(customers).to_numpy()
    assert clv.to_numpy() == pytest.approx(0.2 * spend * by_period.sum(axis=1))
    assert clv.name == "clv"
    assert clv.index.equals(customers.index)


def test_clv_without_discounting_is_margin_times_spend_times_expected_purchases(
    cdnow_model, bg_nbd, cdnow_summary
):
    clv = cdnow_model.clv(bg_nbd, cdnow_summary, 12, 0.0, 0.5, period_length=52 / 12)
    expected = 0.5 * cdnow_model.expected_spend(cdnow_summary) * bg_nbd.expected_purchases(52)
    assert clv.to_numpy() == pytest.approx(expected.to_numpy())


def test_clv_works_with_pareto_nbd_and_falls_with_the_discount_rate(cdnow_model, cdnow_summary):
    pareto = ParetoNBD().fit(cdnow_summary)
    low = cdnow_model.clv(pareto, cdnow_summary, 12, 0.01, 0.3, period_length=52 / 12)
    high = cdnow_model.clv(pareto, cdnow_summary, 12, 0.05, 0.3, period_length=52 / 12)
    assert (low > high).all()
    assert (high > 0).all()


@pytest.mark.parametrize(
    ("table", "message"),
    [
        (pd.DataFrame(columns=["frequency", "monetary_value"]), "empty"),
        (pd.DataFrame({"frequency": [1, 2]}), r"\['monetary_value'\]"),
        (pd.DataFrame({"frequency": [1, 2], "monetary_value": [-3.0, 5.0]}), "'monetary_value'"),
        (pd.DataFrame({"frequency": [1, 2], "monetary_value": [0.0, 5.0]}), "must be > 0"),
        (pd.DataFrame({"frequency": [0, 0, 1], "monetary_value": [0.0, 0.0, 5.0]}), "at least"),
    ],
)
def test_bad_spend_tables_raise_data_error_naming_the_column(table, message):
    with pytest.raises(DataError, match=message):
        GammaGamma().fit(table)


@pytest.mark.parametrize(
    ("arguments", "name"),
    [
        ({"periods": 0}, "periods"),
        ({"periods": 2.5}, "periods"),
        ({"discount_rate": -0.1}, "discount_rate"),
        ({"margin": 0.0}, "margin"),
        ({"margin": 1.5}, "margin"),
        ({"period_length": 0.0}, "period_length"),
    ],
)
def test_clv_arguments_out_of_range_raise_data_error_naming_them(
    cdnow_model, bg_nbd, cdnow_summary, arguments, name
):
    valid = {"periods": 12, "discount_rate": 0.01, "margin": 0.3}
    with pytest.raises(DataError, match=name):
        cdnow_model.clv(bg_nbd, cdnow_summary, **(valid | arguments))


def test_clv_needs_recency_and_t_in_the_summary(cdnow_model, bg_nbd, cdnow_summary):
    with pytest.raises(DataError, match=r"\['recency', 'T'\]"):
        cdnow_model.clv(bg_nbd, cdnow_summary[["frequency", "monetary_value"]], 12, 0.01, 0.3)


def test_using_the_model_before_fit_raises_not_fitted_error(cdnow_summary, bg_nbd):
    model = GammaGamma()
    for call in (
        lambda: model.expected_spend(cdnow_summary),
        lambda: model.clv(bg_nbd, cdnow_summary, 12, 0.01, 0.3),
        model.summary,
    ):
        with pytest.raises(NotFittedError, match=r"GammaGamma.* not fitted"):
            call()


def test_clv_with_an_unfitted_transaction_model_raises_not_fitted_error(cdnow_model, cdnow_summary):
    with pytest.raises(NotFittedError, match=r"BetaGeoNBD\.expected_purchases: .* not fitted"):
        cdnow_model.clv(BetaGeoNBD(), cdnow_summary, 12, 0.01, 0.3)
