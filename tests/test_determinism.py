"""Same scenario and seed: identical KPIs and identical database, in any process."""

import subprocess
import sys

import duckdb
import pandas as pd
import pytest

from sim.model import Market
from sim.scenario import Scenario
from sim.warehouse import SCHEMA

SMALL = Scenario.load("baseline").with_overrides(
    {
        "market.customers": 300,
        "market.months": 12,
        "firms.Focal.strategies.segmentation": {},
        "firms.Focal.strategies.loyalty_programme": {},
        "firms.Focal.strategies.early_warning": {"start_month": 3},
    }
)

SCRIPT = """
import sys
from sim.model import Market
from sim.scenario import Scenario
scenario = Scenario.load(sys.argv[1])
market = Market(scenario, rng=int(sys.argv[2]), database=sys.argv[3]).run()
market.kpis().to_csv(sys.argv[4], index=False)
"""


def tables(market: Market) -> dict[str, pd.DataFrame]:
    return {name: market.table(name) for name in SCHEMA}


def assert_same_database(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for name in SCHEMA:
        pd.testing.assert_frame_equal(a[name], b[name], obj=name)


def test_same_seed_gives_identical_kpis_and_database():
    first = Market(SMALL, rng=7).run()
    second = Market(SMALL, rng=7).run()
    pd.testing.assert_frame_equal(first.kpis(), second.kpis())
    pd.testing.assert_frame_equal(first.firm_kpis(), second.firm_kpis())
    assert_same_database(tables(first), tables(second))
    assert all(len(t) for name, t in tables(first).items() if name != "referrals")


def test_another_seed_gives_another_market():
    first = Market(SMALL, rng=7).run()
    other = Market(SMALL, rng=8).run()
    assert not first.kpis()["revenue"].equals(other.kpis()["revenue"])


def test_the_scenario_seed_is_the_default_seed():
    seeded = SMALL.with_overrides({"market.seed": 11})
    pd.testing.assert_frame_equal(Market(seeded).run().kpis(), Market(SMALL, rng=11).run().kpis())


def test_two_processes_give_what_this_one_gives(tmp_path):
    path = tmp_path / "small.toml"
    path.write_text(SMALL.to_toml(), encoding="utf-8")
    outputs = []
    for run in range(2):
        database = tmp_path / f"crm{run}.duckdb"
        kpis = tmp_path / f"kpis{run}.csv"
        command = [sys.executable, "-c", SCRIPT, str(path), "5", str(database), str(kpis)]
        subprocess.run(command, check=True, capture_output=True)
        outputs.append((database, pd.read_csv(kpis)))
    here = Market(SMALL, rng=5).run()
    expected = pd.read_csv(pd.io.common.StringIO(here.kpis().to_csv(index=False)))
    pd.testing.assert_frame_equal(outputs[0][1], outputs[1][1])
    pd.testing.assert_frame_equal(outputs[0][1], expected)
    for database, _ in outputs:
        with duckdb.connect(str(database), read_only=True) as con:
            other = {name: con.table(name).df() for name in SCHEMA}
        assert_same_database(other, tables(here))


@pytest.mark.parametrize("backend", ["duckdb", "parquet"])
def test_file_backends_hold_the_same_tables_as_memory(tmp_path, backend):
    target = tmp_path / ("crm.duckdb" if backend == "duckdb" else "crm_parquet")
    on_disk = Market(SMALL, rng=3, database=target, backend=backend).run()
    in_memory = Market(SMALL, rng=3).run()
    assert_same_database(tables(on_disk), tables(in_memory))
    pd.testing.assert_frame_equal(on_disk.kpis(), in_memory.kpis())
