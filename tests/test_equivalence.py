"""The engine-equivalence check: it agrees when nothing changed, catches a changed rule,
and its statistics (AD permutation p-values, Holm) are right on synthetic data."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import cli, equivalence
from sim.equivalence import (
    CONSTANT_DIFFERENT,
    IDENTICAL_CONSTANT,
    NOT_FINITE,
    TESTED,
    agreement_table,
    anderson_darling,
    checkpoint_months,
    compare_engines,
    holm,
    permutation_test,
    run_metrics,
)
from sim.errors import ScenarioError
from sim.model import ENGINES, Market
from sim.rules.loyalty import defection_probability
from sim.scenario import Scenario

#: The size of the checks here: small markets, the intended 30 replications.
CUSTOMERS = 300


def doubled_hazard(*args: float) -> float:
    """A deliberately wrong rule: every customer twice as likely to leave."""
    return min(1.0, 2.0 * defection_probability(*args))


def indifferent_to_satisfaction(satisfaction, bonds, commitment, base_rate, protection):
    """A deliberately wrong rule: the satisfaction-loyalty curve flattened to 1."""
    return defection_probability(4.0, bonds, commitment, base_rate, protection)


@pytest.fixture(scope="module")
def calibration() -> equivalence.EngineComparison:
    return compare_engines(
        "baseline",
        customers=CUSTOMERS,
        reference={"engine": "agents"},
        candidate={"engine": "agents"},
        candidate_seed=1,
        workers=2,
    )


# ---------------------------------------------------------------------- the check
def test_the_agent_engine_agrees_with_itself_on_independent_seeds(calibration):
    """Two independent samples of one model: the null hypothesis holds exactly.

    Holm keeps the chance of any false alarm among all metric x month tests at or
    below alpha = 5% whatever their dependence, so this one run (fixed seeds, so
    always the same verdict) passes with probability >= 95% before it is ever run;
    benchmarks/equivalence_power.py measures the false-alarm rate over many seeds.
    """
    assert calibration.agree, calibration.summary()
    tests = calibration.tests
    assert (tests["status"] == TESTED).sum() >= 30  # a real family of tests, not a shortcut
    assert tests["p_value"].min() > 0.001  # no near-miss either


def test_a_doubled_defection_hazard_is_caught_on_churn_and_stages():
    """Same seeds (the design of the engine check): the changed rule must fail clearly."""
    comparison = compare_engines(
        "baseline",
        customers=CUSTOMERS,
        reference={"engine": "agents"},
        candidate={"engine": "agents", "defection_rule": doubled_hazard},
        workers=2,
    )
    failing = comparison.failures()
    print(failing.to_string())
    assert not comparison.agree
    churn = failing[failing["metric"] == "churn_rate[Focal]"]
    assert set(churn["month"]) == {12, 36, 60}
    assert (churn["p_adjusted"] < 0.01).all()
    assert (churn["candidate_mean"] > 1.3 * churn["reference_mean"]).all()
    assert "share_churned" in set(failing["metric"])
    assert "DISAGREE" in comparison.summary()


def test_ignoring_satisfaction_is_caught():
    """A subtler change: no satisfaction-loyalty curve (every customer a "4")."""
    comparison = compare_engines(
        "baseline",
        customers=CUSTOMERS,
        reference={"engine": "agents"},
        candidate={"engine": "agents", "defection_rule": indifferent_to_satisfaction},
        workers=2,
    )
    print(comparison.failures().to_string())
    assert not comparison.agree


def test_serial_and_parallel_runs_give_identical_results():
    common = {
        "replications": 3,
        "customers": 120,
        "months": (6, 12),
        "reference": {"engine": "agents"},
        "candidate": {"engine": "agents", "defection_rule": doubled_hazard},
        "permutations": 999,
    }
    serial = compare_engines("baseline", workers=1, **common)
    parallel = compare_engines("baseline", workers=2, **common)
    pd.testing.assert_frame_equal(serial.values, parallel.values)
    pd.testing.assert_frame_equal(serial.tests, parallel.tests)


def test_the_values_are_tidy_and_the_same_seeds_serve_both_sides(calibration):
    values = calibration.values
    assert list(values.columns) == [
        "side",
        "engine",
        "replication",
        "seed",
        "month",
        "metric",
        "value",
    ]
    assert set(values["month"]) == {12, 36, 60}
    assert values.groupby(["side", "month", "metric"]).size().eq(30).all()
    stages = values[values["metric"].str.startswith("share_")]
    totals = stages.groupby(["side", "replication", "month"])["value"].sum()
    np.testing.assert_allclose(totals, 1.0)


def test_run_metrics_read_the_kpis_as_documented():
    scenario = Scenario.load("baseline").with_overrides(
        {"market.customers": 200, "market.months": 12}
    )
    market = Market(scenario, rng=3, backend="none").run()
    firm_kpis, kpis = market.firm_kpis(), market.kpis()
    metrics = run_metrics(firm_kpis, kpis, "Focal", [12])
    focal = firm_kpis[firm_kpis["firm"] == "Focal"].set_index("month")
    at_start = focal["customers"].shift(1)  # customers at the start of months 7..12
    expected = focal.loc[7:12, "defections"].sum() / at_start.loc[7:12].sum()
    assert metrics[12, "churn_rate[Focal]"] == pytest.approx(expected)
    assert metrics[12, "revenue[Rival]"] == firm_kpis.query("firm == 'Rival'")["revenue"].iloc[-1]
    assert metrics[12, "share_churned"] == kpis["churned"].iloc[-1] / 200
    assert next(iter(metrics)) == (12, "churn_rate[Focal]")  # the focal firm first


def test_checkpoints_past_the_end_become_the_last_month():
    assert checkpoint_months((12, 36, 60), 24) == [12, 24]  # classroom
    assert checkpoint_months((12, 36, 60), 36) == [12, 36]  # retail
    assert checkpoint_months((60, 12, 36), 96) == [12, 36, 60]  # credit card
    with pytest.raises(ScenarioError, match="months"):
        checkpoint_months((0, 12), 60)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"reference": {"engine": "agents", "rng": 3}}, "'rng' is set by the comparison"),
        ({"candidate": {"engine": "agents", "bakend": "none"}}, "'bakend' is not a Market"),
        ({"candidate": {"engine": "numba"}}, "engine 'numba'"),
        ({"alpha": 1.5}, "alpha"),
        ({"replications": 1}, "replications"),
        ({"workers": 0}, "workers"),
    ],
)
def test_bad_arguments_fail_before_any_run(kwargs, words, monkeypatch):
    monkeypatch.setattr(equivalence, "replicate", pytest.fail)  # no run may start
    with pytest.raises(ScenarioError, match=words):
        compare_engines("baseline", customers=50, **{"candidate": {"engine": "agents"}, **kwargs})


# ---------------------------------------------------------------------- the statistics
@pytest.mark.filterwarnings("ignore:p-value capped")  # scipy's table p-value, not used
def test_the_statistic_is_scipys_anderson_darling_midrank():
    rng = np.random.default_rng(1)
    for x, y in [
        (rng.normal(size=30), rng.normal(0.4, size=30)),
        (rng.poisson(2, 30).astype(float), rng.poisson(2.5, 30).astype(float)),  # ties
        (rng.normal(size=12), rng.normal(size=20)),
    ]:
        expected = stats.anderson_ksamp([x, y], variant="midrank").statistic
        assert anderson_darling(x, y) == pytest.approx(expected, rel=1e-12)


def test_identical_samples_give_p_one_and_shifted_samples_a_small_p():
    rng = np.random.default_rng(2)
    x = rng.normal(size=30)
    assert permutation_test(x, x.copy())[1] == 1.0  # every swap leaves the data as it is
    assert permutation_test(x, rng.permutation(x), paired=False)[1] > 0.9
    shifted = rng.normal(1.5, size=30)
    for paired in (True, False):
        assert permutation_test(x, shifted, paired=paired)[1] < 0.001
    wider = 3.0 * rng.normal(size=30)  # same mean, three times the spread
    assert permutation_test(x, wider, paired=False)[1] < 0.05
    assert stats.ttest_ind(x, wider, equal_var=False).pvalue > 0.05  # Welch's t misses it


def test_the_permutation_p_value_matches_scipys():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=30), rng.normal(0.5, size=30)
    ours = permutation_test(x, y, permutations=19_999, paired=False)[1]
    method = stats.PermutationMethod(n_resamples=19_999, rng=4)
    theirs = stats.anderson_ksamp([x, y], variant="midrank", method=method).pvalue
    assert ours == pytest.approx(theirs, abs=4 * np.sqrt(2 * theirs / 19_999))  # two MC errors


@pytest.mark.parametrize("paired", [True, False])
@pytest.mark.parametrize("ties", [False, True])
def test_p_values_are_uniform_under_the_null(paired, ties):
    """Rejection rate at 5% over 400 null data sets lies within 3 binomial SEs."""
    rng = np.random.default_rng(5)
    trials = 400
    rejected = 0
    for trial in range(trials):
        if ties:
            x, y = rng.poisson(3.0, (2, 30)).astype(float)
        else:
            shared = rng.normal(size=30)  # a shared population: correlated pairs
            x, y = shared + rng.normal(size=(2, 30)) if paired else rng.normal(size=(2, 30))
        rejected += permutation_test(x, y, permutations=499, seed=trial, paired=paired)[1] <= 0.05
    se = np.sqrt(0.05 * 0.95 / trials)
    assert abs(rejected / trials - 0.05) < 3 * se


def test_holm_on_a_known_vector():
    adjusted = holm([0.01, 0.04, 0.03, 0.005, np.nan])
    np.testing.assert_allclose(adjusted[:4], [0.03, 0.06, 0.06, 0.02])
    assert np.isnan(adjusted[4])  # not a test, not counted in m
    np.testing.assert_allclose(holm([0.5, 0.9]), [1.0, 1.0])  # capped at 1
    assert np.isnan(holm([np.nan])).all()


def _values(reference: dict, candidate: dict) -> pd.DataFrame:
    rows = []
    for side, metrics in (("reference", reference), ("candidate", candidate)):
        for metric, sample in metrics.items():
            for replication, value in enumerate(sample):
                rows.append(
                    {
                        "side": side,
                        "engine": "agents",
                        "replication": replication,
                        "seed": replication,
                        "month": 12,
                        "metric": metric,
                        "value": value,
                    }
                )
    return pd.DataFrame(rows)


def test_degenerate_metrics_are_reported_not_tested():
    rng = np.random.default_rng(6)
    noise = rng.normal(size=30)
    values = _values(
        {
            "never": [0.0] * 30,
            "always_two": [2.0] * 30,
            "broken": [np.nan, *noise[1:]],
            "real": noise,
        },
        {
            "never": [0.0] * 30,
            "always_two": [3.0] * 30,
            "broken": noise,
            "real": noise + 0.01,
        },
    )
    table = agreement_table(values, permutations=999).set_index("metric")
    assert table.loc["never", "status"] == IDENTICAL_CONSTANT
    assert table.loc["never", "agree"]
    assert np.isnan(table.loc["never", "p_value"])  # no test pretended
    assert table.loc["always_two", "status"] == CONSTANT_DIFFERENT
    assert not table.loc["always_two", "agree"]
    assert table.loc["broken", "status"] == NOT_FINITE
    assert not table.loc["broken", "agree"]
    assert table.loc["real", "status"] == TESTED
    assert table.loc["real", "p_adjusted"] == table.loc["real", "p_value"]  # m = 1


# ---------------------------------------------------------------------- the command line
def test_cli_prints_the_table_and_exits_0_when_engines_agree(capsys):
    code = cli.main(
        "equivalence baseline --replications 3 --customers 100 --months 6 --workers 1 "
        "--candidate agents".split()
    )
    out = capsys.readouterr().out
    assert code == 0, out
    assert "agents vs agents, 3 replications" in out
    assert "AGREE" in out
    assert "churn_rate[Focal]" in out


def test_cli_exits_1_when_engines_disagree(capsys, monkeypatch):
    real = equivalence.compare_engines

    def broken_candidate(*args, **kwargs):
        kwargs["candidate"] = {**kwargs["candidate"], "defection_rule": doubled_hazard}
        return real(*args, **kwargs)

    monkeypatch.setattr(equivalence, "compare_engines", broken_candidate)
    code = cli.main(
        "equivalence baseline --customers 200 --months 24 --workers 1 --candidate agents "
        "--replications 10".split()
    )
    out = capsys.readouterr().out
    assert code == 1, out
    assert "DISAGREE" in out


def test_cli_bad_input_exits_2(capsys):
    assert cli.main(["equivalence", "baseline", "--replications", "1"]) == 2
    assert "replications" in capsys.readouterr().err


def test_the_cli_knows_the_models_engines():
    assert cli.ENGINES == ENGINES
