import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.ab import BAND_METRICS, ab_compare
from sim.compare import compare_runs
from sim.errors import ScenarioError
from sim.scenario import Scenario

SMALL = Scenario.load("classroom").with_overrides({"market.customers": 200, "market.months": 8})
VARIANTS = {"A": {}, "B": {"firms.Focal.price": 26.0}}


@pytest.fixture(scope="module")
def comparison():
    return ab_compare(SMALL, VARIANTS, replications=3, rng=5)


def test_runs_are_those_of_sim_compare_on_the_same_seeds(comparison):
    expected = compare_runs(SMALL, VARIANTS, replications=3, rng=5)
    pd.testing.assert_frame_equal(comparison.runs, expected)
    assert comparison.variants == ["A", "B"]
    assert comparison.replications == 3


def test_monthly_kpis_add_up_to_the_run_summaries(comparison):
    last = comparison.monthly[comparison.monthly["month"] == 8].set_index(
        ["variant", "replication"]
    )
    runs = comparison.runs.set_index(["variant", "replication"])
    np.testing.assert_allclose(last["cumulative_profit"], runs["profit"])


def test_bands_are_t_intervals_over_replications_per_month(comparison):
    bands = comparison.bands("customers")
    assert len(bands) == 2 * 8
    values = comparison.monthly.query("variant == 'B' and month == 5")["customers"].to_numpy()
    half = stats.t.ppf(0.975, 2) * values.std(ddof=1) / np.sqrt(3)
    row = bands.query("variant == 'B' and month == 5").iloc[0]
    assert row["mean"] == pytest.approx(values.mean())
    assert row["ci_low"] == pytest.approx(values.mean() - half)
    assert row["ci_high"] == pytest.approx(values.mean() + half)


def test_difference_bands_are_paired_t_intervals_on_common_seeds(comparison):
    monthly = comparison.monthly.set_index(["variant", "replication", "month"])["profit"]
    paired = (monthly.loc["B"] - monthly.loc["A"]).xs(6, level="month").to_numpy()
    half = stats.t.ppf(0.975, 2) * paired.std(ddof=1) / np.sqrt(3)
    row = comparison.difference_bands("profit").query("month == 6").iloc[0]
    assert row["variant"] == "B"
    assert row["mean"] == pytest.approx(paired.mean())
    assert row["ci_low"] == pytest.approx(paired.mean() - half)
    assert row["ci_high"] == pytest.approx(paired.mean() + half)


def test_identical_variants_have_identical_bands_and_a_zero_difference():
    same = ab_compare(SMALL, {"A": {}, "B": {}}, replications=2, rng=1)
    bands = same.bands("profit").set_index(["variant", "month"])
    np.testing.assert_array_equal(bands.loc["A"].to_numpy(), bands.loc["B"].to_numpy())
    difference = same.difference_bands("profit")
    assert (difference[["mean", "ci_low", "ci_high"]].to_numpy() == 0).all()


def test_bad_requests_are_named(comparison):
    with pytest.raises(ScenarioError, match=r"metric 'churn': allowed \['cumulative_profit'"):
        comparison.bands("churn")
    with pytest.raises(ScenarioError, match=r"metric 'churn': allowed"):
        comparison.difference_bands("churn")
    with pytest.raises(ScenarioError, match="at least 2"):
        ab_compare(SMALL, VARIANTS, replications=1)
    with pytest.raises(ScenarioError, match=r"variant 'B': .*'firms\.0\.price' = -1\.0"):
        ab_compare(SMALL, {"A": {}, "B": {"firms.Focal.price": -1.0}}, replications=2)
    with pytest.raises(ScenarioError, match="variants: none given"):
        ab_compare(SMALL, {}, replications=2)


def test_every_band_metric_is_a_monthly_column(comparison):
    assert set(BAND_METRICS) <= set(comparison.monthly.columns)
