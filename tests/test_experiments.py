"""Experiments: sweeps over common random numbers, resumable run files, local or on Dask."""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from distributed import Client, LocalCluster

from sim import experiments
from sim.cli import main
from sim.compare import RUN_METRICS, compare_runs, replication_seeds, summarise_comparison
from sim.errors import ExperimentError, ScenarioError
from sim.experiments import Experiment, connect, run_experiment
from sim.scenario import Scenario

EXAMPLES = Path(__file__).parent.parent / "examples"
SMALL = Scenario.load("baseline").with_overrides({"market.customers": 200, "market.months": 12})
GRID = {"firms.Focal.price": [18.0, 22.0], "network.kind": ["none", "small_world"]}
TINY = '"market.customers" = 200\n"market.months" = 12\n'


def grid_experiment(**changes) -> Experiment:
    experiment = Experiment.from_grid(SMALL, GRID, replications=2, seed=5, name="grid")
    return dataclasses.replace(experiment, **changes) if changes else experiment


def folder_bytes(folder: Path) -> dict[str, bytes]:
    """Every run file and the summary, byte for byte."""
    files = [*sorted((folder / "runs").iterdir()), folder / "summary.parquet"]
    return {f.name: f.read_bytes() for f in files}


@pytest.fixture(scope="module")
def serial_folder(tmp_path_factory) -> Path:
    """The grid experiment run serially, the reference of the determinism tests."""
    folder = tmp_path_factory.mktemp("serial") / "grid"
    assert run_experiment(grid_experiment(), folder, workers=1).executed == 8
    return folder


@pytest.fixture(scope="module")
def cluster():
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield local


# ---------------------------------------------------------------------------- definition
def test_a_grid_is_every_combination_in_order_over_shared_seeds():
    experiment = grid_experiment()
    assert list(experiment.variants) == [
        'firms.Focal.price=18.0, network.kind="none"',
        'firms.Focal.price=18.0, network.kind="small_world"',
        'firms.Focal.price=22.0, network.kind="none"',
        'firms.Focal.price=22.0, network.kind="small_world"',
    ]
    assert experiment.variants['firms.Focal.price=22.0, network.kind="none"'] == {
        "firms.Focal.price": 22.0,
        "network.kind": "none",
    }
    runs = experiment.runs()
    assert len(runs) == 8
    assert len({run.file_name for run in runs}) == 8
    for variant in experiment.variants:
        assert [r.seed for r in runs if r.variant == variant] == replication_seeds(5, 2)
    assert experiment.variant_scenario(runs[-1].variant).firms[0].price == 22.0


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: Experiment.from_grid(SMALL, {}), "grid: empty"),
        (lambda: Experiment.from_grid(SMALL, {"firms.Focal.price": []}), "non-empty list"),
        (lambda: Experiment.from_grid(SMALL, {"firms.Focal.price": 20.0}), "non-empty list"),
        (lambda: Experiment.from_grid(SMALL, {"firms.Focal.price": [1.0, 1.0]}), "repeated"),
        (lambda: Experiment.from_grid(SMALL, {"firms.Focal.price": [-1.0]}), "firms.0.price"),
        (lambda: Experiment.from_variants(SMALL, {}), "variants: none given"),
        (lambda: Experiment.from_variants(SMALL, {"a": {}}, replications=1), "at least 2"),
        (lambda: Experiment.from_variants(SMALL, {"a": {}}, seed=-1), "seed = -1"),
        (lambda: Experiment.from_variants(SMALL, {"a": {}}, name="../up"), "folder name"),
    ],
)
def test_bad_definitions_fail_before_any_run(build, message):
    with pytest.raises(ScenarioError, match=message):
        build()


# ---------------------------------------------------------------------------- results
def test_runs_and_summary_are_those_of_compare_over_the_same_seeds(serial_folder):
    experiment = grid_experiment()
    result = experiments.ExperimentResult(serial_folder, executed=0)
    runs = result.runs()
    expected = compare_runs(SMALL, experiment.variants, replications=2, rng=5)
    assert list(runs["variant"]) == list(expected["variant"])
    for column in ["replication", "seed", *RUN_METRICS]:
        assert runs[column].tolist() == expected[column].tolist(), column
    summary = result.summary()
    reference = summarise_comparison(expected)
    pd.testing.assert_frame_equal(summary[reference.columns], reference)
    # Each variant's override values stand beside it, typed, for grouping.
    assert summary["firms.Focal.price"].dtype == float
    assert set(summary["network.kind"]) == {"none", "small_world"}
    assert (serial_folder / "summary.csv").read_text().startswith("variant,firms.Focal.price")


def test_the_runs_view_answers_sql_over_every_run_file(serial_folder):
    with connect(serial_folder) as con:
        rows = con.execute(
            'SELECT "firms.Focal.price", count(*), avg(customers_end) FROM runs '
            "GROUP BY 1 ORDER BY 1"
        ).fetchall()
        summary_rows = con.execute("SELECT count(*) FROM summary").fetchone()[0]
    assert [(price, n) for price, n, _ in rows] == [(18.0, 4), (22.0, 4)]
    assert rows[0][2] > rows[1][2]  # the dearer firm ends with fewer customers
    assert summary_rows == 4 * len(RUN_METRICS)


def test_an_interrupted_folder_can_be_queried_and_an_empty_one_says_so(tmp_path, serial_folder):
    folder = tmp_path / "grid"
    (folder / "runs").mkdir(parents=True)
    with pytest.raises(ExperimentError, match="no run files yet"):
        connect(folder)
    for run in sorted((serial_folder / "runs").iterdir())[:3]:
        (folder / "runs" / run.name).write_bytes(run.read_bytes())
    with connect(folder) as con:
        assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 3
        assert "summary" not in {row[0] for row in con.execute("SHOW TABLES").fetchall()}


def test_the_manifest_records_scenario_grid_and_seeds(serial_folder):
    manifest = json.loads((serial_folder / "manifest.json").read_text())
    assert Scenario.from_dict(_toml(manifest["scenario"])) == SMALL
    assert manifest["grid"] == GRID
    assert manifest["seeds"] == replication_seeds(5, 2)
    assert [v["name"] for v in manifest["variants"]] == list(grid_experiment().variants)


def _toml(text: str) -> dict:
    import tomllib

    return tomllib.loads(text)


# ---------------------------------------------------------------------------- resuming
def test_a_finished_experiment_is_not_recomputed(serial_folder):
    before = {p.name: p.stat().st_mtime_ns for p in (serial_folder / "runs").iterdir()}
    assert run_experiment(grid_experiment(), serial_folder, workers=1).executed == 0
    after = {p.name: p.stat().st_mtime_ns for p in (serial_folder / "runs").iterdir()}
    assert after == before


def test_an_interrupted_experiment_resumes_where_it_stopped(tmp_path, monkeypatch, serial_folder):
    real_run_once = experiments.run_once
    calls = []

    def interrupted_after_three(scenario, seed, engine="agents"):
        if len(calls) == 3:
            raise KeyboardInterrupt
        calls.append(seed)
        return real_run_once(scenario, seed, engine)

    monkeypatch.setattr(experiments, "run_once", interrupted_after_three)
    folder = tmp_path / "grid"
    with pytest.raises(KeyboardInterrupt):
        run_experiment(grid_experiment(), folder, workers=1)
    assert len(list((folder / "runs").iterdir())) == 3
    assert not (folder / "summary.parquet").exists()
    monkeypatch.setattr(experiments, "run_once", real_run_once)
    assert run_experiment(grid_experiment(), folder, workers=1).executed == 5
    assert folder_bytes(folder) == folder_bytes(serial_folder)


def test_ctrl_c_in_the_cli_keeps_finished_runs_and_says_how_to_resume(
    tmp_path, monkeypatch, capsys
):
    real_run_once = experiments.run_once
    calls = []

    def ctrl_c_on_the_third_run(scenario, seed, engine="agents"):
        if len(calls) == 2:
            raise KeyboardInterrupt
        calls.append(seed)
        return real_run_once(scenario, seed, engine)

    monkeypatch.setattr(experiments, "run_once", ctrl_c_on_the_third_run)
    path = tmp_path / "e.toml"
    path.write_text(GOOD + "[variants.a]\n[variants.b]\n")
    argv = ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]
    assert main(argv) == 130
    err = capsys.readouterr().err
    assert "interrupted; 2 finished runs are kept" in err and "resumes" in err
    assert len(list((tmp_path / "out" / "e" / "runs").iterdir())) == 2


def test_a_failed_write_leaves_no_file_behind(tmp_path, monkeypatch):
    def half_written(table, where):
        Path(where).write_bytes(b"PAR1 half a file")
        raise OSError("disk full")

    monkeypatch.setattr(experiments.pq, "write_table", half_written)
    folder = tmp_path / "grid"
    with pytest.raises(OSError, match="disk full"):
        run_experiment(grid_experiment(), folder, workers=1)
    assert list((folder / "runs").iterdir()) == []


def test_a_killed_sweep_leaves_whole_files_and_resumes(tmp_path, serial_folder):
    """Kill the CLI (and its two worker processes) mid-sweep, then finish in this process."""
    path = tmp_path / "grid.toml"
    path.write_text(
        'name = "grid"\nscenario = "baseline"\nreplications = 2\nseed = 5\n'
        f"[overrides]\n{TINY}[grid]\n"
        '"firms.Focal.price" = [18.0, 22.0]\n"network.kind" = ["none", "small_world"]\n'
    )
    runs = tmp_path / "out" / "grid" / "runs"
    command = [sys.executable, "-m", "sim.cli", "sweep", str(path), "--out", str(tmp_path / "out")]
    process = subprocess.Popen(
        [*command, "--workers", "2", "--quiet"],
        start_new_session=True,  # its own process group: the kill reaches its workers too
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and process.poll() is None:
            if runs.is_dir() and any(runs.glob("*.parquet")):
                break
            time.sleep(0.01)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL  # killed, not finished
    done = sorted(runs.glob("*.parquet"))
    assert 1 <= len(done) < 8
    for file in done:
        assert pq.read_table(file).num_rows == 1  # complete, never half-written
    (runs / ".v0000-r0000.parquet.0123.tmp").write_bytes(b"PAR1 left by a kill")
    result = run_experiment(Experiment.load(path), runs.parent, workers=1)
    assert result.executed == 8 - len(done)
    assert folder_bytes(runs.parent) == folder_bytes(serial_folder)
    assert not list(runs.glob(".*"))  # the stale temporary file is gone


@pytest.mark.parametrize(
    ("changes", "named"),
    [
        ({"replications": 3}, "replications: stored 2, now 3"),
        ({"seed": 6}, "seed: stored 5, now 6"),
        (
            {"scenario": SMALL.with_overrides({"market.customers": 250})},
            "scenario.market.customers: stored 200, now 250",
        ),
        (
            {"grid": {**GRID, "network.kind": ["none", "random"]}},
            'grid.network.kind.1: stored "small_world", now "random"',
        ),
        ({"name": "other"}, 'name: stored "grid", now "other"'),
    ],
)
def test_another_definition_in_the_same_folder_is_refused(serial_folder, changes, named):
    before = folder_bytes(serial_folder)
    with pytest.raises(ExperimentError, match="holds another experiment") as info:
        run_experiment(grid_experiment(**changes), serial_folder, workers=1)
    assert named in str(info.value)
    assert folder_bytes(serial_folder) == before


def test_reordered_variants_are_another_experiment(tmp_path):
    folder = tmp_path / "v"
    variants = {"a": {}, "b": {"firms.Focal.price": 22.0}}
    run_experiment(Experiment.from_variants(SMALL, variants, replications=2), folder, workers=1)
    swapped = Experiment.from_variants(SMALL, dict(reversed(variants.items())), replications=2)
    with pytest.raises(ExperimentError, match="variant order"):
        run_experiment(swapped, folder, workers=1)


def test_run_files_without_a_manifest_are_not_adopted(tmp_path):
    (tmp_path / "runs").mkdir()
    (tmp_path / "runs" / "v0000-r0000.parquet").write_bytes(b"someone else's")
    with pytest.raises(ExperimentError, match=r"no manifest\.json"):
        run_experiment(grid_experiment(), tmp_path, workers=1)


# ---------------------------------------------------------------------------- execution
def test_process_pool_gives_the_same_files_as_a_serial_run(tmp_path, serial_folder):
    folder = tmp_path / "grid"
    assert run_experiment(grid_experiment(), folder, workers=2).executed == 8
    assert folder_bytes(folder) == folder_bytes(serial_folder)


def test_dask_cluster_gives_the_same_files_as_a_serial_run(tmp_path, serial_folder, cluster):
    with Client(cluster, set_as_default=False) as client:
        result = run_experiment(grid_experiment(), tmp_path / "grid", client=client)
    assert result.executed == 8
    assert folder_bytes(tmp_path / "grid") == folder_bytes(serial_folder)


def test_cli_sweep_on_a_dask_scheduler(tmp_path, serial_folder, cluster, capsys):
    path = tmp_path / "grid.toml"
    path.write_text(
        f'scenario = "baseline"\nreplications = 2\nseed = 5\n[overrides]\n{TINY}[grid]\n'
        '"firms.Focal.price" = [18.0, 22.0]\n"network.kind" = ["none", "small_world"]\n'
    )
    argv = ["sweep", str(path), "--out", str(tmp_path / "out"), "--quiet"]
    assert main([*argv, "--scheduler", cluster.scheduler_address]) == 0
    assert "8 of 8 runs computed now" in capsys.readouterr().out
    assert folder_bytes(tmp_path / "out" / "grid") == folder_bytes(serial_folder)


def test_unreachable_scheduler_is_one_clear_error_and_writes_nothing(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(experiments, "SCHEDULER_TIMEOUT", "1s")
    path = tmp_path / "e.toml"
    path.write_text(f'scenario = "baseline"\nreplications = 2\n[overrides]\n{TINY}[variants.a]\n')
    out = tmp_path / "out"
    argv = ["sweep", str(path), "--out", str(out), "--quiet", "--scheduler", "tcp://127.0.0.1:9"]
    assert main(argv) == 2
    assert_one_line_error(capsys.readouterr().err, "scheduler 'tcp://127.0.0.1:9'", "connect")
    assert not out.exists()


# ---------------------------------------------------------------------------- files and CLI
def assert_one_line_error(err: str, *words: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("crm-sim: error: ")
    for word in words:
        assert word in lines[0], lines[0]


GOOD = f'scenario = "baseline"\nreplications = 2\n[overrides]\n{TINY}'

# A malformed experiment file -> words its one-line error must contain.
MALFORMED = {
    "broken syntax": ("replications = \n", ["not valid TOML"]),
    "unknown field": (
        'scenario = "baseline"\nreplicatons = 3\n[variants.a]\n',
        ["unknown field 'replicatons'", "allowed:", "replications"],
    ),
    "too few replications": (
        'scenario = "baseline"\nreplications = 1\n[variants.a]\n',
        ["field 'replications' = 1", "greater than or equal to 2"],
    ),
    "replications as text": (
        'scenario = "baseline"\nreplications = "ten"\n[variants.a]\n',
        ["field 'replications' = 'ten'", "whole number"],
    ),
    "negative seed": (
        'scenario = "baseline"\nseed = -1\n[variants.a]\n',
        ["field 'seed' = -1", "greater than or equal to 0"],
    ),
    "no scenario": ("[variants.a]\n", ["field 'scenario' is required"]),
    "unknown preset": (
        'scenario = "basline"\n[overrides]\n"market.customers" = 100\n[variants.a]\n',
        ["field 'scenario'", "'basline'", "allowed", "baseline"],
    ),
    "missing scenario file": (
        'scenario = "nowhere.toml"\n[variants.a]\n',
        ["field 'scenario'", "nowhere.toml", "does not exist"],
    ),
    "neither grid nor variants": (GOOD, ["field 'grid'", "exactly one"]),
    "both grid and variants": (
        GOOD + '[grid]\n"firms.Focal.price" = [20.0]\n[variants.a]\n',
        ["field 'grid'", "exactly one"],
    ),
    "grid value not a list": (
        GOOD + '[grid]\n"firms.Focal.price" = 20.0\n',
        ["field 'grid.firms.Focal.price' = 20.0", "valid list"],
    ),
    "empty grid list": (
        GOOD + '[grid]\n"firms.Focal.price" = []\n',
        ["field 'grid'", "'firms.Focal.price' = []", "non-empty list"],
    ),
    "grid value out of range": (
        GOOD + '[grid]\n"firms.Focal.price" = [20.0, -1.0]\n',
        ["field 'grid'", "firms.0.price", "-1.0", "greater than 0"],
    ),
    "grid path unknown": (
        GOOD + '[grid]\n"firms.Nobody.price" = [20.0]\n',
        ["field 'grid'", "Nobody", "allowed", "Focal"],
    ),
    "variant not a table": (GOOD + "[variants]\na = 2\n", ["field 'variants.a' = 2", "dict"]),
    "variant with a bad value": (
        GOOD + '[variants.a]\n[variants.b]\n"network.kind" = "ring"\n',
        ["field 'variants'", "variant 'b'", "network.kind", "'ring'"],
    ),
    "bad common override": (
        'scenario = "baseline"\n[overrides]\n"market.customers" = 0\n[variants.a]\n',
        ["field 'overrides'", "market.customers", "0"],
    ),
    "name outside --out": (GOOD + 'name = "../up"\n[variants.a]\n', ["folder name"]),
}


@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_experiment_file_exits_2_and_writes_nothing(case, tmp_path, capsys):
    text, words = MALFORMED[case]
    path = tmp_path / "bad.toml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert_one_line_error(err, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["nowhere.toml"], ["experiment file 'nowhere.toml' does not exist"]),
        (["e.toml", "--workers", "0"], ["workers = 0", "at least 1"]),
        (["e.toml", "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"], ["at most one"]),
    ],
)
def test_bad_sweep_arguments_exit_2_and_write_nothing(args, words, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("e.toml").write_text(GOOD + "[variants.a]\n")
    assert main(["sweep", *args, "--out", "out", "--quiet"]) == 2
    assert_one_line_error(capsys.readouterr().err, *words)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["e.toml"]


def test_out_that_is_a_file_is_one_clear_error(tmp_path, capsys):
    (tmp_path / "e.toml").write_text(GOOD + "[variants.a]\n")
    (tmp_path / "out").write_text("keep me")
    argv = ["sweep", str(tmp_path / "e.toml"), "--out", str(tmp_path / "out"), "--quiet"]
    assert main(argv) == 2
    assert_one_line_error(capsys.readouterr().err, "cannot create folder", "out/e/runs")
    assert (tmp_path / "out").read_text() == "keep me"


def test_a_scenario_file_is_found_beside_the_experiment_file(tmp_path):
    (tmp_path / "mine.toml").write_text('name = "mine"\n[market]\ncustomers = 150\nmonths = 6\n')
    path = tmp_path / "e.toml"
    path.write_text('scenario = "mine.toml"\nreplications = 2\n[variants.a]\n')
    experiment = Experiment.load(path)
    assert experiment.name == "e"
    assert experiment.scenario.name == "mine"
    assert experiment.scenario.market.customers == 150


@pytest.mark.parametrize("example", sorted(EXAMPLES.glob("*.toml")), ids=lambda p: p.name)
def test_example_experiments_load_and_run_at_a_tiny_size(example, tmp_path, capsys):
    experiment = Experiment.load(example)
    assert len(experiment.variants) >= 3
    tiny = dataclasses.replace(
        experiment,
        scenario=experiment.scenario.with_overrides({"market.customers": 100, "market.months": 6}),
        replications=2,
    )
    result = run_experiment(tiny, tmp_path / tiny.name, workers=1)
    assert result.executed == 2 * len(experiment.variants)
    summary = result.summary()
    assert list(dict.fromkeys(summary["variant"])) == list(experiment.variants)
    assert summary.loc[summary["variant"] != summary["variant"].iloc[0], "diff"].notna().all()


def test_cli_sweep_writes_the_folder_and_resumes(tmp_path, capsys):
    path = tmp_path / "retention.toml"
    path.write_text(
        GOOD + "[variants.nothing]\n[variants.loyalty.firms.Focal.strategies.loyalty_programme]\n"
    )
    argv = ["sweep", str(path), "--out", str(tmp_path / "out"), "--workers", "1", "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "retention: 2 variants x 2 replications" in printed
    assert "4 of 4 runs computed now" in printed
    assert "loyalty" in printed and "profit" in printed
    folder = tmp_path / "out" / "retention"
    assert sorted(p.name for p in folder.iterdir()) == [
        "manifest.json",
        "runs",
        "summary.csv",
        "summary.parquet",
    ]
    assert len(list((folder / "runs").iterdir())) == 4
    assert main(argv) == 0
    assert "0 of 4 runs computed now, 4 found done" in capsys.readouterr().out
