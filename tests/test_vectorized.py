"""The vectorized engine: reproducible, the same people as the agent engine, sound networks.

Its KPI distributions are checked against the agent engine's in
tests/test_engine_equivalence.py, and its KPIs against its own CRM database in
tests/test_model_invariants.py; here: determinism across processes, chunks, batches and
backends, the shared month-0 market, the NumPy social networks, and its own interface.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from sim.model import Market
from sim.population import build_contacts
from sim.scenario import Scenario
from sim.vectorized import VectorizedMarket
from sim.warehouse import SCHEMA

ROOT = Path(__file__).resolve().parents[1]

SMALL = Scenario.load("baseline").with_overrides(
    {
        "market.customers": 400,
        "market.months": 12,
        "population.referral_propensity": 0.4,
        "lifecycle.win_back_rate": 0.2,
        "behaviour.fairness_weight": 1.0,
    }
)

SCRIPT = """
import sys
from sim.model import Market
from sim.scenario import Scenario
toml, seed, database, out = sys.argv[1:]
market = Market(Scenario.load(toml), rng=int(seed), database=database, engine="vectorized").run()
market.kpis().to_parquet(out + "_kpis.parquet")
market.firm_kpis().to_parquet(out + "_firm_kpis.parquet")
"""


def tables(market: Market) -> dict[str, pd.DataFrame]:
    return {name: market.table(name) for name in SCHEMA}


def assert_same_market(a: Market, b: Market) -> None:
    pd.testing.assert_frame_equal(a.kpis(), b.kpis())
    pd.testing.assert_frame_equal(a.firm_kpis(), b.firm_kpis())
    for name, frame in tables(a).items():
        pd.testing.assert_frame_equal(frame, b.table(name), obj=name)


@pytest.fixture(scope="module")
def reference() -> Market:
    return Market(SMALL, rng=7, engine="vectorized").run()


def test_the_engine_is_chosen_by_name(reference):
    assert isinstance(reference, VectorizedMarket) and reference.engine == "vectorized"
    assert type(Market(SMALL, rng=7)) is Market
    with pytest.raises(ValueError, match="engine: got 'numpy'; allowed: 'agents', 'vectorized'"):
        Market(SMALL, engine="numpy")


def test_every_table_has_events_and_the_schema(reference):
    for name, frame in tables(reference).items():
        assert list(frame.columns) == [column for column, _ in SCHEMA[name]], name
        if name != "offers":  # no strategy here makes offers
            assert len(frame) > 0, name


def test_same_seed_same_market_another_seed_another(reference):
    assert_same_market(Market(SMALL, rng=7, engine="vectorized").run(), reference)
    other = Market(SMALL, rng=8, engine="vectorized").run()
    assert not other.firm_kpis()["revenue"].equals(reference.firm_kpis()["revenue"])


def test_running_in_chunks_or_small_batches_changes_nothing(reference):
    chunked = Market(SMALL, rng=7, engine="vectorized", batch_rows=37)
    chunked.run_for(5).run_for(4)
    chunked.run()
    assert_same_market(chunked, reference)


def test_two_processes_give_what_this_one_gives(tmp_path, reference):
    toml = tmp_path / "small.toml"
    toml.write_text(SMALL.to_toml(), encoding="utf-8")
    runs = []
    for run, hash_seed in enumerate(["1", "2"]):
        out = str(tmp_path / f"run{run}")
        command = [sys.executable, "-c", SCRIPT, str(toml), "7", out + ".duckdb", out]
        env = {**os.environ, "PYTHONHASHSEED": hash_seed}
        runs.append((subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.PIPE), out))
    for process, out in runs:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
        pd.testing.assert_frame_equal(pd.read_parquet(out + "_kpis.parquet"), reference.kpis())
        pd.testing.assert_frame_equal(
            pd.read_parquet(out + "_firm_kpis.parquet"), reference.firm_kpis()
        )
        with duckdb.connect(out + ".duckdb", read_only=True) as con:
            for name in SCHEMA:
                pd.testing.assert_frame_equal(con.table(name).df(), reference.table(name), obj=name)


def test_duckdb_parquet_and_no_database_agree(tmp_path, reference):
    parquet = Market(
        SMALL, rng=7, engine="vectorized", database=tmp_path / "crm", backend="parquet"
    )
    assert_same_market(parquet.run(), reference)
    bare = Market(SMALL, rng=7, engine="vectorized", backend="none").run()
    pd.testing.assert_frame_equal(bare.firm_kpis(), reference.firm_kpis())
    with pytest.raises(RuntimeError, match="backend 'none'"):
        bare.table("transactions")


def test_both_engines_start_from_the_same_market():
    """Same seed, same people and the same month-0 state: only the months differ."""
    agents = Market(SMALL, rng=3)
    vectorized = Market(SMALL, rng=3, engine="vectorized")
    pd.testing.assert_frame_equal(agents.table("customers"), vectorized.table("customers"))
    pd.testing.assert_frame_equal(agents.table("firms"), vectorized.table("firms"))
    for name in ("contacts", "lifecycle_events"):
        key = ["customer_id", "firm"]
        a = agents.table(name).sort_values(key, ignore_index=True)
        v = vectorized.table(name).sort_values(key, ignore_index=True)
        pd.testing.assert_frame_equal(a, v, obj=name)
    c = vectorized.customer_arrays
    for customer in agents.customers:
        i = customer.customer_id
        supplier = -1 if customer.supplier is None else customer.supplier.index
        assert (c.stage[i], c.supplier[i], c.tenure[i]) == (
            customer.stage,
            supplier,
            customer.tenure,
        )
        assert c.satisfaction[i] == pytest.approx(customer.satisfaction, rel=1e-6)
        assert c.aware[i].tolist() == customer.aware
    pd.testing.assert_frame_equal(agents.firm_kpis(), vectorized.firm_kpis())  # none yet


def test_a_defection_rule_plugs_into_both_engines():
    """The rule hook takes arrays: nobody leaves by themselves under a zero hazard."""

    def never(satisfaction, bonds, commitment, base_rate, protection):
        return 0.0 * satisfaction

    market = Market(SMALL, rng=1, engine="vectorized", defection_rule=never).run()
    churn = market.table("churn_events")
    assert len(churn) > 0 and churn["switched_to"].notna().all()  # only switches remain


def test_a_customer_snapshot(reference):
    row = reference.customer(5)
    assert row["customer_id"] == 5 and row["stage"] in {
        "prospect",
        "exploration",
        "formation",
        "stability",
        "decline",
        "churned",
    }
    with pytest.raises(KeyError, match="allowed 0 to 399"):
        reference.customer(400)


# ---------------------------------------------------------------------------- networks
def contacts(kind: str, n: int, degree: int = 8, rewiring: float = 0.1, seed: int = 0):
    scenario = Scenario.load("baseline").with_overrides(
        {
            "market.customers": n,
            "network.kind": kind,
            "network.mean_degree": degree,
            "network.rewiring": rewiring,
        }
    )
    return build_contacts(scenario, np.random.default_rng(seed))


@pytest.mark.parametrize("kind", ["small_world", "random", "scale_free"])
def test_networks_are_simple_undirected_graphs(kind):
    graph = contacts(kind, 3000)
    assert (graph != graph.T).nnz == 0, "undirected"
    assert graph.diagonal().sum() == 0, "no one is their own contact"
    assert set(np.unique(graph.data)) == {1.0}, "no doubled ties"


def test_small_world_keeps_the_degree_and_rewires_its_share():
    """Watts & Strogatz: k ties per node on average; a share ``rewiring`` leaves the ring."""
    n, k, p = 20_000, 8, 0.1
    graph = contacts("small_world", n, k, p).tocoo()
    assert graph.nnz == n * k
    gap = np.abs(graph.row - graph.col)
    ring = np.minimum(gap, n - gap) <= k // 2
    ties = n * k // 2
    kept = ring.sum() / 2 / ties
    se = np.sqrt(p * (1 - p) / ties)
    assert abs((1 - kept) - p) < 4 * se + 1e-3  # a rewired tie may land back on the ring
    assert contacts("small_world", 2000, 8, 0.0).nnz == 2000 * 8  # p = 0: the ring itself


def test_random_network_has_a_binomial_number_of_ties():
    n, k = 5000, 8
    p = k / (n - 1)
    ties = contacts("random", n, k).nnz / 2
    pairs = n * (n - 1) / 2
    assert abs(ties - pairs * p) < 4 * np.sqrt(pairs * p * (1 - p))


def test_no_network_or_complete_mixing_has_no_matrix():
    assert contacts("none", 100) is None and contacts("complete", 100) is None
    assert contacts("small_world", 2).nnz == 0  # one possible tie: too few for a ring
