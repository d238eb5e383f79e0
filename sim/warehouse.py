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
        ("buy_class", pa.string()),
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

Backend = Literal["duckdb", "parquet", "none"]


def _arrow_schema(table: str) -> pa.Schema:
    return pa.schema([pa.field(name, kind) for name, kind in SCHEMA[table]])


class Warehouse:
    """Buffers event rows and streams them to DuckDB (default) or Parquet files.

    Args:
        path: a ``.duckdb`` file, a folder for Parquet, or None for an in-memory DuckDB.
        backend: "duckdb", "parquet", or "none": keep no events at all (a sweep that
            needs only the KPIs runs faster and lighter without them).
        batch_rows: rows a table buffers before they are written.
    """

    def __init__(
        self, path: str | Path | None = None, backend: Backend = "duckdb", batch_rows: int = 50_000
    ) -> None:
        if backend not in ("duckdb", "parquet", "none"):
            raise ValueError(f"backend: got {backend!r}; allowed: 'duckdb', 'parquet' or 'none'")
        if backend == "parquet" and path is None:
            raise ValueError("backend 'parquet' needs a folder path")
        if backend == "none" and path is not None:
            raise ValueError(f"backend 'none' keeps no database: got path {str(path)!r}")
        self.backend = backend
        self.path = None if path is None else Path(path)
        self.batch_rows = batch_rows
        self.buffers: dict[str, list[tuple]] = {table: [] for table in SCHEMA}
        self.batches: dict[str, list[pa.Table]] = {table: [] for table in SCHEMA}
        self._batched_rows = dict.fromkeys(SCHEMA, 0)
        self.closed = False
        self._staging: Path | None = None
        self._writers: dict[str, pq.ParquetWriter] = {}
        if backend == "none":
            pass
        elif backend == "duckdb":
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
        if self.backend == "none":
            return
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
        if self.backend == "none":
            return _discard
        return self.buffers[table].append

    @property
    def keeps_events(self) -> bool:
        """Whether events are stored (False for backend "none")."""
        return self.backend != "none"

    def write_full(self) -> None:
        """Write every table whose buffer has reached ``batch_rows``."""
        for table, rows in self.buffers.items():
            if len(rows) >= self.batch_rows:
                self._write(table)

    def add_batch(self, table: str, columns: dict[str, pa.Array]) -> None:
        """Append many rows at once as Arrow columns (the vectorized engine's events).

        Batches collect until ``batch_rows`` rows and are written together, so storage
        sees large row groups however small each month's batch is.
        """
        if self.backend == "none":
            return
        batch = pa.table(columns, schema=_arrow_schema(table))
        self.batches[table].append(batch)
        self._batched_rows[table] += batch.num_rows
        if self._batched_rows[table] >= self.batch_rows:
            self._write_batches(table)

    def _write_batches(self, table: str) -> None:
        batches = self.batches[table]
        if batches:
            self._write_arrow(table, pa.concat_tables(batches))
            batches.clear()
            self._batched_rows[table] = 0

    def add_columns(self, table: str, columns: dict[str, object]) -> None:
        """Write a whole table at once from columns (used for small reference tables)."""
        self._write_arrow(table, pa.table(columns, schema=_arrow_schema(table)))

    def flush(self) -> None:
        """Write every buffered row."""
        for table in SCHEMA:
            if self.buffers[table]:
                self._write(table)
            self._write_batches(table)

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
        if self.backend == "none":
            return
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
        self._check_kept()
        if self.backend == "parquet":
            if not self.closed:
                raise RuntimeError("Parquet tables can be read once the run is closed")
            return self.sql(f"SELECT * FROM {name}")  # the same pandas types as DuckDB
        if not self.closed:
            self.flush()
        return self.connection.table(name).df()

    def sql(self, query: str):
        """Run SQL against the database (DuckDB) and return a pandas DataFrame."""
        self._check_kept()
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

    def _check_kept(self) -> None:
        if self.backend == "none":
            raise RuntimeError(
                "this run kept no CRM database (backend 'none'); run it with "
                "backend 'duckdb' or 'parquet' to query its events"
            )


def _discard(row: tuple) -> None:
    """An appender that keeps nothing (backend "none")."""


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


# ==========================================================================================
# Named queries for notebooks: OLAP roll-ups of the CRM database.
#
# Each query is DuckDB SQL over the tables of SCHEMA, documented by its leading comment.
# ``{firm}`` is a parameter: NULL (the default) for the whole market, or one firm's name
# to slice the cube to that firm. Run one with ``run_query(market, name, firm="Focal")``.
# ==========================================================================================

#: Name -> SQL of each named query; the SQL's leading comment says what it returns.
QUERIES: dict[str, str] = {
    "revenue_by_segment_by_month": """
-- Revenue, cost, margin, transactions and buyers by month and needs segment.
SELECT t.month, c.segment, sum(t.amount) AS revenue, sum(t.cost) AS cost,
       sum(t.amount - t.cost) AS margin, count(*) AS transactions,
       count(DISTINCT t.customer_id) AS buyers
FROM transactions t JOIN customers c USING (customer_id)
WHERE {firm} IS NULL OR t.firm = {firm}
GROUP BY ALL ORDER BY ALL
""",
    "revenue_by_region_by_year": """
-- Revenue, transactions and buyers by year of the run (months 1-12 = year 1) and region.
SELECT (t.month - 1) // 12 + 1 AS year, c.region, sum(t.amount) AS revenue,
       count(*) AS transactions, count(DISTINCT t.customer_id) AS buyers
FROM transactions t JOIN customers c USING (customer_id)
WHERE {firm} IS NULL OR t.firm = {firm}
GROUP BY ALL ORDER BY ALL
""",
    "revenue_by_firm_by_month": """
-- Revenue, cost, margin, transactions and buyers by month and firm (market shares).
SELECT month, firm, sum(amount) AS revenue, sum(cost) AS cost,
       sum(amount - cost) AS margin, count(*) AS transactions,
       count(DISTINCT customer_id) AS buyers
FROM transactions
WHERE {firm} IS NULL OR firm = {firm}
GROUP BY ALL ORDER BY ALL
""",
    "revenue_by_product_by_month": """
-- Units and revenue by month and product line (fees such as exit_fee are lines too).
SELECT t.month, l.product, sum(l.quantity) AS quantity, sum(l.amount) AS revenue
FROM line_items l JOIN transactions t ON l.transaction_id = t.transaction_id
WHERE {firm} IS NULL OR t.firm = {firm}
GROUP BY ALL ORDER BY ALL
""",
    "revenue_rollup_region_segment": """
-- Roll-up of revenue from segment to region to the whole market (GROUP BY ROLLUP):
-- one row per region and segment, a subtotal per region (segment = 'all') and the grand
-- total (region = 'all', segment = 'all').
SELECT CASE WHEN grouping(c.region) = 1 THEN 'all' ELSE CAST(c.region AS VARCHAR) END
           AS region,
       CASE WHEN grouping(c.segment) = 1 THEN 'all' ELSE c.segment END AS segment,
       sum(t.amount) AS revenue, count(*) AS transactions,
       count(DISTINCT t.customer_id) AS buyers
FROM transactions t JOIN customers c USING (customer_id)
WHERE {firm} IS NULL OR t.firm = {firm}
GROUP BY ROLLUP (c.region, c.segment)
ORDER BY grouping(c.region), c.region, grouping(c.segment), c.segment
""",
    "customers_by_stage_by_month": """
-- Customers in each lifecycle stage at the end of each month (month 0 = the start).
-- Whole market: every customer, prospects and churned included (as Market.kpis());
-- one firm: its customers by active stage (as Market.firm_kpis()). A stage's count is
-- its cumulative flows: +1 for each transition into it, -1 for each one out of it.
WITH events AS (
    SELECT month, from_stage, to_stage FROM lifecycle_events
    WHERE {firm} IS NULL OR firm = {firm}
),
flows AS (
    SELECT month, to_stage AS stage, 1 AS change FROM events
    UNION ALL
    SELECT month, from_stage AS stage, -1 AS change FROM events
),
net AS (SELECT month, stage, sum(change) AS change FROM flows GROUP BY ALL),
months AS (
    SELECT unnest(range(0, 1 + greatest(
        (SELECT coalesce(max(month), 0) FROM lifecycle_events),
        (SELECT coalesce(max(month), 0) FROM transactions)))) AS month
),
stages AS (
    SELECT * FROM (VALUES (0, 'prospect'), (1, 'exploration'), (2, 'formation'),
                          (3, 'stability'), (4, 'decline'), (5, 'churned')) AS s(rank, stage)
    WHERE {firm} IS NULL OR stage NOT IN ('prospect', 'churned')
)
SELECT m.month, s.stage,
       CAST(sum(coalesce(n.change, 0)) OVER (PARTITION BY s.stage ORDER BY m.month)
            + CASE WHEN s.stage = 'prospect' THEN (SELECT count(*) FROM customers) ELSE 0 END
            AS BIGINT) AS customers
FROM months m CROSS JOIN stages s LEFT JOIN net n ON n.month = m.month AND n.stage = s.stage
ORDER BY m.month, s.rank
""",
    "churn_by_reason_by_firm": """
-- Defections by firm and Keaveney's reason: count, share of the firm's defections, mean
-- tenure and satisfaction when leaving, and how many went to a rival (the rest left the
-- category).
SELECT firm, reason, count(*) AS churns,
       count(*) / sum(count(*)) OVER (PARTITION BY firm) AS share,
       avg(tenure_months) AS mean_tenure_months, avg(satisfaction) AS mean_satisfaction,
       count(switched_to) AS switched_to_rival
FROM churn_events
WHERE {firm} IS NULL OR firm = {firm}
GROUP BY firm, reason ORDER BY firm, churns DESC, reason
""",
    "profit_by_tenure_year": """
-- Reichheld & Sasser's figure: annual profit per customer by firm and year of tenure,
-- split by source (12 x the mean customer-month), with the customer-months behind it.
SELECT firm, tenure_months // 12 + 1 AS tenure_year, count(*) AS customer_months,
       12 * avg(base_profit) AS base_profit,
       12 * avg(increased_purchases) AS increased_purchases,
       12 * avg(reduced_operating_costs) AS reduced_operating_costs,
       12 * avg(referrals) AS referrals, 12 * avg(price_premium) AS price_premium,
       12 * avg(acquisition_cost) AS acquisition_cost,
       12 * avg(retention_cost) AS retention_cost, 12 * avg(profit) AS profit
FROM customer_months
WHERE {firm} IS NULL OR firm = {firm}
GROUP BY ALL ORDER BY ALL
""",
}


def _sql_literal(name: str, value: object) -> str:
    """``value`` as a SQL literal; strings are quoted, so a parameter cannot inject SQL."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "'" + value.replace("'", "''") + "'"
    if isinstance(value, int | float) and not isinstance(value, bool):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"{name}: got {value!r}; it must be finite")
        return repr(value)
    raise ValueError(f"{name}: got {value!r}; expected a string, a number or None")


def query_sql(name: str, firm: str | None = None) -> str:
    """The SQL text of the named query ``name`` with its parameters filled in.

    Args:
        name: A key of ``QUERIES``.
        firm: One firm's name, or None for the whole market.

    Returns:
        DuckDB SQL, ready for ``Market.sql``, ``Warehouse.sql`` or a DuckDB connection.

    Raises:
        KeyError: If there is no query of that name (the message lists them).
        ValueError: If ``firm`` is not a string or None.
    """
    if name not in QUERIES:
        raise KeyError(f"unknown query '{name}'; queries: {list(QUERIES)}")
    return QUERIES[name].format(firm=_sql_literal("firm", firm)).strip()


def run_query(source: object, name: str, firm: str | None = None):
    """Run a named query on a market, a warehouse or a DuckDB connection.

    Args:
        source: A ``Market`` or ``Warehouse`` (anything whose ``sql(text)`` returns a
            DataFrame), or a DuckDB connection, e.g. to a finished ``crm.duckdb`` file.
        name: A key of ``QUERIES``.
        firm: One firm's name to slice the cube to that firm, or None for the market.

    Returns:
        The result as a pandas DataFrame.

    Raises:
        KeyError: If there is no query of that name.
        ValueError: If ``firm`` is not a string or None.
    """
    result = source.sql(query_sql(name, firm))
    return result.df() if isinstance(result, duckdb.DuckDBPyRelation) else result
