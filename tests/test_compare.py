import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import plots
from sim.cli import main
from sim.compare import (
    RUN_METRICS,
    compare,
    compare_runs,
    load_variants,
    replication_seeds,
    summarise_comparison,
)
from sim.errors import ScenarioError
from sim.scenario import Scenario

SMALL = Scenario.load("baseline").with_overrides({"market.customers": 300, "market.months": 24})


def test_identical_variants_differ_by_exactly_zero_under_common_random_numbers():
    table = compare(SMALL, {"a": {}, "b": {}}, replications=3, rng=4)
    b = table[table["variant"] == "b"]
    assert (b["diff"] == 0).all()
    assert (b["p_value"] == 1.0).all()
    assert set(b["metric"]) == set(RUN_METRICS)


def test_same_master_seed_gives_the_same_runs_and_another_seed_does_not():
    first = compare_runs(SMALL, {"a": {}}, replications=2, rng=9)
    again = compare_runs(SMALL, {"a": {}}, replications=2, rng=9)
    other = compare_runs(SMALL, {"a": {}}, replications=2, rng=10)
    pd.testing.assert_frame_equal(first, again)
    assert not first["revenue"].equals(other["revenue"])


def test_a_price_increase_costs_customers_and_is_detected_as_such():
    table = compare(
        SMALL, {"now": {}, "dearer": {"firms.Focal.price": 24.0}}, replications=8, rng=1
    )
    kept = table[(table["variant"] == "dearer") & (table["metric"] == "customers_end")].iloc[0]
    assert kept["diff_ci_high"] < 0
    assert kept["p_value"] < 0.05


def test_intervals_match_a_hand_computed_paired_t_interval():
    runs = pd.DataFrame(
        {
            "variant": ["a"] * 4 + ["b"] * 4,
            "replication": [0, 1, 2, 3] * 2,
            **{metric: np.arange(8.0) for metric in RUN_METRICS},
        }
    )
    runs.loc[runs["variant"] == "b", "profit"] = [2.0, 3.0, 5.0, 4.0]
    runs.loc[runs["variant"] == "a", "profit"] = [1.0, 1.0, 2.0, 2.0]
    table = summarise_comparison(runs).set_index(["variant", "metric"])
    diffs = np.array([1.0, 2.0, 3.0, 2.0])
    half = stats.t.ppf(0.975, 3) * diffs.std(ddof=1) / 2.0
    row = table.loc[("b", "profit")]
    assert row["diff"] == pytest.approx(2.0)
    assert row["diff_ci_low"] == pytest.approx(2.0 - half)
    assert row["diff_ci_high"] == pytest.approx(2.0 + half)
    assert row["p_value"] == pytest.approx(stats.ttest_1samp(diffs, 0.0).pvalue)
    a = table.loc[("a", "profit")]
    assert a["mean"] == pytest.approx(1.5)
    assert np.isnan(a["diff"])


def test_comparison_plot_has_one_panel_per_metric():
    table = compare(SMALL, {"a": {}, "b": {"firms.Focal.price": 22.0}}, replications=2, rng=0)
    figure = plots.comparison(table, metrics=["profit", "churn_rate"])
    assert len(figure.axes) == 2
    assert figure.axes[0].get_title() == "profit"


@pytest.mark.parametrize(
    ("variants", "replications", "message"),
    [
        ({"a": {}}, 1, r"replications = 1: at least 2"),
        ({}, 3, r"variants: none given"),
        ({"a": {}, "b": {"firms.Nobody.price": 1.0}}, 2, r"variant 'b': .*Nobody"),
        ({"a": {}, "b": {"firms.Focal.price": -1.0}}, 2, r"variant 'b': .*firms.0.price"),
    ],
)
def test_bad_comparisons_name_what_is_wrong(variants, replications, message):
    with pytest.raises(ScenarioError, match=message):
        compare(SMALL, variants, replications=replications)


def test_variants_file_accepts_dotted_keys_and_nested_tables(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text(
        '[variants.now]\n\n[variants.dearer]\n"firms.Focal.price" = 23.0\n\n'
        "[variants.service.firms.Focal]\nservice_failure_rate = 0.02\n"
    )
    assert load_variants(path) == {
        "now": {},
        "dearer": {"firms.Focal.price": 23.0},
        "service": {"firms.Focal.service_failure_rate": 0.02},
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[variants.a\n", "not valid TOML"),
        ("[variant.a]\n", r"unknown field\(s\) \['variant'\]"),
        ("x = 1\n", r"unknown field"),
        ("variants = 3\n", "'variants' is missing or empty"),
        ("[variants]\n", "'variants' is missing or empty"),
        ("[variants]\na = 2\n", r"'variants.a' = 2: must be a table"),
    ],
)
def test_bad_variants_files_are_rejected_and_the_cli_writes_nothing(
    tmp_path, capsys, text, message
):
    path = tmp_path / "v.toml"
    path.write_text(text)
    with pytest.raises(ScenarioError, match=message):
        load_variants(path)
    out = tmp_path / "out"
    assert main(["compare", "baseline", str(path), "--out", str(out), "--quiet"]) == 2
    assert not out.exists()
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err


def test_cli_compare_writes_tables_and_figure(tmp_path, capsys):
    path = tmp_path / "v.toml"
    path.write_text('[variants.now]\n[variants.dearer]\n"firms.Focal.price" = 23.0\n')
    argv = ["compare", "baseline", str(path), "--customers", "150", "--months", "12"]
    argv += ["--replications", "2", "--out", str(tmp_path / "out"), "--quiet"]
    assert main(argv) == 0
    folder = tmp_path / "out" / "baseline-compare"
    assert {p.name for p in folder.iterdir()} == {"runs.csv", "comparison.csv", "comparison.png"}
    runs = pd.read_csv(folder / "runs.csv")
    assert len(runs) == 4
    assert "dearer" in capsys.readouterr().out


def test_replication_seeds_are_distinct_and_reproducible():
    seeds = replication_seeds(3, 20)
    assert len(set(seeds)) == 20
    assert seeds == replication_seeds(3, 20)
    assert replication_seeds(3, 5) == seeds[:5]


def test_an_empty_variant_table_switches_a_strategy_on_with_its_defaults(tmp_path):
    path = tmp_path / "v.toml"
    path.write_text("[variants.now]\n[variants.recovery.firms.Focal.strategies.service_recovery]\n")
    variants = load_variants(path)
    assert variants == {"now": {}, "recovery": {"firms.Focal.strategies.service_recovery": {}}}
    scenario = SMALL.with_overrides(variants["recovery"])
    assert scenario.firms[0].strategies.service_recovery is not None
    assert SMALL.firms[0].strategies.service_recovery is None


def test_comparison_row_reads_one_variant_and_metric_or_names_what_is_missing():
    from sim.compare import comparison_row

    table = pd.DataFrame(
        {
            "variant": ["a", "b", "b"],
            "metric": ["profit", "profit", "churn_rate"],
            "mean": [1, 2, 3],
        }
    )
    assert comparison_row(table, "b", "churn_rate")["mean"] == 3
    with pytest.raises(KeyError, match="variant 'c' and metric 'profit'"):
        comparison_row(table, "c", "profit")
