"""The CRM database: the event log of a run, streamed to DuckDB or Parquet in batches.

Rows collect in small in-memory buffers and go to storage every ``batch_rows`` rows, so
memory stays flat however long the run. A file target is written under a temporary name
and moved into place only when the run closes it: an interrupted run leaves no
half-written database behind. The schema is documented in docs/data.md.
"""

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Literal

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

#: Every table of the CRM database: column name and Arrow type, in order.
SCHEMA: dict[str, list[tuple[str, pa.DataType]]] = {
    "firms": [
        ("firm", pa.string()),
        ("is_focal", pa.bool_()),
        ("price", pa.float64()),
        ("unit_cost", pa.float64()),
        ("product", pa.float64()),
        ("service", pa.float64()),
        ("personnel", pa.float64()),
        ("image", pa.float64()),
        ("convenience", pa.float64()),
    ],
    "customers": [
        ("customer_id", pa.int64()),
        ("segment", pa.string()),
        ("elasticity", pa.string()),
        ("budget", pa.float64()),
        ("need_rate", pa.float64()),
        ("region", pa.int64()),
        ("age_band", pa.string()),
        ("referral_propensity", pa.float64()),
    ],
    "transactions": [
        ("transaction_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("date", pa.date32()),
        ("items", pa.int32()),
        ("amount", pa.float64()),
        ("cost", pa.float64()),
    ],
    "line_items": [
        ("transaction_id", pa.int64()),
        ("customer_id", pa.int64()),
        ("product", pa.string()),
        ("quantity", pa.int32()),
        ("unit_price", pa.float64()),
        ("amount", pa.float64()),
    ],
    "contacts": [
        ("customer_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("channel", pa.string()),
    ],
    "service_events": [
        ("customer_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("category", pa.string()),
        ("complained", pa.bool_()),
        ("recovered", pa.bool_()),
    ],
    "lifecycle_events": [
        ("customer_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("from_stage", pa.string()),
        ("to_stage", pa.string()),
        ("cause", pa.string()),
    ],
    "churn_events": [
        ("customer_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("reason", pa.string()),
        ("tenure_months", pa.int32()),
        ("satisfaction", pa.float64()),
        ("switched_to", pa.string()),
    ],
    "referrals": [
        ("referrer_id", pa.int64()),
        ("referred_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("event", pa.string()),
    ],
    "offers": [
        ("customer_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("programme", pa.string()),
        ("offer", pa.string()),
        ("accepted", pa.bool_()),
        ("cost", pa.float64()),
    ],
    "customer_months": [
        ("customer_id", pa.int64()),
        ("firm", pa.string()),
        ("month", pa.int32()),
        ("tenure_months", pa.int32()),
        ("revenue", pa.float64()),
        ("cogs", pa.float64()),
        ("cost_to_serve", pa.float64()),
        ("base_profit", pa.float64()),
        ("increased_purchases", pa.float64()),
        ("reduced_operating_costs", pa.float64()),
        ("referrals", pa.float64()),
        ("price_premium", pa.float64()),
        ("acquisition_cost", pa.float64()),
        ("retention_cost", pa.float64()),
        ("profit", pa.float64()),
    ],
}

Backend = Literal["duckdb", "parquet"]


def _arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in SCHEMA[table]])


class Warehouse:
    """Buffers event rows and streams them to DuckDB (default) or Parquet files.

    Args:
        path: a ``.duckdb`` file, a folder for Parquet, or None for an in-memory DuckDB.
        backend: "duckdb" or "parquet".
        batch_rows: rows a table buffers before they are written.
    """

    def __init__(
        self, path: str | Path | None = None, backend: Backend = "duckdb", batch_rows: int = 50_000
    ) -> None:
        if backend not in ("duckdb", "parquet"):
            raise ValueError(f"backend: got {backend!r}; allowed: 'duckdb' or 'parquet'")
        if backend == "parquet" and path is None:
            raise ValueError("backend 'parquet' needs a folder path")
        self.backend = backend
        self.path = None if path is None else Path(path)
        self.batch_rows = batch_rows
        self.buffers: dict[str, list[tuple]] = {table: [] for table in SCHEMA}
        self.closed = False
        self._staging: Path | None = None
        self._writers: dict[str, pq.ParquetWriter] = {}
        if backend == "duckdb":
            if self.path is None:
                self.connection = duckdb.connect(":memory:")
            else:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.path.parent))
                self.connection = duckdb.connect(str(self._staging / self.path.name))
            for table in SCHEMA:
                empty = _arrow_schema(table).empty_table()  # noqa: F841 - read by DuckDB
                self.connection.execute(f"CREATE TABLE {table} AS SELECT * FROM empty")
        else:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.path.parent))

    def add(self, table: str, row: tuple) -> None:
        """Append one row (values in schema order); write the buffer when it is full."""
        buffer = self.buffers[table]
        buffer.append(row)
        if len(buffer) >= self.batch_rows:
            self._write(table)

    def appender(self, table: str) -> Callable[[tuple], None]:
        """A fast ``append(row)`` for a hot loop; call ``write_full()`` now and then.

        The simulation logs hundreds of thousands of rows; skipping the size check on
        every row saves a third of its run time. Memory stays bounded as long as the
        caller writes full buffers regularly (the market does so every month).
        """
        return self.buffers[table].append

    def write_full(self) -> None:
        """Write every table whose buffer has reached ``batch_rows``."""
        for table, rows in self.buffers.items():
            if len(rows) >= self.batch_rows:
                self._write(table)

    def add_columns(self, table: str, columns: dict[str, object]) -> None:
        """Write a whole table at once from columns (used for small reference tables)."""
        self._write_arrow(table, pa.table(columns, schema=_arrow_schema(table)))

    def flush(self) -> None:
        """Write every buffered row."""
        for table in SCHEMA:
            if self.buffers[table]:
                self._write(table)

    def _write(self, table: str) -> None:
        rows = self.buffers[table]
        columns = list(zip(*rows, strict=True))
        schema = _arrow_schema(table)
        arrow = pa.Table.from_arrays(
            [pa.array(col, type=field.type) for col, field in zip(columns, schema, strict=True)],
            schema=schema,
        )
        rows.clear()  # in place: appenders handed out keep pointing at this buffer
        self._write_arrow(table, arrow)

    def _write_arrow(self, table: str, arrow: pa.Table) -> None:
        if self.backend == "duckdb":
            self.connection.register("_batch", arrow)
            self.connection.execute(f"INSERT INTO {table} SELECT * FROM _batch")
            self.connection.unregister("_batch")
        else:
            writer = self._writers.get(table)
            if writer is None:
                writer = pq.ParquetWriter(self._staging / f"{table}.parquet", arrow.schema)
                self._writers[table] = writer
            writer.write_table(arrow)

    def close(self) -> None:
        """Flush, then move the finished database into place (atomically per target).

        If anything fails on the way, the staging area is discarded and the error raised:
        the target is either the complete new database or left as it was.
        """
        if self.closed:
            return
        try:
            self.flush()
            if self.backend == "parquet":
                for table in SCHEMA:
                    if table not in self._writers:
                        self._write_arrow(table, _arrow_schema(table).empty_table())
                    self._writers[table].close()
                _replace(self._staging, self.path)
            elif self._staging is not None:
                self.connection.close()
                os.replace(self._staging / self.path.name, self.path)
                shutil.rmtree(self._staging, ignore_errors=True)
                self.connection = duckdb.connect(str(self.path))
        except BaseException:
            self.discard()
            raise
        self.closed = True

    def discard(self) -> None:
        """Abandon an unfinished file target: remove the staging area, keep old results."""
        for writer in self._writers.values():
            writer.close()
        self._writers = {}
        if self._staging is not None:
            if self.backend == "duckdb":
                self.connection.close()
            shutil.rmtree(self._staging, ignore_errors=True)
        self.closed = True

    def table(self, name: str):
        """A table as a pandas DataFrame (flushes pending rows first)."""
        if name not in SCHEMA:
            raise KeyError(f"unknown table '{name}'; tables: {list(SCHEMA)}")
        if self.backend == "parquet":
            if not self.closed:
                raise RuntimeError("Parquet tables can be read once the run is closed")
            return self.sql(f"SELECT * FROM {name}")  # the same pandas types as DuckDB
        if not self.closed:
            self.flush()
        return self.connection.table(name).df()

    def sql(self, query: str):
        """Run SQL against the database (DuckDB) and return a pandas DataFrame."""
        if self.backend == "parquet":
            if not self.closed:
                raise RuntimeError("Parquet tables can be queried once the run is closed")
            con = duckdb.connect(":memory:")
            for name in SCHEMA:
                source = str(self.path / f"{name}.parquet").replace("'", "''")
                con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{source}')")
            return con.execute(query).df()
        if not self.closed:
            self.flush()
        return self.connection.execute(query).df()


def _replace(staging: Path, target: Path) -> None:
    """Move a finished Parquet folder to ``target``, replacing an older one."""
    if target.exists():
        old = target.with_name(f".{target.name}.old")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(target, old)
        os.replace(staging, target)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(staging, target)
