"""Money: discount rates, cost to serve, profit by source, NPV and CLV, by hand."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim import economics
from sim.economics import (
    COST_ITEMS,
    PROFIT_SOURCES,
    basket_growth,
    cost_to_serve,
    monthly_rate,
    npv,
    price_premium,
    profile_clv,
    profit_by_source,
    retention_clv,
    retention_effect,
    retention_effect_from_kpis,
    retention_effect_from_run,
)


def test_monthly_rate_compounds_to_the_annual_rate():
    assert monthly_rate(0.0) == 0.0
    m = monthly_rate(0.10)
    assert (1 + m) ** 12 == pytest.approx(1.10, rel=1e-12)
    assert m < 0.10 / 12  # compounding: less than the simple twelfth
    assert monthly_rate(0.2683) == pytest.approx(0.02, rel=1e-3)  # 1.02^12 = 1.2682


def test_cost_to_serve_falls_with_tenure_toward_its_floor():
    new, floor, halflife = 3.0, 0.4, 18.0
    assert cost_to_serve(0, new, floor, halflife) == pytest.approx(3.0)
    # Half the distance to the floor (1.2) after one half-life, a quarter after two.
    assert cost_to_serve(18, new, floor, halflife) == pytest.approx(1.2 + 1.8 / 2)
    assert cost_to_serve(36, new, floor, halflife) == pytest.approx(1.2 + 1.8 / 4)
    months = np.arange(0, 241)
    costs = cost_to_serve(months, new, floor, halflife)
    assert np.all(np.diff(costs) < 0)
    assert np.all(costs > floor * new)
    assert costs[-1] == pytest.approx(floor * new, abs=0.01)


def test_cost_to_serve_without_learning_is_constant():
    costs = cost_to_serve(np.arange(50), 3.0, 1.0, 12.0)
    np.testing.assert_allclose(costs, 3.0)


def test_basket_growth_is_linear_then_capped():
    assert basket_growth(0, 0.1, 5.0) == 0.0
    assert basket_growth(12, 0.1, 5.0) == pytest.approx(0.1)
    assert basket_growth(30, 0.1, 5.0) == pytest.approx(0.25)
    assert basket_growth(60, 0.1, 5.0) == pytest.approx(0.5)
    assert basket_growth(120, 0.1, 5.0) == pytest.approx(0.5)  # capped at 5 years


def test_price_premium_grows_to_its_cap():
    assert price_premium(0, 0.02, 0.08) == 0.0
    assert price_premium(24, 0.02, 0.08) == pytest.approx(0.04)
    assert price_premium(48, 0.02, 0.08) == pytest.approx(0.08)
    assert price_premium(240, 0.02, 0.08) == pytest.approx(0.08)


@given(tenure=st.lists(st.integers(0, 400), min_size=1, max_size=10))
def test_tenure_effects_same_for_ints_and_arrays(tenure):
    months = np.array(tenure)
    for func, args in (
        (cost_to_serve, (3.0, 0.4, 18.0)),
        (basket_growth, (0.1, 5.0)),
        (price_premium, (0.02, 0.08)),
    ):
        together = func(months, *args)
        alone = [func(t, *args) for t in tenure]
        np.testing.assert_allclose(together, alone, rtol=1e-12)


def test_profit_by_source_by_hand():
    sources = profit_by_source(
        base_margin=16.0,
        extra_margin=4.0,
        premium_revenue=1.5,
        serve_cost_new=3.0,
        serve_cost_now=1.8,
        referrals=20.0,
        acquisition_cost=0.0,
        retention_cost=2.0,
    )
    assert sources["base_profit"] == pytest.approx(13.0)
    assert sources["increased_purchases"] == pytest.approx(4.0)
    assert sources["reduced_operating_costs"] == pytest.approx(1.2)
    assert sources["referrals"] == pytest.approx(20.0)
    assert sources["price_premium"] == pytest.approx(1.5)
    # Revenue above cost of goods, minus what it cost to serve and retain this month.
    assert sources["profit"] == pytest.approx(16 + 4 + 1.5 + 20 - 1.8 - 2.0)
    assert set(sources) == {*PROFIT_SOURCES, *COST_ITEMS, "profit"}


@given(
    values=st.lists(st.floats(0.0, 100.0), min_size=8, max_size=8),
)
def test_profit_sources_sum_to_the_profit(values):
    sources = profit_by_source(*values)
    total = sum(sources[s] for s in PROFIT_SOURCES) - sum(sources[c] for c in COST_ITEMS)
    assert total == pytest.approx(sources["profit"], abs=1e-9)


def test_new_customer_has_no_reduced_operating_costs():
    sources = profit_by_source(10.0, 0.0, 0.0, 3.0, 3.0, 0.0, 40.0, 0.0)
    assert sources["reduced_operating_costs"] == 0.0
    assert sources["profit"] == pytest.approx(10.0 - 3.0 - 40.0)


def test_npv_by_hand():
    assert npv([100.0, 100.0, 100.0], 0.10) == pytest.approx(100 + 100 / 1.1 + 100 / 1.21)
    assert npv([100.0, 100.0], 0.10, first_period=1) == pytest.approx(100 / 1.1 + 100 / 1.21)
    assert npv([-40.0, 25.0, 25.0], 0.0) == pytest.approx(10.0)
    assert npv([], 0.1) == 0.0


def test_retention_clv_is_the_gupta_lehmann_closed_form():
    m, r, d = 100.0, 0.8, 0.12
    assert retention_clv(m, r, d) == pytest.approx(m * r / (1 + d - r))  # 250.0
    assert retention_clv(m, r, d) == pytest.approx(250.0)


def test_retention_clv_is_the_npv_of_expected_margins():
    # A customer still there in period t (probability r^t) pays m; from next period on.
    m, r, d = 50.0, 0.9, 0.01
    horizon = 2000
    expected_margins = [m * r**t for t in range(1, horizon + 1)]
    assert retention_clv(m, r, d) == pytest.approx(npv(expected_margins, d, first_period=1))


def test_retention_clv_rises_with_retention_and_falls_with_the_discount_rate():
    retention = np.array([0.5, 0.7, 0.9, 0.95])
    clv = retention_clv(10.0, retention, 0.1)
    assert np.all(np.diff(clv) > 0)
    assert retention_clv(10.0, 0.9, 0.05) > retention_clv(10.0, 0.9, 0.2)
    assert retention_clv(10.0, 0.0, 0.1) == 0.0
    np.testing.assert_allclose(clv, [retention_clv(10.0, float(r), 0.1) for r in retention])


def test_monthly_clv_with_an_annual_rate():
    # Monthly margin, monthly retention, the monthly equivalent of a 10% annual rate.
    d = monthly_rate(0.10)
    clv = retention_clv(5.0, 0.98, d)
    assert clv == pytest.approx(5.0 * 0.98 / (1 + d - 0.98))
    assert math.isfinite(clv)
    # Discounting lowers CLV below the undiscounted m r / (1 - r) = 245, but a monthly
    # rate discounts far less than wrongly applying the annual 10% every month.
    assert retention_clv(5.0, 0.98, 0.10) < clv < 5.0 * 0.98 / (1 - 0.98)


def test_profit_sources_in_reichheld_sasser_order():
    assert economics.PROFIT_SOURCES == (
        "base_profit",
        "increased_purchases",
        "reduced_operating_costs",
        "referrals",
        "price_premium",
    )


# ---------------------------------------------------------------- Reichheld's 5 points
def test_retention_effect_reproduces_the_hand_computed_gain():
    effect = retention_effect(100.0, 0.80, 0.10)
    assert effect.clv_before == pytest.approx(100.0 * 0.80 / 0.30)
    assert effect.clv_after == pytest.approx(100.0 * 0.85 / 0.25)
    assert effect.increase == pytest.approx(0.275)
    text = effect.explain()
    assert "266.67" in text and "340.00" in text and "27.5%" in text


def test_five_points_are_worth_more_the_higher_retention_already_is():
    gains = [retention_effect(50.0, r, 0.10).increase for r in (0.6, 0.7, 0.8, 0.9)]
    assert all(a < b for a, b in itertools.pairwise(gains))
    # Reichheld & Sasser's range (25%-85%) is reached at the retention rates they saw.
    assert 0.25 <= retention_effect(50.0, 0.80, 0.10).increase <= 0.85
    assert 0.25 <= retention_effect(50.0, 0.90, 0.10).increase <= 0.85


@pytest.mark.parametrize(
    ("args", "field"),
    [
        ((0.0, 0.8, 0.1), "margin = 0.0"),
        ((10.0, 1.0, 0.1), "retention = 1.0"),
        ((10.0, -0.1, 0.1), "retention = -0.1"),
        ((10.0, 0.8, -0.1), "rate = -0.1"),
        ((10.0, 0.97, 0.1), "points = 0.05"),
        ((10.0, float("nan"), 0.1), "retention = nan"),
    ],
)
def test_retention_effect_rejects_impossible_inputs(args, field):
    with pytest.raises(ValueError, match=field):
        retention_effect(*args)


def test_retention_effect_from_kpis_uses_last_years_margin_and_retention():
    months = 24
    kpis = pd.DataFrame(
        {
            "month": range(1, months + 1),
            "customers": [100.0] * months,
            "margin": [1000.0] * months,
            "cost_to_serve": [200.0] * months,
            "retention_rate": [0.99] * 12 + [0.98] * 12,
        }
    )
    effect = retention_effect_from_kpis(kpis, 0.1)
    assert effect.margins == pytest.approx((12 * 800.0 / 100.0,))
    assert effect.retention == pytest.approx(0.98**12)
    with pytest.raises(ValueError, match="at least 12"):
        retention_effect_from_kpis(kpis.head(6), 0.1)


def test_a_flat_profile_is_the_constant_margin_clv():
    assert profile_clv([100.0], 0.8, 0.1) == pytest.approx(retention_clv(100.0, 0.8, 0.1))
    assert profile_clv([100.0] * 4, 0.8, 0.1) == pytest.approx(retention_clv(100.0, 0.8, 0.1))


def test_profile_clv_by_hand():
    # years 1 and 2 earn 10 and 20, then 20 for ever; x = r / (1 + d) = 0.5
    expected = 10 * 0.5 + 20 * 0.25 + 20 * 0.125 / (1 - 0.5)
    assert profile_clv([10.0, 20.0], 0.55, 0.1) == pytest.approx(expected)


def test_retention_is_worth_more_when_profit_grows_with_tenure():
    flat = retention_effect(100.0, 0.75, 0.10)
    growing = retention_effect([100.0, 120.0, 140.0, 160.0, 180.0], 0.75, 0.10)
    assert growing.increase > flat.increase
    text = growing.explain()
    assert "m_1..m_5 = 100.00, 120.00, 140.00, 160.00, 180.00" in text
    assert f"{growing.clv_before:,.2f}" in text and f"{growing.increase:.1%}" in text


def test_a_profile_worth_nothing_is_rejected():
    with pytest.raises(ValueError, match=r"margin = \[-50.0, 10.0\]"):
        retention_effect([-50.0, 10.0], 0.5, 0.1)


def test_retention_effect_from_run_reads_the_profile_by_tenure_year():
    months = 36
    kpis = pd.DataFrame({"month": range(1, months + 1), "retention_rate": [0.98] * months})
    # 100 customers observed for three years; profit 10, 20, 30 a month by tenure year
    tenure = np.tile(np.arange(months), 100)
    customer_months = pd.DataFrame(
        {
            "customer_id": np.repeat(np.arange(100), months),
            "firm": "Focal",
            "tenure_months": tenure,
            "profit": 10.0 * (tenure // 12 + 1),
            "acquisition_cost": 0.0,
        }
    )
    effect = retention_effect_from_run(kpis, customer_months, 0.1)
    assert effect.margins == pytest.approx((120.0, 240.0, 360.0))
    assert effect.retention == pytest.approx(0.98**12)
    # a year seen for too few customer-years is left out, with it every later year
    thin = customer_months[(customer_months["tenure_months"] < 24) | (tenure < 0)]
    thin = pd.concat(
        [thin, customer_months[(tenure >= 24) & (customer_months["customer_id"] < 10)]]
    )
    effect = retention_effect_from_run(kpis, thin, 0.1, min_customer_years=50)
    assert effect.margins == pytest.approx((120.0, 240.0))
