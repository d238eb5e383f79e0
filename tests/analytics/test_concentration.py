import numpy as np
import pandas as pd
import pytest

from sim.analytics.concentration import Concentration, gini, lorenz_curve, top_share
from sim.errors import DataError, NotFittedError


def test_equal_values_have_zero_gini_and_proportional_top_share():
    assert gini([7.0] * 10) == pytest.approx(0.0)
    assert top_share([7.0] * 10, top=0.2) == pytest.approx(0.2)


@pytest.mark.parametrize("n", [2, 5, 50])
def test_one_customer_holding_everything_gives_gini_n_minus_one_over_n(n):
    values = [0.0] * (n - 1) + [10.0]
    assert gini(values) == pytest.approx((n - 1) / n)
    assert top_share(values, top=1 / n) == pytest.approx(1.0)


def test_gini_of_one_to_four_is_a_quarter():
    # Ordered pairs' absolute differences sum to 20; 20 / (2 * 4^2 * 2.5) = 0.25.
    assert gini([3, 1, 4, 2]) == pytest.approx(0.25)


def test_gini_equals_mean_absolute_difference_definition():
    values = np.random.default_rng(11).lognormal(0, 1, 200)
    pairwise = np.abs(values[:, None] - values[None, :]).sum()
    expected = pairwise / (2 * len(values) ** 2 * values.mean())
    assert gini(values) == pytest.approx(expected)


def test_gini_equals_one_minus_twice_area_under_lorenz_curve():
    values = np.random.default_rng(12).exponential(1.0, 300)
    curve = lorenz_curve(values)
    x, y = curve["customer_share"].to_numpy(), curve["value_share"].to_numpy()
    area = np.sum((x[1:] - x[:-1]) * (y[1:] + y[:-1]) / 2)
    assert gini(values) == pytest.approx(1 - 2 * area)


def test_gini_of_uniform_sample_is_near_one_third():
    values = np.random.default_rng(13).uniform(0, 1, 20_000)
    assert gini(values) == pytest.approx(1 / 3, abs=0.01)


def test_lorenz_curve_of_one_to_four():
    curve = lorenz_curve([4, 2, 3, 1])
    assert curve["customer_share"].tolist() == pytest.approx([0, 0.25, 0.5, 0.75, 1])
    assert curve["value_share"].tolist() == pytest.approx([0, 0.1, 0.3, 0.6, 1])


def test_eighty_twenty_distribution_has_top_20_share_of_80_percent():
    values = [40.0, 40.0] + [2.5] * 8
    assert top_share(values, top=0.2) == pytest.approx(0.8)


def test_top_share_interpolates_fractional_customers():
    # Lorenz of 1..4 at 0.8 lies between (0.75, 0.6) and (1, 1): 0.6 + 0.05 / 0.25 * 0.4.
    assert top_share([1, 2, 3, 4], top=0.2) == pytest.approx(1 - 0.68)
    assert top_share([1, 2, 3, 4], top=0.25) == pytest.approx(0.4)


def test_negative_values_raise_by_default():
    with pytest.raises(DataError, match="negative"):
        gini([-5.0, 0.0, 5.0, 5.0])


def test_clip_counts_negative_values_as_zero():
    # Clipped to [0, 0, 5, 5]: 8 ordered pairs differ by 5 -> 40 / (2 * 16 * 2.5) = 0.5.
    assert gini([-5.0, 0.0, 5.0, 5.0], negative="clip") == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("values", "message"),
    [([], "no values"), ([1.0, float("nan")], "missing"), ([0.0, 0.0], "sum to 0")],
)
def test_unusable_values_are_rejected(values, message):
    with pytest.raises(DataError, match=message):
        gini(values)


def test_top_fraction_outside_unit_interval_is_rejected():
    with pytest.raises(ValueError, match="top"):
        top_share([1, 2], top=1.5)


@pytest.fixture
def rows() -> pd.DataFrame:
    # Customer totals: a = 80, b = 20.
    return pd.DataFrame({"customer_id": ["a", "b", "a", "b"], "amount": [60.0, 10.0, 20.0, 10.0]})


def test_concentration_sums_rows_per_customer(rows):
    model = Concentration().fit(rows)
    assert model.totals_.to_dict() == {"a": 80.0, "b": 20.0}
    # Sorted [20, 80]: 2 * (20 + 160) / (2 * 100) - 3 / 2 = 0.3.
    assert model.gini_ == pytest.approx(0.3)
    assert model.top_20_share_ == pytest.approx(0.32)
    assert model.lorenz_["value_share"].tolist() == pytest.approx([0, 0.2, 1])
    assert model.top_share(0.5) == pytest.approx(0.8)
    assert model.summary()["customers"] == 2


def test_concentration_of_profit_with_loss_makers(rows):
    data = rows.rename(columns={"amount": "profit"})
    data.loc[1, "profit"] = -50.0  # b's total becomes -40
    with pytest.raises(DataError, match="'profit'"):
        Concentration().fit(data, value="profit")
    clipped = Concentration(negative="clip").fit(data, value="profit")
    # Clipped totals [0, 80]: Lorenz (0, 0), (0.5, 0), (1, 1); 1 - L(0.8) = 1 - 0.6.
    assert clipped.gini_ == pytest.approx(0.5)
    assert clipped.top_20_share_ == pytest.approx(0.4)


@pytest.mark.parametrize("column", ["customer_id", "amount"])
def test_missing_column_is_named(rows, column):
    with pytest.raises(DataError, match=column):
        Concentration().fit(rows.drop(columns=column))


def test_empty_table_is_rejected(rows):
    with pytest.raises(DataError, match="empty"):
        Concentration().fit(rows.iloc[0:0])


@pytest.mark.parametrize("method", ["summary", "top_share"])
def test_methods_need_fit_first(method):
    with pytest.raises(NotFittedError, match="fit"):
        getattr(Concentration(), method)()
