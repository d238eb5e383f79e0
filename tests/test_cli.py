"""The crm-sim command line: a small run writes everything; bad input writes nothing."""

import contextlib
import io
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim.cli import SUMMARY_COLUMNS, main
from sim.scenario import preset_names
from sim.warehouse import SCHEMA

FIGURES = ["lifecycle_stages.png", "churn_by_reason.png", "profit_and_equity.png"]
FIGURES += ["profit_by_tenure.png"]
PNG = b"\x89PNG\r\n\x1a\n"
SMALL = ["--customers", "200", "--months", "6"]

# A malformed scenario file -> a word its one-line error must contain.
MALFORMED = {
    "wrong type": ('[market]\ncustomers = "many"', "market.customers"),
    "negative customers": ("[market]\ncustomers = -5", "market.customers"),
    "probability above one": ("[defection]\nbase_rate = 1.5", "defection.base_rate"),
    "unknown key": ("[behaviour]\nword_of_mouht = 0.3", "behaviour.word_of_mouht"),
    "unknown network kind": ('[network]\nkind = "ring"', "network.kind"),
    "bad date": ('[market]\nstart_date = "yesterday"', "market.start_date"),
    "broken syntax": ("[market\ncustomers = 100", "not valid TOML"),
    "empty firms": ("firms = []", "firms"),
    "duplicate firms": ('[[firms]]\nname = "A"\n[[firms]]\nname = "A"', "unique"),
    "name outside --out": ('name = "../escape"', "folder name"),
}


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def assert_one_line_error(err: str, *words: str) -> None:
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("crm-sim: error: ")
    for word in words:
        assert word in lines[0]


# ---------------------------------------------------------------------------- success
@pytest.fixture(scope="module")
def small_run(tmp_path_factory) -> tuple[Path, str]:
    """One small run shared by the tests that read its output."""
    out = tmp_path_factory.mktemp("runs") / "out"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["run", "baseline", *SMALL, "--out", str(out), "--quiet"])
    assert code == 0
    return out, printed.getvalue()


def test_run_writes_kpis_database_and_figures(small_run):
    out, _ = small_run
    folder = out / "baseline"
    assert sorted(p.name for p in out.iterdir()) == ["baseline"]
    assert sorted(p.name for p in folder.iterdir()) == sorted(
        ["kpis.csv", "firm_kpis.csv", "crm.duckdb", *FIGURES]
    )
    for figure in FIGURES:
        assert (folder / figure).read_bytes().startswith(PNG)


def test_run_honours_the_options(small_run):
    out, _ = small_run
    kpis = pd.read_csv(out / "baseline" / "kpis.csv")
    assert set(SUMMARY_COLUMNS) <= set(kpis.columns)
    assert kpis["month"].max() == 6
    firm_kpis = pd.read_csv(out / "baseline" / "firm_kpis.csv")
    assert set(firm_kpis["firm"]) == {"Focal", "Rival"}
    with duckdb.connect(str(out / "baseline" / "crm.duckdb"), read_only=True) as con:
        tables = {row[0] for row in con.execute("SHOW TABLES").fetchall()}
        assert set(SCHEMA) <= tables
        assert con.execute("SELECT count(*) FROM customers").fetchone()[0] == 200
        assert con.execute("SELECT max(month) FROM transactions").fetchone()[0] == 6
        # The database agrees with the KPI file on the focal firm's revenue.
        revenue = con.execute(
            "SELECT sum(amount) FROM transactions WHERE firm = 'Focal' AND month >= 1"
        ).fetchone()[0]
    assert revenue == pytest.approx(kpis.loc[kpis["month"] >= 1, "revenue"].sum())


def test_run_prints_a_summary(small_run):
    _, printed = small_run
    assert "baseline: 200 customers, 6 months, seed 2024" in printed
    assert "customer_equity" in printed
    assert "kpis.csv" in printed


def test_run_with_the_parquet_backend(tmp_path, capsys):
    code, _, err = run_cli(
        capsys,
        *["run", "baseline", "--customers", "60", "--months", "2", "--seed", "3"],
        *["--out", str(tmp_path), "--backend", "parquet", "--quiet"],
    )
    assert code == 0, err
    database = tmp_path / "baseline" / "crm_parquet"
    assert sorted(p.name for p in database.iterdir()) == sorted(f"{t}.parquet" for t in SCHEMA)
    assert not [p for p in (tmp_path / "baseline").iterdir() if p.name.startswith(".")]


def test_presets(capsys):
    code, out, err = run_cli(capsys, "presets")
    assert code == 0
    assert err == ""
    lines = out.strip().splitlines()
    assert [line.split()[0] for line in lines] == preset_names()
    assert "Baseline market" in out


def test_info(capsys):
    code, out, _ = run_cli(capsys, "info", "baseline")
    assert code == 0
    assert out.startswith("baseline: Baseline market")
    for heading in ("## What it is", "## How it works", "## Things to try"):
        assert heading in out


# ---------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("case", list(MALFORMED))
def test_malformed_scenario_exits_2_and_writes_nothing(case, tmp_path, capsys):
    text, word = MALFORMED[case]
    path = tmp_path / "bad.toml"
    path.write_text(text + "\n", encoding="utf-8")
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, "run", str(path), "--out", str(out), "--quiet")
    assert code == 2
    assert_one_line_error(err, word, "bad.toml")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]


@pytest.mark.parametrize(
    ("args", "word"),
    [
        (["run", "basline"], "unknown scenario preset 'basline'"),
        (["run", "missing.toml"], "does not exist"),
        (["run", "baseline", "--customers", "0"], "market.customers"),
        (["run", "baseline", "--months", "-3"], "market.months"),
        (["run", "baseline", "--seed", "-1"], "market.seed"),
        (["info", "nowhere/x.toml"], "does not exist"),
    ],
)
def test_bad_arguments_exit_2_and_write_nothing(args, word, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code, _, err = run_cli(capsys, *args, *(["--out", str(out)] if args[0] == "run" else []))
    assert code == 2
    assert_one_line_error(err, word)
    assert list(tmp_path.iterdir()) == []


def test_out_that_is_a_file(tmp_path, capsys):
    blocker = tmp_path / "out"
    blocker.write_text("keep me")
    code, _, err = run_cli(capsys, "run", "baseline", "--out", str(blocker), "--quiet")
    assert code == 2
    assert_one_line_error(err, "--out", str(blocker))
    assert blocker.read_text() == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_unparsable_option_is_a_usage_error(tmp_path, capsys):
    with pytest.raises(SystemExit) as info:
        main(["run", "baseline", "--customers", "lots", "--out", str(tmp_path / "out")])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err
    assert "--customers" in err
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------------------- subprocess
def test_malformed_scenario_in_a_fresh_process(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[network]\nkind = 'ring'\n", encoding="utf-8")
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "sim.cli", "run", str(path), "--out", str(out)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 2
    assert_one_line_error(result.stderr, "network.kind", "'ring'")
    assert result.stdout == ""
    assert not out.exists()


def test_installed_entry_point():
    script = Path(sys.executable).parent / "crm-sim"
    if not script.exists():
        pytest.skip("crm-sim is not installed next to this Python")
    result = subprocess.run(
        [str(script), "presets"], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert "baseline" in result.stdout
