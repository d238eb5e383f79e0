import numpy as np
import pytest

from sim import economics
from sim.analytics.clv import npv_worksheet, retention_clv
from sim.errors import DataError


def test_infinite_horizon_is_the_margin_multiple():
    # m r / (1 + d - r) = 100 * 0.8 / 0.3
    assert retention_clv(100, 0.8, 0.1) == pytest.approx(800 / 3)


def test_infinite_horizon_agrees_with_the_simulations_customer_equity_formula():
    retention = np.linspace(0.0, 0.95, 7)
    np.testing.assert_allclose(
        retention_clv(40.0, retention, 0.01), economics.retention_clv(40.0, retention, 0.01)
    )


def test_finite_horizon_is_the_explicit_discounted_sum():
    expected = sum(100 * 0.8**t / 1.1**t for t in range(1, 6))
    assert retention_clv(100, 0.8, 0.1, periods=5) == pytest.approx(expected)


def test_finite_horizon_converges_to_the_infinite_one():
    assert retention_clv(50, 0.9, 0.05, periods=2_000) == pytest.approx(
        retention_clv(50, 0.9, 0.05)
    )


def test_retention_one_with_positive_discount_rate_gives_margin_over_rate():
    assert retention_clv(10, 1.0, 0.1) == pytest.approx(100.0)


def test_arguments_broadcast_over_a_grid_of_retention_rates():
    retention = np.array([0.5, 0.7, 0.9])
    values = retention_clv(100, retention, 0.1)
    assert values.shape == (3,)
    assert np.all(np.diff(values) > 0)
    finite = retention_clv(100, retention, 0.1, periods=3)
    assert finite == pytest.approx([retention_clv(100, r, 0.1, periods=3) for r in retention])
    assert isinstance(retention_clv(100, 0.5, 0.1), float)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"retention": 1.2}, r"retention: got 1.2; allowed range is \[0.0, 1.0\]"),
        ({"retention": -0.1}, "retention: got -0.1"),
        ({"discount_rate": -0.05}, "discount_rate: got -0.05"),
        ({"margin": float("nan")}, "margin: .* finite"),
        ({"margin": "a lot"}, "margin: expected a number"),
        ({"periods": 0}, "periods: got 0"),
        ({"periods": 2.5}, "periods: got 2.5"),
        ({"retention": 1.0, "discount_rate": 0.0}, "infinite"),
    ],
)
def test_invalid_arguments_raise_data_error_naming_them(arguments, message):
    valid = {"margin": 100, "retention": 0.8, "discount_rate": 0.1}
    with pytest.raises(DataError, match=message):
        retention_clv(**(valid | arguments))


@pytest.fixture
def worksheet():
    return npv_worksheet(
        acquisition_revenue=100,
        acquisition_cost=150,
        yearly_revenue=200,
        yearly_cost=120,
        retention=0.8,
        discount_rate=0.1,
        referral_value=10,
        years=3,
    )


def test_worksheet_has_one_row_per_year_with_the_course_columns(worksheet):
    assert list(worksheet.columns) == [
        "year",
        "customers_remaining",
        "revenue",
        "cost",
        "referral_value",
        "margin",
        "discount_factor",
        "discounted_margin",
        "cumulative_npv",
    ]
    assert worksheet["year"].tolist() == [0, 1, 2, 3]


def test_worksheet_values_match_a_hand_computation(worksheet):
    # Year 0: 100 - 150 = -50. Year t: 0.8^t * (200 - 120 + 10) / 1.1^t.
    margins = [-50.0, 0.8 * 90, 0.64 * 90, 0.512 * 90]
    assert worksheet["customers_remaining"].tolist() == pytest.approx([1, 0.8, 0.64, 0.512])
    assert worksheet["revenue"].tolist() == pytest.approx([100, 160, 128, 102.4])
    assert worksheet["margin"].tolist() == pytest.approx(margins)
    discounted = [m / 1.1**t for t, m in enumerate(margins)]
    assert worksheet["discounted_margin"].tolist() == pytest.approx(discounted)
    assert worksheet["cumulative_npv"].tolist() == pytest.approx(np.cumsum(discounted))


def test_worksheet_total_equals_acquisition_margin_plus_retention_clv(worksheet):
    total = worksheet["cumulative_npv"].iloc[-1]
    assert total == pytest.approx(-50 + retention_clv(90, 0.8, 0.1, periods=3))


def test_worksheet_accepts_amounts_that_grow_with_tenure():
    table = npv_worksheet(0, 50, [100, 120, 150], [60, 55, 50], 0.9, 0.08)
    assert len(table) == 4
    assert table["margin"].iloc[1:].tolist() == pytest.approx([0.9 * 40, 0.81 * 65, 0.729 * 100])


def test_worksheet_defaults_to_five_years():
    assert len(npv_worksheet(0, 50, 100, 60, 0.9, 0.08)) == 6


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"retention": 1.5}, "retention: got 1.5"),
        ({"discount_rate": -1}, "discount_rate: got -1"),
        ({"retention": [0.8, 0.9]}, "retention: .* single number"),
        ({"yearly_revenue": [1, 2], "years": 3}, "yearly_revenue: got 2 per-year values"),
        ({"years": 0}, "years: got 0"),
        ({"acquisition_cost": float("inf")}, "acquisition_cost"),
    ],
)
def test_worksheet_invalid_arguments_raise_data_error_naming_them(arguments, message):
    valid = {
        "acquisition_revenue": 0,
        "acquisition_cost": 50,
        "yearly_revenue": 100,
        "yearly_cost": 60,
        "retention": 0.8,
        "discount_rate": 0.1,
    }
    with pytest.raises(DataError, match=message):
        npv_worksheet(**(valid | arguments))
