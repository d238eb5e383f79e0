"""The CRM database: batching, the two backends, atomic close, reading and SQL."""

import datetime as dt

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from sim.warehouse import SCHEMA, Warehouse

DUCKDB_TYPES = {
    pa.int64(): "BIGINT",
    pa.int32(): "INTEGER",
    pa.float64(): "DOUBLE",
    pa.string(): "VARCHAR",
    pa.bool_(): "BOOLEAN",
    pa.date32(): "DATE",
}


def sample_row(table: str, i: int) -> tuple:
    """Row ``i`` of a table, with every column type and some missing strings."""
    values = []
    for name, kind in SCHEMA[table]:
        if kind == pa.int64():
            values.append(i)
        elif kind == pa.int32():
            values.append(i % 7)
        elif kind == pa.float64():
            values.append(i * 1.25 - 3.0)
        elif kind == pa.string():
            values.append(None if i % 4 == 3 else f"{name}-{i % 3}")
        elif kind == pa.bool_():
            values.append(i % 2 == 0)
        elif kind == pa.date32():
            values.append(dt.date(2024, 1, 1) + dt.timedelta(days=31 * i))
        else:  # pragma: no cover - a new type in SCHEMA needs a sample here
            raise AssertionError(f"no sample for {kind}")
    return tuple(values)


def fill(warehouse: Warehouse, rows: dict[str, int]) -> None:
    for table, n in rows.items():
        for i in range(n):
            warehouse.add(table, sample_row(table, i))


def stored_rows(warehouse: Warehouse, table: str) -> int:
    """Rows already in DuckDB storage, without flushing the buffers."""
    return warehouse.connection.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]


def leftovers(folder):
    return sorted(p.name for p in folder.iterdir())


SOME_ROWS = {"transactions": 11, "churn_events": 5, "service_events": 1, "customer_months": 8}


# ---------------------------------------------------------------------------- schema
def test_duckdb_tables_follow_the_schema():
    warehouse = Warehouse()
    for table, columns in SCHEMA.items():
        described = warehouse.sql(f"DESCRIBE {table}")
        assert list(described["column_name"]) == [name for name, _ in columns]
        assert list(described["column_type"]) == [DUCKDB_TYPES[kind] for _, kind in columns]


def test_parquet_files_follow_the_schema(tmp_path):
    warehouse = Warehouse(tmp_path / "crm", backend="parquet")
    fill(warehouse, {"transactions": 3})
    warehouse.close()
    for table, columns in SCHEMA.items():
        schema = pq.read_schema(tmp_path / "crm" / f"{table}.parquet")
        assert schema.names == [name for name, _ in columns]
        assert schema.types == [kind for _, kind in columns]


def test_every_table_is_readable_even_when_empty(tmp_path):
    for warehouse in (Warehouse(), Warehouse(tmp_path / "crm", backend="parquet")):
        warehouse.close()
        for table, columns in SCHEMA.items():
            frame = warehouse.table(table)
            assert list(frame.columns) == [name for name, _ in columns]
            assert len(frame) == 0


# ---------------------------------------------------------------------------- batching
def test_rows_wait_in_memory_until_a_batch_is_full():
    warehouse = Warehouse(batch_rows=3)
    fill(warehouse, {"contacts": 2})
    assert stored_rows(warehouse, "contacts") == 0
    assert len(warehouse.buffers["contacts"]) == 2
    warehouse.add("contacts", sample_row("contacts", 2))
    assert stored_rows(warehouse, "contacts") == 3
    assert warehouse.buffers["contacts"] == []
    for i in range(3, 7):
        warehouse.add("contacts", sample_row("contacts", i))
    assert stored_rows(warehouse, "contacts") == 6
    assert len(warehouse.buffers["contacts"]) == 1
    # Tables buffer independently.
    warehouse.add("referrals", sample_row("referrals", 0))
    assert stored_rows(warehouse, "referrals") == 0
    warehouse.close()
    assert stored_rows(warehouse, "contacts") == 7
    assert stored_rows(warehouse, "referrals") == 1


@pytest.mark.parametrize("batch_rows", [1, 2, 5, 1000])
def test_row_counts_equal_rows_added(batch_rows):
    warehouse = Warehouse(batch_rows=batch_rows)
    fill(warehouse, SOME_ROWS)
    warehouse.close()
    for table in SCHEMA:
        assert len(warehouse.table(table)) == SOME_ROWS.get(table, 0)
    # Nothing lost or reordered in the batches.
    ids = warehouse.table("transactions")["transaction_id"].tolist()
    assert ids == list(range(SOME_ROWS["transactions"]))


def test_parquet_writes_one_row_group_per_batch(tmp_path):
    warehouse = Warehouse(tmp_path / "crm", backend="parquet", batch_rows=4)
    fill(warehouse, {"transactions": 10})
    warehouse.close()
    metadata = pq.ParquetFile(tmp_path / "crm" / "transactions.parquet").metadata
    assert metadata.num_rows == 10
    assert [metadata.row_group(g).num_rows for g in range(metadata.num_row_groups)] == [4, 4, 2]


def test_reading_a_duckdb_table_flushes_pending_rows():
    warehouse = Warehouse(batch_rows=100)
    fill(warehouse, {"transactions": 4})
    assert len(warehouse.table("transactions")) == 4
    assert warehouse.sql("SELECT count(*) AS n FROM transactions")["n"].iloc[0] == 4
    assert not warehouse.closed


def test_add_columns_writes_a_whole_table():
    warehouse = Warehouse()
    warehouse.add_columns(
        "firms",
        {
            "firm": ["Focal", "Rival"],
            "is_focal": [True, False],
            **{key: [1.0, 2.0] for key in ("price", "unit_cost", "product", "service")},
            **{key: [0.5, 0.6] for key in ("personnel", "image", "convenience")},
        },
    )
    firms = warehouse.table("firms")
    assert firms["firm"].tolist() == ["Focal", "Rival"]
    assert firms["is_focal"].tolist() == [True, False]


# ---------------------------------------------------------------------------- backends
def test_duckdb_and_parquet_give_equal_tables(tmp_path):
    rows = {table: 9 for table in SCHEMA}
    in_duckdb = Warehouse(tmp_path / "crm.duckdb", batch_rows=4)
    in_parquet = Warehouse(tmp_path / "crm_parquet", backend="parquet", batch_rows=4)
    for warehouse in (in_duckdb, in_parquet):
        fill(warehouse, rows)
        warehouse.close()
    for table in SCHEMA:
        a, b = in_duckdb.table(table), in_parquet.table(table)
        assert len(a) == 9
        pd.testing.assert_frame_equal(a, b)
    query = """
        SELECT firm, count(*) AS n, sum(amount) AS amount, min(date) AS first
        FROM transactions GROUP BY firm ORDER BY firm NULLS LAST
    """
    pd.testing.assert_frame_equal(in_duckdb.sql(query), in_parquet.sql(query))


def test_values_survive_storage():
    warehouse = Warehouse()
    row = sample_row("churn_events", 3)
    warehouse.add("churn_events", row)
    stored = warehouse.table("churn_events").iloc[0]
    assert stored["customer_id"] == 3
    assert stored["reason"] is None or pd.isna(stored["reason"])  # a missing string
    assert stored["satisfaction"] == pytest.approx(0.75)
    transactions = Warehouse()
    transactions.add("transactions", sample_row("transactions", 2))
    stored_date = transactions.sql("SELECT date FROM transactions")["date"].iloc[0]
    assert stored_date == pd.Timestamp(dt.date(2024, 1, 1) + dt.timedelta(days=62))


def test_unknown_backend_and_table():
    with pytest.raises(ValueError, match="allowed: 'duckdb', 'parquet' or 'none'"):
        Warehouse(backend="csv")
    with pytest.raises(ValueError, match="folder"):
        Warehouse(backend="parquet")
    with pytest.raises(KeyError, match="transactions"):
        Warehouse().table("transaction")


def test_parquet_is_read_only_once_closed(tmp_path):
    warehouse = Warehouse(tmp_path / "crm", backend="parquet")
    with pytest.raises(RuntimeError, match="closed"):
        warehouse.table("transactions")
    with pytest.raises(RuntimeError, match="closed"):
        warehouse.sql("SELECT 1")


# ---------------------------------------------------------------------------- atomic close
def test_duckdb_file_appears_only_when_closed(tmp_path):
    target = tmp_path / "crm.duckdb"
    warehouse = Warehouse(target, batch_rows=2)
    fill(warehouse, SOME_ROWS)
    assert not target.exists()
    warehouse.close()
    assert leftovers(tmp_path) == ["crm.duckdb"]
    warehouse.close()  # a second close does nothing
    assert len(warehouse.table("transactions")) == SOME_ROWS["transactions"]
    warehouse.connection.close()
    with duckdb.connect(str(target)) as con:
        assert con.execute("SELECT count(*) FROM customer_months").fetchone()[0] == 8


def test_parquet_folder_appears_only_when_closed(tmp_path):
    target = tmp_path / "crm"
    warehouse = Warehouse(target, backend="parquet", batch_rows=2)
    fill(warehouse, SOME_ROWS)
    assert not target.exists()
    warehouse.close()
    assert leftovers(tmp_path) == ["crm"]
    assert leftovers(target) == sorted(f"{table}.parquet" for table in SCHEMA)


@pytest.mark.parametrize(("backend", "name"), [("duckdb", "crm.duckdb"), ("parquet", "crm")])
def test_a_discarded_run_leaves_nothing(tmp_path, backend, name):
    warehouse = Warehouse(tmp_path / name, backend=backend, batch_rows=2)
    fill(warehouse, SOME_ROWS)
    warehouse.discard()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("backend", "name"), [("duckdb", "crm.duckdb"), ("parquet", "crm")])
def test_a_discarded_run_keeps_the_previous_results(tmp_path, backend, name):
    first = Warehouse(tmp_path / name, backend=backend)
    fill(first, {"transactions": 3})
    first.close()
    if backend == "duckdb":
        first.connection.close()
    second = Warehouse(tmp_path / name, backend=backend)
    fill(second, {"transactions": 50})
    second.discard()
    assert leftovers(tmp_path) == [name]
    again = duckdb.connect()
    source = tmp_path / name
    if backend == "duckdb":
        again.execute(f"ATTACH '{source}' AS old (READ_ONLY)")
        count = again.execute("SELECT count(*) FROM old.transactions").fetchone()[0]
    else:
        count = again.execute(
            f"SELECT count(*) FROM read_parquet('{source / 'transactions.parquet'}')"
        ).fetchone()[0]
    assert count == 3


def test_closing_replaces_an_older_parquet_run(tmp_path):
    target = tmp_path / "crm"
    for n in (5, 2):
        warehouse = Warehouse(target, backend="parquet")
        fill(warehouse, {"transactions": n})
        warehouse.close()
    assert leftovers(tmp_path) == ["crm"]
    assert len(warehouse.table("transactions")) == 2


@pytest.mark.parametrize(("backend", "name"), [("duckdb", "crm.duckdb"), ("parquet", "crm")])
def test_a_close_that_fails_leaves_nothing(tmp_path, backend, name):
    warehouse = Warehouse(tmp_path / name, backend=backend, batch_rows=100)
    fill(warehouse, SOME_ROWS)
    bad = list(sample_row("transactions", 99))
    bad[0] = "not an id"
    warehouse.add("transactions", tuple(bad))  # buffered: the failure comes at close
    with pytest.raises((pa.ArrowInvalid, pa.ArrowTypeError)):
        warehouse.close()
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize(("backend", "name"), [("duckdb", "crm.duckdb"), ("parquet", "crm")])
def test_a_run_that_fails_midway_can_be_discarded(tmp_path, backend, name):
    warehouse = Warehouse(tmp_path / name, backend=backend, batch_rows=3)
    fill(warehouse, {"contacts": 4})
    with pytest.raises(ValueError, match="zip"):
        warehouse.add("transactions", (1, 2))  # too short: fails when written
        fill(warehouse, {"transactions": 3})
    warehouse.discard()
    assert leftovers(tmp_path) == []


def test_backend_none_keeps_no_events_but_the_same_kpis():
    """A KPI-only run: same KPIs as with a database, and asking for events says why not."""
    from sim.model import Market
    from sim.scenario import Scenario

    scenario = Scenario.load("baseline").with_overrides(
        {"market.customers": 200, "market.months": 6}
    )
    kept = Market(scenario, rng=3).run()
    none = Market(scenario, rng=3, backend="none").run()
    pd.testing.assert_frame_equal(kept.firm_kpis(), none.firm_kpis())
    assert len(kept.table("transactions")) > 0
    with pytest.raises(RuntimeError, match="backend 'none'"):
        none.table("transactions")
    with pytest.raises(ValueError, match="keeps no database"):
        Warehouse("x.duckdb", backend="none")
