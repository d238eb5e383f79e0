"""Same scenario and seed: identical KPIs and identical database, in any process or backend.

Another seed gives another market; running in chunks, buffering rows differently, a fresh
interpreter with another hash seed, or storing to Parquet instead of DuckDB changes nothing.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from sim.model import Market
from sim.scenario import Scenario
from sim.warehouse import SCHEMA

ROOT = Path(__file__).resolve().parents[1]

#: Small, but with strategies on both firms (their own random streams and state).
SMALL = Scenario.load("baseline").with_overrides(
    {
        "market.customers": 300,
        "market.months": 12,
        "population.referral_propensity": 0.3,
        "lifecycle.win_back_rate": 0.2,
        "firms.Focal.strategies.segmentation": {},
        "firms.Focal.strategies.loyalty_programme": {},
        "firms.Focal.strategies.early_warning": {"start_month": 3},
        "firms.Focal.strategies.referral_reward": {},
        "firms.Rival.strategies.win_back": {},
        "firms.Rival.strategies.contract": {"term": 6, "exit_fee": 30.0},
    }
)

SCRIPT = """
import sys
from sim.model import Market
from sim.scenario import Scenario
toml, seed, database, out = sys.argv[1:]
market = Market(Scenario.load(toml), rng=int(seed), database=database).run()
market.kpis().to_parquet(out + "_kpis.parquet")
market.firm_kpis().to_parquet(out + "_firm_kpis.parquet")
"""


def tables(market: Market) -> dict[str, pd.DataFrame]:
    return {name: market.table(name) for name in SCHEMA}


def assert_same_database(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    assert set(a) == set(b) == set(SCHEMA)
    for name in SCHEMA:
        assert list(a[name].columns) == [column for column, _ in SCHEMA[name]], name
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def assert_same_market(a: Market, b: Market) -> None:
    pd.testing.assert_frame_equal(a.kpis(), b.kpis())
    pd.testing.assert_frame_equal(a.firm_kpis(), b.firm_kpis())
    assert_same_database(tables(a), tables(b))


@pytest.fixture(scope="module")
def reference() -> Market:
    return Market(SMALL, rng=7).run()


def test_same_seed_gives_identical_kpis_and_database(reference):
    again = Market(SMALL, rng=7).run()
    assert_same_market(reference, again)
    # the comparison is not vacuous: every table has rows
    assert all(len(table) for table in tables(reference).values())
    assert len(reference.kpis()) == SMALL.market.months


def test_another_seed_gives_another_market(reference):
    other = Market(SMALL, rng=8).run()
    assert not reference.kpis()["revenue"].equals(other.kpis()["revenue"])
    ours, theirs = tables(reference), tables(other)
    for name in ("customers", "transactions", "lifecycle_events", "customer_months"):
        assert not ours[name].equals(theirs[name]), name
    # the firms are the scenario's, whatever the seed
    pd.testing.assert_frame_equal(ours["firms"], theirs["firms"])


def test_the_scenario_seed_is_the_default_seed(reference):
    seeded = SMALL.with_overrides({"market.seed": 7})
    assert_same_market(Market(seeded).run(), reference)


def test_running_in_chunks_or_small_batches_changes_nothing(reference):
    chunked = Market(SMALL, rng=7, batch_rows=7)
    chunked.run_for(1).run_for(4)
    chunked.run_for(0)
    chunked.run()
    assert chunked.month == SMALL.market.months
    assert_same_market(chunked, reference)


def test_two_processes_give_what_this_one_gives(tmp_path, reference):
    toml = tmp_path / "small.toml"
    toml.write_text(SMALL.to_toml(), encoding="utf-8")
    assert Scenario.load(toml) == SMALL  # the processes read the very same scenario
    runs = []
    for run, hash_seed in enumerate(["1", "2"]):  # string hashing differs between them
        out = str(tmp_path / f"run{run}")
        command = [sys.executable, "-c", SCRIPT, str(toml), "7", out + ".duckdb", out]
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        runs.append((process, out))
    results = []
    for process, out in runs:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        with duckdb.connect(out + ".duckdb", read_only=True) as con:
            database = {name: con.table(name).df() for name in SCHEMA}
        kpis = pd.read_parquet(out + "_kpis.parquet")
        firm_kpis = pd.read_parquet(out + "_firm_kpis.parquet")
        results.append((kpis, firm_kpis, database))

    (kpis_a, firm_a, db_a), (kpis_b, firm_b, db_b) = results
    pd.testing.assert_frame_equal(kpis_a, kpis_b)
    pd.testing.assert_frame_equal(firm_a, firm_b)
    assert_same_database(db_a, db_b)
    pd.testing.assert_frame_equal(kpis_a, reference.kpis())
    pd.testing.assert_frame_equal(firm_a, reference.firm_kpis())
    assert_same_database(db_a, tables(reference))


def test_duckdb_and_parquet_backends_hold_the_same_tables(tmp_path, reference):
    duck = Market(SMALL, rng=7, database=tmp_path / "crm.duckdb", backend="duckdb").run()
    parquet = Market(SMALL, rng=7, database=tmp_path / "crm", backend="parquet").run()
    assert (tmp_path / "crm.duckdb").is_file()
    assert sorted(p.name for p in (tmp_path / "crm").iterdir()) == sorted(
        f"{name}.parquet" for name in SCHEMA
    )
    assert_same_market(duck, parquet)
    assert_same_market(parquet, reference)  # and the same as the in-memory database
    # a query gives the same answer on either backend
    query = "SELECT firm, month, sum(amount) AS revenue FROM transactions GROUP BY ALL ORDER BY ALL"
    pd.testing.assert_frame_equal(duck.sql(query), parquet.sql(query))
