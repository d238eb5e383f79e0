"""The engine choice of comparisons, experiments and the command line."""

import json

import pandas as pd
import pytest

from sim import cli, experiments
from sim.compare import compare_runs, run_once
from sim.errors import ExperimentError, ScenarioError
from sim.experiments import Experiment, run_experiment
from sim.scenario import Scenario

SMALL = Scenario.load("baseline").with_overrides({"market.customers": 150, "market.months": 6})
FILE = 'scenario = "baseline"\nreplications = 2\n[overrides]\n"market.customers" = 100\n'
FILE += '"market.months" = 3\n'


def small_experiment(**kwargs) -> Experiment:
    return Experiment.from_variants(SMALL, {"now": {}}, replications=2, seed=3, **kwargs)


def test_the_default_engine_is_the_agent_engine_everywhere():
    assert small_experiment().engine == "agents"
    assert small_experiment().manifest()["engine"] == "agents"
    runs = compare_runs(SMALL, {"now": {}}, replications=2, rng=1)
    same = compare_runs(SMALL, {"now": {}}, replications=2, rng=1, engine="agents")
    pd.testing.assert_frame_equal(runs, same)
    assert run_once(SMALL, 7) == run_once(SMALL, 7, engine="agents")


@pytest.mark.parametrize(
    "build",
    [
        lambda: small_experiment(engine="numba"),
        lambda: compare_runs(SMALL, {"now": {}}, replications=2, engine="numba"),
    ],
)
def test_an_unknown_engine_is_one_clear_error(build):
    with pytest.raises(ScenarioError, match=r"engine = 'numba': allowed: 'agents', 'vectorized'"):
        build()


def test_the_toml_key_engine_is_read_and_checked(tmp_path):
    path = tmp_path / "e.toml"
    path.write_text(FILE + '[variants.a]\n"firms.Focal.price" = 20.0\n')
    assert Experiment.load(path).engine == "agents"
    path.write_text('engine = "numba"\n' + FILE + "[variants.a]\n")
    with pytest.raises(ScenarioError, match="engine") as info:
        Experiment.load(path)
    assert "numba" in str(info.value) and "agents" in str(info.value)


def test_a_folder_is_not_resumed_with_another_engine(tmp_path):
    folder = tmp_path / "sweep"
    run_experiment(small_experiment(), folder, workers=1)
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["engine"] = "vectorized"  # as if it had been run on the other engine
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(ExperimentError, match="runs of the 'vectorized' engine, not 'agents'"):
        run_experiment(small_experiment(), folder, workers=1)


def test_a_folder_from_before_the_engine_choice_resumes_as_agents(tmp_path):
    folder = tmp_path / "sweep"
    run_experiment(small_experiment(), folder, workers=1)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["engine"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert run_experiment(small_experiment(), folder, workers=1).executed == 0


def test_sweep_engine_overrides_the_file(tmp_path, monkeypatch):
    path = tmp_path / "e.toml"
    path.write_text('engine = "agents"\n' + FILE + "[variants.a]\n")
    seen = []

    def capture(experiment, folder, **kwargs):
        seen.append(experiment.engine)
        raise ExperimentError("stop here")

    monkeypatch.setattr(experiments, "check_engine", lambda engine: engine)
    monkeypatch.setattr(experiments, "run_experiment", capture)
    assert cli.main(["sweep", str(path), "--engine", "vectorized", "--out", str(tmp_path)]) == 2
    assert cli.main(["sweep", str(path), "--out", str(tmp_path)]) == 2
    assert seen == ["vectorized", "agents"]


def test_run_engine_option(tmp_path, capsys):
    args = ["run", "baseline", "--customers", "100", "--months", "2", "--quiet"]
    assert cli.main([*args, "--engine", "agents", "--out", str(tmp_path)]) == 0
    assert "agents engine" in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        cli.main([*args, "--engine", "numba", "--out", str(tmp_path / "x")])
    assert info.value.code == 2
    assert not (tmp_path / "x").exists()


def test_a_sweep_on_the_vectorized_engine_is_kept_apart_from_the_agents(tmp_path):
    folder = tmp_path / "sweep"
    vectorized = small_experiment(engine="vectorized")
    assert run_experiment(vectorized, folder, workers=1).executed == 2
    assert json.loads((folder / "manifest.json").read_text())["engine"] == "vectorized"
    with pytest.raises(ExperimentError, match="resume it with engine 'vectorized'"):
        run_experiment(small_experiment(), folder, workers=1)
    assert run_experiment(vectorized, folder, workers=1).executed == 0  # resumes as itself
    assert run_once(SMALL, 7, engine="vectorized") != run_once(SMALL, 7)  # other streams


def test_run_on_the_vectorized_engine(tmp_path, capsys):
    args = ["run", "baseline", "--customers", "100", "--months", "2", "--quiet"]
    assert cli.main([*args, "--engine", "vectorized", "--out", str(tmp_path)]) == 0
    assert "vectorized engine" in capsys.readouterr().out
    assert (tmp_path / "baseline" / "kpis.csv").exists()
